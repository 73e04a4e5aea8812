//! Hourly detectors: spikes in volume and negative share (1) and coverage gaps (5), against a
//! seasonal baseline (hour-of-day × day-of-week profile × robust level) with a quasi-Poisson
//! or quasi-binomial tail test.

use super::{DetectConfig, DetectInput, Detection, DetectionKind, Scope, scopes, severity};
use crate::cell::Counter;
use crate::metrics::Metric;
use crate::rollup::{ALL_VALUE, DAY_MS, Dim, Grain, HOUR_MS};
use crate::stats;

/// Hourly values of counters of one series, indexed from `origin` (a UTC midnight).
pub(super) fn hourly(
    input: &DetectInput<'_>,
    dim: Dim,
    value: &str,
    counters: &[Counter],
    origin: i64,
    hours: usize,
) -> Vec<f64> {
    let mut v = vec![0.0; hours];
    let end = origin + hours as i64 * HOUR_MS;
    for (b, c) in input.cells.range(Grain::Hour, dim, value, origin, end) {
        let i = ((b - origin) / HOUR_MS) as usize;
        if let Some(slot) = v.get_mut(i) {
            *slot = counters.iter().map(|k| c.f(*k)).sum();
        }
    }
    v
}

/// Hourly conversations opened in one series (openings, not messages: messages of one
/// conversation cluster, openings are close to independent, so the tails are honest).
fn conversations(
    input: &DetectInput<'_>,
    dim: Dim,
    value: &str,
    origin: i64,
    hours: usize,
) -> Vec<f64> {
    hourly(input, dim, value, &[Counter::Conversations], origin, hours)
}

/// The configured window lengths (hours) in `1..=max`.
fn windows(configured: &[usize], max: usize) -> Vec<usize> {
    configured
        .iter()
        .copied()
        .filter(|w| (1..=max).contains(w))
        .collect()
}

/// The time frame of a run: origin (midnight of the first data), hours and days complete by
/// `as_of`.
pub(super) fn frame(input: &DetectInput<'_>) -> Option<(i64, usize)> {
    let (first, _) = input.cells.span(Grain::Hour)?;
    let origin = Grain::Day.bucket(first);
    let hours = (input.as_of_ms - origin).div_euclid(HOUR_MS);
    (hours > 0).then_some((origin, usize::try_from(hours).ok()?))
}

fn weekday(origin: i64, day: usize) -> usize {
    // 1970-01-01 was a Thursday (index 3, Monday = 0)
    ((origin.div_euclid(DAY_MS) + day as i64 + 3).rem_euclid(7)) as usize
}

/// Expected counts of a series for one day, from the days before it.
#[derive(Debug, Clone)]
pub(super) struct Baseline {
    hod: [f64; 24],
    dow: [f64; 7],
    /// Expected count of a day of weekday factor 1.
    level: f64,
    /// Variance / mean of hourly counts around the expectation (≥ 1): clustering within
    /// an hour (several messages of one conversation).
    pub phi: f64,
    /// Squared relative day-to-day variation of the level beyond counting noise: busy and
    /// quiet days move every hour of the day together, so a window of expectation μ has
    /// variance φ·μ + s2·μ².
    pub s2: f64,
}

impl Baseline {
    pub fn mu(&self, origin: i64, hour: usize) -> f64 {
        let day = hour / 24;
        self.level * self.dow[weekday(origin, day)] * self.hod[hour % 24] / 24.0
    }
}

fn profiles(
    v: &[f64],
    origin: i64,
    from_day: usize,
    to_day: usize,
) -> ([f64; 24], [f64; 7], [f64; 7], [f64; 7]) {
    let mut hod = [0.0; 24];
    let mut dsum = [0.0; 7];
    let mut ndays = [0.0; 7];
    for day in from_day..to_day {
        let wd = weekday(origin, day);
        ndays[wd] += 1.0;
        for (h, slot) in hod.iter_mut().enumerate() {
            let x = v.get(day * 24 + h).copied().unwrap_or(0.0);
            *slot += x;
            dsum[wd] += x;
        }
    }
    let total: f64 = hod.iter().sum();
    let mut dow = [1.0; 7];
    let days: f64 = ndays.iter().sum();
    if total > 0.0 && days > 0.0 {
        let mean = total / days;
        for d in 0..7 {
            if ndays[d] > 0.0 {
                dow[d] = dsum[d] / ndays[d] / mean;
            }
        }
    }
    (hod, dow, dsum, ndays)
}

/// Baseline of `v` for `day`, shrinking its own profile toward the total's (`all`) where it
/// has little data. `None` without `min_history_days` of history.
pub(super) fn baseline(
    v: &[f64],
    all: &[f64],
    origin: i64,
    day: usize,
    cfg: &DetectConfig,
) -> Option<Baseline> {
    let min_hist = usize::try_from(cfg.min_history_days).ok()?.max(7);
    if day < min_hist {
        return None;
    }
    let from = day.saturating_sub(usize::try_from(cfg.profile_days).ok()?.max(7));
    let (hod_all, dow_all, _, _) = profiles(all, origin, from, day);
    let total_all: f64 = hod_all.iter().sum();
    let p_all: [f64; 24] = std::array::from_fn(|h| {
        if total_all > 0.0 {
            24.0 * hod_all[h] / total_all
        } else {
            1.0
        }
    });
    let (hod_s, _, dsum, ndays) = profiles(v, origin, from, day);
    let total_s: f64 = hod_s.iter().sum();
    const M_HOD: f64 = 240.0;
    const M_DOW: f64 = 50.0;
    let hod: [f64; 24] =
        std::array::from_fn(|h| 24.0 * (hod_s[h] + M_HOD * p_all[h] / 24.0) / (total_s + M_HOD));
    let days: f64 = ndays.iter().sum();
    let abar = if days > 0.0 { total_s / days } else { 0.0 };
    let mut dow: [f64; 7] = std::array::from_fn(|d| {
        let den = ndays[d] * abar + M_DOW;
        if den > 0.0 {
            (dsum[d] + M_DOW * dow_all[d]) / den
        } else {
            dow_all[d]
        }
    });
    let mean_dow = dow.iter().sum::<f64>() / 7.0;
    if mean_dow > 0.0 {
        for d in &mut dow {
            *d /= mean_dow;
        }
    }
    // robust level over the last `level_days` days
    let lfrom = day.saturating_sub(usize::try_from(cfg.level_days).ok()?.max(3));
    let normalised: Vec<f64> = (lfrom..day)
        .map(|d| {
            let c: f64 = (0..24)
                .map(|h| v.get(d * 24 + h).copied().unwrap_or(0.0))
                .sum();
            let w = dow[weekday(origin, d)];
            if w > 0.0 { c / w } else { c }
        })
        .collect();
    let med = stats::median(&normalised)?;
    let fence = 4.0 * med.max(1.0).sqrt();
    let level = stats::mean(
        &normalised
            .iter()
            .map(|x| x.clamp(med - fence, med + fence))
            .collect::<Vec<_>>(),
    )?;
    let mut b = Baseline {
        hod,
        dow,
        level: level.max(0.0),
        phi: 1.0,
        s2: 0.0,
    };
    // within-hour clustering: mean squared Pearson residual of the hours of the level window,
    // each capped so that one past burst cannot inflate it
    let r2: Vec<f64> = (lfrom * 24..day * 24)
        .filter_map(|h| {
            let mu = b.mu(origin, h);
            let x = v.get(h).copied()?;
            (mu > 0.2).then(|| ((x - mu).powi(2) / mu).min(25.0))
        })
        .collect();
    if r2.len() >= 48 {
        b.phi = stats::mean(&r2).unwrap_or(1.0).max(1.0);
    }
    // day-to-day variation of the level: robust variance of daily ratios observed/expected,
    // less what counting noise explains
    let ratios: Vec<(f64, f64)> = (lfrom..day)
        .filter_map(|d| {
            let e = level * dow[weekday(origin, d)];
            let x: f64 = (0..24)
                .map(|h| v.get(d * 24 + h).copied().unwrap_or(0.0))
                .sum();
            (e > 0.0).then_some((x / e, e))
        })
        .collect();
    if ratios.len() >= 7 {
        let rs: Vec<f64> = ratios.iter().map(|r| r.0).collect();
        let sd = stats::mad_sd(&rs).unwrap_or(0.0);
        let counting =
            stats::mean(&ratios.iter().map(|r| b.phi / r.1).collect::<Vec<_>>()).unwrap_or(0.0);
        b.s2 = (sd * sd - counting).clamp(0.0, 1.0);
    }
    Some(b)
}

/// One spike series: hourly conversations opened, opened negative and opened classified, and
/// the negative-share baseline (share, dispersion) of each day from `first_day`.
pub(super) struct SpikeSeries {
    pub vol: Vec<f64>,
    pub neg: Vec<f64>,
    pub sent: Vec<f64>,
    pub first_day: usize,
    pub shares: Vec<Option<(f64, f64)>>,
}

impl SpikeSeries {
    fn share(&self, day: usize) -> Option<(f64, f64)> {
        *self.shares.get(day.checked_sub(self.first_day)?)?
    }
}

struct Open {
    det: Detection,
}

fn push_or_extend(open: &mut Option<Open>, out: &mut Vec<Detection>, det: Detection) {
    if let Some(o) = open {
        if det.start_ms <= o.det.end_ms {
            o.det.end_ms = o.det.end_ms.max(det.end_ms);
            if det.p_value < o.det.p_value {
                o.det.p_value = det.p_value;
                o.det.statistic_value = det.statistic_value;
                o.det.observed = det.observed;
                o.det.baseline = det.baseline;
                o.det.severity = o.det.severity.max(det.severity);
            }
            return;
        }
        if let Some(done) = open.take() {
            out.push(done.det);
        }
    }
    *open = Some(Open { det });
}

/// The first hour the runs judge: a day of warm-up before `from_ms` so that runs chained day
/// by day see the detections that continue.
fn first_hour(input: &DetectInput<'_>, origin: i64) -> usize {
    let h = (input.from_ms - DAY_MS - origin).div_euclid(HOUR_MS);
    usize::try_from(h.max(0)).unwrap_or(0)
}

pub(super) fn spikes(input: &DetectInput<'_>, cfg: &DetectConfig) -> Vec<Detection> {
    let mut out = Vec::new();
    let Some((origin, hours)) = frame(input) else {
        return out;
    };
    // queues too: a backlash on the social channels lands on the social queue, where the
    // e-mail and phone traffic of the total does not dilute it
    let mut series = scopes(input.cells, cfg, Grain::Hour);
    series.extend(
        input
            .cells
            .values(Grain::Hour, Dim::Queue)
            .into_iter()
            .map(|q| (Dim::Queue, q)),
    );
    let windows = windows(&cfg.spike_windows, 24);
    let all = conversations(input, Dim::All, ALL_VALUE, origin, hours);
    let start_h = first_hour(input, origin);
    let all_s2 = day_variation(&all, origin, hours, start_h, cfg);
    let ref_h = reference_start(start_h, hours, cfg);
    let data: Vec<SpikeSeries> = series
        .iter()
        .map(|(dim, value)| {
            let neg = hourly(input, *dim, value, &[Counter::NegStart], origin, hours);
            let sent = hourly(input, *dim, value, &[Counter::SentStart], origin, hours);
            let shares = (ref_h / 24..=hours / 24)
                .map(|day| share_baseline(&neg, &sent, day, cfg))
                .collect();
            SpikeSeries {
                vol: conversations(input, *dim, value, origin, hours),
                neg,
                sent,
                first_day: ref_h / 24,
                shares,
            }
        })
        .collect();
    // Volume tests can reach any level; a share test whose window holds too few classified
    // conversations cannot, however many turn negative, and takes no share of the budget.
    let mut share_min_p = share_min_ps(&data, &windows, ref_h, hours, cfg);
    // Half the budget for each family. The volume tests share theirs Bonferroni-style; the
    // share tests by Tarone's rule, where a window too thin to reject takes no share (the
    // volume tests' tails are heavier than their model's, so they must not gain from it).
    let half = cfg.spike_fa_budget / 2.0;
    let volume_tests = (series.len() * windows.len() * 672) as f64;
    let alpha_vol = DetectConfig::level(half, volume_tests);
    let weight = 672.0 / hours.saturating_sub(ref_h).max(1) as f64;
    let alpha_share = cfg.discrete_level(half, 0.0, &mut share_min_p, weight);
    for ((dim, value), d) in series.iter().zip(&data) {
        let (vol, neg, sent) = (&d.vol, &d.neg, &d.sent);
        let mut open_vol: Option<Open> = None;
        let mut open_neg: Option<Open> = None;
        let mut day_cache: Option<(usize, Option<Baseline>)> = None;
        for t in start_h..hours {
            let day = t / 24;
            if day_cache.as_ref().is_none_or(|c| c.0 != day) {
                day_cache = Some((day, baseline(vol, &all, origin, day, cfg)));
            }
            let Some((_, b)) = &day_cache else {
                continue;
            };
            let s = d.share(day);
            let s2_all = all_s2.get(day).copied().unwrap_or(0.0);
            for &k in &windows {
                if t + 1 < k {
                    continue;
                }
                let lo = t + 1 - k;
                if let Some(b) = b {
                    let x: f64 = vol[lo..=t].iter().sum();
                    let mu: f64 = (lo..=t).map(|h| b.mu(origin, h)).sum();
                    let p = stats::count_sf(x, mu, b.phi, b.s2.max(s2_all));
                    if p < alpha_vol
                        && x - mu >= cfg.spike_min_excess
                        && x >= cfg.spike_min_ratio * mu
                    {
                        let start = (lo..=t)
                            .find(|h| {
                                vol[*h] >= cfg.spike_min_ratio * b.mu(origin, *h) && vol[*h] > 0.0
                            })
                            .unwrap_or(lo);
                        let det = Detection {
                            kind: DetectionKind::Spike,
                            scope: Scope::new(Metric::Conversations.as_str(), *dim, value.clone()),
                            start_ms: origin + start as i64 * HOUR_MS,
                            end_ms: origin + (t as i64 + 1) * HOUR_MS,
                            detected_at_ms: origin + (t as i64 + 1) * HOUR_MS,
                            baseline: mu,
                            observed: x,
                            statistic: format!("quasi_poisson_tail_{k}h"),
                            statistic_value: b.phi,
                            p_value: p,
                            severity: severity(p, (x - mu) / mu.max(1.0)),
                            examples: vec![format!(
                                "{x:.0} conversations opened in {k} h where {mu:.1} were expected (hourly dispersion {:.2}, day-to-day variation {:.0} %)",
                                b.phi,
                                b.s2.max(s2_all).sqrt() * 100.0
                            )],
                            probable_causes: vec![],
                        };
                        push_or_extend(&mut open_vol, &mut out, det);
                    }
                }
                if let Some((pi, phi)) = s {
                    let kx: f64 = neg[lo..=t].iter().sum();
                    let n: f64 = sent[lo..=t].iter().sum();
                    if n < cfg.share_min_n || pi <= 0.0 {
                        continue;
                    }
                    let p = stats::binom_sf(kx / phi, n / phi, pi);
                    if p < alpha_share
                        && kx - n * pi >= cfg.share_min_excess
                        && kx / n - pi >= cfg.share_min_rise
                    {
                        let det = Detection {
                            kind: DetectionKind::Spike,
                            scope: Scope::new(
                                Metric::NegativeOpenShare.as_str(),
                                *dim,
                                value.clone(),
                            ),
                            start_ms: origin + lo as i64 * HOUR_MS,
                            end_ms: origin + (t as i64 + 1) * HOUR_MS,
                            detected_at_ms: origin + (t as i64 + 1) * HOUR_MS,
                            baseline: pi,
                            observed: kx / n,
                            statistic: format!("quasi_binomial_tail_{k}h"),
                            statistic_value: phi,
                            p_value: p,
                            severity: severity(p, (kx / n - pi) / pi.max(0.05)),
                            examples: vec![format!(
                                "{kx:.0} of {n:.0} conversations opened negative in {k} h; usual share {:.0} %",
                                pi * 100.0
                            )],
                            probable_causes: vec![],
                        };
                        push_or_extend(&mut open_neg, &mut out, det);
                    }
                }
            }
        }
        out.extend(open_vol.map(|o| o.det));
        out.extend(open_neg.map(|o| o.det));
    }
    out
}

/// The first hour whose tests set a level: the judged hours (from `start_h`) and at least the
/// last 4 weeks count, but none before any test can run — the rate of tests is per hour of
/// testing, and counting the first weeks' untested hours would understate it early in a
/// history (and so overstate the level).
pub(super) fn reference_start(start_h: usize, hours: usize, cfg: &DetectConfig) -> usize {
    let history_h = usize::try_from(cfg.min_history_days.max(7)).unwrap_or(7) * 24;
    start_h.min(hours.saturating_sub(672)).max(history_h)
}

/// The smallest attainable p-value of every negative-share test in hours `[ref_h, hours)`:
/// the p of a window in which every classified conversation opened negative. Windows that
/// could not pass the minimum support and effect even then are left out: they can never
/// reject, so (Tarone) they take no share of the false-alarm budget.
pub(super) fn share_min_ps(
    data: &[SpikeSeries],
    windows: &[usize],
    ref_h: usize,
    hours: usize,
    cfg: &DetectConfig,
) -> Vec<f64> {
    data.iter()
        .flat_map(|d| {
            windows
                .iter()
                .flat_map(move |&k| (ref_h.max(k.saturating_sub(1))..hours).map(move |t| (d, k, t)))
        })
        .filter_map(|(d, k, t)| {
            let (pi, phi) = d.share(t / 24)?;
            let n: f64 = d.sent.get(t + 1 - k..=t)?.iter().sum();
            let reachable = n >= cfg.share_min_n
                && n * (1.0 - pi) >= cfg.share_min_excess
                && 1.0 - pi >= cfg.share_min_rise;
            // P(K ≥ m | m trials) = π^m, what `binom_sf(m, m, π)` computes the long way
            reachable.then(|| pi.powf(n / phi))
        })
        .collect()
}

/// Day-to-day level variation of the total series, per day (shared by every series: a busy
/// day is busy everywhere, and the total measures it best).
fn day_variation(
    all: &[f64],
    origin: i64,
    hours: usize,
    start_h: usize,
    cfg: &DetectConfig,
) -> Vec<f64> {
    let days = hours / 24 + 1;
    let mut out = vec![0.0; days];
    for (day, slot) in out.iter_mut().enumerate().skip(start_h / 24) {
        if let Some(b) = baseline(all, all, origin, day, cfg) {
            *slot = b.s2;
        }
    }
    out
}

/// Baseline negative share and its daily over-dispersion over the level window.
fn share_baseline(neg: &[f64], sent: &[f64], day: usize, cfg: &DetectConfig) -> Option<(f64, f64)> {
    let min_hist = usize::try_from(cfg.min_history_days).ok()?.max(7);
    if day < min_hist {
        return None;
    }
    let from = day.saturating_sub(usize::try_from(cfg.level_days).ok()?.max(3));
    let daily: Vec<(f64, f64)> = (from..day)
        .map(|d| {
            let k: f64 = (0..24)
                .map(|h| neg.get(d * 24 + h).copied().unwrap_or(0.0))
                .sum();
            let n: f64 = (0..24)
                .map(|h| sent.get(d * 24 + h).copied().unwrap_or(0.0))
                .sum();
            (k, n)
        })
        .collect();
    let shares: Vec<f64> = daily
        .iter()
        .filter(|(_, n)| *n > 0.0)
        .map(|(k, n)| k / n)
        .collect();
    let med = stats::median(&shares)?;
    // pooled share over days not far from the median share
    let (mut k, mut n) = (0.0, 0.0);
    for (dk, dn) in &daily {
        if *dn <= 0.0 {
            continue;
        }
        let sd = (med * (1.0 - med) / dn).sqrt().max(1e-9);
        if ((dk / dn) - med).abs() / sd <= 4.0 {
            k += dk;
            n += dn;
        }
    }
    if n < 50.0 {
        return None;
    }
    let pi = ((k + 0.5) / (n + 1.0)).clamp(1e-4, 0.9999);
    Some((pi, share_phi_blocks(neg, sent, from, day, pi)))
}

/// Dispersion of the negative share at the scale of the windows tested: the mean squared
/// Pearson residual of the baseline's 6-hour blocks (each capped at 25, so that one burst does
/// not set it), at least 1. Daily residuals would charge an hour's window with the whole
/// day-to-day variation of the share, which grows with a day's trials, and the median of 14 of
/// them is too noisy to be a divisor (its SD is about 0.6 on binomial days).
pub(super) fn share_phi_blocks(neg: &[f64], sent: &[f64], from: usize, day: usize, pi: f64) -> f64 {
    const BLOCK: usize = 6;
    let mut z2 = Vec::new();
    for start in (from * 24..day * 24).step_by(BLOCK) {
        let k: f64 = (start..start + BLOCK)
            .map(|h| neg.get(h).copied().unwrap_or(0.0))
            .sum();
        let n: f64 = (start..start + BLOCK)
            .map(|h| sent.get(h).copied().unwrap_or(0.0))
            .sum();
        if n >= 5.0 {
            z2.push(((k - n * pi).powi(2) / (n * pi * (1.0 - pi))).min(25.0));
        }
    }
    if z2.len() < 20 {
        return 1.0;
    }
    stats::mean(&z2).unwrap_or(1.0).max(1.0)
}

/// What coverage gaps are judged on: conversation-hours with a customer message
/// (`ActiveHours`), which fall as far as the messages a broken connector loses, while
/// openings fall less (a lost opening's follow-up opens the conversation instead). Cells
/// written before the counter existed lack it — every hour with a customer message has at
/// least one conversation-hour — and are judged on conversations opened. Returns the
/// counter, its metric and the total's hourly series of it.
fn coverage_basis(
    input: &DetectInput<'_>,
    origin: i64,
    hours: usize,
) -> (Counter, Metric, Vec<f64>) {
    let msgs = hourly(input, Dim::All, ALL_VALUE, &[Counter::MsgIn], origin, hours);
    let active = hourly(
        input,
        Dim::All,
        ALL_VALUE,
        &[Counter::ActiveHours],
        origin,
        hours,
    );
    if msgs.iter().zip(&active).any(|(m, a)| *m > 0.0 && *a <= 0.0) {
        let all = conversations(input, Dim::All, ALL_VALUE, origin, hours);
        (Counter::Conversations, Metric::Conversations, all)
    } else {
        (
            Counter::ActiveHours,
            Metric::ActiveConversationHours,
            active,
        )
    }
}

/// Coverage gaps (5). A channel is judged by its **share** of all conversation-hours with a
/// customer message (see [`coverage_basis`]) against its usual share at that hour (a
/// quasi-binomial lower tail), so that a quiet morning on every channel — common-mode
/// variation — is not a gap, while one connector going silent is. The total is judged on its
/// own volume (negative-binomial lower tail), for the case where everything stops.
pub(super) fn coverage(input: &DetectInput<'_>, cfg: &DetectConfig) -> Vec<Detection> {
    let mut out = Vec::new();
    let Some((origin, hours)) = frame(input) else {
        return out;
    };
    let channels = input.cells.values(Grain::Hour, Dim::Channel);
    let windows = windows(&cfg.gap_windows, 72);
    let alpha = cfg.alpha(((channels.len() + 1) * windows.len().max(1) * 672) as f64);
    let (counter, metric, all) = coverage_basis(input, origin, hours);
    let start_h = first_hour(input, origin);
    let mut classified: Vec<(String, Vec<f64>)> = Vec::new();
    let mut all_cache: Option<(usize, Option<Baseline>)> = None;
    let mut series: Vec<Option<String>> = channels.iter().cloned().map(Some).collect();
    series.push(None);
    for ch in &series {
        let v = match ch {
            Some(c) => {
                classified.push((
                    c.clone(),
                    hourly(
                        input,
                        Dim::Channel,
                        c,
                        &[Counter::MsgNeg, Counter::MsgNeu, Counter::MsgPos],
                        origin,
                        hours,
                    ),
                ));
                hourly(input, Dim::Channel, c, &[counter], origin, hours)
            }
            None => all.clone(),
        };
        let name = ch.clone().unwrap_or_else(|| ALL_VALUE.to_string());
        let mut open: Option<Open> = None;
        // per day: the channel's baseline and its share dispersion for each window
        let mut cache: Option<(usize, Option<Baseline>, Vec<f64>)> = None;
        for t in start_h..hours {
            let day = t / 24;
            if all_cache.as_ref().is_none_or(|c| c.0 != day) {
                all_cache = Some((day, baseline(&all, &all, origin, day, cfg)));
            }
            let Some((_, Some(ball))) = &all_cache else {
                continue;
            };
            if cache.as_ref().is_none_or(|c| c.0 != day) {
                let b = baseline(&v, &all, origin, day, cfg);
                let phi = windows
                    .iter()
                    .map(|&k| {
                        b.as_ref()
                            .map_or(1.0, |b| share_phi(&v, &all, b, ball, origin, day, k))
                    })
                    .collect();
                cache = Some((day, b, phi));
            }
            let Some((_, Some(b), share_phi)) = &cache else {
                continue;
            };
            let share =
                |h: usize| (b.mu(origin, h) / ball.mu(origin, h).max(1e-9)).clamp(1e-4, 0.9999);
            for (wi, &k) in windows.iter().enumerate() {
                if t + 1 < k {
                    continue;
                }
                let lo = t + 1 - k;
                let x: f64 = v[lo..=t].iter().sum();
                // the minimum support and effect, checked before any tail probability
                let worth_testing = |expected: f64| {
                    expected >= cfg.gap_min_expected && x <= cfg.gap_max_ratio * expected
                };
                let (expected, p) = if ch.is_some() {
                    // x | n ~ Binomial(n, share); the expectation shown (and gated on) is
                    // what the other channels' volume implies: others × share / (1 − share)
                    let n: f64 = all[lo..=t].iter().sum();
                    let e: f64 = (lo..=t).map(|h| all[h] * share(h)).sum();
                    let implied: f64 = (lo..=t)
                        .map(|h| (all[h] - v[h]).max(0.0) * share(h) / (1.0 - share(h)))
                        .sum();
                    if n <= 0.0 || e <= 0.0 || !worth_testing(implied) {
                        continue;
                    }
                    let phi = share_phi.get(wi).copied().unwrap_or(1.0).max(1.0);
                    let q = x / phi + 1.0;
                    let p_share = if q > n / phi {
                        1.0
                    } else {
                        1.0 - stats::binom_sf(q, n / phi, (e / n).clamp(1e-6, 1.0 - 1e-6))
                    };
                    // …and low against its own seasonal baseline: a burst on another
                    // channel lowers this one's share without any of its messages missing.
                    // Both must reject (an intersection test: the larger p, still level α).
                    let mu: f64 = (lo..=t).map(|h| b.mu(origin, h)).sum();
                    let p_own = if p_share < alpha {
                        stats::count_cdf(x, mu, b.phi, b.s2)
                    } else {
                        1.0
                    };
                    (implied, p_share.max(p_own))
                } else {
                    let mu: f64 = (lo..=t).map(|h| ball.mu(origin, h)).sum();
                    if !worth_testing(mu) {
                        continue;
                    }
                    (mu, stats::count_cdf(x, mu, ball.phi, ball.s2))
                };
                if p >= alpha {
                    continue;
                }
                // the gap starts at the earliest hour from which the volume stays low
                let mut start = t;
                let (mut cx, mut cm) = (0.0, 0.0);
                for h in (lo..=t).rev() {
                    cx += v[h];
                    cm += if ch.is_some() {
                        (all[h] - v[h]).max(0.0) * share(h) / (1.0 - share(h))
                    } else {
                        ball.mu(origin, h)
                    };
                    if cx <= cfg.gap_max_ratio * cm {
                        start = h;
                    }
                }
                let det = Detection {
                    kind: DetectionKind::CoverageGap,
                    scope: Scope::new(
                        metric.as_str(),
                        if ch.is_some() { Dim::Channel } else { Dim::All },
                        name.clone(),
                    ),
                    start_ms: origin + start as i64 * HOUR_MS,
                    end_ms: origin + (t as i64 + 1) * HOUR_MS,
                    detected_at_ms: origin + (t as i64 + 1) * HOUR_MS,
                    baseline: expected,
                    observed: x,
                    statistic: if ch.is_some() {
                        format!("share_quasi_binomial_lower_tail_{k}h")
                    } else {
                        format!("negative_binomial_lower_tail_{k}h")
                    },
                    statistic_value: x / expected.max(1e-9),
                    p_value: p,
                    severity: severity(p, (expected - x) / expected.max(1.0)),
                    examples: vec![format!(
                        "{x:.0} {} on {name} in {k} h where {expected:.1} were expected{}",
                        if counter == Counter::ActiveHours {
                            "conversation-hours with a customer message"
                        } else {
                            "conversations opened"
                        },
                        if ch.is_some() {
                            " from its usual share of all channels"
                        } else {
                            ""
                        }
                    )],
                    probable_causes: vec![],
                };
                push_or_extend(&mut open, &mut out, det);
            }
        }
        out.extend(open.map(|o| o.det));
    }
    let gaps = out.clone();
    out.extend(sentiment_channels(input, origin, hours, &classified, &gaps));
    out
}

/// Over-dispersion of a channel's count in `k`-hour blocks around its expected share of the
/// total, over the 28 days before `day` (capped squared Pearson residuals of block sums;
/// ≥ 1). Measured at the window's own length because conversation-hours of one
/// conversation run on into the next hours: a 12-hour window varies more than twelve
/// independent hours would.
fn share_phi(
    v: &[f64],
    all: &[f64],
    b: &Baseline,
    ball: &Baseline,
    origin: i64,
    day: usize,
    k: usize,
) -> f64 {
    let k = k.max(1);
    let from = day.saturating_sub(28) * 24;
    let r2: Vec<f64> = (from..day * 24)
        .step_by(k)
        .filter(|lo| lo + k <= day * 24)
        .filter_map(|lo| {
            let (mut x, mut n, mut e) = (0.0, 0.0, 0.0);
            for h in lo..lo + k {
                let pi = (b.mu(origin, h) / ball.mu(origin, h).max(1e-9)).clamp(1e-4, 0.9999);
                let nh = all.get(h).copied()?;
                x += v.get(h).copied()?;
                n += nh;
                e += nh * pi;
            }
            // e > 0 implies n > 0, and every hour's share is below 1, so pi < 1
            (e > 0.2).then(|| {
                let pi = e / n;
                ((x - e).powi(2) / (e * (1.0 - pi))).min(25.0)
            })
        })
        .collect();
    if r2.len() < 10 {
        return 1.0;
    }
    stats::mean(&r2).unwrap_or(1.0).max(1.0)
}

/// Days on which sentiment figures rest on fewer channels than usual (only channels whose
/// volume gap was detected that day, so this adds no test of its own): a channel that had at
/// least 10 classified messages on 12 of the previous 14 days has fewer than a quarter of its
/// median.
fn sentiment_channels(
    input: &DetectInput<'_>,
    origin: i64,
    hours: usize,
    classified: &[(String, Vec<f64>)],
    gaps: &[Detection],
) -> Vec<Detection> {
    let mut out: Vec<Detection> = Vec::new();
    let days = hours / 24;
    let first = usize::try_from(((input.from_ms - DAY_MS - origin) / DAY_MS).max(14)).unwrap_or(14);
    for day in first..days {
        let mut missing = Vec::new();
        let mut usual = 0usize;
        for (ch, v) in classified {
            let daily: Vec<f64> = (day - 14..=day)
                .map(|d| {
                    (0..24)
                        .map(|h| v.get(d * 24 + h).copied().unwrap_or(0.0))
                        .sum()
                })
                .collect();
            let (past, today) = daily.split_at(14);
            if past.iter().filter(|x| **x >= 10.0).count() >= 12 {
                usual += 1;
                let med = stats::median(past).unwrap_or(0.0);
                let (ds, de) = (
                    origin + day as i64 * DAY_MS,
                    origin + (day as i64 + 1) * DAY_MS,
                );
                let gap = gaps
                    .iter()
                    .any(|g| g.scope.value == *ch && g.start_ms < de && g.end_ms > ds);
                if gap && today.first().copied().unwrap_or(0.0) < 0.25 * med {
                    missing.push(format!(
                        "{ch}: {:.0} classified messages (usual {med:.0})",
                        today.first().copied().unwrap_or(0.0)
                    ));
                }
            }
        }
        if missing.is_empty() {
            continue;
        }
        let start = origin + day as i64 * DAY_MS;
        let end = start + DAY_MS;
        if let Some(last) = out.last_mut()
            && last.end_ms >= start
        {
            last.end_ms = end;
            continue;
        }
        out.push(Detection {
            kind: DetectionKind::CoverageGap,
            scope: Scope::new("sentiment_channels", Dim::All, ALL_VALUE),
            start_ms: start,
            end_ms: end,
            detected_at_ms: end,
            baseline: usual as f64,
            observed: (usual - missing.len()) as f64,
            statistic: "channels_with_sentiment".into(),
            statistic_value: (usual - missing.len()) as f64,
            p_value: 1.0,
            severity: (missing.len() as f64 / usual.max(1) as f64).min(1.0) * 0.5,
            examples: missing,
            probable_causes: vec![],
        });
    }
    out
}
