//! Unions and organisations (工会组织与单位): the hierarchy 全总 → 省总 → 市总 → 县总 → 基层 (a
//! grassroots union with its branch unions), government departments and employers, listed as a
//! tree, created and edited on form pages, imported from a spreadsheet and exported to .xlsx.

use crate::exchange::pages::upload_answer;
use crate::extract::{IdPath, PagePath};
use crate::form::{choices, field as form_field, saved, FormState, FormView, Values};
use crate::kit::{c, cl, field, header_row, json_error, page, params, send_xlsx, Fm, Section, Tb};
use crate::page::{region_names, Ctx};
use crate::AppState;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bangfu_app::input::OrganisationInput;
use bangfu_app::AppError;
use bangfu_domain::{OrgKind, Permission};
use bangfu_store::Organisation;

const FIELDS: [&str; 4] = ["name", "kind", "region_code", "parent_id"];

/// The organisations `who` reaches, in tree order (each after its parent), with their depth.
fn tree(list: &[Organisation]) -> Vec<(usize, &Organisation)> {
    let known = |id: Option<i64>| id.is_some_and(|p| list.iter().any(|o| o.id == p));
    let mut out = Vec::with_capacity(list.len());
    let mut stack: Vec<(usize, &Organisation)> =
        list.iter().filter(|o| !known(o.parent_id)).rev().map(|o| (0, o)).collect();
    while let Some((depth, o)) = stack.pop() {
        out.push((depth, o));
        if depth < 16 {
            stack.extend(list.iter().filter(|x| x.parent_id == Some(o.id)).rev().map(|x| (depth + 1, x)));
        }
    }
    out
}

/// The list as a table; the page indents names by depth, the export gives the depth its own
/// column-free form (the parent's name).
/// Which organisations a tab shows: `unions` (the default), `departments` or `employers`.
fn shown_kind(show: &str, k: OrgKind) -> bool {
    match show {
        "departments" => k == OrgKind::Department,
        "employers" => k == OrgKind::Employer,
        _ => k.is_union(),
    }
}

async fn table(s: &AppState, ctx: &Ctx, show: &str, for_export: bool) -> Result<Tb, AppError> {
    let (t, zh) = (ctx.lang.tr(), ctx.lang.zh());
    let all = s.app.organisations(&ctx.who, None).await?;
    let list: Vec<Organisation> = all.iter().filter(|o| shown_kind(show, o.kind)).cloned().collect();
    let names = region_names(&s.app.store.regions().await?, zh);
    // A parent out of the reader's scope (the city union for a county) is shown by its number.
    let name_of = |id: Option<i64>| {
        id.map(|p| all.iter().find(|o| o.id == p).map_or_else(|| format!("#{p}"), |o| o.name.clone()))
            .unwrap_or_default()
    };
    let editable = ctx.who.can(Permission::WriteReference) && !for_export;
    let rows = tree(&list)
        .into_iter()
        .map(|(depth, o)| {
            let shown = if for_export { o.name.clone() } else { format!("{}{}", "　".repeat(depth), o.name) };
            vec![
                c(o.id.to_string()),
                if editable { cl(shown, format!("/organisations/{}/edit", o.id)) } else { c(shown) },
                c(o.kind.label(zh)),
                c(format!("{} {}", o.region_code, names.get(&o.region_code).cloned().unwrap_or_default())),
                c(name_of(o.parent_id)),
            ]
        })
        .collect::<Vec<_>>();
    Ok(Tb {
        id: "export",
        headers: header_row(&[t.org_number, t.org_name, t.org_kind, t.region, t.org_parent]),
        count: crate::i18n::fill(t.org_count, &[("count", rows.len())]),
        rows,
        export: Some(format!("/organisations/export.xlsx?show={show}")),
        pager: Vec::new(),
    })
}

/// `GET /organisations`.
pub(crate) async fn list_page(State(s): State<AppState>, ctx: Ctx, RawQuery(raw): RawQuery) -> Response {
    let t = ctx.lang.tr();
    let show = params(raw.as_deref()).get("show").cloned().unwrap_or_else(|| "unions".into());
    let tb = or_error_page!(ctx, table(&s, &ctx, &show, false).await);
    let mut top = Section { table: Some(tb), ..Default::default() };
    let mut sections = Vec::new();
    if ctx.who.can(Permission::WriteReference) {
        top.links.push(("/organisations/new".into(), t.org_new.into()));
        sections.push(top);
        let mut dry = field(t.org_check_only, "dry_run", "checkbox");
        dry.value = "1".into();
        sections.push(Section {
            heading: t.org_import.into(),
            lines: vec![t.org_import_hint.into()],
            form: Some(Fm {
                action: "/organisations/import".into(),
                id: "organisations-import",
                upload: true,
                get: false,
                submit: t.x_upload.into(),
                fields: vec![field(t.x_file_xlsx_csv_2, "file", "file"), dry],
            }),
            ..Default::default()
        });
    } else {
        sections.push(top);
    }
    let tabs = crate::kit::tabs(
        "/organisations",
        &show,
        &[("unions", t.org_tab_unions), ("departments", t.org_tab_departments), ("employers", t.org_tab_employers)],
    );
    page(&ctx, t.organisations, vec![t.org_intro.into()], tabs, sections)
}

/// `GET /organisations/export.xlsx`.
pub(crate) async fn export(State(s): State<AppState>, ctx: Ctx, RawQuery(raw): RawQuery) -> Response {
    let show = params(raw.as_deref()).get("show").cloned().unwrap_or_else(|| "unions".into());
    let tb = or_error_page!(ctx, table(&s, &ctx, &show, true).await);
    send_xlsx(&s, &ctx, "organisation", ctx.lang.tr().organisations, &tb, "organisations.xlsx").await
}

/// The form of an organisation, new (`id` None) or existing.
async fn form(s: &AppState, ctx: &Ctx, id: Option<i64>, state: &FormState) -> Response {
    let (t, zh) = (ctx.lang.tr(), ctx.lang.zh());
    let list = or_error_page!(ctx, s.app.organisations(&ctx.who, None).await);
    let regions = or_error_page!(ctx, s.app.store.regions().await.map_err(AppError::from));
    let in_reach = regions.iter().filter(|r| ctx.who.scope.has_region(&r.code));
    let mut parents = vec![(String::new(), t.org_no_parent.to_string())];
    parents.extend(
        tree(&list)
            .into_iter()
            .filter(|(_, o)| o.kind.is_union() && Some(o.id) != id)
            .map(|(depth, o)| (o.id.to_string(), format!("{}{} · {}", "　".repeat(depth), o.name, o.kind.label(zh)))),
    );
    let title = if id.is_some() { t.org_edit } else { t.org_new };
    let mut v = FormView::new(ctx, title, "/organisations");
    v.intro = t.org_intro.into();
    v.fields = vec![
        form_field(state, "name", t.org_name, "text").required(),
        form_field(state, "kind", t.org_kind, "select")
            .required()
            .choices(choices(OrgKind::ALL.iter().map(|k| (k.code(), k.label(zh))))),
        form_field(state, "region_code", t.region, "select").required().choices(choices(
            in_reach.map(|r| (r.code.clone(), format!("{} {}", r.code, if zh { &r.name } else { &r.name_en }))),
        )),
        form_field(state, "parent_id", t.org_parent, "select").choices(choices(parents)),
    ];
    if id.is_some() {
        v.hidden.push(("version".into(), state.values.get("version")));
    }
    v.submit = t.save.into();
    v.respond(ctx, state)
}

fn input_of(f: &Values) -> OrganisationInput {
    OrganisationInput {
        name: f.get("name"),
        kind: f.get("kind"),
        region_code: f.get("region_code"),
        parent_id: f.int("parent_id"),
    }
}

/// `GET /organisations/new`.
pub(crate) async fn new_page(State(s): State<AppState>, ctx: Ctx) -> Response {
    if !ctx.who.can(Permission::WriteReference) {
        return ctx.error(AppError::Forbidden);
    }
    let mut values = Values::default();
    values.set("kind", OrgKind::GrassrootsUnion.code());
    if let Some(r) = &ctx.who.region_code {
        values.set("region_code", r.clone());
    }
    form(&s, &ctx, None, &FormState::new(values)).await
}

/// `POST /organisations/new`.
pub(crate) async fn create(State(s): State<AppState>, ctx: Ctx, body: axum::body::Bytes) -> Response {
    let f = Values::parse(&body);
    match s.app.create_organisation(&ctx.who, &input_of(&f)).await {
        Ok(_) => saved("/organisations"),
        Err(e) => match FormState::new(f).fail(e, &FIELDS, ctx.lang) {
            Ok(state) => form(&s, &ctx, None, &state).await,
            Err(e) => ctx.error(e),
        },
    }
}

/// `GET /organisations/{id}/edit`.
pub(crate) async fn edit_page(State(s): State<AppState>, ctx: Ctx, PagePath(p): PagePath<IdPath>) -> Response {
    if !ctx.who.can(Permission::WriteReference) {
        return ctx.error(AppError::Forbidden);
    }
    let o = or_error_page!(ctx, s.app.organisation(&ctx.who, p.id).await);
    let mut values = Values::default();
    values.set("name", o.name);
    values.set("kind", o.kind.code());
    values.set("region_code", o.region_code);
    values.set("parent_id", o.parent_id.map(|p| p.to_string()).unwrap_or_default());
    values.set("version", o.version.to_string());
    form(&s, &ctx, Some(p.id), &FormState::new(values)).await
}

/// `POST /organisations/{id}/edit`.
pub(crate) async fn update(
    State(s): State<AppState>,
    ctx: Ctx,
    PagePath(p): PagePath<IdPath>,
    body: axum::body::Bytes,
) -> Response {
    let f = Values::parse(&body);
    match s.app.update_organisation(&ctx.who, p.id, f.int("version"), &input_of(&f)).await {
        Ok(_) => saved("/organisations"),
        Err(e) => match FormState::new(f).fail(e, &FIELDS, ctx.lang) {
            Ok(state) => form(&s, &ctx, Some(p.id), &state).await,
            Err(e) => ctx.error(e),
        },
    }
}

/// `POST /organisations/import?name=…&dry_run=1`: the file as the body; the page's script shows
/// the answer (every bad row named; nothing written unless every row is good).
pub(crate) async fn import(
    State(s): State<AppState>,
    ctx: Ctx,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    if !ctx.who.can(Permission::WriteReference) {
        return json_error(AppError::Forbidden);
    }
    let q = params(raw.as_deref());
    let name = q.get("name").cloned().unwrap_or_default();
    let dry = q.get("dry_run").is_some_and(|v| v == "1" || v == "true");
    let file = match crate::upload::receive(&headers, body, bangfu_app::import::MAX_BYTES).await {
        Ok(f) => f,
        Err(e) => return json_error(e),
    };
    match s.app.import_organisations(&ctx.who, &name, file.path(), dry).await {
        Ok(r) => {
            let t = ctx.lang.tr();
            let summary = crate::i18n::fill(
                if r.dry_run { t.org_import_checked } else { t.org_import_summary },
                &[("rows", r.rows), ("created", r.created), ("existing", r.existing)],
            );
            let written = !r.dry_run && r.errors.is_empty();
            let mut answer = upload_answer(ctx.lang, written, summary, &r.errors);
            if written {
                answer.redirect = Some("/organisations".into());
            }
            Json(answer).into_response()
        }
        Err(e) => json_error(e),
    }
}
