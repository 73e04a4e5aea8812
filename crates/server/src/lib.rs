//! Earshot's application: the ingest pipeline, the HTTP API (with its
//! OpenAPI document), the server-rendered page and configuration.

pub mod api;
pub mod config;
pub mod error;
pub mod metrics;
pub mod pipeline;
pub mod rollups;
pub mod web;

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
    axum::serve(listener, app(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
