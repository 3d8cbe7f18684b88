//! A client for in-process requests against the router.

#![allow(dead_code)]

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

/// A response: status, ETag and parsed body (JSON, or the text wrapped in a string).
pub struct Res {
    pub status: StatusCode,
    pub etag: Option<String>,
    pub body: Value,
    pub text: String,
    pub raw: Vec<u8>,
    pub headers: axum::http::HeaderMap,
}

impl Res {
    /// The `error.field` of an error body.
    pub fn field(&self) -> &str {
        self.body["error"]["field"].as_str().unwrap_or("")
    }

    /// The `error.code` of an error body.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

/// Sends one request (a JSON body, if any).
pub async fn call(router: &Router, method: Method, uri: &str, body: Option<&str>, headers: &[(&str, &str)]) -> Res {
    let body = body.map(|b| ("application/json", b.as_bytes().to_vec()));
    send(router, method, uri, body, headers).await
}

/// Sends one request with a body of its own type (a roster's .csv, say).
pub async fn call_raw(r: &Router, uri: &str, content_type: &str, body: String, headers: &[(&str, &str)]) -> Res {
    send(r, Method::POST, uri, Some((content_type, body.into_bytes())), headers).await
}

async fn send(
    router: &Router,
    method: Method,
    uri: &str,
    body: Option<(&str, Vec<u8>)>,
    headers: &[(&str, &str)],
) -> Res {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some((content_type, _)) = &body {
        req = req.header(header::CONTENT_TYPE, *content_type);
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req.body(body.map(|(_, b)| Body::from(b)).unwrap_or_else(Body::empty)).unwrap();
    let res = router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let etag = res.headers().get(header::ETAG).map(|v| v.to_str().unwrap().to_string());
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&bytes).to_string();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::String(text.clone()));
    Res { status, etag, body, text, raw: bytes.to_vec(), headers }
}

pub async fn get(r: &Router, uri: &str) -> Res {
    call(r, Method::GET, uri, None, &[]).await
}

pub async fn post(r: &Router, uri: &str, body: &Value) -> Res {
    call(r, Method::POST, uri, Some(&body.to_string()), &[]).await
}

/// Builds a valid resident ID from 17 digits.
pub fn id_with_check(first17: &str) -> String {
    format!("{first17}{}", bangfu_domain::IdNumber::check_char(first17.as_bytes()) as char)
}

/// An API token for a user created (or reset) with this role and scope.
pub async fn token_for(
    app: &bangfu_app::App,
    name: &str,
    role: &str,
    region: Option<&str>,
    org: Option<i64>,
) -> String {
    let u = app
        .ensure_user(&bangfu_app::users::UserInput {
            name: name.into(),
            display_name: name.into(),
            role: role.into(),
            region_code: region.map(str::to_string),
            org_id: org,
            disabled: false,
            // A department system's account has no password.
            password: (role != "department_system").then(|| "a test password".into()),
        })
        .await
        .unwrap();
    app.create_token(&bangfu_app::Principal::system(), u.id, "tests").await.unwrap().secret
}

/// The router, every request sent with `Authorization: Bearer token`.
pub fn with_token(r: Router, token: &str) -> Router {
    let v = header::HeaderValue::from_str(&format!("Bearer {token}")).unwrap();
    r.layer(axum::middleware::map_request(move |mut req: Request<Body>| {
        let v = v.clone();
        async move {
            req.headers_mut().insert(header::AUTHORIZATION, v);
            req
        }
    }))
}

/// The router as a city staff member of Wuzhou (every household of the demo city).
pub async fn as_city_staff(app: &bangfu_app::App) -> Router {
    let token = token_for(app, "city-tester", "city_staff", Some("450400"), None).await;
    with_token(bangfu_web::router(app.clone()), &token)
}

/// Everything logged by the process (every level, every target) from the first call on.
pub fn capture_logs() -> std::sync::Arc<std::sync::Mutex<Vec<u8>>> {
    use std::sync::{Arc, Mutex, OnceLock};
    static BUF: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    BUF.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let w = buf.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || LogWriter(w.clone()))
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        buf
    })
    .clone()
}

struct LogWriter(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Asserts the captured log holds nothing shaped like a resident ID (18 digits, or 17 and an X;
/// valid or not) and none of
/// `secrets`; and that it is not empty (the capture worked).
pub fn assert_logs_clean(buf: &std::sync::Arc<std::sync::Mutex<Vec<u8>>>, secrets: &[&str]) {
    let text = String::from_utf8_lossy(&buf.lock().unwrap()).to_string();
    assert!(text.contains("request"), "nothing was captured from the server's log");
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_ascii_alphanumeric()) {
            let mut j = i;
            while j < chars.len() && chars[j].is_ascii_digit() {
                j += 1;
            }
            let run: String = chars[i..j.min(chars.len())].iter().collect();
            let id_like = (j - i == 18) || (j - i == 17 && j < chars.len() && matches!(chars[j], 'X' | 'x'));
            if id_like {
                let at = text.find(&run).unwrap_or(0);
                panic!("a resident ID is in the log: …{}…", &text[at.saturating_sub(200)..(at + 40).min(text.len())]);
            }
            i = j;
        } else {
            i += 1;
        }
    }
    for s in secrets {
        assert!(!text.contains(s), "the secret {s:?} is in the log");
    }
}

/// Words of Latin letters a Chinese page may show: names of things that are written so in
/// Chinese too (Excel, API…), units and formats, and the cryptographic modes named with the
/// national algorithms (SM4-GCM, HMAC-SM3).
pub const ALLOWED_LATIN: &[&str] = &[
    "Excel", "API", "ID", "ETag", "ECharts", "PDF", "JPEG", "PNG", "CSV", "csv", "xlsx", "GBK", "UTF", "GB", "MB",
    "English", "No", "GCM", "HMAC",
];

/// What must not reach a Chinese page's visible text: stored UTC times shown as they are
/// (`2026-12-04T16:39`), `snake_case` codes, and words of Latin letters (English) other than
/// `allowed` and [`ALLOWED_LATIN`].
pub fn foreign_text(text: &str, allowed: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    for i in 0..b.len().saturating_sub(15) {
        let w = &b[i..i + 16];
        if w[4] == b'-'
            && w[7] == b'-'
            && w[10] == b'T'
            && w[13] == b':'
            && [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15].iter().all(|j| w[*j].is_ascii_digit())
        {
            out.push(format!("an ISO timestamp {:?}", String::from_utf8_lossy(w)));
        }
    }
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).filter(|w| !w.is_empty()) {
        if word.contains('_') && word.chars().any(|c| c.is_ascii_lowercase()) {
            out.push(format!("a code {word:?}"));
        } else if word.len() >= 2
            && word.chars().all(|c| c.is_ascii_alphabetic())
            && !ALLOWED_LATIN.contains(&word)
            && !allowed.contains(&word)
        {
            out.push(format!("an English word {word:?}"));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The text a person sees of an HTML page: no scripts, styles or tags; entities decoded.
pub fn visible_text(html: &str) -> String {
    let mut s = html.to_string();
    for (open, close) in [("<script", "</script>"), ("<style", "</style>"), ("<head", "</head>")] {
        while let Some(a) = s.find(open) {
            match s[a..].find(close) {
                Some(b) => s.replace_range(a..a + b + close.len(), " "),
                None => break,
            }
        }
    }
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
}
