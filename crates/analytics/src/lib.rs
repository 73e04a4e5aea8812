//! Earshot care analytics, pure (no I/O): rollup cells with mergeable quantile sketches
//! ([`rollup`], [`cell`]), metric series over cells ([`metrics`]), detectors, incidents and
//! probable causes ([`detect`]), recurring phrases ([`phrases`]) and the insight workflow
//! ([`insight`]). Definitions, methods and their blind spots: docs/analytics.md.

pub mod calendar;
pub mod cell;
pub mod detect;
pub mod follow_through;
pub mod insight;
pub mod metrics;
pub mod phrases;
pub mod rollup;
pub mod sketch;
pub mod stats;

pub use calendar::{BusinessCalendar, BusinessCalendars};
pub use cell::{Cell, Counter, SketchKind, SketchSet};
pub use detect::{
    Cause, DetectConfig, DetectInput, Detection, DetectionKind, Incident, Scope, detect, detect_all,
};
pub use insight::{InsightStatus, OwnerMap};
pub use metrics::{Metric, Series, SeriesGrain};
pub use phrases::PhraseCounts;
pub use rollup::{
    Attribution, CellIndex, CellKey, ConvFacts, Dim, Grain, RollupDelta, contributions_of,
};
pub use sketch::{DecodeError, Sketch};

#[cfg(test)]
mod rollup_tests;
#[cfg(test)]
mod test_rng;
