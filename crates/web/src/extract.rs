//! Request extractors whose failures are [`ApiError`]s naming the field.

use crate::error::ApiError;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use bangfu_domain::Code;
use serde::de::DeserializeOwned;

/// Largest JSON body accepted (a year of months for many households fits easily).
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// A JSON body; a type error names its path (`months[3].members`).
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        if !ct.starts_with("application/json") {
            let mut e = ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, Code::UnsupportedMediaType);
            e.0.field = Some("Content-Type".into());
            return Err(e);
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, Code::BodyTooLarge).with("max", BODY_LIMIT))?;
        let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&bytes);
        let mut value: serde_json::Value = serde_json::from_slice(bytes)
            .map_err(|e| ApiError::bad_request("body", Code::MalformedJson).with("detail", e))?;
        integral_floats_to_integers(&mut value);
        match serde_path_to_error::deserialize(value) {
            Ok(v) => Ok(JsonBody(v)),
            Err(e) => {
                let path = e.path().to_string();
                let inner = e.into_inner();
                let field = if path == "." { "body".to_string() } else { path };
                let code = if inner.is_syntax() || inner.is_eof() { Code::MalformedJson } else { Code::WrongType };
                Err(ApiError::bad_request(field, code).with("detail", inner))
            }
        }
    }
}

/// JSON Schema counts `3.0` as an integer (only the value matters), and the OpenAPI document is
/// JSON Schema: a whole number written with a fraction is taken as that integer.
fn integral_floats_to_integers(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Number(n) if !n.is_i64() && !n.is_u64() => {
            if let Some(f) = n.as_f64() {
                // Strictly inside i64's range: 2^63 itself is an f64 but no i64.
                if f.fract() == 0.0 && f > -9.2e18 && f < 9.2e18 {
                    *v = serde_json::Value::from(f as i64);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(integral_floats_to_integers),
        serde_json::Value::Object(fields) => fields.values_mut().for_each(integral_floats_to_integers),
        _ => {}
    }
}

/// Query parameters; a malformed query string is a 400.
pub struct QueryParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let q = parts.uri.query().unwrap_or("");
        serde_urlencoded::from_str(q)
            .map(QueryParams)
            .map_err(|e| ApiError::bad_request("query", Code::BadQuery).with("detail", e))
    }
}

/// The version named by `If-Match` (`"7"` or `W/"7"`), if the header is present.
/// A value that is no ETag of ours can never match, so it is answered 412.
pub struct IfMatch(pub Option<i64>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let Some(v) = parts.headers.get(header::IF_MATCH) else { return Ok(IfMatch(None)) };
        let s = v.to_str().unwrap_or("").trim();
        let s = s.strip_prefix("W/").unwrap_or(s);
        match s.strip_prefix('"').and_then(|s| s.strip_suffix('"')).and_then(|s| s.parse::<i64>().ok()) {
            Some(n) => Ok(IfMatch(Some(n))),
            None => Err(ApiError::new(StatusCode::PRECONDITION_FAILED, Code::Stale)),
        }
    }
}

/// A path id; anything that is not a positive integer is a 404 (no such record).
pub fn id(s: &str) -> Result<i64, ApiError> {
    s.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(ApiError::not_found)
}

/// The ETag of a version.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// Path parameters of a page: anything that does not parse (an id that is no positive number)
/// is the page's own "no such record" in the reader's language, not axum's plain-text 400.
pub struct PagePath<T>(pub T);

impl<T: DeserializeOwned + Send + PagePathCheck> FromRequestParts<crate::AppState> for PagePath<T> {
    type Rejection = axum::response::Response;

    async fn from_request_parts(parts: &mut Parts, state: &crate::AppState) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) if v.valid() => Ok(PagePath(v)),
            _ => {
                let crate::auth::Who(who) = crate::auth::Who::from_request_parts(parts, state).await?;
                let ctx = crate::page::Ctx::new(parts.uri.query(), &parts.headers, who);
                Err(ctx.error(bangfu_app::AppError::NotFound))
            }
        }
    }
}

/// `/…/{id}`: one record's page.
#[derive(serde::Deserialize)]
pub(crate) struct IdPath {
    pub(crate) id: i64,
}

impl PagePathCheck for IdPath {
    fn valid(&self) -> bool {
        self.id > 0
    }
}

/// Whether path parameters name a record at all (ids are positive).
pub trait PagePathCheck {
    /// True when every id is positive.
    fn valid(&self) -> bool;
}
