//! Metric definitions over conversation timelines. Written once here and used
//! by the API, the CLI and the benchmarks; documented in docs/metrics.md.

use serde::Serialize;
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// The moments of one conversation that the basic metrics need.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timeline {
    /// The first customer message.
    pub first_inbound_at: OffsetDateTime,
    /// The first brand message at or after `first_inbound_at`.
    pub first_response_at: Option<OffsetDateTime>,
    /// The first time the conversation was resolved.
    pub resolved_at: Option<OffsetDateTime>,
}

impl Timeline {
    /// First response time in seconds; `None` while unanswered.
    pub fn first_response_secs(&self) -> Option<f64> {
        self.first_response_at
            .map(|r| (r - self.first_inbound_at).as_seconds_f64().max(0.0))
    }

    /// Time to resolution in seconds; `None` while unresolved.
    pub fn resolution_secs(&self) -> Option<f64> {
        self.resolved_at
            .map(|r| (r - self.first_inbound_at).as_seconds_f64().max(0.0))
    }
}

/// Quantile `q` (0..=1) of `sorted` by linear interpolation between closest
/// ranks (the common "type 7" definition, as numpy and spreadsheets use).
/// `None` for an empty slice.
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let q = q.clamp(0.0, 1.0);
    let pos = q * (n - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let frac = pos - lo as f64;
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * frac)
}

/// Headline care metrics over the conversations that started in a range.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    /// Conversations whose first customer message falls in the range.
    pub conversations: u64,
    /// Of those, how many got a brand response.
    pub answered: u64,
    /// answered / conversations (0 when there are none).
    pub response_rate: f64,
    pub frt_median_s: Option<f64>,
    pub frt_p90_s: Option<f64>,
    pub frt_mean_s: Option<f64>,
    pub resolved: u64,
    pub ttr_median_s: Option<f64>,
    pub ttr_p90_s: Option<f64>,
}

/// Computes [`Summary`] from timelines.
pub fn summarize(timelines: impl IntoIterator<Item = Timeline>) -> Summary {
    let mut frt = Vec::new();
    let mut ttr = Vec::new();
    let mut n = 0u64;
    for t in timelines {
        n += 1;
        if let Some(s) = t.first_response_secs() {
            frt.push(s);
        }
        if let Some(s) = t.resolution_secs() {
            ttr.push(s);
        }
    }
    frt.sort_by(f64::total_cmp);
    ttr.sort_by(f64::total_cmp);
    let mean = |v: &[f64]| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
    Summary {
        conversations: n,
        answered: frt.len() as u64,
        response_rate: if n == 0 {
            0.0
        } else {
            frt.len() as f64 / n as f64
        },
        frt_median_s: quantile(&frt, 0.5),
        frt_p90_s: quantile(&frt, 0.9),
        frt_mean_s: mean(&frt),
        resolved: ttr.len() as u64,
        ttr_median_s: quantile(&ttr, 0.5),
        ttr_p90_s: quantile(&ttr, 0.9),
    }
}

/// Message volume broken down by a dimension (channel, topic, ...).
pub type Volume = BTreeMap<String, u64>;

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn quantiles_interpolate() {
        assert_eq!(quantile(&[], 0.5), None);
        assert_eq!(quantile(&[5.0], 0.9), Some(5.0));
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 0.5), Some(2.5));
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        let p90 = quantile(&v, 0.9).unwrap();
        assert!((p90 - 9.1).abs() < 1e-9, "{p90}");
    }

    #[test]
    fn worked_example_from_docs() {
        // docs/metrics.md: three conversations, answered after 60 s and 600 s,
        // one unanswered; one resolved after 1 h.
        let t0 = datetime!(2026-03-02 09:00 UTC);
        let ts = [
            Timeline {
                first_inbound_at: t0,
                first_response_at: Some(t0 + time::Duration::seconds(60)),
                resolved_at: Some(t0 + time::Duration::hours(1)),
            },
            Timeline {
                first_inbound_at: t0,
                first_response_at: Some(t0 + time::Duration::seconds(600)),
                resolved_at: None,
            },
            Timeline {
                first_inbound_at: t0,
                first_response_at: None,
                resolved_at: None,
            },
        ];
        let s = summarize(ts);
        assert_eq!(s.conversations, 3);
        assert_eq!(s.answered, 2);
        assert!((s.response_rate - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(s.frt_median_s, Some(330.0));
        assert_eq!(s.frt_p90_s, Some(546.0));
        assert_eq!(s.ttr_median_s, Some(3600.0));
    }
}
