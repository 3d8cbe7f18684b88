//! Authentication at the door: every request's credentials (a session cookie or an API
//! token) become a [`Principal`] in the request's extensions, once, before any handler runs.
//! Cookie-authenticated writes must echo the session's CSRF token. Handlers take [`Who`].

use crate::error::ApiError;
use crate::AppState;
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use bangfu_app::Principal;
use bangfu_domain::{Code, Permission};
use std::net::{IpAddr, SocketAddr};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "bangfu_session";
/// Form field carrying the CSRF token.
pub const CSRF_FIELD: &str = "_csrf";
/// Header carrying the CSRF token (cookie-authenticated API calls from scripts).
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How the request authenticated.
#[derive(Clone)]
pub enum Credential {
    /// A session cookie (its value).
    Session(String),
    /// An API token.
    Bearer,
}

/// The authenticated principal of a request, with how it authenticated.
#[derive(Clone)]
pub struct Authenticated {
    /// The principal.
    pub principal: Principal,
    /// Cookie or token.
    pub credential: Credential,
}

/// Reverse proxies whose `X-Forwarded-For` is believed (`bangfu serve --trusted-proxy`).
static TRUSTED_PROXIES: std::sync::OnceLock<Vec<IpAddr>> = std::sync::OnceLock::new();

/// Sets the reverse proxies whose `X-Forwarded-For` names the client (once, at start).
pub fn trust_proxies(proxies: Vec<IpAddr>) {
    let _ = TRUSTED_PROXIES.set(proxies);
}

/// The caller's address as text: the peer socket ("unknown" in tests without one); when the
/// peer is a trusted proxy, the last address in `X-Forwarded-For` that is not a trusted proxy
/// (the left-hand entries are the client's to write, so they are not believed).
pub fn client_address<B>(req: &axum::http::Request<B>) -> String {
    let Some(peer) = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()) else {
        return "unknown".to_string();
    };
    let trusted = TRUSTED_PROXIES.get().map(Vec::as_slice).unwrap_or_default();
    if !trusted.contains(&peer) {
        return peer.to_string();
    }
    req.headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .rev()
        .find(|a| !trusted.contains(a))
        .unwrap_or(peer)
        .to_string()
}

/// A cookie's value.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

fn unauthenticated(path: &str) -> Response {
    if is_api(path) {
        ApiError::new(StatusCode::UNAUTHORIZED, Code::SignInRequired).into_response()
    } else {
        Redirect::to("/sign-in").into_response()
    }
}

/// Compares two secrets in time independent of where they differ.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Largest form body the CSRF check reads (forms are small; uploads come with the header).
const FORM_LIMIT: usize = 2 * 1024 * 1024;

/// The middleware: resolves credentials, checks CSRF on cookie-authenticated writes.
pub async fn authenticate(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let address = client_address(&req);
    let lang = crate::i18n::Lang::of_request(&req);
    let path = req.uri().path().to_string();
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string());
    let found = if let Some(token) = bearer {
        match s.app.token_principal(&token, &address).await {
            Ok(Some(p)) => Some(Authenticated { principal: p, credential: Credential::Bearer }),
            Ok(None) => {
                if let Err(e) = s.app.record_bad_token(&address).await {
                    return ApiError::from(e).into_response();
                }
                return ApiError::new(StatusCode::UNAUTHORIZED, Code::BadToken).into_response();
            }
            Err(e) => return ApiError::from(e).into_response(),
        }
    } else if let Some(token) = cookie(req.headers(), SESSION_COOKIE) {
        match s.app.session_principal(&token, &address).await {
            Ok(Some(p)) => Some(Authenticated { principal: p, credential: Credential::Session(token) }),
            Ok(None) => None,
            Err(e) => return ApiError::from(e).into_response(),
        }
    } else {
        None
    };
    let mut req = req;
    if let Some(a) = &found {
        let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
        // Signing in again while signed in is no cookie-authenticated write (and SameSite=Strict
        // keeps the cookie off cross-site posts anyway).
        // The self-check stores nothing and acts for no one: a signed-in reader may use it too.
        let exempt = matches!(path.as_str(), "/sign-in" | "/self-check");
        if let (Credential::Session(_), false, false) = (&a.credential, safe, exempt) {
            let expected = a.principal.csrf.clone().unwrap_or_default();
            let method = req.method().to_string();
            let (ok, rebuilt) = csrf_ok(req, &expected).await;
            req = rebuilt;
            if !ok {
                if let Err(e) = s.app.record_csrf_refusal(&a.principal, &method, &path).await {
                    return ApiError::from(e).into_response();
                }
                return csrf_refused(&path, lang);
            }
        }
    }
    // A role that changes nothing (the auditor) is refused every writing request at the door,
    // whatever its body, before any handler reads it (issue 19); only the POSTs that read pass.
    if let Some(a) = &found {
        let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe && a.principal.role.changes_nothing() && !reads_by_post(&path) {
            let method = req.method().to_string();
            if let Err(e) = s.app.record_refusal(&a.principal, &method, &path, "read_only_role").await {
                return ApiError::from(e).into_response();
            }
            return refused(&path, lang, Code::Forbidden);
        }
    }
    // A password someone else set is changed first; then an administrator who has not set up
    // two-factor sign-in reaches only the page that does (issue 23); signing out always.
    if let Some(a) = &found {
        let exempt =
            matches!(path.as_str(), "/account/password" | "/sign-out" | "/sign-in") || path.starts_with("/assets/");
        if a.principal.password_change_due && !exempt {
            if is_api(&path) {
                return ApiError::new(StatusCode::FORBIDDEN, Code::PasswordChangeDue).into_response();
            }
            return Redirect::to("/account/password").into_response();
        }
    }
    if let Some(a) = &found {
        let exempt = matches!(path.as_str(), "/account/second-factor" | "/sign-out" | "/sign-in")
            || path.starts_with("/assets/");
        if a.principal.second_factor_due && !exempt {
            if is_api(&path) {
                return ApiError::new(StatusCode::FORBIDDEN, Code::SecondFactorDue).into_response();
            }
            return Redirect::to("/account/second-factor").into_response();
        }
    }
    // A department system's token (a service account, issue 22) is accepted by its
    // department's exchange operations alone: no page, no other part of the API.
    if let Some(a) = &found {
        if a.principal.role.is_service() && !service_path(&path) {
            let method = req.method().to_string();
            if let Err(e) = s.app.record_refusal(&a.principal, &method, &path, "service_account").await {
                return ApiError::from(e).into_response();
            }
            return refused(&path, lang, Code::ServiceAccountApiOnly);
        }
    }
    // A page read by someone who decides things shows how many decisions wait (the menu's
    // 待我审批): counted once here, for the page's layout.
    let approvals = match &found {
        Some(a)
            if matches!(a.credential, Credential::Session(_))
                && req.method() == Method::GET
                && !is_api(&path)
                && !path.starts_with("/assets/")
                && !path.ends_with(".xlsx")
                && (a.principal.can(Permission::ApproveOutcomes) || a.principal.can(Permission::ApproveFunds)) =>
        {
            s.app.approvals(&a.principal).await.map(|q| q.count()).unwrap_or(0)
        }
        _ => 0,
    };
    let user = found.as_ref().map(|a| a.principal.user_id);
    if user.is_some_and(|u| s.misses.over(&u)) {
        return ApiError::from(bangfu_app::AppError::Locked("misses".into())).into_response();
    }
    // Every call of a service account is audited, with its token's id and its answer's status.
    let service_call = found
        .as_ref()
        .filter(|a| a.principal.role.is_service())
        .map(|a| (a.principal.clone(), req.method().to_string(), req.uri().to_string()));
    if let Some(a) = found {
        req.extensions_mut().insert(a);
    }
    let res = APPROVALS.scope(approvals, next.run(req)).await;
    if let (Some(u), StatusCode::NOT_FOUND) = (user, res.status()) {
        s.misses.count(u);
    }
    if let Some((who, method, uri)) = service_call {
        if let Err(e) = s.app.record_api_call(&who, &method, &uri, res.status().as_u16()).await {
            // The call is done (its own changes carry their entries); a trail that cannot be
            // written is the operator's alarm.
            tracing::error!(error = %e, token = ?who.token_id, %method, %uri, "service account call not audited");
        }
    }
    res
}

/// The paths a department system's token is accepted on: its exchange operations (requests,
/// rosters, the joint meeting), who it is, and the API's description.
fn service_path(path: &str) -> bool {
    let Some(rest) = path.strip_prefix("/api/v1/") else { return false };
    matches!(rest, "me" | "openapi.json")
        || ["verifications", "rosters", "joint-meeting"]
            .iter()
            .any(|p| rest == *p || rest.strip_prefix(p).is_some_and(|r| r.starts_with('/')))
}

/// Answers "not found" per user (issue 19): out of scope answers like missing, so walking
/// through ids learns nothing of other regions' files — and past a limit of misses in a minute
/// (120 by default, `bangfu serve --misses-per-minute`) the user's requests are refused (429)
/// for the rest of that minute, so the walk cannot be fast. Per process: behind several
/// replicas the limit is per replica.
pub type Misses = RateLimit<i64>;

/// Events counted per key (a user, an address) and minute, with a limit.
#[derive(Clone)]
pub struct RateLimit<K> {
    limit: u32,
    table: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<K, (std::time::Instant, u32)>>>,
}

impl<K: std::hash::Hash + Eq> RateLimit<K> {
    /// At most `limit` events a minute per key (0: no limit).
    pub fn per_minute(limit: u32) -> Self {
        Self { limit, table: Default::default() }
    }

    /// Whether `key` has used up this minute's events.
    pub(crate) fn over(&self, key: &K) -> bool {
        let Ok(t) = self.table.lock() else { return false };
        self.limit > 0 && t.get(key).is_some_and(|(since, n)| since.elapsed() < MINUTE && *n >= self.limit)
    }

    /// One more event for `key`.
    pub(crate) fn count(&self, user: K) {
        if self.limit == 0 {
            return;
        }
        let Ok(mut t) = self.table.lock() else { return };
        if t.len() > 100_000 {
            t.retain(|_, (since, _)| since.elapsed() < MINUTE);
        }
        let e = t.entry(user).or_insert((std::time::Instant::now(), 0));
        if e.0.elapsed() >= MINUTE {
            *e = (std::time::Instant::now(), 0);
        }
        e.1 += 1;
    }
}

impl Default for RateLimit<i64> {
    fn default() -> Self {
        Self::per_minute(120)
    }
}

const MINUTE: std::time::Duration = std::time::Duration::from_secs(60);

tokio::task_local! {
    /// Decisions waiting for the signed-in user, for the page being served.
    pub(crate) static APPROVALS: usize;
}

/// Whether the request carries `expected` in the CSRF header or in the `_csrf` field of a
/// form body; the body is read and put back.
async fn csrf_ok(req: Request, expected: &str) -> (bool, Request) {
    if expected.is_empty() {
        return (false, req);
    }
    if let Some(v) = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        return (same_secret(v.as_bytes(), expected.as_bytes()), req);
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return (false, req);
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, FORM_LIMIT).await else {
        return (false, Request::from_parts(parts, Body::empty()));
    };
    let ok = form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == CSRF_FIELD)
        .is_some_and(|(_, v)| same_secret(v.as_bytes(), expected.as_bytes()));
    (ok, Request::from_parts(parts, Body::from(bytes)))
}

/// POSTs that read — a search, a pure evaluation, signing in or out, revealing what the reader
/// may see (an audited read) — by their path.
pub fn reads_by_post(path: &str) -> bool {
    matches!(
        path,
        "/sign-in"
            | "/sign-out"
            | "/self-check"
            | "/api/v1/evaluate"
            | "/households/search"
            | "/api/v1/households/search"
    ) || (path.ends_with("/reveal") && (path.starts_with("/households/") || path.starts_with("/api/v1/households/")))
}

fn csrf_refused(path: &str, lang: crate::i18n::Lang) -> Response {
    refused(path, lang, Code::Csrf)
}

fn refused(path: &str, lang: crate::i18n::Lang, code: Code) -> Response {
    let e = ApiError::new(StatusCode::FORBIDDEN, code);
    if is_api(path) {
        e.into_response()
    } else {
        let back = if lang.zh() { "返回首页" } else { "Home" };
        let html = format!(
            "<!DOCTYPE html><html lang=\"{}\"><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><link rel=\"stylesheet\" href=\"/assets/style.css\"><title>403</title><main><p class=\"error\">{}</p><p><a href=\"/\">{back}</a></p></main></html>",
            lang.tr().lang,
            e.0.message(lang)
        );
        (StatusCode::FORBIDDEN, axum::response::Html(html)).into_response()
    }
}

/// The signed-in principal; without one, API calls answer 401 and pages go to the sign-in page.
pub struct Who(pub Principal);

impl FromRequestParts<AppState> for Who {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Response> {
        match parts.extensions.get::<Authenticated>() {
            Some(a) => Ok(Who(a.principal.clone())),
            // Under `nest` the URI has lost its prefix; the original says whether this is the API.
            None => {
                let original = parts.extensions.get::<axum::extract::OriginalUri>().map(|u| u.0.path().to_string());
                Err(unauthenticated(original.as_deref().unwrap_or(parts.uri.path())))
            }
        }
    }
}

/// The session cookie for a new session.
pub fn session_cookie(token: &str, secure: bool) -> HeaderValue {
    let v =
        format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{}", if secure { "; Secure" } else { "" });
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static("bangfu_session=; Path=/"))
}

/// A cookie that removes the session cookie.
pub fn clear_session_cookie() -> HeaderValue {
    HeaderValue::from_static("bangfu_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// Whether the request reached us over TLS (directly or through a proxy that says so).
pub fn over_tls(headers: &HeaderMap) -> bool {
    headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// Security headers on every response; personal data is never cached.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let tls = over_tls(req.headers());
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    let set = |h: &mut HeaderMap, k: &'static str, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set(h, "x-content-type-options", "nosniff");
    set(h, "x-frame-options", "DENY");
    set(h, "referrer-policy", "no-referrer");
    set(
        h,
        "content-security-policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
    set(h, "cross-origin-opener-policy", "same-origin");
    if tls {
        set(h, "strict-transport-security", "max-age=31536000");
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        set(h, "cache-control", "no-store");
    }
    r
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test fails by panicking
mod tests {
    use super::*;

    fn from(peer: &str, forwarded: Option<&str>) -> String {
        let mut req = axum::http::Request::new(());
        req.extensions_mut().insert(ConnectInfo(SocketAddr::new(peer.parse().unwrap(), 40000)));
        if let Some(f) = forwarded {
            req.headers_mut().insert("x-forwarded-for", HeaderValue::from_str(f).unwrap());
        }
        client_address(&req)
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        trust_proxies(vec!["127.0.0.1".parse().unwrap(), "10.0.0.10".parse().unwrap()]);
        // From the proxy: the last address it added, not what the client wrote on the left.
        assert_eq!(from("127.0.0.1", Some("6.6.6.6, 192.168.1.20")), "192.168.1.20");
        // Through two trusted proxies.
        assert_eq!(from("127.0.0.1", Some("192.168.1.20, 10.0.0.10")), "192.168.1.20");
        // Garbage or nothing: the proxy itself.
        assert_eq!(from("127.0.0.1", Some("not an address")), "127.0.0.1");
        assert_eq!(from("10.0.0.10", None), "10.0.0.10");
        // From anyone else the header is ignored.
        assert_eq!(from("192.168.1.30", Some("6.6.6.6")), "192.168.1.30");
    }
}
