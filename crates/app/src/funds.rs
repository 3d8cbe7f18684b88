//! Assistance funds (POLICY §7, 六(二)): funds by source, allocations to unions, payments to
//! households tied to a measure of their plan, reversals, approval by a second person, balances
//! that reconcile, and the supervision findings. Money moves only when an entry is approved;
//! nothing is deleted — a mistake is reversed by an entry of the opposite amount.

use crate::auth::Principal;
use crate::input::{optional_text, required_text, Amount, Errors};
use crate::{App, AppError};
use bangfu_domain::funds::{EntryKind, FindingKind, FindingStatus, FundPeriod, FundSource};
use bangfu_domain::{parse_date, Code, FieldError, MeasureKind, OrgKind, Permission};
use bangfu_store::{
    EntryFilter, Finding, FindingFilter, Fund, FundEntry, FundStandard, NewEntry, SpendingRow, StoreError,
    UnionPosition, WriteTx,
};
use serde::{Deserialize, Serialize};

/// A new fund.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct FundInput {
    /// Name, unique (e.g. 2026年中央财政困难职工帮扶资金).
    pub name: String,
    /// central_finance, local_finance, union_funds, donations, other.
    pub source: String,
    /// Budget year.
    pub year: i64,
    /// Note.
    #[serde(default)]
    pub note: String,
}

/// An allocation of a fund to a union: from the fund's source (no payer) or from another union.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct AllocationInput {
    /// Fund.
    pub fund_id: i64,
    /// Voucher date, YYYY-MM-DD, not in the future.
    pub day: String,
    /// Yuan.
    pub amount: Amount,
    /// The union giving (None: the money comes from the fund's source).
    #[serde(default)]
    pub payer_union_id: Option<i64>,
    /// The union receiving.
    pub payee_union_id: i64,
    /// Voucher number.
    pub voucher: String,
    /// Note.
    #[serde(default)]
    pub note: String,
}

/// A payment to a household.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct DisbursementInput {
    /// Fund.
    pub fund_id: i64,
    /// Voucher date, YYYY-MM-DD, not in the future.
    pub day: String,
    /// Yuan.
    pub amount: Amount,
    /// The union paying.
    pub payer_union_id: i64,
    /// Household.
    pub household_id: i64,
    /// The measure of the household's plan it carries out.
    #[serde(default)]
    pub measure_id: Option<i64>,
    /// Purpose (a measure kind: living_aid, medical_aid, schooling_aid …).
    pub purpose: String,
    /// Voucher number.
    pub voucher: String,
    /// Note.
    #[serde(default)]
    pub note: String,
}

/// Reversing an approved entry.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ReversalInput {
    /// Voucher date of the reversal (default today); not before the entry's.
    #[serde(default)]
    pub day: Option<String>,
    /// Why (required).
    #[serde(default)]
    pub reason: String,
    /// Voucher number of the reversal (default: the entry's, marked 冲).
    #[serde(default)]
    pub voucher: String,
}

/// Approving or rejecting an entry.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct EntryDecisionInput {
    /// approve or reject.
    pub decision: String,
    /// A note (required to reject).
    #[serde(default)]
    pub note: String,
}

/// The standard of a purpose.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct FundStandardInput {
    /// Largest amount per payment, yuan; empty for no limit.
    #[serde(default)]
    pub max_amount: String,
    /// month, quarter or year.
    pub period: String,
}

/// Explaining a finding.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ExplainInput {
    /// The explanation (required).
    #[serde(default)]
    pub note: String,
}

/// The balances of the unions in scope at a date.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BalanceSheet {
    /// The date (YYYY-MM-DD), end of day.
    pub as_of: String,
    /// One row per union and fund with movements.
    pub rows: Vec<UnionPosition>,
    /// Per fund: received from the source by the unions in scope (transfers among them cancel
    /// out), disbursed, balance.
    pub funds: Vec<UnionPosition>,
}

/// Spending and assistance per household for a year.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FundsReport {
    /// The year of the per-household figures.
    pub year: i64,
    /// Approved payments by source, fund, purpose, region and year (all years).
    pub spending: Vec<SpendingRow>,
    /// Households that received anything in the year.
    pub households: i64,
    /// Their total, fen.
    pub total: i64,
    /// Average per household, fen (rounded down).
    pub average: i64,
    /// Median, fen.
    pub median: i64,
    /// How many households received up to each bound (yuan): ≤500, ≤1,000, ≤2,000, ≤5,000,
    /// ≤10,000, more.
    pub distribution: Vec<Bucket>,
}

/// One band of the distribution.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Bucket {
    /// The band, in yuan (`≤500` … `>10000`).
    pub band: String,
    /// Households in it.
    pub households: i64,
}

fn today() -> chrono::NaiveDate {
    crate::clock::today()
}

/// A voucher date: valid and not in the future.
fn voucher_day(field: &str, s: &str) -> Result<chrono::NaiveDate, FieldError> {
    let d = parse_date(field, s.trim())?;
    if d > today() {
        return Err(FieldError::new(field, Code::InFuture));
    }
    Ok(d)
}

/// The fields every entry has, checked: voucher date, amount (more than zero), voucher
/// number, note. The errors collected so far come back with them.
#[allow(clippy::type_complexity)]
fn entry_fields(
    day: &str,
    amount: &Amount,
    voucher: &str,
    note: &str,
) -> (Errors, Option<chrono::NaiveDate>, Option<bangfu_domain::Money>, Option<String>, Option<String>) {
    let mut e = Errors::default();
    let day = e.take(voucher_day("day", day));
    let amount = e.take(amount.parse("amount"));
    let voucher = e.take(required_text("voucher", voucher, 100));
    let note = e.take(optional_text("note", note, 2000));
    if amount.is_some_and(|a| a.fen() == 0) {
        e.push(FieldError::new("amount", Code::NotPositive));
    }
    (e, day, amount, voucher, note)
}

fn yuan(fen: i64) -> String {
    bangfu_domain::funds::signed_yuan(fen)
}

/// Whether `union` can pay `amount` on `day` without its balance in `fund` going below zero on
/// that day or any later one.
async fn check_balance(
    tx: &mut WriteTx,
    field: &str,
    union: (i64, &str),
    fund_id: i64,
    day: &str,
    amount: i64,
) -> Result<(), AppError> {
    if amount <= 0 {
        return Ok(());
    }
    tx.lock_union_account(union.0).await?;
    let days = tx.union_fund_days(union.0, fund_id).await?;
    let mut running = 0i64;
    let mut at_day = 0i64;
    let mut lowest_after: Option<i64> = None;
    for (d, net) in &days {
        running += net;
        if d.as_str() <= day {
            at_day = running;
        } else {
            lowest_after = Some(lowest_after.map_or(running, |l: i64| l.min(running)));
        }
    }
    let lowest = lowest_after.map_or(at_day, |l| l.min(at_day));
    if lowest < amount {
        return Err(AppError::Conflict(
            FieldError::new(field, Code::InsufficientBalance)
                .with("union", union.1)
                .with("day", day)
                .with("balance", yuan(at_day))
                .with("lowest", yuan(lowest))
                .with("amount", yuan(amount)),
        ));
    }
    Ok(())
}

impl App {
    /// Every fund.
    pub async fn funds(&self, who: &Principal) -> Result<Vec<Fund>, AppError> {
        self.permit(who, Permission::ReadFunds, "fund", None).await?;
        Ok(self.store.funds().await?)
    }

    /// Adds a fund (city union).
    pub async fn create_fund(&self, who: &Principal, input: &FundInput) -> Result<Fund, AppError> {
        self.permit(who, Permission::ManageFunds, "fund", None).await?;
        let mut e = Errors::default();
        let name = e.take(required_text("name", &input.name, 200));
        let source = e.take(FundSource::parse("source", input.source.trim()));
        if !(2000..=2100).contains(&input.year) {
            e.push(FieldError::new("year", Code::OutOfRange).with("min", 2000).with("max", 2100));
        }
        let note = e.take(optional_text("note", &input.note, 2000));
        let (name, source, note) = e.finish((|| Some((name?, source?, note?)))()).map_err(AppError::Invalid)?;
        let taken = || AppError::Conflict(FieldError::new("name", Code::FundNameTaken).with("name", &name));
        if self.store.funds().await?.iter().any(|f| f.name == name) {
            return Err(taken());
        }
        let mut tx = self.store.begin().await?;
        let id = tx.insert_fund(&name, source.code(), input.year, &note, &who.name).await.map_err(|e| match e {
            // Added by someone else meanwhile.
            StoreError::Conflict(f) if f.code == Code::FundNameTaken => taken(),
            other => other.into(),
        })?;
        tx.append_audit(&who.audit("create", "fund", Some(id), None)).await?;
        tx.commit().await?;
        self.store.funds().await?.into_iter().find(|f| f.id == id).ok_or(AppError::NotFound)
    }

    async fn fund_of(&self, id: i64) -> Result<Fund, AppError> {
        self.store
            .funds()
            .await?
            .into_iter()
            .find(|f| f.id == id)
            .ok_or_else(|| AppError::invalid(FieldError::new("fund_id", Code::UnknownFund)))
    }

    /// A union `who` reaches (a union organisation in scope; grassroots staff: their own).
    async fn union_in_scope(
        &self,
        who: &Principal,
        field: &str,
        id: i64,
    ) -> Result<bangfu_store::Organisation, AppError> {
        let org = match self.store.organisation(&who.scope, id).await {
            Ok(o) => o,
            Err(StoreError::NotFound) => return Err(AppError::invalid(FieldError::new(field, Code::UnknownUnion))),
            Err(e) => return Err(e.into()),
        };
        let is_union = org.kind.is_union();
        if !is_union || !who.scope.has_union(Some(id)) {
            return Err(AppError::invalid(FieldError::new(field, Code::UnknownUnion)));
        }
        Ok(org)
    }

    /// Records an allocation, pending approval.
    pub async fn record_allocation(&self, who: &Principal, input: &AllocationInput) -> Result<FundEntry, AppError> {
        self.permit(who, Permission::RecordFunds, "fund_entry", None).await?;
        let (mut e, day, amount, voucher, note) = entry_fields(&input.day, &input.amount, &input.voucher, &input.note);
        if input.payer_union_id == Some(input.payee_union_id) {
            e.push(FieldError::new("payee_union_id", Code::SameUnion));
        }
        let (day, amount, voucher, note) =
            e.finish((|| Some((day?, amount?, voucher?, note?)))()).map_err(AppError::Invalid)?;
        let fund = self.fund_of(input.fund_id).await?;
        // The receiver must be reachable, or the payer (a county allocating to a union of
        // another county is read by both).
        let payee = match self.store.organisation(&bangfu_store::Scope::everything(), input.payee_union_id).await {
            Ok(o) if o.kind.is_union() => o,
            Ok(_) | Err(StoreError::NotFound) => {
                return Err(AppError::invalid(FieldError::new("payee_union_id", Code::UnknownUnion)))
            }
            Err(e) => return Err(e.into()),
        };
        let payer = match input.payer_union_id {
            Some(p) => Some(self.union_in_scope(who, "payer_union_id", p).await?),
            None => {
                if !who.scope.has_region(&payee.region_code) || !who.scope.has_union(Some(payee.id)) {
                    return Err(AppError::invalid(FieldError::new("payee_union_id", Code::UnknownUnion)));
                }
                None
            }
        };
        let entry = NewEntry {
            kind: EntryKind::Allocation.code().into(),
            fund_id: fund.id,
            day: day.to_string(),
            amount: amount.fen(),
            payer_union_id: payer.as_ref().map(|p| p.id),
            payee_union_id: Some(payee.id),
            household_id: None,
            measure_id: None,
            purpose: None,
            region_code: payee.region_code.clone(),
            union_id: None,
            payer_region: payer.as_ref().map(|p| p.region_code.clone()),
            voucher,
            note,
            reverses_id: None,
        };
        let mut tx = self.store.begin().await?;
        if let Some(p) = &payer {
            check_balance(&mut tx, "payer_union_id", (p.id, &p.name), fund.id, &entry.day, entry.amount).await?;
        }
        let id = tx.insert_fund_entry(&entry, &who.name).await?;
        self.audit_entry(&mut tx, who, "record", id, &entry).await?;
        tx.commit().await?;
        Ok(self.store.fund_entry(&bangfu_store::Scope::everything(), id).await?)
    }

    /// Records a payment to a household, pending approval; its findings are computed at once.
    pub async fn record_disbursement(&self, who: &Principal, input: &DisbursementInput) -> Result<FundEntry, AppError> {
        self.permit(who, Permission::RecordFunds, "fund_entry", None).await?;
        let (mut e, day, amount, voucher, note) = entry_fields(&input.day, &input.amount, &input.voucher, &input.note);
        let purpose = e.take(MeasureKind::parse("purpose", input.purpose.trim()));
        let (day, amount, voucher, note, purpose) =
            e.finish((|| Some((day?, amount?, voucher?, note?, purpose?)))()).map_err(AppError::Invalid)?;
        let fund = self.fund_of(input.fund_id).await?;
        let household = match self.store.household(&who.scope, input.household_id).await {
            Ok(h) => h,
            Err(StoreError::NotFound) => return Err(self.not_reachable(who, input.household_id).await),
            Err(e) => return Err(e.into()),
        };
        let payer = self.union_in_scope(who, "payer_union_id", input.payer_union_id).await?;
        if let Some(m) = input.measure_id {
            match self.store.measure(&who.scope, m).await {
                Ok(x) if x.household_id == household.id => {}
                Ok(_) | Err(StoreError::NotFound) => {
                    return Err(AppError::invalid(FieldError::new("measure_id", Code::UnknownMeasure)))
                }
                Err(e) => return Err(e.into()),
            }
        }
        let entry = NewEntry {
            kind: EntryKind::Disbursement.code().into(),
            fund_id: fund.id,
            day: day.to_string(),
            amount: amount.fen(),
            payer_union_id: Some(payer.id),
            payee_union_id: None,
            household_id: Some(household.id),
            measure_id: input.measure_id,
            purpose: Some(purpose.code().into()),
            region_code: household.region_code.clone(),
            union_id: household.union_id,
            payer_region: Some(payer.region_code.clone()),
            voucher,
            note,
            reverses_id: None,
        };
        let mut tx = self.store.begin().await?;
        check_balance(&mut tx, "payer_union_id", (payer.id, &payer.name), fund.id, &entry.day, entry.amount).await?;
        let id = tx.insert_fund_entry(&entry, &who.name).await?;
        tx.refresh_findings(Some(&[household.id])).await?;
        self.audit_entry(&mut tx, who, "record", id, &entry).await?;
        tx.commit().await?;
        Ok(self.store.fund_entry(&bangfu_store::Scope::everything(), id).await?)
    }

    async fn audit_entry(
        &self,
        tx: &mut WriteTx,
        who: &Principal,
        action: &str,
        id: i64,
        e: &NewEntry,
    ) -> Result<(), AppError> {
        let mut a = who.audit(action, "fund_entry", Some(id), Some(&e.region_code));
        a.detail = serde_json::json!({
            "kind": e.kind, "fund_id": e.fund_id, "day": e.day, "amount": yuan(e.amount),
            "payer_union_id": e.payer_union_id, "payee_union_id": e.payee_union_id,
            "household_id": e.household_id, "measure_id": e.measure_id, "purpose": e.purpose,
            "voucher": e.voucher, "reverses_id": e.reverses_id,
        })
        .to_string();
        tx.append_audit(&a).await?;
        Ok(())
    }

    /// One entry `who` reaches.
    pub async fn fund_entry(&self, who: &Principal, id: i64) -> Result<FundEntry, AppError> {
        self.permit(who, Permission::ReadFunds, "fund_entry", Some(id)).await?;
        match self.store.fund_entry(&who.scope, id).await {
            Ok(e) => Ok(e),
            Err(StoreError::NotFound) => Err(AppError::NotFound),
            Err(e) => Err(e.into()),
        }
    }

    /// Entries `who` reaches, newest first, with the total.
    pub async fn fund_entries(&self, who: &Principal, f: &EntryFilter) -> Result<(Vec<FundEntry>, i64), AppError> {
        self.permit(who, Permission::ReadFunds, "fund_entry", None).await?;
        Ok(self.store.fund_entries(&who.scope, f).await?)
    }

    /// Records the reversal of an approved entry, pending approval like any entry.
    pub async fn reverse_entry(&self, who: &Principal, id: i64, input: &ReversalInput) -> Result<FundEntry, AppError> {
        self.permit(who, Permission::RecordFunds, "fund_entry", Some(id)).await?;
        let original = self.fund_entry(who, id).await?;
        let mut e = Errors::default();
        let reason = e.take(required_text("reason", &input.reason, 500));
        let day = match input.day.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            Some(d) => e.take(voucher_day("day", d)),
            None => Some(today()),
        };
        let voucher = e.take(optional_text("voucher", &input.voucher, 100));
        let (reason, day, voucher) = e.finish((|| Some((reason?, day?, voucher?)))()).map_err(AppError::Invalid)?;
        if day.to_string() < original.day {
            return Err(AppError::invalid(FieldError::new("day", Code::BeforeEntry).with("day", &original.day)));
        }
        if original.reverses_id.is_some() {
            return Err(AppError::Conflict(FieldError::new("id", Code::IsReversal)));
        }
        if original.status != "approved" {
            return Err(AppError::Conflict(FieldError::new("id", Code::EntryNotApproved)));
        }
        if original.reversed_by.is_some() {
            return Err(AppError::Conflict(FieldError::new("id", Code::AlreadyReversed)));
        }
        let entry = NewEntry {
            kind: original.kind.clone(),
            fund_id: original.fund_id,
            day: day.to_string(),
            amount: -original.amount,
            payer_union_id: original.payer_union_id,
            payee_union_id: original.payee_union_id,
            household_id: original.household_id,
            measure_id: original.measure_id,
            purpose: original.purpose.clone(),
            region_code: original.region_code.clone(),
            union_id: self.entry_union(&original).await?,
            payer_region: self.entry_payer_region(&original).await?,
            voucher: if voucher.is_empty() { format!("{}（冲）", original.voucher) } else { voucher },
            note: reason,
            reverses_id: Some(original.id),
        };
        let mut tx = self.store.begin().await?;
        let id = match tx.insert_fund_entry(&entry, &who.name).await {
            Ok(id) => id,
            // Reversed by someone else meanwhile (an entry is reversed at most once).
            Err(StoreError::Conflict(f)) if f.code == Code::AlreadyReversed => return Err(AppError::Conflict(f)),
            Err(e) => return Err(e.into()),
        };
        self.audit_entry(&mut tx, who, "reverse", id, &entry).await?;
        tx.commit().await?;
        Ok(self.store.fund_entry(&bangfu_store::Scope::everything(), id).await?)
    }

    async fn entry_union(&self, e: &FundEntry) -> Result<Option<i64>, AppError> {
        Ok(match e.household_id {
            Some(h) => self.store.household(&bangfu_store::Scope::everything(), h).await?.union_id,
            None => None,
        })
    }

    async fn entry_payer_region(&self, e: &FundEntry) -> Result<Option<String>, AppError> {
        Ok(match e.payer_union_id {
            Some(p) => Some(self.store.organisation(&bangfu_store::Scope::everything(), p).await?.region_code),
            None => None,
        })
    }

    /// Approves or rejects a pending entry: county or city staff, never whoever recorded it.
    /// Approval moves the money, after checking that no balance goes below zero.
    pub async fn decide_entry(
        &self,
        who: &Principal,
        id: i64,
        input: &EntryDecisionInput,
    ) -> Result<FundEntry, AppError> {
        self.permit(who, Permission::ApproveFunds, "fund_entry", Some(id)).await?;
        let entry = self.fund_entry(who, id).await?;
        let approve = match input.decision.trim() {
            "approve" => true,
            "reject" => false,
            _ => {
                return Err(AppError::invalid(
                    FieldError::new("decision", Code::UnknownCode).with("allowed", "approve, reject"),
                ))
            }
        };
        let note =
            if approve { optional_text("note", &input.note, 500) } else { required_text("note", &input.note, 500) }
                .map_err(AppError::invalid)?;
        if entry.recorded_by == who.name {
            return Err(AppError::Conflict(FieldError::new("decision", Code::OwnEntry)));
        }
        if entry.status != "pending" {
            return Err(AppError::Conflict(FieldError::new("decision", Code::Decided)));
        }
        let mut tx = self.store.begin().await?;
        if approve {
            // Money leaves the payer (a positive entry) or, for a reversed allocation, the payee.
            let (out_union, out_name, out) = if entry.amount > 0 {
                (entry.payer_union_id, entry.payer_name.clone(), entry.amount)
            } else if entry.kind == "allocation" {
                (entry.payee_union_id, entry.payee_name.clone(), -entry.amount)
            } else {
                (None, None, 0)
            };
            if let Some(u) = out_union {
                let name = out_name.unwrap_or_default();
                check_balance(&mut tx, "decision", (u, &name), entry.fund_id, &entry.day, out).await?;
            }
        }
        if !tx.decide_fund_entry(id, approve, &note, &who.name).await? {
            return Err(AppError::Conflict(FieldError::new("decision", Code::Decided)));
        }
        let households: Vec<i64> = entry.household_id.into_iter().collect();
        tx.refresh_findings(Some(&households)).await?;
        let mut a =
            who.audit(if approve { "approve" } else { "reject" }, "fund_entry", Some(id), Some(&entry.region_code));
        a.detail = serde_json::json!({ "note": note, "amount": yuan(entry.amount) }).to_string();
        tx.append_audit(&a).await?;
        tx.commit().await?;
        self.fund_entry(who, id).await
    }

    /// Balances of the unions `who` reaches at the end of `as_of` (default today).
    pub async fn fund_balances(&self, who: &Principal, as_of: Option<&str>) -> Result<BalanceSheet, AppError> {
        self.permit(who, Permission::ReadFunds, "fund_balance", None).await?;
        let day = match as_of.map(str::trim).filter(|d| !d.is_empty()) {
            Some(d) => parse_date("as_of", d).map_err(AppError::invalid)?,
            None => today(),
        };
        let rows = self.store.fund_positions(&who.scope, &day.to_string()).await?;
        // Per fund: transfers between unions cancel out, so what came in from the source is
        // everything received less everything transferred.
        let mut funds: Vec<UnionPosition> = Vec::new();
        for r in &rows {
            let i = match funds.iter().position(|f| f.fund_id == r.fund_id) {
                Some(i) => i,
                None => {
                    funds.push(UnionPosition {
                        union_id: 0,
                        union_name: String::new(),
                        region_code: String::new(),
                        fund_id: r.fund_id,
                        fund_name: r.fund_name.clone(),
                        received: 0,
                        transferred: 0,
                        disbursed: 0,
                        balance: 0,
                    });
                    funds.len() - 1
                }
            };
            let f = &mut funds[i];
            f.received += r.received - r.transferred;
            f.disbursed += r.disbursed;
            f.balance += r.balance;
        }
        Ok(BalanceSheet { as_of: day.to_string(), rows, funds })
    }

    /// Checks the kept sums against the ledger itself at `as_of`: the differences (none when the
    /// ledger reconciles) and any union whose balance is below zero. For the command line and
    /// the tests; it reads the whole ledger.
    pub async fn reconcile_funds(&self, as_of: &str) -> Result<Vec<String>, AppError> {
        let kept = self.store.fund_positions(&bangfu_store::Scope::everything(), as_of).await?;
        let ledger = self.store.fund_positions_from_ledger(as_of).await?;
        let mut problems = Vec::new();
        let key = |p: &UnionPosition| (p.union_id, p.fund_id);
        for p in &ledger {
            match kept.iter().find(|k| key(k) == key(p)) {
                Some(k) if k == p => {}
                Some(k) => problems.push(format!("{} / {}: kept {:?}, ledger {:?}", p.union_name, p.fund_name, k, p)),
                None => problems.push(format!("{} / {}: in the ledger, not in the sums", p.union_name, p.fund_name)),
            }
            if p.balance < 0 {
                problems.push(format!("{} / {}: balance {} yuan", p.union_name, p.fund_name, yuan(p.balance)));
            }
        }
        for k in &kept {
            if !ledger.iter().any(|p| key(p) == key(k)) && (k.received, k.transferred, k.disbursed) != (0, 0, 0) {
                problems.push(format!("{} / {}: in the sums, not in the ledger", k.union_name, k.fund_name));
            }
        }
        Ok(problems)
    }

    /// The findings `who` reaches.
    pub async fn findings(&self, who: &Principal, f: &FindingFilter) -> Result<(Vec<Finding>, i64), AppError> {
        self.permit(who, Permission::ReadFunds, "finding", None).await?;
        if let Some(s) = &f.status {
            FindingStatus::parse("status", s).map_err(AppError::invalid)?;
        }
        if let Some(k) = &f.kind {
            FindingKind::parse("kind", k).map_err(AppError::invalid)?;
        }
        Ok(self.store.findings(&who.scope, f).await?)
    }

    /// Findings counted by kind and status.
    pub async fn finding_counts(&self, who: &Principal) -> Result<Vec<(String, String, i64)>, AppError> {
        self.permit(who, Permission::ReadFunds, "finding", None).await?;
        Ok(self.store.finding_counts(&who.scope).await?)
    }

    /// Marks an open finding explained, with a note.
    pub async fn explain_finding(&self, who: &Principal, id: i64, input: &ExplainInput) -> Result<Finding, AppError> {
        self.permit(who, Permission::ExplainFindings, "finding", Some(id)).await?;
        let note = required_text("note", &input.note, 2000).map_err(AppError::invalid)?;
        let finding = match self.store.finding(&who.scope, id).await {
            Ok(f) => f,
            Err(StoreError::NotFound) => return Err(AppError::NotFound),
            Err(e) => return Err(e.into()),
        };
        let mut tx = self.store.begin().await?;
        if !tx.explain_finding(id, &note, &who.name).await? {
            return Err(AppError::Conflict(FieldError::new("note", Code::FindingNotOpen)));
        }
        let mut a = who.audit("explain", "finding", Some(id), Some(&finding.region_code));
        a.detail = serde_json::json!({ "note": note }).to_string();
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(self.store.finding(&who.scope, id).await?)
    }

    /// The standards per purpose.
    pub async fn fund_standards(&self, who: &Principal) -> Result<Vec<FundStandard>, AppError> {
        self.permit(who, Permission::ReadFunds, "fund_standard", None).await?;
        Ok(self.store.fund_standards().await?)
    }

    /// Sets a purpose's standard; every finding is then brought in step with it.
    pub async fn set_fund_standard(
        &self,
        who: &Principal,
        purpose: &str,
        input: &FundStandardInput,
    ) -> Result<Vec<FundStandard>, AppError> {
        self.permit(who, Permission::ManageFunds, "fund_standard", None).await?;
        let mut e = Errors::default();
        let purpose = e.take(MeasureKind::parse("purpose", purpose.trim()));
        let period = e.take(FundPeriod::parse("period", input.period.trim()));
        let max = match input.max_amount.trim() {
            "" => Some(None),
            s => e.take(bangfu_domain::Money::parse_yuan("max_amount", s)).map(|m| Some(m.fen())),
        };
        let (purpose, period, max) = e.finish((|| Some((purpose?, period?, max?)))()).map_err(AppError::Invalid)?;
        let mut tx = self.store.begin().await?;
        tx.set_fund_standard(purpose.code(), max, period.code(), &who.name).await?;
        tx.refresh_findings(None).await?;
        let mut a = who.audit("update", "fund_standard", None, None);
        a.detail =
            serde_json::json!({ "purpose": purpose.code(), "max_amount": max.map(yuan), "period": period.code() })
                .to_string();
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(self.store.fund_standards().await?)
    }

    /// Spending by source, fund, purpose, region and year; assistance per household in `year`.
    pub async fn funds_report(&self, who: &Principal, year: i64) -> Result<FundsReport, AppError> {
        self.permit(who, Permission::ReadFunds, "fund_report", None).await?;
        let spending = self.store.fund_spending(&who.scope).await?;
        let totals = self.store.fund_household_totals(&who.scope, year).await?;
        let households = totals.len() as i64;
        let total: i64 = totals.iter().sum();
        let bounds: [(i64, &str); 5] =
            [(50_000, "≤500"), (100_000, "≤1000"), (200_000, "≤2000"), (500_000, "≤5000"), (1_000_000, "≤10000")];
        let mut distribution: Vec<Bucket> =
            bounds.iter().map(|(_, l)| Bucket { band: l.to_string(), households: 0 }).collect();
        distribution.push(Bucket { band: ">10000".into(), households: 0 });
        for t in &totals {
            let i = bounds.iter().position(|(b, _)| t <= b).unwrap_or(bounds.len());
            distribution[i].households += 1;
        }
        Ok(FundsReport {
            year,
            spending,
            households,
            total,
            average: if households > 0 { total / households } else { 0 },
            median: if totals.is_empty() { 0 } else { totals[totals.len() / 2] },
            distribution,
        })
    }
}

impl App {
    /// Writes a synthetic ledger (labelled 示例) for the demo and the benchmarks: a fund of
    /// donations, allocations down from the city union, and `per_household` monthly payments to
    /// every household in the file, paid by the grassroots unions of its county (at least
    /// `unions_per_county` of them: missing ones are created, as are missing county and city
    /// unions), every hundredth household paid twice in a month, so that findings exist. Then
    /// the sums and every finding are rebuilt. Gives (payments, findings).
    pub async fn synthetic_funds(&self, per_household: i64, unions_per_county: usize) -> Result<(i64, i64), AppError> {
        use bangfu_store::{OrganisationWrite, Scope};
        let everything = Scope::everything();
        let orgs = self.store.organisations(&everything, None).await?;
        let of_kind = |k: OrgKind| orgs.iter().filter(move |o| o.kind == k);
        let mut tx = self.store.begin().await?;
        let add = |name: String, kind, region_code: String, parent_id| OrganisationWrite {
            name,
            kind,
            region_code,
            parent_id,
        };
        let city = match of_kind(OrgKind::CityUnion).next() {
            Some(c) => c.id,
            None => {
                tx.insert_organisation(&add("梧州市总工会（示例）".into(), OrgKind::CityUnion, "450400".into(), None))
                    .await?
            }
        };
        let mut payers = Vec::new();
        for code in self.store.household_regions().await? {
            let county = match of_kind(OrgKind::CountyUnion).find(|c| c.region_code == code) {
                Some(c) => c.id,
                None => {
                    let w = add(format!("{code}总工会（示例）"), OrgKind::CountyUnion, code.clone(), Some(city));
                    tx.insert_organisation(&w).await?
                }
            };
            let mut unions: Vec<i64> =
                of_kind(OrgKind::GrassrootsUnion).filter(|o| o.region_code == code).map(|o| o.id).collect();
            while unions.len() < unions_per_county {
                let name = format!("{code}示例基层工会{}", unions.len() + 1);
                let w = add(name, OrgKind::GrassrootsUnion, code.clone(), Some(county));
                unions.push(tx.insert_organisation(&w).await?);
            }
            payers.push((code, county, unions));
        }
        let n = self.store.funds().await?.len();
        let name = format!("示例：社会捐赠帮扶资金 {}", n + 1);
        let fund = tx.insert_fund(&name, FundSource::Donations.code(), 2021, "示例数据", "system").await?;
        let payments = tx.bulk_synthetic_ledger(fund, city, per_household, &payers).await?;
        tx.rebuild_fund_sums().await?;
        tx.refresh_findings(None).await?;
        tx.commit().await?;
        let all = FindingFilter { limit: 1, ..Default::default() };
        let findings = self.store.findings(&everything, &all).await?.1;
        Ok((payments, findings))
    }
}
