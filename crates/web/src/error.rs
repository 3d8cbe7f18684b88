//! # The error and message policy
//!
//! Read this before adding a page or an endpoint.
//!
//! 1. **An error carries a code and its parameters, never a sentence.** Validation failures are
//!    [`FieldError`]s (field, [`Code`], parameters); everything else that can go wrong has a
//!    [`Code`] too (`not_found`, `stale`, `forbidden`…). The words come from one catalogue,
//!    `bangfu_domain::message`, in the reader's language ([`Lang`]: `?lang=`, the `lang` cookie,
//!    `Accept-Language`, else Chinese).
//! 2. **One mapping from a failure to a status**: [`describe`] turns an [`AppError`] into the
//!    status, the code and every field error. The API's JSON, the error page and a form shown
//!    again all go through it, so they cannot disagree.
//! 3. **API handlers return `Result<_, ApiError>`.** The error leaves its [`Failure`] in the
//!    response; the [`render`] middleware writes the body `{"error": {"code", "message",
//!    "field", "details"}}` in the request's language.
//! 4. **A page shows a failure in place.** A form whose input is refused is rendered again by
//!    its own handler at the same URL, every typed value kept and each message beside its field
//!    (`page::FormState`), with the status of step 2 (422, 409, 412). Anything else (404, 403, 500)
//!    is the error page in the user's language, inside the usual layout (`Ctx::error`).
//! 5. **No raw database text reaches a user**: the store maps constraint violations to field
//!    errors (`StoreError::Conflict`); other database failures are logged and shown as
//!    `internal` ("系统内部错误，已记录").

use crate::i18n::Lang;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bangfu_app::AppError;
use bangfu_domain::{Code, FieldError, Param};
use serde::Serialize;

/// A failure described: status, code, parameters, field and every field error.
#[derive(Debug, Clone)]
pub struct Failure {
    /// HTTP status.
    pub status: StatusCode,
    /// What went wrong.
    pub code: Code,
    /// The code's parameters.
    pub params: Vec<(&'static str, Param)>,
    /// The offending field, when there is one.
    pub field: Option<String>,
    /// Every field error found (validation).
    pub details: Vec<FieldError>,
}

impl Failure {
    /// The message in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        self.code.message(lang.zh(), &self.params)
    }

    /// The JSON body in `lang`.
    pub fn body(&self, lang: Lang) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.code().to_string(),
                message: self.message(lang),
                field: self.field.clone(),
                details: self
                    .details
                    .iter()
                    .map(|d| FieldMessage {
                        field: d.field.clone(),
                        code: d.code.code().to_string(),
                        message: d.message(lang.zh()),
                    })
                    .collect(),
            },
        }
    }
}

/// An error of the API (and of the page scripts that read JSON).
#[derive(Debug, Clone)]
pub struct ApiError(pub Failure);

/// The error body.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Machine-readable code, e.g. `invalid_check_digit`, `not_found`, `stale`.
    pub code: String,
    /// The message, in the request's language (Chinese unless `Accept-Language`, `?lang=en` or
    /// the `lang` cookie asks for English).
    pub message: String,
    /// The offending field (a JSON path), if any.
    pub field: Option<String>,
    /// All field errors found (validation only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub details: Vec<FieldMessage>,
}

/// One field's error.
#[derive(Serialize, utoipa::ToSchema)]
pub struct FieldMessage {
    /// The field (a JSON path such as `members[2].id_number`).
    pub field: String,
    /// Machine-readable code.
    pub code: String,
    /// The message in the request's language.
    pub message: String,
}

impl ApiError {
    /// An error without a field.
    pub fn new(status: StatusCode, code: Code) -> Self {
        ApiError(Failure { status, code, params: Vec::new(), field: None, details: Vec::new() })
    }

    /// A 400 naming a field of the request.
    pub fn bad_request(field: impl Into<String>, code: Code) -> Self {
        let mut e = Self::new(StatusCode::BAD_REQUEST, code);
        e.0.field = Some(field.into());
        e
    }

    /// A 400 from a field error.
    pub fn field(f: FieldError) -> Self {
        ApiError(Failure {
            status: StatusCode::BAD_REQUEST,
            code: f.code,
            params: f.params.clone(),
            field: Some(f.field.clone()),
            details: Vec::new(),
        })
    }

    /// The same error with a parameter.
    #[must_use]
    pub fn with(mut self, name: &'static str, value: impl std::fmt::Display) -> Self {
        self.0.params.push((name, Param::Text(value.to_string())));
        self
    }

    /// 404.
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, Code::NotFound)
    }
}

/// The status, code and field errors of an application failure: the one mapping.
pub fn describe(e: &AppError) -> Failure {
    let plain = |status, code| Failure { status, code, params: Vec::new(), field: None, details: Vec::new() };
    match e {
        AppError::Invalid(errors) => match errors.first() {
            Some(first) => Failure {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code: first.code,
                params: first.params.clone(),
                field: Some(first.field.clone()),
                details: errors.clone(),
            },
            None => plain(StatusCode::UNPROCESSABLE_ENTITY, Code::Required),
        },
        AppError::Conflict(f) => Failure {
            status: StatusCode::CONFLICT,
            code: f.code,
            params: f.params.clone(),
            field: (!f.field.is_empty()).then(|| f.field.clone()),
            details: Vec::new(),
        },
        AppError::NotFound => plain(StatusCode::NOT_FOUND, Code::NotFound),
        AppError::Stale => plain(StatusCode::PRECONDITION_FAILED, Code::Stale),
        AppError::PreconditionRequired => Failure {
            field: Some("If-Match".into()),
            ..plain(StatusCode::PRECONDITION_REQUIRED, Code::IfMatchRequired)
        },
        AppError::Forbidden => plain(StatusCode::FORBIDDEN, Code::Forbidden),
        AppError::Unauthenticated => plain(StatusCode::UNAUTHORIZED, Code::Unauthenticated),
        AppError::Locked(which) => plain(
            StatusCode::TOO_MANY_REQUESTS,
            match which.as_str() {
                "account" => Code::LockedAccount,
                "misses" => Code::TooManyMisses,
                _ => Code::LockedAddress,
            },
        ),
        AppError::Internal(_) => plain(StatusCode::INTERNAL_SERVER_ERROR, Code::Internal),
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(describe(&e))
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        ApiError::field(e)
    }
}

/// The status alone; the [`render`] middleware writes the body in the request's language (an
/// English body stands in should a response ever bypass it).
impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (self.0.status, axum::Json(self.0.body(Lang::En))).into_response();
        r.extensions_mut().insert(self.0);
        r
    }
}

/// Writes the body of every [`ApiError`] in the language of the request it answers.
pub async fn render(req: Request, next: Next) -> Response {
    let lang = Lang::of_request(&req);
    let mut r = next.run(req).await;
    if let Some(f) = r.extensions_mut().remove::<Failure>() {
        let mut fresh = (f.status, axum::Json(f.body(lang))).into_response();
        for (k, v) in r.headers() {
            if k != axum::http::header::CONTENT_TYPE && k != axum::http::header::CONTENT_LENGTH {
                fresh.headers_mut().insert(k.clone(), v.clone());
            }
        }
        return fresh;
    }
    r
}
