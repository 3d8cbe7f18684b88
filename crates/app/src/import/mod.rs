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
use crate::input::{Amount, HouseholdInput, MemberInput, MonthlyRecordInput, NonLivingInput};
use crate::{App, AppError};
use bangfu_domain::{Cause, FieldError, Permission, Relation, Situation, WorkCapacity};
use bangfu_store::{HouseholdWrite, MemberWrite, MonthlyRecord};
use serde::Serialize;
use std::collections::HashMap;

mod read;
use read::{read, Sheet};
pub use read::{Kind, MAX_BYTES, MAX_ROWS};

/// One bad cell or row.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct RowError {
    /// The sheet (or the file, for a .csv).
    pub sheet: String,
    /// Row number as the spreadsheet shows it (the header is row 1); 0 for the file itself.
    pub row: usize,
    /// The column's header (empty when the row as a whole is at fault).
    pub column: String,
    /// Stable code.
    pub code: String,
    /// What is wrong.
    pub message: String,
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
    /// Every bad row, in file order.
    pub errors: Vec<RowError>,
}

/// A code, or its Chinese or English label, as the code.
fn code_of<T: Copy>(all: &[T], code: fn(T) -> &'static str, label: fn(T, bool) -> &'static str, text: &str) -> String {
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
        self.permit(who, Permission::WriteHouseholds, "import", None).await?;
        let mut report = ImportReport { dry_run, ..Default::default() };
        let sheets = read(name, bytes, &mut report.errors)?;
        // By the head's resident ID, in file order.
        let mut order: Vec<String> = Vec::new();
        let mut by_head: HashMap<String, HouseholdRows> = HashMap::new();
        let err = |sheet: &Sheet, row: usize, column: String, e: &FieldError| RowError {
            sheet: sheet.name.clone(),
            row,
            column,
            code: e.code.to_string(),
            message: e.message.clone(),
        };
        let get = |r: &HashMap<&'static str, String>, f: &str| r.get(f).cloned().unwrap_or_default();
        for sheet in sheets.iter().filter(|s| s.kind == Kind::Households) {
            for (row, r) in &sheet.rows {
                let mut bad = Vec::new();
                let union_id = match get(r, "union_id").as_str() {
                    "" => None,
                    u => match u.parse::<i64>() {
                        Ok(n) => Some(n),
                        Err(_) => {
                            bad.push(FieldError::new("union_id", "invalid", "must be an organisation's number"));
                            None
                        }
                    },
                };
                let migrant = yes(&get(r, "migrant_worker")).unwrap_or_else(|()| {
                    bad.push(FieldError::new("migrant_worker", "invalid", "must be 是 or 否"));
                    false
                });
                let causes: Vec<String> = get(r, "causes")
                    .split(['、', ',', '，', ';', '；', ' '])
                    .filter(|c| !c.trim().is_empty())
                    .map(|c| code_of(Cause::ALL, Cause::code, Cause::label, c.trim()))
                    .collect();
                let input = HouseholdInput {
                    file_no: get(r, "file_no"),
                    head_name: get(r, "head_name"),
                    head_id_number: get(r, "head_id_number"),
                    phone: get(r, "phone"),
                    address: get(r, "address"),
                    region_code: get(r, "region_code"),
                    union_id,
                    employer_id: None,
                    registered_on: get(r, "registered_on"),
                    migrant_worker: migrant,
                    causes,
                    work_capacity: code_of(
                        WorkCapacity::ALL,
                        WorkCapacity::code,
                        WorkCapacity::label,
                        &get(r, "work_capacity"),
                    ),
                    causes_resolved: false,
                    children_completed_studies: false,
                };
                let write = match input.validate(bangfu_domain::HouseholdStatus::InFile, false) {
                    Ok(mut h) if bad.is_empty() => match self.check_import_refs(who, &mut h).await {
                        Ok(()) => Some(h),
                        Err(es) => {
                            bad.extend(es);
                            None
                        }
                    },
                    Ok(_) => None,
                    Err(es) => {
                        bad.extend(es);
                        None
                    }
                };
                for e in &bad {
                    report.errors.push(err(sheet, *row, header_of(Kind::Households, &e.field), e));
                }
                let Some(h) = write else { continue };
                // A head on file outside the reader's scope cannot be matched, nor registered twice.
                let anywhere =
                    self.store.household_by_head(&bangfu_store::Scope::everything(), &h.head_id_number).await?;
                if anywhere.is_some() && self.store.household_by_head(&who.scope, &h.head_id_number).await?.is_none() {
                    let e = FieldError::new(
                        "head_id_number",
                        "id_number_on_file",
                        "this resident ID heads a household outside your scope",
                    );
                    report.errors.push(err(sheet, *row, header_of(Kind::Households, "head_id_number"), &e));
                    continue;
                }
                if by_head.contains_key(&h.head_id_number) {
                    let e = FieldError::new("head_id_number", "duplicate", "this head appears twice in the file");
                    report.errors.push(err(sheet, *row, header_of(Kind::Households, "head_id_number"), &e));
                    continue;
                }
                order.push(h.head_id_number.clone());
                by_head.insert(
                    h.head_id_number.clone(),
                    HouseholdRows { write: Some(h), members: Vec::new(), months: Vec::new() },
                );
            }
        }
        // Members and months attach to a household of the file or one already on file.
        let mut on_file: HashMap<String, Option<i64>> = HashMap::new();
        for sheet in sheets.iter().filter(|s| s.kind != Kind::Households) {
            for (row, r) in &sheet.rows {
                let head = bangfu_domain::IdNumber::parse("head_id_number", &get(r, "head_id_number"))
                    .map(|i| i.as_str().to_string());
                let head = match head {
                    Ok(h) => h,
                    Err(e) => {
                        report.errors.push(err(sheet, *row, header_of(sheet.kind, "head_id_number"), &e));
                        continue;
                    }
                };
                if !by_head.contains_key(&head) {
                    let found = match on_file.get(&head) {
                        Some(f) => *f,
                        None => {
                            let f = self.store.household_by_head(&who.scope, &head).await?;
                            on_file.insert(head.clone(), f);
                            f
                        }
                    };
                    if found.is_none() {
                        let e = FieldError::new(
                            "head_id_number",
                            "no_household",
                            "no household with this head in the file's 家庭 sheet or on file in your scope",
                        );
                        report.errors.push(err(sheet, *row, header_of(sheet.kind, "head_id_number"), &e));
                        continue;
                    }
                    order.push(head.clone());
                    by_head
                        .insert(head.clone(), HouseholdRows { write: None, members: Vec::new(), months: Vec::new() });
                }
                let Some(entry) = by_head.get_mut(&head) else { continue };
                match sheet.kind {
                    Kind::Members => {
                        let input = MemberInput {
                            name: get(r, "name"),
                            id_number: get(r, "id_number"),
                            relation: code_of(Relation::ALL, Relation::code, Relation::label, &get(r, "relation")),
                            birth_date: get(r, "birth_date"),
                            situation: code_of(Situation::ALL, Situation::code, Situation::label, &get(r, "situation")),
                        };
                        match input.validate() {
                            Ok(m) => entry.members.push(m),
                            Err(es) => {
                                for e in &es {
                                    report.errors.push(err(sheet, *row, header_of(Kind::Members, &e.field), e));
                                }
                            }
                        }
                    }
                    _ => {
                        let amount = |f: &str| {
                            let v = get(r, f);
                            (!v.is_empty()).then_some(Amount::Text(v))
                        };
                        let members = get(r, "members");
                        let input = MonthlyRecordInput {
                            month: get(r, "month"),
                            members: members.parse().unwrap_or(0),
                            income: Amount::Text(get(r, "income")),
                            government_assistance: amount("government_assistance"),
                            non_living: NonLivingInput {
                                medical: amount("medical"),
                                education: amount("education"),
                                emergency: amount("emergency"),
                                accident: amount("accident"),
                                other: amount("other"),
                            },
                        };
                        let mut es = match input.validate("") {
                            Ok(m) if entry.months.iter().any(|o| o.month == m.month) => {
                                vec![FieldError::new(
                                    "month",
                                    "duplicate_month",
                                    "this month appears twice for the household",
                                )]
                            }
                            Ok(m) => {
                                entry.months.push(m);
                                Vec::new()
                            }
                            Err(es) => es,
                        };
                        if members.parse::<i64>().is_err() {
                            es.retain(|e| !e.field.ends_with("members"));
                            es.push(FieldError::new("members", "invalid", "must be a whole number of people"));
                        }
                        for e in &es {
                            report.errors.push(err(sheet, *row, header_of(Kind::Months, &e.field), e));
                        }
                    }
                }
            }
        }
        if !report.errors.is_empty() {
            return Ok(report);
        }
        let mut tx = self.store.begin().await?;
        for head in &order {
            let Some(rows) = by_head.get(head) else { continue };
            let file = match tx.household_by_head(&who.scope, head).await? {
                Some(id) => {
                    report.households_existing += 1;
                    tx.open_file(&who.scope, id).await?
                }
                None => {
                    let Some(mut h) = rows.write.clone() else { continue };
                    report.households_new += 1;
                    if h.file_no.is_empty() {
                        h.file_no = tx.next_file_no(&h.region_code, chrono::Datelike::year(&h.registered_on)).await?;
                    }
                    let id = tx.insert_household(&who.scope, &h, &who.name).await?;
                    tx.open_file(&who.scope, id).await?
                }
            };
            let existing = tx.file_members(&file).await?;
            for m in &rows.members {
                let same = existing.iter().any(|x| {
                    if m.id_number.is_empty() {
                        x.id_number.is_empty() && x.name == m.name && x.birth_date == m.birth_date
                    } else {
                        x.id_number == m.id_number
                    }
                });
                if same {
                    report.members_existing += 1;
                } else {
                    report.members_new += 1;
                    tx.insert_member(&file, m).await?;
                }
            }
            if !rows.months.is_empty() {
                let first = rows.months.iter().map(|m| m.month).min();
                let last = rows.months.iter().map(|m| m.month).max();
                let stored = match (first, last) {
                    (Some(f), Some(l)) => tx.file_months(&file, f, l).await?,
                    _ => Vec::new(),
                };
                let mut write = Vec::new();
                for m in &rows.months {
                    match stored.iter().find(|s| s.month == m.month) {
                        Some(s) if s == m => report.months_unchanged += 1,
                        Some(_) => {
                            report.months_changed += 1;
                            write.push(*m);
                        }
                        None => {
                            report.months_new += 1;
                            write.push(*m);
                        }
                    }
                }
                if !write.is_empty() {
                    tx.upsert_monthly_records(&file, &write, &who.name).await?;
                }
            }
        }
        if dry_run {
            // The transaction is dropped: nothing is written.
            return Ok(report);
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
        Ok(report)
    }

    /// The household's region and union must exist and lie in `who`'s scope.
    async fn check_import_refs(&self, who: &Principal, h: &mut HouseholdWrite) -> Result<(), Vec<FieldError>> {
        match self.check_household_refs(who, h).await {
            Ok(()) => Ok(()),
            Err(AppError::Invalid(es)) => Err(es),
            Err(e) => Err(vec![FieldError::new("region_code", "unavailable", e.to_string())]),
        }
    }
}
