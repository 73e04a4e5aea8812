//! Detector tests on synthetic cells: degenerate inputs, clean data (no alarms), and each
//! kind of anomaly found, with its causes and incident.

use super::*;
use crate::calendar::BusinessCalendars;
use crate::rollup::HOUR_MS;
use crate::rollup::{Attribution, ConvFacts, RollupDelta};
use domain::Priority;
use domain::channel::Channel;
use domain::conversation::{Conversation, LifecycleAction};
use domain::ids::CustomerId;
use domain::record::{ChangeKind, SurveyAnswer, SurveyKind};
use domain::routing::RoutingOutcome;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use crate::test_rng::Rng;

const T0: OffsetDateTime = datetime!(2026-01-05 0:00 UTC); // a Monday

fn ms(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

/// What to bend in the synthetic history.
#[derive(Default, Clone)]
struct Bend {
    /// (start hour, hours, channel, topic, extra conversations per hour)
    spike: Option<(i64, i64, Channel, &'static str, f64)>,
    /// (start hour, channel): channel silent from then on
    gap: Option<(i64, Channel)>,
    /// (start day, topic): extra negativity growing over 21 days
    bleed: Option<(i64, &'static str)>,
    /// (start hour, hours, share): that share of the social channels' openings turn negative
    backlash: Option<(i64, i64, f64)>,
    /// (start day, topic, multiplier): that topic's conversations from then on
    shift: Option<(i64, &'static str, f64)>,
    /// (start day, channel): a share of its conversations growing to 40 % over 14 days
    /// gets no answer
    unanswered: Option<(i64, Channel)>,
}

const TOPICS: [&str; 4] = ["delivery", "billing", "refund", "account_access"];
const CHANNELS: [Channel; 3] = [Channel::X, Channel::Facebook, Channel::Email];

#[allow(clippy::too_many_arguments)] // a test helper: one conversation, spelled out
fn conversation(
    rng: &mut Rng,
    at: OffsetDateTime,
    channel: Channel,
    topic: &'static str,
    neg_p: f64,
    answered: bool,
    d: &mut RollupDelta,
    attr: &Attribution,
) {
    let queue = if channel.is_social() {
        "social"
    } else {
        "contact_centre"
    };
    let routed = RoutingOutcome {
        queue: queue.into(),
        priority: Priority::Normal,
        tags: vec![],
        matched: vec![],
    };
    let mut c = Conversation::open(CustomerId::new(), channel, at, &routed, None);
    let negative = rng.next() < neg_p;
    let s = if negative { -0.6 } else { 0.3 };
    let opens = c.add_inbound(at, Some(s), Some(topic), &routed);
    d.inbound_message(
        at,
        channel,
        Some(topic),
        queue,
        if negative { "negative" } else { "positive" },
        s,
        opens,
    );
    if !answered {
        d.conversation_changed(None, ConvFacts::new(&c), attr);
        return;
    }
    let frt = Duration::seconds((60.0 + 1800.0 * rng.next()) as i64);
    c.add_outbound(at + frt);
    let end = if rng.next() < 0.5 { 0.4 } else { s };
    let opens = c.add_inbound(at + frt + Duration::minutes(5), Some(end), None, &routed);
    d.inbound_message(
        at + frt + Duration::minutes(5),
        channel,
        None,
        queue,
        if end < 0.0 { "negative" } else { "positive" },
        end,
        opens,
    );
    let _ = c.apply(&LifecycleAction::Resolve, at + frt + Duration::minutes(30));
    let responder = "agent:a";
    if rng.next() < 0.3 {
        let score = if end > 0.0 { 5 } else { 2 };
        let s = SurveyAnswer {
            id: String::new(),
            channel,
            message_id: String::new(),
            kind: SurveyKind::Csat,
            score,
            comment: None,
            at: at + Duration::hours(2),
        };
        d.survey(&s, ConvFacts::new(&c).responder(Some(responder)), attr);
    }
    d.conversation_changed(None, ConvFacts::new(&c).responder(Some(responder)), attr);
}

fn history(days: i64, seed: u64, bend: &Bend) -> CellIndex {
    let attr = Attribution {
        business_hours: BusinessCalendars::default(),
        ..Default::default()
    };
    let mut rng = Rng(seed.max(1));
    let mut idx = CellIndex::new();
    for h in 0..days * 24 {
        let at = T0 + Duration::hours(h);
        let hod = (h % 24) as f64;
        let season = 0.4 + 0.9 * (((hod - 14.0) / 24.0 * std::f64::consts::TAU).cos() + 1.0) / 2.0;
        let weekend = if (h / 24) % 7 >= 5 { 0.7 } else { 1.0 };
        let mut d = RollupDelta::new();
        for (ci, ch) in CHANNELS.iter().enumerate() {
            if bend.gap.is_some_and(|(s, g)| g == *ch && h >= s) {
                continue;
            }
            for (ti, topic) in TOPICS.iter().enumerate() {
                let mut mu = 2.0 * season * weekend / (1.0 + ci as f64) / (1.0 + ti as f64 * 0.5);
                if let Some((sd, t, mult)) = bend.shift
                    && t == *topic
                    && h / 24 >= sd
                {
                    mu *= mult;
                }
                let mut neg = 0.3;
                if let Some((sd, t)) = bend.bleed
                    && t == *topic
                    && h / 24 >= sd
                {
                    neg += 0.5 * ((h / 24 - sd) as f64 / 21.0).min(1.0);
                }
                if let Some((s, len, share)) = bend.backlash
                    && ch.is_social()
                    && (s..s + len).contains(&h)
                {
                    neg += (1.0 - neg) * share;
                }
                let unanswered = match bend.unanswered {
                    Some((sd, c)) if c == *ch && h / 24 >= sd => {
                        0.4 * ((h / 24 - sd) as f64 / 14.0).min(1.0)
                    }
                    _ => 0.0,
                };
                for _ in 0..rng.poisson(mu) {
                    let at = at + Duration::seconds((rng.next() * 3599.0) as i64);
                    // no draw unless needed: the other tests' histories stay as they were
                    let answered = unanswered == 0.0 || rng.next() >= unanswered;
                    conversation(&mut rng, at, *ch, topic, neg, answered, &mut d, &attr);
                }
            }
        }
        if let Some((s, len, ch, topic, extra)) = bend.spike
            && h >= s
            && h < s + len
        {
            for _ in 0..rng.poisson(extra) {
                let at = at + Duration::seconds((rng.next() * 3599.0) as i64);
                conversation(&mut rng, at, ch, topic, 0.3, true, &mut d, &attr);
            }
        }
        idx.apply(d);
    }
    idx
}

fn run(
    idx: &CellIndex,
    phrases: &PhraseCounts,
    changes: &[ChangeEntry],
    days: i64,
) -> Vec<Detection> {
    let input = DetectInput {
        cells: idx,
        phrases,
        changes,
        from_ms: ms(T0),
        as_of_ms: ms(T0 + Duration::days(days)),
    };
    detect(&input, &DetectConfig::default())
}

#[test]
fn empty_and_tiny_inputs_give_nothing() {
    let idx = CellIndex::new();
    let p = PhraseCounts::new();
    assert!(run(&idx, &p, &[], 60).is_empty());
    // a single conversation
    let attr = Attribution::default();
    let mut d = RollupDelta::new();
    conversation(
        &mut Rng(7),
        T0,
        Channel::X,
        "billing",
        0.5,
        true,
        &mut d,
        &attr,
    );
    let mut idx = CellIndex::new();
    idx.apply(d);
    assert!(run(&idx, &p, &[], 60).is_empty());
    // as_of before the data, and absurd ranges
    let input = DetectInput {
        cells: &idx,
        phrases: &p,
        changes: &[],
        from_ms: i64::MAX,
        as_of_ms: i64::MIN,
    };
    assert!(detect_all(&input, &DetectConfig::default()).is_empty());
}

#[test]
fn constant_series_give_nothing() {
    // the same conversation every hour for 8 weeks: no variance anywhere
    let attr = Attribution::default();
    let mut idx = CellIndex::new();
    for h in 0..56 * 24 {
        let mut d = RollupDelta::new();
        conversation(
            &mut Rng(99),
            T0 + Duration::hours(h),
            Channel::X,
            "billing",
            0.0,
            true,
            &mut d,
            &attr,
        );
        idx.apply(d);
    }
    let dets = run(&idx, &PhraseCounts::new(), &[], 56);
    assert!(dets.is_empty(), "{dets:#?}");
}

#[test]
fn clean_history_raises_no_alarm() {
    for seed in [1, 2] {
        let idx = history(70, seed, &Bend::default());
        let dets = run(&idx, &PhraseCounts::new(), &[], 70);
        eprintln!("clean seed {seed}: {} detections", dets.len());
        assert!(dets.len() <= 1, "seed {seed}: {dets:#?}");
    }
}

#[test]
fn a_spike_is_found_within_two_hours_with_its_cause() {
    let start_h = 50 * 24 + 13;
    let bend = Bend {
        spike: Some((start_h, 3, Channel::Facebook, "refund", 12.0)),
        ..Default::default()
    };
    let idx = history(60, 3, &bend);
    let start = T0 + Duration::hours(start_h);
    let changes = vec![
        ChangeEntry {
            id: "c-news".into(),
            kind: ChangeKind::Comms,
            title: "Weekly newsletter".into(),
            owner_team: "marketing".into(),
            at: start - Duration::hours(5),
        },
        ChangeEntry {
            id: "c-refund".into(),
            kind: ChangeKind::Policy,
            title: "Refund policy change".into(),
            owner_team: "finance".into(),
            at: start - Duration::days(2),
        },
    ];
    let dets = run(&idx, &PhraseCounts::new(), &changes, 60);
    let spike = dets
        .iter()
        .find(|d| d.kind == DetectionKind::Spike && d.scope.value == "refund")
        .unwrap_or_else(|| panic!("{dets:#?}"));
    assert!(
        spike.detected_at_ms - ms(start) <= 2 * HOUR_MS,
        "{spike:#?}"
    );
    assert_eq!(spike.probable_causes[0].change_id, "c-refund", "{spike:#?}");
    let incidents = combine(dets, &DetectConfig::default());
    assert!(
        incidents[0].detections.len() >= 2,
        "topic and channel views join: {incidents:#?}"
    );
}

#[test]
fn a_backlash_on_the_social_channels_is_a_spike_of_the_social_queue() {
    // the e-mail traffic of the total does not take part; the social queue carries it all
    let start_h = 52 * 24 + 12;
    let bend = Bend {
        backlash: Some((start_h, 4, 0.6)),
        ..Default::default()
    };
    let idx = history(56, 5, &bend);
    let dets = run(&idx, &PhraseCounts::new(), &[], 56);
    let spike = dets
        .iter()
        .find(|d| {
            d.kind == DetectionKind::Spike
                && d.scope.metric == "negative_open_share"
                && d.scope.dim == Dim::Queue
                && d.scope.value == "social"
        })
        .unwrap_or_else(|| panic!("{dets:#?}"));
    let start = ms(T0 + Duration::hours(start_h));
    assert!(spike.detected_at_ms - start <= 4 * HOUR_MS, "{spike:#?}");
    assert!(spike.observed > spike.baseline + 0.2, "{spike:#?}");
}

/// The share's dispersion as the spike test divides by it, on 14 days of hourly counts.
fn block_phi(rng: &mut Rng, block_sd: f64) -> f64 {
    let (mut neg, mut sent) = (vec![0.0; 14 * 24], vec![0.0; 14 * 24]);
    for b in 0..14 * 4 {
        // the share of a 6-hour block wanders by `block_sd` around 0.4
        let p = (0.4 + block_sd * (2.0 * rng.next() - 1.0) * 3f64.sqrt()).clamp(0.01, 0.99);
        for h in b * 6..b * 6 + 6 {
            let n = rng.poisson(4.0);
            sent[h] = f64::from(n);
            neg[h] = (0..n).filter(|_| rng.next() < p).count() as f64;
        }
    }
    let (k, n): (f64, f64) = (neg.iter().sum(), sent.iter().sum());
    super::hourly::share_phi_blocks(&neg, &sent, 0, 14, k / n)
}

#[test]
fn the_share_dispersion_is_near_one_on_binomial_hours_and_sees_wandering_blocks() {
    let mut rng = Rng(31);
    let binomial: Vec<f64> = (0..200).map(|_| block_phi(&mut rng, 0.0)).collect();
    let mean = binomial.iter().sum::<f64>() / 200.0;
    let high = binomial.iter().filter(|p| **p > 1.5).count();
    // at least 1 by construction; 56 blocks make it close to 1 (the median of 14 daily
    // residuals, used before, exceeded 1.5 in about a fifth of such runs)
    assert!(mean < 1.2, "mean {mean}");
    assert!(high <= 4, "{high} of 200 above 1.5");
    // blocks whose share wanders by ±0.15 around 0.4 at 24 trials: 1 + 24·0.0225/0.24 ≈ 3.3
    let wandering: Vec<f64> = (0..50).map(|_| block_phi(&mut rng, 0.15)).collect();
    let w = wandering.iter().sum::<f64>() / 50.0;
    assert!((2.3..4.5).contains(&w), "mean {w}");
}

/// First hour of the X outage of [`silent_x`].
const SILENT_X_FROM: i64 = 45 * 24 + 9;

/// 50 days in which X goes silent at [`SILENT_X_FROM`].
fn silent_x() -> CellIndex {
    let bend = Bend {
        gap: Some((SILENT_X_FROM, Channel::X)),
        ..Default::default()
    };
    history(50, 4, &bend)
}

#[test]
fn a_silent_channel_is_a_coverage_gap() {
    let start_h = SILENT_X_FROM;
    let idx = silent_x();
    let dets = run(&idx, &PhraseCounts::new(), &[], 50);
    let gap = dets
        .iter()
        .find(|d| d.kind == DetectionKind::CoverageGap && d.scope.value == "x")
        .unwrap_or_else(|| panic!("{dets:#?}"));
    let start = ms(T0 + Duration::hours(start_h));
    // X is more than half of this small synthetic total: the share test needs a few hours
    assert!(gap.detected_at_ms - start <= 8 * HOUR_MS, "{gap:#?}");
    assert!((gap.start_ms - start).abs() <= HOUR_MS, "{gap:#?}");
}

#[test]
fn coverage_is_judged_on_conversation_hours_and_on_openings_where_cells_predate_them() {
    let idx = silent_x();
    let gaps = |dets: Vec<Detection>| -> Vec<Detection> {
        dets.into_iter()
            .filter(|d| d.kind == DetectionKind::CoverageGap && d.scope.dim == Dim::Channel)
            .collect()
    };
    let found = gaps(run(&idx, &PhraseCounts::new(), &[], 50));
    assert!(!found.is_empty());
    for g in &found {
        assert_eq!(g.scope.value, "x", "{g:#?}");
        assert_eq!(g.scope.metric, "active_conversation_hours", "{g:#?}");
        assert!(g.examples[0].contains("conversation-hours"), "{g:#?}");
    }
    // the same history as stored before the counter existed, for its first 30 days
    let cutoff = ms(T0 + Duration::days(30));
    let old = CellIndex::from_cells(idx.cells().into_iter().map(|(k, c)| {
        let mut c = c.clone();
        if k.bucket_ms < cutoff {
            c.add(
                crate::cell::Counter::ActiveHours,
                -c.get(crate::cell::Counter::ActiveHours),
            );
        }
        (k, c)
    }));
    let found = gaps(run(&old, &PhraseCounts::new(), &[], 50));
    assert!(!found.is_empty());
    for g in &found {
        assert_eq!(g.scope.value, "x", "{g:#?}");
        assert_eq!(g.scope.metric, "conversations", "{g:#?}");
    }
}

#[test]
fn share_tests_that_cannot_reject_take_no_budget() {
    use super::hourly::{SpikeSeries, share_min_ps};
    let cfg = DetectConfig::default();
    // two days of 3 classified openings an hour at a usual share of 0.5
    let series = |sent: f64| SpikeSeries {
        vol: vec![sent; 48],
        neg: vec![sent / 2.0; 48],
        sent: vec![sent; 48],
        first_day: 0,
        shares: vec![Some((0.5, 1.0)); 3],
    };
    let thin = share_min_ps(&[series(3.0)], &[1, 2, 3, 6], 0, 48, &cfg);
    // 1–3 h windows hold at most 9 (< 12): only the 43 six-hour windows can reject, and their
    // best p is 0.5^18
    assert_eq!(thin.len(), 43);
    assert!(
        thin.iter()
            .all(|p| (p / 0.5f64.powi(18) - 1.0).abs() < 1e-6),
        "{thin:?}"
    );
    // at 12 an hour every window can: 48 + 47 + 46 + 43
    assert_eq!(
        share_min_ps(&[series(12.0)], &[1, 2, 3, 6], 0, 48, &cfg).len(),
        184
    );
    // a day without a share baseline (too little history) has no test at all
    let mut early = series(12.0);
    early.shares[0] = None;
    assert_eq!(share_min_ps(&[early], &[1], 0, 48, &cfg).len(), 24);
    assert!(share_min_ps(&[], &[1, 6], 0, 48, &cfg).is_empty());
}

#[test]
fn the_level_is_set_on_hours_that_can_be_tested() {
    use super::hourly::reference_start;
    let cfg = DetectConfig::default();
    let history = 14 * 24;
    // a run judging the last day of 84: the last four weeks set the level
    assert_eq!(reference_start(83 * 24, 84 * 24, &cfg), 56 * 24);
    // a whole-history run: all of it, from the first hour a test can run
    assert_eq!(reference_start(0, 84 * 24, &cfg), history);
    // three weeks in: only the week that could be tested, not three weeks with two untested
    assert_eq!(reference_start(20 * 24, 21 * 24, &cfg), history);
    // before any test can run the range is empty, and nothing underflows
    assert!(reference_start(0, 100, &cfg) >= 100);
}

#[test]
fn a_slow_bleed_in_sentiment_is_found_within_three_weeks() {
    let bend = Bend {
        bleed: Some((42, "delivery")),
        ..Default::default()
    };
    let idx = history(77, 5, &bend);
    let dets = run(&idx, &PhraseCounts::new(), &[], 77);
    let bleed = dets
        .iter()
        .find(|d| d.kind == DetectionKind::SlowBleed && d.scope.value == "delivery")
        .unwrap_or_else(|| panic!("{dets:#?}"));
    let start = ms(T0 + Duration::days(42));
    assert!(bleed.detected_at_ms - start <= 21 * DAY_MS, "{bleed:#?}");
}

#[test]
fn a_topic_whose_share_steps_up_is_a_topic_trend_with_its_cause() {
    // refund (the third topic) opens about 16 % of conversations; from day 42 half as many
    // again write about it
    let bend = Bend {
        shift: Some((42, "refund", 1.5)),
        ..Default::default()
    };
    let idx = history(63, 7, &bend);
    let start = T0 + Duration::days(42);
    let changes = [ChangeEntry {
        id: "chg-returns".into(),
        kind: ChangeKind::Policy,
        title: "Return window shortened".into(),
        owner_team: "finance".into(),
        at: start - Duration::hours(20),
    }];
    let dets = run(&idx, &PhraseCounts::new(), &changes, 63);
    let trend = dets
        .iter()
        .find(|d| d.kind == DetectionKind::TopicTrend)
        .unwrap_or_else(|| panic!("{dets:#?}"));
    assert_eq!(trend.scope.metric, "conversation_share");
    assert_eq!(trend.scope.value, "refund", "{trend:#?}");
    assert!(trend.observed > trend.baseline * 1.25, "{trend:#?}");
    assert!(
        trend.detected_at_ms - ms(start) <= 7 * DAY_MS,
        "found after {} h: {trend:#?}",
        (trend.detected_at_ms - ms(start)) / 3_600_000
    );
    assert_eq!(
        trend.probable_causes.first().map(|c| c.change_id.as_str()),
        Some("chg-returns")
    );
    // the other topics' shares fall a little; a fall is not a trend
    assert!(
        dets.iter()
            .filter(|d| d.kind == DetectionKind::TopicTrend)
            .all(|d| d.scope.value == "refund"),
        "{dets:#?}"
    );
}

#[test]
fn a_channel_left_unanswered_is_a_slow_bleed_of_its_response_rate() {
    // every conversation is answered until day 42; then Facebook's go unanswered more and
    // more (40 % after two weeks) while the answered ones are as fast as ever
    let bend = Bend {
        unanswered: Some((42, Channel::Facebook)),
        ..Default::default()
    };
    let idx = history(70, 5, &bend);
    let dets = run(&idx, &PhraseCounts::new(), &[], 70);
    let rr: Vec<&Detection> = dets
        .iter()
        .filter(|d| d.scope.metric == "response_rate")
        .collect();
    let fb = rr
        .iter()
        .find(|d| d.scope.dim == Dim::Channel && d.scope.value == "facebook")
        .unwrap_or_else(|| panic!("{dets:#?}"));
    assert_eq!(fb.kind, DetectionKind::SlowBleed);
    assert!(fb.observed < fb.baseline - 0.05, "{fb:#?}");
    let start = ms(T0 + Duration::days(42));
    assert!(fb.detected_at_ms - start <= 21 * DAY_MS, "{fb:#?}");
    // no other channel, and no topic: a topic's unanswered share only echoes the channel's
    assert!(
        rr.iter()
            .all(|d| d.scope.dim != Dim::Topic && d.scope.value != "x" && d.scope.value != "email"),
        "{rr:#?}"
    );
    assert!(
        !dets.iter().any(|d| d.scope.metric == "frt_median_s"),
        "{dets:#?}"
    );
}

/// 60 days of everyday feedback (`general`), and from day 45 a rising number
/// of texts `text` whose extracted phrases `phrases(day, i)` gives; the
/// recurring-phrase findings of a detection run at day 60.
fn rising_phrase_findings(
    general: &[&str],
    text: &str,
    phrases: impl Fn(i64, i64) -> Vec<String>,
) -> Vec<Detection> {
    rising_phrase_findings_about(general, text, None, phrases)
}

/// The same, with the rising texts about `topic` (the everyday ones are praise).
fn rising_phrase_findings_about(
    general: &[&str],
    text: &str,
    topic: Option<&str>,
    phrases: impl Fn(i64, i64) -> Vec<String>,
) -> Vec<Detection> {
    let mut p = PhraseCounts::new();
    for day in 0..60 {
        for i in 0..12 {
            let t = T0 + Duration::days(day) + Duration::hours(i);
            let g = general[(i as usize + day as usize) % general.len()];
            p.add(t, &[g.to_string()], g, Some("praise"));
        }
        if day >= 45 {
            for i in 0..(day - 43).min(6) {
                let t = T0 + Duration::days(day) + Duration::hours(12 + i);
                p.add(t, &phrases(day, i), text, topic);
            }
        }
    }
    run(&CellIndex::new(), &p, &[], 60)
        .into_iter()
        .filter(|d| d.kind == DetectionKind::RecurringPhrase)
        .collect()
}

#[test]
fn a_rising_phrase_is_found_with_examples_and_nested_phrases_fold() {
    let found = rising_phrase_findings(
        &["great service", "fast delivery", "love the app"],
        "I was charged twice for one order",
        |_, _| vec!["charged twice".into(), "charged".into(), "twice".into()],
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].scope.metric, "phrase:charged twice");
    assert_eq!(
        found[0].scope.dim,
        Dim::All,
        "texts without a topic stay on the total"
    );
    assert!(found[0].examples[0].contains("charged twice"));
    assert!(found[0].detected_at_ms <= ms(T0 + Duration::days(50)));
}

#[test]
fn a_phrase_whose_texts_are_about_one_topic_goes_to_its_team() {
    let found = rising_phrase_findings_about(
        &["great service", "fast delivery", "love the app"],
        "I was charged twice for one order",
        Some("billing"),
        |_, _| vec!["charged twice".into()],
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    let scope = &found[0].scope;
    assert_eq!(
        (scope.dim, scope.value.as_str()),
        (Dim::Topic, "billing"),
        "{found:#?}"
    );
    let cfg = DetectConfig::default();
    assert_eq!(
        cfg.owners.owner(DetectionKind::RecurringPhrase, scope),
        "finance"
    );
}

/// A longer phrase is kept as its overlapping three-word windows; when it
/// recurs, the windows are one finding, not one each.
#[test]
fn a_longer_recurring_phrase_is_one_finding() {
    let found = rising_phrase_findings(
        &[
            "great service today",
            "fast delivery thanks",
            "love the app",
        ],
        "La app va muy lenta otra vez",
        // uneven counts, so the windows do not all cross the bar on one day
        |day, i| {
            let windows: &[&str] = match (day + i) % 3 {
                0 => &["la app va", "app va muy", "va muy lenta"],
                1 => &["la app va", "va muy lenta"],
                _ => &["la app va", "app va muy"],
            };
            windows.iter().map(|w| w.to_string()).collect()
        },
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].examples[0].contains("va muy lenta"));
}

#[test]
fn two_phrases_of_one_complaint_are_one_finding_in_every_run() {
    // both phrases come from the same texts with the same counts: which one names the
    // finding must not depend on the hash order of the run (each run's maps are seeded anew)
    let once = || {
        rising_phrase_findings(
            &[
                "great service today",
                "fast delivery thanks",
                "love the app",
            ],
            "the app keeps logging me out since the last update",
            |_, _| vec!["app keep logging".to_string(), "last update".to_string()],
        )
    };
    let first = once();
    assert_eq!(first.len(), 1, "{first:#?}");
    for _ in 0..20 {
        assert_eq!(once(), first);
    }
}

#[test]
fn nan_scores_do_not_poison_cells() {
    let mut d = RollupDelta::new();
    for s in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, -0.5] {
        d.inbound_message(
            T0,
            Channel::X,
            Some("billing"),
            "social",
            "negative",
            s,
            true,
        );
    }
    let mut idx = CellIndex::new();
    idx.apply(d);
    let c = idx
        .get(
            crate::rollup::Grain::Day,
            crate::rollup::Dim::All,
            "all",
            ms(T0),
        )
        .unwrap();
    assert_eq!(c.get(crate::cell::Counter::MsgNeg), 1);
    assert_eq!(c.get(crate::cell::Counter::MsgUnclassified), 3);
    let v = crate::metrics::value(c, crate::metrics::Metric::SentimentMean);
    assert_eq!(v.value, Some(-0.5));
}

/// Daily binomial counts: `n` trials a day, rate `p(day)`.
fn binomial_days(seed: u64, days: usize, n: u32, p: impl Fn(usize) -> f64) -> (Vec<f64>, Vec<f64>) {
    let mut rng = Rng(seed);
    (0..days)
        .map(|d| {
            let k = (0..n).filter(|_| rng.next() < p(d)).count();
            (k as f64, f64::from(n))
        })
        .unzip()
}

fn rate_alarm(ev: &[f64], n: &[f64]) -> Option<(usize, usize)> {
    let cfg = DetectConfig::default();
    let last = ev.len().checked_sub(1)?;
    super::daily::rate_steps(ev, n, last, true, (0.015, 0.3), 28.0 * 100.0 / 0.1, &cfg)
        .into_iter()
        .find(|s| s.s > s.h)
        .map(|s| (s.t, s.onset))
}

#[test]
fn rate_cusum_gives_nothing_on_empty_constant_or_tiny_series() {
    let cfg = DetectConfig::default();
    assert!(
        super::daily::rate_steps(&[], &[], 0, true, (0.015, 0.3), 28.0 * 100.0 / 0.1, &cfg)
            .is_empty()
    );
    // too short for a baseline
    let (ev, n) = (vec![3.0; 10], vec![30.0; 10]);
    assert!(
        super::daily::rate_steps(&ev, &n, 9, true, (0.015, 0.3), 28.0 * 100.0 / 0.1, &cfg)
            .is_empty()
    );
    // no trials at all
    let (ev, n) = (vec![0.0; 90], vec![0.0; 90]);
    assert!(
        super::daily::rate_steps(&ev, &n, 89, true, (0.015, 0.3), 28.0 * 100.0 / 0.1, &cfg)
            .is_empty()
    );
    // constant rates: none, some, all events (no room above) never leave zero
    for k in [0.0, 3.0, 30.0] {
        let (ev, n) = (vec![k; 90], vec![30.0; 90]);
        let steps =
            super::daily::rate_steps(&ev, &n, 89, true, (0.015, 0.3), 28.0 * 100.0 / 0.1, &cfg);
        assert!(steps.iter().all(|s| s.s == 0.0), "k {k}");
    }
    // a last-evaluation day past the data, or counts from a broken caller, do not panic
    let (ev, n) = (vec![-5.0; 40], vec![-1.0; 40]);
    let _ = super::daily::rate_steps(&ev, &n, 80, true, (0.015, 0.3), 28.0 * 100.0 / 0.1, &cfg);
    assert!(rate_alarm(&[], &[]).is_none());
}

#[test]
fn rate_cusum_finds_a_step_and_not_noise() {
    for seed in 1..=5 {
        let (ev, n) = binomial_days(seed, 100, 40, |_| 0.05);
        assert!(rate_alarm(&ev, &n).is_none(), "clean seed {seed}");
        // the rate rises from 5 % to 12 % on day 60 (40 trials a day)
        let (ev, n) = binomial_days(seed, 100, 40, |d| if d >= 60 { 0.12 } else { 0.05 });
        let (t, onset) = rate_alarm(&ev, &n).unwrap_or_else(|| panic!("seed {seed} missed"));
        assert!((60..=85).contains(&t), "seed {seed}: alarm day {t}");
        assert!(onset <= t, "seed {seed}: onset {onset}");
    }
}

/// Alarms (excursions crossing their threshold) per 28 evaluated days.
fn alarm_rate(steps: &[super::daily::Step]) -> (usize, usize) {
    let (mut alarms, mut inside) = (0, false);
    for s in steps {
        if s.s > s.h && !inside {
            alarms += 1;
            inside = true;
        }
        if s.s <= 0.0 {
            inside = false;
        }
    }
    (alarms, steps.len())
}

#[test]
fn rate_cusum_false_alarm_rate_is_within_its_budget() {
    // an in-control run length of 280 days: 0.1 alarms per 28 days nominally
    let cfg = DetectConfig::default();
    for (n, p0) in [(15u32, 0.08), (40, 0.05), (300, 0.05)] {
        let (mut alarms, mut days) = (0, 0);
        for seed in 1..=150u64 {
            let (ev, nn) = binomial_days(seed * 7 + 1, 120, n, |_| p0);
            let steps = super::daily::rate_steps(&ev, &nn, 119, true, (0.015, 0.3), 280.0, &cfg);
            let (a, d) = alarm_rate(&steps);
            alarms += a;
            days += d;
        }
        let per_4_weeks = alarms as f64 / days.max(1) as f64 * 28.0;
        assert!(
            per_4_weeks <= 0.1,
            "n {n}: {per_4_weeks:.3} alarms per 4 weeks"
        );
    }
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut Rng) -> f64 {
    let u = rng.next().max(1e-300);
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * rng.next()).cos()
}

/// Daily values: AR(1) noise (lag-1 correlation `rho`, unit variance) plus `shift(day)`.
fn gaussian_days(seed: u64, days: usize, rho: f64, shift: impl Fn(usize) -> f64) -> Vec<f64> {
    let mut rng = Rng(seed);
    let mut e = normal(&mut rng);
    (0..days)
        .map(|d| {
            e = rho * e + (1.0 - rho * rho).sqrt() * normal(&mut rng);
            e + shift(d)
        })
        .collect()
}

fn gauss_steps_of(y: &[f64], arl0: f64) -> Vec<super::daily::Step> {
    let cfg = DetectConfig::default();
    let last = y.len().saturating_sub(1);
    super::daily::gauss_steps(y, ms(T0), last, (true, cfg.trend_cusum_k, arl0), &cfg)
}

/// In-control alarms per 28 days and detection of a ramp, over many simulated series (run with
/// `cargo test --release -p analytics -- --ignored gauss_cusum_simulation --nocapture`). With
/// the baseline treated as exact the alarm rate was 2.8–12× nominal on i.i.d. values (see
/// docs/analytics.md, "Gaussian CUSUM: the baseline's error").
#[test]
#[ignore]
fn gauss_cusum_simulation() {
    for rho in [0.0, 0.3] {
        for arl0 in [280.0, 2_800.0, 28_000.0] {
            let (mut alarms, mut days) = (0, 0);
            for seed in 1..=2_000u64 {
                let y = gaussian_days(seed * 7 + 1, 120, rho, |_| 0.0);
                let (a, d) = alarm_rate(&gauss_steps_of(&y, arl0));
                alarms += a;
                days += d;
            }
            let per = alarms as f64 / days.max(1) as f64 * 28.0;
            eprintln!(
                "rho {rho} ARL0 {arl0}: {per:.4} alarms / 28 days (nominal {:.4}, ×{:.2})",
                28.0 / arl0,
                per / (28.0 / arl0)
            );
        }
    }
    // a ramp of 1.5 SD over 21 days from day 60 (ARL0 28,000 days)
    for rho in [0.0, 0.3] {
        let mut delays = Vec::new();
        for seed in 1..=300u64 {
            let y = gaussian_days(seed * 11 + 3, 120, rho, |d| {
                if d >= 60 {
                    1.5 * ((d - 60) as f64 / 21.0).min(1.0)
                } else {
                    0.0
                }
            });
            if let Some(s) = gauss_steps_of(&y, 28_000.0)
                .iter()
                .find(|s| s.t >= 60 && s.s > s.h)
            {
                delays.push((s.t - 60) as f64);
            }
        }
        eprintln!(
            "rho {rho} ramp: found {} of 300, median delay {:?} days",
            delays.len(),
            crate::stats::median(&delays)
        );
    }
}

#[test]
fn gauss_cusum_gives_nothing_on_empty_constant_or_tiny_series() {
    assert!(gauss_steps_of(&[], 2_800.0).is_empty());
    assert!(gauss_steps_of(&[0.5; 10], 2_800.0).is_empty());
    assert!(gauss_steps_of(&[f64::NAN; 90], 2_800.0).is_empty());
    // constant: no SD, no reference
    assert!(gauss_steps_of(&[0.3; 90], 2_800.0).is_empty());
    // a bad run length or a last-evaluation day past the data do not panic
    assert!(gauss_steps_of(&gaussian_days(3, 90, 0.0, |_| 0.0), f64::NAN).is_empty());
    let cfg = DetectConfig::default();
    let y = gaussian_days(4, 40, 0.0, |_| 0.0);
    let _ = super::daily::gauss_steps(&y, ms(T0), 80, (true, 0.5, 8.0), &cfg);
}

#[test]
fn gauss_cusum_false_alarm_rate_is_near_its_budget_with_an_estimated_baseline() {
    // i.i.d. daily values, baseline estimated (28 days, weekday offsets): an in-control run
    // length of 280 days is 0.1 alarms per 28 days nominally. Treating the baseline as exact
    // gave 0.28 here; charging its error to the excursion gives ~0.1.
    let (mut alarms, mut days) = (0, 0);
    for seed in 1..=400u64 {
        let y = gaussian_days(seed * 7 + 1, 120, 0.0, |_| 0.0);
        let (a, d) = alarm_rate(&gauss_steps_of(&y, 280.0));
        alarms += a;
        days += d;
    }
    let per_4_weeks = alarms as f64 / days.max(1) as f64 * 28.0;
    assert!(per_4_weeks <= 0.12, "{per_4_weeks:.3} alarms per 4 weeks");
    // and a step of 2 SD is still found
    let mut found = 0;
    for seed in 1..=20u64 {
        let y = gaussian_days(seed * 13 + 5, 120, 0.0, |d| if d >= 60 { 2.0 } else { 0.0 });
        if gauss_steps_of(&y, 2_800.0)
            .iter()
            .any(|s| s.t >= 60 && s.t < 90 && s.s > s.h)
        {
            found += 1;
        }
    }
    assert!(found >= 16, "found {found} of 20 steps");
}

/// Days from the start of a ramp (day 60) to the first alarm of each series that alarms.
fn ramp_delays(steps_of: impl Fn(u64) -> Vec<super::daily::Step>, seeds: u64) -> Vec<f64> {
    (1..=seeds)
        .filter_map(|seed| {
            steps_of(seed)
                .iter()
                .find(|s| s.t >= 60 && s.s > s.h)
                .map(|s| (s.t - 60) as f64)
        })
        .collect()
}

#[test]
fn slow_ramps_are_found_within_three_weeks_at_the_family_budget() {
    // the trend family's in-control run length (~142 series × 28 days / 0.1)
    let arl0 = 40_000.0;
    let cfg = DetectConfig::default();
    // a rate: 27 trials a day at 0.38 (a topic's negative-open share) rising by 0.2 over 24
    // days. Found within 21 days: 81 of these 200 series with the 28-day baseline of session
    // 3, 105 with 56 days (docs/analytics.md, session 4).
    let delays = ramp_delays(
        |seed| {
            let (ev, n) = binomial_days(seed * 11 + 3, 120, 27, |d| {
                0.38 + if d >= 60 {
                    0.2 * ((d - 60) as f64 / 24.0).min(1.0)
                } else {
                    0.0
                }
            });
            super::daily::rate_steps(&ev, &n, 119, true, (0.05, 0.0), arl0, &cfg)
        },
        200,
    );
    let within = delays.iter().filter(|d| **d <= 21.0).count();
    assert!(
        within >= 95,
        "rate ramp found within 21 days in {within} of 200"
    );
    // a mean: i.i.d. daily values rising by 2 SD over 24 days; found within 35 days in 68 %
    // of 300 simulated series with the 28-day baseline, 185 of these 200 with 56 days
    let delays = ramp_delays(
        |seed| {
            let y = gaussian_days(seed * 11 + 3, 120, 0.0, |d| {
                if d >= 60 {
                    2.0 * ((d - 60) as f64 / 24.0).min(1.0)
                } else {
                    0.0
                }
            });
            super::daily::gauss_steps(&y, ms(T0), 119, (true, cfg.trend_cusum_k, arl0), &cfg)
        },
        200,
    );
    let within = delays.iter().filter(|d| **d <= 35.0).count();
    assert!(
        within >= 170,
        "mean ramp found within 35 days in {within} of 200"
    );
}

/// Baseline length against ramp delays and in-control alarms, the figures of
/// docs/analytics.md session 4 (run with `cargo test --release -p analytics --lib --
/// --ignored baseline_length_simulation --nocapture`).
#[test]
#[ignore]
fn baseline_length_simulation() {
    for base in [28usize, 42, 56] {
        let cfg = DetectConfig {
            trend_baseline_days: base,
            ..DetectConfig::default()
        };
        let rate = |seed: u64, arl0: f64, ramp: f64| {
            let (ev, n) = binomial_days(seed, 120, 27, |d| {
                0.38 + if d >= 60 {
                    ramp * ((d - 60) as f64 / 24.0).min(1.0)
                } else {
                    0.0
                }
            });
            super::daily::rate_steps(&ev, &n, 119, true, (0.05, 0.0), arl0, &cfg)
        };
        let gauss = |seed: u64, arl0: f64, rho: f64, ramp: f64| {
            let y = gaussian_days(seed, 120, rho, |d| {
                if d >= 60 {
                    ramp * ((d - 60) as f64 / 24.0).min(1.0)
                } else {
                    0.0
                }
            });
            super::daily::gauss_steps(&y, ms(T0), 119, (true, cfg.trend_cusum_k, arl0), &cfg)
        };
        let report = |what: &str, d: &[f64], of: usize| {
            let w21 = d.iter().filter(|x| **x <= 21.0).count();
            let w35 = d.iter().filter(|x| **x <= 35.0).count();
            eprintln!(
                "base {base} {what}: found {} of {of}, within 21 days {w21}, within 35 {w35}, median {:?}",
                d.len(),
                crate::stats::median(d)
            );
        };
        for arl0 in [2_800.0, 40_000.0] {
            for (what, rho) in [("rate", -1.0), ("gauss iid", 0.0), ("gauss AR(1) 0.3", 0.3)] {
                let (mut alarms, mut days) = (0, 0);
                for seed in 1..=2_000u64 {
                    let st = if rho < 0.0 {
                        rate(seed * 7 + 1, arl0, 0.0)
                    } else {
                        gauss(seed * 7 + 1, arl0, rho, 0.0)
                    };
                    let (a, d) = alarm_rate(&st);
                    alarms += a;
                    days += d;
                }
                let per = alarms as f64 / days.max(1) as f64 * 28.0;
                eprintln!(
                    "base {base} {what} ARL0 {arl0}: {alarms} alarms, ×{:.2} nominal",
                    per / (28.0 / arl0)
                );
            }
        }
        report(
            "rate ramp +0.2",
            &ramp_delays(|s| rate(s * 11 + 3, 40_000.0, 0.2), 300),
            300,
        );
        for rho in [0.0, 0.3] {
            let d = ramp_delays(|s| gauss(s * 11 + 3, 40_000.0, rho, 2.0), 300);
            report(&format!("gauss rho {rho} ramp 2 SD"), &d, 300);
        }
    }
}

/// The CUSUM's reference change k against ramps, steps and in-control alarms (docs/analytics.md
/// session 4; `cargo test --release -p analytics --lib -- --ignored reference_change_simulation
/// --nocapture`).
#[test]
#[ignore]
fn reference_change_simulation() {
    for k in [0.35, 0.5, 0.75, 1.0] {
        let cfg = DetectConfig {
            trend_cusum_k: k,
            ..DetectConfig::default()
        };
        let rate = |seed: u64, arl0: f64, ramp: f64, days: f64| {
            let (ev, n) = binomial_days(seed, 120, 27, |d| {
                0.38 + if d >= 60 {
                    ramp * ((d - 60) as f64 / days).min(1.0)
                } else {
                    0.0
                }
            });
            super::daily::rate_steps(&ev, &n, 119, true, (0.05, 0.0), arl0, &cfg)
        };
        let gauss = |seed: u64, arl0: f64, ramp: f64, days: f64| {
            let y = gaussian_days(seed, 120, 0.0, |d| {
                if d >= 60 {
                    ramp * ((d - 60) as f64 / days).min(1.0)
                } else {
                    0.0
                }
            });
            super::daily::gauss_steps(&y, ms(T0), 119, (true, k, arl0), &cfg)
        };
        let report = |what: &str, d: &[f64]| {
            let w21 = d.iter().filter(|x| **x <= 21.0).count();
            eprintln!(
                "k {k} {what}: found {}, within 21 days {w21}, median {:?}",
                d.len(),
                crate::stats::median(d)
            );
        };
        for (ramp, days) in [(0.2, 24.0), (0.15, 28.0), (0.25, 14.0), (0.1, 1.0)] {
            report(
                &format!("rate +{ramp} over {days}"),
                &ramp_delays(|s| rate(s * 11 + 3, 40_000.0, ramp, days), 300),
            );
        }
        for (ramp, days) in [(2.0, 24.0), (1.5, 28.0), (2.0, 14.0), (1.0, 1.0)] {
            report(
                &format!("gauss +{ramp} over {days}"),
                &ramp_delays(|s| gauss(s * 11 + 3, 40_000.0, ramp, days), 300),
            );
        }
        let (mut a1, mut a2) = (0, 0);
        for seed in 1..=2_000u64 {
            a1 += alarm_rate(&rate(seed * 7 + 1, 2_800.0, 0.0, 1.0)).0;
            a2 += alarm_rate(&gauss(seed * 7 + 1, 2_800.0, 0.0, 1.0)).0;
        }
        eprintln!("k {k} in control ARL0 2800: rate {a1} alarms, gauss {a2}");
    }
}

#[test]
fn gauss_cusum_false_alarm_rate_on_autocorrelated_days() {
    // AR(1) days, ρ = 0.3: the CUSUM prewhitens with ρ estimated from the history before
    // the guard gap; at an in-control run length of 2,800 days (0.01 alarms per 28 days)
    let (mut alarms, mut days) = (0, 0);
    for seed in 1..=1_500u64 {
        let y = gaussian_days(seed * 7 + 1, 120, 0.3, |_| 0.0);
        let (a, d) = alarm_rate(&gauss_steps_of(&y, 2_800.0));
        alarms += a;
        days += d;
    }
    let per = alarms as f64 / days.max(1) as f64 * 28.0 / 0.01;
    // still above nominal (the estimate of ρ is noisy), but it was 2.19× (109 alarms) with ρ
    // from the 28 baseline days and long-run scaling; 1.91× (95) now
    assert!(
        per <= 2.0,
        "×{per:.2} the nominal alarm rate ({alarms} alarms)"
    );
}

#[test]
fn first_responses_slowing_on_a_thin_channel_are_a_slow_bleed() {
    // 6–9 answered conversations a day on TikTok, first responses log-normal around 7 min;
    // from day 50 they slow to 3× over 14 days. Days of fewer than 10 answers used to be
    // skipped, so this channel was never judged.
    let attr = Attribution::default();
    let routed = RoutingOutcome {
        queue: "social".into(),
        priority: Priority::Normal,
        tags: vec![],
        matched: vec![],
    };
    let mut rng = Rng(2024);
    let mut idx = CellIndex::new();
    let onset = 50;
    for day in 0..84 {
        let mut d = RollupDelta::new();
        let slow = 1.0 + 2.0 * ((day - onset) as f64 / 14.0).clamp(0.0, 1.0);
        for i in 0..6 + (day % 4) {
            let at = T0 + Duration::days(day) + Duration::hours(8 + 2 * i);
            let mut c = Conversation::open(CustomerId::new(), Channel::Tiktok, at, &routed, None);
            c.add_inbound(at, Some(-0.4), Some("delivery"), &routed);
            let (u1, u2) = (rng.next().max(1e-12), rng.next());
            let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
            let frt = (6.0 + 0.8 * z).exp() * slow;
            c.add_outbound(at + Duration::seconds(frt as i64));
            d.conversation_changed(None, ConvFacts::new(&c), &attr);
        }
        idx.apply(d);
    }
    let dets = run(&idx, &PhraseCounts::new(), &[], 84);
    let bleed = dets
        .iter()
        .find(|d| {
            d.kind == DetectionKind::SlowBleed
                && d.scope.metric == Metric::FrtMedian.as_str()
                && d.scope.value == "tiktok"
        })
        .unwrap_or_else(|| panic!("{dets:#?}"));
    let start = ms(T0 + Duration::days(onset));
    assert!(bleed.detected_at_ms - start <= 21 * DAY_MS, "{bleed:#?}");
    assert!(bleed.observed > 1.5 * bleed.baseline, "{bleed:#?}");
}

/// Hours from the start of a 3-hour backlash (`share` of social openings turned negative)
/// to the social queue's negative-share spike, with `windows` tested.
fn backlash_delay(seed: u64, share: f64, windows: &[usize]) -> Option<i64> {
    let start_h = 52 * 24 + 12;
    let bend = Bend {
        backlash: Some((start_h, 3, share)),
        ..Default::default()
    };
    let idx = history(56, seed, &bend);
    let input = DetectInput {
        cells: &idx,
        phrases: &PhraseCounts::new(),
        changes: &[],
        from_ms: ms(T0),
        as_of_ms: ms(T0 + Duration::days(56)),
    };
    let cfg = DetectConfig {
        spike_windows: windows.to_vec(),
        ..DetectConfig::default()
    };
    let start = ms(T0 + Duration::hours(start_h));
    detect(&input, &cfg)
        .iter()
        .filter(|d| {
            d.kind == DetectionKind::Spike
                && d.scope.metric == "negative_open_share"
                && d.scope.value == "social"
        })
        .map(|d| (d.detected_at_ms - start) / HOUR_MS)
        .min()
}

#[test]
fn a_backlash_is_found_within_two_hours_by_the_two_hour_window() {
    // two hours of a backlash are too little for the 1-hour window and the 3-hour window
    // waits for its third hour; these seeds' backlashes need the 2-hour one
    for seed in [3, 9] {
        let with = backlash_delay(seed, 0.7, &DetectConfig::default().spike_windows);
        assert!(with.is_some_and(|h| h <= 2), "seed {seed}: {with:?}");
        let without = backlash_delay(seed, 0.7, &[1, 3, 6]);
        assert!(without.is_none_or(|h| h > 2), "seed {seed}: {without:?}");
    }
}

/// A daily finding's onset trails a ramp by days, so its causes decay over a week: the
/// owning team's change six days before it outranks an unrelated one the same morning; an
/// hourly finding, whose start is known to the hour, keeps the three-day decay.
#[test]
fn a_daily_finding_weighs_its_owners_change_over_a_closer_unrelated_one() {
    let start = T0 + Duration::days(40);
    let finding = |kind: DetectionKind| Detection {
        kind,
        scope: Scope::new("sentiment_mean", Dim::Topic, "delivery"),
        start_ms: ms(start),
        end_ms: ms(start + Duration::days(10)),
        detected_at_ms: ms(start + Duration::days(10)),
        baseline: 0.0,
        observed: -0.1,
        statistic: "cusum".into(),
        statistic_value: 9.0,
        p_value: 1e-5,
        severity: 0.5,
        examples: vec![],
        probable_causes: vec![],
    };
    let cfg = DetectConfig::default();
    let owner = cfg
        .owners
        .owner(
            DetectionKind::SlowBleed,
            &finding(DetectionKind::SlowBleed).scope,
        )
        .to_string();
    let changes = [
        ChangeEntry {
            id: "owned".into(),
            kind: ChangeKind::Other,
            title: "Carrier contract renewed".into(),
            owner_team: owner,
            at: start - Duration::days(6),
        },
        ChangeEntry {
            id: "nearby".into(),
            kind: ChangeKind::Comms,
            title: "Weekly newsletter".into(),
            owner_team: "marketing".into(),
            at: start - Duration::hours(12),
        },
    ];
    let first = |kind| {
        super::causes::rank(&finding(kind), &changes, &cfg)
            .first()
            .map(|c| c.change_id.clone())
    };
    assert_eq!(first(DetectionKind::SlowBleed).as_deref(), Some("owned"));
    assert_eq!(first(DetectionKind::Spike).as_deref(), Some("nearby"));
}
