//! Everything a source can tell Earshot besides a message: lifecycle actions,
//! survey answers, unprompted feedback and change-log entries. Each record
//! carries its own `id` so that re-importing it is a no-op.

use crate::channel::Channel;
use crate::conversation::LifecycleAction;
use crate::message::{
    Author, InboundMessage, MAX_TEXT_BYTES, ValidationError, check_id, check_len,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// One unit of input, whatever the source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Record {
    Message(InboundMessage),
    Lifecycle(LifecycleEvent),
    Survey(SurveyAnswer),
    Feedback(Feedback),
    Change(ChangeEntry),
}

impl Record {
    pub fn kind(&self) -> &'static str {
        match self {
            Record::Message(_) => "message",
            Record::Lifecycle(_) => "lifecycle",
            Record::Survey(_) => "survey",
            Record::Feedback(_) => "feedback",
            Record::Change(_) => "change",
        }
    }

    pub fn at(&self) -> OffsetDateTime {
        match self {
            Record::Message(m) => m.created_at,
            Record::Lifecycle(l) => l.at,
            Record::Survey(s) => s.at,
            Record::Feedback(f) => f.at,
            Record::Change(c) => c.at,
        }
    }

    pub fn validate(&self) -> Result<(), ValidationError> {
        match self {
            Record::Message(m) => m.validate(),
            Record::Lifecycle(l) => {
                check_id("id", &l.id)?;
                check_id("message_id", &l.message_id)?;
                check_id("actor", &l.actor)?;
                if let LifecycleAction::Escalate { tier } = &l.action {
                    check_id("tier", tier)?;
                }
                Ok(())
            }
            Record::Survey(s) => {
                check_id("id", &s.id)?;
                check_id("message_id", &s.message_id)?;
                let max = s.kind.max_score();
                if s.score > max {
                    return Err(ValidationError::Invalid {
                        field: "score",
                        reason: format!(
                            "{} score {} is outside {}..={max}",
                            s.kind.as_str(),
                            s.score,
                            s.kind.min_score()
                        ),
                    });
                }
                if s.score < s.kind.min_score() {
                    return Err(ValidationError::Invalid {
                        field: "score",
                        reason: format!(
                            "{} score {} is outside {}..={max}",
                            s.kind.as_str(),
                            s.score,
                            s.kind.min_score()
                        ),
                    });
                }
                if let Some(c) = &s.comment {
                    check_len("comment", c, MAX_TEXT_BYTES)?;
                }
                Ok(())
            }
            Record::Feedback(f) => {
                check_id("id", &f.id)?;
                check_id("author.id", &f.author.id)?;
                if f.text.trim().is_empty() {
                    return Err(ValidationError::Empty("text"));
                }
                check_len("text", &f.text, MAX_TEXT_BYTES)
            }
            Record::Change(c) => {
                check_id("id", &c.id)?;
                check_id("owner_team", &c.owner_team)?;
                if c.title.trim().is_empty() {
                    return Err(ValidationError::Empty("title"));
                }
                check_len("title", &c.title, 1024)
            }
        }
    }
}

/// A conversation resolved, reopened or escalated by an actor. The
/// conversation is named by any message in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LifecycleEvent {
    pub id: String,
    pub channel: Channel,
    pub message_id: String,
    pub action: LifecycleAction,
    pub actor: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SurveyKind {
    /// Customer satisfaction, 1 (very dissatisfied) to 5 (very satisfied).
    Csat,
    /// Net promoter, 0 to 10.
    Nps,
}

impl SurveyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SurveyKind::Csat => "csat",
            SurveyKind::Nps => "nps",
        }
    }
    pub fn min_score(self) -> u8 {
        match self {
            SurveyKind::Csat => 1,
            SurveyKind::Nps => 0,
        }
    }
    pub fn max_score(self) -> u8 {
        match self {
            SurveyKind::Csat => 5,
            SurveyKind::Nps => 10,
        }
    }
}

/// A CSAT or NPS answer about the conversation holding `message_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyAnswer {
    pub id: String,
    pub channel: Channel,
    pub message_id: String,
    pub kind: SurveyKind,
    pub score: u8,
    pub comment: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// An unprompted comment (app review, feedback form, community post) that
/// is not a conversation but feeds recurring-phrase analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Feedback {
    pub id: String,
    pub channel: Channel,
    pub author: Author,
    pub text: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Release,
    Policy,
    Outage,
    Comms,
    Integration,
    Other,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Release => "release",
            ChangeKind::Policy => "policy",
            ChangeKind::Outage => "outage",
            ChangeKind::Comms => "comms",
            ChangeKind::Integration => "integration",
            ChangeKind::Other => "other",
        }
    }
}

/// Something the business changed, offered later as a candidate cause.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeEntry {
    pub id: String,
    pub kind: ChangeKind,
    pub title: String,
    pub owner_team: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}
