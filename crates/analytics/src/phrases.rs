//! Daily counts of key phrases in unprompted feedback and survey comments, with a few example
//! texts per phrase and day: the input of the recurring-phrase detector. Phrases come from the
//! `nlp` crate's key-phrase extractor (`Enrichment::phrases`) or any other list.

use crate::rollup::{DAY_MS, Grain};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use time::OffsetDateTime;

/// At most this many example texts are kept per phrase and day.
pub const EXAMPLES_PER_DAY: usize = 3;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DayPhrases {
    /// Texts seen that day (the denominator of phrase rates).
    pub docs: u32,
    /// Texts containing each phrase (a phrase counts once per text).
    pub counts: HashMap<String, u32>,
    pub examples: HashMap<String, Vec<String>>,
    /// Of the texts containing each phrase, how many were about each topic (texts without a
    /// topic are not counted): which team a rising phrase belongs to.
    #[serde(default)]
    pub topics: HashMap<String, HashMap<String, u32>>,
}

/// Phrase counts by UTC day (bucket start, epoch ms).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PhraseCounts {
    pub days: BTreeMap<i64, DayPhrases>,
}

impl PhraseCounts {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one text, its phrases (duplicates within the text count once; blank phrases are
    /// ignored) and the topic it is about, if any.
    pub fn add(&mut self, at: OffsetDateTime, phrases: &[String], text: &str, topic: Option<&str>) {
        let ms = (at.unix_timestamp_nanos() / 1_000_000).clamp(i64::MIN as i128, i64::MAX as i128)
            as i64;
        let day = self.days.entry(Grain::Day.bucket(ms)).or_default();
        day.docs = day.docs.saturating_add(1);
        let mut seen: Vec<&str> = Vec::new();
        for p in phrases {
            let p = p.trim();
            if p.is_empty() || seen.contains(&p) {
                continue;
            }
            seen.push(p);
            let c = day.counts.entry(p.to_string()).or_default();
            *c = c.saturating_add(1);
            let ex = day.examples.entry(p.to_string()).or_default();
            if ex.len() < EXAMPLES_PER_DAY {
                ex.push(text.chars().take(280).collect());
            }
            if let Some(t) = topic {
                let n = day
                    .topics
                    .entry(p.to_string())
                    .or_default()
                    .entry(t.to_string())
                    .or_default();
                *n = n.saturating_add(1);
            }
        }
    }

    /// The topic most texts containing `phrase` in days `[from_ms, to_ms)` were about, with
    /// its count and the phrase's count (ties go to the first name).
    pub fn main_topic(&self, phrase: &str, from_ms: i64, to_ms: i64) -> Option<(String, u32, u32)> {
        let mut by_topic: BTreeMap<&str, u32> = BTreeMap::new();
        let mut total = 0u32;
        for (_, day) in self.range(from_ms, to_ms) {
            total = total.saturating_add(day.counts.get(phrase).copied().unwrap_or(0));
            for (t, n) in day.topics.get(phrase).into_iter().flatten() {
                let e = by_topic.entry(t.as_str()).or_default();
                *e = e.saturating_add(*n);
            }
        }
        // the largest count; of equal ones the first name
        let (t, n) = by_topic
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))?;
        Some((t.to_string(), n, total))
    }

    pub fn merge(&mut self, other: &PhraseCounts) {
        for (d, o) in &other.days {
            let day = self.days.entry(*d).or_default();
            day.docs = day.docs.saturating_add(o.docs);
            for (p, c) in &o.counts {
                let e = day.counts.entry(p.clone()).or_default();
                *e = e.saturating_add(*c);
            }
            for (p, ts) in &o.topics {
                let e = day.topics.entry(p.clone()).or_default();
                for (t, n) in ts {
                    let c = e.entry(t.clone()).or_default();
                    *c = c.saturating_add(*n);
                }
            }
            for (p, ex) in &o.examples {
                let e = day.examples.entry(p.clone()).or_default();
                for x in ex {
                    if e.len() < EXAMPLES_PER_DAY {
                        e.push(x.clone());
                    }
                }
            }
        }
    }

    /// Days with bucket start in `[from_ms, to_ms)`.
    pub fn range(&self, from_ms: i64, to_ms: i64) -> impl Iterator<Item = (&i64, &DayPhrases)> {
        self.days.range(from_ms..to_ms.max(from_ms))
    }

    pub fn first_day(&self) -> Option<i64> {
        self.days.keys().next().copied()
    }
}

/// Whole days between two day-bucket starts.
pub fn days_between(a: i64, b: i64) -> i64 {
    (b - a).div_euclid(DAY_MS)
}
