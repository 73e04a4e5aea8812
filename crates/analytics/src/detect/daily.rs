//! Daily detectors: slow bleeds and repeat/escalation trends (2, 7) by Mann–Kendall on daily
//! values, masked resolution (3) and CSAT masking (4) by window comparisons.

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

pub(super) fn trends(input: &DetectInput<'_>, cfg: &DetectConfig) -> Vec<Detection> {
    let mut out = Vec::new();
    let Some((origin, ndays)) = frame(input) else {
        return out;
    };
    let w = cfg.trend_days.max(8);
    let mut windows: Vec<usize> = vec![w];
    if cfg.trend_short_days >= 8 && cfg.trend_short_days < w {
        windows.insert(0, cfg.trend_short_days);
    }
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
    let tests = windows.len() + usize::from(cfg.trend_shift_days >= 3);
    let alpha = cfg.alpha(plan.len() as f64 * cfg.daily_looks * tests as f64);
    let z_crit = stats::norm_isf(alpha);
    for (spec, (dim, value)) in plan {
        let lag = usize::try_from(cfg.maturity_days(spec.metric)).unwrap_or(0);
        if ndays <= lag + w {
            continue;
        }
        let cells = days(input, *dim, value, origin, ndays);
        let y: Vec<f64> = cells.iter().map(|c| daily_value(*c, spec)).collect();
        let last_eval = ndays - 1 - lag;
        let min_first = (cfg.min_history_days.max(0) as usize).max(w - 1);
        let mut streak = 0usize;
        let mut open: Option<Detection> = None;
        for e in
            first_eval(input, origin, lag, cfg.trend_persistence + 1).max(min_first)..=last_eval
        {
            // weekday effects from the long window, applied to every window
            let offsets = weekday_offsets(&y, origin, e + 1 - w, e);
            let mut fired: Option<(stats::MannKendall, f64, usize, f64, f64, usize)> = None;
            for &wi in &windows {
                let lo = e + 1 - wi;
                let win = &y[lo..=e];
                let finite = win.iter().filter(|v| v.is_finite()).count();
                if (finite as f64) < cfg.trend_min_coverage * wi as f64 {
                    continue;
                }
                let ys = deseasonalise(win, offsets.as_ref(), origin, lo);
                let Some(mk) = stats::mann_kendall(&ys) else {
                    continue;
                };
                let sign = if spec.bad_up { 1.0 } else { -1.0 };
                let z_bad = sign * mk.z;
                let delta_bad = sign * mk.slope * (wi - 1) as f64;
                let onset = stats::hinge_onset(&ys).unwrap_or(0);
                let before: Vec<f64> = win[..onset.max((wi / 4).max(3)).min(win.len())].to_vec();
                let base = stats::mean(&before).unwrap_or(f64::NAN);
                let recent = stats::mean(&win[win.len().saturating_sub(7)..]).unwrap_or(f64::NAN);
                let rel_ok = spec.min_rel <= 0.0 || delta_bad >= spec.min_rel * base.abs();
                if z_bad >= z_crit
                    && delta_bad >= spec.min_abs
                    && rel_ok
                    && fired.as_ref().is_none_or(|f| z_bad > f.1)
                {
                    fired = Some((mk, z_bad, lo + onset, base, recent, wi));
                }
            }
            // a drift against the baseline: the last `trend_shift_days` against the `w` days
            // before them (Welch t on weekday-adjusted daily values, variance inflated for
            // lag-1 autocorrelation), confirmed as a drift by a Mann–Kendall z ≥ 1.64 over
            // the last 14 days
            let shift = cfg.trend_shift_days;
            if shift >= 3 && e + 1 >= shift + w && e + 1 >= 14 {
                let rlo = e + 1 - shift;
                let blo = rlo - w;
                let offs = weekday_offsets(&y, origin, blo, rlo - 1);
                let rec = stats::finite(&deseasonalise(&y[rlo..=e], offs.as_ref(), origin, rlo));
                let basev = deseasonalise(&y[blo..rlo], offs.as_ref(), origin, blo);
                let bas = stats::finite(&basev);
                let sign = if spec.bad_up { 1.0 } else { -1.0 };
                let mk14 = stats::mann_kendall(&deseasonalise(
                    &y[e + 1 - 14..=e],
                    offs.as_ref(),
                    origin,
                    e + 1 - 14,
                ));
                if rec.len() as f64 >= cfg.trend_min_coverage * shift as f64
                    && bas.len() as f64 >= cfg.trend_min_coverage * w as f64
                    && let (Some(mr), Some(mb), Some(mk14)) =
                        (stats::mean(&rec), stats::mean(&bas), mk14)
                {
                    let var = |v: &[f64], m: f64| {
                        v.iter().map(|x| (x - m).powi(2)).sum::<f64>()
                            / (v.len() as f64 - 1.0).max(1.0)
                    };
                    let pairs: Vec<(f64, f64)> = basev
                        .windows(2)
                        .filter(|p| p[0].is_finite() && p[1].is_finite())
                        .map(|p| (p[0] - mb, p[1] - mb))
                        .collect();
                    let num: f64 = pairs.iter().map(|(a, b)| a * b).sum();
                    let den: f64 = bas.iter().map(|x| (x - mb).powi(2)).sum();
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
                    let (vr, vb) = (
                        var(&rec, mr) / rec.len() as f64,
                        infl * var(&bas, mb) / bas.len() as f64,
                    );
                    let se = (vr + vb).sqrt();
                    let diff_bad = sign * (mr - mb);
                    let rel_ok = spec.min_rel <= 0.0 || diff_bad >= spec.min_rel * mb.abs();
                    if se > 0.0 && diff_bad >= spec.min_abs && rel_ok && sign * mk14.z >= 1.64 {
                        let df = (vr + vb).powi(2)
                            / (vr * vr / (rec.len() as f64 - 1.0).max(1.0)
                                + vb * vb / (bas.len() as f64 - 1.0).max(1.0));
                        let p = stats::t_sf(diff_bad / se, df);
                        let z_eq = stats::norm_isf(p.max(1e-300));
                        if z_eq >= z_crit && fired.as_ref().is_none_or(|f| z_eq > f.1) {
                            let all: Vec<f64> = basev
                                .iter()
                                .copied()
                                .chain(deseasonalise(&y[rlo..=e], offs.as_ref(), origin, rlo))
                                .collect();
                            let onset = stats::hinge_onset(&all).unwrap_or(w);
                            let raw_base = stats::mean(&y[blo..rlo]).unwrap_or(mb);
                            let raw_recent = stats::mean(&y[rlo..=e]).unwrap_or(mr);
                            fired =
                                Some((mk14, z_eq, blo + onset, raw_base, raw_recent, shift + w));
                        }
                    }
                }
            }
            match fired {
                Some((mk, z_bad, onset_day, base, recent, wi)) => {
                    streak += 1;
                    if streak < cfg.trend_persistence.max(1) {
                        continue;
                    }
                    let day_end = origin + (e as i64 + 1) * DAY_MS;
                    let (b, o) = if spec.log {
                        (base.exp(), recent.exp())
                    } else {
                        (base, recent)
                    };
                    let p = stats::norm_sf(z_bad);
                    if let Some(d) = open.as_mut() {
                        d.end_ms = day_end;
                        if p < d.p_value {
                            d.p_value = p;
                            d.statistic_value = z_bad;
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
                        start_ms: origin + onset_day as i64 * DAY_MS,
                        end_ms: day_end,
                        detected_at_ms: day_end + lag as i64 * DAY_MS,
                        baseline: b,
                        observed: o,
                        statistic: "mann_kendall_z".into(),
                        statistic_value: z_bad,
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
                            "{} {:.3} → {:.3} over {wi} days (Theil–Sen {:+.4}/day{}, Mann–Kendall z {:.1})",
                            spec.metric.as_str(),
                            b,
                            o,
                            mk.slope,
                            if spec.log { " in log" } else { "" },
                            z_bad
                        )],
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
