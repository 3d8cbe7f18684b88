//! The households' API: the file, its members, months, enrolments and union assistance
//! (`/api/v1/households…`), with ETags for updates.

use crate::api::{created, no_content, ok, with_etag, ApiResult, PageOut};
use crate::auth::Who;
use crate::error::ErrorBody;
use crate::extract::{id, IfMatch, JsonBody, QueryParams};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use bangfu_app::households::ListQuery;
use bangfu_app::input::*;
use bangfu_store::{Enrolment, Household, HouseholdPage, MajorEventRecord, Member, MonthlyRecord, UnionAssistance};
use serde::Deserialize;

#[utoipa::path(get, path = "/api/v1/households", tag = "households", params(ListQuery), responses((status = 200, body = PageOut), (status = 422, body = ErrorBody)))]
pub(crate) async fn list_households(
    State(s): State<AppState>,
    Who(who): Who,
    QueryParams(q): QueryParams<ListQuery>,
) -> ApiResult {
    crate::access::api::no_id_in_url(&q)?;
    let spec = s.app.list_spec(&q).await?;
    let HouseholdPage { items, total, total_is_lower_bound } = s.app.list_households(&who, &spec).await?;
    ok(PageOut { items, page: spec.page, per_page: spec.per_page, total, total_is_lower_bound })
}

#[utoipa::path(post, path = "/api/v1/households", tag = "households", request_body = HouseholdInput, responses((status = 201, body = Household, headers(("ETag" = String))), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn create_household(
    State(s): State<AppState>,
    Who(who): Who,
    JsonBody(input): JsonBody<HouseholdInput>,
) -> ApiResult {
    let h = s.app.create_household(&who, &input).await?;
    Ok(with_etag(StatusCode::CREATED, h.version, &h))
}

#[utoipa::path(get, path = "/api/v1/households/{id}", tag = "households", params(("id" = i64, Path)), responses((status = 200, body = Household, headers(("ETag" = String))), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_household(State(s): State<AppState>, Who(who): Who, Path(hid): Path<String>) -> ApiResult {
    let h = s.app.household(&who, id(&hid)?).await?;
    Ok(with_etag(StatusCode::OK, h.version, &h))
}

#[utoipa::path(put, path = "/api/v1/households/{id}", tag = "households", params(("id" = i64, Path), ("If-Match" = String, Header)), request_body = HouseholdInput, responses((status = 200, body = Household), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody), (status = 428, body = ErrorBody)))]
pub(crate) async fn update_household(
    State(s): State<AppState>,
    Who(who): Who,
    Path(hid): Path<String>,
    IfMatch(v): IfMatch,
    JsonBody(input): JsonBody<HouseholdInput>,
) -> ApiResult {
    let h = s.app.update_household(&who, id(&hid)?, v, &input).await?;
    Ok(with_etag(StatusCode::OK, h.version, &h))
}

#[utoipa::path(delete, path = "/api/v1/households/{id}", tag = "households", params(("id" = i64, Path), ("If-Match" = String, Header)), responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody), (status = 428, body = ErrorBody)))]
pub(crate) async fn delete_household(
    State(s): State<AppState>,
    Who(who): Who,
    Path(hid): Path<String>,
    IfMatch(v): IfMatch,
) -> ApiResult {
    // Which version is meant comes first: without it nothing else is looked at.
    let v = Some(v.ok_or(bangfu_app::AppError::PreconditionRequired)?);
    s.app.delete_household(&who, id(&hid)?, v).await?;
    no_content()
}

#[utoipa::path(get, path = "/api/v1/households/{id}/members", tag = "households", params(("id" = i64, Path)), responses((status = 200, body = Vec<Member>), (status = 404, body = ErrorBody)))]
pub(crate) async fn list_members(State(s): State<AppState>, Who(who): Who, Path(hid): Path<String>) -> ApiResult {
    ok(s.app.members(&who, id(&hid)?).await?)
}

#[utoipa::path(post, path = "/api/v1/households/{id}/members", tag = "households", params(("id" = i64, Path), ("If-Match" = Option<String>, Header, description = "the household's ETag")), request_body = MemberInput, responses((status = 201, body = Member), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn add_member(
    State(s): State<AppState>,
    Who(who): Who,
    Path(hid): Path<String>,
    IfMatch(v): IfMatch,
    JsonBody(input): JsonBody<MemberInput>,
) -> ApiResult {
    created(s.app.add_member(&who, id(&hid)?, v, &input).await?)
}

#[utoipa::path(put, path = "/api/v1/households/{id}/members/{member_id}", tag = "households", params(("id" = i64, Path), ("member_id" = i64, Path), ("If-Match" = Option<String>, Header)), request_body = MemberInput, responses((status = 200, body = Member), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn update_member(
    State(s): State<AppState>,
    Who(who): Who,
    Path((hid, mid)): Path<(String, String)>,
    IfMatch(v): IfMatch,
    JsonBody(input): JsonBody<MemberInput>,
) -> ApiResult {
    ok(s.app.update_member(&who, id(&hid)?, id(&mid)?, v, &input).await?)
}

#[utoipa::path(delete, path = "/api/v1/households/{id}/members/{member_id}", tag = "households", params(("id" = i64, Path), ("member_id" = i64, Path), ("If-Match" = Option<String>, Header)), responses((status = 204), (status = 404, body = ErrorBody), (status = 412, body = ErrorBody)))]
pub(crate) async fn delete_member(
    State(s): State<AppState>,
    Who(who): Who,
    Path((hid, mid)): Path<(String, String)>,
    IfMatch(v): IfMatch,
) -> ApiResult {
    s.app.delete_member(&who, id(&hid)?, id(&mid)?, v).await?;
    no_content()
}

/// Month range.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct MonthRange {
    /// First month, YYYY-MM.
    from: Option<String>,
    /// Last month, YYYY-MM.
    to: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/households/{id}/months", tag = "households", params(("id" = i64, Path), MonthRange), responses((status = 200, body = Vec<MonthlyRecord>), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn list_months(
    State(s): State<AppState>,
    Who(who): Who,
    Path(hid): Path<String>,
    QueryParams(r): QueryParams<MonthRange>,
) -> ApiResult {
    ok(s.app.months(&who, id(&hid)?, r.from.as_deref(), r.to.as_deref()).await?)
}

#[utoipa::path(put, path = "/api/v1/households/{id}/months", tag = "households", params(("id" = i64, Path), ("If-Match" = Option<String>, Header)), request_body = Vec<MonthlyRecordInput>, responses((status = 200, body = Vec<MonthlyRecord>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn put_months(
    State(s): State<AppState>,
    Who(who): Who,
    Path(hid): Path<String>,
    IfMatch(v): IfMatch,
    JsonBody(input): JsonBody<Vec<MonthlyRecordInput>>,
) -> ApiResult {
    ok(s.app.put_months(&who, id(&hid)?, v, &input).await?)
}

#[utoipa::path(delete, path = "/api/v1/households/{id}/months/{month}", tag = "households", params(("id" = i64, Path), ("month" = String, Path, description = "YYYY-MM"), ("If-Match" = Option<String>, Header)), responses((status = 204), (status = 404, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn delete_month(
    State(s): State<AppState>,
    Who(who): Who,
    Path((hid, month)): Path<(String, String)>,
    IfMatch(v): IfMatch,
) -> ApiResult {
    s.app.delete_month(&who, id(&hid)?, &month, v).await?;
    no_content()
}

#[utoipa::path(get, path = "/api/v1/households/{id}/enrolments", tag = "households", params(("id" = i64, Path)), responses((status = 200, body = Vec<Enrolment>), (status = 404, body = ErrorBody)))]
pub(crate) async fn list_enrolments(State(s): State<AppState>, Who(who): Who, Path(hid): Path<String>) -> ApiResult {
    ok(s.app.enrolments(&who, id(&hid)?).await?)
}

#[utoipa::path(post, path = "/api/v1/households/{id}/enrolments", tag = "households", params(("id" = i64, Path), ("If-Match" = Option<String>, Header)), request_body = EnrolmentInput, responses((status = 201, body = Enrolment), (status = 404, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn add_enrolment(
    State(s): State<AppState>,
    Who(who): Who,
    Path(hid): Path<String>,
    IfMatch(v): IfMatch,
    JsonBody(input): JsonBody<EnrolmentInput>,
) -> ApiResult {
    created(s.app.add_enrolment(&who, id(&hid)?, v, &input).await?)
}

#[utoipa::path(delete, path = "/api/v1/households/{id}/enrolments/{item_id}", tag = "households", params(("id" = i64, Path), ("item_id" = i64, Path), ("If-Match" = Option<String>, Header)), responses((status = 204), (status = 404, body = ErrorBody), (status = 412, body = ErrorBody)))]
pub(crate) async fn delete_enrolment(
    State(s): State<AppState>,
    Who(who): Who,
    Path((hid, eid)): Path<(String, String)>,
    IfMatch(v): IfMatch,
) -> ApiResult {
    s.app.delete_enrolment(&who, id(&hid)?, id(&eid)?, v).await?;
    no_content()
}

#[utoipa::path(get, path = "/api/v1/households/{id}/major-events", tag = "households", params(("id" = i64, Path)), responses((status = 200, body = Vec<MajorEventRecord>), (status = 404, body = ErrorBody)))]
pub(crate) async fn list_major_events(State(s): State<AppState>, Who(who): Who, Path(hid): Path<String>) -> ApiResult {
    ok(s.app.major_events(&who, id(&hid)?).await?)
}

#[utoipa::path(post, path = "/api/v1/households/{id}/major-events", tag = "households", params(("id" = i64, Path), ("If-Match" = Option<String>, Header)), request_body = MajorEventInput, responses((status = 201, body = MajorEventRecord), (status = 404, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn add_major_event(
    State(s): State<AppState>,
    Who(who): Who,
    Path(hid): Path<String>,
    IfMatch(v): IfMatch,
    JsonBody(input): JsonBody<MajorEventInput>,
) -> ApiResult {
    created(s.app.add_major_event(&who, id(&hid)?, v, &input).await?)
}

#[utoipa::path(delete, path = "/api/v1/households/{id}/major-events/{item_id}", tag = "households", params(("id" = i64, Path), ("item_id" = i64, Path), ("If-Match" = Option<String>, Header)), responses((status = 204), (status = 404, body = ErrorBody), (status = 412, body = ErrorBody)))]
pub(crate) async fn delete_major_event(
    State(s): State<AppState>,
    Who(who): Who,
    Path((hid, eid)): Path<(String, String)>,
    IfMatch(v): IfMatch,
) -> ApiResult {
    s.app.delete_major_event(&who, id(&hid)?, id(&eid)?, v).await?;
    no_content()
}

#[utoipa::path(get, path = "/api/v1/households/{id}/union-assistance", tag = "households", params(("id" = i64, Path)), responses((status = 200, body = Vec<UnionAssistance>), (status = 404, body = ErrorBody)))]
pub(crate) async fn list_union_assistance(
    State(s): State<AppState>,
    Who(who): Who,
    Path(hid): Path<String>,
) -> ApiResult {
    ok(s.app.union_assistance(&who, id(&hid)?).await?)
}

#[utoipa::path(post, path = "/api/v1/households/{id}/union-assistance", tag = "households", params(("id" = i64, Path), ("If-Match" = Option<String>, Header)), request_body = UnionAssistanceInput, responses((status = 201, body = UnionAssistance), (status = 404, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn add_union_assistance(
    State(s): State<AppState>,
    Who(who): Who,
    Path(hid): Path<String>,
    IfMatch(v): IfMatch,
    JsonBody(input): JsonBody<UnionAssistanceInput>,
) -> ApiResult {
    created(s.app.add_union_assistance(&who, id(&hid)?, v, &input).await?)
}

#[utoipa::path(delete, path = "/api/v1/households/{id}/union-assistance/{item_id}", tag = "households", params(("id" = i64, Path), ("item_id" = i64, Path), ("If-Match" = Option<String>, Header)), responses((status = 204), (status = 404, body = ErrorBody), (status = 412, body = ErrorBody)))]
pub(crate) async fn delete_union_assistance(
    State(s): State<AppState>,
    Who(who): Who,
    Path((hid, aid)): Path<(String, String)>,
    IfMatch(v): IfMatch,
) -> ApiResult {
    s.app.delete_union_assistance(&who, id(&hid)?, id(&aid)?, v).await?;
    no_content()
}
