//! API of the exchange with departments: verification requests — a department's system polls
//! those addressed to it with a cursor and answers them (with a scanned file), union staff open
//! them and read the answers (issue 22).

use crate::api::{ok, ApiResult};
use crate::auth::Who;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{id, JsonBody, QueryParams};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use bangfu_app::exchange::{AnswerInput, RequestFilter, VerificationInput};
use bangfu_app::AppError;
use bangfu_domain::{Code, FieldError};
use bangfu_store::Verification;
use serde::{Deserialize, Serialize};

/// The most requests one poll returns.
const MAX_POLL: u64 = 500;

/// A poll of verification requests.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct PollQuery {
    /// open (an answer pending, the default), overdue (pending past the due day) or all.
    #[serde(default)]
    status: RequestFilter,
    /// The `next_cursor` of the previous answer; empty or absent: from the first request.
    #[serde(default)]
    since: String,
    /// At most this many (1–500, default 100).
    limit: Option<u64>,
}

/// Requests after a cursor, oldest first, and the cursor to ask with next.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct VerificationPoll {
    /// The requests, oldest first.
    items: Vec<Verification>,
    /// Send as `since` next time: the requests after these (the same cursor when none came).
    #[schema(example = "1042")]
    next_cursor: String,
}

/// A department's answer, with an optional file.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct AnswerBody {
    /// The facts the department confirms (up to 2,000 characters).
    #[schema(example = "经核实，该户自2026年3月起享受城市低保，月保障金额1,260元。")]
    facts: String,
    /// A scanned document or printout: PDF, JPEG or PNG, at most 10 MB (judged by its bytes).
    file: Option<FileBody>,
}

/// A file sent inside JSON.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct FileBody {
    /// Its name, up to 200 characters.
    #[schema(example = "低保核对结果.pdf")]
    name: String,
    /// Its bytes, base64 (standard alphabet, with padding).
    #[schema(example = "JVBERi0xLjQK")]
    content_base64: String,
}

/// The JSON body limit of an answer: a 10 MB file in base64 and its facts.
pub(crate) const ANSWER_BODY_LIMIT: usize = bangfu_app::exchange::MAX_ATTACHMENT / 3 * 4 + 64 * 1024;

#[utoipa::path(get, path = "/api/v1/verifications", tag = "exchange", params(PollQuery),
    description = "Verification requests the caller sees — a department's account: those addressed to its department (with its own answer only); union staff: those about households in their reach — after the cursor `since`, oldest first. Poll with the `next_cursor` of the previous answer: no request is missed or repeated.",
    responses((status = 200, body = VerificationPoll), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn poll_verifications(
    State(s): State<AppState>,
    Who(who): Who,
    QueryParams(q): QueryParams<PollQuery>,
) -> ApiResult {
    let since = match q.since.trim() {
        "" => 0,
        c => c
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| ApiError::from(AppError::invalid(FieldError::new("since", Code::BadCursor))))?,
    };
    let limit = q.limit.unwrap_or(100);
    if !(1..=MAX_POLL).contains(&limit) {
        return Err(
            AppError::invalid(FieldError::new("limit", Code::OutOfRange).with("min", 1).with("max", MAX_POLL)).into()
        );
    }
    let mut items = s.app.verifications(&who, q.status, None, Some((since, limit))).await?;
    let next_cursor = items.last().map_or(since, |v| v.id).to_string();
    items.iter_mut().for_each(|v| for_caller(&who, v));
    ok(VerificationPoll { items, next_cursor })
}

#[utoipa::path(get, path = "/api/v1/verifications/{id}", tag = "exchange", params(("id" = i64, Path)),
    responses((status = 200, body = Verification), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_verification(State(s): State<AppState>, Who(who): Who, Path(vid): Path<String>) -> ApiResult {
    let mut v = s.app.verification(&who, id(&vid)?).await?;
    for_caller(&who, &mut v);
    ok(v)
}

/// The head's resident ID in full for the department asked (it looks the person up by it),
/// masked for union staff, who see it whole through the audited reveal like any ID of a file.
fn for_caller(who: &bangfu_app::Principal, v: &mut Verification) {
    if who.role != bangfu_domain::Role::Liaison {
        v.head_id_number = bangfu_domain::id_number::mask(&v.head_id_number);
    }
}

#[utoipa::path(post, path = "/api/v1/households/{id}/verifications", tag = "exchange", params(("id" = i64, Path)),
    description = "Union staff ask member departments to verify a household's situation; due in five working days unless `due_on` says otherwise.",
    request_body = VerificationInput,
    responses((status = 201, body = Verification), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn open_verification(
    State(s): State<AppState>,
    Who(who): Who,
    Path(hid): Path<String>,
    JsonBody(input): JsonBody<VerificationInput>,
) -> ApiResult {
    let mut v = s.app.request_verification(&who, id(&hid)?, &input).await?;
    for_caller(&who, &mut v);
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

#[utoipa::path(post, path = "/api/v1/verifications/{id}/answer", tag = "exchange", params(("id" = i64, Path)),
    description = "A department's account answers a request addressed to it, once; the answer and its file go on the household's timeline.",
    request_body = AnswerBody,
    responses((status = 200, body = Verification), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn answer_verification(
    State(s): State<AppState>,
    Who(who): Who,
    Path(vid): Path<String>,
    JsonBody(body): JsonBody<AnswerBody>,
) -> ApiResult {
    use base64::Engine;
    let vid = id(&vid)?;
    let file = match &body.file {
        Some(f) => Some((
            f.name.as_str(),
            base64::engine::general_purpose::STANDARD.decode(f.content_base64.trim()).map_err(|_| {
                ApiError::from(AppError::invalid(FieldError::new("file.content_base64", Code::NotBase64)))
            })?,
        )),
        None => None,
    };
    let input = AnswerInput { facts: body.facts };
    let mut v = s.app.answer_verification(&who, vid, &input, file.as_ref().map(|(n, b)| (*n, b.as_slice()))).await?;
    for_caller(&who, &mut v);
    ok(v)
}

/// Where a roster is uploaded from, and what it is.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct RosterQuery {
    /// What the roster lists: dibao, tekun, employment, insurance, medical_aid, other.
    #[param(example = "dibao")]
    kind: String,
    /// The department it comes from; a department's own account may leave it out.
    department_id: Option<i64>,
    /// The file's name as the department calls it (its type comes from Content-Type).
    #[serde(default)]
    name: String,
}

/// A roster written, and how its rows matched.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub(crate) struct RosterUploaded {
    /// The roster.
    roster_id: i64,
    /// Rows read.
    rows: u64,
    /// Rows matched to a household in the uploader's reach (0 for an account that reads no
    /// household: whether a person is on file is not for it to learn).
    matched: u64,
}

/// A page of a roster's rows.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct RosterRows {
    /// The roster.
    roster: bangfu_store::Roster,
    /// Its rows, in file order (resident IDs masked).
    rows: Vec<bangfu_store::RosterRow>,
    /// Rows in all (matched or not, as asked).
    total: i64,
}

/// Which rows of a roster to read.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct RowsQuery {
    /// true: matched rows only; false: unmatched only; absent: all.
    matched: Option<bool>,
    /// Rows to skip (default 0).
    #[serde(default)]
    offset: u32,
    /// At most this many (1–1000, default 200).
    limit: Option<u32>,
}

/// The longest Idempotency-Key kept.
const MAX_KEY: usize = 255;

#[utoipa::path(post, path = "/api/v1/rosters", tag = "exchange", params(RosterQuery,
        ("Idempotency-Key" = Option<String>, Header, description = "Sent again with the same request, the roster is written once and the same answer comes back (header Idempotent-Replayed: true).")),
    description = "A department's roster (.csv or .xlsx with the columns of the roster page's template: 身份证号, 姓名, 起始日期, 备注) as the body, Content-Type text/csv or application/vnd.openxmlformats-officedocument.spreadsheetml.sheet. All or nothing: a roster with any bad row writes nothing and every bad row is named (field `rows[N].column`). Matches wait for union staff to accept or reject them.",
    request_body(content = Vec<u8>, content_type = "text/csv"),
    responses((status = 201, body = RosterUploaded), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn upload_roster(
    State(s): State<AppState>,
    Who(who): Who,
    QueryParams(q): QueryParams<RosterQuery>,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> ApiResult {
    use axum::http::header::CONTENT_TYPE;
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let ext = if content_type.starts_with("text/csv") {
        "csv"
    } else if content_type.starts_with("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet") {
        "xlsx"
    } else {
        let mut e = ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, Code::UnsupportedMediaType);
        e.0.field = Some("Content-Type".into());
        return Err(e);
    };
    let key = match headers.get("idempotency-key") {
        None => None,
        Some(v) => Some(
            v.to_str()
                .ok()
                .filter(|k| !k.is_empty() && k.len() <= MAX_KEY && k.bytes().all(|b| b.is_ascii_graphic()))
                .ok_or_else(|| {
                    ApiError::from(AppError::invalid(FieldError::new("Idempotency-Key", Code::BadIdempotencyKey)))
                })?
                .to_string(),
        ),
    };
    if !who.can(bangfu_domain::Permission::UploadRosters) {
        return Err(AppError::Forbidden.into());
    }
    let file = crate::upload::receive(&headers, body, bangfu_app::import::MAX_BYTES).await?;
    let name = match q.name.trim() {
        "" => format!("roster.{ext}"),
        n if n.to_lowercase().ends_with(&format!(".{ext}")) => n.to_string(),
        n => format!("{n}.{ext}"),
    };
    if let Some(k) = &key {
        let digest = request_digest(&q, &name, file.path())?;
        match s.app.store.claim_idempotency(who.user_id, k, &digest).await.map_err(AppError::from)? {
            bangfu_store::Claim::New => {}
            bangfu_store::Claim::Replay { status, body } => {
                let status = StatusCode::from_u16(status).unwrap_or(StatusCode::CREATED);
                let mut r = (status, [(CONTENT_TYPE, "application/json")], body).into_response();
                r.headers_mut().insert("idempotent-replayed", axum::http::HeaderValue::from_static("true"));
                return Ok(r);
            }
            bangfu_store::Claim::Mismatch => {
                return Err(AppError::invalid(FieldError::new("Idempotency-Key", Code::IdempotencyKeyReused)).into())
            }
            bangfu_store::Claim::InProgress => {
                return Err(AppError::Conflict(FieldError::new("Idempotency-Key", Code::IdempotencyInProgress)).into())
            }
        }
    }
    let result = super::run_roster_upload(&s.app, who.clone(), q.department_id, q.kind.clone(), name, file).await;
    let answer = match result {
        Ok(u) => match u.roster_id {
            Some(roster_id) => Ok(RosterUploaded { roster_id, rows: u.rows, matched: u.matched }),
            None => Err(AppError::Invalid(
                u.errors
                    .into_iter()
                    .take(1000)
                    .map(|e| FieldError {
                        field: format!("rows[{}].{}", e.row, if e.column.is_empty() { "row" } else { &e.column }),
                        code: e.code,
                        params: e.params,
                    })
                    .collect(),
            )),
        },
        Err(e) => Err(e),
    };
    match (answer, &key) {
        (Ok(done), Some(k)) => {
            let body = serde_json::to_string(&done).map_err(|e| AppError::Internal(e.to_string()))?;
            s.app
                .store
                .finish_idempotency(who.user_id, k, StatusCode::CREATED.as_u16(), &body)
                .await
                .map_err(AppError::from)?;
            Ok((StatusCode::CREATED, [(CONTENT_TYPE, "application/json")], body).into_response())
        }
        (Ok(done), None) => Ok((StatusCode::CREATED, Json(done)).into_response()),
        (Err(e), key) => {
            // Nothing was written: the key is given up, and the same request may come again.
            if let Some(k) = key {
                s.app.store.release_idempotency(who.user_id, k).await.map_err(AppError::from)?;
            }
            Err(e.into())
        }
    }
}

/// SHA-256 of what makes a roster request the same request: its parameters and its bytes.
fn request_digest(q: &RosterQuery, name: &str, path: &std::path::Path) -> Result<String, ApiError> {
    use sha2::Digest;
    use std::io::Read;
    let mut h = sha2::Sha256::new();
    h.update(format!("{}\n{:?}\n{name}\n", q.kind, q.department_id).as_bytes());
    let mut f = std::fs::File::open(path).map_err(|e| AppError::Internal(format!("upload not read: {e}")))?;
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = f.read(&mut buf).map_err(|e| AppError::Internal(format!("upload not read: {e}")))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

#[utoipa::path(get, path = "/api/v1/rosters", tag = "exchange",
    description = "Rosters the caller may open, newest first: a department's account, its department's; union staff, those in their reach.",
    responses((status = 200, body = Vec<bangfu_store::Roster>), (status = 403, body = ErrorBody)))]
pub(crate) async fn list_rosters(State(s): State<AppState>, Who(who): Who) -> ApiResult {
    ok(s.app.rosters(&who).await?)
}

#[utoipa::path(get, path = "/api/v1/rosters/{id}", tag = "exchange", params(("id" = i64, Path), RowsQuery),
    responses((status = 200, body = RosterRows), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn get_roster(
    State(s): State<AppState>,
    Who(who): Who,
    Path(rid): Path<String>,
    QueryParams(q): QueryParams<RowsQuery>,
) -> ApiResult {
    let limit = q.limit.unwrap_or(200);
    if !(1..=1000).contains(&limit) {
        return Err(
            AppError::invalid(FieldError::new("limit", Code::OutOfRange).with("min", 1).with("max", 1000)).into()
        );
    }
    let (roster, rows, total) = s.app.roster(&who, id(&rid)?, q.matched, i64::from(q.offset), i64::from(limit)).await?;
    ok(RosterRows { roster, rows, total })
}

#[utoipa::path(post, path = "/api/v1/roster-rows/{id}/decision", tag = "exchange", params(("id" = i64, Path)),
    description = "Union staff accept a matched row's suggestion (a new 低保/特困 enrolment proposes an exit via social assistance, approved like any other) or reject it.",
    request_body = bangfu_app::exchange::RowDecision,
    responses((status = 200, body = bangfu_store::RosterRow), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn decide_roster_row(
    State(s): State<AppState>,
    Who(who): Who,
    Path(rid): Path<String>,
    JsonBody(d): JsonBody<bangfu_app::exchange::RowDecision>,
) -> ApiResult {
    let mut row = s.app.decide_roster_row(&who, id(&rid)?, d.accept).await?;
    row.id_number = bangfu_domain::id_number::mask(&row.id_number);
    ok(row)
}
