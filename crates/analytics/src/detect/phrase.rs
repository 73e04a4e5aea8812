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

/// Whether two phrases are neighbouring windows of one longer phrase: all but
/// the first word of one starts the other ("no me llega", "me llega el").
fn overlapping(a: &str, b: &str) -> bool {
    let a: Vec<&str> = a.split_whitespace().collect();
    let b: Vec<&str> = b.split_whitespace().collect();
    let need = a.len().min(b.len()).saturating_sub(1);
    need >= 1
        && a.len() == b.len()
        && (a[a.len() - need..] == b[..need] || b[b.len() - need..] == a[..need])
}

/// Whether most of a finding's example texts contain `phrase` (as words, case
/// and punctuation aside): then the phrase rises because those texts do, and
/// it is the same finding. Phrases are stemmed and examples are not, so a word
/// of three letters or more matches a text word it begins ("keep" in "keeps").
fn mostly_in(phrase: &str, examples: &[String]) -> bool {
    let want: Vec<String> = phrase.split_whitespace().map(str::to_lowercase).collect();
    if want.is_empty() || examples.is_empty() {
        return false;
    }
    let hits = examples
        .iter()
        .filter(|text| {
            let words: Vec<String> = text
                .to_lowercase()
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect();
            words.windows(want.len()).any(|w| {
                w.iter().zip(&want).all(|(text, stem)| {
                    text == stem || (stem.chars().count() >= 3 && text.starts_with(stem.as_str()))
                })
            })
        })
        .count();
    2 * hits > examples.len()
}

/// One finding per underlying phrase. The extractor keeps phrases of a few
/// words, so a longer phrase that recurs fires as a chain of overlapping
/// windows with about the same count; they are grouped (transitively) and
/// each group reports one member: one already reported on earlier days, so
/// that a finding stays one finding, else the one with the smallest p-value.
/// `fired`: (phrase, recent count, expected count, p-value).
fn fold_overlapping(
    fired: Vec<(&str, f64, f64, f64)>,
    reported: impl Fn(&str) -> bool,
) -> Vec<(&str, f64, f64, f64)> {
    let n = fired.len();
    let mut group: Vec<usize> = (0..n).collect();
    fn root(g: &mut [usize], mut i: usize) -> usize {
        while g[i] != i {
            g[i] = g[g[i]];
            i = g[i];
        }
        i
    }
    for i in 0..n {
        for j in i + 1..n {
            let (ki, kj) = (fired[i].1, fired[j].1);
            if overlapping(fired[i].0, fired[j].0) && ki.min(kj) >= 0.7 * ki.max(kj) {
                let (ri, rj) = (root(&mut group, i), root(&mut group, j));
                group[ri] = rj;
            }
        }
    }
    let mut best: HashMap<usize, usize> = HashMap::new();
    for i in 0..n {
        let r = root(&mut group, i);
        // a total order: windows of one phrase tie on count and p-value, and the input
        // comes in hash order, which differs from run to run; without the name as the last
        // key, two runs on the same data could report the same finding under two phrases
        let better = |cur: usize| {
            let (ri, rc) = (reported(fired[i].0), reported(fired[cur].0));
            let (pi, pc) = (fired[i].3, fired[cur].3);
            (ri && !rc) || (ri == rc && (pi < pc || (pi == pc && fired[i].0 < fired[cur].0)))
        };
        match best.get(&r) {
            Some(&cur) if !better(cur) => {}
            _ => {
                best.insert(r, i);
            }
        }
    }
    let mut keep: Vec<usize> = best.into_values().collect();
    keep.sort_unstable();
    keep.into_iter().map(|i| fired[i]).collect()
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
        let nested: Vec<(&str, f64, f64, f64)> = fired
            .iter()
            .filter(|(p, k, _, _)| {
                !fired
                    .iter()
                    .any(|(q, kq, _, _)| contains_words(q, p) && *kq >= 0.7 * k)
            })
            .copied()
            .collect();
        let mut keep = fold_overlapping(nested, |p| open.contains_key(p));
        // strongest first, then by name: the first of two phrases of one complaint opens
        // the finding and the other joins it, so the order must not be the hash order
        keep.sort_by(|a, b| a.3.total_cmp(&b.3).then_with(|| a.0.cmp(b.0)));
        let end = first + (e + 1) * DAY_MS;
        let mut still: HashMap<String, Detection> = HashMap::new();
        for (p, k, expected, pv) in &keep {
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
            // A neighbouring window of a phrase reported before (or just now) is
            // the same finding, firing a day later: it extends that one.
            // (the first by name when several qualify: hash order is not stable)
            let neighbour = open
                .iter()
                .chain(still.iter())
                .filter(|(q, d)| overlapping(q, p) || mostly_in(p, &d.examples))
                .map(|(q, _)| q)
                .min()
                .cloned();
            if let Some(q) = neighbour {
                if let Some(mut d) = open.remove(&q) {
                    d.end_ms = end;
                    still.insert(q, d);
                } else if let Some(d) = still.get_mut(&q) {
                    d.end_ms = end;
                }
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
            // a phrase most of whose texts are about one topic belongs to that topic (and to
            // the team that owns it: "charged twice" to billing's); others stay on the total
            let scope = match input.phrases.main_topic(p, recent_lo, recent_hi) {
                Some((t, n, total))
                    if 2 * n > total
                        && n >= cfg.phrase_min_count
                        && !cfg.skip_topics.contains(&t) =>
                {
                    Scope::new(format!("phrase:{p}"), Dim::Topic, t)
                }
                _ => Scope::new(format!("phrase:{p}"), Dim::All, ALL_VALUE),
            };
            still.insert(
                key,
                Detection {
                    kind: DetectionKind::RecurringPhrase,
                    scope,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbouring_windows_overlap_and_others_do_not() {
        assert!(overlapping("no me llega", "me llega el"));
        assert!(overlapping("me llega el", "no me llega"));
        assert!(
            !overlapping("no me llega", "llega el paquete"),
            "one word shared"
        );
        assert!(
            !overlapping("charged twice", "twice again now"),
            "different lengths"
        );
        assert!(!overlapping("charged", "charged"));
        assert!(!overlapping("", ""));
    }

    #[test]
    fn a_phrase_is_in_a_finding_when_most_of_its_examples_hold_it() {
        let ex = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let texts = ex(&[
            "La app va muy lenta, otra vez",
            "la APP va muy lenta!!",
            "la app no abre",
        ]);
        assert!(mostly_in("va muy lenta", &texts));
        assert!(!mostly_in("no abre", &texts), "one of three");
        assert!(!mostly_in("muy lenta hoy", &texts));
        assert!(!mostly_in("", &texts));
        assert!(!mostly_in("va muy lenta", &[]));
        // stems begin the words of the text
        let texts = ex(&[
            "the app keeps logging me out",
            "app keeps logging out again",
        ]);
        assert!(mostly_in("app keep logging", &texts));
        assert!(!mostly_in("app kept logging", &texts));
    }

    #[test]
    fn tied_windows_fold_to_the_same_phrase_in_any_order() {
        let a = ("return label never", 2.0, 0.1, 1e-7);
        let b = ("label never arrive", 2.0, 0.1, 1e-7);
        for fired in [vec![a, b], vec![b, a]] {
            let kept = fold_overlapping(fired, |_| false);
            assert_eq!(kept.len(), 1);
            assert_eq!(kept[0].0, "label never arrive");
        }
    }

    #[test]
    fn a_chain_of_windows_folds_to_one_and_unrelated_phrases_stay() {
        let fired = vec![
            ("no me llega", 30.0, 3.0, 1e-9),
            ("me llega el", 29.0, 3.0, 1e-10),
            ("llega el paquete", 28.0, 3.0, 1e-8),
            ("charged twice again", 12.0, 1.0, 1e-6),
            // overlaps the chain but with a very different count: its own finding
            ("el paquete roto", 8.0, 1.0, 1e-5),
        ];
        let kept = fold_overlapping(fired.clone(), |_| false);
        let names: Vec<&str> = kept.iter().map(|f| f.0).collect();
        assert_eq!(
            names,
            ["me llega el", "charged twice again", "el paquete roto"]
        );
        // one already reported on earlier days stays the group's face
        let kept = fold_overlapping(fired, |p| p == "llega el paquete");
        assert_eq!(kept[0].0, "llega el paquete");
        assert_eq!(kept.len(), 3);
    }
}
