//! Pages of access: sign-in and sign-out, the audit trail for auditors.

use crate::auth::{clear_session_cookie, client_address, cookie, over_tls, session_cookie, Who, SESSION_COOKIE};
use crate::i18n::{Lang, Tr};
use crate::page::{Ctx, Nav};
use crate::AppState;
use askama::Template;
use axum::extract::{RawQuery, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use bangfu_app::audit::AuditQuery;
use bangfu_app::AppError;
use bangfu_store::AuditEntry;

/// Routes of these pages.
pub fn routes() -> crate::Routes {
    crate::Routes::default()
        .route("/sign-in", get(sign_in_page).post(sign_in_submit))
        .route("/sign-out", axum::routing::post(sign_out))
        .route("/audit", get(audit_page))
        .route("/audit/export.xlsx", get(audit_export))
}

#[derive(Template)]
#[template(path = "access/sign_in.html")]
struct SignInPage {
    t: &'static Tr,
    nav: Nav,
    show_synthetic: bool,
    name: String,
    error: Option<String>,
}

fn lang_of(raw: Option<&str>, headers: &HeaderMap) -> Lang {
    let given = raw
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect::<Vec<_>>())
        .and_then(|v| v.into_iter().find(|(k, _)| k == "lang").map(|(_, v)| v));
    Lang::pick(given.as_deref(), headers)
}

fn sign_in_view(lang: Lang, status: StatusCode, name: String, error: Option<String>) -> Response {
    let page = SignInPage { t: lang.tr(), nav: Nav::anonymous(), show_synthetic: false, name, error };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

async fn sign_in_page(RawQuery(raw): RawQuery, headers: HeaderMap) -> Response {
    sign_in_view(lang_of(raw.as_deref(), &headers), StatusCode::OK, String::new(), None)
}

async fn sign_in_submit(State(s): State<AppState>, req: Request) -> Response {
    let address = client_address(&req);
    let headers = req.headers().clone();
    let lang = lang_of(req.uri().query(), &headers);
    let Ok(body) = axum::body::to_bytes(req.into_body(), 64 * 1024).await else {
        return sign_in_view(lang, StatusCode::BAD_REQUEST, String::new(), Some(lang.tr().sign_in_failed.into()));
    };
    let form: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let (name, password, code) = (get("name"), get("password"), get("code"));
    let t = lang.tr();
    match s.app.sign_in(&name, &password, &code, &address).await {
        Ok((_, session)) => {
            let mut r = Redirect::to("/").into_response();
            r.headers_mut().insert(header::SET_COOKIE, session_cookie(&session.token, over_tls(&headers)));
            r
        }
        Err(AppError::Unauthenticated) => {
            sign_in_view(lang, StatusCode::UNAUTHORIZED, name, Some(t.sign_in_failed.into()))
        }
        // The password was right; the dynamic code is missing or wrong.
        Err(AppError::Invalid(errs)) => sign_in_view(lang, StatusCode::UNAUTHORIZED, name, Some(lang.messages(&errs))),
        Err(AppError::Locked(which)) => {
            let msg = if which == "account" { t.locked_account } else { t.locked_address };
            sign_in_view(lang, StatusCode::TOO_MANY_REQUESTS, name, Some(msg.into()))
        }
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

async fn sign_out(State(s): State<AppState>, Who(who): Who, headers: HeaderMap) -> Response {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        if let Err(e) = s.app.sign_out(&who, &token).await {
            return crate::error::ApiError::from(e).into_response();
        }
    }
    let mut r = Redirect::to("/sign-in").into_response();
    r.headers_mut().insert(header::SET_COOKIE, clear_session_cookie());
    r
}

/// The audit filter as shown in the form (empty strings for absent filters).
struct AuditForm {
    actor: String,
    action: String,
    entity: String,
    entity_id: String,
    result: String,
    from: String,
    to: String,
}

#[derive(Template)]
#[template(path = "access/audit.html")]
struct AuditPageView {
    t: &'static Tr,
    lang: Lang,
    nav: Nav,
    show_synthetic: bool,
    q: AuditForm,
    error: Option<String>,
    total: String,
    items: Vec<AuditEntry>,
    page: u64,
    prev_link: Option<String>,
    next_link: Option<String>,
    export_link: String,
}

impl AuditPageView {
    /// A role's label (`system` for the system's own entries).
    fn role(&self, code: &str) -> String {
        match bangfu_domain::Role::from_code(code) {
            Some(r) => r.label(self.lang.zh()).to_string(),
            None if code == "system" => (if self.lang.zh() { "系统" } else { "System" }).to_string(),
            None => code.to_string(),
        }
    }

    /// An entry's details as `字段：值` lines, changes as `旧值 → 新值`.
    fn detail(&self, json: &str) -> String {
        crate::labels::audit_detail(json, self.lang)
    }
}

fn audit_query(raw: Option<&str>) -> (Vec<(String, String)>, AuditQuery) {
    let params: Vec<(String, String)> =
        raw.map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default();
    let get = |k: &str| params.iter().find(|(n, v)| n == k && !v.is_empty()).map(|(_, v)| v.clone());
    let q = AuditQuery {
        actor: get("actor"),
        action: get("action"),
        entity: get("entity"),
        entity_id: get("entity_id"),
        result: get("result"),
        from: get("from"),
        to: get("to"),
        page: get("page"),
        per_page: get("per_page"),
    };
    (params, q)
}

async fn audit_page(State(s): State<AppState>, Who(who): Who, RawQuery(raw): RawQuery, headers: HeaderMap) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let (params, q) = audit_query(raw.as_deref());
    let link = |extra: Option<u64>, base: &str| {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        for (k, v) in params.iter().filter(|(k, _)| k != "page" && k != "lang") {
            ser.append_pair(k, v);
        }
        if let Some(p) = extra {
            ser.append_pair("page", &p.to_string());
        }
        format!("{base}?{}", ser.finish())
    };
    let (page, error, status) = match s.app.audit_entries(&ctx.who, &q).await {
        Ok(p) => (Some(p), None, StatusCode::OK),
        Err(AppError::Invalid(errs)) => (None, Some(ctx.lang.messages(&errs)), StatusCode::BAD_REQUEST),
        Err(e) => return ctx.error(e),
    };
    let form_value = |v: &Option<String>| v.clone().unwrap_or_default();
    let (items, total, n, prev_link, next_link) = match page {
        Some(p) => {
            let more = p.page * p.per_page < p.total;
            let total = if p.total > 10_000 { "10000+".to_string() } else { p.total.to_string() };
            let prev = (p.page > 1).then(|| link(Some(p.page - 1), "/audit"));
            let next = more.then(|| link(Some(p.page + 1), "/audit"));
            (p.items, total, p.page, prev, next)
        }
        None => (Vec::new(), "0".into(), 1, None, None),
    };
    ctx.render(
        status,
        AuditPageView {
            t: ctx.lang.tr(),
            lang: ctx.lang,
            nav: ctx.nav(),
            show_synthetic: false,
            q: AuditForm {
                actor: form_value(&q.actor),
                action: form_value(&q.action),
                entity: form_value(&q.entity),
                entity_id: form_value(&q.entity_id),
                result: form_value(&q.result),
                from: form_value(&q.from),
                to: form_value(&q.to),
            },
            error,
            total,
            items,
            page: n,
            prev_link,
            next_link,
            export_link: link(None, "/audit/export.xlsx"),
        },
    )
}

/// The filtered trail as a workbook (up to 10,000 entries, newest first).
async fn audit_export(
    State(s): State<AppState>,
    Who(who): Who,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let (_, mut q) = audit_query(raw.as_deref());
    let mut rows = Vec::new();
    q.per_page = Some("200".into());
    for page in 1..=50u64 {
        q.page = Some(page.to_string());
        match s.app.audit_entries(&ctx.who, &q).await {
            Ok(p) => {
                let done = p.items.len() < 200;
                rows.extend(p.items);
                if done {
                    break;
                }
            }
            Err(e) => return ctx.error(e),
        }
    }
    let mut e = ctx.who.audit("export", "audit_log", None, None);
    e.detail = serde_json::json!({ "rows": rows.len() }).to_string();
    if let Err(err) = s.app.store.audit(&e).await {
        return ctx.error(err.into());
    }
    match crate::export::audit(ctx.lang, &rows) {
        Ok(bytes) => crate::export::xlsx_response(bytes, "audit.xlsx"),
        Err(e) => ctx.error(AppError::Internal(e.to_string())),
    }
}
