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

    /// Adds one text and its phrases (duplicates within the text count once; blank phrases
    /// are ignored).
    pub fn add(&mut self, at: OffsetDateTime, phrases: &[String], text: &str) {
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
        }
    }

    pub fn merge(&mut self, other: &PhraseCounts) {
        for (d, o) in &other.days {
            let day = self.days.entry(*d).or_default();
            day.docs = day.docs.saturating_add(o.docs);
            for (p, c) in &o.counts {
                let e = day.counts.entry(p.clone()).or_default();
                *e = e.saturating_add(*c);
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
