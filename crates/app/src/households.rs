//! Use cases of the household file (一户一档案).

use crate::input::*;
use crate::{App, AppError};
use bangfu_domain::policy::Pool;
use bangfu_domain::*;
use bangfu_store::*;
use serde::{Deserialize, Serialize};

/// Query parameters of the household list, as strings from the URL (validated here).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Region code; a city includes its districts and counties.
    pub region: Option<String>,
    /// stock or incremental.
    pub pool: Option<String>,
    /// in_file, exited, relieved, withdrawn.
    pub status: Option<String>,
    /// A hardship cause code.
    pub cause: Option<String>,
    /// A resident ID (head or member), the start of a file number, or the start of the head's name.
    pub q: Option<String>,
    /// Page, from 1.
    pub page: Option<String>,
    /// Rows a page, 1–100 (default 20).
    pub per_page: Option<String>,
}

/// A validated list query.
#[derive(Debug, Clone)]
pub struct ListSpec {
    /// Store filter.
    pub filter: HouseholdFilter,
    /// Page from 1.
    pub page: u64,
    /// Rows a page.
    pub per_page: u64,
}

/// Everything on a household's page: the file, its members, recent months with the standard
/// in force each month, enrolments and union assistance.
#[derive(Debug, Clone, Serialize)]
pub struct HouseholdFile {
    /// The household.
    pub household: Household,
    /// Stock or incremental.
    pub pool: Pool,
    /// Members.
    pub members: Vec<Member>,
    /// The last 24 months up to the latest record (oldest first), each with its standards.
    pub months: Vec<MonthRow>,
    /// Enrolments in government schemes.
    pub enrolments: Vec<Enrolment>,
    /// Union assistance, newest first.
    pub union_assistance: Vec<bangfu_store::UnionAssistance>,
}

/// One month of the finance table.
#[derive(Debug, Clone, Serialize)]
pub struct MonthRow {
    /// Month.
    pub month: YearMonth,
    /// The record, if one was kept for the month.
    pub record: Option<MonthlyRecord>,
    /// Dibao standard in force that month (yuan per person), if defined.
    pub dibao: Option<Money>,
    /// Low-income standard in force that month, if defined.
    pub low_income: Option<Money>,
}

/// The standard of `kind` in force in `m`: the one with the latest `from` ≤ m (POLICY §1).
pub fn in_force(standards: &[Standard], kind: StandardKind, m: YearMonth) -> Option<Money> {
    standards.iter().filter(|s| s.kind == kind && s.from <= m).max_by_key(|s| s.from).map(|s| s.amount)
}

fn parse_u64(field: &str, s: Option<&str>, default: u64, min: u64, max: u64) -> Result<u64, FieldError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(s) => match s.parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(FieldError::new(field, "out_of_range", format!("must be a whole number from {min} to {max}"))),
        },
    }
}

fn some(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl App {
    /// Validates a list query; an unknown region is an error, not an empty list.
    pub async fn list_spec(&self, q: &ListQuery) -> Result<ListSpec, AppError> {
        let mut e = Errors::default();
        let mut filter = HouseholdFilter::default();
        if let Some(r) = some(&q.region) {
            if let Some(code) = e.take(RegionCode::parse("region", r)) {
                let codes = self.store.region_and_children(&code.to_string()).await?;
                if codes.is_empty() {
                    e.push(FieldError::new("region", "unknown_region", "no such region"));
                }
                filter.regions = Some(codes);
            }
        }
        if let Some(p) = some(&q.pool) {
            match Pool::from_code(p) {
                Some(Pool::Stock) => filter.registered_until = Some(self.stock_cutoff),
                Some(Pool::Incremental) => filter.registered_after = Some(self.stock_cutoff),
                None => e.push(FieldError::new("pool", "unknown_code", "must be one of: stock, incremental")),
            }
        }
        if let Some(s) = some(&q.status) {
            filter.status = e.take(HouseholdStatus::parse("status", s));
        }
        if let Some(c) = some(&q.cause) {
            filter.cause = e.take(Cause::parse("cause", c));
        }
        if let Some(t) = some(&q.q) {
            filter.text = e.take(optional_text("q", t, 50));
        }
        let page = e.take(parse_u64("page", q.page.as_deref(), 1, 1, 1_000_000));
        let per_page = e.take(parse_u64("per_page", q.per_page.as_deref(), 20, 1, 100));
        let v = (|| Some(ListSpec { filter, page: page?, per_page: per_page? }))();
        e.finish(v).map_err(AppError::Invalid)
    }

    /// One page of the household list.
    pub async fn list_households(&self, spec: &ListSpec) -> Result<HouseholdPage, AppError> {
        Ok(self.store.list_households(&spec.filter, spec.page, spec.per_page).await?)
    }

    /// The pool of a household.
    pub fn pool_of(&self, h: &Household) -> Pool {
        Pool::of(h.registered_on, self.stock_cutoff)
    }

    /// A household's whole file.
    pub async fn household_file(&self, id: i64) -> Result<HouseholdFile, AppError> {
        let household = self.store.household(id).await?;
        let members = self.store.members(id).await?;
        let last = self
            .store
            .last_record_month(id)
            .await?
            .unwrap_or_else(|| YearMonth::of_date(chrono::Utc::now().date_naive()));
        let first = last.plus(-23);
        let records = self.store.monthly_records(id, first, last).await?;
        let standards = self.store.standards(Some(&household.region_code)).await?;
        let months = (0..24)
            .map(|i| {
                let m = first.plus(i);
                MonthRow {
                    month: m,
                    record: records.iter().find(|r| r.month == m).copied(),
                    dibao: in_force(&standards, StandardKind::Dibao, m),
                    low_income: in_force(&standards, StandardKind::LowIncome, m),
                }
            })
            .collect();
        Ok(HouseholdFile {
            pool: self.pool_of(&household),
            enrolments: self.store.enrolments(id).await?,
            union_assistance: self.store.union_assistance(id).await?,
            household,
            members,
            months,
        })
    }

    /// Checks the references of a household (region, union, employer) against the store.
    async fn check_household_refs(&self, h: &HouseholdWrite) -> Result<(), AppError> {
        let mut e = Errors::default();
        match self.store.region(&h.region_code).await {
            Ok(r) if r.parent_code.is_some() => {}
            Ok(_) => e.push(FieldError::new("region_code", "not_county", "must be a district or county, not a city")),
            Err(StoreError::NotFound) => e.push(FieldError::new("region_code", "unknown_region", "no such region")),
            Err(other) => return Err(other.into()),
        }
        let org_check = |field: &'static str, id: Option<i64>, ok: fn(OrgKind) -> bool, what: &'static str| async move {
            let Some(id) = id else { return Ok(None) };
            match self.store.organisation(id).await {
                Ok(o) if ok(o.kind) => Ok(None),
                Ok(_) => Ok(Some(FieldError::new(field, "wrong_kind", format!("must be {what}")))),
                Err(StoreError::NotFound) => {
                    Ok(Some(FieldError::new(field, "unknown_organisation", "no such organisation")))
                }
                Err(other) => Err(AppError::from(other)),
            }
        };
        if let Some(err) = org_check(
            "union_id",
            h.union_id,
            |k| matches!(k, OrgKind::CityUnion | OrgKind::CountyUnion | OrgKind::GrassrootsUnion),
            "a union",
        )
        .await?
        {
            e.push(err);
        }
        if let Some(err) = org_check("employer_id", h.employer_id, |k| k == OrgKind::Employer, "an employer").await? {
            e.push(err);
        }
        e.finish(Some(())).map_err(AppError::Invalid)
    }

    /// Registers a household.
    pub async fn create_household(&self, input: &HouseholdInput) -> Result<Household, AppError> {
        let mut h = input.validate(HouseholdStatus::InFile, false).map_err(AppError::Invalid)?;
        self.check_household_refs(&h).await?;
        let mut tx = self.store.begin().await?;
        ensure_id_free(&mut tx, "head_id_number", &h.head_id_number, None).await?;
        if h.file_no.is_empty() {
            h.file_no = tx.next_file_no(&h.region_code, chrono::Datelike::year(&h.registered_on)).await?;
        }
        let id = tx.insert_household(&h).await.map_err(|e| file_no_conflict(e, &h.file_no))?;
        tx.commit().await?;
        Ok(self.store.household(id).await?)
    }

    /// Updates a household whose version is `if_match`. Status is kept.
    pub async fn update_household(
        &self,
        id: i64,
        if_match: Option<i64>,
        input: &HouseholdInput,
    ) -> Result<Household, AppError> {
        let version = if_match.ok_or(AppError::PreconditionRequired)?;
        let current = self.store.household(id).await?;
        let mut h = input.validate(current.status, current.synthetic).map_err(AppError::Invalid)?;
        self.check_household_refs(&h).await?;
        if h.file_no.is_empty() {
            h.file_no = current.file_no.clone();
        }
        let mut tx = self.store.begin().await?;
        ensure_id_free(&mut tx, "head_id_number", &h.head_id_number, Some(id)).await?;
        tx.update_household(id, version, &h).await.map_err(|e| file_no_conflict(e, &h.file_no))?;
        tx.commit().await?;
        Ok(self.store.household(id).await?)
    }

    /// Deletes a household with everything in its file. Meant for files entered by mistake;
    /// a family that leaves the programme is withdrawn (case work), not deleted.
    pub async fn delete_household(&self, id: i64, if_match: Option<i64>) -> Result<(), AppError> {
        let version = if_match.ok_or(AppError::PreconditionRequired)?;
        let mut tx = self.store.begin().await?;
        tx.delete_household(id, version).await?;
        Ok(tx.commit().await?)
    }

    /// Opens a write on a household's file: the household as it stands, and the transaction.
    /// The file's version is checked against `If-Match` when the write ends ([`App::end_file`]),
    /// inside the transaction, so a write that commits in between is never overwritten.
    async fn begin_file(&self, id: i64) -> Result<(Household, WriteTx), AppError> {
        let h = self.store.household(id).await?;
        Ok((h, self.store.begin().await?))
    }

    /// Moves the file's version on (when given, only from `if_match`) and commits.
    async fn end_file(&self, mut tx: WriteTx, id: i64, if_match: Option<i64>) -> Result<(), AppError> {
        tx.touch_household(id, if_match).await?;
        Ok(tx.commit().await?)
    }

    /// Adds a member.
    pub async fn add_member(
        &self,
        household_id: i64,
        if_match: Option<i64>,
        input: &MemberInput,
    ) -> Result<Member, AppError> {
        self.write_member(household_id, None, if_match, input).await
    }

    /// Replaces a member.
    pub async fn update_member(
        &self,
        household_id: i64,
        member_id: i64,
        if_match: Option<i64>,
        input: &MemberInput,
    ) -> Result<Member, AppError> {
        self.write_member(household_id, Some(member_id), if_match, input).await
    }

    /// Adds (`member_id` None) or replaces a member, and answers it as stored.
    async fn write_member(
        &self,
        household_id: i64,
        member_id: Option<i64>,
        if_match: Option<i64>,
        input: &MemberInput,
    ) -> Result<Member, AppError> {
        let m = input.validate().map_err(AppError::Invalid)?;
        let members = self.store.members(household_id).await?;
        let (h, mut tx) = self.begin_file(household_id).await?;
        check_member_id(&mut tx, &h, &members, member_id, &m).await?;
        let id = match member_id {
            Some(id) => {
                tx.update_member(household_id, id, &m).await?;
                id
            }
            None => tx.insert_member(household_id, &m).await?,
        };
        self.end_file(tx, household_id, if_match).await?;
        Ok(Member {
            id,
            household_id,
            name: m.name,
            id_number: m.id_number,
            relation: m.relation,
            birth_date: m.birth_date,
            situation: m.situation,
        })
    }

    /// Removes a member.
    pub async fn delete_member(
        &self,
        household_id: i64,
        member_id: i64,
        if_match: Option<i64>,
    ) -> Result<(), AppError> {
        let (_, mut tx) = self.begin_file(household_id).await?;
        tx.delete_member(household_id, member_id).await?;
        self.end_file(tx, household_id, if_match).await
    }

    /// Writes monthly records (replacing the same months). All months are checked before any is written.
    pub async fn put_months(
        &self,
        household_id: i64,
        if_match: Option<i64>,
        input: &[MonthlyRecordInput],
    ) -> Result<Vec<MonthlyRecord>, AppError> {
        if input.is_empty() {
            return Err(AppError::invalid(FieldError::new("months", "required", "at least one month is required")));
        }
        if input.len() > 1200 {
            return Err(AppError::invalid(FieldError::new("months", "too_many", "at most 1200 months in one request")));
        }
        let mut e = Errors::default();
        let mut records: Vec<MonthlyRecord> = Vec::with_capacity(input.len());
        for (i, m) in input.iter().enumerate() {
            match m.validate(&format!("months[{i}]")) {
                Ok(r) => {
                    if records.iter().any(|o| o.month == r.month) {
                        e.push(FieldError::new(
                            format!("months[{i}].month"),
                            "duplicate_month",
                            "this month appears twice",
                        ));
                    }
                    records.push(r);
                }
                Err(errs) => e.0.extend(errs),
            }
        }
        let records = e.finish(Some(records)).map_err(AppError::Invalid)?;
        let (_, mut tx) = self.begin_file(household_id).await?;
        tx.upsert_monthly_records(household_id, &records).await?;
        self.end_file(tx, household_id, if_match).await?;
        Ok(records)
    }

    /// Deletes one month's record.
    pub async fn delete_month(&self, household_id: i64, month: &str, if_match: Option<i64>) -> Result<(), AppError> {
        let m = YearMonth::parse("month", month).map_err(AppError::invalid)?;
        let (_, mut tx) = self.begin_file(household_id).await?;
        tx.delete_monthly_record(household_id, m).await?;
        self.end_file(tx, household_id, if_match).await
    }

    /// A household's monthly records in a range (default: all).
    pub async fn months(
        &self,
        household_id: i64,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Vec<MonthlyRecord>, AppError> {
        self.store.household(household_id).await?;
        let mut e = Errors::default();
        let from = match from {
            Some(f) => e.take(YearMonth::parse("from", f)),
            None => YearMonth::new(1000, 1),
        };
        let to = match to {
            Some(t) => e.take(YearMonth::parse("to", t)),
            None => YearMonth::new(9999, 12),
        };
        let (from, to) = e.finish((|| Some((from?, to?)))()).map_err(AppError::Invalid)?;
        Ok(self.store.monthly_records(household_id, from, to).await?)
    }

    /// Adds an enrolment.
    pub async fn add_enrolment(
        &self,
        household_id: i64,
        if_match: Option<i64>,
        input: &EnrolmentInput,
    ) -> Result<Enrolment, AppError> {
        let (scheme, from, to) = input.validate().map_err(AppError::Invalid)?;
        let (_, mut tx) = self.begin_file(household_id).await?;
        let id = tx.insert_enrolment(household_id, scheme, from, to).await?;
        self.end_file(tx, household_id, if_match).await?;
        Ok(Enrolment { id, scheme, from, to })
    }

    /// Removes an enrolment.
    pub async fn delete_enrolment(&self, household_id: i64, id: i64, if_match: Option<i64>) -> Result<(), AppError> {
        let (_, mut tx) = self.begin_file(household_id).await?;
        tx.delete_enrolment(household_id, id).await?;
        self.end_file(tx, household_id, if_match).await
    }

    /// Records union assistance.
    pub async fn add_union_assistance(
        &self,
        household_id: i64,
        if_match: Option<i64>,
        input: &UnionAssistanceInput,
    ) -> Result<bangfu_store::UnionAssistance, AppError> {
        let mut a = input.validate().map_err(AppError::Invalid)?;
        let (_, mut tx) = self.begin_file(household_id).await?;
        a.id = tx.insert_union_assistance(household_id, &a).await?;
        self.end_file(tx, household_id, if_match).await?;
        Ok(a)
    }

    /// Removes a union assistance record.
    pub async fn delete_union_assistance(
        &self,
        household_id: i64,
        id: i64,
        if_match: Option<i64>,
    ) -> Result<(), AppError> {
        let (_, mut tx) = self.begin_file(household_id).await?;
        tx.delete_union_assistance(household_id, id).await?;
        self.end_file(tx, household_id, if_match).await
    }
}

/// A member's resident ID may be on no other active household, and only once in this one.
/// `members` are the household's members as read before the transaction began.
async fn check_member_id(
    tx: &mut WriteTx,
    h: &Household,
    members: &[Member],
    member_id: Option<i64>,
    m: &MemberWrite,
) -> Result<(), AppError> {
    if m.id_number.is_empty() {
        return Ok(());
    }
    ensure_id_free(tx, "id_number", &m.id_number, Some(h.id)).await?;
    let twice = members.iter().any(|o| Some(o.id) != member_id && o.id_number == m.id_number);
    // The head may also be listed as a member (relation "head"); anyone else may not repeat the head's ID.
    if twice || (h.head_id_number == m.id_number && m.relation != Relation::Head) {
        return Err(AppError::Conflict(FieldError::new(
            "id_number",
            "duplicate_in_household",
            "this resident ID is already listed in this household",
        )));
    }
    Ok(())
}

/// A resident ID may belong to only one household still in the file (not withdrawn).
async fn ensure_id_free(tx: &mut WriteTx, field: &str, id_number: &str, except: Option<i64>) -> Result<(), AppError> {
    if let Some(file_no) = tx.id_number_holder(id_number, except).await? {
        return Err(AppError::Conflict(FieldError::new(
            field,
            "id_number_on_file",
            format!("this resident ID already belongs to household {file_no}, which is still in the file"),
        )));
    }
    Ok(())
}

fn file_no_conflict(e: StoreError, file_no: &str) -> AppError {
    match e {
        StoreError::Conflict(_) => AppError::Conflict(FieldError::new(
            "file_no",
            "file_no_taken",
            format!("file number {file_no} is already used"),
        )),
        other => other.into(),
    }
}
