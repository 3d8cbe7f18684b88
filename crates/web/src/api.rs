//! REST API under `/api/v1`: its router (every feature's handlers), its OpenAPI 3 document,
//! the reference data's handlers (regions, organisations, standards) and what they share.

use crate::access::api as a;
use crate::auth::Who;
use crate::casework::api as c;
use crate::casework::outcomes_api as o;
use crate::error::{ApiError, ErrorBody};
use crate::exchange::api as x;
use crate::extract::{etag, id, IfMatch, JsonBody, QueryParams};
use crate::funds::api as f;
use crate::households::api as hh;
use crate::reports::api as q;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, put};
use axum::Json;
use bangfu_app::households::ListQuery;
use bangfu_app::input::*;
use bangfu_store::{
    Enrolment, Household, HouseholdPage, Member, MonthlyRecord, Organisation, Region, Standard, UnionAssistance,
};
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;

pub(crate) type ApiResult = Result<Response, ApiError>;

/// The API's routes.
pub fn routes() -> crate::Routes {
    crate::Routes::default()
        .route("/openapi.json", get(openapi))
        .route("/regions", get(list_regions))
        .route("/regions/{code}", get(get_region))
        .route("/organisations", get(list_organisations).post(create_organisation))
        .route("/organisations/{id}", get(get_organisation).put(update_organisation).delete(delete_organisation))
        .route("/standards", get(list_standards).post(create_standard))
        .route("/standards/{region}/{kind}/{from}", delete(delete_standard))
        .route("/me", get(a::me))
        .route("/evaluate", axum::routing::post(a::evaluate_case))
        .route("/recheck", get(a::recheck))
        .route("/households/{id}/outcomes", get(o::list).post(o::propose))
        .route("/outcomes", get(o::pending))
        .route("/outcome-counts", get(o::counts))
        .route("/outcomes/{id}", get(o::get_one))
        .route("/outcomes/{id}/decision", axum::routing::post(o::decide))
        .route("/outcomes/{id}/reopen", axum::routing::post(o::reopen))
        .route("/households/{id}/pairings", get(o::pairings).post(o::pair))
        .route("/pairings/{id}/end", axum::routing::post(o::end_pairing))
        .route("/unpaired", get(o::unpaired))
        .route("/caseload", get(o::caseload))
        .route("/households/{id}/casework", get(c::casework))
        .route("/households/{id}/plans", axum::routing::post(c::save_plan))
        .route("/households/{id}/measures", axum::routing::post(c::add_measure))
        .route("/measures/{id}", put(c::update_measure))
        .route("/households/{id}/visits", axum::routing::post(c::schedule_visit))
        .route("/visits/{id}/record", axum::routing::post(c::record_visit))
        .route("/households/{id}/timeline", get(c::timeline))
        .route("/my-work", get(c::my_work))
        .route("/campaigns", get(q::campaigns).post(q::create_campaign))
        .route("/campaigns/{id}/progress", get(q::progress))
        .route("/campaigns/{id}/targets", put(q::set_targets))
        .route("/reports/statistics", get(q::statistics))
        .route("/dashboard", get(q::dashboard))
        .route("/funds", get(f::funds).post(f::create_fund))
        .route("/fund-balances", get(f::balances))
        .route("/fund-entries", get(f::entries))
        .route("/fund-entries/allocations", axum::routing::post(f::allocate))
        .route("/fund-entries/disbursements", axum::routing::post(f::disburse))
        .route("/fund-entries/{id}", get(f::entry))
        .route("/fund-entries/{id}/decision", axum::routing::post(f::decide))
        .route("/fund-entries/{id}/reversal", axum::routing::post(f::reverse))
        .route("/fund-findings", get(f::findings))
        .route("/fund-findings/{id}/explain", axum::routing::post(f::explain))
        .route("/fund-standards", get(f::standards))
        .route("/fund-standards/{purpose}", put(f::set_standard))
        .route("/reports/funds", get(f::report))
        .route("/returns", get(c::returns))
        .route("/returns/{id}/decision", axum::routing::post(c::decide_return))
        .route("/what-if", get(a::what_if))
        .route("/frameworks", get(a::frameworks).post(a::set_framework))
        .route("/frameworks/preview", axum::routing::post(a::preview_framework))
        .route("/users", get(a::list_users).post(a::create_user))
        .route("/users/{id}", get(a::get_user).put(a::update_user))
        .route("/users/{id}/password", put(a::set_password))
        .route("/users/{id}/tokens", get(a::list_tokens).post(a::create_token))
        .route("/tokens/{id}", delete(a::revoke_token))
        .route("/audit", get(a::list_audit))
        .route("/households/search", axum::routing::post(a::search_households))
        .route("/households/{id}/reveal", axum::routing::post(a::reveal))
        .route("/households/{id}/evaluation", get(a::household_evaluation))
        .route("/households/{id}/verifications", axum::routing::post(x::open_verification))
        .route("/verifications", get(x::poll_verifications))
        .route(
            "/rosters",
            get(x::list_rosters).post(x::upload_roster).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/rosters/{id}", get(x::get_roster))
        .route("/roster-rows/{id}/decision", axum::routing::post(x::decide_roster_row))
        .route("/verifications/{id}", get(x::get_verification))
        .route("/joint-meeting/members", get(x::joint_members).post(x::add_joint_member))
        .route("/joint-meeting/members/{id}", put(x::update_joint_member))
        .route("/joint-meeting/meetings", get(x::meetings).post(x::record_meeting))
        .route("/joint-meeting/tasks", get(x::tasks).post(x::create_task))
        .route("/joint-meeting/tasks/{id}", put(x::update_task))
        .route(
            "/verifications/{id}/answer",
            axum::routing::post(x::answer_verification)
                .layer(axum::extract::DefaultBodyLimit::max(x::ANSWER_BODY_LIMIT)),
        )
        .route("/households", get(hh::list_households).post(hh::create_household))
        .route("/households/{id}", get(hh::get_household).put(hh::update_household).delete(hh::delete_household))
        .route("/households/{id}/members", get(hh::list_members).post(hh::add_member))
        .route("/households/{id}/members/{member_id}", put(hh::update_member).delete(hh::delete_member))
        .route("/households/{id}/months", get(hh::list_months).put(hh::put_months))
        .route("/households/{id}/months/{month}", delete(hh::delete_month))
        .route("/households/{id}/enrolments", get(hh::list_enrolments).post(hh::add_enrolment))
        .route("/households/{id}/enrolments/{item_id}", delete(hh::delete_enrolment))
        .route("/households/{id}/union-assistance", get(hh::list_union_assistance).post(hh::add_union_assistance))
        .route("/households/{id}/union-assistance/{item_id}", delete(hh::delete_union_assistance))
        .route("/households/{id}/major-events", get(hh::list_major_events).post(hh::add_major_event))
        .route("/households/{id}/major-events/{item_id}", delete(hh::delete_major_event))
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, bangfu_domain::Code::NoSuchEndpoint) })
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Bangfu API",
        description = "Needy worker households registry (困难职工解困脱困). Money is yuan as a string with two decimals; months are YYYY-MM; dates YYYY-MM-DD. Updates need the ETag you read in If-Match; a household's ETag covers its whole file (members, months, enrolments, assistance)."
    ),
    paths(
        list_regions,
        get_region,
        list_organisations,
        create_organisation,
        get_organisation,
        update_organisation,
        delete_organisation,
        list_standards,
        create_standard,
        delete_standard,
        hh::list_households,
        hh::create_household,
        hh::get_household,
        hh::update_household,
        hh::delete_household,
        hh::list_members,
        hh::add_member,
        hh::update_member,
        hh::delete_member,
        hh::list_months,
        hh::put_months,
        hh::delete_month,
        hh::list_enrolments,
        hh::add_enrolment,
        hh::delete_enrolment,
        hh::list_union_assistance,
        hh::add_union_assistance,
        hh::delete_union_assistance,
        hh::list_major_events,
        hh::add_major_event,
        hh::delete_major_event,
        a::me,
        a::evaluate_case,
        a::household_evaluation,
        a::recheck,
        o::propose,
        o::list,
        o::pending,
        o::get_one,
        o::decide,
        o::reopen,
        o::pair,
        o::pairings,
        o::end_pairing,
        o::unpaired,
        o::caseload,
        o::counts,
        c::casework,
        c::save_plan,
        c::add_measure,
        c::update_measure,
        c::schedule_visit,
        c::record_visit,
        c::timeline,
        c::my_work,
        c::returns,
        c::decide_return,
        q::campaigns,
        q::create_campaign,
        q::set_targets,
        q::progress,
        q::statistics,
        q::dashboard,
        f::funds,
        f::create_fund,
        f::balances,
        f::entries,
        f::entry,
        f::allocate,
        f::disburse,
        f::decide,
        f::reverse,
        f::findings,
        f::explain,
        f::standards,
        f::set_standard,
        f::report,
        a::what_if,
        a::frameworks,
        a::preview_framework,
        a::set_framework,
        a::list_users,
        a::create_user,
        a::get_user,
        a::update_user,
        a::set_password,
        a::list_tokens,
        a::create_token,
        a::revoke_token,
        a::list_audit,
        a::search_households,
        a::reveal,
        x::poll_verifications,
        x::get_verification,
        x::open_verification,
        x::answer_verification,
        x::upload_roster,
        x::list_rosters,
        x::get_roster,
        x::decide_roster_row,
        x::joint_members,
        x::add_joint_member,
        x::update_joint_member,
        x::meetings,
        x::record_meeting,
        x::tasks,
        x::create_task,
        x::update_task
    ),
    components(schemas(
        ErrorBody,
        x::VerificationPoll,
        x::AnswerBody,
        x::FileBody,
        x::RosterUploaded,
        x::RosterRows,
        x::TaskFilter,
        x::RosterJson,
        x::RosterJsonRow,
        bangfu_app::exchange::MeetingInput,
        bangfu_app::exchange::JointMemberInput,
        bangfu_app::exchange::TaskInput,
        bangfu_app::exchange::TaskUpdate,
        bangfu_store::JointMember,
        bangfu_store::Meeting,
        bangfu_store::SupervisedTask,
        bangfu_store::Roster,
        bangfu_store::RosterRow,
        bangfu_app::exchange::RowDecision,
        bangfu_app::exchange::VerificationInput,
        bangfu_app::exchange::RequestFilter,
        bangfu_store::Verification,
        bangfu_store::VerificationAnswer,
        HouseholdInput,
        MemberInput,
        MonthlyRecordInput,
        NonLivingInput,
        OrganisationInput,
        StandardInput,
        EnrolmentInput,
        UnionAssistanceInput,
        MajorEventInput,
        Amount,
        Household,
        HouseholdPage,
        PageOut,
        Member,
        MonthlyRecord,
        Organisation,
        Region,
        Standard,
        Enrolment,
        UnionAssistance,
        bangfu_store::MajorEventRecord,
        a::Me,
        a::CaseFile,
        a::DeterminationOut,
        bangfu_app::evaluate::HouseholdEvaluation,
        bangfu_app::evaluate::WindowMonth,
        bangfu_app::evaluate::RecheckPage,
        bangfu_app::outcomes::ProposalInput,
        bangfu_app::outcomes::DecisionInput,
        bangfu_app::outcomes::ReopenInput,
        bangfu_store::Outcome,
        bangfu_store::Pairing,
        bangfu_app::pairings::PairingInput,
        bangfu_app::pairings::EndPairingInput,
        bangfu_app::pairings::UnpairedPage,
        bangfu_app::pairings::Caseload,
        bangfu_app::outcomes::OutcomeCounts,
        bangfu_app::casework::PlanInput,
        bangfu_app::casework::MeasureInput,
        bangfu_app::casework::VisitInput,
        bangfu_app::casework::VisitRecordInput,
        bangfu_app::casework::ReturnDecisionInput,
        bangfu_app::casework::MyWork,
        bangfu_app::casework::TimelineEvent,
        bangfu_store::Plan,
        bangfu_store::Measure,
        bangfu_store::Visit,
        bangfu_store::HardshipReturn,
        bangfu_store::WorkList,
        bangfu_store::WorkItem,
        c::Casework,
        c::RecordedVisit,
        bangfu_store::Campaign,
        bangfu_app::quota::CampaignProgress,
        bangfu_app::quota::RegionProgress,
        bangfu_app::quota::YearRow,
        bangfu_app::quota::IncrementalRow,
        bangfu_app::quota::StatisticsReport,
        bangfu_store::StatRow,
        bangfu_app::evaluate::WhatIf,
        bangfu_app::evaluate::RecheckRow,
        bangfu_store::EvaluationRun,
        bangfu_store::StoredDetermination,
        a::PasswordInput,
        a::TokenInput,
        bangfu_app::users::UserInput,
        bangfu_app::users::NewToken,
        bangfu_app::audit::AuditPage,
        bangfu_app::households::Revealed,
        bangfu_app::households::RevealedMember,
        bangfu_store::User,
        bangfu_store::ApiToken,
        bangfu_store::AuditEntry,
        bangfu_store::Fund,
        bangfu_store::FundEntry,
        bangfu_store::Finding,
        bangfu_store::FundStandard,
        bangfu_store::UnionPosition,
        bangfu_store::SpendingRow,
        bangfu_app::funds::FundInput,
        bangfu_app::funds::AllocationInput,
        bangfu_app::funds::DisbursementInput,
        bangfu_app::funds::EntryDecisionInput,
        bangfu_app::funds::ReversalInput,
        bangfu_app::funds::ExplainInput,
        bangfu_app::funds::FundStandardInput,
        bangfu_app::funds::BalanceSheet,
        bangfu_app::funds::FundsReport,
        bangfu_app::funds::Bucket,
        f::EntryPage,
        f::FindingPage,
        ListQuery
    )),
    modifiers(&BearerAuth, &CommonResponses),
    security(("bearer" = []))
)]
struct ApiDoc;

/// Declares the API's authentication: a Bearer token (created by an administrator).
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let c = doc.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The answers any operation can give before its handler runs, documented on each: 400 (a
/// malformed parameter or body), 401 (no or a bad credential), 403 (not permitted), 429 (sign-in
/// throttle); and for operations with a body 413 (too large) and 415 (not JSON).
struct CommonResponses;

impl utoipa::Modify for CommonResponses {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let error = |what: &str| {
            ResponseBuilder::new()
                .description(what)
                .content(
                    "application/json",
                    ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build(),
                )
                .build()
        };
        for item in doc.paths.paths.values_mut() {
            let ops = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
            for op in ops.into_iter().flatten() {
                let mut common = vec![
                    ("400", "A parameter or the body is malformed"),
                    ("401", "Not signed in, or the API token is unknown or revoked"),
                    ("403", "The account may not do this"),
                ];
                if op.request_body.is_some() {
                    common.push(("413", "The body is too large"));
                    common.push(("415", "The body is not JSON"));
                }
                for (code, what) in common {
                    op.responses.responses.entry(code.to_string()).or_insert_with(|| error(what).into());
                }
            }
        }
    }
}

/// The OpenAPI document.
pub fn openapi_doc() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    // Handlers are documented with their full paths; the router nests them under /api/v1.
    doc.servers = Some(vec![utoipa::openapi::Server::new("/")]);
    doc
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi_doc())
}

pub(crate) fn with_etag<T: Serialize>(status: StatusCode, version: i64, body: &T) -> Response {
    (status, [(header::ETAG, etag(version))], Json(body)).into_response()
}

pub(crate) fn ok<T: Serialize>(body: T) -> ApiResult {
    Ok(Json(body).into_response())
}

pub(crate) fn created<T: Serialize>(body: T) -> ApiResult {
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

pub(crate) fn no_content() -> ApiResult {
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(get, path = "/api/v1/regions", tag = "regions", responses((status = 200, body = Vec<Region>)))]
async fn list_regions(State(s): State<AppState>, Who(_who): Who) -> ApiResult {
    ok(s.app.store.regions().await.map_err(bangfu_app::AppError::from)?)
}

#[utoipa::path(get, path = "/api/v1/regions/{code}", tag = "regions", params(("code" = String, Path, description = "GB/T 2260 code")), responses((status = 200, body = Region), (status = 404, body = ErrorBody)))]
async fn get_region(State(s): State<AppState>, Who(_who): Who, Path(code): Path<String>) -> ApiResult {
    ok(s.app.store.region(&code).await.map_err(bangfu_app::AppError::from)?)
}

/// Filter of the organisation list.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct OrgQuery {
    /// city_union, county_union, grassroots_union, department, employer.
    #[param(pattern = "^(city_union|county_union|grassroots_union|department|employer)?$")]
    kind: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/organisations", tag = "organisations", params(OrgQuery), responses((status = 200, body = Vec<Organisation>), (status = 400, body = ErrorBody)))]
async fn list_organisations(
    State(s): State<AppState>,
    Who(who): Who,
    QueryParams(q): QueryParams<OrgQuery>,
) -> ApiResult {
    let kind = match q.kind.as_deref().filter(|k| !k.is_empty()) {
        Some(k) => Some(bangfu_domain::OrgKind::parse("kind", k).map_err(ApiError::field)?),
        None => None,
    };
    ok(s.app.organisations(&who, kind).await?)
}

#[utoipa::path(post, path = "/api/v1/organisations", tag = "organisations", request_body = OrganisationInput, responses((status = 201, body = Organisation), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_organisation(
    State(s): State<AppState>,
    Who(who): Who,
    JsonBody(input): JsonBody<OrganisationInput>,
) -> ApiResult {
    let o = s.app.create_organisation(&who, &input).await?;
    Ok(with_etag(StatusCode::CREATED, o.version, &o))
}

#[utoipa::path(get, path = "/api/v1/organisations/{id}", tag = "organisations", params(("id" = i64, Path)), responses((status = 200, body = Organisation, headers(("ETag" = String))), (status = 404, body = ErrorBody)))]
async fn get_organisation(State(s): State<AppState>, Who(who): Who, Path(oid): Path<String>) -> ApiResult {
    let o = s.app.organisation(&who, id(&oid)?).await?;
    Ok(with_etag(StatusCode::OK, o.version, &o))
}

#[utoipa::path(put, path = "/api/v1/organisations/{id}", tag = "organisations", params(("id" = i64, Path), ("If-Match" = String, Header)), request_body = OrganisationInput, responses((status = 200, body = Organisation), (status = 404, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody), (status = 428, body = ErrorBody)))]
async fn update_organisation(
    State(s): State<AppState>,
    Who(who): Who,
    Path(oid): Path<String>,
    IfMatch(v): IfMatch,
    JsonBody(input): JsonBody<OrganisationInput>,
) -> ApiResult {
    let o = s.app.update_organisation(&who, id(&oid)?, v, &input).await?;
    Ok(with_etag(StatusCode::OK, o.version, &o))
}

#[utoipa::path(delete, path = "/api/v1/organisations/{id}", tag = "organisations", params(("id" = i64, Path), ("If-Match" = String, Header)), responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody), (status = 428, body = ErrorBody)))]
async fn delete_organisation(
    State(s): State<AppState>,
    Who(who): Who,
    Path(oid): Path<String>,
    IfMatch(v): IfMatch,
) -> ApiResult {
    s.app.delete_organisation(&who, id(&oid)?, v).await?;
    no_content()
}

/// Filter of the standards list.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct StandardQuery {
    /// Region code.
    region: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/standards", tag = "standards", params(StandardQuery), responses((status = 200, body = Vec<Standard>)))]
async fn list_standards(
    State(s): State<AppState>,
    Who(_who): Who,
    QueryParams(q): QueryParams<StandardQuery>,
) -> ApiResult {
    ok(s.app
        .store
        .standards(q.region.as_deref().filter(|r| !r.is_empty()))
        .await
        .map_err(bangfu_app::AppError::from)?)
}

#[utoipa::path(post, path = "/api/v1/standards", tag = "standards", request_body = StandardInput, responses((status = 201, body = Standard), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_standard(
    State(s): State<AppState>,
    Who(who): Who,
    JsonBody(input): JsonBody<StandardInput>,
) -> ApiResult {
    created(s.app.create_standard(&who, &input).await?)
}

#[utoipa::path(delete, path = "/api/v1/standards/{region}/{kind}/{from}", tag = "standards", params(("region" = String, Path), ("kind" = String, Path), ("from" = String, Path, description = "YYYY-MM")), responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn delete_standard(
    State(s): State<AppState>,
    Who(who): Who,
    Path((region, kind, from)): Path<(String, String, String)>,
) -> ApiResult {
    s.app.delete_standard(&who, &region, &kind, &from).await?;
    no_content()
}

/// One page of households.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct PageOut {
    pub(crate) items: Vec<Household>,
    pub(crate) page: u64,
    pub(crate) per_page: u64,
    /// Matches, counted up to 10,000.
    pub(crate) total: u64,
    /// True when there are more than `total` matches.
    pub(crate) total_is_lower_bound: bool,
}
