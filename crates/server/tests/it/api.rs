//! The HTTP API end to end over a real socket.

use crate::on_both;
use crate::support::*;
use serde_json::{Value, json};
use server::{AppState, Settings};
use std::sync::Arc;

struct Running {
    base: String,
    client: reqwest::Client,
    env: Env,
    task: tokio::task::JoinHandle<()>,
}

async fn spawn(backend: &str, settings: Settings) -> Option<Running> {
    let env = env(backend, settings.clone()).await?;
    let state = AppState {
        pipeline: Arc::new(server::Pipeline::new(env.store().clone(), &settings).unwrap()),
        settings: Arc::new(settings),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        axum::serve(listener, server::app(state)).await.unwrap();
    });
    Some(Running {
        base: format!("http://{addr}"),
        client: server::webhooks::client(),
        env,
        task,
    })
}

impl Running {
    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }
    async fn get(&self, path: &str) -> (u16, Value) {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }
    async fn stop(self) {
        self.task.abort();
        self.env.done().await;
    }
}

fn v(line: String) -> Value {
    serde_json::from_str(&line).unwrap()
}

async fn agent_workflow(backend: &str) {
    let Some(app) = spawn(backend, Settings::default()).await else {
        return;
    };
    let batch = json!({ "records": [
        v(inbound("1", "ann", "2026-03-02T09:00:00Z", "My parcel never arrived")),
        { "type": "message", "channel": "myspace", "id": "x" },
        v(inbound("2", "bob", "not-a-time", "hi")),
        v(inbound("3", "bob", "2026-03-02T09:00:00Z", "refund?")),
    ]});
    let (status, report) = app.post("/api/v1/ingest", batch).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["accepted"], 2);
    assert_eq!(report["rejected"], 2);
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors[0]["line"], 1);
    assert!(
        errors[0]["reason"].as_str().unwrap().contains("myspace"),
        "{report}"
    );
    assert_eq!(errors[1]["line"], 2);
    assert!(
        errors[1]["reason"].as_str().unwrap().contains("not-a-time"),
        "{report}"
    );

    let (_, list) = app.get("/api/v1/conversations?status=open").await;
    let list = list.as_array().unwrap().clone();
    assert_eq!(list.len(), 2);
    let ann = list.iter().find(|c| c["customer_name"] == "@ann").unwrap();
    let id = ann["id"].as_str().unwrap().to_string();
    let customer = ann["customer_id"].as_str().unwrap().to_string();

    let (s, conv) = app
        .post(
            &format!("/api/v1/conversations/{id}/reply"),
            json!({ "text": "On it!", "actor": "agent:maria" }),
        )
        .await;
    assert_eq!(s, 200, "{conv}");
    assert_eq!(conv["status"], "pending");
    assert!(conv["first_response_at"].is_string());
    let (s, _) = app
        .post(
            &format!("/api/v1/conversations/{id}/notes"),
            json!({ "author": "agent:maria", "body": "VIP" }),
        )
        .await;
    assert_eq!(s, 200);
    let (s, conv) = app
        .post(
            &format!("/api/v1/conversations/{id}/resolve"),
            json!({ "actor": "agent:maria" }),
        )
        .await;
    assert_eq!((s, conv["status"].as_str()), (200, Some("resolved")));
    let (s, err) = app
        .post(
            &format!("/api/v1/conversations/{id}/resolve"),
            json!({ "actor": "agent:maria" }),
        )
        .await;
    assert_eq!(s, 409, "{err}");
    assert!(err["error"].as_str().unwrap().contains("resolved"));
    let (s, conv) = app
        .post(
            &format!("/api/v1/conversations/{id}/reopen"),
            json!({ "actor": "agent:lee" }),
        )
        .await;
    assert_eq!((s, conv["status"].as_str()), (200, Some("open")));
    let (s, conv) = app
        .post(
            &format!("/api/v1/conversations/{id}/escalate"),
            json!({ "actor": "agent:lee", "tier": "pr" }),
        )
        .await;
    assert_eq!((s, conv["escalation_tier"].as_str()), (200, Some("pr")));

    let (s, detail) = app.get(&format!("/api/v1/conversations/{id}")).await;
    assert_eq!(s, 200);
    assert_eq!(detail["messages"].as_array().unwrap().len(), 2);
    assert_eq!(detail["notes"].as_array().unwrap().len(), 1);
    let actions: Vec<&str> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    let opened = &detail["events"][0];
    assert_eq!(opened["action"], "message.received");
    assert_eq!(opened["payload"]["opened"]["queue"], "general", "{opened}");
    assert_eq!(opened["payload"]["customer_created"], true, "{opened}");
    for a in [
        "reply.sent",
        "note.added",
        "conversation.resolved",
        "conversation.reopened",
        "conversation.escalated",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }

    let (s, tags) = app
        .post(
            &format!("/api/v1/customers/{customer}/tags"),
            json!({ "tag": "vip", "actor": "agent:maria" }),
        )
        .await;
    assert_eq!((s, tags["tags"].clone()), (200, json!(["vip"])));

    let bob = list.iter().find(|c| c["customer_name"] == "@bob").unwrap()["customer_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, merged) = app
        .post(
            "/api/v1/customers/merge",
            json!({ "into": customer, "from": bob, "actor": "agent:maria" }),
        )
        .await;
    assert_eq!(s, 200, "{merged}");
    assert_eq!(merged["identities"].as_array().unwrap().len(), 2);
    let (s, _) = app
        .post(
            "/api/v1/customers/merge",
            json!({ "into": customer, "from": bob, "actor": "agent:maria" }),
        )
        .await;
    assert_eq!(s, 409, "merging twice is refused");

    let (s, m) = app.get("/api/v1/metrics").await;
    assert_eq!(s, 200);
    assert_eq!(m["conversations"], 2);
    assert_eq!(m["answered"], 1);
    app.stop().await;
}
on_both!(workflow, agent_workflow);

async fn bad_requests_are_named(backend: &str) {
    let settings = Settings {
        max_body_bytes: 4096,
        ..Default::default()
    };
    let Some(app) = spawn(backend, settings).await else {
        return;
    };
    let r = app
        .client
        .post(format!("{}/api/v1/ingest", app.base))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let body: Value = r.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("JSON"), "{body}");

    let big = json!([{ "type": "message", "text": "a".repeat(10_000) }]);
    let (s, body) = app.post("/api/v1/ingest", big).await;
    assert_eq!(s, 413, "{body}");

    let (s, body) = app
        .get("/api/v1/metrics?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z")
        .await;
    assert_eq!(s, 400);
    assert!(body["error"].as_str().unwrap().contains("reversed"));
    let (s, body) = app.get("/api/v1/metrics?from=yesterday").await;
    assert_eq!(s, 400);
    assert!(body["error"].as_str().unwrap().contains("'from'"), "{body}");
    let (s, _) = app.get("/api/v1/conversations?status=closed").await;
    assert_eq!(s, 400);
    let (s, _) = app.get("/api/v1/conversations/not-a-uuid").await;
    assert_eq!(s, 404);
    let (s, _) = app
        .get("/api/v1/conversations/0195a3b0-0000-7000-8000-000000000000")
        .await;
    assert_eq!(s, 404);
    let (s, body) = app
        .post(
            "/api/v1/conversations/0195a3b0-0000-7000-8000-000000000000/reply",
            json!({ "text": "", "actor": "a" }),
        )
        .await;
    assert_eq!(s, 400, "{body}");
    app.stop().await;
}
on_both!(bad_requests, bad_requests_are_named);

async fn openapi_and_home_page(backend: &str) {
    let Some(app) = spawn(backend, Settings::default()).await else {
        return;
    };
    let (s, doc) = app.get("/api/v1/openapi.json").await;
    assert_eq!(s, 200);
    for p in [
        "/api/v1/ingest",
        "/api/v1/conversations",
        "/api/v1/metrics",
        "/api/v1/conversations/{id}/reply",
    ] {
        assert!(
            doc["paths"].get(p).is_some(),
            "{p} missing from the OpenAPI document"
        );
    }
    app.post(
        "/api/v1/ingest",
        json!([v(inbound(
            "1",
            "ann",
            "2026-03-02T09:00:00Z",
            "Where is my parcel"
        ))]),
    )
    .await;
    let html = app
        .client
        .get(format!("{}/", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Where is my parcel"),
        "home page lists conversations"
    );
    assert!(html.contains("conversations"));
    app.stop().await;
}
on_both!(openapi, openapi_and_home_page);

async fn metric_series_from_rollups(backend: &str) {
    let Some(app) = spawn(backend, Settings::default()).await else {
        return;
    };
    let batch = json!([
        v(inbound(
            "1",
            "ann",
            "2026-03-02T09:00:00Z",
            "my parcel is late"
        )),
        v(outbound("2", "1", "2026-03-02T09:01:00Z")),
        v(inbound("3", "bob", "2026-03-02T10:00:00Z", "charged twice")),
        v(outbound("4", "3", "2026-03-02T10:10:00Z")),
        v(inbound("6", "dan", "2026-03-02T11:00:00Z", "refund?")),
        v(outbound("7", "6", "2026-03-02T11:02:00Z")),
        v(inbound("5", "cat", "2026-03-03T10:00:00Z", "hello")),
    ]);
    let (s, r) = app.post("/api/v1/ingest", batch).await;
    assert_eq!((s, r["accepted"].as_u64()), (200, Some(7)), "{r}");
    let q = "/api/v1/metrics/series?metric=frt_median_s&interval=day&from=2026-03-01T00:00:00Z&to=2026-03-05T00:00:00Z";
    let (s, series) = app.get(q).await;
    assert_eq!(s, 200, "{series}");
    let points = series[0]["points"].as_array().unwrap();
    assert_eq!(points.len(), 2, "{series}");
    let median = points[0]["value"].as_f64().unwrap();
    assert!(
        (median - 120.0).abs() / 120.0 < 0.02,
        "sketch median of 60, 120 and 600 s: {median}"
    );
    assert_eq!(
        points[1]["value"],
        Value::Null,
        "day 2 has no answered conversation"
    );
    let (s, by_channel) = app
        .get("/api/v1/metrics/series?metric=conversations&dimension=channel&from=2026-03-01T00:00:00Z&to=2026-03-05T00:00:00Z")
        .await;
    assert_eq!(s, 200);
    assert_eq!(by_channel[0]["value"], "x");
    let total: f64 = by_channel[0]["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["value"].as_f64().unwrap())
        .sum();
    assert_eq!(total, 4.0);

    // a topic's share of each day's conversations (3 on 2 March, 1 on 3 March) is its
    // conversations over the day's total, read from the topic's and the total's cells
    let range = "from=2026-03-01T00:00:00Z&to=2026-03-05T00:00:00Z";
    let (s, shares) = app
        .get(&format!(
            "/api/v1/metrics/series?metric=conversation_share&dimension=topic&{range}"
        ))
        .await;
    assert_eq!(s, 200, "{shares}");
    let (_, counts) = app
        .get(&format!(
            "/api/v1/metrics/series?metric=conversations&dimension=topic&{range}"
        ))
        .await;
    let day_totals = [3.0, 1.0];
    let mut checked = 0;
    for series in shares.as_array().unwrap() {
        let topic = series["value"].as_str().unwrap();
        let count = counts
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["value"] == topic)
            .unwrap_or_else(|| panic!("{topic} in {counts}"));
        let points = series["points"].as_array().unwrap();
        assert_eq!(
            points.len(),
            2,
            "one point per day with conversations: {series}"
        );
        for (p, total) in points.iter().zip(day_totals) {
            assert_eq!(p["support"].as_f64(), Some(total), "{series}");
            let opened = count["points"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["bucket_ms"] == p["bucket_ms"])
                .map_or(0.0, |c| c["value"].as_f64().unwrap());
            assert_eq!(
                p["value"].as_f64(),
                Some(opened / total),
                "{topic}: {series}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 2, "some topic was recognised: {shares}");

    for (query, needle) in [
        ("metric=frt&interval=day", "unknown metric 'frt'"),
        (
            "metric=frt_median_s&interval=month",
            "unknown interval 'month'",
        ),
        (
            "metric=frt_median_s&dimension=planet",
            "unknown dimension 'planet'",
        ),
        (
            "metric=frt_median_s&interval=hour&from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z",
            "too wide",
        ),
        (
            "metric=frt_median_s&from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z",
            "reversed",
        ),
    ] {
        let (s, body) = app.get(&format!("/api/v1/metrics/series?{query}")).await;
        assert_eq!(s, 400, "{query}: {body}");
        assert!(
            body["error"].as_str().unwrap().contains(needle),
            "{query}: {body}"
        );
    }
    app.stop().await;
}
on_both!(series, metric_series_from_rollups);

async fn insight_workflow_over_http(backend: &str) {
    let Some(app) = spawn(backend, Settings::default()).await else {
        return;
    };
    let raised = app
        .env
        .store()
        .upsert_insights(
            &[store::NewInsight {
                fingerprint: "spike|inbound_messages|topic=delivery|20500".into(),
                kind: "spike".into(),
                title: "inbound_messages in topic delivery (spike)".into(),
                owner_team: "logistics".into(),
                severity: 0.8,
                scope: json!({ "metric": "inbound_messages", "dim": "topic", "value": "delivery" }),
                window_start_ms: 1_772_323_200_000,
                window_end_ms: 1_772_330_400_000,
                detected_ms: 1_772_330_400_000,
                detail: json!({ "detections": [] }),
                continues: None,
            }],
            "test",
        )
        .await
        .unwrap();
    let id = &raised[0];
    // the home page lists it while it is open
    let home = |app: &Running| {
        let url = format!("{}/", app.base);
        let client = app.client.clone();
        async move { client.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let page = home(&app).await;
    assert!(page.contains("Open insights"), "{page}");
    assert!(
        page.contains("inbound_messages in topic delivery (spike)") && page.contains("logistics"),
        "{page}"
    );
    let (s, list) = app
        .get("/api/v1/insights?status=new&owner_team=logistics")
        .await;
    assert_eq!(s, 200);
    assert_eq!(list.as_array().unwrap().len(), 1);
    let path = format!("/api/v1/insights/{id}/status");
    let (s, ins) = app
        .post(
            &path,
            json!({ "status": "acknowledged", "actor": "analyst:kim", "note": "on it" }),
        )
        .await;
    assert_eq!(s, 200, "{ins}");
    assert_eq!(ins["status"], "acknowledged");
    assert_eq!(ins["history"][1]["note"], "on it");
    let (s, err) = app
        .post(&path, json!({ "status": "new", "actor": "analyst:kim" }))
        .await;
    assert_eq!(s, 409, "{err}");
    assert!(
        err["error"]
            .as_str()
            .unwrap()
            .contains("acknowledged → new"),
        "{err}"
    );
    let follow = format!("/api/v1/insights/{id}/follow-through");
    let (s, err) = app.get(&follow).await;
    assert_eq!(s, 409, "not actioned yet: {err}");
    assert!(
        err["error"].as_str().unwrap().contains("is acknowledged"),
        "{err}"
    );
    let (s, err) = app.get(&format!("{follow}?as_of=yesterday")).await;
    assert_eq!(s, 400, "{err}");
    assert!(err["error"].as_str().unwrap().contains("as_of"), "{err}");
    let (s, _) = app.get("/api/v1/insights/nope/follow-through").await;
    assert_eq!(s, 404);
    let (s, err) = app
        .post(&path, json!({ "status": "closed", "actor": "analyst:kim" }))
        .await;
    assert_eq!(s, 400);
    assert!(err["error"].as_str().unwrap().contains("closed"));
    let (s, _) = app
        .post(&path, json!({ "status": "actioned", "actor": "lead:sam" }))
        .await;
    assert_eq!(s, 200);
    let (s, err) = app
        .post(&path, json!({ "status": "dismissed", "actor": "lead:sam" }))
        .await;
    assert_eq!(s, 409, "a closed insight stays closed: {err}");
    let page = home(&app).await;
    assert!(
        !page.contains("inbound_messages in topic delivery (spike)"),
        "an actioned insight is not open: {page}"
    );
    assert!(page.contains("Nothing open"), "{page}");
    let (s, digest) = app.get("/api/v1/insights/digest?team=logistics").await;
    assert_eq!(s, 200);
    assert_eq!(digest[0]["team"], "logistics");
    assert_eq!(digest[0]["actioned_this_week"][0]["id"], id.as_str());
    // on the follow-through list; its stored detail holds no finding, so no outcome
    assert_eq!(digest[0]["follow_through"][0]["id"], id.as_str());
    assert!(digest[0]["follow_through"][0].get("outcome").is_none());
    let (s, err) = app.get(&follow).await;
    assert_eq!(s, 409, "{err}");
    assert!(
        err["error"].as_str().unwrap().contains("no finding"),
        "{err}"
    );
    let (s, _) = app.get("/api/v1/insights?status=bogus").await;
    assert_eq!(s, 400);
    let (s, _) = app.get("/api/v1/insights?kind=bogus").await;
    assert_eq!(s, 400);
    let (s, _) = app.get("/api/v1/insights/nope").await;
    assert_eq!(s, 404);
    let (s, _) = app
        .post(
            "/api/v1/insights/nope/status",
            json!({ "status": "acknowledged", "actor": "a" }),
        )
        .await;
    assert_eq!(s, 404);
    app.stop().await;
}
on_both!(insights_http, insight_workflow_over_http);

async fn pii_redaction_on_export_and_audited_erasure(backend: &str) {
    let Some(app) = spawn(backend, Settings::default()).await else {
        return;
    };
    let text = "card 4111 1111 1111 1111 was charged twice, mail me at ann@example.com";
    let (s, _) = app
        .post(
            "/api/v1/ingest",
            json!([v(inbound("1", "ann", "2026-03-02T09:00:00Z", text))]),
        )
        .await;
    assert_eq!(s, 200);
    let (_, list) = app.get("/api/v1/conversations").await;
    let id = list[0]["id"].as_str().unwrap().to_string();
    let (_, plain) = app.get(&format!("/api/v1/conversations/{id}")).await;
    assert_eq!(
        plain["messages"][0]["message"]["text"], text,
        "stored original unchanged"
    );
    let (_, masked) = app
        .get(&format!("/api/v1/conversations/{id}?redact=true"))
        .await;
    let masked_text = masked["messages"][0]["message"]["text"].as_str().unwrap();
    assert!(
        !masked_text.contains("4111") && !masked_text.contains("ann@example.com"),
        "{masked_text}"
    );
    assert!(masked_text.contains("charged twice"));
    let (_, again) = app.get(&format!("/api/v1/conversations/{id}")).await;
    assert_eq!(
        again["messages"][0]["message"]["text"], text,
        "an export does not change the store"
    );

    let msg_id = plain["messages"][0]["id"].as_str().unwrap();
    let (s, r) = app
        .post(
            &format!("/api/v1/messages/{msg_id}/redact"),
            json!({ "actor": "dpo:lee", "reason": "erasure request 42" }),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["redacted_spans"], 2);
    let (_, after) = app.get(&format!("/api/v1/conversations/{id}")).await;
    let stored = after["messages"][0]["message"]["text"].as_str().unwrap();
    assert!(!stored.contains("4111"), "{stored}");
    let ev = after["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "message.redacted")
        .unwrap();
    assert_eq!(ev["actor"], "dpo:lee");
    assert_eq!(ev["payload"]["reason"], "erasure request 42");
    // "4111 1111", not "4111": the event's hashes and ids are hex and may hold "4111"
    let ev_text = ev.to_string();
    assert!(
        !ev_text.contains("4111 1111") && !ev_text.contains("ann@example.com"),
        "the audit event never holds the data: {ev_text}"
    );
    let (s, _) = app
        .post(
            &format!("/api/v1/messages/{msg_id}/redact"),
            json!({ "actor": "dpo:lee", "reason": "" }),
        )
        .await;
    assert_eq!(s, 400);
    app.stop().await;
}
on_both!(pii, pii_redaction_on_export_and_audited_erasure);
