//! Detection end to end: a volume spike injected into a month of steady
//! traffic is found, stored as an insight once, moved through its workflow,
//! digested, and announced by a signed webhook.

use crate::on_both;
use crate::support::*;
use analytics::detect::DetectionKind;
use axum::extract::State;
use axum::http::HeaderMap;
use server::Settings;
use std::sync::{Arc, Mutex};

const DAY: i64 = 86_400;

fn at(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// 33 days of steady traffic (a few customer messages an hour, answered),
/// with a burst about lost parcels from many customers over two hours on day 30.
fn history(start: i64) -> (Vec<String>, i64, i64) {
    let mut lines = Vec::new();
    let texts = [
        "my invoice looks wrong",
        "how do I reset my password",
        "thanks for the quick help",
        "where is my parcel",
    ];
    let mut n = 0;
    for h in 0..33 * 24 {
        let per_hour = 3 + (h % 3);
        for k in 0..per_hour {
            n += 1;
            let t = start + h * 3600 + k * 600;
            let id = format!("m{n}");
            lines.push(inbound(
                &id,
                &format!("u{n}"),
                &at(t),
                texts[(n % 4) as usize],
            ));
            lines.push(outbound(&format!("r{n}"), &id, &at(t + 300)));
        }
    }
    let spike_start = start + 30 * DAY + 10 * 3600;
    for k in 0..160 {
        n += 1;
        let t = spike_start + k * 45;
        lines.push(inbound(
            &format!("m{n}"),
            &format!("burst{k}"),
            &at(t),
            "my parcel never arrived, where is my parcel?",
        ));
    }
    (lines, spike_start, spike_start + 2 * 3600)
}

#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<(HeaderMap, String)>>>);

async fn receiver(
    State(r): State<Received>,
    headers: HeaderMap,
    body: String,
) -> axum::http::StatusCode {
    r.0.lock().unwrap().push((headers, body));
    axum::http::StatusCode::NO_CONTENT
}

async fn spike_to_insight_to_webhook(backend: &str) {
    let Some(e) = env(backend, Settings::default()).await else {
        return;
    };
    let start = 1_772_323_200; // 2026-03-01T00:00:00Z
    let (lines, spike_start, spike_end) = history(start);
    for chunk in lines.chunks(2000) {
        let r = e.pipeline.ingest(items(chunk)).await.unwrap();
        assert_eq!(r.rejected, 0, "{:?}", r.errors.first());
    }
    let cfg = analytics::detect::DetectConfig::default();
    let enrichers = e.pipeline.enrichers();
    let from = (start + 28 * DAY) * 1000;
    let as_of = (spike_end + 3600) * 1000;
    let run = server::detection::run(e.store(), &enrichers.default, &cfg, from, as_of, "test")
        .await
        .unwrap();
    let spike = run
        .incidents
        .iter()
        .find(|i| i.detections.iter().any(|d| d.kind == DetectionKind::Spike))
        .unwrap_or_else(|| {
            panic!(
                "no spike found: {:#?}",
                run.incidents.iter().map(|i| i.title()).collect::<Vec<_>>()
            )
        });
    assert!(
        spike.start_ms <= spike_end * 1000 && spike.end_ms >= spike_start * 1000,
        "window overlaps the burst"
    );
    assert!(
        spike.detected_at_ms <= (spike_start + 2 * 3600) * 1000,
        "found within two hours"
    );
    assert!(!run.raised.is_empty());

    // The same findings again raise nothing new.
    let again = server::detection::run(e.store(), &enrichers.default, &cfg, from, as_of, "test")
        .await
        .unwrap();
    assert!(again.raised.is_empty(), "{:?}", again.raised);
    let insights = e
        .store()
        .list_insights(&store::InsightFilter {
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(insights.len(), run.raised.len());
    let ins = insights
        .iter()
        .find(|i| {
            i.detail["detections"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["kind"] == "spike")
        })
        .unwrap_or_else(|| {
            panic!(
                "{:#?}",
                insights
                    .iter()
                    .map(|i| (&i.kind, &i.title))
                    .collect::<Vec<_>>()
            )
        });
    assert_eq!(ins.status, "new");
    assert!(!ins.owner_team.is_empty());
    assert!(
        ins.detail["detections"][0]["baseline"].is_number(),
        "evidence kept: {}",
        ins.detail
    );

    // Workflow: new → acknowledged → actioned; an invalid move is refused.
    let ok = |from: &str, to: analytics::insight::InsightStatus| {
        let from = match from {
            "new" => analytics::insight::InsightStatus::New,
            "acknowledged" => analytics::insight::InsightStatus::Acknowledged,
            "actioned" => analytics::insight::InsightStatus::Actioned,
            _ => analytics::insight::InsightStatus::Dismissed,
        };
        analytics::insight::transition(from, to).map(|_| ())
    };
    use analytics::insight::InsightStatus::*;
    e.store()
        .set_insight_status(
            &ins.id,
            "acknowledged",
            "analyst:kim",
            Some("looking"),
            |f| ok(f, Acknowledged),
        )
        .await
        .unwrap()
        .unwrap();
    let refused = e
        .store()
        .set_insight_status(&ins.id, "new", "analyst:kim", None, |f| ok(f, New))
        .await
        .unwrap();
    assert!(refused.is_err());
    e.store()
        .set_insight_status(
            &ins.id,
            "actioned",
            "lead:sam",
            Some("courier fixed"),
            |f| ok(f, Actioned),
        )
        .await
        .unwrap()
        .unwrap();
    let ins = e.store().get_insight(&ins.id).await.unwrap().unwrap();
    let statuses: Vec<&str> = ins.history.iter().map(|h| h.to_status.as_str()).collect();
    assert_eq!(statuses, vec!["new", "acknowledged", "actioned"]);
    assert_eq!(ins.history[2].actor, "lead:sam");
    assert_eq!(ins.history[2].note.as_deref(), Some("courier fixed"));

    // The digest is about the team's week of work: insights raised and moved now.
    let week_end = store::to_ms(time::OffsetDateTime::now_utc()) + 60_000;
    let digest = server::insights::digest(e.store(), &enrichers.default, week_end, 7.0, None)
        .await
        .unwrap();
    let team = digest.iter().find(|d| d.team == ins.owner_team).unwrap();
    assert!(team.actioned_this_week.iter().any(|i| i.id == ins.id));
    // actioned a minute ago: on the follow-through list, too early to judge
    let item = team
        .follow_through
        .iter()
        .find(|i| i.id == ins.id)
        .expect("on the follow-through list");
    let outcome = item.outcome.as_ref().expect("an outcome");
    assert_eq!(
        outcome.verdict,
        analytics::follow_through::Verdict::TooEarly,
        "{}",
        outcome.reason
    );
    // asked about three days from now: nothing is observed after the present, so still too
    // early (not a fall of the volume to zero, "recovered")
    let ahead = server::insights::follow_through(
        e.store(),
        &enrichers.default,
        &ins,
        store::to_ms(time::OffsetDateTime::now_utc()) + 3 * DAY * 1000,
    )
    .await
    .unwrap();
    assert_eq!(
        ahead.verdict,
        analytics::follow_through::Verdict::TooEarly,
        "{}",
        ahead.reason
    );

    // Follow-through on the stored cells: as if the courier fix had been
    // actioned two hours after the burst, judged on the 2.5 steady days since.
    let mut actioned_then = ins.clone();
    actioned_then.history[2].at =
        time::OffsetDateTime::from_unix_timestamp(spike_end + 7200).unwrap();
    let now = (start + 33 * DAY) * 1000;
    let f = server::insights::follow_through(e.store(), &enrichers.default, &actioned_then, now)
        .await
        .unwrap();
    assert_eq!(
        f.verdict,
        analytics::follow_through::Verdict::Recovered,
        "{}",
        f.reason
    );
    assert!(f.after.support > 0 && f.during.support > 0, "{f:?}");
    // asked a week after the stored data ends: judged as of its end, not on empty days
    let later = server::insights::follow_through(
        e.store(),
        &enrichers.default,
        &actioned_then,
        now + 7 * DAY * 1000,
    )
    .await
    .unwrap();
    assert_eq!(later.after, f.after, "{}", later.reason);
    // judged the day after the action, the scope is already back
    let early = server::insights::follow_through(
        e.store(),
        &enrichers.default,
        &actioned_then,
        (spike_end + 7200 + 12 * 3600) * 1000,
    )
    .await
    .unwrap();
    assert_eq!(early.verdict, analytics::follow_through::Verdict::TooEarly);
    // an insight not actioned has no follow-through yet
    let mut open = ins.clone();
    open.history.truncate(2);
    open.status = "acknowledged".into();
    let err = server::insights::follow_through(e.store(), &enrichers.default, &open, now)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("is acknowledged"), "{err}");

    // Webhooks: a receiver gets each raised insight, signed.
    let received = Received::default();
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receiver))
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server_task = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let targets = vec![server::webhooks::WebhookTarget {
        url: format!("http://{addr}/hook"),
        secret: secret.into(),
    }];
    let client = server::webhooks::client();
    let delivered = server::webhooks::deliver_due(e.store(), &client, &targets)
        .await
        .unwrap();
    assert_eq!(delivered, run.raised.len());
    assert_eq!(
        server::webhooks::deliver_due(e.store(), &client, &targets)
            .await
            .unwrap(),
        0,
        "delivered once"
    );
    {
        let got = received.0.lock().unwrap();
        assert_eq!(got.len(), run.raised.len());
        for (h, body) in got.iter() {
            let id = h["webhook-id"].to_str().unwrap();
            let ts: i64 = h["webhook-timestamp"].to_str().unwrap().parse().unwrap();
            let sig = h["webhook-signature"].to_str().unwrap();
            assert!(
                server::webhooks::verify(secret, id, ts, body, sig),
                "signature verifies"
            );
            let v: serde_json::Value = serde_json::from_str(body).unwrap();
            assert_eq!(v["type"], "insight.raised");
        }
    }
    server_task.abort();
    e.done().await;
}
on_both!(detection, spike_to_insight_to_webhook);

/// A daily finding of `kind` on `metric` in topic refund over days `[from, to)` of March 2026.
fn finding(kind: DetectionKind, metric: &str, from: i64, to: i64) -> analytics::Detection {
    let day = |d: i64| (1_772_323_200 + d * DAY) * 1000;
    analytics::Detection {
        kind,
        scope: analytics::Scope::new(metric, analytics::Dim::Topic, "refund"),
        start_ms: day(from),
        end_ms: day(to),
        detected_at_ms: day(from + 3),
        baseline: 0.1,
        observed: 0.2,
        statistic: "cusum".into(),
        statistic_value: 5.0,
        p_value: 1e-4,
        severity: 0.6,
        examples: vec![],
        probable_causes: vec![],
    }
}

/// Runs over different ranges see different pieces of one story; the pieces
/// update the stored insight instead of each raising a new one.
async fn a_later_run_continues_the_stored_insight(backend: &str) {
    let Some(e) = env(backend, Settings::default()).await else {
        return;
    };
    let cfg = analytics::detect::DetectConfig::default();
    let phrase = |a, b| finding(DetectionKind::RecurringPhrase, "phrase:return window", a, b);
    let trend = |a, b| finding(DetectionKind::TopicTrend, "conversation_share", a, b);
    let whole = analytics::detect::combine(vec![phrase(0, 11), trend(0, 30)], &cfg);
    assert_eq!(whole.len(), 1);
    let raised = server::detection::store_incidents(e.store(), &whole, 0, &cfg, "test")
        .await
        .unwrap();
    assert_eq!(raised.len(), 1);
    // a run over a later range: the phrase's next window and the trend apart, and a
    // phrase window of its own two weeks later
    let later =
        analytics::detect::combine(vec![phrase(11, 19), trend(6, 30), phrase(21, 27)], &cfg);
    assert_eq!(later.len(), 3);
    let again = server::detection::store_incidents(e.store(), &later, 0, &cfg, "test")
        .await
        .unwrap();
    assert_eq!(again.len(), 1, "only the new phrase window is raised");
    let stored = e.store().get_insight(&raised[0]).await.unwrap().unwrap();
    let inc: analytics::Incident = serde_json::from_value(stored.detail.clone()).unwrap();
    let mut got: Vec<(&str, i64)> = inc
        .detections
        .iter()
        .map(|d| (d.kind.as_str(), (d.end_ms / 1000 - 1_772_323_200) / DAY))
        .collect();
    got.sort();
    assert_eq!(got, vec![("recurring_phrase", 19), ("topic_trend", 30)]);
    assert_eq!(store::to_ms(stored.window_start), 1_772_323_200_000);
    assert_eq!(stored.history.len(), 1, "updated, not re-raised");
    e.done().await;
}
on_both!(continued, a_later_run_continues_the_stored_insight);
