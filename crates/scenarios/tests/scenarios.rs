//! Scenario generation and scoring: injections change what they claim, truth files round
//! trip, and the matcher counts hits, delays and false alarms as documented.

use analytics::detect::{Detection, DetectionKind, Scope};
use analytics::rollup::{DAY_MS, Dim};
use domain::record::Record;
use scenarios::eval::{EvalOptions, aggregate, score};
use scenarios::{ScenarioKind, ScenarioParams, Truth, scenario};

fn small(seed: u64) -> ScenarioParams {
    ScenarioParams {
        seed,
        days: 30,
        customers_per_day: 60,
        ..ScenarioParams::default()
    }
}

fn ms(t: time::OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

#[test]
fn clean_scenarios_have_no_truth_and_injections_change_the_stream() {
    let p = small(3);
    let clean = scenario(ScenarioKind::Clean, &p).unwrap();
    assert!(clean.truths.is_empty());
    let feedback = |s: &scenarios::Scenario| {
        s.records
            .iter()
            .filter(|r| matches!(r, Record::Feedback(_)))
            .count()
    };
    let phrase = scenario(ScenarioKind::RecurringPhrase, &p).unwrap();
    assert_eq!(phrase.truths.len(), 1);
    assert!(feedback(&phrase) > feedback(&clean));
    let marker = phrase.truths[0].marker.clone().unwrap();
    assert!(
        phrase
            .records
            .iter()
            .any(|r| matches!(r, Record::Feedback(f) if f.text.contains(&marker)))
    );
    let gap = scenario(ScenarioKind::CoverageGap, &p).unwrap();
    assert!(gap.records.len() < clean.records.len());
    let t = &gap.truths[0];
    let (_, ch) = &t.scopes[0];
    let in_gap = gap
        .records
        .iter()
        .filter(|r| matches!(r, Record::Message(m) if m.channel.as_str() == ch && m.created_at >= t.start && m.created_at < t.end))
        .count();
    let before = clean
        .records
        .iter()
        .filter(|r| matches!(r, Record::Message(m) if m.channel.as_str() == ch && m.created_at >= t.start && m.created_at < t.end))
        .count();
    assert!(in_gap * 4 <= before.max(1), "{in_gap} vs {before}");
    // time order is kept
    assert!(gap.records.windows(2).all(|w| w[0].at() <= w[1].at()));
}

#[test]
fn same_seed_same_scenario_and_truth_round_trips_as_json() {
    let a = scenario(ScenarioKind::VolumeSpike, &small(5)).unwrap();
    let b = scenario(ScenarioKind::VolumeSpike, &small(5)).unwrap();
    assert_eq!(a.records, b.records);
    assert_eq!(a.truths, b.truths);
    let json = serde_json::to_string(&a.truths).unwrap();
    let back: Vec<Truth> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, a.truths);
    let dir = std::env::temp_dir().join(format!("earshot-scenario-{}", std::process::id()));
    a.write(&dir).unwrap();
    let data = std::fs::read_to_string(dir.join(format!("{}.jsonl", a.name))).unwrap();
    assert_eq!(data.lines().count(), a.records.len());
    let first = channels::native::parse_line(data.lines().next().unwrap()).unwrap();
    assert_eq!(first, a.records[0]);
    assert!(dir.join(format!("{}.truth.json", a.name)).exists());
    let _ = std::fs::remove_dir_all(dir);
}

fn detection(
    kind: DetectionKind,
    dim: Dim,
    value: &str,
    metric: &str,
    start: i64,
    detected: i64,
) -> Detection {
    Detection {
        kind,
        scope: Scope::new(metric, dim, value),
        start_ms: start,
        end_ms: detected,
        detected_at_ms: detected,
        baseline: 0.0,
        observed: 0.0,
        statistic: String::new(),
        statistic_value: 0.0,
        p_value: 0.0,
        severity: 0.5,
        examples: vec![],
        probable_causes: vec![],
    }
}

#[test]
fn scoring_counts_hits_delays_and_false_alarms() {
    let mut sc = scenario(ScenarioKind::Clean, &small(1)).unwrap();
    let start = sc.params.start;
    let t0 = start + time::Duration::days(20);
    sc.truths.push(Truth {
        id: "t".into(),
        kind: DetectionKind::Spike,
        also: vec![],
        metrics: vec!["conversations".into()],
        scopes: vec![(Dim::Topic, "billing".into())],
        start: t0,
        end: t0 + time::Duration::hours(3),
        marker: None,
        cause_change_id: None,
        description: "test".into(),
    });
    let s = ms(t0);
    let dets = vec![
        // before the anomaly: a false alarm on clean data
        detection(
            DetectionKind::Spike,
            Dim::Channel,
            "x",
            "conversations",
            s - 5 * DAY_MS,
            s - 5 * DAY_MS + 3_600_000,
        ),
        // wrong scope: not a hit, and after the start: unexplained? no — same kind, explained
        detection(
            DetectionKind::Spike,
            Dim::Topic,
            "refund",
            "conversations",
            s,
            s + 3_600_000,
        ),
        // the hit, 2 h after the start
        detection(
            DetectionKind::Spike,
            Dim::Topic,
            "billing",
            "conversations",
            s,
            s + 7_200_000,
        ),
        // an unrelated kind after the start: unexplained
        detection(
            DetectionKind::RepeatTrend,
            Dim::Topic,
            "billing",
            "repeat_rate",
            s + DAY_MS,
            s + 2 * DAY_MS,
        ),
    ];
    let r = score(&sc, dets, &analytics::DetectConfig::default(), 0.0);
    assert!(r.truths[0].found);
    assert_eq!(r.truths[0].delay_hours, Some(2.0));
    assert_eq!(r.false_alarms.len(), 1);
    assert_eq!(r.unexplained.len(), 1);
    // judged clean days: from day 14 to the anomaly at day 20
    assert!((r.clean_days - 6.0).abs() < 1e-9, "{}", r.clean_days);
    let report = aggregate(&EvalOptions::default(), vec![r], 0.0);
    let spike = report
        .rows
        .iter()
        .find(|x| x.detector == DetectionKind::Spike)
        .unwrap();
    assert_eq!((spike.injected, spike.found, spike.false_alarms), (1, 1, 1));
    assert!((report.false_alarms_per_4_weeks - 1.0 / (6.0 / 28.0)).abs() < 1e-9);
    let table = report.to_string();
    assert!(table.contains("| spike | 1 | 1 | 1.00 | 2.0 |"), "{table}");
}

/// A finding that matches `t` exactly, first reported `after_h` hours after its start, its
/// metric moving from `baseline` to `observed`.
fn found(t: &Truth, metric: &str, after_h: i64, (baseline, observed): (f64, f64)) -> Detection {
    let (dim, value) = t.scopes[0].clone();
    let mut d = detection(
        t.kind,
        dim,
        &value,
        metric,
        ms(t.start),
        ms(t.end).max(ms(t.start) + 3_600_000),
    );
    d.detected_at_ms = ms(t.start) + after_h * 3_600_000;
    d.baseline = baseline;
    d.observed = observed;
    d
}

#[test]
fn follow_up_says_an_ended_spike_recovered_and_a_running_bleed_persists() {
    // the bleed is actioned a week before the data ends (`after_h` None), deep in its ramp
    let params = |seed, customers_per_day| ScenarioParams {
        seed,
        days: 42,
        customers_per_day,
        ..ScenarioParams::default()
    };
    let judge = |kind, seed, per_day, metric: &str, after_h: Option<i64>, moved| {
        let sc = scenario(kind, &params(seed, per_day)).unwrap();
        let mut rep = scenarios::replay::Replayer::new().unwrap();
        for r in &sc.records {
            rep.apply(r);
        }
        let t = &sc.truths[0];
        let late = (ms(sc.end()) - ms(t.start)) / 3_600_000 - 7 * 24 - 2;
        let dets = vec![found(t, metric, after_h.unwrap_or(late), moved)];
        let r = score(&sc, dets, &analytics::DetectConfig::default(), 0.0);
        assert!(r.truths[0].found, "{}", t.description);
        let f = scenarios::eval::follow_up(&sc, &r.truths, &r.detections, &rep);
        assert_eq!(f.len(), 1, "{}", t.description);
        f.into_iter().next().unwrap()
    };
    for seed in 1..=3 {
        let spike = judge(
            ScenarioKind::VolumeSpike,
            seed,
            60,
            "conversations",
            Some(2),
            (2.0, 10.0),
        );
        assert!(spike.ended);
        assert!(spike.right(), "{spike:?}");
    }
    // seeds 3, 4 and 6 stop answering TikTok or Instagram: 0.54 → 0.38, 0.76 → 0.65 and
    // 0.75 → 0.61 in the week after are z 1.9, 2.6 and 1.7 (the channels' days vary far more
    // than sampling), short of the 2.6–2.7 the sequential boundary needs: "unclear"
    for seed in [1, 2, 5] {
        let bleed = judge(
            ScenarioKind::BleedResponse,
            seed,
            150,
            "response_rate",
            None,
            (0.6, 0.4),
        );
        assert!(!bleed.ended);
        assert!(bleed.right(), "{bleed:?}");
    }
}

/// A history read back from the files `Scenario::write` makes is judged exactly like the
/// scenario in memory; unreadable lines are left out and reported; without its truth file the
/// same history is clean data.
#[test]
fn a_scenario_read_from_its_files_is_judged_like_the_one_in_memory() {
    let dir = std::env::temp_dir().join(format!("earshot-scenario-files-{}", std::process::id()));
    let params = ScenarioParams {
        seed: 5,
        days: 35,
        customers_per_day: 60,
        ..ScenarioParams::default()
    };
    let sc = scenario(ScenarioKind::VolumeSpike, &params).unwrap();
    sc.write(&dir).unwrap();
    let cfg = analytics::DetectConfig::default();
    let mem = scenarios::eval::evaluate(&sc, &cfg).unwrap();
    assert!(mem.truths[0].found && !mem.detections.is_empty());
    let data = dir.join(format!("{}.jsonl", sc.name));
    // two unreadable lines among the good ones
    let mut text = std::fs::read_to_string(&data).unwrap();
    text.push_str("{not json\n{\"type\":\"message\",\"channel\":\"x\"}\n");
    std::fs::write(&data, text).unwrap();
    let opts = EvalOptions {
        files: vec![data.clone()],
        ..EvalOptions::default()
    };
    let report = scenarios::eval::run(&opts).unwrap();
    let file = &report.scenarios[0];
    assert_eq!(file.kind, None);
    assert_eq!(file.records, sc.records.len());
    assert_eq!(file.bad_lines.len(), 2, "{:?}", file.bad_lines);
    assert!(file.bad_lines[0].starts_with(&format!("line {}", sc.records.len() + 1)));
    assert_eq!(file.truths, mem.truths);
    assert_eq!(file.detections, mem.detections);
    assert_eq!(file.false_alarms, mem.false_alarms);
    assert_eq!(file.clean_days, mem.clean_days);
    assert!(file.truth_file.is_some());
    let shown = report.to_string();
    assert!(shown.contains("2 unreadable lines left out"), "{shown}");
    // without its truth every detection once the detectors can judge is a false alarm
    std::fs::remove_file(scenarios::file::truth_path_for(&data)).unwrap();
    let clean = scenarios::eval::run(&opts).unwrap();
    let c = &clean.scenarios[0];
    assert!(c.truths.is_empty() && c.truth_file.is_none());
    assert_eq!(c.false_alarms, c.detections);
    assert!(clean.to_string().contains("no truth file: clean data"));
    // a truth file that is not one, and a file with no record, are errors that name the file
    std::fs::write(scenarios::file::truth_path_for(&data), "[{\"id\": 3}]").unwrap();
    let e = scenarios::eval::run(&opts).unwrap_err().to_string();
    assert!(
        e.starts_with("truth file ") && e.contains(".truth.json"),
        "{e}"
    );
    let empty = dir.join("empty.jsonl");
    std::fs::write(&empty, "garbage\n").unwrap();
    let e = scenarios::file::load(&empty).unwrap_err().to_string();
    assert!(
        e.contains("empty.jsonl holds no readable record (1 bad lines)"),
        "{e}"
    );
    // one record dated years after the rest is named, not replayed day by day
    let mut lines = std::fs::read_to_string(&data).unwrap();
    let late = lines.lines().next().unwrap().replacen("2026-", "2031-", 1);
    lines.push_str(&late);
    lines.push('\n');
    let far = dir.join("far.jsonl");
    std::fs::write(&far, lines).unwrap();
    let e = scenarios::file::load(&far).unwrap_err().to_string();
    assert!(
        e.contains("far.jsonl spans 18") && e.contains("more than the 731"),
        "{e}"
    );
    let e = scenarios::file::load(&dir.join("missing.jsonl"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("missing.jsonl"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}
