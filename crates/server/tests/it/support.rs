//! Shared test plumbing: fresh databases on both backends, record builders.

use server::{Item, Pipeline, Settings};
use store::Store;
use store::scratch::Scratch;

/// The PostgreSQL server the suite uses (trust auth on this machine).
pub fn postgres_admin_url() -> String {
    std::env::var("EARSHOT_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

/// A fresh database of the named backend, or `None` (with the reason
/// printed) when PostgreSQL is unreachable outside CI. In CI an unreachable
/// server fails the test loudly.
pub async fn fresh(backend: &str) -> Option<Scratch> {
    let like = match backend {
        "sqlite" => "sqlite://unused.db".to_string(),
        _ => postgres_admin_url(),
    };
    match Scratch::create(&like, "earshot_test").await {
        Ok(s) => Some(s),
        Err(e) => {
            if std::env::var_os("CI").is_some() {
                panic!("{backend} is required in CI but unreachable at {like}: {e}");
            }
            eprintln!("SKIPPED: {backend} unreachable at {like}: {e}");
            None
        }
    }
}

pub struct Env {
    pub scratch: Option<Scratch>,
    pub pipeline: Pipeline,
}

impl Env {
    pub fn store(&self) -> &Store {
        self.pipeline.store()
    }

    pub async fn done(mut self) {
        self.pipeline.store().close().await;
        if let Some(s) = self.scratch.take() {
            s.destroy().await.expect("drop scratch database");
        }
    }
}

pub async fn env(backend: &str, settings: Settings) -> Option<Env> {
    let scratch = fresh(backend).await?;
    let store = Store::open(&scratch.url).await.expect("open store");
    let pipeline = Pipeline::new(store, &settings).expect("pipeline");
    Some(Env {
        scratch: Some(scratch),
        pipeline,
    })
}

/// Parses native JSON Lines into items numbered from 1.
pub fn items(lines: &[String]) -> Vec<Item> {
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| Item {
            origin: i + 1,
            record: channels::native::parse_line(l)
                .unwrap_or_else(|e| panic!("fixture line {}: {e}", i + 1)),
        })
        .collect()
}

/// A customer message in the native format.
pub fn inbound(id: &str, author: &str, at: &str, text: &str) -> String {
    serde_json::json!({
        "type": "message", "channel": "x", "id": id, "direction": "inbound", "visibility": "public",
        "author": { "id": author, "handle": format!("@{author}"), "followers": 120 },
        "brand_account": "AcmeCare", "text": text, "at": at,
    })
    .to_string()
}

pub fn with(line: &str, key: &str, value: serde_json::Value) -> String {
    let mut v: serde_json::Value = serde_json::from_str(line).expect("fixture json");
    v[key] = value;
    v.to_string()
}

/// A brand reply in the native format.
pub fn outbound(id: &str, reply_to: &str, at: &str) -> String {
    serde_json::json!({
        "type": "message", "channel": "x", "id": id, "direction": "outbound", "visibility": "public",
        "author": { "id": "AcmeCare" }, "brand_account": "AcmeCare",
        "text": "Sorry to hear that, we are on it.", "at": at, "in_reply_to": reply_to,
    })
    .to_string()
}

pub fn lifecycle(kind: &str, id: &str, message_id: &str, at: &str) -> String {
    serde_json::json!({
        "type": kind, "id": id, "channel": "x", "message_id": message_id, "actor": "agent:maria", "at": at,
    })
    .to_string()
}

/// Generates `#[tokio::test]` functions running `$check` on each backend.
#[macro_export]
macro_rules! on_both {
    ($name:ident, $check:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$check("sqlite").await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$check("postgres").await;
            }
        }
    };
}

/// `days` days of a small simulated history (60 new customers a day), in batches of `batch`
/// records numbered from 1.
pub fn simulated_batches(days: u32, batch: usize) -> Vec<Vec<Item>> {
    let mut cfg = simulate::SimConfig::demo(time::macros::datetime!(2026-02-02 00:00 UTC));
    cfg.days = days;
    cfg.customers_per_day = 60;
    let mut origin = 0;
    simulate::generate(&cfg)
        .chunks(batch)
        .map(|chunk| {
            chunk
                .iter()
                .cloned()
                .map(|record| {
                    origin += 1;
                    Item { origin, record }
                })
                .collect()
        })
        .collect()
}

/// Ingests the batches one by one; every record must be accepted.
pub async fn ingest_all(e: &Env, batches: Vec<Vec<Item>>) {
    for items in batches {
        let r = e.pipeline.ingest(items).await.expect("ingest");
        assert_eq!(r.rejected, 0, "{:?}", r.errors);
    }
}
