//! The dashboard (issue 6): each region's progress against this year's target of a campaign,
//! drawn by ECharts (served by the binary) with its table beside it; every figure links to the
//! households behind it, and scope applies to every figure.

use crate::auth::Who;
use crate::i18n::Tr;
use crate::page::{Ctx, Nav};
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

/// A chart with its table: rows of a category and one figure per series, each figure linked
/// to the households behind it.
pub(crate) struct Block {
    id: &'static str,
    title: String,
    /// bar or pie.
    kind: &'static str,
    /// The category's header, then one per series.
    headers: Vec<String>,
    rows: Vec<(String, Vec<Cell>)>,
}

/// A figure and the households list behind it.
type Cell = (i64, Option<String>);

impl Block {
    fn chart(&self) -> serde_json::Value {
        let series: Vec<serde_json::Value> = self.headers[1..]
            .iter()
            .enumerate()
            .map(|(i, name)| {
                serde_json::json!({
                    "name": name,
                    "values": self.rows.iter().map(|r| r.1.get(i).map_or(0, |c| c.0)).collect::<Vec<_>>(),
                    "links": self.rows.iter().map(|r| r.1.get(i).and_then(|c| c.1.clone())).collect::<Vec<_>>(),
                })
            })
            .collect();
        serde_json::json!({
            "id": self.id,
            "type": self.kind,
            "categories": self.rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>(),
            "series": series,
        })
    }
}

/// The funds panel (issue 8): each fund's money from its source, paid out and left on the day
/// (whole yuan), and the open supervision findings by kind — each linking to its page.
async fn funds_blocks(s: &AppState, ctx: &Ctx, day: &str) -> Result<Vec<Block>, bangfu_app::AppError> {
    use bangfu_domain::funds::FindingKind;
    let zh = ctx.lang.zh();
    let sheet = s.app.fund_balances(&ctx.who, Some(day)).await?;
    let counts = s.app.finding_counts(&ctx.who).await?;
    let link = Some(format!("/funds?as_of={day}"));
    let yuan = |fen: i64| (fen / 100, link.clone());
    let funds = Block {
        id: "chart-funds",
        title: crate::i18n::fill(
            crate::i18n::texts(zh).x_assistance_funds_yuan,
            &[("day", &day as &dyn std::fmt::Display)],
        ),
        kind: "bar",
        headers: if zh {
            vec!["资金".into(), "来自资金来源".into(), "已发放到户".into(), "余额".into()]
        } else {
            vec!["Fund".into(), "From the source".into(), "Paid to households".into(), "Balance".into()]
        },
        rows: sheet
            .funds
            .iter()
            .map(|f| (f.fund_name.clone(), vec![yuan(f.received), yuan(f.disbursed), yuan(f.balance)]))
            .collect(),
    };
    let findings = Block {
        id: "chart-findings",
        title: (crate::i18n::texts(zh).x_supervision_findings_open).into(),
        kind: "bar",
        headers: if zh { vec!["类型".into(), "笔数".into()] } else { vec!["Kind".into(), "Payments".into()] },
        rows: FindingKind::ALL
            .iter()
            .map(|k| {
                let n = counts.iter().filter(|(c, st, _)| c == k.code() && st == "open").map(|x| x.2).sum();
                (k.label(zh).to_string(), vec![(n, Some(format!("/funds/findings?kind={}", k.code())))])
            })
            .collect(),
    };
    Ok(vec![funds, findings])
}

/// `/households?…` with these parameters.
fn list_link(params: &[(&str, &str)]) -> Option<String> {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        ser.append_pair(k, v);
    }
    Some(format!("/households?{}", ser.finish()))
}

fn condition_label(code: &str, zh: bool) -> String {
    let (z, e) = match code {
        "C1" => ("收入低于低保、未获政府救助（三(一)）", "Below dibao, no government aid (3.1)"),
        "C2" => ("获救助仍低于低保、刚性支出大（三(二)）", "Below dibao despite aid, necessary costs (3.2)"),
        "C3" => ("低收入、刚性支出大（三(三)）", "Low income, necessary costs (3.3)"),
        "C4" => ("低保 5 倍以内、刚性支出大（三(四)）", "Within 5× dibao, necessary costs (3.4)"),
        "D1" => ("深度困难（2021）", "Deep hardship (2021)"),
        "R1" => ("相对困难（2021）", "Relative hardship (2021)"),
        "A1" => ("意外致困（2021）", "Hardship by accident (2021)"),
        other => return other.to_string(),
    };
    (if zh { z } else { e }).to_string()
}

/// A one-series block: a label, a figure and its link per row.
fn single(
    id: &'static str,
    title: String,
    kind: &'static str,
    headers: [&str; 2],
    rows: impl Iterator<Item = (String, i64, Option<String>)>,
) -> Block {
    Block {
        id,
        title,
        kind,
        headers: headers.iter().map(|h| h.to_string()).collect(),
        rows: rows.map(|(label, n, link)| (label, vec![(n, link)])).collect(),
    }
}

/// A block of one row per month and one series per code; `link` makes a figure's list from
/// the code and the month's first and last day.
fn monthly(
    id: &'static str,
    title: String,
    month_header: &str,
    series: &[(&str, String)],
    months: &[bangfu_app::quota::MonthFigures],
    link: impl Fn(&str, &str, &str) -> Option<String>,
) -> Block {
    Block {
        id,
        title,
        kind: "bar",
        headers: std::iter::once(month_header.to_string()).chain(series.iter().map(|s| s.1.clone())).collect(),
        rows: months
            .iter()
            .map(|m| {
                let cells = series
                    .iter()
                    .map(|(code, _)| {
                        let n = m.figures.iter().find(|x| x.code == *code).map_or(0, |x| x.n);
                        (n, link(code, &m.from, &m.until))
                    })
                    .collect();
                (m.month.clone(), cells)
            })
            .collect(),
    }
}

/// The blocks under the progress chart.
fn blocks(f: &bangfu_app::quota::DashboardFigures, zh: bool) -> Vec<Block> {
    use bangfu_domain::{Cause, ExitPathway, HouseholdStatus, OutcomeKind, ReturnDecision};
    let d = f.as_of.as_str();
    let tr = |z: &'static str, e: &'static str| if zh { z } else { e };
    let households = tr("户数", "Households");
    let month = tr("月份", "Month");
    let mut out = vec![
        single(
            "chart-status",
            crate::i18n::fill(crate::i18n::texts(zh).x_households_status, &[("d", &d as &dyn std::fmt::Display)]),
            "pie",
            [tr("状态", "Status"), households],
            f.by_status.iter().map(|x| {
                let label = HouseholdStatus::from_code(&x.code).map_or(x.code.clone(), |s| s.label(zh).to_string());
                let link = match x.code.as_str() {
                    "in_file" => list_link(&[("in_file_on", d)]),
                    "exited" => list_link(&[("outcome", "exit"), ("approved_until", d)]),
                    "relieved" => list_link(&[("outcome", "relief"), ("approved_until", d)]),
                    _ => list_link(&[("outcome", "withdrawal"), ("approved_until", d)]),
                };
                (label, x.n, link)
            }),
        ),
        single(
            "chart-pathway",
            crate::i18n::fill(crate::i18n::texts(zh).x_exits_pathway, &[("d", &d as &dyn std::fmt::Display)]),
            "pie",
            [tr("路径", "Pathway"), households],
            f.exits_by_pathway.iter().map(|x| {
                let label = ExitPathway::from_code(&x.code).map_or(x.code.clone(), |p| p.label(zh).to_string());
                (label, x.n, list_link(&[("outcome", "exit"), ("why", &x.code), ("approved_until", d)]))
            }),
        ),
        single(
            "chart-cause",
            crate::i18n::fill(
                crate::i18n::texts(zh).x_registered_households_cause_each_cause,
                &[("d", &d as &dyn std::fmt::Display)],
            ),
            "bar",
            [tr("致困原因", "Cause"), households],
            f.by_cause.iter().map(|x| {
                let label = Cause::from_code(&x.code).map_or(x.code.clone(), |c| c.label(zh).to_string());
                (label, x.n, list_link(&[("cause", &x.code), ("registered_until", d)]))
            }),
        ),
    ];
    if let Some((run, run_month)) = &f.run {
        let run = run.to_string();
        out.push(single(
            "chart-condition",
            crate::i18n::fill(
                crate::i18n::texts(zh).x_eligible_households_primary_condition_run,
                &[("run", &run as &dyn std::fmt::Display), ("run_month", &run_month as &dyn std::fmt::Display)],
            ),
            "bar",
            [tr("情形", "Condition"), households],
            f.by_condition
                .iter()
                .map(|x| (condition_label(&x.code, zh), x.n, list_link(&[("condition", &x.code), ("run", &run)]))),
        ));
    }
    let kinds: Vec<(&str, String)> =
        [OutcomeKind::Exit, OutcomeKind::Relief].iter().map(|k| (k.code(), k.label(zh).to_string())).collect();
    out.push(monthly(
        "chart-monthly",
        crate::i18n::fill(
            crate::i18n::texts(zh).x_exits_reliefs_per_month_this,
            &[("d", &d as &dyn std::fmt::Display)],
        ),
        month,
        &kinds,
        &f.monthly,
        |code, from, until| list_link(&[("outcome", code), ("approved_from", from), ("approved_until", until)]),
    ));
    let states = [
        ("open", tr("待认定", "Open").to_string()),
        (ReturnDecision::BackInFile.code(), ReturnDecision::BackInFile.label(zh).to_string()),
        (ReturnDecision::NoReturn.code(), ReturnDecision::NoReturn.label(zh).to_string()),
    ];
    out.push(monthly(
        "chart-returns",
        crate::i18n::fill(
            crate::i18n::texts(zh).x_returns_hardship_flagged_this_year,
            &[("d", &d as &dyn std::fmt::Display)],
        ),
        month,
        &states,
        &f.returns,
        |code, from, until| list_link(&[("returned", code), ("detected_from", from), ("detected_until", until)]),
    ));
    out
}

#[derive(Template)]
#[template(path = "reports/dashboard.html")]
struct DashboardView {
    blocks: Vec<Block>,
    t: &'static Tr,
    nav: Nav,
    show_synthetic: bool,
    title: String,
    campaigns: Vec<crate::form::Choice>,
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
    let figures = match s.app.dashboard_figures(&ctx.who, Some(&p.as_of)).await {
        Ok(f) => f,
        Err(e) => return ctx.error(e),
    };
    let mut blocks = blocks(&figures, zh);
    if ctx.who.can(bangfu_domain::Permission::ReadFunds) {
        match funds_blocks(&s, &ctx, &p.as_of).await {
            Ok(b) => blocks.extend(b),
            Err(e) => return ctx.error(e),
        }
    }
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
    let withdrawn_out = p.campaign.withdrawn_leave_denominator;
    let cutoff = p.campaign.stock_cutoff.to_string();
    let row = |r: &bangfu_app::quota::RegionProgress| {
        let y = r.years.iter().find(|x| x.year == year);
        let region = (r.region_code != "total").then(|| r.region_code.clone());
        let counted = y.map_or(p.as_of.clone(), |y| y.counted_on.clone());
        Row {
            code: r.region_code.clone(),
            name: if r.region_code == "total" { (crate::i18n::texts(zh).x_total).to_string() } else { r.name.clone() },
            stock: y.map_or(0, |y| y.stock),
            target: y.map_or(0, |y| y.target),
            achieved: y.map_or(0, |y| y.achieved),
            shortfall: y.map_or(0, |y| y.shortfall),
            due: y.map_or(0, |y| y.due_so_far),
            on_track: y.is_some_and(|y| y.on_track),
            incremental: r.incremental.households,
            stock_link: region.as_ref().and_then(|c| {
                let mut q = vec![("region", c.as_str()), ("region_exact", "1"), ("registered_until", cutoff.as_str())];
                if withdrawn_out {
                    q.push(("not_withdrawn_on", p.as_of.as_str()));
                }
                list_link(&q)
            }),
            achieved_link: region.as_ref().and_then(|c| {
                list_link(&[
                    ("region", c.as_str()),
                    ("region_exact", "1"),
                    ("registered_until", cutoff.as_str()),
                    ("outcome", "achieved"),
                    ("approved_until", counted.as_str()),
                ])
            }),
        }
    };
    let mut rows: Vec<Row> = p.regions.iter().map(row).collect();
    rows.push(row(&p.total));
    let regional: Vec<&Row> = rows.iter().filter(|r| r.code != "total").collect();
    let (target, due, achieved) =
        if zh { ("目标", "应完成", "已完成") } else { ("Target", "Due so far", "Achieved") };
    let none: Vec<Option<String>> = vec![None; regional.len()];
    let mut charts = vec![serde_json::json!({
        "id": "chart-progress",
        "type": "bar",
        "categories": regional.iter().map(|r| r.name.clone()).collect::<Vec<_>>(),
        "series": [
            {"name": target, "values": regional.iter().map(|r| r.target).collect::<Vec<_>>(), "links": none},
            {"name": due, "values": regional.iter().map(|r| r.due).collect::<Vec<_>>(), "links": none},
            {"name": achieved, "values": regional.iter().map(|r| r.achieved).collect::<Vec<_>>(),
             "links": regional.iter().map(|r| r.achieved_link.clone()).collect::<Vec<_>>()},
        ],
    })];
    charts.extend(blocks.iter().map(Block::chart));
    let chart = serde_json::json!({ "charts": charts });
    // The JSON sits in a <script> element: "<" is written as \u003c so no text can close it.
    let chart_json = chart.to_string().replace('<', "\\u003c");
    let title = if zh { p.campaign.name.clone() } else { p.campaign.name_en.clone() };
    ctx.render(
        StatusCode::OK,
        DashboardView {
            blocks,
            t: ctx.lang.tr(),
            nav: ctx.nav(),
            show_synthetic: false,
            title,
            campaigns: crate::form::choices(
                campaigns.iter().map(|c| (c.id.to_string(), if zh { c.name.clone() } else { c.name_en.clone() })),
            ),
            campaign_id,
            as_of: p.as_of.clone(),
            rows,
            chart_json,
            campaign_label: crate::i18n::texts(zh).x_campaign,
            as_of_label: crate::i18n::texts(zh).x_as_3,
            show: crate::i18n::texts(zh).x_show,
            progress_title: crate::i18n::fill(
                crate::i18n::texts(zh).x_progress_against_target_cumulative,
                &[("year", &year as &dyn std::fmt::Display)],
            ),
            region_label: crate::i18n::texts(zh).region,
            stock_label: crate::i18n::texts(zh).x_stock,
            target_label: crate::i18n::texts(zh).x_target,
            achieved_label: crate::i18n::texts(zh).x_achieved,
            shortfall_label: crate::i18n::texts(zh).x_shortfall,
            due_label: crate::i18n::texts(zh).x_due_so_far,
            on_track_label: crate::i18n::texts(zh).x_track,
            incremental_label: crate::i18n::texts(zh).x_incremental,
            yes: crate::i18n::texts(zh).x_yes_2,
            no: crate::i18n::texts(zh).x_no_2,
        },
    )
}

#[derive(Template)]
#[template(path = "reports/reports.html")]
struct ReportView {
    t: &'static Tr,
    nav: Nav,
    show_synthetic: bool,
    title: String,
    as_of: String,
    region: String,
    region_options: Vec<crate::form::Choice>,
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
    rows.push(line(crate::i18n::texts(zh).x_total, &r.total));
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
            region_options: crate::form::choices(
                regions
                    .iter()
                    .filter(|g| ctx.who.scope.has_region(&g.code))
                    .map(|g| (g.code.clone(), if zh { g.name.clone() } else { g.name_en.clone() })),
            ),
            headers,
            rows,
            as_of_label: crate::i18n::texts(zh).x_as_3,
            region_label: crate::i18n::texts(zh).region,
            show: crate::i18n::texts(zh).x_show,
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
