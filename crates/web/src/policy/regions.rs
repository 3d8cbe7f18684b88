//! The deployment's regions: which are in use (the root chosen from the national list shipped
//! with the program, and everything under it), and, for the administrator, the form that
//! chooses the root — the page beside `bangfu setup --region`.

use crate::i18n::Tr;
use crate::page::{Ctx, Nav};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use bangfu_app::AppError;
use bangfu_domain::Permission;

/// A region in use, as listed.
struct RegionRow {
    code: String,
    name: String,
    /// Indented under its parent.
    depth: usize,
}

/// A choice of root: a province or a city of the national list.
struct RootChoice {
    code: String,
    label: String,
}

#[derive(Template)]
#[template(path = "policy/regions.html")]
struct RegionsView {
    t: &'static Tr,
    nav: Nav,
    show_synthetic: bool,
    rows: Vec<RegionRow>,
    can_set_up: bool,
    choices: Vec<RootChoice>,
    code: String,
    error: Option<String>,
    saved: bool,
}

async fn view(
    s: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    (code, error, saved): (String, Option<String>, bool),
) -> Response {
    let regions = match s.app.store.regions().await {
        Ok(r) => r,
        Err(e) => return ctx.error(e.into()),
    };
    // Depth from the codes: a province (xx0000), a city (xxxx00), a county.
    let depth = |c: &str| {
        if c.ends_with("0000") {
            0
        } else if c.ends_with("00") {
            1
        } else {
            2
        }
    };
    let top = regions.iter().map(|r| depth(&r.code)).min().unwrap_or(0);
    let rows = regions
        .iter()
        .map(|r| RegionRow { code: r.code.clone(), name: r.name.clone(), depth: depth(&r.code) - top })
        .collect();
    let national = bangfu_store::registry::national_regions();
    let province =
        |code: &str| national.iter().find(|p| p.0 == format!("{}0000", &code[..2])).map_or("", |p| p.1).to_string();
    let choices = national
        .iter()
        .filter(|r| r.0.ends_with("00"))
        .map(|r| RootChoice {
            code: r.0.to_string(),
            label: if r.0.ends_with("0000") {
                format!("{} {}", r.0, r.1)
            } else {
                format!("{} {} · {}", r.0, province(r.0), r.1)
            },
        })
        .collect();
    ctx.render(
        status,
        RegionsView {
            t: ctx.lang.tr(),
            nav: ctx.nav(),
            show_synthetic: false,
            rows,
            can_set_up: ctx.who.can(Permission::ManageUsers),
            choices,
            code,
            error,
            saved,
        },
    )
}

/// `GET /regions`.
pub(crate) async fn regions_page(State(s): State<AppState>, ctx: Ctx, uri: axum::http::Uri) -> Response {
    let saved = uri.query().is_some_and(|q| q.contains("saved=1"));
    view(&s, &ctx, StatusCode::OK, (String::new(), None, saved)).await
}

/// `POST /regions`: the administrator chooses the root (a typed code wins over the list).
pub(crate) async fn regions_submit(State(s): State<AppState>, ctx: Ctx, body: axum::body::Bytes) -> Response {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let one = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    let code = Some(one("code")).filter(|c| !c.is_empty()).unwrap_or_else(|| one("choice"));
    match s.app.set_up_region(&ctx.who, &code).await {
        Ok(_) => Redirect::to("/regions?saved=1").into_response(),
        Err(AppError::Invalid(errs)) => {
            let msg = ctx.lang.messages(&errs);
            view(&s, &ctx, StatusCode::UNPROCESSABLE_ENTITY, (code, Some(msg), false)).await
        }
        Err(e) => ctx.error(e),
    }
}
