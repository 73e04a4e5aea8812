//! Insights as the analytics crate's workflow sees them: stored rows turned
//! into records with their status history, for the weekly digest, and the
//! follow-through of an actioned insight measured on the stored rollups.

use analytics::detect::Incident;
use analytics::follow_through::{AFTER_MAX_DAYS, BEFORE_DAYS, FollowInput, FollowThrough};
use analytics::insight::{InsightRecord, InsightStatus, StatusChange, TeamDigest};
use analytics::phrases::PhraseCounts;
use analytics::rollup::{DAY_MS, Dim, Grain, HOUR_MS};
use store::{InsightRow, Store};

#[derive(Debug, thiserror::Error)]
pub enum FollowThroughError {
    #[error("insight {id} is {status}: its follow-through starts when it is actioned")]
    NotActioned { id: String, status: String },
    #[error("insight {0} has no finding in its stored detail")]
    NoFinding(String),
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

fn record(r: &InsightRow) -> InsightRecord {
    InsightRecord {
        id: r.id.clone(),
        title: r.title.clone(),
        owner_team: r.owner_team.clone(),
        severity: r.severity,
        created_ms: store::to_ms(r.created_at),
        // The first history entry is the raise itself (status new).
        history: r
            .history
            .iter()
            .skip(1)
            .filter_map(|h| {
                Some(StatusChange {
                    status: InsightStatus::parse(&h.to_status)?,
                    at_ms: store::to_ms(h.at),
                    actor: h.actor.clone(),
                })
            })
            .collect(),
    }
}

/// Whether the metric of an actioned insight came back since the action,
/// judged with data before `now_ms` (see `analytics::follow_through`). A
/// `now_ms` later than the present, or than the end of the stored data (an
/// imported history that ended), is judged as of that end: hours without data
/// are not observed, and an empty after period would read as a fall to zero.
pub async fn follow_through(
    store: &Store,
    enricher: &nlp::Enricher,
    row: &InsightRow,
    now_ms: i64,
) -> Result<FollowThrough, FollowThroughError> {
    let now_ms = observed_until(store, now_ms).await?;
    judge(store, enricher, row, now_ms).await
}

/// `now_ms`, or the present or the end of the stored data if earlier.
async fn observed_until(store: &Store, now_ms: i64) -> Result<i64, store::StoreError> {
    let now_ms = now_ms.min(store::to_ms(time::OffsetDateTime::now_utc()));
    Ok(
        match crate::rollups::latest_hour_end(store, now_ms).await? {
            Some(end) => now_ms.min(end),
            None => now_ms,
        },
    )
}

/// [`follow_through`] as of `now_ms`, already no later than the data.
async fn judge(
    store: &Store,
    enricher: &nlp::Enricher,
    row: &InsightRow,
    now_ms: i64,
) -> Result<FollowThrough, FollowThroughError> {
    let actioned_ms = record(row)
        .actioned_ms()
        .ok_or_else(|| FollowThroughError::NotActioned {
            id: row.id.clone(),
            status: row.status.clone(),
        })?;
    let incident: Incident = serde_json::from_value(row.detail.clone())
        .map_err(|_| FollowThroughError::NoFinding(row.id.clone()))?;
    let finding = incident
        .detections
        .first()
        .ok_or_else(|| FollowThroughError::NoFinding(row.id.clone()))?;
    let scope = &finding.scope;
    let from = finding.start_ms - BEFORE_DAYS * DAY_MS;
    let to = now_ms.min(actioned_ms + AFTER_MAX_DAYS * DAY_MS + 2 * HOUR_MS);
    let sketches = analytics::Metric::parse(&scope.metric)
        .map_or(analytics::SketchSet::NONE, analytics::Metric::sketches);
    let mut dims = vec![scope.dim];
    if scope.dim != Dim::All {
        dims.push(Dim::All);
    }
    let cells =
        crate::rollups::load_index(store, &[Grain::Hour], &dims, from, to, sketches).await?;
    // only a phrase reads the feedback (the rest is in the cells)
    let phrases = if scope.metric.starts_with("phrase:") {
        crate::detection::phrase_counts(store, enricher, from, to).await?
    } else {
        PhraseCounts::new()
    };
    let input = FollowInput {
        cells: &cells,
        phrases: &phrases,
    };
    Ok(analytics::follow_through::follow_through(
        &input,
        finding,
        actioned_ms,
        now_ms,
    ))
}

/// The weekly digest per owner team for the week ending at `week_end_ms`,
/// with the outcome of each insight on the follow-through lists.
pub async fn digest(
    store: &Store,
    enricher: &nlp::Enricher,
    week_end_ms: i64,
    stale_days: f64,
    team: Option<&str>,
) -> Result<Vec<TeamDigest>, store::StoreError> {
    let rows = store
        .list_insights(&store::InsightFilter {
            owner_team: team.map(str::to_string),
            limit: 1000,
            ..Default::default()
        })
        .await?;
    let records: Vec<InsightRecord> = rows.iter().map(record).collect();
    let mut digests = analytics::insight::weekly_digest(&records, week_end_ms, stale_days);
    // where the data ends is looked up once for all the insights to follow
    let judged_at = if digests.iter().any(|d| !d.follow_through.is_empty()) {
        observed_until(store, week_end_ms).await?
    } else {
        week_end_ms
    };
    for d in &mut digests {
        for item in &mut d.follow_through {
            let Some(row) = rows.iter().find(|r| r.id == item.id) else {
                continue;
            };
            match judge(store, enricher, row, judged_at).await {
                Ok(f) => item.outcome = Some(f.outcome()),
                Err(FollowThroughError::Store(e)) => return Err(e),
                // an insight stored without a finding has no outcome to show
                Err(e) => tracing::warn!(insight = %row.id, "no follow-through: {e}"),
            }
        }
    }
    Ok(digests)
}
