//! Which conversation a message belongs to.
//!
//! Rules, in order:
//! 1. A brand (outbound) message joins the conversation of the message it
//!    replies to, whatever that conversation's status: a brand reply never
//!    opens a conversation on its own. Without a known parent it stays
//!    unthreaded (stored, never dropped).
//! 2. A customer (inbound) message that replies to a message in an active
//!    conversation of the same customer joins it (a reply chain joins its root).
//! 3. Otherwise it joins the customer's active conversation, across public
//!    posts and private messages.
//! 4. Otherwise it starts a new conversation; when the customer's previous
//!    conversation was resolved within the repeat window before this message,
//!    the new one is linked to it as a repeat contact.

use crate::conversation::ConversationStatus;
use crate::ids::{ConversationId, CustomerId};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// Threading settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ThreadingConfig {
    /// A new conversation within this many seconds of the previous one's
    /// resolution is a repeat contact. Default: 7 days.
    pub repeat_window_secs: i64,
}

impl Default for ThreadingConfig {
    fn default() -> Self {
        Self {
            repeat_window_secs: 7 * 24 * 3600,
        }
    }
}

/// What threading needs to know about an existing conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConversationRef {
    pub id: ConversationId,
    pub customer_id: CustomerId,
    pub status: ConversationStatus,
    pub resolved_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadDecision {
    Join(ConversationId),
    New {
        repeat_of: Option<ConversationId>,
    },
    /// An outbound message whose parent is unknown.
    Unthreaded,
}

/// Decides where an inbound (customer) message goes.
pub fn thread_inbound(
    customer: CustomerId,
    at: OffsetDateTime,
    parent: Option<&ConversationRef>,
    latest_of_customer: Option<&ConversationRef>,
    cfg: &ThreadingConfig,
) -> ThreadDecision {
    if let Some(p) = parent
        && p.customer_id == customer
        && p.status.is_active()
    {
        return ThreadDecision::Join(p.id);
    }
    match latest_of_customer {
        Some(c) if c.status.is_active() => ThreadDecision::Join(c.id),
        Some(c) => {
            let within = c
                .resolved_at
                .is_some_and(|r| at >= r && at - r <= Duration::seconds(cfg.repeat_window_secs));
            ThreadDecision::New {
                repeat_of: within.then_some(c.id),
            }
        }
        None => ThreadDecision::New { repeat_of: None },
    }
}

/// Decides where an outbound (brand) message goes.
pub fn thread_outbound(parent: Option<&ConversationRef>) -> ThreadDecision {
    match parent {
        Some(p) => ThreadDecision::Join(p.id),
        None => ThreadDecision::Unthreaded,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn conv(
        customer: CustomerId,
        status: ConversationStatus,
        resolved: Option<OffsetDateTime>,
    ) -> ConversationRef {
        ConversationRef {
            id: ConversationId::new(),
            customer_id: customer,
            status,
            resolved_at: resolved,
        }
    }

    #[test]
    fn first_message_opens_a_conversation() {
        let c = CustomerId::new();
        let d = thread_inbound(
            c,
            datetime!(2026-01-01 0:00 UTC),
            None,
            None,
            &Default::default(),
        );
        assert_eq!(d, ThreadDecision::New { repeat_of: None });
    }

    #[test]
    fn joins_the_customers_active_conversation() {
        let c = CustomerId::new();
        let open = conv(c, ConversationStatus::Pending, None);
        let d = thread_inbound(
            c,
            datetime!(2026-01-01 0:00 UTC),
            None,
            Some(&open),
            &Default::default(),
        );
        assert_eq!(d, ThreadDecision::Join(open.id));
    }

    #[test]
    fn reply_to_another_customers_thread_stays_with_own_customer() {
        let me = CustomerId::new();
        let theirs = conv(CustomerId::new(), ConversationStatus::Open, None);
        let d = thread_inbound(
            me,
            datetime!(2026-01-01 0:00 UTC),
            Some(&theirs),
            None,
            &Default::default(),
        );
        assert_eq!(d, ThreadDecision::New { repeat_of: None });
    }

    #[test]
    fn after_resolution_a_new_conversation_is_a_repeat_within_the_window() {
        let c = CustomerId::new();
        let done = conv(
            c,
            ConversationStatus::Resolved,
            Some(datetime!(2026-01-01 0:00 UTC)),
        );
        let cfg = ThreadingConfig::default();
        let within = thread_inbound(
            c,
            datetime!(2026-01-07 23:00 UTC),
            Some(&done),
            Some(&done),
            &cfg,
        );
        assert_eq!(
            within,
            ThreadDecision::New {
                repeat_of: Some(done.id)
            }
        );
        let after = thread_inbound(c, datetime!(2026-01-08 0:01 UTC), None, Some(&done), &cfg);
        assert_eq!(after, ThreadDecision::New { repeat_of: None });
    }

    #[test]
    fn brand_replies_follow_their_parent_or_stay_unthreaded() {
        let p = conv(CustomerId::new(), ConversationStatus::Resolved, None);
        assert_eq!(thread_outbound(Some(&p)), ThreadDecision::Join(p.id));
        assert_eq!(thread_outbound(None), ThreadDecision::Unthreaded);
    }
}
