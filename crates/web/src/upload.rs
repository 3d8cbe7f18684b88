//! Files sent as a request body (imports, rosters): received into a temporary file as they
//! arrive, counted against the limit before more is read, so an upload of any size holds a
//! buffer of memory, not the file; and the work on them stops when the sender goes away.

use axum::body::Body;
use axum::http::HeaderMap;
use bangfu_app::AppError;
use bangfu_domain::{Code, FieldError};
use http_body_util::BodyExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::io::AsyncWriteExt;

/// The body written to a temporary file (readable by this user only, removed when dropped); a
/// declared or actual size above `max` is refused before the rest is read.
pub(crate) async fn receive(headers: &HeaderMap, body: Body, max: usize) -> Result<tempfile::NamedTempFile, AppError> {
    let too_large = || AppError::invalid(FieldError::new("file", Code::FileTooLarge).with("max", max >> 20));
    let declared = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(too_large());
    }
    let file = tempfile::Builder::new()
        .prefix("bangfu-upload-")
        .tempfile()
        .map_err(|e| AppError::Internal(format!("no temporary file for the upload: {e}")))?;
    let std_file = file.reopen().map_err(|e| AppError::Internal(format!("upload not stored: {e}")))?;
    let mut out = tokio::io::BufWriter::with_capacity(256 * 1024, tokio::fs::File::from_std(std_file));
    let mut body = body;
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| AppError::invalid(FieldError::new("file", Code::UploadBroken)))?;
        let Ok(chunk) = frame.into_data() else { continue };
        seen += chunk.len();
        if seen > max {
            return Err(too_large());
        }
        out.write_all(&chunk).await.map_err(|e| AppError::Internal(format!("upload not stored: {e}")))?;
    }
    out.flush().await.map_err(|e| AppError::Internal(format!("upload not stored: {e}")))?;
    Ok(file)
}

/// Set when dropped: a handler holds one while work it started runs elsewhere (a blocking
/// thread); if the client goes away the server drops the handler, and the work sees the flag.
pub(crate) struct CancelOnDrop(pub(crate) Arc<AtomicBool>);

impl CancelOnDrop {
    pub(crate) fn new() -> Self {
        Self(Arc::new(AtomicBool::new(false)))
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}
