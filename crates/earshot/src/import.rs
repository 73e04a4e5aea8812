//! `earshot import`: streams a file through the pipeline in batches.

use crate::cli::{Format, ImportArgs};
use domain::record::Record;
use indicatif::{ProgressBar, ProgressStyle};
use server::pipeline::{Batch, ItemError};
use server::{IngestReport, Item, Pipeline};
use std::io::{BufReader, IsTerminal, Read};
use std::process::ExitCode;

fn progress(total: Option<u64>, show: bool) -> ProgressBar {
    if !show || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    match total {
        Some(n) => {
            let pb = ProgressBar::new(n);
            pb.set_style(
                ProgressStyle::with_template("{bar:40} {pos}/{len} records ({per_sec}, eta {eta})")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            pb
        }
        None => ProgressBar::new_spinner(),
    }
}

/// Records per transaction for imports: large enough to amortise each
/// transaction's fixed cost (commit, rollup cells; 20,000 ingested ~15 %
/// faster than 5,000 on SQLite, docs/benchmarks.md), small enough to keep
/// three batches in memory and to hold the write lock ~0.3 s at a time.
pub const BATCH: usize = 20_000;

/// Splits items into batches of `size`.
pub fn batches_of(items: Vec<Item>, size: usize) -> impl Iterator<Item = Batch> + Send + 'static {
    let mut items = items.into_iter().peekable();
    std::iter::from_fn(move || {
        items.peek()?;
        Some(Batch {
            items: items.by_ref().take(size).collect(),
            rejected: Vec::new(),
        })
    })
}

/// Ingests in-memory records in batches (used by the demo and twcs import).
pub async fn ingest_records(
    pipeline: &Pipeline,
    records: Vec<Record>,
    show: bool,
) -> anyhow::Result<IngestReport> {
    let pb = progress(Some(records.len() as u64), show);
    let items = records
        .into_iter()
        .enumerate()
        .map(|(i, record)| Item {
            origin: i + 1,
            record,
        })
        .collect();
    let report = pipeline
        .ingest_batches(batches_of(items, BATCH), |_, n| pb.inc(n as u64))
        .await?;
    pb.finish_and_clear();
    Ok(report)
}

/// Native JSON Lines, read in batches of `size` lines; lines that do not
/// parse are reported with the batch they fall in.
fn jsonl_batches(
    reader: Box<dyn Read + Send>,
    size: usize,
) -> impl Iterator<Item = Batch> + Send + 'static {
    let mut records = channels::native::read_jsonl(BufReader::new(reader));
    std::iter::from_fn(move || {
        let mut batch = Batch::default();
        while batch.items.len() + batch.rejected.len() < size {
            let Some(item) = records.next() else { break };
            match item {
                Ok(record) => batch.items.push(Item {
                    origin: records.line(),
                    record,
                }),
                Err(e) => batch.rejected.push(ItemError {
                    line: e.line,
                    reason: e.error.to_string(),
                }),
            }
        }
        (!batch.items.is_empty() || !batch.rejected.is_empty()).then_some(batch)
    })
}

pub async fn run(
    settings: &server::Settings,
    args: ImportArgs,
    json: bool,
) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(args.batch >= 1, "--batch must be at least 1");
    let reader: Box<dyn Read + Send> = if args.file.as_os_str() == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(
            std::fs::File::open(&args.file)
                .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", args.file.display()))?,
        )
    };
    let store = store::Store::open(&settings.database_url()).await?;
    let pipeline = Pipeline::load(store.clone(), settings).await?;
    let show = !args.quiet && !json;
    let mut report = IngestReport::default();
    match args.format {
        Format::Twcs => {
            let (records, errors) = channels::twcs::read_twcs(reader);
            for e in errors {
                report.reject(e.line, e.error.to_string());
            }
            report.merge(ingest_records(&pipeline, records, show).await?);
        }
        Format::Jsonl => {
            let pb = progress(None, show);
            let mut lines = 0u64;
            let r = pipeline
                .ingest_batches(jsonl_batches(reader, args.batch), |_, n| {
                    lines += n as u64;
                    pb.set_message(format!("{lines} lines"));
                    pb.tick();
                })
                .await?;
            report.merge(r);
            pb.finish_and_clear();
        }
    }
    report.errors.sort_by_key(|e| e.line);
    // an import is a bulk write: clear what it left behind before anyone reads (PostgreSQL)
    store.tidy().await?;
    store.close().await;
    if json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!(
            "accepted {}, duplicates {}, rejected {}",
            report.accepted, report.duplicates, report.rejected
        );
        for e in report.errors.iter().take(50) {
            println!("  line {}: {}", e.line, e.reason);
        }
        if report.errors.len() > 50 {
            println!("  … and {} more", report.errors.len() - 50);
        }
    }
    Ok(if report.rejected > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
