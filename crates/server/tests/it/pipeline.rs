//! The ingest pipeline against real databases: dedupe, threading, routing,
//! lifecycle, events and metrics.

use crate::on_both;
use crate::support::*;
use domain::ConversationStatus;
use server::Settings;
use store::ConversationFilter;

async fn conversations(e: &Env) -> Vec<store::ConversationSummary> {
    e.store()
        .list_conversations(&ConversationFilter {
            limit: 500,
            ..Default::default()
        })
        .await
        .unwrap()
}

async fn ingesting_twice_changes_nothing(backend: &str) {
    let Some(e) = env(backend, Settings::default()).await else {
        return;
    };
    let lines = vec![
        inbound(
            "1",
            "ann",
            "2026-03-02T09:00:00Z",
            "My parcel never arrived",
        ),
        outbound("2", "1", "2026-03-02T09:10:00Z"),
        inbound(
            "3",
            "bob",
            "2026-03-02T09:05:00Z",
            "Charged twice for one order",
        ),
    ];
    let first = e.pipeline.ingest(items(&lines)).await.unwrap();
    assert_eq!(
        (first.accepted, first.duplicates, first.rejected),
        (3, 0, 0),
        "{first:?}"
    );
    let before = e.store().counts().await.unwrap();
    let again = e.pipeline.ingest(items(&lines)).await.unwrap();
    assert_eq!(
        (again.accepted, again.duplicates, again.rejected),
        (0, 3, 0),
        "{again:?}"
    );
    assert_eq!(e.store().counts().await.unwrap(), before);
    // A duplicate inside one batch counts once.
    let dup = e
        .pipeline
        .ingest(items(&[lines[0].clone(), lines[0].clone()]))
        .await
        .unwrap();
    assert_eq!(dup.duplicates, 2);
    e.done().await;
}
on_both!(dedupe, ingesting_twice_changes_nothing);

async fn threads_public_and_private_and_reply_chains(backend: &str) {
    let Some(e) = env(backend, Settings::default()).await else {
        return;
    };
    let dm = with(
        &inbound(
            "11",
            "ann",
            "2026-03-02T09:30:00Z",
            "here is my order number",
        ),
        "visibility",
        "private".into(),
    );
    let lines = vec![
        inbound("10", "ann", "2026-03-02T09:00:00Z", "Where is my parcel?"),
        outbound("12", "10", "2026-03-02T09:20:00Z"),
        dm,
        with(
            &inbound("13", "ann", "2026-03-02T09:40:00Z", "thanks"),
            "in_reply_to",
            "12".into(),
        ),
        // Another customer replying inside Ann's thread keeps their own conversation.
        with(
            &inbound("14", "cat", "2026-03-02T09:50:00Z", "same here!"),
            "in_reply_to",
            "10".into(),
        ),
    ];
    let r = e.pipeline.ingest(items(&lines)).await.unwrap();
    assert_eq!(r.accepted, 5, "{r:?}");
    let convs = conversations(&e).await;
    assert_eq!(convs.len(), 2);
    let ann = convs
        .iter()
        .find(|c| c.customer_name.as_deref() == Some("@ann"))
        .unwrap();
    assert_eq!(ann.conversation.inbound_count, 3);
    assert_eq!(ann.conversation.outbound_count, 1);
    assert_eq!(ann.conversation.status, ConversationStatus::Open);
    let detail = e
        .store()
        .get_conversation(ann.conversation.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(detail.messages.len(), 4);
    assert_eq!(detail.customer.identities.len(), 1);
    e.done().await;
}
on_both!(threading, threads_public_and_private_and_reply_chains);

/// Batches prepared ahead are still written in order: a reply in a later
/// batch finds its parent, and read errors stay in the report.
async fn batches_are_written_in_order(backend: &str) {
    let Some(e) = env(backend, Settings::default()).await else {
        return;
    };
    let lines = vec![
        inbound("20", "dan", "2026-03-02T09:00:00Z", "My parcel is late"),
        outbound("21", "20", "2026-03-02T09:10:00Z"),
        with(
            &inbound("22", "dan", "2026-03-02T09:20:00Z", "still nothing"),
            "in_reply_to",
            "21".into(),
        ),
    ];
    let mut batches: Vec<server::pipeline::Batch> = items(&lines)
        .into_iter()
        .map(|it| server::pipeline::Batch {
            items: vec![it],
            rejected: Vec::new(),
        })
        .collect();
    batches[1].rejected.push(server::pipeline::ItemError {
        line: 99,
        reason: "not JSON".into(),
    });
    let mut written = Vec::new();
    let r = e
        .pipeline
        .ingest_batches(batches.into_iter(), |r, n| written.push((r.accepted, n)))
        .await
        .unwrap();
    assert_eq!((r.accepted, r.rejected), (3, 1), "{r:?}");
    assert_eq!(r.errors[0].line, 99);
    assert_eq!(written, vec![(1, 1), (1, 2), (1, 1)]);
    let convs = conversations(&e).await;
    assert_eq!(convs.len(), 1, "the reply joined its parent's conversation");
    assert_eq!(convs[0].conversation.inbound_count, 2);
    e.done().await;
}
on_both!(ordered_batches, batches_are_written_in_order);

async fn repeat_contacts_within_the_window(backend: &str) {
    let Some(e) = env(backend, Settings::default()).await else {
        return;
    };
    let lines = vec![
        inbound("20", "dan", "2026-03-02T09:00:00Z", "refund please"),
        outbound("21", "20", "2026-03-02T09:05:00Z"),
        lifecycle("resolve", "ev-1", "20", "2026-03-02T10:00:00Z"),
        inbound("22", "dan", "2026-03-05T09:00:00Z", "still no refund"),
        lifecycle("resolve", "ev-2", "22", "2026-03-05T10:00:00Z"),
        inbound("23", "dan", "2026-03-20T09:00:00Z", "new problem"),
    ];
    let r = e.pipeline.ingest(items(&lines)).await.unwrap();
    assert_eq!((r.accepted, r.rejected), (6, 0), "{r:?}");
    let mut convs = conversations(&e).await;
    convs.sort_by_key(|c| c.conversation.first_inbound_at);
    assert_eq!(convs.len(), 3);
    assert_eq!(convs[0].conversation.status, ConversationStatus::Resolved);
    assert_eq!(
        convs[1].conversation.repeat_of,
        Some(convs[0].conversation.id),
        "3 days later is a repeat"
    );
    assert_eq!(
        convs[2].conversation.repeat_of, None,
        "15 days after resolution is not"
    );
    e.done().await;
}
on_both!(repeats, repeat_contacts_within_the_window);

async fn bad_items_are_reported_and_good_ones_kept(backend: &str) {
    let Some(e) = env(backend, Settings::default()).await else {
        return;
    };
    let lines = vec![
        inbound("30", "eve", "2026-03-02T09:00:00Z", "hello"),
        lifecycle("resolve", "ev-9", "does-not-exist", "2026-03-02T10:00:00Z"),
        lifecycle("reopen", "ev-10", "30", "2026-03-02T10:00:00Z"),
        inbound("31", "fay", "2026-03-02T09:00:00Z", "hi"),
    ];
    let r = e.pipeline.ingest(items(&lines)).await.unwrap();
    assert_eq!((r.accepted, r.rejected), (2, 2), "{r:?}");
    let lines_with_errors: Vec<usize> = r.errors.iter().map(|e| e.line).collect();
    assert_eq!(lines_with_errors, vec![2, 3]);
    assert!(
        r.errors[0].reason.contains("does-not-exist"),
        "{:?}",
        r.errors[0]
    );
    assert!(
        r.errors[1].reason.contains("cannot reopen"),
        "{:?}",
        r.errors[1]
    );
    assert_eq!(e.store().counts().await.unwrap().messages, 2);
    e.done().await;
}
on_both!(bad_items, bad_items_are_reported_and_good_ones_kept);

async fn routing_rules_set_queue_and_priority(backend: &str) {
    let settings: Settings = toml::from_str(
        r#"
[routing]
default_queue = "care"
[[routing.rules]]
name = "legal-threat"
when = { keywords = ["lawyer", "sue"] }
then = { queue = "legal", priority = "urgent", tags = ["legal-risk"] }
[[routing.rules]]
name = "dm"
when = { visibility = "private" }
then = { queue = "private" }
"#,
    )
    .unwrap();
    let Some(e) = env(backend, settings).await else {
        return;
    };
    let lines = vec![
        inbound("40", "gus", "2026-03-02T09:00:00Z", "I will SUE you"),
        inbound("41", "hal", "2026-03-02T09:00:00Z", "nice app"),
    ];
    e.pipeline.ingest(items(&lines)).await.unwrap();
    let convs = conversations(&e).await;
    let gus = convs
        .iter()
        .find(|c| c.customer_name.as_deref() == Some("@gus"))
        .unwrap();
    assert_eq!(gus.conversation.queue, "legal");
    assert_eq!(gus.conversation.priority, domain::Priority::Urgent);
    assert_eq!(gus.conversation.tags, vec!["legal-risk".to_string()]);
    let hal = convs
        .iter()
        .find(|c| c.customer_name.as_deref() == Some("@hal"))
        .unwrap();
    assert_eq!(hal.conversation.queue, "care");
    assert_eq!(hal.conversation.priority, domain::Priority::Normal);
    e.done().await;
}
on_both!(routing, routing_rules_set_queue_and_priority);

async fn metrics_and_audit_trail(backend: &str) {
    let Some(e) = env(backend, Settings::default()).await else {
        return;
    };
    let lines = vec![
        inbound("50", "ivy", "2026-03-02T09:00:00Z", "my parcel is late"),
        outbound("51", "50", "2026-03-02T09:01:00Z"),
        inbound("52", "jon", "2026-03-02T09:00:00Z", "billing error"),
        outbound("53", "52", "2026-03-02T09:10:00Z"),
        lifecycle("resolve", "ev-20", "52", "2026-03-02T10:00:00Z"),
        inbound("54", "kim", "2026-03-02T09:00:00Z", "hello?"),
    ];
    e.pipeline.ingest(items(&lines)).await.unwrap();
    let m = server::metrics::report(e.store(), 0, server::metrics::ALL_TO_MS, None)
        .await
        .unwrap();
    assert_eq!(m.conversations, 3);
    assert_eq!(m.answered, 2);
    assert_eq!(m.frt_median_s, Some(330.0));
    assert_eq!(m.frt_p90_s, Some(546.0));
    assert_eq!(m.resolved, 1);
    assert_eq!(m.ttr_median_s, Some(3600.0));
    assert_eq!(m.volume_by_channel.get("x"), Some(&3));
    // Every state change left an event, and the chain verifies.
    let n = e.store().verify_event_chain().await.unwrap();
    assert_eq!(n, 6, "one event per accepted record");
    let events = e.store().events(0, 1000).await.unwrap();
    assert!(
        events
            .iter()
            .any(|ev| ev.action == "conversation.resolved" && ev.actor == "agent:maria")
    );
    e.done().await;
}
on_both!(metrics, metrics_and_audit_trail);
