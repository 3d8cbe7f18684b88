//! Reading an import file: .xlsx sheets or one .csv (UTF-8, with or without BOM, or GBK), header
//! rows mapped to fields, limits on size and rows.

use super::RowError;
use crate::AppError;
use bangfu_domain::{Code, FieldError};
use serde::Serialize;
use std::collections::HashMap;

/// Files larger than this are refused before they are read.
pub const MAX_BYTES: usize = 200 * 1024 * 1024;
/// Rows (all sheets together) above this are refused.
pub const MAX_ROWS: usize = 3_000_000;

/// What a sheet holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 家庭.
    Households,
    /// 家庭成员.
    Members,
    /// 月度收支.
    Months,
    /// A department's roster (one sheet, whatever its name).
    Roster,
}

impl Kind {
    /// The sheet's Chinese name (the template's).
    pub fn sheet(self) -> &'static str {
        match self {
            Kind::Households => "家庭",
            Kind::Members => "家庭成员",
            Kind::Months => "月度收支",
            Kind::Roster => "名单",
        }
    }

    fn of_sheet(name: &str) -> Option<Kind> {
        match name.trim() {
            "家庭" | "households" => Some(Kind::Households),
            "家庭成员" | "members" => Some(Kind::Members),
            "月度收支" | "months" => Some(Kind::Months),
            _ => None,
        }
    }

    /// Its columns: (field, Chinese header, required).
    pub fn columns(self) -> &'static [(&'static str, &'static str, bool)] {
        match self {
            Kind::Households => &[
                ("file_no", "档案编号", false),
                ("head_name", "户主姓名", true),
                ("head_id_number", "户主身份证号", true),
                ("phone", "联系电话", false),
                ("address", "家庭住址", false),
                ("region_code", "地区代码", true),
                ("union_id", "工会编号", false),
                ("registered_on", "建档日期", true),
                ("causes", "致困原因", false),
                ("work_capacity", "劳动能力", true),
                ("migrant_worker", "农民工家庭", false),
            ],
            Kind::Members => &[
                ("head_id_number", "户主身份证号", true),
                ("name", "姓名", true),
                ("id_number", "身份证号", false),
                ("relation", "与户主关系", true),
                ("birth_date", "出生日期", false),
                ("situation", "状况", true),
            ],
            Kind::Months => &[
                ("head_id_number", "户主身份证号", true),
                ("month", "月份", true),
                ("members", "家庭人口", true),
                ("income", "家庭收入", true),
                ("government_assistance", "政府救助", false),
                ("medical", "医疗支出", false),
                ("education", "教育支出", false),
                ("emergency", "突发支出", false),
                ("accident", "意外支出", false),
                ("other", "其他支出", false),
            ],
            Kind::Roster => &[
                ("id_number", "身份证号", true),
                ("name", "姓名", false),
                ("since", "起始日期", false),
                ("note", "备注", false),
            ],
        }
    }
}

/// A sheet read from the file: its kind, name, which column holds each field, and its rows
/// (row number as the spreadsheet shows it, cells). A row is one `StringRecord` — one buffer —
/// so two million rows stay a few hundred megabytes.
pub(crate) struct Sheet {
    pub(crate) kind: Kind,
    pub(crate) name: String,
    fields: HashMap<&'static str, usize>,
    pub(crate) rows: Vec<(usize, csv::StringRecord)>,
}

impl Sheet {
    /// The cell of `field` in `row`, trimmed ("" when the sheet has no such column).
    pub(crate) fn get<'r>(&self, row: &'r csv::StringRecord, field: &str) -> &'r str {
        self.fields.get(field).and_then(|c| row.get(*c)).map_or("", str::trim)
    }
}

/// The file as a whole is at fault.
pub(crate) fn file_error(code: Code) -> FieldError {
    FieldError::new("file", code)
}

/// Text of a .csv file: UTF-8 (a BOM is dropped), otherwise GBK.
fn decode(bytes: &[u8]) -> Result<std::borrow::Cow<'_, str>, AppError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(std::borrow::Cow::Borrowed(s));
    }
    let (text, _, bad) = encoding_rs::GBK.decode(bytes);
    if bad {
        return Err(AppError::invalid(file_error(Code::BadEncoding)));
    }
    Ok(std::borrow::Cow::Owned(text.into_owned()))
}

/// Maps a header row to fields; unknown or missing required headers are errors.
fn header_map(kind: Kind, sheet: &str, header: &[String], errors: &mut Vec<RowError>) -> Vec<Option<&'static str>> {
    let cols = kind.columns();
    let map: Vec<Option<&'static str>> = header
        .iter()
        .map(|h| {
            let h = h.trim();
            cols.iter().find(|(f, zh, _)| *zh == h || *f == h).map(|(f, _, _)| *f)
        })
        .collect();
    for (i, (h, m)) in header.iter().zip(&map).enumerate() {
        if m.is_none() && !h.trim().is_empty() {
            let e = FieldError::new("", Code::UnknownColumn)
                .with("position", i + 1)
                .with("column", h.trim())
                .with("columns", headers_list(kind));
            errors.push(RowError {
                sheet: sheet.into(),
                row: 1,
                column: h.trim().into(),
                code: e.code,
                params: e.params,
            });
        }
    }
    for (f, zh, required) in cols {
        if *required && !map.contains(&Some(*f)) {
            let e = FieldError::new("", Code::MissingColumn).with("column", zh);
            errors.push(RowError { sheet: sheet.into(), row: 1, column: (*zh).into(), code: e.code, params: e.params });
        }
    }
    map
}

fn headers_list(kind: Kind) -> String {
    kind.columns().iter().map(|c| c.1).collect::<Vec<_>>().join("、")
}

fn sheet_of(
    kind: Kind,
    name: &str,
    mut raw: impl Iterator<Item = Result<csv::StringRecord, AppError>>,
    errors: &mut Vec<RowError>,
    total: &mut usize,
) -> Result<Sheet, AppError> {
    let header: Vec<String> = match raw.next() {
        Some(h) => h?.iter().map(str::to_string).collect(),
        None => Vec::new(),
    };
    let map = header_map(kind, name, &header, errors);
    let fields = map.iter().enumerate().filter_map(|(c, f)| f.map(|f| (f, c))).collect();
    let mut rows = Vec::new();
    for (i, cells) in raw.enumerate() {
        let cells = cells?;
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        *total += 1;
        if *total > MAX_ROWS {
            return Err(AppError::invalid(file_error(Code::TooManyRows).with("max", MAX_ROWS)));
        }
        rows.push((i + 2, cells));
    }
    Ok(Sheet { kind, name: name.into(), fields, rows })
}

/// Reads the file's sheets; `name` tells .xlsx from .csv.
pub(crate) fn read(name: &str, bytes: &[u8], errors: &mut Vec<RowError>) -> Result<Vec<Sheet>, AppError> {
    read_as(name, bytes, errors, None)
}

/// Reads a roster: the first sheet of a workbook, or a .csv file.
pub(crate) fn read_roster(name: &str, bytes: &[u8], errors: &mut Vec<RowError>) -> Result<Sheet, AppError> {
    read_as(name, bytes, errors, Some(Kind::Roster))?
        .pop()
        .ok_or_else(|| AppError::invalid(file_error(Code::EmptyWorkbook)))
}

fn read_as(name: &str, bytes: &[u8], errors: &mut Vec<RowError>, only: Option<Kind>) -> Result<Vec<Sheet>, AppError> {
    if bytes.len() > MAX_BYTES {
        return Err(AppError::invalid(file_error(Code::FileTooLarge).with("max", MAX_BYTES / 1024 / 1024)));
    }
    let lower = name.to_lowercase();
    let mut total = 0;
    if lower.ends_with(".xlsx") {
        use calamine::Reader;
        let mut wb: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes))
            .map_err(|e| AppError::invalid(file_error(Code::NotXlsx).with("detail", e)))?;
        let mut out = Vec::new();
        for sheet in wb.sheet_names() {
            let kind = match only {
                Some(_) if !out.is_empty() => break,
                Some(k) => k,
                None => match Kind::of_sheet(&sheet) {
                    Some(k) => k,
                    None => continue,
                },
            };
            let range = wb.worksheet_range(&sheet).map_err(|e| {
                AppError::invalid(file_error(Code::UnreadableSheet).with("sheet", &sheet).with("detail", e))
            })?;
            let rows = range.rows().map(|r| Ok(r.iter().map(cell_text).collect::<csv::StringRecord>()));
            out.push(sheet_of(kind, &sheet, rows, errors, &mut total)?);
        }
        if out.is_empty() {
            return Err(AppError::invalid(file_error(Code::NoSheet).with_label(
                "sheets",
                "“家庭”“家庭成员”或“月度收支”",
                "家庭, 家庭成员 or 月度收支",
            )));
        }
        Ok(out)
    } else if lower.ends_with(".csv") {
        let text = decode(bytes)?;
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
        let mut records = reader
            .records()
            .enumerate()
            .map(|(i, r)| {
                r.map_err(|e| AppError::invalid(file_error(Code::BadCsv).with("row", i + 1).with("detail", e)))
            })
            .peekable();
        let header: Vec<String> = match records.peek() {
            Some(Ok(h)) => h.iter().map(str::to_string).collect(),
            _ => Vec::new(),
        };
        let has = |h: &str| header.iter().any(|x| x.trim() == h);
        let kind = if let Some(k) = only {
            k
        } else if has("月份") || has("month") {
            Kind::Months
        } else if has("与户主关系") || has("relation") {
            Kind::Members
        } else {
            Kind::Households
        };
        Ok(vec![sheet_of(kind, name, records, errors, &mut total)?])
    } else {
        Err(AppError::invalid(file_error(Code::FileType)))
    }
}

/// A cell as text: numbers without a trailing ".0", dates as YYYY-MM-DD.
fn cell_text(c: &calamine::Data) -> String {
    use calamine::{Data, DataType};
    match c {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => if *b { "是" } else { "否" }.into(),
        Data::DateTime(_) | Data::DateTimeIso(_) => c.as_date().map(|d| d.to_string()).unwrap_or_else(|| c.to_string()),
        other => other.to_string(),
    }
}
