//! Funds pages (issue 8): balances per union and fund at any date, the ledger with its forms
//! (allocations, payments, approval, reversal), the supervision findings, the standards per
//! purpose and the spending report. Every list exports to .xlsx from the table shown.

use crate::auth::Who;
use crate::kit::*;
use crate::page::Ctx;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use bangfu_app::funds as fx;
use bangfu_app::AppError;
use bangfu_domain::funds::{EntryKind, EntryStatus, FindingKind, FindingStatus, FundPeriod, FundSource};
use bangfu_domain::{FieldError, MeasureKind, OrgKind, Permission};
use bangfu_store::{EntryFilter, FindingFilter};
use std::collections::{BTreeMap, HashMap};

/// The routes of this module.
pub fn routes() -> crate::Routes {
    crate::Routes::default()
        .route("/funds", get(balances_page))
        .route("/funds/balances.xlsx", get(balances_export))
        .route("/funds/new", post(fund_submit))
        .route("/funds/entries", get(entries_page))
        .route("/funds/entries/export.xlsx", get(entries_export))
        .route("/funds/allocations", post(allocation_submit))
        .route("/funds/disbursements", post(disbursement_submit))
        .route("/funds/entries/{id}", get(entry_page))
        .route("/funds/entries/{id}/decision", post(decision_submit))
        .route("/funds/entries/{id}/reversal", post(reversal_submit))
        .route("/funds/findings", get(findings_page))
        .route("/funds/findings/export.xlsx", get(findings_export))
        .route("/funds/findings/explain", post(explain_submit))
        .route("/funds/standards", get(standards_page).post(standard_submit))
        .route("/funds/report", get(report_page))
        .route("/funds/report.xlsx", get(report_export))
}

fn tabs_of(ctx: &Ctx, shown: &str) -> Vec<(String, String, bool)> {
    let zh = ctx.lang.zh();
    [
        ("/funds", "余额|Balances"),
        ("/funds/entries", "收支台账|Ledger"),
        ("/funds/findings", "监管发现|Findings"),
        ("/funds/standards", "发放标准|Standards"),
        ("/funds/report", "统计|Report"),
    ]
    .iter()
    .map(|(link, l)| (l.rsplit('|').nth(usize::from(zh)).unwrap_or(l).to_string(), link.to_string(), *link == shown))
    .collect()
}

fn num(f: &HashMap<String, String>, k: &'static str) -> Result<Option<i64>, AppError> {
    match f.get(k).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse::<i64>()
            .map(Some)
            .map_err(|_| AppError::invalid(FieldError::new(k, bangfu_domain::Code::NotWholeNumber))),
    }
}

fn required_num(f: &HashMap<String, String>, k: &'static str) -> Result<i64, AppError> {
    num(f, k)?.ok_or_else(|| AppError::invalid(FieldError::new(k, bangfu_domain::Code::Required)))
}

fn code_label<T: Copy>(
    code: &str,
    parse: fn(&str) -> Option<T>,
    label: fn(T, bool) -> &'static str,
    zh: bool,
) -> String {
    parse(code).map(|v| label(v, zh).to_string()).unwrap_or_else(|| code.to_string())
}

// ---------------------------------------------------------------- balances

async fn balance_tables(s: &AppState, ctx: &Ctx, as_of: Option<&str>) -> Result<(String, Tb, Tb), AppError> {
    let zh = ctx.lang.zh();
    let sheet = s.app.fund_balances(&ctx.who, as_of).await?;
    let money = |v: i64| c(crate::labels::money(v));
    let funds = Tb {
        id: "fund-totals",
        headers: bilingual(
            zh,
            &["资金|Fund", "来自资金来源|From the source", "发放到户|Paid to households", "余额|Balance"],
        ),
        rows: sheet
            .funds
            .iter()
            .map(|f| vec![c(f.fund_name.clone()), money(f.received), money(f.disbursed), money(f.balance)])
            .collect(),
        count: String::new(),
        export: None,
        pager: Vec::new(),
    };
    let unions = Tb {
        id: "export",
        headers: bilingual(
            zh,
            &[
                "地区|Region",
                "工会|Union",
                "资金|Fund",
                "拨入|Received",
                "拨出|Transferred out",
                "发放|Paid out",
                "余额|Balance",
                "核对|Reconciles",
            ],
        ),
        rows: sheet
            .rows
            .iter()
            .map(|r| {
                let ok = r.received == r.transferred + r.disbursed + r.balance && r.balance >= 0;
                vec![
                    c(r.region_code.clone()),
                    c(r.union_name.clone()),
                    c(r.fund_name.clone()),
                    money(r.received),
                    money(r.transferred),
                    money(r.disbursed),
                    money(r.balance),
                    c(if ok { tx(ctx, "平衡", "yes") } else { tx(ctx, "不平衡", "NO") }),
                ]
            })
            .collect(),
        count: format!("{} {}", ctx.lang.tr().total, sheet.rows.len()),
        export: Some(format!("/funds/balances.xlsx?as_of={}", sheet.as_of)),
        pager: Vec::new(),
    };
    Ok((sheet.as_of, funds, unions))
}

async fn balances_page(
    State(s): State<AppState>,
    Who(who): Who,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let q = params(raw.as_deref());
    let (as_of, funds_tb, unions_tb) = match balance_tables(&s, &ctx, q.get("as_of").map(String::as_str)).await {
        Ok(t) => t,
        Err(e) => return ctx.error(e),
    };
    let list = match s.app.funds(&ctx.who).await {
        Ok(l) => l,
        Err(e) => return ctx.error(e),
    };
    let zh = ctx.lang.zh();
    let mut day = field(tx(&ctx, "截至日期", "As of"), "as_of", "text");
    day.value = as_of.clone();
    let mut sections = vec![
        Section {
            heading: format!("{} {as_of}", tx(&ctx, "各项资金余额，截至", "Funds, as of")),
            lines: vec![tx(
                &ctx,
                "每个工会：拨入 = 拨出 + 发放 + 余额。只有审批通过的收支计入；冲销以相反金额记账，不删除任何记录。",
                "For every union: received = transferred out + paid out + balance. Only approved entries count; a mistake is reversed by an opposite entry, nothing is deleted.",
            )
            .into()],
            table: Some(funds_tb),
            form: Some(Fm {
                action: "/funds".into(),
                id: "as-of-form",
                upload: false,
                get: true,
                submit: tx(&ctx, "查看", "Show").into(),
                fields: vec![day],
            }),
            ..Default::default()
        },
        Section { heading: tx(&ctx, "各工会收支", "Per union").into(), table: Some(unions_tb), ..Default::default() },
        Section {
            heading: tx(&ctx, "资金", "Funds").into(),
            table: Some(Tb {
                id: "funds",
                headers: bilingual(zh, &["#", "名称|Name", "来源|Source", "年度|Year", "备注|Note"]),
                rows: list
                    .iter()
                    .map(|f| {
                        vec![
                            c(f.id.to_string()),
                            c(f.name.clone()),
                            c(code_label(&f.source, FundSource::from_code, FundSource::label, zh)),
                            c(f.year.to_string()),
                            c(f.note.clone()),
                        ]
                    })
                    .collect(),
                count: String::new(),
                export: None,
                pager: Vec::new(),
            }),
            ..Default::default()
        },
    ];
    if ctx.who.can(Permission::ManageFunds) {
        let mut source = field(tx(&ctx, "来源", "Source"), "source", "select");
        source.options = FundSource::ALL.iter().map(|v| (v.code().to_string(), v.label(zh).to_string())).collect();
        sections.push(Section {
            heading: tx(&ctx, "新增资金", "New fund").into(),
            form: Some(Fm {
                action: "/funds/new".into(),
                id: "fund-form",
                upload: false,
                get: false,
                submit: tx(&ctx, "保存", "Save").into(),
                fields: vec![
                    field(tx(&ctx, "名称", "Name"), "name", "text"),
                    source,
                    field(tx(&ctx, "年度", "Year"), "year", "text"),
                    field(tx(&ctx, "备注", "Note"), "note", "text"),
                ],
            }),
            ..Default::default()
        });
    }
    page(&ctx, tx(&ctx, "帮扶资金", "Assistance funds"), Vec::new(), tabs_of(&ctx, "/funds"), sections)
}

async fn balances_export(
    State(s): State<AppState>,
    Who(who): Who,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let q = params(raw.as_deref());
    match balance_tables(&s, &ctx, q.get("as_of").map(String::as_str)).await {
        Ok((as_of, _, tb)) => {
            let title = format!("{} {as_of}", tx(&ctx, "帮扶资金余额，截至", "Fund balances as of"));
            send_xlsx(&s, &ctx, "fund_balance", &title, &tb, "fund-balances.xlsx").await
        }
        Err(e) => ctx.error(e),
    }
}

async fn fund_submit(State(s): State<AppState>, Who(who): Who, headers: HeaderMap, body: Bytes) -> Response {
    let ctx = Ctx::new(None, &headers, who);
    let f = form(&body);
    let year = match required_num(&f, "year") {
        Ok(y) => y,
        Err(e) => return ctx.error(e),
    };
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let input = fx::FundInput { name: get("name"), source: get("source"), year, note: get("note") };
    match s.app.create_fund(&ctx.who, &input).await {
        Ok(_) => Redirect::to("/funds").into_response(),
        Err(e) => ctx.error(e),
    }
}

// ---------------------------------------------------------------- ledger

fn entry_filter(q: &HashMap<String, String>) -> EntryFilter {
    let page: u64 = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1).max(1);
    EntryFilter {
        status: q.get("status").filter(|v| EntryStatus::from_code(v).is_some()).cloned(),
        kind: q.get("kind").filter(|v| EntryKind::from_code(v).is_some()).cloned(),
        fund_id: q.get("fund_id").and_then(|v| v.parse().ok()),
        household_id: q.get("household_id").and_then(|v| v.parse().ok()),
        union_id: None,
        limit: 100,
        offset: (page - 1) * 100,
    }
}

async fn entries_table(s: &AppState, ctx: &Ctx, f: &EntryFilter, for_export: bool) -> Result<Tb, AppError> {
    let zh = ctx.lang.zh();
    let (list, total) = s.app.fund_entries(&ctx.who, f).await?;
    let rows = list
        .iter()
        .map(|e| {
            let who_gets = match (&e.payee_name, &e.file_no) {
                (Some(p), _) => p.clone(),
                (None, Some(file)) => format!("{file} {}", e.head_name.clone().unwrap_or_default()),
                _ => String::new(),
            };
            let id =
                if for_export { c(e.id.to_string()) } else { cl(e.id.to_string(), format!("/funds/entries/{}", e.id)) };
            vec![
                id,
                c(e.day.clone()),
                c(code_label(&e.kind, EntryKind::from_code, EntryKind::label, zh)),
                c(e.fund_name.clone()),
                c(e.payer_name.clone().unwrap_or_else(|| tx(ctx, "资金来源", "the source").into())),
                c(who_gets),
                c(e.purpose
                    .as_deref()
                    .map(|p| code_label(p, MeasureKind::from_code, MeasureKind::label, zh))
                    .unwrap_or_default()),
                c(crate::labels::money(e.amount)),
                c(e.voucher.clone()),
                c(code_label(&e.status, EntryStatus::from_code, EntryStatus::label, zh)),
                c(e.reverses_id
                    .map(|r| format!("{} #{r}", tx(ctx, "冲销", "reverses")))
                    .or(e.reversed_by.map(|r| format!("{} #{r}", tx(ctx, "已冲销", "reversed by"))))
                    .unwrap_or_default()),
                c(crate::labels::who(&e.recorded_by, ctx.lang)),
                c(crate::labels::who(e.decided_by.as_deref().unwrap_or_default(), ctx.lang)),
            ]
        })
        .collect();
    let page = f.offset / 100 + 1;
    let mut pager = Vec::new();
    let base = |p: u64| {
        let mut u = format!("/funds/entries?page={p}");
        for (k, v) in [("status", &f.status), ("kind", &f.kind)] {
            if let Some(v) = v {
                u.push_str(&format!("&{k}={v}"));
            }
        }
        if let Some(h) = f.household_id {
            u.push_str(&format!("&household_id={h}"));
        }
        u
    };
    if page > 1 {
        pager.push((tx(ctx, "上一页", "Previous").to_string(), base(page - 1)));
    }
    if (page * 100) < total as u64 {
        pager.push((tx(ctx, "下一页", "Next").to_string(), base(page + 1)));
    }
    Ok(Tb {
        id: "export",
        headers: bilingual(
            zh,
            &[
                "#",
                "日期|Date",
                "类别|Kind",
                "资金|Fund",
                "付款方|Payer",
                "收款方|Payee",
                "用途|Purpose",
                "金额（元）|Amount (yuan)",
                "凭证号|Voucher",
                "状态|Status",
                "冲销|Reversal",
                "录入|Recorded by",
                "审批|Decided by",
            ],
        ),
        rows,
        count: if total > bangfu_store::funds::ENTRY_COUNT_CAP {
            format!("{} > {}", ctx.lang.tr().total, bangfu_store::funds::ENTRY_COUNT_CAP)
        } else {
            format!("{} {total}", ctx.lang.tr().total)
        },
        export: Some({
            let mut u = base(1).replace("/funds/entries?", "/funds/entries/export.xlsx?");
            u.push_str("&all=1");
            u
        }),
        pager,
    })
}

pub(crate) async fn union_options(s: &AppState, ctx: &Ctx) -> Result<Vec<(String, String)>, AppError> {
    let orgs = s.app.store.organisations(&ctx.who.scope, None).await?;
    Ok(orgs
        .into_iter()
        .filter(|o| matches!(o.kind, OrgKind::CityUnion | OrgKind::CountyUnion | OrgKind::GrassrootsUnion))
        .filter(|o| ctx.who.scope.union_id().is_none_or(|u| u == o.id))
        .map(|o| (o.id.to_string(), format!("{} {}", o.region_code, o.name)))
        .collect())
}

async fn entries_page(
    State(s): State<AppState>,
    Who(who): Who,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let zh = ctx.lang.zh();
    let q = params(raw.as_deref());
    let f = entry_filter(&q);
    let tb = match entries_table(&s, &ctx, &f, false).await {
        Ok(t) => t,
        Err(e) => return ctx.error(e),
    };
    let shown = f.status.clone().unwrap_or_default();
    let status_tabs: Vec<(String, String, bool)> =
        std::iter::once((tx(&ctx, "全部", "All").to_string(), "/funds/entries".to_string(), shown.is_empty()))
            .chain(
                EntryStatus::ALL.iter().map(|v| {
                    (v.label(zh).to_string(), format!("/funds/entries?status={}", v.code()), shown == v.code())
                }),
            )
            .collect();
    let mut sections = vec![Section { table: Some(tb), ..Default::default() }];
    if ctx.who.can(Permission::RecordFunds) {
        let funds = match s.app.funds(&ctx.who).await {
            Ok(l) => l,
            Err(e) => return ctx.error(e),
        };
        let unions = match union_options(&s, &ctx).await {
            Ok(u) => u,
            Err(e) => return ctx.error(e),
        };
        let fund_opts: Vec<(String, String)> = funds.iter().map(|f| (f.id.to_string(), f.name.clone())).collect();
        let sel = |label: &str, name: &'static str, opts: Vec<(String, String)>| {
            let mut x = field(label, name, "select");
            x.options = opts;
            x
        };
        let mut day = field(tx(&ctx, "凭证日期", "Voucher date"), "day", "text");
        day.placeholder = "YYYY-MM-DD".into();
        let from_source = std::iter::once((String::new(), tx(&ctx, "（资金来源）", "(the fund's source)").to_string()))
            .chain(unions.iter().cloned())
            .collect();
        sections.push(Section {
            heading: tx(&ctx, "录入拨付", "Record an allocation").into(),
            form: Some(Fm {
                action: "/funds/allocations".into(),
                id: "allocation-form",
                upload: false,
                get: false,
                submit: tx(&ctx, "提交审批", "Submit for approval").into(),
                fields: vec![
                    sel(tx(&ctx, "资金", "Fund"), "fund_id", fund_opts),
                    day,
                    field(tx(&ctx, "金额（元）", "Amount (yuan)"), "amount", "text"),
                    sel(tx(&ctx, "拨出单位", "From"), "payer_union_id", from_source),
                    sel(tx(&ctx, "拨入工会", "To union"), "payee_union_id", unions.clone()),
                    field(tx(&ctx, "凭证号", "Voucher number"), "voucher", "text"),
                    field(tx(&ctx, "备注", "Note"), "note", "text"),
                ],
            }),
            ..Default::default()
        });
        // A payment is recorded from the household's page, its measure chosen from the plan:
        // here the household is found by file number or name.
        let t = ctx.lang.tr();
        sections.push(Section {
            heading: t.record_payment.into(),
            lines: vec![t.find_household_hint.into()],
            form: Some(Fm {
                action: "/funds/payments/find".into(),
                id: "disbursement-find",
                upload: false,
                get: true,
                submit: t.search.into(),
                fields: vec![field(t.search_by_file_or_name, "q", "text")],
            }),
            ..Default::default()
        });
    }
    let mut all_tabs = tabs_of(&ctx, "/funds/entries");
    all_tabs.extend(status_tabs);
    page(&ctx, tx(&ctx, "收支台账", "Funds ledger"), Vec::new(), all_tabs, sections)
}

async fn entries_export(
    State(s): State<AppState>,
    Who(who): Who,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let mut f = entry_filter(&params(raw.as_deref()));
    (f.limit, f.offset) = (10_000, 0);
    match entries_table(&s, &ctx, &f, true).await {
        Ok(tb) => {
            send_xlsx(&s, &ctx, "fund_entry", tx(&ctx, "帮扶资金收支台账", "Funds ledger"), &tb, "fund-ledger.xlsx")
                .await
        }
        Err(e) => ctx.error(e),
    }
}

async fn allocation_submit(State(s): State<AppState>, Who(who): Who, headers: HeaderMap, body: Bytes) -> Response {
    let ctx = Ctx::new(None, &headers, who);
    let f = form(&body);
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let ids = (|| {
        Ok::<_, AppError>((
            required_num(&f, "fund_id")?,
            num(&f, "payer_union_id")?,
            required_num(&f, "payee_union_id")?,
        ))
    })();
    let (fund_id, payer, payee) = match ids {
        Ok(v) => v,
        Err(e) => return ctx.error(e),
    };
    let input = fx::AllocationInput {
        fund_id,
        day: get("day"),
        amount: get("amount").as_str().into(),
        payer_union_id: payer,
        payee_union_id: payee,
        voucher: get("voucher"),
        note: get("note"),
    };
    match s.app.record_allocation(&ctx.who, &input).await {
        Ok(e) => Redirect::to(&format!("/funds/entries/{}", e.id)).into_response(),
        Err(e) => ctx.error(e),
    }
}

async fn disbursement_submit(State(s): State<AppState>, Who(who): Who, headers: HeaderMap, body: Bytes) -> Response {
    let ctx = Ctx::new(None, &headers, who);
    let f = form(&body);
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let ids = (|| {
        Ok::<_, AppError>((
            required_num(&f, "fund_id")?,
            required_num(&f, "payer_union_id")?,
            required_num(&f, "household_id")?,
            num(&f, "measure_id")?,
        ))
    })();
    let (fund_id, payer, household, measure) = match ids {
        Ok(v) => v,
        Err(e) => return ctx.error(e),
    };
    let input = fx::DisbursementInput {
        fund_id,
        day: get("day"),
        amount: get("amount").as_str().into(),
        payer_union_id: payer,
        household_id: household,
        measure_id: measure,
        purpose: get("purpose"),
        voucher: get("voucher"),
        note: get("note"),
    };
    match s.app.record_disbursement(&ctx.who, &input).await {
        Ok(e) => Redirect::to(&format!("/funds/entries/{}", e.id)).into_response(),
        Err(e) => ctx.error(e),
    }
}

async fn entry_page(
    State(s): State<AppState>,
    Who(who): Who,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let zh = ctx.lang.zh();
    let Ok(id) = id.parse::<i64>() else { return ctx.error(AppError::NotFound) };
    let e = match s.app.fund_entry(&ctx.who, id).await {
        Ok(e) => e,
        Err(err) => return ctx.error(err),
    };
    let findings = match s
        .app
        .findings(
            &ctx.who,
            &FindingFilter { household_id: e.household_id.or(Some(-1)), limit: 1000, ..Default::default() },
        )
        .await
    {
        Ok((l, _)) => l.into_iter().filter(|f| f.entry_id == e.id).collect::<Vec<_>>(),
        Err(err) => return ctx.error(err),
    };
    let line = |k: &str, v: String| vec![c(k.to_string()), c(v)];
    let mut rows = vec![
        line(tx(&ctx, "类别", "Kind"), code_label(&e.kind, EntryKind::from_code, EntryKind::label, zh)),
        line(tx(&ctx, "资金", "Fund"), e.fund_name.clone()),
        line(tx(&ctx, "凭证日期", "Voucher date"), e.day.clone()),
        line(tx(&ctx, "金额（元）", "Amount (yuan)"), crate::labels::money(e.amount)),
        line(
            tx(&ctx, "付款方", "Payer"),
            e.payer_name.clone().unwrap_or_else(|| tx(&ctx, "资金来源", "the source").into()),
        ),
        line(tx(&ctx, "凭证号", "Voucher"), e.voucher.clone()),
        line(tx(&ctx, "状态", "Status"), code_label(&e.status, EntryStatus::from_code, EntryStatus::label, zh)),
        line(
            tx(&ctx, "录入", "Recorded"),
            format!("{} {}", crate::labels::who(&e.recorded_by, ctx.lang), crate::labels::time(&e.recorded_at)),
        ),
        line(
            tx(&ctx, "审批", "Decided"),
            format!(
                "{} {} {}",
                crate::labels::who(e.decided_by.as_deref().unwrap_or_default(), ctx.lang),
                crate::labels::time(e.decided_at.as_deref().unwrap_or_default()),
                e.decision_note
            ),
        ),
        line(tx(&ctx, "备注", "Note"), e.note.clone()),
    ];
    if let Some(p) = &e.payee_name {
        rows.insert(5, line(tx(&ctx, "拨入工会", "Receiving union"), p.clone()));
    }
    if let Some(h) = e.household_id {
        let mut r = line(
            tx(&ctx, "家庭", "Household"),
            format!("{} {}", e.file_no.clone().unwrap_or_default(), e.head_name.clone().unwrap_or_default()),
        );
        r[1].link = Some(format!("/households/{h}"));
        rows.insert(5, r);
        rows.insert(
            6,
            line(
                tx(&ctx, "用途 / 措施", "Purpose / measure"),
                format!(
                    "{} / {}",
                    e.purpose
                        .as_deref()
                        .map(|p| code_label(p, MeasureKind::from_code, MeasureKind::label, zh))
                        .unwrap_or_default(),
                    e.measure_id.map(|m| format!("#{m}")).unwrap_or_else(|| "—".into())
                ),
            ),
        );
    }
    if let Some(r) = e.reverses_id {
        let mut x = line(tx(&ctx, "冲销", "Reverses"), format!("#{r}"));
        x[1].link = Some(format!("/funds/entries/{r}"));
        rows.push(x);
    }
    if let Some(r) = e.reversed_by {
        let mut x = line(tx(&ctx, "已被冲销", "Reversed by"), format!("#{r}"));
        x[1].link = Some(format!("/funds/entries/{r}"));
        rows.push(x);
    }
    let mut sections = vec![Section {
        table: Some(Tb {
            id: "entry",
            headers: bilingual(zh, &["项目|Item", "内容|Value"]),
            rows,
            count: String::new(),
            export: None,
            pager: Vec::new(),
        }),
        ..Default::default()
    }];
    if !findings.is_empty() {
        sections.push(Section {
            heading: tx(&ctx, "监管发现", "Findings").into(),
            lines: findings
                .iter()
                .map(|f| {
                    format!(
                        "{} · {} · {}",
                        code_label(&f.kind, FindingKind::from_code, FindingKind::label, zh),
                        f.detail,
                        code_label(&f.status, FindingStatus::from_code, FindingStatus::label, zh)
                    )
                })
                .collect(),
            ..Default::default()
        });
    }
    if e.status == "pending" && ctx.who.can(Permission::ApproveFunds) {
        let mut d = field(tx(&ctx, "决定", "Decision"), "decision", "select");
        d.options = vec![
            ("approve".into(), tx(&ctx, "审批通过", "Approve").into()),
            ("reject".into(), tx(&ctx, "驳回", "Reject").into()),
        ];
        sections.push(Section {
            heading: tx(&ctx, "审批", "Decide").into(),
            form: Some(Fm {
                action: format!("/funds/entries/{id}/decision"),
                id: "decision-form",
                upload: false,
                get: false,
                submit: tx(&ctx, "提交", "Submit").into(),
                fields: vec![d, field(tx(&ctx, "意见（驳回时必填）", "Note (required to reject)"), "note", "text")],
            }),
            ..Default::default()
        });
    }
    if e.status == "approved"
        && e.reverses_id.is_none()
        && e.reversed_by.is_none()
        && ctx.who.can(Permission::RecordFunds)
    {
        let mut day = field(tx(&ctx, "冲销日期（默认今天）", "Reversal date (default today)"), "day", "text");
        day.placeholder = "YYYY-MM-DD".into();
        sections.push(Section {
            heading: tx(&ctx, "冲销（更正错误）", "Reverse (correct a mistake)").into(),
            form: Some(Fm {
                action: format!("/funds/entries/{id}/reversal"),
                id: "reversal-form",
                upload: false,
                get: false,
                submit: tx(&ctx, "提交冲销，待审批", "Submit the reversal for approval").into(),
                fields: vec![
                    day,
                    field(tx(&ctx, "原因", "Reason"), "reason", "text"),
                    field(tx(&ctx, "凭证号", "Voucher"), "voucher", "text"),
                ],
            }),
            ..Default::default()
        });
    }
    let title = format!("{} #{id}", tx(&ctx, "收支记录", "Ledger entry"));
    page(&ctx, &title, Vec::new(), tabs_of(&ctx, "/funds/entries"), sections)
}

async fn decision_submit(
    State(s): State<AppState>,
    Who(who): Who,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let ctx = Ctx::new(None, &headers, who);
    let Ok(id) = id.parse::<i64>() else { return ctx.error(AppError::NotFound) };
    let f = form(&body);
    let input = fx::EntryDecisionInput {
        decision: f.get("decision").cloned().unwrap_or_default(),
        note: f.get("note").cloned().unwrap_or_default(),
    };
    match s.app.decide_entry(&ctx.who, id, &input).await {
        Ok(_) => Redirect::to(&format!("/funds/entries/{id}")).into_response(),
        Err(e) => ctx.error(e),
    }
}

async fn reversal_submit(
    State(s): State<AppState>,
    Who(who): Who,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let ctx = Ctx::new(None, &headers, who);
    let Ok(id) = id.parse::<i64>() else { return ctx.error(AppError::NotFound) };
    let f = form(&body);
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let input = fx::ReversalInput { day: Some(get("day")), reason: get("reason"), voucher: get("voucher") };
    match s.app.reverse_entry(&ctx.who, id, &input).await {
        Ok(r) => Redirect::to(&format!("/funds/entries/{}", r.id)).into_response(),
        Err(e) => ctx.error(e),
    }
}

// ---------------------------------------------------------------- findings

fn finding_filter(q: &HashMap<String, String>) -> FindingFilter {
    let page: u64 = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1).max(1);
    FindingFilter {
        status: q
            .get("status")
            .filter(|v| FindingStatus::from_code(v).is_some())
            .cloned()
            .or(if q.contains_key("status") { None } else { Some("open".into()) }),
        kind: q.get("kind").filter(|v| FindingKind::from_code(v).is_some()).cloned(),
        household_id: None,
        limit: 100,
        offset: (page - 1) * 100,
    }
}

async fn findings_table(s: &AppState, ctx: &Ctx, f: &FindingFilter) -> Result<Tb, AppError> {
    let zh = ctx.lang.zh();
    let (list, total) = s.app.findings(&ctx.who, f).await?;
    let rows = list
        .iter()
        .map(|x| {
            let detail = match x.kind.as_str() {
                "not_in_file" => format!("{} {}", tx(ctx, "建档日期", "registered on"), x.detail),
                "exited" | "withdrawn" => format!("{} {}", tx(ctx, "批准日期", "approved on"), x.detail),
                "duplicate" => {
                    format!("{} {} · #{}", tx(ctx, "期间", "period"), x.detail, x.related_entry_id.unwrap_or_default())
                }
                "above_standard" => format!("{} {}", tx(ctx, "标准（分）", "standard (fen)"), x.detail),
                _ => x.detail.clone(),
            };
            vec![
                c(x.id.to_string()),
                cl(x.entry_id.to_string(), format!("/funds/entries/{}", x.entry_id)),
                c(code_label(&x.kind, FindingKind::from_code, FindingKind::label, zh)),
                cl(format!("{} {}", x.file_no, x.head_name), format!("/households/{}", x.household_id)),
                c(x.region_code.clone()),
                c(x.day.clone()),
                c(crate::labels::money(x.amount)),
                c(detail),
                c(code_label(&x.status, FindingStatus::from_code, FindingStatus::label, zh)),
                c(x.note.clone()),
            ]
        })
        .collect();
    Ok(Tb {
        id: "export",
        headers: bilingual(
            zh,
            &[
                "#",
                "款项|Entry",
                "类型|Kind",
                "家庭|Household",
                "地区|Region",
                "付款日|Paid on",
                "金额（元）|Amount (yuan)",
                "依据|Detail",
                "状态|Status",
                "说明|Explanation",
            ],
        ),
        rows,
        count: format!("{} {total}", ctx.lang.tr().total),
        export: Some(format!(
            "/funds/findings/export.xlsx?status={}&kind={}",
            f.status.clone().unwrap_or_default(),
            f.kind.clone().unwrap_or_default()
        )),
        pager: Vec::new(),
    })
}

async fn findings_page(
    State(s): State<AppState>,
    Who(who): Who,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let zh = ctx.lang.zh();
    let f = finding_filter(&params(raw.as_deref()));
    let (tb, counts) = match (findings_table(&s, &ctx, &f).await, s.app.finding_counts(&ctx.who).await) {
        (Ok(t), Ok(c)) => (t, c),
        (Err(e), _) | (_, Err(e)) => return ctx.error(e),
    };
    let mut by_kind: BTreeMap<String, i64> = BTreeMap::new();
    for (k, st, n) in &counts {
        if st == "open" {
            *by_kind.entry(code_label(k, FindingKind::from_code, FindingKind::label, zh)).or_default() += n;
        }
    }
    let summary = by_kind.iter().map(|(k, n)| format!("{k} {n}")).collect::<Vec<_>>().join(" · ");
    let shown = f.status.clone().unwrap_or_default();
    let tabs: Vec<(String, String, bool)> = FindingStatus::ALL
        .iter()
        .map(|v| (v.label(zh).to_string(), format!("/funds/findings?status={}", v.code()), shown == v.code()))
        .collect();
    let mut sections = vec![Section {
        lines: vec![
            tx(&ctx, "系统自动比对台账与家庭档案：付款日未在档、已脱困或已退出档案；同一用途同一期间重复发放；超过发放标准；无有效帮扶措施。", "Found automatically from the ledger and the files: paid before registration, after an exit or a withdrawal; the same purpose twice in a period; above the standard; no valid measure.").into(),
            format!("{}: {}", tx(&ctx, "待说明", "Open"), if summary.is_empty() { "0".into() } else { summary }),
        ],
        table: Some(tb),
        ..Default::default()
    }];
    if ctx.who.can(Permission::ExplainFindings) {
        sections.push(Section {
            heading: tx(&ctx, "说明一项发现", "Explain a finding").into(),
            form: Some(Fm {
                action: "/funds/findings/explain".into(),
                id: "explain-form",
                upload: false,
                get: false,
                submit: tx(&ctx, "保存说明", "Save").into(),
                fields: vec![
                    field(tx(&ctx, "发现编号", "Finding number"), "id", "text"),
                    field(tx(&ctx, "说明", "Explanation"), "note", "textarea"),
                ],
            }),
            ..Default::default()
        });
    }
    let mut all_tabs = tabs_of(&ctx, "/funds/findings");
    all_tabs.extend(tabs);
    page(&ctx, tx(&ctx, "资金监管发现", "Supervision findings"), Vec::new(), all_tabs, sections)
}

async fn findings_export(
    State(s): State<AppState>,
    Who(who): Who,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let mut f = finding_filter(&params(raw.as_deref()));
    f.limit = 10_000;
    match findings_table(&s, &ctx, &f).await {
        Ok(tb) => {
            send_xlsx(&s, &ctx, "finding", tx(&ctx, "资金监管发现", "Supervision findings"), &tb, "fund-findings.xlsx")
                .await
        }
        Err(e) => ctx.error(e),
    }
}

async fn explain_submit(State(s): State<AppState>, Who(who): Who, headers: HeaderMap, body: Bytes) -> Response {
    let ctx = Ctx::new(None, &headers, who);
    let f = form(&body);
    let id = match required_num(&f, "id") {
        Ok(i) => i,
        Err(e) => return ctx.error(e),
    };
    let input = fx::ExplainInput { note: f.get("note").cloned().unwrap_or_default() };
    match s.app.explain_finding(&ctx.who, id, &input).await {
        Ok(_) => Redirect::to("/funds/findings?status=explained").into_response(),
        Err(e) => ctx.error(e),
    }
}

// ---------------------------------------------------------------- standards and report

async fn standards_page(
    State(s): State<AppState>,
    Who(who): Who,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let zh = ctx.lang.zh();
    let list = match s.app.fund_standards(&ctx.who).await {
        Ok(l) => l,
        Err(e) => return ctx.error(e),
    };
    let rows = list
        .iter()
        .map(|x| {
            vec![
                code_label(&x.purpose, MeasureKind::from_code, MeasureKind::label, zh),
                code_label(&x.period, FundPeriod::from_code, FundPeriod::label, zh),
                x.max_amount.map(crate::labels::money).unwrap_or_else(|| tx(&ctx, "未设", "none").into()),
                format!("{} {}", crate::labels::who(&x.updated_by, ctx.lang), crate::labels::time(&x.updated_at)),
            ]
        })
        .collect();
    let mut sections = vec![Section {
        lines: vec![tx(&ctx, "同一家庭同一用途在一个期间内只应发放一次；单笔金额不应超过标准。修改后全部款项重新比对。", "One payment per purpose, household and period; no payment above the standard. Every payment is checked again after a change.").into()],
        table: Some(text_table(
            &["用途|Purpose", "期间|Period", "单笔上限（元）|Largest payment (yuan)", "修改|Changed"],
            zh,
            rows,
        )),
        ..Default::default()
    }];
    if ctx.who.can(Permission::ManageFunds) {
        let mut purpose = field(tx(&ctx, "用途", "Purpose"), "purpose", "select");
        purpose.options = MeasureKind::ALL.iter().map(|v| (v.code().to_string(), v.label(zh).to_string())).collect();
        let mut period = field(tx(&ctx, "期间", "Period"), "period", "select");
        period.options = FundPeriod::ALL.iter().map(|v| (v.code().to_string(), v.label(zh).to_string())).collect();
        sections.push(Section {
            heading: tx(&ctx, "修改标准", "Change a standard").into(),
            form: Some(Fm {
                action: "/funds/standards".into(),
                id: "standard-form",
                upload: false,
                get: false,
                submit: tx(&ctx, "保存", "Save").into(),
                fields: vec![
                    purpose,
                    period,
                    field(
                        tx(&ctx, "单笔上限（元，空为不限）", "Largest payment (yuan; empty: none)"),
                        "max_amount",
                        "text",
                    ),
                ],
            }),
            ..Default::default()
        });
    }
    page(&ctx, tx(&ctx, "发放标准", "Payment standards"), Vec::new(), tabs_of(&ctx, "/funds/standards"), sections)
}

async fn standard_submit(State(s): State<AppState>, Who(who): Who, headers: HeaderMap, body: Bytes) -> Response {
    let ctx = Ctx::new(None, &headers, who);
    let f = form(&body);
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let input = fx::FundStandardInput { max_amount: get("max_amount"), period: get("period") };
    match s.app.set_fund_standard(&ctx.who, &get("purpose"), &input).await {
        Ok(_) => Redirect::to("/funds/standards").into_response(),
        Err(e) => ctx.error(e),
    }
}

async fn report_tables(s: &AppState, ctx: &Ctx, year: i64) -> Result<Vec<(String, Tb)>, AppError> {
    let zh = ctx.lang.zh();
    let r = s.app.funds_report(&ctx.who, year).await?;
    let sum_by = |key: &dyn Fn(&bangfu_store::SpendingRow) -> String| {
        let mut m: BTreeMap<String, (i64, i64)> = BTreeMap::new();
        for x in &r.spending {
            let e = m.entry(key(x)).or_default();
            e.0 += x.amount;
            e.1 += x.payments;
        }
        m.into_iter().map(|(k, (a, n))| vec![c(k), c(n.to_string()), c(crate::labels::money(a))]).collect::<Vec<_>>()
    };
    let table = |id: &'static str, first: &str, rows: Vec<Vec<Cell>>| Tb {
        id,
        headers: bilingual(zh, &[first, "笔数|Payments", "金额（元）|Amount (yuan)"]),
        rows,
        count: String::new(),
        export: None,
        pager: Vec::new(),
    };
    let per_household = Tb {
        id: "per-household",
        headers: bilingual(zh, &["项目|Item", "数值|Value"]),
        rows: [
            vec![c(tx(ctx, "受助家庭数", "Households helped")), c(r.households.to_string())],
            vec![c(tx(ctx, "发放总额（元）", "Total (yuan)")), c(crate::labels::money(r.total))],
            vec![c(tx(ctx, "户均（元）", "Average per household (yuan)")), c(crate::labels::money(r.average))],
            vec![c(tx(ctx, "中位数（元）", "Median (yuan)")), c(crate::labels::money(r.median))],
        ]
        .into_iter()
        .chain(r.distribution.iter().map(|b| {
            vec![
                c(format!("{} {}", tx(ctx, "每户（元）", "per household (yuan)"), b.band)),
                c(b.households.to_string()),
            ]
        }))
        .collect(),
        count: String::new(),
        export: None,
        pager: Vec::new(),
    };
    Ok(vec![
        (format!("{year} {}", tx(ctx, "年户均帮扶", "assistance per household")), per_household),
        (
            tx(ctx, "按资金来源", "By source").into(),
            table(
                "by-source",
                "来源|Source",
                sum_by(&|x| code_label(&x.source, FundSource::from_code, FundSource::label, zh)),
            ),
        ),
        (
            tx(ctx, "按用途", "By purpose").into(),
            table(
                "by-purpose",
                "用途|Purpose",
                sum_by(&|x| code_label(&x.purpose, MeasureKind::from_code, MeasureKind::label, zh)),
            ),
        ),
        (tx(ctx, "按地区", "By region").into(), table("by-region", "地区|Region", sum_by(&|x| x.region_code.clone()))),
        (tx(ctx, "按年度", "By year").into(), table("by-year", "年度|Year", sum_by(&|x| x.year.to_string()))),
    ])
}

fn report_year(raw: Option<&str>) -> i64 {
    use chrono::Datelike;
    params(raw)
        .get("year")
        .and_then(|y| y.parse().ok())
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or_else(|| bangfu_app::clock::today().year() as i64)
}

async fn report_page(
    State(s): State<AppState>,
    Who(who): Who,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let year = report_year(raw.as_deref());
    let tables = match report_tables(&s, &ctx, year).await {
        Ok(t) => t,
        Err(e) => return ctx.error(e),
    };
    let mut y = field(tx(&ctx, "年度", "Year"), "year", "text");
    y.value = year.to_string();
    let mut sections: Vec<Section> =
        tables.into_iter().map(|(h, t)| Section { heading: h, table: Some(t), ..Default::default() }).collect();
    if let Some(t) = sections[0].table.as_mut() {
        t.export = Some(format!("/funds/report.xlsx?year={year}"));
    }
    sections.insert(
        0,
        Section {
            form: Some(Fm {
                action: "/funds/report".into(),
                id: "year-form",
                upload: false,
                get: true,
                submit: tx(&ctx, "查看", "Show").into(),
                fields: vec![y],
            }),
            ..Default::default()
        },
    );
    page(&ctx, tx(&ctx, "帮扶资金统计", "Funds report"), Vec::new(), tabs_of(&ctx, "/funds/report"), sections)
}

async fn report_export(
    State(s): State<AppState>,
    Who(who): Who,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let year = report_year(raw.as_deref());
    match report_tables(&s, &ctx, year).await {
        Ok(tables) => {
            // One sheet: each table under its heading.
            let mut rows = Vec::new();
            for (h, t) in &tables {
                rows.push(vec![c(h.clone())]);
                rows.push(t.headers.iter().map(|x| c(x.clone())).collect());
                for r in &t.rows {
                    rows.push(r.iter().map(|x| c(x.text.clone())).collect());
                }
                rows.push(vec![c(String::new())]);
            }
            let tb =
                Tb { id: "export", headers: Vec::new(), rows, count: String::new(), export: None, pager: Vec::new() };
            let title = format!("{year} {}", tx(&ctx, "帮扶资金统计", "Funds report"));
            send_xlsx(&s, &ctx, "fund_report", &title, &tb, "fund-report.xlsx").await
        }
        Err(e) => ctx.error(e),
    }
}
