//! Differential check and instruction-count driver for the scorer-only path.
//!
//!     cargo run -p nlp --release --example scorer_diff -- /work/shared/data
//!     valgrind --tool=callgrind target/release/examples/scorer_diff /work/shared/data --bench new
//!
//! Without `--bench`: scores every airline text and every VADER gold tweet with
//! [`Enricher::sentiment`] (the fast scorer-only path) and with
//! [`Enricher::sentiment_reference`] (the full tokeniser), and counts the texts whose label,
//! score or confidence differ (bit for bit). Exit status 1 when any differs.
//! With `--bench new|old [passes]`: only scores the airline texts (default 1 pass), for callgrind.
//! With `--time`: best-of-five µs per airline text of both paths.
//! With `--dump FILE`: writes every output of the fast path, the reference path and `enrich` bit
//! for bit, one text a line, so that two builds can be compared with `cmp`.

use std::path::Path;

use anyhow::{Context, Result, bail};
use nlp::{Enricher, NlpConfig, Sentiment};

fn load_texts(dir: &Path) -> Result<(Vec<String>, Vec<String>)> {
    let path = dir.join("airline_sentiment/dev.csv");
    let mut r =
        csv::Reader::from_path(&path).with_context(|| format!("opening {}", path.display()))?;
    let col = r
        .headers()?
        .iter()
        .position(|c| c == "text")
        .context("no text column")?;
    let mut airline = Vec::new();
    for rec in r.records() {
        airline.push(rec?.get(col).unwrap_or("").to_string());
    }
    let path = dir.join("vader/tweets_GroundTruth.txt");
    let raw =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let gold = raw
        .lines()
        .filter_map(|l| l.splitn(3, '\t').nth(2))
        .map(str::to_string)
        .collect();
    Ok((airline, gold))
}

fn same(a: &Sentiment, b: &Sentiment) -> bool {
    a.label == b.label
        && a.score.to_bits() == b.score.to_bits()
        && a.confidence.to_bits() == b.confidence.to_bits()
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        bail!("usage: scorer_diff DATA_DIR [--bench new|old [passes]]");
    };
    let (airline, gold) = load_texts(Path::new(dir))?;
    let enricher = Enricher::new(NlpConfig::default())?;
    if args.get(1).map(String::as_str) == Some("--bench") {
        let old = args.get(2).map(String::as_str) == Some("old");
        let passes: usize = args.get(3).and_then(|p| p.parse().ok()).unwrap_or(1);
        let mut acc = 0usize;
        for _ in 0..passes {
            for t in &airline {
                let s = if old {
                    enricher.sentiment_reference(t)
                } else {
                    enricher.sentiment(t)
                };
                acc += s.label as usize;
            }
        }
        println!("{} texts x {passes} passes, checksum {acc}", airline.len());
        return Ok(());
    }
    if args.get(1).map(String::as_str) == Some("--time") {
        // best of five passes each, alternating, so that both see the same machine load
        let (mut new, mut old) = (f64::INFINITY, f64::INFINITY);
        let mut acc = 0usize;
        for _ in 0..5 {
            let t0 = std::time::Instant::now();
            for t in &airline {
                acc += enricher.sentiment(t).label as usize;
            }
            new = new.min(t0.elapsed().as_secs_f64());
            let t0 = std::time::Instant::now();
            for t in &airline {
                acc += enricher.sentiment_reference(t).label as usize;
            }
            old = old.min(t0.elapsed().as_secs_f64());
        }
        let per = |s: f64| s * 1e6 / airline.len() as f64;
        println!(
            "scorer-only path {:.3} µs/text, reference path {:.3} µs/text ({acc})",
            per(new),
            per(old)
        );
        return Ok(());
    }
    if args.get(1).map(String::as_str) == Some("--dump") {
        // every output bit for bit, to compare builds (e.g. before / after a refactor)
        let mut out = String::new();
        for t in airline.iter().chain(&gold) {
            for s in [
                enricher.sentiment(t),
                enricher.sentiment_reference(t),
                enricher.enrich(t, None).sentiment,
            ] {
                out.push_str(&format!(
                    "{} {:08x} {:08x} ",
                    s.label,
                    s.score.to_bits(),
                    s.confidence.to_bits()
                ));
            }
            out.push('\n');
        }
        let path = args.get(2).context("--dump FILE")?;
        std::fs::write(path, out)?;
        return Ok(());
    }
    let mut differing = 0usize;
    for (name, texts) in [("airline", &airline), ("vader gold", &gold)] {
        let mut d = 0usize;
        for t in texts.iter() {
            let (a, b) = (enricher.sentiment(t), enricher.sentiment_reference(t));
            if !same(&a, &b) {
                if d < 10 {
                    eprintln!("differs: {t:?}\n  fast {a:?}\n  reference {b:?}");
                }
                d += 1;
            }
        }
        println!("{name}: {} texts, {d} differing outputs", texts.len());
        differing += d;
    }
    println!("differing outputs in total: {differing}");
    if differing > 0 {
        std::process::exit(1);
    }
    Ok(())
}
