//! The household form: create and edit a file, with messages beside the fields at fault.

use crate::auth::Who;
use crate::i18n::Tr;
use crate::page::{options, region_names, Ctx, Nav};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use bangfu_app::input::HouseholdInput;
use bangfu_app::AppError;
use bangfu_domain::*;
use std::collections::HashMap;

/// What the form shows: the values typed (or stored) and the messages per field.
#[derive(Default)]
struct FormValues {
    file_no: String,
    head_name: String,
    head_id_number: String,
    region_code: String,
    registered_on: String,
    causes: Vec<String>,
    work_capacity: String,
    migrant_worker: bool,
    causes_resolved: bool,
    children_completed_studies: bool,
    exclusions: Vec<String>,
    labour_relation_months: String,
    union_id: String,
    employer_id: String,
    phone: String,
    address: String,
}

#[derive(Template)]
#[template(path = "households/form.html")]
struct FormPage {
    t: &'static Tr,
    nav: Nav,
    show_synthetic: bool,
    id: Option<i64>,
    action: String,
    cancel: String,
    version: i64,
    v: FormValues,
    errors: HashMap<String, String>,
    has_errors: bool,
    general_error: Option<String>,
    regions: Vec<crate::form::Choice>,
    causes: Vec<crate::form::Choice>,
    exclusions: Vec<crate::form::Choice>,
    capacities: Vec<crate::form::Choice>,
    unions: Vec<crate::form::Choice>,
    employers: Vec<crate::form::Choice>,
}

impl FormPage {
    /// The message under a field, as HTML (escaped here).
    fn err(&self, field: &str) -> String {
        let mut msgs: Vec<&String> = self
            .errors
            .iter()
            .filter(|(k, _)| *k == field || k.starts_with(&format!("{field}[")))
            .map(|(_, v)| v)
            .collect();
        msgs.sort();
        msgs.iter().map(|m| format!("<p class=\"field-error\" data-field=\"{field}\">{}</p>", escape(m))).collect()
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A household form as it is to be shown again: which household, at which version, what was typed.
struct FormState {
    id: Option<i64>,
    version: i64,
    v: FormValues,
    errors: HashMap<String, String>,
    general_error: Option<String>,
}

async fn form_page(s: &AppState, ctx: &Ctx, status: StatusCode, f: FormState) -> Response {
    let FormState { id, version, v, errors, general_error } = f;
    let zh = ctx.lang.zh();
    let (regions, orgs) = match (s.app.store.regions().await, s.app.organisations(&ctx.who, None).await) {
        (Ok(r), Ok(o)) => (r, o),
        (Err(e), _) => return ctx.error(e.into()),
        (_, Err(e)) => return ctx.error(e),
    };
    let names = region_names(&regions, zh);
    let orgs_of = |pred: fn(OrgKind) -> bool| {
        crate::form::choices(orgs.iter().filter(|o| pred(o.kind)).map(|o| (o.id.to_string(), o.name.clone())))
    };
    ctx.render(
        status,
        FormPage {
            t: ctx.lang.tr(),
            nav: ctx.nav(),
            show_synthetic: false,
            action: id.map_or_else(|| "/households".to_string(), |i| format!("/households/{i}")),
            cancel: id.map_or_else(|| "/households".to_string(), |i| format!("/households/{i}")),
            id,
            version,
            v,
            has_errors: !errors.is_empty(),
            errors,
            general_error,
            regions: crate::form::choices(
                regions
                    .iter()
                    .filter(|r| !r.code.ends_with("00"))
                    .map(|r| (r.code.clone(), names.get(&r.code).cloned().unwrap_or_default())),
            ),
            causes: options(Cause::ALL, Cause::code, Cause::label, zh),
            exclusions: options(Exclusion::ALL, Exclusion::code, Exclusion::label, zh),
            capacities: options(WorkCapacity::ALL, WorkCapacity::code, WorkCapacity::label, zh),
            unions: orgs_of(|k| k.is_union()),
            employers: orgs_of(|k| k == OrgKind::Employer),
        },
    )
}

pub(crate) async fn new_form(
    State(s): State<AppState>,
    Who(who): Who,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let v = FormValues { registered_on: crate::labels::today(), work_capacity: "full".into(), ..Default::default() };
    form_page(
        &s,
        &ctx,
        StatusCode::OK,
        FormState { id: None, version: 0, v, errors: HashMap::new(), general_error: None },
    )
    .await
}

pub(crate) async fn edit_form(
    State(s): State<AppState>,
    Who(who): Who,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let Ok(id) = id.parse::<i64>() else { return ctx.error(AppError::NotFound) };
    let h = match s.app.household(&ctx.who, id).await {
        Ok(h) => h,
        Err(e) => return ctx.error(e),
    };
    let v = FormValues {
        file_no: h.file_no.clone(),
        head_name: h.head_name.clone(),
        head_id_number: h.head_id_number.clone(),
        region_code: h.region_code.clone(),
        registered_on: h.registered_on.to_string(),
        causes: h.causes.iter().map(|c| c.code().to_string()).collect(),
        work_capacity: h.work_capacity.code().to_string(),
        migrant_worker: h.migrant_worker,
        causes_resolved: h.causes_resolved,
        children_completed_studies: h.children_completed_studies,
        exclusions: h.exclusions.iter().map(|c| c.code().to_string()).collect(),
        labour_relation_months: h.labour_relation_months.map(|n| n.to_string()).unwrap_or_default(),
        union_id: h.union_id.map(|i| i.to_string()).unwrap_or_default(),
        employer_id: h.employer_id.map(|i| i.to_string()).unwrap_or_default(),
        phone: h.phone.clone(),
        address: h.address.clone(),
    };
    form_page(
        &s,
        &ctx,
        StatusCode::OK,
        FormState { id: Some(id), version: h.version, v, errors: HashMap::new(), general_error: None },
    )
    .await
}

/// Reads the submitted form into the values to show again and the input to validate.
fn read_form(body: &[u8], lang: crate::i18n::Lang) -> (FormValues, HouseholdInput, i64, HashMap<String, String>) {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
    let one = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let v = FormValues {
        file_no: one("file_no"),
        head_name: one("head_name"),
        head_id_number: one("head_id_number"),
        region_code: one("region_code"),
        registered_on: one("registered_on"),
        causes: pairs.iter().filter(|(n, _)| n == "causes").map(|(_, v)| v.clone()).collect(),
        work_capacity: one("work_capacity"),
        migrant_worker: one("migrant_worker") == "true",
        causes_resolved: one("causes_resolved") == "true",
        children_completed_studies: one("children_completed_studies") == "true",
        exclusions: pairs.iter().filter(|(n, _)| n == "exclusions").map(|(_, v)| v.clone()).collect(),
        labour_relation_months: one("labour_relation_months"),
        union_id: one("union_id"),
        employer_id: one("employer_id"),
        phone: one("phone"),
        address: one("address"),
    };
    let mut errors = HashMap::new();
    let zh = lang.zh();
    let labour = v.labour_relation_months.trim();
    let labour_relation_months = if labour.is_empty() {
        None
    } else if let Ok(n) = labour.parse::<i64>() {
        Some(n)
    } else {
        errors.insert("labour_relation_months".into(), Code::NotWholeNumber.message(zh, &[]));
        None
    };
    let mut opt_id = |field: &str, s: &str| -> Option<i64> {
        if s.trim().is_empty() {
            return None;
        }
        match s.trim().parse() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.insert(field.to_string(), Code::UnknownOrganisation.message(zh, &[]));
                None
            }
        }
    };
    let input = HouseholdInput {
        file_no: v.file_no.clone(),
        head_name: v.head_name.clone(),
        head_id_number: v.head_id_number.clone(),
        phone: v.phone.clone(),
        address: v.address.clone(),
        region_code: v.region_code.clone(),
        union_id: opt_id("union_id", &v.union_id),
        employer_id: opt_id("employer_id", &v.employer_id),
        registered_on: v.registered_on.clone(),
        migrant_worker: v.migrant_worker,
        causes_resolved: v.causes_resolved,
        children_completed_studies: v.children_completed_studies,
        causes: v.causes.clone(),
        work_capacity: v.work_capacity.clone(),
        exclusions: v.exclusions.clone(),
        labour_relation_months,
    };
    let version = one("version").parse().unwrap_or(-1);
    (v, input, version, errors)
}

async fn submit(s: AppState, ctx: Ctx, id: Option<i64>, body: axum::body::Bytes) -> Response {
    let (v, input, version, mut errors) = read_form(&body, ctx.lang);
    let result = if !errors.is_empty() {
        Err(AppError::Invalid(Vec::new()))
    } else {
        match id {
            None => s.app.create_household(&ctx.who, &input).await,
            Some(id) => s.app.update_household(&ctx.who, id, Some(version), &input).await,
        }
    };
    let lang = ctx.lang;
    match result {
        Ok(h) => Redirect::to(&format!("/households/{}?saved=1", h.id)).into_response(),
        Err(AppError::Invalid(errs)) => {
            for f in errs {
                errors.entry(f.field.clone()).or_insert_with(|| f.message(lang.zh()));
            }
            form_page(
                &s,
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                FormState { id, version, v, errors, general_error: None },
            )
            .await
        }
        Err(AppError::Conflict(f)) => {
            let msg = f.message(lang.zh());
            if f.field.is_empty() {
                form_page(
                    &s,
                    &ctx,
                    StatusCode::CONFLICT,
                    FormState { id, version, v, errors, general_error: Some(msg) },
                )
                .await
            } else {
                errors.insert(f.field.clone(), msg);
                form_page(&s, &ctx, StatusCode::CONFLICT, FormState { id, version, v, errors, general_error: None })
                    .await
            }
        }
        Err(AppError::Stale) => {
            let msg = Code::Stale.message(lang.zh(), &[]);
            form_page(
                &s,
                &ctx,
                StatusCode::PRECONDITION_FAILED,
                FormState { id, version, v, errors, general_error: Some(msg) },
            )
            .await
        }
        Err(e) => ctx.error(e),
    }
}

pub(crate) async fn create_submit(
    State(s): State<AppState>,
    Who(who): Who,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    submit(s, ctx, None, body).await
}

pub(crate) async fn edit_submit(
    State(s): State<AppState>,
    Who(who): Who,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let Ok(id) = id.parse::<i64>() else { return ctx.error(AppError::NotFound) };
    submit(s, ctx, Some(id), body).await
}
