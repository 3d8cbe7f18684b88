//! The case-work section of the household page: the pairing (一帮一) and the outcomes, with
//! the forms to pair, propose and decide; and the handlers of those forms.

use crate::auth::Who;
use crate::pages::Ctx;
use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
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
                proposed: format!("{} {}", o.proposed_by_name, o.proposed_at),
                decided: o
                    .decided_by_name
                    .clone()
                    .map(|n| format!("{n} {}", o.decided_at.clone().unwrap_or_default()))
                    .unwrap_or_default(),
                approval_date: o.approval_date.clone().unwrap_or_default(),
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

/// The propose form.
pub(crate) async fn propose_submit(
    State(s): State<AppState>,
    Who(who): Who,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let Ok(id) = id.parse::<i64>() else { return ctx.error(AppError::NotFound) };
    let f = form(&body);
    let pathway = f("pathway");
    let input =
        ProposalInput { kind: f("kind"), pathway: (!pathway.is_empty()).then_some(pathway), reason: f("reason") };
    match s.app.propose_outcome(&ctx.who, id, &input).await {
        Ok(_) => back_to(id),
        Err(e) => ctx.error(e),
    }
}

/// The approve / send-back form.
pub(crate) async fn decide_submit(
    State(s): State<AppState>,
    Who(who): Who,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let Ok(id) = id.parse::<i64>() else { return ctx.error(AppError::NotFound) };
    let f = form(&body);
    let date = f("approval_date");
    let input =
        DecisionInput { decision: f("decision"), note: f("note"), approval_date: (!date.is_empty()).then_some(date) };
    match s.app.decide_outcome(&ctx.who, id, &input).await {
        Ok(o) => back_to(o.household_id),
        Err(e) => ctx.error(e),
    }
}

/// The pairing form.
pub(crate) async fn pair_submit(
    State(s): State<AppState>,
    Who(who): Who,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let Ok(id) = id.parse::<i64>() else { return ctx.error(AppError::NotFound) };
    let f = form(&body);
    let Ok(helper) = f("helper_org_id").parse::<i64>() else {
        return ctx.error(AppError::invalid(bangfu_domain::FieldError::new(
            "helper_org_id",
            "required",
            "choose a helper unit",
        )));
    };
    let input = PairingInput { helper_org_id: helper, person: f("person"), started_on: None };
    match s.app.pair(&ctx.who, id, &input).await {
        Ok(_) => back_to(id),
        Err(e) => ctx.error(e),
    }
}
