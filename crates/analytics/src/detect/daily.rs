//! Daily detectors: slow bleeds and repeat/escalation trends (2, 7) by a one-sided CUSUM on
//! standardised daily residuals, masked resolution (3) and CSAT masking (4) by window
//! comparisons.

use super::{DetectConfig, DetectInput, Detection, DetectionKind, Scope, scopes, severity};
use crate::cell::{Cell, Counter, SketchKind};
use crate::metrics::{self, END_BANDS, Metric, RESP_BANDS, total_variation};
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
}

const TRENDS: [TrendSpec; 7] = [
    TrendSpec {
        metric: Metric::SentimentMean,
        kind: DetectionKind::SlowBleed,
        bad_up: false,
        log: false,
        min_support: 10,
        min_abs: 0.04,
        min_rel: 0.0,
        channels: true,
    },
    TrendSpec {
        metric: Metric::CsatMean,
        kind: DetectionKind::SlowBleed,
        bad_up: false,
        log: false,
        min_support: 5,
        min_abs: 0.15,
        min_rel: 0.0,
        channels: true,
    },
    TrendSpec {
        metric: Metric::FrtMedian,
        kind: DetectionKind::SlowBleed,
        bad_up: true,
        log: true,
        min_support: 10,
        min_abs: 0.2,
        min_rel: 0.0,
        channels: true,
    },
    TrendSpec {
        metric: Metric::EndSentimentMean,
        kind: DetectionKind::SlowBleed,
        bad_up: false,
        log: false,
        min_support: 10,
        min_abs: 0.05,
        min_rel: 0.0,
        channels: true,
    },
    TrendSpec {
        metric: Metric::SentimentConversion,
        kind: DetectionKind::SlowBleed,
        bad_up: false,
        log: false,
        min_support: 5,
        min_abs: 0.08,
        min_rel: 0.0,
        channels: true,
    },
    TrendSpec {
        metric: Metric::RepeatRate,
        kind: DetectionKind::RepeatTrend,
        bad_up: true,
        log: false,
        min_support: 20,
        min_abs: 0.015,
        min_rel: 0.3,
        channels: false,
    },
    TrendSpec {
        metric: Metric::EscalationRate,
        kind: DetectionKind::EscalationTrend,
        bad_up: true,
        log: false,
        min_support: 20,
        min_abs: 0.01,
        min_rel: 0.3,
        channels: false,
    },
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
/// values or more.
fn weekday_offsets(y: &[f64], origin: i64, lo: usize, hi: usize) -> Option<[f64; 7]> {
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
    let overall = sum.iter().sum::<f64>() / n.iter().sum::<f64>();
    Some(std::array::from_fn(|wd| sum[wd] / n[wd] - overall))
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
/// values of `[t − guard − days, t − guard)`, the weekday offsets used, and the variance
/// inflation (1 + ρ)/(1 − ρ) for lag-1 autocorrelation of the baseline days.
struct Reference {
    mean: f64,
    sd: f64,
    offsets: Option<[f64; 7]>,
    infl: f64,
}

fn reference(y: &[f64], origin: i64, t: usize, cfg: &DetectConfig) -> Option<Reference> {
    let hi = t.checked_sub(cfg.trend_guard_days.max(1))?;
    let lo = (hi + 1).saturating_sub(cfg.trend_baseline_days.max(14));
    let offsets = weekday_offsets(y, origin, lo, hi);
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
    let pairs: Vec<(f64, f64)> = vals
        .windows(2)
        .filter(|p| p[0].is_finite() && p[1].is_finite())
        .map(|p| (p[0] - mean, p[1] - mean))
        .collect();
    let num: f64 = pairs.iter().map(|(a, b)| a * b).sum();
    let den: f64 = fin.iter().map(|x| (x - mean).powi(2)).sum();
    let rho = if den > 0.0 {
        (num / den).clamp(-0.9, 0.9)
    } else {
        0.0
    };
    let infl = if rho > 0.0 {
        ((1.0 + rho) / (1.0 - rho)).min(4.0)
    } else {
        1.0
    };
    // prediction error of a new day: the day's own variance plus the baseline mean's
    // (n / infl effective days)
    let n_eff = w.len() as f64 / infl;
    Some(Reference {
        mean,
        sd: sd * (1.0 + 1.0 / n_eff).sqrt(),
        offsets,
        infl,
    })
}

/// Slow bleeds and repeat/escalation trends (2, 7): a one-sided CUSUM (Page's test) per series
/// on standardised daily residuals against a lagged baseline. Day t's residual is its
/// weekday-adjusted value less the mean of the `trend_baseline_days` ending `trend_guard_days`
/// before it, over the baseline's SD (inflated for lag-1 autocorrelation), signed so that
/// "worse" is positive and clipped at ±3 (one extreme day cannot make a trend). S = max(0, S +
/// z − k) with the reference change k = `trend_cusum_k` SDs; the threshold h gives an
/// in-control average run length of 28 days × series / `fa_budget` (Siegmund), so the whole
/// family expects `fa_budget` false alarms per four weeks. The onset is the day after S last
/// left zero. A detection must also show the minimum effect: the mean since the onset (at
/// most the last 7 days) against the baseline.
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
                .filter(move |(d, _)| s.channels || *d != Dim::Channel)
                .map(move |sc| (s, sc))
        })
        .collect();
    let k = cfg.trend_cusum_k.clamp(0.05, 3.0);
    let arl0 = 28.0 * plan.len().max(1) as f64 / cfg.fa_budget.max(1e-6);
    let Some(h) = stats::cusum_threshold(arl0, k) else {
        return out;
    };
    for (spec, (dim, value)) in plan {
        let lag = usize::try_from(cfg.maturity_days(spec.metric)).unwrap_or(0);
        if ndays <= lag + 1 {
            continue;
        }
        let cells = days(input, *dim, value, origin, ndays);
        let y: Vec<f64> = cells.iter().map(|c| daily_value(*c, spec)).collect();
        let last_eval = ndays - 1 - lag;
        let report_from = first_eval(input, origin, lag, 1);
        let sign = if spec.bad_up { 1.0 } else { -1.0 };
        let mut s_stat = 0.0f64;
        let mut onset = 0usize;
        let mut open: Option<Detection> = None;
        for t in 0..=last_eval {
            let v = y.get(t).copied().unwrap_or(f64::NAN);
            let Some(r) = (v.is_finite())
                .then(|| reference(&y, origin, t, cfg))
                .flatten()
            else {
                continue;
            };
            let adj = |d: usize, x: f64| r.offsets.map_or(x, |o| x - o[weekday(origin, d)]);
            let z = (sign * (adj(t, v) - r.mean) / (r.sd * r.infl.sqrt())).clamp(-3.0, 3.0);
            if s_stat <= 0.0 {
                onset = t;
            }
            s_stat = (s_stat + z - k).max(0.0);
            if s_stat <= 0.0 {
                if t >= report_from {
                    out.extend(open.take());
                } else {
                    open = None;
                }
                continue;
            }
            // size of the change: the days since the onset (at most the last 7) vs the baseline
            let from = onset.max((t + 1).saturating_sub(7));
            let recent: Vec<f64> = (from..=t)
                .map(|d| adj(d, y.get(d).copied().unwrap_or(f64::NAN)))
                .collect();
            let Some(recent) = stats::mean(&recent) else {
                continue;
            };
            let delta_bad = sign * (recent - r.mean);
            let rel_ok = spec.min_rel <= 0.0 || delta_bad >= spec.min_rel * r.mean.abs();
            let fired = s_stat > h && delta_bad >= spec.min_abs && rel_ok;
            if !fired {
                continue;
            }
            let day_end = origin + (t as i64 + 1) * DAY_MS;
            let (b, o) = if spec.log {
                (r.mean.exp(), recent.exp())
            } else {
                (r.mean, recent)
            };
            // per-day probability of a statistic this high without a change: 1 / ARL(S)
            let p = stats::cusum_arl0(s_stat, k).map_or(1.0, |a| (1.0 / a).min(1.0));
            if let Some(d) = open.as_mut() {
                d.end_ms = day_end;
                if p < d.p_value {
                    d.p_value = p;
                    d.statistic_value = s_stat;
                    d.observed = o;
                }
                continue;
            }
            let rel = if b.abs() > 1e-9 {
                (o - b) / b.abs()
            } else {
                o - b
            };
            open = Some(Detection {
                kind: spec.kind,
                scope: Scope::new(spec.metric.as_str(), *dim, value.clone()),
                start_ms: origin + onset as i64 * DAY_MS,
                end_ms: day_end,
                detected_at_ms: day_end + lag as i64 * DAY_MS,
                baseline: b,
                observed: o,
                statistic: "cusum".into(),
                statistic_value: s_stat,
                p_value: p,
                severity: severity(
                    p,
                    if spec.metric == Metric::SentimentMean
                        || spec.metric == Metric::EndSentimentMean
                    {
                        (o - b) / 0.25
                    } else {
                        rel
                    },
                ),
                examples: vec![format!(
                    "{} {:.3} → {:.3} since {} days (CUSUM {:.1} > {:.1}, k {k} SD, baseline SD {:.3}{})",
                    spec.metric.as_str(),
                    b,
                    o,
                    t + 1 - onset,
                    s_stat,
                    h,
                    r.sd,
                    if spec.log { " in log" } else { "" },
                )],
                probable_causes: vec![],
            });
        }
        out.extend(open);
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

pub(super) fn masked_resolution(input: &DetectInput<'_>, cfg: &DetectConfig) -> Vec<Detection> {
    let mut out = Vec::new();
    let Some((origin, ndays)) = frame(input) else {
        return out;
    };
    let (r, b) = (cfg.recent_days.max(7), cfg.baseline_days.max(7));
    let frt_lag = usize::try_from(cfg.maturity_days(Metric::FrtMedian)).unwrap_or(2);
    let mut sc = vec![(Dim::All, ALL_VALUE.to_string())];
    sc.extend(
        scopes(input.cells, cfg, Grain::Day)
            .into_iter()
            .filter(|(d, _)| *d == Dim::Topic),
    );
    let alpha = cfg.alpha(sc.len() as f64 * cfg.daily_looks);
    for (dim, value) in sc {
        let cells = days(input, dim, &value, origin, ndays);
        let mut streak = 0;
        let mut open: Option<Detection> = None;
        let start =
            first_eval(input, origin, 0, cfg.trend_persistence + 1).max(r + b + frt_lag - 1);
        for e in start..ndays {
            let (rlo, blo, bhi) = (e + 1 - r, e + 1 - r - b, e - r);
            let (kr, nr) = (
                sum(&cells, rlo, e, Counter::Repeats),
                sum(&cells, rlo, e, Counter::Conversations),
            );
            let (kb, nb) = (
                sum(&cells, blo, bhi, Counter::Repeats),
                sum(&cells, blo, bhi, Counter::Conversations),
            );
            let mut fired = None;
            if nr >= 50.0 && nb >= 100.0 {
                let pi = ((kb + 0.5) / (nb + 1.0)).clamp(1e-4, 0.9999);
                let phi = phi_daily(
                    &cells,
                    blo,
                    bhi,
                    Counter::Repeats,
                    Counter::Conversations,
                    pi,
                );
                let share = kr / nr;
                let p = stats::binom_sf(kr / phi, nr / phi, pi);
                let frt_r = merged_sketch(&cells, rlo - frt_lag, e - frt_lag, SketchKind::Frt);
                let frt_b = merged_sketch(&cells, blo - frt_lag, bhi - frt_lag, SketchKind::Frt);
                let (mr, mb) = (frt_r.quantile(0.5), frt_b.quantile(0.5));
                let frt_steady = frt_r.count() >= 20
                    && frt_b.count() >= 20
                    && matches!((mr, mb), (Some(a), Some(c)) if a <= 1.05 * c);
                if p < alpha
                    && kr - nr * pi >= 8.0
                    && share >= 1.3 * pi
                    && share - pi >= 0.015
                    && frt_steady
                {
                    fired = Some((p, pi, share, mr.unwrap_or(0.0), mb.unwrap_or(0.0)));
                }
            }
            match fired {
                Some((p, pi, share, mr, mb)) => {
                    streak += 1;
                    if streak < cfg.trend_persistence.max(1) {
                        continue;
                    }
                    let day_end = origin + (e as i64 + 1) * DAY_MS;
                    if let Some(d) = open.as_mut() {
                        d.end_ms = day_end;
                        continue;
                    }
                    // onset: hinge on the daily repeat rate over baseline + recent
                    let rates: Vec<f64> = cells[blo..=e]
                        .iter()
                        .map(|c| {
                            c.map_or(f64::NAN, |c| {
                                metrics::value(c, Metric::RepeatRate)
                                    .value
                                    .unwrap_or(f64::NAN)
                            })
                        })
                        .collect();
                    let onset = stats::hinge_onset(&rates).unwrap_or(b);
                    open = Some(Detection {
                        kind: DetectionKind::MaskedResolution,
                        scope: Scope::new(Metric::RepeatRate.as_str(), dim, value.clone()),
                        start_ms: origin + (blo + onset) as i64 * DAY_MS,
                        end_ms: day_end,
                        detected_at_ms: day_end,
                        baseline: pi,
                        observed: share,
                        statistic: "quasi_binomial_tail".into(),
                        statistic_value: share / pi,
                        p_value: p,
                        severity: severity(p, (share - pi) / pi),
                        examples: vec![
                            format!(
                                "repeat contacts {:.1} % → {:.1} % of conversations (last {r} days vs {b} before)",
                                pi * 100.0,
                                share * 100.0
                            ),
                            format!(
                                "FRT median {mb:.0} s → {mr:.0} s: answers are as fast or faster, but customers come back"
                            ),
                        ],
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

fn csat_stats(cells: &[Option<&Cell>], lo: usize, hi: usize) -> (f64, f64, f64) {
    let hist = [
        Counter::Csat1,
        Counter::Csat2,
        Counter::Csat3,
        Counter::Csat4,
        Counter::Csat5,
    ];
    let counts: Vec<f64> = hist.iter().map(|c| sum(cells, lo, hi, *c)).collect();
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
