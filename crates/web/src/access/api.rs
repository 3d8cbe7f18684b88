//! API of access: the caller, users and tokens (administrators), the audit trail (auditors),
//! revealing personal data, and searching by resident ID without putting it in a URL.

use crate::api::{ok, ApiResult, PageOut};
use crate::auth::Who;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{etag, id, IfMatch, JsonBody, QueryParams};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use bangfu_app::audit::{AuditPage, AuditQuery};
use bangfu_app::households::{ListQuery, Revealed};
use bangfu_app::users::{NewToken, UserInput};
use bangfu_domain::Code;
use bangfu_store::{ApiToken, HouseholdPage, User};
use serde::{Deserialize, Serialize};

/// The caller as the server sees them.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Me {
    /// User id.
    id: i64,
    /// Sign-in name.
    name: String,
    /// Shown name.
    display_name: String,
    /// Role code.
    role: String,
    /// Scope region.
    region_code: Option<String>,
    /// Regions reached (none: all).
    regions: Option<Vec<String>>,
    /// Union whose households are reached, if limited to one.
    union_id: Option<i64>,
    /// Whether household files are reached at all.
    reaches_households: bool,
}

#[utoipa::path(get, path = "/api/v1/me", tag = "access", responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub(crate) async fn me(Who(who): Who) -> ApiResult {
    ok(Me {
        id: who.user_id,
        name: who.name.clone(),
        display_name: who.display_name.clone(),
        role: who.role.code().into(),
        region_code: who.region_code.clone(),
        regions: who.scope.region_codes().map(<[String]>::to_vec),
        union_id: who.scope.union_id(),
        reaches_households: who.scope.reaches_households(),
    })
}

#[utoipa::path(post, path = "/api/v1/households/search", tag = "households", request_body = ListQuery, responses((status = 200, body = PageOut), (status = 422, body = ErrorBody)))]
pub(crate) async fn search_households(
    State(s): State<AppState>,
    Who(who): Who,
    JsonBody(q): JsonBody<ListQuery>,
) -> ApiResult {
    let spec = s.app.list_spec(&q).await?;
    let HouseholdPage { items, total, total_is_lower_bound } = s.app.list_households(&who, &spec).await?;
    ok(PageOut { items, page: spec.page, per_page: spec.per_page, total, total_is_lower_bound })
}

#[utoipa::path(post, path = "/api/v1/households/{id}/reveal", tag = "households", params(("id" = i64, Path)), responses((status = 200, body = Revealed), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn reveal(State(s): State<AppState>, Who(who): Who, Path(hid): Path<String>) -> ApiResult {
    ok(s.app.reveal(&who, id(&hid)?).await?)
}

#[utoipa::path(get, path = "/api/v1/users", tag = "access", responses((status = 200, body = Vec<User>), (status = 403, body = ErrorBody)))]
pub(crate) async fn list_users(State(s): State<AppState>, Who(who): Who) -> ApiResult {
    ok(s.app.users(&who).await?)
}

#[utoipa::path(post, path = "/api/v1/users", tag = "access", request_body = UserInput, responses((status = 201, body = User), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn create_user(
    State(s): State<AppState>,
    Who(who): Who,
    JsonBody(input): JsonBody<UserInput>,
) -> ApiResult {
    let u = s.app.create_user(&who, &input).await?;
    Ok((StatusCode::CREATED, [(header::ETAG, etag(u.version))], Json(u)).into_response())
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "access", params(("id" = i64, Path)), responses((status = 200, body = User), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_user(State(s): State<AppState>, Who(who): Who, Path(uid): Path<String>) -> ApiResult {
    let u = s.app.user(&who, id(&uid)?).await?;
    Ok(([(header::ETAG, etag(u.version))], Json(u)).into_response())
}

#[utoipa::path(put, path = "/api/v1/users/{id}", tag = "access", params(("id" = i64, Path), ("If-Match" = String, Header)), request_body = UserInput, responses((status = 200, body = User), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody), (status = 428, body = ErrorBody)))]
pub(crate) async fn update_user(
    State(s): State<AppState>,
    Who(who): Who,
    Path(uid): Path<String>,
    IfMatch(v): IfMatch,
    JsonBody(input): JsonBody<UserInput>,
) -> ApiResult {
    let u = s.app.update_user(&who, id(&uid)?, v, &input).await?;
    Ok(([(header::ETAG, etag(u.version))], Json(u)).into_response())
}

/// A new password.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PasswordInput {
    /// At least 10 characters.
    password: String,
}

#[utoipa::path(put, path = "/api/v1/users/{id}/password", tag = "access", params(("id" = i64, Path)), request_body = PasswordInput, responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn set_password(
    State(s): State<AppState>,
    Who(who): Who,
    Path(uid): Path<String>,
    JsonBody(input): JsonBody<PasswordInput>,
) -> ApiResult {
    s.app.set_password(&who, id(&uid)?, &input.password).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A token to create.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TokenInput {
    /// What the token is for (a program's name).
    name: String,
}

#[utoipa::path(get, path = "/api/v1/users/{id}/tokens", tag = "access", params(("id" = i64, Path)), responses((status = 200, body = Vec<ApiToken>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn list_tokens(State(s): State<AppState>, Who(who): Who, Path(uid): Path<String>) -> ApiResult {
    ok(s.app.tokens(&who, id(&uid)?).await?)
}

#[utoipa::path(post, path = "/api/v1/users/{id}/tokens", tag = "access", params(("id" = i64, Path)), request_body = TokenInput, responses((status = 201, body = NewToken), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn create_token(
    State(s): State<AppState>,
    Who(who): Who,
    Path(uid): Path<String>,
    JsonBody(input): JsonBody<TokenInput>,
) -> ApiResult {
    Ok((StatusCode::CREATED, Json(s.app.create_token(&who, id(&uid)?, &input.name).await?)).into_response())
}

#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "access", params(("id" = i64, Path)), responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn revoke_token(State(s): State<AppState>, Who(who): Who, Path(tid): Path<String>) -> ApiResult {
    s.app.revoke_token(&who, id(&tid)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "access", params(AuditQuery), responses((status = 200, body = AuditPage), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn list_audit(
    State(s): State<AppState>,
    Who(who): Who,
    QueryParams(q): QueryParams<AuditQuery>,
) -> ApiResult {
    ok(s.app.audit_entries(&who, &q).await?)
}

/// A resident ID in a URL's query is refused: URLs end up in logs, histories and proxies.
pub(crate) fn no_id_in_url(q: &ListQuery) -> Result<(), ApiError> {
    match q.q.as_deref().map(str::trim) {
        Some(t) if bangfu_domain::IdNumber::parse("q", t).is_ok() => {
            let mut e = ApiError::bad_request("q", Code::IdInUrl);
            e.0.status = StatusCode::UNPROCESSABLE_ENTITY;
            Err(e)
        }
        _ => Ok(()),
    }
}

/// A case file: one household's facts and its region's standards (the rule engine's contract).
pub(crate) struct CaseFile;

/// A determination: pool, window, eligibility, outcome and one reason per rule.
pub(crate) struct DeterminationOut;

macro_rules! free_object {
    ($t:ty, $name:literal, $doc:literal) => {
        impl utoipa::PartialSchema for $t {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new().description(Some($doc)).into()
            }
        }
        impl utoipa::ToSchema for $t {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed($name)
            }
        }
    };
}

free_object!(CaseFile, "CaseFile", "A case file as ../shared/cases/README.md describes it");
free_object!(DeterminationOut, "Determination", "pool, window, eligibility, outcome and one reason per rule");

#[utoipa::path(post, path = "/api/v1/evaluate", tag = "policy", request_body(content = CaseFile, content_type = "application/json"), responses((status = 200, body = DeterminationOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn evaluate_case(Who(_who): Who, body: axum::body::Bytes) -> ApiResult {
    match bangfu_app::evaluate::case(&body) {
        Ok(json) => Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response()),
        // Not JSON, or not an object: malformed (400). A JSON object that breaks the case
        // file's rules (README of the cases): unprocessable (422), as for every other body.
        Err(e) if e.path == "input" => Err(ApiError::bad_request(e.path, Code::InvalidCase).with("detail", e.message)),
        Err(e) => {
            let mut err = ApiError::bad_request(e.path, Code::InvalidCase).with("detail", e.message);
            err.0.status = StatusCode::UNPROCESSABLE_ENTITY;
            Err(err)
        }
    }
}

/// The month to evaluate.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AsOf {
    /// YYYY-MM; default the current month.
    as_of: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/households/{id}/evaluation", tag = "policy", params(("id" = i64, Path), AsOf), responses((status = 200, body = bangfu_app::evaluate::HouseholdEvaluation), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn household_evaluation(
    State(s): State<AppState>,
    Who(who): Who,
    Path(hid): Path<String>,
    QueryParams(q): QueryParams<AsOf>,
) -> ApiResult {
    let hid = id(&hid)?;
    let as_of = s.app.as_of(q.as_of.as_deref())?;
    ok(s.app.evaluate_household(&who, hid, as_of).await?)
}

/// A page.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct PageQuery {
    /// Page from 1.
    #[param(minimum = 1, maximum = 1000000)]
    page: Option<u64>,
    /// Rows a page, 1–1000 (default 50).
    #[param(minimum = 1, maximum = 1000)]
    per_page: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/recheck", tag = "policy", params(PageQuery), responses((status = 200, body = bangfu_app::evaluate::RecheckPage), (status = 403, body = ErrorBody)))]
pub(crate) async fn recheck(
    State(s): State<AppState>,
    Who(who): Who,
    QueryParams(q): QueryParams<PageQuery>,
) -> ApiResult {
    let page = q.page.unwrap_or(1);
    let per_page = q.per_page.unwrap_or(50);
    if !(1..=1_000_000).contains(&page) || !(1..=1000).contains(&per_page) {
        let (field, max) = if (1..=1_000_000).contains(&page) { ("per_page", 1000) } else { ("page", 1_000_000) };
        return Err(ApiError::bad_request(field, Code::OutOfRange).with("min", 1).with("max", max));
    }
    ok(s.app.recheck(&who, page, per_page).await?)
}

#[utoipa::path(get, path = "/api/v1/frameworks", tag = "policy", responses((status = 200, body = Vec<bangfu_app::frameworks::RegionFrameworks>), (status = 403, body = ErrorBody)))]
pub(crate) async fn frameworks(State(s): State<AppState>, Who(who): Who) -> ApiResult {
    ok(s.app.frameworks(&who).await?)
}

#[utoipa::path(post, path = "/api/v1/frameworks/preview", tag = "policy", request_body = bangfu_app::frameworks::PolicyInput, responses((status = 200, body = bangfu_app::frameworks::PolicyPreview), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn preview_framework(
    State(s): State<AppState>,
    Who(who): Who,
    crate::extract::JsonBody(input): crate::extract::JsonBody<bangfu_app::frameworks::PolicyInput>,
) -> ApiResult {
    ok(s.app.preview_policy(&who, &input).await?)
}

#[utoipa::path(post, path = "/api/v1/frameworks", tag = "policy", request_body = bangfu_app::frameworks::PolicyInput, responses((status = 201, body = Object), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn set_framework(
    State(s): State<AppState>,
    Who(who): Who,
    crate::extract::JsonBody(input): crate::extract::JsonBody<bangfu_app::frameworks::PolicyInput>,
) -> ApiResult {
    crate::api::created(s.app.set_policy(&who, &input).await?)
}

#[utoipa::path(get, path = "/api/v1/what-if", tag = "policy", params(bangfu_app::evaluate::WhatIfQuery), responses((status = 200, body = bangfu_app::evaluate::WhatIf), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn what_if(
    State(s): State<AppState>,
    Who(who): Who,
    QueryParams(q): QueryParams<bangfu_app::evaluate::WhatIfQuery>,
) -> ApiResult {
    ok(s.app.what_if(&who, &q).await?)
}
