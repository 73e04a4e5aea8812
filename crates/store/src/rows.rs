//! Plain data passed in and out of the store.

use domain::{Channel, ConversationId, CustomerId, MessageId};
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

/// Converts a time to the stored epoch milliseconds.
pub fn to_ms(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

/// Converts stored epoch milliseconds back to a UTC time.
pub fn from_ms(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Stored epoch milliseconds as RFC 3339 text (UTC).
pub fn rfc3339(ms: i64) -> String {
    from_ms(ms)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// One stored message with its enrichment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageRow {
    pub id: MessageId,
    pub conversation_id: Option<ConversationId>,
    pub customer_id: Option<CustomerId>,
    pub message: domain::InboundMessage,
    pub signals: Option<domain::Signals>,
    /// The agent who sent it through Earshot, for replies.
    pub sent_by: Option<String>,
}

/// An event to append; the store assigns its sequence number and hash.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewEvent {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: String,
    pub action: String,
    pub subject_type: String,
    pub subject_id: String,
    pub payload: serde_json::Value,
}

impl NewEvent {
    pub fn new(
        at: OffsetDateTime,
        actor: &str,
        action: &str,
        subject_type: &str,
        subject_id: impl ToString,
        payload: serde_json::Value,
    ) -> Self {
        Self {
            at,
            actor: actor.to_string(),
            action: action.to_string(),
            subject_type: subject_type.to_string(),
            subject_id: subject_id.to_string(),
            payload,
        }
    }
}

/// A stored event of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventRow {
    pub seq: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: String,
    pub action: String,
    pub subject_type: String,
    pub subject_id: String,
    pub payload: serde_json::Value,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NoteRow {
    pub id: Uuid,
    pub conversation_id: ConversationId,
    pub author: String,
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// What an update of one conversation adds besides its new state.
#[derive(Debug, Clone, Default)]
pub struct ConversationChange {
    pub messages: Vec<MessageRow>,
    pub notes: Vec<NoteRow>,
    pub events: Vec<NewEvent>,
    /// Rollup deltas of the change.
    pub rollups: Vec<(analytics::rollup::CellKey, analytics::Cell)>,
}

#[derive(Debug, Clone, Default)]
pub struct ConversationFilter {
    pub status: Option<domain::ConversationStatus>,
    pub queue: Option<String>,
    pub channel: Option<Channel>,
    pub priority: Option<domain::Priority>,
    pub customer_id: Option<CustomerId>,
    /// Only conversations whose last message is before this (a cursor).
    pub before_ms: Option<i64>,
    pub limit: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConversationSummary {
    #[serde(flatten)]
    pub conversation: domain::Conversation,
    pub customer_name: Option<String>,
    /// The latest customer message, for list views.
    pub last_inbound_text: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConversationDetail {
    pub conversation: domain::Conversation,
    pub customer: CustomerDetail,
    pub messages: Vec<MessageRow>,
    pub notes: Vec<NoteRow>,
    pub events: Vec<EventRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IdentityRow {
    pub channel: Channel,
    pub external_user_id: String,
    pub handle: Option<String>,
    pub display_name: Option<String>,
    pub followers: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerDetail {
    pub id: CustomerId,
    pub display_name: Option<String>,
    pub crm_id: Option<String>,
    pub tags: Vec<String>,
    pub merged_into: Option<CustomerId>,
    pub identities: Vec<IdentityRow>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VolumeDimension {
    Channel,
    Topic,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub customers: i64,
    pub conversations: i64,
    pub messages: i64,
    pub events: i64,
}

/// A stored calibrated model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelRow {
    pub id: Uuid,
    /// The brand it serves, or `*` for every brand.
    pub brand: String,
    pub task: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub trained_on: i64,
    #[serde(skip)]
    pub model: Vec<u8>,
    pub report: serde_json::Value,
}

/// A labelled example from an agent's correction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CorrectionRow {
    pub message_id: MessageId,
    pub text: String,
    pub label: String,
    pub actor: String,
}

/// A customer message's signals, as rollups need them.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundSignal {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    pub at: OffsetDateTime,
    pub channel: Channel,
    pub topic: Option<String>,
    pub sentiment: String,
    pub sentiment_score: f32,
    /// The queue of its conversation.
    pub queue: String,
}

/// A finding to store: inserted when its fingerprint is new, otherwise its
/// evidence and window are refreshed (its status is left alone).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewInsight {
    pub fingerprint: String,
    pub kind: String,
    pub title: String,
    pub owner_team: String,
    pub severity: f64,
    pub scope: serde_json::Value,
    pub window_start_ms: i64,
    pub window_end_ms: i64,
    pub detected_ms: i64,
    /// The incident with its detections, evidence and probable causes.
    pub detail: serde_json::Value,
    /// The stored insight this finding continues (a later run seeing the same story), which
    /// it updates instead of raising a new one.
    pub continues: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InsightHistoryRow {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InsightRow {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub owner_team: String,
    pub severity: f64,
    pub status: String,
    pub scope: serde_json::Value,
    #[serde(with = "time::serde::rfc3339")]
    pub window_start: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub window_end: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub detected_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub detail: serde_json::Value,
    pub history: Vec<InsightHistoryRow>,
}

#[derive(Debug, Clone, Default)]
pub struct InsightFilter {
    pub status: Option<String>,
    pub owner_team: Option<String>,
    pub kind: Option<String>,
    /// Only insights whose window ends at or after this time.
    pub ends_after_ms: Option<i64>,
    /// Leave each row's status history empty (one query fewer per row, for callers that
    /// read only the findings).
    pub without_history: bool,
    pub limit: i64,
}

/// A webhook waiting for delivery.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxRow {
    pub id: String,
    pub event_type: String,
    pub payload: String,
    pub created_ms: i64,
    pub attempts: i64,
}
