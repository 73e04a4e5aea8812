//! Rollups beyond the ingest path: a full rebuild from the stored state, and
//! the series queries that dashboards and the API run over cells.

use analytics::SketchSet;
use analytics::rollup::{
    Attribution, CellIndex, ConvFacts, DAY_MS, Dim, Grain, HOUR_MS, RollupDelta,
};
use std::collections::HashMap;
use store::{Store, StoreError};

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
            crate::planner::conversation_delta(&mut delta, None, conv, &originals, attribution);
        }
    }
    // Messages in id order, which is arrival order (ids are time-ordered at ingest), so that
    // conversation-hours are counted by the same rule as live ingest.
    let mut latest: HashMap<domain::ConversationId, Option<time::OffsetDateTime>> = HashMap::new();
    let mut after = None;
    loop {
        let page = store.inbound_page(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for m in &page {
            let opens_hour = domain::conversation::next_inbound(
                latest.entry(m.conversation_id).or_default(),
                m.at,
            );
            delta.inbound_message(
                m.at,
                m.channel,
                m.topic.as_deref(),
                &m.queue,
                &m.sentiment,
                m.sentiment_score,
                opens_hour,
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

/// Loads the cells of the dimensions a query needs into an index, decoding only the
/// `sketches` it reads (decoding sketches is most of the cost of a dashboard query).
pub async fn load_index(
    store: &Store,
    grains: &[Grain],
    dims: &[Dim],
    from_ms: i64,
    to_ms: i64,
    sketches: analytics::SketchSet,
) -> Result<CellIndex, store::StoreError> {
    let mut idx = CellIndex::new();
    for g in grains {
        for d in dims {
            store
                .for_each_cell(*g, *d, from_ms, to_ms, sketches, |k, c| {
                    idx.merge_owned(k, c)
                })
                .await?;
        }
    }
    Ok(idx)
}

/// A validated series query.
#[derive(Debug, Clone)]
pub struct SeriesQuery {
    pub metric: analytics::Metric,
    pub grain: analytics::SeriesGrain,
    pub dim: Dim,
    /// One value of the dimension, or every value when `None`.
    pub value: Option<String>,
    pub from_ms: i64,
    pub to_ms: i64,
}

/// Longest range per interval, so that one request cannot ask for millions
/// of points.
fn max_span_days(grain: analytics::SeriesGrain) -> i64 {
    match grain {
        analytics::SeriesGrain::Hour => 31,
        analytics::SeriesGrain::Day => 800,
        analytics::SeriesGrain::Week => 3660,
    }
}

impl SeriesQuery {
    /// Parses and checks the parameters; the error names the bad one.
    pub fn parse(
        metric: &str,
        interval: &str,
        dimension: Option<&str>,
        value: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Self, String> {
        let metric = analytics::Metric::parse(metric).ok_or_else(|| {
            let names: Vec<&str> = analytics::Metric::ALL.iter().map(|m| m.as_str()).collect();
            format!(
                "unknown metric '{metric}' (expected one of: {})",
                names.join(", ")
            )
        })?;
        let grain = match interval {
            "hour" => analytics::SeriesGrain::Hour,
            "day" => analytics::SeriesGrain::Day,
            "week" => analytics::SeriesGrain::Week,
            other => {
                return Err(format!(
                    "unknown interval '{other}' (expected hour, day or week)"
                ));
            }
        };
        let d = dimension.unwrap_or("all");
        let dim = Dim::ALL
            .into_iter()
            .find(|x| x.as_str() == d)
            .ok_or_else(|| {
                format!(
                    "unknown dimension '{d}' (expected all, channel, topic, queue, agent or team)"
                )
            })?;
        let now = store::to_ms(time::OffsetDateTime::now_utc());
        let to_ms = match to {
            Some(t) => store::to_ms(crate::metrics::parse_time("to", t)?),
            None => now,
        };
        let from_ms = match from {
            Some(f) => store::to_ms(crate::metrics::parse_time("from", f)?),
            None => to_ms - 30 * 86_400_000,
        };
        if from_ms >= to_ms {
            return Err("the range is empty or reversed: 'from' must be before 'to'".into());
        }
        let limit = max_span_days(grain);
        if to_ms - from_ms > limit * 86_400_000 {
            return Err(format!(
                "the range is too wide for interval '{interval}': at most {limit} days"
            ));
        }
        let value = match (dim, value) {
            (Dim::All, _) => Some(analytics::rollup::ALL_VALUE.to_string()),
            (_, v) => v.map(str::to_string),
        };
        Ok(Self {
            metric,
            grain,
            dim,
            value,
            from_ms,
            to_ms,
        })
    }

    /// Runs the query over stored cells: its cost follows the number of
    /// cells in the range, not the number of messages behind them.
    pub async fn run(&self, store: &Store) -> Result<Vec<analytics::Series>, store::StoreError> {
        let cell_grain = match self.grain {
            analytics::SeriesGrain::Hour => Grain::Hour,
            _ => Grain::Day,
        };
        // Weeks start on Monday: widen the load to whole weeks.
        let from = match self.grain {
            analytics::SeriesGrain::Week => analytics::metrics::week_start(self.from_ms),
            _ => self.from_ms,
        };
        // a share of the total reads the total's cells too
        let dims = if self.metric.needs_total() && self.dim != Dim::All {
            vec![self.dim, Dim::All]
        } else {
            vec![self.dim]
        };
        let idx = load_index(
            store,
            &[cell_grain],
            &dims,
            from,
            self.to_ms,
            self.metric.sketches(),
        )
        .await?;
        Ok(match &self.value {
            Some(v) => vec![analytics::metrics::series(
                &idx,
                self.metric,
                self.grain,
                self.dim,
                v,
                from,
                self.to_ms,
            )],
            None => analytics::metrics::breakdown(
                &idx,
                self.metric,
                self.grain,
                self.dim,
                from,
                self.to_ms,
            ),
        })
    }
}

/// The end of the latest hour with stored data (the total's cells) in the 400 days before
/// `now_ms`: the latest day cell, then the latest hour cell of that day.
pub async fn latest_hour_end(store: &Store, now_ms: i64) -> Result<Option<i64>, StoreError> {
    let latest = |grain, from, to| async move {
        let mut last: Option<i64> = None;
        store
            .for_each_cell(grain, Dim::All, from, to, SketchSet::NONE, |k, _| {
                last = Some(last.map_or(k.bucket_ms, |l| l.max(k.bucket_ms)));
            })
            .await
            .map(|()| last)
    };
    let Some(day) = latest(Grain::Day, now_ms - 400 * DAY_MS, now_ms + DAY_MS).await? else {
        return Ok(None);
    };
    Ok(latest(Grain::Hour, day, day + DAY_MS)
        .await?
        .map(|h| h + HOUR_MS))
}
