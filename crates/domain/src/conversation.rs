//! Conversation status and priority, and the lifecycle rules between statuses.

use serde::{Deserialize, Serialize};
use std::str::FromStr;

use crate::channel::UnknownVariant;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConversationStatus {
    /// Waiting for the brand.
    Open,
    /// Answered, waiting for the customer.
    Pending,
    Resolved,
}

impl ConversationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationStatus::Open => "open",
            ConversationStatus::Pending => "pending",
            ConversationStatus::Resolved => "resolved",
        }
    }

    pub fn is_active(self) -> bool {
        !matches!(self, ConversationStatus::Resolved)
    }

    /// Status after a message lands in an active conversation: a customer
    /// message makes it the brand's turn, a brand message the customer's.
    pub fn after_message(self, inbound: bool) -> Self {
        match (self, inbound) {
            (ConversationStatus::Resolved, _) => ConversationStatus::Resolved,
            (_, true) => ConversationStatus::Open,
            (_, false) => ConversationStatus::Pending,
        }
    }
}

impl FromStr for ConversationStatus {
    type Err = UnknownVariant;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "open" => Ok(Self::Open),
            "pending" => Ok(Self::Pending),
            "resolved" => Ok(Self::Resolved),
            _ => Err(UnknownVariant {
                kind: "status",
                value: s.into(),
                expected: "open, pending, resolved",
            }),
        }
    }
}

/// Lifecycle actions on a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "action")]
pub enum LifecycleAction {
    Resolve,
    Reopen,
    Escalate { tier: String },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot {action} a conversation that is {status}")]
pub struct TransitionError {
    pub action: &'static str,
    pub status: &'static str,
}

impl LifecycleAction {
    pub fn name(&self) -> &'static str {
        match self {
            LifecycleAction::Resolve => "resolve",
            LifecycleAction::Reopen => "reopen",
            LifecycleAction::Escalate { .. } => "escalate",
        }
    }

    /// The status after the action, or why it is not allowed. Escalation
    /// keeps (or restores) the conversation active.
    pub fn apply(&self, from: ConversationStatus) -> Result<ConversationStatus, TransitionError> {
        use ConversationStatus::*;
        match (self, from) {
            (LifecycleAction::Resolve, Resolved) | (LifecycleAction::Reopen, Open | Pending) => {
                Err(TransitionError {
                    action: self.name(),
                    status: from.as_str(),
                })
            }
            (LifecycleAction::Resolve, _) => Ok(Resolved),
            (LifecycleAction::Reopen, Resolved) => Ok(Open),
            (LifecycleAction::Escalate { .. }, Resolved) => Ok(Open),
            (LifecycleAction::Escalate { .. }, s) => Ok(s),
        }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Low,
    #[default]
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }
}

impl FromStr for Priority {
    type Err = UnknownVariant;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "low" => Ok(Self::Low),
            "normal" => Ok(Self::Normal),
            "high" => Ok(Self::High),
            "urgent" => Ok(Self::Urgent),
            _ => Err(UnknownVariant {
                kind: "priority",
                value: s.into(),
                expected: "low, normal, high, urgent",
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ConversationStatus::*;

    #[test]
    fn lifecycle_transitions() {
        assert_eq!(LifecycleAction::Resolve.apply(Open), Ok(Resolved));
        assert_eq!(LifecycleAction::Resolve.apply(Pending), Ok(Resolved));
        assert!(LifecycleAction::Resolve.apply(Resolved).is_err());
        assert_eq!(LifecycleAction::Reopen.apply(Resolved), Ok(Open));
        assert!(LifecycleAction::Reopen.apply(Open).is_err());
        let esc = LifecycleAction::Escalate { tier: "pr".into() };
        assert_eq!(esc.apply(Pending), Ok(Pending));
        assert_eq!(esc.apply(Resolved), Ok(Open));
    }

    #[test]
    fn messages_move_the_turn() {
        assert_eq!(Open.after_message(false), Pending);
        assert_eq!(Pending.after_message(true), Open);
        assert_eq!(Resolved.after_message(true), Resolved);
    }

    #[test]
    fn priority_orders() {
        assert!(Priority::Urgent > Priority::High);
        assert_eq!("high".parse::<Priority>(), Ok(Priority::High));
        assert!("p1".parse::<Priority>().is_err());
    }
}

/// The full state of one conversation, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    pub id: crate::ids::ConversationId,
    pub customer_id: crate::ids::CustomerId,
    /// Channel of the message that opened it.
    pub channel: crate::channel::Channel,
    pub status: ConversationStatus,
    pub priority: Priority,
    pub queue: String,
    pub assignee: Option<String>,
    pub escalation_tier: Option<String>,
    pub topic: Option<String>,
    pub tags: Vec<String>,
    /// Sentiment score (-1..=1) of the first and the latest customer message.
    pub sentiment_first: Option<f32>,
    pub sentiment_last: Option<f32>,
    pub repeat_of: Option<crate::ids::ConversationId>,
    #[serde(with = "time::serde::rfc3339")]
    pub first_inbound_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub first_response_at: Option<time::OffsetDateTime>,
    /// Who sent the first response (an agent, or the brand account for
    /// imported replies), for per-agent and per-team metrics.
    #[serde(default)]
    pub first_responder: Option<String>,
    /// First resolution: time to resolution is measured to it.
    #[serde(with = "time::serde::rfc3339::option")]
    pub resolved_at: Option<time::OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub last_message_at: time::OffsetDateTime,
    /// Latest customer message, to count conversation-hours with a customer message
    /// (`None` for conversations stored before it was kept).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_inbound_at: Option<time::OffsetDateTime>,
    pub inbound_count: u32,
    pub outbound_count: u32,
}

/// The clock hour (UTC) of an instant, as hours since the epoch.
fn hour_of(t: time::OffsetDateTime) -> i64 {
    t.unix_timestamp().div_euclid(3600)
}

/// Moves a conversation's latest customer message to `at` (when later) and says whether
/// `at` opens a conversation-hour: no customer message so far, or the latest one is in
/// another clock hour. The one rule for live ingest and `analytics rebuild`.
pub fn next_inbound(latest: &mut Option<time::OffsetDateTime>, at: time::OffsetDateTime) -> bool {
    let opens = latest.is_none_or(|prev| hour_of(prev) != hour_of(at));
    if latest.is_none_or(|prev| at > prev) {
        *latest = Some(at);
    }
    opens
}

impl Conversation {
    /// A conversation opened by a customer message and routed.
    pub fn open(
        customer_id: crate::ids::CustomerId,
        channel: crate::channel::Channel,
        at: time::OffsetDateTime,
        routing: &crate::routing::RoutingOutcome,
        repeat_of: Option<crate::ids::ConversationId>,
    ) -> Self {
        Self {
            id: crate::ids::ConversationId::new(),
            customer_id,
            channel,
            status: ConversationStatus::Open,
            priority: routing.priority,
            queue: routing.queue.clone(),
            assignee: None,
            escalation_tier: None,
            topic: None,
            tags: routing.tags.clone(),
            sentiment_first: None,
            sentiment_last: None,
            repeat_of,
            first_inbound_at: at,
            first_response_at: None,
            first_responder: None,
            resolved_at: None,
            last_message_at: at,
            last_inbound_at: None,
            inbound_count: 0,
            outbound_count: 0,
        }
    }

    /// Records a message landing in this conversation. A customer message
    /// can raise the priority and add tags (routing never lowers a priority).
    /// Returns whether it is the conversation's first customer message in its clock hour
    /// (in arrival order: a late message is judged against the latest one so far), so that
    /// rollups can count conversation-hours with a customer message.
    pub fn add_inbound(
        &mut self,
        at: time::OffsetDateTime,
        sentiment: Option<f32>,
        topic: Option<&str>,
        routing: &crate::routing::RoutingOutcome,
    ) -> bool {
        let new_hour = next_inbound(&mut self.last_inbound_at, at);
        self.inbound_count += 1;
        self.status = self.status.after_message(true);
        if self.sentiment_first.is_none() {
            self.sentiment_first = sentiment;
        }
        if sentiment.is_some() {
            self.sentiment_last = sentiment;
        }
        if self.topic.is_none() {
            self.topic = topic.map(str::to_owned);
        }
        self.priority = self.priority.max(routing.priority);
        for t in &routing.tags {
            if !self.tags.contains(t) {
                self.tags.push(t.clone());
            }
        }
        self.touch(at);
        new_hour
    }

    /// Records a brand message sent by `responder`; see [`Self::add_outbound`].
    pub fn add_outbound_by(&mut self, at: time::OffsetDateTime, responder: &str) {
        let was_unanswered = self.first_response_at.is_none();
        self.add_outbound(at);
        if was_unanswered && self.first_response_at.is_some() {
            self.first_responder = Some(responder.to_string());
        }
    }

    /// Records a brand message. Only a reply at or after the first customer
    /// message counts as the first response.
    pub fn add_outbound(&mut self, at: time::OffsetDateTime) {
        self.outbound_count += 1;
        self.status = self.status.after_message(false);
        if self.first_response_at.is_none() && at >= self.first_inbound_at {
            self.first_response_at = Some(at);
        }
        self.touch(at);
    }

    /// Applies a lifecycle action at a time.
    pub fn apply(
        &mut self,
        action: &LifecycleAction,
        at: time::OffsetDateTime,
    ) -> Result<(), TransitionError> {
        self.status = action.apply(self.status)?;
        match action {
            LifecycleAction::Resolve => {
                if self.resolved_at.is_none() {
                    self.resolved_at = Some(at);
                }
            }
            LifecycleAction::Escalate { tier } => self.escalation_tier = Some(tier.clone()),
            LifecycleAction::Reopen => {}
        }
        Ok(())
    }

    fn touch(&mut self, at: time::OffsetDateTime) {
        if at > self.last_message_at {
            self.last_message_at = at;
        }
    }

    pub fn as_ref(&self) -> crate::threading::ConversationRef {
        crate::threading::ConversationRef {
            id: self.id,
            customer_id: self.customer_id,
            status: self.status,
            resolved_at: self.resolved_at,
        }
    }

    pub fn timeline(&self) -> crate::metrics::Timeline {
        crate::metrics::Timeline {
            first_inbound_at: self.first_inbound_at,
            first_response_at: self.first_response_at,
            resolved_at: self.resolved_at,
        }
    }
}

#[cfg(test)]
mod state_tests {
    use super::*;
    use crate::routing::RoutingOutcome;
    use time::macros::datetime;

    fn routed(p: Priority) -> RoutingOutcome {
        RoutingOutcome {
            queue: "general".into(),
            priority: p,
            tags: vec!["t".into()],
            matched: vec![],
        }
    }

    #[test]
    fn a_customer_message_says_whether_it_opens_a_conversation_hour() {
        let t0 = datetime!(2026-01-01 9:10 UTC);
        let r = routed(Priority::Normal);
        let mut c = Conversation::open(
            crate::ids::CustomerId::new(),
            crate::channel::Channel::X,
            t0,
            &r,
            None,
        );
        let m = time::Duration::minutes;
        assert!(
            c.add_inbound(t0, None, None, &r),
            "the first message opens its hour"
        );
        assert!(
            !c.add_inbound(t0 + m(40), None, None, &r),
            "9:50 is the same hour"
        );
        c.add_outbound(t0 + m(45));
        assert!(
            !c.add_inbound(t0 + m(48), None, None, &r),
            "a brand reply between changes nothing"
        );
        assert!(
            c.add_inbound(t0 + m(60), None, None, &r),
            "10:10 opens hour 10"
        );
        // a late 9:30 message is judged against the latest (10:10): counted, and the
        // latest stays 10:10
        assert!(c.add_inbound(t0 + m(20), None, None, &r));
        assert_eq!(c.last_inbound_at, Some(t0 + m(60)));
        assert!(
            !c.add_inbound(t0 + m(100), None, None, &r),
            "10:50 is hour 10"
        );
        assert_eq!(hour_of(datetime!(1969-12-31 23:30 UTC)), -1);
    }

    #[test]
    fn a_conversation_tracks_its_timeline() {
        let t0 = datetime!(2026-01-01 9:00 UTC);
        let mut c = Conversation::open(
            crate::ids::CustomerId::new(),
            crate::channel::Channel::X,
            t0,
            &routed(Priority::Normal),
            None,
        );
        c.add_inbound(t0, Some(-0.5), Some("delivery"), &routed(Priority::Normal));
        c.add_outbound(t0 + time::Duration::minutes(5));
        assert_eq!(c.status, ConversationStatus::Pending);
        c.add_inbound(
            t0 + time::Duration::minutes(9),
            Some(0.4),
            Some("billing"),
            &routed(Priority::High),
        );
        c.add_outbound(t0 + time::Duration::minutes(20));
        assert_eq!(c.first_response_at, Some(t0 + time::Duration::minutes(5)));
        assert_eq!(c.priority, Priority::High);
        assert_eq!(c.topic.as_deref(), Some("delivery"));
        assert_eq!(
            (c.sentiment_first, c.sentiment_last),
            (Some(-0.5), Some(0.4))
        );
        assert_eq!((c.inbound_count, c.outbound_count), (2, 2));
        c.apply(&LifecycleAction::Resolve, t0 + time::Duration::hours(1))
            .unwrap();
        c.apply(&LifecycleAction::Reopen, t0 + time::Duration::hours(2))
            .unwrap();
        c.apply(&LifecycleAction::Resolve, t0 + time::Duration::hours(3))
            .unwrap();
        assert_eq!(
            c.resolved_at,
            Some(t0 + time::Duration::hours(1)),
            "TTR counts to the first resolution"
        );
        assert!(c.apply(&LifecycleAction::Resolve, t0).is_err());
    }
}
