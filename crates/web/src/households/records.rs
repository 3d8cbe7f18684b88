//! The family and its records, each changed on a page of its own (一户一档案 is first of all
//! the family): members added, changed and removed; a month's finances recorded; social
//! assistance and union assistance added and removed. The same checks as the API apply (the
//! app does them): the ID's check digit, one person in one file, the file's version.

use super::{file_facts, writable, HouseholdPath, ItemPath, MemberPath};
use crate::extract::PagePath;
use crate::form::{choices, field, saved, Fact, FormState, FormView, Values};
use crate::page::Ctx;
use crate::AppState;
use axum::extract::State;
use axum::response::Response;
use bangfu_app::input::{
    Amount, EnrolmentInput, MajorEventInput, MemberInput, MonthlyRecordInput, UnionAssistanceInput,
};
use bangfu_app::AppError;
use bangfu_domain::{AssistanceKind, MajorEvent, Relation, Scheme, Situation, UnionMeasure};

/// The member form's fields.
const MEMBER_FIELDS: [&str; 5] = ["name", "id_number", "relation", "birth_date", "situation"];

fn member_form(ctx: &Ctx, title: String, back: String, state: &FormState) -> FormView {
    let (t, zh) = (ctx.lang.tr(), ctx.lang.zh());
    let mut v = FormView::new(ctx, title, back);
    v.fields = vec![
        field(state, "name", t.name, "text").required(),
        field(state, "id_number", t.id_number, "text").hint(t.member_id_hint),
        field(state, "relation", t.relation, "select")
            .required()
            .choices(choices(Relation::ALL.iter().map(|r| (r.code(), r.label(zh))))),
        field(state, "birth_date", t.birth_date, "date").hint(t.birth_date_hint),
        field(state, "situation", t.situation, "select")
            .required()
            .choices(choices(Situation::ALL.iter().map(|r| (r.code(), r.label(zh))))),
    ];
    v.hidden = vec![("version".into(), state.values.get("version"))];
    v
}

fn member_input(f: &Values) -> MemberInput {
    MemberInput {
        name: f.get("name"),
        id_number: f.get("id_number"),
        relation: f.get("relation"),
        birth_date: f.get("birth_date"),
        situation: f.get("situation"),
    }
}

fn anchor(id: i64, section: &str) -> String {
    format!("/households/{id}?saved=1#{section}")
}

/// `GET /households/{id}/members/new`.
pub(crate) async fn member_new(State(s): State<AppState>, ctx: Ctx, PagePath(p): PagePath<HouseholdPath>) -> Response {
    let h = or_error_page!(ctx, writable(&s, &ctx, p.id).await);
    let mut values = Values::default();
    values.set("version", h.version.to_string());
    values.set("relation", "child");
    values.set("situation", "student");
    let state = FormState::new(values);
    let mut v =
        member_form(&ctx, ctx.lang.tr().add_member.to_string(), format!("/households/{}#members", h.id), &state);
    v.facts = file_facts(&ctx, &h);
    v.respond(&ctx, &state)
}

/// `POST /households/{id}/members/new`.
pub(crate) async fn member_create(
    State(s): State<AppState>,
    ctx: Ctx,
    PagePath(p): PagePath<HouseholdPath>,
    body: axum::body::Bytes,
) -> Response {
    let f = Values::parse(&body);
    let h = or_error_page!(ctx, writable(&s, &ctx, p.id).await);
    match s.app.add_member(&ctx.who, p.id, f.int("version"), &member_input(&f)).await {
        Ok(_) => saved(&anchor(p.id, "members")),
        Err(e) => match FormState::new(f).fail(e, &MEMBER_FIELDS, ctx.lang) {
            Ok(state) => {
                let mut v = member_form(
                    &ctx,
                    ctx.lang.tr().add_member.to_string(),
                    format!("/households/{}#members", p.id),
                    &state,
                );
                v.facts = file_facts(&ctx, &h);
                v.respond(&ctx, &state)
            }
            Err(e) => ctx.error(e),
        },
    }
}

/// `GET /households/{id}/members/{member_id}`: the member's form.
pub(crate) async fn member_edit(State(s): State<AppState>, ctx: Ctx, PagePath(p): PagePath<MemberPath>) -> Response {
    let h = or_error_page!(ctx, writable(&s, &ctx, p.id).await);
    let members = or_error_page!(ctx, s.app.members(&ctx.who, p.id).await);
    let Some(m) = members.into_iter().find(|m| m.id == p.member_id) else { return ctx.error(AppError::NotFound) };
    let mut values = Values::default();
    values.set("version", h.version.to_string());
    values.set("name", m.name.clone());
    values.set("id_number", m.id_number.clone());
    values.set("relation", m.relation.code());
    values.set("birth_date", m.birth_date.to_string());
    values.set("situation", m.situation.code());
    let state = FormState::new(values);
    member_edit_view(&ctx, &h, &p, &m.name, &state)
}

fn member_edit_view(ctx: &Ctx, h: &bangfu_store::Household, p: &MemberPath, name: &str, state: &FormState) -> Response {
    let t = ctx.lang.tr();
    let mut v = member_form(ctx, format!("{} · {name}", t.edit_member), format!("/households/{}#members", h.id), state);
    v.facts = file_facts(ctx, h);
    v.danger = Some((format!("/households/{}/members/{}/delete", h.id, p.member_id), t.remove_member.to_string()));
    v.respond(ctx, state)
}

/// `POST /households/{id}/members/{member_id}`.
pub(crate) async fn member_update(
    State(s): State<AppState>,
    ctx: Ctx,
    PagePath(p): PagePath<MemberPath>,
    body: axum::body::Bytes,
) -> Response {
    let f = Values::parse(&body);
    let h = or_error_page!(ctx, writable(&s, &ctx, p.id).await);
    match s.app.update_member(&ctx.who, p.id, p.member_id, f.int("version"), &member_input(&f)).await {
        Ok(_) => saved(&anchor(p.id, "members")),
        Err(e) => {
            let name = f.get("name");
            match FormState::new(f).fail(e, &MEMBER_FIELDS, ctx.lang) {
                Ok(state) => member_edit_view(&ctx, &h, &p, &name, &state),
                Err(e) => ctx.error(e),
            }
        }
    }
}

/// A confirmation before something is removed from the file.
fn confirm_view(ctx: &Ctx, h: &bangfu_store::Household, title: String, what: Vec<Fact>, back: String) -> FormView {
    let t = ctx.lang.tr();
    let mut v = FormView::new(ctx, title, back);
    v.facts = file_facts(ctx, h);
    v.facts.extend(what);
    v.intro = t.confirm_remove.to_string();
    v.submit = t.remove.to_string();
    v.hidden = vec![("version".into(), h.version.to_string())];
    v
}

/// `GET /households/{id}/members/{member_id}/delete`: asks before removing.
pub(crate) async fn member_delete_page(
    State(s): State<AppState>,
    ctx: Ctx,
    PagePath(p): PagePath<MemberPath>,
) -> Response {
    let h = or_error_page!(ctx, writable(&s, &ctx, p.id).await);
    let members = or_error_page!(ctx, s.app.members(&ctx.who, p.id).await);
    let Some(m) = members.into_iter().find(|m| m.id == p.member_id) else { return ctx.error(AppError::NotFound) };
    let (t, zh) = (ctx.lang.tr(), ctx.lang.zh());
    let what = vec![
        Fact { label: t.name.into(), value: m.name.clone() },
        Fact { label: t.relation.into(), value: m.relation.label(zh).into() },
        Fact { label: t.id_number.into(), value: m.id_number.clone() },
    ];
    let v = confirm_view(&ctx, &h, t.remove_member.to_string(), what, format!("/households/{}/members/{}", h.id, m.id));
    v.respond(&ctx, &FormState::default())
}

/// `POST /households/{id}/members/{member_id}/delete`.
pub(crate) async fn member_delete(
    State(s): State<AppState>,
    ctx: Ctx,
    PagePath(p): PagePath<MemberPath>,
    body: axum::body::Bytes,
) -> Response {
    let f = Values::parse(&body);
    let h = or_error_page!(ctx, writable(&s, &ctx, p.id).await);
    match s.app.delete_member(&ctx.who, p.id, p.member_id, f.int("version")).await {
        Ok(()) => saved(&anchor(p.id, "members")),
        Err(e) => match FormState::new(f).fail(e, &[], ctx.lang) {
            Ok(state) => {
                let t = ctx.lang.tr();
                confirm_view(&ctx, &h, t.remove_member.to_string(), Vec::new(), format!("/households/{}#members", h.id))
                    .respond(&ctx, &state)
            }
            Err(e) => ctx.error(e),
        },
    }
}

/// The month form's fields.
const MONTH_FIELDS: [&str; 6] = ["month", "members", "income", "government_assistance", "medical", "education"];

fn month_view(ctx: &Ctx, h: &bangfu_store::Household, state: &FormState) -> Response {
    let t = ctx.lang.tr();
    let mut v = FormView::new(ctx, t.record_month.to_string(), format!("/households/{}#finances", h.id));
    v.facts = file_facts(ctx, h);
    v.intro = t.record_month_hint.to_string();
    v.fields = vec![
        field(state, "month", t.month, "month").required(),
        field(state, "members", t.people, "number").required(),
        field(state, "income", t.income_yuan, "money").required(),
        field(state, "government_assistance", t.gov_assistance_yuan, "money"),
        field(state, "medical", t.medical_yuan, "money"),
        field(state, "education", t.education_yuan, "money"),
    ];
    v.hidden = vec![("version".into(), state.values.get("version"))];
    v.submit = t.record_month.to_string();
    v.respond(ctx, state)
}

/// `GET /households/{id}/months/new`: a month's finances (the last month by default).
pub(crate) async fn month_new(State(s): State<AppState>, ctx: Ctx, PagePath(p): PagePath<HouseholdPath>) -> Response {
    let h = or_error_page!(ctx, writable(&s, &ctx, p.id).await);
    let mut values = Values::default();
    values.set("version", h.version.to_string());
    values.set("month", bangfu_domain::YearMonth::of_date(bangfu_app::clock::today()).plus(-1).to_string());
    let people = s.app.members(&ctx.who, p.id).await.map(|m| m.len() + 1).unwrap_or(1);
    values.set("members", people.to_string());
    month_view(&ctx, &h, &FormState::new(values))
}

/// `POST /households/{id}/months/new`: replaces that month if it is on file.
pub(crate) async fn month_create(
    State(s): State<AppState>,
    ctx: Ctx,
    PagePath(p): PagePath<HouseholdPath>,
    body: axum::body::Bytes,
) -> Response {
    let f = Values::parse(&body);
    let h = or_error_page!(ctx, writable(&s, &ctx, p.id).await);
    let result = match f.get("members").trim().parse::<i64>() {
        Ok(members) => {
            let input = MonthlyRecordInput::from_text(|k| f.get(k).trim().to_string(), members);
            s.app.put_months(&ctx.who, p.id, f.int("version"), &[input]).await.map(|_| ())
        }
        Err(_) => Err(AppError::invalid(
            bangfu_domain::FieldError::new("members", bangfu_domain::Code::OutOfRange).with("min", 1).with("max", 100),
        )),
    };
    match result {
        Ok(()) => saved(&anchor(p.id, "finances")),
        Err(e) => match FormState::new(f).fail(e, &MONTH_FIELDS, ctx.lang) {
            Ok(state) => month_view(&ctx, &h, &state),
            Err(e) => ctx.error(e),
        },
    }
}

const ENROLMENT_FIELDS: [&str; 3] = ["scheme", "from", "to"];

/// The enrolment form: a new one, or enrolment `edit` (with the link to remove it).
fn enrolment_view(ctx: &Ctx, h: &bangfu_store::Household, edit: Option<i64>, state: &FormState) -> Response {
    let (t, zh) = (ctx.lang.tr(), ctx.lang.zh());
    let title = if edit.is_some() { t.edit_enrolment } else { t.add_enrolment };
    let mut v = FormView::new(ctx, title.to_string(), format!("/households/{}#enrolments", h.id));
    v.danger = edit.map(|e| (format!("/households/{}/enrolments/{e}/delete", h.id), t.remove_enrolment.to_string()));
    v.facts = file_facts(ctx, h);
    v.fields = vec![
        field(state, "scheme", t.scheme, "select")
            .required()
            .choices(choices(Scheme::ALL.iter().map(|x| (x.code(), x.label(zh))))),
        field(state, "from", t.from, "month").required(),
        field(state, "to", t.to, "month").hint(t.to_hint),
    ];
    v.hidden = vec![("version".into(), state.values.get("version"))];
    v.respond(ctx, state)
}

/// `GET /households/{id}/enrolments/new`.
pub(crate) async fn enrolment_new(
    State(s): State<AppState>,
    ctx: Ctx,
    PagePath(p): PagePath<HouseholdPath>,
) -> Response {
    let h = or_error_page!(ctx, writable(&s, &ctx, p.id).await);
    let mut values = Values::default();
    values.set("version", h.version.to_string());
    values.set("from", bangfu_domain::YearMonth::of_date(bangfu_app::clock::today()).to_string());
    enrolment_view(&ctx, &h, None, &FormState::new(values))
}

/// `POST /households/{id}/enrolments/new`.
pub(crate) async fn enrolment_create(
    State(s): State<AppState>,
    ctx: Ctx,
    PagePath(p): PagePath<HouseholdPath>,
    body: axum::body::Bytes,
) -> Response {
    let f = Values::parse(&body);
    let h = or_error_page!(ctx, writable(&s, &ctx, p.id).await);
    let to = Some(f.get("to")).filter(|t| !t.trim().is_empty());
    let input = EnrolmentInput { scheme: f.get("scheme"), from: f.get("from"), to };
    match s.app.add_enrolment(&ctx.who, p.id, f.int("version"), &input).await {
        Ok(_) => saved(&anchor(p.id, "enrolments")),
        Err(e) => match FormState::new(f).fail(e, &ENROLMENT_FIELDS, ctx.lang) {
            Ok(state) => enrolment_view(&ctx, &h, None, &state),
            Err(e) => ctx.error(e),
        },
    }
}

const EVENT_FIELDS: [&str; 3] = ["month", "kind", "note"];

/// The major-event form (2021 framework, A1).
fn event_view(ctx: &Ctx, h: &bangfu_store::Household, state: &FormState) -> Response {
    let (t, zh) = (ctx.lang.tr(), ctx.lang.zh());
    let mut v = FormView::new(ctx, t.add_major_event.to_string(), format!("/households/{}#major-events", h.id));
    v.facts = file_facts(ctx, h);
    v.fields = vec![
        field(state, "month", t.month, "month").required().hint(t.major_event_hint),
        field(state, "kind", t.kind, "select")
            .required()
            .choices(choices(MajorEvent::ALL.iter().map(|x| (x.code(), x.label(zh))))),
        field(state, "note", t.note, "textarea"),
    ];
    v.hidden = vec![("version".into(), state.values.get("version"))];
    v.respond(ctx, state)
}

/// `GET /households/{id}/major-events/new`.
pub(crate) async fn event_new(State(s): State<AppState>, ctx: Ctx, PagePath(p): PagePath<HouseholdPath>) -> Response {
    let h = or_error_page!(ctx, writable(&s, &ctx, p.id).await);
    let mut values = Values::default();
    values.set("version", h.version.to_string());
    values.set("month", bangfu_domain::YearMonth::of_date(bangfu_app::clock::today()).to_string());
    values.set("kind", MajorEvent::SeriousIllness.code());
    event_view(&ctx, &h, &FormState::new(values))
}

/// `POST /households/{id}/major-events/new`.
pub(crate) async fn event_create(
    State(s): State<AppState>,
    ctx: Ctx,
    PagePath(p): PagePath<HouseholdPath>,
    body: axum::body::Bytes,
) -> Response {
    let f = Values::parse(&body);
    let h = or_error_page!(ctx, writable(&s, &ctx, p.id).await);
    let input = MajorEventInput { month: f.get("month"), kind: f.get("kind"), note: f.get("note") };
    match s.app.add_major_event(&ctx.who, p.id, f.int("version"), &input).await {
        Ok(_) => saved(&anchor(p.id, "major-events")),
        Err(e) => match FormState::new(f).fail(e, &EVENT_FIELDS, ctx.lang) {
            Ok(state) => event_view(&ctx, &h, &state),
            Err(e) => ctx.error(e),
        },
    }
}

const ASSISTANCE_FIELDS: [&str; 5] = ["date", "measure", "kind", "amount", "note"];

/// The union assistance form: a new record, or record `edit` (with the link to remove it).
fn assistance_view(ctx: &Ctx, h: &bangfu_store::Household, edit: Option<i64>, state: &FormState) -> Response {
    let (t, zh) = (ctx.lang.tr(), ctx.lang.zh());
    let title = if edit.is_some() { t.edit_assistance } else { t.add_assistance };
    let mut v = FormView::new(ctx, title.to_string(), format!("/households/{}#assistance", h.id));
    v.danger =
        edit.map(|a| (format!("/households/{}/union-assistance/{a}/delete", h.id), t.remove_assistance.to_string()));
    v.facts = file_facts(ctx, h);
    v.fields = vec![
        field(state, "date", t.date, "date").required(),
        field(state, "measure", t.measure, "select")
            .required()
            .choices(choices(UnionMeasure::ALL.iter().map(|x| (x.code(), x.label(zh))))),
        field(state, "kind", t.kind, "select")
            .required()
            .choices(choices(AssistanceKind::ALL.iter().map(|x| (x.code(), x.label(zh))))),
        field(state, "amount", t.amount, "money").required(),
        field(state, "note", t.remark, "textarea"),
    ];
    v.hidden = vec![("version".into(), state.values.get("version"))];
    v.respond(ctx, state)
}

/// `GET /households/{id}/union-assistance/new`.
pub(crate) async fn assistance_new(
    State(s): State<AppState>,
    ctx: Ctx,
    PagePath(p): PagePath<HouseholdPath>,
) -> Response {
    let h = or_error_page!(ctx, writable(&s, &ctx, p.id).await);
    let mut values = Values::default();
    values.set("version", h.version.to_string());
    values.set("date", crate::labels::today());
    assistance_view(&ctx, &h, None, &FormState::new(values))
}

/// `POST /households/{id}/union-assistance/new`.
pub(crate) async fn assistance_create(
    State(s): State<AppState>,
    ctx: Ctx,
    PagePath(p): PagePath<HouseholdPath>,
    body: axum::body::Bytes,
) -> Response {
    let f = Values::parse(&body);
    let h = or_error_page!(ctx, writable(&s, &ctx, p.id).await);
    let input = assistance_input(&f);
    match s.app.add_union_assistance(&ctx.who, p.id, f.int("version"), &input).await {
        Ok(_) => saved(&anchor(p.id, "assistance")),
        Err(e) => match FormState::new(f).fail(e, &ASSISTANCE_FIELDS, ctx.lang) {
            Ok(state) => assistance_view(&ctx, &h, None, &state),
            Err(e) => ctx.error(e),
        },
    }
}

fn assistance_input(f: &Values) -> UnionAssistanceInput {
    UnionAssistanceInput {
        date: f.get("date"),
        kind: f.get("kind"),
        amount: Amount::from(f.get("amount").trim()),
        measure: f.get("measure"),
        note: f.get("note"),
    }
}

/// `GET /households/{id}/enrolments/{item_id}`: change an enrolment (an ended one gets its last
/// month).
pub(crate) async fn enrolment_edit(State(s): State<AppState>, ctx: Ctx, PagePath(p): PagePath<ItemPath>) -> Response {
    let h = or_error_page!(ctx, writable(&s, &ctx, p.id).await);
    let list = or_error_page!(ctx, s.app.enrolments(&ctx.who, p.id).await);
    let Some(e) = list.into_iter().find(|e| e.id == p.item_id) else { return ctx.error(AppError::NotFound) };
    let mut values = Values::default();
    values.set("version", h.version.to_string());
    values.set("scheme", e.scheme.code());
    values.set("from", e.from.to_string());
    values.set("to", e.to.map(|t| t.to_string()).unwrap_or_default());
    enrolment_view(&ctx, &h, Some(e.id), &FormState::new(values))
}

/// `POST /households/{id}/enrolments/{item_id}`.
pub(crate) async fn enrolment_update(
    State(s): State<AppState>,
    ctx: Ctx,
    PagePath(p): PagePath<ItemPath>,
    body: axum::body::Bytes,
) -> Response {
    let f = Values::parse(&body);
    let h = or_error_page!(ctx, writable(&s, &ctx, p.id).await);
    let to = Some(f.get("to")).filter(|t| !t.trim().is_empty());
    let input = EnrolmentInput { scheme: f.get("scheme"), from: f.get("from"), to };
    match s.app.update_enrolment(&ctx.who, p.id, p.item_id, f.int("version"), &input).await {
        Ok(_) => saved(&anchor(p.id, "enrolments")),
        Err(e) => match FormState::new(f).fail(e, &ENROLMENT_FIELDS, ctx.lang) {
            Ok(state) => enrolment_view(&ctx, &h, Some(p.item_id), &state),
            Err(e) => ctx.error(e),
        },
    }
}

/// `GET /households/{id}/union-assistance/{item_id}`: change a record of union assistance.
pub(crate) async fn assistance_edit(State(s): State<AppState>, ctx: Ctx, PagePath(p): PagePath<ItemPath>) -> Response {
    let h = or_error_page!(ctx, writable(&s, &ctx, p.id).await);
    let list = or_error_page!(ctx, s.app.union_assistance(&ctx.who, p.id).await);
    let Some(a) = list.into_iter().find(|a| a.id == p.item_id) else { return ctx.error(AppError::NotFound) };
    let mut values = Values::default();
    values.set("version", h.version.to_string());
    values.set("date", a.date.to_string());
    values.set("measure", a.measure.code());
    values.set("kind", a.kind.code());
    values.set("amount", a.amount.to_string());
    values.set("note", a.note.clone());
    assistance_view(&ctx, &h, Some(a.id), &FormState::new(values))
}

/// `POST /households/{id}/union-assistance/{item_id}`.
pub(crate) async fn assistance_update(
    State(s): State<AppState>,
    ctx: Ctx,
    PagePath(p): PagePath<ItemPath>,
    body: axum::body::Bytes,
) -> Response {
    let f = Values::parse(&body);
    let h = or_error_page!(ctx, writable(&s, &ctx, p.id).await);
    match s.app.update_union_assistance(&ctx.who, p.id, p.item_id, f.int("version"), &assistance_input(&f)).await {
        Ok(_) => saved(&anchor(p.id, "assistance")),
        Err(e) => match FormState::new(f).fail(e, &ASSISTANCE_FIELDS, ctx.lang) {
            Ok(state) => assistance_view(&ctx, &h, Some(p.item_id), &state),
            Err(e) => ctx.error(e),
        },
    }
}

/// `GET /households/{id}/enrolments/{item_id}/delete` and the same for union assistance.
pub(crate) async fn item_delete_page(
    State(s): State<AppState>,
    ctx: Ctx,
    PagePath(p): PagePath<ItemPath>,
    uri: axum::http::Uri,
) -> Response {
    let enrolment = uri.path().contains("/enrolments/");
    let h = or_error_page!(ctx, writable(&s, &ctx, p.id).await);
    let (t, zh) = (ctx.lang.tr(), ctx.lang.zh());
    if uri.path().contains("/major-events/") {
        let list = or_error_page!(ctx, s.app.major_events(&ctx.who, p.id).await);
        let Some(e) = list.into_iter().find(|e| e.id == p.item_id) else { return ctx.error(AppError::NotFound) };
        let what = vec![
            Fact { label: t.month.into(), value: e.month.to_string() },
            Fact { label: t.kind.into(), value: e.kind.label(zh).into() },
            Fact { label: t.note.into(), value: e.note },
        ];
        return confirm_view(
            &ctx,
            &h,
            t.remove_major_event.to_string(),
            what,
            format!("/households/{}#major-events", h.id),
        )
        .respond(&ctx, &FormState::default());
    }
    let what = if enrolment {
        let list = or_error_page!(ctx, s.app.enrolments(&ctx.who, p.id).await);
        let Some(e) = list.into_iter().find(|e| e.id == p.item_id) else { return ctx.error(AppError::NotFound) };
        vec![
            Fact { label: t.scheme.into(), value: e.scheme.label(zh).into() },
            Fact { label: t.from.into(), value: e.from.to_string() },
        ]
    } else {
        let list = or_error_page!(ctx, s.app.union_assistance(&ctx.who, p.id).await);
        let Some(a) = list.into_iter().find(|a| a.id == p.item_id) else { return ctx.error(AppError::NotFound) };
        vec![
            Fact { label: t.date.into(), value: a.date.to_string() },
            Fact { label: t.measure.into(), value: a.measure.label(zh).into() },
            Fact { label: t.amount.into(), value: crate::labels::money(a.amount.fen()) },
        ]
    };
    let (title, section) =
        if enrolment { (t.remove_enrolment, "enrolments") } else { (t.remove_assistance, "assistance") };
    confirm_view(&ctx, &h, title.to_string(), what, format!("/households/{}#{section}", h.id))
        .respond(&ctx, &FormState::default())
}

/// `POST /households/{id}/enrolments/{item_id}/delete` and the same for union assistance.
pub(crate) async fn item_delete(
    State(s): State<AppState>,
    ctx: Ctx,
    PagePath(p): PagePath<ItemPath>,
    uri: axum::http::Uri,
    body: axum::body::Bytes,
) -> Response {
    let f = Values::parse(&body);
    let enrolment = uri.path().contains("/enrolments/");
    let event = uri.path().contains("/major-events/");
    let h = or_error_page!(ctx, writable(&s, &ctx, p.id).await);
    let result = if enrolment {
        s.app.delete_enrolment(&ctx.who, p.id, p.item_id, f.int("version")).await
    } else if event {
        s.app.delete_major_event(&ctx.who, p.id, p.item_id, f.int("version")).await
    } else {
        s.app.delete_union_assistance(&ctx.who, p.id, p.item_id, f.int("version")).await
    };
    let section = if enrolment {
        "enrolments"
    } else if event {
        "major-events"
    } else {
        "assistance"
    };
    match result {
        Ok(()) => saved(&anchor(p.id, section)),
        Err(e) => match FormState::new(f).fail(e, &[], ctx.lang) {
            Ok(state) => {
                let t = ctx.lang.tr();
                confirm_view(&ctx, &h, t.remove.to_string(), Vec::new(), format!("/households/{}#{section}", h.id))
                    .respond(&ctx, &state)
            }
            Err(e) => ctx.error(e),
        },
    }
}
