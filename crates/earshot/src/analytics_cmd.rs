//! `earshot analytics`: rollups, series, detection and insights.

use crate::cli::{AnalyticsArgs, AnalyticsCommand};
use std::process::ExitCode;
use std::time::Instant;

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
