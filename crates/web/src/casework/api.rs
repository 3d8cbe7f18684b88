//! API of case work: plans and measures, visits, the timeline, return-to-hardship flags and
//! each user's work list.

use crate::api::{ok, ApiResult};
use crate::auth::Who;
use crate::error::ErrorBody;
use crate::extract::{id, JsonBody};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use bangfu_app::casework::{
    MeasureInput, MyWork, PlanInput, ReturnDecisionInput, TimelineEvent, VisitInput, VisitRecordInput,
};
use bangfu_store::{HardshipReturn, Measure, Plan, Visit, WorkList};
use serde::Serialize;

/// A household's case work.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Casework {
    /// Plans, newest year first.
    plans: Vec<Plan>,
    /// Measures, by due date.
    measures: Vec<Measure>,
    /// Visits, by due date.
    visits: Vec<Visit>,
    /// Return-to-hardship flags, newest first.
    returns: Vec<HardshipReturn>,
}

/// A recorded visit and the follow-up it scheduled.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct RecordedVisit {
    /// The visit.
    visit: Visit,
    /// The follow-up visit, if one was scheduled.
    follow_up: Option<Visit>,
}

#[utoipa::path(get, path = "/api/v1/households/{id}/casework", tag = "casework", params(("id" = i64, Path)), responses((status = 200, body = Casework), (status = 404, body = ErrorBody)))]
pub(crate) async fn casework(State(s): State<AppState>, Who(who): Who, Path(hid): Path<String>) -> ApiResult {
    let (plans, measures, visits, returns) = s.app.household_plans(&who, id(&hid)?).await?;
    ok(Casework { plans, measures, visits, returns })
}

#[utoipa::path(post, path = "/api/v1/households/{id}/plans", tag = "casework", params(("id" = i64, Path)), request_body = PlanInput, responses((status = 200, body = Plan), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn save_plan(
    State(s): State<AppState>,
    Who(who): Who,
    Path(hid): Path<String>,
    JsonBody(input): JsonBody<PlanInput>,
) -> ApiResult {
    ok(s.app.save_plan(&who, id(&hid)?, &input).await?)
}

#[utoipa::path(post, path = "/api/v1/households/{id}/measures", tag = "casework", params(("id" = i64, Path)), request_body = MeasureInput, responses((status = 201, body = Measure), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn add_measure(
    State(s): State<AppState>,
    Who(who): Who,
    Path(hid): Path<String>,
    JsonBody(input): JsonBody<MeasureInput>,
) -> ApiResult {
    Ok((StatusCode::CREATED, Json(s.app.add_measure(&who, id(&hid)?, &input).await?)).into_response())
}

#[utoipa::path(put, path = "/api/v1/measures/{id}", tag = "casework", params(("id" = i64, Path)), request_body = MeasureInput, responses((status = 200, body = Measure), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn update_measure(
    State(s): State<AppState>,
    Who(who): Who,
    Path(mid): Path<String>,
    JsonBody(input): JsonBody<MeasureInput>,
) -> ApiResult {
    ok(s.app.update_measure(&who, id(&mid)?, &input).await?)
}

#[utoipa::path(post, path = "/api/v1/households/{id}/visits", tag = "casework", params(("id" = i64, Path)), request_body = VisitInput, responses((status = 201, body = Visit), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn schedule_visit(
    State(s): State<AppState>,
    Who(who): Who,
    Path(hid): Path<String>,
    JsonBody(input): JsonBody<VisitInput>,
) -> ApiResult {
    Ok((StatusCode::CREATED, Json(s.app.schedule_visit(&who, id(&hid)?, &input).await?)).into_response())
}

#[utoipa::path(post, path = "/api/v1/visits/{id}/record", tag = "casework", params(("id" = i64, Path)), request_body = VisitRecordInput, responses((status = 200, body = RecordedVisit), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn record_visit(
    State(s): State<AppState>,
    Who(who): Who,
    Path(vid): Path<String>,
    JsonBody(input): JsonBody<VisitRecordInput>,
) -> ApiResult {
    let (visit, follow_up) = s.app.record_visit(&who, id(&vid)?, &input).await?;
    ok(RecordedVisit { visit, follow_up })
}

#[utoipa::path(get, path = "/api/v1/households/{id}/timeline", tag = "casework", params(("id" = i64, Path)), responses((status = 200, body = Vec<TimelineEvent>), (status = 404, body = ErrorBody)))]
pub(crate) async fn timeline(State(s): State<AppState>, Who(who): Who, Path(hid): Path<String>) -> ApiResult {
    ok(s.app.timeline(&who, id(&hid)?).await?)
}

#[utoipa::path(get, path = "/api/v1/my-work", tag = "casework", responses((status = 200, body = MyWork), (status = 403, body = ErrorBody)))]
pub(crate) async fn my_work(State(s): State<AppState>, Who(who): Who) -> ApiResult {
    ok(s.app.my_work(&who, bangfu_app::clock::today()).await?)
}

#[utoipa::path(get, path = "/api/v1/returns", tag = "casework", responses((status = 200, body = WorkList), (status = 403, body = ErrorBody)))]
pub(crate) async fn returns(State(s): State<AppState>, Who(who): Who) -> ApiResult {
    ok(s.app.open_returns(&who, 500).await?)
}

#[utoipa::path(post, path = "/api/v1/returns/{id}/decision", tag = "casework", params(("id" = i64, Path)), request_body = ReturnDecisionInput, responses((status = 200, body = HardshipReturn), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn decide_return(
    State(s): State<AppState>,
    Who(who): Who,
    Path(rid): Path<String>,
    JsonBody(input): JsonBody<ReturnDecisionInput>,
) -> ApiResult {
    ok(s.app.decide_return(&who, id(&rid)?, &input).await?)
}
