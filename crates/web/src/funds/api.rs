//! API of the assistance funds (issue 8): funds, the ledger with approval and reversal,
//! balances at a date, supervision findings, standards and the spending report.

use crate::api::{created, ok, ApiResult};
use crate::auth::Who;
use crate::error::ErrorBody;
use crate::extract::{id, JsonBody, QueryParams};
use crate::AppState;
use axum::extract::{Path, State};
use bangfu_app::funds::{
    AllocationInput, BalanceSheet, DisbursementInput, EntryDecisionInput, ExplainInput, FundInput, FundStandardInput,
    FundsReport, ReversalInput,
};
use bangfu_store::{EntryFilter, Finding, FindingFilter, Fund, FundEntry, FundStandard};
use serde::{Deserialize, Serialize};

/// `?page=&per_page=` (default 1 and 50; at most 500 a page).
/// 32-bit in the query, so a number past what the API documents is refused, not wrapped.
fn paging(page: Option<i32>, per_page: Option<i32>) -> (u64, u64) {
    let positive = |n: i32| u64::try_from(n).unwrap_or(1);
    (positive(page.unwrap_or(1).max(1)), positive(per_page.unwrap_or(50).clamp(1, 500)))
}

#[utoipa::path(get, path = "/api/v1/funds", tag = "funds", responses((status = 200, body = Vec<Fund>), (status = 403, body = ErrorBody)))]
pub(crate) async fn funds(State(s): State<AppState>, Who(who): Who) -> ApiResult {
    ok(s.app.funds(&who).await?)
}

#[utoipa::path(post, path = "/api/v1/funds", tag = "funds", request_body = FundInput, responses((status = 201, body = Fund), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn create_fund(
    State(s): State<AppState>,
    Who(who): Who,
    JsonBody(input): JsonBody<FundInput>,
) -> ApiResult {
    created(s.app.create_fund(&who, &input).await?)
}

/// The day of a balance.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct BalanceQuery {
    /// YYYY-MM-DD, end of day (default today).
    as_of: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/fund-balances", tag = "funds", params(BalanceQuery), responses((status = 200, body = BalanceSheet), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn balances(
    State(s): State<AppState>,
    Who(who): Who,
    QueryParams(q): QueryParams<BalanceQuery>,
) -> ApiResult {
    ok(s.app.fund_balances(&who, q.as_of.as_deref()).await?)
}

/// Which entries.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct EntryQuery {
    /// pending, approved or rejected.
    status: Option<String>,
    /// allocation or disbursement.
    kind: Option<String>,
    /// Only this fund.
    fund_id: Option<i64>,
    /// Only this household.
    household_id: Option<i64>,
    /// Page (from 1).
    page: Option<i32>,
    /// Rows a page (at most 500).
    per_page: Option<i32>,
}

/// A page of ledger entries, newest first.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct EntryPage {
    items: Vec<FundEntry>,
    page: u64,
    per_page: u64,
    /// Matches, counted up to 10,000.
    total: i64,
    /// True when there are more than `total` matches.
    total_is_lower_bound: bool,
}

fn code(
    field: &'static str,
    v: Option<String>,
    parse: fn(&str) -> Option<()>,
) -> Result<Option<String>, crate::error::ApiError> {
    match v.filter(|x| !x.is_empty()) {
        Some(x) if parse(&x).is_none() => {
            Err(bangfu_app::AppError::invalid(bangfu_domain::FieldError::new(field, bangfu_domain::Code::UnknownCode))
                .into())
        }
        other => Ok(other),
    }
}

#[utoipa::path(get, path = "/api/v1/fund-entries", tag = "funds", params(EntryQuery), responses((status = 200, body = EntryPage), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn entries(
    State(s): State<AppState>,
    Who(who): Who,
    QueryParams(q): QueryParams<EntryQuery>,
) -> ApiResult {
    use bangfu_domain::funds::{EntryKind, EntryStatus};
    let (page, per_page) = paging(q.page, q.per_page);
    let f = EntryFilter {
        status: code("status", q.status, |x| EntryStatus::from_code(x).map(|_| ()))?,
        kind: code("kind", q.kind, |x| EntryKind::from_code(x).map(|_| ()))?,
        fund_id: q.fund_id,
        household_id: q.household_id,
        union_id: None,
        limit: per_page,
        offset: (page - 1).saturating_mul(per_page),
    };
    let (items, counted) = s.app.fund_entries(&who, &f).await?;
    let cap = bangfu_store::funds::ENTRY_COUNT_CAP;
    ok(EntryPage { items, page, per_page, total: counted.min(cap), total_is_lower_bound: counted > cap })
}

#[utoipa::path(get, path = "/api/v1/fund-entries/{id}", tag = "funds", params(("id" = i64, Path)), responses((status = 200, body = FundEntry), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn entry(State(s): State<AppState>, Who(who): Who, Path(eid): Path<String>) -> ApiResult {
    ok(s.app.fund_entry(&who, id(&eid)?).await?)
}

#[utoipa::path(post, path = "/api/v1/fund-entries/allocations", tag = "funds", request_body = AllocationInput, responses((status = 201, body = FundEntry), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn allocate(
    State(s): State<AppState>,
    Who(who): Who,
    JsonBody(input): JsonBody<AllocationInput>,
) -> ApiResult {
    created(s.app.record_allocation(&who, &input).await?)
}

#[utoipa::path(post, path = "/api/v1/fund-entries/disbursements", tag = "funds", request_body = DisbursementInput, responses((status = 201, body = FundEntry), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn disburse(
    State(s): State<AppState>,
    Who(who): Who,
    JsonBody(input): JsonBody<DisbursementInput>,
) -> ApiResult {
    created(s.app.record_disbursement(&who, &input).await?)
}

#[utoipa::path(post, path = "/api/v1/fund-entries/{id}/decision", tag = "funds", params(("id" = i64, Path)), request_body = EntryDecisionInput, responses((status = 200, body = FundEntry), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn decide(
    State(s): State<AppState>,
    Who(who): Who,
    Path(eid): Path<String>,
    JsonBody(input): JsonBody<EntryDecisionInput>,
) -> ApiResult {
    ok(s.app.decide_entry(&who, id(&eid)?, &input).await?)
}

#[utoipa::path(post, path = "/api/v1/fund-entries/{id}/reversal", tag = "funds", params(("id" = i64, Path)), request_body = ReversalInput, responses((status = 201, body = FundEntry), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn reverse(
    State(s): State<AppState>,
    Who(who): Who,
    Path(eid): Path<String>,
    JsonBody(input): JsonBody<ReversalInput>,
) -> ApiResult {
    created(s.app.reverse_entry(&who, id(&eid)?, &input).await?)
}

/// Which findings.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct FindingQuery {
    /// open, explained or cleared (default: all).
    status: Option<String>,
    /// not_in_file, exited, withdrawn, duplicate, above_standard or no_measure.
    kind: Option<String>,
    /// Only this household.
    household_id: Option<i64>,
    /// Page (from 1).
    page: Option<i32>,
    /// Rows a page (at most 500).
    per_page: Option<i32>,
}

/// A page of findings, newest first.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct FindingPage {
    items: Vec<Finding>,
    page: u64,
    per_page: u64,
    total: i64,
}

#[utoipa::path(get, path = "/api/v1/fund-findings", tag = "funds", params(FindingQuery), responses((status = 200, body = FindingPage), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn findings(
    State(s): State<AppState>,
    Who(who): Who,
    QueryParams(q): QueryParams<FindingQuery>,
) -> ApiResult {
    let (page, per_page) = paging(q.page, q.per_page);
    let f = FindingFilter {
        status: q.status.filter(|x| !x.is_empty()),
        kind: q.kind.filter(|x| !x.is_empty()),
        household_id: q.household_id,
        limit: per_page,
        offset: (page - 1).saturating_mul(per_page),
    };
    let (items, total) = s.app.findings(&who, &f).await?;
    ok(FindingPage { items, page, per_page, total })
}

#[utoipa::path(post, path = "/api/v1/fund-findings/{id}/explain", tag = "funds", params(("id" = i64, Path)), request_body = ExplainInput, responses((status = 200, body = Finding), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn explain(
    State(s): State<AppState>,
    Who(who): Who,
    Path(fid): Path<String>,
    JsonBody(input): JsonBody<ExplainInput>,
) -> ApiResult {
    ok(s.app.explain_finding(&who, id(&fid)?, &input).await?)
}

#[utoipa::path(get, path = "/api/v1/fund-standards", tag = "funds", responses((status = 200, body = Vec<FundStandard>), (status = 403, body = ErrorBody)))]
pub(crate) async fn standards(State(s): State<AppState>, Who(who): Who) -> ApiResult {
    ok(s.app.fund_standards(&who).await?)
}

#[utoipa::path(put, path = "/api/v1/fund-standards/{purpose}", tag = "funds", params(("purpose" = String, Path)), request_body = FundStandardInput, responses((status = 200, body = Vec<FundStandard>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn set_standard(
    State(s): State<AppState>,
    Who(who): Who,
    Path(purpose): Path<String>,
    JsonBody(input): JsonBody<FundStandardInput>,
) -> ApiResult {
    ok(s.app.set_fund_standard(&who, &purpose, &input).await?)
}

/// The year of the per-household figures.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct YearQuery {
    /// 2000–2100 (default this year).
    year: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/reports/funds", tag = "funds", params(YearQuery), responses((status = 200, body = FundsReport), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn report(
    State(s): State<AppState>,
    Who(who): Who,
    QueryParams(q): QueryParams<YearQuery>,
) -> ApiResult {
    use chrono::Datelike;
    let year = q.year.unwrap_or_else(|| i64::from(bangfu_app::clock::today().year()));
    if !(2000..=2100).contains(&year) {
        return Err(bangfu_app::AppError::invalid(
            bangfu_domain::FieldError::new("year", bangfu_domain::Code::OutOfRange).with("min", 2000).with("max", 2100),
        )
        .into());
    }
    ok(s.app.funds_report(&who, year).await?)
}
