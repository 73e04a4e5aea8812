//! The HTTP API. Handlers are thin: parse, call the application, render.
//! Routes and the OpenAPI document come from the same annotations, so they
//! cannot drift apart.

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::metrics::MetricsReport;
use crate::pipeline::{IngestReport, Item};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use domain::conversation::LifecycleAction;
use domain::{Channel, ConversationId, CustomerId, Direction, MessageId, Visibility};
use serde::{Deserialize, Serialize};
use store::{ConversationChange, ConversationFilter, MessageRow, NewEvent, NoteRow};
use time::OffsetDateTime;
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Earshot API",
        description = "Social customer care: ingest, conversations, agent actions, metrics."
    ),
    components(schemas(ErrorBody))
)]
struct ApiDoc;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(ingest))
        .routes(routes!(list_conversations))
        .routes(routes!(get_conversation))
        .routes(routes!(reply))
        .routes(routes!(resolve))
        .routes(routes!(reopen))
        .routes(routes!(escalate))
        .routes(routes!(add_note))
        .routes(routes!(get_customer))
        .routes(routes!(tag_customer))
        .routes(routes!(merge_customers))
        .routes(routes!(metrics))
        .routes(routes!(metric_series))
        .routes(routes!(list_insights))
        .routes(routes!(insight_digest))
        .routes(routes!(get_insight))
        .routes(routes!(insight_follow_through))
        .routes(routes!(set_insight_status))
        .routes(routes!(events))
        .routes(routes!(health))
        .routes(routes!(correct_sentiment))
        .routes(routes!(redact_message))
        .routes(routes!(reload_nlp))
}

/// A batch for `POST /api/v1/ingest`: either a JSON array of records or an
/// object with a `records` array. Each record has the native import
/// format's shape (docs/import-format.md).
#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
pub enum IngestBody {
    Records {
        #[schema(value_type = Vec<Object>)]
        records: Vec<serde_json::Value>,
    },
    #[schema(value_type = Vec<Object>)]
    List(Vec<serde_json::Value>),
}

fn json_error(e: JsonRejection) -> ApiError {
    match e {
        JsonRejection::BytesRejection(b)
            if b.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE =>
        {
            ApiError::TooLarge(format!("over the limit ({})", b.body_text()))
        }
        other => ApiError::BadRequest(format!("invalid JSON body: {}", other.body_text())),
    }
}

/// Ingests a batch of records. Good items are kept and bad ones reported:
/// the response says how many were accepted, duplicates and rejected, with
/// each rejected item's index and reason.
#[utoipa::path(post, path = "/api/v1/ingest", request_body = IngestBody, tag = "ingest",
    responses((status = 200, body = IngestReport), (status = 400, body = ErrorBody), (status = 413, body = ErrorBody)))]
async fn ingest(
    State(state): State<AppState>,
    body: Result<Json<IngestBody>, JsonRejection>,
) -> Result<Json<IngestReport>, ApiError> {
    let Json(body) = body.map_err(json_error)?;
    let values = match body {
        IngestBody::Records { records } => records,
        IngestBody::List(v) => v,
    };
    let mut report = IngestReport::default();
    let mut items = Vec::with_capacity(values.len());
    for (i, v) in values.into_iter().enumerate() {
        match channels::native::parse_value(v) {
            Ok(record) => items.push(Item { origin: i, record }),
            Err(e) => report.reject(i, e.to_string()),
        }
    }
    let stored = state.pipeline.ingest(items).await?;
    report.merge(stored);
    report.errors.sort_by_key(|e| e.line);
    Ok(Json(report))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// open, pending or resolved
    status: Option<String>,
    queue: Option<String>,
    channel: Option<String>,
    /// low, normal, high or urgent
    priority: Option<String>,
    customer_id: Option<String>,
    /// Cursor: only conversations whose last message is before this RFC 3339 time.
    before: Option<String>,
    /// 1..=500, default 50
    limit: Option<i64>,
}

fn bad(e: impl std::fmt::Display) -> ApiError {
    ApiError::BadRequest(e.to_string())
}

/// Lists conversations, most recently active first.
#[utoipa::path(get, path = "/api/v1/conversations", params(ListQuery), tag = "conversations",
    responses((status = 200, body = Vec<Object>), (status = 400, body = ErrorBody)))]
async fn list_conversations(
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<store::ConversationSummary>>, ApiError> {
    let filter = ConversationFilter {
        status: q
            .status
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(bad)?,
        queue: q.queue,
        channel: q
            .channel
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(bad)?,
        priority: q
            .priority
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(bad)?,
        customer_id: q
            .customer_id
            .as_deref()
            .map(|s| {
                s.parse::<CustomerId>()
                    .map_err(|e| bad(format!("customer_id: {e}")))
            })
            .transpose()?,
        before_ms: q
            .before
            .as_deref()
            .map(|v| crate::metrics::parse_time("before", v).map(store::to_ms))
            .transpose()
            .map_err(bad)?,
        limit: q.limit.unwrap_or(50),
    };
    if !(1..=500).contains(&filter.limit) {
        return Err(bad("parameter 'limit' must be between 1 and 500"));
    }
    Ok(Json(state.store().list_conversations(&filter).await?))
}

fn conversation_id(s: &str) -> Result<ConversationId, ApiError> {
    s.parse()
        .map_err(|_| ApiError::NotFound(format!("conversation {s}")))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ConversationQuery {
    /// Replace e-mail addresses, phone numbers, payment cards and order/account
    /// numbers in message texts and notes with placeholders (the stored data is unchanged).
    redact: Option<bool>,
}

/// One conversation with its customer, messages, notes and audit events;
/// `?redact=true` exports it with personal data masked.
#[utoipa::path(get, path = "/api/v1/conversations/{id}", tag = "conversations",
    params(("id" = String, Path, description = "conversation id"), ConversationQuery),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
async fn get_conversation(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<ConversationQuery>,
) -> Result<Json<store::ConversationDetail>, ApiError> {
    let id = conversation_id(&id)?;
    let mut detail = state
        .store()
        .get_conversation(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("conversation {id}")))?;
    if q.redact.unwrap_or(false) {
        let enrichers = state.pipeline.enrichers();
        let e = &enrichers.default;
        for m in &mut detail.messages {
            m.message.text = nlp::redact(&m.message.text, &e.pii(&m.message.text));
        }
        for n in &mut detail.notes {
            n.body = nlp::redact(&n.body, &e.pii(&n.body));
        }
    }
    Ok(Json(detail))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyBody {
    pub text: String,
    /// Who sends it, e.g. `agent:maria`.
    pub actor: String,
    /// public (default) or private.
    #[schema(value_type = Option<String>)]
    pub visibility: Option<Visibility>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActorBody {
    pub actor: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalateBody {
    pub actor: String,
    /// e.g. tier2, pr, legal, leadership
    pub tier: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    pub author: String,
    pub body: String,
}

fn need(field: &str, value: &str) -> Result<(), ApiError> {
    if value.trim().is_empty() {
        return Err(bad(format!("field '{field}' must not be empty")));
    }
    domain::message::check_len("field", value, domain::message::MAX_TEXT_BYTES).map_err(|_| {
        bad(format!(
            "field '{field}' is over the limit of {} bytes",
            domain::message::MAX_TEXT_BYTES
        ))
    })
}

/// Applies an agent action to a conversation with its audit events and
/// rollup delta, in one transaction.
async fn change(
    state: &AppState,
    id: &str,
    f: impl FnOnce(&mut domain::Conversation) -> Result<ConversationChange, ApiError>,
) -> Result<Json<domain::Conversation>, ApiError> {
    let id = conversation_id(id)?;
    let attribution = state.pipeline.attribution().clone();
    let updated = state
        .store()
        .update_conversation(id, move |conv, original| {
            let before = conv.clone();
            let mut extra = f(conv)?;
            let mut known = std::collections::HashMap::new();
            if let Some(o) = original {
                known.insert(o.id, o.clone());
            }
            let mut delta = analytics::rollup::RollupDelta::new();
            crate::planner::conversation_delta(
                &mut delta,
                Some(&before),
                conv,
                &known,
                &attribution,
            );
            extra.rollups = delta.into_cells();
            Ok::<_, ApiError>(extra)
        })
        .await??;
    Ok(Json(updated))
}

/// Sends a reply: stored as an outbound message on the conversation's channel.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/reply", request_body = ReplyBody, tag = "actions",
    params(("id" = String, Path, description = "conversation id")),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn reply(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<ReplyBody>, JsonRejection>,
) -> Result<Json<domain::Conversation>, ApiError> {
    let Json(b) = body.map_err(json_error)?;
    need("text", &b.text)?;
    need("actor", &b.actor)?;
    change(&state, &id, |conv| {
        let now = OffsetDateTime::now_utc();
        let msg_id = MessageId::new();
        conv.add_outbound_by(now, &b.actor);
        let message = domain::InboundMessage {
            channel: conv.channel,
            external_id: format!("earshot:{msg_id}"),
            direction: Direction::Outbound,
            visibility: b.visibility.unwrap_or(Visibility::Public),
            author: domain::Author {
                id: b.actor.clone(),
                handle: None,
                name: None,
                followers: None,
            },
            brand_account: None,
            text: b.text,
            created_at: now,
            in_reply_to: None,
            language: None,
        };
        Ok(ConversationChange {
            events: vec![NewEvent::new(
                now,
                &b.actor,
                "reply.sent",
                "conversation",
                conv.id,
                serde_json::json!({ "message_id": msg_id }),
            )],
            messages: vec![MessageRow {
                id: msg_id,
                conversation_id: Some(conv.id),
                customer_id: Some(conv.customer_id),
                message,
                signals: None,
                sent_by: Some(b.actor),
            }],
            notes: vec![],
            rollups: vec![],
        })
    })
    .await
}

fn lifecycle(
    action: LifecycleAction,
    actor: String,
) -> impl FnOnce(&mut domain::Conversation) -> Result<ConversationChange, ApiError> {
    move |conv| {
        let now = OffsetDateTime::now_utc();
        conv.apply(&action, now)
            .map_err(|e| ApiError::Conflict(e.to_string()))?;
        let name = match action {
            LifecycleAction::Resolve => "conversation.resolved",
            LifecycleAction::Reopen => "conversation.reopened",
            LifecycleAction::Escalate { .. } => "conversation.escalated",
        };
        Ok(ConversationChange {
            events: vec![NewEvent::new(
                now,
                &actor,
                name,
                "conversation",
                conv.id,
                serde_json::json!({ "action": action }),
            )],
            ..Default::default()
        })
    }
}

/// Resolves a conversation (409 if it is already resolved).
#[utoipa::path(post, path = "/api/v1/conversations/{id}/resolve", request_body = ActorBody, tag = "actions",
    params(("id" = String, Path, description = "conversation id")),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn resolve(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<ActorBody>, JsonRejection>,
) -> Result<Json<domain::Conversation>, ApiError> {
    let Json(b) = body.map_err(json_error)?;
    need("actor", &b.actor)?;
    change(&state, &id, lifecycle(LifecycleAction::Resolve, b.actor)).await
}

/// Reopens a resolved conversation (409 if it is not resolved).
#[utoipa::path(post, path = "/api/v1/conversations/{id}/reopen", request_body = ActorBody, tag = "actions",
    params(("id" = String, Path, description = "conversation id")),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn reopen(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<ActorBody>, JsonRejection>,
) -> Result<Json<domain::Conversation>, ApiError> {
    let Json(b) = body.map_err(json_error)?;
    need("actor", &b.actor)?;
    change(&state, &id, lifecycle(LifecycleAction::Reopen, b.actor)).await
}

/// Escalates a conversation to a named tier.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/escalate", request_body = EscalateBody, tag = "actions",
    params(("id" = String, Path, description = "conversation id")),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
async fn escalate(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<EscalateBody>, JsonRejection>,
) -> Result<Json<domain::Conversation>, ApiError> {
    let Json(b) = body.map_err(json_error)?;
    need("actor", &b.actor)?;
    need("tier", &b.tier)?;
    change(
        &state,
        &id,
        lifecycle(LifecycleAction::Escalate { tier: b.tier }, b.actor),
    )
    .await
}

/// Adds an internal note (never sent to the customer).
#[utoipa::path(post, path = "/api/v1/conversations/{id}/notes", request_body = NoteBody, tag = "actions",
    params(("id" = String, Path, description = "conversation id")),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
async fn add_note(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<NoteBody>, JsonRejection>,
) -> Result<Json<domain::Conversation>, ApiError> {
    let Json(b) = body.map_err(json_error)?;
    need("author", &b.author)?;
    need("body", &b.body)?;
    change(&state, &id, |conv| {
        let now = OffsetDateTime::now_utc();
        let note = NoteRow {
            id: uuid::Uuid::now_v7(),
            conversation_id: conv.id,
            author: b.author.clone(),
            body: b.body,
            created_at: now,
        };
        Ok(ConversationChange {
            events: vec![NewEvent::new(
                now,
                &b.author,
                "note.added",
                "conversation",
                conv.id,
                serde_json::json!({ "note_id": note.id }),
            )],
            notes: vec![note],
            ..Default::default()
        })
    })
    .await
}

fn customer_id(s: &str) -> Result<CustomerId, ApiError> {
    s.parse()
        .map_err(|_| ApiError::NotFound(format!("customer {s}")))
}

/// A customer with their identities and tags.
#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "customers",
    params(("id" = String, Path, description = "customer id")),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
async fn get_customer(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<store::CustomerDetail>, ApiError> {
    let id = customer_id(&id)?;
    state
        .store()
        .get_customer(id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("customer {id}")))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagBody {
    pub tag: String,
    pub actor: String,
}

#[derive(Serialize, ToSchema)]
pub struct TagsResponse {
    pub tags: Vec<String>,
}

/// Tags a customer (routing rules can match customer tags).
#[utoipa::path(post, path = "/api/v1/customers/{id}/tags", request_body = TagBody, tag = "customers",
    params(("id" = String, Path, description = "customer id")),
    responses((status = 200, body = TagsResponse), (status = 404, body = ErrorBody)))]
async fn tag_customer(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<TagBody>, JsonRejection>,
) -> Result<Json<TagsResponse>, ApiError> {
    let Json(b) = body.map_err(json_error)?;
    need("tag", &b.tag)?;
    need("actor", &b.actor)?;
    let id = customer_id(&id)?;
    let tags = state
        .store()
        .tag_customer(id, b.tag.trim(), &b.actor)
        .await?;
    Ok(Json(TagsResponse { tags }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeBody {
    /// The customer that remains.
    pub into: String,
    /// The customer merged into `into`.
    pub from: String,
    pub actor: String,
}

/// Merges two customers: identities, conversations and tags move to `into`;
/// the merge is an audited event.
#[utoipa::path(post, path = "/api/v1/customers/merge", request_body = MergeBody, tag = "customers",
    responses((status = 200, body = Object), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn merge_customers(
    State(state): State<AppState>,
    body: Result<Json<MergeBody>, JsonRejection>,
) -> Result<Json<store::CustomerDetail>, ApiError> {
    let Json(b) = body.map_err(json_error)?;
    need("actor", &b.actor)?;
    let into = customer_id(&b.into)?;
    let from = customer_id(&b.from)?;
    state.store().merge_customers(into, from, &b.actor).await?;
    state
        .store()
        .get_customer(into)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("customer {into}")))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct MetricsQuery {
    /// Range start, RFC 3339 (default: all history).
    from: Option<String>,
    /// Range end (exclusive), RFC 3339.
    to: Option<String>,
    channel: Option<String>,
}

/// Headline metrics (docs/metrics.md): first response time, time to
/// resolution, response rate, and volume by channel and topic.
#[utoipa::path(get, path = "/api/v1/metrics", params(MetricsQuery), tag = "metrics",
    responses((status = 200, body = MetricsReport), (status = 400, body = ErrorBody)))]
async fn metrics(
    State(state): State<AppState>,
    Query(q): Query<MetricsQuery>,
) -> Result<Json<MetricsReport>, ApiError> {
    let (from_ms, to_ms) =
        crate::metrics::parse_range(q.from.as_deref(), q.to.as_deref()).map_err(bad)?;
    let channel: Option<Channel> = q
        .channel
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(bad)?;
    Ok(Json(
        crate::metrics::report(state.store(), from_ms, to_ms, channel).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct EventsQuery {
    /// Return events with a sequence number above this (default 0).
    after: Option<i64>,
    /// 1..=10000, default 100
    limit: Option<i64>,
}

/// The audit log, in order; each event carries its hash-chain link.
#[utoipa::path(get, path = "/api/v1/events", params(EventsQuery), tag = "audit",
    responses((status = 200, body = Vec<Object>)))]
async fn events(
    State(state): State<AppState>,
    Query(q): Query<EventsQuery>,
) -> Result<Json<Vec<store::EventRow>>, ApiError> {
    Ok(Json(
        state
            .store()
            .events(q.after.unwrap_or(0), q.limit.unwrap_or(100))
            .await?,
    ))
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
    #[schema(value_type = Object)]
    pub counts: store::Counts,
}

/// Liveness and row counts.
#[utoipa::path(get, path = "/api/v1/health", tag = "ops", responses((status = 200, body = Health)))]
async fn health(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    Ok(Json(Health {
        status: "ok",
        counts: state.store().counts().await?,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SentimentCorrection {
    /// negative, neutral or positive
    pub label: String,
    pub actor: String,
}

/// Records an agent's correction of a message's sentiment. The message's
/// own enrichment is kept; corrections become training labels
/// (`earshot nlp train --with-corrections`). Audited.
#[utoipa::path(post, path = "/api/v1/messages/{id}/sentiment", request_body = SentimentCorrection, tag = "nlp",
    params(("id" = String, Path, description = "message id")),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn correct_sentiment(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<SentimentCorrection>, JsonRejection>,
) -> Result<axum::http::StatusCode, ApiError> {
    let Json(b) = body.map_err(json_error)?;
    need("actor", &b.actor)?;
    let label: nlp::SentimentLabel = b.label.parse().map_err(bad)?;
    if label == nlp::SentimentLabel::Unclassified {
        return Err(bad("a correction must be negative, neutral or positive"));
    }
    let id: MessageId = id
        .parse()
        .map_err(|_| ApiError::NotFound(format!("message {id}")))?;
    state
        .store()
        .correct_sentiment(id, label.as_str(), &b.actor)
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// Reloads the calibrated models and rules stored in the database (after
/// `earshot nlp train` or `earshot nlp rules` ran elsewhere).
#[utoipa::path(post, path = "/api/v1/nlp/reload", tag = "nlp", responses((status = 204), (status = 500, body = ErrorBody)))]
async fn reload_nlp(State(state): State<AppState>) -> Result<axum::http::StatusCode, ApiError> {
    state
        .pipeline
        .reload_nlp()
        .await
        .map_err(ApiError::Internal)?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct SeriesParams {
    /// e.g. conversations, conversation_share (of the total), frt_median_s, frt_p90_s,
    /// frt_business_median_s, ttr_median_s, aht_s, response_rate,
    /// resolution_rate, fcr_social, fcr_blended, repeat_rate, escalation_rate, sentiment_mean,
    /// negative_share, sentiment_conversion, csat_mean, csat_satisfied, csat_response_rate,
    /// csat_extremity, nps (docs/analytics.md)
    metric: String,
    /// hour, day or week (default day)
    interval: Option<String>,
    /// all (default), channel, topic, queue, agent or team
    dimension: Option<String>,
    /// One value of the dimension (default: every value)
    value: Option<String>,
    /// RFC 3339; default 30 days before `to`
    from: Option<String>,
    /// RFC 3339; default now
    to: Option<String>,
}

/// A metric as a time series, read from rollup cells, optionally broken
/// down by a dimension.
#[utoipa::path(get, path = "/api/v1/metrics/series", params(SeriesParams), tag = "metrics",
    responses((status = 200, body = Vec<Object>), (status = 400, body = ErrorBody)))]
async fn metric_series(
    State(state): State<AppState>,
    Query(q): Query<SeriesParams>,
) -> Result<Json<Vec<analytics::Series>>, ApiError> {
    let query = crate::rollups::SeriesQuery::parse(
        &q.metric,
        q.interval.as_deref().unwrap_or("day"),
        q.dimension.as_deref(),
        q.value.as_deref(),
        q.from.as_deref(),
        q.to.as_deref(),
    )
    .map_err(bad)?;
    Ok(Json(query.run(state.store()).await?))
}

fn insight_status(s: &str) -> Result<analytics::insight::InsightStatus, ApiError> {
    analytics::insight::InsightStatus::parse(s).ok_or_else(|| {
        bad(format!(
            "unknown insight status '{s}' (expected new, acknowledged, actioned or dismissed)"
        ))
    })
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct InsightQuery {
    /// new, acknowledged, actioned or dismissed
    status: Option<String>,
    owner_team: Option<String>,
    /// spike, slow_bleed, masked_resolution, csat_masking, coverage_gap, recurring_phrase, repeat_trend, escalation_trend, topic_trend
    kind: Option<String>,
    /// 1..=1000, default 100
    limit: Option<i64>,
}

/// Insights raised by the detectors, most severe first, with evidence,
/// probable causes, owner team and status history.
#[utoipa::path(get, path = "/api/v1/insights", params(InsightQuery), tag = "insights",
    responses((status = 200, body = Vec<Object>), (status = 400, body = ErrorBody)))]
async fn list_insights(
    State(state): State<AppState>,
    Query(q): Query<InsightQuery>,
) -> Result<Json<Vec<store::InsightRow>>, ApiError> {
    if let Some(s) = &q.status {
        insight_status(s)?;
    }
    if let Some(k) = &q.kind
        && !analytics::detect::DetectionKind::ALL
            .iter()
            .any(|x| x.as_str() == k)
    {
        return Err(bad(format!("unknown insight kind '{k}'")));
    }
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(bad("parameter 'limit' must be between 1 and 1000"));
    }
    let f = store::InsightFilter {
        status: q.status,
        owner_team: q.owner_team,
        kind: q.kind,
        ends_after_ms: None,
        without_history: false,
        limit,
    };
    Ok(Json(state.store().list_insights(&f).await?))
}

/// One insight.
#[utoipa::path(get, path = "/api/v1/insights/{id}", tag = "insights",
    params(("id" = String, Path, description = "insight id")),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
async fn get_insight(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<store::InsightRow>, ApiError> {
    state
        .store()
        .get_insight(&id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("insight {id}")))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct FollowThroughQuery {
    /// Judge with data before this time (RFC 3339); default now
    as_of: Option<String>,
}

/// Whether the metric of an actioned insight came back since the action:
/// its scope before the finding, during it and since the action, the two
/// tests and a verdict (recovered, improving, persisting, unclear, too_early,
/// not_measured). 409 when the insight is not actioned.
#[utoipa::path(get, path = "/api/v1/insights/{id}/follow-through", tag = "insights",
    params(("id" = String, Path, description = "insight id"), FollowThroughQuery),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn insight_follow_through(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<FollowThroughQuery>,
) -> Result<Json<analytics::follow_through::FollowThrough>, ApiError> {
    let as_of = crate::metrics::parse_time_or_now("as_of", q.as_of.as_deref()).map_err(bad)?;
    let row = state
        .store()
        .get_insight(&id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("insight {id}")))?;
    let enrichers = state.pipeline.enrichers();
    crate::insights::follow_through(state.store(), &enrichers.default, &row, as_of)
        .await
        .map(Json)
        .map_err(|e| match e {
            crate::insights::FollowThroughError::Store(e) => e.into(),
            other => ApiError::Conflict(other.to_string()),
        })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InsightStatusBody {
    /// acknowledged, actioned or dismissed
    pub status: String,
    pub actor: String,
    pub note: Option<String>,
}

/// Moves an insight along new → acknowledged → actioned | dismissed; the
/// change is kept with its actor and note. 409 for a transition that is not allowed.
#[utoipa::path(post, path = "/api/v1/insights/{id}/status", request_body = InsightStatusBody, tag = "insights",
    params(("id" = String, Path, description = "insight id")),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn set_insight_status(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<InsightStatusBody>, JsonRejection>,
) -> Result<Json<store::InsightRow>, ApiError> {
    let Json(b) = body.map_err(json_error)?;
    need("actor", &b.actor)?;
    let to = insight_status(&b.status)?;
    state
        .store()
        .set_insight_status(&id, to.as_str(), &b.actor, b.note.as_deref(), |from| {
            let from = insight_status(from)
                .map_err(|_| ApiError::Conflict(format!("stored status '{from}' is unknown")))?;
            analytics::insight::transition(from, to)
                .map(|_| ())
                .map_err(|e| ApiError::Conflict(e.to_string()))
        })
        .await??;
    state
        .store()
        .get_insight(&id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("insight {id}")))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct DigestQuery {
    /// Only this owner team
    team: Option<String>,
    /// End of the week (RFC 3339, exclusive); default now
    week_end: Option<String>,
    /// An open insight untouched this many days is listed as untouched (default 7)
    stale_days: Option<f64>,
}

/// The weekly digest per owner team: what is open, what was actioned this
/// week, what sat untouched, and the follow-through of what was actioned in
/// the last four weeks (whether its metric came back).
#[utoipa::path(get, path = "/api/v1/insights/digest", params(DigestQuery), tag = "insights",
    responses((status = 200, body = Vec<Object>), (status = 400, body = ErrorBody)))]
async fn insight_digest(
    State(state): State<AppState>,
    Query(q): Query<DigestQuery>,
) -> Result<Json<Vec<analytics::insight::TeamDigest>>, ApiError> {
    let week_end =
        crate::metrics::parse_time_or_now("week_end", q.week_end.as_deref()).map_err(bad)?;
    let enrichers = state.pipeline.enrichers();
    let digests = crate::insights::digest(
        state.store(),
        &enrichers.default,
        week_end,
        q.stale_days.unwrap_or(7.0),
        q.team.as_deref(),
    )
    .await?;
    Ok(Json(digests))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedactBody {
    pub actor: String,
    /// Why the stored text is changed (e.g. an erasure request).
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct RedactResult {
    /// How many personal-data spans were replaced.
    pub redacted_spans: usize,
    /// Their kinds (email, phone, payment_card, order_number, account_number).
    pub kinds: Vec<String>,
}

/// Permanently masks personal data in a stored message. This is the only way
/// the stored original changes, and it is audited (who, why, which kinds).
#[utoipa::path(post, path = "/api/v1/messages/{id}/redact", request_body = RedactBody, tag = "nlp",
    params(("id" = String, Path, description = "message id")),
    responses((status = 200, body = RedactResult), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn redact_message(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<RedactBody>, JsonRejection>,
) -> Result<Json<RedactResult>, ApiError> {
    let Json(b) = body.map_err(json_error)?;
    need("actor", &b.actor)?;
    need("reason", &b.reason)?;
    let id: MessageId = id
        .parse()
        .map_err(|_| ApiError::NotFound(format!("message {id}")))?;
    let text = state
        .store()
        .message_text(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("message {id}")))?;
    let enrichers = state.pipeline.enrichers();
    let spans = enrichers.default.pii(&text);
    let kinds: Vec<String> = spans.iter().map(|s| s.kind.as_str().to_string()).collect();
    if !spans.is_empty() {
        let redacted = nlp::redact(&text, &spans);
        let detail = serde_json::json!({ "reason": b.reason, "kinds": kinds });
        state
            .store()
            .redact_message(id, &redacted, &b.actor, detail)
            .await?;
    }
    Ok(Json(RedactResult {
        redacted_spans: spans.len(),
        kinds,
    }))
}
