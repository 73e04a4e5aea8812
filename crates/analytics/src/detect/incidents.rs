//! Incidents (8): detections that overlap in time and scope become one incident, ranked by
//! severity.

use super::{Cause, DetectConfig, Detection, Incident};
use crate::rollup::{DAY_MS, Dim, HOUR_MS};

fn related(a: &Detection, b: &Detection) -> bool {
    let slack = if a.kind.hourly() && b.kind.hourly() {
        3 * HOUR_MS
    } else {
        DAY_MS
    };
    let overlap = a.start_ms <= b.end_ms + slack && b.start_ms <= a.end_ms + slack;
    if !overlap {
        return false;
    }
    let same = a.scope.dim == b.scope.dim && a.scope.value == b.scope.value;
    let total = a.scope.dim == Dim::All || b.scope.dim == Dim::All;
    // Different dimensions (a topic and a channel) join only for short-lived findings that
    // start close together: one burst seen through two cuts.
    let close =
        a.kind.hourly() && b.kind.hourly() && (a.start_ms - b.start_ms).abs() <= 3 * HOUR_MS;
    same || total || close
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
