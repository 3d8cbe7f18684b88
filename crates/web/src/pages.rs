//! Server-rendered pages (askama). Simplified Chinese by default, English on request.

use crate::auth::Who;
use crate::i18n::{Lang, Tr};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use bangfu_app::households::{ListQuery, MonthRow};
use bangfu_app::{AppError, Principal};
use bangfu_domain::policy::Pool;
use bangfu_domain::Permission;
use bangfu_domain::*;
use bangfu_store::{Household, Organisation, Region};
use std::collections::HashMap;

/// Page routes.
pub fn routes() -> crate::Routes {
    crate::Routes::default()
        .route("/", get(landing))
        .route("/households", get(list_page).post(crate::household_form::create_submit))
        .route("/households/search", axum::routing::post(search_submit))
        .route("/households/{id}/reveal", axum::routing::post(reveal_submit))
        .route("/households/new", get(crate::household_form::new_form))
        .route("/households/export.xlsx", get(export_list))
        .route("/households/{id}", get(household_page).post(crate::household_form::edit_submit))
        .route("/households/{id}/print", get(household_print))
        .route("/households/{id}/edit", get(crate::household_form::edit_form))
        .route("/households/{id}/timeline", get(crate::work_pages::timeline_page))
        .route("/my-work", get(crate::work_pages::my_work_page))
        .route("/dashboard", get(crate::dashboard::dashboard_page))
        .route("/reports", get(crate::dashboard::reports_page))
        .route("/reports/export.xlsx", get(crate::dashboard::reports_export))
        .route("/standards", get(crate::standards_page::standards_page).post(crate::standards_page::standard_submit))
}

/// `/`: every role lands on a page it may see — administrators on the accounts, auditors on the
/// audit trail, everyone else on their work (a liaison's is the requests to answer).
async fn landing(Who(who): Who) -> Redirect {
    use bangfu_domain::Role;
    Redirect::to(match who.role {
        Role::Admin => "/users",
        Role::Auditor => "/audit",
        _ => "/my-work",
    })
}

/// Common page context: language and who is signed in.
pub(crate) struct Ctx {
    pub(crate) lang: Lang,
    set_cookie: bool,
    pub(crate) who: Principal,
}

/// The top bar's view of the signed-in user.
pub(crate) struct Nav {
    pub(crate) signed_in: bool,
    pub(crate) name: String,
    pub(crate) role: String,
    pub(crate) csrf: String,
    pub(crate) can_read: bool,
    pub(crate) can_audit: bool,
    pub(crate) can_users: bool,
    pub(crate) can_import: bool,
    pub(crate) can_exchange: bool,
    pub(crate) can_joint: bool,
    pub(crate) can_funds: bool,
    pub(crate) can_approve: bool,
    /// Decisions waiting for this user (outcomes, payments, returns to hardship).
    pub(crate) approvals: i64,
}

impl Nav {
    /// The bar of a page shown before sign-in.
    pub(crate) fn anonymous() -> Nav {
        Nav {
            signed_in: false,
            name: String::new(),
            role: String::new(),
            csrf: String::new(),
            can_read: false,
            can_audit: false,
            can_users: false,
            can_import: false,
            can_exchange: false,
            can_joint: false,
            can_funds: false,
            can_approve: false,
            approvals: 0,
        }
    }
}

/// A page's context from the request itself: who is signed in (else the sign-in page) and the
/// page's language.
impl axum::extract::FromRequestParts<AppState> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, s: &AppState) -> Result<Self, Response> {
        let Who(who) = Who::from_request_parts(parts, s).await?;
        Ok(Ctx::new(parts.uri.query(), &parts.headers, who))
    }
}

impl Ctx {
    pub(crate) fn new(query: Option<&str>, headers: &HeaderMap, who: Principal) -> Ctx {
        let q: HashMap<String, String> =
            query.map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default();
        let given = q.get("lang").map(String::as_str);
        Ctx { lang: Lang::pick(given, headers), set_cookie: given.is_some(), who }
    }

    pub(crate) fn nav(&self) -> Nav {
        Nav {
            signed_in: true,
            name: self.who.display_name.clone(),
            role: self.who.role.label(self.lang.zh()).to_string(),
            csrf: self.who.csrf.clone().unwrap_or_default(),
            can_read: self.who.can(Permission::ReadHouseholds),
            can_audit: self.who.can(Permission::ReadAudit),
            can_users: self.who.can(Permission::ManageUsers),
            can_import: self.who.can(Permission::WriteHouseholds),
            can_exchange: self.who.can(Permission::ReadHouseholds) || self.who.can(Permission::UploadRosters),
            can_joint: self.who.can(Permission::ReadJointMeeting),
            can_funds: self.who.can(Permission::ReadFunds),
            can_approve: self.who.can(Permission::ApproveOutcomes) || self.who.can(Permission::ApproveFunds),
            approvals: crate::auth::APPROVALS.try_with(|n| *n).unwrap_or(0) as i64,
        }
    }

    pub(crate) fn render(&self, status: StatusCode, t: impl Template) -> Response {
        match t.render() {
            Ok(html) => {
                let mut r = (status, Html(html)).into_response();
                if self.set_cookie {
                    let v = format!(
                        "lang={}; Path=/; SameSite=Lax; Max-Age=31536000",
                        if self.lang.zh() { "zh" } else { "en" }
                    );
                    if let Ok(v) = HeaderValue::from_str(&v) {
                        r.headers_mut().insert(header::SET_COOKIE, v);
                    }
                }
                r
            }
            Err(e) => {
                tracing::error!(error = %e, "template failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
            }
        }
    }

    /// The error page for a failure, in the page's language (the policy: `crate::error`).
    pub(crate) fn error(&self, e: AppError) -> Response {
        let t = self.lang.tr();
        let failure = crate::error::describe(&e);
        let (status, text) = (failure.status, self.lang.failure(&failure));
        let heading = match status {
            StatusCode::NOT_FOUND => t.not_found,
            StatusCode::INTERNAL_SERVER_ERROR => t.server_error,
            _ => t.request_error,
        };
        self.render(
            status,
            MessagePage { t, nav: self.nav(), show_synthetic: false, heading: heading.to_string(), text },
        )
    }
}

#[derive(Template)]
#[template(path = "message.html")]
pub(crate) struct MessagePage {
    t: &'static Tr,
    nav: Nav,
    show_synthetic: bool,
    heading: String,
    text: String,
}

pub(crate) fn region_names(regions: &[Region], zh: bool) -> HashMap<String, String> {
    regions.iter().map(|r| (r.code.clone(), if zh { r.name.clone() } else { r.name_en.clone() })).collect()
}

fn causes_label(causes: &[Cause], zh: bool) -> String {
    causes.iter().map(|c| c.label(zh)).collect::<Vec<_>>().join(if zh { "、" } else { ", " })
}

pub(crate) fn options<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T, bool) -> &'static str,
    zh: bool,
) -> Vec<(String, String)> {
    all.iter().map(|v| (code(*v).to_string(), label(*v, zh).to_string())).collect()
}

struct Row {
    id: i64,
    file_no: String,
    head_name: String,
    id_masked: String,
    region: String,
    pool: &'static str,
    causes: String,
    status: &'static str,
    registered_on: String,
    synthetic: bool,
}

#[derive(Template)]
#[template(path = "list.html")]
struct ListPage {
    t: &'static Tr,
    nav: Nav,
    show_synthetic: bool,
    regions: Vec<(String, String)>,
    pools: Vec<(String, String)>,
    statuses: Vec<(String, String)>,
    causes: Vec<(String, String)>,
    q_region: String,
    q_pool: String,
    q_status: String,
    q_cause: String,
    q_text: String,
    figure_filters: Vec<(String, String)>,
    /// The same conditions in words.
    figure_words: Vec<String>,
    error: Option<String>,
    total: String,
    rows: Vec<Row>,
    prev_link: Option<String>,
    next_link: Option<String>,
    page_label: String,
    export_link: String,
}

async fn list_page(State(s): State<AppState>, Who(who): Who, RawQuery(raw): RawQuery, headers: HeaderMap) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let params = raw.map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default();
    list_view(&s, &ctx, params).await
}

/// The filter form posts here, so a resident ID searched for never lands in a URL.
async fn search_submit(
    State(s): State<AppState>,
    Who(who): Who,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let params = form_urlencoded::parse(&body).into_owned().filter(|(k, _)| k != crate::auth::CSRF_FIELD).collect();
    list_view(&s, &ctx, params).await
}

/// Whether a list parameter may travel in a link: not a resident ID searched for.
fn linkable((k, v): &&(String, String)) -> bool {
    !(k == "q" && bangfu_domain::IdNumber::parse("q", v).is_ok()) && k != "lang"
}

async fn list_view(s: &AppState, ctx: &Ctx, params: Vec<(String, String)>) -> Response {
    let zh = ctx.lang.zh();
    let q = list_query(&params);
    let regions = match s.app.store.regions().await {
        Ok(r) => r,
        Err(e) => return ctx.error(e.into()),
    };
    let names = region_names(&regions, zh);
    let (page, error, status) = match s.app.list_spec(&q).await {
        Ok(spec) => match s.app.list_households(&ctx.who, &spec).await {
            Ok(p) => (Some((spec, p)), None, StatusCode::OK),
            Err(e) => return ctx.error(e),
        },
        Err(AppError::Invalid(errs)) => (None, Some(ctx.lang.messages(&errs)), StatusCode::BAD_REQUEST),
        Err(e) => return ctx.error(e),
    };
    let t = ctx.lang.tr();
    let link = |p: u64| {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        for (k, v) in params.iter().filter(linkable) {
            if k != "page" {
                ser.append_pair(k, v);
            }
        }
        ser.append_pair("page", &p.to_string());
        format!("/households?{}", ser.finish())
    };
    let (rows, total, prev_link, next_link, page_label) = match &page {
        Some((spec, p)) => {
            let rows = p
                .items
                .iter()
                .map(|h| Row {
                    id: h.id,
                    file_no: h.file_no.clone(),
                    head_name: h.head_name.clone(),
                    id_masked: h.head_id_number.clone(),
                    region: names.get(&h.region_code).cloned().unwrap_or_else(|| h.region_code.clone()),
                    pool: s.app.pool_of(h).label(zh),
                    causes: causes_label(&h.causes, zh),
                    status: h.status.label(zh),
                    registered_on: h.registered_on.to_string(),
                    synthetic: h.synthetic,
                })
                .collect::<Vec<_>>();
            let total = if p.total_is_lower_bound { format!("{}+", p.total) } else { p.total.to_string() };
            let more = p.total_is_lower_bound || spec.page * spec.per_page < p.total;
            (
                rows,
                total,
                (spec.page > 1).then(|| link(spec.page - 1)),
                more.then(|| link(spec.page + 1)),
                t.page.replace("{}", &spec.page.to_string()),
            )
        }
        None => (Vec::new(), "0".into(), None, None, String::new()),
    };
    let show_synthetic = rows.iter().any(|r| r.synthetic);
    let export_link = {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        for (k, v) in params.iter().filter(linkable).filter(|(k, _)| k != "page" && k != "per_page") {
            ser.append_pair(k, v);
        }
        format!("/households/export.xlsx?{}", ser.finish())
    };
    let sel = |v: &Option<String>| v.clone().unwrap_or_default();
    let figure_filters: Vec<(String, String)> =
        params.iter().filter(|(k, v)| FIGURE_FILTERS.contains(&k.as_str()) && !v.is_empty()).cloned().collect();
    ctx.render(
        status,
        ListPage {
            t,
            nav: ctx.nav(),
            show_synthetic,
            regions: regions
                .iter()
                .map(|r| (r.code.clone(), names.get(&r.code).cloned().unwrap_or_default()))
                .collect(),
            pools: [Pool::Stock, Pool::Incremental]
                .iter()
                .map(|p| (p.code().to_string(), p.label(zh).to_string()))
                .collect(),
            statuses: options(HouseholdStatus::ALL, HouseholdStatus::code, HouseholdStatus::label, zh),
            causes: options(Cause::ALL, Cause::code, Cause::label, zh),
            q_region: sel(&q.region),
            q_pool: sel(&q.pool),
            q_status: sel(&q.status),
            q_cause: sel(&q.cause),
            q_text: sel(&q.q),
            figure_words: figure_filters.iter().map(|(k, v)| crate::labels::figure_filter(k, v, ctx.lang)).collect(),
            figure_filters,
            error,
            total,
            rows,
            prev_link,
            next_link,
            page_label,
            export_link,
        },
    )
}

/// The list query that the list's parameters make.
fn list_query(params: &[(String, String)]) -> ListQuery {
    let get = |k: &str| params.iter().find(|(n, v)| n == k && !v.is_empty()).map(|(_, v)| v.clone());
    ListQuery {
        region: get("region"),
        pool: get("pool"),
        status: get("status"),
        cause: get("cause"),
        q: get("q"),
        registered_until: get("registered_until"),
        outcome: get("outcome"),
        why: get("why"),
        approved_from: get("approved_from"),
        approved_until: get("approved_until"),
        returned: get("returned"),
        detected_from: get("detected_from"),
        detected_until: get("detected_until"),
        condition: get("condition"),
        run: get("run"),
        in_file_on: get("in_file_on"),
        region_exact: get("region_exact"),
        not_withdrawn_on: get("not_withdrawn_on"),
        page: get("page"),
        per_page: get("per_page"),
    }
}

/// The list's parameters that the filter form has no control for (they come from a figure of
/// the dashboard or a report): kept as hidden fields, and shown.
const FIGURE_FILTERS: [&str; 13] = [
    "region_exact",
    "in_file_on",
    "not_withdrawn_on",
    "registered_until",
    "outcome",
    "why",
    "approved_from",
    "approved_until",
    "returned",
    "detected_from",
    "detected_until",
    "condition",
    "run",
];

/// The filtered list as an Excel workbook (every match up to the export limit, not one page).
async fn export_list(
    State(s): State<AppState>,
    Who(who): Who,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let params: Vec<(String, String)> =
        raw.as_deref().map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default();
    let q = list_query(&params);
    let spec = match s.app.list_spec(&q).await {
        Ok(spec) => spec,
        Err(e) => return ctx.error(e),
    };
    let limit = crate::export::EXPORT_LIMIT;
    let (rows, regions) =
        match (s.app.export_households(&ctx.who, &spec, &q, limit + 1).await, s.app.store.regions().await) {
            (Ok(r), Ok(g)) => (r, g),
            (Err(e), _) => return ctx.error(e),
            (_, Err(e)) => return ctx.error(e.into()),
        };
    let truncated = rows.len() as u64 > limit;
    let rows = &rows[..rows.len().min(limit as usize)];
    match crate::export::households(ctx.lang, rows, truncated, &region_names(&regions, ctx.lang.zh()), |h| {
        s.app.pool_of(h)
    }) {
        Ok(bytes) => crate::export::xlsx_response(bytes, "households.xlsx"),
        Err(e) => {
            tracing::error!(error = %e, "xlsx export failed");
            ctx.error(AppError::Internal(e.to_string()))
        }
    }
}

struct MonthView {
    month: String,
    has_record: bool,
    people: i64,
    income: String,
    aid: String,
    non_living: String,
    per_capita: String,
    dibao: String,
    low_income: String,
    below: bool,
}

fn month_view(m: &MonthRow, t: &Tr) -> MonthView {
    let std = |v: Option<Money>| v.map_or_else(|| t.undefined.to_string(), |m| crate::labels::money(m.fen()));
    let yuan = |m: Money| crate::labels::money(m.fen());
    let (has_record, people, income, aid, non_living, per_capita, below) = match &m.record {
        Some(r) => {
            let own = r.income.fen() - r.government_assistance.fen();
            // Shown rounded to the fen; the test itself is exact: I − A < D·n (POLICY §1).
            let pc = Money::from_fen((own + r.members / 2) / r.members.max(1));
            let below = m.dibao.is_some_and(|d| own < d.fen() * r.members);
            (true, r.members, yuan(r.income), yuan(r.government_assistance), yuan(r.non_living()), yuan(pc), below)
        }
        None => (false, 0, String::new(), String::new(), String::new(), String::new(), false),
    };
    MonthView {
        month: m.month.to_string(),
        has_record,
        people,
        income,
        aid,
        non_living,
        per_capita,
        dibao: std(m.dibao),
        low_income: std(m.low_income),
        below,
    }
}

#[derive(Template)]
#[template(path = "household.html")]
struct HouseholdPage {
    t: &'static Tr,
    lang: Lang,
    nav: Nav,
    /// The printable file (一户一档案): who prints, when, and the whole record.
    print: Option<PrintHead>,
    show_synthetic: bool,
    saved: bool,
    revealed: bool,
    can_reveal: bool,
    can_write: bool,
    h: Household,
    id_shown: String,
    phone: String,
    region: String,
    pool: &'static str,
    status: &'static str,
    causes: String,
    work_capacity: &'static str,
    union: String,
    employer: String,
    members: Vec<MemberLine>,
    months: Vec<MonthView>,
    enrolments: Vec<EnrolmentLine>,
    assistance: Vec<AssistanceLine>,
    can_pay: bool,
    eval: Option<crate::evaluation_view::EvalView>,
    work: crate::casework_view::CaseworkView,
    plan: crate::casework_view::PlanSection,
    /// Verification requests about the household: id, asked on, question, state.
    verifications: Vec<(i64, String, String, String)>,
    /// Departments a request can go to.
    departments: Vec<(String, String)>,
}

/// A member as the file shows it.
struct MemberLine {
    id: i64,
    name: String,
    relation: &'static str,
    id_number: String,
    birth_date: String,
    situation: &'static str,
}

/// An enrolment in social assistance as the file shows it.
struct EnrolmentLine {
    id: i64,
    scheme: &'static str,
    from: String,
    to: String,
}

/// A record of union assistance as the file shows it.
struct AssistanceLine {
    id: i64,
    date: String,
    measure: &'static str,
    kind: &'static str,
    amount: String,
}

fn org_name(orgs: &[Organisation], id: Option<i64>, none: &str) -> String {
    id.and_then(|i| orgs.iter().find(|o| o.id == i)).map_or_else(|| none.to_string(), |o| o.name.clone())
}

async fn household_page(
    State(s): State<AppState>,
    Who(who): Who,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let Ok(id) = id.parse::<i64>() else { return ctx.error(AppError::NotFound) };
    let saved = raw.as_deref().is_some_and(|q| q.contains("saved=1"));
    let as_of: Option<String> = raw.as_deref().and_then(|q| {
        form_urlencoded::parse(q.as_bytes()).find(|(k, v)| k == "as_of" && !v.is_empty()).map(|(_, v)| v.into_owned())
    });
    household_view(&s, &ctx, id, saved, None, as_of.as_deref(), None).await
}

/// Shows the household with full resident IDs and phone: an audited look.
async fn reveal_submit(
    State(s): State<AppState>,
    Who(who): Who,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let Ok(id) = id.parse::<i64>() else { return ctx.error(AppError::NotFound) };
    match s.app.reveal(&ctx.who, id).await {
        Ok(r) => household_view(&s, &ctx, id, false, Some(r), None, None).await,
        Err(e) => ctx.error(e),
    }
}

/// The head of a printed file.
struct PrintHead {
    title: &'static str,
    printed: String,
    print_label: &'static str,
    record_title: &'static str,
    headers: [&'static str; 4],
    zh: bool,
    events: Vec<bangfu_app::casework::TimelineEvent>,
}

/// `/households/{id}/print`: the household's file laid out for paper (一户一档案): the page's
/// sections without its forms, and the whole record in date order.
async fn household_print(
    State(s): State<AppState>,
    Who(who): Who,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let Ok(id) = id.parse::<i64>() else { return ctx.error(AppError::NotFound) };
    let events = match s.app.timeline(&ctx.who, id).await {
        Ok(e) => e,
        Err(e) => return ctx.error(e),
    };
    let zh = ctx.lang.zh();
    let now = bangfu_app::clock::now().format("%Y-%m-%d %H:%M").to_string();
    let head = PrintHead {
        title: if zh {
            "困难职工家庭档案（一户一档案）"
        } else {
            "Household file (one file per household)"
        },
        printed: if zh {
            format!("打印人：{} · 打印时间：{}", ctx.who.name, now)
        } else {
            format!("Printed by {} on {}", ctx.who.name, now)
        },
        print_label: if zh { "打印" } else { "Print" },
        record_title: if zh { "档案记录" } else { "Record" },
        headers: if zh {
            ["日期", "事项", "记录人", "记录时间"]
        } else {
            ["Date", "What", "By", "Recorded"]
        },
        zh,
        events,
    };
    household_view(&s, &ctx, id, false, None, None, Some(head)).await
}

async fn household_view(
    s: &AppState,
    ctx: &Ctx,
    id: i64,
    saved: bool,
    revealed: Option<bangfu_app::households::Revealed>,
    as_of: Option<&str>,
    print: Option<PrintHead>,
) -> Response {
    let file = match s.app.household_file(&ctx.who, id).await {
        Ok(f) => f,
        Err(e) => return ctx.error(e),
    };
    let eval = match crate::evaluation_view::for_household(s, ctx, id, &file, as_of).await {
        Ok(v) => v,
        Err(e) => return ctx.error(e),
    };
    let (regions, orgs) = match (s.app.store.regions().await, s.app.organisations(&ctx.who, None).await) {
        (Ok(r), Ok(o)) => (r, o),
        (Err(e), _) => return ctx.error(e.into()),
        (_, Err(e)) => return ctx.error(e),
    };
    let work = match crate::casework_view::for_household(s, ctx, id, file.household.status, &orgs).await {
        Ok(w) => w,
        Err(e) => return ctx.error(e),
    };
    let verifications = match s.app.verifications(&ctx.who, bangfu_app::exchange::RequestFilter::All, Some(id)).await {
        Ok(v) => v
            .into_iter()
            .map(|v| {
                let waiting: Vec<String> =
                    v.answers.iter().filter(|a| a.status == "pending").map(|a| a.department.clone()).collect();
                let state = if waiting.is_empty() {
                    if ctx.lang.zh() {
                        "已全部答复".to_string()
                    } else {
                        "All answered".to_string()
                    }
                } else {
                    format!("{}{}", if ctx.lang.zh() { "待答复：" } else { "Waiting for: " }, waiting.join("、"))
                };
                (v.id, v.asked_on, v.question, state)
            })
            .collect(),
        Err(e) => return ctx.error(e),
    };
    let departments = crate::exchange_pages::department_options(s).await;
    let plan = match crate::casework_view::plan_section(s, ctx, id).await {
        Ok(p) => p,
        Err(e) => return ctx.error(e),
    };
    let zh = ctx.lang.zh();
    let t = ctx.lang.tr();
    let h = file.household;
    ctx.render(
        StatusCode::OK,
        HouseholdPage {
            print,
            t,
            lang: ctx.lang,
            nav: ctx.nav(),
            show_synthetic: h.synthetic,
            saved,
            revealed: revealed.is_some(),
            can_reveal: ctx.who.can(Permission::RevealPersonal),
            can_write: ctx.who.can(Permission::WriteHouseholds),
            can_pay: ctx.who.can(Permission::RecordFunds),
            id_shown: revealed.as_ref().map_or_else(|| h.head_id_number.clone(), |r| r.head_id_number.clone()),
            phone: revealed.as_ref().map_or_else(|| h.phone.clone(), |r| r.phone.clone()),
            region: region_names(&regions, zh).get(&h.region_code).cloned().unwrap_or_default(),
            pool: file.pool.label(zh),
            status: h.status.label(zh),
            causes: causes_label(&h.causes, zh),
            work_capacity: h.work_capacity.label(zh),
            union: org_name(&orgs, h.union_id, t.none),
            employer: org_name(&orgs, h.employer_id, t.none),
            members: file
                .members
                .iter()
                .map(|m| MemberLine {
                    id: m.id,
                    name: m.name.clone(),
                    relation: m.relation.label(zh),
                    id_number: revealed
                        .as_ref()
                        .and_then(|r| r.members.iter().find(|x| x.id == m.id))
                        .map_or_else(|| m.id_number.clone(), |x| x.id_number.clone()),
                    birth_date: m.birth_date.to_string(),
                    situation: m.situation.label(zh),
                })
                .collect(),
            months: file.months.iter().rev().map(|m| month_view(m, t)).collect(),
            eval,
            work,
            plan,
            verifications,
            departments,
            enrolments: file
                .enrolments
                .iter()
                .map(|e| EnrolmentLine {
                    id: e.id,
                    scheme: e.scheme.label(zh),
                    from: e.from.to_string(),
                    to: e.to.map_or_else(|| t.ongoing.to_string(), |m| m.to_string()),
                })
                .collect(),
            assistance: file
                .union_assistance
                .iter()
                .map(|a| AssistanceLine {
                    id: a.id,
                    date: a.date.to_string(),
                    measure: a.measure.label(zh),
                    kind: a.kind.label(zh),
                    amount: crate::labels::money(a.amount.fen()),
                })
                .collect(),
            h,
        },
    )
}
