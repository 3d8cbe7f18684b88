//! 待我审批: the decisions waiting for the signed-in user (outcomes, payments, returns to
//! hardship), each decided on a page of its own in two steps — the decision with its 意见, then a
//! confirmation that says what will happen — and the 意见 kept on the file and its timeline.

use crate::extract::{IdPath, PagePath};
use crate::form::{choices, field, saved, Fact, FormState, FormView, Values};
use crate::page::{Ctx, Nav};
use crate::AppState;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use bangfu_app::AppError;
use bangfu_domain::{Code, ExitPathway, FieldError, MeasureKind, OutcomeKind, ReturnDecision, WithdrawalReason};

/// One decision waiting, as the queue lists it.
struct QueueLine {
    link: String,
    household: String,
    what: String,
    by: String,
    at: String,
}

/// One list of the queue.
struct QueueSection {
    id: &'static str,
    title: &'static str,
    lines: Vec<QueueLine>,
}

#[derive(Template)]
#[template(path = "casework/approvals.html")]
struct QueueView {
    t: &'static crate::i18n::Tr,
    nav: Nav,
    show_synthetic: bool,
    done: bool,
    more: bool,
    total: usize,
    sections: Vec<QueueSection>,
}

fn outcome_what(kind: &str, pathway: Option<&str>, zh: bool) -> String {
    let k = OutcomeKind::from_code(kind).map_or(kind.to_string(), |k| k.label(zh).to_string());
    let p = pathway
        .and_then(|p| {
            ExitPathway::from_code(p)
                .map(|x| x.label(zh))
                .or_else(|| WithdrawalReason::from_code(p).map(|x| x.label(zh)))
        })
        .map(|p| format!("（{p}）"))
        .unwrap_or_default();
    format!("{k}{p}")
}

/// `GET /approvals`.
pub(crate) async fn queue(State(s): State<AppState>, ctx: Ctx, RawQuery(raw): RawQuery) -> Response {
    let (t, zh) = (ctx.lang.tr(), ctx.lang.zh());
    let q = or_error_page!(ctx, s.app.approvals(&ctx.who).await);
    let sections = vec![
        QueueSection {
            id: "approvals-outcomes",
            title: t.approvals_outcomes,
            lines: q
                .outcomes
                .iter()
                .map(|o| QueueLine {
                    link: format!("/approvals/outcomes/{}", o.id),
                    household: format!("#{}", o.household_id),
                    what: outcome_what(&o.kind, o.pathway.as_deref(), zh),
                    by: o.proposed_by_name.clone(),
                    at: crate::labels::time(&o.proposed_at),
                })
                .collect(),
        },
        QueueSection {
            id: "approvals-entries",
            title: t.approvals_entries,
            lines: q
                .entries
                .iter()
                .map(|e| QueueLine {
                    link: format!("/approvals/entries/{}", e.id),
                    household: payee(e),
                    what: format!(
                        "{} · {}",
                        e.purpose
                            .as_deref()
                            .and_then(MeasureKind::from_code)
                            .map_or_else(|| t.allocation.to_string(), |k| k.label(zh).to_string()),
                        crate::labels::money(e.amount)
                    ),
                    by: e.recorded_by.clone(),
                    at: crate::labels::time(&e.recorded_at),
                })
                .collect(),
        },
        QueueSection {
            id: "approvals-returns",
            title: t.approvals_returns,
            lines: q
                .returns
                .iter()
                .map(|r| QueueLine {
                    link: format!("/approvals/returns/{}", r.id),
                    household: format!("{} {}", r.file_no, r.head_name),
                    what: format!("{} {}", t.failed_month, r.what),
                    by: String::new(),
                    at: crate::labels::time(&r.date),
                })
                .collect(),
        },
    ];
    // Outcomes carry their household's number: its file number and head come from one read.
    let names = or_error_page!(ctx, s.app.waiting_outcome_households(&ctx.who).await);
    let mut sections = sections;
    for (line, o) in sections[0].lines.iter_mut().zip(&q.outcomes) {
        if let Some((file_no, head)) = names.get(&o.id) {
            line.household = format!("{file_no} {head}");
        }
    }
    let done = raw.as_deref().is_some_and(|r| r.contains("done=1"));
    ctx.render(
        StatusCode::OK,
        QueueView { t, nav: ctx.nav(), show_synthetic: false, done, more: q.more, total: q.count(), sections },
    )
}

/// The two steps of a decision: the form, then (with `confirmed` unset) the confirmation.
enum Step {
    Form(FormState),
    Confirm(Values),
}

/// What the submitted form asks for: back to the form, a confirmation, or the decision itself.
fn step_of(f: &Values, allowed: &[&str], lang: crate::i18n::Lang) -> Option<Step> {
    if f.get("back") == "1" {
        return Some(Step::Form(FormState::new(f.clone())));
    }
    if f.get("confirmed") == "1" {
        return None;
    }
    if !allowed.contains(&f.get("decision").as_str()) {
        let e = AppError::invalid(FieldError::new("decision", Code::Required));
        return Some(Step::Form(FormState::new(f.clone()).fail(e, &["decision"], lang).unwrap_or_default()));
    }
    Some(Step::Confirm(f.clone()))
}

/// The confirmation: the facts, what will happen, the note; 确认 or 返回修改.
fn confirm(ctx: &Ctx, title: String, back: String, mut facts: Vec<Fact>, f: &Values, decision: String) -> Response {
    let t = ctx.lang.tr();
    let mut v = FormView::new(ctx, title, back);
    facts.push(Fact { label: t.decision.into(), value: decision.clone() });
    facts.push(Fact { label: t.note.into(), value: f.get("note") });
    if !f.get("approval_date").is_empty() {
        facts.push(Fact { label: t.approval_date.into(), value: f.get("approval_date") });
    }
    v.facts = facts;
    v.intro = t.confirm_decision.to_string();
    v.hidden = f.0.iter().filter(|(k, _)| k != "confirmed" && k != "back").cloned().collect();
    v.hidden.push(("confirmed".into(), "1".into()));
    v.submit = format!("{}{decision}", t.confirm_prefix);
    v.alt_submit = Some(("back".into(), "1".into(), t.back_to_edit.into()));
    v.respond(ctx, &FormState::default())
}

// ---------------------------------------------------------------- outcomes

async fn outcome_facts(s: &AppState, ctx: &Ctx, id: i64) -> Result<(bangfu_store::Outcome, Vec<Fact>), AppError> {
    if !ctx.who.can(bangfu_domain::Permission::ApproveOutcomes) {
        return Err(AppError::Forbidden);
    }
    let (t, zh) = (ctx.lang.tr(), ctx.lang.zh());
    let o = s.app.outcome(&ctx.who, id).await?;
    let h = s.app.household(&ctx.who, o.household_id).await?;
    let facts = vec![
        Fact { label: t.file_no.into(), value: h.file_no.clone() },
        Fact { label: t.head_name.into(), value: h.head_name.clone() },
        Fact { label: t.outcome.into(), value: outcome_what(&o.kind, o.pathway.as_deref(), zh) },
        Fact { label: t.reason.into(), value: o.reason.clone() },
        Fact {
            label: t.proposed_by.into(),
            value: format!("{} {}", o.proposed_by_name, crate::labels::time(&o.proposed_at)),
        },
    ];
    Ok((o, facts))
}

fn outcome_form(ctx: &Ctx, id: i64, facts: Vec<Fact>, state: &FormState) -> Response {
    let t = ctx.lang.tr();
    let mut v = FormView::new(ctx, t.decide_outcome.to_string(), "/approvals".to_string());
    v.facts = facts;
    v.fields = vec![
        field(state, "decision", t.decision, "radio")
            .required()
            .choices(choices([("approve", t.approve), ("send_back", t.send_back)])),
        field(state, "note", t.note, "textarea").hint(t.note_hint),
        field(state, "approval_date", t.approval_date, "date"),
    ];
    v.submit = t.next_step.to_string();
    let _ = id;
    v.respond(ctx, state)
}

/// `GET /approvals/outcomes/{id}`.
pub(crate) async fn outcome_page(State(s): State<AppState>, ctx: Ctx, PagePath(p): PagePath<IdPath>) -> Response {
    let (_, facts) = or_error_page!(ctx, outcome_facts(&s, &ctx, p.id).await);
    let mut values = Values::default();
    values.set("approval_date", crate::labels::today());
    outcome_form(&ctx, p.id, facts, &FormState::new(values))
}

/// `POST /approvals/outcomes/{id}`: the form, the confirmation, or the decision.
pub(crate) async fn outcome_submit(
    State(s): State<AppState>,
    ctx: Ctx,
    PagePath(p): PagePath<IdPath>,
    body: axum::body::Bytes,
) -> Response {
    let t = ctx.lang.tr();
    let f = Values::parse(&body);
    let (_, facts) = or_error_page!(ctx, outcome_facts(&s, &ctx, p.id).await);
    match step_of(&f, &["approve", "send_back"], ctx.lang) {
        Some(Step::Form(state)) => return outcome_form(&ctx, p.id, facts, &state),
        Some(Step::Confirm(f)) => {
            let d = if f.get("decision") == "approve" { t.approve } else { t.send_back };
            return confirm(&ctx, t.decide_outcome.into(), "/approvals".into(), facts, &f, d.into());
        }
        None => {}
    }
    let input = bangfu_app::outcomes::DecisionInput {
        decision: f.get("decision"),
        note: f.get("note"),
        approval_date: Some(f.get("approval_date")).filter(|d| !d.trim().is_empty()),
    };
    match s.app.decide_outcome(&ctx.who, p.id, &input).await {
        Ok(_) => saved("/approvals?done=1"),
        Err(e) => match FormState::new(f).fail(e, &["decision", "note", "approval_date"], ctx.lang) {
            Ok(state) => outcome_form(&ctx, p.id, facts, &state),
            Err(e) => ctx.error(e),
        },
    }
}

// ---------------------------------------------------------------- ledger entries

/// Who an entry pays: the household (file number and head) or the union.
fn payee(e: &bangfu_store::FundEntry) -> String {
    match (&e.file_no, &e.payee_name) {
        (Some(f), _) => format!("{f} {}", e.head_name.clone().unwrap_or_default()),
        (None, Some(p)) => p.clone(),
        _ => String::new(),
    }
}

async fn entry_facts(s: &AppState, ctx: &Ctx, id: i64) -> Result<Vec<Fact>, AppError> {
    if !ctx.who.can(bangfu_domain::Permission::ApproveFunds) {
        return Err(AppError::Forbidden);
    }
    let (t, zh) = (ctx.lang.tr(), ctx.lang.zh());
    let e = s.app.fund_entry(&ctx.who, id).await?;
    let payee = payee(&e);
    Ok(vec![
        Fact { label: t.fund.into(), value: e.fund_name.clone() },
        Fact { label: t.payee.into(), value: payee },
        Fact {
            label: t.purpose.into(),
            value: e
                .purpose
                .as_deref()
                .and_then(MeasureKind::from_code)
                .map_or_else(|| t.allocation.to_string(), |k| k.label(zh).to_string()),
        },
        Fact { label: t.amount.into(), value: crate::labels::money(e.amount) },
        Fact { label: t.voucher_date.into(), value: e.day.clone() },
        Fact { label: t.voucher.into(), value: e.voucher.clone() },
        Fact {
            label: t.recorded_by.into(),
            value: format!("{} {}", e.recorded_by, crate::labels::time(&e.recorded_at)),
        },
    ])
}

fn entry_form(ctx: &Ctx, facts: Vec<Fact>, state: &FormState) -> Response {
    let t = ctx.lang.tr();
    let mut v = FormView::new(ctx, t.decide_entry.to_string(), "/approvals".to_string());
    v.facts = facts;
    v.fields = vec![
        field(state, "decision", t.decision, "radio")
            .required()
            .choices(choices([("approve", t.approve), ("reject", t.reject)])),
        field(state, "note", t.note, "textarea").hint(t.note_hint),
    ];
    v.submit = t.next_step.to_string();
    v.respond(ctx, state)
}

/// `GET /approvals/entries/{id}`.
pub(crate) async fn entry_page(State(s): State<AppState>, ctx: Ctx, PagePath(p): PagePath<IdPath>) -> Response {
    match entry_facts(&s, &ctx, p.id).await {
        Ok(facts) => entry_form(&ctx, facts, &FormState::default()),
        Err(e) => ctx.error(e),
    }
}

/// `POST /approvals/entries/{id}`.
pub(crate) async fn entry_submit(
    State(s): State<AppState>,
    ctx: Ctx,
    PagePath(p): PagePath<IdPath>,
    body: axum::body::Bytes,
) -> Response {
    let t = ctx.lang.tr();
    let f = Values::parse(&body);
    let facts = or_error_page!(ctx, entry_facts(&s, &ctx, p.id).await);
    match step_of(&f, &["approve", "reject"], ctx.lang) {
        Some(Step::Form(state)) => return entry_form(&ctx, facts, &state),
        Some(Step::Confirm(f)) => {
            let d = if f.get("decision") == "approve" { t.approve } else { t.reject };
            return confirm(&ctx, t.decide_entry.into(), "/approvals".into(), facts, &f, d.into());
        }
        None => {}
    }
    let input = bangfu_app::funds::EntryDecisionInput { decision: f.get("decision"), note: f.get("note") };
    match s.app.decide_entry(&ctx.who, p.id, &input).await {
        Ok(_) => saved("/approvals?done=1"),
        Err(e) => match FormState::new(f).fail(e, &["decision", "note"], ctx.lang) {
            Ok(state) => entry_form(&ctx, facts, &state),
            Err(e) => ctx.error(e),
        },
    }
}

// ---------------------------------------------------------------- returns to hardship

async fn return_facts(s: &AppState, ctx: &Ctx, id: i64) -> Result<Vec<Fact>, AppError> {
    if !ctx.who.can(bangfu_domain::Permission::ApproveOutcomes) {
        return Err(AppError::Forbidden);
    }
    let t = ctx.lang.tr();
    let r = s.app.hardship_return(&ctx.who, id).await?;
    let h = s.app.household(&ctx.who, r.household_id).await?;
    Ok(vec![
        Fact { label: t.file_no.into(), value: h.file_no.clone() },
        Fact { label: t.head_name.into(), value: h.head_name.clone() },
        Fact { label: t.failed_month.into(), value: r.failed_month.clone() },
        Fact {
            label: t.per_capita_own.into(),
            value: format!("{} ≤ {}", crate::labels::money(r.income), crate::labels::money(r.threshold)),
        },
        Fact { label: t.detected_at.into(), value: crate::labels::time(&r.detected_at) },
    ])
}

fn return_form(ctx: &Ctx, facts: Vec<Fact>, state: &FormState) -> Response {
    let (t, zh) = (ctx.lang.tr(), ctx.lang.zh());
    let mut v = FormView::new(ctx, t.decide_return.to_string(), "/approvals".to_string());
    v.facts = facts;
    v.fields = vec![
        field(state, "decision", t.decision, "radio")
            .required()
            .choices(choices(ReturnDecision::ALL.iter().map(|d| (d.code(), d.label(zh))))),
        field(state, "note", t.note, "textarea").required(),
    ];
    v.submit = t.next_step.to_string();
    v.respond(ctx, state)
}

/// `GET /approvals/returns/{id}`.
pub(crate) async fn return_page(State(s): State<AppState>, ctx: Ctx, PagePath(p): PagePath<IdPath>) -> Response {
    match return_facts(&s, &ctx, p.id).await {
        Ok(facts) => return_form(&ctx, facts, &FormState::default()),
        Err(e) => ctx.error(e),
    }
}

/// `POST /approvals/returns/{id}`.
pub(crate) async fn return_submit(
    State(s): State<AppState>,
    ctx: Ctx,
    PagePath(p): PagePath<IdPath>,
    body: axum::body::Bytes,
) -> Response {
    let (t, zh) = (ctx.lang.tr(), ctx.lang.zh());
    let f = Values::parse(&body);
    let facts = or_error_page!(ctx, return_facts(&s, &ctx, p.id).await);
    let allowed: Vec<&str> = ReturnDecision::ALL.iter().map(|d| d.code()).collect();
    match step_of(&f, &allowed, ctx.lang) {
        Some(Step::Form(state)) => return return_form(&ctx, facts, &state),
        Some(Step::Confirm(f)) => {
            let d = ReturnDecision::from_code(&f.get("decision")).map_or("", |d| d.label(zh));
            return confirm(&ctx, t.decide_return.into(), "/approvals".into(), facts, &f, d.into());
        }
        None => {}
    }
    let input = bangfu_app::casework::ReturnDecisionInput { decision: f.get("decision"), note: f.get("note") };
    match s.app.decide_return(&ctx.who, p.id, &input).await {
        Ok(_) => saved("/approvals?done=1"),
        Err(e) => match FormState::new(f).fail(e, &["decision", "note"], ctx.lang) {
            Ok(state) => return_form(&ctx, facts, &state),
            Err(e) => ctx.error(e),
        },
    }
}
