//! Bangfu's HTTP layer: pages for people, a REST API for programs, and the assets they need,
//! all served by the binary itself (the system runs on closed networks).

pub mod api;
pub mod error;
pub mod export;
pub mod extract;
pub mod i18n;
pub mod pages;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use bangfu_app::App;
use tower_http::catch_panic::CatchPanicLayer;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    /// The application.
    pub app: App,
}

const STYLE: &str = include_str!("../assets/style.css");

/// The whole router: pages, `/api/v1`, and `/assets`.
pub fn router(app: App) -> Router {
    Router::new()
        .merge(pages::routes())
        .nest("/api/v1", api::routes())
        .route(
            "/assets/style.css",
            get(|| async {
                (
                    [
                        (header::CONTENT_TYPE, "text/css; charset=utf-8"),
                        (header::CACHE_CONTROL, "public, max-age=3600"),
                    ],
                    STYLE,
                )
            }),
        )
        .fallback(|| async { (StatusCode::NOT_FOUND, "not found") })
        .with_state(AppState { app })
        // A bug must cost one request, not the server: a panic becomes a logged 500.
        .layer(CatchPanicLayer::custom(|_| -> Response {
            tracing::error!("handler panicked");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }))
        .layer(tower_http::trace::TraceLayer::new_for_http())
}
