//! The metrics report behind `GET /api/v1/metrics` and `earshot metrics`.

use serde::{Deserialize, Serialize};
use store::{Store, VolumeDimension};
use time::OffsetDateTime;

/// The headline metrics over a range, times in seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MetricsReport {
    /// Start of the range (inclusive), RFC 3339.
    pub from: String,
    /// End of the range (exclusive), RFC 3339.
    pub to: String,
    pub channel: Option<String>,
    /// Conversations whose first customer message falls in the range.
    pub conversations: u64,
    pub answered: u64,
    pub response_rate: f64,
    pub frt_median_s: Option<f64>,
    pub frt_p90_s: Option<f64>,
    pub frt_mean_s: Option<f64>,
    pub resolved: u64,
    pub ttr_median_s: Option<f64>,
    pub ttr_p90_s: Option<f64>,
    /// Customer messages in the range by channel.
    #[schema(value_type = Object)]
    pub volume_by_channel: std::collections::BTreeMap<String, u64>,
    /// Customer messages in the range by topic ("none" when no topic matched).
    #[schema(value_type = Object)]
    pub volume_by_topic: std::collections::BTreeMap<String, u64>,
}

/// The default range covers all history.
pub const ALL_FROM_MS: i64 = 0;
pub const ALL_TO_MS: i64 = 253_402_300_799_000; // 9999-12-31T23:59:59Z

pub async fn report(
    store: &Store,
    from_ms: i64,
    to_ms: i64,
    channel: Option<domain::Channel>,
) -> Result<MetricsReport, store::StoreError> {
    let timelines = store.timelines(from_ms, to_ms, channel).await?;
    let s = domain::metrics::summarize(timelines);
    let mut by_channel = store
        .volume(from_ms, to_ms, VolumeDimension::Channel)
        .await?;
    let by_topic = store.volume(from_ms, to_ms, VolumeDimension::Topic).await?;
    if let Some(c) = channel {
        by_channel.retain(|k, _| k == c.as_str());
    }
    Ok(MetricsReport {
        from: store::rfc3339(from_ms),
        to: store::rfc3339(to_ms),
        channel: channel.map(|c| c.to_string()),
        conversations: s.conversations,
        answered: s.answered,
        response_rate: s.response_rate,
        frt_median_s: s.frt_median_s,
        frt_p90_s: s.frt_p90_s,
        frt_mean_s: s.frt_mean_s,
        resolved: s.resolved,
        ttr_median_s: s.ttr_median_s,
        ttr_p90_s: s.ttr_p90_s,
        volume_by_channel: by_channel,
        volume_by_topic: by_topic,
    })
}

/// Parses an RFC 3339 time for a named parameter.
pub fn parse_time(name: &str, value: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339)
        .map_err(|e| format!("parameter '{name}': '{value}' is not an RFC 3339 time ({e})"))
}

/// An optional RFC 3339 time for a named parameter as epoch milliseconds; now when absent.
pub fn parse_time_or_now(name: &str, value: Option<&str>) -> Result<i64, String> {
    match value {
        Some(v) => parse_time(name, v).map(store::to_ms),
        None => Ok(store::to_ms(OffsetDateTime::now_utc())),
    }
}

/// Resolves an optional range to epoch milliseconds, checking its order.
pub fn parse_range(from: Option<&str>, to: Option<&str>) -> Result<(i64, i64), String> {
    let from_ms = from
        .map(|v| parse_time("from", v).map(store::to_ms))
        .transpose()?
        .unwrap_or(ALL_FROM_MS);
    let to_ms = to
        .map(|v| parse_time("to", v).map(store::to_ms))
        .transpose()?
        .unwrap_or(ALL_TO_MS);
    if from_ms >= to_ms {
        return Err("the range is empty or reversed: 'from' must be before 'to'".to_string());
    }
    Ok((from_ms, to_ms))
}
