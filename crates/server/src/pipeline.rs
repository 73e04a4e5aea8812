//! The ingest pipeline: validate → dedupe → enrich → identify → thread →
//! route → persist with events, one write transaction per batch.
//!
//! Enrichment (the CPU-heavy part) runs on all cores before the write
//! transaction opens. Threading and routing (the [`crate::planner`]) run
//! against state the store loads for the whole batch in a handful of queries:
//! inside the batch's transaction, or, in a run of batches, while the
//! previous batch is written (checked by the store when it writes).

use crate::config::Settings;
use crate::planner::{Carry, Rules, plan_batch};
use analytics::rollup::Attribution;
use domain::record::Record;
use domain::routing::Router;
use domain::{Direction, Signals};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use store::ingest::{Premade, RecordKind};
use store::{IngestKeys, Store};

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
    rules: Arc<Rules>,
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
            rules: Arc::new(Rules {
                router,
                threading: settings.threading,
                attribution: settings.attribution(),
            }),
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
        &self.rules.attribution
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
    /// current one is written, and planning it (threading, routing) as soon as
    /// the current one's plan is final. `batches` runs on that thread too, so it
    /// may parse a file; `done` hears of each written batch with its number of
    /// items.
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
        let (mut current, empties) = next_nonempty(&mut rx).await;
        for (r, n) in empties {
            done(&r, n);
            report.merge(r);
        }
        while let Some(batch) = current {
            let (fixed_tx, fixed_rx) = tokio::sync::oneshot::channel::<(i64, Carry)>();
            let n = batch.n;
            let write = self.write_planned(batch, true, move |head, out| {
                if let Some(carry) = out.1.take() {
                    let _ = fixed_tx.send((head, carry));
                }
            });
            // Its own task, so that reading and planning the next batch (CPU
            // work on the runtime's other thread) never delays this batch's
            // statements.
            let (store, rules) = (self.store.clone(), self.rules.clone());
            let mut rx_ahead = rx;
            let ahead = tokio::spawn(async move {
                let (next, empties) = next_nonempty(&mut rx_ahead).await;
                let next = match (next, fixed_rx.await) {
                    (Some(next), Ok((head, carry))) => {
                        plan_ahead(&store, rules, next, head, carry).await.map(Some)
                    }
                    // Without a final plan for the current batch (its write
                    // failed), the next one is not planned ahead.
                    (next, _) => Ok(next),
                };
                (rx_ahead, next.map(|next| (next, empties)))
            });
            let written = write.await;
            let (back, ahead) = ahead
                .await
                .map_err(|e| store::StoreError::Task(format!("planning ahead: {e}")))?;
            rx = back;
            let r = written?;
            done(&r, n);
            report.merge(r);
            let (next, empties) = ahead?;
            for (r, n) in empties {
                done(&r, n);
                report.merge(r);
            }
            current = next;
        }
        producer
            .await
            .map_err(|e| store::StoreError::Task(format!("reading and enriching: {e}")))?;
        Ok(report)
    }

    /// Writes a prepared batch in one transaction: dedupe, identify, thread,
    /// route and persist with events and rollups.
    pub async fn write(&self, prepared: Prepared) -> Result<IngestReport, store::StoreError> {
        if prepared.valid.is_empty() {
            return Ok(prepared.report);
        }
        let batch = Pending::new(prepared, 0);
        self.write_planned(batch, false, |_, _| {}).await
    }

    /// Writes a batch, with the plan made for it ahead when there is one (the
    /// store plans it again if another writer came in between). `carry_on`: a
    /// next batch will be planned ahead, so a plan made here keeps its `Carry`.
    async fn write_planned(
        &self,
        batch: Pending,
        carry_on: bool,
        fixed: impl FnOnce(i64, &mut Planned),
    ) -> Result<IngestReport, store::StoreError> {
        let started = std::time::Instant::now();
        let Pending {
            keys,
            valid,
            signals,
            report,
            premade,
            ..
        } = batch;
        let rules = &*self.rules;
        let (report, _) = self
            .store
            .ingest_planned(
                &keys,
                premade,
                move |ctx| plan_batch(ctx, None, carry_on, rules, valid, signals, report),
                fixed,
            )
            .await?;
        tracing::debug!(
            total_us = started.elapsed().as_micros() as u64,
            "batch ingested"
        );
        Ok(report)
    }
}

/// Plans `batch` on a context read outside any write lock, overlaid with the
/// previous batch's uncommitted changes; valid while the event chain's head
/// is `head`.
async fn plan_ahead(
    store: &Store,
    rules: Arc<Rules>,
    mut batch: Pending,
    head: i64,
    carry: Carry,
) -> Result<Pending, store::StoreError> {
    let ctx = store.read_context(&batch.keys).await?;
    // The items stay with the batch in case the store must plan it again.
    let (valid, signals, report) = (
        batch.valid.clone(),
        batch.signals.clone(),
        batch.report.clone(),
    );
    let (plan, out) = tokio::task::spawn_blocking(move || {
        plan_batch(ctx, Some(carry), true, &rules, valid, signals, report)
    })
    .await
    .map_err(|e| store::StoreError::Task(format!("planning: {e}")))?;
    batch.premade = Some(Premade { plan, out, head });
    Ok(batch)
}

/// What a plan returns besides its rows: the batch's report, and what the
/// next batch needs of it.
type Planned = (IngestReport, Option<Carry>);

/// A batch with items to write, and its plan when made ahead.
struct Pending {
    keys: IngestKeys,
    valid: Vec<Item>,
    signals: Vec<Option<Signals>>,
    report: IngestReport,
    /// Items read for this batch, valid or not (for the progress callback).
    n: usize,
    premade: Option<Premade<Planned>>,
}

impl Pending {
    fn new(p: Prepared, n: usize) -> Self {
        Self {
            keys: collect_keys(&p.valid),
            valid: p.valid,
            signals: p.signals,
            report: p.report,
            n,
            premade: None,
        }
    }
}

/// The next prepared batch with items, and the reports of the empty ones
/// (every item rejected while reading) that came before it.
async fn next_nonempty(
    rx: &mut tokio::sync::mpsc::Receiver<(Prepared, usize)>,
) -> (Option<Pending>, Vec<(IngestReport, usize)>) {
    let mut empties = Vec::new();
    while let Some((p, n)) = rx.recv().await {
        if p.valid.is_empty() {
            empties.push((p.report, n));
        } else {
            return (Some(Pending::new(p, n)), empties);
        }
    }
    (None, empties)
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
