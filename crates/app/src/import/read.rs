//! Reading an import file as a stream (issue 19): .xlsx sheets or one .csv (UTF-8, with or
//! without BOM, or GBK), header rows mapped to fields, every limit checked before the work it
//! bounds.
//!
//! A file is first looked over without being held: a .csv is scanned by `csv_core` for its
//! rows, columns and longest cell; an .xlsx has its zip directory read (each part's inflated
//! size and ratio) and then each part inflated once into nothing, counting, so a part that
//! inflates beyond what its directory says, or holds a text longer than any cell may be, is
//! refused before a spreadsheet reader allocates for it. Rows are then read on a thread of
//! their own and handed over in batches through a channel of two, so memory holds a few
//! batches whatever the size of the file; dropping the receiver stops the reading.

use super::RowError;
use crate::AppError;
use bangfu_domain::{Code, FieldError};
use serde::Serialize;
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Files larger than this are refused before they are read.
pub const MAX_BYTES: usize = 200 * 1024 * 1024;
/// Rows (all sheets together) above this are refused.
pub const MAX_ROWS: usize = 3_000_000;
/// Columns a row may have (an import's widest sheet has 11).
pub const MAX_COLUMNS: usize = 64;
/// Characters a cell may hold (an address, a note: the longest field takes 200).
pub const MAX_CELL_CHARS: usize = 1000;
/// Bytes of text without markup in a file: a cell of [`MAX_CELL_CHARS`] is at most ~6 bytes a
/// character in XML (`&amp;`) — and a formula up to Excel's 8,192. Anything longer is refused
/// before a reader buffers it.
const MAX_RUN_BYTES: usize = 32 * 1024;
/// A worksheet's XML, inflated.
pub const MAX_SHEET_XML: u64 = 1024 * 1024 * 1024;
/// Any other part of a workbook (shared strings, styles…), inflated: the shared strings are
/// held in memory while a sheet is read.
pub const MAX_OTHER_PART: u64 = 64 * 1024 * 1024;
/// All parts of a workbook together, inflated.
pub const MAX_INFLATED: u64 = 2 * 1024 * 1024 * 1024;
/// How much more a part (above 1 MB inflated) may inflate than it is stored: real worksheets
/// inflate 5–40 times; bombs a thousand.
pub const MAX_RATIO: u64 = 200;
/// Parts a workbook may have.
pub const MAX_PARTS: usize = 1000;
/// Rows a worksheet can have (Excel's own limit).
const SHEET_ROWS: usize = 1_048_576;
/// Rows handed over at a time.
pub(crate) const BATCH: usize = 2000;

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
    /// Unions and other organisations (one sheet, whatever its name).
    Organisations,
}

impl Kind {
    /// The sheet's Chinese name (the template's).
    pub fn sheet(self) -> &'static str {
        match self {
            Kind::Households => "家庭",
            Kind::Members => "家庭成员",
            Kind::Months => "月度收支",
            Kind::Roster => "名单",
            Kind::Organisations => "单位",
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
                ("labour_relation_months", "劳动关系月数", false),
                ("exclusions", "排除性条件", false),
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
            Kind::Organisations => &[
                ("name", "单位名称", true),
                ("kind", "单位类型", true),
                ("region_code", "地区代码", true),
                ("parent", "上级单位", false),
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

/// A sheet's header as read: its kind, name, and which column holds each field.
#[derive(Clone)]
pub(crate) struct Head {
    pub(crate) kind: Kind,
    pub(crate) name: String,
    fields: HashMap<&'static str, usize>,
}

impl Head {
    /// The cell of `field` in `row`, trimmed ("" when the sheet has no such column).
    pub(crate) fn get<'r>(&self, row: &'r csv::StringRecord, field: &str) -> &'r str {
        self.fields.get(field).and_then(|c| row.get(*c)).map_or("", str::trim)
    }
}

/// What the reading thread hands over.
pub(crate) enum Batch {
    /// The header, with its problems (unknown or missing columns).
    Head(Head, Vec<RowError>),
    /// Rows (row number as the spreadsheet shows it, cells), and the rows refused on the way
    /// (a cell too long).
    Rows(Vec<(usize, csv::StringRecord)>, Vec<RowError>),
}

/// The file as a whole is at fault.
pub(crate) fn file_error(code: Code) -> FieldError {
    FieldError::new("file", code)
}

fn invalid(e: FieldError) -> AppError {
    AppError::invalid(e)
}

#[derive(Clone, Copy)]
enum Format {
    Csv { gbk: bool },
    Xlsx,
}

/// A file looked over and found within the limits: its sheets, in the order an import reads
/// them (households, then members, then months).
pub(crate) struct Source {
    path: PathBuf,
    format: Format,
    /// (sheet name, kind).
    pub(crate) sheets: Vec<(String, Kind)>,
    /// Rows below the header, when known before reading (a .csv is counted as it is looked over).
    pub(crate) rows: Option<u64>,
}

impl Source {
    /// Looks `path` (a file called `name`) over; `only` reads its first sheet as that kind (a
    /// roster) instead of choosing sheets by name.
    pub(crate) fn open(name: &str, path: &Path, only: Option<Kind>) -> Result<Source, AppError> {
        let size =
            std::fs::metadata(path).map_err(|e| AppError::Internal(format!("cannot read the upload: {e}")))?.len();
        if size > MAX_BYTES as u64 {
            return Err(invalid(file_error(Code::FileTooLarge).with("max", MAX_BYTES / 1024 / 1024)));
        }
        let lower = name.to_lowercase();
        if lower.ends_with(".xlsx") {
            check_zip(path)?;
            use calamine::Reader;
            let wb: calamine::Xlsx<_> = calamine::open_workbook(path)
                .map_err(|e: calamine::XlsxError| invalid(file_error(Code::NotXlsx).with("detail", e)))?;
            let mut sheets: Vec<(String, Kind)> = match only {
                Some(k) => wb.sheet_names().into_iter().take(1).map(|s| (s, k)).collect(),
                None => wb.sheet_names().into_iter().filter_map(|s| Kind::of_sheet(&s).map(|k| (s, k))).collect(),
            };
            if sheets.is_empty() && only.is_some() {
                return Err(invalid(file_error(Code::EmptyWorkbook)));
            }
            if sheets.is_empty() {
                return Err(invalid(file_error(Code::NoSheet).with_label(
                    "sheets",
                    "“家庭”“家庭成员”或“月度收支”",
                    "家庭, 家庭成员 or 月度收支",
                )));
            }
            sheets.sort_by_key(|(_, k)| *k as u8);
            Ok(Source { path: path.to_path_buf(), format: Format::Xlsx, sheets, rows: None })
        } else if lower.ends_with(".csv") {
            let (gbk, header, records) = scan_csv(path)?;
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
            Ok(Source {
                path: path.to_path_buf(),
                format: Format::Csv { gbk },
                sheets: vec![(name.to_string(), kind)],
                rows: Some(records.saturating_sub(1) as u64),
            })
        } else {
            Err(invalid(file_error(Code::FileType)))
        }
    }

    /// Reads sheet `i` on a thread of its own: first its [`Batch::Head`], then its rows in
    /// batches. The thread stops when the receiver is dropped.
    pub(crate) fn stream(&self, i: usize) -> tokio::sync::mpsc::Receiver<Result<Batch, AppError>> {
        let (tx, rx) = tokio::sync::mpsc::channel(2);
        let (path, format) = (self.path.clone(), self.format);
        let (sheet, kind) = self.sheets[i].clone();
        let spawned = std::thread::Builder::new().name("import-read".into()).spawn(move || {
            let send = |b: Result<Batch, AppError>| tx.blocking_send(b).is_ok();
            let result = match format {
                Format::Csv { gbk } => read_csv(&path, gbk, kind, &sheet, &send),
                Format::Xlsx => read_sheet(&path, kind, &sheet, &send),
            };
            if let Err(e) = result {
                send(Err(e));
            }
        });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "import: no thread to read the file");
        }
        rx
    }
}

/// Maps a header row to fields; unknown or missing required headers are errors.
fn head_of(kind: Kind, sheet: &str, header: &[String]) -> (Head, Vec<RowError>) {
    let cols = kind.columns();
    let mut errors = Vec::new();
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
            errors.push(RowError { sheet: sheet.into(), row: 1, column: e_column(h), code: e.code, params: e.params });
        }
    }
    for (f, zh, required) in cols {
        if *required && !map.contains(&Some(*f)) {
            let e = FieldError::new("", Code::MissingColumn).with("column", zh);
            errors.push(RowError { sheet: sheet.into(), row: 1, column: (*zh).into(), code: e.code, params: e.params });
        }
    }
    let fields = map.iter().enumerate().filter_map(|(c, f)| f.map(|f| (f, c))).collect();
    (Head { kind, name: sheet.into(), fields }, errors)
}

/// A header as an error names it: as quoted text, at most a hundred characters.
fn e_column(h: &str) -> String {
    h.trim().chars().take(bangfu_domain::error::QUOTED_CHARS).collect()
}

fn headers_list(kind: Kind) -> String {
    kind.columns().iter().map(|c| c.1).collect::<Vec<_>>().join("、")
}

/// A row with a cell longer than [`MAX_CELL_CHARS`]: refused, naming its column.
fn too_long(header: &[String], sheet: &str, row: usize, cells: &csv::StringRecord) -> Option<RowError> {
    let (c, _) = cells.iter().enumerate().find(|(_, v)| v.chars().count() > MAX_CELL_CHARS)?;
    let e = FieldError::new("", Code::CellTooLong).with("max", MAX_CELL_CHARS);
    Some(RowError {
        sheet: sheet.into(),
        row,
        column: header.get(c).map(|h| e_column(h)).unwrap_or_default(),
        code: e.code,
        params: e.params,
    })
}

/// Hands rows over in batches of [`BATCH`], skipping blank ones; false when the receiver has gone.
struct Batcher<'a> {
    send: &'a dyn Fn(Result<Batch, AppError>) -> bool,
    head: Option<(Head, Vec<String>)>,
    sheet: String,
    kind: Kind,
    rows: Vec<(usize, csv::StringRecord)>,
    bad: Vec<RowError>,
}

impl Batcher<'_> {
    /// The first row is the header; then rows. False when the receiver has gone.
    fn push(&mut self, row: usize, cells: csv::StringRecord) -> bool {
        if cells.iter().all(|c| c.trim().is_empty()) {
            return true;
        }
        let Some((_, header)) = &self.head else {
            let header: Vec<String> = cells.iter().map(str::to_string).collect();
            let (head, errors) = head_of(self.kind, &self.sheet, &header);
            let sent = (self.send)(Ok(Batch::Head(head.clone(), errors)));
            self.head = Some((head, header));
            return sent;
        };
        match too_long(header, &self.sheet, row, &cells) {
            Some(e) => self.bad.push(e),
            None => self.rows.push((row, cells)),
        }
        if self.rows.len() >= BATCH || self.bad.len() >= BATCH {
            return self.flush();
        }
        true
    }

    fn flush(&mut self) -> bool {
        if self.head.is_none() {
            // A sheet without a single row: its header is empty.
            let (head, errors) = head_of(self.kind, &self.sheet, &[]);
            let sent = (self.send)(Ok(Batch::Head(head.clone(), errors)));
            self.head = Some((head, Vec::new()));
            return sent;
        }
        if self.rows.is_empty() && self.bad.is_empty() {
            return true;
        }
        (self.send)(Ok(Batch::Rows(std::mem::take(&mut self.rows), std::mem::take(&mut self.bad))))
    }
}

/// Looks a .csv file over without holding it: rows, columns and the longest cell within the
/// limits, and whether it is UTF-8 (otherwise it is read as GBK). Gives that, the header's cells
/// and the number of records.
fn scan_csv(path: &Path) -> Result<(bool, Vec<String>, usize), AppError> {
    let mut file = std::fs::File::open(path).map_err(|e| AppError::Internal(format!("cannot read the upload: {e}")))?;
    let mut reader = csv_core::Reader::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut field = vec![0u8; MAX_RUN_BYTES];
    let mut field_len = 0usize;
    let (mut fields, mut records) = (0usize, 0usize);
    let mut header: Vec<String> = Vec::new();
    let mut utf8 = true;
    let mut carry: Vec<u8> = Vec::new();
    let mut first = true;
    loop {
        let n = file.read(&mut buf).map_err(|e| AppError::Internal(format!("cannot read the upload: {e}")))?;
        let mut input = &buf[..n];
        if first {
            input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
            first = false;
        }
        if utf8 && n > 0 {
            carry.extend_from_slice(input);
            match std::str::from_utf8(&carry) {
                Ok(_) => carry.clear(),
                Err(e) if e.error_len().is_none() => {
                    let rest = carry.split_off(e.valid_up_to());
                    carry = rest;
                }
                Err(_) => utf8 = false,
            }
            if !utf8 {
                carry = Vec::new();
            }
        }
        loop {
            let (result, read, written) = reader.read_field(input, &mut field[field_len..]);
            input = &input[read..];
            field_len += written;
            match result {
                csv_core::ReadFieldResult::InputEmpty => break,
                csv_core::ReadFieldResult::OutputFull => {
                    let e = file_error(Code::CellTooLong).with("max", MAX_CELL_CHARS).with("row", records + 1);
                    return Err(invalid(e));
                }
                csv_core::ReadFieldResult::Field { record_end } => {
                    fields += 1;
                    if fields > MAX_COLUMNS {
                        return Err(invalid(
                            file_error(Code::TooManyColumns).with("row", records + 1).with("max", MAX_COLUMNS),
                        ));
                    }
                    if records == 0 {
                        let bytes = &field[..field_len];
                        header.push(match std::str::from_utf8(bytes) {
                            Ok(s) => s.to_string(),
                            Err(_) => encoding_rs::GBK.decode_without_bom_handling(bytes).0.into_owned(),
                        });
                    }
                    field_len = 0;
                    if record_end {
                        records += 1;
                        fields = 0;
                        if records > MAX_ROWS + 1 {
                            return Err(invalid(file_error(Code::TooManyRows).with("max", MAX_ROWS)));
                        }
                    }
                }
                csv_core::ReadFieldResult::End => return Ok((!utf8 || !carry.is_empty(), header, records)),
            }
        }
        if n == 0 {
            // csv_core needs an empty input to finish the last record.
            let (result, _, _) = reader.read_field(&[], &mut field[field_len..]);
            if let csv_core::ReadFieldResult::Field { .. } = result {
                records += 1;
                if records > MAX_ROWS + 1 {
                    return Err(invalid(file_error(Code::TooManyRows).with("max", MAX_ROWS)));
                }
            }
            return Ok((!utf8 || !carry.is_empty(), header, records));
        }
    }
}

/// Reads a .csv file's rows (looked over by [`scan_csv`]).
fn read_csv(
    path: &Path,
    gbk: bool,
    kind: Kind,
    sheet: &str,
    send: &dyn Fn(Result<Batch, AppError>) -> bool,
) -> Result<(), AppError> {
    let file = std::fs::File::open(path).map_err(|e| AppError::Internal(format!("cannot read the upload: {e}")))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(256 * 1024)
        .from_reader(std::io::BufReader::new(file));
    let mut out = Batcher { send, head: None, sheet: sheet.into(), kind, rows: Vec::new(), bad: Vec::new() };
    let mut raw = csv::ByteRecord::new();
    let mut row = 0usize;
    loop {
        match reader.read_byte_record(&mut raw) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                return Err(invalid(file_error(Code::BadCsv).with("row", row + 1).with("detail", e)));
            }
        }
        row += 1;
        let mut cells = csv::StringRecord::new();
        for (i, bytes) in raw.iter().enumerate() {
            let bytes = if row == 1 && i == 0 { bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes) } else { bytes };
            let text = if gbk {
                encoding_rs::GBK.decode_without_bom_handling_and_without_replacement(bytes)
            } else {
                std::str::from_utf8(bytes).ok().map(std::borrow::Cow::Borrowed)
            };
            match text {
                Some(t) => cells.push_field(&t),
                None => return Err(invalid(file_error(Code::BadEncoding))),
            }
        }
        if !out.push(row, cells) {
            return Ok(());
        }
    }
    out.flush();
    Ok(())
}

/// Reads a worksheet's cells in the order they are stored, a row at a time.
fn read_sheet(
    path: &Path,
    kind: Kind,
    sheet: &str,
    send: &dyn Fn(Result<Batch, AppError>) -> bool,
) -> Result<(), AppError> {
    let unreadable =
        |e: calamine::XlsxError| invalid(file_error(Code::UnreadableSheet).with("sheet", sheet).with("detail", e));
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(path)
        .map_err(|e: calamine::XlsxError| invalid(file_error(Code::NotXlsx).with("detail", e)))?;
    let mut cells = wb.worksheet_cells_reader(sheet).map_err(unreadable)?;
    let mut out = Batcher { send, head: None, sheet: sheet.into(), kind, rows: Vec::new(), bad: Vec::new() };
    let mut row: Option<(u32, Vec<String>)> = None;
    while let Some(cell) = cells.next_cell().map_err(unreadable)? {
        let (r, c) = cell.get_position();
        if r as usize >= SHEET_ROWS {
            return Err(invalid(file_error(Code::TooManyRows).with("max", SHEET_ROWS)));
        }
        let text = cell_text(cell.get_value());
        if row.as_ref().is_some_and(|(at, _)| *at != r) {
            if let Some((at, values)) = row.take() {
                if !out.push(at as usize + 1, values.into_iter().collect()) {
                    return Ok(());
                }
            }
        }
        if text.is_empty() {
            continue;
        }
        if c as usize >= MAX_COLUMNS {
            return Err(invalid(file_error(Code::TooManyColumns).with("row", r + 1).with("max", MAX_COLUMNS)));
        }
        let (_, values) = row.get_or_insert_with(|| (r, Vec::new()));
        if values.len() <= c as usize {
            values.resize(c as usize + 1, String::new());
        }
        values[c as usize] = text;
    }
    if let Some((at, values)) = row.take() {
        if !out.push(at as usize + 1, values.into_iter().collect()) {
            return Ok(());
        }
    }
    out.flush();
    Ok(())
}

/// A cell as text: numbers without a trailing ".0", dates as YYYY-MM-DD.
fn cell_text(c: &calamine::DataRef<'_>) -> String {
    use calamine::{DataRef, DataType};
    match c {
        DataRef::Empty => String::new(),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        DataRef::Float(f) => f.to_string(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Bool(b) => if *b { "是" } else { "否" }.into(),
        DataRef::DateTime(d) => c.as_date().map(|d| d.to_string()).unwrap_or_else(|| d.to_string()),
        DataRef::DateTimeIso(s) => c.as_date().map(|d| d.to_string()).unwrap_or_else(|| s.clone()),
        DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => e.to_string(),
    }
}

/// A workbook's zip directory and parts within the limits — each part's inflated size and
/// ratio as its directory says, then each part inflated once into nothing, counting, so one
/// that inflates beyond what the directory says is caught, and XML holding a text run longer
/// than [`MAX_RUN_BYTES`] is refused before any reader buffers it.
fn check_zip(path: &Path) -> Result<(), AppError> {
    let not_xlsx = |e: zip::result::ZipError| invalid(file_error(Code::NotXlsx).with("detail", e));
    let file = std::fs::File::open(path).map_err(|e| AppError::Internal(format!("cannot read the upload: {e}")))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(not_xlsx)?;
    if zip.len() > MAX_PARTS {
        return Err(invalid(file_error(Code::XlsxTooManyParts).with("max", MAX_PARTS)));
    }
    let mut total = 0u64;
    let mut parts = Vec::with_capacity(zip.len());
    for i in 0..zip.len() {
        let part = zip.by_index_raw(i).map_err(not_xlsx)?;
        let name = part.name().map_err(not_xlsx)?.to_string();
        let (size, stored) = (part.size(), part.compressed_size());
        let sheet = name.starts_with("xl/worksheets/");
        let max = if sheet { MAX_SHEET_XML } else { MAX_OTHER_PART };
        if size > max {
            return Err(invalid(file_error(Code::XlsxPartTooLarge).with("part", &name).with("max", max >> 20)));
        }
        if size > 1024 * 1024 && size / stored.max(1) > MAX_RATIO {
            return Err(invalid(file_error(Code::XlsxRatio).with("part", &name).with("max", MAX_RATIO)));
        }
        total += size;
        if total > MAX_INFLATED {
            return Err(invalid(
                file_error(Code::XlsxPartTooLarge).with("part", "(all)").with("max", MAX_INFLATED >> 20),
            ));
        }
        let scan = sheet || name == "xl/sharedStrings.xml";
        parts.push((name, size, scan));
    }
    let mut buf = vec![0u8; 256 * 1024];
    for (i, (name, size, scan)) in parts.iter().enumerate() {
        let mut part = zip.by_index(i).map_err(not_xlsx)?;
        let mut seen = 0u64;
        let mut run = 0usize;
        loop {
            let n = part.read(&mut buf).map_err(|e| invalid(file_error(Code::NotXlsx).with("detail", e)))?;
            if n == 0 {
                break;
            }
            seen += n as u64;
            if seen > *size {
                return Err(invalid(file_error(Code::XlsxSizeMismatch).with("part", name)));
            }
            if *scan {
                run = longest_run(&buf[..n], run)?;
            }
        }
    }
    Ok(())
}

/// Carries the length of text (or a tag) since the last `<` or `>` through `chunk`; refuses a
/// run longer than [`MAX_RUN_BYTES`].
fn longest_run(chunk: &[u8], mut run: usize) -> Result<usize, AppError> {
    let mut from = 0;
    for at in memchr::memchr2_iter(b'<', b'>', chunk) {
        run += at - from;
        if run > MAX_RUN_BYTES {
            break;
        }
        run = 0;
        from = at + 1;
    }
    if run <= MAX_RUN_BYTES {
        run += chunk.len() - from;
    }
    if run > MAX_RUN_BYTES {
        return Err(invalid(file_error(Code::CellTooLong).with("max", MAX_CELL_CHARS)));
    }
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_is_carried_across_chunks_and_refused_past_the_limit() {
        assert_eq!(longest_run(b"<a>abc</a>de", 0).ok(), Some(2));
        assert_eq!(longest_run(b"fg<", 2).ok(), Some(0));
        let long = vec![b'x'; MAX_RUN_BYTES];
        assert!(longest_run(&long, 0).is_ok());
        assert!(longest_run(&long, 1).is_err());
        assert!(longest_run(b"x", MAX_RUN_BYTES).is_err());
    }
}
