//! `earshot import`: streams a file through the pipeline in batches.

use crate::cli::{Format, ImportArgs};
use domain::record::Record;
use indicatif::{ProgressBar, ProgressStyle};
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

/// Records per transaction for in-memory imports: large enough to amortise
/// each transaction's fixed cost, small enough to keep a batch in memory.
const BATCH: usize = 5000;

/// Ingests in-memory records in batches (used by the demo and twcs import).
pub async fn ingest_records(
    pipeline: &Pipeline,
    records: Vec<Record>,
    show: bool,
) -> anyhow::Result<IngestReport> {
    let pb = progress(Some(records.len() as u64), show);
    let mut report = IngestReport::default();
    let mut batch = Vec::with_capacity(BATCH);
    for (i, record) in records.into_iter().enumerate() {
        batch.push(Item {
            origin: i + 1,
            record,
        });
        if batch.len() == BATCH {
            let n = batch.len() as u64;
            report.merge(pipeline.ingest(std::mem::take(&mut batch)).await?);
            pb.inc(n);
        }
    }
    if !batch.is_empty() {
        let n = batch.len() as u64;
        report.merge(pipeline.ingest(batch).await?);
        pb.inc(n);
    }
    pb.finish_and_clear();
    Ok(report)
}

pub async fn run(
    settings: &server::Settings,
    args: ImportArgs,
    json: bool,
) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(args.batch >= 1, "--batch must be at least 1");
    let reader: Box<dyn Read> = if args.file.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
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
            let mut batch = Vec::with_capacity(args.batch);
            let mut lines = 0u64;
            let mut records = channels::native::read_jsonl(BufReader::new(reader));
            while let Some(item) = records.next() {
                lines += 1;
                match item {
                    Ok(record) => batch.push(Item {
                        origin: records.line(),
                        record,
                    }),
                    Err(e) => report.reject(e.line, e.error.to_string()),
                }
                if batch.len() >= args.batch {
                    report.merge(pipeline.ingest(std::mem::take(&mut batch)).await?);
                    pb.set_message(format!("{lines} lines"));
                    pb.tick();
                }
            }
            if !batch.is_empty() {
                report.merge(pipeline.ingest(batch).await?);
            }
            pb.finish_and_clear();
        }
    }
    report.errors.sort_by_key(|e| e.line);
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
