//! Rollup cells (time bucket × one dimension) and the add-only deltas that keep them up to
//! date as events land. Attribution rules are documented in docs/analytics.md.

use crate::calendar::BusinessCalendars;
use crate::cell::{Cell, Counter, SketchKind};
use crate::metrics::{CSAT_HIST, END_BANDS, RESP_BANDS};
use domain::Conversation;
use domain::channel::Channel;
use domain::record::{SurveyAnswer, SurveyKind};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use time::OffsetDateTime;

pub const HOUR_MS: i64 = 3_600_000;
pub const DAY_MS: i64 = 86_400_000;

/// Sentiment scores within ±this are neutral (the nlp crate's default band).
pub const NEUTRAL_BAND: f32 = 0.05;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Grain {
    Hour,
    Day,
}

impl Grain {
    pub fn ms(self) -> i64 {
        match self {
            Grain::Hour => HOUR_MS,
            Grain::Day => DAY_MS,
        }
    }

    /// UTC start of the bucket holding `ms`.
    pub fn bucket(self, ms: i64) -> i64 {
        ms.div_euclid(self.ms()) * self.ms()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Grain::Hour => "hour",
            Grain::Day => "day",
        }
    }
}

/// The dimension a cell breaks down by; `All` is the total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dim {
    All,
    Channel,
    Topic,
    Queue,
    Agent,
    Team,
}

impl Dim {
    pub const ALL: [Dim; 6] = [
        Dim::All,
        Dim::Channel,
        Dim::Topic,
        Dim::Queue,
        Dim::Agent,
        Dim::Team,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Dim::All => "all",
            Dim::Channel => "channel",
            Dim::Topic => "topic",
            Dim::Queue => "queue",
            Dim::Agent => "agent",
            Dim::Team => "team",
        }
    }
}

/// Value of the `All` dimension.
pub const ALL_VALUE: &str = "all";
/// Topic value of conversations and messages without a detected topic.
pub const NO_TOPIC: &str = "none";
/// Team value of agents missing from [`Attribution::agent_team`].
pub const NO_TEAM: &str = "unassigned";

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CellKey {
    pub grain: Grain,
    /// UTC bucket start, epoch milliseconds.
    pub bucket_ms: i64,
    pub dim: Dim,
    pub value: String,
}

/// What attribution needs beyond the facts themselves.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribution {
    /// Agent id (as passed as first responder) → team.
    pub agent_team: HashMap<String, String>,
    /// Business-hours calendars per queue (default 24×7).
    pub business_hours: BusinessCalendars,
    /// A conversation opened within this many seconds after the previous one's resolution,
    /// and linked to it by threading, is a repeat contact. Default 7 days.
    pub repeat_window_secs: i64,
}

impl Default for Attribution {
    fn default() -> Self {
        Attribution {
            agent_team: HashMap::new(),
            business_hours: BusinessCalendars::default(),
            repeat_window_secs: 7 * 24 * 3600,
        }
    }
}

/// A conversation as analytics sees it: its stored state plus the facts it does not carry.
#[derive(Debug, Clone, Copy)]
pub struct ConvFacts<'a> {
    pub conv: &'a Conversation,
    /// Who sent the first response (e.g. `agent:maria`), once known. Set once: pass the same
    /// value for every later state.
    pub first_responder: Option<&'a str>,
    /// The conversation this one repeats (`conv.repeat_of`), as stored, when it is one and is
    /// at hand; its first-contact resolution is revoked by this repeat.
    pub original: Option<&'a Conversation>,
    /// The original's first responder (for its agent and team cells).
    pub original_first_responder: Option<&'a str>,
}

impl<'a> ConvFacts<'a> {
    pub fn new(conv: &'a Conversation) -> Self {
        ConvFacts {
            conv,
            first_responder: None,
            original: None,
            original_first_responder: None,
        }
    }

    pub fn responder(mut self, agent: Option<&'a str>) -> Self {
        self.first_responder = agent;
        self
    }

    pub fn repeating(mut self, original: Option<&'a Conversation>, agent: Option<&'a str>) -> Self {
        self.original = original;
        self.original_first_responder = agent;
        self
    }
}

fn ms(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000).clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

fn fixed(v: f32) -> i64 {
    if v.is_finite() {
        (f64::from(v.clamp(-1.0, 1.0)) * 10_000.0).round() as i64
    } else {
        0
    }
}

/// Band of an end-of-conversation sentiment score (see [`Counter::EndBand0`]).
pub fn band(score: f32) -> usize {
    if score <= -0.5 {
        0
    } else if score < -NEUTRAL_BAND {
        1
    } else if score <= NEUTRAL_BAND {
        2
    } else if score < 0.5 {
        3
    } else {
        4
    }
}

/// Dimension values a conversation is attributed to.
fn conv_dims<'a>(
    conv: &'a Conversation,
    agent: Option<&'a str>,
    attr: &'a Attribution,
) -> Vec<(Dim, &'a str)> {
    let mut d = vec![
        (Dim::All, ALL_VALUE),
        (Dim::Channel, conv.channel.as_str()),
        (Dim::Topic, conv.topic.as_deref().unwrap_or(NO_TOPIC)),
        (Dim::Queue, conv.queue.as_str()),
    ];
    if let Some(a) = agent {
        d.push((Dim::Agent, a));
        d.push((
            Dim::Team,
            attr.agent_team.get(a).map_or(NO_TEAM, String::as_str),
        ));
    }
    d
}

/// Whether a dimension value of a conversation can no longer change, so that sketch values
/// may be filed under it: the topic once detected, the agent once the first responder is
/// known; channel, queue and the total always.
fn settled(dim: Dim, facts: &ConvFacts<'_>) -> bool {
    match dim {
        Dim::Topic => facts.conv.topic.is_some(),
        Dim::Agent | Dim::Team => facts.first_responder.is_some(),
        _ => true,
    }
}

fn secs(a: OffsetDateTime, b: OffsetDateTime) -> f64 {
    (b - a).as_seconds_f64().max(0.0)
}

/// The set-once sketch values of a conversation in its current state.
fn sketch_values(c: &Conversation, attr: &Attribution) -> [Option<f64>; 4] {
    let frt = c.first_response_at.map(|r| secs(c.first_inbound_at, r));
    let frt_bh = c.first_response_at.map(|r| {
        attr.business_hours
            .for_queue(&c.queue)
            .business_seconds(c.first_inbound_at, r)
    });
    let ttr = c.resolved_at.map(|r| secs(c.first_inbound_at, r));
    let handling = match (c.first_response_at, c.resolved_at) {
        (Some(f), Some(r)) => Some(secs(f, r)),
        _ => None,
    };
    [frt, frt_bh, ttr, handling]
}

/// Whether a repeat contact counts as one: the original is the conversation threading linked
/// it to, resolved no more than the window before this one opened, and the topics agree (or
/// either is unknown).
fn counts_as_repeat(c: &Conversation, original: &Conversation, attr: &Attribution) -> bool {
    if c.repeat_of != Some(original.id) {
        return false;
    }
    let within = original.resolved_at.is_some_and(|r| {
        let gap = (c.first_inbound_at - r).whole_seconds();
        (0..=attr.repeat_window_secs).contains(&gap)
    });
    let same_topic = match (&c.topic, &original.topic) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    };
    within && same_topic
}

/// Counter contributions of one conversation state: (dims, bucket time, counters).
type Contribution = (i64, Vec<(Dim, String)>, Vec<(Counter, i64)>);

fn conv_counters(facts: &ConvFacts<'_>, attr: &Attribution) -> Vec<Contribution> {
    let c = facts.conv;
    let mut own: Vec<(Counter, i64)> = vec![(Counter::Conversations, 1)];
    if c.first_response_at.is_some() {
        own.push((Counter::Answered, 1));
    }
    if c.escalation_tier.is_some() {
        own.push((Counter::Escalated, 1));
    }
    if let Some(s) = c.sentiment_first {
        own.push((Counter::SentStart, 1));
        if s < -NEUTRAL_BAND {
            own.push((Counter::NegStart, 1));
        }
    }
    if c.resolved_at.is_some() {
        own.push((Counter::Resolved, 1));
        if c.channel.is_social() {
            own.push((Counter::ResolvedSocial, 1));
        }
        own.push((Counter::Touches, i64::from(c.outbound_count)));
        if let Some(end) = c.sentiment_last {
            own.push((END_BANDS[band(end)], 1));
            own.push((Counter::EndSentimentSum, fixed(end)));
        }
        if c.sentiment_first.is_some_and(|s| s < -NEUTRAL_BAND) {
            own.push((Counter::NegStartResolved, 1));
            if c.inbound_count >= 2 && c.sentiment_last.is_some_and(|s| s >= -NEUTRAL_BAND) {
                own.push((Counter::Converted, 1));
            }
        }
    }
    let mut out = Vec::new();
    let mut revoke = None;
    if let Some(orig) = facts.original
        && counts_as_repeat(c, orig, attr)
    {
        own.push((Counter::Repeats, 1));
        let mut r = vec![(Counter::FcrRevoked, 1)];
        if orig.channel.is_social() {
            r.push((Counter::FcrRevokedSocial, 1));
        }
        let dims = conv_dims(orig, facts.original_first_responder, attr)
            .into_iter()
            .map(|(d, v)| (d, v.to_string()))
            .collect();
        revoke = Some((ms(orig.first_inbound_at), dims, r));
    }
    let dims = conv_dims(c, facts.first_responder, attr)
        .into_iter()
        .map(|(d, v)| (d, v.to_string()))
        .collect();
    out.push((ms(c.first_inbound_at), dims, own));
    out.extend(revoke);
    out
}

/// Add-only changes to rollup cells, merged into stored cells with [`Cell::merge`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RollupDelta {
    /// (grain, bucket, dimension) → value → cell: a lookup by `&str` allocates the
    /// value's string only the first time a cell is touched (the planner touches a
    /// dozen cells per message).
    cells: HashMap<(Grain, i64, Dim), hashbrown::HashMap<String, Cell>>,
}

impl RollupDelta {
    pub fn new() -> Self {
        Self::default()
    }

    fn cell(&mut self, grain: Grain, at_ms: i64, dim: Dim, value: &str) -> &mut Cell {
        let values = self
            .cells
            .entry((grain, grain.bucket(at_ms), dim))
            .or_default();
        values.entry_ref(value).or_default()
    }

    fn add_counters(
        &mut self,
        at_ms: i64,
        dims: &[(Dim, String)],
        counters: &[(Counter, i64)],
        sign: i64,
    ) {
        for grain in [Grain::Hour, Grain::Day] {
            for (dim, value) in dims {
                let cell = self.cell(grain, at_ms, *dim, value);
                for (c, v) in counters {
                    cell.add(*c, sign * v);
                }
            }
        }
    }

    /// The difference between two states of a conversation (`before` is `None` when it is
    /// new). Counters move with the conversation; a sketch value (FRT, business FRT, TTR,
    /// handling time) is inserted once, in each cell whose dimension value is settled, the
    /// first time both the value and the dimension value are known. `before` must be the
    /// state last passed as `after` for this conversation (or `None`), with the same first
    /// responder and original unless they were unknown then.
    pub fn conversation_changed(
        &mut self,
        before: Option<ConvFacts<'_>>,
        after: ConvFacts<'_>,
        attr: &Attribution,
    ) {
        if let Some(b) = &before {
            for (at, dims, counters) in conv_counters(b, attr) {
                self.add_counters(at, &dims, &counters, -1);
            }
        }
        for (at, dims, counters) in conv_counters(&after, attr) {
            self.add_counters(at, &dims, &counters, 1);
        }
        let now = sketch_values(after.conv, attr);
        let was = before.as_ref().map(|b| sketch_values(b.conv, attr));
        let at = ms(after.conv.first_inbound_at);
        for (dim, value) in conv_dims(after.conv, after.first_responder, attr) {
            if !settled(dim, &after) {
                continue;
            }
            let dim_was_settled = before.as_ref().is_some_and(|b| settled(dim, b));
            for (i, kind) in SketchKind::ALL.iter().enumerate() {
                let Some(v) = now[i] else { continue };
                let already = dim_was_settled && was.is_some_and(|w| w[i].is_some());
                if !already {
                    for grain in [Grain::Hour, Grain::Day] {
                        self.cell(grain, at, dim, value).insert(*kind, v);
                    }
                }
            }
        }
    }

    /// A customer message: volume and sentiment in the bucket of the message, under its
    /// channel, its own detected topic and its conversation's queue. `sentiment_label` is
    /// `negative`, `neutral`, `positive` or anything else (unclassified). `opens_hour`: it
    /// is its conversation's first customer message in its clock hour (what
    /// `Conversation::add_inbound` returns), counted in `ActiveHours`.
    #[allow(clippy::too_many_arguments)]
    pub fn inbound_message(
        &mut self,
        at: OffsetDateTime,
        channel: Channel,
        topic: Option<&str>,
        queue: &str,
        sentiment_label: &str,
        sentiment_score: f32,
        opens_hour: bool,
    ) {
        let mut counters = vec![(Counter::MsgIn, 1)];
        if opens_hour {
            counters.push((Counter::ActiveHours, 1));
        }
        let classified = match sentiment_label {
            "negative" => Some(Counter::MsgNeg),
            "neutral" => Some(Counter::MsgNeu),
            "positive" => Some(Counter::MsgPos),
            _ => None,
        };
        match classified {
            Some(c) if sentiment_score.is_finite() => {
                counters.push((c, 1));
                counters.push((Counter::MsgSentimentSum, fixed(sentiment_score)));
            }
            _ => counters.push((Counter::MsgUnclassified, 1)),
        }
        let dims = [
            (Dim::All, ALL_VALUE.to_string()),
            (Dim::Channel, channel.as_str().to_string()),
            (Dim::Topic, topic.unwrap_or(NO_TOPIC).to_string()),
            (Dim::Queue, queue.to_string()),
        ];
        self.add_counters(ms(at), &dims, &counters, 1);
    }

    /// A CSAT or NPS answer, in the bucket and cells of the conversation it rates (its state
    /// when the answer arrives). CSAT responders are also counted by the band of the
    /// conversation's last customer sentiment, for the extremity index.
    pub fn survey(&mut self, s: &SurveyAnswer, conv: ConvFacts<'_>, attr: &Attribution) {
        let mut counters = Vec::new();
        match s.kind {
            SurveyKind::Csat => {
                let score = s.score.clamp(1, 5);
                counters.push((Counter::CsatN, 1));
                counters.push((Counter::CsatSum, i64::from(score)));
                if score >= 4 {
                    counters.push((Counter::CsatSatisfied, 1));
                }
                counters.push((CSAT_HIST[usize::from(score - 1)], 1));
                if let Some(end) = conv.conv.sentiment_last {
                    counters.push((RESP_BANDS[band(end)], 1));
                }
            }
            SurveyKind::Nps => {
                let score = s.score.min(10);
                counters.push((Counter::NpsN, 1));
                counters.push((Counter::NpsSum, i64::from(score)));
                if score >= 9 {
                    counters.push((Counter::NpsPromoters, 1));
                } else if score <= 6 {
                    counters.push((Counter::NpsDetractors, 1));
                }
            }
        }
        let dims: Vec<(Dim, String)> = conv_dims(conv.conv, conv.first_responder, attr)
            .into_iter()
            .map(|(d, v)| (d, v.to_string()))
            .collect();
        self.add_counters(ms(conv.conv.first_inbound_at), &dims, &counters, 1);
    }

    /// Folds another delta into this one.
    pub fn merge(&mut self, other: RollupDelta) {
        for (k, values) in other.cells {
            let mine = self.cells.entry(k).or_default();
            for (v, c) in values {
                match mine.get_mut(&v) {
                    Some(m) => m.merge(&c),
                    None => {
                        mine.insert(v, c);
                    }
                }
            }
        }
    }

    pub fn len(&self) -> usize {
        self.cells.values().map(hashbrown::HashMap::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// The non-empty cells of the delta (a conversation that only moved leaves empty cells
    /// behind, which are dropped).
    pub fn into_cells(self) -> Vec<(CellKey, Cell)> {
        let mut v: Vec<(CellKey, Cell)> =
            self.into_keyed().filter(|(_, c)| !c.is_empty()).collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    /// Every cell of the delta with its full key, in no particular order.
    fn into_keyed(self) -> impl Iterator<Item = (CellKey, Cell)> {
        self.cells
            .into_iter()
            .flat_map(|((grain, bucket_ms, dim), values)| {
                values.into_iter().map(move |(value, c)| {
                    let key = CellKey {
                        grain,
                        bucket_ms,
                        dim,
                        value,
                    };
                    (key, c)
                })
            })
    }
}

/// Rebuild path: the contribution of one conversation from scratch (equal to folding
/// [`RollupDelta::conversation_changed`] over its states).
pub fn contributions_of(facts: ConvFacts<'_>, attr: &Attribution) -> RollupDelta {
    let mut d = RollupDelta::new();
    d.conversation_changed(None, facts, attr);
    d
}

/// Stored cells indexed for series queries: (grain, dim, value) → bucket → cell.
#[derive(Debug, Clone, Default)]
pub struct CellIndex {
    map: HashMap<(Grain, Dim, String), BTreeMap<i64, Cell>>,
}

impl CellIndex {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn from_cells(cells: impl IntoIterator<Item = (CellKey, Cell)>) -> Self {
        let mut idx = CellIndex::new();
        for (k, c) in cells {
            idx.merge_owned(k, c);
        }
        idx
    }

    /// Merges a cell (stored cells or a delta's) into the index.
    pub fn merge_cell(&mut self, k: CellKey, c: &Cell) {
        let series = self.map.entry((k.grain, k.dim, k.value)).or_default();
        match series.get_mut(&k.bucket_ms) {
            Some(mine) => mine.merge(c),
            None => {
                series.insert(k.bucket_ms, c.clone());
            }
        }
    }

    /// As [`CellIndex::merge_cell`], keeping the cell itself when its bucket is new (no copy of
    /// its sketches: loading a dashboard's cells from the store needs no clone).
    pub fn merge_owned(&mut self, k: CellKey, c: Cell) {
        let series = self.map.entry((k.grain, k.dim, k.value)).or_default();
        match series.entry(k.bucket_ms) {
            std::collections::btree_map::Entry::Occupied(mut mine) => mine.get_mut().merge(&c),
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(c);
            }
        }
    }

    pub fn apply(&mut self, delta: RollupDelta) {
        for (key, c) in delta.into_keyed() {
            self.merge_owned(key, c);
        }
    }

    pub fn get(&self, grain: Grain, dim: Dim, value: &str, bucket_ms: i64) -> Option<&Cell> {
        self.map
            .get(&(grain, dim, value.to_string()))
            .and_then(|s| s.get(&bucket_ms))
    }

    /// Cells of one series with bucket in `[from_ms, to_ms)`.
    pub fn range(
        &self,
        grain: Grain,
        dim: Dim,
        value: &str,
        from_ms: i64,
        to_ms: i64,
    ) -> impl Iterator<Item = (i64, &Cell)> {
        self.map
            .get(&(grain, dim, value.to_string()))
            .into_iter()
            .flat_map(move |s| s.range(from_ms..to_ms.max(from_ms)))
            .map(|(b, c)| (*b, c))
    }

    /// The values of a dimension present at a grain, sorted.
    pub fn values(&self, grain: Grain, dim: Dim) -> Vec<String> {
        let mut v: Vec<String> = self
            .map
            .keys()
            .filter(|(g, d, _)| *g == grain && *d == dim)
            .map(|(_, _, v)| v.clone())
            .collect();
        v.sort();
        v
    }

    /// First and last bucket start at a grain (over all series), if any.
    pub fn span(&self, grain: Grain) -> Option<(i64, i64)> {
        let mut lo = i64::MAX;
        let mut hi = i64::MIN;
        for ((g, _, _), s) in &self.map {
            if *g != grain {
                continue;
            }
            if let (Some((a, _)), Some((b, _))) = (s.first_key_value(), s.last_key_value()) {
                lo = lo.min(*a);
                hi = hi.max(*b);
            }
        }
        (lo <= hi).then_some((lo, hi))
    }

    /// Number of cells held.
    pub fn len(&self) -> usize {
        self.map.values().map(BTreeMap::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// All cells, for persistence or comparison.
    pub fn cells(&self) -> Vec<(CellKey, &Cell)> {
        let mut v: Vec<(CellKey, &Cell)> = self
            .map
            .iter()
            .flat_map(|((g, d, val), s)| {
                s.iter().map(move |(b, c)| {
                    (
                        CellKey {
                            grain: *g,
                            bucket_ms: *b,
                            dim: *d,
                            value: val.clone(),
                        },
                        c,
                    )
                })
            })
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }
}
