//! Metric definitions over rollup cells, as series at hour, day or week grain with breakdowns.
//! Each metric is a function of one cell (cells of a longer period are merged first), so a
//! query costs the number of cells it reads. Definitions and worked examples:
//! docs/analytics.md.

use crate::cell::{Cell, Counter, SketchKind};
use crate::rollup::{ALL_VALUE, CellIndex, DAY_MS, Dim, Grain};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Conversations opened.
    Conversations,
    /// A series' conversations opened as a share of the total's in the same bucket (a topic's
    /// or a channel's share of everything). Needs the total's cells beside the series': one
    /// cell alone has no value ([`series`] and [`total`] read both).
    ConversationShare,
    /// Customer messages received.
    InboundMessages,
    /// Conversation-hours with a customer message (a conversation counts once an hour
    /// however many messages it gets; a coverage gap is judged on it).
    ActiveConversationHours,
    /// Share of opened conversations answered.
    ResponseRate,
    FrtMedian,
    FrtP90,
    FrtMean,
    FrtBusinessMedian,
    FrtBusinessP90,
    /// Time to first resolution.
    TtrMedian,
    TtrP90,
    /// Average handling time for asynchronous work: mean of first response → first
    /// resolution over resolved conversations.
    Aht,
    HandlingMedian,
    /// Brand messages per resolved conversation.
    TouchesPerResolved,
    /// Share of opened conversations resolved.
    ResolutionRate,
    /// First contact resolution on social channels only.
    FcrSocial,
    /// First contact resolution over all channels (e-mail, chat, phone included).
    FcrBlended,
    RepeatRate,
    EscalationRate,
    /// Mean sentiment score of classified customer messages (−1..=1).
    SentimentMean,
    /// Share of classified customer messages that are negative.
    NegativeShare,
    /// Share of opened conversations (with a classified opening) that open negative.
    NegativeOpenShare,
    /// Of resolved conversations that started negative, the share ending neutral/positive.
    SentimentConversion,
    /// Mean last-customer-message sentiment of resolved conversations.
    EndSentimentMean,
    CsatMean,
    /// Share of CSAT answers that are 4 or 5.
    CsatSatisfied,
    /// CSAT answers per resolved conversation.
    CsatResponseRate,
    /// Total variation distance between CSAT responders' and all resolved conversations'
    /// end-sentiment band distributions (0 = representative, 1 = disjoint).
    CsatExtremity,
    /// % promoters − % detractors (−100..=100).
    Nps,
}

impl Metric {
    /// The sketch a metric reads, if any (what a query over cells must decode).
    pub const fn sketches(self) -> crate::cell::SketchSet {
        use crate::cell::SketchSet;
        match self {
            Metric::FrtMedian | Metric::FrtP90 | Metric::FrtMean => {
                SketchSet::NONE.with(SketchKind::Frt)
            }
            Metric::FrtBusinessMedian | Metric::FrtBusinessP90 => {
                SketchSet::NONE.with(SketchKind::FrtBusiness)
            }
            Metric::TtrMedian | Metric::TtrP90 => SketchSet::NONE.with(SketchKind::Ttr),
            Metric::Aht | Metric::HandlingMedian => SketchSet::NONE.with(SketchKind::Handling),
            _ => SketchSet::NONE,
        }
    }

    pub const ALL: [Metric; 30] = [
        Metric::Conversations,
        Metric::ConversationShare,
        Metric::InboundMessages,
        Metric::ActiveConversationHours,
        Metric::ResponseRate,
        Metric::FrtMedian,
        Metric::FrtP90,
        Metric::FrtMean,
        Metric::FrtBusinessMedian,
        Metric::FrtBusinessP90,
        Metric::TtrMedian,
        Metric::TtrP90,
        Metric::Aht,
        Metric::HandlingMedian,
        Metric::TouchesPerResolved,
        Metric::ResolutionRate,
        Metric::FcrSocial,
        Metric::FcrBlended,
        Metric::RepeatRate,
        Metric::EscalationRate,
        Metric::SentimentMean,
        Metric::NegativeShare,
        Metric::NegativeOpenShare,
        Metric::SentimentConversion,
        Metric::EndSentimentMean,
        Metric::CsatMean,
        Metric::CsatSatisfied,
        Metric::CsatResponseRate,
        Metric::CsatExtremity,
        Metric::Nps,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Conversations => "conversations",
            Metric::ConversationShare => "conversation_share",
            Metric::InboundMessages => "inbound_messages",
            Metric::ActiveConversationHours => "active_conversation_hours",
            Metric::ResponseRate => "response_rate",
            Metric::FrtMedian => "frt_median_s",
            Metric::FrtP90 => "frt_p90_s",
            Metric::FrtMean => "frt_mean_s",
            Metric::FrtBusinessMedian => "frt_business_median_s",
            Metric::FrtBusinessP90 => "frt_business_p90_s",
            Metric::TtrMedian => "ttr_median_s",
            Metric::TtrP90 => "ttr_p90_s",
            Metric::Aht => "aht_s",
            Metric::HandlingMedian => "handling_median_s",
            Metric::TouchesPerResolved => "touches_per_resolved",
            Metric::ResolutionRate => "resolution_rate",
            Metric::FcrSocial => "fcr_social",
            Metric::FcrBlended => "fcr_blended",
            Metric::RepeatRate => "repeat_rate",
            Metric::EscalationRate => "escalation_rate",
            Metric::SentimentMean => "sentiment_mean",
            Metric::NegativeShare => "negative_share",
            Metric::NegativeOpenShare => "negative_open_share",
            Metric::SentimentConversion => "sentiment_conversion",
            Metric::EndSentimentMean => "end_sentiment_mean",
            Metric::CsatMean => "csat_mean",
            Metric::CsatSatisfied => "csat_satisfied",
            Metric::CsatResponseRate => "csat_response_rate",
            Metric::CsatExtremity => "csat_extremity",
            Metric::Nps => "nps",
        }
    }

    pub fn parse(s: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// Whether the metric divides a series by the total, whose cells a query must load too.
    pub const fn needs_total(self) -> bool {
        matches!(self, Metric::ConversationShare)
    }
}

/// A metric's value in one cell and the number of observations behind it (`None` when it
/// is undefined, e.g. a rate over zero conversations).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Value {
    pub value: Option<f64>,
    pub support: u64,
}

fn ratio(num: i64, den: i64) -> Value {
    Value {
        value: (den > 0).then(|| num as f64 / den as f64),
        support: den.max(0) as u64,
    }
}

fn quantile(cell: &Cell, k: SketchKind, q: f64) -> Value {
    match cell.sketch(k) {
        Some(s) => Value {
            value: s.quantile(q),
            support: s.count(),
        },
        None => Value {
            value: None,
            support: 0,
        },
    }
}

fn sketch_mean(cell: &Cell, k: SketchKind) -> Value {
    match cell.sketch(k) {
        Some(s) => Value {
            value: s.mean(),
            support: s.count(),
        },
        None => Value {
            value: None,
            support: 0,
        },
    }
}

fn bands(cell: &Cell, cs: [Counter; 5]) -> [i64; 5] {
    cs.map(|c| cell.get(c).max(0))
}

/// Total variation distance between two band histograms; `None` when either is empty.
pub fn total_variation(a: &[i64; 5], b: &[i64; 5]) -> Option<f64> {
    let na: i64 = a.iter().sum();
    let nb: i64 = b.iter().sum();
    if na <= 0 || nb <= 0 {
        return None;
    }
    let d: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| (*x as f64 / na as f64 - *y as f64 / nb as f64).abs())
        .sum();
    Some(d / 2.0)
}

pub const END_BANDS: [Counter; 5] = [
    Counter::EndBand0,
    Counter::EndBand1,
    Counter::EndBand2,
    Counter::EndBand3,
    Counter::EndBand4,
];
/// CSAT answers by score, 1 to 5.
pub const CSAT_HIST: [Counter; 5] = [
    Counter::Csat1,
    Counter::Csat2,
    Counter::Csat3,
    Counter::Csat4,
    Counter::Csat5,
];
pub const RESP_BANDS: [Counter; 5] = [
    Counter::RespBand0,
    Counter::RespBand1,
    Counter::RespBand2,
    Counter::RespBand3,
    Counter::RespBand4,
];

/// The value of a metric in one cell.
pub fn value(cell: &Cell, m: Metric) -> Value {
    use Counter as C;
    let g = |c| cell.get(c);
    match m {
        Metric::Conversations => Value {
            value: Some(g(C::Conversations) as f64),
            support: g(C::Conversations).max(0) as u64,
        },
        // a share of the total: see `share_of_total`
        Metric::ConversationShare => Value {
            value: None,
            support: 0,
        },
        Metric::InboundMessages => Value {
            value: Some(g(C::MsgIn) as f64),
            support: g(C::MsgIn).max(0) as u64,
        },
        Metric::ActiveConversationHours => Value {
            value: Some(g(C::ActiveHours) as f64),
            support: g(C::ActiveHours).max(0) as u64,
        },
        Metric::ResponseRate => ratio(g(C::Answered), g(C::Conversations)),
        Metric::FrtMedian => quantile(cell, SketchKind::Frt, 0.5),
        Metric::FrtP90 => quantile(cell, SketchKind::Frt, 0.9),
        Metric::FrtMean => sketch_mean(cell, SketchKind::Frt),
        Metric::FrtBusinessMedian => quantile(cell, SketchKind::FrtBusiness, 0.5),
        Metric::FrtBusinessP90 => quantile(cell, SketchKind::FrtBusiness, 0.9),
        Metric::TtrMedian => quantile(cell, SketchKind::Ttr, 0.5),
        Metric::TtrP90 => quantile(cell, SketchKind::Ttr, 0.9),
        Metric::Aht => sketch_mean(cell, SketchKind::Handling),
        Metric::HandlingMedian => quantile(cell, SketchKind::Handling, 0.5),
        Metric::TouchesPerResolved => ratio(g(C::Touches), g(C::Resolved)),
        Metric::ResolutionRate => ratio(g(C::Resolved), g(C::Conversations)),
        Metric::FcrSocial => ratio(
            g(C::ResolvedSocial) - g(C::FcrRevokedSocial),
            g(C::ResolvedSocial),
        ),
        Metric::FcrBlended => ratio(g(C::Resolved) - g(C::FcrRevoked), g(C::Resolved)),
        Metric::RepeatRate => ratio(g(C::Repeats), g(C::Conversations)),
        Metric::EscalationRate => ratio(g(C::Escalated), g(C::Conversations)),
        Metric::SentimentMean => {
            let n = g(C::MsgNeg) + g(C::MsgNeu) + g(C::MsgPos);
            let mut v = ratio(g(C::MsgSentimentSum), n);
            v.value = v.value.map(|x| x / 10_000.0);
            v
        }
        Metric::NegativeShare => ratio(g(C::MsgNeg), g(C::MsgNeg) + g(C::MsgNeu) + g(C::MsgPos)),
        Metric::NegativeOpenShare => ratio(g(C::NegStart), g(C::SentStart)),
        Metric::SentimentConversion => ratio(g(C::Converted), g(C::NegStartResolved)),
        Metric::EndSentimentMean => {
            let n: i64 = bands(cell, END_BANDS).iter().sum();
            let mut v = ratio(g(C::EndSentimentSum), n);
            v.value = v.value.map(|x| x / 10_000.0);
            v
        }
        Metric::CsatMean => ratio(g(C::CsatSum), g(C::CsatN)),
        Metric::CsatSatisfied => ratio(g(C::CsatSatisfied), g(C::CsatN)),
        Metric::CsatResponseRate => ratio(g(C::CsatN), g(C::Resolved)),
        Metric::CsatExtremity => {
            let resp = bands(cell, RESP_BANDS);
            Value {
                value: total_variation(&resp, &bands(cell, END_BANDS)),
                support: resp.iter().sum::<i64>() as u64,
            }
        }
        Metric::Nps => {
            let mut v = ratio(g(C::NpsPromoters) - g(C::NpsDetractors), g(C::NpsN));
            v.value = v.value.map(|x| x * 100.0);
            v
        }
    }
}

/// Series grain: weeks merge the seven day cells starting on a Monday (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SeriesGrain {
    Hour,
    Day,
    Week,
}

impl SeriesGrain {
    /// The grain of the stored cells a bucket of this grain is (weeks are merged days).
    pub fn stored(self) -> Option<Grain> {
        match self {
            SeriesGrain::Hour => Some(Grain::Hour),
            SeriesGrain::Day => Some(Grain::Day),
            SeriesGrain::Week => None,
        }
    }
}

/// 1970-01-01 was a Thursday: weeks start on Monday 1969-12-29.
const WEEK_ORIGIN_MS: i64 = -3 * DAY_MS;
pub const WEEK_MS: i64 = 7 * DAY_MS;

/// Monday 00:00 UTC of the week holding `ms`.
pub fn week_start(ms: i64) -> i64 {
    (ms - WEEK_ORIGIN_MS).div_euclid(WEEK_MS) * WEEK_MS + WEEK_ORIGIN_MS
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub bucket_ms: i64,
    pub value: Option<f64>,
    pub support: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub metric: Metric,
    pub grain: SeriesGrain,
    pub dim: Dim,
    pub value: String,
    /// One point per bucket in the range that holds a cell (buckets without data are absent).
    pub points: Vec<Point>,
}

/// Merged cells of one series per bucket of the grain, over `[from_ms, to_ms)`.
pub fn cells_by_bucket(
    idx: &CellIndex,
    grain: SeriesGrain,
    dim: Dim,
    value: &str,
    from_ms: i64,
    to_ms: i64,
) -> Vec<(i64, Cell)> {
    match grain.stored() {
        Some(g) => idx
            .range(g, dim, value, from_ms, to_ms)
            .map(|(b, c)| (b, c.clone()))
            .collect(),
        None => {
            let mut out: Vec<(i64, Cell)> = Vec::new();
            for (b, c) in idx.range(Grain::Day, dim, value, from_ms, to_ms) {
                let w = week_start(b);
                match out.last_mut() {
                    Some((lw, cell)) if *lw == w => cell.merge(c),
                    _ => out.push((w, c.clone())),
                }
            }
            out
        }
    }
}

/// One metric as a series.
pub fn series(
    idx: &CellIndex,
    metric: Metric,
    grain: SeriesGrain,
    dim: Dim,
    value: &str,
    from_ms: i64,
    to_ms: i64,
) -> Series {
    let point = |b: i64, c: &Cell| {
        let v = self::value(c, metric);
        Point {
            bucket_ms: b,
            value: v.value,
            support: v.support,
        }
    };
    let points = match grain.stored() {
        _ if metric.needs_total() => share_points(idx, grain, (dim, value), from_ms, to_ms),
        // Hours and days are stored cells: read them in place (no copies).
        Some(g) => idx
            .range(g, dim, value, from_ms, to_ms)
            .map(|(b, c)| point(b, c))
            .collect(),
        None => cells_by_bucket(idx, grain, dim, value, from_ms, to_ms)
            .into_iter()
            .map(|(b, c)| point(b, &c))
            .collect(),
    };
    Series {
        metric,
        grain,
        dim,
        value: value.to_string(),
        points,
    }
}

/// One metric broken down by every value of a dimension (at day grain for weeks).
pub fn breakdown(
    idx: &CellIndex,
    metric: Metric,
    grain: SeriesGrain,
    dim: Dim,
    from_ms: i64,
    to_ms: i64,
) -> Vec<Series> {
    let g = if grain == SeriesGrain::Hour {
        Grain::Hour
    } else {
        Grain::Day
    };
    idx.values(g, dim)
        .iter()
        .map(|v| series(idx, metric, grain, dim, v, from_ms, to_ms))
        .filter(|s| !s.points.is_empty())
        .collect()
}

/// A share of the total's conversations: `part / whole`, supported by the whole.
pub fn share_of_total(part: &Cell, whole: &Cell) -> Value {
    let (k, n) = (
        part.get(Counter::Conversations),
        whole.get(Counter::Conversations),
    );
    Value {
        value: (n > 0).then(|| k.clamp(0, n) as f64 / n as f64),
        support: n.max(0) as u64,
    }
}

/// The points of a metric that divides by the total: one per bucket in which the total has a
/// cell (a bucket where the series has none is a share of 0).
fn share_points(
    idx: &CellIndex,
    grain: SeriesGrain,
    (dim, value): (Dim, &str),
    from_ms: i64,
    to_ms: i64,
) -> Vec<Point> {
    let part: std::collections::HashMap<i64, Cell> =
        cells_by_bucket(idx, grain, dim, value, from_ms, to_ms)
            .into_iter()
            .collect();
    let empty = Cell::default();
    cells_by_bucket(idx, grain, Dim::All, ALL_VALUE, from_ms, to_ms)
        .into_iter()
        .map(|(b, whole)| {
            let v = share_of_total(part.get(&b).unwrap_or(&empty), &whole);
            Point {
                bucket_ms: b,
                value: v.value,
                support: v.support,
            }
        })
        .collect()
}

/// A metric over a whole period for one series (cells merged).
pub fn total(
    idx: &CellIndex,
    metric: Metric,
    dim: Dim,
    value: &str,
    from_ms: i64,
    to_ms: i64,
) -> Value {
    let cell = merged(idx, Grain::Day, dim, value, from_ms, to_ms);
    if metric.needs_total() {
        let whole = merged(idx, Grain::Day, Dim::All, ALL_VALUE, from_ms, to_ms);
        return share_of_total(&cell, &whole);
    }
    self::value(&cell, metric)
}

/// One series' cells of a grain with bucket in `[from_ms, to_ms)`, merged into one.
pub fn merged(
    idx: &CellIndex,
    grain: Grain,
    dim: Dim,
    value: &str,
    from_ms: i64,
    to_ms: i64,
) -> Cell {
    let mut cell = Cell::default();
    for (_, c) in idx.range(grain, dim, value, from_ms, to_ms) {
        cell.merge(c);
    }
    cell
}

/// The dashboard query set used by the benchmark: daily FRT median and p90 per channel,
/// resolution rate and repeat-contact rate overall, mean sentiment per topic.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dashboard {
    pub frt_median_by_channel: Vec<Series>,
    pub frt_p90_by_channel: Vec<Series>,
    pub resolution_rate: Series,
    pub repeat_rate: Series,
    pub sentiment_by_topic: Vec<Series>,
}

/// The sketches [`dashboard`] reads (of its metrics, only the FRT quantiles read one): what
/// its cells must be loaded with.
pub const DASHBOARD_SKETCHES: crate::cell::SketchSet = Metric::FrtMedian
    .sketches()
    .union(Metric::FrtP90.sketches());

pub fn dashboard(idx: &CellIndex, from_ms: i64, to_ms: i64) -> Dashboard {
    let d = SeriesGrain::Day;
    Dashboard {
        frt_median_by_channel: breakdown(idx, Metric::FrtMedian, d, Dim::Channel, from_ms, to_ms),
        frt_p90_by_channel: breakdown(idx, Metric::FrtP90, d, Dim::Channel, from_ms, to_ms),
        resolution_rate: series(
            idx,
            Metric::ResolutionRate,
            d,
            Dim::All,
            "all",
            from_ms,
            to_ms,
        ),
        repeat_rate: series(idx, Metric::RepeatRate, d, Dim::All, "all", from_ms, to_ms),
        sentiment_by_topic: breakdown(idx, Metric::SentimentMean, d, Dim::Topic, from_ms, to_ms),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday() {
        // 2026-03-02 is a Monday.
        let monday = 1_772_409_600_000i64;
        assert_eq!(week_start(monday), monday);
        assert_eq!(week_start(monday + 6 * DAY_MS + 1), monday);
        assert_eq!(week_start(monday - 1), monday - WEEK_MS);
    }

    #[test]
    fn undefined_rates_are_none_and_extremity_is_tv_distance() {
        let c = Cell::default();
        for m in Metric::ALL {
            let v = value(&c, m);
            assert!(v.value.is_none() || v.value == Some(0.0), "{m:?}");
        }
        assert_eq!(
            total_variation(&[1, 0, 0, 0, 1], &[1, 0, 0, 0, 1]),
            Some(0.0)
        );
        assert_eq!(
            total_variation(&[1, 0, 0, 0, 0], &[0, 0, 0, 0, 1]),
            Some(1.0)
        );
        assert_eq!(total_variation(&[0; 5], &[1, 0, 0, 0, 0]), None);
    }
}
