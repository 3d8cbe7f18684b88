//! The case-work section of the household page: the pairing (一帮一) and the outcomes, with
//! the forms to pair, propose and decide; and the handlers of those forms.

use crate::auth::Who;
use crate::pages::Ctx;
use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use bangfu_app::input::MonthlyRecordInput;
use bangfu_app::outcomes::{DecisionInput, ProposalInput};
use bangfu_app::pairings::PairingInput;
use bangfu_app::AppError;
use bangfu_domain::{ExitPathway, HouseholdStatus, OutcomeKind, Permission, WithdrawalReason};
use bangfu_store::Organisation;

/// One outcome as shown.
pub(crate) struct OutcomeLine {
    pub(crate) id: i64,
    pub(crate) kind: String,
    pub(crate) pathway: String,
    pub(crate) reason: String,
    pub(crate) status: String,
    pub(crate) proposed: String,
    pub(crate) decided: String,
    pub(crate) approval_date: String,
    /// The decider's 意见.
    pub(crate) note: String,
    pub(crate) can_decide: bool,
}

/// The section.
pub(crate) struct CaseworkView {
    pub(crate) pairing: Option<String>,
    pub(crate) helpers: Vec<(i64, String)>,
    pub(crate) outcomes: Vec<OutcomeLine>,
    pub(crate) can_propose: bool,
    pub(crate) can_pair: bool,
    pub(crate) kinds: Vec<(String, String)>,
    pub(crate) pathways: Vec<(String, String)>,
}

/// The section of household `id`, whose status is `status`.
pub(crate) async fn for_household(
    s: &AppState,
    ctx: &Ctx,
    id: i64,
    status: HouseholdStatus,
    orgs: &[Organisation],
) -> Result<CaseworkView, AppError> {
    let zh = ctx.lang.zh();
    let name = |org: i64| orgs.iter().find(|o| o.id == org).map_or_else(|| org.to_string(), |o| o.name.clone());
    let (pairings, outcomes) = s.app.casework(&ctx.who, id).await?;
    let pairing = pairings
        .into_iter()
        .find(|p| p.ended_on.is_none())
        .map(|p| format!("{} · {} · {}", name(p.helper_org_id), p.person, p.started_on));
    let outcomes = outcomes
        .into_iter()
        .map(|o| {
            let kind = OutcomeKind::from_code(&o.kind).map_or(o.kind.clone(), |k| k.label(zh).to_string());
            let pathway = o
                .pathway
                .as_deref()
                .map(|p| {
                    ExitPathway::from_code(p)
                        .map(|x| x.label(zh).to_string())
                        .or_else(|| WithdrawalReason::from_code(p).map(|x| x.label(zh).to_string()))
                        .unwrap_or_else(|| p.to_string())
                })
                .unwrap_or_default();
            let status_label = bangfu_domain::OutcomeStatus::from_code(&o.status)
                .map_or(o.status.clone(), |x| x.label(zh).to_string());
            OutcomeLine {
                id: o.id,
                kind,
                pathway,
                reason: o.reason.clone(),
                status: status_label,
                proposed: format!(
                    "{} {}",
                    crate::labels::who(&o.proposed_by_name, ctx.lang),
                    crate::labels::time(&o.proposed_at)
                ),
                decided: o
                    .decided_by_name
                    .clone()
                    .map(|n| {
                        format!(
                            "{} {}",
                            crate::labels::who(&n, ctx.lang),
                            crate::labels::time(o.decided_at.as_deref().unwrap_or_default())
                        )
                    })
                    .unwrap_or_default(),
                approval_date: o.approval_date.clone().unwrap_or_default(),
                note: o.decision_note.clone().unwrap_or_default(),
                can_decide: o.status == "proposed"
                    && ctx.who.can(Permission::ApproveOutcomes)
                    && o.proposed_by != ctx.who.user_id,
            }
        })
        .collect();
    let can_write = ctx.who.can(Permission::WriteHouseholds);
    Ok(CaseworkView {
        pairing,
        helpers: orgs.iter().map(|o| (o.id, o.name.clone())).collect(),
        outcomes,
        can_propose: can_write && status == HouseholdStatus::InFile,
        can_pair: can_write,
        kinds: OutcomeKind::ALL.iter().map(|k| (k.code().to_string(), k.label(zh).to_string())).collect(),
        pathways: ExitPathway::ALL
            .iter()
            .map(|p| (p.code().to_string(), format!("{}：{}", OutcomeKind::Exit.label(zh), p.label(zh))))
            .chain(
                WithdrawalReason::ALL
                    .iter()
                    .map(|w| (w.code().to_string(), format!("{}：{}", OutcomeKind::Withdrawal.label(zh), w.label(zh)))),
            )
            .collect(),
    })
}

fn form(body: &[u8]) -> impl Fn(&str) -> String + '_ {
    move |k: &str| {
        form_urlencoded::parse(body).find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string()).unwrap_or_default()
    }
}

/// Back to the household's case-work section after a form succeeded.
fn back_to(household_id: i64) -> Response {
    Redirect::to(&format!("/households/{household_id}?saved=1#casework")).into_response()
}

macro_rules! form_handler {
    ($(#[$m:meta])* $name:ident, |$s:ident, $ctx:ident, $id:ident, $f:ident| $body:expr) => {
        $(#[$m])*
        pub(crate) async fn $name(
            State($s): State<AppState>,
            Who(who): Who,
            Path(id): Path<String>,
            RawQuery(raw): RawQuery,
            headers: HeaderMap,
            body: axum::body::Bytes,
        ) -> Response {
            let $ctx = Ctx::new(raw.as_deref(), &headers, who);
            let Ok($id) = id.parse::<i64>() else { return $ctx.error(AppError::NotFound) };
            let $f = form(&body);
            let r: Result<i64, AppError> = $body;
            match r {
                Ok(household) => back_to(household),
                Err(e) => $ctx.error(e),
            }
        }
    };
}

fn some(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

form_handler!(
    /// The propose form.
    propose_submit,
    |s, ctx, id, f| {
        let input = ProposalInput { kind: f("kind"), pathway: some(f("pathway")), reason: f("reason") };
        s.app.propose_outcome(&ctx.who, id, &input).await.map(|o| o.household_id)
    }
);

form_handler!(
    /// The "record a month" form: one month's finances (replacing that month if it is on file),
    /// checked as the API checks them.
    month_submit,
    |s, ctx, id, f| match f("members").parse::<i64>() {
        Ok(members) => {
            let input = MonthlyRecordInput::from_text(&f, members);
            s.app.put_months(&ctx.who, id, None, &[input]).await.map(|_| id)
        }
        Err(_) => Err(AppError::invalid(
            bangfu_domain::FieldError::new("members", bangfu_domain::Code::OutOfRange).with("min", 1).with("max", 100),
        )),
    }
);

form_handler!(
    /// The approve / send-back form.
    decide_submit,
    |s, ctx, id, f| {
        let input = DecisionInput { decision: f("decision"), note: f("note"), approval_date: some(f("approval_date")) };
        s.app.decide_outcome(&ctx.who, id, &input).await.map(|o| o.household_id)
    }
);

form_handler!(
    /// The pairing form.
    pair_submit,
    |s, ctx, id, f| match f("helper_org_id").parse::<i64>() {
        Ok(helper) => {
            let input = PairingInput { helper_org_id: helper, person: f("person"), started_on: None };
            s.app.pair(&ctx.who, id, &input).await.map(|p| p.household_id)
        }
        Err(_) => Err(AppError::invalid(bangfu_domain::FieldError::new("helper_org_id", bangfu_domain::Code::Required))),
    }
);

/// Texts of the plan, measure, visit, timeline and work pages.
pub(crate) struct Cw {
    pub(crate) plans: &'static str,
    pub(crate) year: &'static str,
    pub(crate) route: &'static str,
    pub(crate) goals: &'static str,
    pub(crate) save_plan: &'static str,
    pub(crate) measures: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) description: &'static str,
    pub(crate) lead_unit: &'static str,
    pub(crate) responsible_units: &'static str,
    pub(crate) person: &'static str,
    pub(crate) due_on: &'static str,
    pub(crate) status: &'static str,
    pub(crate) result: &'static str,
    pub(crate) add_measure: &'static str,
    pub(crate) update: &'static str,
    pub(crate) enrolment_from: &'static str,
    pub(crate) visits: &'static str,
    pub(crate) visitor: &'static str,
    pub(crate) purpose: &'static str,
    pub(crate) findings: &'static str,
    pub(crate) next_due_on: &'static str,
    pub(crate) schedule: &'static str,
    pub(crate) visited: &'static str,
    pub(crate) cancel: &'static str,
    pub(crate) returns: &'static str,
    pub(crate) failed_month: &'static str,
    pub(crate) decide: &'static str,
    pub(crate) timeline: &'static str,
    pub(crate) date: &'static str,
    pub(crate) what: &'static str,
    pub(crate) who: &'static str,
    pub(crate) recorded_at: &'static str,
    pub(crate) my_work: &'static str,
    pub(crate) my_work_hint: &'static str,
    pub(crate) visits_overdue: &'static str,
    pub(crate) visits_upcoming: &'static str,
    pub(crate) measures_planned: &'static str,
    pub(crate) measures_in_progress: &'static str,
    pub(crate) outcomes_waiting: &'static str,
    pub(crate) engine_exits: &'static str,
    pub(crate) engine_reliefs: &'static str,
    pub(crate) nothing: &'static str,
    pub(crate) unpaired: &'static str,
    pub(crate) household: &'static str,
}

pub(crate) static CW_ZH: Cw = Cw {
    plans: "帮扶计划",
    year: "年度",
    route: "脱困路径",
    goals: "目标",
    save_plan: "保存计划",
    measures: "帮扶措施",
    kind: "类别",
    description: "内容",
    lead_unit: "牵头单位",
    responsible_units: "责任单位",
    person: "责任人",
    due_on: "完成期限",
    status: "状态",
    result: "结果",
    add_measure: "添加措施",
    update: "更新",
    enrolment_from: "纳入救助（项目、起始月）",
    visits: "走访",
    visitor: "走访人",
    purpose: "事由",
    findings: "走访情况",
    next_due_on: "下次走访",
    schedule: "安排走访",
    visited: "已走访",
    cancel: "取消",
    returns: "返困预警",
    failed_month: "未达标月份",
    decide: "处理",
    timeline: "档案时间线",
    date: "日期",
    what: "事项",
    who: "经办人",
    recorded_at: "录入时间",
    my_work: "我的工作",
    my_work_hint: "本人权限范围内：逾期和近期（14 天内）走访、到期措施、待审批结果、返困预警，以及最近一次批量评估建议脱困或解困、尚未提出的家庭。",
    visits_overdue: "逾期走访",
    visits_upcoming: "近期走访",
    measures_planned: "到期措施（未开始）",
    measures_in_progress: "到期措施（实施中）",
    outcomes_waiting: "待审批结果",
    engine_exits: "评估建议脱困",
    engine_reliefs: "评估建议解困",
    nothing: "无",
    unpaired: "尚未结对的家庭",
    household: "家庭",
};

pub(crate) static CW_EN: Cw = Cw {
    plans: "Plans",
    year: "Year",
    route: "Route",
    goals: "Goals",
    save_plan: "Save plan",
    measures: "Measures",
    kind: "Kind",
    description: "Description",
    lead_unit: "Lead unit",
    responsible_units: "Responsible units",
    person: "Responsible",
    due_on: "Due",
    status: "Status",
    result: "Result",
    add_measure: "Add measure",
    update: "Update",
    enrolment_from: "Enrolment (scheme, from month)",
    visits: "Visits",
    visitor: "Visitor",
    purpose: "Purpose",
    findings: "Findings",
    next_due_on: "Next visit",
    schedule: "Schedule visit",
    visited: "Visited",
    cancel: "Cancel",
    returns: "Returns to hardship",
    failed_month: "Failing month",
    decide: "Decide",
    timeline: "Timeline",
    date: "Date",
    what: "What",
    who: "Who",
    recorded_at: "Recorded",
    my_work: "My work",
    my_work_hint: "In your scope: overdue and upcoming (14 days) visits, measures due, outcomes waiting for a decision, returns to hardship, and households the latest batch evaluation finds exited or relieved with no proposal yet.",
    visits_overdue: "Overdue visits",
    visits_upcoming: "Upcoming visits",
    measures_planned: "Measures due (not started)",
    measures_in_progress: "Measures due (in progress)",
    outcomes_waiting: "Outcomes waiting",
    engine_exits: "Engine proposes exit",
    engine_reliefs: "Engine proposes relief",
    nothing: "None",
    unpaired: "Households without a helper",
    household: "Household",
};

pub(crate) fn cw(ctx: &Ctx) -> &'static Cw {
    if ctx.lang.zh() {
        &CW_ZH
    } else {
        &CW_EN
    }
}

/// Plans, measures, visits and return flags of a household, as shown.
pub(crate) struct PlanSection {
    pub(crate) plans: Vec<(i64, String, String, String)>,
    /// id, kind, description, lead, responsible, person, due, status code, status label, result, version.
    pub(crate) measures: Vec<MeasureLine>,
    /// id, due, visitor, purpose, status label, visited on, findings, open?, version.
    pub(crate) visits: Vec<VisitLine>,
    /// id, failed month, income, threshold, status, decision, open?
    pub(crate) returns: Vec<(i64, String, String, String, String, String, bool)>,
    pub(crate) routes: Vec<(String, String)>,
    pub(crate) kinds: Vec<(String, String)>,
    pub(crate) statuses: Vec<(String, String)>,
    pub(crate) schemes: Vec<(String, String)>,
    pub(crate) decisions: Vec<(String, String)>,
    pub(crate) this_year: i32,
    pub(crate) can_decide: bool,
}

pub(crate) struct MeasureLine {
    pub(crate) id: i64,
    pub(crate) kind: String,
    pub(crate) description: String,
    pub(crate) lead: String,
    pub(crate) responsible: String,
    pub(crate) person: String,
    pub(crate) due: String,
    pub(crate) status: String,
    pub(crate) status_label: String,
    pub(crate) result: String,
    pub(crate) version: i64,
    pub(crate) raw_kind: String,
}

pub(crate) struct VisitLine {
    pub(crate) id: i64,
    pub(crate) due: String,
    pub(crate) visitor: String,
    pub(crate) purpose: String,
    pub(crate) status: String,
    pub(crate) visited_on: String,
    pub(crate) findings: String,
    pub(crate) open: bool,
    pub(crate) version: i64,
}

/// The plan section of household `id`.
pub(crate) async fn plan_section(s: &AppState, ctx: &Ctx, id: i64) -> Result<PlanSection, AppError> {
    use bangfu_domain::{MeasureKind, MeasureStatus, PlanRoute, ReturnDecision, Scheme, VisitStatus};
    let zh = ctx.lang.zh();
    let (plans, measures, visits, returns) = s.app.household_plans(&ctx.who, id).await?;
    let lab = |code: &str, l: Option<&'static str>| l.map_or_else(|| code.to_string(), str::to_string);
    Ok(PlanSection {
        plans: plans
            .into_iter()
            .map(|p| {
                let r = lab(&p.route, PlanRoute::from_code(&p.route).map(|r| r.label(zh)));
                (
                    p.year,
                    r,
                    p.goals,
                    format!("{} {}", crate::labels::who(&p.updated_by, ctx.lang), crate::labels::time(&p.updated_at)),
                )
            })
            .collect(),
        measures: measures
            .into_iter()
            .map(|m| MeasureLine {
                id: m.id,
                kind: lab(&m.kind, MeasureKind::from_code(&m.kind).map(|k| k.label(zh))),
                raw_kind: m.kind.clone(),
                description: m.description,
                lead: m.lead_unit,
                responsible: m.responsible_units,
                person: m.person,
                due: m.due_on,
                status_label: lab(&m.status, MeasureStatus::from_code(&m.status).map(|k| k.label(zh))),
                status: m.status,
                result: m.result,
                version: m.version,
            })
            .collect(),
        visits: visits
            .into_iter()
            .map(|v| VisitLine {
                id: v.id,
                due: v.due_on,
                visitor: v.visitor,
                purpose: v.purpose,
                open: v.status == "scheduled",
                status: lab(&v.status, VisitStatus::from_code(&v.status).map(|k| k.label(zh))),
                visited_on: v.visited_on.unwrap_or_default(),
                findings: v.findings,
                version: v.version,
            })
            .collect(),
        returns: returns
            .into_iter()
            .map(|r| {
                let d = r.decision.as_deref().map(|d| lab(d, ReturnDecision::from_code(d).map(|x| x.label(zh))));
                (
                    r.id,
                    r.failed_month,
                    crate::labels::money(r.income),
                    crate::labels::money(r.threshold),
                    r.status.clone(),
                    format!("{} {}", d.unwrap_or_default(), r.note.unwrap_or_default()),
                    r.status == "open",
                )
            })
            .collect(),
        routes: PlanRoute::ALL.iter().map(|r| (r.code().into(), r.label(zh).into())).collect(),
        kinds: MeasureKind::ALL.iter().map(|r| (r.code().into(), r.label(zh).into())).collect(),
        statuses: MeasureStatus::ALL.iter().map(|r| (r.code().into(), r.label(zh).into())).collect(),
        schemes: Scheme::ALL.iter().map(|r| (r.code().into(), r.label(zh).into())).collect(),
        decisions: ReturnDecision::ALL.iter().map(|r| (r.code().into(), r.label(zh).into())).collect(),
        this_year: chrono::Datelike::year(&bangfu_app::clock::today()),
        can_decide: ctx.who.can(Permission::ApproveOutcomes),
    })
}

form_handler!(
    /// The plan form.
    plan_submit,
    |s, ctx, id, f| {
        let input = bangfu_app::casework::PlanInput {
            year: f("year").parse().ok(),
            goals: f("goals"),
            route: f("route"),
            version: f("version").parse().ok(),
        };
        s.app.save_plan(&ctx.who, id, &input).await.map(|p| p.household_id)
    }
);

fn measure_input(f: &dyn Fn(&str) -> String) -> bangfu_app::casework::MeasureInput {
    let scheme = f("enrolment_scheme");
    bangfu_app::casework::MeasureInput {
        plan_id: None,
        kind: f("kind"),
        description: f("description"),
        lead_unit: f("lead_unit"),
        responsible_units: f("responsible_units"),
        person: f("person"),
        due_on: f("due_on"),
        status: f("status"),
        result: f("result"),
        done_on: some(f("done_on")),
        enrolment: (!scheme.is_empty()).then(|| bangfu_app::input::EnrolmentInput {
            scheme,
            from: f("enrolment_from"),
            to: None,
        }),
        version: f("version").parse().ok(),
    }
}

form_handler!(
    /// The add-measure form.
    measure_submit,
    |s, ctx, id, f| s.app.add_measure(&ctx.who, id, &measure_input(&f)).await.map(|m| m.household_id)
);

form_handler!(
    /// The update-measure form (status, result, enrolment).
    measure_update_submit,
    |s, ctx, id, f| s.app.update_measure(&ctx.who, id, &measure_input(&f)).await.map(|m| m.household_id)
);

form_handler!(
    /// The schedule-visit form.
    visit_submit,
    |s, ctx, id, f| {
        let input =
            bangfu_app::casework::VisitInput { due_on: f("due_on"), visitor: f("visitor"), purpose: f("purpose") };
        s.app.schedule_visit(&ctx.who, id, &input).await.map(|v| v.household_id)
    }
);

form_handler!(
    /// The record-visit form.
    visit_record_submit,
    |s, ctx, id, f| {
        let input = bangfu_app::casework::VisitRecordInput {
            status: f("status"),
            visited_on: some(f("visited_on")),
            findings: f("findings"),
            next_due_on: some(f("next_due_on")),
            version: f("version").parse().ok(),
        };
        s.app.record_visit(&ctx.who, id, &input).await.map(|(v, _)| v.household_id)
    }
);

form_handler!(
    /// The return-to-hardship decision form.
    return_submit,
    |s, ctx, id, f| {
        let input = bangfu_app::casework::ReturnDecisionInput { decision: f("decision"), note: f("note") };
        s.app.decide_return(&ctx.who, id, &input).await.map(|r| r.household_id)
    }
);
