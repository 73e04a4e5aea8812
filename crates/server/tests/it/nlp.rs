//! Calibrated models, per-brand rules and agents' corrections, end to end.

use crate::on_both;
use crate::support::*;
use server::Settings;

fn examples() -> Vec<nlp::Example> {
    // Made-up words the default lexicon cannot know: only a trained model
    // can read them.
    let mut v = Vec::new();
    for i in 0..40 {
        v.push(nlp::Example::new(
            format!("the zorblax service was zorblax {i}"),
            "positive",
        ));
        v.push(nlp::Example::new(
            format!("utterly quuxly experience, quuxly again {i}"),
            "negative",
        ));
        v.push(nlp::Example::new(
            format!("my order number is {i} for the plinth"),
            "neutral",
        ));
    }
    v
}

async fn message_sentiment(e: &Env, external_id: &str) -> String {
    let convs = e
        .store()
        .list_conversations(&store::ConversationFilter {
            limit: 500,
            ..Default::default()
        })
        .await
        .unwrap();
    for c in convs {
        let d = e
            .store()
            .get_conversation(c.conversation.id)
            .await
            .unwrap()
            .unwrap();
        for m in d.messages {
            if m.message.external_id == external_id {
                return m.signals.unwrap().sentiment;
            }
        }
    }
    panic!("message {external_id} not found");
}

async fn brand_models_rules_and_corrections(backend: &str) {
    let Some(e) = env(backend, Settings::default()).await else {
        return;
    };
    let model = nlp::train(
        nlp::Task::Sentiment,
        &examples(),
        &nlp::TrainOptions::default(),
    )
    .unwrap();
    e.store()
        .save_model(
            &store::ModelRow {
                id: uuid::Uuid::now_v7(),
                brand: "ZorbCo".into(),
                task: "sentiment".into(),
                created_at: time::OffsetDateTime::now_utc(),
                trained_on: 120,
                model: model.to_bytes().unwrap(),
                report: serde_json::json!({}),
            },
            "test",
        )
        .await
        .unwrap();
    e.store()
        .set_rules(
            "*",
            &serde_json::json!({ "rules": [{ "phrase": "war zone", "sentiment": "neutral" }] }),
            "test",
        )
        .await
        .unwrap();
    e.pipeline.reload_nlp().await.unwrap();

    let zorb = |id: &str, author: &str, text: &str| {
        with(
            &inbound(id, author, "2026-03-02T09:00:00Z", text),
            "brand_account",
            "zorbco".into(),
        )
    };
    let lines = vec![
        zorb("1", "a", "zorblax zorblax, truly zorblax"),
        zorb("2", "b", "so quuxly, quuxly quuxly"),
        // Another brand keeps the default scorer, with the shared rules.
        inbound(
            "3",
            "c",
            "2026-03-02T09:00:00Z",
            "the lobby was a war zone today",
        ),
        inbound(
            "4",
            "d",
            "2026-03-02T09:00:00Z",
            "this is terrible, I hate it",
        ),
    ];
    let r = e.pipeline.ingest(items(&lines)).await.unwrap();
    assert_eq!(r.accepted, 4, "{r:?}");
    assert_eq!(message_sentiment(&e, "1").await, "positive");
    assert_eq!(message_sentiment(&e, "2").await, "negative");
    assert_eq!(
        message_sentiment(&e, "3").await,
        "neutral",
        "the shared rule reads 'war zone' as neutral"
    );
    assert_eq!(message_sentiment(&e, "4").await, "negative");

    // An agent corrects a message: stored and audited, the original kept.
    let convs = e
        .store()
        .list_conversations(&store::ConversationFilter {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    let d = e
        .store()
        .get_conversation(convs[0].conversation.id)
        .await
        .unwrap()
        .unwrap();
    let msg = &d.messages[0];
    e.store()
        .correct_sentiment(msg.id, "positive", "agent:maria")
        .await
        .unwrap();
    let corrections = e.store().corrections().await.unwrap();
    assert_eq!(corrections.len(), 1);
    assert_eq!(corrections[0].text, msg.message.text);
    assert_eq!(corrections[0].label, "positive");
    let events = e.store().events(0, 100).await.unwrap();
    assert!(
        events
            .iter()
            .any(|ev| ev.action == "sentiment.corrected" && ev.actor == "agent:maria")
    );
    assert!(
        e.store()
            .correct_sentiment(domain::MessageId::new(), "positive", "x")
            .await
            .is_err()
    );
    e.done().await;
}
on_both!(nlp_wiring, brand_models_rules_and_corrections);
