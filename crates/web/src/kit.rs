//! The kit the list pages share (exchange, funds): sections holding a table, a form or lines
//! of text, tables that export to .xlsx exactly as shown, and form helpers.

use crate::error::ApiError;
use crate::page::{Ctx, Nav};
use crate::AppState;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bangfu_app::AppError;
use std::collections::HashMap;

/// Labels from the catalogue, as a table's headers.
pub(crate) fn header_row(labels: &[&str]) -> Vec<String> {
    labels.iter().map(|h| h.to_string()).collect()
}

/// Tabs (labels from the catalogue) linking to `base?show=KEY`, the one shown marked.
pub(crate) fn tabs(base: &str, shown: &str, list: &[(&str, &str)]) -> Vec<(String, String, bool)> {
    list.iter().map(|(k, l)| (l.to_string(), format!("{base}?show={k}"), shown == *k)).collect()
}

/// A table of plain texts.
pub(crate) fn text_table(labels: &[&str], rows: Vec<Vec<String>>) -> Tb {
    Tb {
        id: "export",
        headers: header_row(labels),
        rows: rows.into_iter().map(|r| r.into_iter().map(c).collect()).collect(),
        count: String::new(),
        export: None,
        pager: Vec::new(),
    }
}

/// A button that posts hidden fields.
pub(crate) struct Btn {
    pub(crate) url: String,
    pub(crate) label: String,
    pub(crate) class: &'static str,
    pub(crate) fields: Vec<(String, String)>,
}

/// A table cell.
pub(crate) struct Cell {
    pub(crate) text: String,
    pub(crate) link: Option<String>,
    pub(crate) buttons: Vec<Btn>,
}

pub(crate) fn c(text: impl Into<String>) -> Cell {
    Cell { text: text.into(), link: None, buttons: Vec::new() }
}

pub(crate) fn cl(text: impl Into<String>, link: impl Into<String>) -> Cell {
    Cell { text: text.into(), link: Some(link.into()), buttons: Vec::new() }
}

/// A table, with what the page shows above and below it.
pub(crate) struct Tb {
    pub(crate) id: &'static str,
    pub(crate) headers: Vec<String>,
    pub(crate) rows: Vec<Vec<Cell>>,
    pub(crate) count: String,
    pub(crate) export: Option<String>,
    pub(crate) pager: Vec<(String, String)>,
}

/// A form field.
pub(crate) struct Fl {
    pub(crate) label: String,
    pub(crate) name: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) value: String,
    pub(crate) placeholder: String,
    pub(crate) options: Vec<(String, String)>,
}

pub(crate) fn field(label: &str, name: &'static str, kind: &'static str) -> Fl {
    Fl { label: label.into(), name, kind, value: String::new(), placeholder: String::new(), options: Vec::new() }
}

/// A form.
pub(crate) struct Fm {
    pub(crate) action: String,
    pub(crate) id: &'static str,
    pub(crate) upload: bool,
    /// A search (GET) rather than a change (POST).
    pub(crate) get: bool,
    pub(crate) submit: String,
    pub(crate) fields: Vec<Fl>,
}

/// A section of a page.
#[derive(Default)]
pub(crate) struct Section {
    pub(crate) heading: String,
    pub(crate) lines: Vec<String>,
    /// Links (address, text) under the lines.
    pub(crate) links: Vec<(String, String)>,
    pub(crate) table: Option<Tb>,
    pub(crate) form: Option<Fm>,
}

#[derive(Template)]
#[template(path = "list_page.html")]
pub(crate) struct ExchangePage {
    pub(crate) t: &'static crate::i18n::Tr,
    pub(crate) nav: Nav,
    pub(crate) show_synthetic: bool,
    pub(crate) title: String,
    pub(crate) intro: Vec<String>,
    pub(crate) error: Option<String>,
    pub(crate) upload: bool,
    pub(crate) tabs: Vec<(String, String, bool)>,
    pub(crate) sections: Vec<Section>,
}

pub(crate) fn page(
    ctx: &Ctx,
    title: &str,
    intro: Vec<String>,
    tabs: Vec<(String, String, bool)>,
    sections: Vec<Section>,
) -> Response {
    let upload = sections.iter().any(|s| s.form.as_ref().is_some_and(|f| f.upload));
    ctx.render(
        StatusCode::OK,
        ExchangePage {
            t: ctx.lang.tr(),
            nav: ctx.nav(),
            show_synthetic: false,
            title: title.into(),
            intro,
            error: None,
            upload,
            tabs,
            sections,
        },
    )
}

/// A table as a workbook: its title in the first row, headers, rows.
pub(crate) fn table_xlsx(title: &str, tb: &Tb) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    ws.write_string_with_format(0, 0, title, &bold)?;
    for (i, h) in tb.headers.iter().enumerate() {
        ws.write_string_with_format(1, i as u16, h, &bold)?;
    }
    // Money is shown `¥1,234.50`; in the workbook it is a number Excel can add up.
    let yuan = rust_xlsxwriter::Format::new().set_num_format("¥#,##0.00");
    for (r, row) in tb.rows.iter().enumerate() {
        for (i, cell) in row.iter().enumerate() {
            match money_value(&cell.text) {
                Some(v) => ws.write_number_with_format(r as u32 + 2, i as u16, v, &yuan)?,
                None => ws.write_string(r as u32 + 2, i as u16, &cell.text)?,
            };
        }
    }
    ws.set_freeze_panes(2, 0)?;
    wb.save_to_buffer()
}

/// The yuan of a money text (`¥1,234.50`, `-¥20.00`), for the workbook.
fn money_value(text: &str) -> Option<f64> {
    let (sign, rest) = match text.strip_prefix('-') {
        Some(r) => (-1.0, r),
        None => (1.0, text),
    };
    let digits = rest.strip_prefix('¥')?.replace(',', "");
    digits.parse::<f64>().ok().map(|v| sign * v)
}

/// Sends a table as .xlsx, recording the export in the audit trail.
pub(crate) async fn send_xlsx(s: &AppState, ctx: &Ctx, entity: &str, title: &str, tb: &Tb, file: &str) -> Response {
    let mut e = ctx.who.audit("export", entity, None, None);
    e.detail = serde_json::json!({ "rows": tb.rows.len(), "title": title }).to_string();
    if let Err(err) = s.app.store.audit(&e).await {
        return ctx.error(err.into());
    }
    match table_xlsx(title, tb) {
        Ok(bytes) => crate::export::xlsx_response(bytes, file),
        Err(e) => ctx.error(AppError::Internal(e.to_string())),
    }
}

pub(crate) fn params(raw: Option<&str>) -> HashMap<String, String> {
    raw.map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default()
}

pub(crate) fn form(body: &[u8]) -> HashMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

pub(crate) fn json_error(e: AppError) -> Response {
    ApiError::from(e).into_response()
}
