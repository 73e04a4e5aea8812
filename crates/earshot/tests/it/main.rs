//! The `earshot` binary end to end: imports, the twcs layout, metrics, and
//! an import killed with SIGKILL and run again.

use serde_json::Value;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use store::scratch::Scratch;

const BIN: &str = env!("CARGO_BIN_EXE_earshot");

async fn fresh(backend: &str) -> Option<Scratch> {
    let like = match backend {
        "sqlite" => "sqlite://unused.db".to_string(),
        _ => std::env::var("EARSHOT_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into()),
    };
    match Scratch::create(&like, "earshot_cli_test").await {
        Ok(s) => Some(s),
        Err(e) if std::env::var_os("CI").is_none() => {
            eprintln!("SKIPPED: {backend} unreachable at {like}: {e}");
            None
        }
        Err(e) => panic!("{backend} is required in CI but unreachable at {like}: {e}"),
    }
}

fn earshot(db: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN)
        .arg("--database")
        .arg(db)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run earshot");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(s: &str) -> Value {
    serde_json::from_str(s.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

/// A small twcs-layout file: rows out of order, a reply chain, a customer's
/// follow-up, a brand reply to a reply, an unanswered customer.
const TWCS: &str =
    "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id
2,AcmeCare,False,Tue Oct 31 10:01:00 +0000 2017,@c1 sorry! DM us,3,1
1,c1,True,Tue Oct 31 10:00:00 +0000 2017,@AcmeCare my parcel never arrived,2,
3,c1,True,Tue Oct 31 10:05:00 +0000 2017,\"@AcmeCare done, thanks\",4,2
4,AcmeCare,False,Tue Oct 31 10:30:00 +0000 2017,@c1 refund issued,,3
10,c2,True,Tue Oct 31 11:00:00 +0000 2017,\"@AcmeCare charged twice,
again!\",11,
11,AcmeCare,False,Tue Oct 31 11:10:00 +0000 2017,@c2 looking into it,,10
20,c3,True,Tue Oct 31 12:00:00 +0000 2017,@AcmeCare app crashes,21,
21,AcmeCare,False,Tue Oct 31 13:00:00 +0000 2017,@c3 please update,,20
30,c4,True,Tue Oct 31 12:30:00 +0000 2017,@AcmeCare hello?,,
";

#[tokio::test]
async fn twcs_first_response_times_match_a_hand_computation() {
    let Some(scratch) = fresh("sqlite").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("twcs.csv");
    std::fs::write(&file, TWCS).unwrap();
    let (code, out, err) = earshot(
        &scratch.url,
        &[
            "import",
            "--format",
            "twcs",
            "--json",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let r = json(&out);
    assert_eq!(
        (r["accepted"].as_u64(), r["rejected"].as_u64()),
        (Some(9), Some(0)),
        "{r}"
    );
    let (code, out, err) = earshot(&scratch.url, &["metrics", "--json"]);
    assert_eq!(code, 0, "{err}");
    let m = json(&out);
    // By hand: c1 answered after 60 s, c2 after 600 s, c3 after 3600 s, c4 never.
    assert_eq!(m["conversations"], 4);
    assert_eq!(m["answered"], 3);
    assert_eq!(m["frt_median_s"], 600.0);
    // p90 of [60, 600, 3600]: 600 + 0.8 × 3000.
    assert_eq!(m["frt_p90_s"], 3000.0);
    assert_eq!(m["volume_by_channel"]["x"], 5);
    // Importing again stores nothing new.
    let (code, out, _) = earshot(
        &scratch.url,
        &[
            "import",
            "--format",
            "twcs",
            "--json",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0);
    assert_eq!(json(&out)["duplicates"], 9);
    scratch.destroy().await.unwrap();
}

#[tokio::test]
async fn bad_lines_are_reported_with_their_numbers_and_good_ones_kept() {
    let Some(scratch) = fresh("sqlite").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("in.jsonl");
    let good = r#"{"type":"message","channel":"x","id":"1","author":{"id":"u1"},"text":"hi","at":"2026-03-02T09:00:00Z"}"#;
    let mut content = Vec::new();
    content.extend_from_slice(good.as_bytes());
    content.extend_from_slice(b"\n{not json\n");
    content.extend_from_slice(br#"{"type":"message","channel":"myspace","id":"2","author":{"id":"u1"},"text":"hi","at":"2026-03-02T09:00:00Z"}"#);
    content.extend_from_slice(b"\n\n");
    content.extend_from_slice(br#"{"type":"message","channel":"x","id":"3","author":{"id":"u1"},"text":"hi","at":"yesterday"}"#);
    content.extend_from_slice(b"\n{\"type\":\"message\",\"text\":\"\xff\xfe\"}\n");
    content.extend_from_slice(br#"{"type":"message","channel":"x","id":"4","author":{"id":"u2"},"text":"ok","at":"2026-03-02T09:01:00Z"}"#);
    std::fs::write(&file, content).unwrap();
    let (code, out, err) = earshot(&scratch.url, &["import", "--json", file.to_str().unwrap()]);
    assert_eq!(
        code, 1,
        "a rejected line makes the exit code non-zero: {out}{err}"
    );
    let r = json(&out);
    assert_eq!(r["accepted"], 2, "{r}");
    assert_eq!(r["rejected"], 4, "{r}");
    let lines: Vec<u64> = r["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, vec![2, 3, 5, 6], "{r}");
    let reasons = r["errors"].to_string();
    assert!(
        reasons.contains("myspace") && reasons.contains("yesterday"),
        "{reasons}"
    );
    scratch.destroy().await.unwrap();
}

#[tokio::test]
async fn a_missing_file_is_a_clear_error() {
    let (code, _, err) = earshot(
        "sqlite:///tmp/earshot-missing-test.db",
        &["import", "/nonexistent/file.jsonl"],
    );
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent/file.jsonl"), "{err}");
}

async fn killed_import_then_reimport_stores_each_message_once(backend: &str) {
    let Some(scratch) = fresh(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sim.jsonl");
    let (code, _, err) = earshot(
        &scratch.url,
        &[
            "simulate",
            "--seed",
            "3",
            "--days",
            "14",
            "--per-day",
            "250",
            "--start",
            "2026-02-02T00:00:00Z",
            "-o",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&file).unwrap();
    let total_messages = text
        .lines()
        .filter(|l| l.contains(r#""type":"message""#))
        .count() as i64;
    let total_records = text.lines().filter(|l| !l.trim().is_empty()).count() as u64;
    assert!(total_messages > 3000, "{total_messages}");

    assert_eq!(earshot(&scratch.url, &["migrate"]).0, 0);
    let store = store::Store::open(&scratch.url).await.unwrap();
    let mut child = Command::new(BIN)
        .args([
            "--database",
            &scratch.url,
            "import",
            "--quiet",
            "--batch",
            "100",
            file.to_str().unwrap(),
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once some batches are committed but well before the end.
    let started = Instant::now();
    loop {
        let n = store.counts().await.unwrap().messages;
        if n > 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "import never committed a batch"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let partial = store.counts().await.unwrap().messages;
    assert!(
        partial > 0 && partial < total_messages,
        "killed mid-way: {partial} of {total_messages}"
    );

    let (code, out, err) = earshot(&scratch.url, &["import", "--json", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    let r = json(&out);
    assert_eq!(r["rejected"], 0, "{r}");
    assert_eq!(
        r["accepted"].as_u64().unwrap() + r["duplicates"].as_u64().unwrap(),
        total_records
    );
    assert!(
        r["duplicates"].as_u64().unwrap() > 0,
        "the re-run found the committed part"
    );
    let counts = store.counts().await.unwrap();
    assert_eq!(
        counts.messages, total_messages,
        "every message stored exactly once"
    );
    store.verify_event_chain().await.unwrap();
    // A third run changes nothing.
    let (_, out, _) = earshot(&scratch.url, &["import", "--json", file.to_str().unwrap()]);
    assert_eq!(json(&out)["duplicates"].as_u64(), Some(total_records));
    assert_eq!(store.counts().await.unwrap(), counts);
    store.close().await;
    scratch.destroy().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_import_sqlite() {
    killed_import_then_reimport_stores_each_message_once("sqlite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_import_postgres() {
    killed_import_then_reimport_stores_each_message_once("postgres").await;
}

#[tokio::test]
async fn nlp_train_eval_and_bad_training_files() {
    let Some(scratch) = fresh("sqlite").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("labels.csv");
    let mut csv = String::from("id,text,label\n");
    for i in 0..30 {
        csv.push_str(&format!(
            "{i}a,\"the zorblax service, zorblax {i}\",positive\n"
        ));
        csv.push_str(&format!("{i}b,utterly quuxly and quuxly {i},negative\n"));
        csv.push_str(&format!("{i}c,my plinth order number {i},neutral\n"));
    }
    std::fs::write(&good, &csv).unwrap();
    let path = good.to_str().unwrap();

    let (code, out, err) = earshot(
        &scratch.url,
        &[
            "nlp",
            "eval",
            "--task",
            "sentiment",
            "--labels",
            path,
            "--folds",
            "3",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("3-fold cross-validation") && out.contains("macro-F1"),
        "{out}"
    );
    assert!(out.contains("confusion"), "{out}");

    let (code, out, err) = earshot(
        &scratch.url,
        &[
            "nlp",
            "train",
            "--task",
            "sentiment",
            "--labels",
            path,
            "--brand",
            "ZorbCo",
            "--folds",
            "0",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, _) = earshot(&scratch.url, &["--json", "nlp", "models"]);
    assert_eq!(code, 0);
    let models = json(&out);
    assert_eq!(models[0]["brand"], "ZorbCo");
    assert_eq!(models[0]["trained_on"], 90);
    let (code, out, err) = earshot(
        &scratch.url,
        &[
            "nlp",
            "eval",
            "--task",
            "sentiment",
            "--labels",
            path,
            "--model",
            "zorbco",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("accuracy = 1.0000"),
        "a model evaluated on its own training set: {out}"
    );

    // A topic model is not a sentiment model.
    let (code, _, err) = earshot(
        &scratch.url,
        &[
            "nlp", "eval", "--task", "topic", "--labels", path, "--model", "zorbco",
        ],
    );
    assert_eq!(code, 2);
    assert!(err.contains("no stored topic model"), "{err}");

    // Invalid labels and a one-class file are clear errors.
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "text,label\nfine,positive\nmeh,furious\n").unwrap();
    let (code, _, err) = earshot(
        &scratch.url,
        &[
            "nlp",
            "train",
            "--task",
            "sentiment",
            "--labels",
            bad.to_str().unwrap(),
            "--folds",
            "0",
        ],
    );
    assert_eq!(code, 2);
    assert!(err.contains("furious"), "{err}");
    let one = dir.path().join("one.csv");
    std::fs::write(
        &one,
        "text,label\nfine,positive\ngood,positive\ngreat,positive\n",
    )
    .unwrap();
    let (code, _, err) = earshot(
        &scratch.url,
        &[
            "nlp",
            "train",
            "--task",
            "sentiment",
            "--labels",
            one.to_str().unwrap(),
            "--folds",
            "0",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("distinct label"), "{err}");
    scratch.destroy().await.unwrap();
}

#[tokio::test]
async fn simulate_with_an_injected_anomaly_writes_its_truth() {
    let Some(scratch) = fresh("sqlite").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("spike.jsonl");
    let (code, _, err) = earshot(
        &scratch.url,
        &[
            "simulate",
            "--inject",
            "volume_spike",
            "--days",
            "30",
            "--per-day",
            "40",
            "--seed",
            "5",
            "--start",
            "2026-01-05T00:00:00Z",
            "-o",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let truth: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("spike.truth.json")).unwrap(),
    )
    .unwrap();
    assert!(
        truth
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["kind"] == "spike"),
        "{truth}"
    );
    let (code, out, err) = earshot(&scratch.url, &["import", "--json", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(json(&out)["rejected"], 0);
    // the imported history ended long before now: without --to, detection ends with it
    // instead of judging months of silence as a coverage gap
    let (code, out, err) = earshot(&scratch.url, &["analytics", "detect", "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    let end_of_data = 1_770_163_200_000_i64; // 2026-02-04T00:00:00Z, 30 days after the start
    let as_of = json(&out)["as_of_ms"].as_i64().unwrap_or_default();
    assert!(
        as_of > end_of_data - 6 * 3_600_000 && as_of <= end_of_data + 2 * 86_400_000,
        "as_of {as_of}: {err}"
    );
    assert!(err.contains("the stored data ends at 2026-02-0"), "{err}");
    // the insight workflow from the command line
    let (code, out, err) = earshot(&scratch.url, &["analytics", "insights", "--json"]);
    assert_eq!(code, 0, "{err}");
    let listed = json(&out);
    let id = listed[0]["id"].as_str().expect("an insight").to_string();
    let (code, _, err) = earshot(&scratch.url, &["analytics", "follow-through", &id]);
    assert_ne!(code, 0);
    assert!(err.contains("is new"), "not actioned yet: {err}");
    let status = |to: &str, note: &[&str]| {
        let mut args = vec![
            "analytics",
            "status",
            &id,
            "--to",
            to,
            "--actor",
            "lead:sam",
        ];
        args.extend_from_slice(note);
        earshot(&scratch.url, &args)
    };
    let (code, _, err) = status("closed", &[]);
    assert_ne!(code, 0);
    assert!(err.contains("closed"), "{err}");
    let (code, out, err) = status("actioned", &["--note", "courier fixed"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("actioned"), "{out}");
    let (code, _, err) = status("acknowledged", &[]);
    assert_ne!(code, 0, "a closed insight stays closed");
    assert!(err.contains("actioned → acknowledged"), "{err}");
    // actioned just now, on a history that ended in February: nothing since to judge
    let (code, out, err) = earshot(
        &scratch.url,
        &["analytics", "follow-through", &id, "--json"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out)["verdict"], "too_early", "{out}");
    let (code, out, err) = earshot(
        &scratch.url,
        &["analytics", "insights", "--status", "actioned"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&id), "{out}");
    let (code, _, err) = earshot(
        &scratch.url,
        &[
            "simulate",
            "--inject",
            "meteor",
            "-o",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("meteor") && err.contains("volume_spike"),
        "{err}"
    );
    scratch.destroy().await.unwrap();
}

#[test]
fn eval_detectors_judges_a_history_file_against_its_truth() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("unused.db").display());
    let file = dir.path().join("gap.jsonl");
    let path = file.to_str().unwrap();
    let (code, _, err) = earshot(
        &db,
        &[
            "simulate",
            "--inject",
            "coverage_gap",
            "--days",
            "35",
            "--per-day",
            "60",
            "--seed",
            "2",
            "-o",
            path,
        ],
    );
    assert_eq!(code, 0, "{err}");
    let written: usize = err
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("record count in: {err}"));
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str("this is not a record\n");
    std::fs::write(&file, text).unwrap();
    let (code, out, err) = earshot(&db, &["--json", "eval", "detectors", "--data", path]);
    assert_eq!(code, 0, "{out}{err}");
    let report = json(&out);
    let sc = &report["scenarios"][0];
    assert_eq!(sc["records"], written);
    assert_eq!(sc["bad_lines"].as_array().map(Vec::len), Some(1), "{sc}");
    assert!(
        sc["bad_lines"][0]
            .as_str()
            .unwrap()
            .starts_with(&format!("line {}", written + 1))
    );
    assert_eq!(sc["truths"][0]["truth"]["kind"], "coverage_gap", "{sc}");
    assert!(
        sc["truth_file"]
            .as_str()
            .unwrap()
            .ends_with("gap.truth.json")
    );
    assert_eq!(report["rows"].as_array().map(Vec::len), Some(9));
    assert_eq!(
        report["options"]["seeds"],
        serde_json::json!([]),
        "no scenario simulated"
    );
    // simulated scenarios and files are two different runs
    let (code, _, err) = earshot(&db, &["eval", "detectors", "--data", path, "--seeds", "3"]);
    assert_ne!(code, 0);
    assert!(err.contains("--seeds"), "{err}");
    let missing = dir.path().join("missing.jsonl");
    let (code, _, err) = earshot(
        &db,
        &["eval", "detectors", "--data", missing.to_str().unwrap()],
    );
    assert_ne!(code, 0);
    assert!(err.contains("missing.jsonl"), "{err}");
}

#[test]
fn a_plain_simulation_writes_the_truth_of_its_scripted_changes() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("unused.db").display());
    let file = dir.path().join("demo.jsonl");
    let path = file.to_str().unwrap();
    let (code, _, err) = earshot(
        &db,
        &[
            "simulate",
            "--days",
            "30",
            "--per-day",
            "20",
            "--seed",
            "4",
            "--start",
            "2026-01-05T00:00:00Z",
            "-o",
            path,
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("5 truths (the scripted changes)"), "{err}");
    let truths = json(&std::fs::read_to_string(dir.path().join("demo.truth.json")).unwrap());
    let truths = truths.as_array().unwrap();
    let kinds: Vec<&str> = truths.iter().map(|t| t["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "topic_trend",
            "topic_trend",
            "spike",
            "topic_trend",
            "spike"
        ]
    );
    // each names the change entry of the history as its cause, and a step lasts to the end
    let text = std::fs::read_to_string(&file).unwrap();
    for t in truths {
        let id = t["cause_change_id"].as_str().unwrap();
        assert!(
            text.contains(&format!("\"id\":\"{id}\"")),
            "{id} not in the history"
        );
    }
    assert_eq!(truths[1]["end"], "2026-02-04T00:00:00Z");
    assert_eq!(truths[2]["end"], "2026-01-22T16:35:00Z", "{}", truths[2]);
    let (code, out, err) = earshot(&db, &["--json", "eval", "detectors", "--data", path]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        json(&out)["scenarios"][0]["truths"]
            .as_array()
            .map(Vec::len),
        Some(5)
    );
}
