//! Import of households, members and monthly records from a workbook (.xlsx) or a .csv file
//! (UTF-8 with or without BOM, or GBK) — issue 7, first part.
//!
//! A workbook holds up to three sheets, named 家庭 / 家庭成员 / 月度收支 (or households /
//! members / months); a .csv file holds one of them, recognised by its headers. Every row is
//! checked first with the same rules as the forms and the API; any bad row, reported with its
//! sheet, row number, column and reason, means nothing is written. A good file is written in one
//! transaction. What is already on file is left as it is — a household is matched by its head's
//! resident ID, a member by resident ID (or name, relation and birth date), a month by household
//! and month — so importing the same file twice writes nothing the second time.

use crate::auth::Principal;
use crate::input::{HouseholdInput, MemberInput, MonthlyRecordInput};
use crate::{App, AppError};
use bangfu_domain::{Cause, Code, FieldError, Param, Permission, Relation, Situation, WorkCapacity};
use bangfu_store::Bulk;
use bangfu_store::{HouseholdWrite, MemberWrite, MonthlyRecord, WriteTx};
use serde::Serialize;
use std::collections::HashMap;

mod read;
pub(crate) use read::{Head, Source};
pub use read::{Kind, MAX_BYTES, MAX_CELL_CHARS, MAX_COLUMNS, MAX_ROWS};

/// One bad cell or row: where, and which rule with its parameters (the words come from the
/// catalogue, in the reader's language, as for a [`FieldError`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The sheet (or the file, for a .csv).
    pub sheet: String,
    /// Row number as the spreadsheet shows it (the header is row 1); 0 for the file itself.
    pub row: usize,
    /// The column's header (empty when the row as a whole is at fault).
    pub column: String,
    /// The rule broken.
    pub code: Code,
    /// The rule's parameters, by name.
    pub params: Vec<(&'static str, Param)>,
}

impl RowError {
    /// What is wrong, in Chinese (`zh`) or English.
    pub fn message(&self, zh: bool) -> String {
        self.code.message(zh, &self.params)
    }
}

/// One bad cell or row, as the API sends it.
#[derive(Serialize, utoipa::ToSchema)]
struct RowErrorJson<'a> {
    /// The sheet (or the file, for a .csv).
    sheet: &'a str,
    /// Row number as the spreadsheet shows it (the header is row 1); 0 for the file itself.
    row: usize,
    /// The column's header (empty when the row as a whole is at fault).
    column: &'a str,
    /// Stable code.
    code: &'static str,
    /// What is wrong, in English.
    message: String,
}

/// `{"sheet", "row", "column", "code", "message"}`, the message in English, as for a
/// [`FieldError`]: what a program reads.
impl Serialize for RowError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        RowErrorJson {
            sheet: &self.sheet,
            row: self.row,
            column: &self.column,
            code: self.code.code(),
            message: self.message(false),
        }
        .serialize(s)
    }
}

impl utoipa::PartialSchema for RowError {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        <RowErrorJson<'static> as utoipa::PartialSchema>::schema()
    }
}

impl utoipa::ToSchema for RowError {}

/// Bad rows of one sheet and column, counted (the report lists the first of them).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ColumnErrors {
    /// The sheet.
    pub sheet: String,
    /// The column's header (empty for the row as a whole).
    pub column: String,
    /// Bad rows found.
    pub count: u64,
}

/// What an import found, and did.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// Only checked, nothing written.
    pub dry_run: bool,
    /// Written (false on a dry run or when any row is bad).
    pub written: bool,
    /// Households new / already on file.
    pub households_new: u64,
    /// Households matched by the head's resident ID and left as they are.
    pub households_existing: u64,
    /// Members new.
    pub members_new: u64,
    /// Members already on file.
    pub members_existing: u64,
    /// Months new.
    pub months_new: u64,
    /// Months on file with other figures (replaced by the file's).
    pub months_changed: u64,
    /// Months on file with the same figures.
    pub months_unchanged: u64,
    /// The first bad rows, in file order: at most [`ERRORS_PER_COLUMN`] per sheet and column,
    /// [`ERRORS_LISTED`] in all.
    pub errors: Vec<RowError>,
    /// Every bad row found.
    pub error_count: u64,
    /// Bad rows per sheet and column.
    pub errors_by_column: Vec<ColumnErrors>,
}

/// Bad rows listed per sheet and column.
pub const ERRORS_PER_COLUMN: u64 = 20;
/// Bad rows listed in all.
pub const ERRORS_LISTED: usize = 500;

/// Bad rows as they are found: the first few per column kept, all counted.
#[derive(Default)]
struct Errors {
    kept: Vec<(usize, RowError)>,
    per_column: HashMap<(usize, String), (String, u64)>,
    total: u64,
}

impl Errors {
    fn push(&mut self, si: usize, e: RowError) {
        self.total += 1;
        let n = self.per_column.entry((si, e.column.clone())).or_insert_with(|| (e.sheet.clone(), 0));
        n.1 += 1;
        if n.1 <= ERRORS_PER_COLUMN && self.kept.len() < ERRORS_LISTED {
            self.kept.push((si, e));
        }
    }

    /// Into the report: sheet by sheet in row order (header problems first).
    fn report(mut self, r: &mut ImportReport) {
        self.kept.sort_by_key(|(si, e)| (*si, e.row));
        r.errors = self.kept.into_iter().map(|(_, e)| e).collect();
        r.error_count = self.total;
        let mut by: Vec<((usize, String), (String, u64))> = self.per_column.into_iter().collect();
        by.sort_by(|a, b| a.0.cmp(&b.0));
        r.errors_by_column =
            by.into_iter().map(|((_, column), (sheet, count))| ColumnErrors { sheet, column, count }).collect();
    }
}

/// A code, or its Chinese or English label, as the code.
pub(crate) fn code_of<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T, bool) -> &'static str,
    text: &str,
) -> String {
    all.iter()
        .find(|v| code(**v) == text || label(**v, true) == text || label(**v, false).eq_ignore_ascii_case(text))
        .map_or_else(|| text.to_string(), |v| code(*v).to_string())
}

fn yes(text: &str) -> Result<bool, ()> {
    match text.trim() {
        "" | "否" | "0" | "false" | "no" | "N" | "n" => Ok(false),
        "是" | "1" | "true" | "yes" | "Y" | "y" => Ok(true),
        _ => Err(()),
    }
}

/// The column header of `field` in `kind` (the field itself if it has none).
fn header_of(kind: Kind, field: &str) -> String {
    // Errors name API paths such as `non_living.medical` or `months[0].income`: the last part is
    // the column.
    let last = field.rsplit('.').next().unwrap_or(field);
    kind.columns().iter().find(|c| c.0 == last).map_or_else(|| field.to_string(), |c| c.1.to_string())
}

/// Where an import is: the step and how many of its rows are done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Progress {
    /// "check" (reading and checking rows) or "write".
    pub step: &'static str,
    /// Rows done.
    pub done: u64,
    /// Of how many (0 when not known before reading: a workbook).
    pub total: u64,
}

/// Whether a (region, union) pair may be used: the union to record, or why not.
type RefVerdict = Result<Option<i64>, Vec<FieldError>>;

/// How an import is run.
pub struct ImportRun<'a> {
    /// Only check.
    pub dry_run: bool,
    /// Told how far it is.
    pub progress: &'a (dyn Fn(Progress) + Send + Sync),
    /// Set when whoever asked has gone (the upload's connection closed): the import stops, and
    /// what it wrote is undone.
    pub cancel: Option<&'a std::sync::atomic::AtomicBool>,
}

/// A resident ID as a number: 17 digits, then the check character (X as 10).
fn id_key(id: &str) -> u64 {
    id.bytes().fold(0u64, |k, b| k.wrapping_mul(11).wrapping_add(if b == b'X' { 10 } else { u64::from(b - b'0') }))
}

/// A head of household as the import knows it.
#[derive(Clone, Copy)]
enum At {
    /// Registered by this file (its id once written).
    New(Option<i64>),
    /// On file, in the reader's scope.
    OnFile(i64),
    /// On file outside the reader's scope, or nowhere: members and months cannot attach to it.
    Unknown,
}

/// An import under way: what it learned of the file and the register, and its counts.
struct Run<'a> {
    who: &'a Principal,
    name: &'a str,
    heads: HashMap<u64, (u32, At)>,
    months_seen: std::collections::HashSet<u64>,
    members_seen: std::collections::HashSet<u64>,
    file_nos_seen: std::collections::HashSet<u64>,
    /// The highest file number given in the file, per prefix ("450403-2016-").
    given_max: HashMap<String, u64>,
    /// The next file number to give, per prefix (write pass).
    next_no: HashMap<String, u64>,
    refs: HashMap<(String, Option<i64>), RefVerdict>,
    errors: Errors,
    out_of_scope: u64,
    report: ImportReport,
    rows: u64,
    total: u64,
    import: Option<i64>,
    /// Batches written.
    batches: u64,
}

fn hash_of(parts: &[&str]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    parts.hash(&mut h);
    h.finish()
}

/// A checked household row.
struct HouseholdRow {
    row: usize,
    h: HouseholdWrite,
}

impl App {
    /// Checks the file at `path` (called `name`) and, unless `dry_run` or any row is bad,
    /// writes it. Bad rows are in the report (not an error); a file that cannot be read at all,
    /// or breaks a limit, is an error naming why.
    pub async fn import_file(
        &self,
        who: &Principal,
        name: &str,
        path: &std::path::Path,
        dry_run: bool,
    ) -> Result<ImportReport, AppError> {
        self.import_with(who, name, path, ImportRun { dry_run, progress: &|_| {}, cancel: None }).await
    }

    /// [`App::import_file`] of a file held in memory (it is spooled to a temporary file first).
    pub async fn import(
        &self,
        who: &Principal,
        name: &str,
        bytes: &[u8],
        dry_run: bool,
    ) -> Result<ImportReport, AppError> {
        let file = spool(bytes)?;
        self.import_file(who, name, file.path(), dry_run).await
    }

    /// [`App::import`], telling `run.progress` how far it is and stopping when `run.cancel`
    /// is set. One import runs at a time per process; another is refused (`import_busy`).
    pub async fn import_with(
        &self,
        who: &Principal,
        name: &str,
        path: &std::path::Path,
        run: ImportRun<'_>,
    ) -> Result<ImportReport, AppError> {
        self.permit(who, Permission::WriteHouseholds, "import", None).await?;
        let Ok(_turn) = self.imports.try_acquire() else {
            return Err(AppError::Conflict(FieldError::new("file", Code::ImportBusy)));
        };
        self.recover_imports().await?;
        let started = std::time::Instant::now();
        let src = {
            let (name, path) = (name.to_string(), path.to_path_buf());
            tokio::task::spawn_blocking(move || Source::open(&name, &path, None))
                .await
                .map_err(|e| AppError::Internal(format!("import stopped: {e}")))??
        };
        tracing::debug!(ms = started.elapsed().as_millis() as u64, "import: file looked over");
        let mut state = Run {
            who,
            name,
            heads: HashMap::new(),
            months_seen: Default::default(),
            members_seen: Default::default(),
            file_nos_seen: Default::default(),
            given_max: HashMap::new(),
            next_no: HashMap::new(),
            refs: HashMap::new(),
            errors: Errors::default(),
            out_of_scope: 0,
            report: ImportReport { dry_run: run.dry_run, ..Default::default() },
            rows: 0,
            total: src.rows.unwrap_or(0),
            import: None,
            batches: 0,
        };
        // 1. Check every row, reading the register only: nothing is locked, nothing written.
        self.import_pass(&mut state, &src, &run, None).await?;
        (run.progress)(Progress { step: "check", done: state.rows, total: state.rows });
        tracing::debug!(ms = started.elapsed().as_millis() as u64, "import: rows checked");
        let bad = state.errors.total > 0;
        if bad || run.dry_run {
            let mut report = std::mem::take(&mut state.report);
            std::mem::take(&mut state.errors).report(&mut report);
            self.audit_import(&state, &report, if bad { "import_refused" } else { "import_check" }).await?;
            return Ok(report);
        }
        // 2. Write in batches, each a short transaction; undone as a whole if anything fails.
        // The counts are the writing's: what it found on file when it wrote.
        state.report = ImportReport::default();
        state.rows = 0;
        let import = self.store.import_begin(name, &who.name).await?;
        state.import = Some(import);
        // The heartbeat, apart from the batches: a batch waiting for the database is alive.
        let beat = {
            let store = self.store.clone();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(HEARTBEAT).await;
                    if let Err(e) = store.import_heartbeat(import).await {
                        tracing::warn!(import, error = %e, "import heartbeat missed");
                    }
                }
            })
        };
        let written = self.import_pass(&mut state, &src, &run, Some(import)).await;
        beat.abort();
        if let Err(e) = written {
            tracing::warn!(import, error = %e, "import: undoing what was written");
            let undone = self.store.roll_back_import(import).await?;
            let mut a = who.audit("import_rolled_back", "household", Some(import), None);
            a.detail = serde_json::json!({
                "file": name, "households_removed": undone.households, "months_restored": undone.months_restored,
                "reason": e.to_string(),
            })
            .to_string();
            self.append_audit_alone(&a).await?;
            return Err(e);
        }
        let mut report = std::mem::take(&mut state.report);
        let mut tx = self.store.begin().await?;
        tx.import_done(import).await?;
        let mut a = who.audit("import", "household", Some(import), None);
        a.detail = import_detail(name, &report, state.out_of_scope);
        tx.append_audit(&a).await?;
        tx.commit().await?;
        report.written = true;
        if report.households_new + report.members_new + report.months_new >= 10_000 {
            self.store.analyze_after_import().await?;
        }
        (run.progress)(Progress { step: "write", done: state.rows, total: state.rows });
        Ok(report)
    }

    /// Undoes imports whose process died while writing (their heartbeat is older than
    /// [`ABANDONED_AFTER`]).
    pub async fn recover_imports(&self) -> Result<(), AppError> {
        for id in self.store.abandoned_imports(ABANDONED_AFTER).await? {
            let undone = self.store.roll_back_import(id).await?;
            tracing::warn!(import = id, households = undone.households, "undid an import whose process had died");
            let mut a = Principal::system().audit("import_rolled_back", "household", Some(id), None);
            a.detail = serde_json::json!({
                "households_removed": undone.households, "months_restored": undone.months_restored,
                "reason": "abandoned",
            })
            .to_string();
            self.append_audit_alone(&a).await?;
        }
        Ok(())
    }

    async fn append_audit_alone(&self, a: &bangfu_store::NewAudit) -> Result<(), AppError> {
        let mut tx = self.store.begin().await?;
        tx.append_audit(a).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every import is on the audit trail, a check or a refused file too, with its counts.
    async fn audit_import(&self, state: &Run<'_>, report: &ImportReport, action: &str) -> Result<(), AppError> {
        let mut a = state.who.audit(action, "household", None, None);
        a.detail = import_detail(state.name, report, state.out_of_scope);
        self.append_audit_alone(&a).await
    }

    /// One pass over every sheet: checking (`import` None: reads only) or writing (each batch
    /// one transaction).
    async fn import_pass(
        &self,
        state: &mut Run<'_>,
        src: &Source,
        run: &ImportRun<'_>,
        import: Option<i64>,
    ) -> Result<(), AppError> {
        for si in 0..src.sheets.len() {
            let mut rx = src.stream(si);
            let mut head: Option<Head> = None;
            let mut header_bad = false;
            while let Some(batch) = rx.recv().await {
                if run.cancel.is_some_and(|c| c.load(std::sync::atomic::Ordering::Relaxed)) {
                    return Err(AppError::Conflict(FieldError::new("file", Code::ImportCancelled)));
                }
                match batch? {
                    read::Batch::Head(h, errs) => {
                        header_bad = errs.iter().any(|e| e.code == Code::MissingColumn);
                        for e in errs {
                            state.errors.push(si, e);
                        }
                        head = Some(h);
                    }
                    read::Batch::Rows(rows, bad) => {
                        state.rows += (rows.len() + bad.len()) as u64;
                        if state.rows > MAX_ROWS as u64 {
                            return Err(AppError::invalid(read::file_error(Code::TooManyRows).with("max", MAX_ROWS)));
                        }
                        for e in bad {
                            state.errors.push(si, e);
                        }
                        let Some(h) = &head else { continue };
                        if header_bad {
                            continue;
                        }
                        match import {
                            None => self.import_batch(state, si, h, &rows, None).await?,
                            Some(_) => {
                                let mut tx = self.store.begin().await?;
                                self.import_batch(state, si, h, &rows, Some(&mut tx)).await?;
                                tx.commit().await?;
                                state.batches += 1;
                                if state.batches.is_power_of_two() {
                                    // PostgreSQL plans by statistics that autovacuum refreshes
                                    // only later: a table that doubled since is then scanned
                                    // whole by each batch's look-ups (100,000 households took
                                    // 115 s instead of 10).
                                    self.store.analyze_after_import().await?;
                                }
                                // Writers waiting for the database go first.
                                self.store.let_writers_through().await;
                            }
                        }
                        let step = if import.is_some() { "write" } else { "check" };
                        (run.progress)(Progress { step, done: state.rows, total: state.total });
                    }
                }
            }
        }
        Ok(())
    }

    /// A batch of rows of one sheet: checked, counted and (with `tx`) written.
    async fn import_batch(
        &self,
        state: &mut Run<'_>,
        si: usize,
        head: &Head,
        rows: &[(usize, csv::StringRecord)],
        tx: Option<&mut WriteTx>,
    ) -> Result<(), AppError> {
        match head.kind {
            Kind::Households => self.household_rows(state, si, head, rows, tx).await,
            _ => self.record_rows(state, si, head, rows, tx).await,
        }
    }

    async fn household_rows(
        &self,
        state: &mut Run<'_>,
        si: usize,
        head: &Head,
        rows: &[(usize, csv::StringRecord)],
        mut tx: Option<&mut WriteTx>,
    ) -> Result<(), AppError> {
        let who = state.who;
        let mut checked: Vec<HouseholdRow> = Vec::new();
        for (row, r) in rows {
            let mut bad = Vec::new();
            let h = household_input(head, r, &mut bad);
            match h.validate(bangfu_domain::HouseholdStatus::InFile, false) {
                Ok(mut h) if bad.is_empty() => {
                    let key = (h.region_code.clone(), h.union_id);
                    let verdict = match state.refs.get(&key) {
                        Some(v) => v.clone(),
                        None => {
                            let v = self.check_import_refs(who, &mut h.clone()).await;
                            state.refs.insert(key, v.clone());
                            v
                        }
                    };
                    match verdict {
                        Ok(union) => {
                            h.union_id = union;
                            checked.push(HouseholdRow { row: *row, h });
                        }
                        Err(es) => bad.extend(es),
                    }
                }
                Ok(_) => {}
                Err(es) => bad.extend(es),
            }
            for e in &bad {
                state.errors.push(si, row_error(head, *row, header_of(Kind::Households, &e.field), e));
            }
        }
        let heads: Vec<String> = checked.iter().map(|c| c.h.head_id_number.clone()).collect();
        let on_file = match tx.as_deref_mut() {
            None => self.store.heads_on_file(&heads).await?,
            Some(tx) => tx.heads_on_file(&heads).await?,
        };
        if tx.is_none() {
            let given: Vec<String> =
                checked.iter().filter(|c| !c.h.file_no.is_empty()).map(|c| c.h.file_no.clone()).collect();
            let numbered = self.store.file_nos_on_file(&given).await?;
            for c in checked {
                let key = id_key(&c.h.head_id_number);
                let o = on_file.get(&c.h.head_id_number);
                let column = |f: &str| header_of(Kind::Households, f);
                let problem = if o.is_some_and(|o| !who.scope.admits_household(&o.region_code, o.union_id)) {
                    // A head on file outside the reader's scope: neither matched nor registered
                    // twice, and the answer names no file and no region.
                    state.out_of_scope += 1;
                    Some(FieldError::new("head_id_number", Code::IdNumberOutOfScope))
                } else if state.heads.get(&key).is_some_and(|(_, at)| matches!(at, At::New(_) | At::OnFile(_))) {
                    Some(FieldError::new("head_id_number", Code::Duplicate))
                } else if !c.h.file_no.is_empty()
                    && numbered.get(&c.h.file_no).is_some_and(|o| o.head_id_number != c.h.head_id_number)
                {
                    Some(FieldError::new("file_no", Code::FileNoTaken).with("file_no", &c.h.file_no))
                } else if !c.h.file_no.is_empty() && !state.file_nos_seen.insert(hash_of(&[&c.h.file_no])) {
                    Some(FieldError::new("file_no", Code::Duplicate))
                } else {
                    None
                };
                if let Some(e) = problem {
                    state.errors.push(si, row_error(head, c.row, column(&e.field), &e));
                    continue;
                }
                let idx = state.heads.len() as u32;
                match o {
                    Some(o) => {
                        state.report.households_existing += 1;
                        state.heads.insert(key, (idx, At::OnFile(o.id)));
                    }
                    None => {
                        state.report.households_new += 1;
                        state.heads.insert(key, (idx, At::New(None)));
                        if let Some((prefix, n)) = split_file_no(&c.h.file_no) {
                            let e = state.given_max.entry(prefix).or_insert(0);
                            *e = (*e).max(n);
                        }
                    }
                }
            }
            return Ok(());
        }
        // Writing: what was checked is matched again inside the transaction.
        let Some(tx) = tx else { return Ok(()) };
        let mut new: Vec<HouseholdWrite> = Vec::new();
        for c in checked {
            let key = id_key(&c.h.head_id_number);
            match on_file.get(&c.h.head_id_number) {
                Some(o) if who.scope.admits_household(&o.region_code, o.union_id) => {
                    state.report.households_existing += 1;
                    if let Some(e) = state.heads.get_mut(&key) {
                        e.1 = At::OnFile(o.id);
                    }
                }
                Some(_) => {
                    return Err(AppError::Conflict(FieldError::new("head_id_number", Code::ChangedMeanwhile)));
                }
                None => new.push(c.h),
            }
        }
        // File numbers: each (region, year) continues after the highest on file (asked once a
        // batch: others may have registered some since), given in the file, or given before.
        let mut asked: std::collections::HashSet<String> = Default::default();
        for h in new.iter_mut().filter(|h| h.file_no.is_empty()) {
            let year = chrono::Datelike::year(&h.registered_on);
            let prefix = format!("{}-{year}-", h.region_code);
            if asked.insert(prefix.clone()) {
                let on_file = split_file_no(&tx.next_file_no(&h.region_code, year).await?).map_or(1, |p| p.1);
                let given = state.given_max.get(&prefix).map_or(1, |n| n + 1);
                let e = state.next_no.entry(prefix.clone()).or_insert(1);
                *e = (*e).max(on_file).max(given);
            }
            let e = state.next_no.entry(prefix.clone()).or_insert(1);
            h.file_no = format!("{prefix}{:06}", *e);
            *e += 1;
        }
        let ids = tx.reserve_household_ids(new.len()).await?;
        let rows: Vec<(i64, HouseholdWrite)> = ids.into_iter().zip(new).collect();
        for (id, h) in &rows {
            if let Some(e) = state.heads.get_mut(&id_key(&h.head_id_number)) {
                e.1 = At::New(Some(*id));
            }
        }
        state.report.households_new += rows.len() as u64;
        tx.import_households(&rows, &who.name).await.map_err(|e| match e {
            // A file number taken (or a head registered) since the rows were checked.
            bangfu_store::StoreError::Conflict(f) => {
                AppError::Conflict(FieldError::new(f.field, Code::ChangedMeanwhile))
            }
            other => other.into(),
        })?;
        let created: Vec<i64> = rows.iter().map(|r| r.0).collect();
        if let Some(import) = state.import {
            tx.import_touched(import, &created, true).await?;
        }
        Ok(())
    }

    /// Members or months: each attaches to a household of the file or one on file in scope.
    async fn record_rows(
        &self,
        state: &mut Run<'_>,
        si: usize,
        head: &Head,
        rows: &[(usize, csv::StringRecord)],
        mut tx: Option<&mut WriteTx>,
    ) -> Result<(), AppError> {
        // Heads not met yet, looked up by list (reading only).
        let mut unknown: Vec<String> = Vec::new();
        for (_, r) in rows {
            if let Ok(h) = bangfu_domain::IdNumber::parse("head_id_number", head.get(r, "head_id_number")) {
                if !state.heads.contains_key(&id_key(h.as_str())) {
                    unknown.push(h.as_str().to_string());
                }
            }
        }
        unknown.sort_unstable();
        unknown.dedup();
        if !unknown.is_empty() {
            for id in &unknown {
                let idx = state.heads.len() as u32;
                state.heads.insert(id_key(id), (idx, At::Unknown));
            }
            for (id, o) in self.store.heads_on_file(&unknown).await? {
                if state.who.scope.admits_household(&o.region_code, o.union_id) {
                    if let Some(e) = state.heads.get_mut(&id_key(&id)) {
                        e.1 = At::OnFile(o.id);
                    }
                }
            }
        }
        // Each row checked, with the household it belongs to.
        let mut members: Vec<(i64, u64, MemberWrite)> = Vec::new();
        let mut months: Vec<(i64, MonthlyRecord)> = Vec::new();
        for (row, r) in rows {
            let column = |f: &str| header_of(head.kind, f);
            let (idx, at) = match bangfu_domain::IdNumber::parse("head_id_number", head.get(r, "head_id_number")) {
                Ok(h) => match state.heads.get(&id_key(h.as_str())) {
                    Some((idx, At::New(id))) => (*idx, id.unwrap_or(-1)),
                    Some((idx, At::OnFile(id))) => (*idx, *id),
                    _ => {
                        let e = FieldError::new("head_id_number", Code::NoHousehold);
                        state.errors.push(si, row_error(head, *row, column("head_id_number"), &e));
                        continue;
                    }
                },
                Err(e) => {
                    state.errors.push(si, row_error(head, *row, column("head_id_number"), &e));
                    continue;
                }
            };
            let get = |f: &str| head.get(r, f).to_string();
            if head.kind == Kind::Members {
                let input = MemberInput {
                    name: get("name"),
                    id_number: get("id_number"),
                    relation: code_of(Relation::ALL, Relation::code, Relation::label, head.get(r, "relation")),
                    birth_date: get("birth_date"),
                    situation: code_of(Situation::ALL, Situation::code, Situation::label, head.get(r, "situation")),
                };
                match input.validate() {
                    Ok(m) => {
                        let who_key = if m.id_number.is_empty() {
                            hash_of(&[&idx.to_string(), &m.name, &m.birth_date.to_string()])
                        } else {
                            hash_of(&[&idx.to_string(), &m.id_number])
                        };
                        members.push((at, who_key, m));
                    }
                    Err(es) => {
                        for e in &es {
                            state.errors.push(si, row_error(head, *row, column(&e.field), e));
                        }
                    }
                }
            } else {
                let n = head.get(r, "members");
                let input = MonthlyRecordInput::from_text(get, n.parse().unwrap_or(0));
                let mut es = match input.validate("") {
                    Ok(m) => {
                        let key = (u64::from(idx) << 20) | (m.month.to_key() as u64 & 0xF_FFFF);
                        if tx.is_none() && !state.months_seen.insert(key) {
                            vec![FieldError::new("month", Code::DuplicateMonth)]
                        } else {
                            months.push((at, m));
                            Vec::new()
                        }
                    }
                    Err(es) => es,
                };
                if n.parse::<i64>().is_err() {
                    es.retain(|e| !e.field.ends_with("members"));
                    es.push(FieldError::new("members", Code::NotWholeNumber));
                }
                for e in &es {
                    state.errors.push(si, row_error(head, *row, column(&e.field), e));
                }
            }
        }
        // What is on file for the households of the batch, to count (and write) only what is new.
        let mut ids: Vec<i64> =
            members.iter().map(|m| m.0).chain(months.iter().map(|m| m.0)).filter(|id| *id > 0).collect();
        ids.sort_unstable();
        ids.dedup();
        let (members_on_file, months_on_file) = match tx.as_deref_mut() {
            None => (
                if members.is_empty() { HashMap::new() } else { self.store.members_of(&ids).await? },
                if months.is_empty() { HashMap::new() } else { self.store.months_of(&ids).await? },
            ),
            Some(tx) => (
                if members.is_empty() { HashMap::new() } else { tx.members_of(&ids).await? },
                if months.is_empty() { HashMap::new() } else { tx.months_of(&ids).await? },
            ),
        };
        let mut new_members: Vec<(i64, MemberWrite)> = Vec::new();
        let mut in_batch: std::collections::HashSet<u64> = Default::default();
        for (h, key, m) in members {
            let on_file = members_on_file.get(&h).is_some_and(|ms| {
                ms.iter().any(|o| {
                    if m.id_number.is_empty() {
                        o.id_number.is_empty() && o.name == m.name && o.birth_date == m.birth_date
                    } else {
                        o.id_number == m.id_number
                    }
                })
            });
            // Checking, a member met earlier in the file is one already; writing, the earlier
            // batches are on file.
            let seen = if tx.is_none() { !state.members_seen.insert(key) } else { !in_batch.insert(key) };
            if on_file || seen {
                state.report.members_existing += 1;
            } else {
                state.report.members_new += 1;
                new_members.push((h, m));
            }
        }
        let mut new_months: Vec<(i64, MonthlyRecord)> = Vec::new();
        let mut changed: Vec<(i64, MonthlyRecord)> = Vec::new();
        for (h, m) in months {
            match months_on_file.get(&(h, m.month.to_key())) {
                Some(s) if *s == m => state.report.months_unchanged += 1,
                Some(_) => {
                    state.report.months_changed += 1;
                    changed.push((h, m));
                }
                None => {
                    state.report.months_new += 1;
                    new_months.push((h, m));
                }
            }
        }
        let Some(tx) = tx else { return Ok(()) };
        let Some(import) = state.import else { return Ok(()) };
        let touched: Vec<i64> = new_members
            .iter()
            .map(|m| m.0)
            .chain(new_months.iter().map(|m| m.0))
            .chain(changed.iter().map(|m| m.0))
            .collect();
        tx.import_touched(import, &touched, false).await?;
        tx.import_members(&new_members, Some(import)).await?;
        tx.upsert_months(&changed, true, &state.who.name, Some(import)).await?;
        tx.upsert_months(&new_months, false, &state.who.name, Some(import)).await?;
        Ok(())
    }

    /// The household's region and union must exist and lie in `who`'s scope; gives the union
    /// (a grassroots staff member's own when the row names none).
    async fn check_import_refs(&self, who: &Principal, h: &mut HouseholdWrite) -> Result<Option<i64>, Vec<FieldError>> {
        match self.check_household_refs(who, h).await {
            Ok(()) => Ok(h.union_id),
            Err(AppError::Invalid(es)) => Err(es),
            Err(e) => {
                tracing::warn!(error = %e, "import: region and union not checked");
                Err(vec![FieldError::new("region_code", Code::Unavailable)])
            }
        }
    }
}

/// `bytes` in a temporary file (readable by this user only, removed when dropped).
pub fn spool(bytes: &[u8]) -> Result<tempfile::NamedTempFile, AppError> {
    use std::io::Write;
    let mut f = tempfile::Builder::new()
        .prefix("bangfu-upload-")
        .tempfile()
        .map_err(|e| AppError::Internal(format!("no temporary file for the upload: {e}")))?;
    f.write_all(bytes).map_err(|e| AppError::Internal(format!("upload not stored: {e}")))?;
    Ok(f)
}

/// Rows a department's roster may have (a province's 低保 roster; bench/roster.sh matches a
/// million). Its rows are held while they are matched: ~100 bytes each.
pub const MAX_ROSTER_ROWS: usize = 1_000_000;

/// Rows an organisations file may have.
pub const MAX_ORGANISATION_ROWS: usize = 20_000;

/// Reads a roster: the first sheet of a workbook, or a .csv file, within the import's limits
/// and at most [`MAX_ROSTER_ROWS`] rows; the rows refused on the way (a cell too long, the
/// header) go to `errors`.
pub(crate) async fn read_roster(
    name: &str,
    path: &std::path::Path,
    errors: &mut Vec<RowError>,
) -> Result<(Head, Vec<(usize, csv::StringRecord)>), AppError> {
    read_one_sheet(Kind::Roster, MAX_ROSTER_ROWS, name, path, errors).await
}

/// A roster given as JSON (`{"rows": [{"id_number": …, "name": …, "since": …, "note": …}]}`, a
/// department's system's own records) written out as the roster's .csv, so it meets the same
/// checks and limits as a file. Read as a stream: one row is held at a time, whatever the body's
/// size. A body that is not such JSON is refused, naming where.
pub fn roster_json_to_csv(json: &std::path::Path, csv_out: &std::path::Path) -> Result<(), AppError> {
    use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
    use std::fmt;

    type Out = csv::Writer<std::io::BufWriter<std::fs::File>>;

    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Row {
        id_number: String,
        #[serde(default)]
        name: String,
        #[serde(default)]
        since: String,
        #[serde(default)]
        note: String,
    }
    struct Body<'a>(&'a mut Out);
    struct Rows<'a>(&'a mut Out);

    impl<'de> Visitor<'de> for Body<'_> {
        type Value = bool;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str(r#"an object {"rows": [...]}"#)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
            let mut seen = false;
            while let Some(key) = map.next_key::<String>()? {
                if key != "rows" {
                    return Err(A::Error::unknown_field(&key, &["rows"]));
                }
                if seen {
                    return Err(A::Error::duplicate_field("rows"));
                }
                map.next_value_seed(Rows(&mut *self.0))?;
                seen = true;
            }
            Ok(seen)
        }
    }
    impl<'de> DeserializeSeed<'de> for Rows<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_seq(self)
        }
    }
    impl<'de> Visitor<'de> for Rows<'_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an array of rows")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            let mut n = 0usize;
            while let Some(r) = seq.next_element::<Row>()? {
                n += 1;
                if n > MAX_ROSTER_ROWS {
                    return Err(A::Error::custom(format!("more than {MAX_ROSTER_ROWS} rows")));
                }
                self.0
                    .write_record([r.id_number, r.name, r.since, r.note])
                    .map_err(|e| A::Error::custom(format!("roster not stored: {e}")))?;
            }
            Ok(())
        }
    }

    let bad = |detail: String| AppError::invalid(FieldError::new("body", Code::MalformedJson).with("detail", detail));
    let input = std::fs::File::open(json).map_err(|e| AppError::Internal(format!("upload not read: {e}")))?;
    let output = std::fs::File::create(csv_out).map_err(|e| AppError::Internal(format!("roster not stored: {e}")))?;
    let mut out = csv::Writer::from_writer(std::io::BufWriter::with_capacity(256 * 1024, output));
    let header: Vec<&str> = Kind::Roster.columns().iter().map(|c| c.1).collect();
    out.write_record(&header).map_err(|e| AppError::Internal(format!("roster not stored: {e}")))?;
    let mut de = serde_json::Deserializer::from_reader(std::io::BufReader::with_capacity(256 * 1024, input));
    match de.deserialize_map(Body(&mut out)) {
        Ok(true) => {}
        Ok(false) => return Err(bad("missing field `rows`".into())),
        Err(e) => return Err(bad(e.to_string())),
    }
    de.end().map_err(|e| bad(e.to_string()))?;
    out.flush().map_err(|e| AppError::Internal(format!("roster not stored: {e}")))?;
    Ok(())
}

/// Reads the first sheet of a workbook, or a .csv file, as `kind`, within the import's limits
/// and at most `max_rows` rows; the rows refused on the way (a cell too long, the header) go to
/// `errors`.
pub(crate) async fn read_one_sheet(
    kind: Kind,
    max_rows: usize,
    name: &str,
    path: &std::path::Path,
    errors: &mut Vec<RowError>,
) -> Result<(Head, Vec<(usize, csv::StringRecord)>), AppError> {
    let src = {
        let (name, path) = (name.to_string(), path.to_path_buf());
        tokio::task::spawn_blocking(move || Source::open(&name, &path, Some(kind)))
            .await
            .map_err(|e| AppError::Internal(format!("roster stopped: {e}")))??
    };
    let mut rx = src.stream(0);
    let mut head = None;
    let mut rows = Vec::new();
    while let Some(batch) = rx.recv().await {
        match batch? {
            read::Batch::Head(h, errs) => {
                errors.extend(errs);
                head = Some(h);
            }
            read::Batch::Rows(more, bad) => {
                errors.extend(bad);
                rows.extend(more);
                if rows.len() > max_rows {
                    return Err(AppError::invalid(read::file_error(Code::TooManyRows).with("max", max_rows)));
                }
            }
        }
    }
    let head = head.ok_or_else(|| AppError::invalid(read::file_error(Code::EmptyWorkbook)))?;
    Ok((head, rows))
}

/// An import that has not beaten its heart for this long is taken for dead and undone.
pub const ABANDONED_AFTER: std::time::Duration = std::time::Duration::from_secs(60);
/// How often a writing import beats, whatever its batches do.
const HEARTBEAT: std::time::Duration = std::time::Duration::from_secs(5);

/// The audit trail's account of an import.
fn import_detail(name: &str, r: &ImportReport, out_of_scope: u64) -> String {
    serde_json::json!({
        "file": name, "dry_run": r.dry_run, "households_new": r.households_new,
        "households_existing": r.households_existing, "members_new": r.members_new,
        "months_new": r.months_new, "months_changed": r.months_changed, "bad_rows": r.error_count,
        "ids_outside_scope": out_of_scope,
    })
    .to_string()
}

/// A household row as the form would take it (`bad` collects what is wrong before the form's
/// own checks: a union that is not a number, a yes/no that is neither).
fn household_input(head: &Head, r: &csv::StringRecord, bad: &mut Vec<FieldError>) -> HouseholdInput {
    let union_id = match head.get(r, "union_id") {
        "" => None,
        u => match u.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                bad.push(FieldError::new("union_id", Code::NotWholeNumber));
                None
            }
        },
    };
    let migrant = yes(head.get(r, "migrant_worker")).unwrap_or_else(|()| {
        bad.push(FieldError::new("migrant_worker", Code::YesOrNo));
        false
    });
    let labour_relation_months = match head.get(r, "labour_relation_months") {
        "" => None,
        n => match n.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                bad.push(FieldError::new("labour_relation_months", Code::NotWholeNumber));
                None
            }
        },
    };
    // Codes or Chinese labels, as for the causes.
    let exclusions: Vec<String> = head
        .get(r, "exclusions")
        .split(['、', ',', '，', ';', '；', ' '])
        .filter(|c| !c.trim().is_empty())
        .map(|c| {
            code_of(
                bangfu_domain::Exclusion::ALL,
                bangfu_domain::Exclusion::code,
                bangfu_domain::Exclusion::label,
                c.trim(),
            )
        })
        .collect();
    let causes: Vec<String> = head
        .get(r, "causes")
        .split(['、', ',', '，', ';', '；', ' '])
        .filter(|c| !c.trim().is_empty())
        .map(|c| code_of(Cause::ALL, Cause::code, Cause::label, c.trim()))
        .collect();
    HouseholdInput {
        file_no: head.get(r, "file_no").to_string(),
        head_name: head.get(r, "head_name").to_string(),
        head_id_number: head.get(r, "head_id_number").to_string(),
        phone: head.get(r, "phone").to_string(),
        address: head.get(r, "address").to_string(),
        region_code: head.get(r, "region_code").to_string(),
        union_id,
        employer_id: None,
        registered_on: head.get(r, "registered_on").to_string(),
        migrant_worker: migrant,
        causes,
        work_capacity: code_of(
            WorkCapacity::ALL,
            WorkCapacity::code,
            WorkCapacity::label,
            head.get(r, "work_capacity"),
        ),
        causes_resolved: false,
        children_completed_studies: false,
        exclusions,
        labour_relation_months,
    }
}

/// A file number's prefix ("450403-2016-") and number, when it has that form.
fn split_file_no(f: &str) -> Option<(String, u64)> {
    let (prefix, n) = f.rsplit_once('-')?;
    let n: u64 = n.parse().ok()?;
    Some((format!("{prefix}-"), n))
}

fn row_error(sheet: &Head, row: usize, column: String, e: &FieldError) -> RowError {
    RowError { sheet: sheet.name.clone(), row, column, code: e.code, params: e.params.clone() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_error_is_sent_and_described_with_its_message() {
        let e = RowError {
            sheet: "家庭".into(),
            row: 3,
            column: "户主身份证号".into(),
            code: Code::IdNumberOnFile,
            params: FieldError::new("", Code::IdNumberOnFile).with("file_no", "450403-2016-000001").params,
        };
        assert_eq!(e.message(true), "该身份证号码已属于仍在档的家庭 450403-2016-000001");
        let json = serde_json::to_value(&e).unwrap_or_default();
        assert_eq!(
            json,
            serde_json::json!({
                "sheet": "家庭", "row": 3, "column": "户主身份证号", "code": "id_number_on_file",
                "message": "this resident ID already belongs to household 450403-2016-000001, which is still in the file",
            })
        );
        // The OpenAPI schema names the same five fields.
        let schema = serde_json::to_value(<RowError as utoipa::PartialSchema>::schema()).unwrap_or_default();
        let mut fields: Vec<&str> =
            schema["properties"].as_object().map(|p| p.keys().map(String::as_str).collect()).unwrap_or_default();
        fields.sort_unstable();
        assert_eq!(fields, ["code", "column", "message", "row", "sheet"]);
        assert_eq!(<RowError as utoipa::ToSchema>::name(), "RowError");
    }
}
