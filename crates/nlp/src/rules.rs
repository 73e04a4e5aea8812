//! Per-brand override rules: words or phrases whose sentiment (or topic) a brand wants read its
//! own way, applied without retraining ("war zone" is neutral for a news outlet, "sick" positive
//! for a skate shop).

use serde::{Deserialize, Serialize};

use crate::NlpError;
use crate::lexicon::phrase_words;
use crate::sentiment::SentimentLabel;

/// One override. `phrase` is matched on normalised words (case-insensitive, consecutive words
/// within a clause). At least one of `sentiment`, `valence` and `topic` must be set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub phrase: String,
    /// The phrase reads as this class: neutral (valence 0), positive (+2) or negative (-2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentiment: Option<SentimentLabel>,
    /// An explicit valence on the lexicon's -4..=4 scale; takes precedence over `sentiment`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valence: Option<f32>,
    /// The phrase signals this topic (a strong keyword; a new topic name is allowed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
}

/// A brand's rule set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Rules {
    pub rules: Vec<Rule>,
}

/// Weight per word of a rule's topic phrase, relative to taxonomy keywords (1.0).
pub(crate) const RULE_TOPIC_WEIGHT: f32 = 3.0;

impl Rule {
    /// The valence this rule assigns, if it assigns one.
    pub(crate) fn valence(&self) -> Result<Option<f32>, NlpError> {
        if let Some(v) = self.valence {
            if !v.is_finite() || !(-4.0..=4.0).contains(&v) {
                return Err(NlpError::Rule(format!(
                    "valence {v} of {:?} is outside -4..=4",
                    self.phrase
                )));
            }
            return Ok(Some(v));
        }
        Ok(match self.sentiment {
            None => None,
            Some(SentimentLabel::Neutral) => Some(0.0),
            Some(SentimentLabel::Positive) => Some(2.0),
            Some(SentimentLabel::Negative) => Some(-2.0),
            Some(SentimentLabel::Unclassified) => {
                return Err(NlpError::Rule(format!(
                    "rule {:?}: `unclassified` is not a sentiment to assign",
                    self.phrase
                )));
            }
        })
    }

    pub(crate) fn words(&self) -> Result<Vec<Box<str>>, NlpError> {
        let w = phrase_words(&self.phrase, false);
        if w.is_empty() {
            return Err(NlpError::Rule(format!(
                "rule phrase {:?} has no words",
                self.phrase
            )));
        }
        if self.sentiment.is_none()
            && self.valence.is_none()
            && self.topic.as_deref().is_none_or(|t| t.trim().is_empty())
        {
            return Err(NlpError::Rule(format!(
                "rule {:?} sets neither a sentiment, a valence nor a topic",
                self.phrase
            )));
        }
        Ok(w)
    }
}

impl Rules {
    /// Parse rules from JSON (`{"rules": [{"phrase": "war zone", "sentiment": "neutral"}]}`).
    pub fn from_json(json: &str) -> Result<Self, NlpError> {
        serde_json::from_str(json).map_err(|e| NlpError::Rule(e.to_string()))
    }
}
