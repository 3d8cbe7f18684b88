//! Minimum-living and low-income standards per region and month.

use crate::auth::Who;
use crate::i18n::Tr;
use crate::page::{options, region_names, Ctx, Nav};
use crate::AppState;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use bangfu_app::input::{Amount, StandardInput};
use bangfu_app::AppError;
use bangfu_domain::*;
use serde::Deserialize;

struct RegionStandards {
    code: String,
    name: String,
    rows: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "policy/standards.html")]
struct StandardsPage {
    t: &'static Tr,
    nav: Nav,
    show_synthetic: bool,
    regions: Vec<RegionStandards>,
    kinds: Vec<crate::form::Choice>,
    error: Option<String>,
}

async fn standards_view(s: &AppState, ctx: &Ctx, status: StatusCode, error: Option<String>) -> Response {
    let zh = ctx.lang.zh();
    let t = ctx.lang.tr();
    let (regions, standards) = match (s.app.store.regions().await, s.app.store.standards(None).await) {
        (Ok(r), Ok(st)) => (r, st),
        (Err(e), _) | (_, Err(e)) => return ctx.error(e.into()),
    };
    let names = region_names(&regions, zh);
    let view = regions
        .iter()
        .map(|r| {
            let mine: Vec<_> = standards.iter().filter(|s| s.region_code == r.code).cloned().collect();
            let mut months: Vec<YearMonth> = mine.iter().map(|s| s.from).collect();
            months.sort();
            months.dedup();
            let rows = months
                .iter()
                .map(|m| {
                    let f = |k| {
                        bangfu_app::households::in_force(&mine, k, *m)
                            .map_or_else(|| t.undefined.to_string(), |v| v.to_string())
                    };
                    (m.to_string(), f(StandardKind::Dibao), f(StandardKind::LowIncome))
                })
                .collect();
            RegionStandards { code: r.code.clone(), name: names.get(&r.code).cloned().unwrap_or_default(), rows }
        })
        .collect();
    ctx.render(
        status,
        StandardsPage {
            t,
            nav: ctx.nav(),
            show_synthetic: false,
            regions: view,
            kinds: options(StandardKind::ALL, StandardKind::code, StandardKind::label, zh),
            error,
        },
    )
}

pub(crate) async fn standards_page(
    State(s): State<AppState>,
    Who(who): Who,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    standards_view(&s, &ctx, StatusCode::OK, None).await
}

#[derive(Deserialize)]
struct StandardForm {
    #[serde(default)]
    region_code: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    amount: String,
}

pub(crate) async fn standard_submit(
    State(s): State<AppState>,
    Who(who): Who,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let f: StandardForm = serde_urlencoded::from_bytes(&body).unwrap_or(StandardForm {
        region_code: String::new(),
        kind: String::new(),
        from: String::new(),
        amount: String::new(),
    });
    let input =
        StandardInput { region_code: f.region_code, kind: f.kind, from: f.from, amount: Amount::from(f.amount.trim()) };
    match s.app.create_standard(&ctx.who, &input).await {
        Ok(_) => Redirect::to("/standards").into_response(),
        Err(AppError::Invalid(errs)) => {
            let msg = ctx.lang.messages(&errs);
            standards_view(&s, &ctx, StatusCode::UNPROCESSABLE_ENTITY, Some(msg)).await
        }
        Err(AppError::Conflict(e)) => {
            standards_view(&s, &ctx, StatusCode::CONFLICT, Some(e.message(ctx.lang.zh()))).await
        }
        Err(e) => ctx.error(e),
    }
}
