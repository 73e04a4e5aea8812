//! Recurring phrases (6): a phrase whose share of unprompted feedback over the last days is far
//! above its share before (Poisson tail with a half-count prior, Bonferroni over the phrases
//! that reach the minimum support), seen on several days, with examples.

use super::{DetectConfig, DetectInput, Detection, DetectionKind, Scope, severity};
use crate::rollup::{ALL_VALUE, DAY_MS, Dim};
use crate::stats;
use std::collections::HashMap;

fn contains_words(long: &str, short: &str) -> bool {
    let l: Vec<&str> = long.split_whitespace().collect();
    let s: Vec<&str> = short.split_whitespace().collect();
    s.len() < l.len() && l.windows(s.len()).any(|w| w == s.as_slice())
}

pub(super) fn recurring(input: &DetectInput<'_>, cfg: &DetectConfig) -> Vec<Detection> {
    let mut out: Vec<Detection> = Vec::new();
    let Some(first) = input.phrases.first_day() else {
        return out;
    };
    let r = cfg.phrase_recent_days.max(1) as i64;
    let b = cfg.baseline_days.max(7) as i64;
    let last_day = (input.as_of_ms - first).div_euclid(DAY_MS) - 1; // last complete day
    let from_day = ((input.from_ms - first).div_euclid(DAY_MS) - 2)
        .max(r + b.min(cfg.min_history_days.max(7)) - 1);
    let mut open: HashMap<String, Detection> = HashMap::new();
    for e in from_day..=last_day {
        let day_ms = |d: i64| first + d * DAY_MS;
        let recent_lo = day_ms(e + 1 - r);
        let recent_hi = day_ms(e + 1);
        let base_lo = day_ms((e + 1 - r - b).max(0));
        let mut n_recent = 0.0;
        let mut counts: HashMap<&str, (f64, usize)> = HashMap::new();
        for (_, day) in input.phrases.range(recent_lo, recent_hi) {
            n_recent += f64::from(day.docs);
            for (p, c) in &day.counts {
                if p.split_whitespace().count() < cfg.phrase_min_words {
                    continue;
                }
                let e = counts.entry(p.as_str()).or_default();
                e.0 += f64::from(*c);
                e.1 += 1;
            }
        }
        let mut n_base = 0.0;
        let mut base: HashMap<&str, f64> = HashMap::new();
        for (_, day) in input.phrases.range(base_lo, recent_lo) {
            n_base += f64::from(day.docs);
            for (p, c) in &day.counts {
                *base.entry(p.as_str()).or_default() += f64::from(*c);
            }
        }
        if n_recent <= 0.0 || n_base < 50.0 {
            continue;
        }
        let candidates: Vec<(&str, f64, usize)> = counts
            .iter()
            .filter(|(_, (k, days))| {
                *k >= f64::from(cfg.phrase_min_count) && *days >= cfg.phrase_min_days
            })
            .map(|(p, (k, d))| (*p, *k, *d))
            .collect();
        if candidates.is_empty() {
            for (_, d) in open.drain() {
                out.push(d);
            }
            continue;
        }
        // Bonferroni over the phrases that could fire, `daily_looks` looks each
        let alpha = cfg.alpha(candidates.len() as f64 * cfg.daily_looks);
        let mut fired: Vec<(&str, f64, f64, f64)> = Vec::new();
        for (p, k, _) in &candidates {
            let bk = base.get(p).copied().unwrap_or(0.0);
            let rate_b = (bk + 0.5) / (n_base + 1.0);
            let expected = n_recent * rate_b;
            // two Poisson counts compared exactly: given k + bk occurrences, the recent ones
            // are binomial with the recent share of texts (the baseline rate's own noise
            // counts)
            let pv = stats::binom_sf(*k, k + bk, n_recent / (n_recent + n_base));
            if pv < alpha && k / n_recent >= cfg.phrase_min_ratio * rate_b {
                fired.push((p, *k, expected, pv));
            }
        }
        // keep the longest phrase of nested ones with similar counts
        let keep: Vec<&(&str, f64, f64, f64)> = fired
            .iter()
            .filter(|(p, k, _, _)| {
                !fired
                    .iter()
                    .any(|(q, kq, _, _)| contains_words(q, p) && *kq >= 0.7 * k)
            })
            .collect();
        let end = first + (e + 1) * DAY_MS;
        let mut still: HashMap<String, Detection> = HashMap::new();
        for (p, k, expected, pv) in keep {
            let key = p.to_string();
            if let Some(mut d) = open.remove(&key) {
                d.end_ms = end;
                if *pv < d.p_value {
                    d.p_value = *pv;
                    d.observed = *k;
                    d.baseline = *expected;
                }
                still.insert(key, d);
                continue;
            }
            // start: first recent day with the phrase; examples from the recent days
            let mut start = end;
            let mut examples = Vec::new();
            for (d, day) in input.phrases.range(recent_lo, recent_hi) {
                if day.counts.get(*p).copied().unwrap_or(0) > 0 {
                    start = start.min(*d);
                    for x in day.examples.get(*p).into_iter().flatten() {
                        if examples.len() < 5 && !examples.contains(x) {
                            examples.push(x.clone());
                        }
                    }
                }
            }
            still.insert(
                key,
                Detection {
                    kind: DetectionKind::RecurringPhrase,
                    scope: Scope::new(format!("phrase:{p}"), Dim::All, ALL_VALUE),
                    start_ms: start,
                    end_ms: end,
                    detected_at_ms: end,
                    baseline: *expected,
                    observed: *k,
                    statistic: "poisson_tail".into(),
                    statistic_value: k / expected.max(1e-9),
                    p_value: *pv,
                    severity: severity(*pv, (k - expected) / expected.max(1.0)),
                    examples,
                    probable_causes: vec![],
                },
            );
        }
        for (_, d) in open.drain() {
            out.push(d);
        }
        open = still;
    }
    out.extend(open.into_values());
    out
}
