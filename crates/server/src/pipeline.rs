//! The ingest pipeline: validate → dedupe → enrich → identify → thread →
//! route → persist with events, one write transaction per batch.
//!
//! Enrichment (the CPU-heavy part) runs on all cores before the write
//! transaction opens; threading and routing run inside it, against state the
//! store loads for the whole batch in a handful of queries.

use crate::config::Settings;
use analytics::rollup::{Attribution, ConvFacts, RollupDelta};
use domain::record::Record;
use domain::routing::{Router, RoutingInput};
use domain::threading::{ThreadDecision, ThreadingConfig, thread_inbound, thread_outbound};
use domain::{Conversation, ConversationId, CustomerId, Direction, MessageId, Signals};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use store::ingest::{
    Key, KnownCustomer, LifecycleRow, NewCustomer, NewIdentity, RecordKind, SurveyRow,
};
use store::{IngestContext, IngestKeys, IngestPlan, MessageRow, NewEvent, Store};

/// One input item and where it came from (a line number or a batch index),
/// so that errors can name it.
#[derive(Debug, Clone)]
pub struct Item {
    pub origin: usize,
    pub record: Record,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ItemError {
    /// Line number (imports, 1-based) or index in the batch (API, 0-based).
    pub line: usize,
    pub reason: String,
}

/// What happened to a batch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct IngestReport {
    pub accepted: u64,
    pub duplicates: u64,
    pub rejected: u64,
    pub errors: Vec<ItemError>,
}

impl IngestReport {
    pub fn reject(&mut self, line: usize, reason: impl Into<String>) {
        self.rejected += 1;
        self.errors.push(ItemError {
            line,
            reason: reason.into(),
        });
    }

    pub fn merge(&mut self, other: IngestReport) {
        self.accepted += other.accepted;
        self.duplicates += other.duplicates;
        self.rejected += other.rejected;
        self.errors.extend(other.errors);
    }
}

/// The enrichers in force: one per brand with calibrated models or rules of
/// its own, and a default (brand `*`) for every other message.
pub struct Enrichers {
    pub default: Arc<nlp::Enricher>,
    pub by_brand: HashMap<String, Arc<nlp::Enricher>>,
}

impl Enrichers {
    fn for_brand(&self, brand: Option<&str>) -> &nlp::Enricher {
        brand
            .and_then(|b| self.by_brand.get(&b.to_lowercase()))
            .unwrap_or(&self.default)
    }
}

pub struct Pipeline {
    store: Store,
    config: nlp::NlpConfig,
    enrichers: std::sync::RwLock<Arc<Enrichers>>,
    router: Router,
    threading: ThreadingConfig,
    attribution: Attribution,
}

impl Pipeline {
    /// A pipeline with the default enrichment only (no stored models or rules).
    pub fn new(store: Store, settings: &Settings) -> anyhow::Result<Self> {
        let config = nlp::NlpConfig {
            taxonomy: settings.taxonomy.clone().unwrap_or_default(),
            ..Default::default()
        };
        let default = Arc::new(nlp::Enricher::new(config.clone())?);
        let router = Router::new(
            settings.routing.default_queue.clone(),
            settings.routing.rules.clone(),
        )?;
        Ok(Self {
            store,
            config,
            enrichers: std::sync::RwLock::new(Arc::new(Enrichers {
                default,
                by_brand: HashMap::new(),
            })),
            router,
            threading: settings.threading,
            attribution: settings.attribution(),
        })
    }

    /// A pipeline that uses the calibrated models and rules stored in the database.
    pub async fn load(store: Store, settings: &Settings) -> anyhow::Result<Self> {
        let p = Self::new(store, settings)?;
        p.reload_nlp().await?;
        Ok(p)
    }

    /// Rebuilds the enrichers from the stored models and rules: a brand's
    /// own model or rules win over the shared (`*`) ones.
    pub async fn reload_nlp(&self) -> anyhow::Result<()> {
        let models = self.store.latest_models().await?;
        let rules = self.store.all_rules().await?;
        let mut brands: HashSet<String> = models.iter().map(|m| m.brand.to_lowercase()).collect();
        brands.extend(rules.iter().map(|(b, _)| b.to_lowercase()));
        let build = |brand: &str| -> anyhow::Result<nlp::Enricher> {
            let mut e = nlp::Enricher::new(self.config.clone())?;
            let pick = |task: &str| {
                models
                    .iter()
                    .find(|m| m.brand.eq_ignore_ascii_case(brand) && m.task == task)
                    .or_else(|| models.iter().find(|m| m.brand == "*" && m.task == task))
            };
            if let Some(m) = pick("sentiment") {
                e = e.with_sentiment_model(nlp::Model::from_bytes_for(
                    &m.model,
                    nlp::Task::Sentiment,
                )?)?;
            }
            if let Some(m) = pick("topic") {
                e = e.with_topic_model(nlp::Model::from_bytes_for(&m.model, nlp::Task::Topic)?)?;
            }
            let r = rules
                .iter()
                .find(|(b, _)| b.eq_ignore_ascii_case(brand))
                .or_else(|| rules.iter().find(|(b, _)| b == "*"));
            if let Some((b, json)) = r {
                let parsed: nlp::Rules = serde_json::from_value(json.clone())
                    .map_err(|e| anyhow::anyhow!("stored rules of brand {b} are invalid: {e}"))?;
                e = e.with_rules(&parsed)?;
            }
            Ok(e)
        };
        let default = Arc::new(build("*")?);
        let mut by_brand = HashMap::new();
        for b in brands.into_iter().filter(|b| b != "*") {
            by_brand.insert(b.clone(), Arc::new(build(&b)?));
        }
        let fresh = Arc::new(Enrichers { default, by_brand });
        match self.enrichers.write() {
            Ok(mut g) => *g = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
        Ok(())
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn attribution(&self) -> &Attribution {
        &self.attribution
    }

    /// The enrichers in force now.
    pub fn enrichers(&self) -> Arc<Enrichers> {
        match self.enrichers.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Enriches one customer message as ingestion does.
    pub fn signals(&self, m: &domain::InboundMessage) -> Signals {
        signals_of(self.enrichers().for_brand(m.brand_account.as_deref()), m)
    }

    /// Ingests one batch in one transaction. Invalid items are reported and
    /// skipped; every valid item is stored (or counted as a duplicate).
    pub async fn ingest(&self, items: Vec<Item>) -> Result<IngestReport, store::StoreError> {
        let enrichers = self.enrichers();
        let prepared = tokio::task::spawn_blocking(move || prepare(&enrichers, items))
            .await
            .map_err(|e| store::StoreError::Task(format!("enrichment: {e}")))?;
        self.write(prepared).await
    }

    /// Ingests batches in order, each in its own transaction, preparing (reading,
    /// validating, enriching) the next batch on a blocking thread while the
    /// current one is written. `batches` runs on that thread too, so it may parse
    /// a file; `done` hears of each written batch with its number of items.
    pub async fn ingest_batches<I>(
        &self,
        batches: I,
        mut done: impl FnMut(&IngestReport, usize),
    ) -> Result<IngestReport, store::StoreError>
    where
        I: Iterator<Item = Batch> + Send + 'static,
    {
        let enrichers = self.enrichers();
        // One batch prepared ahead: enough to keep both cores busy without
        // holding the whole input in memory.
        let (tx, mut rx) = tokio::sync::mpsc::channel::<(Prepared, usize)>(1);
        let producer = tokio::task::spawn_blocking(move || {
            for batch in batches {
                let n = batch.items.len() + batch.rejected.len();
                let mut prepared = prepare(&enrichers, batch.items);
                for e in batch.rejected {
                    prepared.report.reject(e.line, e.reason);
                }
                if tx.blocking_send((prepared, n)).is_err() {
                    break; // the writer stopped on an error
                }
            }
        });
        let mut report = IngestReport::default();
        while let Some((prepared, n)) = rx.recv().await {
            let r = self.write(prepared).await?;
            done(&r, n);
            report.merge(r);
        }
        producer
            .await
            .map_err(|e| store::StoreError::Task(format!("reading and enriching: {e}")))?;
        Ok(report)
    }

    /// Writes a prepared batch in one transaction: dedupe, identify, thread,
    /// route and persist with events and rollups.
    pub async fn write(&self, prepared: Prepared) -> Result<IngestReport, store::StoreError> {
        let Prepared {
            mut report,
            valid,
            signals,
        } = prepared;
        if valid.is_empty() {
            return Ok(report);
        }
        let started = std::time::Instant::now();
        let keys = collect_keys(&valid);
        let router = &self.router;
        let threading = &self.threading;
        let attribution = &self.attribution;
        let report = self
            .store
            .ingest(&keys, move |ctx| {
                let mut planner = Planner::new(ctx, router, threading, attribution);
                for (it, sig) in valid.into_iter().zip(signals) {
                    planner.add(it, sig, &mut report);
                }
                (planner.finish(), report)
            })
            .await?;
        tracing::debug!(
            total_us = started.elapsed().as_micros() as u64,
            "batch ingested"
        );
        Ok(report)
    }
}

/// Input for [`Pipeline::ingest_batches`]: items, and what was already found
/// wrong while reading them (kept in the batch's report).
#[derive(Debug, Default)]
pub struct Batch {
    pub items: Vec<Item>,
    pub rejected: Vec<ItemError>,
}

/// A batch validated, in time order and enriched: everything that needs no
/// database.
pub struct Prepared {
    report: IngestReport,
    valid: Vec<Item>,
    signals: Vec<Option<Signals>>,
}

/// Validates, orders and enriches a batch (CPU only; enrichment on all cores).
pub fn prepare(enrichers: &Enrichers, items: Vec<Item>) -> Prepared {
    let started = std::time::Instant::now();
    let mut report = IngestReport::default();
    let mut valid = Vec::with_capacity(items.len());
    for it in items {
        match it.record.validate() {
            Ok(()) => valid.push(it),
            Err(e) => report.reject(it.origin, format!("{}: {e}", it.record.kind())),
        }
    }
    // Parents before replies: process in time order (stable for ties).
    valid.sort_by_key(|it| it.record.at());
    let signals = enrich_all(enrichers, &valid);
    tracing::debug!(
        enrich_us = started.elapsed().as_micros() as u64,
        "batch prepared"
    );
    Prepared {
        report,
        valid,
        signals,
    }
}

/// Enriches every customer message and piece of feedback; brand messages
/// carry no customer signals.
fn enrich_all(enrichers: &Enrichers, items: &[Item]) -> Vec<Option<Signals>> {
    items
        .par_iter()
        .with_min_len(64)
        .map(|it| match &it.record {
            Record::Message(m) if m.direction == Direction::Inbound => Some(signals_of(
                enrichers.for_brand(m.brand_account.as_deref()),
                m,
            )),
            _ => None,
        })
        .collect()
}

fn signals_of(enricher: &nlp::Enricher, m: &domain::InboundMessage) -> Signals {
    let e = enricher.enrich(&m.text, m.language.as_deref());
    Signals {
        language: e.language,
        language_confidence: e.language_confidence,
        sentiment: e.sentiment.label.as_str().to_string(),
        sentiment_score: e.sentiment.score,
        sentiment_confidence: e.sentiment.confidence,
        topic: e.topic,
        topic_confidence: e.topic_confidence,
        influence: nlp::influence_score(m.author.followers.unwrap_or(0)),
    }
}

fn collect_keys(items: &[Item]) -> IngestKeys {
    let mut keys = IngestKeys::default();
    for it in items {
        match &it.record {
            Record::Message(m) => {
                keys.messages.push((m.channel, m.external_id.clone()));
                if m.direction == Direction::Inbound {
                    keys.authors.push((m.channel, m.author.id.clone()));
                }
                if let Some(p) = &m.in_reply_to {
                    keys.referenced.push((m.channel, p.clone()));
                }
            }
            Record::Lifecycle(l) => {
                keys.referenced.push((l.channel, l.message_id.clone()));
                keys.record_ids.push((RecordKind::Lifecycle, l.id.clone()));
            }
            Record::Survey(s) => {
                keys.referenced.push((s.channel, s.message_id.clone()));
                keys.record_ids.push((RecordKind::Survey, s.id.clone()));
            }
            Record::Feedback(f) => keys.record_ids.push((RecordKind::Feedback, f.id.clone())),
            Record::Change(c) => keys.record_ids.push((RecordKind::Change, c.id.clone())),
        }
    }
    keys
}

const PIPELINE: &str = "system:pipeline";

/// Turns a batch into writes, applying the domain's threading and routing
/// rules against the loaded context and the batch's own earlier items.
struct Planner<'a> {
    ctx: IngestContext,
    router: &'a Router,
    threading: &'a ThreadingConfig,
    /// Each customer's latest conversation (state lives in `ctx.conversations`).
    latest: HashMap<CustomerId, ConversationId>,
    /// Messages already placed by this batch: key → (conversation, customer).
    placed: HashMap<Key, (Option<ConversationId>, Option<CustomerId>)>,
    /// Conversations changed by this batch, in first-touch order.
    touched: Vec<ConversationId>,
    touched_set: HashSet<ConversationId>,
    /// Touched conversations as loaded (`None`: opened by this batch).
    before: HashMap<ConversationId, Option<Conversation>>,
    attribution: &'a Attribution,
    rollups: RollupDelta,
    plan: IngestPlan,
}

impl<'a> Planner<'a> {
    fn new(
        mut ctx: IngestContext,
        router: &'a Router,
        threading: &'a ThreadingConfig,
        attribution: &'a Attribution,
    ) -> Self {
        let mut latest = HashMap::with_capacity(ctx.latest.len());
        for (customer, conv) in ctx.latest.drain() {
            latest.insert(customer, conv.id);
            ctx.conversations.entry(conv.id).or_insert(conv);
        }
        Self {
            ctx,
            latest,
            router,
            threading,
            placed: HashMap::new(),
            touched: Vec::new(),
            touched_set: HashSet::new(),
            before: HashMap::new(),
            attribution,
            rollups: RollupDelta::new(),
            plan: IngestPlan::default(),
        }
    }

    /// Call before changing a conversation: remembers its state as loaded,
    /// from which the batch's rollup delta is computed.
    fn touch(&mut self, id: ConversationId) {
        if self.touched_set.insert(id) {
            self.touched.push(id);
            let before = self.ctx.conversations.get(&id).cloned();
            self.before.insert(id, before);
        }
    }

    /// The conversation (and its customer) a message key belongs to.
    fn locate(&self, key: &Key) -> Option<(Option<ConversationId>, Option<CustomerId>)> {
        self.placed
            .get(key)
            .or_else(|| self.ctx.referenced.get(key))
            .copied()
    }

    fn conversation_of(&self, key: &Key) -> Option<&Conversation> {
        self.locate(key)
            .and_then(|(c, _)| c)
            .and_then(|c| self.ctx.conversations.get(&c))
    }

    fn add(&mut self, it: Item, signals: Option<Signals>, report: &mut IngestReport) {
        let origin = it.origin;
        let outcome = match it.record {
            Record::Message(m) => self.add_message(m, signals),
            Record::Lifecycle(l) => self.add_lifecycle(l),
            Record::Survey(s) => self.add_survey(s),
            Record::Feedback(f) => self.add_simple(RecordKind::Feedback, f.id.clone(), |p| {
                p.plan.events.push(NewEvent::new(
                    f.at,
                    PIPELINE,
                    "feedback.received",
                    "feedback",
                    &f.id,
                    serde_json::json!({ "channel": f.channel }),
                ));
                p.plan.feedback.push(f);
            }),
            Record::Change(c) => self.add_simple(RecordKind::Change, c.id.clone(), |p| {
                p.plan.events.push(NewEvent::new(
                    c.at,
                    PIPELINE,
                    "change.recorded",
                    "change",
                    &c.id,
                    serde_json::json!({ "kind": c.kind, "title": c.title, "owner_team": c.owner_team }),
                ));
                p.plan.changes.push(c);
            }),
        };
        match outcome {
            Outcome::Accepted => report.accepted += 1,
            Outcome::Duplicate => report.duplicates += 1,
            Outcome::Rejected(reason) => report.reject(origin, reason),
        }
    }

    fn add_simple(
        &mut self,
        kind: RecordKind,
        id: String,
        write: impl FnOnce(&mut Self),
    ) -> Outcome {
        if !self.ctx.existing_records.insert((kind, id)) {
            return Outcome::Duplicate;
        }
        write(self);
        Outcome::Accepted
    }

    /// The author's customer, created with its identity when unknown (the
    /// flag says so).
    fn customer_for(&mut self, m: &domain::InboundMessage) -> (KnownCustomer, bool) {
        let key = (m.channel, m.author.id.clone());
        if let Some(c) = self.ctx.customers.get(&key) {
            return (c.clone(), false);
        }
        let id = CustomerId::new();
        let name = m.author.name.clone().or_else(|| m.author.handle.clone());
        self.plan.customers.push(NewCustomer {
            id,
            display_name: name.clone(),
            created_at: m.created_at,
        });
        self.plan.identities.push(NewIdentity {
            channel: m.channel,
            external_user_id: m.author.id.clone(),
            customer_id: id,
            handle: m.author.handle.clone(),
            display_name: m.author.name.clone(),
            followers: m.author.followers,
        });
        let known = KnownCustomer {
            id,
            tags: Vec::new(),
        };
        self.ctx.customers.insert(key, known.clone());
        (known, true)
    }

    fn add_message(&mut self, m: domain::InboundMessage, signals: Option<Signals>) -> Outcome {
        let key: Key = (m.channel, m.external_id.clone());
        if self.ctx.existing_messages.contains(&key) || self.placed.contains_key(&key) {
            return Outcome::Duplicate;
        }
        let parent_key = m.in_reply_to.as_ref().map(|p| (m.channel, p.clone()));
        let parent = parent_key
            .as_ref()
            .and_then(|k| self.conversation_of(k))
            .map(Conversation::as_ref);
        // One event per message records all its consequences: a customer
        // created, a conversation opened (with the routing that placed it).
        let mut consequences = serde_json::Map::new();
        let (conversation_id, customer_id, action) = match m.direction {
            Direction::Inbound => {
                let (customer, created) = self.customer_for(&m);
                if created {
                    consequences.insert("customer_created".into(), serde_json::json!(true));
                }
                let latest = self
                    .latest
                    .get(&customer.id)
                    .and_then(|id| self.ctx.conversations.get(id))
                    .map(Conversation::as_ref);
                let decision = thread_inbound(
                    customer.id,
                    m.created_at,
                    parent.as_ref(),
                    latest.as_ref(),
                    self.threading,
                );
                let sig = signals.clone().unwrap_or_default();
                let routing = self.router.route(&RoutingInput {
                    channel: m.channel,
                    visibility: m.visibility,
                    language: sig.language.as_deref(),
                    topic: sig.topic.as_deref(),
                    sentiment: &sig.sentiment,
                    influence: sig.influence,
                    text: &m.text,
                    customer_tags: &customer.tags,
                });
                let score = signals
                    .as_ref()
                    .filter(|s| s.sentiment != "unclassified")
                    .map(|s| s.sentiment_score);
                let repeat_of = match decision {
                    ThreadDecision::Join(_) => None,
                    ThreadDecision::New { repeat_of } => repeat_of,
                    // Customer messages are never unthreaded; treat it as new.
                    ThreadDecision::Unthreaded => None,
                };
                let conv_id = match decision {
                    ThreadDecision::Join(id) => id,
                    _ => {
                        let conv = Conversation::open(
                            customer.id,
                            m.channel,
                            m.created_at,
                            &routing,
                            repeat_of,
                        );
                        consequences.insert(
                            "opened".into(),
                            serde_json::json!({
                                "queue": routing.queue,
                                "priority": routing.priority,
                                "tags": routing.tags,
                                "rules": routing.matched,
                                "repeat_of": repeat_of,
                            }),
                        );
                        let id = conv.id;
                        // New in this batch: nothing to subtract.
                        self.touched_set.insert(id);
                        self.touched.push(id);
                        self.before.insert(id, None);
                        self.ctx.conversations.insert(id, conv);
                        id
                    }
                };
                self.touch(conv_id);
                if let Some(s) = &signals {
                    consequences.insert("sentiment".into(), serde_json::json!(s.sentiment));
                    consequences.insert(
                        "sentiment_score".into(),
                        serde_json::json!(s.sentiment_score),
                    );
                    consequences.insert("topic".into(), serde_json::json!(s.topic));
                }
                let Some(conv) = self.ctx.conversations.get_mut(&conv_id) else {
                    return Outcome::Rejected(format!(
                        "message {}: its conversation vanished",
                        m.external_id
                    ));
                };
                conv.add_inbound(m.created_at, score, sig.topic.as_deref(), &routing);
                self.rollups.inbound_message(
                    m.created_at,
                    m.channel,
                    sig.topic.as_deref(),
                    &conv.queue,
                    &sig.sentiment,
                    sig.sentiment_score,
                    self.attribution,
                );
                self.latest.insert(customer.id, conv_id);
                (Some(conv_id), Some(customer.id), "message.received")
            }
            Direction::Outbound => match thread_outbound(parent.as_ref()) {
                ThreadDecision::Join(id) => match self.touch_mut(id) {
                    Some(conv) => {
                        conv.add_outbound_by(m.created_at, &m.author.id);
                        (Some(id), Some(conv.customer_id), "message.sent")
                    }
                    None => (None, None, "message.sent"),
                },
                _ => (None, None, "message.sent"),
            },
        };
        let id = MessageId::new();
        let subject = conversation_id.map_or_else(|| id.to_string(), |c| c.to_string());
        consequences.insert("message_id".into(), serde_json::json!(id));
        consequences.insert("channel".into(), serde_json::json!(m.channel));
        consequences.insert("external_id".into(), serde_json::json!(m.external_id));
        if let Some(c) = customer_id {
            consequences.insert("customer_id".into(), serde_json::json!(c));
        }
        self.plan.events.push(NewEvent::new(
            m.created_at,
            PIPELINE,
            action,
            if conversation_id.is_some() {
                "conversation"
            } else {
                "message"
            },
            subject,
            serde_json::Value::Object(consequences),
        ));
        self.placed.insert(key, (conversation_id, customer_id));
        self.plan.messages.push(MessageRow {
            id,
            conversation_id,
            customer_id,
            message: m,
            signals,
            sent_by: None,
        });
        Outcome::Accepted
    }

    fn add_lifecycle(&mut self, l: domain::record::LifecycleEvent) -> Outcome {
        if self
            .ctx
            .existing_records
            .contains(&(RecordKind::Lifecycle, l.id.clone()))
        {
            return Outcome::Duplicate;
        }
        let key = (l.channel, l.message_id.clone());
        let Some(conv_id) = self.locate(&key).and_then(|(c, _)| c) else {
            return Outcome::Rejected(format!(
                "{}: message {} on {} is not in any conversation",
                l.action.name(),
                l.message_id,
                l.channel
            ));
        };
        self.touch(conv_id);
        let Some(conv) = self.ctx.conversations.get_mut(&conv_id) else {
            return Outcome::Rejected(format!(
                "{}: conversation {conv_id} not loaded",
                l.action.name()
            ));
        };
        if let Err(e) = conv.apply(&l.action, l.at) {
            return Outcome::Rejected(format!("{} {}: {e}", l.action.name(), l.id));
        }
        self.ctx
            .existing_records
            .insert((RecordKind::Lifecycle, l.id.clone()));
        let action = format!("conversation.{}", past_tense(&l.action));
        self.plan.events.push(NewEvent::new(
            l.at,
            &l.actor,
            &action,
            "conversation",
            conv_id,
            serde_json::json!({ "record_id": l.id, "action": l.action }),
        ));
        self.plan.lifecycle.push(LifecycleRow {
            id: l.id,
            conversation_id: conv_id,
            action: l.action.name().to_string(),
            actor: l.actor,
            at: l.at,
        });
        Outcome::Accepted
    }

    fn add_survey(&mut self, s: domain::record::SurveyAnswer) -> Outcome {
        if self
            .ctx
            .existing_records
            .contains(&(RecordKind::Survey, s.id.clone()))
        {
            return Outcome::Duplicate;
        }
        let key = (s.channel, s.message_id.clone());
        let Some(conv) = self
            .locate(&key)
            .and_then(|(c, _)| c)
            .and_then(|c| self.ctx.conversations.get(&c))
        else {
            return Outcome::Rejected(format!(
                "survey {}: message {} on {} is not in any conversation",
                s.id, s.message_id, s.channel
            ));
        };
        let (conv_id, customer_id) = (conv.id, conv.customer_id);
        self.rollups.survey(
            &s,
            ConvFacts::new(conv).responder(conv.first_responder.as_deref()),
            self.attribution,
        );
        self.ctx
            .existing_records
            .insert((RecordKind::Survey, s.id.clone()));
        self.plan.events.push(NewEvent::new(
            s.at,
            PIPELINE,
            "survey.answered",
            "conversation",
            conv_id,
            serde_json::json!({ "record_id": s.id, "kind": s.kind, "score": s.score }),
        ));
        self.plan.surveys.push(SurveyRow {
            id: s.id,
            conversation_id: conv_id,
            customer_id,
            kind: s.kind,
            score: s.score,
            comment: s.comment,
            at: s.at,
        });
        Outcome::Accepted
    }

    fn touch_mut(&mut self, id: ConversationId) -> Option<&mut Conversation> {
        self.touch(id);
        self.ctx.conversations.get_mut(&id)
    }

    fn finish(mut self) -> IngestPlan {
        for id in &self.touched {
            let Some(after) = self.ctx.conversations.get(id) else {
                continue;
            };
            let before = self.before.get(id).and_then(Option::as_ref);
            conversation_delta(
                &mut self.rollups,
                before,
                after,
                &self.ctx.conversations,
                self.attribution,
            );
            self.plan.conversations.push(after.clone());
        }
        self.plan.rollups = self.rollups.into_cells();
        self.plan
    }
}

enum Outcome {
    Accepted,
    Duplicate,
    Rejected(String),
}

fn past_tense(a: &domain::conversation::LifecycleAction) -> &'static str {
    match a {
        domain::conversation::LifecycleAction::Resolve => "resolved",
        domain::conversation::LifecycleAction::Reopen => "reopened",
        domain::conversation::LifecycleAction::Escalate { .. } => "escalated",
    }
}

/// Adds the rollup difference between two states of a conversation. The
/// conversation it repeats (when loaded) is passed on both sides, so that its
/// first-contact resolution is revoked exactly once.
pub fn conversation_delta(
    delta: &mut RollupDelta,
    before: Option<&Conversation>,
    after: &Conversation,
    known: &HashMap<ConversationId, Conversation>,
    attribution: &Attribution,
) {
    let original = after.repeat_of.and_then(|r| known.get(&r));
    let original_responder = original.and_then(|o| o.first_responder.as_deref());
    fn facts<'c>(
        c: &'c Conversation,
        original: Option<&'c Conversation>,
        original_responder: Option<&'c str>,
    ) -> ConvFacts<'c> {
        ConvFacts::new(c)
            .responder(c.first_responder.as_deref())
            .repeating(original, original_responder)
    }
    delta.conversation_changed(
        before.map(|b| facts(b, original, original_responder)),
        facts(after, original, original_responder),
        attribution,
    );
}
