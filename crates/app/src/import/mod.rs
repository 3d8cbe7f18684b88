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
use bangfu_store::{HouseholdWrite, MemberWrite, MonthlyRecord, OnFile};
use serde::Serialize;
use std::collections::HashMap;

mod read;
pub(crate) use read::read_roster;
use read::{read, Sheet};
pub use read::{Kind, MAX_BYTES, MAX_ROWS};

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
    /// Every bad row, in file order.
    pub errors: Vec<RowError>,
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

/// A household's rows from the file, checked.
struct HouseholdRows {
    write: Option<HouseholdWrite>,
    members: Vec<MemberWrite>,
    months: Vec<MonthlyRecord>,
}

/// Where an import is: the step and how many of its rows are done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Progress {
    /// "check" (reading and checking rows) or "write".
    pub step: &'static str,
    /// Rows (check) or households (write) done.
    pub done: u64,
    /// Of how many.
    pub total: u64,
}

/// Whether a (region, union) pair may be used: the union to record, or why not.
type RefVerdict = Result<Option<i64>, Vec<FieldError>>;

/// Report progress every this many rows.
const EVERY: usize = 5000;

impl App {
    /// Checks `bytes` (a file called `name`) and, unless `dry_run` or any row is bad, writes it
    /// in one transaction. Bad rows are in the report (not an error); a file that cannot be read
    /// at all is an error naming why.
    pub async fn import(
        &self,
        who: &Principal,
        name: &str,
        bytes: &[u8],
        dry_run: bool,
    ) -> Result<ImportReport, AppError> {
        self.import_with_progress(who, name, bytes, dry_run, &|_| {}).await
    }

    /// [`App::import`], telling `progress` how far it is.
    pub async fn import_with_progress(
        &self,
        who: &Principal,
        name: &str,
        bytes: &[u8],
        dry_run: bool,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<ImportReport, AppError> {
        self.permit(who, Permission::WriteHouseholds, "import", None).await?;
        let mut report = ImportReport { dry_run, ..Default::default() };
        let started = std::time::Instant::now();
        let sheets = read(name, bytes, &mut report.errors)?;
        tracing::debug!(ms = started.elapsed().as_millis() as u64, "import: file read");
        let total_rows: u64 = sheets.iter().map(|s| s.rows.len() as u64).sum();
        let mut done_rows = 0u64;

        // Errors carry the sheet's position so the report can be put in file order at the end.
        let mut errors: Vec<(usize, RowError)> = Vec::new();
        // 1. Household rows, checked one by one; regions and unions looked up once each.
        let mut refs: HashMap<(String, Option<i64>), RefVerdict> = HashMap::new();
        let mut checked: Vec<(usize, usize, HouseholdWrite)> = Vec::new();
        // Plain loops (no iterator adaptors with closures) around awaits: such a future is
        // `Send` for every lifetime, as the web handler needs (rustc #102211).
        for (si, sheet) in sheets.iter().enumerate() {
            if sheet.kind != Kind::Households {
                continue;
            }
            for (row, r) in &sheet.rows {
                tick(&mut done_rows, total_rows, progress);
                let mut bad = Vec::new();
                let union_id = match sheet.get(r, "union_id") {
                    "" => None,
                    u => match u.parse::<i64>() {
                        Ok(n) => Some(n),
                        Err(_) => {
                            bad.push(FieldError::new("union_id", Code::NotWholeNumber));
                            None
                        }
                    },
                };
                let migrant = yes(sheet.get(r, "migrant_worker")).unwrap_or_else(|()| {
                    bad.push(FieldError::new("migrant_worker", Code::YesOrNo));
                    false
                });
                let causes: Vec<String> = sheet
                    .get(r, "causes")
                    .split(['、', ',', '，', ';', '；', ' '])
                    .filter(|c| !c.trim().is_empty())
                    .map(|c| code_of(Cause::ALL, Cause::code, Cause::label, c.trim()))
                    .collect();
                let input = HouseholdInput {
                    file_no: sheet.get(r, "file_no").to_string(),
                    head_name: sheet.get(r, "head_name").to_string(),
                    head_id_number: sheet.get(r, "head_id_number").to_string(),
                    phone: sheet.get(r, "phone").to_string(),
                    address: sheet.get(r, "address").to_string(),
                    region_code: sheet.get(r, "region_code").to_string(),
                    union_id,
                    employer_id: None,
                    registered_on: sheet.get(r, "registered_on").to_string(),
                    migrant_worker: migrant,
                    causes,
                    work_capacity: code_of(
                        WorkCapacity::ALL,
                        WorkCapacity::code,
                        WorkCapacity::label,
                        sheet.get(r, "work_capacity"),
                    ),
                    causes_resolved: false,
                    children_completed_studies: false,
                };
                match input.validate(bangfu_domain::HouseholdStatus::InFile, false) {
                    Ok(mut h) if bad.is_empty() => {
                        let key = (h.region_code.clone(), h.union_id);
                        let verdict = match refs.get(&key) {
                            Some(v) => v.clone(),
                            None => {
                                let v = self.check_import_refs(who, &mut h.clone()).await;
                                refs.insert(key, v.clone());
                                v
                            }
                        };
                        match verdict {
                            Ok(union) => {
                                h.union_id = union;
                                checked.push((si, *row, h));
                            }
                            Err(es) => bad.extend(es),
                        }
                    }
                    Ok(_) => {}
                    Err(es) => bad.extend(es),
                }
                for e in &bad {
                    errors.push((si, row_error(sheet, *row, header_of(Kind::Households, &e.field), e)));
                }
            }
        }
        // 2. Heads and file numbers already on file, looked up by lists.
        let heads: Vec<String> = checked.iter().map(|c| c.2.head_id_number.clone()).collect();
        let anywhere = self.store.heads_on_file(&heads).await?;
        let file_nos: Vec<String> =
            checked.iter().filter(|c| !c.2.file_no.is_empty()).map(|c| c.2.file_no.clone()).collect();
        let numbered = self.store.file_nos_on_file(&file_nos).await?;
        let mut order: Vec<String> = Vec::new();
        let mut by_head: HashMap<String, HouseholdRows> = HashMap::new();
        let mut file_nos_seen: HashMap<String, ()> = HashMap::new();
        for (si, row, h) in checked {
            let sheet = &sheets[si];
            let column = |f: &str| header_of(Kind::Households, f);
            let on_file = anywhere.get(&h.head_id_number);
            let problem = if on_file.is_some_and(|o| !who.scope.admits_household(&o.region_code, o.union_id)) {
                // A head on file outside the reader's scope cannot be matched, nor registered twice.
                Some(FieldError::new("head_id_number", Code::IdNumberOutOfScope))
            } else if by_head.contains_key(&h.head_id_number) {
                Some(FieldError::new("head_id_number", Code::Duplicate))
            } else if !h.file_no.is_empty()
                && numbered.get(&h.file_no).is_some_and(|o| o.head_id_number != h.head_id_number)
            {
                Some(FieldError::new("file_no", Code::FileNoTaken).with("file_no", &h.file_no))
            } else if !h.file_no.is_empty() && file_nos_seen.insert(h.file_no.clone(), ()).is_some() {
                Some(FieldError::new("file_no", Code::Duplicate))
            } else {
                None
            };
            if let Some(e) = problem {
                errors.push((si, row_error(sheet, row, column(&e.field), &e)));
                continue;
            }
            order.push(h.head_id_number.clone());
            by_head.insert(
                h.head_id_number.clone(),
                HouseholdRows { write: Some(h), members: Vec::new(), months: Vec::new() },
            );
        }
        // 3. Members and months attach to a household of the file or one on file in scope.
        let mut wanted: Vec<String> = Vec::new();
        for sheet in sheets.iter().filter(|s| s.kind != Kind::Households) {
            for (_, r) in &sheet.rows {
                if let Ok(h) = bangfu_domain::IdNumber::parse("head_id_number", sheet.get(r, "head_id_number")) {
                    if !by_head.contains_key(h.as_str()) {
                        wanted.push(h.as_str().to_string());
                    }
                }
            }
        }
        wanted.sort_unstable();
        wanted.dedup();
        let on_file: HashMap<String, OnFile> = self
            .store
            .heads_on_file(&wanted)
            .await?
            .into_iter()
            .filter(|(_, o)| who.scope.admits_household(&o.region_code, o.union_id))
            .collect();
        for (si, sheet) in sheets.iter().enumerate().filter(|(_, s)| s.kind != Kind::Households) {
            for (row, r) in &sheet.rows {
                tick(&mut done_rows, total_rows, progress);
                let head = match bangfu_domain::IdNumber::parse("head_id_number", sheet.get(r, "head_id_number")) {
                    Ok(h) => h.as_str().to_string(),
                    Err(e) => {
                        errors.push((si, row_error(sheet, *row, header_of(sheet.kind, "head_id_number"), &e)));
                        continue;
                    }
                };
                if !by_head.contains_key(&head) {
                    if !on_file.contains_key(&head) {
                        let e = FieldError::new("head_id_number", Code::NoHousehold);
                        errors.push((si, row_error(sheet, *row, header_of(sheet.kind, "head_id_number"), &e)));
                        continue;
                    }
                    order.push(head.clone());
                    by_head
                        .insert(head.clone(), HouseholdRows { write: None, members: Vec::new(), months: Vec::new() });
                }
                let Some(entry) = by_head.get_mut(&head) else { continue };
                let get = |f: &str| sheet.get(r, f).to_string();
                match sheet.kind {
                    Kind::Members => {
                        let input = MemberInput {
                            name: get("name"),
                            id_number: get("id_number"),
                            relation: code_of(Relation::ALL, Relation::code, Relation::label, sheet.get(r, "relation")),
                            birth_date: get("birth_date"),
                            situation: code_of(
                                Situation::ALL,
                                Situation::code,
                                Situation::label,
                                sheet.get(r, "situation"),
                            ),
                        };
                        match input.validate() {
                            Ok(m) => entry.members.push(m),
                            Err(es) => {
                                for e in &es {
                                    errors.push((si, row_error(sheet, *row, header_of(Kind::Members, &e.field), e)));
                                }
                            }
                        }
                    }
                    _ => {
                        let members = sheet.get(r, "members");
                        let input = MonthlyRecordInput::from_text(get, members.parse().unwrap_or(0));
                        let mut es = match input.validate("") {
                            Ok(m) if entry.months.iter().any(|o| o.month == m.month) => {
                                vec![FieldError::new("month", Code::DuplicateMonth)]
                            }
                            Ok(m) => {
                                entry.months.push(m);
                                Vec::new()
                            }
                            Err(es) => es,
                        };
                        if members.parse::<i64>().is_err() {
                            es.retain(|e| !e.field.ends_with("members"));
                            es.push(FieldError::new("members", Code::NotWholeNumber));
                        }
                        for e in &es {
                            errors.push((si, row_error(sheet, *row, header_of(Kind::Months, &e.field), e)));
                        }
                    }
                }
            }
        }
        progress(Progress { step: "check", done: total_rows, total: total_rows });
        tracing::debug!(ms = started.elapsed().as_millis() as u64, "import: rows checked");
        // Every bad row, sheet by sheet in row order (header problems first).
        errors.sort_by_key(|(si, e)| (*si, e.row));
        report.errors.extend(errors.into_iter().map(|(_, e)| e));
        if !report.errors.is_empty() {
            return Ok(report);
        }
        self.write_import(who, name, &order, by_head, &mut report, dry_run, progress).await?;
        Ok(report)
    }

    /// Writes the checked rows in one transaction (dropped on a dry run).
    #[allow(clippy::too_many_arguments)]
    async fn write_import(
        &self,
        who: &Principal,
        name: &str,
        order: &[String],
        mut by_head: HashMap<String, HouseholdRows>,
        report: &mut ImportReport,
        dry_run: bool,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<(), AppError> {
        let total = order.len() as u64;
        let mut tx = self.store.begin().await?;
        // Matched again inside the transaction: what was checked may have changed since.
        let found: HashMap<String, OnFile> = tx.heads_on_file(order).await?;
        let mut ids: HashMap<String, i64> = HashMap::new();
        let mut new: Vec<HouseholdWrite> = Vec::new();
        for head in order {
            match found.get(head) {
                Some(o) if who.scope.admits_household(&o.region_code, o.union_id) => {
                    report.households_existing += 1;
                    ids.insert(head.clone(), o.id);
                }
                Some(_) => {
                    return Err(AppError::invalid(
                        FieldError::new("head_id_number", Code::RegisteredMeanwhile)
                            .with("id_number", bangfu_domain::id_number::mask(head)),
                    ))
                }
                None => match by_head.get(head).and_then(|r| r.write.clone()) {
                    Some(h) => new.push(h),
                    None => return Err(AppError::Conflict(FieldError::new("head_id_number", Code::ChangedMeanwhile))),
                },
            }
        }
        // File numbers: each (region, year) continues after the highest on file or in the file.
        let mut next: HashMap<String, u64> = HashMap::new();
        for h in &new {
            if !h.file_no.is_empty() {
                continue;
            }
            let year = chrono::Datelike::year(&h.registered_on);
            let prefix = format!("{}-{year}-", h.region_code);
            if let std::collections::hash_map::Entry::Vacant(e) = next.entry(prefix) {
                let n = split_file_no(&tx.next_file_no(&h.region_code, year).await?).map_or(1, |p| p.1);
                e.insert(n);
            }
        }
        for h in &new {
            if let Some((prefix, n)) = split_file_no(&h.file_no) {
                if let Some(e) = next.get_mut(&prefix) {
                    *e = (*e).max(n + 1);
                }
            }
        }
        for h in new.iter_mut().filter(|h| h.file_no.is_empty()) {
            let prefix = format!("{}-{}-", h.region_code, chrono::Datelike::year(&h.registered_on));
            let e = next.entry(prefix.clone()).or_insert(1);
            h.file_no = format!("{prefix}{:06}", *e);
            *e += 1;
        }
        let reserved = tx.reserve_household_ids(new.len()).await?;
        let rows: Vec<(i64, HouseholdWrite)> = reserved.into_iter().zip(new).collect();
        for (id, h) in &rows {
            ids.insert(h.head_id_number.clone(), *id);
        }
        report.households_new = rows.len() as u64;
        for chunk in rows.chunks(10_000) {
            tx.import_households(chunk, &who.name).await.map_err(|e| match e {
                // A file number taken (or a head registered) since the rows were checked.
                bangfu_store::StoreError::Conflict(f) => {
                    AppError::Conflict(FieldError::new(f.field, Code::ChangedMeanwhile))
                }
                other => other.into(),
            })?;
        }
        // The ids came from the sequence (PostgreSQL) or above the highest (SQLite): nothing to
        // move. Resetting the sequence here raced with registrations running at the same time.
        drop(rows);
        progress(Progress { step: "write", done: report.households_new, total });
        // Members and months: what is on file for the matched households, read by lists.
        // In id order: each list then reads neighbouring pages, not pages all over the table.
        let mut matched: Vec<i64> = found.values().map(|o| o.id).collect();
        matched.sort_unstable();
        let started = std::time::Instant::now();
        let members_on_file = tx.members_of(&matched).await?;
        tracing::debug!(ms = started.elapsed().as_millis() as u64, "import: members on file read");
        let months_on_file = tx.months_of(&matched).await?;
        tracing::debug!(ms = started.elapsed().as_millis() as u64, "import: members and months on file read");
        let mut members: Vec<(i64, MemberWrite)> = Vec::new();
        let mut months: Vec<(i64, MonthlyRecord)> = Vec::new();
        let mut changed: Vec<(i64, MonthlyRecord)> = Vec::new();
        for head in order {
            let (Some(rows), Some(id)) = (by_head.remove(head), ids.get(head).copied()) else { continue };
            let mut known: Vec<(String, String, chrono::NaiveDate)> = members_on_file
                .get(&id)
                .map(|ms| ms.iter().map(|m| (m.id_number.clone(), m.name.clone(), m.birth_date)).collect())
                .unwrap_or_default();
            for m in rows.members {
                let same = known.iter().any(|(i, n, b)| {
                    if m.id_number.is_empty() {
                        i.is_empty() && *n == m.name && *b == m.birth_date
                    } else {
                        *i == m.id_number
                    }
                });
                if same {
                    report.members_existing += 1;
                } else {
                    report.members_new += 1;
                    known.push((m.id_number.clone(), m.name.clone(), m.birth_date));
                    members.push((id, m));
                }
            }
            for m in rows.months {
                match months_on_file.get(&(id, m.month.to_key())) {
                    Some(s) if *s == m => report.months_unchanged += 1,
                    Some(_) => {
                        report.months_changed += 1;
                        changed.push((id, m));
                    }
                    None => {
                        report.months_new += 1;
                        months.push((id, m));
                    }
                }
            }
        }
        tx.bulk_members(&members).await?;
        tx.upsert_months(&changed, true, &who.name).await?;
        for (i, chunk) in months.chunks(50_000).enumerate() {
            tx.upsert_months(chunk, false, &who.name).await?;
            progress(Progress {
                step: "write",
                done: ((i + 1) * 50_000).min(months.len()) as u64,
                total: months.len() as u64,
            });
        }
        tracing::debug!(ms = started.elapsed().as_millis() as u64, "import: members and months written");
        if dry_run {
            // The transaction is dropped: nothing is written.
            return Ok(());
        }
        let mut a = who.audit("import", "household", None, None);
        a.detail = serde_json::json!({
            "file": name, "households_new": report.households_new, "households_existing": report.households_existing,
            "members_new": report.members_new, "months_new": report.months_new, "months_changed": report.months_changed,
        })
        .to_string();
        tx.append_audit(&a).await?;
        tx.commit().await?;
        report.written = true;
        if report.households_new + report.members_new + report.months_new >= 10_000 {
            self.store.analyze_after_import().await?;
        }
        progress(Progress { step: "write", done: total, total });
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

/// A file number's prefix ("450403-2016-") and number, when it has that form.
fn split_file_no(f: &str) -> Option<(String, u64)> {
    let (prefix, n) = f.rsplit_once('-')?;
    let n: u64 = n.parse().ok()?;
    Some((format!("{prefix}-"), n))
}

/// Counts a row checked and reports progress now and then.
fn tick(n: &mut u64, total: u64, progress: &(dyn Fn(Progress) + Send + Sync)) {
    *n += 1;
    if (*n).is_multiple_of(EVERY as u64) {
        progress(Progress { step: "check", done: *n, total });
    }
}

fn row_error(sheet: &Sheet, row: usize, column: String, e: &FieldError) -> RowError {
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
