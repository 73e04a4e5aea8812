//! Store contract tests, run on a fresh SQLite file and a fresh PostgreSQL
//! database: what one backend does, the other must do identically.

use domain::{Channel, Conversation, CustomerId, Direction, InboundMessage, Visibility};
use store::ingest::{IngestKeys, IngestPlan, NewCustomer, NewIdentity};
use store::scratch::Scratch;
use store::{MessageRow, NewEvent, Store};
use time::macros::datetime;

async fn fresh(backend: &str) -> Option<(Scratch, Store)> {
    let like = match backend {
        "sqlite" => "sqlite://unused.db".to_string(),
        _ => std::env::var("EARSHOT_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into()),
    };
    let scratch = match Scratch::create(&like, "earshot_store_test").await {
        Ok(s) => s,
        Err(e) if std::env::var_os("CI").is_none() => {
            eprintln!("SKIPPED: {backend} unreachable at {like}: {e}");
            return None;
        }
        Err(e) => panic!("{backend} is required in CI but unreachable at {like}: {e}"),
    };
    let store = Store::open(&scratch.url).await.expect("open");
    Some((scratch, store))
}

async fn finish(scratch: Scratch, store: Store) {
    store.close().await;
    scratch.destroy().await.expect("destroy");
}

fn message(id: &str) -> InboundMessage {
    InboundMessage {
        channel: Channel::Facebook,
        external_id: id.into(),
        direction: Direction::Inbound,
        visibility: Visibility::Private,
        author: domain::Author {
            id: "u1".into(),
            handle: Some("ann".into()),
            name: None,
            followers: Some(5),
        },
        brand_account: None,
        text: "It's \"broken\", again,\nreally".into(),
        created_at: datetime!(2026-03-02 09:00 UTC),
        in_reply_to: None,
        language: None,
    }
}

/// A hand-made plan: one customer, one conversation, `n` messages.
fn plan(n: usize) -> (IngestKeys, IngestPlan) {
    let customer = CustomerId::new();
    let routing = domain::routing::RoutingOutcome {
        queue: "general".into(),
        priority: domain::Priority::Normal,
        tags: vec![],
        matched: vec![],
    };
    let mut conv = Conversation::open(
        customer,
        Channel::Facebook,
        datetime!(2026-03-02 09:00 UTC),
        &routing,
        None,
    );
    let mut p = IngestPlan {
        customers: vec![NewCustomer {
            id: customer,
            display_name: Some("Ann".into()),
            created_at: datetime!(2026-03-02 09:00 UTC),
        }],
        identities: vec![NewIdentity {
            channel: Channel::Facebook,
            external_user_id: "u1".into(),
            customer_id: customer,
            handle: Some("ann".into()),
            display_name: None,
            followers: Some(5),
        }],
        ..Default::default()
    };
    let mut keys = IngestKeys::default();
    for i in 0..n {
        let m = message(&format!("m{i}"));
        conv.add_inbound(m.created_at, Some(-0.4), Some("delivery"), &routing);
        keys.messages.push((m.channel, m.external_id.clone()));
        p.events.push(NewEvent::new(
            m.created_at,
            "test",
            "message.received",
            "conversation",
            conv.id,
            serde_json::json!({ "i": i }),
        ));
        p.messages.push(MessageRow {
            id: domain::MessageId::new(),
            conversation_id: Some(conv.id),
            customer_id: Some(customer),
            message: m,
            signals: Some(domain::Signals {
                sentiment: "negative".into(),
                sentiment_score: -0.4,
                ..Default::default()
            }),
            sent_by: None,
        });
    }
    p.conversations.push(conv);
    (keys, p)
}

macro_rules! on_both {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name("sqlite").await;
            }
            #[tokio::test]
            async fn postgres() {
                super::$name("postgres").await;
            }
        }
    };
}

async fn plan_round_trips(backend: &str) {
    let Some((scratch, store)) = fresh(backend).await else {
        return;
    };
    let (keys, p) = plan(3);
    let conv_id = p.conversations[0].id;
    let seen = store
        .ingest(&keys, |ctx| (p.clone(), ctx.existing_messages.len()))
        .await
        .unwrap();
    assert_eq!(seen, 0);
    // The context now sees what was written.
    let again = store
        .ingest(&keys, |ctx| (IngestPlan::default(), ctx))
        .await
        .unwrap();
    assert_eq!(again.existing_messages.len(), 3);
    let d = store.get_conversation(conv_id).await.unwrap().unwrap();
    assert_eq!(d.conversation, p.conversations[0]);
    assert_eq!(d.messages.len(), 3);
    assert_eq!(
        d.messages[0].message, p.messages[0].message,
        "text with quotes, commas and newlines survives"
    );
    assert_eq!(d.customer.identities[0].followers, Some(5));
    finish(scratch, store).await;
}
on_both!(plan_round_trips);

async fn migrations_are_idempotent(backend: &str) {
    let Some((scratch, store)) = fresh(backend).await else {
        return;
    };
    store.migrate().await.unwrap();
    store.migrate().await.unwrap();
    assert_eq!(store.counts().await.unwrap(), store::Counts::default());
    finish(scratch, store).await;
}
on_both!(migrations_are_idempotent);

async fn raw_insert_writes_every_row(backend: &str) {
    let Some((scratch, store)) = fresh(backend).await else {
        return;
    };
    let (_, mut p) = plan(2500);
    for m in &mut p.messages {
        m.conversation_id = None;
        m.customer_id = None;
    }
    store.raw_insert_messages(&p.messages).await.unwrap();
    assert_eq!(store.counts().await.unwrap().messages, 2500);
    finish(scratch, store).await;
}
on_both!(raw_insert_writes_every_row);

async fn event_chain_detects_tampering(backend: &str) {
    let Some((scratch, store)) = fresh(backend).await else {
        return;
    };
    let (keys, p) = plan(5);
    store.ingest(&keys, |_| (p, ())).await.unwrap();
    assert_eq!(store.verify_event_chain().await.unwrap(), 5);
    // Edit one stored event behind the application's back.
    match backend {
        "sqlite" => {
            let pool = sqlx::SqlitePool::connect(&scratch.url).await.unwrap();
            sqlx::query("UPDATE events SET actor = 'mallory' WHERE seq = 3")
                .execute(&pool)
                .await
                .unwrap();
            pool.close().await;
        }
        _ => {
            let pool = sqlx::PgPool::connect(&scratch.url).await.unwrap();
            sqlx::query("UPDATE events SET actor = 'mallory' WHERE seq = 3")
                .execute(&pool)
                .await
                .unwrap();
            pool.close().await;
        }
    }
    let err = store.verify_event_chain().await.unwrap_err().to_string();
    assert!(err.contains("event 3"), "{err}");
    finish(scratch, store).await;
}
on_both!(event_chain_detects_tampering);

async fn merge_moves_identities_and_is_audited(backend: &str) {
    let Some((scratch, store)) = fresh(backend).await else {
        return;
    };
    let (k1, p1) = plan(1);
    let a = p1.customers[0].id;
    store.ingest(&k1, |_| (p1, ())).await.unwrap();
    let (k2, mut p2) = plan(1);
    let b = p2.customers[0].id;
    p2.identities[0].external_user_id = "u2".into();
    p2.messages[0].message.external_id = "other".into();
    store.ingest(&k2, |_| (p2, ())).await.unwrap();
    store.tag_customer(b, "vip", "agent:x").await.unwrap();
    store.merge_customers(a, b, "agent:x").await.unwrap();
    let merged = store.get_customer(a).await.unwrap().unwrap();
    assert_eq!(merged.identities.len(), 2);
    assert_eq!(merged.tags, vec!["vip".to_string()]);
    assert_eq!(
        store.get_customer(b).await.unwrap().unwrap().merged_into,
        Some(a)
    );
    assert!(store.merge_customers(a, b, "agent:x").await.is_err());
    assert!(store.merge_customers(a, a, "agent:x").await.is_err());
    let events = store.events(0, 100).await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.action == "customer.merged" && e.actor == "agent:x")
    );
    finish(scratch, store).await;
}
on_both!(merge_moves_identities_and_is_audited);

/// A batch that adds one conversation to the hourly total cell at 09:00.
fn plan_with_cell() -> (IngestKeys, IngestPlan) {
    let (keys, mut p) = plan(0);
    // Each call brings its own customer and identity; the identity key must differ.
    p.identities[0].external_user_id = format!("u-{}", p.customers[0].id);
    let mut cell = analytics::Cell::default();
    cell.add(analytics::Counter::Conversations, 1);
    p.rollups.push((hour_total(), cell));
    (keys, p)
}

fn hour_total() -> analytics::rollup::CellKey {
    analytics::rollup::CellKey {
        grain: analytics::rollup::Grain::Hour,
        bucket_ms: datetime!(2026-03-02 09:00 UTC).unix_timestamp() * 1000,
        dim: analytics::rollup::Dim::All,
        value: String::new(),
    }
}

async fn opened_in_cell(store: &Store) -> i64 {
    let key = hour_total();
    let mut total = 0;
    store
        .for_each_cell(
            key.grain,
            key.dim,
            key.bucket_ms,
            key.bucket_ms + 1,
            analytics::SketchSet::NONE,
            |_, c| total += c.get(analytics::Counter::Conversations),
        )
        .await
        .expect("cells");
    total
}

/// Two handles on one database stand for two processes (or nodes): each
/// caches the cells it wrote, and must notice the other's writes.
async fn cached_cells_see_other_writers(backend: &str) {
    let Some((scratch, a)) = fresh(backend).await else {
        return;
    };
    let b = Store::open(&scratch.url).await.expect("second handle");
    for (i, store) in [&a, &b, &a, &a, &b].into_iter().enumerate() {
        let (keys, p) = plan_with_cell();
        store
            .ingest(&keys, move |_| (p, ()))
            .await
            .unwrap_or_else(|e| panic!("batch {i}: {e}"));
    }
    assert_eq!(opened_in_cell(&a).await, 5);
    // A rebuild through one handle replaces what the other has cached.
    let mut cell = analytics::Cell::default();
    cell.add(analytics::Counter::Conversations, 10);
    b.replace_cells(&[(hour_total(), cell)], "test")
        .await
        .expect("rebuild");
    let (keys, p) = plan_with_cell();
    a.ingest(&keys, move |_| (p, ()))
        .await
        .expect("after rebuild");
    assert_eq!(opened_in_cell(&b).await, 11);
    b.close().await;
    finish(scratch, a).await;
}
on_both!(cached_cells_see_other_writers);

/// Every batch rewrites the cells it touches; after a bulk write `tidy` leaves PostgreSQL's
/// rollup table without dead versions (every page all-visible, which only a vacuum sets) and
/// the cells as they were, and is harmless on SQLite.
async fn tidy_after_a_bulk_write(backend: &str) {
    let Some((scratch, store)) = fresh(backend).await else {
        return;
    };
    for i in 0..20 {
        let (keys, p) = plan_with_cell();
        store
            .ingest(&keys, move |_| (p, ()))
            .await
            .unwrap_or_else(|e| panic!("batch {i}: {e}"));
    }
    let health = store.tidy().await.expect("tidy");
    match backend {
        "postgres" => {
            let h = health.expect("PostgreSQL reports the rollup table");
            assert!(h.pages > 0, "{h:?}");
            assert_eq!(h.all_visible_pages, h.pages, "{h:?}");
        }
        _ => assert_eq!(health, None),
    }
    assert_eq!(opened_in_cell(&store).await, 20);
    // a second run finds nothing to do and still succeeds
    store.tidy().await.expect("tidy again");
    finish(scratch, store).await;
}
on_both!(tidy_after_a_bulk_write);

/// A plan made ahead (on a context read outside the write lock) is written
/// as it is while no other writer came in between; after another write, the
/// batch is planned again inside its transaction and the stale plan is dropped.
async fn plans_made_ahead_hold_only_without_other_writers(backend: &str) {
    let Some((scratch, store)) = fresh(backend).await else {
        return;
    };
    let (ka, pa) = plan(2);
    let customer = pa.customers[0].id;
    let mut head = 0;
    store
        .ingest_planned(&ka, None, |_| (pa, ()), |h, _| head = h)
        .await
        .unwrap();
    let last = |events: Vec<store::EventRow>| events.last().map_or(0, |e| e.seq);
    assert_eq!(
        head,
        last(store.events(0, 100).await.unwrap()),
        "head after the batch"
    );
    assert_eq!(head, 2);

    // The next batch, read and planned outside any transaction.
    let one = |id: &str| {
        let (mut k, mut p) = plan(1);
        p.customers.clear();
        p.identities.clear();
        p.conversations.clear();
        p.messages[0].message.external_id = id.into();
        p.messages[0].conversation_id = None;
        p.messages[0].customer_id = Some(customer);
        k.messages = vec![(Channel::Facebook, id.to_string())];
        (k, p)
    };
    let (kb, pb) = one("b-ahead");
    let ctx = store.read_context(&ka).await.unwrap();
    assert_eq!(
        ctx.existing_messages.len(),
        2,
        "the read sees committed rows"
    );
    let premade = store::ingest::Premade {
        plan: pb,
        out: "ahead",
        head,
    };
    let (_, again) = one("b-again");
    let used = store
        .ingest_planned(&kb, Some(premade), |_| (again, "again"), |h, _| head = h)
        .await
        .unwrap();
    assert_eq!(
        used, "ahead",
        "nobody wrote in between: the premade plan holds"
    );

    // Another writer in between: the plan made ahead is stale.
    let (kc, pc) = one("c-ahead");
    let premade = store::ingest::Premade {
        plan: pc,
        out: "ahead",
        head,
    };
    store
        .tag_customer(customer, "vip", "agent:x")
        .await
        .unwrap();
    let (_, again) = one("c-again");
    let mut replanned_ctx = None;
    let used = store
        .ingest_planned(
            &kc,
            Some(premade),
            |ctx| {
                replanned_ctx = Some(ctx);
                (again, "again")
            },
            |_, _| {},
        )
        .await
        .unwrap();
    assert_eq!(used, "again", "the tag moved the chain head");
    assert!(
        replanned_ctx.is_some(),
        "the context was loaded in the transaction"
    );
    let keys = IngestKeys {
        messages: ["b-ahead", "b-again", "c-ahead", "c-again"]
            .iter()
            .map(|id| (Channel::Facebook, id.to_string()))
            .collect(),
        ..Default::default()
    };
    let stored = store.read_context(&keys).await.unwrap().existing_messages;
    let mut ids: Vec<_> = stored.into_iter().map(|(_, id)| id).collect();
    ids.sort();
    assert_eq!(ids, ["b-ahead", "c-again"]);
    finish(scratch, store).await;
}
on_both!(plans_made_ahead_hold_only_without_other_writers);

/// The batch paths differ (multi-row INSERT on SQLite, COPY on PostgreSQL):
/// the same plan must read back the same from both, awkward text included,
/// and the events must still form a valid chain.
#[tokio::test]
async fn both_backends_store_a_plan_identically() {
    let (Some((sa, sqlite)), Some((pa, pg))) = (fresh("sqlite").await, fresh("postgres").await)
    else {
        return;
    };
    let (keys, mut p) = plan(4);
    let texts = [
        "comma, \"quote\", newline\r\nand tab\there",
        "",
        "emoji 😡 and accents: café, naïve; backslash \\N \\\\",
        "\"",
    ];
    for (row, text) in p.messages.iter_mut().zip(texts) {
        row.message.text = text.into();
    }
    p.messages[1].message.author.handle = Some(String::new());
    p.messages[1].message.author.followers = Some(u64::MAX);
    p.messages[2].signals = Some(domain::Signals {
        language: Some("fr".into()),
        language_confidence: 0.7,
        sentiment: "positive".into(),
        sentiment_score: 0.123_456_79,
        sentiment_confidence: 1.0 / 3.0,
        topic: Some("billing".into()),
        topic_confidence: 0.1,
        influence: 0.9,
    });
    p.messages[3].signals = None;
    p.messages[3].message.language = Some("de".into());
    p.messages[3].sent_by = Some("agent:x".into());
    let mut read = Vec::new();
    for store in [&sqlite, &pg] {
        store.ingest(&keys, |_| (p.clone(), ())).await.unwrap();
        assert_eq!(store.verify_event_chain().await.unwrap(), 4);
        read.push(store.messages_page(None, 100).await.unwrap());
    }
    assert_eq!(read[0].len(), 4);
    assert_eq!(read[0], read[1]);
    assert_eq!(read[0][0].message.text, texts[0]);
    assert_eq!(
        read[1]
            .iter()
            .map(|r| r.message.text.as_str())
            .collect::<Vec<_>>(),
        texts
    );
    let events = |s: &Store| {
        let s = s.clone();
        async move { s.events(0, 100).await.unwrap() }
    };
    assert_eq!(events(&sqlite).await, events(&pg).await);
    finish(sa, sqlite).await;
    finish(pa, pg).await;
}
