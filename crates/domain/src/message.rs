//! A message as every source normalises it, and the limits it must respect.

use crate::channel::{Channel, Direction, Visibility};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Longest accepted message text, in bytes. Long-form reviews and e-mails fit;
/// anything larger is almost certainly a bad payload.
pub const MAX_TEXT_BYTES: usize = 32 * 1024;
/// Longest accepted external id, handle or account name, in bytes.
pub const MAX_ID_BYTES: usize = 256;

/// Who wrote a message, as the channel knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    /// The channel's stable user id (not the handle, which can change).
    pub id: String,
    #[serde(default)]
    pub handle: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub followers: Option<u64>,
}

/// A message normalised from any source, before enrichment and threading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundMessage {
    pub channel: Channel,
    /// The channel's own id of the message: `(channel, external_id)` is unique.
    pub external_id: String,
    pub direction: Direction,
    pub visibility: Visibility,
    pub author: Author,
    /// The brand account the message was addressed to or sent from.
    pub brand_account: Option<String>,
    pub text: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// External id (same channel) of the message this one replies to.
    pub in_reply_to: Option<String>,
    /// A language the source already knows (ISO 639-1); detection fills it otherwise.
    pub language: Option<String>,
}

/// What is wrong with a message, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    #[error("field '{0}' must not be empty")]
    Empty(&'static str),
    #[error("field '{field}' is {len} bytes, over the limit of {limit}")]
    TooLong {
        field: &'static str,
        len: usize,
        limit: usize,
    },
    #[error("field '{field}' is invalid: {reason}")]
    Invalid { field: &'static str, reason: String },
}

/// Checks a required identifier-like field.
pub fn check_id(field: &'static str, value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        return Err(ValidationError::Empty(field));
    }
    check_len(field, value, MAX_ID_BYTES)
}

pub fn check_len(field: &'static str, value: &str, limit: usize) -> Result<(), ValidationError> {
    if value.len() > limit {
        return Err(ValidationError::TooLong {
            field,
            len: value.len(),
            limit,
        });
    }
    Ok(())
}

impl InboundMessage {
    /// Checks the limits every source must respect. Text may be empty (a
    /// photo-only post) but not oversized.
    pub fn validate(&self) -> Result<(), ValidationError> {
        check_id("external_id", &self.external_id)?;
        check_id("author.id", &self.author.id)?;
        for (field, value) in [
            ("author.handle", &self.author.handle),
            ("author.name", &self.author.name),
            ("brand_account", &self.brand_account),
            ("in_reply_to", &self.in_reply_to),
            ("language", &self.language),
        ] {
            if let Some(v) = value {
                check_len(field, v, MAX_ID_BYTES)?;
            }
        }
        check_len("text", &self.text, MAX_TEXT_BYTES)?;
        if self.in_reply_to.as_deref() == Some(self.external_id.as_str()) {
            return Err(ValidationError::Invalid {
                field: "in_reply_to",
                reason: "a message cannot reply to itself".into(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use time::macros::datetime;

    pub fn sample(external_id: &str) -> InboundMessage {
        InboundMessage {
            channel: Channel::X,
            external_id: external_id.into(),
            direction: Direction::Inbound,
            visibility: Visibility::Public,
            author: Author {
                id: "u1".into(),
                handle: Some("@ann".into()),
                name: None,
                followers: Some(10),
            },
            brand_account: Some("acme".into()),
            text: "where is my parcel".into(),
            created_at: datetime!(2026-01-01 10:00 UTC),
            in_reply_to: None,
            language: None,
        }
    }

    #[test]
    fn valid_message_passes() {
        assert_eq!(sample("1").validate(), Ok(()));
    }

    #[test]
    fn empty_id_and_oversized_text_are_named() {
        let mut m = sample(" ");
        assert_eq!(m.validate(), Err(ValidationError::Empty("external_id")));
        m.external_id = "1".into();
        m.text = "a".repeat(MAX_TEXT_BYTES + 1);
        let err = m.validate().unwrap_err();
        assert!(err.to_string().contains("'text'"), "{err}");
    }

    #[test]
    fn self_reply_is_rejected() {
        let mut m = sample("1");
        m.in_reply_to = Some("1".into());
        assert!(m.validate().is_err());
    }
}

/// What enrichment learnt about a customer message. Kept free of the NLP
/// crate's types so that rules and storage do not depend on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Signals {
    pub language: Option<String>,
    pub language_confidence: f32,
    /// negative, neutral, positive or unclassified.
    pub sentiment: String,
    /// -1..=1
    pub sentiment_score: f32,
    pub sentiment_confidence: f32,
    pub topic: Option<String>,
    pub topic_confidence: f32,
    /// 0..=1, from follower count.
    pub influence: f32,
}
