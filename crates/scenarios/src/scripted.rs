//! The truth of a plain simulated history: what its scripted changes (`simulate`'s timeline:
//! a login release, a courier partner, a checkout outage, a returns policy, a campaign) do to
//! the data, as truth lines, so `earshot eval detectors --data` can score the demo's own story
//! and whether each change is ranked first among the probable causes.

use crate::Truth;
use analytics::detect::DetectionKind;
use analytics::rollup::Dim;
use domain::record::ChangeEntry;
use simulate::timeline::{Effect, Scripted};
use time::{Duration, OffsetDateTime};

/// What a change to a topic's mix may also show as, besides its share of conversations: the
/// topic turns more negative and its own feedback phrase recurs.
const TOPIC_ALSO: [DetectionKind; 6] = [
    DetectionKind::SlowBleed,
    DetectionKind::RecurringPhrase,
    DetectionKind::RepeatTrend,
    DetectionKind::EscalationTrend,
    DetectionKind::MaskedResolution,
    DetectionKind::CsatMasking,
];

type Shape = (
    DetectionKind,
    Vec<DetectionKind>,
    Vec<String>,
    Vec<(Dim, String)>,
    OffsetDateTime,
    String,
);

/// A change to one topic's mix, lasting to the end: a topic trend of its share.
fn topic_truth(topic: simulate::text::Topic, end: OffsetDateTime, what: String) -> Shape {
    (
        DetectionKind::TopicTrend,
        TOPIC_ALSO.to_vec(),
        vec!["conversation_share".to_string()],
        vec![(Dim::Topic, topic.as_str().to_string())],
        end,
        format!("{}'s {what}", topic.as_str()),
    )
}

fn duration(days: f64) -> Duration {
    Duration::seconds_f64(days * 86_400.0)
}

/// One truth per scripted change that made it into the history (its change entry is among
/// `changes`), the change named as its cause. `end` is the end of the history: a ramp or a
/// step lasts to it.
pub fn truths(scripted: &[Scripted], changes: &[ChangeEntry], end: OffsetDateTime) -> Vec<Truth> {
    let mut out = Vec::new();
    for (i, s) in scripted.iter().enumerate() {
        let Some(change) = changes.iter().find(|c| c.at == s.at && c.title == s.title) else {
            continue;
        };
        let (kind, also, metrics, scopes, until, what) = match s.effect {
            Effect::SlowBleed {
                topic,
                max,
                ramp_days,
            } => topic_truth(
                topic,
                end,
                format!("share of conversations ramps to {max}× over {ramp_days} days"),
            ),
            Effect::Step { topic, mult } => topic_truth(
                topic,
                end,
                format!("share of conversations steps to {mult}×"),
            ),
            Effect::Spike {
                topic,
                hours,
                volume,
            } => (
                DetectionKind::Spike,
                Vec::new(),
                vec!["conversations".to_string()],
                // the burst is in every channel and queue, mostly about one topic
                Vec::new(),
                s.at + duration(hours / 24.0),
                format!(
                    "{volume}× the volume for {hours} hours, mostly about {}",
                    topic.as_str()
                ),
            ),
            Effect::Campaign {
                topic,
                days,
                volume,
            } => (
                DetectionKind::Spike,
                vec![DetectionKind::TopicTrend],
                vec!["conversations".to_string()],
                vec![
                    (Dim::Topic, topic.as_str().to_string()),
                    (Dim::All, analytics::rollup::ALL_VALUE.to_string()),
                ],
                s.at + duration(days),
                format!(
                    "{volume}× the volume for {days} days, twice the usual share about {}",
                    topic.as_str()
                ),
            ),
        };
        out.push(Truth {
            id: format!("scripted-{}", i + 1),
            kind,
            also,
            metrics,
            scopes,
            start: s.at,
            end: until.min(end),
            marker: None,
            cause_change_id: Some(change.id.clone()),
            description: format!("{}: {what}", s.title),
        });
    }
    out
}
