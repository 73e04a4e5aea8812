//! Earshot's text → signals crate.
//!
//! [`Enricher::enrich`] turns one message into an [`Enrichment`]: language (with confidence),
//! sentiment (label, score, confidence), topic / complaint reason (with confidence), normalised key
//! phrases and PII spans. It never panics and allocates little: the text is tokenised once into
//! per-thread buffers that every stage reuses.
//!
//! The default sentiment scorer is our own rule-based engine over the VADER lexicon (the lexicon
//! comes from the `vader_sentiment` crate as data). A calibrated linear model trained on labelled
//! examples ([`train`]) and per-brand override [`Rules`] can be plugged in without rebuilding
//! anything else.

mod dataset;
mod enricher;
mod error;
mod eval;
mod fast_token;
mod lang;
mod lexicon;
mod model;
mod phrases;
mod pii;
mod rules;
mod sentiment;
mod token;
mod topic;

pub use dataset::{CsvOptions, read_examples, read_examples_csv};
pub use enricher::{Enricher, Enrichment, NlpConfig};
pub use error::NlpError;
pub use eval::{ClassReport, CvReport, Report, cross_validate, evaluate};
pub use lang::LanguageMethod;
pub use model::{
    ClassWeight, Example, FeatureConfig, Model, Prediction, Task, TrainOptions, train,
};
pub use pii::{PiiKind, PiiPattern, PiiSpan, default_pii_patterns, luhn_valid, redact};
pub use rules::{Rule, Rules};
pub use sentiment::{ParseLabelError, Sentiment, SentimentLabel};
pub use topic::{Taxonomy, TopicDef};

/// How far a post can travel, from the author's follower count: 0 for no followers, rising with
/// the logarithm of the count, 1.0 at one million followers and above.
pub fn influence_score(followers: u64) -> f32 {
    const FULL: f64 = 1_000_000.0;
    let s = (followers as f64).ln_1p() / FULL.ln_1p();
    s.clamp(0.0, 1.0) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn influence_is_log_scaled_and_bounded() {
        assert_eq!(influence_score(0), 0.0);
        assert!((influence_score(1_000_000) - 1.0).abs() < 1e-6);
        assert_eq!(influence_score(u64::MAX), 1.0);
        let (a, b, c) = (
            influence_score(10),
            influence_score(1_000),
            influence_score(100_000),
        );
        assert!(0.0 < a && a < b && b < c && c < 1.0);
        // log scale: each factor of 100 adds about a third
        assert!(((b - a) - (c - b)).abs() < 0.01);
    }
}
