//! `earshot analytics`: rollups, series, detection and insights.

use crate::cli::{AnalyticsArgs, AnalyticsCommand};
use std::process::ExitCode;
use std::time::Instant;

fn insight_status(s: &str) -> anyhow::Result<analytics::insight::InsightStatus> {
    analytics::insight::InsightStatus::parse(s).ok_or_else(|| {
        anyhow::anyhow!(
            "unknown insight status '{s}' (expected new, acknowledged, actioned or dismissed)"
        )
    })
}

pub async fn run(
    settings: &server::Settings,
    args: AnalyticsArgs,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let store = store::Store::open(&settings.database_url()).await?;
    match args.command {
        AnalyticsCommand::Rebuild => {
            let t = Instant::now();
            let cells = server::rollups::rebuild(&store, &settings.attribution()).await?;
            // the rebuild replaced every cell: clear the old versions (PostgreSQL)
            store.tidy().await?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({ "cells": cells, "secs": t.elapsed().as_secs_f64() })
                );
            } else {
                println!(
                    "rebuilt {cells} rollup cells in {:.2} s",
                    t.elapsed().as_secs_f64()
                );
            }
        }
        AnalyticsCommand::Detect { from, to } => {
            let to_ms = match &to {
                Some(t) => {
                    store::to_ms(server::metrics::parse_time("to", t).map_err(anyhow::Error::msg)?)
                }
                None => {
                    let now = store::to_ms(time::OffsetDateTime::now_utc());
                    match server::rollups::latest_hour_end(&store, now).await? {
                        // an imported history that ended long ago: judging up to now would
                        // report the silence since as a coverage gap of the total
                        Some(end) if now - end > SILENCE_MS => {
                            eprintln!(
                                "the stored data ends at {} ({:.0} h ago): detecting up to then; pass --to to judge the silence since",
                                store::rfc3339(end),
                                (now - end) as f64 / analytics::rollup::HOUR_MS as f64
                            );
                            end
                        }
                        _ => now,
                    }
                }
            };
            let from_ms = match &from {
                Some(f) => store::to_ms(
                    server::metrics::parse_time("from", f).map_err(anyhow::Error::msg)?,
                ),
                None => to_ms - 28 * 86_400_000,
            };
            anyhow::ensure!(
                from_ms < to_ms,
                "the range is empty or reversed: --from must be before --to"
            );
            let pipeline = server::Pipeline::load(store.clone(), settings).await?;
            let enrichers = pipeline.enrichers();
            let run = server::detection::run(
                &store,
                &enrichers.default,
                &settings.analytics.detect,
                from_ms,
                to_ms,
                "cli:analytics-detect",
            )
            .await?;
            if json {
                println!("{}", serde_json::to_string(&run)?);
            } else {
                print_run(&run);
            }
        }
        AnalyticsCommand::Insights {
            status,
            team,
            limit,
        } => {
            if let Some(s) = &status {
                insight_status(s)?;
            }
            anyhow::ensure!(
                (1..=1000).contains(&limit),
                "--limit must be between 1 and 1000"
            );
            let rows = store
                .list_insights(&store::InsightFilter {
                    status,
                    owner_team: team,
                    limit,
                    ..Default::default()
                })
                .await?;
            if json {
                println!("{}", serde_json::to_string(&rows)?);
            } else if rows.is_empty() {
                println!("no insights");
            } else {
                for r in rows {
                    println!(
                        "{}  [{:.2}] {:<12} {:<12} {}",
                        r.id, r.severity, r.status, r.owner_team, r.title
                    );
                }
            }
        }
        AnalyticsCommand::Status {
            id,
            to,
            actor,
            note,
        } => {
            let to_status = insight_status(&to)?;
            anyhow::ensure!(!actor.trim().is_empty(), "--actor must not be blank");
            store
                .set_insight_status(&id, to_status.as_str(), &actor, note.as_deref(), |from| {
                    let from = insight_status(from)?;
                    analytics::insight::transition(from, to_status)
                        .map(|_| ())
                        .map_err(anyhow::Error::from)
                })
                .await??;
            println!("insight {id} is {}", to_status.as_str());
        }
        AnalyticsCommand::FollowThrough { id, as_of } => {
            let as_of = server::metrics::parse_time_or_now("as_of", as_of.as_deref())
                .map_err(anyhow::Error::msg)?;
            let row = store
                .get_insight(&id)
                .await?
                .ok_or_else(|| anyhow::anyhow!("insight {id} not found"))?;
            let pipeline = server::Pipeline::load(store.clone(), settings).await?;
            let enrichers = pipeline.enrichers();
            let f =
                server::insights::follow_through(&store, &enrichers.default, &row, as_of).await?;
            if json {
                println!("{}", serde_json::to_string(&f)?);
            } else {
                println!("{}: {}", f.verdict.as_str(), f.reason);
            }
        }
        AnalyticsCommand::Digest { team, week_end } => {
            let end = server::metrics::parse_time_or_now("week_end", week_end.as_deref())
                .map_err(anyhow::Error::msg)?;
            let pipeline = server::Pipeline::load(store.clone(), settings).await?;
            let enrichers = pipeline.enrichers();
            let digests =
                server::insights::digest(&store, &enrichers.default, end, 7.0, team.as_deref())
                    .await?;
            if json {
                println!("{}", serde_json::to_string(&digests)?);
            } else if digests.is_empty() {
                println!("no insights");
            } else {
                for d in digests {
                    println!(
                        "{}: {} open, {} actioned this week, {} untouched, {} to follow up",
                        d.team,
                        d.open.len(),
                        d.actioned_this_week.len(),
                        d.untouched.len(),
                        d.follow_through.len()
                    );
                    for i in d.open.iter().take(10) {
                        println!(
                            "  open       [{:.2}] {} ({}, idle {:.1} d)",
                            i.severity,
                            i.title,
                            i.status.as_str(),
                            i.idle_days
                        );
                    }
                    for i in &d.actioned_this_week {
                        println!("  actioned   {}", i.title);
                    }
                    for i in &d.untouched {
                        println!("  untouched  {} (idle {:.1} d)", i.title, i.idle_days);
                    }
                    for i in &d.follow_through {
                        let verdict = i.outcome.as_ref().map_or("—", |o| o.verdict.as_str());
                        println!(
                            "  follow-up  {verdict:<12} {} (actioned {:.1} d ago)",
                            i.title, i.idle_days
                        );
                        if let Some(o) = &i.outcome {
                            println!("             {}", o.reason);
                        }
                    }
                }
            }
        }
        AnalyticsCommand::Series {
            metric,
            interval,
            dimension,
            value,
            from,
            to,
        } => {
            let q = server::rollups::SeriesQuery::parse(
                &metric,
                &interval,
                Some(&dimension),
                value.as_deref(),
                from.as_deref(),
                to.as_deref(),
            )
            .map_err(anyhow::Error::msg)?;
            let series = q.run(&store).await?;
            if json {
                println!("{}", serde_json::to_string(&series)?);
            } else {
                for s in series {
                    println!("{} [{}={}]", metric, s.dim.as_str(), s.value);
                    for p in s.points {
                        let at = store::from_ms(p.bucket_ms)
                            .format(&time::format_description::well_known::Rfc3339)
                            .unwrap_or_default();
                        let v = p
                            .value
                            .map_or_else(|| "-".to_string(), |v| format!("{v:.3}"));
                        println!("  {at}  {v:>12}  (n={})", p.support);
                    }
                }
            }
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// Without `--to`, data that stopped this long ago ends the detection window.
const SILENCE_MS: i64 = 6 * analytics::rollup::HOUR_MS;

/// A detection run as text: the count, then each incident with its top three causes.
pub fn print_run(run: &server::detection::DetectionRun) {
    println!(
        "{} incidents ({} new insights) from {} cells in {:.2} s",
        run.incidents.len(),
        run.raised.len(),
        run.cells,
        run.secs
    );
    for inc in &run.incidents {
        let when = store::rfc3339(inc.start_ms);
        println!("  [{:.2}] {} from {when}", inc.severity, inc.title());
        for c in inc.causes.iter().take(3) {
            println!(
                "      probable cause: {} ({}, {}, owner {})",
                c.title,
                c.kind,
                lag_words(c.lag_hours),
                c.owner_team
            );
        }
    }
}

/// "14 h before", "at the start", "6 h after the start": a change may come within the
/// finding's first bucket, after its estimated start.
fn lag_words(hours: f64) -> String {
    if hours.abs() < 0.5 {
        "at the start".into()
    } else if hours > 0.0 {
        format!("{hours:.0} h before")
    } else {
        format!("{:.0} h after the start", -hours)
    }
}

#[cfg(test)]
mod tests {
    use super::lag_words;

    #[test]
    fn a_change_after_the_start_is_not_negative_hours_before() {
        assert_eq!(lag_words(14.2), "14 h before");
        assert_eq!(lag_words(-0.2), "at the start");
        assert_eq!(lag_words(-6.0), "6 h after the start");
    }
}
