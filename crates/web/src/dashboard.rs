//! The dashboard (issue 6): each region's progress against this year's target of a campaign,
//! drawn by ECharts (served by the binary) with its table beside it; every figure links to the
//! households behind it, and scope applies to every figure.

use crate::auth::Who;
use crate::i18n::Tr;
use crate::pages::{Ctx, Nav};
use crate::AppState;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Datelike;
use std::collections::HashMap;

pub(crate) struct Row {
    code: String,
    name: String,
    stock: i64,
    target: i64,
    achieved: i64,
    shortfall: i64,
    due: i64,
    on_track: bool,
    incremental: i64,
    stock_link: Option<String>,
    achieved_link: Option<String>,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardView {
    t: &'static Tr,
    nav: Nav,
    show_synthetic: bool,
    title: String,
    campaigns: Vec<(i64, String)>,
    campaign_id: i64,
    as_of: String,
    rows: Vec<Row>,
    chart_json: String,
    campaign_label: &'static str,
    as_of_label: &'static str,
    show: &'static str,
    progress_title: String,
    region_label: &'static str,
    stock_label: &'static str,
    target_label: &'static str,
    achieved_label: &'static str,
    shortfall_label: &'static str,
    due_label: &'static str,
    on_track_label: &'static str,
    incremental_label: &'static str,
    yes: &'static str,
    no: &'static str,
}

/// `/dashboard?campaign=ID&as_of=YYYY-MM-DD`.
pub(crate) async fn dashboard_page(
    State(s): State<AppState>,
    Who(who): Who,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let q: HashMap<String, String> =
        raw.as_deref().map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default();
    let campaigns = match s.app.campaigns(&ctx.who).await {
        Ok(c) => c,
        Err(e) => return ctx.error(e),
    };
    let zh = ctx.lang.zh();
    let Some(first) = campaigns.first() else {
        return ctx.error(bangfu_app::AppError::NotFound);
    };
    let campaign_id = q.get("campaign").and_then(|c| c.parse::<i64>().ok()).unwrap_or(first.id);
    let p = match s.app.campaign_progress(&ctx.who, campaign_id, q.get("as_of").map(String::as_str)).await {
        Ok(p) => p,
        Err(e) => return ctx.error(e),
    };
    let as_of = chrono::NaiveDate::parse_from_str(&p.as_of, "%Y-%m-%d").unwrap_or_default();
    // This year's row; before the campaign its first year, after it its last.
    let years: Vec<i32> = p.campaign.years.iter().map(|(y, _)| *y).collect();
    let year = years.iter().copied().find(|y| *y == as_of.year()).unwrap_or_else(|| {
        if years.first().is_some_and(|f| as_of.year() < *f) {
            years[0]
        } else {
            *years.last().unwrap_or(&as_of.year())
        }
    });
    let row = |r: &bangfu_app::quota::RegionProgress| {
        let y = r.years.iter().find(|x| x.year == year);
        let region = (r.region_code != "total").then(|| r.region_code.clone());
        Row {
            code: r.region_code.clone(),
            name: if r.region_code == "total" {
                (if zh { "合计" } else { "Total" }).to_string()
            } else {
                r.name.clone()
            },
            stock: y.map_or(0, |y| y.stock),
            target: y.map_or(0, |y| y.target),
            achieved: y.map_or(0, |y| y.achieved),
            shortfall: y.map_or(0, |y| y.shortfall),
            due: y.map_or(0, |y| y.due_so_far),
            on_track: y.is_some_and(|y| y.on_track),
            incremental: r.incremental.households,
            stock_link: region.as_ref().map(|c| format!("/households?region={c}&pool=stock")),
            achieved_link: region.as_ref().map(|c| format!("/households?region={c}&pool=stock&status=exited")),
        }
    };
    let mut rows: Vec<Row> = p.regions.iter().map(row).collect();
    rows.push(row(&p.total));
    let regional: Vec<&Row> = rows.iter().filter(|r| r.code != "total").collect();
    let (target, due, achieved) =
        if zh { ("目标", "应完成", "已完成") } else { ("Target", "Due so far", "Achieved") };
    let chart = serde_json::json!({
        "charts": [{
            "id": "chart-progress",
            "categories": regional.iter().map(|r| r.name.clone()).collect::<Vec<_>>(),
            "series": [
                {"name": target, "values": regional.iter().map(|r| r.target).collect::<Vec<_>>()},
                {"name": due, "values": regional.iter().map(|r| r.due).collect::<Vec<_>>()},
                {"name": achieved, "values": regional.iter().map(|r| r.achieved).collect::<Vec<_>>()},
            ],
            "links": regional.iter().map(|r| r.achieved_link.clone()).collect::<Vec<_>>(),
        }]
    });
    // The JSON sits in a <script> element: "<" is written as \u003c so no text can close it.
    let chart_json = chart.to_string().replace('<', "\\u003c");
    let title = if zh { p.campaign.name.clone() } else { p.campaign.name_en.clone() };
    ctx.render(
        StatusCode::OK,
        DashboardView {
            t: ctx.lang.tr(),
            nav: ctx.nav(),
            show_synthetic: false,
            title,
            campaigns: campaigns.iter().map(|c| (c.id, if zh { c.name.clone() } else { c.name_en.clone() })).collect(),
            campaign_id,
            as_of: p.as_of.clone(),
            rows,
            chart_json,
            campaign_label: if zh { "工作方案" } else { "Campaign" },
            as_of_label: if zh { "截至" } else { "As of" },
            show: if zh { "查看" } else { "Show" },
            progress_title: if zh {
                format!("{year} 年目标完成情况（累计）")
            } else {
                format!("Progress against the {year} target (cumulative)")
            },
            region_label: if zh { "地区" } else { "Region" },
            stock_label: if zh { "存量户数" } else { "Stock" },
            target_label: if zh { "累计目标" } else { "Target" },
            achieved_label: if zh { "已解困脱困" } else { "Achieved" },
            shortfall_label: if zh { "差额" } else { "Shortfall" },
            due_label: if zh { "按进度应完成" } else { "Due so far" },
            on_track_label: if zh { "进度达标" } else { "On track" },
            incremental_label: if zh { "增量户数" } else { "Incremental" },
            yes: if zh { "是" } else { "yes" },
            no: if zh { "否" } else { "no" },
        },
    )
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ReportView {
    t: &'static Tr,
    nav: Nav,
    show_synthetic: bool,
    title: String,
    as_of: String,
    region: String,
    region_options: Vec<(String, String)>,
    headers: Vec<&'static str>,
    rows: Vec<Vec<String>>,
    as_of_label: &'static str,
    region_label: &'static str,
    show: &'static str,
}

fn report_params(raw: Option<&str>) -> (Option<String>, Option<String>) {
    let q: HashMap<String, String> =
        raw.map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default();
    (q.get("as_of").cloned(), q.get("region").cloned())
}

/// `/reports?as_of=&region=`: the standard statistical tables.
pub(crate) async fn reports_page(
    State(s): State<AppState>,
    Who(who): Who,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let (as_of, region) = report_params(raw.as_deref());
    let r = match s.app.statistics(&ctx.who, as_of.as_deref(), region.as_deref()).await {
        Ok(r) => r,
        Err(e) => return ctx.error(e),
    };
    let zh = ctx.lang.zh();
    let regions = match s.app.store.regions().await {
        Ok(r) => r,
        Err(e) => return ctx.error(e.into()),
    };
    let sum = |m: &std::collections::BTreeMap<String, i64>| m.values().sum::<i64>().to_string();
    let line = |name: &str, x: &bangfu_store::StatRow| {
        vec![
            name.to_string(),
            x.registered.to_string(),
            x.stock.to_string(),
            x.incremental.to_string(),
            sum(&x.eligible),
            sum(&x.exited),
            x.relieved.to_string(),
            sum(&x.withdrawn),
            x.in_difficulty.to_string(),
            x.paired.to_string(),
            x.assisted.to_string(),
            bangfu_domain::Money::from_fen(x.assistance_fen).to_string(),
        ]
    };
    let mut rows: Vec<Vec<String>> = r.regions.iter().map(|(_, n, x)| line(n, x)).collect();
    rows.push(line(if zh { "合计" } else { "Total" }, &r.total));
    let headers = if zh {
        vec![
            "地区",
            "在册",
            "存量",
            "增量",
            "符合条件",
            "脱困",
            "解困",
            "退出档案",
            "仍在档困难",
            "已结对",
            "本年帮扶户数",
            "本年帮扶金额（元）",
        ]
    } else {
        vec![
            "Region",
            "Registered",
            "Stock",
            "Incremental",
            "Eligible",
            "Exited",
            "Relieved",
            "Withdrawn",
            "In difficulty",
            "Paired",
            "Assisted this year",
            "Assistance (yuan)",
        ]
    };
    ctx.render(
        StatusCode::OK,
        ReportView {
            t: ctx.lang.tr(),
            nav: ctx.nav(),
            show_synthetic: false,
            title: if zh {
                format!("统计报表 · {} · 截至 {}", r.scope, r.as_of)
            } else {
                format!("Statistics · {} · as of {}", r.scope, r.as_of)
            },
            as_of: r.as_of.clone(),
            region: region.unwrap_or_default(),
            region_options: regions
                .iter()
                .filter(|g| ctx.who.scope.has_region(&g.code))
                .map(|g| (g.code.clone(), if zh { g.name.clone() } else { g.name_en.clone() }))
                .collect(),
            headers,
            rows,
            as_of_label: if zh { "截至" } else { "As of" },
            region_label: if zh { "地区" } else { "Region" },
            show: if zh { "查看" } else { "Show" },
        },
    )
}

/// `/reports/export.xlsx?as_of=&region=`.
pub(crate) async fn reports_export(
    State(s): State<AppState>,
    Who(who): Who,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let (as_of, region) = report_params(raw.as_deref());
    let r = match s.app.statistics(&ctx.who, as_of.as_deref(), region.as_deref()).await {
        Ok(r) => r,
        Err(e) => return ctx.error(e),
    };
    match crate::export::statistics(ctx.lang, &r) {
        Ok(bytes) => crate::export::xlsx_response(bytes, &format!("statistics-{}.xlsx", r.as_of)),
        Err(e) => ctx.error(bangfu_app::AppError::Internal(e.to_string())),
    }
}
