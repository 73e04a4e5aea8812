//! Detectors over rollup cells, phrase counts and the change log; incidents and probable
//! causes. Methods, parameters and blind spots: docs/analytics.md.
//!
//! Every detector is *causal*: it judges a bucket only with data of that bucket and earlier
//! ones, and only once the bucket's metric is mature (see [`DetectConfig::maturity_days`]).
//! [`detect`] scans every bucket ending in `(input.from_ms − warm-up, input.as_of_ms]`, so the
//! same call serves a whole-history run and an "as of now" run.

mod causes;
mod daily;
mod hourly;
mod incidents;
mod phrase;

use crate::insight::OwnerMap;
use crate::metrics::Metric;
use crate::phrases::PhraseCounts;
use crate::rollup::{CellIndex, DAY_MS, Dim};
use domain::record::ChangeEntry;
use serde::{Deserialize, Serialize};

pub use incidents::{combine, continues, merge, same_finding};

/// The sketches the detectors read (only the daily FRT medians of the trend and masked-resolution
/// detectors): what their cells must be loaded with. Debug builds fail a read of any other.
pub const SKETCHES: crate::cell::SketchSet = Metric::FrtMedian.sketches();

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DetectionKind {
    /// 1. Volume or negative share far above the seasonal baseline, within hours.
    Spike,
    /// 2. A gradual drift over weeks (sentiment, CSAT, FRT, end sentiment, conversion).
    SlowBleed,
    /// 3. Repeat contacts on a topic rise while its FRT holds or improves.
    MaskedResolution,
    /// 4. CSAT flat while conversations end worse.
    CsatMasking,
    /// 5. A channel's volume collapses or vanishes; sentiment rests on fewer channels.
    CoverageGap,
    /// 6. A phrase in unprompted feedback rises.
    RecurringPhrase,
    /// 7. Repeat contacts trend up on a topic.
    RepeatTrend,
    /// 7. Escalations trend up on a topic.
    EscalationTrend,
    /// 7. A topic's share of all conversations steps or drifts up (a courier, a policy).
    TopicTrend,
}

impl DetectionKind {
    pub const ALL: [DetectionKind; 9] = [
        DetectionKind::Spike,
        DetectionKind::SlowBleed,
        DetectionKind::MaskedResolution,
        DetectionKind::CsatMasking,
        DetectionKind::CoverageGap,
        DetectionKind::RecurringPhrase,
        DetectionKind::RepeatTrend,
        DetectionKind::EscalationTrend,
        DetectionKind::TopicTrend,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DetectionKind::Spike => "spike",
            DetectionKind::SlowBleed => "slow_bleed",
            DetectionKind::MaskedResolution => "masked_resolution",
            DetectionKind::CsatMasking => "csat_masking",
            DetectionKind::CoverageGap => "coverage_gap",
            DetectionKind::RecurringPhrase => "recurring_phrase",
            DetectionKind::RepeatTrend => "repeat_trend",
            DetectionKind::EscalationTrend => "escalation_trend",
            DetectionKind::TopicTrend => "topic_trend",
        }
    }

    /// Hourly detectors judge hours; the others judge days.
    pub fn hourly(self) -> bool {
        matches!(self, DetectionKind::Spike | DetectionKind::CoverageGap)
    }
}

/// What moved: a metric (or phrase) in one dimension value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Scope {
    /// A [`Metric`] name, or `phrase:<text>` for recurring phrases, or `sentiment_channels`.
    pub metric: String,
    pub dim: Dim,
    pub value: String,
}

impl Scope {
    pub fn new(metric: impl Into<String>, dim: Dim, value: impl Into<String>) -> Self {
        Scope {
            metric: metric.into(),
            dim,
            value: value.into(),
        }
    }
}

/// A change-log entry offered as a probable cause.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cause {
    pub change_id: String,
    pub kind: String,
    pub title: String,
    pub owner_team: String,
    pub at_ms: i64,
    /// Hours from the change to the start of the finding (negative: just after it).
    pub lag_hours: f64,
    /// Ranking score: closeness in time × match of scope.
    pub score: f64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Detection {
    pub kind: DetectionKind,
    pub scope: Scope,
    /// Estimated start and end (exclusive) of the anomaly, epoch ms.
    pub start_ms: i64,
    pub end_ms: i64,
    /// End of the first bucket in which the detector fired (all data used was before it).
    pub detected_at_ms: i64,
    pub baseline: f64,
    pub observed: f64,
    pub statistic: String,
    pub statistic_value: f64,
    /// One-sided p-value of the test that fired (before multiple-testing control).
    pub p_value: f64,
    /// 0..=1: half statistical strength, half size of the effect.
    pub severity: f64,
    pub examples: Vec<String>,
    pub probable_causes: Vec<Cause>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// Most severe first.
    pub detections: Vec<Detection>,
    /// Scope of the most severe detection.
    pub scope: Scope,
    pub start_ms: i64,
    pub end_ms: i64,
    pub detected_at_ms: i64,
    pub severity: f64,
    pub causes: Vec<Cause>,
}

impl Incident {
    pub fn title(&self) -> String {
        let kinds: Vec<&str> = {
            let mut k: Vec<&str> = self.detections.iter().map(|d| d.kind.as_str()).collect();
            k.dedup();
            k
        };
        format!(
            "{} in {} {} ({})",
            self.scope.metric,
            self.scope.dim.as_str(),
            self.scope.value,
            kinds.join(", ")
        )
    }
}

/// What detectors read. `as_of_ms`: nothing at or after it is used (buckets ending after it
/// are ignored). `from_ms`: detections that ended more than a week before it are not
/// returned (daily findings end at their last mature day, a few days before `as_of`).
#[derive(Debug, Clone, Copy)]
pub struct DetectInput<'a> {
    pub cells: &'a CellIndex,
    pub phrases: &'a PhraseCounts,
    pub changes: &'a [ChangeEntry],
    pub from_ms: i64,
    pub as_of_ms: i64,
}

/// Parameters. Thresholds come from a false-alarm budget per detector (expected false alarms
/// per four weeks), split Bonferroni-style over the tests a detector makes in four weeks, plus
/// minimum support and minimum effect sizes that say what is worth an analyst's time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DetectConfig {
    /// Expected false alarms per 4 weeks of clean data, per detector.
    pub fa_budget: f64,
    /// The spike detector's own budget: spikes are the findings that cannot wait for the
    /// morning, so they get the largest share of the one-per-four-weeks total.
    pub spike_fa_budget: f64,
    /// Effective independent evaluations per series per four weeks of the daily window
    /// comparisons (CSAT masking, phrases: their windows overlap from one
    /// day to the next; two per week). The trend CUSUM needs none: its threshold comes from
    /// its run length.
    pub daily_looks: f64,
    /// Days of history a detector needs before it judges anything.
    pub min_history_days: i64,
    /// Days of the seasonal profile window (hour-of-day × day-of-week) of hourly detectors.
    pub profile_days: i64,
    /// Days of the robust level estimate of hourly detectors.
    pub level_days: i64,
    /// Spike: windows (hours) tested at each hour.
    pub spike_windows: Vec<usize>,
    pub spike_min_excess: f64,
    pub spike_min_ratio: f64,
    /// Negative-share spike: minimum classified conversations in the window and excess
    /// negatives.
    pub share_min_n: f64,
    pub share_min_excess: f64,
    /// Minimum rise of the negative share, in share points (a ratio would be meaningless
    /// when the usual share is already high).
    pub share_min_rise: f64,
    /// Coverage gap: windows (hours), minimum expected volume, observed/expected ceiling.
    pub gap_windows: Vec<usize>,
    pub gap_min_expected: f64,
    pub gap_max_ratio: f64,
    /// Consecutive daily evaluations a window-comparison finding (CSAT
    /// masking) must hold before it is reported.
    pub trend_persistence: usize,
    /// Trend CUSUM: reference change (in baseline SDs) the test is tuned to, the baseline's
    /// length (days; at least 21 of them present) and its guard gap before the judged day
    /// (days). The days of an excursion share the baseline's error, which grows the variance
    /// of their sum by m/n for m days against n; a slow bleed needs two to three weeks of
    /// excursion, which a baseline of 28 days made 68 % noisier (19 days), one of 56 days
    /// 34 % (docs/analytics.md, session 4).
    pub trend_cusum_k: f64,
    pub trend_baseline_days: usize,
    pub trend_guard_days: usize,
    /// Window comparison (CSAT masking): recent and baseline days.
    pub recent_days: usize,
    pub baseline_days: usize,
    /// Recurring phrases: recent window days, minimum texts, minimum distinct days, minimum
    /// words in a phrase, minimum rate ratio.
    pub phrase_recent_days: usize,
    pub phrase_min_count: u32,
    pub phrase_min_days: usize,
    pub phrase_min_words: usize,
    pub phrase_min_ratio: f64,
    /// Probable causes: lag window (days before the start) and decay of closeness (days), for
    /// hourly findings and for daily ones, whose onset is an estimate that trails a ramp by
    /// days (a CUSUM's onset is the day it last left zero).
    pub cause_max_lag_days: f64,
    pub cause_tau_days: f64,
    pub cause_tau_daily_days: f64,
    pub max_causes: usize,
    pub owners: OwnerMap,
    /// Topic values never judged (e.g. `none`).
    pub skip_topics: Vec<String>,
}

impl Default for DetectConfig {
    fn default() -> Self {
        DetectConfig {
            fa_budget: 0.1,
            spike_fa_budget: 0.1,
            daily_looks: 8.0,
            min_history_days: 14,
            profile_days: 28,
            level_days: 14,
            // 2 h: the target is a spike found within 2 hours of its start
            spike_windows: vec![1, 2, 3, 6],
            spike_min_excess: 6.0,
            spike_min_ratio: 1.5,
            share_min_n: 12.0,
            share_min_excess: 5.0,
            share_min_rise: 0.15,
            gap_windows: vec![1, 3, 6, 12, 24],
            gap_min_expected: 8.0,
            gap_max_ratio: 0.35,
            trend_persistence: 2,
            trend_cusum_k: 0.5,
            trend_baseline_days: 56,
            trend_guard_days: 7,
            recent_days: 14,
            baseline_days: 28,
            phrase_recent_days: 7,
            phrase_min_count: 5,
            phrase_min_days: 3,
            phrase_min_words: 2,
            phrase_min_ratio: 2.0,
            cause_max_lag_days: 14.0,
            cause_tau_days: 3.0,
            cause_tau_daily_days: 7.0,
            max_causes: 5,
            owners: OwnerMap::default(),
            skip_topics: vec![crate::rollup::NO_TOPIC.to_string()],
        }
    }
}

impl DetectConfig {
    /// Days after a day ends before its value of `m` is judged (answers, resolutions and
    /// surveys of the day's conversations arrive later).
    pub fn maturity_days(&self, m: Metric) -> i64 {
        match m {
            Metric::SentimentMean
            | Metric::ConversationShare
            | Metric::NegativeShare
            | Metric::NegativeOpenShare
            | Metric::Conversations
            | Metric::InboundMessages
            | Metric::RepeatRate => 0,
            Metric::EscalationRate => 1,
            Metric::FrtMedian | Metric::FrtP90 | Metric::FrtMean | Metric::ResponseRate => 2,
            _ => 3,
        }
    }

    /// One-sided per-test level for `tests_per_4_weeks` tests.
    pub fn alpha(&self, tests_per_4_weeks: f64) -> f64 {
        Self::level(self.fa_budget, tests_per_4_weeks)
    }

    /// A per-test level for `budget` false alarms per 4 weeks by Tarone's rule
    /// ([`crate::stats::tarone_level`]): `always` tests per 4 weeks can reach any level; each
    /// other test has its smallest attainable p in `min_p` and weighs `weight` tests per 4 weeks.
    pub fn discrete_level(&self, budget: f64, always: f64, min_p: &mut [f64], weight: f64) -> f64 {
        crate::stats::tarone_level(budget, always, min_p, weight).clamp(1e-12, 0.05)
    }

    /// Bonferroni: `budget` false alarms per 4 weeks over `tests_per_4_weeks` tests.
    pub(crate) fn level(budget: f64, tests_per_4_weeks: f64) -> f64 {
        (budget / tests_per_4_weeks.max(1.0)).clamp(1e-12, 0.05)
    }
}

/// Severity in 0..=1 from a p-value and a relative effect (1.0 = doubled / halved).
pub(crate) fn severity(p: f64, rel_effect: f64) -> f64 {
    let strength = if p > 0.0 {
        (-p.log10() / 12.0).min(1.0)
    } else {
        1.0
    };
    let size = rel_effect.abs().min(1.0);
    (0.5 * strength + 0.5 * size).clamp(0.0, 1.0)
}

/// The scopes hourly and daily detectors judge: the total, every channel, every topic.
pub(crate) fn scopes(
    idx: &CellIndex,
    cfg: &DetectConfig,
    grain: crate::rollup::Grain,
) -> Vec<(Dim, String)> {
    let mut out = vec![(Dim::All, crate::rollup::ALL_VALUE.to_string())];
    for v in idx.values(grain, Dim::Channel) {
        out.push((Dim::Channel, v));
    }
    for v in idx.values(grain, Dim::Topic) {
        if !cfg.skip_topics.contains(&v) {
            out.push((Dim::Topic, v));
        }
    }
    out
}

/// Runs every detector and attaches probable causes; detections sorted by start.
pub fn detect(input: &DetectInput<'_>, cfg: &DetectConfig) -> Vec<Detection> {
    let mut out = Vec::new();
    if input.as_of_ms <= input.from_ms.saturating_sub(400 * DAY_MS) {
        return out;
    }
    out.extend(hourly::spikes(input, cfg));
    out.extend(hourly::coverage(input, cfg));
    out.extend(daily::trends(input, cfg));
    out.extend(daily::masked_resolution(input, cfg));
    out.extend(daily::csat_masking(input, cfg));
    out.extend(phrase::recurring(input, cfg));
    // Daily findings end at their last *mature* day, up to a few days before `as_of`.
    out.retain(|d| d.end_ms >= input.from_ms - 7 * DAY_MS && d.detected_at_ms <= input.as_of_ms);
    for d in &mut out {
        d.probable_causes = causes::rank(d, input.changes, cfg);
    }
    out.sort_by(|a, b| (a.start_ms, a.kind, &a.scope).cmp(&(b.start_ms, b.kind, &b.scope)));
    out
}

/// All detectors, combined into incidents ranked by severity.
pub fn detect_all(input: &DetectInput<'_>, cfg: &DetectConfig) -> Vec<Incident> {
    combine(detect(input, cfg), cfg)
}

#[cfg(test)]
mod tests;
