//! The household's file (一户一档案): facts, members, case work, the evaluation panel,
//! finances, verification, social and union assistance; the audited reveal; the printable file.

use super::list::causes_label;
use crate::auth::Who;
use crate::i18n::{Lang, Tr};
use crate::page::{region_names, Ctx, Nav};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use bangfu_app::households::MonthRow;
use bangfu_app::AppError;
use bangfu_domain::Permission;
use bangfu_domain::*;
use bangfu_store::{Household, Organisation};

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
#[template(path = "households/file.html")]
struct HouseholdPage {
    /// The verification form as sent back with its mistakes (empty: a fresh form).
    ask: crate::form::FormState,
    /// The day a verification request is due when none is given (its field's placeholder).
    due_default: String,
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
    /// The 2021 facts: exclusions (labels), months of labour relation, major events.
    exclusions: String,
    labour_months: String,
    events: Vec<EventLine>,
    can_pay: bool,
    eval: Option<crate::policy::evaluation::EvalView>,
    /// A month typed for the evaluation that is not one: as typed, and what is wrong.
    as_of_error: Option<(String, String)>,
    work: crate::casework::view::CaseworkView,
    plan: crate::casework::view::PlanSection,
    /// Verification requests about the household.
    verifications: Vec<VerificationLine>,
    /// Departments a request can go to.
    departments: Vec<crate::form::Choice>,
}

/// A verification request about the household.
struct VerificationLine {
    id: i64,
    asked_on: String,
    question: String,
    state: String,
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

/// A major event as the file shows it.
struct EventLine {
    id: i64,
    month: String,
    kind: &'static str,
    note: String,
    by: String,
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

pub(crate) async fn household_page(
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
    household_view(&s, &ctx, id, saved, None, as_of.as_deref(), None, None).await
}

/// Shows the household with full resident IDs and phone: an audited look.
pub(crate) async fn reveal_submit(
    State(s): State<AppState>,
    Who(who): Who,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let Ok(id) = id.parse::<i64>() else { return ctx.error(AppError::NotFound) };
    match s.app.reveal(&ctx.who, id).await {
        Ok(r) => household_view(&s, &ctx, id, false, Some(r), None, None, None).await,
        Err(e) => ctx.error(e),
    }
}

/// The head of a printed file.
pub(crate) struct PrintHead {
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
pub(crate) async fn household_print(
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
        title: crate::i18n::texts(zh).x_household_file_one_file_per,
        printed: if zh {
            format!("打印人：{} · 打印时间：{}", ctx.who.name, now)
        } else {
            format!("Printed by {} on {}", ctx.who.name, now)
        },
        print_label: crate::i18n::texts(zh).x_print,
        record_title: crate::i18n::texts(zh).x_record,
        headers: if zh {
            ["日期", "事项", "记录人", "记录时间"]
        } else {
            ["Date", "What", "By", "Recorded"]
        },
        zh,
        events,
    };
    household_view(&s, &ctx, id, false, None, None, Some(head), None).await
}

/// The household's page; `ask` is a verification request sent back with its mistakes, shown in
/// its form beside the fields as typed.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn household_view(
    s: &AppState,
    ctx: &Ctx,
    id: i64,
    saved: bool,
    revealed: Option<bangfu_app::households::Revealed>,
    as_of: Option<&str>,
    print: Option<PrintHead>,
    ask: Option<crate::form::FormState>,
) -> Response {
    // A month that is not one is named beside the field, as typed, over the evaluation of the
    // latest recorded month.
    let (as_of, as_of_error) = match as_of.map(|m| (m, s.app.as_of(Some(m)))) {
        None => (None, None),
        Some((_, Ok(m))) => (Some(m), None),
        Some((typed, Err(e))) => (None, Some((typed.to_string(), crate::error::describe(&e).message(ctx.lang)))),
    };
    let view = match s.app.household_view(&ctx.who, id, as_of).await {
        Ok(v) => v,
        Err(e) => return ctx.error(e),
    };
    let eval = view.evaluation.clone().map(|(m, e)| crate::policy::evaluation::panel(ctx, m, e));
    let (regions, orgs) = (&view.regions, &view.organisations);
    let work = crate::casework::view::for_household(ctx, view.file.household.status, orgs, &view);
    let verifications = view
        .verifications
        .iter()
        .cloned()
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
            VerificationLine { id: v.id, asked_on: v.asked_on, question: v.question, state }
        })
        .collect();
    let departments: Vec<(String, String)> =
        view.departments.iter().map(|o| (o.id.to_string(), o.name.clone())).collect();
    let plan = crate::casework::view::plan_section(ctx, view.plans);
    let zh = ctx.lang.zh();
    let t = ctx.lang.tr();
    let file = view.file;
    let h = file.household;
    ctx.render(
        match &ask {
            Some(a) => a.status.unwrap_or(StatusCode::UNPROCESSABLE_ENTITY),
            None if as_of_error.is_some() => StatusCode::UNPROCESSABLE_ENTITY,
            None => StatusCode::OK,
        },
        HouseholdPage {
            as_of_error,
            ask: ask.unwrap_or_default(),
            due_default: bangfu_app::exchange::working_days_after(
                bangfu_app::clock::today(),
                bangfu_app::exchange::ANSWER_DAYS,
            )
            .to_string(),
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
            region: region_names(regions, zh).get(&h.region_code).cloned().unwrap_or_default(),
            pool: file.pool.label(zh),
            status: h.status.label(zh),
            causes: causes_label(&h.causes, zh),
            work_capacity: h.work_capacity.label(zh),
            union: org_name(orgs, h.union_id, t.none),
            employer: org_name(orgs, h.employer_id, t.none),
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
            departments: crate::form::choices(departments),
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
            exclusions: if h.exclusions.is_empty() {
                t.none.to_string()
            } else {
                h.exclusions.iter().map(|x| x.label(zh)).collect::<Vec<_>>().join("；")
            },
            labour_months: h.labour_relation_months.map_or_else(|| t.not_recorded.to_string(), |n| n.to_string()),
            events: file
                .major_events
                .iter()
                .map(|e| EventLine {
                    id: e.id,
                    month: e.month.to_string(),
                    kind: e.kind.label(zh),
                    note: e.note.clone(),
                    by: crate::labels::who(&e.recorded_by, ctx.lang),
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
