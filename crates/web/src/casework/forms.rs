//! Case work on the file, each step a form page of its own (the form policy: `crate::form`):
//! the year's plan, a measure added to a plan and a measure's progress, a visit scheduled and
//! recorded, an outcome proposed, a helper paired (一帮一). A refused form comes back with what
//! was typed and the message beside its field; a saved one returns to the file's case work.

use crate::extract::{PagePath, PagePathCheck};
use crate::form::{choices, field, saved, FormState, FormView, Values};
use crate::households::{file_facts, writable, HouseholdPath};
use crate::page::Ctx;
use crate::AppState;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use bangfu_app::AppError;
use bangfu_domain::{ExitPathway, MeasureKind, MeasureStatus, OutcomeKind, PlanRoute, Scheme, WithdrawalReason};
use bangfu_store::{Household, Measure, Plan, Visit};
use serde::Deserialize;

/// `/households/{id}/measures/{measure_id}`.
#[derive(Deserialize)]
pub(crate) struct MeasurePath {
    id: i64,
    measure_id: i64,
}

/// `/households/{id}/visits/{visit_id}`.
#[derive(Deserialize)]
pub(crate) struct VisitPath {
    id: i64,
    visit_id: i64,
}

impl PagePathCheck for MeasurePath {
    fn valid(&self) -> bool {
        self.id > 0 && self.measure_id > 0
    }
}

impl PagePathCheck for VisitPath {
    fn valid(&self) -> bool {
        self.id > 0 && self.visit_id > 0
    }
}

fn back(id: i64) -> String {
    format!("/households/{id}#casework")
}

fn done(id: i64) -> Response {
    saved(&format!("/households/{id}?saved=1#casework"))
}

/// Shows a form again after `e`, or the error page when `e` is no fault of the input.
fn again(ctx: &Ctx, f: Values, e: AppError, fields: &[&str], view: impl FnOnce(&FormState) -> Response) -> Response {
    match FormState::new(f).fail(e, fields, ctx.lang) {
        Ok(state) => view(&state),
        Err(e) => ctx.error(e),
    }
}

/// The household's plans, measures and visits, for a page that changes them.
async fn case_file(
    s: &AppState,
    ctx: &Ctx,
    id: i64,
) -> Result<(Household, Vec<Plan>, Vec<Measure>, Vec<Visit>), AppError> {
    let h = writable(s, ctx, id).await?;
    let (plans, measures, visits, _) = s.app.household_plans(&ctx.who, id).await?;
    Ok((h, plans, measures, visits))
}

fn this_year() -> i64 {
    i64::from(chrono::Datelike::year(&bangfu_app::clock::today()))
}

// ---------------------------------------------------------------- the plan

const PLAN_FIELDS: [&str; 3] = ["year", "route", "goals"];

fn plan_view(ctx: &Ctx, h: &Household, state: &FormState) -> Response {
    let (t, zh) = (ctx.lang.tr(), ctx.lang.zh());
    let mut v = FormView::new(ctx, t.plan_title.to_string(), back(h.id));
    v.facts = file_facts(ctx, h);
    v.intro = t.plan_hint.to_string();
    v.fields = vec![
        field(state, "year", t.plan_year, "number").required(),
        field(state, "route", t.plan_route, "select")
            .required()
            .choices(choices(PlanRoute::ALL.iter().map(|r| (r.code(), r.label(zh))))),
        field(state, "goals", t.plan_goals, "textarea").required(),
    ];
    v.hidden = vec![("version".into(), state.values.get("version"))];
    v.respond(ctx, state)
}

/// `GET /households/{id}/plans/new?year=`: the year's plan (this year's by default), its
/// current text when there is one.
pub(crate) async fn plan_page(
    State(s): State<AppState>,
    ctx: Ctx,
    PagePath(p): PagePath<HouseholdPath>,
    RawQuery(raw): RawQuery,
) -> Response {
    let (h, plans, _, _) = or_error_page!(ctx, case_file(&s, &ctx, p.id).await);
    let year = crate::kit::params(raw.as_deref())
        .get("year")
        .and_then(|y| y.parse::<i64>().ok())
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or_else(this_year);
    let mut values = Values::default();
    values.set("year", year.to_string());
    match plans.iter().find(|pl| pl.year == year) {
        Some(pl) => {
            values.set("route", pl.route.clone());
            values.set("goals", pl.goals.clone());
            values.set("version", pl.version.to_string());
        }
        None => values.set("route", PlanRoute::ALL[0].code()),
    }
    plan_view(&ctx, &h, &FormState::new(values))
}

/// `POST /households/{id}/plans/new`.
pub(crate) async fn plan_submit(
    State(s): State<AppState>,
    ctx: Ctx,
    PagePath(p): PagePath<HouseholdPath>,
    body: axum::body::Bytes,
) -> Response {
    let f = Values::parse(&body);
    let (h, _, _, _) = or_error_page!(ctx, case_file(&s, &ctx, p.id).await);
    let input = bangfu_app::casework::PlanInput {
        year: f.int("year"),
        goals: f.get("goals"),
        route: f.get("route"),
        version: f.int("version"),
    };
    match s.app.save_plan(&ctx.who, p.id, &input).await {
        Ok(_) => done(p.id),
        Err(e) => again(&ctx, f, e, &PLAN_FIELDS, |st| plan_view(&ctx, &h, st)),
    }
}

// ---------------------------------------------------------------- measures

const MEASURE_FIELDS: [&str; 5] = ["plan_id", "kind", "description", "person", "due_on"];

fn plan_choices(plans: &[Plan], zh: bool) -> Vec<crate::form::Choice> {
    choices(plans.iter().map(|p| {
        let route = PlanRoute::from_code(&p.route).map_or(p.route.as_str(), |r| r.label(zh));
        (p.id.to_string(), format!("{} · {route}", p.year))
    }))
}

fn measure_view(ctx: &Ctx, h: &Household, plans: &[Plan], state: &FormState) -> Response {
    let (t, zh) = (ctx.lang.tr(), ctx.lang.zh());
    let mut v = FormView::new(ctx, t.add_measure_title.to_string(), back(h.id));
    v.facts = file_facts(ctx, h);
    if plans.is_empty() {
        v.intro = t.measure_needs_plan.to_string();
        v.links = vec![(format!("/households/{}/plans/new", h.id), t.plan_title.to_string())];
    } else {
        v.intro = t.measure_hint.to_string();
    }
    v.fields = vec![
        field(state, "plan_id", t.measure_plan, "select").required().choices(plan_choices(plans, zh)),
        field(state, "kind", t.measure_kind, "select")
            .required()
            .choices(choices(MeasureKind::ALL.iter().map(|k| (k.code(), k.label(zh))))),
        field(state, "description", t.measure_description, "textarea").required(),
        field(state, "person", t.responsible_person, "text").required(),
        field(state, "due_on", t.due_on, "date").required(),
    ];
    v.respond(ctx, state)
}

/// `GET /households/{id}/measures/new`: a measure of one of the household's plans (this year's
/// by default; a measure due next year may belong to this year's plan).
pub(crate) async fn measure_new(State(s): State<AppState>, ctx: Ctx, PagePath(p): PagePath<HouseholdPath>) -> Response {
    let (h, plans, _, _) = or_error_page!(ctx, case_file(&s, &ctx, p.id).await);
    let mut values = Values::default();
    let year = this_year();
    if let Some(pl) = plans.iter().find(|pl| pl.year == year).or_else(|| plans.iter().max_by_key(|pl| pl.year)) {
        values.set("plan_id", pl.id.to_string());
    }
    values.set("person", ctx.who.display_name.clone());
    measure_view(&ctx, &h, &plans, &FormState::new(values))
}

/// `POST /households/{id}/measures/new`.
pub(crate) async fn measure_create(
    State(s): State<AppState>,
    ctx: Ctx,
    PagePath(p): PagePath<HouseholdPath>,
    body: axum::body::Bytes,
) -> Response {
    let f = Values::parse(&body);
    let (h, plans, _, _) = or_error_page!(ctx, case_file(&s, &ctx, p.id).await);
    let plan_id = f.int("plan_id");
    let result = match plan_id {
        None => Err(AppError::invalid(bangfu_domain::FieldError::new("plan_id", bangfu_domain::Code::Required))),
        Some(plan_id) => {
            let input = bangfu_app::casework::MeasureInput {
                plan_id: Some(plan_id),
                kind: f.get("kind"),
                description: f.get("description"),
                person: f.get("person"),
                due_on: f.get("due_on").trim().to_string(),
                ..Default::default()
            };
            s.app.add_measure(&ctx.who, p.id, &input).await.map(|_| ())
        }
    };
    match result {
        Ok(()) => done(p.id),
        Err(e) => again(&ctx, f, e, &MEASURE_FIELDS, |st| measure_view(&ctx, &h, &plans, st)),
    }
}

const PROGRESS_FIELDS: [&str; 6] = ["status", "result", "done_on", "scheme", "from", "enrolment"];

fn progress_view(ctx: &Ctx, h: &Household, m: &Measure, state: &FormState) -> Response {
    let (t, zh) = (ctx.lang.tr(), ctx.lang.zh());
    let mut v = FormView::new(ctx, t.measure_progress.to_string(), back(h.id));
    v.facts = file_facts(ctx, h);
    v.facts.push(crate::form::Fact {
        label: t.measure_kind.into(),
        value: MeasureKind::from_code(&m.kind).map_or(m.kind.clone(), |k| k.label(zh).to_string()),
    });
    v.facts.push(crate::form::Fact { label: t.measure_description.into(), value: m.description.clone() });
    v.facts.push(crate::form::Fact { label: t.due_on.into(), value: m.due_on.clone() });
    v.intro = t.measure_progress_hint.to_string();
    let mut schemes = vec![crate::form::Choice { value: String::new(), label: t.none.to_string() }];
    schemes.extend(choices(Scheme::ALL.iter().map(|x| (x.code(), x.label(zh)))));
    v.fields = vec![
        field(state, "status", t.status, "select")
            .required()
            .choices(choices(MeasureStatus::ALL.iter().map(|x| (x.code(), x.label(zh))))),
        field(state, "result", t.measure_result, "textarea"),
        field(state, "done_on", t.done_on, "date"),
        field(state, "scheme", t.enrolment_scheme, "select").choices(schemes),
        field(state, "from", t.enrolment_from_month, "month"),
    ];
    v.hidden = vec![("version".into(), state.values.get("version"))];
    v.respond(ctx, state)
}

/// `GET /households/{id}/measures/{measure_id}`: a measure's progress (status, result, the
/// enrolment it brought about).
pub(crate) async fn measure_page(State(s): State<AppState>, ctx: Ctx, PagePath(p): PagePath<MeasurePath>) -> Response {
    let (h, _, measures, _) = or_error_page!(ctx, case_file(&s, &ctx, p.id).await);
    let Some(m) = measures.into_iter().find(|m| m.id == p.measure_id) else { return ctx.error(AppError::NotFound) };
    let mut values = Values::default();
    values.set("version", m.version.to_string());
    values.set("status", m.status.clone());
    values.set("result", m.result.clone());
    values.set("done_on", m.done_on.clone().unwrap_or_else(crate::labels::today));
    progress_view(&ctx, &h, &m, &FormState::new(values))
}

/// `POST /households/{id}/measures/{measure_id}`.
pub(crate) async fn measure_update(
    State(s): State<AppState>,
    ctx: Ctx,
    PagePath(p): PagePath<MeasurePath>,
    body: axum::body::Bytes,
) -> Response {
    let f = Values::parse(&body);
    let (h, _, measures, _) = or_error_page!(ctx, case_file(&s, &ctx, p.id).await);
    let Some(m) = measures.into_iter().find(|m| m.id == p.measure_id) else { return ctx.error(AppError::NotFound) };
    let scheme = f.get("scheme");
    let finished = f.get("status") == "done";
    let input = bangfu_app::casework::MeasureInput {
        plan_id: None,
        kind: m.kind.clone(),
        description: m.description.clone(),
        lead_unit: m.lead_unit.clone(),
        responsible_units: m.responsible_units.clone(),
        person: m.person.clone(),
        due_on: m.due_on.clone(),
        status: f.get("status"),
        result: f.get("result"),
        done_on: finished.then(|| f.get("done_on").trim().to_string()).filter(|d| !d.is_empty()),
        enrolment: (!scheme.is_empty()).then(|| bangfu_app::input::EnrolmentInput {
            scheme,
            from: f.get("from").trim().to_string(),
            to: None,
        }),
        version: f.int("version"),
    };
    match s.app.update_measure(&ctx.who, p.measure_id, &input).await {
        Ok(_) => done(p.id),
        Err(e) => again(&ctx, f, e, &PROGRESS_FIELDS, |st| progress_view(&ctx, &h, &m, st)),
    }
}

// ---------------------------------------------------------------- visits

const VISIT_FIELDS: [&str; 3] = ["due_on", "visitor", "purpose"];

fn visit_view(ctx: &Ctx, h: &Household, state: &FormState) -> Response {
    let t = ctx.lang.tr();
    let mut v = FormView::new(ctx, t.schedule_visit.to_string(), back(h.id));
    v.facts = file_facts(ctx, h);
    v.fields = vec![
        field(state, "due_on", t.visit_due, "date").required(),
        field(state, "visitor", t.visitor, "text").required(),
        field(state, "purpose", t.visit_purpose, "textarea"),
    ];
    v.respond(ctx, state)
}

/// `GET /households/{id}/visits/new` (due in a week by default, by the user).
pub(crate) async fn visit_new(State(s): State<AppState>, ctx: Ctx, PagePath(p): PagePath<HouseholdPath>) -> Response {
    let h = or_error_page!(ctx, writable(&s, &ctx, p.id).await);
    let mut values = Values::default();
    values.set("due_on", (bangfu_app::clock::today() + chrono::Days::new(7)).to_string());
    values.set("visitor", ctx.who.display_name.clone());
    visit_view(&ctx, &h, &FormState::new(values))
}

/// `POST /households/{id}/visits/new`.
pub(crate) async fn visit_create(
    State(s): State<AppState>,
    ctx: Ctx,
    PagePath(p): PagePath<HouseholdPath>,
    body: axum::body::Bytes,
) -> Response {
    let f = Values::parse(&body);
    let h = or_error_page!(ctx, writable(&s, &ctx, p.id).await);
    let input = bangfu_app::casework::VisitInput {
        due_on: f.get("due_on").trim().to_string(),
        visitor: f.get("visitor"),
        purpose: f.get("purpose"),
    };
    match s.app.schedule_visit(&ctx.who, p.id, &input).await {
        Ok(_) => done(p.id),
        Err(e) => again(&ctx, f, e, &VISIT_FIELDS, |st| visit_view(&ctx, &h, st)),
    }
}

const RECORD_FIELDS: [&str; 4] = ["status", "visited_on", "findings", "next_due_on"];

fn record_view(ctx: &Ctx, h: &Household, visit: &Visit, state: &FormState) -> Response {
    let t = ctx.lang.tr();
    let mut v = FormView::new(ctx, t.record_visit.to_string(), back(h.id));
    v.facts = file_facts(ctx, h);
    v.facts.push(crate::form::Fact { label: t.visit_due.into(), value: visit.due_on.clone() });
    v.facts.push(crate::form::Fact { label: t.visitor.into(), value: visit.visitor.clone() });
    v.fields = vec![
        field(state, "status", t.visit_result, "radio")
            .required()
            .choices(choices([("done", t.visit_done), ("cancelled", t.visit_cancelled)])),
        field(state, "visited_on", t.visited_on, "date"),
        field(state, "findings", t.findings, "textarea").required(),
        field(state, "next_due_on", t.next_visit, "date").hint(t.next_visit_hint),
    ];
    v.hidden = vec![("version".into(), state.values.get("version"))];
    v.respond(ctx, state)
}

/// `GET /households/{id}/visits/{visit_id}`: record what the visit found.
pub(crate) async fn visit_page(State(s): State<AppState>, ctx: Ctx, PagePath(p): PagePath<VisitPath>) -> Response {
    let (h, _, _, visits) = or_error_page!(ctx, case_file(&s, &ctx, p.id).await);
    let Some(visit) = visits.into_iter().find(|v| v.id == p.visit_id) else { return ctx.error(AppError::NotFound) };
    let mut values = Values::default();
    values.set("version", visit.version.to_string());
    values.set("status", "done");
    values.set("visited_on", crate::labels::today());
    record_view(&ctx, &h, &visit, &FormState::new(values))
}

/// `POST /households/{id}/visits/{visit_id}`.
pub(crate) async fn visit_record(
    State(s): State<AppState>,
    ctx: Ctx,
    PagePath(p): PagePath<VisitPath>,
    body: axum::body::Bytes,
) -> Response {
    let f = Values::parse(&body);
    let (h, _, _, visits) = or_error_page!(ctx, case_file(&s, &ctx, p.id).await);
    let Some(visit) = visits.into_iter().find(|v| v.id == p.visit_id) else { return ctx.error(AppError::NotFound) };
    let some = |k: &str| Some(f.get(k).trim().to_string()).filter(|v| !v.is_empty());
    let input = bangfu_app::casework::VisitRecordInput {
        status: f.get("status"),
        visited_on: some("visited_on"),
        findings: f.get("findings"),
        next_due_on: some("next_due_on"),
        version: f.int("version"),
    };
    match s.app.record_visit(&ctx.who, p.visit_id, &input).await {
        Ok(_) => done(p.id),
        Err(e) => again(&ctx, f, e, &RECORD_FIELDS, |st| record_view(&ctx, &h, &visit, st)),
    }
}

// ---------------------------------------------------------------- outcomes and pairing

const OUTCOME_FIELDS: [&str; 3] = ["kind", "pathway", "reason"];

fn outcome_view(ctx: &Ctx, h: &Household, state: &FormState) -> Response {
    let (t, zh) = (ctx.lang.tr(), ctx.lang.zh());
    let mut v = FormView::new(ctx, t.propose_outcome.to_string(), back(h.id));
    v.facts = file_facts(ctx, h);
    v.intro = t.propose_hint.to_string();
    let mut pathways = vec![crate::form::Choice { value: String::new(), label: t.none.to_string() }];
    pathways.extend(choices(
        ExitPathway::ALL.iter().map(|p| (p.code(), format!("{}：{}", OutcomeKind::Exit.label(zh), p.label(zh)))).chain(
            WithdrawalReason::ALL
                .iter()
                .map(|w| (w.code(), format!("{}：{}", OutcomeKind::Withdrawal.label(zh), w.label(zh)))),
        ),
    ));
    v.fields = vec![
        field(state, "kind", t.outcome, "radio")
            .required()
            .choices(choices(OutcomeKind::ALL.iter().map(|k| (k.code(), k.label(zh))))),
        field(state, "pathway", t.pathway, "select").choices(pathways),
        field(state, "reason", t.reason, "textarea").required(),
    ];
    v.submit = t.propose.to_string();
    v.respond(ctx, state)
}

/// `GET /households/{id}/outcomes/new`: propose an exit, a relief or a withdrawal.
pub(crate) async fn outcome_new(State(s): State<AppState>, ctx: Ctx, PagePath(p): PagePath<HouseholdPath>) -> Response {
    let h = or_error_page!(ctx, writable(&s, &ctx, p.id).await);
    let mut values = Values::default();
    values.set("kind", "exit");
    outcome_view(&ctx, &h, &FormState::new(values))
}

/// `POST /households/{id}/outcomes/new`: it waits for someone else's approval.
pub(crate) async fn outcome_create(
    State(s): State<AppState>,
    ctx: Ctx,
    PagePath(p): PagePath<HouseholdPath>,
    body: axum::body::Bytes,
) -> Response {
    let f = Values::parse(&body);
    let h = or_error_page!(ctx, writable(&s, &ctx, p.id).await);
    let pathway = Some(f.get("pathway")).filter(|v| !v.is_empty());
    let input = bangfu_app::outcomes::ProposalInput { kind: f.get("kind"), pathway, reason: f.get("reason") };
    match s.app.propose_outcome(&ctx.who, p.id, &input).await {
        Ok(_) => done(p.id),
        Err(e) => again(&ctx, f, e, &OUTCOME_FIELDS, |st| outcome_view(&ctx, &h, st)),
    }
}

const PAIR_FIELDS: [&str; 3] = ["helper_org_id", "person", "started_on"];

async fn pair_view(s: &AppState, ctx: &Ctx, h: &Household, state: &FormState) -> Response {
    let t = ctx.lang.tr();
    let orgs = or_error_page!(ctx, s.app.organisations(&ctx.who, None).await);
    let mut v = FormView::new(ctx, t.pair_title.to_string(), back(h.id));
    v.facts = file_facts(ctx, h);
    v.intro = t.pair_hint.to_string();
    v.fields = vec![
        field(state, "helper_org_id", t.helper_unit, "select")
            .required()
            .choices(choices(orgs.iter().map(|o| (o.id.to_string(), o.name.clone())))),
        field(state, "person", t.responsible_person, "text").required(),
        field(state, "started_on", t.pair_started, "date"),
    ];
    v.submit = t.pair.to_string();
    v.respond(ctx, state)
}

/// `GET /households/{id}/pairings/new`: pair the household with a helper (一帮一).
pub(crate) async fn pair_new(State(s): State<AppState>, ctx: Ctx, PagePath(p): PagePath<HouseholdPath>) -> Response {
    let h = or_error_page!(ctx, writable(&s, &ctx, p.id).await);
    let mut values = Values::default();
    values.set("started_on", crate::labels::today());
    if let Some(u) = h.union_id {
        values.set("helper_org_id", u.to_string());
    }
    pair_view(&s, &ctx, &h, &FormState::new(values)).await
}

/// `POST /households/{id}/pairings/new`.
pub(crate) async fn pair_create(
    State(s): State<AppState>,
    ctx: Ctx,
    PagePath(p): PagePath<HouseholdPath>,
    body: axum::body::Bytes,
) -> Response {
    let f = Values::parse(&body);
    let h = or_error_page!(ctx, writable(&s, &ctx, p.id).await);
    let result = match f.int("helper_org_id") {
        Some(helper) => {
            let input = bangfu_app::pairings::PairingInput {
                helper_org_id: helper,
                person: f.get("person"),
                started_on: Some(f.get("started_on").trim().to_string()).filter(|d| !d.is_empty()),
            };
            s.app.pair(&ctx.who, p.id, &input).await.map(|_| ())
        }
        None => Err(AppError::invalid(bangfu_domain::FieldError::new("helper_org_id", bangfu_domain::Code::Required))),
    };
    match result {
        Ok(()) => done(p.id),
        Err(e) => match FormState::new(f).fail(e, &PAIR_FIELDS, ctx.lang) {
            Ok(state) => pair_view(&s, &ctx, &h, &state).await,
            Err(e) => ctx.error(e),
        },
    }
}
