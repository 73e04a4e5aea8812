//! `cargo run --release -p scenarios --example follow_looks -- --seeds 1,2`
//!
//! Follow-through read again and again: each found anomaly of every scenario kind is actioned
//! as in the evaluation (2 h after its first report, or after it ended; nothing fixed) and
//! judged every 12 hours from one day to four weeks after the action (or the end of the data).
//! Prints, over all of them: how many ever read the opposite of right (recovered while running,
//! persisting after it ended), how many ever made any wrong claim (improving or persisting
//! after it ended, recovered or improving while running), how many were right a week on, the
//! verdict changes between looks, and the median days to the first right verdict.

use analytics::follow_through::{FollowInput, Verdict, follow_through};
use analytics::rollup::HOUR_MS;
use scenarios::eval::{action_of, replay_and_detect, score};
use scenarios::{ScenarioKind, ScenarioParams, scenario};

fn ms(t: time::OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seeds: Vec<u64> = match args.iter().position(|a| a == "--seeds") {
        Some(i) => args
            .get(i + 1)
            .ok_or("--seeds needs a list")?
            .split(',')
            .map(str::parse)
            .collect::<Result<_, _>>()?,
        None => vec![1, 2, 3],
    };
    let cfg = analytics::DetectConfig::default();
    let (mut judged, mut opposite, mut wrong, mut right_week, mut flips) = (0, 0, 0, 0, 0);
    let mut first_right: Vec<f64> = Vec::new();
    for seed in seeds {
        for kind in ScenarioKind::ALL {
            let sc = scenario(
                kind,
                &ScenarioParams {
                    seed,
                    ..ScenarioParams::default()
                },
            )?;
            let (dets, rep) = replay_and_detect(&sc, &cfg)?;
            let r = score(&sc, dets, &cfg, 0.0);
            let end = ms(sc.end());
            let input = FollowInput {
                cells: &rep.cells,
                phrases: &rep.phrases,
            };
            for t in r.truths.iter().filter(|t| t.found) {
                let Some(action) = action_of(&t.truth, &r.detections, end) else {
                    continue;
                };
                let (first, actioned, ended) = (action.finding, action.at_ms, action.ended);
                let (right, opp) = if ended {
                    (Verdict::Recovered, Verdict::Persisting)
                } else {
                    (Verdict::Persisting, Verdict::Recovered)
                };
                let mut verdicts = Vec::new();
                for h in (24..=28 * 24).step_by(12) {
                    let now = actioned + h * HOUR_MS;
                    if now > end {
                        break;
                    }
                    verdicts.push((h, follow_through(&input, first, actioned, now).verdict));
                }
                if verdicts.is_empty() {
                    continue;
                }
                judged += 1;
                opposite += usize::from(verdicts.iter().any(|(_, v)| *v == opp));
                wrong += usize::from(verdicts.iter().any(|(_, v)| {
                    !matches!(v, Verdict::Unclear | Verdict::TooEarly) && *v != right
                }));
                right_week += usize::from(verdicts.iter().any(|&(h, v)| h == 168 && v == right));
                flips += verdicts.windows(2).filter(|w| w[0].1 != w[1].1).count();
                if let Some(&(h, _)) = verdicts.iter().find(|(_, v)| *v == right) {
                    first_right.push(h as f64 / 24.0);
                }
            }
        }
    }
    first_right.sort_by(f64::total_cmp);
    let median = first_right.get(first_right.len() / 2).copied();
    println!(
        "{judged} found anomalies judged every 12 h: ever the opposite {opposite}, ever a wrong \
         claim {wrong}, right a week on {right_week}, verdict changes {flips}, first right \
         verdict after a median {} days ({} never right)",
        median.map_or("—".into(), |m| format!("{m:.1}")),
        judged - first_right.len()
    );
    Ok(())
}
