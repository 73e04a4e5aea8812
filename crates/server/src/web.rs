//! The server-rendered home page: headline metrics, the open insights an analyst
//! starts the day with, and recent conversations.

use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

#[derive(Template)]
#[template(path = "index.html")]
struct Index {
    metrics: crate::metrics::MetricsReport,
    insights: Vec<InsightLine>,
    conversations: Vec<Row>,
}

/// An open insight as the home page lists it.
struct InsightLine {
    id: String,
    title: String,
    owner_team: String,
    severity: String,
    status: String,
    window: String,
    cause: String,
}

/// Open insights shown on the home page, most severe first.
const HOME_INSIGHTS: usize = 10;

fn day(t: time::OffsetDateTime) -> String {
    t.format(&time::macros::format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

/// The most severe open (new or acknowledged) insights.
async fn open_insights(store: &store::Store) -> Result<Vec<store::InsightRow>, store::StoreError> {
    let mut open = Vec::new();
    for status in ["new", "acknowledged"] {
        open.extend(
            store
                .list_insights(&store::InsightFilter {
                    status: Some(status.into()),
                    limit: HOME_INSIGHTS as i64,
                    ..Default::default()
                })
                .await?,
        );
    }
    open.sort_by(|a, b| b.severity.total_cmp(&a.severity));
    open.truncate(HOME_INSIGHTS);
    Ok(open)
}

fn insight_line(r: store::InsightRow) -> InsightLine {
    // the incident's top probable cause, as stored with it
    let cause = r.detail["causes"][0]["title"]
        .as_str()
        .map_or_else(String::new, |t| {
            match r.detail["causes"][0]["reason"].as_str() {
                Some(why) => format!("{t} ({why})"),
                None => t.to_string(),
            }
        });
    InsightLine {
        id: r.id,
        title: r.title,
        owner_team: r.owner_team,
        severity: format!("{:.2}", r.severity),
        status: r.status,
        window: format!("{} – {}", day(r.window_start), day(r.window_end)),
        cause,
    }
}

struct Row {
    id: String,
    customer: String,
    channel: String,
    status: String,
    priority: String,
    queue: String,
    topic: String,
    last: String,
    text: String,
}

pub fn router() -> axum::Router<AppState> {
    axum::Router::new().route("/", get(index))
}

fn secs(v: Option<f64>) -> String {
    match v {
        None => "–".into(),
        Some(s) if s < 120.0 => format!("{s:.0} s"),
        Some(s) if s < 7200.0 => format!("{:.1} min", s / 60.0),
        Some(s) => format!("{:.1} h", s / 3600.0),
    }
}

async fn index(State(state): State<AppState>) -> Response {
    let store = state.store();
    let metrics = crate::metrics::report(
        store,
        crate::metrics::ALL_FROM_MS,
        crate::metrics::ALL_TO_MS,
        None,
    )
    .await;
    let list = store
        .list_conversations(&store::ConversationFilter {
            limit: 50,
            ..Default::default()
        })
        .await;
    let insights = open_insights(store).await;
    let (metrics, list, insights) = match (metrics, list, insights) {
        (Ok(m), Ok(l), Ok(i)) => (m, l, i),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
            tracing::error!(error = %e, "home page query failed");
            return (StatusCode::INTERNAL_SERVER_ERROR, "database error").into_response();
        }
    };
    let conversations = list
        .into_iter()
        .map(|s| {
            let c = s.conversation;
            Row {
                id: c.id.to_string(),
                customer: s.customer_name.unwrap_or_else(|| "unknown".into()),
                channel: c.channel.to_string(),
                status: c.status.as_str().into(),
                priority: c.priority.as_str().into(),
                queue: c.queue,
                topic: c.topic.unwrap_or_default(),
                last: c
                    .last_message_at
                    .format(&time::macros::format_description!(
                        "[year]-[month]-[day] [hour]:[minute]"
                    ))
                    .unwrap_or_default(),
                text: s
                    .last_inbound_text
                    .unwrap_or_default()
                    .chars()
                    .take(140)
                    .collect(),
            }
        })
        .collect();
    let insights = insights.into_iter().map(insight_line).collect();
    let page = Index {
        metrics,
        insights,
        conversations,
    };
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

impl Index {
    fn frt_median(&self) -> String {
        secs(self.metrics.frt_median_s)
    }
    fn frt_p90(&self) -> String {
        secs(self.metrics.frt_p90_s)
    }
    fn ttr_median(&self) -> String {
        secs(self.metrics.ttr_median_s)
    }
    fn response_rate(&self) -> String {
        format!("{:.1} %", self.metrics.response_rate * 100.0)
    }
}
