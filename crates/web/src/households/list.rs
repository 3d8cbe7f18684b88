//! The household list: filters, search (posted, so a resident ID never lands in a URL), the
//! conditions a dashboard figure brings, paging, and its Excel export.

use crate::auth::Who;
use crate::i18n::Tr;
use crate::page::{options, region_names, Ctx, Nav};
use crate::AppState;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use bangfu_app::households::ListQuery;
use bangfu_app::AppError;
use bangfu_domain::policy::Pool;
use bangfu_domain::*;

pub(crate) fn causes_label(causes: &[Cause], zh: bool) -> String {
    causes.iter().map(|c| c.label(zh)).collect::<Vec<_>>().join(crate::i18n::texts(zh).list_separator)
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
#[template(path = "households/list.html")]
struct ListPage {
    t: &'static Tr,
    nav: Nav,
    show_synthetic: bool,
    regions: Vec<crate::form::Choice>,
    pools: Vec<crate::form::Choice>,
    statuses: Vec<crate::form::Choice>,
    causes: Vec<crate::form::Choice>,
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

pub(crate) async fn list_page(
    State(s): State<AppState>,
    Who(who): Who,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let params = raw.map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default();
    list_view(&s, &ctx, params).await
}

/// The filter form posts here, so a resident ID searched for never lands in a URL.
pub(crate) async fn search_submit(
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
            regions: crate::form::choices(
                regions.iter().map(|r| (r.code.clone(), names.get(&r.code).cloned().unwrap_or_default())),
            ),
            pools: crate::form::choices([Pool::Stock, Pool::Incremental].iter().map(|p| (p.code(), p.label(zh)))),
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
pub(crate) async fn export_list(
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
