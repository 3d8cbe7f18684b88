//! A payment to a household (发放到户), recorded from the household's page: the fund, the day,
//! the amount, the paying union and the measure of the household's plan it carries out (its
//! purpose is the measure's kind). It waits for someone else's approval.

use crate::extract::PagePath;
use crate::form::{choices, field, saved, FormState, FormView, Values};
use crate::households::{file_facts, HouseholdPath};
use crate::page::Ctx;
use crate::AppState;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use bangfu_app::funds::DisbursementInput;
use bangfu_app::input::Amount;
use bangfu_app::AppError;
use bangfu_domain::{Code, FieldError, MeasureKind, Permission};
use bangfu_store::{Household, Measure};

const FIELDS: [&str; 7] = ["fund_id", "day", "amount", "payer_union_id", "measure_id", "voucher", "note"];

/// The household, for a user who may record money.
async fn payable(s: &AppState, ctx: &Ctx, id: i64) -> Result<(Household, Vec<Measure>), AppError> {
    if !ctx.who.can(Permission::RecordFunds) {
        return Err(AppError::Forbidden);
    }
    let h = s.app.household(&ctx.who, id).await?;
    let (_, measures, _, _) = s.app.household_plans(&ctx.who, id).await?;
    Ok((h, measures))
}

/// A measure as the list shows it: `2026-12-31 前 · 生活救助 · 发放冬季慰问金`.
fn measure_label(m: &Measure, zh: bool) -> String {
    let kind = MeasureKind::from_code(&m.kind).map_or(m.kind.clone(), |k| k.label(zh).to_string());
    format!("{} · {kind} · {}", m.due_on, m.description)
}

async fn view(s: &AppState, ctx: &Ctx, h: &Household, measures: &[Measure], state: &FormState) -> Response {
    let (t, zh) = (ctx.lang.tr(), ctx.lang.zh());
    let funds = or_error_page!(ctx, s.app.funds(&ctx.who).await);
    let unions = or_error_page!(ctx, crate::funds::pages::union_options(s, ctx).await);
    let open: Vec<&Measure> = measures.iter().filter(|m| m.status != "cancelled").collect();
    let mut v = FormView::new(ctx, t.record_payment.to_string(), format!("/households/{}#casework", h.id));
    v.facts = file_facts(ctx, h);
    v.intro = if open.is_empty() { t.payment_needs_measure.to_string() } else { t.payment_hint.to_string() };
    v.fields = vec![
        field(state, "measure_id", t.payment_measure, "select")
            .required()
            .choices(choices(open.iter().map(|m| (m.id.to_string(), measure_label(m, zh))))),
        field(state, "fund_id", t.fund, "select")
            .required()
            .choices(choices(funds.iter().map(|f| (f.id.to_string(), format!("{} · {}", f.year, f.name))))),
        field(state, "payer_union_id", t.paying_union, "select").required().choices(choices(unions)),
        field(state, "day", t.voucher_date, "date").required(),
        field(state, "amount", t.amount, "money").required(),
        field(state, "voucher", t.voucher, "text").required(),
        field(state, "note", t.remark, "textarea"),
    ];
    v.submit = t.submit_for_approval.to_string();
    v.respond(ctx, state)
}

/// `GET /households/{id}/payments/new`.
pub(crate) async fn new_page(State(s): State<AppState>, ctx: Ctx, PagePath(p): PagePath<HouseholdPath>) -> Response {
    let (h, measures) = or_error_page!(ctx, payable(&s, &ctx, p.id).await);
    let mut values = Values::default();
    values.set("day", crate::labels::today());
    if let Some(u) = ctx.who.scope.union_id().or(h.union_id) {
        values.set("payer_union_id", u.to_string());
    }
    view(&s, &ctx, &h, &measures, &FormState::new(values)).await
}

/// `POST /households/{id}/payments/new`: recorded, waiting for approval.
pub(crate) async fn create(
    State(s): State<AppState>,
    ctx: Ctx,
    PagePath(p): PagePath<HouseholdPath>,
    body: axum::body::Bytes,
) -> Response {
    let f = Values::parse(&body);
    let (h, measures) = or_error_page!(ctx, payable(&s, &ctx, p.id).await);
    let mut missing = Vec::new();
    let mut num = |name: &'static str| match f.int(name) {
        Some(n) => n,
        None => {
            missing.push(FieldError::new(name, Code::Required));
            0
        }
    };
    let (fund_id, payer, measure_id) = (num("fund_id"), num("payer_union_id"), num("measure_id"));
    let measure = measures.iter().find(|m| m.id == measure_id);
    if measure.is_none() && !missing.iter().any(|e| e.field == "measure_id") {
        missing.push(FieldError::new("measure_id", Code::UnknownMeasure));
    }
    let result = if !missing.is_empty() {
        Err(AppError::Invalid(missing))
    } else {
        let input = DisbursementInput {
            fund_id,
            day: f.get("day").trim().to_string(),
            amount: Amount::from(f.get("amount").trim()),
            payer_union_id: payer,
            household_id: p.id,
            measure_id: Some(measure_id),
            purpose: measure.map(|m| m.kind.clone()).unwrap_or_default(),
            voucher: f.get("voucher"),
            note: f.get("note"),
        };
        s.app.record_disbursement(&ctx.who, &input).await.map(|_| ())
    };
    match result {
        Ok(()) => saved(&format!("/funds/entries?household_id={}&saved=1", p.id)),
        Err(e) => match FormState::new(f).fail(e, &FIELDS, ctx.lang) {
            Ok(state) => view(&s, &ctx, &h, &measures, &state).await,
            Err(e) => ctx.error(e),
        },
    }
}

/// `GET /funds/payments/find?q=`: the households whose file number or head's name begins with
/// `q`, each with a link to record a payment.
pub(crate) async fn find(State(s): State<AppState>, ctx: Ctx, RawQuery(raw): RawQuery) -> Response {
    if !ctx.who.can(Permission::RecordFunds) {
        return ctx.error(AppError::Forbidden);
    }
    let t = ctx.lang.tr();
    let q = crate::kit::params(raw.as_deref()).get("q").cloned().unwrap_or_default();
    let mut rows = Vec::new();
    if !q.trim().is_empty() {
        let query = bangfu_app::households::ListQuery { q: Some(q.trim().to_string()), ..Default::default() };
        let spec = or_error_page!(ctx, s.app.list_spec(&query).await);
        match s.app.list_households(&ctx.who, &spec).await {
            Ok(page) => {
                for h in page.items {
                    rows.push(vec![
                        crate::kit::cl(format!("{} · {}", h.file_no, h.head_name), format!("/households/{}", h.id)),
                        crate::kit::cl(t.record_payment, format!("/households/{}/payments/new", h.id)),
                    ]);
                }
            }
            Err(e) => return ctx.error(e),
        }
    }
    let form = crate::kit::Fm {
        action: "/funds/payments/find".into(),
        id: "find-form",
        upload: false,
        get: true,
        submit: t.search.into(),
        fields: vec![{
            let mut f = crate::kit::field(t.search_by_file_or_name, "q", "text");
            f.value = q.clone();
            f
        }],
    };
    let table = crate::kit::Tb {
        id: "found",
        headers: vec![t.households.into(), String::new()],
        rows,
        count: String::new(),
        export: None,
        pager: Vec::new(),
    };
    crate::kit::page(
        &ctx,
        t.record_payment,
        vec![t.find_household_hint.into()],
        Vec::new(),
        vec![crate::kit::Section {
            form: Some(form),
            table: (!q.trim().is_empty()).then_some(table),
            ..Default::default()
        }],
    )
}
