//! Rollups beyond the ingest path: a full rebuild from the stored state, and
//! the series queries that dashboards and the API run over cells.

use analytics::rollup::{Attribution, CellIndex, ConvFacts, Dim, Grain, RollupDelta};
use std::collections::HashMap;
use store::Store;

const PAGE: i64 = 10_000;

/// Recomputes every rollup cell from the stored conversations, customer
/// messages and surveys, and replaces the stored cells in one transaction.
/// Returns the number of cells written.
pub async fn rebuild(store: &Store, attribution: &Attribution) -> Result<usize, store::StoreError> {
    let mut delta = RollupDelta::new();
    let mut after = None;
    loop {
        let page = store.conversations_page(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        let wanted: Vec<_> = page.iter().filter_map(|c| c.repeat_of).collect();
        let originals: HashMap<_, _> = store
            .conversations_by_ids(&wanted)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        for conv in &page {
            crate::pipeline::conversation_delta(&mut delta, None, conv, &originals, attribution);
        }
    }
    let mut after = None;
    loop {
        let page = store.inbound_page(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for m in &page {
            delta.inbound_message(
                m.at,
                m.channel,
                m.topic.as_deref(),
                &m.queue,
                &m.sentiment,
                m.sentiment_score,
                attribution,
            );
        }
    }
    let mut after: Option<String> = None;
    loop {
        let page = store.surveys_page(after.as_deref(), PAGE).await?;
        let Some((_, last)) = page.last() else { break };
        after = Some(last.id.clone());
        let ids: Vec<_> = page.iter().map(|(c, _)| *c).collect();
        let convs: HashMap<_, _> = store
            .conversations_by_ids(&ids)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        for (conv_id, s) in &page {
            if let Some(conv) = convs.get(conv_id) {
                delta.survey(
                    s,
                    ConvFacts::new(conv).responder(conv.first_responder.as_deref()),
                    attribution,
                );
            }
        }
    }
    let cells = delta.into_cells();
    store.replace_cells(&cells, "cli:analytics-rebuild").await?;
    Ok(cells.len())
}

/// Loads the cells of the dimensions a query needs into an index.
pub async fn load_index(
    store: &Store,
    grains: &[Grain],
    dims: &[Dim],
    from_ms: i64,
    to_ms: i64,
) -> Result<CellIndex, store::StoreError> {
    let mut idx = CellIndex::new();
    for g in grains {
        for d in dims {
            for (k, c) in store.cells(*g, *d, from_ms, to_ms).await? {
                idx.merge_cell(k, &c);
            }
        }
    }
    Ok(idx)
}
