//! Accounts (账号管理), for administrators: the list (exported to .xlsx), a new account, an
//! account's page with its API tokens, its edit form and its password. A department system's
//! account (a service account, issue 22) is created here like any other, without a password, and
//! its tokens are issued here: the secret is shown once, on the page that issued it.

use crate::extract::{IdPath, PagePath};
use crate::form::{choices, field as form_field, saved, FormState, FormView, Values};
use crate::kit::{c, cl, field, header_row, page, send_xlsx, Btn, Fm, Section, Tb};
use crate::page::{region_names, Ctx};
use crate::AppState;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use bangfu_app::users::UserInput;
use bangfu_app::AppError;
use bangfu_domain::{OrgKind, Permission, Role};
use bangfu_store::{Organisation, User};

/// Routes of these pages.
pub fn routes() -> crate::Routes {
    crate::Routes::default()
        .route("/users", get(list_page))
        .route("/users/export.xlsx", get(export))
        .route("/users/new", get(new_page).post(create))
        .route("/users/{id}", get(user_page))
        .route("/users/{id}/edit", get(edit_page).post(update))
        .route("/users/{id}/password", get(password_page).post(set_password))
        .route("/users/{id}/tokens", post(issue_token))
        .route("/tokens/{id}/revoke", post(revoke_token))
        .route("/users/{id}/second-factor/reset", post(reset_second_factor))
}

const FIELDS: [&str; 6] = ["name", "display_name", "role", "region_code", "org_id", "password"];

/// What the list and the account's page show of an account's scope: its organisation, its
/// region, or all.
fn scope_text(
    ctx: &Ctx,
    u: &User,
    orgs: &[Organisation],
    regions: &std::collections::HashMap<String, String>,
) -> String {
    match (&u.region_code, u.org_id) {
        (_, Some(o)) => orgs.iter().find(|x| x.id == o).map_or_else(|| format!("#{o}"), |x| x.name.clone()),
        (Some(r), None) => format!("{r} {}", regions.get(r).cloned().unwrap_or_default()),
        (None, None) => ctx.lang.tr().all.to_string(),
    }
}

fn role_text(ctx: &Ctx, code: &str) -> String {
    Role::from_code(code).map_or_else(|| code.to_string(), |r| r.label(ctx.lang.zh()).to_string())
}

/// The accounts as a table: linked to their pages on the page, plain in the export.
async fn table(s: &AppState, ctx: &Ctx, for_export: bool) -> Result<Tb, AppError> {
    let t = ctx.lang.tr();
    let users = s.app.users(&ctx.who).await?;
    let orgs = s.app.store.organisations(&bangfu_store::Scope::everything(), None).await?;
    let regions = region_names(&s.app.store.regions().await?, ctx.lang.zh());
    let rows: Vec<Vec<_>> = users
        .iter()
        .map(|u| {
            vec![
                c(u.id.to_string()),
                if for_export { c(&u.name) } else { cl(&u.name, format!("/users/{}", u.id)) },
                c(&u.display_name),
                c(role_text(ctx, &u.role)),
                c(scope_text(ctx, u, &orgs, &regions)),
                c(if u.disabled { t.disabled } else { t.enabled }),
            ]
        })
        .collect();
    Ok(Tb {
        id: "user-list",
        headers: header_row(&["ID", t.user_name, t.display_name, t.role, t.scope, t.status]),
        count: crate::i18n::fill(t.u_count, &[("count", rows.len())]),
        rows,
        export: Some("/users/export.xlsx".into()),
        pager: Vec::new(),
    })
}

/// `GET /users`.
async fn list_page(State(s): State<AppState>, ctx: Ctx) -> Response {
    let t = ctx.lang.tr();
    let tb = or_error_page!(ctx, table(&s, &ctx, false).await);
    let links =
        if ctx.who.can(Permission::ManageUsers) { vec![("/users/new".into(), t.u_new.into())] } else { Vec::new() };
    let section = Section { links, table: Some(tb), ..Default::default() };
    page(&ctx, t.users, vec![t.users_hint.into()], Vec::new(), vec![section])
}

/// `GET /users/export.xlsx`.
async fn export(State(s): State<AppState>, ctx: Ctx) -> Response {
    let tb = or_error_page!(ctx, table(&s, &ctx, true).await);
    send_xlsx(&s, &ctx, "user", ctx.lang.tr().users, &tb, "users.xlsx").await
}

/// The account form: new (`id` None, with a password) or existing (with the disabled box).
async fn form(s: &AppState, ctx: &Ctx, id: Option<i64>, state: &FormState) -> Response {
    let (t, zh) = (ctx.lang.tr(), ctx.lang.zh());
    let regions = or_error_page!(ctx, s.app.store.regions().await.map_err(AppError::from));
    let orgs = or_error_page!(
        ctx,
        s.app.store.organisations(&bangfu_store::Scope::everything(), None).await.map_err(AppError::from)
    );
    let mut region_choices = vec![(String::new(), t.u_none.to_string())];
    region_choices.extend(
        regions
            .iter()
            .filter(|r| ctx.who.scope.has_region(&r.code))
            .map(|r| (r.code.clone(), format!("{} {}", r.code, if zh { &r.name } else { &r.name_en }))),
    );
    // Departments first (liaisons, departments' systems), then the unions (grassroots staff).
    let mut org_choices = vec![(String::new(), t.u_none.to_string())];
    for departments in [true, false] {
        org_choices.extend(
            orgs.iter()
                .filter(|o| (o.kind == OrgKind::Department) == departments && o.kind != OrgKind::Employer)
                .map(|o| (o.id.to_string(), format!("{} · {}", o.name, o.kind.label(zh)))),
        );
    }
    let title = if id.is_some() { t.u_edit } else { t.u_new };
    let back = id.map_or_else(|| "/users".to_string(), |i| format!("/users/{i}"));
    let mut v = FormView::new(ctx, title, back);
    v.intro = t.u_role_hint.into();
    v.fields = vec![
        form_field(state, "name", t.user_name, "text").required(),
        form_field(state, "display_name", t.display_name, "text"),
        form_field(state, "role", t.role, "select")
            .required()
            // The three administrators are set on the command line only.
            .choices(choices(Role::ALL.iter().filter(|r| !r.is_administrator()).map(|r| (r.code(), r.label(zh))))),
        form_field(state, "region_code", t.region, "select").choices(choices(region_choices)).hint(t.u_region_hint),
        form_field(state, "org_id", t.x_organisation, "select").choices(choices(org_choices)).hint(t.u_org_hint),
    ];
    match id {
        None => v.fields.push(form_field(state, "password", t.u_password, "password").hint(t.u_password_hint)),
        Some(_) => {
            v.fields.push(form_field(state, "disabled", t.u_disable, "checkbox"));
            v.hidden.push(("version".into(), state.values.get("version")));
        }
    }
    v.respond(ctx, state)
}

fn input_of(f: &Values, with_password: bool) -> UserInput {
    let text = |k: &str| Some(f.get(k)).filter(|v| !v.trim().is_empty());
    UserInput {
        name: f.get("name"),
        display_name: f.get("display_name"),
        role: f.get("role"),
        region_code: text("region_code"),
        org_id: f.int("org_id"),
        disabled: !f.get("disabled").is_empty(),
        password: if with_password { text("password") } else { None },
    }
}

fn may_manage(ctx: &Ctx) -> Result<(), AppError> {
    if ctx.who.can(Permission::ManageUsers) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// `GET /users/new`.
async fn new_page(State(s): State<AppState>, ctx: Ctx) -> Response {
    or_error_page!(ctx, may_manage(&ctx));
    let mut values = Values::default();
    values.set("role", Role::CityStaff.code());
    form(&s, &ctx, None, &FormState::new(values)).await
}

/// `POST /users/new`: to the new account's page, where its tokens are issued.
async fn create(State(s): State<AppState>, ctx: Ctx, body: axum::body::Bytes) -> Response {
    let f = Values::parse(&body);
    let done = s.app.create_user(&ctx.who, &input_of(&f, true)).await;
    after_save(&s, &ctx, None, f, done).await
}

/// After the account form: to the account's page, or the form again with what was wrong.
async fn after_save(s: &AppState, ctx: &Ctx, id: Option<i64>, f: Values, done: Result<User, AppError>) -> Response {
    match done {
        Ok(u) => saved(&format!("/users/{}", u.id)),
        Err(e) => match FormState::new(f).fail(e, &FIELDS, ctx.lang) {
            Ok(state) => form(s, ctx, id, &state).await,
            Err(e) => ctx.error(e),
        },
    }
}

/// `GET /users/{id}/edit`.
async fn edit_page(State(s): State<AppState>, ctx: Ctx, PagePath(p): PagePath<IdPath>) -> Response {
    let u = or_error_page!(ctx, s.app.user(&ctx.who, p.id).await);
    let mut values = Values::default();
    values.set("name", u.name);
    values.set("display_name", u.display_name);
    values.set("role", u.role);
    values.set("region_code", u.region_code.unwrap_or_default());
    values.set("org_id", u.org_id.map(|o| o.to_string()).unwrap_or_default());
    values.set("disabled", if u.disabled { "1" } else { "" });
    values.set("version", u.version.to_string());
    form(&s, &ctx, Some(p.id), &FormState::new(values)).await
}

/// `POST /users/{id}/edit`.
async fn update(
    State(s): State<AppState>,
    ctx: Ctx,
    PagePath(p): PagePath<IdPath>,
    body: axum::body::Bytes,
) -> Response {
    let f = Values::parse(&body);
    let done = s.app.update_user(&ctx.who, p.id, f.int("version"), &input_of(&f, false)).await;
    after_save(&s, &ctx, Some(p.id), f, done).await
}

/// `GET /users/{id}/password`.
async fn password_page(State(s): State<AppState>, ctx: Ctx, PagePath(p): PagePath<IdPath>) -> Response {
    or_error_page!(ctx, s.app.user(&ctx.who, p.id).await);
    password_form(&ctx, p.id, &FormState::default())
}

fn password_form(ctx: &Ctx, id: i64, state: &FormState) -> Response {
    let t = ctx.lang.tr();
    let mut v = FormView::new(ctx, t.u_set_password, format!("/users/{id}"));
    v.fields = vec![form_field(state, "password", t.u_password, "password").required().hint(t.u_password_hint)];
    v.respond(ctx, state)
}

/// `POST /users/{id}/password` (ends the account's sessions).
async fn set_password(
    State(s): State<AppState>,
    ctx: Ctx,
    PagePath(p): PagePath<IdPath>,
    body: axum::body::Bytes,
) -> Response {
    let f = Values::parse(&body);
    match s.app.set_password(&ctx.who, p.id, &f.get("password")).await {
        Ok(()) => saved(&format!("/users/{}", p.id)),
        Err(e) => match FormState::new(Values::default()).fail(e, &["password"], ctx.lang) {
            Ok(state) => password_form(&ctx, p.id, &state),
            Err(e) => ctx.error(e),
        },
    }
}

/// `GET /users/{id}`: the account and its API tokens; a department system's account (or the
/// administrator's own) has the form that issues one.
async fn user_page(State(s): State<AppState>, ctx: Ctx, PagePath(p): PagePath<IdPath>) -> Response {
    let t = ctx.lang.tr();
    let u = or_error_page!(ctx, s.app.user(&ctx.who, p.id).await);
    let tokens = or_error_page!(ctx, s.app.tokens(&ctx.who, p.id).await);
    let orgs = or_error_page!(
        ctx,
        s.app.store.organisations(&bangfu_store::Scope::everything(), None).await.map_err(AppError::from)
    );
    let regions =
        region_names(&or_error_page!(ctx, s.app.store.regions().await.map_err(AppError::from)), ctx.lang.zh());
    let service = Role::from_code(&u.role).is_some_and(Role::is_service);
    let two_factor = or_error_page!(ctx, s.app.has_second_factor(u.id).await);
    let facts = vec![
        format!("{}：{}（{}）", t.user_name, u.name, u.display_name),
        format!("{}：{}", t.role, role_text(&ctx, &u.role)),
        format!("{}：{}", t.scope, scope_text(&ctx, &u, &orgs, &regions)),
        format!("{}：{}", t.status, if u.disabled { t.disabled } else { t.enabled }),
        format!("{}：{}", t.sf_title, if two_factor { t.sf_on } else { t.sf_off }),
    ];
    // The system administrator changes accounts (an administrator's only on the command line);
    // the security administrator issues their tokens.
    let administrator = Role::from_code(&u.role).is_some_and(Role::is_administrator);
    let mut links = Vec::new();
    if ctx.who.can(Permission::ManageUsers) && !administrator {
        links.push((format!("/users/{}/edit", u.id), t.u_edit.to_string()));
        if !service {
            links.push((format!("/users/{}/password", u.id), t.u_set_password.to_string()));
        }
    }
    links.push(("/users".into(), t.users.to_string()));
    // A lost phone: the security administrator resets a person's second factor (an
    // administrator's on the command line); the account sets it up again at its next sign-in.
    let reset = (two_factor && !administrator && ctx.who.can(Permission::IssueTokens)).then(|| Fm {
        action: format!("/users/{}/second-factor/reset", u.id),
        id: "reset-second-factor",
        upload: false,
        get: false,
        submit: t.sf_reset.into(),
        fields: Vec::new(),
    });
    let account = Section { lines: facts, links, form: reset, ..Default::default() };
    let rows: Vec<Vec<_>> = tokens
        .iter()
        .map(|k| {
            let mut state = c(k.revoked_at.as_deref().map(bangfu_app::clock::local).unwrap_or_default());
            if k.revoked_at.is_none() && ctx.who.can(Permission::IssueTokens) {
                state.buttons.push(Btn {
                    url: format!("/tokens/{}/revoke", k.id),
                    label: t.u_token_revoke.into(),
                    class: "secondary",
                    fields: Vec::new(),
                });
            }
            vec![c(k.id.to_string()), c(&k.name), c(bangfu_app::clock::local(&k.created_at)), state]
        })
        .collect();
    let mut token_lines = vec![t.u_tokens_hint.to_string()];
    let issue = ctx.who.can(Permission::IssueTokens) && (service || u.id == ctx.who.user_id);
    if !service && u.id != ctx.who.user_id {
        token_lines.push(t.u_tokens_cli.into());
    }
    let token_section = Section {
        heading: t.u_tokens.into(),
        lines: token_lines,
        table: Some(Tb {
            id: "token-list",
            headers: header_row(&["ID", t.u_token_name, t.u_token_issued, t.u_token_revoked_at]),
            count: crate::i18n::fill(t.u_token_count, &[("count", rows.len())]),
            rows,
            export: None,
            pager: Vec::new(),
        }),
        form: issue.then(|| Fm {
            action: format!("/users/{}/tokens", u.id),
            id: "issue-token",
            upload: false,
            get: false,
            submit: t.u_token_issue.into(),
            fields: vec![field(t.u_token_name, "name", "text")],
        }),
        ..Default::default()
    };
    page(&ctx, &format!("{}：{}", t.u_account, u.name), Vec::new(), Vec::new(), vec![account, token_section])
}

/// `POST /users/{id}/tokens`: the new token's secret, shown on this page once.
async fn issue_token(
    State(s): State<AppState>,
    ctx: Ctx,
    PagePath(p): PagePath<IdPath>,
    body: axum::body::Bytes,
) -> Response {
    let t = ctx.lang.tr();
    let f = Values::parse(&body);
    let u = or_error_page!(ctx, s.app.user(&ctx.who, p.id).await);
    let made = or_error_page!(ctx, s.app.create_token(&ctx.who, p.id, &f.get("name")).await);
    let section = Section {
        lines: vec![
            crate::i18n::fill(
                t.u_token_for,
                &[("id", made.token.id.to_string()), ("user", u.name.clone()), ("name", made.token.name.clone())],
            ),
            made.secret,
            t.u_token_once.into(),
        ],
        links: vec![(format!("/users/{}", u.id), t.u_back.into())],
        ..Default::default()
    };
    page(&ctx, t.u_token_new, Vec::new(), Vec::new(), vec![section])
}

/// `POST /tokens/{id}/revoke`: back to the account's page.
async fn revoke_token(State(s): State<AppState>, ctx: Ctx, PagePath(p): PagePath<IdPath>) -> Response {
    let owner = or_error_page!(ctx, s.app.revoke_token(&ctx.who, p.id).await);
    saved(&format!("/users/{owner}"))
}

/// `POST /users/{id}/second-factor/reset`: back to the account's page.
async fn reset_second_factor(State(s): State<AppState>, ctx: Ctx, PagePath(p): PagePath<IdPath>) -> Response {
    or_error_page!(ctx, s.app.reset_second_factor(&ctx.who, p.id).await);
    saved(&format!("/users/{}", p.id))
}
