//! Realistic, deterministic simulated customer-care history for
//! `earshot demo` and `earshot simulate`.
//!
//! A [`SimConfig`] (seed, start, length, volume, brand) gives the same
//! records every time. [`stream`] produces them in time order without
//! holding the whole history in memory (only the conversations still in
//! flight), so a benchmark can simulate millions of conversations;
//! [`generate`] collects the stream.
//!
//! What is simulated: customers on several channels (X, Facebook,
//! Instagram, TikTok, LinkedIn, review sites, plus e-mail, chat and phone for
//! blended figures) posting in public or in private, with daily and weekly
//! seasonality; texts from templates per topic in five languages with
//! negative, neutral and positive variety; heavy-tailed follower counts;
//! brand replies with realistic delays (slower at night and at weekends),
//! moves from public posts to private messages, multi-turn exchanges,
//! escalations, resolutions and reopenings by named agents, unanswered
//! posts; repeat contacts; CSAT and NPS answers; unprompted feedback; and
//! business changes (a release, a courier change, an outage, a policy
//! change, a campaign, routine releases) whose effects show in the
//! conversations that follow.

mod conversation;
pub mod rng;
pub mod text;
pub mod timeline;

use conversation::{Counters, Start};
use domain::record::{ChangeEntry, Record};
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use time::{Duration, OffsetDateTime, Time};
use timeline::Timeline;

/// What to simulate. Every field matters to the output: the same config
/// gives the same records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimConfig {
    pub seed: u64,
    /// First instant simulated; records before it are not produced. Days
    /// (and hours of day) are counted in this value's UTC offset.
    pub start: OffsetDateTime,
    /// Length of the period, in days from `start`; nothing at or after
    /// `start + days` is produced (conversations still running then are
    /// cut, as in a real export).
    pub days: u32,
    /// New conversations on an average day (weekdays get more, weekends and
    /// nights fewer); repeat contacts come on top.
    pub customers_per_day: u32,
    /// The brand's account handle (without `@`), e.g. `AcmeCare`.
    pub brand: String,
    /// The brand's name as customers write it, e.g. `Acme`.
    pub brand_name: String,
    /// Include the scripted changes whose effects show in the data (a
    /// release followed by a slow rise in login problems, a courier change,
    /// an outage spike, a returns-policy change, a campaign).
    pub incidents: bool,
    /// Set `language` on messages. Off by default, so that language
    /// detection has work to do.
    pub tag_language: bool,
}

impl SimConfig {
    /// Six weeks of a mid-sized brand from `start` (seed 42, 300 new
    /// conversations a day, about 40,000 records).
    pub fn demo(start: OffsetDateTime) -> Self {
        SimConfig {
            seed: 42,
            start,
            days: 42,
            customers_per_day: 300,
            brand: "AcmeCare".into(),
            brand_name: "Acme".into(),
            incidents: true,
            tag_language: false,
        }
    }

    /// [`SimConfig::demo`] for the 42 whole days before `end`'s day: from
    /// the midnight (in `end`'s offset) 42 days before to the midnight that
    /// starts `end`'s day, so that nothing lies in the future.
    pub fn demo_ending(end: OffsetDateTime) -> Self {
        let start = end
            .checked_sub(Duration::days(42))
            .map(|s| s.replace_time(Time::MIDNIGHT))
            .unwrap_or(end);
        SimConfig::demo(start)
    }

    /// The first instant after the period, if representable.
    pub fn end(&self) -> Option<OffsetDateTime> {
        self.start.checked_add(Duration::days(i64::from(self.days)))
    }

    /// Checks the config; [`stream`] also accepts a config that fails this,
    /// but repairs it (see [`ConfigError`]).
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.brand.trim().is_empty() {
            return Err(ConfigError::EmptyBrand);
        }
        if self.brand.len() > MAX_BRAND_BYTES || self.brand.contains(char::is_whitespace) {
            return Err(ConfigError::BadBrand(self.brand.clone()));
        }
        if self.brand_name.len() > MAX_BRAND_BYTES {
            return Err(ConfigError::BadBrand(self.brand_name.clone()));
        }
        let limit = latest_end();
        if self.start.year() < 1 || self.end().is_none_or(|e| e > limit) {
            return Err(ConfigError::OutOfRange);
        }
        Ok(())
    }
}

const MAX_BRAND_BYTES: usize = 64;

fn latest_end() -> OffsetDateTime {
    time::macros::datetime!(9990-01-01 00:00 UTC)
}

/// A config that [`SimConfig::validate`] rejects. [`stream`] repairs each:
/// an empty brand becomes `Brand`, a long one is cut at 64 bytes and spaces
/// are removed, and a period that would end after the year 9989 (or start
/// before the year 1) is shortened (or yields nothing).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("brand must not be empty")]
    EmptyBrand,
    #[error("brand '{0}' must be at most 64 bytes without spaces (brand_name: at most 64 bytes)")]
    BadBrand(String),
    #[error("the simulated period must lie between the years 1 and 9989")]
    OutOfRange,
}

fn cut(s: &str, max: usize) -> String {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

/// The config actually simulated.
#[derive(Debug, Clone)]
pub(crate) struct Normalized {
    pub seed: u64,
    pub start: OffsetDateTime,
    pub end: OffsetDateTime,
    /// Midnight of `start`'s day.
    pub origin: OffsetDateTime,
    pub customers_per_day: f64,
    pub brand: String,
    pub brand_name: String,
    pub tag_language: bool,
}

/// Produces the records of `cfg` in time order, lazily.
pub fn stream(cfg: &SimConfig) -> Simulation {
    let brand: String = cut(&cfg.brand, MAX_BRAND_BYTES)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let brand = if brand.is_empty() {
        "Brand".to_string()
    } else {
        brand
    };
    let brand_name = match cut(&cfg.brand_name, MAX_BRAND_BYTES) {
        n if n.trim().is_empty() => brand.clone(),
        n => n,
    };
    let origin = cfg.start.replace_time(Time::MIDNIGHT);
    let limit = latest_end();
    let usable = cfg.start.year() >= 1 && cfg.start < limit;
    let end = if usable {
        cfg.end().map_or(limit, |e| e.min(limit))
    } else {
        cfg.start
    };
    let hours = u64::try_from(((end - origin).whole_hours() + 1).max(0)).unwrap_or(0);
    let days = u32::try_from((end - origin).whole_days() + 1).unwrap_or(0);
    let n = Normalized {
        seed: cfg.seed,
        start: cfg.start,
        end,
        origin,
        customers_per_day: f64::from(cfg.customers_per_day),
        brand,
        brand_name,
        tag_language: cfg.tag_language,
    };
    Simulation {
        timeline: Timeline::new(origin, days.min(cfg.days.saturating_add(1)), cfg.incidents),
        cfg: n,
        hour: 0,
        hours: if usable { hours } else { 0 },
        pending: BinaryHeap::new(),
        starts: BinaryHeap::new(),
        counters: Counters::default(),
        pushed: 0,
        peak_pending: 0,
    }
}

/// Collects the whole simulated history, in time order.
pub fn generate(cfg: &SimConfig) -> Vec<Record> {
    stream(cfg).collect()
}

/// A record waiting for its turn in the output.
struct Pending {
    at: OffsetDateTime,
    seq: u64,
    record: Record,
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Pending {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

/// The simulation as an iterator of records in time order (ties in the
/// order they were generated). Made by [`stream`].
pub struct Simulation {
    cfg: Normalized,
    timeline: Timeline,
    /// Next hour (from `origin`) to generate.
    hour: u64,
    hours: u64,
    pending: BinaryHeap<Reverse<Pending>>,
    starts: BinaryHeap<Reverse<Start>>,
    counters: Counters,
    pushed: u64,
    peak_pending: usize,
}

impl Simulation {
    /// The scripted changes of this history and their effects (none when `incidents` is off).
    pub fn scripted(&self) -> &[timeline::Scripted] {
        &self.timeline.scripted
    }

    /// The most records held at once so far (a measure of memory use).
    pub fn peak_pending(&self) -> usize {
        self.peak_pending
    }

    /// Everything generated so far starts before this instant.
    fn frontier(&self) -> OffsetDateTime {
        self.cfg.origin + Duration::hours(i64::try_from(self.hour).unwrap_or(i64::MAX / 7200))
    }

    fn push(&mut self, out: Vec<(OffsetDateTime, Record)>) {
        for (at, record) in out {
            if at < self.cfg.start || at >= self.cfg.end {
                continue;
            }
            self.pushed += 1;
            self.pending.push(Reverse(Pending {
                at,
                seq: self.pushed,
                record,
            }));
        }
        self.peak_pending = self.peak_pending.max(self.pending.len());
    }

    fn generate_hour(&mut self) {
        let h = self.hour;
        self.hour += 1;
        let window_start = self.cfg.origin + Duration::hours(h as i64);
        let window_end = window_start + Duration::hours(1);
        let mut out = Vec::new();
        if h % 24 == 0 {
            self.changes_of_day(h / 24, window_start, &mut out);
        }
        let mut rng = rng::Rng::new(rng::mix(&[self.cfg.seed, 0x5EED, h]));
        let mid = window_start + Duration::minutes(30);
        let day_noise = {
            let mut day_rng = rng::Rng::new(rng::mix(&[self.cfg.seed, 0xDA7, h / 24]));
            day_rng.lognormal(1.0, 0.08)
        };
        let expected = self.cfg.customers_per_day
            * timeline::hour_share(mid)
            * day_noise
            * self.timeline.volume(mid);
        let fresh = rng.poisson(expected);
        let mut times: Vec<OffsetDateTime> = (0..fresh)
            .map(|_| window_start + Duration::seconds(rng.between(0, 3599) as i64))
            .filter(|t| *t >= self.cfg.start)
            .collect();
        times.sort();
        for at in times {
            let start = Start::fresh(at, self.counters.next_serial());
            self.starts.push(Reverse(start));
        }
        // Unprompted feedback: about one for every 25 new conversations.
        let feedback = rng.poisson(expected * 0.04);
        for _ in 0..feedback {
            let at = window_start + Duration::seconds(rng.between(0, 3599) as i64);
            if at >= self.cfg.start {
                out.push((
                    at,
                    conversation::feedback(&self.timeline, &mut self.counters, &mut rng, at),
                ));
            }
        }
        // Conversations starting in this hour, including repeat contacts
        // scheduled earlier or by a conversation of this very hour.
        while let Some(Reverse(next)) = self.starts.peek() {
            if next.at >= window_end {
                break;
            }
            let Some(Reverse(start)) = self.starts.pop() else {
                break;
            };
            let scheduled = conversation::run(
                &self.cfg,
                &self.timeline,
                &mut self.counters,
                start,
                &mut out,
            );
            if let Some(s) = scheduled
                && s.at < self.cfg.end
            {
                self.starts.push(Reverse(s));
            }
        }
        self.push(out);
    }

    fn changes_of_day(
        &mut self,
        day: u64,
        day_start: OffsetDateTime,
        out: &mut Vec<(OffsetDateTime, Record)>,
    ) {
        let day_end = day_start + Duration::days(1);
        for s in &self.timeline.scripted {
            if s.at >= day_start && s.at < day_end {
                out.push((
                    s.at,
                    Record::Change(ChangeEntry {
                        id: self.counters.change_id(),
                        kind: s.kind,
                        title: s.title.to_string(),
                        owner_team: s.team.to_string(),
                        at: s.at,
                    }),
                ));
            }
        }
        for (at, kind, title, team) in timeline::routine_changes(self.cfg.seed, day, day_start) {
            out.push((
                at,
                Record::Change(ChangeEntry {
                    id: self.counters.change_id(),
                    kind,
                    title,
                    owner_team: team.to_string(),
                    at,
                }),
            ));
        }
    }
}

impl Iterator for Simulation {
    type Item = Record;

    fn next(&mut self) -> Option<Record> {
        loop {
            let finished = self.hour >= self.hours;
            if let Some(Reverse(top)) = self.pending.peek()
                && (finished || top.at < self.frontier())
            {
                return self.pending.pop().map(|Reverse(p)| p.record);
            }
            if finished {
                return None;
            }
            self.generate_hour();
        }
    }
}

#[cfg(test)]
mod tests;
