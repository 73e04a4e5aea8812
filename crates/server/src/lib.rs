//! Earshot's application: the ingest pipeline, the HTTP API (with its
//! OpenAPI document), the server-rendered page and configuration.

pub mod api;
pub mod config;
pub mod detection;
pub mod error;
pub mod insights;
pub mod metrics;
pub mod pipeline;
mod planner;
pub mod rollups;
pub mod web;
pub mod webhooks;

use std::sync::Arc;

pub use config::Settings;
pub use pipeline::{IngestReport, Item, Pipeline};

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub pipeline: Arc<Pipeline>,
    pub settings: Arc<Settings>,
}

impl AppState {
    pub fn store(&self) -> &store::Store {
        self.pipeline.store()
    }
}

/// Builds the whole application router.
pub fn app(state: AppState) -> axum::Router {
    let max_body = state.settings.max_body_bytes;
    let (api_router, openapi) = api::router().split_for_parts();
    let openapi = Arc::new(openapi);
    api_router
        .route(
            "/api/v1/openapi.json",
            axum::routing::get(move || {
                let doc = openapi.clone();
                async move { axum::Json(doc.as_ref().clone()) }
            }),
        )
        .merge(web::router())
        .layer(axum::extract::DefaultBodyLimit::max(max_body))
        .with_state(state)
}

/// Opens the store, applies migrations and serves until Ctrl-C.
pub async fn serve(settings: Settings) -> anyhow::Result<()> {
    let url = settings.database_url();
    let store = store::Store::open(&url).await?;
    let pipeline = Pipeline::load(store, &settings).await?;
    let listener = tokio::net::TcpListener::bind(&settings.bind).await?;
    tracing::info!(addr = %listener.local_addr()?, db = %config::redact_url(&url), "earshot serving");
    let state = AppState {
        pipeline: Arc::new(pipeline),
        settings: Arc::new(settings),
    };
    let workers = spawn_workers(state.clone());
    let served = axum::serve(listener, app(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await;
    for w in workers {
        w.abort();
    }
    served?;
    Ok(())
}

/// Background work of a serving node: detection over recent data every
/// `analytics.detect_every_secs`, store upkeep every `analytics.tidy_every_secs`, and webhook delivery from the outbox.
pub fn spawn_workers(state: AppState) -> Vec<tokio::task::JoinHandle<()>> {
    let mut handles = Vec::new();
    let every = state.settings.analytics.detect_every_secs;
    if every > 0 {
        let st = state.clone();
        handles.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(every));
            loop {
                tick.tick().await;
                let now = store::to_ms(time::OffsetDateTime::now_utc());
                let from = now - st.settings.analytics.detect_window_days.max(1) * 86_400_000;
                let enrichers = st.pipeline.enrichers();
                match detection::run(
                    st.store(),
                    &enrichers.default,
                    &st.settings.analytics.detect,
                    from,
                    now,
                    "system:detector",
                )
                .await
                {
                    Ok(r) => tracing::info!(
                        incidents = r.incidents.len(),
                        raised = r.raised.len(),
                        secs = r.secs,
                        "detection ran"
                    ),
                    Err(e) => tracing::error!(error = %e, "detection failed"),
                }
            }
        }));
    }
    // Periodic upkeep of the tables every batch rewrites (hourly by default): what `import`
    // does after its batches (`Store::tidy`), for a node that ingests continuously.
    // Autovacuum covers it on a default PostgreSQL server; this covers one where it is off,
    // and gives SQLite the periodic `PRAGMA optimize` its documentation asks of long-lived
    // connections.
    let tidy_every = state.settings.analytics.tidy_every_secs;
    if tidy_every > 0 {
        let st = state.clone();
        handles.push(tokio::spawn(async move {
            let every = std::time::Duration::from_secs(tidy_every);
            let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            loop {
                tick.tick().await;
                let t = std::time::Instant::now();
                match st.store().tidy().await {
                    Ok(_) => tracing::info!(secs = t.elapsed().as_secs_f64(), "store tidied"),
                    Err(e) => tracing::error!(error = %e, "store upkeep failed"),
                }
            }
        }));
    }
    if !state.settings.analytics.webhooks.is_empty() {
        let st = state;
        handles.push(tokio::spawn(async move {
            let client = webhooks::client();
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
            loop {
                tick.tick().await;
                if let Err(e) =
                    webhooks::deliver_due(st.store(), &client, &st.settings.analytics.webhooks)
                        .await
                {
                    tracing::error!(error = %e, "webhook delivery failed");
                }
            }
        }));
    }
    handles
}
