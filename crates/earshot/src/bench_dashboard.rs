//! `earshot bench dashboard`: the dashboard query set over rollup cells on a
//! large simulated history, detection over the whole history, and the same
//! queries in DuckDB over flat tables of the same data.

use analytics::rollup::{Dim, Grain};
use server::{Item, Pipeline};
use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;
use store::Store;
use store::scratch::Scratch;

const DAY_MS: i64 = 86_400_000;

#[derive(serde::Serialize)]
struct DashboardBench {
    backend: String,
    conversations: i64,
    messages: i64,
    days: u32,
    ingest_secs: f64,
    range_days: i64,
    cells_read: usize,
    dashboard_median_ms: f64,
    /// Of which reading and decoding the cells.
    load_median_ms: f64,
    dashboard_runs_ms: Vec<f64>,
    detection_secs: f64,
    detection_incidents: usize,
    /// Follow-through of the most severe insight, as if actioned a day after its window
    /// ended: median over the runs, and its verdict.
    follow_through_median_ms: Option<f64>,
    follow_through_verdict: Option<String>,
    duckdb: Option<serde_json::Value>,
    ratio_duckdb_over_earshot: Option<f64>,
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        return 0.0;
    }
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

async fn export_flat(store: &Store, dir: &std::path::Path) -> anyhow::Result<()> {
    let day = |ms: i64| ms.div_euclid(DAY_MS) * DAY_MS;
    let mut w = std::io::BufWriter::new(std::fs::File::create(dir.join("conversations.csv"))?);
    writeln!(
        w,
        "first_inbound_ms,day,channel,topic,frt_s,resolved,repeat"
    )?;
    let mut after = None;
    loop {
        let page = store.conversations_page(after, 20_000).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for c in &page {
            let t = store::to_ms(c.first_inbound_at);
            let frt = c
                .first_response_at
                .map(|r| (r - c.first_inbound_at).as_seconds_f64().max(0.0));
            writeln!(
                w,
                "{t},{},{},{},{},{},{}",
                day(t),
                c.channel,
                c.topic.as_deref().unwrap_or("none"),
                frt.map_or(String::new(), |f| f.to_string()),
                c.resolved_at.is_some(),
                c.repeat_of.is_some()
            )?;
        }
    }
    w.flush()?;
    let mut w = std::io::BufWriter::new(std::fs::File::create(dir.join("inbound.csv"))?);
    writeln!(w, "at_ms,day,channel,topic,score,classified")?;
    let mut after = None;
    loop {
        let page = store.inbound_page(after, 50_000).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for m in &page {
            let t = store::to_ms(m.at);
            let classified = matches!(m.sentiment.as_str(), "negative" | "neutral" | "positive");
            writeln!(
                w,
                "{t},{},{},{},{},{classified}",
                day(t),
                m.channel,
                m.topic.as_deref().unwrap_or("none"),
                m.sentiment_score
            )?;
        }
    }
    w.flush()?;
    Ok(())
}

/// Times the follow-through of the most severe stored insight, as if it had been actioned a
/// day after its window ended (the real computation over the stored cells; nothing is
/// written). `None` when there is no insight, or none that ended a day before the data.
async fn follow_through(
    store: &Store,
    enricher: &nlp::Enricher,
    end_ms: i64,
    runs: usize,
) -> anyhow::Result<Option<(f64, String)>> {
    let rows = store
        .list_insights(&store::InsightFilter {
            limit: 100,
            ..Default::default()
        })
        .await?;
    let Some(mut row) = rows
        .into_iter()
        .find(|r| store::to_ms(r.window_end) + 2 * DAY_MS <= end_ms)
    else {
        return Ok(None);
    };
    row.history.push(store::InsightHistoryRow {
        at: store::from_ms(store::to_ms(row.window_end) + DAY_MS),
        actor: "bench".into(),
        from_status: Some(row.status.clone()),
        to_status: "actioned".into(),
        note: None,
    });
    let mut times = Vec::with_capacity(runs);
    let mut verdict = String::new();
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let f = server::insights::follow_through(store, enricher, &row, end_ms).await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        verdict = format!("{}: {}", f.verdict.as_str(), f.reason);
    }
    Ok(Some((median(&mut times), verdict)))
}

pub struct Options {
    pub conversations: u64,
    pub days: u32,
    pub runs: usize,
    pub duckdb: bool,
    pub keep: bool,
    pub reuse: Option<String>,
}

pub async fn run(settings: &server::Settings, o: Options, json: bool) -> anyhow::Result<ExitCode> {
    let Options {
        conversations,
        days,
        runs,
        duckdb,
        keep,
        reuse,
    } = o;
    anyhow::ensure!(
        days >= 91,
        "--days must be at least 91 (the dashboard reads 90 days)"
    );
    anyhow::ensure!(runs >= 1, "--runs must be at least 1");
    let start = time::macros::datetime!(2026-01-05 00:00 UTC);
    let mut cfg = simulate::SimConfig::demo(start);
    cfg.seed = 11;
    cfg.days = days;
    cfg.customers_per_day = u32::try_from((conversations / u64::from(days)).max(1))?;
    let base = settings.database_url();
    let (scratch, url) = match &reuse {
        Some(u) => (None, u.clone()),
        None => {
            let s = Scratch::create(&base, "earshot_bench_dash").await?;
            let u = s.url.clone();
            (Some(s), u)
        }
    };
    let store = Store::open(&url).await?;
    let pipeline = Pipeline::new(store.clone(), settings)?;

    let t = Instant::now();
    if reuse.is_none() {
        eprintln!(
            "bench dashboard: simulating {days} days × {} new conversations a day, ingesting…",
            cfg.customers_per_day
        );
        // Simulated as it is ingested: the stream runs on the preparing thread.
        let mut origin = 0;
        let mut items = simulate::stream(&cfg).map(move |record| {
            origin += 1;
            Item { origin, record }
        });
        let batches = std::iter::from_fn(move || {
            let items: Vec<Item> = items.by_ref().take(5000).collect();
            (!items.is_empty()).then(|| server::pipeline::Batch {
                items,
                rejected: Vec::new(),
            })
        });
        let mut seen = 0usize;
        let r = pipeline
            .ingest_batches(batches, |_, n| {
                let before = seen / 500_000;
                seen += n;
                if seen / 500_000 > before {
                    eprintln!("  {seen} records, {:.0} s", t.elapsed().as_secs_f64());
                }
            })
            .await?;
        anyhow::ensure!(
            r.rejected == 0,
            "simulated data was rejected: {:?}",
            r.errors.first()
        );
    }
    let ingest_secs = t.elapsed().as_secs_f64();
    if reuse.is_none() {
        // as `earshot import` does after its batches, outside the ingest time
        let t = Instant::now();
        let health = store.tidy().await?;
        eprintln!(
            "  tidied in {:.1} s{}",
            t.elapsed().as_secs_f64(),
            health.map_or(String::new(), |h| format!(
                " (rollup_cells: {} of {} pages all-visible)",
                h.all_visible_pages, h.pages
            ))
        );
    }
    let counts = store.counts().await?;
    anyhow::ensure!(
        counts.conversations > 0,
        "the database holds no conversations"
    );
    eprintln!(
        "  stored {} conversations, {} messages in {ingest_secs:.0} s",
        counts.conversations, counts.messages
    );

    let end_ms = store::to_ms(start) + i64::from(days) * DAY_MS;
    let from_ms = end_ms - 90 * DAY_MS;
    let mut times = Vec::with_capacity(runs);
    let mut load_times = Vec::with_capacity(runs);
    let mut cells_read = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let idx = server::rollups::load_index(
            &store,
            &[Grain::Day],
            &[Dim::All, Dim::Channel, Dim::Topic],
            from_ms,
            end_ms,
            analytics::metrics::DASHBOARD_SKETCHES,
        )
        .await?;
        load_times.push(t.elapsed().as_secs_f64() * 1000.0);
        let d = analytics::metrics::dashboard(&idx, from_ms, end_ms);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        cells_read = idx.len();
        std::hint::black_box(d);
    }
    let runs_ms = times.clone();
    let dashboard_median_ms = median(&mut times);
    let load_median_ms = median(&mut load_times);

    let enrichers = pipeline.enrichers();
    let t = Instant::now();
    let det = server::detection::run(
        &store,
        &enrichers.default,
        &settings.analytics.detect,
        store::to_ms(start),
        end_ms,
        "bench",
    )
    .await?;
    let detection_secs = t.elapsed().as_secs_f64();
    let follow = follow_through(&store, &enrichers.default, end_ms, runs).await?;

    let duck = if duckdb {
        let dir = std::env::temp_dir().join(format!("earshot_flat_{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        export_flat(&store, &dir).await?;
        let script =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/bench_duckdb.py");
        let out = std::process::Command::new("python3")
            .arg(&script)
            .arg(&dir)
            .arg(from_ms.to_string())
            .arg(end_ms.to_string())
            .arg(runs.to_string())
            .output()?;
        let _ = std::fs::remove_dir_all(&dir);
        anyhow::ensure!(
            out.status.success(),
            "DuckDB script failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line = String::from_utf8_lossy(&out.stdout);
        Some(serde_json::from_str::<serde_json::Value>(line.trim())?)
    } else {
        None
    };
    drop(pipeline);
    store.close().await;
    if let Some(s) = scratch {
        if keep {
            eprintln!("kept the benchmark database: --reuse {}", s.url);
        } else {
            s.destroy().await?;
        }
    }

    let ratio = duck
        .as_ref()
        .and_then(|d| d["median_ms"].as_f64())
        .map(|d| d / dashboard_median_ms);
    let result = DashboardBench {
        backend: format!("{:?}", store::Backend::from_url(&base)?).to_lowercase(),
        conversations: counts.conversations,
        messages: counts.messages,
        days,
        ingest_secs,
        range_days: 90,
        cells_read,
        dashboard_median_ms,
        load_median_ms,
        dashboard_runs_ms: runs_ms,
        detection_secs,
        detection_incidents: det.incidents.len(),
        follow_through_median_ms: follow.as_ref().map(|f| f.0),
        follow_through_verdict: follow.map(|f| f.1),
        duckdb: duck,
        ratio_duckdb_over_earshot: ratio,
    };
    if json {
        println!("{}", serde_json::to_string(&result)?);
    } else {
        println!(
            "{}: {} conversations; dashboard (90 days, {} cells) median {:.1} ms; detection over {} days {:.2} s ({} incidents)",
            result.backend,
            result.conversations,
            result.cells_read,
            result.dashboard_median_ms,
            days,
            result.detection_secs,
            result.detection_incidents
        );
        if let (Some(ms), Some(v)) = (
            result.follow_through_median_ms,
            &result.follow_through_verdict,
        ) {
            println!("follow-through of the top insight: median {ms:.1} ms ({v})");
        }
        if let (Some(d), Some(r)) = (&result.duckdb, ratio) {
            println!(
                "DuckDB (1 thread) over flat tables: median {:.1} ms; DuckDB / Earshot = {r:.1}×",
                d["median_ms"].as_f64().unwrap_or(0.0)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
