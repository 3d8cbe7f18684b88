//! The case-work section of the household page: the pairing (一帮一) and the outcomes, with
//! the forms to pair, propose and decide; and the handlers of those forms.

use crate::page::Ctx;
use bangfu_app::evaluate::{HouseholdPlans, HouseholdView};
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
    pub(crate) outcomes: Vec<OutcomeLine>,
    pub(crate) can_propose: bool,
    pub(crate) can_pair: bool,
}

/// The case-work section of a household whose status is `status`, from the page's read.
pub(crate) fn for_household(
    ctx: &Ctx,
    status: HouseholdStatus,
    orgs: &[Organisation],
    view: &HouseholdView,
) -> CaseworkView {
    let zh = ctx.lang.zh();
    let name = |org: i64| orgs.iter().find(|o| o.id == org).map_or_else(|| org.to_string(), |o| o.name.clone());
    let pairing = view
        .pairings
        .iter()
        .find(|p| p.ended_on.is_none())
        .map(|p| format!("{} · {} · {}", name(p.helper_org_id), p.person, p.started_on));
    let outcomes = view
        .outcomes
        .iter()
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
    CaseworkView { pairing, outcomes, can_propose: can_write && status == HouseholdStatus::InFile, can_pair: can_write }
}

/// Plans, measures, visits and return flags of a household, as shown.
pub(crate) struct PlanSection {
    pub(crate) plans: Vec<PlanLine>,
    /// id, kind, description, lead, responsible, person, due, status code, status label, result, version.
    pub(crate) measures: Vec<MeasureLine>,
    /// id, due, visitor, purpose, status label, visited on, findings, open?, version.
    pub(crate) visits: Vec<VisitLine>,
    pub(crate) returns: Vec<ReturnLine>,
    pub(crate) can_decide: bool,
}

/// A year's plan as the file shows it.
pub(crate) struct PlanLine {
    pub(crate) year: i64,
    pub(crate) route: String,
    pub(crate) goals: String,
    /// Who wrote it last, and when.
    pub(crate) by: String,
}

/// A return to hardship as the file shows it.
pub(crate) struct ReturnLine {
    pub(crate) id: i64,
    pub(crate) failed_month: String,
    pub(crate) income: String,
    pub(crate) threshold: String,
    /// The decision and its note, once decided.
    pub(crate) decision: String,
    pub(crate) open: bool,
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
}

/// The plan section of a household, from the page's read: its plans, measures, visits and
/// returns to hardship.
pub(crate) fn plan_section(ctx: &Ctx, records: HouseholdPlans) -> PlanSection {
    use bangfu_domain::{MeasureKind, MeasureStatus, PlanRoute, ReturnDecision, VisitStatus};
    let zh = ctx.lang.zh();
    let (plans, measures, visits, returns) = records;
    let lab = |code: &str, l: Option<&'static str>| l.map_or_else(|| code.to_string(), str::to_string);
    PlanSection {
        plans: plans
            .into_iter()
            .map(|p| {
                let r = lab(&p.route, PlanRoute::from_code(&p.route).map(|r| r.label(zh)));
                PlanLine {
                    year: p.year,
                    route: r,
                    goals: p.goals,
                    by: format!(
                        "{} {}",
                        crate::labels::who(&p.updated_by, ctx.lang),
                        crate::labels::time(&p.updated_at)
                    ),
                }
            })
            .collect(),
        measures: measures
            .into_iter()
            .map(|m| MeasureLine {
                id: m.id,
                kind: lab(&m.kind, MeasureKind::from_code(&m.kind).map(|k| k.label(zh))),
                description: m.description,
                lead: m.lead_unit,
                responsible: m.responsible_units,
                person: m.person,
                due: m.due_on,
                status_label: lab(&m.status, MeasureStatus::from_code(&m.status).map(|k| k.label(zh))),
                status: m.status,
                result: m.result,
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
            })
            .collect(),
        returns: returns
            .into_iter()
            .map(|r| {
                let d = r.decision.as_deref().map(|d| lab(d, ReturnDecision::from_code(d).map(|x| x.label(zh))));
                ReturnLine {
                    id: r.id,
                    failed_month: r.failed_month,
                    income: crate::labels::money(r.income),
                    threshold: crate::labels::money(r.threshold),
                    decision: if r.status == "open" {
                        (crate::i18n::texts(zh).x_open_2).to_string()
                    } else {
                        format!("{} {}", d.unwrap_or_default(), r.note.unwrap_or_default())
                    },
                    open: r.status == "open",
                }
            })
            .collect(),
        can_decide: ctx.who.can(Permission::ApproveOutcomes),
    }
}
