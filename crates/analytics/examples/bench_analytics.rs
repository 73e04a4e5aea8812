//! `cargo run --release -p analytics --example bench_analytics [-- conversations days]`
//!
//! Builds rollup cells for N synthetic conversations over D days (default 1,000,000 over 90),
//! stores them as bytes (as the store would), then times the dashboard query set (decoding
//! the cells it reads from bytes) and a whole-history detection run.

use analytics::detect::{DetectConfig, DetectInput, detect_all};
use analytics::metrics::dashboard;
use analytics::phrases::PhraseCounts;
use analytics::rollup::{
    Attribution, CellIndex, CellKey, ConvFacts, DAY_MS, Dim, Grain, RollupDelta,
};
use analytics::{Cell, SketchKind};
use domain::channel::Channel;
use domain::conversation::{Conversation, LifecycleAction};
use domain::ids::CustomerId;
use domain::record::{SurveyAnswer, SurveyKind};
use domain::routing::RoutingOutcome;
use std::collections::HashMap;
use std::time::Instant;
use time::{Duration, OffsetDateTime};

struct Rng(u64);
impl Rng {
    fn f(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    fn pick<T: Copy>(&mut self, v: &[T]) -> T {
        v[((self.f() * v.len() as f64) as usize).min(v.len() - 1)]
    }
}

const TOPICS: [&str; 10] = [
    "delivery",
    "billing",
    "refund",
    "account_access",
    "product_quality",
    "customer_service",
    "outage",
    "booking",
    "delay",
    "cancellation",
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: u64 = args
        .first()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let days: i64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(90);
    let start = time::macros::datetime!(2026-01-05 0:00 UTC);
    let mut attr = Attribution::default();
    let agents: Vec<String> = (0..20).map(|i| format!("agent:a{i}")).collect();
    for (i, a) in agents.iter().enumerate() {
        attr.agent_team.insert(a.clone(), format!("team{}", i % 4));
    }
    attr.business_hours.by_queue.insert(
        "contact_centre".into(),
        analytics::BusinessCalendar::weekdays(480, 1200, 0),
    );
    let mut rng = Rng(42);
    let t = Instant::now();
    let mut stored: HashMap<CellKey, Cell> = HashMap::new();
    let mut batch = RollupDelta::new();
    let span = (days * 86_400) as f64;
    for i in 0..n {
        let at: OffsetDateTime = start + Duration::seconds((i as f64 / n as f64 * span) as i64);
        let ch = rng.pick(&Channel::ALL);
        let topic = rng.pick(&TOPICS);
        let queue = if ch.is_social() {
            "social"
        } else {
            "contact_centre"
        };
        let routed = RoutingOutcome {
            queue: queue.into(),
            priority: domain::Priority::Normal,
            tags: vec![],
            matched: vec![],
        };
        let mut c = Conversation::open(CustomerId::new(), ch, at, &routed, None);
        let s = (rng.f() * 2.0 - 1.0) as f32;
        let opens = c.add_inbound(at, Some(s), Some(topic), &routed);
        batch.inbound_message(
            at,
            ch,
            Some(topic),
            queue,
            if s < -0.05 {
                "negative"
            } else if s > 0.05 {
                "positive"
            } else {
                "neutral"
            },
            s,
            opens,
        );
        let agent =
            agents[((rng.f() * agents.len() as f64) as usize).min(agents.len() - 1)].as_str();
        if rng.f() < 0.9 {
            c.add_outbound(at + Duration::seconds((rng.f() * 7200.0) as i64));
            let end = (rng.f() * 2.0 - 1.0) as f32;
            let opens = c.add_inbound(at + Duration::hours(3), Some(end), None, &routed);
            batch.inbound_message(
                at + Duration::hours(3),
                ch,
                None,
                queue,
                if end < 0.0 { "negative" } else { "positive" },
                end,
                opens,
            );
            let _ = c.apply(&LifecycleAction::Resolve, at + Duration::hours(4));
            if rng.f() < 0.25 {
                let sv = SurveyAnswer {
                    id: String::new(),
                    channel: ch,
                    message_id: String::new(),
                    kind: SurveyKind::Csat,
                    score: 1 + (rng.f() * 5.0) as u8 % 5,
                    comment: None,
                    at: at + Duration::hours(5),
                };
                batch.survey(&sv, ConvFacts::new(&c).responder(Some(agent)), &attr);
            }
        }
        batch.conversation_changed(None, ConvFacts::new(&c).responder(Some(agent)), &attr);
        if i % 2_000 == 1_999 {
            for (k, cell) in std::mem::take(&mut batch).into_cells() {
                stored.entry(k).or_default().merge(&cell);
            }
        }
    }
    for (k, cell) in batch.into_cells() {
        stored.entry(k).or_default().merge(&cell);
    }
    let build = t.elapsed();
    // the store's view: bytes under an ordered key (grain, dim, value, bucket), read by range
    let bytes: std::collections::BTreeMap<(Grain, Dim, String, i64), Vec<u8>> = stored
        .iter()
        .map(|(k, c)| ((k.grain, k.dim, k.value.clone(), k.bucket_ms), c.to_bytes()))
        .collect();
    let total: usize = bytes.values().map(Vec::len).sum();
    let day_cells = bytes.keys().filter(|k| k.0 == Grain::Day).count();
    println!(
        "{n} conversations over {days} days: {} cells ({day_cells} at day grain), {:.1} MB as bytes ({:.0} B/cell), built in {:.1} s ({:.1} µs/conversation)",
        bytes.len(),
        total as f64 / 1e6,
        total as f64 / bytes.len() as f64,
        build.as_secs_f64(),
        build.as_secs_f64() * 1e6 / n as f64
    );

    // dashboard over the last 90 days: range-read the day cells of the total, every channel
    // and every topic, decode them, compute the query set
    let from = (start + Duration::days((days - 90).max(0))).unix_timestamp() * 1000;
    let to = from + 90 * DAY_MS;
    let series: Vec<(Dim, String)> = bytes
        .keys()
        .filter(|k| k.0 == Grain::Day && matches!(k.1, Dim::All | Dim::Channel | Dim::Topic))
        .map(|k| (k.1, k.2.clone()))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut times = Vec::new();
    let mut decode_times = Vec::new();
    for _ in 0..7 {
        let t = Instant::now();
        let mut idx = CellIndex::new();
        let mut read = 0;
        for (dim, value) in &series {
            let lo = (Grain::Day, *dim, value.clone(), from);
            let hi = (Grain::Day, *dim, value.clone(), to);
            for ((g, d, v, b), raw) in bytes.range(lo..hi) {
                if let Ok(c) = Cell::from_bytes(raw) {
                    idx.merge_cell(
                        CellKey {
                            grain: *g,
                            bucket_ms: *b,
                            dim: *d,
                            value: v.clone(),
                        },
                        &c,
                    );
                    read += 1;
                }
            }
        }
        decode_times.push(t.elapsed().as_secs_f64() * 1000.0);
        let d = dashboard(&idx, from, to);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        if times.len() == 1 {
            let p50 = d
                .frt_median_by_channel
                .first()
                .and_then(|s| s.points.first())
                .and_then(|p| p.value);
            println!(
                "dashboard reads {read} cells of {} series; first channel's first FRT median {p50:?}",
                series.len()
            );
        }
    }
    times.sort_by(f64::total_cmp);
    decode_times.sort_by(f64::total_cmp);
    println!(
        "dashboard query set (range read + decode + daily FRT median/p90 per channel, resolution and repeat rate, sentiment per topic; 7 runs): median {:.1} ms (of which reading and decoding {:.1} ms), max {:.1} ms",
        times[3], decode_times[3], times[6]
    );

    // detection over the whole history
    let idx = CellIndex::from_cells(stored);
    let phrases = PhraseCounts::new();
    let t = Instant::now();
    let input = DetectInput {
        cells: &idx,
        phrases: &phrases,
        changes: &[],
        from_ms: start.unix_timestamp() * 1000,
        as_of_ms: (start + Duration::days(days)).unix_timestamp() * 1000,
    };
    let incidents = detect_all(&input, &DetectConfig::default());
    println!(
        "detect_all over {days} days of cells: {} incidents in {:.2} s",
        incidents.len(),
        t.elapsed().as_secs_f64()
    );
    let frt = idx
        .get(Grain::Day, Dim::All, "all", start.unix_timestamp() * 1000)
        .and_then(|c| c.sketch(SketchKind::Frt))
        .map(|s| s.count());
    println!("(check: first day's FRT sketch holds {frt:?} values)");
}
