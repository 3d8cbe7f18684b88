//! Use cases of the household file (一户一档案).

use crate::auth::Principal;
use crate::input::*;
use crate::{App, AppError};
use bangfu_domain::policy::Pool;
use bangfu_domain::*;
use bangfu_store::*;
use serde::{Deserialize, Serialize};

/// Query parameters of the household list, as strings from the URL (validated here).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams, utoipa::ToSchema)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Region code; a city includes its districts and counties.
    pub region: Option<String>,
    /// "1": the region itself only, not what lies under it (a city's own households).
    pub region_exact: Option<String>,
    /// stock or incremental.
    pub pool: Option<String>,
    /// in_file, exited, relieved, withdrawn.
    pub status: Option<String>,
    /// A hardship cause code.
    pub cause: Option<String>,
    /// A resident ID (head or member), the start of a file number, or the start of the head's name.
    pub q: Option<String>,
    /// Registered on or before this day (YYYY-MM-DD).
    pub registered_until: Option<String>,
    /// With an approved outcome of this kind: exit, relief, withdrawal, or achieved (exit or
    /// relief).
    pub outcome: Option<String>,
    /// … with this pathway (exit) or reason (withdrawal).
    pub why: Option<String>,
    /// … approved on or after this day.
    pub approved_from: Option<String>,
    /// … approved on or before this day.
    pub approved_until: Option<String>,
    /// With a return-to-hardship flag: open, back_in_file, no_return or any.
    pub returned: Option<String>,
    /// … detected on or after this day.
    pub detected_from: Option<String>,
    /// … detected on or before this day.
    pub detected_until: Option<String>,
    /// Eligible with this primary condition (C1…C5) in evaluation run `run`.
    pub condition: Option<String>,
    /// The evaluation run for `condition`.
    pub run: Option<String>,
    /// In the file on this day: registered by it and not exited, relieved or withdrawn by it.
    pub in_file_on: Option<String>,
    /// Not withdrawn by this day.
    pub not_withdrawn_on: Option<String>,
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
    /// Major events (2021 framework), newest first.
    pub major_events: Vec<bangfu_store::MajorEventRecord>,
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
            _ => Err(FieldError::new(field, Code::OutOfRange).with("min", min).with("max", max)),
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
                let mut codes = self.store.region_and_children(&code.to_string()).await?;
                if codes.is_empty() {
                    e.push(FieldError::new("region", Code::UnknownRegion));
                }
                match some(&q.region_exact) {
                    None | Some("0") => {}
                    Some("1") => codes.retain(|c| *c == code.to_string()),
                    Some(_) => e.push(FieldError::new("region_exact", Code::OneOrZero)),
                }
                filter.regions = Some(codes);
            }
        }
        if let Some(p) = some(&q.pool) {
            match Pool::from_code(p) {
                Some(Pool::Stock) => filter.registered_until = Some(self.stock_cutoff),
                Some(Pool::Incremental) => filter.registered_after = Some(self.stock_cutoff),
                None => e.push(FieldError::new("pool", Code::UnknownCode).with("allowed", "stock, incremental")),
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
        let day = |e: &mut Errors, field: &str, v: &Option<String>| some(v).and_then(|d| e.take(parse_date(field, d)));
        if let Some(d) = day(&mut e, "registered_until", &q.registered_until) {
            filter.registered_until = Some(filter.registered_until.map_or(d, |c| c.min(d)));
        }
        let (from, until) =
            (day(&mut e, "approved_from", &q.approved_from), day(&mut e, "approved_until", &q.approved_until));
        if let Some(d) = day(&mut e, "in_file_on", &q.in_file_on) {
            filter.registered_until = Some(filter.registered_until.map_or(d, |c| c.min(d)));
            let all = [OutcomeKind::Exit, OutcomeKind::Relief, OutcomeKind::Withdrawal];
            filter.without_outcome = Some((all.iter().map(|k| k.code().to_string()).collect(), d));
        } else if let Some(d) = day(&mut e, "not_withdrawn_on", &q.not_withdrawn_on) {
            filter.without_outcome = Some((vec![OutcomeKind::Withdrawal.code().to_string()], d));
        }
        if some(&q.outcome) == Some("achieved") {
            if some(&q.why).is_some() {
                e.push(FieldError::new("why", Code::WhyWithAchieved));
            }
            let kinds = [OutcomeKind::Exit, OutcomeKind::Relief].iter().map(|k| k.code().to_string()).collect();
            filter.outcome = Some(OutcomeFilter { kinds, why: None, from, until });
        } else if let Some(k) = some(&q.outcome) {
            let kind = e.take(OutcomeKind::parse("outcome", k));
            let why = match (kind, some(&q.why)) {
                (Some(OutcomeKind::Exit), Some(w)) => e.take(ExitPathway::parse("why", w)).map(|p| p.code()),
                (Some(OutcomeKind::Withdrawal), Some(w)) => e.take(WithdrawalReason::parse("why", w)).map(|p| p.code()),
                (_, Some(_)) => {
                    e.push(FieldError::new("why", Code::WhyNotAllowed));
                    None
                }
                _ => None,
            };
            if let Some(kind) = kind {
                filter.outcome =
                    Some(OutcomeFilter { kinds: vec![kind.code().into()], why: why.map(str::to_string), from, until });
            }
        } else if some(&q.why).is_some() || from.is_some() || until.is_some() {
            e.push(FieldError::new("outcome", Code::OutcomeKindRequired));
        }
        let (from, until) =
            (day(&mut e, "detected_from", &q.detected_from), day(&mut e, "detected_until", &q.detected_until));
        match some(&q.returned) {
            Some("any") => filter.returned = Some(ReturnFilter { state: None, from, until }),
            Some("open") => filter.returned = Some(ReturnFilter { state: Some("open".into()), from, until }),
            Some(r) => {
                if let Some(d) = e.take(ReturnDecision::parse("returned", r)) {
                    filter.returned = Some(ReturnFilter { state: Some(d.code().into()), from, until });
                }
            }
            None if from.is_some() || until.is_some() => e.push(FieldError::new("returned", Code::ReturnStateRequired)),
            None => {}
        }
        match (some(&q.condition), some(&q.run)) {
            (Some(c), Some(r)) => {
                let ok = ["C1", "C2", "C3", "C4", "C5", "D1", "R1", "A1"].contains(&c);
                if !ok {
                    e.push(
                        FieldError::new("condition", Code::UnknownCode)
                            .with("allowed", "C1, C2, C3, C4, C5, D1, R1, A1"),
                    );
                }
                match r.parse::<i64>() {
                    Ok(run) if ok => filter.eligible = Some((run, c.to_string())),
                    Ok(_) => {}
                    Err(_) => e.push(FieldError::new("run", Code::NotWholeNumber)),
                }
            }
            (None, None) => {}
            (Some(_), None) => e.push(FieldError::new("run", Code::RunRequired)),
            (None, Some(_)) => e.push(FieldError::new("condition", Code::ConditionRequired)),
        }
        let page = e.take(parse_u64("page", q.page.as_deref(), 1, 1, 1_000_000));
        let per_page = e.take(parse_u64("per_page", q.per_page.as_deref(), 20, 1, 100));
        let v = (|| Some(ListSpec { filter, page: page?, per_page: per_page? }))();
        e.finish(v).map_err(AppError::Invalid)
    }

    /// One page of the household list, personal data masked.
    pub async fn list_households(&self, who: &Principal, spec: &ListSpec) -> Result<HouseholdPage, AppError> {
        self.permit(who, Permission::ReadHouseholds, "household", None).await?;
        let mut page = self.store.list_households(&who.scope, &spec.filter, spec.page, spec.per_page).await?;
        page.items = page.items.into_iter().map(masked).collect();
        Ok(page)
    }

    /// Up to `limit` households of a list for an Excel export, personal data masked; audited.
    pub async fn export_households(
        &self,
        who: &Principal,
        spec: &ListSpec,
        filters: &ListQuery,
        limit: u64,
    ) -> Result<Vec<Household>, AppError> {
        self.permit(who, Permission::Export, "household", None).await?;
        let rows = self.store.export_households(&who.scope, &spec.filter, limit).await?;
        let mut a = who.audit("export", "household", None, None);
        let text = filters.q.as_deref().map(bangfu_domain::id_number::redact);
        a.detail = serde_json::json!({
            "rows": rows.len(),
            "region": filters.region, "pool": filters.pool, "status": filters.status,
            "cause": filters.cause, "q": text, "region_exact": filters.region_exact,
            "registered_until": filters.registered_until, "in_file_on": filters.in_file_on,
            "not_withdrawn_on": filters.not_withdrawn_on, "outcome": filters.outcome, "why": filters.why,
            "approved_from": filters.approved_from, "approved_until": filters.approved_until,
            "returned": filters.returned, "detected_from": filters.detected_from,
            "detected_until": filters.detected_until, "condition": filters.condition, "run": filters.run,
        })
        .to_string();
        self.store.audit(&a).await?;
        Ok(rows.into_iter().map(masked).collect())
    }

    /// The pool of a household.
    pub fn pool_of(&self, h: &Household) -> Pool {
        Pool::of(h.registered_on, self.stock_cutoff)
    }

    /// A household `who` may read, as stored (not masked): for use cases only.
    pub(crate) async fn readable(&self, who: &Principal, id: i64) -> Result<Household, AppError> {
        self.permit(who, Permission::ReadHouseholds, "household", Some(id)).await?;
        match self.store.household(&who.scope, id).await {
            Ok(h) => Ok(h),
            Err(StoreError::NotFound) => Err(self.not_reachable(who, id).await),
            Err(e) => Err(e.into()),
        }
    }

    /// One household, personal data masked.
    pub async fn household(&self, who: &Principal, id: i64) -> Result<Household, AppError> {
        Ok(masked(self.readable(who, id).await?))
    }

    /// A household's whole file, personal data masked.
    pub async fn household_file(&self, who: &Principal, id: i64) -> Result<HouseholdFile, AppError> {
        Ok(self.household_file_and_standards(who, id).await?.0)
    }

    /// [`App::household_file`], the standards of the household's region (every one, for
    /// evaluating the household from what was read) and the rest of what its page shows, all
    /// read in one read transaction ([`bangfu_store::HouseholdRecords`]).
    pub(crate) async fn household_file_and_standards(
        &self,
        who: &Principal,
        id: i64,
    ) -> Result<(HouseholdFile, Vec<Standard>, bangfu_store::HouseholdRecords), AppError> {
        self.permit(who, Permission::ReadHouseholds, "household", Some(id)).await?;
        let mut r = match self.store.household_records(&who.scope, id).await {
            Ok(r) => r,
            Err(StoreError::NotFound) => return Err(self.not_reachable(who, id).await),
            Err(e) => return Err(e.into()),
        };
        let last = r.last_month.unwrap_or_else(|| YearMonth::of_date(crate::clock::today()));
        let first = last.plus(-23);
        let standards = std::mem::take(&mut r.standards);
        let months = (0..24)
            .map(|i| {
                let m = first.plus(i);
                MonthRow {
                    month: m,
                    record: r.months.iter().find(|x| x.month == m).copied(),
                    dibao: in_force(&standards, StandardKind::Dibao, m),
                    low_income: in_force(&standards, StandardKind::LowIncome, m),
                }
            })
            .collect();
        let file = HouseholdFile {
            pool: self.pool_of(&r.household),
            enrolments: std::mem::take(&mut r.enrolments),
            union_assistance: std::mem::take(&mut r.union_assistance),
            major_events: std::mem::take(&mut r.major_events),
            household: masked(r.household.clone()),
            members: std::mem::take(&mut r.members).into_iter().map(masked_member).collect(),
            months,
        };
        Ok((file, standards, r))
    }

    /// A household's members, resident IDs masked.
    pub async fn members(&self, who: &Principal, id: i64) -> Result<Vec<Member>, AppError> {
        self.readable(who, id).await?;
        Ok(self.store.members(&who.scope, id).await?.into_iter().map(masked_member).collect())
    }

    /// A household's enrolments.
    pub async fn enrolments(&self, who: &Principal, id: i64) -> Result<Vec<Enrolment>, AppError> {
        self.readable(who, id).await?;
        Ok(self.store.enrolments(&who.scope, id).await?)
    }

    /// A household's union assistance.
    pub async fn union_assistance(
        &self,
        who: &Principal,
        id: i64,
    ) -> Result<Vec<bangfu_store::UnionAssistance>, AppError> {
        self.readable(who, id).await?;
        Ok(self.store.union_assistance(&who.scope, id).await?)
    }

    /// The full resident IDs and phone number of a household: an audited look.
    pub async fn reveal(&self, who: &Principal, id: i64) -> Result<Revealed, AppError> {
        self.permit(who, Permission::RevealPersonal, "household", Some(id)).await?;
        let h = self.readable(who, id).await?;
        let members = self.store.members(&who.scope, id).await?;
        self.store.audit(&who.audit("reveal", "household", Some(id), Some(&h.region_code))).await?;
        Ok(Revealed {
            household_id: id,
            head_id_number: h.head_id_number,
            phone: h.phone,
            members: members
                .into_iter()
                .map(|m| RevealedMember { id: m.id, name: m.name, id_number: m.id_number })
                .collect(),
        })
    }

    /// Checks the references of a household (region, union, employer) against what `who` reaches:
    /// one out of reach is answered exactly like one that does not exist.
    pub(crate) async fn check_household_refs(&self, who: &Principal, h: &mut HouseholdWrite) -> Result<(), AppError> {
        let mut e = Errors::default();
        if let Some(u) = who.scope.union_id() {
            h.union_id.get_or_insert(u);
        }
        match self.store.region(&h.region_code).await {
            Ok(_) if !who.scope.has_region(&h.region_code) => {
                e.push(FieldError::new("region_code", Code::UnknownRegion))
            }
            // A county-level region in use (a city or province code is not a county).
            Ok(r) if r.in_use && !r.code.ends_with("00") => {}
            Ok(r) if !r.in_use => e.push(FieldError::new("region_code", Code::UnknownRegion)),
            Ok(_) => e.push(FieldError::new("region_code", Code::NotCounty)),
            Err(StoreError::NotFound) => e.push(FieldError::new("region_code", Code::UnknownRegion)),
            Err(other) => return Err(other.into()),
        }
        // `what`: the kind wanted, in Chinese and English.
        let org_check = |field: &'static str,
                         id: Option<i64>,
                         ok: fn(OrgKind) -> bool,
                         what: (&'static str, &'static str)| async move {
            let Some(id) = id else { return Ok(None) };
            match self.store.organisation(&who.scope, id).await {
                Ok(o) if ok(o.kind) => Ok(None),
                Ok(_) => Ok(Some(FieldError::new(field, Code::WrongKind).with_label("kind", what.0, what.1))),
                Err(StoreError::NotFound) => Ok(Some(FieldError::new(field, Code::UnknownOrganisation))),
                Err(other) => Err(AppError::from(other)),
            }
        };
        if let Some(err) = org_check("union_id", h.union_id, |k| k.is_union(), ("工会", "union")).await? {
            e.push(err);
        }
        if !who.scope.has_union(h.union_id) {
            e.push(FieldError::new("union_id", Code::UnknownOrganisation));
        }
        let employer = (OrgKind::Employer.label(true), OrgKind::Employer.label(false));
        if let Some(err) = org_check("employer_id", h.employer_id, |k| k == OrgKind::Employer, employer).await? {
            e.push(err);
        }
        e.finish(Some(())).map_err(AppError::Invalid)
    }

    /// Registers a household.
    pub async fn create_household(&self, who: &Principal, input: &HouseholdInput) -> Result<Household, AppError> {
        let r = self.register(who, input).await;
        self.note_elsewhere(who, None, r).await
    }

    async fn register(&self, who: &Principal, input: &HouseholdInput) -> Result<Household, AppError> {
        self.permit(who, Permission::WriteHouseholds, "household", None).await?;
        let mut h = input.validate(HouseholdStatus::InFile, false).map_err(AppError::Invalid)?;
        self.check_household_refs(who, &mut h).await?;
        let mut tx = self.store.begin().await?;
        ensure_id_free(&mut tx, who, "head_id_number", &h.head_id_number, None).await?;
        if h.file_no.is_empty() {
            h.file_no = tx.next_file_no(&h.region_code, chrono::Datelike::year(&h.registered_on)).await?;
        }
        let id = tx.insert_household(&who.scope, &h, &who.name).await.map_err(|e| file_no_conflict(e, &h.file_no))?;
        let mut a = who.audit("create", "household", Some(id), Some(&h.region_code));
        a.detail = serde_json::json!({ "new": write_json(&h) }).to_string();
        tx.append_audit(&a).await?;
        tx.commit().await?;
        self.household(who, id).await
    }

    /// Updates a household whose version is `if_match`. Status is kept. A masked resident ID or
    /// phone sent back unchanged keeps the stored value.
    pub async fn update_household(
        &self,
        who: &Principal,
        id: i64,
        if_match: Option<i64>,
        input: &HouseholdInput,
    ) -> Result<Household, AppError> {
        let r = self.rewrite_household(who, id, if_match, input).await;
        self.note_elsewhere(who, Some(id), r).await
    }

    async fn rewrite_household(
        &self,
        who: &Principal,
        id: i64,
        if_match: Option<i64>,
        input: &HouseholdInput,
    ) -> Result<Household, AppError> {
        self.permit(who, Permission::WriteHouseholds, "household", Some(id)).await?;
        let current = self.readable(who, id).await?;
        let version = if_match.ok_or(AppError::PreconditionRequired)?;
        let mut input = input.clone();
        if input.head_id_number.trim() == id_number::mask(&current.head_id_number) {
            input.head_id_number = current.head_id_number.clone();
        }
        if !current.phone.is_empty() && input.phone.trim() == id_number::mask_phone(&current.phone) {
            input.phone = current.phone.clone();
        }
        let mut h = input.validate(current.status, current.synthetic).map_err(AppError::Invalid)?;
        self.check_household_refs(who, &mut h).await?;
        if h.file_no.is_empty() {
            h.file_no = current.file_no.clone();
        }
        let (file, mut tx) = self.open(who, id).await?;
        ensure_id_free(&mut tx, who, "head_id_number", &h.head_id_number, Some(id)).await?;
        tx.update_household(&who.scope, &file, version, &h).await.map_err(|e| file_no_conflict(e, &h.file_no))?;
        let mut a = who.audit("update", "household", Some(id), Some(&h.region_code));
        a.detail = serde_json::json!({ "old": current, "new": write_json(&h) }).to_string();
        tx.append_audit(&a).await?;
        tx.commit().await?;
        self.household(who, id).await
    }

    /// Deletes a household with everything in its file. Meant for files entered by mistake;
    /// a family that leaves the programme is withdrawn (case work), not deleted.
    pub async fn delete_household(&self, who: &Principal, id: i64, if_match: Option<i64>) -> Result<(), AppError> {
        self.permit(who, Permission::DeleteHouseholds, "household", Some(id)).await?;
        if self.store.household_has_fund_entries(id).await? {
            return Err(AppError::Conflict(FieldError::new("id", Code::HasPayments)));
        }
        let (file, mut tx) = self.open(who, id).await?;
        let version = if_match.ok_or(AppError::PreconditionRequired)?;
        let old = file.household().clone();
        tx.delete_household(file, version).await?;
        let mut a = who.audit("delete", "household", Some(id), Some(&old.region_code));
        a.detail = serde_json::json!({ "old": old }).to_string();
        tx.append_audit(&a).await?;
        Ok(tx.commit().await?)
    }

    /// Starts a write transaction and opens a household's file in it if `who` reaches it.
    /// A refusal ends the transaction before it is recorded: on SQLite the record is a write of
    /// its own, which would wait on the open one.
    async fn open(&self, who: &Principal, id: i64) -> Result<(OpenFile, WriteTx), AppError> {
        let mut tx = self.store.begin().await?;
        match tx.open_file(&who.scope, id).await {
            Ok(f) => Ok((f, tx)),
            Err(StoreError::NotFound) => {
                drop(tx);
                Err(self.not_reachable(who, id).await)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Opens a write on a household's file: checks the permission and the scope, starts the
    /// transaction. The file's version is checked against `If-Match` when the write ends
    /// ([`App::end_file`]), inside the transaction, so a write that commits in between is never
    /// overwritten.
    pub(crate) async fn begin_file(&self, who: &Principal, id: i64) -> Result<(OpenFile, WriteTx), AppError> {
        self.permit(who, Permission::WriteHouseholds, "household", Some(id)).await?;
        self.open(who, id).await
    }

    /// Records the change, moves the file's version on (when given, only from `if_match`) and commits.
    pub(crate) async fn end_file(
        &self,
        who: &Principal,
        mut tx: WriteTx,
        file: &OpenFile,
        if_match: Option<i64>,
        (action, entity, entity_id, detail): (&str, &str, Option<i64>, serde_json::Value),
    ) -> Result<(), AppError> {
        tx.touch_household(file, if_match).await?;
        // A change of the file (registration date, an outcome, a measure) can make or clear a
        // finding on the payments made to it.
        tx.refresh_findings(Some(&[file.id()])).await?;
        let mut a = who.audit(action, entity, entity_id, Some(&file.household().region_code));
        a.detail = serde_json::json!({ "household_id": file.id(), "change": detail }).to_string();
        tx.append_audit(&a).await?;
        Ok(tx.commit().await?)
    }

    /// Adds a member.
    pub async fn add_member(
        &self,
        who: &Principal,
        household_id: i64,
        if_match: Option<i64>,
        input: &MemberInput,
    ) -> Result<Member, AppError> {
        let r = self.write_member(who, household_id, None, if_match, input).await;
        self.note_elsewhere(who, Some(household_id), r).await
    }

    /// Replaces a member.
    pub async fn update_member(
        &self,
        who: &Principal,
        household_id: i64,
        member_id: i64,
        if_match: Option<i64>,
        input: &MemberInput,
    ) -> Result<Member, AppError> {
        let r = self.write_member(who, household_id, Some(member_id), if_match, input).await;
        self.note_elsewhere(who, Some(household_id), r).await
    }

    /// A resident ID offered that is on file outside `who`'s scope: the refusal passes
    /// through, and the attempt is on the audit trail (a run of them is someone probing who is
    /// registered where).
    async fn note_elsewhere<T>(
        &self,
        who: &Principal,
        household: Option<i64>,
        r: Result<T, AppError>,
    ) -> Result<T, AppError> {
        if let Err(AppError::Conflict(e)) = &r {
            if e.code == Code::IdNumberOutOfScope {
                let mut a = who.audit("id_number_elsewhere", "household", household, None);
                a.result = "out_of_scope".into();
                a.detail = serde_json::json!({ "field": e.field }).to_string();
                let mut tx = self.store.begin().await?;
                tx.append_audit(&a).await?;
                tx.commit().await?;
            }
        }
        r
    }

    /// Adds (`member_id` None) or replaces a member, and answers it as stored (ID masked).
    async fn write_member(
        &self,
        who: &Principal,
        household_id: i64,
        member_id: Option<i64>,
        if_match: Option<i64>,
        input: &MemberInput,
    ) -> Result<Member, AppError> {
        let (file, mut tx) = self.begin_file(who, household_id).await?;
        let members = tx.file_members(&file).await?;
        let mut input = input.clone();
        if let Some(old) = member_id.and_then(|m| members.iter().find(|o| o.id == m)) {
            if !old.id_number.is_empty() && input.id_number.trim() == id_number::mask(&old.id_number) {
                input.id_number = old.id_number.clone();
            }
        }
        let m = input.validate().map_err(AppError::Invalid)?;
        check_member_id(&mut tx, who, file.household(), &members, member_id, &m).await?;
        let id = match member_id {
            Some(id) => {
                tx.update_member(&file, id, &m).await?;
                id
            }
            None => tx.insert_member(&file, &m).await?,
        };
        let old = member_id.and_then(|mid| members.iter().find(|o| o.id == mid));
        let detail = serde_json::json!({ "old": old, "new": {
            "name": m.name, "id_number": m.id_number, "relation": m.relation.code(),
            "birth_date": m.birth_date.to_string(), "situation": m.situation.code() } });
        let action = if member_id.is_some() { "update" } else { "create" };
        self.end_file(who, tx, &file, if_match, (action, "member", Some(id), detail)).await?;
        Ok(masked_member(Member {
            id,
            household_id,
            name: m.name,
            id_number: m.id_number,
            relation: m.relation,
            birth_date: m.birth_date,
            situation: m.situation,
        }))
    }

    /// Removes a member.
    pub async fn delete_member(
        &self,
        who: &Principal,
        household_id: i64,
        member_id: i64,
        if_match: Option<i64>,
    ) -> Result<(), AppError> {
        let (file, mut tx) = self.begin_file(who, household_id).await?;
        let old = tx.file_members(&file).await?.into_iter().find(|m| m.id == member_id);
        tx.delete_member(&file, member_id).await?;
        let detail = serde_json::json!({ "old": old });
        self.end_file(who, tx, &file, if_match, ("delete", "member", Some(member_id), detail)).await
    }

    /// Writes monthly records (replacing the same months). All months are checked before any is written.
    pub async fn put_months(
        &self,
        who: &Principal,
        household_id: i64,
        if_match: Option<i64>,
        input: &[MonthlyRecordInput],
    ) -> Result<Vec<MonthlyRecord>, AppError> {
        if input.is_empty() {
            return Err(AppError::invalid(FieldError::new("months", Code::MonthsRequired)));
        }
        if input.len() > 1200 {
            return Err(AppError::invalid(FieldError::new("months", Code::TooMany).with("max", 1200)));
        }
        let mut e = Errors::default();
        let mut records: Vec<MonthlyRecord> = Vec::with_capacity(input.len());
        for (i, m) in input.iter().enumerate() {
            match m.validate(&format!("months[{i}]")) {
                Ok(r) => {
                    if records.iter().any(|o| o.month == r.month) {
                        e.push(FieldError::new(format!("months[{i}].month"), Code::DuplicateMonth));
                    }
                    records.push(r);
                }
                Err(errs) => e.0.extend(errs),
            }
        }
        let records = e.finish(Some(records)).map_err(AppError::Invalid)?;
        let (file, mut tx) = self.begin_file(who, household_id).await?;
        let (first, last) =
            records.iter().fold((records[0].month, records[0].month), |(a, b), r| (a.min(r.month), b.max(r.month)));
        let old: Vec<MonthlyRecord> = tx
            .file_months(&file, first, last)
            .await?
            .into_iter()
            .filter(|o| records.iter().any(|r| r.month == o.month))
            .collect();
        tx.upsert_monthly_records(&file, &records, &who.name).await?;
        let detail = serde_json::json!({ "old": old, "new": records });
        self.end_file(who, tx, &file, if_match, ("update", "monthly_record", None, detail)).await?;
        Ok(records)
    }

    /// Deletes one month's record.
    pub async fn delete_month(
        &self,
        who: &Principal,
        household_id: i64,
        month: &str,
        if_match: Option<i64>,
    ) -> Result<(), AppError> {
        let m = YearMonth::parse("month", month).map_err(AppError::invalid)?;
        let (file, mut tx) = self.begin_file(who, household_id).await?;
        let old = tx.file_months(&file, m, m).await?;
        tx.delete_monthly_record(&file, m).await?;
        let detail = serde_json::json!({ "old": old });
        self.end_file(who, tx, &file, if_match, ("delete", "monthly_record", None, detail)).await
    }

    /// A household's monthly records in a range (default: all).
    pub async fn months(
        &self,
        who: &Principal,
        household_id: i64,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Vec<MonthlyRecord>, AppError> {
        self.readable(who, household_id).await?;
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
        Ok(self.store.monthly_records(&who.scope, household_id, from, to).await?)
    }

    /// Adds an enrolment.
    pub async fn add_enrolment(
        &self,
        who: &Principal,
        household_id: i64,
        if_match: Option<i64>,
        input: &EnrolmentInput,
    ) -> Result<Enrolment, AppError> {
        let (scheme, from, to) = input.validate().map_err(AppError::Invalid)?;
        let (file, mut tx) = self.begin_file(who, household_id).await?;
        let id = tx.insert_enrolment(&file, scheme, (from, to), (&who.name, None)).await?;
        let e = Enrolment { id, scheme, from, to };
        let detail = serde_json::json!({ "new": e });
        self.end_file(who, tx, &file, if_match, ("create", "enrolment", Some(id), detail)).await?;
        Ok(e)
    }

    /// Changes an enrolment (its scheme, its months: an enrolment that ends gets its last month).
    pub async fn update_enrolment(
        &self,
        who: &Principal,
        household_id: i64,
        id: i64,
        if_match: Option<i64>,
        input: &EnrolmentInput,
    ) -> Result<Enrolment, AppError> {
        let (scheme, from, to) = input.validate().map_err(AppError::Invalid)?;
        let (file, mut tx) = self.begin_file(who, household_id).await?;
        let old = tx.file_enrolments(&file).await?.into_iter().find(|e| e.id == id).ok_or(AppError::NotFound)?;
        tx.update_enrolment(&file, id, scheme, (from, to), &who.name).await?;
        let e = Enrolment { id, scheme, from, to };
        let detail = serde_json::json!({ "old": old, "new": e });
        self.end_file(who, tx, &file, if_match, ("update", "enrolment", Some(id), detail)).await?;
        Ok(e)
    }

    /// Removes an enrolment.
    pub async fn delete_enrolment(
        &self,
        who: &Principal,
        household_id: i64,
        id: i64,
        if_match: Option<i64>,
    ) -> Result<(), AppError> {
        let (file, mut tx) = self.begin_file(who, household_id).await?;
        let old = tx.file_enrolments(&file).await?.into_iter().find(|e| e.id == id);
        tx.delete_enrolment(&file, id).await?;
        let detail = serde_json::json!({ "old": old });
        self.end_file(who, tx, &file, if_match, ("delete", "enrolment", Some(id), detail)).await
    }

    /// A household's major events, newest first.
    pub async fn major_events(
        &self,
        who: &Principal,
        id: i64,
    ) -> Result<Vec<bangfu_store::MajorEventRecord>, AppError> {
        self.readable(who, id).await?;
        Ok(self.store.major_events(&who.scope, id).await?)
    }

    /// Records a major event (意外致困: it counts while its month lies in the window).
    pub async fn add_major_event(
        &self,
        who: &Principal,
        household_id: i64,
        if_match: Option<i64>,
        input: &MajorEventInput,
    ) -> Result<bangfu_store::MajorEventRecord, AppError> {
        let (month, kind, note) = input.validate().map_err(AppError::Invalid)?;
        let (file, mut tx) = self.begin_file(who, household_id).await?;
        let id = tx.insert_major_event(&file, month, kind, &note, &who.name).await?;
        let e = bangfu_store::MajorEventRecord { id, month, kind, note, recorded_by: who.name.clone() };
        let detail = serde_json::json!({ "new": e });
        self.end_file(who, tx, &file, if_match, ("create", "major_event", Some(id), detail)).await?;
        Ok(e)
    }

    /// Removes a major event recorded by mistake.
    pub async fn delete_major_event(
        &self,
        who: &Principal,
        household_id: i64,
        id: i64,
        if_match: Option<i64>,
    ) -> Result<(), AppError> {
        let (file, mut tx) = self.begin_file(who, household_id).await?;
        let old = tx.file_major_events(&file).await?.into_iter().find(|e| e.id == id);
        tx.delete_major_event(&file, id).await?;
        let detail = serde_json::json!({ "old": old });
        self.end_file(who, tx, &file, if_match, ("delete", "major_event", Some(id), detail)).await
    }

    /// Records union assistance.
    pub async fn add_union_assistance(
        &self,
        who: &Principal,
        household_id: i64,
        if_match: Option<i64>,
        input: &UnionAssistanceInput,
    ) -> Result<bangfu_store::UnionAssistance, AppError> {
        let mut a = input.validate().map_err(AppError::Invalid)?;
        let (file, mut tx) = self.begin_file(who, household_id).await?;
        a.id = tx.insert_union_assistance(&file, &a, &who.name).await?;
        let detail = serde_json::json!({ "new": a });
        self.end_file(who, tx, &file, if_match, ("create", "union_assistance", Some(a.id), detail)).await?;
        Ok(a)
    }

    /// Changes a union assistance record.
    pub async fn update_union_assistance(
        &self,
        who: &Principal,
        household_id: i64,
        id: i64,
        if_match: Option<i64>,
        input: &UnionAssistanceInput,
    ) -> Result<bangfu_store::UnionAssistance, AppError> {
        let mut a = input.validate().map_err(AppError::Invalid)?;
        let (file, mut tx) = self.begin_file(who, household_id).await?;
        let old = tx.file_assistance(&file).await?.into_iter().find(|x| x.id == id).ok_or(AppError::NotFound)?;
        a.id = id;
        tx.update_union_assistance(&file, id, &a, &who.name).await?;
        let detail = serde_json::json!({ "old": old, "new": a });
        self.end_file(who, tx, &file, if_match, ("update", "union_assistance", Some(id), detail)).await?;
        Ok(a)
    }

    /// Removes a union assistance record.
    pub async fn delete_union_assistance(
        &self,
        who: &Principal,
        household_id: i64,
        id: i64,
        if_match: Option<i64>,
    ) -> Result<(), AppError> {
        let (file, mut tx) = self.begin_file(who, household_id).await?;
        let old = tx.file_assistance(&file).await?.into_iter().find(|a| a.id == id);
        tx.delete_union_assistance(&file, id).await?;
        let detail = serde_json::json!({ "old": old });
        self.end_file(who, tx, &file, if_match, ("delete", "union_assistance", Some(id), detail)).await
    }
}

/// A household with its head's resident ID and phone masked.
pub fn masked(mut h: Household) -> Household {
    h.head_id_number = id_number::mask(&h.head_id_number);
    h.phone = id_number::mask_phone(&h.phone);
    h
}

/// A member with the resident ID masked.
pub fn masked_member(mut m: Member) -> Member {
    m.id_number = id_number::mask(&m.id_number);
    m
}

/// What a household write changes, for the audit trail.
fn write_json(h: &HouseholdWrite) -> serde_json::Value {
    serde_json::json!({
        "file_no": h.file_no, "head_name": h.head_name, "head_id_number": h.head_id_number,
        "phone": h.phone, "address": h.address, "region_code": h.region_code, "union_id": h.union_id,
        "employer_id": h.employer_id, "registered_on": h.registered_on.to_string(),
        "migrant_worker": h.migrant_worker, "causes": h.causes.iter().map(|c| c.code()).collect::<Vec<_>>(),
        "work_capacity": h.work_capacity.code(), "status": h.status.code(),
    })
}

/// Full personal data of one household, answered to a reveal.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Revealed {
    /// Household.
    pub household_id: i64,
    /// Head's full resident ID.
    pub head_id_number: String,
    /// Full phone number.
    pub phone: String,
    /// Members' full resident IDs.
    pub members: Vec<RevealedMember>,
}

/// A member's full resident ID.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RevealedMember {
    /// Member id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Full resident ID.
    pub id_number: String,
}

/// A member's resident ID may be on no other active household, and only once in this one.
/// `members` are the household's members as read before the transaction began.
async fn check_member_id(
    tx: &mut WriteTx,
    who: &Principal,
    h: &Household,
    members: &[Member],
    member_id: Option<i64>,
    m: &MemberWrite,
) -> Result<(), AppError> {
    if m.id_number.is_empty() {
        return Ok(());
    }
    ensure_id_free(tx, who, "id_number", &m.id_number, Some(h.id)).await?;
    let twice = members.iter().any(|o| Some(o.id) != member_id && o.id_number == m.id_number);
    // The head may also be listed as a member (relation "head"); anyone else may not repeat the head's ID.
    if twice || (h.head_id_number == m.id_number && m.relation != Relation::Head) {
        return Err(AppError::Conflict(FieldError::new("id_number", Code::DuplicateInHousehold)));
    }
    Ok(())
}

/// A resident ID may belong to only one household still in the file (not withdrawn). The
/// refusal names the holder's file only to a reader who may open it; anyone else learns that
/// the ID is on file elsewhere, never where (issue 19) — and [`App::note_elsewhere`] puts the
/// attempt on the audit trail.
async fn ensure_id_free(
    tx: &mut WriteTx,
    who: &Principal,
    field: &str,
    id_number: &str,
    except: Option<i64>,
) -> Result<(), AppError> {
    match tx.id_number_holder(id_number, except).await? {
        Some((file_no, region, union_id)) if who.scope.admits_household(&region, union_id) => {
            Err(AppError::Conflict(FieldError::new(field, Code::IdNumberOnFile).with("file_no", file_no)))
        }
        Some(_) => Err(AppError::Conflict(FieldError::new(field, Code::IdNumberOutOfScope))),
        None => Ok(()),
    }
}

fn file_no_conflict(e: StoreError, file_no: &str) -> AppError {
    match e {
        StoreError::Conflict(f) if f.code == Code::FileNoTaken => {
            AppError::Conflict(FieldError::new("file_no", Code::FileNoTaken).with("file_no", file_no))
        }
        other => other.into(),
    }
}
