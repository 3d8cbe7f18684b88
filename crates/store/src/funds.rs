//! The assistance-funds ledger (POLICY §7, 六(二)): funds and their sources, allocations to
//! unions, payments to households, reversals, the standards per purpose. Entries are never
//! deleted nor changed but for their decision; approved entries are summed, as they are
//! approved, per union, fund and day (and month), so a balance at any date reads the sums, not
//! the ledger. Supervision findings are in `findings.rs`.

use crate::db::{get, RowGet, Store, WriteTx};
use crate::exchange::region_cond;
use crate::{Backend, Scope, StoreError};
use serde::Serialize;

/// A fund: money of one source for one year.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Fund {
    /// Id.
    pub id: i64,
    /// Name (unique), e.g. 2026年中央财政困难职工帮扶资金.
    pub name: String,
    /// Source (a `FundSource` code).
    pub source: String,
    /// Budget year.
    pub year: i64,
    /// Note.
    pub note: String,
    /// Who created it.
    pub created_by: String,
    /// When.
    pub created_at: String,
}

/// A ledger entry as read.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FundEntry {
    /// Id.
    pub id: i64,
    /// allocation or disbursement.
    pub kind: String,
    /// Fund.
    pub fund_id: i64,
    /// Fund's name.
    pub fund_name: String,
    /// Fund's source.
    pub source: String,
    /// Voucher date (YYYY-MM-DD): the day the money moves.
    pub day: String,
    /// Amount in fen; negative for a reversal.
    pub amount: i64,
    /// Paying union (None: an allocation from the fund's source).
    pub payer_union_id: Option<i64>,
    /// Paying union's name.
    pub payer_name: Option<String>,
    /// Receiving union of an allocation.
    pub payee_union_id: Option<i64>,
    /// Receiving union's name.
    pub payee_name: Option<String>,
    /// Household paid.
    pub household_id: Option<i64>,
    /// Household's file number.
    pub file_no: Option<String>,
    /// Household head's name.
    pub head_name: Option<String>,
    /// The measure of the household's plan it carries out.
    pub measure_id: Option<i64>,
    /// Purpose (a `MeasureKind` code) of a payment.
    pub purpose: Option<String>,
    /// Region (the household's, or the receiving union's).
    pub region_code: String,
    /// Voucher number.
    pub voucher: String,
    /// Note.
    pub note: String,
    /// The entry this one reverses.
    pub reverses_id: Option<i64>,
    /// The reversal of this entry, if one is recorded (pending or approved).
    pub reversed_by: Option<i64>,
    /// pending, approved, rejected.
    pub status: String,
    /// Who recorded it.
    pub recorded_by: String,
    /// When.
    pub recorded_at: String,
    /// Who approved or rejected it.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<String>,
    /// The decision's note.
    pub decision_note: String,
}

/// A new ledger entry, checked by the caller.
#[derive(Debug, Clone, Default)]
pub struct NewEntry {
    /// allocation or disbursement.
    pub kind: String,
    /// Fund.
    pub fund_id: i64,
    /// Voucher date.
    pub day: String,
    /// Fen; negative for a reversal.
    pub amount: i64,
    /// Paying union.
    pub payer_union_id: Option<i64>,
    /// Receiving union (allocation).
    pub payee_union_id: Option<i64>,
    /// Household (disbursement).
    pub household_id: Option<i64>,
    /// Measure (disbursement).
    pub measure_id: Option<i64>,
    /// Purpose (disbursement).
    pub purpose: Option<String>,
    /// Region of the household or of the receiving union.
    pub region_code: String,
    /// Union keeping the household.
    pub union_id: Option<i64>,
    /// Region of the paying union.
    pub payer_region: Option<String>,
    /// Voucher number.
    pub voucher: String,
    /// Note.
    pub note: String,
    /// The entry reversed.
    pub reverses_id: Option<i64>,
}

/// One union's position in one fund at a date.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct UnionPosition {
    /// Union.
    pub union_id: i64,
    /// Its name.
    pub union_name: String,
    /// Its region.
    pub region_code: String,
    /// Fund.
    pub fund_id: i64,
    /// Fund's name.
    pub fund_name: String,
    /// Allocations received, fen.
    pub received: i64,
    /// Allocations made to other unions, fen.
    pub transferred: i64,
    /// Paid to households, fen.
    pub disbursed: i64,
    /// received − transferred − disbursed, fen.
    pub balance: i64,
}

/// The standard for one purpose: at most once per period, at most this amount per payment.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FundStandard {
    /// Purpose (a `MeasureKind` code).
    pub purpose: String,
    /// Largest amount per payment, fen (None: no limit set).
    pub max_amount: Option<i64>,
    /// month, quarter or year.
    pub period: String,
    /// Who set it.
    pub updated_by: String,
    /// When.
    pub updated_at: String,
}

/// Which entries to list.
#[derive(Debug, Clone, Default)]
pub struct EntryFilter {
    /// Only this status.
    pub status: Option<String>,
    /// Only this kind.
    pub kind: Option<String>,
    /// Only this fund.
    pub fund_id: Option<i64>,
    /// Only this household.
    pub household_id: Option<i64>,
    /// Only entries touching this union.
    pub union_id: Option<i64>,
    /// Page size.
    pub limit: u64,
    /// Rows skipped.
    pub offset: u64,
}

/// Approved payments to households, summed by fund, purpose, region and year.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct SpendingRow {
    /// Fund's source.
    pub source: String,
    /// Fund.
    pub fund_id: i64,
    /// Purpose.
    pub purpose: String,
    /// Region of the households.
    pub region_code: String,
    /// Year.
    pub year: i64,
    /// Fen.
    pub amount: i64,
    /// Number of payments (reversals subtract one).
    pub payments: i64,
}

/// The condition on `fund_entries e` for what `scope` reaches: entries of its households, and
/// entries paid or received by its unions.
pub(crate) fn entry_cond(scope: &Scope) -> String {
    if !scope.reaches_households() {
        return "1=0".into();
    }
    if let Some(u) = scope.union_list() {
        return format!("(e.union_id IN ({u}) OR e.payer_union_id IN ({u}) OR e.payee_union_id IN ({u}))");
    }
    let regions = scope.region_codes().map(|r| r.to_vec());
    if regions.is_none() {
        return "1=1".into();
    }
    format!("({} OR {})", region_cond("e.region_code", &regions), region_cond("e.payer_region", &regions))
}

/// A vocabulary code as it may stand inside a quoted SQL literal: only `a`–`z` and `_` are
/// kept (codes are checked by the callers; this makes any other text harmless).
pub(crate) fn code_literal(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_lowercase() || *c == '_').collect()
}

/// The condition on `organisations o` for the unions whose accounts `scope` reads.
fn union_cond(scope: &Scope) -> String {
    if !scope.reaches_households() {
        return "1=0".into();
    }
    if let Some(u) = scope.union_list() {
        return format!("o.id IN ({u})");
    }
    region_cond("o.region_code", &scope.region_codes().map(|r| r.to_vec()))
}

/// Entries beyond this many are not counted.
pub const ENTRY_COUNT_CAP: i64 = 10_000;

const ENTRY_SELECT: &str = "SELECT e.id, e.kind, e.fund_id, f.name AS fund_name, f.source, e.day, e.amount, \
     e.payer_union_id, p.name AS payer_name, e.payee_union_id, q.name AS payee_name, e.household_id, h.file_no, \
     h.head_name, e.measure_id, e.purpose, e.region_code, e.voucher, e.note, e.reverses_id, \
     (SELECT MIN(r.id) FROM fund_entries r WHERE r.reverses_id = e.id AND r.status <> 'rejected') AS reversed_by, \
     e.status, e.recorded_by, e.recorded_at, e.decided_by, e.decided_at, e.decision_note \
     FROM fund_entries e JOIN funds f ON f.id = e.fund_id LEFT JOIN organisations p ON p.id = e.payer_union_id \
     LEFT JOIN organisations q ON q.id = e.payee_union_id LEFT JOIN households h ON h.id = e.household_id";

fn entry_from(r: &dyn RowGet) -> Result<FundEntry, StoreError> {
    Ok(FundEntry {
        id: get(r, "id")?,
        kind: get(r, "kind")?,
        fund_id: get(r, "fund_id")?,
        fund_name: get(r, "fund_name")?,
        source: get(r, "source")?,
        day: get(r, "day")?,
        amount: get(r, "amount")?,
        payer_union_id: get(r, "payer_union_id")?,
        payer_name: get(r, "payer_name")?,
        payee_union_id: get(r, "payee_union_id")?,
        payee_name: get(r, "payee_name")?,
        household_id: get(r, "household_id")?,
        file_no: get(r, "file_no")?,
        head_name: get(r, "head_name")?,
        measure_id: get(r, "measure_id")?,
        purpose: get(r, "purpose")?,
        region_code: get(r, "region_code")?,
        voucher: get(r, "voucher")?,
        note: get(r, "note")?,
        reverses_id: get(r, "reverses_id")?,
        reversed_by: get(r, "reversed_by")?,
        status: get(r, "status")?,
        recorded_by: get(r, "recorded_by")?,
        recorded_at: get(r, "recorded_at")?,
        decided_by: get(r, "decided_by")?,
        decided_at: get(r, "decided_at")?,
        decision_note: get(r, "decision_note")?,
    })
}

fn fund_from(r: &dyn RowGet) -> Result<Fund, StoreError> {
    Ok(Fund {
        id: get(r, "id")?,
        name: get(r, "name")?,
        source: get(r, "source")?,
        year: get(r, "year")?,
        note: get(r, "note")?,
        created_by: get(r, "created_by")?,
        created_at: get(r, "created_at")?,
    })
}

fn position_from(r: &dyn RowGet) -> Result<UnionPosition, StoreError> {
    let received: i64 = get(r, "received")?;
    let transferred: i64 = get(r, "transferred")?;
    let disbursed: i64 = get(r, "disbursed")?;
    Ok(UnionPosition {
        union_id: get(r, "union_id")?,
        union_name: get(r, "union_name")?,
        region_code: get(r, "region_code")?,
        fund_id: get(r, "fund_id")?,
        fund_name: get(r, "fund_name")?,
        received,
        transferred,
        disbursed,
        balance: received - transferred - disbursed,
    })
}

/// `YYYY-MM-DD` → its month `YYYY-MM` and the month's first day; dates are checked by callers.
fn month_of(day: &str) -> (&str, String) {
    let m = day.get(..7).unwrap_or(day);
    (m, format!("{m}-01"))
}

impl Store {
    /// Every fund, newest year first.
    pub async fn funds(&self) -> Result<Vec<Fund>, StoreError> {
        let rows = sqlx::query("SELECT * FROM funds ORDER BY year DESC, id").fetch_all(&self.pool).await?;
        rows.iter().map(|r| fund_from(r)).collect()
    }

    /// Ledger entries `scope` reaches, newest first, with their number counted up to
    /// [`ENTRY_COUNT_CAP`] + 1 (more than the cap: "more than 10,000").
    pub async fn fund_entries(&self, scope: &Scope, f: &EntryFilter) -> Result<(Vec<FundEntry>, i64), StoreError> {
        let mut w = entry_cond(scope);
        if let Some(s) = &f.status {
            w.push_str(&format!(" AND e.status = '{}'", code_literal(s)));
        }
        if let Some(k) = &f.kind {
            w.push_str(&format!(" AND e.kind = '{}'", code_literal(k)));
        }
        if let Some(x) = f.fund_id {
            w.push_str(&format!(" AND e.fund_id = {x}"));
        }
        if let Some(x) = f.household_id {
            w.push_str(&format!(" AND e.household_id = {x}"));
        }
        if let Some(u) = f.union_id {
            w.push_str(&format!(" AND (e.payer_union_id = {u} OR e.payee_union_id = {u})"));
        }
        // Counted up to 10,000 (then "more than"): a city's ledger holds millions of entries,
        // and the page shows 100 of them.
        let total: i64 = get(
            &sqlx::query(&format!(
                "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM (SELECT 1 AS x FROM fund_entries e WHERE {w} LIMIT {}) m",
                ENTRY_COUNT_CAP + 1
            ))
            .fetch_one(&self.pool)
            .await?,
            "n",
        )?;
        let rows = sqlx::query(&format!(
            "{ENTRY_SELECT} WHERE {w} ORDER BY e.id DESC LIMIT {} OFFSET {}",
            f.limit.clamp(1, 10_000),
            f.offset
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok((rows.iter().map(|r| entry_from(r)).collect::<Result<_, _>>()?, total))
    }

    /// One entry `scope` reaches.
    pub async fn fund_entry(&self, scope: &Scope, id: i64) -> Result<FundEntry, StoreError> {
        let sql = format!("{ENTRY_SELECT} WHERE e.id = $1 AND {}", entry_cond(scope));
        let row = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await?.ok_or(StoreError::NotFound)?;
        entry_from(&row)
    }

    /// Every union's position in every fund at the end of `day`, for the unions `scope` reads
    /// (only unions with movements). Read from the monthly sums before `day`'s month and the
    /// daily sums of its month.
    pub async fn fund_positions(&self, scope: &Scope, day: &str) -> Result<Vec<UnionPosition>, StoreError> {
        let (month, first) = month_of(day);
        let sql = format!(
            "SELECT s.union_id, o.name AS union_name, o.region_code, s.fund_id, f.name AS fund_name, \
             CAST(SUM(s.received) AS BIGINT) AS received, CAST(SUM(s.transferred) AS BIGINT) AS transferred, \
             CAST(SUM(s.disbursed) AS BIGINT) AS disbursed FROM ( \
             SELECT union_id, fund_id, received, transferred, disbursed FROM fund_monthly WHERE month < $1 \
             UNION ALL SELECT union_id, fund_id, received, transferred, disbursed FROM fund_daily \
             WHERE day >= $2 AND day <= $3) s JOIN organisations o ON o.id = s.union_id JOIN funds f ON f.id = s.fund_id \
             WHERE {} GROUP BY s.union_id, o.name, o.region_code, s.fund_id, f.name ORDER BY o.region_code, o.name, f.name",
            union_cond(scope)
        );
        let rows =
            sqlx::query(&sql).bind(month.to_string()).bind(first).bind(day.to_string()).fetch_all(&self.pool).await?;
        rows.iter().map(|r| position_from(r)).collect()
    }

    /// The same positions summed from the ledger itself (approved entries up to `day`), for
    /// reconciliation: they must equal [`Store::fund_positions`].
    pub async fn fund_positions_from_ledger(&self, day: &str) -> Result<Vec<UnionPosition>, StoreError> {
        let sql = "SELECT s.union_id, o.name AS union_name, o.region_code, s.fund_id, f.name AS fund_name, \
             CAST(SUM(s.received) AS BIGINT) AS received, CAST(SUM(s.transferred) AS BIGINT) AS transferred, \
             CAST(SUM(s.disbursed) AS BIGINT) AS disbursed FROM ( \
             SELECT payee_union_id AS union_id, fund_id, amount AS received, 0 AS transferred, 0 AS disbursed \
             FROM fund_entries WHERE status = 'approved' AND kind = 'allocation' AND day <= $1 \
             UNION ALL SELECT payer_union_id, fund_id, 0, amount, 0 FROM fund_entries \
             WHERE status = 'approved' AND kind = 'allocation' AND payer_union_id IS NOT NULL AND day <= $2 \
             UNION ALL SELECT payer_union_id, fund_id, 0, 0, amount FROM fund_entries \
             WHERE status = 'approved' AND kind = 'disbursement' AND day <= $3) s \
             JOIN organisations o ON o.id = s.union_id JOIN funds f ON f.id = s.fund_id \
             GROUP BY s.union_id, o.name, o.region_code, s.fund_id, f.name ORDER BY o.region_code, o.name, f.name";
        let rows = sqlx::query(sql)
            .bind(day.to_string())
            .bind(day.to_string())
            .bind(day.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| position_from(r)).collect()
    }

    /// The standards per purpose.
    pub async fn fund_standards(&self) -> Result<Vec<FundStandard>, StoreError> {
        let rows = sqlx::query("SELECT * FROM fund_standards ORDER BY purpose").fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(FundStandard {
                    purpose: get(r, "purpose")?,
                    max_amount: get(r, "max_amount")?,
                    period: get(r, "period")?,
                    updated_by: get(r, "updated_by")?,
                    updated_at: get(r, "updated_at")?,
                })
            })
            .collect()
    }

    /// Approved payments summed by source, fund, purpose, region and year, for the regions
    /// `scope` reaches.
    pub async fn fund_spending(&self, scope: &Scope) -> Result<Vec<SpendingRow>, StoreError> {
        let w = if scope.reaches_households() {
            region_cond("s.region_code", &scope.region_codes().map(|r| r.to_vec()))
        } else {
            "1=0".into()
        };
        let rows = sqlx::query(&format!(
            "SELECT f.source, s.fund_id, s.purpose, s.region_code, s.year, s.amount, s.payments FROM fund_spending s \
             JOIN funds f ON f.id = s.fund_id WHERE {w} ORDER BY s.year, f.source, s.purpose, s.region_code"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SpendingRow {
                    source: get(r, "source")?,
                    fund_id: get(r, "fund_id")?,
                    purpose: get(r, "purpose")?,
                    region_code: get(r, "region_code")?,
                    year: get(r, "year")?,
                    amount: get(r, "amount")?,
                    payments: get(r, "payments")?,
                })
            })
            .collect()
    }

    /// What each household in `scope`'s regions received in `year`, fen (households with a
    /// non-zero total), for the average and the distribution.
    pub async fn fund_household_totals(&self, scope: &Scope, year: i64) -> Result<Vec<i64>, StoreError> {
        let w = if scope.reaches_households() {
            region_cond("region_code", &scope.region_codes().map(|r| r.to_vec()))
        } else {
            "1=0".into()
        };
        let rows = sqlx::query(&format!(
            "SELECT amount FROM fund_household_years WHERE year = $1 AND amount <> 0 AND {w} ORDER BY amount"
        ))
        .bind(year)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| get(r, "amount")).collect()
    }

    /// The regions households are registered in.
    pub async fn household_regions(&self) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query("SELECT DISTINCT region_code FROM households ORDER BY region_code")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| get(r, "region_code")).collect()
    }

    /// Whether a household has any ledger entry (such a file cannot be deleted, only withdrawn).
    pub async fn household_has_fund_entries(&self, household_id: i64) -> Result<bool, StoreError> {
        let r = sqlx::query("SELECT id FROM fund_entries WHERE household_id = $1 LIMIT 1")
            .bind(household_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(r.is_some())
    }
}

impl WriteTx {
    /// Adds a fund; gives its id.
    pub async fn insert_fund(
        &mut self,
        name: &str,
        source: &str,
        year: i64,
        note: &str,
        by: &str,
    ) -> Result<i64, StoreError> {
        let r = sqlx::query(
            "INSERT INTO funds (name, source, year, note, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
             RETURNING id",
        )
        .bind(name.to_string())
        .bind(source.to_string())
        .bind(year)
        .bind(note.to_string())
        .bind(by.to_string())
        .bind(crate::now_rfc3339())
        .fetch_one(&mut *self.tx)
        .await?;
        get(&r, "id")
    }

    /// Records an entry, pending approval; gives its id.
    pub async fn insert_fund_entry(&mut self, e: &NewEntry, by: &str) -> Result<i64, StoreError> {
        let r = sqlx::query(
            "INSERT INTO fund_entries (kind, fund_id, day, amount, payer_union_id, payee_union_id, household_id, \
             measure_id, purpose, region_code, union_id, payer_region, voucher, note, reverses_id, status, \
             recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, \
             'pending', $16, $17) RETURNING id",
        )
        .bind(e.kind.clone())
        .bind(e.fund_id)
        .bind(e.day.clone())
        .bind(e.amount)
        .bind(e.payer_union_id)
        .bind(e.payee_union_id)
        .bind(e.household_id)
        .bind(e.measure_id)
        .bind(e.purpose.clone())
        .bind(e.region_code.clone())
        .bind(e.union_id)
        .bind(e.payer_region.clone())
        .bind(e.voucher.clone())
        .bind(e.note.clone())
        .bind(e.reverses_id)
        .bind(by.to_string())
        .bind(crate::now_rfc3339())
        .fetch_one(&mut *self.tx)
        .await?;
        get(&r, "id")
    }

    /// One entry, read inside the transaction (no scope: the caller checked it).
    pub async fn fund_entry_for_update(&mut self, id: i64) -> Result<FundEntry, StoreError> {
        let row = sqlx::query(&format!("{ENTRY_SELECT} WHERE e.id = $1"))
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        entry_from(&row)
    }

    /// Serialises writes to a union's account on PostgreSQL (SQLite's write transactions are
    /// serial already), so two approvals cannot both spend the same balance.
    pub async fn lock_union_account(&mut self, union_id: i64) -> Result<(), StoreError> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT id FROM organisations WHERE id = $1 FOR UPDATE")
                .bind(union_id)
                .fetch_optional(&mut *self.tx)
                .await?;
        }
        Ok(())
    }

    /// A union's approved net movement per day in a fund, in day order: the balance after each
    /// day is the running sum.
    pub async fn union_fund_days(&mut self, union_id: i64, fund_id: i64) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT day, CAST(received - transferred - disbursed AS BIGINT) AS net FROM fund_daily \
             WHERE union_id = $1 AND fund_id = $2 ORDER BY day",
        )
        .bind(union_id)
        .bind(fund_id)
        .fetch_all(&mut *self.tx)
        .await?;
        rows.iter().map(|r| Ok((get(r, "day")?, get(r, "net")?))).collect()
    }

    /// Approves or rejects a pending entry; false if it was decided meanwhile. An approved
    /// entry is added to the sums in the same transaction.
    pub async fn decide_fund_entry(
        &mut self,
        id: i64,
        approve: bool,
        note: &str,
        by: &str,
    ) -> Result<bool, StoreError> {
        let n = sqlx::query(
            "UPDATE fund_entries SET status = $1, decided_by = $2, decided_at = $3, decision_note = $4 \
             WHERE id = $5 AND status = 'pending'",
        )
        .bind(if approve { "approved" } else { "rejected" })
        .bind(by.to_string())
        .bind(crate::now_rfc3339())
        .bind(note.to_string())
        .bind(id)
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        if n != 1 {
            return Ok(false);
        }
        if approve {
            let e = self.fund_entry_for_update(id).await?;
            self.add_to_sums(&e).await?;
        }
        Ok(true)
    }

    /// Adds an approved entry to the daily, monthly, spending and per-household sums.
    async fn add_to_sums(&mut self, e: &FundEntry) -> Result<(), StoreError> {
        let mut moves: Vec<(i64, i64, i64, i64)> = Vec::new(); // union, received, transferred, disbursed
        if e.kind == "allocation" {
            if let Some(p) = e.payee_union_id {
                moves.push((p, e.amount, 0, 0));
            }
            if let Some(p) = e.payer_union_id {
                moves.push((p, 0, e.amount, 0));
            }
        } else if let Some(p) = e.payer_union_id {
            moves.push((p, 0, 0, e.amount));
        }
        let (month, _) = month_of(&e.day);
        for (union_id, received, transferred, disbursed) in moves {
            for (table, col, at) in [("fund_daily", "day", e.day.as_str()), ("fund_monthly", "month", month)] {
                sqlx::query(&format!(
                    "INSERT INTO {table} (union_id, fund_id, {col}, received, transferred, disbursed) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (union_id, fund_id, {col}) DO UPDATE SET \
                     received = {table}.received + excluded.received, \
                     transferred = {table}.transferred + excluded.transferred, \
                     disbursed = {table}.disbursed + excluded.disbursed"
                ))
                .bind(union_id)
                .bind(e.fund_id)
                .bind(at.to_string())
                .bind(received)
                .bind(transferred)
                .bind(disbursed)
                .execute(&mut *self.tx)
                .await?;
            }
        }
        if let (Some(h), Some(purpose)) = (e.household_id, e.purpose.as_ref()) {
            let year: i64 = e.day.get(..4).and_then(|y| y.parse().ok()).ok_or(StoreError::Corrupt("day"))?;
            let payments: i64 = if e.amount < 0 { -1 } else { 1 };
            sqlx::query(
                "INSERT INTO fund_spending (fund_id, purpose, region_code, year, amount, payments) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (fund_id, purpose, region_code, year) DO UPDATE SET \
                 amount = fund_spending.amount + excluded.amount, payments = fund_spending.payments + excluded.payments",
            )
            .bind(e.fund_id)
            .bind(purpose.clone())
            .bind(e.region_code.clone())
            .bind(year)
            .bind(e.amount)
            .bind(payments)
            .execute(&mut *self.tx)
            .await?;
            sqlx::query(
                "INSERT INTO fund_household_years (household_id, year, region_code, amount) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (household_id, year) DO UPDATE SET amount = fund_household_years.amount + excluded.amount",
            )
            .bind(h)
            .bind(year)
            .bind(e.region_code.clone())
            .bind(e.amount)
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(())
    }

    /// Sets the standard of a purpose.
    pub async fn set_fund_standard(
        &mut self,
        purpose: &str,
        max_amount: Option<i64>,
        period: &str,
        by: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO fund_standards (purpose, max_amount, period, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (purpose) DO UPDATE SET max_amount = excluded.max_amount, period = excluded.period, \
             updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        )
        .bind(purpose.to_string())
        .bind(max_amount)
        .bind(period.to_string())
        .bind(by.to_string())
        .bind(crate::now_rfc3339())
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }
}
