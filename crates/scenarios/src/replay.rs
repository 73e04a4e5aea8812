//! Records → rollup cells in memory, applying the domain's threading and routing rules the way
//! the server's planner does (`crates/server/src/pipeline.rs`), without a database: customers
//! by channel identity, replies joining their parent's conversation, the customer's active
//! conversation otherwise, new conversations linked as repeat contacts within the window.
//! Customer messages, feedback and survey comments are enriched with the `nlp` crate.

use analytics::phrases::PhraseCounts;
use analytics::rollup::{Attribution, CellIndex, ConvFacts, RollupDelta};
use domain::record::{ChangeEntry, Record};
use domain::routing::{Router, RoutingInput, Rule};
use domain::threading::{ThreadDecision, ThreadingConfig, thread_inbound, thread_outbound};
use domain::{Channel, Conversation, ConversationId, CustomerId, Direction};
use std::collections::HashMap;

#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("nlp: {0}")]
    Nlp(#[from] nlp::NlpError),
    #[error("routing: {0}")]
    Routing(#[from] domain::routing::RoutingError),
}

struct ConvState {
    conv: Conversation,
    first_responder: Option<String>,
}

/// Replays records into cells, phrase counts and the change log.
pub struct Replayer {
    enricher: nlp::Enricher,
    router: Router,
    threading: ThreadingConfig,
    pub attr: Attribution,
    customers: HashMap<(Channel, String), CustomerId>,
    placed: HashMap<(Channel, String), Option<ConversationId>>,
    convs: HashMap<ConversationId, ConvState>,
    latest: HashMap<CustomerId, ConversationId>,
    pub cells: CellIndex,
    pub phrases: PhraseCounts,
    pub changes: Vec<ChangeEntry>,
    /// Records that could not be placed (e.g. a lifecycle event for a message never seen).
    pub skipped: u64,
}

/// The routing used by evaluations: social channels to `social` (24×7), e-mail, chat and
/// phone to `contact_centre` (Mon–Fri 08:00–20:00 UTC).
pub fn default_router() -> Result<Router, domain::routing::RoutingError> {
    let rule: Rule = serde_json::from_value(serde_json::json!({
        "name": "contact centre",
        "when": { "channel": ["email", "chat", "phone"] },
        "then": { "queue": "contact_centre" }
    }))
    .map_err(|e| domain::routing::RoutingError::BlankKeyword(e.to_string()))?;
    Router::new("social", vec![rule])
}

/// The queue `default_router` sends a channel's conversations to (its rules look at the
/// channel only).
pub fn queue_of(router: &Router, channel: Channel) -> String {
    router
        .route(&RoutingInput {
            channel,
            visibility: domain::channel::Visibility::Public,
            language: None,
            topic: None,
            sentiment: "neutral",
            influence: 0.0,
            text: "",
            customer_tags: &[],
        })
        .queue
}

pub fn default_attribution() -> Attribution {
    let mut attr = Attribution::default();
    attr.business_hours.by_queue.insert(
        "contact_centre".into(),
        analytics::BusinessCalendar::weekdays(8 * 60, 20 * 60, 0),
    );
    for (agent, team) in [
        ("maria", "care-en"),
        ("james", "care-en"),
        ("priya", "care-en"),
        ("tom", "care-en"),
        ("lucia", "care-intl"),
        ("pierre", "care-intl"),
        ("jonas", "care-intl"),
        ("ana", "care-intl"),
    ] {
        attr.agent_team
            .insert(format!("agent:{agent}"), team.into());
    }
    attr
}

impl Replayer {
    pub fn new() -> Result<Self, ReplayError> {
        Ok(Replayer {
            enricher: nlp::Enricher::new(nlp::NlpConfig::default())?,
            router: default_router()?,
            threading: ThreadingConfig::default(),
            attr: default_attribution(),
            customers: HashMap::new(),
            placed: HashMap::new(),
            convs: HashMap::new(),
            latest: HashMap::new(),
            cells: CellIndex::new(),
            phrases: PhraseCounts::new(),
            changes: Vec::new(),
            skipped: 0,
        })
    }

    pub fn enricher(&self) -> &nlp::Enricher {
        &self.enricher
    }

    fn conv_of(&self, channel: Channel, external_id: &str) -> Option<ConversationId> {
        self.placed
            .get(&(channel, external_id.to_string()))
            .copied()
            .flatten()
    }

    /// Facts of a conversation, with its original when it is a repeat contact.
    fn changed(
        &self,
        before: Option<(&Conversation, Option<&str>)>,
        id: ConversationId,
        delta: &mut RollupDelta,
    ) {
        let Some(st) = self.convs.get(&id) else {
            return;
        };
        let orig = st.conv.repeat_of.and_then(|o| self.convs.get(&o));
        let (oc, oa) = match orig {
            Some(o) => (Some(&o.conv), o.first_responder.as_deref()),
            None => (None, None),
        };
        let after = ConvFacts::new(&st.conv)
            .responder(st.first_responder.as_deref())
            .repeating(oc, oa);
        let before = before.map(|(c, a)| ConvFacts::new(c).responder(a).repeating(oc, oa));
        delta.conversation_changed(before, after, &self.attr);
    }

    /// Applies one record (records must come in time order).
    pub fn apply(&mut self, record: &Record) {
        let mut delta = RollupDelta::new();
        match record {
            Record::Message(m) => self.message(m, &mut delta),
            Record::Lifecycle(l) => {
                let Some(id) = self.conv_of(l.channel, &l.message_id) else {
                    self.skipped += 1;
                    return;
                };
                let Some(st) = self.convs.get_mut(&id) else {
                    return;
                };
                let before = (st.conv.clone(), st.first_responder.clone());
                if st.conv.apply(&l.action, l.at).is_err() {
                    self.skipped += 1;
                    return;
                }
                if st.first_responder.is_none() && l.actor.starts_with("agent:") {
                    st.first_responder = Some(l.actor.clone());
                }
                self.changed(Some((&before.0, before.1.as_deref())), id, &mut delta);
            }
            Record::Survey(s) => {
                let Some(id) = self.conv_of(s.channel, &s.message_id) else {
                    self.skipped += 1;
                    return;
                };
                if let Some(st) = self.convs.get(&id) {
                    delta.survey(
                        s,
                        ConvFacts::new(&st.conv).responder(st.first_responder.as_deref()),
                        &self.attr,
                    );
                }
                if let Some(c) = &s.comment {
                    // what the server's detection reads of a comment (no language, no PII)
                    let (topic, phrases) = self.enricher.topic_and_phrases(c);
                    self.phrases.add(s.at, &phrases, c, topic.as_deref());
                }
            }
            Record::Feedback(f) => {
                let (topic, phrases) = self.enricher.topic_and_phrases(&f.text);
                self.phrases.add(f.at, &phrases, &f.text, topic.as_deref());
            }
            Record::Change(c) => self.changes.push(c.clone()),
        }
        self.cells.apply(delta);
    }

    fn message(&mut self, m: &domain::InboundMessage, delta: &mut RollupDelta) {
        let key = (m.channel, m.external_id.clone());
        if self.placed.contains_key(&key) {
            return; // duplicate
        }
        let parent = m
            .in_reply_to
            .as_ref()
            .and_then(|p| self.conv_of(m.channel, p))
            .and_then(|id| self.convs.get(&id))
            .map(|s| s.conv.as_ref());
        match m.direction {
            Direction::Inbound => {
                let e = self.enricher.enrich(&m.text, m.language.as_deref());
                let label = e.sentiment.label.as_str();
                let score = (label != "unclassified").then_some(e.sentiment.score);
                let n = self.customers.len();
                let customer = *self
                    .customers
                    .entry((m.channel, m.author.id.clone()))
                    .or_insert_with(|| CustomerId(uuid_from(n as u64 + 1)));
                let latest = self
                    .latest
                    .get(&customer)
                    .and_then(|id| self.convs.get(id))
                    .map(|s| s.conv.as_ref());
                let decision = thread_inbound(
                    customer,
                    m.created_at,
                    parent.as_ref(),
                    latest.as_ref(),
                    &self.threading,
                );
                let routing = self.router.route(&RoutingInput {
                    channel: m.channel,
                    visibility: m.visibility,
                    language: e.language.as_deref(),
                    topic: e.topic.as_deref(),
                    sentiment: label,
                    influence: nlp::influence_score(m.author.followers.unwrap_or(0)),
                    text: &m.text,
                    customer_tags: &[],
                });
                let (id, before) = match decision {
                    ThreadDecision::Join(id) => {
                        let before = self
                            .convs
                            .get(&id)
                            .map(|s| (s.conv.clone(), s.first_responder.clone()));
                        (id, before)
                    }
                    ThreadDecision::New { repeat_of } => {
                        let mut c = Conversation::open(
                            customer,
                            m.channel,
                            m.created_at,
                            &routing,
                            repeat_of,
                        );
                        c.id = ConversationId(uuid_from(1_000_000_000 + self.convs.len() as u64));
                        let id = c.id;
                        self.convs.insert(
                            id,
                            ConvState {
                                conv: c,
                                first_responder: None,
                            },
                        );
                        (id, None)
                    }
                    ThreadDecision::Unthreaded => return,
                };
                let Some(st) = self.convs.get_mut(&id) else {
                    return;
                };
                let opens_hour =
                    st.conv
                        .add_inbound(m.created_at, score, e.topic.as_deref(), &routing);
                let queue = st.conv.queue.clone();
                self.latest.insert(customer, id);
                self.placed.insert(key, Some(id));
                self.changed(before.as_ref().map(|(c, a)| (c, a.as_deref())), id, delta);
                delta.inbound_message(
                    m.created_at,
                    m.channel,
                    e.topic.as_deref(),
                    &queue,
                    label,
                    e.sentiment.score,
                    opens_hour,
                );
            }
            Direction::Outbound => match thread_outbound(parent.as_ref()) {
                ThreadDecision::Join(id) => {
                    let Some(st) = self.convs.get_mut(&id) else {
                        return;
                    };
                    let before = (st.conv.clone(), st.first_responder.clone());
                    st.conv.add_outbound(m.created_at);
                    self.placed.insert(key, Some(id));
                    self.changed(Some((&before.0, before.1.as_deref())), id, delta);
                }
                _ => {
                    self.placed.insert(key, None);
                }
            },
        }
    }
}

/// Deterministic ids, so that replays are reproducible.
fn uuid_from(n: u64) -> uuid::Uuid {
    uuid::Uuid::from_u64_pair(0x5CE2_A210, n)
}
