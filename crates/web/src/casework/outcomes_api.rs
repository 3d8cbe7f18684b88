//! API of outcomes: propose, decide, reopen; a household's outcomes and the queue of proposals.

use crate::api::{ok, ApiResult};
use crate::auth::Who;
use crate::error::ErrorBody;
use crate::extract::{id, JsonBody};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use bangfu_app::outcomes::{DecisionInput, ProposalInput, ReopenInput};
use bangfu_store::Outcome;

#[utoipa::path(post, path = "/api/v1/households/{id}/outcomes", tag = "outcomes", params(("id" = i64, Path)), request_body = ProposalInput, responses((status = 201, body = Outcome), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn propose(
    State(s): State<AppState>,
    Who(who): Who,
    Path(hid): Path<String>,
    JsonBody(input): JsonBody<ProposalInput>,
) -> ApiResult {
    Ok((StatusCode::CREATED, Json(s.app.propose_outcome(&who, id(&hid)?, &input).await?)).into_response())
}

#[utoipa::path(get, path = "/api/v1/households/{id}/outcomes", tag = "outcomes", params(("id" = i64, Path)), responses((status = 200, body = Vec<Outcome>), (status = 404, body = ErrorBody)))]
pub(crate) async fn list(State(s): State<AppState>, Who(who): Who, Path(hid): Path<String>) -> ApiResult {
    ok(s.app.household_outcomes(&who, id(&hid)?).await?)
}

#[utoipa::path(get, path = "/api/v1/outcomes", tag = "outcomes", responses((status = 200, body = Vec<Outcome>), (status = 403, body = ErrorBody)))]
pub(crate) async fn pending(State(s): State<AppState>, Who(who): Who) -> ApiResult {
    ok(s.app.pending_outcomes(&who).await?)
}

#[utoipa::path(get, path = "/api/v1/outcomes/{id}", tag = "outcomes", params(("id" = i64, Path)), responses((status = 200, body = Outcome), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_one(State(s): State<AppState>, Who(who): Who, Path(oid): Path<String>) -> ApiResult {
    ok(s.app.outcome(&who, id(&oid)?).await?)
}

#[utoipa::path(post, path = "/api/v1/outcomes/{id}/decision", tag = "outcomes", params(("id" = i64, Path)), request_body = DecisionInput, responses((status = 200, body = Outcome), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn decide(
    State(s): State<AppState>,
    Who(who): Who,
    Path(oid): Path<String>,
    JsonBody(input): JsonBody<DecisionInput>,
) -> ApiResult {
    ok(s.app.decide_outcome(&who, id(&oid)?, &input).await?)
}

#[utoipa::path(post, path = "/api/v1/outcomes/{id}/reopen", tag = "outcomes", params(("id" = i64, Path)), request_body = ReopenInput, responses((status = 200, body = Outcome), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn reopen(
    State(s): State<AppState>,
    Who(who): Who,
    Path(oid): Path<String>,
    JsonBody(input): JsonBody<ReopenInput>,
) -> ApiResult {
    ok(s.app.reopen_outcome(&who, id(&oid)?, &input).await?)
}

#[utoipa::path(post, path = "/api/v1/households/{id}/pairings", tag = "pairings", params(("id" = i64, Path)), request_body = bangfu_app::pairings::PairingInput, responses((status = 201, body = bangfu_store::Pairing), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn pair(
    State(s): State<AppState>,
    Who(who): Who,
    Path(hid): Path<String>,
    JsonBody(input): JsonBody<bangfu_app::pairings::PairingInput>,
) -> ApiResult {
    Ok((StatusCode::CREATED, Json(s.app.pair(&who, id(&hid)?, &input).await?)).into_response())
}

#[utoipa::path(get, path = "/api/v1/households/{id}/pairings", tag = "pairings", params(("id" = i64, Path)), responses((status = 200, body = Vec<bangfu_store::Pairing>), (status = 404, body = ErrorBody)))]
pub(crate) async fn pairings(State(s): State<AppState>, Who(who): Who, Path(hid): Path<String>) -> ApiResult {
    ok(s.app.household_pairings(&who, id(&hid)?).await?)
}

#[utoipa::path(post, path = "/api/v1/pairings/{id}/end", tag = "pairings", params(("id" = i64, Path)), request_body = bangfu_app::pairings::EndPairingInput, responses((status = 200, body = bangfu_store::Pairing), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn end_pairing(
    State(s): State<AppState>,
    Who(who): Who,
    Path(pid): Path<String>,
    JsonBody(input): JsonBody<bangfu_app::pairings::EndPairingInput>,
) -> ApiResult {
    ok(s.app.end_pairing(&who, id(&pid)?, &input).await?)
}

/// A page of the queue.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct QueuePage {
    /// Page from 1 (32-bit: a larger number is refused, not wrapped).
    page: Option<i32>,
}

#[utoipa::path(get, path = "/api/v1/unpaired", tag = "pairings", params(QueuePage), responses((status = 200, body = bangfu_app::pairings::UnpairedPage), (status = 403, body = ErrorBody)))]
pub(crate) async fn unpaired(
    State(s): State<AppState>,
    Who(who): Who,
    crate::extract::QueryParams(q): crate::extract::QueryParams<QueuePage>,
) -> ApiResult {
    let page = u64::try_from(q.page.unwrap_or(1).clamp(1, 1_000_000)).unwrap_or(1);
    ok(s.app.unpaired(&who, page, 50).await?)
}

#[utoipa::path(get, path = "/api/v1/caseload", tag = "pairings", responses((status = 200, body = Vec<bangfu_app::pairings::Caseload>), (status = 403, body = ErrorBody)))]
pub(crate) async fn caseload(State(s): State<AppState>, Who(who): Who) -> ApiResult {
    ok(s.app.caseload(&who).await?)
}

/// The day to count on.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct CountsQuery {
    /// YYYY-MM-DD (default today).
    as_of: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/outcome-counts", tag = "outcomes", params(CountsQuery), responses((status = 200, body = bangfu_app::outcomes::OutcomeCounts), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn counts(
    State(s): State<AppState>,
    Who(who): Who,
    crate::extract::QueryParams(q): crate::extract::QueryParams<CountsQuery>,
) -> ApiResult {
    ok(s.app.outcome_counts(&who, q.as_of.as_deref()).await?)
}
