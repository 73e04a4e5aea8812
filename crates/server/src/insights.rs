//! Insights as the analytics crate's workflow sees them: stored rows turned
//! into records with their status history, for the weekly digest.

use analytics::insight::{InsightRecord, InsightStatus, StatusChange, TeamDigest};
use store::Store;

fn status(s: &str) -> Option<InsightStatus> {
    use InsightStatus::*;
    [New, Acknowledged, Actioned, Dismissed]
        .into_iter()
        .find(|x| x.as_str() == s)
}

/// The weekly digest per owner team for the week ending at `week_end_ms`.
pub async fn digest(
    store: &Store,
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
    let records: Vec<InsightRecord> = rows
        .into_iter()
        .map(|r| InsightRecord {
            id: r.id,
            title: r.title,
            owner_team: r.owner_team,
            severity: r.severity,
            created_ms: store::to_ms(r.created_at),
            // The first history entry is the raise itself (status new).
            history: r
                .history
                .iter()
                .skip(1)
                .filter_map(|h| {
                    Some(StatusChange {
                        status: status(&h.to_status)?,
                        at_ms: store::to_ms(h.at),
                        actor: h.actor.clone(),
                    })
                })
                .collect(),
        })
        .collect();
    Ok(analytics::insight::weekly_digest(
        &records,
        week_end_ms,
        stale_days,
    ))
}
