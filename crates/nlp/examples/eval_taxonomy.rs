//! Scores the default keyword taxonomy (not a trained model) on real complaint reasons: the
//! negative tweets of `airline_sentiment/dev.csv`, their hand-labelled `negativereason` mapped
//! onto the default topics (an evaluation, not a test).
//!
//!     cargo run -p nlp --release --example eval_taxonomy -- /work/shared/data
//!     cargo run -p nlp --release --example eval_taxonomy -- /work/shared/data --tune-only --tune-errors 40
//!
//! "Can't Tell" rows are left out (no topic to find). A tweet the taxonomy leaves untagged is
//! scored as the class `none`, so accuracy counts it wrong and the report shows how often the
//! taxonomy stays silent.
//!
//! The tweets are split into two fixed halves by the lowest bit of the 64-bit FNV-1a hash of
//! the `tweet_id` string: even → TUNE, odd → TEST (3,119 / 3,193 tweets). The id's own parity
//! would not do: Twitter ids are time-based and most of them are even. Keywords are tuned by
//! reading TUNE tweets only; `--tune-errors N` prints up to N misread TUNE tweets per reason and
//! never a TEST tweet. The report gives the whole set, TUNE and TEST; `--tune-only` leaves out
//! the whole set and TEST (for tuning rounds, so TEST is looked at once, at the end).

mod common;

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use anyhow::{Context, Result};
use nlp::{Enricher, NlpConfig, Report};

/// The airline set's reasons and the default topic each one belongs to.
const REASONS: [(&str, &str); 10] = [
    ("Customer Service Issue", "customer_service"),
    ("Flight Attendant Complaints", "customer_service"),
    ("Late Flight", "delay"),
    ("longlines", "delay"),
    ("Cancelled Flight", "cancellation"),
    // the default taxonomy files luggage with delivery (lost bag, baggage)
    ("Lost Luggage", "delivery"),
    ("Damaged Luggage", "delivery"),
    ("Bad Flight", "product_quality"),
    ("Flight Booking Problems", "booking"),
    ("Can't Tell", ""),
];

/// 64-bit FNV-1a: a fixed, platform-independent hash, so the split never moves.
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Half {
    Tune,
    Test,
}

fn half_of(tweet_id: &str) -> Half {
    if fnv1a(tweet_id) & 1 == 0 {
        Half::Tune
    } else {
        Half::Test
    }
}

struct Row {
    half: Half,
    reason: &'static str,
    text: String,
    gold: usize,
    pred: usize,
    /// The topic found when it is outside the map (billing, refund, outage…).
    other: Option<String>,
}

fn report(title: &str, labels: &[String], rows: &[&Row]) -> Result<()> {
    let none = labels.len() - 1;
    let gold: Vec<usize> = rows.iter().map(|r| r.gold).collect();
    let pred: Vec<usize> = rows.iter().map(|r| r.pred).collect();
    let report = Report::from_predictions(labels, &gold, &pred)?;
    let tagged = pred.iter().filter(|p| **p != none).count();
    let right_when_tagged = rows
        .iter()
        .filter(|r| r.pred != none && r.gold == r.pred)
        .count();
    let other_topic = rows.iter().filter(|r| r.other.is_some()).count();
    println!("== {title}: {} tweets", rows.len());
    println!(
        "tagged with a mapped topic: {tagged} ({:.1} %), of which right: {:.1} %; tagged with a topic outside the map: {other_topic}",
        100.0 * tagged as f64 / rows.len().max(1) as f64,
        100.0 * right_when_tagged as f64 / tagged.max(1) as f64
    );
    println!("{report}\n");
    Ok(())
}

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let mut dir = PathBuf::from("/work/shared/data");
    let mut tune_errors = 0usize;
    let mut tune_only = false;
    while let Some(a) = args.next() {
        if a == "--tune-only" {
            tune_only = true;
        } else if a == "--tune-errors" {
            tune_errors = args
                .next()
                .context("--tune-errors needs a number")?
                .parse()
                .context("--tune-errors needs a number")?;
        } else {
            dir = PathBuf::from(a);
        }
    }
    let (mut r, cols) = common::csv_with_columns(
        &dir.join("airline_sentiment/dev.csv"),
        &["tweet_id", "airline_sentiment", "negativereason", "text"],
    )?;
    let (id_c, sent_c, reason_c, text_c) = (cols[0], cols[1], cols[2], cols[3]);
    let mut labels: Vec<String> = REASONS
        .iter()
        .map(|(_, t)| t.to_string())
        .filter(|t| !t.is_empty())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    labels.push("none".into());
    let index = |t: &str| labels.iter().position(|l| l == t);
    let none = labels.len() - 1;
    let e = Enricher::new(NlpConfig::default())?;
    let mut seen = HashSet::new();
    let mut rows = Vec::new();
    let (mut skipped, mut cant_tell) = (0usize, 0usize);
    for row in r.records() {
        let row = row?;
        let get = |i: usize| row.get(i).unwrap_or("");
        if get(sent_c) != "negative" || !seen.insert(get(id_c).to_string()) {
            continue;
        }
        let Some((reason, topic)) = REASONS.iter().find(|(r, _)| *r == get(reason_c)) else {
            skipped += 1;
            continue;
        };
        let Some(gold) = index(topic) else {
            cant_tell += 1;
            continue;
        };
        let found = e.enrich(get(text_c), None).topic;
        let (pred, other) = match found.as_deref() {
            None => (none, None),
            Some(t) => match index(t) {
                Some(p) => (p, None),
                // a topic the airline reasons have no class for (billing, refund, outage…)
                None => (none, Some(t.to_string())),
            },
        };
        rows.push(Row {
            half: half_of(get(id_c)),
            reason,
            text: get(text_c).to_string(),
            gold,
            pred,
            other,
        });
    }
    println!(
        "default taxonomy on {} negative airline tweets with a reason (left out: {cant_tell} \"Can't Tell\", {skipped} with no or an unknown reason)\n",
        rows.len()
    );
    let all: Vec<&Row> = rows.iter().collect();
    let tune: Vec<&Row> = rows.iter().filter(|r| r.half == Half::Tune).collect();
    let test: Vec<&Row> = rows.iter().filter(|r| r.half == Half::Test).collect();
    if !tune_only {
        report("ALL", &labels, &all)?;
    }
    report("TUNE (FNV-1a of tweet_id even)", &labels, &tune)?;
    if !tune_only {
        report("TEST (FNV-1a of tweet_id odd)", &labels, &test)?;
    }
    if tune_errors > 0 {
        // TUNE only: the TEST half is never printed.
        let mut by_reason: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
        for r in tune.iter().filter(|r| r.pred != r.gold) {
            by_reason.entry(r.reason).or_default().push(r);
        }
        for (reason, wrong) in by_reason {
            println!("-- TUNE misread, {reason} ({} tweets):", wrong.len());
            for r in wrong.iter().take(tune_errors) {
                let got = match &r.other {
                    Some(t) => t.as_str(),
                    None => labels[r.pred].as_str(),
                };
                println!("  [{got}] {}", r.text.replace(['\n', '\r'], " "));
            }
        }
    }
    Ok(())
}
