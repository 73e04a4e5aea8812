//! Incidents (8): detections that overlap in time and scope become one incident, ranked by
//! severity.

use super::{Cause, DetectConfig, Detection, DetectionKind, Incident};
use crate::rollup::{DAY_MS, Dim, HOUR_MS};

fn related(a: &Detection, b: &Detection) -> bool {
    let both_hourly = a.kind.hourly() && b.kind.hourly();
    let slack = if both_hourly { 3 * HOUR_MS } else { DAY_MS };
    let overlap = a.start_ms <= b.end_ms + slack && b.start_ms <= a.end_ms + slack;
    if !overlap {
        return false;
    }
    let apart = (a.start_ms - b.start_ms).abs();
    // A lasting finding joins another when they began together (one story seen in two
    // metrics, or in the total and in a cut), not merely while it lasts: a step that stays
    // keeps its trend open for weeks, and every later finding would otherwise join it and
    // through it everything else (union–find chains: 7 days let a login trend, a phrase and
    // a courier trend of the demo, a week apart each, become one). Daily onsets are known
    // to a few days (a CUSUM's onset is the day it last left zero).
    let began_together = apart <= if both_hourly { 3 * HOUR_MS } else { 3 * DAY_MS };
    // the same metric of the same cut is one finding reported in pieces
    let same_finding = a.scope == b.scope;
    let same_cut = a.scope.dim == b.scope.dim && a.scope.value == b.scope.value;
    let same = same_finding || (same_cut && (both_hourly || began_together));
    // A phrase scoped to the total is one whose texts have no main topic: "all" says where
    // it was not found, not that the total moved, so it joins a cut's finding only through
    // the rules above (the same cut), not by beginning the same week.
    let on_total =
        |d: &Detection| d.scope.dim == Dim::All && d.kind != DetectionKind::RecurringPhrase;
    let total = (on_total(a) || on_total(b)) && began_together;
    // Different dimensions (a topic and a channel) join only for short-lived findings that
    // start close together: one burst seen through two cuts.
    let close = both_hourly && apart <= 3 * HOUR_MS;
    // The same metric in a cut and on the total while they overlap: the total moves because
    // the cut does, and a total's CUSUM crosses its threshold days after the cut's (a channel
    // left unanswered drags the total's response rate down a week later).
    let echo =
        a.scope.metric == b.scope.metric && (a.scope.dim == Dim::All) != (b.scope.dim == Dim::All);
    same || total || close || echo
}

/// One group of detections as an incident; `None` for an empty group.
fn incident_of(mut ds: Vec<Detection>, cfg: &DetectConfig) -> Option<Incident> {
    ds.sort_by(|a, b| b.severity.total_cmp(&a.severity));
    let top = ds.first()?;
    let scope = top.scope.clone();
    let severity = (top.severity + 0.05 * (ds.len() as f64 - 1.0)).min(1.0);
    let start_ms = ds.iter().map(|d| d.start_ms).min()?;
    let end_ms = ds.iter().map(|d| d.end_ms).max()?;
    let detected_at_ms = ds.iter().map(|d| d.detected_at_ms).min()?;
    let mut causes: Vec<Cause> = Vec::new();
    for c in ds.iter().flat_map(|d| d.probable_causes.iter()) {
        match causes.iter_mut().find(|x| x.change_id == c.change_id) {
            Some(x) if x.score >= c.score => {}
            Some(x) => *x = c.clone(),
            None => causes.push(c.clone()),
        }
    }
    causes.sort_by(|a, b| b.score.total_cmp(&a.score));
    causes.truncate(cfg.max_causes);
    Some(Incident {
        detections: ds,
        scope,
        start_ms,
        end_ms,
        detected_at_ms,
        severity,
        causes,
    })
}

/// The same finding seen by two runs: same kind and scope, windows within a day of each other.
pub fn same_finding(a: &Detection, b: &Detection) -> bool {
    a.kind == b.kind
        && a.scope == b.scope
        && a.start_ms <= b.end_ms + DAY_MS
        && b.start_ms <= a.end_ms + DAY_MS
}

/// Whether `new` (from a later run) continues `stored`: they share a finding. Runs over
/// different ranges see different pieces of one story (a phrase's window, which findings
/// joined), so an incident's identity is its findings, not its exact composition.
pub fn continues(stored: &Incident, new: &Incident) -> bool {
    new.detections
        .iter()
        .any(|d| stored.detections.iter().any(|s| same_finding(s, d)))
}

/// `stored` updated by a later run's `new` incident that continues it. Of a finding seen by
/// both, the more severe view is kept (the newer on a tie), spanning both windows and dated
/// to the first report: a run over a shorter or later range sees less of the same story and
/// must not shrink it. The stored findings not seen again are kept.
pub fn merge(stored: &Incident, new: Incident, cfg: &DetectConfig) -> Incident {
    let mut ds: Vec<Detection> = stored
        .detections
        .iter()
        .filter(|s| !new.detections.iter().any(|d| same_finding(s, d)))
        .cloned()
        .collect();
    for d in &new.detections {
        let mut kept = d.clone();
        for s in stored.detections.iter().filter(|s| same_finding(s, d)) {
            let (start, end, first) = (kept.start_ms, kept.end_ms, kept.detected_at_ms);
            if s.severity > kept.severity {
                kept = s.clone();
            }
            kept.start_ms = start.min(s.start_ms);
            kept.end_ms = end.max(s.end_ms);
            kept.detected_at_ms = first.min(s.detected_at_ms);
        }
        ds.push(kept);
    }
    incident_of(ds, cfg).unwrap_or(new)
}

fn find(parent: &mut [usize], i: usize) -> usize {
    let mut r = i;
    while parent[r] != r {
        r = parent[r];
    }
    let mut i = i;
    while parent[i] != r {
        let next = parent[i];
        parent[i] = r;
        i = next;
    }
    r
}

/// Groups detections into incidents (union of related pairs), most severe first. An
/// incident's severity is its top detection's plus 0.05 for each further detection (at most
/// 1); its causes are the union of its detections' causes, best score first.
pub fn combine(dets: Vec<Detection>, cfg: &DetectConfig) -> Vec<Incident> {
    let n = dets.len();
    let mut parent: Vec<usize> = (0..n).collect();
    for i in 0..n {
        for j in i + 1..n {
            if related(&dets[i], &dets[j]) {
                let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                if a != b {
                    parent[b] = a;
                }
            }
        }
    }
    let mut groups: std::collections::BTreeMap<usize, Vec<Detection>> = Default::default();
    for (i, d) in dets.into_iter().enumerate() {
        let r = find(&mut parent, i);
        groups.entry(r).or_default().push(d);
    }
    let mut out: Vec<Incident> = groups
        .into_values()
        .filter_map(|ds| incident_of(ds, cfg))
        .collect();
    out.sort_by(|a, b| {
        b.severity
            .total_cmp(&a.severity)
            .then(a.start_ms.cmp(&b.start_ms))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::{DetectionKind, Scope};

    fn det(kind: DetectionKind, dim: Dim, value: &str, start_h: i64, end_h: i64) -> Detection {
        Detection {
            kind,
            scope: Scope::new(kind.as_str(), dim, value),
            start_ms: start_h * HOUR_MS,
            end_ms: end_h * HOUR_MS,
            detected_at_ms: end_h * HOUR_MS,
            baseline: 1.0,
            observed: 2.0,
            statistic: "t".into(),
            statistic_value: 0.0,
            p_value: 1e-9,
            severity: 0.5,
            examples: vec![],
            probable_causes: vec![],
        }
    }

    /// A slow bleed of `metric` over days `[from, to)`.
    fn bleed(metric: &str, dim: Dim, value: &str, from: i64, to: i64) -> Detection {
        let mut d = det(DetectionKind::SlowBleed, dim, value, from * 24, to * 24);
        d.scope.metric = metric.into();
        d
    }

    /// Each incident's detections as sorted labels, incidents sorted.
    fn grouped(incidents: &[Incident], label: impl Fn(&Detection) -> String) -> Vec<Vec<String>> {
        let mut groups: Vec<Vec<String>> = incidents
            .iter()
            .map(|i| {
                let mut v: Vec<String> = i.detections.iter().map(&label).collect();
                v.sort();
                v
            })
            .collect();
        groups.sort();
        groups
    }

    /// Incidents as groups of "metric:value" labels.
    fn by_metric(incidents: &[Incident]) -> Vec<Vec<String>> {
        grouped(incidents, |d| {
            format!("{}:{}", d.scope.metric, d.scope.value)
        })
    }

    #[test]
    fn the_total_echoing_a_cut_in_the_same_metric_is_one_incident() {
        let dets = vec![
            bleed("response_rate", Dim::Channel, "facebook", 30, 60),
            // the total's response rate crosses its threshold eight days later
            bleed("response_rate", Dim::All, "all", 38, 60),
            // another metric on the total, begun later: not the same story
            bleed("sentiment_mean", Dim::All, "all", 45, 60),
            // the same metric in another channel, after the first ended: its own incident
            bleed("response_rate", Dim::Channel, "x", 70, 80),
        ];
        let incidents = combine(dets, &DetectConfig::default());
        assert_eq!(
            by_metric(&incidents),
            vec![
                vec![
                    "response_rate:all".to_string(),
                    "response_rate:facebook".to_string()
                ],
                vec!["response_rate:x".to_string()],
                vec!["sentiment_mean:all".to_string()],
            ],
            "{incidents:#?}"
        );
    }

    #[test]
    fn a_phrase_without_a_topic_does_not_join_a_cut_by_beginning_the_same_week() {
        let phrase = |dim: Dim, value: &str, from: i64| {
            let mut d = det(
                DetectionKind::RecurringPhrase,
                dim,
                value,
                from * 24,
                (from + 7) * 24,
            );
            d.scope.metric = "phrase:trop lent".into();
            d
        };
        let dets = vec![
            bleed("response_rate", Dim::Channel, "tiktok", 30, 60),
            // a phrase with no main topic, two days later
            phrase(Dim::All, "all", 32),
            // the total's sentiment, begun with the phrase: the same cut, one story
            bleed("sentiment_mean", Dim::All, "all", 34, 60),
            // a phrase about billing, with billing's repeat rate
            phrase(Dim::Topic, "billing", 50),
            bleed("repeat_rate", Dim::Topic, "billing", 51, 60),
        ];
        let incidents = combine(dets, &DetectConfig::default());
        assert_eq!(
            by_metric(&incidents),
            vec![
                vec![
                    "phrase:trop lent:all".to_string(),
                    "sentiment_mean:all".to_string()
                ],
                vec![
                    "phrase:trop lent:billing".to_string(),
                    "repeat_rate:billing".to_string()
                ],
                vec!["response_rate:tiktok".to_string()],
            ],
            "{incidents:#?}"
        );
    }

    #[test]
    fn a_later_run_continues_and_merges_into_the_stored_incident() {
        let cfg = DetectConfig::default();
        let phrase = |from: i64, to: i64| {
            let mut d = bleed("phrase:return window", Dim::Topic, "refund", from, to);
            d.kind = DetectionKind::RecurringPhrase;
            d
        };
        let trend = |from: i64, to: i64| {
            let mut d = bleed("conversation_share", Dim::Topic, "refund", from, to);
            d.kind = DetectionKind::TopicTrend;
            d
        };
        // the whole history: the phrase from day 29 and the topic's trend, one incident
        let stored = combine(vec![phrase(29, 40), trend(29, 63)], &cfg);
        assert_eq!(stored.len(), 1);
        // a run over the last four weeks sees the phrase's window from day 40 apart from the
        // trend, whose onset it puts at day 35; and a new phrase window from day 50
        let later = combine(vec![phrase(40, 48), trend(35, 63), phrase(50, 56)], &cfg);
        assert_eq!(later.len(), 3, "{later:#?}");
        let (cont, fresh): (Vec<Incident>, Vec<Incident>) =
            later.into_iter().partition(|i| continues(&stored[0], i));
        assert_eq!(cont.len(), 2);
        assert_eq!(fresh[0].start_ms, 50 * DAY_MS);
        let mut merged = stored[0].clone();
        for inc in cont {
            merged = merge(&merged, inc, &cfg);
        }
        let mut ds: Vec<(i64, i64, &str)> = merged
            .detections
            .iter()
            .map(|d| (d.start_ms / DAY_MS, d.end_ms / DAY_MS, d.kind.as_str()))
            .collect();
        ds.sort();
        // each stored finding replaced by its continuation, from the earlier onset
        assert_eq!(
            ds,
            vec![(29, 48, "recurring_phrase"), (29, 63, "topic_trend")]
        );
        assert_eq!(merged.start_ms, 29 * DAY_MS);
        // a weaker view of a finding does not lower what the stored one showed
        let mut strong = phrase(29, 40);
        strong.severity = 0.9;
        let stored = combine(vec![strong], &cfg);
        let weak = combine(vec![phrase(38, 45)], &cfg);
        let kept = merge(&stored[0], weak.into_iter().next().unwrap(), &cfg);
        assert_eq!(kept.detections.len(), 1);
        assert_eq!(kept.detections[0].severity, 0.9);
        assert_eq!(
            (kept.start_ms / DAY_MS, kept.end_ms / DAY_MS),
            (29, 45),
            "spans both windows"
        );
        // another scope, or the same one a month later, is not a continuation
        let other = combine(vec![trend(80, 90)], &cfg);
        assert!(!continues(&stored[0], &other[0]));
    }

    #[test]
    fn a_lasting_trend_does_not_swallow_later_findings_on_the_total() {
        let day = 24;
        let dets = vec![
            // a topic's share stepped up on day 10 and stays up to day 60
            det(
                DetectionKind::TopicTrend,
                Dim::Topic,
                "delivery",
                10 * day,
                60 * day,
            ),
            // an outage on day 40, seen on the total and on the outage topic within an hour
            det(
                DetectionKind::Spike,
                Dim::All,
                "all",
                40 * day + 13,
                40 * day + 17,
            ),
            det(
                DetectionKind::Spike,
                Dim::Topic,
                "outage",
                40 * day + 14,
                40 * day + 17,
            ),
            // another topic's trend from day 30
            det(
                DetectionKind::TopicTrend,
                Dim::Topic,
                "refund",
                30 * day,
                60 * day,
            ),
            // the total's sentiment slides from day 31: it began with the refund trend
            det(
                DetectionKind::SlowBleed,
                Dim::All,
                "all",
                31 * day,
                60 * day,
            ),
        ];
        let incidents = combine(dets, &DetectConfig::default());
        assert_eq!(
            grouped(&incidents, |d| format!(
                "{}:{}",
                d.kind.as_str(),
                d.scope.value
            )),
            vec![
                vec![
                    "slow_bleed:all".to_string(),
                    "topic_trend:refund".to_string()
                ],
                vec!["spike:all".to_string(), "spike:outage".to_string()],
                vec!["topic_trend:delivery".to_string()],
            ],
            "{incidents:#?}"
        );
    }
}
