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
