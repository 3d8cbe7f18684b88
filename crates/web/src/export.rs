//! Excel exports of the lists: people here work in Excel. Resident IDs are written as text,
//! masked like on the pages, so Excel neither rounds them nor shows them in full.

use crate::i18n::Lang;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use bangfu_store::Household;
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use std::collections::HashMap;

/// Most rows one export writes; the sheet says so when there were more.
pub const EXPORT_LIMIT: u64 = 100_000;

/// An .xlsx download.
pub fn xlsx_response(bytes: Vec<u8>, filename: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
        ],
        bytes,
    )
        .into_response()
}

/// The household list as a workbook.
pub fn households(
    lang: Lang,
    rows: &[Household],
    truncated: bool,
    region_names: &HashMap<String, String>,
    pool_of: impl Fn(&Household) -> bangfu_domain::policy::Pool,
) -> Result<Vec<u8>, XlsxError> {
    let zh = lang.zh();
    let t = lang.tr();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(t.households)?;
    let bold = Format::new().set_bold();
    let headers = [
        t.file_no,
        t.head_name,
        t.head_id_number,
        t.region,
        t.pool,
        t.causes,
        t.work_capacity,
        t.migrant_worker,
        t.status,
        t.registered_on,
        t.phone,
        t.address,
        t.synthetic,
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    let yes_no = |b: bool| if b { t.yes } else { t.no };
    for (i, h) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        let causes: Vec<&str> = h.causes.iter().map(|c| c.label(zh)).collect();
        let cells = [
            h.file_no.clone(),
            h.head_name.clone(),
            bangfu_domain::id_number::mask(&h.head_id_number),
            region_names.get(&h.region_code).cloned().unwrap_or_else(|| h.region_code.clone()),
            pool_of(h).label(zh).to_string(),
            causes.join(crate::i18n::texts(zh).list_separator),
            h.work_capacity.label(zh).to_string(),
            yes_no(h.migrant_worker).to_string(),
            h.status.label(zh).to_string(),
            h.registered_on.to_string(),
            h.phone.clone(),
            h.address.clone(),
            yes_no(h.synthetic).to_string(),
        ];
        for (c, v) in cells.iter().enumerate() {
            ws.write_string(r, c as u16, v)?;
        }
    }
    if truncated {
        let note = if zh {
            format!("仅导出前 {EXPORT_LIMIT} 户；请缩小筛选范围后分批导出。")
        } else {
            format!("Only the first {EXPORT_LIMIT} households were exported; narrow the filter and export in parts.")
        };
        ws.write_string_with_format(rows.len() as u32 + 2, 0, note, &bold)?;
    }
    for (c, w) in [22.0, 10.0, 22.0, 10.0, 8.0, 24.0, 16.0, 10.0, 10.0, 12.0, 14.0, 30.0, 8.0].iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    ws.set_freeze_panes(1, 0)?;
    ws.autofilter(0, 0, rows.len() as u32, headers.len() as u16 - 1)?;
    wb.save_to_buffer()
}

/// The audit trail as a workbook; details are already masked by the app layer.
pub fn audit(lang: Lang, rows: &[bangfu_store::AuditEntry]) -> Result<Vec<u8>, XlsxError> {
    let t = lang.tr();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(t.audit)?;
    let bold = Format::new().set_bold();
    let headers = [
        "#",
        t.at,
        t.actor,
        t.role,
        t.action,
        t.entity,
        "ID",
        t.result,
        t.client_address,
        t.detail,
        t.chain,
        t.u_tokens,
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (i, e) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_number(r, 0, e.seq as f64)?;
        ws.write_string(r, 1, bangfu_app::clock::local(&e.at))?;
        ws.write_string(r, 2, &e.actor_name)?;
        ws.write_string(r, 3, &e.role)?;
        ws.write_string(r, 4, &e.action)?;
        ws.write_string(r, 5, &e.entity)?;
        ws.write_string(r, 6, e.entity_id.map(|i| i.to_string()).unwrap_or_default())?;
        ws.write_string(r, 7, &e.result)?;
        ws.write_string(r, 8, &e.address)?;
        ws.write_string(r, 9, &e.detail)?;
        ws.write_string(r, 10, &e.hash)?;
        ws.write_string(r, 11, e.token_id.map(|k| k.to_string()).unwrap_or_default())?;
        ws.write_string(r, 12, if e.hash_alg == "sm3" { "SM3" } else { "SHA-256" })?;
    }
    ws.autofit();
    wb.save_to_buffer()
}

/// The standard statistical tables as a workbook: the as-of day and the scope in the title,
/// Chinese (or English) headers, one row per region and a totals row.
pub fn statistics(lang: Lang, r: &bangfu_app::quota::StatisticsReport) -> Result<Vec<u8>, XlsxError> {
    use bangfu_domain::{ExitPathway, WithdrawalReason};
    let zh = lang.zh();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(crate::i18n::texts(zh).x_statistics)?;
    let bold = Format::new().set_bold();
    let title = if zh {
        format!("困难职工解困脱困统计表（{}，截至 {}；存量为 {} 前建档）", r.scope, r.as_of, r.stock_cutoff)
    } else {
        format!("Needy worker households ({}, as of {}; stock registered by {})", r.scope, r.as_of, r.stock_cutoff)
    };
    ws.write_string_with_format(0, 0, &title, &bold)?;
    let conditions = ["C1", "C2", "C3", "C4", "C5"];
    let mut headers: Vec<String> = if zh {
        vec!["地区".into(), "在册户数".into(), "存量".into(), "增量".into()]
    } else {
        vec!["Region".into(), "Registered".into(), "Stock".into(), "Incremental".into()]
    };
    headers.extend(
        conditions
            .iter()
            .map(|c| crate::i18n::fill(crate::i18n::texts(zh).x_eligible, &[("c", &c as &dyn std::fmt::Display)])),
    );
    headers.extend(ExitPathway::ALL.iter().map(|p| format!("{}：{}", crate::i18n::texts(zh).exited, p.label(zh))));
    headers.push(if zh { "解困".into() } else { "Relieved".into() });
    headers.extend(
        WithdrawalReason::ALL.iter().map(|w| format!("{}：{}", crate::i18n::texts(zh).x_withdrawn, w.label(zh))),
    );
    headers.extend(
        if zh {
            ["仍在档困难", "已结对帮扶", "本年帮扶户数", "本年帮扶金额（元）"]
        } else {
            ["Still in difficulty", "Paired", "Assisted this year", "Assistance this year (yuan)"]
        }
        .map(String::from),
    );
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(2, c as u16, h, &bold)?;
    }
    let total_name = crate::i18n::texts(zh).x_total;
    let all = r.regions.iter().map(|(_, n, row)| (n.as_str(), row)).chain(std::iter::once((total_name, &r.total)));
    for (i, (name, row)) in all.enumerate() {
        let line = i as u32 + 3;
        let fmt = if name == total_name { bold.clone() } else { Format::new() };
        ws.write_string_with_format(line, 0, name, &fmt)?;
        let mut nums: Vec<f64> = vec![row.registered as f64, row.stock as f64, row.incremental as f64];
        nums.extend(conditions.iter().map(|c| *row.eligible.get(*c).unwrap_or(&0) as f64));
        nums.extend(ExitPathway::ALL.iter().map(|p| *row.exited.get(p.code()).unwrap_or(&0) as f64));
        nums.push(row.relieved as f64);
        nums.extend(WithdrawalReason::ALL.iter().map(|w| *row.withdrawn.get(w.code()).unwrap_or(&0) as f64));
        nums.extend([
            row.in_difficulty as f64,
            row.paired as f64,
            row.assisted as f64,
            row.assistance_fen as f64 / 100.0,
        ]);
        for (c, v) in nums.iter().enumerate() {
            ws.write_number_with_format(line, c as u16 + 1, *v, &fmt)?;
        }
    }
    ws.set_column_width(0, 14)?;
    wb.save_to_buffer()
}
