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
