//! Earshot's vocabulary and its pure rules. Nothing here does I/O: every rule
//! can be tested without a database, a network or a clock.

pub mod channel;
pub mod conversation;
pub mod ids;
pub mod message;
pub mod metrics;
pub mod record;
pub mod routing;
pub mod threading;

pub use channel::{Channel, Direction, Visibility};
pub use conversation::Conversation;
pub use conversation::{ConversationStatus, Priority};
pub use ids::{ConversationId, CustomerId, MessageId};
pub use message::{Author, InboundMessage, Signals, ValidationError};
