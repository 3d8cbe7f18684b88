//! The worker's self-check page (困难职工自测, `/self-check`): public, no sign-in, nothing
//! stored or logged — a worker enters a few yearly figures and sees which category the rules in
//! force for the county would give, why, and which documents to bring to the union. At most
//! [`PER_MINUTE`] checks a minute per address.

use crate::auth::client_address;
use crate::i18n::{Lang, Tr};
use crate::page::Nav;
use crate::AppState;
use askama::Template;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use bangfu_app::input::Amount;
use bangfu_app::self_check::{SelfCheck, SelfCheckInput};
use bangfu_app::AppError;
use bangfu_domain::{Exclusion, MajorEvent};
use std::collections::HashMap;

/// Checks a minute per address.
pub(crate) const PER_MINUTE: u32 = 20;
/// Largest form body read.
const MAX_BODY: usize = 16 * 1024;
/// Longest answer to one field (characters).
const MAX_FIELD: usize = 40;
/// The form's fields.
const FIELDS: [&str; 11] = [
    "region_code",
    "members",
    "income",
    "aid",
    "medical",
    "education",
    "accident",
    "event",
    "exclusions",
    "migrant_worker",
    "labour_months",
];

/// What the worker typed, shown back as typed.
#[derive(Default)]
struct Typed {
    region_code: String,
    members: String,
    income: String,
    aid: String,
    medical: String,
    education: String,
    accident: String,
    event: String,
    exclusions: Vec<String>,
    migrant_worker: bool,
    labour_months: String,
}

/// The result as shown.
struct Shown {
    headline: String,
    eligible: bool,
    basis: String,
    reasons: Vec<(String, String, String)>,
    hints: Vec<String>,
    documents: Vec<&'static str>,
}

#[derive(Template)]
#[template(path = "policy/self_check.html")]
struct SelfCheckView {
    t: &'static Tr,
    nav: Nav,
    show_synthetic: bool,
    f: Typed,
    regions: Vec<(String, String)>,
    events: Vec<(&'static str, &'static str)>,
    exclusions: Vec<(&'static str, &'static str)>,
    errors: HashMap<String, String>,
    error: Option<String>,
    result: Option<Shown>,
}

impl SelfCheckView {
    fn excluded(&self, code: &str) -> bool {
        self.f.exclusions.iter().any(|x| x == code)
    }

    fn error_of(&self, field: &str) -> String {
        self.errors.get(field).cloned().unwrap_or_default()
    }
}

fn lang_of(query: Option<&str>, headers: &axum::http::HeaderMap) -> Lang {
    let q: HashMap<String, String> =
        query.map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default();
    Lang::pick(q.get("lang").map(String::as_str), headers)
}

/// The menu of a signed-in reader (a cadre checking with a worker during a visit), or none.
fn nav_of(req: &Request) -> Nav {
    match req.extensions().get::<crate::auth::Authenticated>() {
        Some(a) => crate::page::Ctx::new(req.uri().query(), req.headers(), a.principal.clone()).nav(),
        None => Nav::anonymous(),
    }
}

async fn render(
    s: &AppState,
    lang: Lang,
    nav: Nav,
    status: StatusCode,
    v: (Typed, HashMap<String, String>, Option<String>, Option<Shown>),
) -> Response {
    let (f, errors, error, result) = v;
    let zh = lang.zh();
    // Counties in use: regions with no region in use under them.
    let regions = match s.app.store.regions().await {
        Ok(all) => all
            .iter()
            .filter(|r| !all.iter().any(|x| x.parent_code.as_deref() == Some(&r.code)))
            .map(|r| (r.code.clone(), if zh { r.name.clone() } else { r.name_en.clone() }))
            .collect(),
        Err(_) => Vec::new(),
    };
    let view = SelfCheckView {
        t: lang.tr(),
        nav,
        show_synthetic: false,
        f,
        regions,
        events: MajorEvent::ALL.iter().map(|k| (k.code(), k.label(zh))).collect(),
        exclusions: Exclusion::ALL.iter().map(|k| (k.code(), k.label(zh))).collect(),
        errors,
        error,
        result,
    };
    match view.render() {
        // Nothing typed here may be kept by a cache or a proxy.
        Ok(html) => (status, [(axum::http::header::CACHE_CONTROL, "no-store")], Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// `GET /self-check`.
pub(crate) async fn page(State(s): State<AppState>, req: Request) -> Response {
    let lang = lang_of(req.uri().query(), req.headers());
    let f = Typed { members: "3".into(), ..Typed::default() };
    render(&s, lang, nav_of(&req), StatusCode::OK, (f, HashMap::new(), None, None)).await
}

/// The documents to bring for a result (the general ones first).
fn documents(t: &Tr, r: &SelfCheck, f: &Typed) -> Vec<&'static str> {
    let mut out = vec![t.doc_id_card, t.doc_household_register, t.doc_income_proof];
    if !f.aid.trim().is_empty() && f.aid.trim() != "0" {
        out.push(t.doc_assistance);
    }
    if !f.medical.trim().is_empty() && f.medical.trim() != "0" {
        out.push(t.doc_medical);
    }
    if !f.education.trim().is_empty() && f.education.trim() != "0" {
        out.push(t.doc_education);
    }
    if !f.event.is_empty() || r.primary == Some("A1") || (!f.accident.trim().is_empty() && f.accident.trim() != "0") {
        out.push(t.doc_accident);
    }
    if f.migrant_worker {
        out.push(t.doc_labour);
    }
    out.push(t.doc_union_member);
    out
}

fn shown(t: &Tr, zh: bool, r: &SelfCheck, f: &Typed) -> Shown {
    let category = |code: &str| match code {
        "D1" => t.cat_deep,
        "R1" => t.cat_relative,
        "A1" => t.cat_accident,
        _ => t.cat_plan,
    };
    let headline = match (r.eligible, r.primary) {
        (true, Some(p)) => crate::i18n::fill(t.self_check_likely, &[("category", format!("{} ({p})", category(p)))]),
        (true, None) => crate::i18n::fill(t.self_check_likely, &[("category", t.cat_plan.to_string())]),
        (false, _) if r.status == "withdrawn" => t.self_check_excluded.to_string(),
        (false, _) => t.self_check_unlikely.to_string(),
    };
    let framework = r.framework.label(zh);
    let dibao = r.dibao.map_or_else(|| t.undefined.to_string(), |d| d.to_string());
    let basis = crate::i18n::fill(
        t.self_check_basis,
        &[
            ("framework", framework.to_string()),
            ("from", r.window_from.to_string()),
            ("to", r.as_of.to_string()),
            ("dibao", dibao),
        ],
    );
    Shown {
        headline,
        eligible: r.eligible,
        basis,
        // The exit tests judge a household already on file, not an application.
        reasons: r
            .reasons
            .iter()
            .filter(|x| !x.rule.starts_with("exit"))
            .map(|x| {
                let result = match x.result {
                    "holds" => t.rule_holds,
                    "fails" => t.rule_fails,
                    _ => t.rule_not_assessable,
                };
                (x.rule.to_string(), result.to_string(), if zh { x.text.clone() } else { x.text_en.clone() })
            })
            .collect(),
        hints: r.hints.iter().map(|(z, e)| if zh { z.clone() } else { e.clone() }).collect(),
        documents: documents(t, r, f),
    }
}

/// `POST /self-check`: judged, shown, forgotten.
pub(crate) async fn submit(State(s): State<AppState>, req: Request) -> Response {
    let lang = lang_of(req.uri().query(), req.headers());
    let address = client_address(&req);
    let nav = nav_of(&req);
    let t = lang.tr();
    if s.self_checks.over(&address) {
        let f = Typed::default();
        return render(
            &s,
            lang,
            nav,
            StatusCode::TOO_MANY_REQUESTS,
            (f, HashMap::new(), Some(t.self_check_busy.into()), None),
        )
        .await;
    }
    s.self_checks.count(address);
    let Ok(body) = axum::body::to_bytes(req.into_body(), MAX_BODY).await else {
        let f = Typed::default();
        return render(
            &s,
            lang,
            nav,
            StatusCode::PAYLOAD_TOO_LARGE,
            (f, HashMap::new(), Some(t.self_check_too_long.into()), None),
        )
        .await;
    };
    let pairs: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let one = |k: &str| {
        pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.chars().take(MAX_FIELD).collect()).unwrap_or_default()
    };
    let f = Typed {
        region_code: one("region_code"),
        members: one("members"),
        income: one("income"),
        aid: one("aid"),
        medical: one("medical"),
        education: one("education"),
        accident: one("accident"),
        event: one("event"),
        exclusions: pairs
            .iter()
            .filter(|(k, _)| k == "exclusions")
            .take(10)
            .map(|(_, v)| v.chars().take(MAX_FIELD).collect())
            .collect(),
        migrant_worker: !one("migrant_worker").is_empty(),
        labour_months: one("labour_months"),
    };
    let mut errors = HashMap::new();
    // A field longer than any answer is named, not cut short (a cut number would be another).
    let too_long = bangfu_domain::FieldError::new("", bangfu_domain::Code::TooLong).with("max", MAX_FIELD);
    for (k, v) in &pairs {
        if v.chars().count() > MAX_FIELD && FIELDS.contains(&k.as_str()) {
            errors.insert(k.clone(), too_long.message(lang.zh()));
        }
    }
    let members = f.members.trim().parse::<i64>().unwrap_or_else(|_| {
        errors
            .entry("members".to_string())
            .or_insert_with(|| bangfu_domain::Code::NotWholeNumber.message(lang.zh(), &[]));
        0
    });
    let labour_months = match f.labour_months.trim() {
        "" => None,
        v => match v.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors
                    .entry("labour_months".into())
                    .or_insert_with(|| bangfu_domain::Code::NotWholeNumber.message(lang.zh(), &[]));
                None
            }
        },
    };
    let input = SelfCheckInput {
        region_code: f.region_code.clone(),
        members,
        income: Amount::from(f.income.trim()),
        aid: Amount::from(f.aid.trim()),
        medical: Amount::from(f.medical.trim()),
        education: Amount::from(f.education.trim()),
        accident: Amount::from(f.accident.trim()),
        event: f.event.clone(),
        exclusions: f.exclusions.clone(),
        migrant_worker: f.migrant_worker,
        labour_months,
    };
    let result = if errors.is_empty() { s.app.self_check(&input).await } else { Err(AppError::Invalid(Vec::new())) };
    match result {
        Ok(r) => {
            let shown = shown(t, lang.zh(), &r, &f);
            render(&s, lang, nav, StatusCode::OK, (f, errors, None, Some(shown))).await
        }
        Err(AppError::Invalid(errs)) => {
            for e in errs {
                errors.entry(e.field.clone()).or_insert_with(|| e.message(lang.zh()));
            }
            render(&s, lang, nav, StatusCode::UNPROCESSABLE_ENTITY, (f, errors, Some(t.form_has_errors.into()), None))
                .await
        }
        Err(e) => {
            tracing::error!(error = ?e, "self-check failed");
            render(
                &s,
                lang,
                nav,
                StatusCode::SERVICE_UNAVAILABLE,
                (f, errors, Some(t.self_check_unavailable.into()), None),
            )
            .await
        }
    }
}
