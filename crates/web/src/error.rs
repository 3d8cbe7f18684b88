//! The API's one error type. Every failure is JSON
//! `{"error": {"code", "message", "field"}}` with a status a client can act on; internals
//! are logged, never shown.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bangfu_app::AppError;
use bangfu_domain::FieldError;
use serde::Serialize;

/// An API error.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Machine-readable code.
    pub code: String,
    /// Human-readable message.
    pub message: String,
    /// The offending field, when there is one.
    pub field: Option<String>,
    /// Every field error found, for forms that show them all.
    pub details: Vec<FieldError>,
}

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
    /// Human-readable message.
    pub message: String,
    /// The offending field (a JSON path), if any.
    pub field: Option<String>,
    /// All field errors found (validation only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub details: Vec<FieldError>,
}

impl ApiError {
    /// An error without a field.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self { status, code: code.into(), message: message.into(), field: None, details: Vec::new() }
    }

    /// A 400 naming a field of the request.
    pub fn bad_request(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        Self { field: Some(field.into()), ..Self::new(StatusCode::BAD_REQUEST, code, message) }
    }

    /// 404.
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "no such record")
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Invalid(errors) => {
                let first = errors.first().cloned().unwrap_or_else(|| FieldError::new("", "invalid", "invalid input"));
                ApiError {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    code: first.code.to_string(),
                    message: first.to_string(),
                    field: Some(first.field),
                    details: errors,
                }
            }
            AppError::Conflict(f) => ApiError {
                status: StatusCode::CONFLICT,
                code: f.code.to_string(),
                message: f.message.clone(),
                field: (!f.field.is_empty()).then_some(f.field),
                details: Vec::new(),
            },
            AppError::NotFound => ApiError::not_found(),
            AppError::Stale => ApiError::new(
                StatusCode::PRECONDITION_FAILED,
                "stale",
                "the record was changed since you read it; read it again",
            ),
            AppError::PreconditionRequired => ApiError {
                field: Some("If-Match".into()),
                ..ApiError::new(
                    StatusCode::PRECONDITION_REQUIRED,
                    "if_match_required",
                    "send the ETag you read in an If-Match header",
                )
            },
            AppError::Forbidden => ApiError::new(StatusCode::FORBIDDEN, "forbidden", "your role does not allow this"),
            AppError::Unauthenticated => {
                ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "the user name or password is not correct")
            }
            AppError::Locked(which) => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "locked",
                format!("too many failed sign-ins for this {which}; try again in 15 minutes"),
            ),
            AppError::Internal(_) => {
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error; it has been logged")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail { code: self.code, message: self.message, field: self.field, details: self.details },
        };
        (self.status, axum::Json(body)).into_response()
    }
}
