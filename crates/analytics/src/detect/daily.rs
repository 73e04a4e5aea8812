//! Daily detectors: slow bleeds and repeat/escalation trends (2, 7) by one-sided CUSUMs
//! (standardised daily residuals for means, a Bernoulli CUSUM on daily counts for rates),
//! masked resolution (3) by the repeat-rate CUSUM with FRT held, and CSAT masking (4) by a
//! window comparison.

use super::{DetectConfig, DetectInput, Detection, DetectionKind, Scope, scopes, severity};
use crate::cell::{Cell, Counter, SketchKind};
use crate::metrics::{self, CSAT_HIST, END_BANDS, Metric, RESP_BANDS, total_variation};
use crate::rollup::{ALL_VALUE, DAY_MS, Dim, Grain};
use crate::sketch::Sketch;
use crate::stats;

/// Day cells of one series, indexed from `origin`.
fn days<'a>(
    input: &DetectInput<'a>,
    dim: Dim,
    value: &str,
    origin: i64,
    n: usize,
) -> Vec<Option<&'a Cell>> {
    let mut v = vec![None; n];
    for (b, c) in input
        .cells
        .range(Grain::Day, dim, value, origin, origin + n as i64 * DAY_MS)
    {
        if let Some(slot) = v.get_mut(((b - origin) / DAY_MS) as usize) {
            *slot = Some(c);
        }
    }
    v
}

/// Origin (first UTC midnight with data) and number of complete days by `as_of`.
fn frame(input: &DetectInput<'_>) -> Option<(i64, usize)> {
    let (first, _) = input.cells.span(Grain::Day)?;
    let n = (input.as_of_ms - first).div_euclid(DAY_MS);
    (n > 0).then_some((first, usize::try_from(n).ok()?))
}

fn weekday(origin: i64, day: usize) -> usize {
    ((origin.div_euclid(DAY_MS) + day as i64 + 3).rem_euclid(7)) as usize
}

/// First evaluation day of a run: enough before `from_ms` to rebuild persistence streaks.
fn first_eval(input: &DetectInput<'_>, origin: i64, lag: usize, back: usize) -> usize {
    let d = (input.from_ms - origin).div_euclid(DAY_MS) - lag as i64 - back as i64 - 1;
    usize::try_from(d.max(0)).unwrap_or(0)
}

struct TrendSpec {
    metric: Metric,
    kind: DetectionKind,
    /// An increase is bad (FRT, repeats, escalations); otherwise a decrease is.
    bad_up: bool,
    log: bool,
    min_support: u64,
    min_abs: f64,
    min_rel: f64,
    channels: bool,
    /// Judged per topic too (every spec but the response rate, whose topics only echo the
    /// channel or queue that stopped answering).
    topics: bool,
    /// A rate judged on its daily counts (events, trials) by a Bernoulli CUSUM instead of
    /// standardised daily values. With `bad_up` false the events counted are the failures.
    /// For a metric that divides by the total ([`Metric::needs_total`]: a topic's share of
    /// all conversations, judged on topics only) the trials are the total's `den`.
    rate: Option<(Counter, Counter)>,
}

impl TrendSpec {
    /// A slow bleed of the total, channels and topics, judged on daily values.
    const fn bleed(metric: Metric, bad_up: bool, min_support: u64, min_abs: f64) -> TrendSpec {
        TrendSpec {
            metric,
            kind: DetectionKind::SlowBleed,
            bad_up,
            log: false,
            min_support,
            min_abs,
            min_rel: 0.0,
            channels: true,
            topics: true,
            rate: None,
        }
    }

    /// A rising rate of the total and the topics (not channels), judged on its counts.
    const fn rising(
        kind: DetectionKind,
        metric: Metric,
        (num, den): (Counter, Counter),
        min_abs: f64,
        min_rel: f64,
    ) -> TrendSpec {
        TrendSpec {
            metric,
            kind,
            bad_up: true,
            log: false,
            min_support: 20,
            min_abs,
            min_rel,
            channels: false,
            topics: true,
            rate: Some((num, den)),
        }
    }

    /// Judged on its daily counts (events, trials) instead of daily values.
    const fn counted(self, num: Counter, den: Counter) -> TrendSpec {
        TrendSpec {
            rate: Some((num, den)),
            ..self
        }
    }

    const fn in_log(self) -> TrendSpec {
        TrendSpec { log: true, ..self }
    }

    const fn without_topics(self) -> TrendSpec {
        TrendSpec {
            topics: false,
            ..self
        }
    }
}

const TRENDS: [TrendSpec; 11] = [
    TrendSpec::bleed(Metric::SentimentMean, false, 10, 0.04),
    TrendSpec::bleed(Metric::CsatMean, false, 5, 0.15),
    // the satisfied share of the same answers, judged on its counts: a thin day (a channel's
    // five answers) weighs by its answers instead of being skipped or weighing like a full one
    TrendSpec::bleed(Metric::CsatSatisfied, false, 5, 0.05)
        .counted(Counter::CsatSatisfied, Counter::CsatN),
    // support 5, not 10: a thin channel (TikTok at 300 conversations a day) has fewer than 10
    // answers on more than half its days, and skipping them left its FRT unjudged
    // (docs/analytics.md, session 5)
    TrendSpec::bleed(Metric::FrtMedian, true, 5, 0.2).in_log(),
    TrendSpec::bleed(Metric::EndSentimentMean, false, 10, 0.05),
    TrendSpec::bleed(Metric::SentimentConversion, false, 5, 0.08)
        .counted(Counter::Converted, Counter::NegStartResolved),
    // customers turning negative show first in how conversations open (a count per
    // conversation, not diluted by the later messages that sentiment_mean averages)
    TrendSpec::bleed(Metric::NegativeOpenShare, true, 10, 0.05)
        .counted(Counter::NegStart, Counter::SentStart),
    // conversations left unanswered: a channel routed to a queue nobody works, or a team
    // that stopped answering DMs, leaves FRT (of the answered ones) as it was
    TrendSpec::bleed(Metric::ResponseRate, false, 10, 0.05)
        .counted(Counter::Answered, Counter::Conversations)
        .without_topics(),
    TrendSpec::rising(
        DetectionKind::RepeatTrend,
        Metric::RepeatRate,
        (Counter::Repeats, Counter::Conversations),
        0.015,
        0.3,
    ),
    TrendSpec::rising(
        DetectionKind::EscalationTrend,
        Metric::EscalationRate,
        (Counter::Escalated, Counter::Conversations),
        0.01,
        0.3,
    ),
    // what customers write about moved: a topic's share of everything opened (a courier
    // change, a policy, a release); conversations are known when they open
    TrendSpec::rising(
        DetectionKind::TopicTrend,
        Metric::ConversationShare,
        (Counter::Conversations, Counter::Conversations),
        0.02,
        0.25,
    ),
];

fn daily_value(c: Option<&Cell>, spec: &TrendSpec) -> f64 {
    let Some(c) = c else { return f64::NAN };
    let v = metrics::value(c, spec.metric);
    match v.value {
        Some(x) if v.support >= spec.min_support && x.is_finite() => {
            if spec.log {
                x.max(1.0).ln()
            } else {
                x
            }
        }
        _ => f64::NAN,
    }
}

/// Weekday offsets (weekday mean − overall mean) of `y[lo..=hi]`, when every weekday has two
/// values or more, shrunk toward zero by the share of their spread that is not noise (the
/// method-of-moments empirical-Bayes factor B = max(0, 1 − 6σ²/Σ n_w·o_w²), σ² the
/// within-weekday variance): a weekday mean of four days is a noisy prediction, and offsets
/// of pure noise would cost every residual a quarter of a day's variance. Returns the
/// offsets and B.
fn weekday_offsets(y: &[f64], origin: i64, lo: usize, hi: usize) -> Option<([f64; 7], f64)> {
    let mut sum = [0.0; 7];
    let mut n = [0.0; 7];
    for d in lo..=hi {
        let v = y.get(d).copied().unwrap_or(f64::NAN);
        if v.is_finite() {
            let wd = weekday(origin, d);
            sum[wd] += v;
            n[wd] += 1.0;
        }
    }
    if n.iter().any(|k| *k < 2.0) {
        return None;
    }
    let total: f64 = n.iter().sum();
    let overall = sum.iter().sum::<f64>() / total;
    let means: [f64; 7] = std::array::from_fn(|wd| sum[wd] / n[wd]);
    let mut within = 0.0;
    for d in lo..=hi {
        let v = y.get(d).copied().unwrap_or(f64::NAN);
        if v.is_finite() {
            within += (v - means[weekday(origin, d)]).powi(2);
        }
    }
    let sigma2 = within / (total - 7.0).max(1.0);
    let between: f64 = (0..7).map(|wd| n[wd] * (means[wd] - overall).powi(2)).sum();
    let b = if between > 0.0 {
        (1.0 - 6.0 * sigma2 / between).clamp(0.0, 1.0)
    } else {
        0.0
    };
    Some((std::array::from_fn(|wd| b * (means[wd] - overall)), b))
}

/// `win` (starting at day `first_day`) less the weekday offsets.
fn deseasonalise(
    win: &[f64],
    offsets: Option<&[f64; 7]>,
    origin: i64,
    first_day: usize,
) -> Vec<f64> {
    match offsets {
        None => win.to_vec(),
        Some(o) => win
            .iter()
            .enumerate()
            .map(|(i, v)| v - o[weekday(origin, first_day + i)])
            .collect(),
    }
}

/// Reference (baseline) of day `t`: mean and standard deviation of the weekday-adjusted daily
/// values of `[t − guard − days, t − guard)`, the weekday offsets used, and the lag-1
/// autocorrelation ρ (from up to twice as many days before the guard) with its inflation.
struct Reference {
    mean: f64,
    sd: f64,
    offsets: Option<[f64; 7]>,
    /// Lag-1 autocorrelation of the weekday-adjusted days (≥ 0) and its inflation
    /// (1 + ρ)/(1 − ρ) of a mean.
    rho: f64,
    infl: f64,
    /// Effective baseline days (days / `infl`) of each weekday (all days without offsets).
    n_eff: [f64; 7],
    /// Effective baseline days in all, and the shrinkage B of the weekday offsets (0 without).
    n_all: f64,
    shrink: f64,
}

impl Reference {
    /// Variance of the baseline's prediction error summed over days judged against it, in
    /// units of a day's variance, for `c[w]` days of weekday w: the prediction of weekday w is
    /// (1 − B)·mean + B·mean_w, so Var = (1 − B²)·M²/n + B²·Σ_w c_w²/n_w (M = Σ c_w; M²/n
    /// without offsets).
    fn shared_error(&self, c: &[f64; 7]) -> f64 {
        let m: f64 = c.iter().sum();
        let b2 = if self.offsets.is_some() {
            self.shrink * self.shrink
        } else {
            0.0
        };
        let by_day: f64 = c.iter().zip(&self.n_eff).map(|(c, n)| c * c / n).sum();
        (1.0 - b2) * m * m / self.n_all + b2 * by_day
    }

    /// Variance factor of a day (own variance plus its share of the baseline's error) over
    /// an excursion of days `c` by weekday: 1 + Σ_w c_w²/n_w / m. A full week is the floor
    /// (the same seven days the Bernoulli CUSUM charges at least).
    fn growth(&self, c: &[f64; 7]) -> f64 {
        let week = self.week();
        let m: f64 = c.iter().sum();
        if m > 0.0 {
            week.max(1.0 + self.shared_error(c) / m)
        } else {
            week
        }
    }

    /// The floor of [`Reference::growth`]: one day of each weekday.
    fn week(&self) -> f64 {
        1.0 + self.shared_error(&[1.0; 7]) / 7.0
    }
}

fn reference(y: &[f64], origin: i64, t: usize, cfg: &DetectConfig) -> Option<Reference> {
    let hi = t.checked_sub(cfg.trend_guard_days.max(1))?;
    let lo = (hi + 1).saturating_sub(cfg.trend_baseline_days.max(14));
    let (offsets, shrink) = match weekday_offsets(y, origin, lo, hi) {
        Some((o, b)) if b > 0.0 => (Some(o), b),
        _ => (None, 0.0),
    };
    let vals = deseasonalise(y.get(lo..=hi)?, offsets.as_ref(), origin, lo);
    let fin = stats::finite(&vals);
    // at least three weeks: the baseline mean's error is shared by every later residual, so
    // the CUSUM accumulates it (with 21 days it is ≤ 0.22 SD, well under k)
    let min_days = usize::try_from(cfg.min_history_days.max(21)).unwrap_or(21);
    if fin.len() < min_days {
        return None;
    }
    // winsorised at median ± 3.5 robust SDs so that one past spike cannot mask a bleed
    let med = stats::median(&fin)?;
    let rsd = stats::mad_sd(&fin)?;
    let w: Vec<f64> = fin
        .iter()
        .map(|x| x.clamp(med - 3.5 * rsd, med + 3.5 * rsd))
        .collect();
    let mean = stats::mean(&w)?;
    let sd = (w.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (w.len() as f64 - 1.0)).sqrt();
    if sd.is_nan() || sd <= 1e-12 || !sd.is_finite() {
        return None;
    }
    // lag-1 autocorrelation from up to two baselines' days before the guard gap (its own
    // mean): from 28 days its SE is ~0.18, and the alarm rate is dominated by the series
    // whose ρ came out low; less biased by Kendall's correction E ρ̂ ≈ ρ − (1 + 3ρ)/n
    let rlo = (hi + 1).saturating_sub(2 * cfg.trend_baseline_days.max(14));
    let wide = deseasonalise(y.get(rlo..=hi)?, offsets.as_ref(), origin, rlo);
    let wfin = stats::finite(&wide);
    let wmean = stats::mean(&wfin).unwrap_or(mean);
    let (num, pairs) = wide
        .windows(2)
        .filter(|p| p[0].is_finite() && p[1].is_finite())
        .fold((0.0, 0.0), |(a, n), p| {
            (a + (p[0] - wmean) * (p[1] - wmean), n + 1.0)
        });
    let den: f64 = wfin.iter().map(|x| (x - wmean).powi(2)).sum();
    let rho = ar1_rho(num, den, pairs);
    let infl = (1.0 + rho) / (1.0 - rho);
    // effective days behind each weekday's mean; the fitted (shrunk) offsets cost 6·B
    // degrees of freedom of the SD
    let n_all = w.len() as f64 / infl;
    let mut n_eff = [n_all; 7];
    let mut sd = sd;
    if offsets.is_some() {
        let mut c = [0.0f64; 7];
        for (i, v) in vals.iter().enumerate() {
            if v.is_finite() {
                c[weekday(origin, lo + i)] += 1.0;
            }
        }
        n_eff = c.map(|c| c.max(1.0) / infl);
        let n = w.len() as f64;
        sd *= ((n - 1.0) / (n - 1.0 - 6.0 * shrink).max(1.0)).sqrt();
    }
    Some(Reference {
        mean,
        sd,
        offsets,
        rho,
        infl,
        n_eff,
        n_all,
        shrink,
    })
}

/// Variance inflation (1 + ρ)/(1 − ρ) of a mean of positively autocorrelated days (at most
/// 4), from the lag-1 autocorrelation ρ = `num` / `den` (1 for ρ ≤ 0 or no data).
fn ar1_inflation(num: f64, den: f64) -> f64 {
    let rho = ar1_rho(num, den, 0.0);
    (1.0 + rho) / (1.0 - rho)
}

/// Lag-1 autocorrelation `num` / `den` of `pairs` pairs, bias-corrected by (1 + 3ρ)/pairs
/// when `pairs` > 0, in [0, 0.6] (an inflation of at most 4; 0 without data).
fn ar1_rho(num: f64, den: f64, pairs: f64) -> f64 {
    let rho = if den > 0.0 { num / den } else { 0.0 };
    let rho = if pairs > 0.0 && rho.is_finite() {
        rho + (1.0 + 3.0 * rho.clamp(-0.9, 0.9)) / pairs
    } else {
        rho
    };
    if rho.is_finite() {
        rho.clamp(0.0, 0.6)
    } else {
        0.0
    }
}

/// One evaluated day of a trend CUSUM.
pub(super) struct Step {
    pub(super) t: usize,
    /// The statistic after day t and its threshold.
    pub(super) s: f64,
    pub(super) h: f64,
    /// First day of the current excursion of S above zero.
    pub(super) onset: usize,
    /// Baseline and the mean since the onset (at most the last 7 days), in the metric's units
    /// (log for log specs).
    base: f64,
    recent: f64,
    /// Daily SD of the baseline, for the example text.
    sd: f64,
    /// Per-day probability of a statistic this high without a change.
    p: f64,
}

/// The Gaussian CUSUM of standardised daily residuals (see [`trends`]). The days of an
/// excursion share the baseline's estimation error (Var Σ residuals = m·σ²·(1 + V/m), V from
/// [`Reference::shared_error`]: Σ_w c_w²/n_w for c_w of the m days on weekday w with full
/// weekday offsets, M²/n without, in between for shrunk ones),
/// so, as in the Bernoulli CUSUM, a day's standardised increment is z′ − k′ over its share
/// of that growth beyond a week's: z′ is the prewhitened residual (r_t − ρ·r_{t−1}) over
/// σ·√((1 − ρ²)·G_week) (r_t over σ·√(infl·G_week) after a missing day), k′ = k/√G_week
/// (the same reference change in the metric's units), h from `arl0` and k′.
pub(super) fn gauss_steps(
    y: &[f64],
    origin: i64,
    last_eval: usize,
    (bad_up, k, arl0): (bool, f64, f64),
    cfg: &DetectConfig,
) -> Vec<Step> {
    let sign = if bad_up { 1.0 } else { -1.0 };
    let mut out = Vec::new();
    let mut s_stat = 0.0f64;
    let mut onset = 0usize;
    // days of the current excursion by weekday
    let mut days_in = [0.0f64; 7];
    for t in 0..=last_eval {
        let v = y.get(t).copied().unwrap_or(f64::NAN);
        let Some(r) = (v.is_finite())
            .then(|| reference(y, origin, t, cfg))
            .flatten()
        else {
            continue;
        };
        let adj = |d: usize, x: f64| r.offsets.map_or(x, |o| x - o[weekday(origin, d)]);
        if s_stat <= 0.0 {
            onset = t;
            days_in = [0.0; 7];
        }
        days_in[weekday(origin, t)] += 1.0;
        let week = r.week();
        let growth = r.growth(&days_in);
        let kk = k / week.sqrt();
        let Some(h) = stats::cusum_threshold(arl0, kk) else {
            continue;
        };
        // prewhitened: the innovation r_t − ρ·r_{t−1} over its SD σ·√(1 − ρ²) is
        // independent from day to day, as Siegmund's run length assumes, and a change of δ
        // shifts it by δ·√((1 − ρ)/(1 + ρ)), as the long-run scaling r_t/(σ·√infl) does
        let rho = r.rho;
        let prev = t
            .checked_sub(1)
            .and_then(|d| y.get(d).copied())
            .filter(|p| p.is_finite());
        let z = match prev {
            Some(p) if rho > 0.0 => {
                let (a, b) = (adj(t, v) - r.mean, adj(t - 1, p) - r.mean);
                sign * (a - rho * b) / (r.sd * ((1.0 - rho * rho) * week).sqrt())
            }
            _ => sign * (adj(t, v) - r.mean) / (r.sd * (r.infl * week).sqrt()),
        }
        .clamp(-3.0, 3.0);
        s_stat = (s_stat + (z - kk) * week / growth).max(0.0);
        let from = onset.max((t + 1).saturating_sub(7));
        let recent: Vec<f64> = (from..=t)
            .map(|d| adj(d, y.get(d).copied().unwrap_or(f64::NAN)))
            .collect();
        out.push(Step {
            t,
            s: s_stat,
            h,
            onset,
            base: r.mean,
            recent: stats::mean(&recent).unwrap_or(f64::NAN),
            sd: r.sd,
            p: stats::cusum_arl0(s_stat, kk).map_or(1.0, |a| (1.0 / a).min(1.0)),
        });
    }
    out
}

/// Baseline of a rate for day t: pooled share of the `trend_baseline_days` ending
/// `trend_guard_days` before it, and the variance factor of a day's count beyond binomial
/// (over-dispersion × lag-1 autocorrelation inflation).
#[derive(Clone)]
struct RateRef {
    p0: f64,
    disp: f64,
    n_base: f64,
    n_mean: f64,
}

fn rate_reference(ev: &[f64], n: &[f64], t: usize, cfg: &DetectConfig) -> Option<RateRef> {
    let hi = t.checked_sub(cfg.trend_guard_days.max(1))?;
    let lo = (hi + 1).saturating_sub(cfg.trend_baseline_days.max(14));
    let (ev, n) = (ev.get(lo..=hi)?, n.get(lo..=hi)?);
    let present = n.iter().filter(|x| **x > 0.0).count();
    let min_days = usize::try_from(cfg.min_history_days.max(21)).unwrap_or(21);
    let (kb, nb): (f64, f64) = (ev.iter().sum(), n.iter().sum());
    // a rate needs about a hundred trials before its level means anything
    if present < min_days || nb < 100.0 {
        return None;
    }
    let p0 = ((kb + 0.5) / (nb + 1.0)).clamp(1e-4, 1.0 - 1e-4);
    // Pearson residuals of the baseline days (None where a day has no trials)
    let r: Vec<Option<f64>> = ev
        .iter()
        .zip(n)
        .map(|(k, n)| (*n > 0.0).then(|| (k - n * p0) / (n * p0 * (1.0 - p0)).sqrt()))
        .collect();
    let r2: Vec<f64> = r.iter().flatten().map(|x| (x * x).min(25.0)).collect();
    let phi = if r2.len() >= 14 {
        stats::mean(&r2).unwrap_or(1.0).max(1.0)
    } else {
        1.0
    };
    let (num, den) = r
        .windows(2)
        .fold((0.0, 0.0), |(a, b), w| match (w[0], w[1]) {
            (Some(x), Some(y)) => (a + x * y, b + x * x),
            _ => (a, b),
        });
    let infl = ar1_inflation(num, den);
    Some(RateRef {
        p0,
        disp: phi * infl,
        n_base: nb,
        n_mean: nb / present as f64,
    })
}

/// Days of residuals a CUSUM excursion typically sums: they share the baseline's error, so a
/// day's variance grows by this many days' share of the baseline's trials.
const ACCUMULATION_DAYS: f64 = 7.0;

/// Daily (events, trials) of a rate: failures when a decrease is bad. Negative or impossible
/// counts (a broken caller) are clamped.
pub(super) fn rate_counts(
    cells: &[Option<&Cell>],
    num: Counter,
    den: Counter,
    bad_up: bool,
) -> (Vec<f64>, Vec<f64>) {
    rate_counts_of(cells, cells, num, den, bad_up)
}

/// The same with the trials read from other cells of the same days (a share of the total's).
fn rate_counts_of(
    cells: &[Option<&Cell>],
    trials: &[Option<&Cell>],
    num: Counter,
    den: Counter,
    bad_up: bool,
) -> (Vec<f64>, Vec<f64>) {
    cells
        .iter()
        .zip(trials)
        .map(|(c, t)| {
            let n = t.map_or(0.0, |t| t.f(den).max(0.0));
            let k = c.map_or(0.0, |c| c.f(num).clamp(0.0, n));
            (if bad_up { k } else { n - k }, n)
        })
        .unzip()
}

/// Events and trials of days `[lo, hi]` (days past the data count nothing).
fn window_sums(ev: &[f64], n: &[f64], lo: usize, hi: usize) -> (f64, f64) {
    (lo..=hi).fold((0.0, 0.0), |(a, b), d| {
        (
            a + ev.get(d).copied().unwrap_or(0.0),
            b + n.get(d).copied().unwrap_or(0.0),
        )
    })
}

/// The test of one excursion: the reference, the alternative p1, the day's dispersion, the
/// reference change in daily SDs and the threshold.
#[derive(Clone)]
struct RateTest {
    p0: f64,
    p1: f64,
    disp: f64,
    /// Over-dispersion alone, and a day's share of the baseline's trials.
    base_disp: f64,
    share: f64,
    sd_day: f64,
    delta: f64,
    h: f64,
}

fn rate_test(r: &RateRef, (min_abs, min_rel): (f64, f64), k: f64, arl0: f64) -> Option<RateTest> {
    let p0 = r.p0;
    let sd_day = (r.disp * p0 * (1.0 - p0) / r.n_mean.max(1.0)).sqrt();
    let p1 = p0 + (2.0 * k * sd_day).max(min_abs).max(min_rel * p0);
    if p1 >= 1.0 {
        return None;
    }
    let disp = r.disp * (1.0 + ACCUMULATION_DAYS * r.n_mean / r.n_base);
    // a day of mean volume has LLR ≈ δ·z − δ²/2 (δ: p1 − p0 in daily SDs), so the LLR CUSUM
    // is δ × a Gaussian CUSUM with k = δ/2: the same in-control run length as the means
    let delta = (p1 - p0) / (disp * p0 * (1.0 - p0) / r.n_mean.max(1.0)).sqrt();
    let h = delta * stats::cusum_threshold(arl0, delta / 2.0)?;
    (delta.is_finite() && h.is_finite()).then_some(RateTest {
        p0,
        p1,
        disp,
        base_disp: r.disp,
        share: r.n_mean / r.n_base,
        sd_day,
        delta,
        h,
    })
}

/// A Bernoulli CUSUM (log-likelihood ratio of p1 against p0 per trial, summed over a day's
/// counts and scaled down by the day's dispersion) of a rate against its lagged baseline p0.
/// p1 = p0 + the same reference change as the Gaussian CUSUM (2k daily SDs at the baseline's
/// mean daily trials), and at least the minimum effect. A day's count is winsorised at ±3 SD
/// of its expectation first (one extreme day cannot make a trend). The reference is frozen
/// at the onset of an excursion: days under suspicion must not feed the baseline they are
/// judged against (a lagged baseline otherwise absorbs a step within its guard gap). The
/// threshold gives an in-control run length of `arl0` days. `min` (absolute, relative) is in
/// event-rate units.
pub(super) fn rate_steps(
    ev: &[f64],
    n: &[f64],
    last_eval: usize,
    bad_up: bool,
    min: (f64, f64),
    arl0: f64,
    cfg: &DetectConfig,
) -> Vec<Step> {
    let k = cfg.trend_cusum_k.clamp(0.05, 3.0);
    let mut out = Vec::new();
    let mut s_stat = 0.0f64;
    let mut onset = 0usize;
    let mut frozen: Option<RateTest> = None;
    let mut since = 0usize;
    // reported in the metric's units: a share of failures is 1 − the metric
    let unit = |x: f64| if bad_up { x } else { 1.0 - x };
    for t in 0..=last_eval {
        // a reference is frozen for at most a baseline's length, then drawn afresh (S is
        // kept): one that was drawn low would otherwise push S up for ever
        if t >= since + cfg.trend_baseline_days.max(14) {
            frozen = None;
        }
        let r = match frozen.take() {
            Some(r) if s_stat > 0.0 => r,
            _ => match rate_reference(ev, n, t, cfg).and_then(|r| rate_test(&r, min, k, arl0)) {
                Some(r) => {
                    since = t;
                    r
                }
                None => continue,
            },
        };
        let (p0, p1, nt) = (r.p0, r.p1, n.get(t).copied().unwrap_or(0.0));
        if s_stat <= 0.0 {
            onset = t;
        }
        // the m days judged against one frozen reference share its error: Var Σ (k − n·p̂₀)
        // = m·n·p₀q₀·φ·(1 + m·n/N), so a long excursion weighs its days less
        let m = (t + 1 - onset.max(since)) as f64;
        let disp = r.disp.max(r.base_disp * (1.0 + m * r.share));
        let kt = ev.get(t).copied().unwrap_or(0.0);
        let lim = 3.0 * (disp * nt * p0 * (1.0 - p0)).sqrt();
        let kt = kt.clamp(nt * p0 - lim, nt * p0 + lim).clamp(0.0, nt);
        let llr = (kt * (p1 / p0).ln() + (nt - kt) * ((1.0 - p1) / (1.0 - p0)).ln()) / disp;
        s_stat = (s_stat + llr).max(0.0);
        let (ks, ns) = window_sums(ev, n, onset.max((t + 1).saturating_sub(7)), t);
        out.push(Step {
            t,
            s: s_stat,
            h: r.h,
            onset,
            base: unit(p0),
            recent: if ns > 0.0 { unit(ks / ns) } else { f64::NAN },
            sd: r.sd_day,
            p: stats::cusum_arl0(s_stat / r.delta, r.delta / 2.0)
                .map_or(1.0, |a| (1.0 / a).min(1.0)),
        });
        frozen = (s_stat > 0.0).then_some(r);
    }
    out
}

/// The detections of one series' CUSUM: one per excursion of S above zero, opened on the
/// first day that passes the detector's checks and extended while S stays above zero.
struct Excursions {
    /// First day of this run: an excursion that ended before it was reported by an earlier run.
    report_from: usize,
    open: Option<Detection>,
    done: Vec<Detection>,
}

impl Excursions {
    fn new(report_from: usize) -> Self {
        Excursions {
            report_from,
            open: None,
            done: Vec::new(),
        }
    }

    /// When S is back at zero on the step's day, the open detection (if any) ends: true.
    fn closed_at_zero(&mut self, st: &Step) -> bool {
        if st.s > 0.0 {
            return false;
        }
        if st.t >= self.report_from {
            self.done.extend(self.open.take());
        } else {
            self.open = None;
        }
        true
    }

    /// Extends the open detection to `day_end`, keeping the statistic of its most significant
    /// day; false when none is open.
    fn extend(&mut self, day_end: i64, st: &Step, observed: f64) -> bool {
        let Some(d) = self.open.as_mut() else {
            return false;
        };
        d.end_ms = day_end;
        if st.p < d.p_value {
            d.p_value = st.p;
            d.statistic_value = st.s;
            d.observed = observed;
        }
        true
    }

    fn open(&mut self, d: Detection) {
        self.open = Some(d);
    }

    fn finish(self) -> Vec<Detection> {
        let mut out = self.done;
        out.extend(self.open);
        out
    }
}

/// Slow bleeds and repeat/escalation trends (2, 7): a one-sided CUSUM (Page's test) per series
/// against a lagged baseline (the `trend_baseline_days` ending `trend_guard_days` before the
/// judged day).
///
/// - Means (sentiment, CSAT, log FRT, end sentiment): day t's residual is its weekday-adjusted
///   value less the baseline mean, prewhitened for lag-1 autocorrelation, over its SD,
///   signed so that "worse" is positive and clipped at ±3 (one extreme day cannot make a
///   trend); S = max(0, S + z − k) with the reference change k =
///   `trend_cusum_k` SDs, each day's increment scaled down by the growth of the baseline's
///   shared error over the excursion ([`gauss_steps`]); weekday offsets shrunk by their
///   share that is not noise; h from Siegmund's in-control run length.
/// - Rates (repeats, escalations, conversion): a Bernoulli CUSUM on the day's counts
///   ([`rate_steps`]), so that thin days count by their trials instead of being skipped or
///   weighted like full ones, with a reference frozen during an excursion.
///
/// The in-control run length is 28 days × series / `fa_budget`, so the whole family expects
/// `fa_budget` false alarms per four weeks. The onset is the day after S last left zero. A
/// detection must also show the minimum effect: the mean since the onset (at most the last 7
/// days) against the baseline.
pub(super) fn trends(input: &DetectInput<'_>, cfg: &DetectConfig) -> Vec<Detection> {
    let mut out = Vec::new();
    let Some((origin, ndays)) = frame(input) else {
        return out;
    };
    let all_scopes = scopes(input.cells, cfg, Grain::Day);
    let plan: Vec<(&TrendSpec, &(Dim, String))> = TRENDS
        .iter()
        .flat_map(|s| {
            all_scopes
                .iter()
                .filter(move |(d, _)| {
                    if s.metric.needs_total() {
                        *d == Dim::Topic
                    } else {
                        match d {
                            Dim::Channel => s.channels,
                            Dim::Topic => s.topics,
                            _ => true,
                        }
                    }
                })
                .map(move |sc| (s, sc))
        })
        .collect();
    let k = cfg.trend_cusum_k.clamp(0.05, 3.0);
    let arl0 = 28.0 * plan.len().max(1) as f64 / cfg.fa_budget.max(1e-6);
    if stats::cusum_threshold(arl0, k).is_none() {
        return out;
    }
    let total = days(input, Dim::All, ALL_VALUE, origin, ndays);
    for (spec, (dim, value)) in plan {
        let lag = usize::try_from(cfg.maturity_days(spec.metric)).unwrap_or(0);
        if ndays <= lag + 1 {
            continue;
        }
        let cells = days(input, *dim, value, origin, ndays);
        let last_eval = ndays - 1 - lag;
        let report_from = first_eval(input, origin, lag, 1);
        let sign = if spec.bad_up { 1.0 } else { -1.0 };
        let steps = match spec.rate {
            Some((num, den)) => {
                let trials = if spec.metric.needs_total() {
                    &total
                } else {
                    &cells
                };
                let (ev, n) = rate_counts_of(&cells, trials, num, den, spec.bad_up);
                // minimum effects are in the metric's units; for failures they carry over
                rate_steps(
                    &ev,
                    &n,
                    last_eval,
                    spec.bad_up,
                    (spec.min_abs, spec.min_rel),
                    arl0,
                    cfg,
                )
            }
            None => {
                let y: Vec<f64> = cells.iter().map(|c| daily_value(*c, spec)).collect();
                gauss_steps(&y, origin, last_eval, (spec.bad_up, k, arl0), cfg)
            }
        };
        let mut ex = Excursions::new(report_from);
        for st in steps {
            if ex.closed_at_zero(&st) {
                continue;
            }
            let t = st.t;
            if !st.recent.is_finite() {
                continue;
            }
            let delta_bad = sign * (st.recent - st.base);
            let rel_ok = spec.min_rel <= 0.0 || delta_bad >= spec.min_rel * st.base.abs();
            let h = st.h;
            if !(st.s > h && delta_bad >= spec.min_abs && rel_ok) {
                continue;
            }
            let day_end = origin + (t as i64 + 1) * DAY_MS;
            let (b, o) = if spec.log {
                (st.base.exp(), st.recent.exp())
            } else {
                (st.base, st.recent)
            };
            if ex.extend(day_end, &st, o) {
                continue;
            }
            let rel = if b.abs() > 1e-9 {
                (o - b) / b.abs()
            } else {
                o - b
            };
            let how = if spec.rate.is_some() {
                format!(
                    "Bernoulli CUSUM {:.1} > {h:.1}, daily SD {:.3}",
                    st.s, st.sd
                )
            } else {
                format!(
                    "CUSUM {:.1} > {h:.1}, k {k} SD, baseline SD {:.3}{}",
                    st.s,
                    st.sd,
                    if spec.log { " in log" } else { "" }
                )
            };
            ex.open(Detection {
                kind: spec.kind,
                scope: Scope::new(spec.metric.as_str(), *dim, value.clone()),
                start_ms: origin + st.onset as i64 * DAY_MS,
                end_ms: day_end,
                detected_at_ms: day_end + lag as i64 * DAY_MS,
                baseline: b,
                observed: o,
                statistic: if spec.rate.is_some() {
                    "bernoulli_cusum"
                } else {
                    "cusum"
                }
                .into(),
                statistic_value: st.s,
                p_value: st.p,
                severity: severity(
                    st.p,
                    if spec.metric == Metric::SentimentMean
                        || spec.metric == Metric::EndSentimentMean
                    {
                        (o - b) / 0.25
                    } else {
                        rel
                    },
                ),
                examples: vec![format!(
                    "{} {:.3} → {:.3} since {} days ({how})",
                    spec.metric.as_str(),
                    b,
                    o,
                    t + 1 - st.onset,
                )],
                probable_causes: vec![],
            });
        }
        out.extend(ex.finish());
    }
    out
}

/// Sum of counters over day cells `[lo, hi]`.
fn sum(cells: &[Option<&Cell>], lo: usize, hi: usize, c: Counter) -> f64 {
    cells[lo..=hi].iter().flatten().map(|x| x.f(c)).sum()
}

fn merged_sketch(cells: &[Option<&Cell>], lo: usize, hi: usize, k: SketchKind) -> Sketch {
    let mut s = Sketch::default();
    for c in cells[lo..=hi].iter().flatten() {
        if let Some(x) = c.sketch(k) {
            s.merge(x);
        }
    }
    s
}

/// Over-dispersion of daily proportions around `pi` (≥ 1).
fn phi_daily(
    cells: &[Option<&Cell>],
    lo: usize,
    hi: usize,
    k: Counter,
    n: Counter,
    pi: f64,
) -> f64 {
    let z2: Vec<f64> = cells[lo..=hi]
        .iter()
        .flatten()
        .filter(|c| c.f(n) >= 5.0)
        .map(|c| (c.f(k) - c.f(n) * pi).powi(2) / (c.f(n) * pi * (1.0 - pi)).max(1e-9))
        .collect();
    if z2.len() < 7 {
        return 1.0;
    }
    (stats::median(&z2).unwrap_or(0.455) / 0.455).max(1.0)
}

/// Masked resolution (3): the repeat-rate Bernoulli CUSUM of the trend family ([`rate_steps`])
/// per topic and total with this detector's own budget (in-control run length 28 days ×
/// series / `fa_budget`), reported while the FRT median since the onset (at most the last 14 days,
/// shifted by FRT's maturity) is not above 1.05× the baseline's: fast answers that do not
/// solve. A sequential test instead of re-testing overlapping 14-vs-28-day windows.
pub(super) fn masked_resolution(input: &DetectInput<'_>, cfg: &DetectConfig) -> Vec<Detection> {
    let mut out = Vec::new();
    let Some((origin, ndays)) = frame(input) else {
        return out;
    };
    let frt_lag = usize::try_from(cfg.maturity_days(Metric::FrtMedian)).unwrap_or(2);
    let mut sc = vec![(Dim::All, ALL_VALUE.to_string())];
    sc.extend(
        scopes(input.cells, cfg, Grain::Day)
            .into_iter()
            .filter(|(d, _)| *d == Dim::Topic),
    );
    let arl0 = 28.0 * sc.len() as f64 / cfg.fa_budget.max(1e-6);
    let (min_abs, min_rel) = (0.015, 0.3);
    let guard = cfg.trend_guard_days.max(1);
    let base_days = cfg.trend_baseline_days.max(14);
    let report_from = first_eval(input, origin, 0, 1);
    for (dim, value) in sc {
        let cells = days(input, dim, &value, origin, ndays);
        let (ev, n) = rate_counts(&cells, Counter::Repeats, Counter::Conversations, true);
        let steps = rate_steps(&ev, &n, ndays - 1, true, (min_abs, min_rel), arl0, cfg);
        let mut ex = Excursions::new(report_from);
        for st in steps {
            if ex.closed_at_zero(&st) {
                continue;
            }
            let t = st.t;
            let (pi, share) = (st.base, st.recent);
            let (ks, ns) = window_sums(&ev, &n, st.onset, t);
            let big = share.is_finite()
                && share - pi >= min_abs
                && share >= (1.0 + min_rel) * pi
                && ks - ns * pi >= 8.0;
            // FRT of the days since the onset vs the baseline's, both already mature
            let (Some(rhi), Some(bhi)) = (t.checked_sub(frt_lag), t.checked_sub(guard + frt_lag))
            else {
                continue;
            };
            let rlo = st
                .onset
                .max((t + 1).saturating_sub(14))
                .saturating_sub(frt_lag)
                .min(rhi);
            let blo = (bhi + 1).saturating_sub(base_days);
            let h = st.h;
            if !(st.s > h && big) {
                continue;
            }
            let frt_r = merged_sketch(&cells, rlo, rhi, SketchKind::Frt);
            let frt_b = merged_sketch(&cells, blo, bhi, SketchKind::Frt);
            let (mr, mb) = (frt_r.quantile(0.5), frt_b.quantile(0.5));
            let frt_steady = frt_r.count() >= 20
                && frt_b.count() >= 20
                && matches!((mr, mb), (Some(a), Some(c)) if a <= 1.05 * c);
            if !frt_steady {
                continue;
            }
            let (mr, mb) = (mr.unwrap_or(0.0), mb.unwrap_or(0.0));
            let day_end = origin + (t as i64 + 1) * DAY_MS;
            if ex.extend(day_end, &st, share) {
                continue;
            }
            ex.open(Detection {
                kind: DetectionKind::MaskedResolution,
                scope: Scope::new(Metric::RepeatRate.as_str(), dim, value.clone()),
                start_ms: origin + st.onset as i64 * DAY_MS,
                end_ms: day_end,
                detected_at_ms: day_end,
                baseline: pi,
                observed: share,
                statistic: "bernoulli_cusum".into(),
                statistic_value: st.s,
                p_value: st.p,
                severity: severity(st.p, (share - pi) / pi.max(1e-4)),
                examples: vec![
                    format!(
                        "repeat contacts {:.1} % → {:.1} % of conversations since {} days (Bernoulli CUSUM {:.1} > {h:.1})",
                        pi * 100.0,
                        share * 100.0,
                        t + 1 - st.onset,
                        st.s
                    ),
                    format!(
                        "FRT median {mb:.0} s → {mr:.0} s: answers are as fast or faster, but customers come back"
                    ),
                ],
                probable_causes: vec![],
            });
        }
        out.extend(ex.finish());
    }
    out
}

fn csat_stats(cells: &[Option<&Cell>], lo: usize, hi: usize) -> (f64, f64, f64) {
    let counts: Vec<f64> = CSAT_HIST.iter().map(|c| sum(cells, lo, hi, *c)).collect();
    let n: f64 = counts.iter().sum();
    if n <= 0.0 {
        return (0.0, f64::NAN, f64::NAN);
    }
    let mean = counts
        .iter()
        .enumerate()
        .map(|(i, c)| (i + 1) as f64 * c)
        .sum::<f64>()
        / n;
    let var = counts
        .iter()
        .enumerate()
        .map(|(i, c)| ((i + 1) as f64 - mean).powi(2) * c)
        .sum::<f64>()
        / n;
    (n, mean, var)
}

fn bands_sum(cells: &[Option<&Cell>], lo: usize, hi: usize, bands: [Counter; 5]) -> [i64; 5] {
    bands.map(|c| sum(cells, lo, hi, c) as i64)
}

pub(super) fn csat_masking(input: &DetectInput<'_>, cfg: &DetectConfig) -> Vec<Detection> {
    let mut out = Vec::new();
    let Some((origin, ndays)) = frame(input) else {
        return out;
    };
    let lag = usize::try_from(cfg.maturity_days(Metric::CsatMean)).unwrap_or(3);
    let (r, b) = (cfg.recent_days.max(7), cfg.baseline_days.max(7));
    let mut sc = vec![(Dim::All, ALL_VALUE.to_string())];
    sc.extend(
        input
            .cells
            .values(Grain::Day, Dim::Channel)
            .into_iter()
            .map(|v| (Dim::Channel, v)),
    );
    let alpha = cfg.alpha(sc.len() as f64 * cfg.daily_looks);
    if ndays <= lag + r + b {
        return out;
    }
    for (dim, value) in sc {
        let cells = days(input, dim, &value, origin, ndays);
        let mut streak = 0;
        let mut open: Option<Detection> = None;
        let start = first_eval(input, origin, lag, cfg.trend_persistence + 1).max(r + b - 1);
        for e in start..=ndays - 1 - lag {
            let (rlo, blo, bhi) = (e + 1 - r, e + 1 - r - b, e - r);
            let (cr, nr) = (
                sum(&cells, rlo, e, Counter::Converted),
                sum(&cells, rlo, e, Counter::NegStartResolved),
            );
            let (cb, nb) = (
                sum(&cells, blo, bhi, Counter::Converted),
                sum(&cells, blo, bhi, Counter::NegStartResolved),
            );
            let mut p_conv = 1.0;
            let (mut conv_r, mut conv_b) = (f64::NAN, f64::NAN);
            if nr >= 30.0 && nb >= 60.0 {
                conv_r = cr / nr;
                conv_b = (cb + 0.5) / (nb + 1.0);
                let fail_b = (1.0 - conv_b).clamp(1e-4, 0.9999);
                let phi = phi_daily(
                    &cells,
                    blo,
                    bhi,
                    Counter::Converted,
                    Counter::NegStartResolved,
                    conv_b,
                );
                if conv_b - conv_r >= 0.08 {
                    p_conv = stats::binom_sf((nr - cr) / phi, nr / phi, fail_b);
                }
            }
            let end_daily = |lo: usize, hi: usize| -> Vec<f64> {
                cells[lo..=hi]
                    .iter()
                    .map(|c| {
                        c.and_then(|c| {
                            let v = metrics::value(c, Metric::EndSentimentMean);
                            (v.support >= 10).then_some(v.value).flatten()
                        })
                        .unwrap_or(f64::NAN)
                    })
                    .collect()
            };
            let (er, eb) = (end_daily(rlo, e), end_daily(blo, bhi));
            let mut p_end = 1.0;
            let (mr, mb) = (stats::mean(&er), stats::mean(&eb));
            if let (Some(mr), Some(mb)) = (mr, mb) {
                let fr = stats::finite(&er);
                let fb = stats::finite(&eb);
                if fr.len() >= r / 2 && fb.len() >= b / 2 && mb - mr >= 0.05 {
                    let var = |v: &[f64], m: f64| {
                        v.iter().map(|x| (x - m).powi(2)).sum::<f64>()
                            / (v.len() as f64 - 1.0).max(1.0)
                    };
                    let (vr, vb) = (
                        var(&fr, mr) / fr.len() as f64,
                        var(&fb, mb) / fb.len() as f64,
                    );
                    let se = (vr + vb).sqrt();
                    if se > 0.0 {
                        // Welch's t with Welch–Satterthwaite degrees of freedom
                        let df = (vr + vb).powi(2)
                            / (vr * vr / (fr.len() as f64 - 1.0).max(1.0)
                                + vb * vb / (fb.len() as f64 - 1.0).max(1.0));
                        p_end = stats::t_sf((mb - mr) / se, df);
                    }
                }
            }
            let p = (2.0 * p_conv.min(p_end)).min(1.0);
            let (n_cr, csat_r, var_r) = csat_stats(&cells, rlo, e);
            let (n_cb, csat_b, var_b) = csat_stats(&cells, blo, bhi);
            let mut fired = None;
            if p < alpha && n_cr >= 20.0 && n_cb >= 20.0 {
                let se = (var_r / n_cr + var_b / n_cb).sqrt();
                let drop = csat_b - csat_r;
                if drop <= (2.0 * se).max(0.1) {
                    let ext_r = total_variation(
                        &bands_sum(&cells, rlo, e, RESP_BANDS),
                        &bands_sum(&cells, rlo, e, END_BANDS),
                    );
                    let ext_b = total_variation(
                        &bands_sum(&cells, blo, bhi, RESP_BANDS),
                        &bands_sum(&cells, blo, bhi, END_BANDS),
                    );
                    fired = Some((p, csat_r, csat_b, ext_r, ext_b));
                }
            }
            match fired {
                Some((p, csat_r, csat_b, ext_r, ext_b)) => {
                    streak += 1;
                    if streak < cfg.trend_persistence.max(1) {
                        continue;
                    }
                    let day_end = origin + (e as i64 + 1) * DAY_MS;
                    if let Some(d) = open.as_mut() {
                        d.end_ms = day_end;
                        continue;
                    }
                    let mut examples = vec![format!(
                        "CSAT {csat_b:.2} → {csat_r:.2} (flat) over the last {r} days vs {b} before"
                    )];
                    if conv_r.is_finite() && conv_b.is_finite() {
                        examples.push(format!(
                            "sentiment conversion {:.0} % → {:.0} %",
                            conv_b * 100.0,
                            conv_r * 100.0
                        ));
                    }
                    if let (Some(a), Some(c)) = (mb, mr) {
                        examples.push(format!("end-of-conversation sentiment {a:.3} → {c:.3}"));
                    }
                    if let (Some(xb), Some(xr)) = (ext_b, ext_r) {
                        examples.push(format!(
                            "extremity index {xb:.2} → {xr:.2}{}",
                            if xr > xb + 0.05 { ": responders no longer look like the conversations they rate — the likely reason CSAT did not move" } else { "" }
                        ));
                    }
                    let ext_gain = match (ext_b, ext_r) {
                        (Some(xb), Some(xr)) => (xr - xb).max(0.0),
                        _ => 0.0,
                    };
                    open = Some(Detection {
                        kind: DetectionKind::CsatMasking,
                        scope: Scope::new(Metric::CsatMean.as_str(), dim, value.clone()),
                        start_ms: origin + rlo as i64 * DAY_MS,
                        end_ms: day_end,
                        detected_at_ms: day_end + lag as i64 * DAY_MS,
                        baseline: csat_b,
                        observed: csat_r,
                        statistic: "min_p_conversion_or_end_sentiment".into(),
                        statistic_value: ext_r.unwrap_or(f64::NAN),
                        p_value: p,
                        severity: severity(
                            p,
                            2.0 * ext_gain
                                + if conv_b.is_finite() && conv_r.is_finite() {
                                    (conv_b - conv_r) / conv_b.max(0.05)
                                } else {
                                    0.0
                                },
                        ),
                        examples,
                        probable_causes: vec![],
                    });
                }
                None => {
                    streak = 0;
                    out.extend(open.take());
                }
            }
        }
        out.extend(open);
    }
    out
}
