//! Rollup tests: the worked example of docs/analytics.md, and incremental == rebuild on
//! random conversation histories.

use crate::calendar::{BusinessCalendar, BusinessCalendars};
use crate::cell::{Counter, SketchKind};
use crate::metrics::{self, Metric, SeriesGrain};
use crate::rollup::*;
use domain::Priority;
use domain::channel::Channel;
use domain::conversation::{Conversation, LifecycleAction};
use domain::ids::CustomerId;
use domain::record::{SurveyAnswer, SurveyKind};
use domain::routing::RoutingOutcome;
use proptest::prelude::*;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

fn routed(queue: &str) -> RoutingOutcome {
    RoutingOutcome {
        queue: queue.into(),
        priority: Priority::Normal,
        tags: vec![],
        matched: vec![],
    }
}

fn open(channel: Channel, at: OffsetDateTime, queue: &str) -> Conversation {
    Conversation::open(CustomerId::new(), channel, at, &routed(queue), None)
}

fn day_ms(t: OffsetDateTime) -> i64 {
    Grain::Day.bucket((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

fn survey(score: u8, at: OffsetDateTime) -> SurveyAnswer {
    SurveyAnswer {
        id: format!("s{score}{}", at.unix_timestamp()),
        channel: Channel::X,
        message_id: "m".into(),
        kind: SurveyKind::Csat,
        score,
        comment: None,
        at,
    }
}

/// docs/analytics.md, "Worked example".
#[test]
fn worked_example_from_docs() {
    let mut attr = Attribution::default();
    attr.agent_team
        .insert("agent:maria".into(), "care-emea".into());
    attr.business_hours = BusinessCalendars {
        default: BusinessCalendar::always_open(),
        by_queue: [(
            "contact_centre".to_string(),
            BusinessCalendar::weekdays(9 * 60, 17 * 60, 0),
        )]
        .into_iter()
        .collect(),
    };
    let t0 = datetime!(2026-03-06 16:30 UTC); // a Friday
    let mut idx = CellIndex::new();

    // A: X, billing, negative → answered after 10 min by maria, ends positive, resolved 1 h.
    let mut a = open(Channel::X, t0, "social");
    let a0 = a.clone();
    a.add_inbound(t0, Some(-0.6), Some("billing"), &routed("social"));
    let mut d = RollupDelta::new();
    d.conversation_changed(None, ConvFacts::new(&a), &attr);
    let a1 = a.clone();
    a.add_outbound(t0 + Duration::minutes(10));
    a.add_inbound(
        t0 + Duration::minutes(20),
        Some(0.4),
        None,
        &routed("social"),
    );
    a.apply(&LifecycleAction::Resolve, t0 + Duration::hours(1))
        .unwrap();
    d.conversation_changed(
        Some(ConvFacts::new(&a1)),
        ConvFacts::new(&a).responder(Some("agent:maria")),
        &attr,
    );
    d.survey(
        &survey(5, t0 + Duration::hours(2)),
        ConvFacts::new(&a).responder(Some("agent:maria")),
        &attr,
    );
    drop(a0);
    idx.apply(d);

    // B: e-mail to the contact centre (Mon–Fri 09–17 UTC), billing, negative; answered on
    // Monday 09:20 — calendar FRT 64 h 50 min, business FRT 50 min. Not resolved.
    let mut b = open(Channel::Email, t0, "contact_centre");
    b.add_inbound(t0, Some(-0.3), Some("billing"), &routed("contact_centre"));
    b.add_outbound(datetime!(2026-03-09 09:20 UTC));
    idx.apply(contributions_of(ConvFacts::new(&b), &attr));

    // C: the customer of A comes back two days later about billing: a repeat contact that
    // revokes A's first-contact resolution.
    let mut c = Conversation::open(
        a.customer_id,
        Channel::X,
        t0 + Duration::days(2),
        &routed("social"),
        Some(a.id),
    );
    c.add_inbound(
        t0 + Duration::days(2),
        Some(-0.7),
        Some("billing"),
        &routed("social"),
    );
    idx.apply(contributions_of(
        ConvFacts::new(&c).repeating(Some(&a), Some("agent:maria")),
        &attr,
    ));

    let friday = day_ms(t0);
    let all = idx.get(Grain::Day, Dim::All, ALL_VALUE, friday).unwrap();
    assert_eq!(all.get(Counter::Conversations), 2);
    assert_eq!(all.get(Counter::Answered), 2);
    assert_eq!(all.get(Counter::Resolved), 1);
    assert_eq!(all.get(Counter::FcrRevoked), 1);
    assert_eq!(metrics::value(all, Metric::FcrBlended).value, Some(0.0));
    assert_eq!(metrics::value(all, Metric::ResponseRate).value, Some(1.0));
    assert_eq!(
        metrics::value(all, Metric::SentimentConversion).value,
        Some(1.0)
    );
    assert_eq!(metrics::value(all, Metric::CsatMean).value, Some(5.0));
    assert_eq!(
        metrics::value(all, Metric::CsatResponseRate).value,
        Some(1.0)
    );
    // Responders: one conversation ending at +0.4 (band 3); population: the same one.
    assert_eq!(metrics::value(all, Metric::CsatExtremity).value, Some(0.0));
    let frt = all.sketch(SketchKind::Frt).unwrap();
    assert_eq!(frt.count(), 2);
    let bh = all.sketch(SketchKind::FrtBusiness).unwrap();
    // 600 s for A (24×7 queue) and 3,000 s for B.
    assert!((bh.quantile(1.0).unwrap() - 3000.0).abs() < 1e-9);
    assert!((bh.quantile(0.0).unwrap() - 600.0).abs() < 1e-9);
    assert!((frt.quantile(1.0).unwrap() - (64.0 * 3600.0 + 50.0 * 60.0)).abs() < 1e-6);
    let handling = all.sketch(SketchKind::Handling).unwrap();
    // Inside the sketch's 1 % relative accuracy.
    assert!((handling.quantile(0.5).unwrap() - 3000.0).abs() <= 30.0);

    let sunday = day_ms(t0 + Duration::days(2));
    let all_sun = idx.get(Grain::Day, Dim::All, ALL_VALUE, sunday).unwrap();
    assert_eq!(metrics::value(all_sun, Metric::RepeatRate).value, Some(1.0));
    let team = idx.get(Grain::Day, Dim::Team, "care-emea", friday).unwrap();
    assert_eq!(team.get(Counter::FcrRevoked), 1);
    assert_eq!(team.get(Counter::Conversations), 1);
    let social = metrics::value(all, Metric::FcrSocial);
    assert_eq!((social.value, social.support), (Some(0.0), 1));

    // Weekly series merge the days.
    let week = metrics::series(
        &idx,
        Metric::Conversations,
        SeriesGrain::Week,
        Dim::All,
        ALL_VALUE,
        friday - 7 * DAY_MS,
        friday + 7 * DAY_MS,
    );
    // Friday 6 and Sunday 8 March fall in the week of Monday 2 March.
    assert_eq!(week.points.len(), 1, "{week:?}");
    assert_eq!(
        week.points[0].bucket_ms,
        day_ms(datetime!(2026-03-02 0:00 UTC))
    );
    assert_eq!(week.points[0].value, Some(3.0));

    // A share of the total: X opened A on Friday (1 of 2) and C on Sunday (1 of 1); a
    // bucket where the series has no cell but the total has is a share of 0.
    let share = metrics::series(
        &idx,
        Metric::ConversationShare,
        SeriesGrain::Day,
        Dim::Channel,
        "x",
        friday,
        friday + 3 * DAY_MS,
    );
    let points: Vec<(Option<f64>, u64)> =
        share.points.iter().map(|p| (p.value, p.support)).collect();
    assert_eq!(points, vec![(Some(0.5), 2), (Some(1.0), 1)], "{share:?}");
    let email = metrics::total(
        &idx,
        Metric::ConversationShare,
        Dim::Channel,
        "email",
        friday,
        friday + 3 * DAY_MS,
    );
    assert_eq!((email.value, email.support), (Some(1.0 / 3.0), 3));
    let none = metrics::total(
        &idx,
        Metric::ConversationShare,
        Dim::Channel,
        "email",
        friday + 7 * DAY_MS,
        friday + 8 * DAY_MS,
    );
    assert_eq!(
        (none.value, none.support),
        (None, 0),
        "no conversations: no share"
    );
}

#[test]
fn a_topic_found_late_moves_counters_and_files_sketches_once() {
    let attr = Attribution::default();
    let t0 = datetime!(2026-03-02 10:00 UTC);
    let mut c = open(Channel::X, t0, "social");
    c.add_inbound(t0, None, None, &routed("social"));
    let s0 = c.clone();
    c.add_outbound(t0 + Duration::minutes(5));
    let s1 = c.clone();
    c.add_inbound(
        t0 + Duration::minutes(9),
        Some(-0.2),
        Some("delivery"),
        &routed("social"),
    );
    let s2 = c.clone();
    let mut idx = CellIndex::new();
    let mut d = RollupDelta::new();
    d.conversation_changed(None, ConvFacts::new(&s0), &attr);
    d.conversation_changed(Some(ConvFacts::new(&s0)), ConvFacts::new(&s1), &attr);
    d.conversation_changed(Some(ConvFacts::new(&s1)), ConvFacts::new(&s2), &attr);
    idx.apply(d);
    let day = day_ms(t0);
    let none = idx.get(Grain::Day, Dim::Topic, NO_TOPIC, day).unwrap();
    assert!(none.is_empty(), "{none:?}");
    let delivery = idx.get(Grain::Day, Dim::Topic, "delivery", day).unwrap();
    assert_eq!(delivery.get(Counter::Conversations), 1);
    assert_eq!(delivery.sketch(SketchKind::Frt).map(|s| s.count()), Some(1));
    let all = idx.get(Grain::Day, Dim::All, ALL_VALUE, day).unwrap();
    assert_eq!(all.sketch(SketchKind::Frt).map(|s| s.count()), Some(1));
}

// ---- incremental == rebuild on random histories ----------------------------------------

#[derive(Debug, Clone)]
enum Op {
    Inbound(i64, Option<i8>, Option<u8>),
    Outbound(i64),
    Resolve(i64),
    Reopen(i64),
    Escalate(i64),
}

fn op() -> impl Strategy<Value = Op> {
    let dt = 1i64..400;
    prop_oneof![
        4 => (dt.clone(), proptest::option::of(-10i8..=10), proptest::option::of(0u8..3))
            .prop_map(|(d, s, t)| Op::Inbound(d, s, t)),
        3 => dt.clone().prop_map(Op::Outbound),
        2 => dt.clone().prop_map(Op::Resolve),
        1 => dt.clone().prop_map(Op::Reopen),
        1 => dt.prop_map(Op::Escalate),
    ]
}

const TOPICS: [&str; 3] = ["billing", "delivery", "refund"];
const CHANNELS: [Channel; 3] = [Channel::X, Channel::Email, Channel::Facebook];

/// States of one conversation after each op, with its first responder at that point.
fn history(
    channel: Channel,
    start: OffsetDateTime,
    ops: &[Op],
    agent: Option<&'static str>,
    repeat_of: Option<&Conversation>,
) -> Vec<(Conversation, Option<&'static str>)> {
    let mut c = Conversation::open(
        repeat_of.map_or_else(CustomerId::new, |o| o.customer_id),
        channel,
        start,
        &routed(if channel.is_social() {
            "social"
        } else {
            "contact_centre"
        }),
        repeat_of.map(|o| o.id),
    );
    let r = routed(&c.queue.clone());
    c.add_inbound(start, None, None, &r);
    let mut t = start;
    let mut out = vec![(c.clone(), None)];
    let mut responder = None;
    for o in ops {
        match o {
            Op::Inbound(d, s, topic) => {
                t += Duration::minutes(*d);
                let s = s.map(|x| f32::from(x) / 10.0);
                c.add_inbound(t, s, topic.map(|i| TOPICS[usize::from(i)]), &r);
            }
            Op::Outbound(d) => {
                t += Duration::minutes(*d);
                c.add_outbound(t);
                if responder.is_none() {
                    responder = agent;
                }
            }
            Op::Resolve(d) => {
                t += Duration::minutes(*d);
                let _ = c.apply(&LifecycleAction::Resolve, t);
            }
            Op::Reopen(d) => {
                t += Duration::minutes(*d);
                let _ = c.apply(&LifecycleAction::Reopen, t);
            }
            Op::Escalate(d) => {
                t += Duration::minutes(*d);
                let _ = c.apply(
                    &LifecycleAction::Escalate {
                        tier: "tier2".into(),
                    },
                    t,
                );
            }
        }
        out.push((c.clone(), responder));
    }
    out
}

type Comparable = Vec<(CellKey, Vec<i64>, Vec<(u64, Option<f64>)>)>;

fn comparable(idx: &CellIndex) -> Comparable {
    idx.cells()
        .into_iter()
        .filter(|(_, c)| !c.is_empty())
        .map(|(k, c)| {
            let counters = Counter::ALL.iter().map(|x| c.get(*x)).collect();
            let sketches = SketchKind::ALL
                .iter()
                .map(|s| {
                    c.sketch(*s)
                        .map_or((0, None), |s| (s.count(), s.quantile(0.5)))
                })
                .collect();
            (k, counters, sketches)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn incremental_equals_rebuild(
        convs in proptest::collection::vec(
            (0usize..3, 0i64..3000, proptest::collection::vec(op(), 0..12),
             proptest::option::of(0usize..2), proptest::collection::vec(any::<bool>(), 12)),
            1..4),
        original_ops in proptest::collection::vec(op(), 0..6),
        repeat in any::<bool>(),
    ) {
        let mut attr = Attribution::default();
        attr.agent_team.insert("agent:a".into(), "team1".into());
        attr.business_hours.by_queue.insert(
            "contact_centre".into(), BusinessCalendar::weekdays(9 * 60, 17 * 60, 60));
        let agents = ["agent:a", "agent:b"];
        let t0 = datetime!(2026-03-02 08:00 UTC);
        // An original conversation, resolved, that the first one may repeat.
        let mut orig_hist = history(Channel::X, t0 - Duration::days(1), &original_ops, Some("agent:b"), None);
        let (mut orig, orig_agent) = orig_hist.pop().unwrap();
        if orig.resolved_at.is_none() {
            let at = orig.last_message_at + Duration::minutes(1);
            let _ = orig.apply(&LifecycleAction::Resolve, at);
        }
        let mut incremental = CellIndex::new();
        let mut rebuilt = CellIndex::new();
        for (i, (ch, start, ops, agent, cuts)) in convs.iter().enumerate() {
            let original = (i == 0 && repeat).then_some(&orig);
            let h = history(
                CHANNELS[*ch], t0 + Duration::minutes(*start), ops,
                agent.map(|a| agents[a]), original);
            // Incremental: feed a random subsequence of states (always the last one), as
            // batches of the ingest pipeline would.
            let mut prev: Option<usize> = None;
            for (k, _) in h.iter().enumerate() {
                let last = k + 1 == h.len();
                if !last && !cuts.get(k).copied().unwrap_or(false) {
                    continue;
                }
                let mut d = RollupDelta::new();
                let before = prev.map(|p| {
                    let (c, a) = &h[p];
                    ConvFacts::new(c).responder(*a).repeating(original, orig_agent)
                });
                let (c, a) = &h[k];
                d.conversation_changed(
                    before, ConvFacts::new(c).responder(*a).repeating(original, orig_agent), &attr);
                // Deltas travel as cells and bytes.
                for (key, cell) in d.into_cells() {
                    let back = crate::cell::Cell::from_bytes(&cell.to_bytes()).unwrap();
                    incremental.merge_cell(key, &back);
                }
                prev = Some(k);
            }
            let Some((c, a)) = h.last() else { continue };
            rebuilt.apply(contributions_of(
                ConvFacts::new(c).responder(*a).repeating(original, orig_agent), &attr));
        }
        prop_assert_eq!(comparable(&incremental), comparable(&rebuilt));
    }
}

/// docs/analytics.md, `active_conversation_hours`: a conversation counts once an hour,
/// however many messages it gets in it.
#[test]
fn conversation_hours_count_a_conversation_once_an_hour() {
    let t0 = datetime!(2026-03-06 9:05 UTC);
    let r = routed("social");
    let mut d = RollupDelta::new();
    let mut convs = [
        open(Channel::X, t0, "social"),
        open(Channel::X, t0, "social"),
    ];
    // A: four messages at 9:05, 9:20, 9:59 and 10:01; B: one at 9:30
    for (i, min) in [(0, 0), (0, 15), (1, 25), (0, 54), (0, 56)] {
        let at = t0 + Duration::minutes(min);
        let opens = convs[i].add_inbound(at, Some(-0.5), Some("billing"), &r);
        d.inbound_message(
            at,
            Channel::X,
            Some("billing"),
            "social",
            "negative",
            -0.5,
            opens,
        );
    }
    let mut idx = CellIndex::new();
    idx.apply(d);
    let hour = |t: OffsetDateTime| {
        idx.get(
            Grain::Hour,
            Dim::Channel,
            "x",
            Grain::Hour.bucket((t.unix_timestamp_nanos() / 1_000_000) as i64),
        )
        .map(|c| (c.get(Counter::MsgIn), c.get(Counter::ActiveHours)))
    };
    assert_eq!(hour(t0), Some((4, 2)), "9 o'clock: A and B");
    assert_eq!(hour(t0 + Duration::hours(1)), Some((1, 1)), "10 o'clock: A");
    let day = idx
        .get(Grain::Day, Dim::All, ALL_VALUE, day_ms(t0))
        .unwrap();
    assert_eq!(
        metrics::value(day, Metric::ActiveConversationHours).value,
        Some(3.0)
    );
}
