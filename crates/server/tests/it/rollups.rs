//! Rollup cells kept up to date by ingestion and agent actions equal a
//! full rebuild from the stored state, on both databases.

use crate::on_both;
use crate::support::*;
use analytics::rollup::{CellKey, Dim, Grain};
use analytics::{Cell, Counter, SketchKind};
use server::Settings;
use std::collections::BTreeMap;

async fn all_cells(e: &Env) -> BTreeMap<CellKey, Cell> {
    let mut out = BTreeMap::new();
    for g in [Grain::Hour, Grain::Day] {
        for d in Dim::ALL {
            e.store()
                .for_each_cell(
                    g,
                    d,
                    i64::MIN / 2,
                    i64::MAX / 2,
                    analytics::SketchSet::ALL,
                    |k, c| {
                        out.insert(k, c);
                    },
                )
                .await
                .unwrap();
        }
    }
    out
}

fn assert_same(a: &BTreeMap<CellKey, Cell>, b: &BTreeMap<CellKey, Cell>) {
    let nonempty = |m: &BTreeMap<CellKey, Cell>| {
        m.iter()
            .filter(|(_, c)| !c.is_empty())
            .map(|(k, _)| k.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(nonempty(a), nonempty(b), "the same cells exist");
    for (k, ca) in a {
        let Some(cb) = b.get(k) else { continue };
        for c in Counter::ALL {
            assert_eq!(ca.get(*c), cb.get(*c), "{k:?} {c:?}");
        }
        for s in SketchKind::ALL {
            let (sa, sb) = (ca.sketch(s), cb.sketch(s));
            assert_eq!(
                sa.map_or(0, |x| x.count()),
                sb.map_or(0, |x| x.count()),
                "{k:?} {s:?} count"
            );
            if let (Some(sa), Some(sb)) = (sa, sb) {
                for q in [0.5, 0.9] {
                    let (x, y) = (sa.quantile(q).unwrap_or(0.0), sb.quantile(q).unwrap_or(0.0));
                    assert!(
                        (x - y).abs() <= 1e-9 * x.abs().max(1.0),
                        "{k:?} {s:?} q{q}: {x} vs {y}"
                    );
                }
            }
        }
    }
}

async fn incremental_equals_rebuild(backend: &str) {
    let Some(e) = env(backend, Settings::default()).await else {
        return;
    };
    // Small batches, so conversations span batches and before/after deltas matter.
    ingest_all(&e, simulated_batches(6, 97)).await;
    let incremental = all_cells(&e).await;
    assert!(incremental.len() > 100, "{} cells", incremental.len());
    let all_day: Cell = incremental
        .iter()
        .filter(|(k, _)| k.grain == Grain::Day && k.dim == Dim::All)
        .fold(Cell::default(), |mut acc, (_, c)| {
            acc.merge(c);
            acc
        });
    let counts = e.store().counts().await.unwrap();
    assert_eq!(
        all_day.get(Counter::Conversations),
        counts.conversations,
        "every conversation counted once"
    );
    // conversation-hours: at least one per conversation, at most one per message; the
    // comparison below checks them against a rebuild (which counts from the messages
    // in arrival order, where ingest reads the stored latest customer message)
    let active = all_day.get(Counter::ActiveHours);
    assert!(
        (counts.conversations..=all_day.get(Counter::MsgIn)).contains(&active),
        "{active} conversation-hours"
    );
    assert!(
        active < all_day.get(Counter::MsgIn),
        "some conversations write twice an hour"
    );

    server::rollups::rebuild(e.store(), e.pipeline.attribution())
        .await
        .unwrap();
    let rebuilt = all_cells(&e).await;
    assert_same(&incremental, &rebuilt);
    e.done().await;
}
on_both!(rollups_rebuild, incremental_equals_rebuild);

/// Every conversation, without its ids (they are random), sorted.
async fn conversation_shapes(e: &Env) -> Vec<String> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = e.store().conversations_page(after, 500).await.unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        out.extend(page.iter().map(|c| {
            format!(
                "{} {:?} {} {:?} {:?} {:?} {} {} {} {:?} {:?} {:?}",
                c.channel,
                c.status,
                c.queue,
                c.topic,
                c.first_inbound_at,
                c.first_response_at,
                c.inbound_count,
                c.outbound_count,
                c.repeat_of.is_some(),
                c.resolved_at,
                c.escalation_tier,
                c.first_responder,
            )
        }));
    }
    out.sort();
    out
}

/// A run of small batches, each planned while the previous one is written,
/// stores exactly what the same batches written one at a time store (plans
/// made inside their transactions): the same conversations, counts, rollup
/// cells, and cells equal to a rebuild.
async fn batches_planned_ahead_equal_one_at_a_time(backend: &str) {
    let (Some(ahead), Some(serial)) = (
        env(backend, Settings::default()).await,
        env(backend, Settings::default()).await,
    ) else {
        return;
    };
    // Small batches, so that conversations, customers and reply chains span
    // batches and the carried state is what threads them.
    let run = simulated_batches(6, 97);
    assert!(run.len() > 20, "{} batches", run.len());
    let records: usize = run.iter().map(Vec::len).sum();
    let mut seen = 0;
    let r = ahead
        .pipeline
        .ingest_batches(
            run.clone()
                .into_iter()
                .map(|items| server::pipeline::Batch {
                    items,
                    rejected: Vec::new(),
                }),
            |_, n| seen += n,
        )
        .await
        .unwrap();
    assert_eq!(r.rejected, 0, "{:?}", r.errors);
    assert_eq!(seen, records);
    let mut accepted = 0;
    for items in run {
        let r = serial.pipeline.ingest(items).await.unwrap();
        assert_eq!(r.rejected, 0, "{:?}", r.errors);
        accepted += r.accepted;
    }
    assert_eq!(r.accepted, accepted);
    assert_eq!(
        ahead.store().counts().await.unwrap(),
        serial.store().counts().await.unwrap()
    );
    assert_eq!(
        conversation_shapes(&ahead).await,
        conversation_shapes(&serial).await
    );
    let cells = all_cells(&ahead).await;
    assert_same(&cells, &all_cells(&serial).await);
    server::rollups::rebuild(ahead.store(), ahead.pipeline.attribution())
        .await
        .unwrap();
    assert_same(&cells, &all_cells(&ahead).await);
    // Importing the same batches again finds every record a duplicate.
    let again = ahead
        .pipeline
        .ingest_batches(
            simulated_batches(6, 211)
                .into_iter()
                .map(|items| server::pipeline::Batch {
                    items,
                    rejected: Vec::new(),
                }),
            |_, _| {},
        )
        .await
        .unwrap();
    assert_eq!((again.accepted, again.duplicates), (0, accepted));
    ahead.done().await;
    serial.done().await;
}
on_both!(planned_ahead, batches_planned_ahead_equal_one_at_a_time);
