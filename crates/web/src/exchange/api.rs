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
    if !who.role.speaks_for_department() {
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

/// A roster as JSON rows (the body is read as a stream, one row at a time, by
/// `bangfu_app::import::roster_json_to_csv`; these types describe it in the OpenAPI document).
#[derive(utoipa::ToSchema)]
#[allow(dead_code, reason = "describes the body in the OpenAPI document; the body is streamed, not built")]
pub(crate) struct RosterJson {
    /// The rows, in order; an error names a row by its index from 0.
    rows: Vec<RosterJsonRow>,
}

/// A row of a roster as JSON: the roster template's columns.
#[derive(utoipa::ToSchema)]
#[allow(dead_code, reason = "describes the body in the OpenAPI document; the body is streamed, not built")]
pub(crate) struct RosterJsonRow {
    /// 身份证号 (18 characters, checked).
    id_number: String,
    /// 姓名.
    name: Option<String>,
    /// 起始日期: YYYY-MM-DD or YYYY-MM.
    since: Option<String>,
    /// 备注.
    note: Option<String>,
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
    description = "A department's roster as the body: a file (.csv or .xlsx with the columns of the roster page's template: 身份证号, 姓名, 起始日期, 备注; Content-Type text/csv or application/vnd.openxmlformats-officedocument.spreadsheetml.sheet), or JSON rows (Content-Type application/json, `{\"rows\": [{\"id_number\", \"name\", \"since\", \"note\"}]}`). All or nothing: a roster with any bad row writes nothing and every bad row is named (field `rows[N].列名` for a file, N its row in the sheet; `rows[i].field` for JSON, i from 0). Matches wait for union staff to accept or reject them.",
    request_body(content(
        (Vec<u8> = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (RosterJson = "application/json", example = json!({"rows": [{"id_number": "450403198001011234", "name": "张三", "since": "2026-11", "note": "新增低保"}]}))
    )),
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
    } else if content_type.starts_with("application/json") {
        "json"
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
    // JSON rows are read as the .csv they are turned into: the roster keeps the name that says
    // both (`名单.json.csv`).
    let name = if ext == "json" { format!("{name}.csv") } else { name };
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
    let json = ext == "json";
    let result = match if json { json_rows(file).await } else { Ok(file) } {
        Ok(file) => {
            super::run_roster_upload(&s.app, who.clone(), q.department_id, q.kind.clone(), name, file, key.clone())
                .await
        }
        Err(e) => Err(e),
    };
    let answer = match result {
        Ok(u) if u.roster_id.is_some() => Ok(bangfu_app::exchange::roster_answer(&u)),
        Ok(u) => Err(AppError::Invalid(u.errors.into_iter().take(1000).map(|e| row_error(e, json)).collect())),
        Err(e) => Err(e),
    };
    match answer {
        // The answer was kept with the key in the roster's own transaction.
        Ok(body) => Ok((StatusCode::CREATED, [(CONTENT_TYPE, "application/json")], body).into_response()),
        Err(e) => {
            // Nothing was written: the key is given up, and the same request may come again.
            if let Some(k) = &key {
                s.app.store.release_idempotency(who.user_id, k).await.map_err(AppError::from)?;
            }
            Err(e.into())
        }
    }
}

/// JSON rows received into `file` as the roster's .csv, converted on a blocking thread.
async fn json_rows(file: tempfile::NamedTempFile) -> Result<tempfile::NamedTempFile, AppError> {
    tokio::task::spawn_blocking(move || {
        let csv = tempfile::Builder::new()
            .prefix("bangfu-roster-")
            .tempfile()
            .map_err(|e| AppError::Internal(format!("no temporary file for the roster: {e}")))?;
        bangfu_app::import::roster_json_to_csv(file.path(), csv.path())?;
        Ok(csv)
    })
    .await
    .unwrap_or_else(|e| Err(AppError::Internal(format!("roster stopped: {e}"))))
}

/// A bad row of a roster as a field of the error: `rows[N].列名` for a file (N its row in the
/// sheet, the header being row 1), `rows[i].field` for JSON rows (i from 0, the field's name).
fn row_error(e: bangfu_app::import::RowError, json: bool) -> FieldError {
    let field = if json {
        let column = bangfu_app::import::Kind::Roster
            .columns()
            .iter()
            .find(|c| c.1 == e.column)
            .map_or(if e.column.is_empty() { "row" } else { e.column.as_str() }, |c| c.0);
        format!("rows[{}].{column}", e.row.saturating_sub(2))
    } else {
        format!("rows[{}].{}", e.row, if e.column.is_empty() { "row" } else { &e.column })
    };
    FieldError { field, code: e.code, params: e.params }
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

/// Which supervised tasks a list shows.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct TasksQuery {
    /// open (not done, the default) or all.
    #[serde(default)]
    status: TaskFilter,
    /// true: only those led by the caller's own department (a liaison or a department's system).
    #[serde(default)]
    mine: bool,
}

/// Which supervised tasks: those not done, or all.
#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum TaskFilter {
    /// Not done.
    #[default]
    Open,
    /// All.
    All,
}

#[utoipa::path(get, path = "/api/v1/joint-meeting/members", tag = "exchange",
    description = "The joint meeting's member units (成员单位), in order; `organisation_id` links a unit to its department in the registry.",
    responses((status = 200, body = Vec<bangfu_store::JointMember>), (status = 403, body = ErrorBody)))]
pub(crate) async fn joint_members(State(s): State<AppState>, Who(who): Who) -> ApiResult {
    ok(s.app.joint_members(&who).await?)
}

#[utoipa::path(get, path = "/api/v1/joint-meeting/meetings", tag = "exchange",
    description = "Meetings of the joint meeting with their minutes and decisions, newest first.",
    responses((status = 200, body = Vec<bangfu_store::Meeting>), (status = 403, body = ErrorBody)))]
pub(crate) async fn meetings(State(s): State<AppState>, Who(who): Who) -> ApiResult {
    ok(s.app.meetings(&who).await?)
}

#[utoipa::path(post, path = "/api/v1/joint-meeting/meetings", tag = "exchange",
    description = "The joint-meeting office (or city union staff) records a meeting: when, where, who attended, the minutes and its decisions.",
    request_body(content = bangfu_app::exchange::MeetingInput, example = json!({"held_on": "2026-11-20", "title": "2026年第四季度联席会议", "place": "市总工会三楼会议室", "attendees": "市总工会、市民政局、市人力资源社会保障局", "minutes": "通报全市困难职工解困脱困进展，研究低保名单比对。", "decisions": ["民政局12月10日前提供新增低保名单", "人社局核查失业登记情况"]})),
    responses((status = 201, body = bangfu_store::Meeting), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn record_meeting(
    State(s): State<AppState>,
    Who(who): Who,
    JsonBody(input): JsonBody<bangfu_app::exchange::MeetingInput>,
) -> ApiResult {
    let id = s.app.record_meeting(&who, &input).await?;
    let meeting = s.app.meetings(&who).await?.into_iter().find(|m| m.id == id).ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(meeting)).into_response())
}

#[utoipa::path(get, path = "/api/v1/joint-meeting/tasks", tag = "exchange", params(TasksQuery),
    description = "Supervised tasks (督办事项), by deadline. A department's account may ask for those its department leads (`mine=true`).",
    responses((status = 200, body = Vec<bangfu_store::SupervisedTask>), (status = 403, body = ErrorBody)))]
pub(crate) async fn tasks(
    State(s): State<AppState>,
    Who(who): Who,
    QueryParams(q): QueryParams<TasksQuery>,
) -> ApiResult {
    let mut list = s.app.tasks(&who, matches!(q.status, TaskFilter::Open)).await?;
    if q.mine {
        let own = s
            .app
            .joint_members(&who)
            .await?
            .into_iter()
            .find(|m| m.organisation_id.is_some() && m.organisation_id == who.organisation_id)
            .map(|m| m.id);
        list.retain(|t| Some(t.lead_member_id) == own);
    }
    ok(list)
}

#[utoipa::path(post, path = "/api/v1/joint-meeting/tasks", tag = "exchange",
    description = "The joint-meeting office sets a supervised task with its lead unit and deadline, usually from a meeting's decision.",
    request_body(content = bangfu_app::exchange::TaskInput, example = json!({"meeting_id": 1, "title": "提供新增低保家庭名单", "lead_member_id": 4, "deadline": "2026-12-10"})),
    responses((status = 201, body = bangfu_store::SupervisedTask), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn create_task(
    State(s): State<AppState>,
    Who(who): Who,
    JsonBody(input): JsonBody<bangfu_app::exchange::TaskInput>,
) -> ApiResult {
    Ok((StatusCode::CREATED, Json(s.app.create_task(&who, &input).await?)).into_response())
}

#[utoipa::path(put, path = "/api/v1/joint-meeting/tasks/{id}", tag = "exchange", params(("id" = i64, Path)),
    description = "The lead unit's account (its liaison or its system), or the office, reports a task's status and progress. Send the `version` read: a task changed since answers 409.",
    request_body(content = bangfu_app::exchange::TaskUpdate, example = json!({"version": 1, "status": "in_progress", "progress": "已完成第一批名单比对，共312户。"})),
    responses((status = 200, body = bangfu_store::SupervisedTask), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn update_task(
    State(s): State<AppState>,
    Who(who): Who,
    Path(tid): Path<String>,
    JsonBody(input): JsonBody<bangfu_app::exchange::TaskUpdate>,
) -> ApiResult {
    ok(s.app.update_task(&who, id(&tid)?, &input).await?)
}

#[utoipa::path(post, path = "/api/v1/joint-meeting/members", tag = "exchange",
    description = "The joint-meeting office adds a member unit; linked to its department in the registry (`organisation_id`), that department's liaison and system report on the tasks it leads.",
    request_body(content = bangfu_app::exchange::JointMemberInput, example = json!({"name": "市住房城乡建设局", "organisation_id": 12, "responsible": "王强", "liaison": "陈静", "phone": "0774-1234567"})),
    responses((status = 201, body = bangfu_store::JointMember), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn add_joint_member(
    State(s): State<AppState>,
    Who(who): Who,
    JsonBody(input): JsonBody<bangfu_app::exchange::JointMemberInput>,
) -> ApiResult {
    Ok((StatusCode::CREATED, Json(s.app.save_joint_member(&who, None, &input).await?)).into_response())
}

#[utoipa::path(put, path = "/api/v1/joint-meeting/members/{id}", tag = "exchange", params(("id" = i64, Path)),
    description = "The joint-meeting office changes a member unit: its name, people, and the department it is.",
    request_body = bangfu_app::exchange::JointMemberInput,
    responses((status = 200, body = bangfu_store::JointMember), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn update_joint_member(
    State(s): State<AppState>,
    Who(who): Who,
    Path(mid): Path<String>,
    JsonBody(input): JsonBody<bangfu_app::exchange::JointMemberInput>,
) -> ApiResult {
    ok(s.app.save_joint_member(&who, Some(id(&mid)?), &input).await?)
}
