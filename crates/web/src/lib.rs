//! Bangfu's HTTP layer: pages for people, a REST API for programs, and the assets they need,
//! all served by the binary itself (the system runs on closed networks).

/// The value of a page's step, or the page's error (`Ctx::error`) returned.
macro_rules! or_error_page {
    ($ctx:expr, $step:expr) => {
        match $step {
            Ok(v) => v,
            Err(e) => return $ctx.error(e),
        }
    };
}

pub mod access;
pub mod api;
pub mod auth;
pub mod casework;
pub mod error;
pub mod exchange;
pub mod export;
pub mod extract;
mod form;
pub mod funds;
pub mod households;
pub mod i18n;
mod kit;
pub mod labels;
pub mod page;
pub mod policy;
pub mod reports;
pub mod serve;
mod upload;

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
    /// Batch evaluations started from the web in this process.
    pub jobs: policy::pages::Jobs,
    /// Answers "not found" per user, and their limit.
    pub misses: auth::Misses,
    /// Self-checks per address and minute (public page), and their limit.
    pub self_checks: auth::RateLimit<String>,
}

const STYLE: &str = include_str!("../assets/style.css");
/// ECharts 5.6.0 (Apache-2.0, `assets/echarts.LICENSE`), served by the binary itself: nothing is
/// fetched from the internet at run time.
const ECHARTS: &str = include_str!("../assets/echarts.min.js");
const DASHBOARD_JS: &str = include_str!("../assets/dashboard.js");
const PRINT_JS: &str = include_str!("../assets/print.js");
const UPLOAD_JS: &str = include_str!("../assets/upload.js");
const NAV_JS: &str = include_str!("../assets/nav.js");

/// A static asset with its type, cached for an hour.
fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=3600")], body).into_response()
}

/// A router that remembers its paths, so tests can walk every route (the access matrix):
/// a new route joins the matrix by being registered, without anyone remembering to add it.
#[derive(Default)]
pub struct Routes {
    router: Router<AppState>,
    paths: Vec<&'static str>,
}

impl Routes {
    /// Adds a route.
    pub fn route(mut self, path: &'static str, m: axum::routing::MethodRouter<AppState>) -> Self {
        self.paths.push(path);
        self.router = self.router.route(path, m);
        self
    }

    /// Adds every route of `other`.
    pub fn merge(mut self, other: Routes) -> Self {
        self.paths.extend(other.paths);
        self.router = self.router.merge(other.router);
        self
    }

    /// Sets the fallback.
    pub fn fallback<H, T>(mut self, h: H) -> Self
    where
        H: axum::handler::Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.fallback(h);
        self
    }
}

/// The pages of every feature, each feature's routes beside its pages.
fn pages() -> Routes {
    page::routes()
        .merge(households::routes())
        .merge(casework::routes())
        .merge(policy::routes())
        .merge(reports::routes())
        .merge(funds::routes())
        .merge(exchange::routes())
        .merge(access::routes())
}

/// Every routed path (API paths with their `/api/v1` prefix), placeholders as `{name}`.
pub fn route_paths() -> Vec<String> {
    let mut out: Vec<String> = pages().paths.iter().map(|p| p.to_string()).collect();
    out.extend(api::routes().paths.iter().map(|p| format!("/api/v1{p}")));
    out
}

/// The whole router: pages, `/api/v1`, and `/assets`, with the default limits.
pub fn router(app: App) -> Router {
    router_with(app, auth::Misses::default())
}

/// [`router`] with its limit on answers "not found" per user and minute.
pub fn router_with(app: App, misses: auth::Misses) -> Router {
    let state = AppState {
        app,
        jobs: policy::pages::Jobs::default(),
        misses,
        self_checks: auth::RateLimit::per_minute(policy::self_check::PER_MINUTE),
    };
    Router::new()
        .merge(pages().router)
        .nest("/api/v1", api::routes().router)
        .route("/assets/style.css", get(|| async { asset("text/css; charset=utf-8", STYLE) }))
        .route("/assets/echarts.min.js", get(|| async { asset("text/javascript; charset=utf-8", ECHARTS) }))
        .route("/assets/dashboard.js", get(|| async { asset("text/javascript; charset=utf-8", DASHBOARD_JS) }))
        .route("/assets/print.js", get(|| async { asset("text/javascript; charset=utf-8", PRINT_JS) }))
        .route("/assets/upload.js", get(|| async { asset("text/javascript; charset=utf-8", UPLOAD_JS) }))
        .route("/assets/nav.js", get(|| async { asset("text/javascript; charset=utf-8", NAV_JS) }))
        .fallback(|| async { (StatusCode::NOT_FOUND, "not found") })
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::authenticate))
        .with_state(state)
        // The API's errors are written in the request's language (the policy: `error`).
        .layer(axum::middleware::from_fn(error::render))
        .layer(axum::middleware::from_fn(auth::security_headers))
        // A bug must cost one request, not the server: a panic becomes a logged 500.
        .layer(CatchPanicLayer::custom(|_| -> Response {
            tracing::error!("handler panicked");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }))
        // The span names the method and the path only: a query string may hold personal data.
        .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
        }))
}
