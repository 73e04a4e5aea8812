//! Turns a batch into writes: the domain's threading and routing rules
//! applied against the loaded context and the batch's own earlier items.
//!
//! A batch may be planned before the previous one has committed: its context
//! is then read from the database (which does not hold the previous batch
//! yet) and overlaid with the previous batch's [`Carry`]. The store writes
//! such a plan only if no other writer came in between (`Store::ingest_planned`).

use crate::pipeline::{IngestReport, Item};
use analytics::rollup::{Attribution, ConvFacts, RollupDelta};
use domain::record::Record;
use domain::routing::{Router, RoutingInput};
use domain::threading::{ThreadDecision, ThreadingConfig, thread_inbound, thread_outbound};
use domain::{Conversation, ConversationId, CustomerId, Direction, MessageId, Signals};
use std::collections::{HashMap, HashSet};
use store::ingest::{
    Key, KnownCustomer, LifecycleRow, NewCustomer, NewIdentity, RecordKind, SurveyRow,
};
use store::{IngestContext, IngestPlan, MessageRow, NewEvent};

/// The rules a plan applies: fixed for the pipeline's life.
pub(crate) struct Rules {
    pub router: Router,
    pub threading: ThreadingConfig,
    pub attribution: Attribution,
}

/// Where a placed message went: its conversation and customer.
type Place = (Option<ConversationId>, Option<CustomerId>);

/// What one batch changed, for planning the next batch before this one
/// commits. Everything older is in the database by then.
#[derive(Debug, Default)]
pub(crate) struct Carry {
    /// Messages the batch placed.
    placed: HashMap<Key, Place>,
    /// Customers the batch created, by identity.
    customers: HashMap<Key, KnownCustomer>,
    /// Conversations the batch changed, in their final state, and the
    /// conversations they repeat (for rollup attribution).
    conversations: HashMap<ConversationId, Conversation>,
    /// Latest conversation of each customer the batch wrote to.
    latest: HashMap<CustomerId, ConversationId>,
    /// Lifecycle, survey, feedback and change records the batch stored.
    records: HashSet<(RecordKind, String)>,
}

/// Plans a whole batch: `carry` is the previous batch's when that one is not
/// committed yet (the context then comes from a read outside its transaction);
/// `carry_on` asks for this batch's own, when a next batch will be planned
/// ahead.
pub(crate) fn plan_batch(
    ctx: IngestContext,
    carry: Option<Carry>,
    carry_on: bool,
    rules: &Rules,
    items: Vec<Item>,
    signals: Vec<Option<Signals>>,
    mut report: IngestReport,
) -> (IngestPlan, (IngestReport, Option<Carry>)) {
    let mut planner = Planner::new(ctx, carry, rules);
    for (it, sig) in items.into_iter().zip(signals) {
        planner.add(it, sig, &mut report);
    }
    let (plan, carry) = planner.finish(carry_on);
    (plan, (report, carry))
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
    placed: HashMap<Key, Place>,
    /// Messages placed by the previous batch, not yet committed.
    prior: HashMap<Key, Place>,
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
    fn new(mut ctx: IngestContext, carry: Option<Carry>, rules: &'a Rules) -> Self {
        let mut latest = HashMap::with_capacity(ctx.latest.len());
        for (customer, conv) in ctx.latest.drain() {
            latest.insert(customer, conv.id);
            ctx.conversations.entry(conv.id).or_insert(conv);
        }
        let carry = carry.unwrap_or_default();
        // The previous batch's state is newer than what was read (it had not
        // committed), so it wins wherever both know a conversation.
        ctx.conversations.extend(carry.conversations);
        latest.extend(carry.latest);
        ctx.customers.extend(carry.customers);
        ctx.existing_records.extend(carry.records);
        Self {
            ctx,
            latest,
            router: &rules.router,
            threading: &rules.threading,
            prior: carry.placed,
            placed: HashMap::new(),
            touched: Vec::new(),
            touched_set: HashSet::new(),
            before: HashMap::new(),
            attribution: &rules.attribution,
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
    fn locate(&self, key: &Key) -> Option<Place> {
        self.placed
            .get(key)
            .or_else(|| self.prior.get(key))
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
        if self.ctx.existing_messages.contains(&key)
            || self.placed.contains_key(&key)
            || self.prior.contains_key(&key)
        {
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
                let opens_hour =
                    conv.add_inbound(m.created_at, score, sig.topic.as_deref(), &routing);
                self.rollups.inbound_message(
                    m.created_at,
                    m.channel,
                    sig.topic.as_deref(),
                    &conv.queue,
                    &sig.sentiment,
                    sig.sentiment_score,
                    opens_hour,
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
        if self.stored(RecordKind::Lifecycle, &l.id) {
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
        if self.stored(RecordKind::Survey, &s.id) {
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

    /// Whether a record with this id is stored or already in the batch.
    fn stored(&self, kind: RecordKind, id: &str) -> bool {
        self.ctx.existing_records.contains(&(kind, id.to_string()))
    }

    fn touch_mut(&mut self, id: ConversationId) -> Option<&mut Conversation> {
        self.touch(id);
        self.ctx.conversations.get_mut(&id)
    }

    fn finish(mut self, carry_on: bool) -> (IngestPlan, Option<Carry>) {
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
        self.plan.rollups = std::mem::take(&mut self.rollups).into_cells();
        let carry = carry_on.then(|| self.carry());
        (self.plan, carry)
    }

    /// What the next batch needs of this one (moved out: the planner is done).
    fn carry(&mut self) -> Carry {
        let mut wanted: HashSet<ConversationId> = self.touched_set.clone();
        wanted.extend(self.plan.conversations.iter().filter_map(|c| c.repeat_of));
        let conversations = wanted
            .into_iter()
            .filter_map(|id| self.ctx.conversations.remove(&id).map(|c| (id, c)))
            .collect();
        let latest = self
            .latest
            .iter()
            .filter(|(_, conv)| self.touched_set.contains(conv))
            .map(|(cust, conv)| (*cust, *conv))
            .collect();
        let customers = self
            .plan
            .identities
            .iter()
            .map(|i| {
                (
                    (i.channel, i.external_user_id.clone()),
                    KnownCustomer {
                        id: i.customer_id,
                        tags: Vec::new(),
                    },
                )
            })
            .collect();
        let p = &self.plan;
        let records = p
            .lifecycle
            .iter()
            .map(|l| (RecordKind::Lifecycle, l.id.clone()))
            .chain(p.surveys.iter().map(|s| (RecordKind::Survey, s.id.clone())))
            .chain(
                p.feedback
                    .iter()
                    .map(|f| (RecordKind::Feedback, f.id.clone())),
            )
            .chain(p.changes.iter().map(|c| (RecordKind::Change, c.id.clone())))
            .collect();
        Carry {
            placed: std::mem::take(&mut self.placed),
            customers,
            conversations,
            latest,
            records,
        }
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
