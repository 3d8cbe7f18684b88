//! API of campaigns and their quotas (POLICY §5).

use crate::api::{created, ok, ApiResult};
use crate::auth::Who;
use crate::error::ErrorBody;
use crate::extract::{id, JsonBody, QueryParams};
use crate::AppState;
use axum::extract::{Path, State};

#[utoipa::path(get, path = "/api/v1/campaigns", tag = "quotas", responses((status = 200, body = Vec<bangfu_store::Campaign>), (status = 403, body = ErrorBody)))]
pub(crate) async fn campaigns(State(s): State<AppState>, Who(who): Who) -> ApiResult {
    ok(s.app.campaigns(&who).await?)
}

#[utoipa::path(post, path = "/api/v1/campaigns", tag = "quotas", request_body = bangfu_app::quota::CampaignInput, responses((status = 201, body = bangfu_store::Campaign), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn create_campaign(
    State(s): State<AppState>,
    Who(who): Who,
    JsonBody(input): JsonBody<bangfu_app::quota::CampaignInput>,
) -> ApiResult {
    created(s.app.create_campaign(&who, &input).await?)
}

#[utoipa::path(put, path = "/api/v1/campaigns/{id}/targets", tag = "quotas", params(("id" = i64, Path)), request_body = Vec<bangfu_app::quota::TargetInput>, responses((status = 200, body = bangfu_store::Campaign), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn set_targets(
    State(s): State<AppState>,
    Who(who): Who,
    Path(cid): Path<String>,
    JsonBody(input): JsonBody<Vec<bangfu_app::quota::TargetInput>>,
) -> ApiResult {
    ok(s.app.set_campaign_targets(&who, id(&cid)?, &input).await?)
}

/// The day to look from.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AsOf {
    /// YYYY-MM-DD (default today).
    as_of: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}/progress", tag = "quotas", params(("id" = i64, Path), AsOf), responses((status = 200, body = bangfu_app::quota::CampaignProgress), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn progress(
    State(s): State<AppState>,
    Who(who): Who,
    Path(cid): Path<String>,
    QueryParams(q): QueryParams<AsOf>,
) -> ApiResult {
    ok(s.app.campaign_progress(&who, id(&cid)?, q.as_of.as_deref()).await?)
}

/// The day and the region of the statistical tables.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ReportQuery {
    /// YYYY-MM-DD (default today).
    as_of: Option<String>,
    /// A region code (default the whole scope).
    region: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/reports/statistics", tag = "quotas", params(ReportQuery), responses((status = 200, body = bangfu_app::quota::StatisticsReport), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn statistics(
    State(s): State<AppState>,
    Who(who): Who,
    QueryParams(q): QueryParams<ReportQuery>,
) -> ApiResult {
    ok(s.app.statistics(&who, q.as_of.as_deref(), q.region.as_deref()).await?)
}

#[utoipa::path(get, path = "/api/v1/dashboard", tag = "quotas", params(AsOf), responses((status = 200, body = bangfu_app::quota::DashboardFigures), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn dashboard(
    State(s): State<AppState>,
    Who(who): Who,
    QueryParams(q): QueryParams<AsOf>,
) -> ApiResult {
    ok(s.app.dashboard_figures(&who, q.as_of.as_deref()).await?)
}
