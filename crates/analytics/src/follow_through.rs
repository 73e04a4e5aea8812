//! Follow-through of an actioned insight: did the metric that moved come back after the owner
//! team acted? The finding's own scope is measured in three periods — the 28 days before the
//! finding started, the finding itself (up to the action), and the time since the action — and
//! the period after the action is tested against the other two. A team that shipped a fix sees
//! "recovered"; one whose fix did nothing sees "persisting" in its digest.
//!
//! Every test compares two estimates of one quantity with their sampling variances, inflated by
//! the dispersion the baseline's own days show (Pearson's statistic over its 24-hour blocks), so
//! weekday patterns and day-to-day noise do not pass for a change.

use crate::cell::Cell;
use crate::detect::{Detection, Scope};
use crate::metrics::{self, CSAT_HIST, Metric};
use crate::phrases::PhraseCounts;
use crate::rollup::{ALL_VALUE, CellIndex, DAY_MS, Dim, Grain, HOUR_MS};
use serde::{Deserialize, Serialize};

/// Length of the baseline before the finding started.
pub const BEFORE_DAYS: i64 = 28;
/// The period after the action is measured for at most this long.
pub const AFTER_MAX_DAYS: i64 = 28;
/// Less than this since the action is too early to judge.
pub const MIN_AFTER_MS: i64 = DAY_MS;
/// One-sided level of each of the two tests, held over every look (see [`boundary`]).
pub const ALPHA: f64 = 0.05;
/// The hours of data after the action at which the sequential part of [`boundary`] is
/// tightest, about six times this (the first weekly digest).
const BOUNDARY_HOURS: f64 = 12.0;
/// The level of the part of a test that does not grow with looks (one-sided 3.2 %).
const Z_FIXED: f64 = 1.85;

/// Robbins' normal-mixture boundary after `hours` of data: z² ≥ (1 + 1/λ)(ln(1 + λ) +
/// 2 ln(1 / 2α)), λ = hours / [`BOUNDARY_HOURS`]. A standardised sum whose information grows
/// with λ crosses it on either side, at any time, with probability at most 2α, so a one-sided
/// claim holds at α over all looks. 2.9 after a day, 2.8 from three days to two weeks, 3.0
/// after four weeks.
fn mixture_boundary(hours: f64) -> f64 {
    let lam = (hours / BOUNDARY_HOURS).max(1e-6);
    ((1.0 + 1.0 / lam) * ((1.0 + lam).ln() + 2.0 * (1.0 / (2.0 * ALPHA)).ln())).sqrt()
}

/// The z a test must pass after `hours` of data since the action, when a share `growing` of
/// its variance is the after period's. Follow-through is read at any time (the API, each
/// weekly digest): a fixed 5 % test looked at every six hours for four weeks says something
/// false in 7–27 % of histories (Gaussian simulation, test
/// `the_boundary_holds_its_level_over_repeated_looks`). Only the after period grows between
/// looks: the other period's error is drawn once. So the boundary moves, on the squared
/// scale, from a fixed level ([`Z_FIXED`], for a z dominated by a short finding) to the
/// mixture boundary (for one dominated by the after period): z² ≥ (1 − w)·1.85² + w·b(λ)².
/// Calibrated on that simulation: 4–5.3 % ever false, whatever the other period's length.
pub fn boundary(hours: f64, growing: f64) -> f64 {
    let w = growing.clamp(0.0, 1.0);
    ((1.0 - w) * Z_FIXED * Z_FIXED + w * mixture_boundary(hours).powi(2)).sqrt()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The scope's metric has no follow-through test (e.g. the CSAT extremity index).
    NotMeasured,
    /// Less than a day since the action, or nothing observed in scope since.
    TooEarly,
    /// Back within noise of the baseline and better than during the finding.
    Recovered,
    /// Better than during the finding, still worse than the baseline.
    Improving,
    /// Still worse than the baseline and not better than during the finding.
    Persisting,
    /// Neither test is conclusive yet.
    Unclear,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::NotMeasured => "not_measured",
            Verdict::TooEarly => "too_early",
            Verdict::Recovered => "recovered",
            Verdict::Improving => "improving",
            Verdict::Persisting => "persisting",
            Verdict::Unclear => "unclear",
        }
    }
}

/// The scope's metric over one period. Counts (conversations, messages, active hours, phrase
/// texts are rates) are given per day.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Period {
    pub from_ms: i64,
    pub to_ms: i64,
    pub value: Option<f64>,
    pub support: u64,
}

/// A follow-through in short, as a digest lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub verdict: Verdict,
    pub recovered_share: Option<f64>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowThrough {
    pub scope: Scope,
    pub actioned_ms: i64,
    pub before: Period,
    pub during: Period,
    pub after: Period,
    /// Share of the finding's excursion undone since the action: (during − after) / (during −
    /// before); 1 is fully back, 0 no change, negative worse.
    pub recovered_share: Option<f64>,
    /// After against before, positive when still worse (the finding's bad direction).
    pub z_still_worse: Option<f64>,
    /// During against after, positive when better since the action.
    pub z_better_than_during: Option<f64>,
    /// The z each test had to pass at this look ([`boundary`]).
    pub z_needed_still_worse: Option<f64>,
    pub z_needed_better: Option<f64>,
    /// Variance inflation from the baseline's days (≥ 1).
    pub dispersion: f64,
    /// The during period's: for a finding shorter than a day, from the baseline's blocks of
    /// its length; otherwise `dispersion`.
    #[serde(default)]
    pub dispersion_during: f64,
    pub verdict: Verdict,
    pub reason: String,
}

/// The data follow-through reads: the rollup cells at hour grain (the scope's dimension and the
/// total) and the feedback phrase counts.
pub struct FollowInput<'a> {
    pub cells: &'a CellIndex,
    pub phrases: &'a PhraseCounts,
}

/// An estimate of the tested quantity and its sampling variance.
#[derive(Debug, Clone, Copy)]
struct Estimate {
    est: f64,
    var: f64,
}

/// What one period holds, merged. A count also holds what the baseline's hour-of-week profile
/// expects over the same hours.
// a handful live at a time, on the stack of one call: boxing would buy nothing
#[allow(clippy::large_enum_variant)]
enum Agg {
    Cells {
        part: Cell,
        whole: Cell,
        ms: i64,
        expected: Option<f64>,
    },
    Phrase {
        hits: u64,
        docs: u64,
    },
}

const WEEK_HOURS: usize = 168;

fn hour_of_week(bucket_ms: i64) -> usize {
    bucket_ms.div_euclid(HOUR_MS).rem_euclid(WEEK_HOURS as i64) as usize
}

/// Mean count per hour of the week over `[from_ms, to_ms)` (hours without data count as
/// zero: the range starts where the series' data does), and the number of whole weeks.
struct Profile {
    mean: [f64; WEEK_HOURS],
    weeks: f64,
}

impl Profile {
    fn new(
        idx: &CellIndex,
        metric: Metric,
        dim: Dim,
        value: &str,
        from_ms: i64,
        to_ms: i64,
    ) -> Self {
        let mut sum = [0.0; WEEK_HOURS];
        let mut hours = [0u32; WEEK_HOURS];
        let mut t = from_ms;
        while t < to_ms {
            hours[hour_of_week(t)] += 1;
            t += HOUR_MS;
        }
        for (b, c) in idx.range(Grain::Hour, dim, value, from_ms, to_ms) {
            sum[hour_of_week(b)] += metrics::value(c, metric).value.unwrap_or(0.0);
        }
        let total: f64 = sum.iter().sum();
        let n: u32 = hours.iter().sum();
        let flat = total / f64::from(n.max(1));
        let mut mean = [flat; WEEK_HOURS];
        for h in 0..WEEK_HOURS {
            if hours[h] > 0 {
                mean[h] = sum[h] / f64::from(hours[h]);
            }
        }
        Profile {
            mean,
            weeks: (to_ms - from_ms) as f64 / (7 * DAY_MS) as f64,
        }
    }

    fn expected(&self, from_ms: i64, to_ms: i64) -> f64 {
        let mut e = 0.0;
        let mut t = from_ms;
        while t < to_ms {
            e += self.mean[hour_of_week(t)];
            t += HOUR_MS;
        }
        e
    }
}

/// Where a scope's numbers come from.
enum Source<'a> {
    Cells {
        idx: &'a CellIndex,
        metric: Metric,
        dim: Dim,
        value: &'a str,
        /// For counts: the baseline's hour-of-week profile (set once the baseline is known).
        profile: Option<Box<Profile>>,
        /// For sentiment means: the variance of one message's score, from the baseline's days.
        unit_var: Option<f64>,
    },
    Phrase {
        counts: &'a PhraseCounts,
        phrase: &'a str,
        topic: Option<&'a str>,
    },
}

impl Source<'_> {
    fn grain_ms(&self) -> i64 {
        match self {
            Source::Cells { .. } => HOUR_MS,
            Source::Phrase { .. } => DAY_MS,
        }
    }

    fn aggregate(&self, from_ms: i64, to_ms: i64) -> Agg {
        match self {
            Source::Cells {
                idx,
                metric,
                dim,
                value,
                profile,
                ..
            } => {
                let merged = |dim: Dim, value: &str| {
                    metrics::merged(idx, Grain::Hour, dim, value, from_ms, to_ms)
                };
                let whole = if metric.needs_total() {
                    merged(Dim::All, ALL_VALUE)
                } else {
                    Cell::default()
                };
                Agg::Cells {
                    part: merged(*dim, value),
                    whole,
                    ms: to_ms - from_ms,
                    expected: profile.as_ref().map(|p| p.expected(from_ms, to_ms)),
                }
            }
            Source::Phrase {
                counts,
                phrase,
                topic,
            } => {
                let (mut hits, mut docs) = (0u64, 0u64);
                for (_, day) in counts.range(from_ms, to_ms) {
                    docs += u64::from(day.docs);
                    hits += u64::from(match topic {
                        Some(t) => day
                            .topics
                            .get(*phrase)
                            .and_then(|ts| ts.get(*t))
                            .copied()
                            .unwrap_or(0),
                        None => day.counts.get(*phrase).copied().unwrap_or(0),
                    });
                }
                Agg::Phrase { hits, docs }
            }
        }
    }

    /// The first bucket with data at or after `from_ms`, so a baseline does not count the
    /// days before the history began as empty ones.
    fn first_bucket(&self, from_ms: i64, to_ms: i64) -> Option<i64> {
        match self {
            Source::Cells {
                idx, dim, value, ..
            } => idx
                .range(Grain::Hour, *dim, value, from_ms, to_ms)
                .next()
                .map(|(b, _)| b),
            Source::Phrase { counts, .. } => counts.range(from_ms, to_ms).next().map(|(d, _)| *d),
        }
    }

    /// The metric's value as reported (counts per day).
    fn value(&self, agg: &Agg) -> metrics::Value {
        match (self, agg) {
            (
                Source::Cells { metric, .. },
                Agg::Cells {
                    part, whole, ms, ..
                },
            ) => {
                let mut v = if metric.needs_total() {
                    metrics::share_of_total(part, whole)
                } else {
                    metrics::value(part, *metric)
                };
                if is_count(*metric) {
                    v.value = v.value.map(|c| c / days(*ms));
                }
                v
            }
            (_, Agg::Phrase { hits, docs }) => metrics::Value {
                value: (*docs > 0).then(|| *hits as f64 / *docs as f64),
                support: *docs,
            },
            _ => metrics::Value {
                value: None,
                support: 0,
            },
        }
    }

    /// The tested estimate. Quantiles and sketch means are tested as the share of observations
    /// above the baseline's value (`exceed_at`), which needs no density estimate.
    fn estimate(&self, agg: &Agg, exceed_at: Option<f64>) -> Option<Estimate> {
        match (self, agg) {
            (
                Source::Cells {
                    metric, unit_var, ..
                },
                Agg::Cells {
                    part,
                    whole,
                    expected,
                    ..
                },
            ) => cell_estimate(
                *metric,
                part,
                whole,
                Context {
                    expected: *expected,
                    exceed_at,
                    unit_var: *unit_var,
                },
            ),
            (_, Agg::Phrase { hits, docs }) => proportion(*hits as f64, *docs as f64),
            _ => None,
        }
    }
}

impl FollowThrough {
    pub fn outcome(&self) -> Outcome {
        Outcome {
            verdict: self.verdict,
            recovered_share: self.recovered_share,
            reason: self.reason.clone(),
        }
    }
}

fn is_count(m: Metric) -> bool {
    matches!(
        m,
        Metric::Conversations | Metric::InboundMessages | Metric::ActiveConversationHours
    )
}

fn days(ms: i64) -> f64 {
    (ms as f64 / DAY_MS as f64).max(1.0 / 24.0)
}

/// The quantile a sketch metric reads (a mean is tested at the median).
fn sketch_quantile(m: Metric) -> Option<(crate::cell::SketchKind, f64)> {
    use crate::cell::SketchKind as K;
    Some(match m {
        Metric::FrtMedian | Metric::FrtMean => (K::Frt, 0.5),
        Metric::FrtP90 => (K::Frt, 0.9),
        Metric::FrtBusinessMedian => (K::FrtBusiness, 0.5),
        Metric::FrtBusinessP90 => (K::FrtBusiness, 0.9),
        Metric::TtrMedian => (K::Ttr, 0.5),
        Metric::TtrP90 => (K::Ttr, 0.9),
        Metric::Aht | Metric::HandlingMedian => (K::Handling, 0.5),
        _ => return None,
    })
}

/// A share k / n, its variance with half a count of smoothing so an empty or full share
/// still has one.
fn proportion(k: f64, n: f64) -> Option<Estimate> {
    if n <= 0.0 {
        return None;
    }
    let p = (k / n).clamp(0.0, 1.0);
    let ps = ((k + 0.5) / (n + 1.0)).clamp(1e-6, 1.0 - 1e-6);
    Some(Estimate {
        est: p,
        var: ps * (1.0 - ps) / n,
    })
}

/// A mean of n values in [lo, hi] with known mean m: its variance by the Bhatia–Davis bound
/// (hi − m)(m − lo), the largest any such values can have.
fn bounded_mean(m: f64, n: f64, lo: f64, hi: f64) -> Option<Estimate> {
    (n > 0.0).then(|| Estimate {
        est: m,
        var: ((hi - m) * (m - lo)).max(1e-6) / n,
    })
}

/// What an estimate needs beyond the period's cells.
#[derive(Clone, Copy)]
struct Context {
    /// A count's expectation from the baseline's profile.
    expected: Option<f64>,
    /// A sketch metric's baseline value.
    exceed_at: Option<f64>,
    /// A sentiment mean's per-message variance.
    unit_var: Option<f64>,
}

fn cell_estimate(metric: Metric, part: &Cell, whole: &Cell, cx: Context) -> Option<Estimate> {
    let Context {
        expected,
        exceed_at,
        unit_var,
    } = cx;
    use crate::cell::Counter as C;
    if let Some((kind, _)) = sketch_quantile(metric) {
        let s = part.sketch(kind)?;
        let n = s.count() as f64;
        return proportion(n * share_above(s, exceed_at?), n);
    }
    let v = if metric.needs_total() {
        metrics::share_of_total(part, whole)
    } else {
        metrics::value(part, metric)
    };
    let n = v.support as f64;
    match metric {
        // a count as a ratio to what the baseline's hours of the week expect
        Metric::Conversations | Metric::InboundMessages | Metric::ActiveConversationHours => {
            let e = expected.filter(|e| *e > 0.0)?;
            let c = v.value?.max(0.0);
            Some(Estimate {
                est: c / e,
                var: c.max(0.5) / (e * e),
            })
        }
        Metric::TouchesPerResolved => {
            let r = v.value?;
            Some(Estimate {
                est: r,
                var: (r * n).max(0.5) / (n * n),
            })
        }
        Metric::SentimentMean | Metric::EndSentimentMean => match unit_var {
            Some(u) if n > 0.0 => Some(Estimate {
                est: v.value?,
                var: u / n,
            }),
            _ => bounded_mean(v.value?, n, -1.0, 1.0),
        },
        Metric::CsatMean => {
            let hist = CSAT_HIST.map(|c| part.get(c).max(0) as f64);
            let n: f64 = hist.iter().sum();
            let m = v.value?;
            let var = hist
                .iter()
                .enumerate()
                .map(|(i, k)| k * (i as f64 + 1.0 - m).powi(2))
                .sum::<f64>()
                / n.max(1.0);
            (n > 0.0).then(|| Estimate {
                est: m,
                var: var.max(1e-6) / n,
            })
        }
        Metric::Nps => {
            let nn = part.get(C::NpsN).max(0) as f64;
            if nn <= 0.0 {
                return None;
            }
            let p = part.get(C::NpsPromoters).max(0) as f64 / nn;
            let d = part.get(C::NpsDetractors).max(0) as f64 / nn;
            Some(Estimate {
                est: 100.0 * (p - d),
                var: (1e4 * (p + d - (p - d).powi(2))).max(1e-6) / nn,
            })
        }
        Metric::CsatExtremity => None,
        // the rest are shares of a count
        _ => proportion(v.value? * n, n),
    }
}

/// Share of a sketch's values above `x`, by bisection on its quantiles.
fn share_above(s: &crate::sketch::Sketch, x: f64) -> f64 {
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    if s.quantile(0.0).is_some_and(|v| v > x) {
        return 1.0;
    }
    if s.quantile(1.0).is_none_or(|v| v <= x) {
        return 0.0;
    }
    for _ in 0..30 {
        let mid = 0.5 * (lo + hi);
        if s.quantile(mid).is_some_and(|v| v > x) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    1.0 - hi
}

/// Pearson dispersion of the baseline's blocks of `block_ms` (24 hours, or a short finding's
/// length) around the whole baseline: how much more the blocks vary than their sampling
/// variances say (at least 1; 1 with fewer than three blocks).
fn dispersion(
    src: &Source<'_>,
    from_ms: i64,
    to_ms: i64,
    exceed_at: Option<f64>,
    block_ms: i64,
) -> f64 {
    let Some(whole) = src.estimate(&src.aggregate(from_ms, to_ms), exceed_at) else {
        return 1.0;
    };
    let block_ms = block_ms.max(1);
    let mut chi2 = 0.0;
    let mut blocks = 0u32;
    let mut t = from_ms;
    while t + block_ms <= to_ms {
        let agg = src.aggregate(t, t + block_ms);
        if let Some(e) = src.estimate(&agg, exceed_at) {
            // a count's block is judged at the variance its profile expects, not its own
            // (an empty day has none)
            let var = match agg {
                Agg::Cells {
                    expected: Some(x), ..
                } => 1.0 / x.max(0.5),
                _ => e.var,
            };
            if var > 0.0 {
                chi2 += (e.est - whole.est).powi(2) / var;
                blocks += 1;
            }
        }
        t += block_ms;
    }
    if blocks < 3 {
        return 1.0;
    }
    // a profile fitted on the same weeks absorbs 1/weeks of each block's variance
    let fitted = match src {
        Source::Cells {
            profile: Some(p), ..
        } if p.weeks > 1.0 => p.weeks / (p.weeks - 1.0),
        _ => 1.0,
    };
    (fitted * chi2 / f64::from(blocks - 1)).clamp(1.0, 100.0)
}

/// A sentiment mean's variance per message, from how much the baseline's daily means vary
/// around it: Σ n_d (m_d − m̄)² / (D − 1). It includes the days' over-dispersion, and the
/// bound (b − m)(m − a) it replaces is several times too wide for real score distributions.
/// `None` for other metrics or with fewer than three days.
fn per_message_variance(src: &Source<'_>, from_ms: i64, to_ms: i64) -> Option<f64> {
    let Source::Cells { metric, .. } = src else {
        return None;
    };
    if !matches!(metric, Metric::SentimentMean | Metric::EndSentimentMean) {
        return None;
    }
    let whole = src.value(&src.aggregate(from_ms, to_ms)).value?;
    let (mut ss, mut days) = (0.0, 0u32);
    let mut t = from_ms;
    while t + DAY_MS <= to_ms {
        let v = src.value(&src.aggregate(t, t + DAY_MS));
        if let Some(m) = v.value {
            ss += v.support as f64 * (m - whole).powi(2);
            days += 1;
        }
        t += DAY_MS;
    }
    (days >= 3).then(|| (ss / f64::from(days - 1)).max(1e-4))
}

/// The scope a finding's follow-through measures, and its bad direction when the finding's
/// baseline and observed values do not give it. CSAT masking's scope is the CSAT that stayed
/// flat; what the team must fix is the masked conversations that end badly, so its
/// follow-through measures their sentiment conversion (lower is worse).
fn followed(finding: &Detection) -> (Scope, Option<bool>) {
    match finding.kind {
        crate::detect::DetectionKind::CsatMasking => (
            Scope::new(
                Metric::SentimentConversion.as_str(),
                finding.scope.dim,
                finding.scope.value.clone(),
            ),
            Some(false),
        ),
        _ => (finding.scope.clone(), None),
    }
}

fn source<'a>(input: &FollowInput<'a>, scope: &'a Scope) -> Option<Source<'a>> {
    if let Some(phrase) = scope.metric.strip_prefix("phrase:") {
        return Some(Source::Phrase {
            counts: input.phrases,
            phrase,
            topic: (scope.dim == Dim::Topic).then_some(scope.value.as_str()),
        });
    }
    let metric = Metric::parse(&scope.metric)?;
    (metric != Metric::CsatExtremity).then_some(Source::Cells {
        idx: input.cells,
        metric,
        dim: scope.dim,
        value: &scope.value,
        profile: None,
        unit_var: None,
    })
}

fn floor_to(ms: i64, g: i64) -> i64 {
    ms.div_euclid(g) * g
}

fn ceil_to(ms: i64, g: i64) -> i64 {
    -floor_to(-ms, g)
}

fn fmt_value(v: Option<f64>) -> String {
    match v {
        Some(x) if x.abs() >= 100.0 => format!("{x:.0}"),
        Some(x) if x.abs() >= 10.0 => format!("{x:.1}"),
        Some(x) => format!("{x:.3}"),
        None => "—".into(),
    }
}

/// The follow-through of a finding actioned at `actioned_ms`, judged with data before
/// `now_ms`: its scope's metric before the finding, during it (up to its end or the action,
/// whichever is first) and in the whole hours (days, for phrases) since the action, at most
/// [`AFTER_MAX_DAYS`].
pub fn follow_through(
    input: &FollowInput<'_>,
    finding: &Detection,
    actioned_ms: i64,
    now_ms: i64,
) -> FollowThrough {
    let (followed, bad_up) = followed(finding);
    let scope = &followed;
    let src = source(input, scope);
    let g = src.as_ref().map_or(HOUR_MS, Source::grain_ms);
    let start = floor_to(finding.start_ms, g);
    let during_end = ceil_to(finding.end_ms.min(actioned_ms), g).max(start + g);
    let after_from = ceil_to(actioned_ms, g).max(during_end);
    let after_to = floor_to(now_ms, g).min(after_from + AFTER_MAX_DAYS * DAY_MS);
    let before_to = start;
    let before_from = src
        .as_ref()
        .and_then(|s| s.first_bucket(start - BEFORE_DAYS * DAY_MS, before_to))
        .unwrap_or(before_to);
    let empty = |from_ms, to_ms| Period {
        from_ms,
        to_ms,
        value: None,
        support: 0,
    };
    let mut out = FollowThrough {
        scope: scope.clone(),
        actioned_ms,
        before: empty(before_from, before_to),
        during: empty(start, during_end),
        after: empty(after_from, after_to.max(after_from)),
        recovered_share: None,
        z_still_worse: None,
        z_better_than_during: None,
        z_needed_still_worse: None,
        z_needed_better: None,
        dispersion: 1.0,
        dispersion_during: 1.0,
        verdict: Verdict::NotMeasured,
        reason: format!("{} has no follow-through test", scope.metric),
    };
    let Some(mut src) = src else {
        return out;
    };
    if let Source::Cells {
        idx,
        metric,
        dim,
        value,
        profile,
        ..
    } = &mut src
        && is_count(*metric)
    {
        *profile = Some(Box::new(Profile::new(
            idx,
            *metric,
            *dim,
            value,
            before_from,
            before_to,
        )));
    }
    let per_message = per_message_variance(&src, before_from, before_to);
    if let Source::Cells { unit_var, .. } = &mut src {
        *unit_var = per_message;
    }
    let aggs = [
        src.aggregate(before_from, before_to),
        src.aggregate(start, during_end),
        src.aggregate(after_from, after_to.max(after_from)),
    ];
    for (p, a) in [&mut out.before, &mut out.during, &mut out.after]
        .into_iter()
        .zip(&aggs)
    {
        let v = src.value(a);
        p.value = v.value;
        p.support = v.support;
    }
    let hours_after = (after_to - after_from) as f64 / HOUR_MS as f64;
    if after_to - after_from < MIN_AFTER_MS {
        out.verdict = Verdict::TooEarly;
        out.reason = format!(
            "only {:.0} whole hours of data since it was actioned; at least 24 are needed",
            hours_after.max(0.0)
        );
        return out;
    }
    // quantiles are tested against the baseline's own value
    let exceed_at = match &src {
        Source::Cells { metric, .. } => sketch_quantile(*metric).and(out.before.value),
        Source::Phrase { .. } => None,
    };
    let est: Vec<Option<Estimate>> = aggs.iter().map(|a| src.estimate(a, exceed_at)).collect();
    let (Some(mut b), Some(d), Some(a)) = (est[0], est[1], est[2]) else {
        out.verdict = Verdict::TooEarly;
        out.reason = format!(
            "nothing to measure {} in one of the periods (supports {}, {}, {})",
            scope.metric, out.before.support, out.during.support, out.after.support
        );
        return out;
    };
    out.dispersion = dispersion(&src, before_from, before_to, exceed_at, DAY_MS);
    // A period shorter than a day (a spike's hours) is inflated by the dispersion of the
    // baseline's blocks of its own length: day-level variation (a busy day) moves a few
    // hours' count far less, relative to its sampling noise, than a whole day's.
    let during_ms = during_end - start;
    out.dispersion_during = if during_ms < DAY_MS {
        dispersion(&src, before_from, before_to, exceed_at, during_ms.max(g))
    } else {
        out.dispersion
    };
    // a count's baseline is its profile (ratio 1), known as well as its weeks allow
    if let (
        Source::Cells {
            profile: Some(p), ..
        },
        Agg::Cells {
            expected: Some(e), ..
        },
    ) = (&src, &aggs[2])
    {
        b = Estimate {
            est: 1.0,
            var: 1.0 / (p.weeks.max(1.0) * e.max(0.5)),
        };
    }
    // the bad direction is the finding's own
    let up = bad_up.unwrap_or(if finding.observed != finding.baseline {
        finding.observed > finding.baseline
    } else {
        d.est > b.est
    });
    let s = if up { 1.0 } else { -1.0 };
    let inflate = |e: Estimate, by: f64| Estimate {
        est: e.est,
        var: e.var * by,
    };
    let (b, d, a) = (
        inflate(b, out.dispersion),
        inflate(d, out.dispersion_during),
        inflate(a, out.dispersion),
    );
    let z = |x: Estimate, y: Estimate| {
        let se = (x.var + y.var).sqrt();
        if se > 0.0 {
            s * (x.est - y.est) / se
        } else {
            0.0
        }
    };
    // the share of each test's variance that is the after period's, which grows with looks
    let growing = |other: Estimate| {
        let v = a.var + other.var;
        if v > 0.0 { a.var / v } else { 1.0 }
    };
    let z_worse = z(a, b);
    let z_better = z(d, a);
    let level_worse = boundary(hours_after, growing(b));
    let level_better = boundary(hours_after, growing(d));
    out.z_still_worse = Some(z_worse);
    out.z_better_than_during = Some(z_better);
    out.z_needed_still_worse = Some(level_worse);
    out.z_needed_better = Some(level_better);
    out.recovered_share = match (out.before.value, out.during.value, out.after.value) {
        (Some(bv), Some(dv), Some(av)) if dv != bv => Some((dv - av) / (dv - bv)),
        _ => None,
    };
    let worse = z_worse > level_worse;
    let better = z_better > level_better;
    out.verdict = match (worse, better) {
        (false, true) => Verdict::Recovered,
        (true, true) => Verdict::Improving,
        (true, false) => Verdict::Persisting,
        (false, false) => Verdict::Unclear,
    };
    let what = match out.verdict {
        Verdict::Recovered => {
            "back within noise of the baseline and better than during the finding"
        }
        Verdict::Improving => "better than during the finding but still worse than the baseline",
        Verdict::Persisting => {
            "still worse than the baseline and no better than during the finding"
        }
        _ => "not yet distinguishable from either the baseline or the finding",
    };
    out.reason = format!(
        "{} on {}={}: {} before, {} during, {} in the {:.1} days since it was actioned: {what} \
         (z {:.1} against the baseline, {:.1} against the finding; {level_worse:.1} and \
         {level_better:.1} needed)",
        scope.metric,
        scope.dim.as_str(),
        scope.value,
        fmt_value(out.before.value),
        fmt_value(out.during.value),
        fmt_value(out.after.value),
        hours_after / 24.0,
        z_worse,
        z_better
    );
    out
}

#[cfg(test)]
#[path = "follow_through_tests.rs"]
mod tests;
