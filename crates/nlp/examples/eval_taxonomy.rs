//! Scores the default keyword taxonomy (not a trained model) on real complaint reasons: the
//! negative tweets of `airline_sentiment/dev.csv`, their hand-labelled `negativereason` mapped
//! onto the default topics (an evaluation, not a test).
//!
//!     cargo run -p nlp --release --example eval_taxonomy -- /work/shared/data
//!
//! "Can't Tell" rows are left out (no topic to find). A tweet the taxonomy leaves untagged is
//! scored as the class `none`, so accuracy counts it wrong and the report shows how often the
//! taxonomy stays silent.

mod common;

use std::collections::HashSet;
use std::path::PathBuf;

use anyhow::Result;
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

fn main() -> Result<()> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "/work/shared/data".into()),
    );
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
    let (mut seen, mut gold, mut pred) = (HashSet::new(), Vec::new(), Vec::new());
    let (mut other_topic, mut skipped, mut cant_tell) = (0usize, 0usize, 0usize);
    for row in r.records() {
        let row = row?;
        let get = |i: usize| row.get(i).unwrap_or("");
        if get(sent_c) != "negative" || !seen.insert(get(id_c).to_string()) {
            continue;
        }
        let Some((_, topic)) = REASONS.iter().find(|(r, _)| *r == get(reason_c)) else {
            skipped += 1;
            continue;
        };
        let Some(g) = index(topic) else {
            cant_tell += 1;
            continue;
        };
        let found = e.enrich(get(text_c), None).topic;
        let p = match found.as_deref() {
            None => none,
            Some(t) => index(t).unwrap_or_else(|| {
                // a topic the airline reasons have no class for (billing, refund, outage…)
                other_topic += 1;
                none
            }),
        };
        gold.push(g);
        pred.push(p);
    }
    let report = Report::from_predictions(&labels, &gold, &pred)?;
    let tagged = pred.iter().filter(|p| **p != none).count();
    let right_when_tagged = gold
        .iter()
        .zip(&pred)
        .filter(|(g, p)| **p != none && g == p)
        .count();
    println!(
        "default taxonomy on {} negative airline tweets with a reason (left out: {cant_tell} \"Can't Tell\", {skipped} with no or an unknown reason)",
        gold.len()
    );
    println!(
        "tagged with a mapped topic: {tagged} ({:.1} %), of which right: {:.1} %; tagged with a topic outside the map: {other_topic}",
        100.0 * tagged as f64 / gold.len().max(1) as f64,
        100.0 * right_when_tagged as f64 / tagged.max(1) as f64
    );
    println!("{report}");
    Ok(())
}
