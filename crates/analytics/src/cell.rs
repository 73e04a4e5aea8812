//! One rollup cell: integer counters (including fixed-point sums) and four quantile sketches,
//! mergeable and serialisable to a compact, versioned byte form.

use crate::sketch::{DecodeError, Sketch};
use serde::{Deserialize, Serialize};

macro_rules! counters {
    ($($(#[$m:meta])* $name:ident = $s:literal),* $(,)?) => {
        /// The counters of a cell. Sums are fixed-point integers so that add-only deltas
        /// (which may subtract when a conversation changes) are exact.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[repr(u8)]
        pub enum Counter { $($(#[$m])* $name),* }

        impl Counter {
            pub const ALL: &'static [Counter] = &[$(Counter::$name),*];
            pub fn as_str(self) -> &'static str {
                match self { $(Counter::$name => $s),* }
            }
        }
    };
}

counters! {
    // ---- conversations, in the bucket of their first inbound message ----
    /// Conversations opened.
    Conversations = "conversations",
    /// … that have a first response.
    Answered = "answered",
    /// … that have been resolved (at least once).
    Resolved = "resolved",
    /// Resolved conversations on social channels (for social-only FCR in mixed cells).
    ResolvedSocial = "resolved_social",
    /// Resolved conversations followed by a repeat contact (revokes first-contact resolution).
    FcrRevoked = "fcr_revoked",
    FcrRevokedSocial = "fcr_revoked_social",
    /// Conversations that are repeat contacts (same customer, same or unknown topic, within
    /// the repeat window after the previous one's resolution).
    Repeats = "repeats",
    /// Conversations escalated to any tier.
    Escalated = "escalated",
    /// Conversations whose first customer message has a sentiment.
    SentStart = "sent_start",
    /// … and it is negative.
    NegStart = "neg_start",
    /// Resolved conversations that started negative.
    NegStartResolved = "neg_start_resolved",
    /// … whose last customer message (not the first) is neutral or positive.
    Converted = "converted",
    /// Resolved conversations by band of the last customer message's sentiment:
    /// (< −0.5], (−0.5, −0.05), [−0.05, 0.05], (0.05, 0.5), [0.5 <.
    EndBand0 = "end_band_0",
    EndBand1 = "end_band_1",
    EndBand2 = "end_band_2",
    EndBand3 = "end_band_3",
    EndBand4 = "end_band_4",
    /// Sum of the last customer sentiment of resolved conversations, ×10⁴.
    EndSentimentSum = "end_sentiment_sum_e4",
    /// Brand messages in resolved conversations.
    Touches = "touches",
    // ---- customer messages, in the bucket of the message ----
    MsgIn = "msg_in",
    MsgNeg = "msg_neg",
    MsgNeu = "msg_neu",
    MsgPos = "msg_pos",
    MsgUnclassified = "msg_unclassified",
    /// Sum of classified message sentiment scores, ×10⁴.
    MsgSentimentSum = "msg_sentiment_sum_e4",
    // ---- surveys, in the bucket of the conversation they rate ----
    CsatN = "csat_n",
    CsatSum = "csat_sum",
    /// CSAT answers of 4 or 5.
    CsatSatisfied = "csat_satisfied",
    Csat1 = "csat_1",
    Csat2 = "csat_2",
    Csat3 = "csat_3",
    Csat4 = "csat_4",
    Csat5 = "csat_5",
    /// CSAT responders by the same end-sentiment bands as `EndBand*`.
    RespBand0 = "resp_band_0",
    RespBand1 = "resp_band_1",
    RespBand2 = "resp_band_2",
    RespBand3 = "resp_band_3",
    RespBand4 = "resp_band_4",
    NpsN = "nps_n",
    NpsSum = "nps_sum",
    NpsPromoters = "nps_promoters",
    NpsDetractors = "nps_detractors",
    // ---- conversation-hours, in the bucket of the message ----
    /// Customer messages that are their conversation's first in that clock hour: summed over
    /// hours, the conversation-hours with a customer message. Unlike `MsgIn`, a burst of
    /// messages in one conversation counts once, so hourly counts are close to independent
    /// (coverage gaps are judged on it); unlike `Conversations`, a conversation keeps
    /// counting while it goes on, so a connector that loses most messages shows.
    ActiveHours = "active_hours",
}

pub const N_COUNTERS: usize = Counter::ALL.len();

/// The quantile sketches of a cell (all in seconds, over conversations of the bucket).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(u8)]
pub enum SketchKind {
    /// First response time, calendar.
    Frt,
    /// First response time, business hours of the conversation's queue.
    FrtBusiness,
    /// Time to (first) resolution.
    Ttr,
    /// Handling time: first response to first resolution.
    Handling,
}

impl SketchKind {
    pub const ALL: [SketchKind; 4] = [
        SketchKind::Frt,
        SketchKind::FrtBusiness,
        SketchKind::Ttr,
        SketchKind::Handling,
    ];
}

/// A set of sketch kinds: which sketches a query decodes when it loads cells. Decoding
/// sketches is most of the cost of reading cells; a query that reads one kind decodes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SketchSet(u8);

impl SketchSet {
    pub const ALL: SketchSet = SketchSet(0b1111);
    pub const NONE: SketchSet = SketchSet(0);

    pub const fn with(self, k: SketchKind) -> SketchSet {
        SketchSet(self.0 | 1 << k as u8)
    }
    pub const fn contains(self, k: SketchKind) -> bool {
        self.0 & (1 << k as u8) != 0
    }
    pub const fn union(self, other: SketchSet) -> SketchSet {
        SketchSet(self.0 | other.0)
    }
}

/// Format version written by [`Cell::to_bytes`].
pub const CELL_FORMAT: u8 = 1;

/// Counters, fixed-point sums and sketches of one time bucket × dimension value.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    counters: [i64; N_COUNTERS],
    sketches: [Option<Box<Sketch>>; 4],
    /// Sketches present in the stored bytes but not decoded ([`Cell::from_bytes_with`]).
    skipped: SketchSet,
}

impl Default for Cell {
    fn default() -> Self {
        Cell {
            counters: [0; N_COUNTERS],
            sketches: Default::default(),
            skipped: SketchSet::NONE,
        }
    }
}

impl Cell {
    pub fn get(&self, c: Counter) -> i64 {
        self.counters[c as usize]
    }

    /// Counter value as f64 (for rates).
    pub fn f(&self, c: Counter) -> f64 {
        self.get(c) as f64
    }

    pub fn add(&mut self, c: Counter, v: i64) {
        let slot = &mut self.counters[c as usize];
        *slot = slot.saturating_add(v);
    }

    pub fn sketch(&self, k: SketchKind) -> Option<&Sketch> {
        debug_assert!(
            !self.skipped.contains(k),
            "the {k:?} sketch of this cell was not decoded: load it with a SketchSet holding it"
        );
        self.sketches[k as usize].as_deref()
    }

    pub fn insert(&mut self, k: SketchKind, v: f64) {
        if !v.is_finite() {
            return;
        }
        self.sketches[k as usize]
            .get_or_insert_with(Default::default)
            .add(v);
    }

    pub fn merge(&mut self, other: &Cell) {
        self.skipped = self.skipped.union(other.skipped);
        for (a, b) in self.counters.iter_mut().zip(other.counters.iter()) {
            *a = a.saturating_add(*b);
        }
        for (a, b) in self.sketches.iter_mut().zip(other.sketches.iter()) {
            if let Some(b) = b {
                match a {
                    Some(a) => a.merge(b),
                    None => *a = Some(b.clone()),
                }
            }
        }
    }

    /// True when every counter is zero and no sketch holds a value.
    pub fn is_empty(&self) -> bool {
        self.counters.iter().all(|c| *c == 0)
            && self
                .sketches
                .iter()
                .all(|s| s.as_ref().is_none_or(|s| s.is_empty()))
    }

    /// Compact bytes: version, number of counters, a bitmap of the non-zero ones, their
    /// values as zig-zag varints, then a byte of present sketches and each sketch
    /// length-prefixed in DDSketch's binary encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        debug_assert_eq!(
            self.skipped,
            SketchSet::NONE,
            "a partly decoded cell must not be written back"
        );
        let mut out = Vec::with_capacity(32);
        out.push(CELL_FORMAT);
        out.push(N_COUNTERS as u8);
        let mut bitmap = [0u8; N_COUNTERS.div_ceil(8)];
        for (i, c) in self.counters.iter().enumerate() {
            if *c != 0 {
                bitmap[i / 8] |= 1 << (i % 8);
            }
        }
        out.extend_from_slice(&bitmap);
        for c in self.counters.iter().filter(|c| **c != 0) {
            put_var(&mut out, ((*c << 1) ^ (*c >> 63)) as u64);
        }
        let mut present = 0u8;
        for (i, s) in self.sketches.iter().enumerate() {
            if s.as_ref().is_some_and(|s| !s.is_empty()) {
                present |= 1 << i;
            }
        }
        out.push(present);
        for s in self.sketches.iter().flatten().filter(|s| !s.is_empty()) {
            let b = s.to_bytes();
            put_var(&mut out, b.len() as u64);
            out.extend_from_slice(&b);
        }
        out
    }

    /// Decodes [`Cell::to_bytes`]; corrupt or unknown input is an error, never a panic.
    pub fn from_bytes(bytes: &[u8]) -> Result<Cell, DecodeError> {
        Self::from_bytes_with(bytes, SketchSet::ALL)
    }

    /// Decodes the counters and only the `wanted` sketches (the others are skipped by their
    /// length prefix, unread). For queries: such a cell must not be written back.
    pub fn from_bytes_with(bytes: &[u8], wanted: SketchSet) -> Result<Cell, DecodeError> {
        let mut input = bytes;
        let version = take(&mut input)?;
        if version != CELL_FORMAT {
            return Err(DecodeError::Version(version));
        }
        let n = usize::from(take(&mut input)?);
        if n > N_COUNTERS {
            return Err(DecodeError::Cell(format!(
                "{n} counters, this version knows {N_COUNTERS}"
            )));
        }
        let bitmap_len = n.div_ceil(8);
        if input.len() < bitmap_len {
            return Err(DecodeError::Eof);
        }
        let (bitmap, rest) = input.split_at(bitmap_len);
        input = rest;
        let mut cell = Cell::default();
        for i in 0..n {
            if bitmap[i / 8] & (1 << (i % 8)) != 0 {
                let z = get_var(&mut input)?;
                cell.counters[i] = ((z >> 1) as i64) ^ -((z & 1) as i64);
            }
        }
        if bitmap
            .iter()
            .enumerate()
            .any(|(byte, bits)| (0..8).any(|bit| bits & (1 << bit) != 0 && byte * 8 + bit >= n))
        {
            return Err(DecodeError::Cell("bitmap names unknown counters".into()));
        }
        let present = take(&mut input)?;
        if present >> 4 != 0 {
            return Err(DecodeError::Cell("unknown sketch".into()));
        }
        for i in 0..4 {
            if present & (1 << i) != 0 {
                let len = get_var(&mut input)?;
                let len = usize::try_from(len).map_err(|_| DecodeError::Eof)?;
                if input.len() < len {
                    return Err(DecodeError::Eof);
                }
                let (b, rest) = input.split_at(len);
                input = rest;
                let kind = SketchKind::ALL[i];
                if wanted.contains(kind) {
                    cell.sketches[i] = Some(Box::new(Sketch::from_bytes(b)?));
                } else {
                    cell.skipped = cell.skipped.with(kind);
                }
            }
        }
        if !input.is_empty() {
            return Err(DecodeError::Cell(format!("{} trailing bytes", input.len())));
        }
        Ok(cell)
    }
}

fn put_var(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn take(input: &mut &[u8]) -> Result<u8, DecodeError> {
    match input.split_first() {
        Some((&b, rest)) => {
            *input = rest;
            Ok(b)
        }
        None => Err(DecodeError::Eof),
    }
}

fn get_var(input: &mut &[u8]) -> Result<u64, DecodeError> {
    let mut v: u64 = 0;
    for shift in (0..64).step_by(7) {
        let b = take(input)?;
        v |= u64::from(b & 0x7F) << shift;
        if b < 0x80 {
            return Ok(v);
        }
    }
    Err(DecodeError::Cell("varint too long".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full_cell() -> Cell {
        let mut c = Cell::default();
        c.add(Counter::Conversations, 7);
        c.add(Counter::Answered, 5);
        for (i, k) in SketchKind::ALL.iter().enumerate() {
            for v in 0..20 {
                c.insert(*k, f64::from(v * (i as i32 + 1)) + 1.0);
            }
        }
        c
    }

    #[test]
    fn partial_decoding_keeps_counters_and_the_wanted_sketch() {
        let full = full_cell();
        let bytes = full.to_bytes();
        let part = Cell::from_bytes_with(&bytes, SketchSet::NONE.with(SketchKind::Ttr)).unwrap();
        assert_eq!(part.get(Counter::Conversations), 7);
        assert_eq!(part.get(Counter::Answered), 5);
        assert_eq!(part.sketch(SketchKind::Ttr), full.sketch(SketchKind::Ttr));
        assert_ne!(part, full, "a partly decoded cell is not the full cell");
        let none = Cell::from_bytes_with(&bytes, SketchSet::NONE).unwrap();
        assert_eq!(none.get(Counter::Conversations), 7);
        // Corrupt bytes are still errors, also in a skipped sketch's length prefix.
        assert!(Cell::from_bytes_with(&bytes[..bytes.len() - 1], SketchSet::NONE).is_err());
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "was not decoded")]
    fn reading_a_skipped_sketch_is_caught_in_debug_builds() {
        let bytes = full_cell().to_bytes();
        let part = Cell::from_bytes_with(&bytes, SketchSet::NONE.with(SketchKind::Frt)).unwrap();
        let _ = part.sketch(SketchKind::Handling);
    }

    #[test]
    fn bytes_round_trip_and_are_compact() {
        let mut c = Cell::default();
        assert_eq!(Cell::from_bytes(&c.to_bytes()).unwrap(), c);
        assert!(c.to_bytes().len() <= 10);
        c.add(Counter::Conversations, 12);
        c.add(Counter::FcrRevoked, -3);
        c.add(Counter::MsgSentimentSum, -123_456);
        c.insert(SketchKind::Frt, 61.0);
        c.insert(SketchKind::Ttr, 3600.0);
        let b = c.to_bytes();
        assert_eq!(Cell::from_bytes(&b).unwrap(), c);
        assert!(b.len() < 120, "{}", b.len());
    }

    #[test]
    fn merge_adds_counters_and_sketches() {
        let mut a = Cell::default();
        a.add(Counter::Answered, 2);
        a.insert(SketchKind::Frt, 10.0);
        let mut b = Cell::default();
        b.add(Counter::Answered, -1);
        b.insert(SketchKind::Frt, 20.0);
        b.insert(SketchKind::Handling, 5.0);
        a.merge(&b);
        assert_eq!(a.get(Counter::Answered), 1);
        assert_eq!(a.sketch(SketchKind::Frt).map(|s| s.count()), Some(2));
        assert_eq!(a.sketch(SketchKind::Handling).map(|s| s.count()), Some(1));
    }

    #[test]
    fn bad_bytes_are_errors_not_panics() {
        let mut c = Cell::default();
        c.add(Counter::CsatN, 5);
        c.insert(SketchKind::Frt, 99.0);
        let good = c.to_bytes();
        assert!(matches!(Cell::from_bytes(&[]), Err(DecodeError::Eof)));
        assert!(matches!(
            Cell::from_bytes(&[9]),
            Err(DecodeError::Version(9))
        ));
        assert!(Cell::from_bytes(&[1, 255]).is_err());
        let mut trailing = good.clone();
        trailing.push(0);
        assert!(Cell::from_bytes(&trailing).is_err());
        for i in 0..good.len() {
            for x in [0x01, 0x80, 0xFF] {
                let mut b = good.clone();
                b[i] ^= x;
                let _ = Cell::from_bytes(&b);
            }
            let _ = Cell::from_bytes(&good[..i]);
        }
    }
}
