//! Campaigns (工作方案) as data: the list, the form with which city staff set one up (years,
//! stock cutoff, regions, cumulative shares or numbers of households), and an absolute
//! campaign's grid of targets per region and year. The dashboard offers the one in force today.

use crate::extract::{IdPath, PagePath};
use crate::form::{choices, field as form_field, saved, FormState, FormView, Values};
use crate::i18n::Tr;
use crate::kit::{c, cl, header_row, page, send_xlsx, Section, Tb};
use crate::page::{region_names, Ctx, Nav};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use bangfu_app::quota::{CampaignInput, TargetInput};
use bangfu_app::AppError;
use bangfu_domain::{Permission, TargetKind};
use bangfu_store::Campaign;
use std::collections::HashMap;

const FIELDS: [&str; 9] = [
    "name",
    "name_en",
    "first_year",
    "last_year",
    "stock_cutoff",
    "target_kind",
    "cumulative_percent",
    "regions",
    "withdrawn_leave_denominator",
];

/// `2017—2020`.
fn years_text(c: &Campaign) -> String {
    match (c.years.first(), c.years.last()) {
        (Some(a), Some(b)) if a.0 != b.0 => format!("{}—{}", a.0, b.0),
        (Some(a), _) => a.0.to_string(),
        _ => String::new(),
    }
}

/// The targets as a line: `30% · 55% · 80% · 100%`, or the number of households per year.
fn targets_text(c: &Campaign, zh: bool) -> String {
    if c.absolute {
        let per_year: Vec<String> = c
            .years
            .iter()
            .map(|(y, _)| {
                let n: i64 = c
                    .regions
                    .iter()
                    .map(|r| c.targets.iter().filter(|x| &x.0 == r && x.1 <= *y).max_by_key(|x| x.1).map_or(0, |x| x.2))
                    .sum();
                format!("{y}: {n}")
            })
            .collect();
        format!("{} · {}", TargetKind::Absolute.label(zh), per_year.join(" · "))
    } else {
        let mut sum = 0;
        let shares: Vec<String> = c
            .years
            .iter()
            .map(|(_, bp)| {
                sum += bp;
                format!("{}%", sum as f64 / 100.0)
            })
            .collect();
        format!("{} · {}", TargetKind::Share.label(zh), shares.join(" · "))
    }
}

async fn table(s: &AppState, ctx: &Ctx, for_export: bool) -> Result<Tb, AppError> {
    let (t, zh) = (ctx.lang.tr(), ctx.lang.zh());
    let list = s.app.campaigns(&ctx.who).await?;
    let year = chrono::Datelike::year(&bangfu_app::clock::today());
    let rows = list
        .iter()
        .map(|x| {
            let name = if zh { x.name.clone() } else { x.name_en.clone() };
            let in_force = x.years.iter().any(|y| y.0 == year);
            let mut row = vec![
                if for_export { c(name) } else { cl(name, format!("/dashboard?campaign={}", x.id)) },
                c(years_text(x)),
                c(if in_force { t.campaign_in_force } else { "" }),
                c(x.stock_cutoff.to_string()),
                c(targets_text(x, zh)),
                c(x.regions.len().to_string()),
                c(x.created_by.as_deref().map_or_else(|| t.preset.to_string(), |b| crate::labels::who(b, ctx.lang))),
            ];
            if !for_export {
                row.push(if x.absolute && ctx.who.can(Permission::SetPolicy) {
                    cl(t.campaign_targets, format!("/campaigns/{}/targets", x.id))
                } else {
                    c("")
                });
            }
            row
        })
        .collect::<Vec<_>>();
    let mut headers = header_row(&[
        t.x_campaign,
        t.campaign_years,
        t.campaign_status,
        t.stock_cutoff,
        t.campaign_targets,
        t.campaign_regions,
        t.campaign_by,
    ]);
    if !for_export {
        headers.push(String::new());
    }
    Ok(Tb {
        id: "export",
        headers,
        count: String::new(),
        rows,
        export: Some("/campaigns/export.xlsx".into()),
        pager: Vec::new(),
    })
}

/// `GET /campaigns`.
pub(crate) async fn list_page(State(s): State<AppState>, ctx: Ctx) -> Response {
    let t = ctx.lang.tr();
    let tb = or_error_page!(ctx, table(&s, &ctx, false).await);
    let mut top = Section { table: Some(tb), ..Default::default() };
    if ctx.who.can(Permission::SetPolicy) {
        top.links.push(("/campaigns/new".into(), t.campaign_new.into()));
    }
    page(&ctx, t.campaigns, vec![t.campaigns_intro.into()], Vec::new(), vec![top])
}

/// `GET /campaigns/export.xlsx`.
pub(crate) async fn export(State(s): State<AppState>, ctx: Ctx) -> Response {
    let tb = or_error_page!(ctx, table(&s, &ctx, true).await);
    send_xlsx(&s, &ctx, "campaign", ctx.lang.tr().campaigns, &tb, "campaigns.xlsx").await
}

/// The regions a campaign may cover for the caller: the counties in use in their reach (a
/// region with no region under it in use).
async fn county_choices(s: &AppState, ctx: &Ctx) -> Result<Vec<(String, String)>, AppError> {
    let regions = s.app.store.regions().await?;
    let zh = ctx.lang.zh();
    Ok(regions
        .iter()
        .filter(|r| ctx.who.scope.has_region(&r.code))
        .filter(|r| !regions.iter().any(|x| x.parent_code.as_deref() == Some(&r.code)))
        .map(|r| (r.code.clone(), format!("{} {}", r.code, if zh { &r.name } else { &r.name_en })))
        .collect())
}

async fn form(s: &AppState, ctx: &Ctx, state: &FormState) -> Response {
    let t = ctx.lang.tr();
    let counties = or_error_page!(ctx, county_choices(s, ctx).await);
    let mut v = FormView::new(ctx, t.campaign_new, "/campaigns");
    v.intro = t.campaign_form_intro.into();
    v.fields = vec![
        form_field(state, "name", t.x_name, "text").required(),
        form_field(state, "name_en", t.name_en, "text"),
        form_field(state, "first_year", t.campaign_first_year, "number").required(),
        form_field(state, "last_year", t.campaign_last_year, "number").required(),
        form_field(state, "stock_cutoff", t.stock_cutoff, "date").required().hint(t.campaign_cutoff_hint),
        form_field(state, "target_kind", t.campaign_target_kind, "radio").required().choices(crate::page::options(
            TargetKind::ALL,
            TargetKind::code,
            TargetKind::label,
            ctx.lang.zh(),
        )),
        form_field(state, "cumulative_percent", t.campaign_percent, "text").hint(t.campaign_percent_hint),
        form_field(state, "regions", t.campaign_regions, "checks").required().choices(choices(counties)),
        form_field(state, "withdrawn_leave_denominator", t.campaign_withdrawn_leave, "checkbox"),
    ];
    v.submit = t.save.into();
    v.respond(ctx, state)
}

/// `GET /campaigns/new`: this year to three years on, shares of 25 % a year, every county.
pub(crate) async fn new_page(State(s): State<AppState>, ctx: Ctx) -> Response {
    if !ctx.who.can(Permission::SetPolicy) {
        return ctx.error(AppError::Forbidden);
    }
    let year = chrono::Datelike::year(&bangfu_app::clock::today());
    let mut values = Values::default();
    values.set("first_year", year.to_string());
    values.set("last_year", (year + 3).to_string());
    values.set("stock_cutoff", format!("{}-12-31", year - 1));
    values.set("target_kind", TargetKind::Share.code());
    values.set("cumulative_percent", "25,50,75,100");
    values.set("withdrawn_leave_denominator", "1");
    let counties = or_error_page!(ctx, county_choices(&s, &ctx).await);
    values.0.extend(counties.into_iter().map(|(code, _)| ("regions".to_string(), code)));
    form(&s, &ctx, &FormState::new(values)).await
}

/// `POST /campaigns/new`.
pub(crate) async fn create(State(s): State<AppState>, ctx: Ctx, body: axum::body::Bytes) -> Response {
    let f = Values::parse(&body);
    let mut bad = Vec::new();
    let mut year = |name: &'static str| match f.get(name).trim().parse::<i64>() {
        Ok(y) => y,
        Err(_) => {
            bad.push(bangfu_domain::FieldError::new(name, bangfu_domain::Code::NotWholeNumber));
            0
        }
    };
    let (first_year, last_year) = (year("first_year"), year("last_year"));
    let percent: Result<Vec<i64>, _> = f
        .get("cumulative_percent")
        .split([',', '，', ' ', '、'])
        .filter(|x| !x.trim().is_empty())
        .map(|x| x.trim().trim_end_matches(['%', '％']).parse::<i64>())
        .collect();
    let kind = f.get("target_kind");
    let cumulative_percent = match percent {
        Ok(p) => p,
        Err(_) if kind == TargetKind::Share.code() => {
            bad.push(
                bangfu_domain::FieldError::new("cumulative_percent", bangfu_domain::Code::SharesPerYear)
                    .with("years", last_year.saturating_sub(first_year).saturating_add(1).clamp(0, 10)),
            );
            Vec::new()
        }
        Err(_) => Vec::new(),
    };
    let result = if bad.is_empty() {
        let input = CampaignInput {
            name: f.get("name"),
            name_en: f.get("name_en"),
            first_year,
            last_year,
            stock_cutoff: f.get("stock_cutoff"),
            target_kind: kind,
            cumulative_percent,
            regions: f.all("regions"),
            withdrawn_leave_denominator: !f.get("withdrawn_leave_denominator").is_empty(),
        };
        s.app.create_campaign(&ctx.who, &input).await
    } else {
        Err(AppError::Invalid(bad))
    };
    match result {
        Ok(c) if c.absolute => saved(&format!("/campaigns/{}/targets", c.id)),
        Ok(c) => saved(&format!("/dashboard?campaign={}", c.id)),
        Err(e) => match FormState::new(f).fail(e, &FIELDS, ctx.lang) {
            Ok(state) => form(&s, &ctx, &state).await,
            Err(e) => ctx.error(e),
        },
    }
}

/// A cell of the targets grid.
struct Cell {
    name: String,
    value: String,
    error: Option<String>,
}

/// A region's row of the grid.
struct GridRow {
    region: String,
    cells: Vec<Cell>,
}

#[derive(Template)]
#[template(path = "reports/campaign_targets.html")]
struct TargetsView {
    t: &'static Tr,
    nav: Nav,
    show_synthetic: bool,
    title: String,
    years: Vec<i32>,
    rows: Vec<GridRow>,
    error: Option<String>,
    saved: bool,
}

/// The input of a cell: `t_{region}_{year}`.
fn cell_name(region: &str, year: i32) -> String {
    format!("t_{region}_{year}")
}

async fn grid(
    s: &AppState,
    ctx: &Ctx,
    c: &Campaign,
    typed: Option<&Values>,
    errors: HashMap<String, String>,
    status: StatusCode,
    saved: bool,
) -> Response {
    let (t, zh) = (ctx.lang.tr(), ctx.lang.zh());
    let names = region_names(&or_error_page!(ctx, s.app.store.regions().await.map_err(AppError::from)), zh);
    let years: Vec<i32> = c.years.iter().map(|y| y.0).collect();
    let rows = c
        .regions
        .iter()
        .filter(|r| ctx.who.scope.has_region(r))
        .map(|r| GridRow {
            region: format!("{} {}", r, names.get(r).cloned().unwrap_or_default()),
            cells: years
                .iter()
                .map(|y| {
                    let name = cell_name(r, *y);
                    let stored = c.targets.iter().find(|x| &x.0 == r && x.1 == *y).map(|x| x.2.to_string());
                    Cell {
                        value: typed.map_or_else(|| stored.unwrap_or_default(), |v| v.get(&name)),
                        error: errors.get(&name).cloned(),
                        name,
                    }
                })
                .collect(),
        })
        .collect();
    let error = (!errors.is_empty()).then(|| errors.get("").cloned().unwrap_or_else(|| t.form_has_errors.to_string()));
    ctx.render(
        status,
        TargetsView {
            t,
            nav: ctx.nav(),
            show_synthetic: false,
            title: format!("{} · {}", if zh { &c.name } else { &c.name_en }, t.campaign_targets),
            years,
            rows,
            error,
            saved,
        },
    )
}

async fn campaign_of(s: &AppState, ctx: &Ctx, id: i64) -> Result<Campaign, AppError> {
    if !ctx.who.can(Permission::SetPolicy) {
        return Err(AppError::Forbidden);
    }
    let c = s.app.campaigns(&ctx.who).await?.into_iter().find(|c| c.id == id).ok_or(AppError::NotFound)?;
    if !c.absolute || !c.regions.iter().any(|r| ctx.who.scope.has_region(r)) {
        return Err(AppError::NotFound);
    }
    Ok(c)
}

/// `GET /campaigns/{id}/targets`.
pub(crate) async fn targets_page(
    State(s): State<AppState>,
    ctx: Ctx,
    PagePath(p): PagePath<IdPath>,
    uri: axum::http::Uri,
) -> Response {
    let c = or_error_page!(ctx, campaign_of(&s, &ctx, p.id).await);
    let saved = uri.query().is_some_and(|q| q.contains("saved=1"));
    grid(&s, &ctx, &c, None, HashMap::new(), StatusCode::OK, saved).await
}

/// `POST /campaigns/{id}/targets`: every cell of the caller's regions; an empty cell sets no
/// target for that year (the year before's stands).
pub(crate) async fn targets_submit(
    State(s): State<AppState>,
    ctx: Ctx,
    PagePath(p): PagePath<IdPath>,
    body: axum::body::Bytes,
) -> Response {
    let c = or_error_page!(ctx, campaign_of(&s, &ctx, p.id).await);
    let f = Values::parse(&body);
    let zh = ctx.lang.zh();
    let mut errors: HashMap<String, String> = HashMap::new();
    let mut input = Vec::new();
    for r in c.regions.iter().filter(|r| ctx.who.scope.has_region(r)) {
        for (y, _) in &c.years {
            let name = cell_name(r, *y);
            let v = f.get(&name);
            if v.trim().is_empty() {
                continue;
            }
            match v.trim().parse::<i64>() {
                Ok(n) => input.push(TargetInput { region_code: r.clone(), year: i64::from(*y), households: n }),
                Err(_) => {
                    errors.insert(name, bangfu_domain::Code::NotWholeNumber.message(zh, &[]));
                }
            }
        }
    }
    if !errors.is_empty() {
        return grid(&s, &ctx, &c, Some(&f), errors, StatusCode::UNPROCESSABLE_ENTITY, false).await;
    }
    match s.app.set_campaign_targets(&ctx.who, c.id, &input).await {
        Ok(_) => saved(&format!("/campaigns/{}/targets?saved=1", c.id)),
        Err(AppError::Invalid(errs)) => {
            // Each message beside its cell: `targets[i].…` names input i.
            for e in errs {
                let at = e
                    .field
                    .strip_prefix("targets[")
                    .and_then(|x| x.split(']').next())
                    .and_then(|i| i.parse::<usize>().ok())
                    .and_then(|i| input.get(i))
                    .map(|t| cell_name(&t.region_code, t.year as i32));
                errors.insert(at.unwrap_or_default(), e.message(zh));
            }
            grid(&s, &ctx, &c, Some(&f), errors, StatusCode::UNPROCESSABLE_ENTITY, false).await
        }
        Err(e) => ctx.error(e),
    }
}
