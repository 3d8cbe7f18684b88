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
            causes.join(if zh { "、" } else { ", " }),
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
    let headers = ["#", t.at, t.actor, t.role, t.action, t.entity, "ID", t.result, t.client_address, t.detail, t.chain];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (i, e) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_number(r, 0, e.seq as f64)?;
        ws.write_string(r, 1, &e.at)?;
        ws.write_string(r, 2, &e.actor_name)?;
        ws.write_string(r, 3, &e.role)?;
        ws.write_string(r, 4, &e.action)?;
        ws.write_string(r, 5, &e.entity)?;
        ws.write_string(r, 6, e.entity_id.map(|i| i.to_string()).unwrap_or_default())?;
        ws.write_string(r, 7, &e.result)?;
        ws.write_string(r, 8, &e.address)?;
        ws.write_string(r, 9, &e.detail)?;
        ws.write_string(r, 10, &e.hash)?;
    }
    ws.autofit();
    wb.save_to_buffer()
}
