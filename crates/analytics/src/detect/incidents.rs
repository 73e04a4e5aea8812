//! Incidents (8): detections that overlap in time and scope become one incident, ranked by
//! severity.

use super::{Cause, DetectConfig, Detection, Incident};
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
    let total = (a.scope.dim == Dim::All || b.scope.dim == Dim::All) && began_together;
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
        .filter_map(|mut ds| {
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
        })
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
            grouped(&incidents, |d| format!(
                "{}:{}",
                d.scope.metric, d.scope.value
            )),
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
