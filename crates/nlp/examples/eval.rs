//! Evaluation harness (not a test): accuracy, macro-F1 and throughput of the default scorer, the
//! calibrated model and VADER-Python, side by side.
//!
//!     cargo run -p nlp --release --example eval -- /work/shared/data [--skip-vader] [--skip-cv]
//!
//! Data (read-only, never copied into the repository):
//! - `airline_sentiment/dev.csv`: columns tweet_id, airline_sentiment, negativereason, text.
//! - `vader/tweets_GroundTruth.txt`: id TAB mean rating (-4..+4) TAB text. A rating maps to a
//!   class by rounding to the raters' integer scale: |rating| < 0.5 is neutral, otherwise its sign.
//!
//! Conventions: the default scorer's `unclassified` counts as a neutral prediction (the gold
//! sets are 3-class); VADER-Python's label is its compound score with the usual ±0.05 thresholds;
//! cross-validation runs on the airline rows deduplicated by tweet id (so that no tweet is in two
//! folds); throughput is single-threaded (one core), best of three passes over the airline texts,
//! measured in the same run as VADER-Python so that the ratio holds on a busy machine.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use nlp::{
    ClassWeight, CsvOptions, Enricher, NlpConfig, Report, SentimentLabel, Task, TrainOptions,
    cross_validate, read_examples_csv, train,
};

struct Airline {
    sentiment: String,
    text: String,
}

fn load_airline(dir: &Path) -> Result<Vec<Airline>> {
    let (mut r, cols) = common::csv_with_columns(
        &dir.join("airline_sentiment/dev.csv"),
        &["airline_sentiment", "text"],
    )?;
    let (s, text) = (cols[0], cols[1]);
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec?;
        let get = |i: usize| rec.get(i).unwrap_or("").to_string();
        out.push(Airline {
            sentiment: get(s),
            text: get(text),
        });
    }
    Ok(out)
}

fn load_vader_gold(dir: &Path) -> Result<Vec<(f64, String)>> {
    let path = dir.join("vader/tweets_GroundTruth.txt");
    let raw =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let mut out = Vec::new();
    for (n, line) in raw.lines().enumerate() {
        let mut parts = line.splitn(3, '\t');
        let (Some(_id), Some(rating), Some(text)) = (parts.next(), parts.next(), parts.next())
        else {
            bail!("line {}: expected id, rating, text", n + 1);
        };
        out.push((
            rating
                .trim()
                .parse()
                .with_context(|| format!("line {}: rating", n + 1))?,
            text.to_string(),
        ));
    }
    Ok(out)
}

fn classes() -> Vec<String> {
    SentimentLabel::CLASSES
        .iter()
        .map(|c| c.as_str().to_string())
        .collect()
}

fn class_index(l: SentimentLabel) -> usize {
    match l {
        SentimentLabel::Negative => 0,
        SentimentLabel::Positive => 2,
        SentimentLabel::Neutral | SentimentLabel::Unclassified => 1,
    }
}

fn compound_class(c: f64) -> usize {
    if c >= 0.05 {
        2
    } else if c <= -0.05 {
        0
    } else {
        1
    }
}

fn rating_class(r: f64) -> usize {
    if r >= 0.5 {
        2
    } else if r <= -0.5 {
        0
    } else {
        1
    }
}

struct Vader {
    airline: Vec<f64>,
    gold: Vec<f64>,
    messages_per_second: f64,
    version: String,
}

fn run_vader(airline: &[&str], gold: &[&str]) -> Result<Vader> {
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/nlp_eval/vader_baseline.py");
    let tmp = std::env::temp_dir().join(format!("nlp-eval-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    let run = |name: &str, texts: &[&str]| -> Result<(Vec<f64>, serde_json::Value)> {
        let input = tmp.join(format!("{name}.jsonl"));
        let output = tmp.join(format!("{name}.out"));
        let mut body = String::new();
        for t in texts {
            body.push_str(&serde_json::to_string(t)?);
            body.push('\n');
        }
        std::fs::write(&input, body)?;
        let out = Command::new("python3")
            .arg(&script)
            .arg("--input")
            .arg(&input)
            .arg("--output")
            .arg(&output)
            .args(["--repeat", "3"])
            .output()
            .context("running python3")?;
        if !out.status.success() {
            bail!(
                "vader_baseline.py failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let summary: serde_json::Value =
            serde_json::from_slice(&out.stdout).context("vader summary")?;
        let scores = std::fs::read_to_string(&output)?
            .lines()
            .map(|l| l.trim().parse::<f64>().context("compound score"))
            .collect::<Result<Vec<_>>>()?;
        if scores.len() != texts.len() {
            bail!(
                "vader returned {} scores for {} texts",
                scores.len(),
                texts.len()
            );
        }
        Ok((scores, summary))
    };
    let (a, summary) = run("airline", airline)?;
    let (g, _) = run("gold", gold)?;
    let _ = std::fs::remove_dir_all(&tmp);
    Ok(Vader {
        airline: a,
        gold: g,
        messages_per_second: summary["messages_per_second"].as_f64().unwrap_or(f64::NAN),
        version: summary["vader_version"].as_str().unwrap_or("?").to_string(),
    })
}

/// Messages per second of `f` over `texts`, best of three passes.
fn throughput(texts: &[&str], mut f: impl FnMut(&str) -> usize) -> f64 {
    let mut best = f64::INFINITY;
    let mut sink = 0usize;
    for _ in 0..3 {
        let t0 = Instant::now();
        for t in texts {
            sink = sink.wrapping_add(f(t));
        }
        best = best.min(t0.elapsed().as_secs_f64());
    }
    std::hint::black_box(sink);
    texts.len() as f64 / best
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = PathBuf::from(
        args.iter()
            .find(|a| !a.starts_with("--"))
            .map_or("/work/shared/data", String::as_str),
    );
    let skip_vader = args.iter().any(|a| a == "--skip-vader");
    let skip_cv = args.iter().any(|a| a == "--skip-cv");
    // `--opts JSON`: training options for the calibrated models (partial JSON, defaults elsewhere)
    let opts: TrainOptions = match args.iter().position(|a| a == "--opts") {
        Some(i) => serde_json::from_str(args.get(i + 1).context("--opts needs a JSON value")?)?,
        None => TrainOptions::default(),
    };
    let cv_only = args.iter().any(|a| a == "--cv-only");

    let airline = load_airline(&dir)?;
    let gold = load_vader_gold(&dir)?;
    let air_texts: Vec<&str> = airline.iter().map(|a| a.text.as_str()).collect();
    let gold_texts: Vec<&str> = gold.iter().map(|g| g.1.as_str()).collect();
    let labels = classes();
    let air_gold: Vec<usize> = airline
        .iter()
        .map(|a| a.sentiment.parse::<SentimentLabel>().map(class_index))
        .collect::<Result<_, _>>()?;
    let vg_gold: Vec<usize> = gold.iter().map(|g| rating_class(g.0)).collect();
    println!("# nlp evaluation\n");
    println!(
        "data: {} ({} airline rows, {} VADER gold tweets)",
        dir.display(),
        airline.len(),
        gold.len()
    );
    println!(
        "command: cargo run -p nlp --release --example eval -- {}\n",
        dir.display()
    );

    let enricher = Enricher::new(NlpConfig::default())?;
    let ours = |texts: &[&str]| -> (Vec<usize>, usize) {
        let mut unclassified = 0;
        let p = texts
            .iter()
            .map(|t| {
                let l = enricher.enrich(t, None).sentiment.label;
                unclassified += usize::from(l == SentimentLabel::Unclassified);
                class_index(l)
            })
            .collect();
        (p, unclassified)
    };
    let (ours_air, unc_air) = ours(&air_texts);
    let (ours_gold, unc_gold) = ours(&gold_texts);
    let r_ours_air = Report::from_predictions(&labels, &air_gold, &ours_air)?;
    let r_ours_gold = Report::from_predictions(&labels, &vg_gold, &ours_gold)?;

    // differential check: the scorer-only fast path against the full tokeniser's path, bit for
    // bit (label, score, confidence), on every airline and VADER gold text
    let differing = air_texts
        .iter()
        .chain(&gold_texts)
        .filter(|t| {
            let (a, b) = (enricher.sentiment(t), enricher.sentiment_reference(t));
            a.label != b.label
                || a.score.to_bits() != b.score.to_bits()
                || a.confidence.to_bits() != b.confidence.to_bits()
        })
        .count();
    println!(
        "scorer-only path vs reference path: {differing} differing outputs of {} texts\n",
        air_texts.len() + gold_texts.len()
    );
    if differing > 0 {
        bail!("the scorer-only path differs from the reference path on {differing} texts");
    }

    let vader = if skip_vader {
        None
    } else {
        match run_vader(&air_texts, &gold_texts) {
            Ok(v) => Some(v),
            Err(e) => {
                println!("VADER-Python unavailable: {e:#}\n");
                None
            }
        }
    };

    println!("## Default scorer vs VADER-Python (3 classes)\n");
    println!(
        "| scorer | airline accuracy | airline macro-F1 | VADER-gold accuracy | VADER-gold macro-F1 |"
    );
    println!("|---|---|---|---|---|");
    if let Some(v) = &vader {
        let a: Vec<usize> = v.airline.iter().map(|c| compound_class(*c)).collect();
        let g: Vec<usize> = v.gold.iter().map(|c| compound_class(*c)).collect();
        let ra = Report::from_predictions(&labels, &air_gold, &a)?;
        let rg = Report::from_predictions(&labels, &vg_gold, &g)?;
        println!(
            "| VADER-Python {} (compound ±0.05) | {:.3} | {:.3} | {:.3} | {:.3} |",
            v.version, ra.accuracy, ra.macro_f1, rg.accuracy, rg.macro_f1
        );
    }
    println!(
        "| ours, default scorer (full enrich) | {:.3} | {:.3} | {:.3} | {:.3} |",
        r_ours_air.accuracy, r_ours_air.macro_f1, r_ours_gold.accuracy, r_ours_gold.macro_f1
    );
    println!(
        "\nunclassified by our scorer (counted as neutral): airline {unc_air}/{}, VADER gold {unc_gold}/{}",
        airline.len(),
        gold.len()
    );
    println!("\nours on airline:\n{r_ours_air}\n\nours on VADER gold:\n{r_ours_gold}\n");

    // Training sets come through the crate's CSV reader: deduplicated by tweet id (first row
    // kept, so that no tweet lands in two folds), filtered, every label checked.
    let csv_path = dir.join("airline_sentiment/dev.csv");
    let sent_examples = read_examples_csv(
        &csv_path,
        Task::Sentiment,
        &CsvOptions {
            label_column: "airline_sentiment".into(),
            id_column: Some("tweet_id".into()),
            ..CsvOptions::default()
        },
    )?;
    let reason_examples = read_examples_csv(
        &csv_path,
        Task::Topic,
        &CsvOptions {
            label_column: "negativereason".into(),
            id_column: Some("tweet_id".into()),
            filter_column: Some("airline_sentiment".into()),
            filter_value: Some("negative".into()),
            skip_empty_labels: true,
            ..CsvOptions::default()
        },
    )?;
    if !skip_cv {
        println!(
            "## Calibrated model, 5-fold stratified cross-validation (airline, {} unique tweets)\n",
            sent_examples.len()
        );
        println!("options: {}\n", serde_json::to_string(&opts)?);
        println!("| task | accuracy (mean ± sd) | macro-F1 (mean ± sd) | seconds |");
        println!("|---|---|---|---|");
        let balanced = TrainOptions {
            class_weight: ClassWeight::Balanced,
            ..opts.clone()
        };
        for (name, task, ex, o) in [
            ("sentiment", Task::Sentiment, &sent_examples, &opts),
            (
                "sentiment, balanced class weights",
                Task::Sentiment,
                &sent_examples,
                &balanced,
            ),
            (
                "complaint reason (negative rows)",
                Task::Topic,
                &reason_examples,
                &opts,
            ),
            (
                "complaint reason, balanced class weights",
                Task::Topic,
                &reason_examples,
                &balanced,
            ),
        ] {
            let t0 = Instant::now();
            let cv = cross_validate(task, ex, 5, o)?;
            println!(
                "| {name} ({} examples, {} classes) | {:.3} ± {:.3} | {:.3} ± {:.3} | {:.1} |",
                ex.len(),
                cv.pooled.labels.len(),
                cv.mean_accuracy,
                cv.std_accuracy,
                cv.mean_macro_f1,
                cv.std_macro_f1,
                t0.elapsed().as_secs_f64()
            );
            eprintln!("{name}, pooled over folds:\n{}\n", cv.pooled);
        }
        println!();
    }
    if cv_only {
        return Ok(());
    }

    // throughput
    let t0 = Instant::now();
    let model = train(Task::Sentiment, &sent_examples, &opts)?;
    let train_s = t0.elapsed().as_secs_f64();
    let bytes = model.to_bytes()?;
    let with_model = Enricher::new(NlpConfig::default())?.with_sentiment_model(model.clone())?;
    println!(
        "sentiment model trained on {} tweets in {train_s:.1} s; serialised size {:.2} MB\n",
        sent_examples.len(),
        bytes.len() as f64 / 1e6
    );
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("## Throughput (one core, airline texts, best of 3 passes)\n");
    println!(
        "load average before: {}\n",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!("| operation | messages/s | µs/message |");
    println!("|---|---|---|");
    let show = |name: &str, mps: f64| println!("| {name} | {mps:.0} | {:.2} |", 1e6 / mps);
    let scorer = throughput(&air_texts, |t| enricher.sentiment(t).label as usize);
    show("default scorer (tokenise + score)", scorer);
    show(
        "calibrated model (tokenise + features + predict)",
        throughput(&air_texts, |t| model.predict_index(t)),
    );
    show(
        "language detection",
        throughput(&air_texts, |t| {
            enricher.detect_language(t).0.map_or(0, |l| l.len())
        }),
    );
    show(
        "key phrases",
        throughput(&air_texts, |t| enricher.phrases(t).len()),
    );
    show("PII", throughput(&air_texts, |t| enricher.pii(t).len()));
    show(
        "full enrich, default scorer",
        throughput(&air_texts, |t| enricher.enrich(t, None).phrases.len()),
    );
    show(
        "full enrich, calibrated model",
        throughput(&air_texts, |t| with_model.enrich(t, None).phrases.len()),
    );
    if let Some(v) = &vader {
        show(
            &format!("VADER-Python {} polarity_scores", v.version),
            v.messages_per_second,
        );
        println!(
            "\ndefault scorer / VADER-Python speed ratio: {:.0}x",
            scorer / v.messages_per_second
        );
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "load average after: {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    Ok(())
}
