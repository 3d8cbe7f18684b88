//! Use-case errors: each maps to one HTTP status and one page message.

use bangfu_domain::FieldError;
use bangfu_store::StoreError;

/// What a use case can answer besides success.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The input is malformed or breaks a rule; every field error found is listed.
    #[error("invalid input: {}", .0.first().map(|e| e.to_string()).unwrap_or_default())]
    Invalid(Vec<FieldError>),
    /// The input conflicts with stored data (a resident ID already on file, a duplicate month …).
    #[error("conflict: {0}")]
    Conflict(FieldError),
    /// No such record.
    #[error("not found")]
    NotFound,
    /// The record changed since the caller read it (If-Match did not match).
    #[error("the record was changed since it was read")]
    Stale,
    /// An update came without If-Match.
    #[error("If-Match is required")]
    PreconditionRequired,
    /// The user's role does not allow this.
    #[error("your role does not allow this")]
    Forbidden,
    /// Not signed in, or the name and password do not match.
    #[error("not signed in")]
    Unauthenticated,
    /// Too many failed sign-ins; the text says until when.
    #[error("sign-in locked: {0}")]
    Locked(String),
    /// A fault of ours (database down, corrupt data). Details are logged, not shown.
    #[error("internal error")]
    Internal(String),
}

impl AppError {
    /// One invalid field.
    pub fn invalid(e: FieldError) -> Self {
        AppError::Invalid(vec![e])
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Stale => AppError::Stale,
            StoreError::Conflict(f) => AppError::Conflict(f),
            other => {
                tracing::error!(error = %other, "store failure");
                AppError::Internal(other.to_string())
            }
        }
    }
}
