use super::*;
use domain::channel::{Channel, Direction, Visibility};
use domain::conversation::LifecycleAction;
use domain::record::{ChangeKind, SurveyKind};
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;
use time::macros::datetime;

/// A Monday at midnight.
const START: OffsetDateTime = datetime!(2026-03-02 00:00 UTC);

fn demo() -> &'static [Record] {
    static DEMO: OnceLock<Vec<Record>> = OnceLock::new();
    DEMO.get_or_init(|| {
        let mut cfg = SimConfig::demo(START);
        cfg.tag_language = true;
        generate(&cfg)
    })
}

fn messages(records: &[Record]) -> impl Iterator<Item = &domain::InboundMessage> {
    records.iter().filter_map(|r| match r {
        Record::Message(m) => Some(m),
        _ => None,
    })
}

fn small(seed: u64) -> SimConfig {
    SimConfig {
        seed,
        days: 5,
        customers_per_day: 80,
        ..SimConfig::demo(START)
    }
}

#[test]
fn same_seed_same_history_other_seed_other_history() {
    let a = generate(&small(7));
    let b = generate(&small(7));
    let c = generate(&small(8));
    assert!(a.len() > 500, "{}", a.len());
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn every_record_is_valid_sorted_in_range_and_round_trips() {
    let records = demo();
    assert!(records.len() > 20_000, "{}", records.len());
    let end = START + Duration::days(42);
    let mut previous = START;
    for r in records {
        assert_eq!(r.validate(), Ok(()), "{r:?}");
        assert!(r.at() >= previous, "not sorted at {r:?}");
        assert!(r.at() >= START && r.at() < end, "{r:?}");
        previous = r.at();
        let line = channels::native::to_line(r);
        assert_eq!(
            channels::native::parse_line(&line).as_ref(),
            Ok(r),
            "{line}"
        );
    }
}

#[test]
fn ids_are_unique_and_references_point_backwards() {
    let records = demo();
    let mut seen_messages: HashSet<(Channel, &str)> = HashSet::new();
    let mut other_ids: HashSet<&str> = HashSet::new();
    for r in records {
        match r {
            Record::Message(m) => {
                if let Some(parent) = &m.in_reply_to {
                    assert!(
                        seen_messages.contains(&(m.channel, parent.as_str())),
                        "reply before its parent: {m:?}"
                    );
                }
                assert!(
                    seen_messages.insert((m.channel, m.external_id.as_str())),
                    "duplicate message id {m:?}"
                );
            }
            Record::Lifecycle(l) => {
                assert!(seen_messages.contains(&(l.channel, l.message_id.as_str())));
                assert!(other_ids.insert(&l.id), "duplicate {}", l.id);
            }
            Record::Survey(s) => {
                assert!(seen_messages.contains(&(s.channel, s.message_id.as_str())));
                assert!(other_ids.insert(&s.id), "duplicate {}", s.id);
            }
            Record::Feedback(f) => assert!(other_ids.insert(&f.id), "duplicate {}", f.id),
            Record::Change(c) => assert!(other_ids.insert(&c.id), "duplicate {}", c.id),
        }
    }
}

#[test]
fn channels_visibility_and_languages_are_varied() {
    let mut by_channel: HashMap<Channel, usize> = HashMap::new();
    let mut visibility: HashMap<Visibility, usize> = HashMap::new();
    let mut languages: HashMap<&str, usize> = HashMap::new();
    let mut inbound = 0;
    for m in messages(demo()).filter(|m| m.direction == Direction::Inbound) {
        inbound += 1;
        *by_channel.entry(m.channel).or_default() += 1;
        *visibility.entry(m.visibility).or_default() += 1;
        *languages
            .entry(m.language.as_deref().unwrap_or("?"))
            .or_default() += 1;
    }
    assert_eq!(by_channel.len(), 9, "{by_channel:?}");
    let x = by_channel[&Channel::X];
    assert!(by_channel.values().all(|&n| n <= x), "{by_channel:?}");
    assert!(by_channel[&Channel::Linkedin] < by_channel[&Channel::Facebook]);
    assert!(
        visibility[&Visibility::Public] > inbound / 5,
        "{visibility:?}"
    );
    assert!(
        visibility[&Visibility::Private] > inbound / 5,
        "{visibility:?}"
    );
    let en = languages["en"] as f64 / inbound as f64;
    assert!((0.75..0.95).contains(&en), "{languages:?}");
    for l in ["es", "fr", "de", "pt"] {
        assert!(
            languages.get(l).copied().unwrap_or(0) > inbound / 100,
            "{languages:?}"
        );
    }
    // Without tagging the language is left to detection.
    assert!(
        messages(&generate(&small(1))).all(|m| m.language.is_none()),
        "language set without tag_language"
    );
}

/// First customer messages (conversation openings) by local hour and weekday.
fn openings(records: &[Record]) -> Vec<OffsetDateTime> {
    let mut replied_to: HashSet<(Channel, &str)> = HashSet::new();
    let mut out = Vec::new();
    for m in messages(records) {
        if m.direction == Direction::Inbound && m.in_reply_to.is_none() {
            out.push(m.created_at);
        }
        if let Some(p) = &m.in_reply_to {
            replied_to.insert((m.channel, p.as_str()));
        }
    }
    out
}

#[test]
fn volume_follows_day_and_week() {
    let opens = openings(demo());
    let night = opens.iter().filter(|t| t.hour() < 5).count() as f64 / 5.0;
    let day = opens
        .iter()
        .filter(|t| (10..15).contains(&t.hour()))
        .count() as f64
        / 5.0;
    assert!(night * 4.0 < day, "night {night}/h vs day {day}/h");
    let weekend = opens.iter().filter(|t| timeline::is_weekend(**t)).count() as f64 / 2.0;
    let weekday = opens.iter().filter(|t| !timeline::is_weekend(**t)).count() as f64 / 5.0;
    assert!(
        weekend < weekday * 0.85,
        "weekend {weekend} vs weekday {weekday}"
    );
    // about 300 new conversations a day (plus repeat contacts and DM openings)
    let per_day = opens.len() as f64 / 42.0;
    assert!((280.0..600.0).contains(&per_day), "{per_day}");
}

#[test]
fn followers_are_heavy_tailed() {
    let mut f: Vec<u64> = messages(demo())
        .filter(|m| m.direction == Direction::Inbound)
        .filter_map(|m| m.author.followers)
        .collect();
    f.sort_unstable();
    let median = f[f.len() / 2];
    let max = f[f.len() - 1];
    assert!(
        median >= 40 && max > 300 * median,
        "median {median}, max {max}"
    );
    assert!(f.iter().filter(|&&n| n >= 10_000).count() > 5);
}

#[test]
fn replies_escalations_resolutions_and_surveys() {
    let records = demo();
    let mut first_reply_secs = Vec::new();
    let mut night_reply_secs = Vec::new();
    let by_id: HashMap<(Channel, &str), &domain::InboundMessage> = messages(records)
        .map(|m| ((m.channel, m.external_id.as_str()), m))
        .collect();
    let mut answered: HashSet<(Channel, &str)> = HashSet::new();
    for m in messages(records).filter(|m| m.direction == Direction::Outbound) {
        let Some(p) = &m.in_reply_to else { continue };
        let Some(parent) = by_id.get(&(m.channel, p.as_str())) else {
            panic!("brand reply to an unknown message")
        };
        if parent.in_reply_to.is_none() && answered.insert((m.channel, p.as_str())) {
            let secs = (m.created_at - parent.created_at).whole_seconds();
            if (1..5).contains(&parent.created_at.hour()) {
                night_reply_secs.push(secs);
            } else if (9..17).contains(&parent.created_at.hour()) {
                first_reply_secs.push(secs);
            }
        }
    }
    first_reply_secs.sort_unstable();
    night_reply_secs.sort_unstable();
    let day_median = first_reply_secs[first_reply_secs.len() / 2];
    let night_median = night_reply_secs[night_reply_secs.len() / 2];
    assert!((120..3 * 3600).contains(&day_median), "{day_median}s");
    assert!(
        night_median > 2 * 3600 && night_median > 4 * day_median,
        "{night_median}s"
    );
    let openings = messages(records)
        .filter(|m| m.direction == Direction::Inbound && m.in_reply_to.is_none())
        .count();
    let unanswered = openings - answered.len();
    assert!(unanswered > openings / 50, "{unanswered} of {openings}");

    let mut tiers: HashMap<&str, usize> = HashMap::new();
    let mut actions: HashMap<&str, usize> = HashMap::new();
    let mut actors: HashSet<&str> = HashSet::new();
    let mut csat = [0usize; 6];
    let mut nps = 0;
    let mut comments = 0;
    let mut feedback = 0;
    let mut change_kinds: HashSet<&str> = HashSet::new();
    for r in records {
        match r {
            Record::Lifecycle(l) => {
                *actions.entry(l.action.name()).or_default() += 1;
                actors.insert(&l.actor);
                if let LifecycleAction::Escalate { tier } = &l.action {
                    *tiers.entry(tier).or_default() += 1;
                }
            }
            Record::Survey(s) => {
                match s.kind {
                    SurveyKind::Csat => csat[usize::from(s.score)] += 1,
                    SurveyKind::Nps => nps += 1,
                }
                comments += usize::from(s.comment.is_some());
            }
            Record::Feedback(_) => feedback += 1,
            Record::Change(c) => {
                change_kinds.insert(c.kind.as_str());
            }
            Record::Message(_) => {}
        }
    }
    assert!(actions["resolve"] > openings / 2, "{actions:?}");
    assert!(
        actions["reopen"] > 10 && actions["escalate"] > 50,
        "{actions:?}"
    );
    assert!(
        tiers.contains_key("tier2") && tiers.contains_key("pr"),
        "{tiers:?}"
    );
    assert!(actors.len() >= 8, "{actors:?}");
    assert_eq!(csat[0], 0);
    // J-shaped, as real CSAT answers are: mostly 5s, then 1s.
    assert!(csat[1..5].iter().all(|&n| n < csat[5]), "{csat:?}");
    assert!(csat[1] > csat[2], "{csat:?}");
    assert!(nps > 50 && comments > 100, "{nps} {comments}");
    assert!(feedback > 42 * 5, "{feedback}");
    for k in [
        ChangeKind::Release,
        ChangeKind::Policy,
        ChangeKind::Outage,
        ChangeKind::Comms,
        ChangeKind::Integration,
    ] {
        assert!(change_kinds.contains(k.as_str()), "{k:?} missing");
    }
}

#[test]
fn customers_come_back_after_resolution() {
    let records = demo();
    let author_of: HashMap<(Channel, &str), &str> = messages(records)
        .map(|m| ((m.channel, m.external_id.as_str()), m.author.id.as_str()))
        .collect();
    let mut resolved: HashMap<&str, OffsetDateTime> = HashMap::new();
    let mut repeats = 0;
    for r in records {
        match r {
            Record::Lifecycle(l) if l.action == LifecycleAction::Resolve => {
                if let Some(a) = author_of.get(&(l.channel, l.message_id.as_str())) {
                    resolved.insert(a, l.at);
                }
            }
            Record::Message(m)
                if m.direction == Direction::Inbound
                    && resolved
                        .get(m.author.id.as_str())
                        .is_some_and(|t| m.created_at - *t < Duration::days(7))
                    && m.text.contains("second time")
                        | m.text.contains("again")
                        | m.text.contains("Same issue")
                        | m.text.contains("segunda")
                        | m.text.contains("recontacte")
                        | m.text.contains("erneut") =>
            {
                repeats += 1;
                resolved.remove(m.author.id.as_str());
            }
            _ => {}
        }
    }
    assert!(repeats > 100, "{repeats}");
}

#[test]
fn the_outage_shows_as_a_spike() {
    let records = demo();
    let outage = records
        .iter()
        .find_map(|r| match r {
            Record::Change(c) if c.kind == ChangeKind::Outage => Some(c.at),
            _ => None,
        })
        .expect("an outage change");
    let opens = openings(records);
    let count = |from: OffsetDateTime| {
        opens
            .iter()
            .filter(|t| **t >= from && **t < from + Duration::hours(3))
            .count()
    };
    let during = count(outage);
    let week_before = count(outage - Duration::days(7));
    assert!(during > 2 * week_before, "{during} vs {week_before}");
}

#[test]
fn streaming_holds_only_conversations_in_flight() {
    let cfg = SimConfig {
        days: 20,
        customers_per_day: 1500,
        ..SimConfig::demo(START)
    };
    let mut sim = stream(&cfg);
    let mut total = 0usize;
    let mut last = START;
    for r in sim.by_ref() {
        assert!(r.at() >= last);
        last = r.at();
        total += 1;
    }
    assert!(total > 100_000, "{total}");
    assert!(
        sim.peak_pending() * 4 < total,
        "peak {} of {total}",
        sim.peak_pending()
    );
}

#[test]
fn start_mid_day_and_period_end_cut_cleanly() {
    let cfg = SimConfig {
        start: datetime!(2026-03-02 15:20 +01:00),
        days: 2,
        ..small(3)
    };
    let records = generate(&cfg);
    assert!(!records.is_empty());
    assert!(
        records
            .iter()
            .all(|r| r.at() >= cfg.start && r.at() < cfg.start + Duration::days(2))
    );
}

#[test]
fn edge_configs_never_panic() {
    let empty = SimConfig {
        days: 0,
        ..small(1)
    };
    assert!(generate(&empty).is_empty());
    let quiet = SimConfig {
        customers_per_day: 0,
        days: 14,
        ..small(1)
    };
    let records = generate(&quiet);
    assert!(
        records.iter().all(|r| matches!(r, Record::Change(_))),
        "{records:?}"
    );

    let bad_brand = SimConfig {
        brand: " ".into(),
        brand_name: String::new(),
        ..small(1)
    };
    assert_eq!(bad_brand.validate(), Err(ConfigError::EmptyBrand));
    let records = generate(&SimConfig {
        days: 1,
        ..bad_brand
    });
    assert!(records.iter().all(|r| r.validate().is_ok()));
    assert!(messages(&records).any(|m| m.brand_account.as_deref() == Some("Brand")));

    let long = SimConfig {
        brand: "é".repeat(100),
        days: 1,
        ..small(1)
    };
    assert!(matches!(long.validate(), Err(ConfigError::BadBrand(_))));
    assert!(generate(&long).iter().all(|r| r.validate().is_ok()));

    let far = SimConfig {
        start: datetime!(9989-12-30 00:00 UTC),
        days: u32::MAX,
        ..small(1)
    };
    assert_eq!(far.validate(), Err(ConfigError::OutOfRange));
    assert!(generate(&far).iter().all(|r| r.at() < latest_end()));
    let past_limit = SimConfig {
        start: datetime!(9999-12-30 00:00 UTC),
        ..small(1)
    };
    assert!(generate(&past_limit).is_empty());
    assert_eq!(SimConfig::demo(START).validate(), Ok(()));
}

#[test]
fn demo_ending_covers_six_weeks_before_the_end() {
    let cfg = SimConfig::demo_ending(datetime!(2026-04-13 16:45 UTC));
    assert_eq!(cfg.start, datetime!(2026-03-02 00:00 UTC));
    assert_eq!(cfg.days, 42);
}
