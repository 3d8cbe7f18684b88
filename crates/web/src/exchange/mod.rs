//! Exchange with departments: imports, rosters, verification requests and the joint meeting
//! ([`pages`]), and the API of verification requests ([`api`]).

pub(crate) mod api;
pub(crate) mod pages;

/// The routes of these pages.
pub fn routes() -> crate::Routes {
    pages::routes()
}

/// Matches an uploaded roster (the page's and the API's, the API's under its claimed
/// Idempotency-Key): on a blocking thread with its own wait, as imports — matching a large
/// roster takes seconds. The temporary file is removed when the work ends.
pub(crate) async fn run_roster_upload(
    app: &bangfu_app::App,
    who: bangfu_app::Principal,
    department_id: Option<i64>,
    kind: String,
    name: String,
    file: tempfile::NamedTempFile,
    key: Option<String>,
) -> Result<bangfu_app::exchange::RosterUpload, bangfu_app::AppError> {
    let app = app.clone();
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        handle.block_on(app.upload_roster_keyed(&who, department_id, &kind, &name, file.path(), key.as_deref()))
    })
    .await
    .unwrap_or_else(|e| Err(bangfu_app::AppError::Internal(format!("roster stopped: {e}"))))
}
