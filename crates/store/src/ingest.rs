//! The data an ingest batch reads and writes. The decisions in between are
//! made by the application (threading and routing rules live in `domain`);
//! the store only loads the context and writes the plan in one transaction.

use crate::rows::{MessageRow, NewEvent};
use domain::record::{ChangeEntry, Feedback};
use domain::{Channel, Conversation, ConversationId, CustomerId};
use std::collections::{HashMap, HashSet};

/// `(channel, external id)` of a message or an author.
pub type Key = (Channel, String);

/// What a batch needs looked up.
#[derive(Debug, Clone, Default)]
pub struct IngestKeys {
    /// Messages of the batch, to find the ones already stored.
    pub messages: Vec<Key>,
    /// Authors of customer messages, to find their customers.
    pub authors: Vec<Key>,
    /// Messages whose conversation is needed (reply parents, lifecycle and survey targets).
    pub referenced: Vec<Key>,
    /// Ids of lifecycle, survey, feedback and change records.
    pub record_ids: Vec<(RecordKind, String)>,
}

#[derive(Debug, Clone)]
pub struct KnownCustomer {
    pub id: CustomerId,
    pub tags: Vec<String>,
}

/// What the store found for a batch's keys.
#[derive(Debug, Clone, Default)]
pub struct IngestContext {
    pub existing_messages: HashSet<Key>,
    pub customers: HashMap<Key, KnownCustomer>,
    /// Each known customer's latest conversation.
    pub latest: HashMap<CustomerId, Conversation>,
    /// The conversation (and its customer) of each referenced message found.
    pub referenced: HashMap<Key, (Option<ConversationId>, Option<CustomerId>)>,
    /// Conversations named by `latest` and `referenced`.
    pub conversations: HashMap<ConversationId, Conversation>,
    /// Record ids already stored.
    pub existing_records: HashSet<(RecordKind, String)>,
}

#[derive(Debug, Clone)]
pub struct NewCustomer {
    pub id: CustomerId,
    pub display_name: Option<String>,
    pub created_at: time::OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct NewIdentity {
    pub channel: Channel,
    pub external_user_id: String,
    pub customer_id: CustomerId,
    pub handle: Option<String>,
    pub display_name: Option<String>,
    pub followers: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct LifecycleRow {
    pub id: String,
    pub conversation_id: ConversationId,
    pub action: String,
    pub actor: String,
    pub at: time::OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct SurveyRow {
    pub id: String,
    pub conversation_id: ConversationId,
    pub customer_id: CustomerId,
    pub kind: domain::record::SurveyKind,
    pub score: u8,
    pub comment: Option<String>,
    pub at: time::OffsetDateTime,
}

/// Everything a batch writes.
#[derive(Debug, Clone, Default)]
pub struct IngestPlan {
    pub customers: Vec<NewCustomer>,
    pub identities: Vec<NewIdentity>,
    /// New or changed conversations, in their final state (upserted).
    pub conversations: Vec<Conversation>,
    pub messages: Vec<MessageRow>,
    pub lifecycle: Vec<LifecycleRow>,
    pub surveys: Vec<SurveyRow>,
    pub feedback: Vec<Feedback>,
    pub changes: Vec<ChangeEntry>,
    pub events: Vec<NewEvent>,
    /// Rollup deltas, added to the stored cells.
    pub rollups: Vec<(analytics::rollup::CellKey, analytics::Cell)>,
}

/// A plan made outside the write transaction, on a context read while the
/// previous batch was being written (see `Store::ingest_planned`). It holds
/// only if the event chain's head is still `head` when its transaction
/// begins: every write that changes what a plan reads appends events, so any
/// other writer in between moves the head and the batch is planned again.
#[derive(Debug)]
pub struct Premade<T> {
    pub plan: IngestPlan,
    pub out: T,
    /// The sequence number of the last event the plan assumed to be stored.
    pub head: i64,
}

/// Which table keeps a non-message record's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordKind {
    Lifecycle,
    Survey,
    Feedback,
    Change,
}

impl RecordKind {
    pub fn table(self) -> &'static str {
        match self {
            RecordKind::Lifecycle => "lifecycle_records",
            RecordKind::Survey => "surveys",
            RecordKind::Feedback => "feedback",
            RecordKind::Change => "changes",
        }
    }
}
