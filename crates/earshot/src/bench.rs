//! `earshot bench`: measures hot paths on real databases. Benchmarks
//! measure; tests check correctness (see docs/benchmarks.md).

use crate::cli::{BenchArgs, BenchWhat};
use domain::record::Record;
use server::{Item, Pipeline};
use std::process::ExitCode;
use std::time::Instant;
use store::scratch::Scratch;
use store::{MessageRow, Store};

#[derive(serde::Serialize)]
struct IngestBench {
    backend: String,
    records: usize,
    messages: usize,
    batch: usize,
    end_to_end_secs: f64,
    end_to_end_msgs_per_s: f64,
    raw_insert_secs: f64,
    raw_insert_msgs_per_s: f64,
    ratio: f64,
}

/// Simulated records holding at least `messages` messages.
fn records_with(messages: usize) -> Vec<Record> {
    // About 3.3 messages per simulated conversation; ask for enough days.
    let start = time::macros::datetime!(2026-01-05 00:00 UTC);
    let mut cfg = simulate::SimConfig::demo(start);
    cfg.seed = 7;
    cfg.customers_per_day = 1000;
    cfg.days = ((messages / 3000).max(1) + 1) as u32;
    let mut out = Vec::new();
    let mut n = 0;
    // The stream is in time order: stop at the N-th message so that every
    // record kept refers only to messages kept.
    for r in simulate::stream(&cfg) {
        if matches!(r, Record::Message(_)) {
            if n == messages {
                break;
            }
            n += 1;
        }
        out.push(r);
    }
    out
}

/// Every stored message row, with the customers and conversations they name.
async fn stored_rows(
    store: &Store,
) -> anyhow::Result<(
    Vec<MessageRow>,
    Vec<store::ingest::NewCustomer>,
    Vec<domain::Conversation>,
)> {
    const PAGE: i64 = 20_000;
    let mut rows: Vec<MessageRow> = Vec::new();
    loop {
        let page = store.messages_page(rows.last().map(|r| r.id), PAGE).await?;
        let done = (page.len() as i64) < PAGE;
        rows.extend(page);
        if done {
            break;
        }
    }
    let mut conversations: Vec<domain::Conversation> = Vec::new();
    loop {
        let page = store
            .conversations_page(conversations.last().map(|c| c.id), PAGE)
            .await?;
        let done = (page.len() as i64) < PAGE;
        conversations.extend(page);
        if done {
            break;
        }
    }
    let mut first_seen: std::collections::BTreeMap<domain::CustomerId, time::OffsetDateTime> =
        std::collections::BTreeMap::new();
    for c in &conversations {
        let at = first_seen
            .entry(c.customer_id)
            .or_insert(c.first_inbound_at);
        *at = (*at).min(c.first_inbound_at);
    }
    for r in &rows {
        if let Some(id) = r.customer_id {
            let at = first_seen.entry(id).or_insert(r.message.created_at);
            *at = (*at).min(r.message.created_at);
        }
    }
    let customers = first_seen
        .into_iter()
        .map(|(id, created_at)| store::ingest::NewCustomer {
            id,
            display_name: None,
            created_at,
        })
        .collect();
    Ok((rows, customers, conversations))
}

pub async fn run(
    settings: &server::Settings,
    args: BenchArgs,
    json: bool,
) -> anyhow::Result<ExitCode> {
    match args.what {
        BenchWhat::Dashboard {
            conversations,
            days,
            runs,
            no_duckdb,
            keep,
            reuse,
        } => {
            let opts = crate::bench_dashboard::Options {
                conversations,
                days,
                runs,
                duckdb: !no_duckdb,
                keep,
                reuse,
            };
            crate::bench_dashboard::run(settings, opts, json).await
        }
        BenchWhat::Ingest { messages, batch } => {
            anyhow::ensure!(batch >= 1, "--batch must be at least 1");
            let base = settings.database_url();
            let records = records_with(messages);
            let msg_count = records
                .iter()
                .filter(|r| matches!(r, Record::Message(_)))
                .count();
            eprintln!(
                "bench ingest: {} records, {msg_count} messages, batches of {batch}",
                records.len()
            );

            // End to end: parse is done; enrich, thread, route, persist.
            let scratch = Scratch::create(&base, "earshot_bench").await?;
            let store = Store::open(&scratch.url).await?;
            let pipeline = Pipeline::new(store.clone(), settings)?;
            let items: Vec<Item> = records
                .iter()
                .cloned()
                .enumerate()
                .map(|(i, record)| Item { origin: i, record })
                .collect();
            let t = Instant::now();
            let r = pipeline
                .ingest_batches(crate::import::batches_of(items, batch), |_, _| {})
                .await?;
            anyhow::ensure!(
                r.rejected == 0,
                "benchmark data was rejected: {:?}",
                r.errors.first()
            );
            let accepted = r.accepted;
            let e2e = t.elapsed().as_secs_f64();
            let counts = store.counts().await?;
            anyhow::ensure!(
                counts.messages as usize == msg_count,
                "stored {} of {msg_count} messages",
                counts.messages
            );
            eprintln!("  end to end: {accepted} records in {e2e:.2} s");

            // The raw limit writes the very rows end to end stored (with their
            // enrichment, conversation and customer), read back here; the customers
            // and conversations they refer to go in first, untimed, so that the
            // foreign keys and indexes cost what they cost end to end.
            let (rows, customers, conversations) = stored_rows(&store).await?;
            drop(pipeline);
            store.close().await;
            scratch.destroy().await?;

            let scratch = Scratch::create(&base, "earshot_bench_raw").await?;
            let raw_store = Store::open(&scratch.url).await?;
            raw_store
                .raw_insert_referenced(&customers, &conversations)
                .await?;
            let t = Instant::now();
            raw_store.raw_insert_messages(&rows).await?;
            let raw = t.elapsed().as_secs_f64();
            let stored = raw_store.counts().await?.messages as usize;
            raw_store.close().await;
            scratch.destroy().await?;
            anyhow::ensure!(
                stored == rows.len(),
                "raw insert stored {stored} of {} rows",
                rows.len()
            );

            let result = IngestBench {
                backend: format!("{:?}", store::Backend::from_url(&base)?).to_lowercase(),
                records: records.len(),
                messages: msg_count,
                batch,
                end_to_end_secs: e2e,
                end_to_end_msgs_per_s: msg_count as f64 / e2e,
                raw_insert_secs: raw,
                raw_insert_msgs_per_s: rows.len() as f64 / raw,
                ratio: (msg_count as f64 / e2e) / (rows.len() as f64 / raw),
            };
            if json {
                println!("{}", serde_json::to_string(&result)?);
            } else {
                println!(
                    "{}: end to end {:.0} msg/s ({:.2} s), raw insert {:.0} msg/s ({:.2} s), ratio {:.1} %",
                    result.backend,
                    result.end_to_end_msgs_per_s,
                    result.end_to_end_secs,
                    result.raw_insert_msgs_per_s,
                    result.raw_insert_secs,
                    result.ratio * 100.0
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
