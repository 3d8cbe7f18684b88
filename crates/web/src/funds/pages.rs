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
use bangfu_domain::{FieldError, MeasureKind, Permission};
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
        ("/funds", crate::i18n::texts(zh).x_balances),
        ("/funds/entries", crate::i18n::texts(zh).funds_ledger),
        ("/funds/findings", crate::i18n::texts(zh).funds_findings),
        ("/funds/standards", crate::i18n::texts(zh).x_standards),
        ("/funds/report", crate::i18n::texts(zh).x_report),
    ]
    .iter()
    .map(|(link, l)| (l.to_string(), link.to_string(), *link == shown))
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
        headers: header_row(&[
            crate::i18n::texts(zh).fund,
            crate::i18n::texts(zh).x_from_source,
            crate::i18n::texts(zh).x_paid_households,
            crate::i18n::texts(zh).x_balance,
        ]),
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
        headers: header_row(&[
            crate::i18n::texts(zh).region,
            crate::i18n::texts(zh).x_union_2,
            crate::i18n::texts(zh).fund,
            crate::i18n::texts(zh).x_received,
            crate::i18n::texts(zh).x_transferred_out,
            crate::i18n::texts(zh).x_paid_out,
            crate::i18n::texts(zh).x_balance,
            crate::i18n::texts(zh).x_reconciles,
        ]),
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
                    c(if ok { ctx.lang.tr().x_yes } else { ctx.lang.tr().x_no }),
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
    let mut day = field(ctx.lang.tr().x_as_of, "as_of", "text");
    day.value = as_of.clone();
    let mut sections = vec![
        Section {
            heading: format!("{} {as_of}", ctx.lang.tr().x_funds_as),
            lines: vec![ctx.lang.tr().x_every_union_received_transferred_out.into()],
            table: Some(funds_tb),
            form: Some(Fm {
                action: "/funds".into(),
                id: "as-of-form",
                upload: false,
                get: true,
                submit: ctx.lang.tr().x_show.into(),
                fields: vec![day],
            }),
            ..Default::default()
        },
        Section { heading: ctx.lang.tr().x_per_union.into(), table: Some(unions_tb), ..Default::default() },
        Section {
            heading: ctx.lang.tr().menu_funds.into(),
            table: Some(Tb {
                id: "funds",
                headers: header_row(&[
                    "#",
                    crate::i18n::texts(zh).x_name,
                    crate::i18n::texts(zh).x_source,
                    crate::i18n::texts(zh).plan_year,
                    crate::i18n::texts(zh).x_note,
                ]),
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
        let mut source = field(ctx.lang.tr().x_source, "source", "select");
        source.options = FundSource::ALL.iter().map(|v| (v.code().to_string(), v.label(zh).to_string())).collect();
        sections.push(Section {
            heading: ctx.lang.tr().x_new_fund.into(),
            form: Some(Fm {
                action: "/funds/new".into(),
                id: "fund-form",
                upload: false,
                get: false,
                submit: ctx.lang.tr().save.into(),
                fields: vec![
                    field(ctx.lang.tr().x_name, "name", "text"),
                    source,
                    field(ctx.lang.tr().plan_year, "year", "text"),
                    field(ctx.lang.tr().x_note, "note", "text"),
                ],
            }),
            ..Default::default()
        });
    }
    page(&ctx, ctx.lang.tr().x_assistance_funds, Vec::new(), tabs_of(&ctx, "/funds"), sections)
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
            let title = format!("{} {as_of}", ctx.lang.tr().x_fund_balances_as);
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
                c(e.payer_name.clone().unwrap_or_else(|| ctx.lang.tr().x_source_2.into())),
                c(who_gets),
                c(e.purpose
                    .as_deref()
                    .map(|p| code_label(p, MeasureKind::from_code, MeasureKind::label, zh))
                    .unwrap_or_default()),
                c(crate::labels::money(e.amount)),
                c(e.voucher.clone()),
                c(code_label(&e.status, EntryStatus::from_code, EntryStatus::label, zh)),
                c(e.reverses_id
                    .map(|r| format!("{} #{r}", ctx.lang.tr().x_reverses))
                    .or(e.reversed_by.map(|r| format!("{} #{r}", ctx.lang.tr().x_reversed)))
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
        pager.push((ctx.lang.tr().prev.to_string(), base(page - 1)));
    }
    if (page * 100) < total as u64 {
        pager.push((ctx.lang.tr().next.to_string(), base(page + 1)));
    }
    Ok(Tb {
        id: "export",
        headers: header_row(&[
            "#",
            crate::i18n::texts(zh).date,
            crate::i18n::texts(zh).cw_kind,
            crate::i18n::texts(zh).fund,
            crate::i18n::texts(zh).x_payer,
            crate::i18n::texts(zh).payee,
            crate::i18n::texts(zh).purpose,
            crate::i18n::texts(zh).amount,
            crate::i18n::texts(zh).x_voucher,
            crate::i18n::texts(zh).status,
            crate::i18n::texts(zh).x_reversal,
            crate::i18n::texts(zh).x_recorded_2,
            crate::i18n::texts(zh).x_decided,
        ]),
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
        .filter(|o| o.kind.is_union())
        .filter(|o| ctx.who.scope.has_union(Some(o.id)))
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
        std::iter::once((ctx.lang.tr().all.to_string(), "/funds/entries".to_string(), shown.is_empty()))
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
        let mut day = field(ctx.lang.tr().voucher_date, "day", "text");
        day.placeholder = "YYYY-MM-DD".into();
        let from_source = std::iter::once((String::new(), ctx.lang.tr().x_fund_s_source.to_string()))
            .chain(unions.iter().cloned())
            .collect();
        sections.push(Section {
            heading: ctx.lang.tr().x_record_allocation.into(),
            form: Some(Fm {
                action: "/funds/allocations".into(),
                id: "allocation-form",
                upload: false,
                get: false,
                submit: ctx.lang.tr().submit_for_approval.into(),
                fields: vec![
                    sel(ctx.lang.tr().fund, "fund_id", fund_opts),
                    day,
                    field(ctx.lang.tr().amount, "amount", "text"),
                    sel(ctx.lang.tr().x_from, "payer_union_id", from_source),
                    sel(ctx.lang.tr().x_union, "payee_union_id", unions.clone()),
                    field(ctx.lang.tr().voucher, "voucher", "text"),
                    field(ctx.lang.tr().x_note, "note", "text"),
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
    page(&ctx, ctx.lang.tr().x_funds_ledger, Vec::new(), all_tabs, sections)
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
        Ok(tb) => send_xlsx(&s, &ctx, "fund_entry", ctx.lang.tr().x_funds_ledger_2, &tb, "fund-ledger.xlsx").await,
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
        line(ctx.lang.tr().cw_kind, code_label(&e.kind, EntryKind::from_code, EntryKind::label, zh)),
        line(ctx.lang.tr().fund, e.fund_name.clone()),
        line(ctx.lang.tr().voucher_date, e.day.clone()),
        line(ctx.lang.tr().amount, crate::labels::money(e.amount)),
        line(ctx.lang.tr().x_payer, e.payer_name.clone().unwrap_or_else(|| ctx.lang.tr().x_source_2.into())),
        line(ctx.lang.tr().x_voucher, e.voucher.clone()),
        line(ctx.lang.tr().status, code_label(&e.status, EntryStatus::from_code, EntryStatus::label, zh)),
        line(
            ctx.lang.tr().x_recorded,
            format!("{} {}", crate::labels::who(&e.recorded_by, ctx.lang), crate::labels::time(&e.recorded_at)),
        ),
        line(
            ctx.lang.tr().decided_by,
            format!(
                "{} {} {}",
                crate::labels::who(e.decided_by.as_deref().unwrap_or_default(), ctx.lang),
                crate::labels::time(e.decided_at.as_deref().unwrap_or_default()),
                e.decision_note
            ),
        ),
        line(ctx.lang.tr().x_note, e.note.clone()),
    ];
    if let Some(p) = &e.payee_name {
        rows.insert(5, line(ctx.lang.tr().x_receiving_union, p.clone()));
    }
    if let Some(h) = e.household_id {
        let mut r = line(
            ctx.lang.tr().cw_household,
            format!("{} {}", e.file_no.clone().unwrap_or_default(), e.head_name.clone().unwrap_or_default()),
        );
        r[1].link = Some(format!("/households/{h}"));
        rows.insert(5, r);
        rows.insert(
            6,
            line(
                ctx.lang.tr().x_purpose_measure,
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
        let mut x = line(ctx.lang.tr().x_reverses_2, format!("#{r}"));
        x[1].link = Some(format!("/funds/entries/{r}"));
        rows.push(x);
    }
    if let Some(r) = e.reversed_by {
        let mut x = line(ctx.lang.tr().x_reversed_2, format!("#{r}"));
        x[1].link = Some(format!("/funds/entries/{r}"));
        rows.push(x);
    }
    let mut sections = vec![Section {
        table: Some(Tb {
            id: "entry",
            headers: header_row(&[crate::i18n::texts(zh).x_item, crate::i18n::texts(zh).x_value]),
            rows,
            count: String::new(),
            export: None,
            pager: Vec::new(),
        }),
        ..Default::default()
    }];
    if !findings.is_empty() {
        sections.push(Section {
            heading: ctx.lang.tr().funds_findings.into(),
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
    // Decided where every decision is: 待我审批, with a note and a confirmation.
    if e.status == "pending" && ctx.who.can(Permission::ApproveFunds) && e.recorded_by != ctx.who.name {
        sections.push(Section {
            heading: ctx.lang.tr().decide_button.into(),
            links: vec![(format!("/approvals/entries/{id}"), ctx.lang.tr().decide_entry.to_string())],
            ..Default::default()
        });
    }
    if e.status == "approved"
        && e.reverses_id.is_none()
        && e.reversed_by.is_none()
        && ctx.who.can(Permission::RecordFunds)
    {
        let mut day = field(ctx.lang.tr().x_reversal_date_default_today, "day", "text");
        day.placeholder = "YYYY-MM-DD".into();
        sections.push(Section {
            heading: ctx.lang.tr().x_reverse_correct_mistake.into(),
            form: Some(Fm {
                action: format!("/funds/entries/{id}/reversal"),
                id: "reversal-form",
                upload: false,
                get: false,
                submit: ctx.lang.tr().x_submit_reversal_approval.into(),
                fields: vec![
                    day,
                    field(ctx.lang.tr().x_reason, "reason", "text"),
                    field(ctx.lang.tr().x_voucher, "voucher", "text"),
                ],
            }),
            ..Default::default()
        });
    }
    let title = format!("{} #{id}", ctx.lang.tr().x_ledger_entry);
    page(&ctx, &title, Vec::new(), tabs_of(&ctx, "/funds/entries"), sections)
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
                "not_in_file" => format!("{} {}", ctx.lang.tr().x_registered, x.detail),
                "exited" | "withdrawn" => format!("{} {}", ctx.lang.tr().x_approved, x.detail),
                "duplicate" => {
                    format!("{} {} · #{}", ctx.lang.tr().x_period, x.detail, x.related_entry_id.unwrap_or_default())
                }
                "above_standard" => format!("{} {}", ctx.lang.tr().x_standard_fen, x.detail),
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
        headers: header_row(&[
            "#",
            crate::i18n::texts(zh).x_entry,
            crate::i18n::texts(zh).x_kind,
            crate::i18n::texts(zh).cw_household,
            crate::i18n::texts(zh).region,
            crate::i18n::texts(zh).x_paid,
            crate::i18n::texts(zh).amount,
            crate::i18n::texts(zh).x_detail,
            crate::i18n::texts(zh).status,
            crate::i18n::texts(zh).x_explanation,
        ]),
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
            ctx.lang.tr().x_found_automatically_from_ledger_files.into(),
            format!("{}: {}", ctx.lang.tr().x_open, if summary.is_empty() { "0".into() } else { summary }),
        ],
        table: Some(tb),
        ..Default::default()
    }];
    if ctx.who.can(Permission::ExplainFindings) {
        sections.push(Section {
            heading: ctx.lang.tr().x_explain_finding.into(),
            form: Some(Fm {
                action: "/funds/findings/explain".into(),
                id: "explain-form",
                upload: false,
                get: false,
                submit: ctx.lang.tr().x_save.into(),
                fields: vec![
                    field(ctx.lang.tr().x_finding_number, "id", "text"),
                    field(ctx.lang.tr().x_explanation, "note", "textarea"),
                ],
            }),
            ..Default::default()
        });
    }
    let mut all_tabs = tabs_of(&ctx, "/funds/findings");
    all_tabs.extend(tabs);
    page(&ctx, ctx.lang.tr().x_supervision_findings, Vec::new(), all_tabs, sections)
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
        Ok(tb) => send_xlsx(&s, &ctx, "finding", ctx.lang.tr().x_supervision_findings, &tb, "fund-findings.xlsx").await,
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
                x.max_amount.map(crate::labels::money).unwrap_or_else(|| ctx.lang.tr().x_none.into()),
                format!("{} {}", crate::labels::who(&x.updated_by, ctx.lang), crate::labels::time(&x.updated_at)),
            ]
        })
        .collect();
    let mut sections = vec![Section {
        lines: vec![ctx.lang.tr().x_one_payment_per_purpose_household.into()],
        table: Some(text_table(
            &[
                crate::i18n::texts(zh).purpose,
                crate::i18n::texts(zh).x_period_2,
                crate::i18n::texts(zh).x_largest_payment_yuan,
                crate::i18n::texts(zh).x_changed,
            ],
            rows,
        )),
        ..Default::default()
    }];
    if ctx.who.can(Permission::ManageFunds) {
        let mut purpose = field(ctx.lang.tr().purpose, "purpose", "select");
        purpose.options = MeasureKind::ALL.iter().map(|v| (v.code().to_string(), v.label(zh).to_string())).collect();
        let mut period = field(ctx.lang.tr().x_period_2, "period", "select");
        period.options = FundPeriod::ALL.iter().map(|v| (v.code().to_string(), v.label(zh).to_string())).collect();
        sections.push(Section {
            heading: ctx.lang.tr().x_change_standard.into(),
            form: Some(Fm {
                action: "/funds/standards".into(),
                id: "standard-form",
                upload: false,
                get: false,
                submit: ctx.lang.tr().save.into(),
                fields: vec![
                    purpose,
                    period,
                    field(ctx.lang.tr().x_largest_payment_yuan_empty_none, "max_amount", "text"),
                ],
            }),
            ..Default::default()
        });
    }
    page(&ctx, ctx.lang.tr().funds_standards, Vec::new(), tabs_of(&ctx, "/funds/standards"), sections)
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
        headers: header_row(&[first, crate::i18n::texts(zh).x_payments, crate::i18n::texts(zh).amount]),
        rows,
        count: String::new(),
        export: None,
        pager: Vec::new(),
    };
    let per_household = Tb {
        id: "per-household",
        headers: header_row(&[crate::i18n::texts(zh).x_item, crate::i18n::texts(zh).x_value_2]),
        rows: [
            vec![c(ctx.lang.tr().x_households_helped), c(r.households.to_string())],
            vec![c(ctx.lang.tr().x_total_yuan), c(crate::labels::money(r.total))],
            vec![c(ctx.lang.tr().x_average_per_household_yuan), c(crate::labels::money(r.average))],
            vec![c(ctx.lang.tr().x_median_yuan), c(crate::labels::money(r.median))],
        ]
        .into_iter()
        .chain(r.distribution.iter().map(|b| {
            vec![c(format!("{} {}", ctx.lang.tr().x_per_household_yuan, b.band)), c(b.households.to_string())]
        }))
        .collect(),
        count: String::new(),
        export: None,
        pager: Vec::new(),
    };
    Ok(vec![
        (format!("{year} {}", ctx.lang.tr().x_assistance_per_household), per_household),
        (
            ctx.lang.tr().x_source_3.into(),
            table(
                "by-source",
                crate::i18n::texts(zh).x_source,
                sum_by(&|x| code_label(&x.source, FundSource::from_code, FundSource::label, zh)),
            ),
        ),
        (
            ctx.lang.tr().x_purpose.into(),
            table(
                "by-purpose",
                crate::i18n::texts(zh).purpose,
                sum_by(&|x| code_label(&x.purpose, MeasureKind::from_code, MeasureKind::label, zh)),
            ),
        ),
        (
            ctx.lang.tr().x_region.into(),
            table("by-region", crate::i18n::texts(zh).region, sum_by(&|x| x.region_code.clone())),
        ),
        (
            ctx.lang.tr().x_year.into(),
            table("by-year", crate::i18n::texts(zh).plan_year, sum_by(&|x| x.year.to_string())),
        ),
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
    let mut y = field(ctx.lang.tr().plan_year, "year", "text");
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
                submit: ctx.lang.tr().x_show.into(),
                fields: vec![y],
            }),
            ..Default::default()
        },
    );
    page(&ctx, ctx.lang.tr().x_funds_report, Vec::new(), tabs_of(&ctx, "/funds/report"), sections)
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
            let title = format!("{year} {}", ctx.lang.tr().x_funds_report);
            send_xlsx(&s, &ctx, "fund_report", &title, &tb, "fund-report.xlsx").await
        }
        Err(e) => ctx.error(e),
    }
}
