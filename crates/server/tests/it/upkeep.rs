//! The serving node's background upkeep: `Store::tidy` on its own schedule.

use crate::support::*;
use server::{AppState, Settings};
use std::sync::Arc;
use std::time::Duration;

/// On PostgreSQL only a vacuum marks pages all-visible, so the rollup table's visibility map
/// shows whether the worker tidied: after the batches it is not, within seconds of a node
/// started with `tidy_every_secs = 1` it is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_tidies_the_store_on_its_schedule() {
    let mut settings = Settings::default();
    settings.analytics.detect_every_secs = 0;
    settings.analytics.tidy_every_secs = 1;
    let Some(e) = env("postgres", settings.clone()).await else {
        return;
    };
    ingest_all(&e, simulated_batches(2, 50)).await;
    let tidied = |h: Option<store::TableHealth>| {
        h.is_some_and(|h| h.pages > 0 && h.all_visible_pages == h.pages)
    };
    let before = e.store().table_health().await.expect("health");
    assert!(!tidied(before), "not yet vacuumed: {before:?}");

    let state = AppState {
        pipeline: Arc::new(server::Pipeline::new(e.store().clone(), &settings).expect("pipeline")),
        settings: Arc::new(settings),
    };
    let workers = server::spawn_workers(state);
    let mut after = None;
    for _ in 0..60 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        after = e.store().table_health().await.expect("health");
        if tidied(after) {
            break;
        }
    }
    for w in &workers {
        w.abort();
    }
    assert!(tidied(after), "the upkeep worker did not vacuum: {after:?}");
    e.done().await;
}
