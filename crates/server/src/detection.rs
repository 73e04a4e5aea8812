//! Detection over the stored rollups: load cells, feedback phrases and the
//! change log, run the analytics detectors, store what they find as insights
//! (raising a signed webhook for each new one).

use analytics::detect::{DetectConfig, DetectInput, Incident};
use analytics::phrases::PhraseCounts;
use analytics::rollup::{Dim, Grain};
use store::{NewInsight, Store};

const DAY_MS: i64 = 86_400_000;
/// History loaded before the detection window, for baselines.
const BASELINE_DAYS: i64 = 63;

#[derive(Debug, serde::Serialize)]
pub struct DetectionRun {
    pub from_ms: i64,
    pub as_of_ms: i64,
    pub cells: usize,
    pub incidents: Vec<Incident>,
    /// Ids of the insights raised by this run (new fingerprints).
    pub raised: Vec<String>,
    pub secs: f64,
}

/// A stable identity for an incident across runs: its kinds, scope and
/// start day. A later run that sees the same incident grow refreshes the
/// stored insight instead of raising a new one.
pub fn fingerprint(inc: &Incident) -> String {
    let mut kinds: Vec<&str> = inc.detections.iter().map(|d| d.kind.as_str()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    format!(
        "{}|{}|{}={}|{}",
        kinds.join("+"),
        inc.scope.metric,
        inc.scope.dim.as_str(),
        inc.scope.value,
        inc.start_ms.div_euclid(DAY_MS)
    )
}

fn new_insight(inc: &Incident, cfg: &DetectConfig, continues: Option<String>) -> NewInsight {
    let kind = inc
        .detections
        .first()
        .map_or(analytics::detect::DetectionKind::Spike, |d| d.kind);
    NewInsight {
        fingerprint: fingerprint(inc),
        kind: kind.as_str().to_string(),
        title: inc.title(),
        owner_team: cfg.owners.owner(kind, &inc.scope).to_string(),
        severity: inc.severity,
        scope: serde_json::to_value(&inc.scope).unwrap_or_default(),
        window_start_ms: inc.start_ms,
        window_end_ms: inc.end_ms,
        detected_ms: inc.detected_at_ms,
        detail: serde_json::to_value(inc).unwrap_or_default(),
        continues,
    }
}

/// Stores a run's incidents as insights (see [`continuing`]); returns the ids of the insights
/// newly raised.
pub async fn store_incidents(
    store: &Store,
    incidents: &[Incident],
    from_ms: i64,
    cfg: &DetectConfig,
    actor: &str,
) -> Result<Vec<String>, store::StoreError> {
    let found = continuing(store, incidents, from_ms, cfg).await?;
    store.upsert_insights(&found, actor).await
}

/// The insights to store for a run's incidents. An incident that shares a finding with a
/// stored insight (same kind and scope, windows within a day) updates it, merged with what
/// it already held: runs over different ranges see different pieces of one story (another
/// window of a phrase, a trend that did not join), and each piece must not become a new
/// insight. Only insights whose window ends after the run's range starts (less two days)
/// are candidates.
async fn continuing(
    store: &Store,
    incidents: &[Incident],
    from_ms: i64,
    cfg: &DetectConfig,
) -> Result<Vec<NewInsight>, store::StoreError> {
    let mut stored: Vec<(String, Incident)> = store
        .list_insights(&store::InsightFilter {
            ends_after_ms: Some(from_ms - 2 * DAY_MS),
            without_history: true,
            limit: 1000,
            ..Default::default()
        })
        .await?
        .into_iter()
        .filter_map(|r| Some((r.id, serde_json::from_value(r.detail).ok()?)))
        .collect();
    let mut updated: Vec<usize> = Vec::new();
    let mut out = Vec::new();
    for inc in incidents {
        match stored
            .iter()
            .position(|(_, s)| analytics::detect::continues(s, inc))
        {
            Some(i) => {
                stored[i].1 = analytics::detect::merge(&stored[i].1, inc.clone(), cfg);
                if !updated.contains(&i) {
                    updated.push(i);
                }
            }
            None => out.push(new_insight(inc, cfg, None)),
        }
    }
    for i in updated {
        let (id, inc) = &stored[i];
        out.push(new_insight(inc, cfg, Some(id.clone())));
    }
    Ok(out)
}

/// Key-phrase counts of the feedback and survey comments stored in `[from_ms, to_ms)`.
pub async fn phrase_counts(
    store: &Store,
    enricher: &nlp::Enricher,
    from_ms: i64,
    to_ms: i64,
) -> Result<PhraseCounts, store::StoreError> {
    let mut phrases = PhraseCounts::new();
    for (at_ms, text) in store.comments(from_ms, to_ms).await? {
        let (topic, found) = enricher.topic_and_phrases(&text);
        phrases.add(store::from_ms(at_ms), &found, &text, topic.as_deref());
    }
    Ok(phrases)
}

/// Runs the detectors for findings that end at or after `from_ms`, using only
/// data before `as_of_ms`, and stores them as insights.
pub async fn run(
    store: &Store,
    enricher: &nlp::Enricher,
    cfg: &DetectConfig,
    from_ms: i64,
    as_of_ms: i64,
    actor: &str,
) -> Result<DetectionRun, store::StoreError> {
    let started = std::time::Instant::now();
    let load_from = from_ms - BASELINE_DAYS * DAY_MS;
    let idx = crate::rollups::load_index(
        store,
        &[Grain::Hour, Grain::Day],
        &Dim::ALL,
        load_from,
        as_of_ms,
        analytics::detect::SKETCHES,
    )
    .await?;
    let phrases = phrase_counts(store, enricher, load_from, as_of_ms).await?;
    let changes = store.changes(load_from - 30 * DAY_MS, as_of_ms).await?;
    let input = DetectInput {
        cells: &idx,
        phrases: &phrases,
        changes: &changes,
        from_ms,
        as_of_ms,
    };
    let incidents = analytics::detect::detect_all(&input, cfg);
    let raised = store_incidents(store, &incidents, from_ms, cfg, actor).await?;
    Ok(DetectionRun {
        from_ms,
        as_of_ms,
        cells: idx.len(),
        incidents,
        raised,
        secs: started.elapsed().as_secs_f64(),
    })
}
