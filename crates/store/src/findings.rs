//! Supervision findings on the funds ledger (POLICY §7: irregular payments are found). A
//! finding is derived from the ledger and the household's file: it is refreshed for a household
//! whenever either changes, and for everyone after a standard changes. A finding whose cause is
//! gone is cleared, not deleted; an explained one keeps its note.

use crate::db::{get, RowGet, Store, WriteTx};
use crate::read::{Pooled, Source};
use crate::{Scope, StoreError};
use sea_query::{Cond, Expr, Order, Query};
use serde::Serialize;

/// A finding as read.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Finding {
    /// Id.
    pub id: i64,
    /// The payment concerned.
    pub entry_id: i64,
    /// Kind (a `FindingKind` code).
    pub kind: String,
    /// The other payment (a duplicate's earlier payment).
    pub related_entry_id: Option<i64>,
    /// Household paid.
    pub household_id: i64,
    /// Its file number.
    pub file_no: String,
    /// Its head's name.
    pub head_name: String,
    /// Its region.
    pub region_code: String,
    /// Payment date.
    pub day: String,
    /// Amount, fen.
    pub amount: i64,
    /// What was found: the registration or approval date, the standard, the missing measure.
    pub detail: String,
    /// open, explained, cleared.
    pub status: String,
    /// The explanation.
    pub note: String,
    /// Who explained it.
    pub explained_by: Option<String>,
    /// When.
    pub explained_at: Option<String>,
    /// When it was first found.
    pub found_at: String,
}

/// Which findings to list.
#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    /// Only this status.
    pub status: Option<String>,
    /// Only this kind.
    pub kind: Option<String>,
    /// Only this household.
    pub household_id: Option<i64>,
    /// Page size.
    pub limit: u64,
    /// Rows skipped.
    pub offset: u64,
}

/// The payments findings are about: disbursements recorded or approved, not themselves
/// reversals and not reversed by an approved reversal. `{h}` narrows to some households.
const LIVE: &str = "e.kind = 'disbursement' AND e.reverses_id IS NULL AND e.status IN ('pending', 'approved') \
     AND NOT EXISTS (SELECT 1 FROM fund_entries r WHERE r.reverses_id = e.id AND r.status = 'approved')";

/// The period key of `e.day` under standard `s`, as `FundPeriod::key` defines it.
const PERIOD_E: &str = "CASE s.period WHEN 'month' THEN substr(e.day, 1, 7) WHEN 'quarter' THEN \
     substr(e.day, 1, 4) || '-Q' || CAST((CAST(substr(e.day, 6, 2) AS INTEGER) + 2) / 3 AS TEXT) \
     ELSE substr(e.day, 1, 4) END";

/// The first and last day of the period holding `e.day` under standard `s`: bounds on the
/// ledger's (household, purpose, day) index, so a duplicate is looked up, not scanned for.
const PERIOD_FROM: &str = "CASE s.period WHEN 'month' THEN substr(e.day, 1, 7) || '-01' WHEN 'quarter' THEN \
     substr(e.day, 1, 4) || CASE WHEN substr(e.day, 6, 2) <= '03' THEN '-01-01' WHEN substr(e.day, 6, 2) <= '06' \
     THEN '-04-01' WHEN substr(e.day, 6, 2) <= '09' THEN '-07-01' ELSE '-10-01' END ELSE substr(e.day, 1, 4) || '-01-01' END";
const PERIOD_TO: &str = "CASE s.period WHEN 'month' THEN substr(e.day, 1, 7) || '-31' WHEN 'quarter' THEN \
     substr(e.day, 1, 4) || CASE WHEN substr(e.day, 6, 2) <= '03' THEN '-03-31' WHEN substr(e.day, 6, 2) <= '06' \
     THEN '-06-30' WHEN substr(e.day, 6, 2) <= '09' THEN '-09-30' ELSE '-12-31' END ELSE substr(e.day, 1, 4) || '-12-31' END";

/// Every current finding (entry_id, kind, related_entry_id, detail) for the payments matching `h`.
fn current_sql(h: &str) -> String {
    let period_d = PERIOD_E.replace("e.day", "d.day");
    let live_d = LIVE.replace("e.", "d.");
    format!(
        "SELECT e.id AS entry_id, 'not_in_file' AS kind, CAST(NULL AS BIGINT) AS related_entry_id, \
         hh.registered_on AS detail FROM fund_entries e JOIN households hh ON hh.id = e.household_id \
         WHERE {LIVE} AND {h} AND e.day < hh.registered_on \
         UNION ALL SELECT e.id, CASE o.kind WHEN 'exit' THEN 'exited' ELSE 'withdrawn' END, \
         CAST(MIN(o.id) AS BIGINT), MIN(o.approval_date) FROM fund_entries e JOIN outcomes o \
         ON o.household_id = e.household_id AND o.kind IN ('exit', 'withdrawal') AND o.status = 'approved' \
         AND o.approval_date <= e.day WHERE {LIVE} AND {h} GROUP BY e.id, o.kind \
         UNION ALL SELECT e.id, 'duplicate', CAST(MIN(d.id) AS BIGINT), MIN({PERIOD_E}) FROM fund_entries e \
         JOIN fund_standards s ON s.purpose = e.purpose JOIN fund_entries d ON d.household_id = e.household_id \
         AND d.purpose = e.purpose AND d.day >= {PERIOD_FROM} AND d.day <= {PERIOD_TO} AND d.id < e.id \
         AND {live_d} AND {period_d} = {PERIOD_E} \
         WHERE {LIVE} AND {h} GROUP BY e.id \
         UNION ALL SELECT e.id, 'above_standard', CAST(NULL AS BIGINT), CAST(s.max_amount AS TEXT) \
         FROM fund_entries e JOIN fund_standards s ON s.purpose = e.purpose \
         WHERE {LIVE} AND {h} AND s.max_amount IS NOT NULL AND e.amount > s.max_amount \
         UNION ALL SELECT e.id, 'no_measure', CAST(e.measure_id AS BIGINT), CASE WHEN e.measure_id IS NULL THEN 'none' \
         WHEN m.id IS NULL THEN 'deleted' WHEN m.household_id <> e.household_id THEN 'other_household' \
         ELSE 'cancelled' END FROM fund_entries e LEFT JOIN measures m ON m.id = e.measure_id \
         WHERE {LIVE} AND {h} AND (m.id IS NULL OR m.household_id <> e.household_id OR m.status = 'cancelled')"
    )
}

/// Findings with their household's file number and head.
fn findings_q() -> sea_query::SelectStatement {
    use crate::schema::{FundFindings as X, Households as H};
    Query::select()
        .columns(
            [
                X::Id,
                X::EntryId,
                X::Kind,
                X::RelatedEntryId,
                X::HouseholdId,
                X::RegionCode,
                X::Day,
                X::Amount,
                X::Detail,
                X::Status,
                X::Note,
                X::ExplainedBy,
                X::ExplainedAt,
                X::FoundAt,
            ]
            .map(|c| (X::Table, c)),
        )
        .columns([H::FileNo, H::HeadName].map(|c| (H::Table, c)))
        .from(X::Table)
        .inner_join(H::Table, Expr::col((H::Table, H::Id)).equals((X::Table, X::HouseholdId)))
        .to_owned()
}

fn finding_from(r: &dyn RowGet) -> Result<Finding, StoreError> {
    Ok(Finding {
        id: get(r, "id")?,
        entry_id: get(r, "entry_id")?,
        kind: get(r, "kind")?,
        related_entry_id: get(r, "related_entry_id")?,
        household_id: get(r, "household_id")?,
        file_no: get(r, "file_no")?,
        head_name: get(r, "head_name")?,
        region_code: get(r, "region_code")?,
        day: get(r, "day")?,
        amount: get(r, "amount")?,
        detail: get(r, "detail")?,
        status: get(r, "status")?,
        note: get(r, "note")?,
        explained_by: get(r, "explained_by")?,
        explained_at: get(r, "explained_at")?,
        found_at: get(r, "found_at")?,
    })
}

/// Findings are about households: a reader reaches those of the households in scope (the
/// finding carries its household's region and union, so no join is needed to count them).
fn finding_cond(scope: &Scope) -> Cond {
    use crate::schema::FundFindings as X;
    scope.rows_of(X::Table, X::RegionCode, X::UnionId)
}

fn filter_cond(scope: &Scope, f: &FindingFilter) -> Cond {
    use crate::schema::FundFindings as X;
    let mut c = finding_cond(scope);
    if let Some(s) = &f.status {
        c = c.add(Expr::col((X::Table, X::Status)).eq(s.as_str()));
    }
    if let Some(k) = &f.kind {
        c = c.add(Expr::col((X::Table, X::Kind)).eq(k.as_str()));
    }
    if let Some(h) = f.household_id {
        c = c.add(Expr::col((X::Table, X::HouseholdId)).eq(h));
    }
    c
}

impl Store {
    /// Findings `scope` reaches, newest first, with the total.
    pub async fn findings(&self, scope: &Scope, f: &FindingFilter) -> Result<(Vec<Finding>, i64), StoreError> {
        use crate::schema::FundFindings as X;
        let w = filter_cond(scope, f);
        let total = self.count_where(X::Table, w.clone()).await?;
        let mut q = findings_q();
        q.cond_where(w).order_by((X::Table, X::Id), Order::Desc).limit(f.limit.clamp(1, 10_000)).offset(f.offset);
        Ok((Pooled(self).rows(&q, finding_from).await?, total))
    }

    /// Findings `scope` reaches counted by kind and status.
    pub async fn finding_counts(&self, scope: &Scope) -> Result<Vec<(String, String, i64)>, StoreError> {
        use crate::schema::FundFindings as X;
        let q = Query::select()
            .columns([(X::Table, X::Kind), (X::Table, X::Status)])
            .expr_as(Expr::cust("COUNT(*)"), sea_query::Alias::new("n"))
            .from(X::Table)
            .cond_where(finding_cond(scope))
            .group_by_col((X::Table, X::Kind))
            .group_by_col((X::Table, X::Status))
            .order_by((X::Table, X::Kind), Order::Asc)
            .order_by((X::Table, X::Status), Order::Asc)
            .to_owned();
        Pooled(self).rows(&q, |r| Ok((get(r, "kind")?, get(r, "status")?, get(r, "n")?))).await
    }

    /// One finding `scope` reaches.
    pub async fn finding(&self, scope: &Scope, id: i64) -> Result<Finding, StoreError> {
        use crate::schema::FundFindings as X;
        let mut q = findings_q();
        q.and_where(Expr::col((X::Table, X::Id)).eq(id)).cond_where(finding_cond(scope));
        Pooled(self).rows(&q, finding_from).await?.pop().ok_or(StoreError::NotFound)
    }
}

impl WriteTx {
    /// Brings the findings of these households (None: of everyone) in step with the ledger and
    /// their files: new ones open, vanished ones cleared, reappearing ones open again.
    pub async fn refresh_findings(&mut self, households: Option<&[i64]>) -> Result<(), StoreError> {
        let (h, hf) = match households {
            None => ("1=1".to_string(), "1=1".to_string()),
            Some([]) => return Ok(()),
            Some(ids) => {
                let list = ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
                (format!("e.household_id IN ({list})"), format!("fund_findings.household_id IN ({list})"))
            }
        };
        if households.is_some() {
            // Most files have no payment and no finding: nothing to bring in step (and no
            // temporary table to create on every write of a file).
            let any = sqlx::query(&format!(
                "SELECT 1 AS x FROM fund_entries e WHERE {h} UNION ALL SELECT 1 FROM fund_findings WHERE {hf} LIMIT 1"
            ))
            .fetch_optional(&mut *self.tx)
            .await?;
            if any.is_none() {
                return Ok(());
            }
        }
        self.raw("DROP TABLE IF EXISTS finding_now").await?;
        self.raw(&format!(
            "CREATE TEMPORARY TABLE finding_now AS SELECT c.entry_id, c.kind, c.related_entry_id, c.detail \
             FROM ({}) c",
            current_sql(&h)
        ))
        .await?;
        let now = crate::now_rfc3339();
        self.raw(&format!(
            "INSERT INTO fund_findings (entry_id, kind, related_entry_id, household_id, region_code, union_id, day, \
             amount, detail, status, found_at) SELECT c.entry_id, c.kind, c.related_entry_id, e.household_id, \
             e.region_code, e.union_id, e.day, e.amount, COALESCE(c.detail, ''), 'open', '{now}' FROM finding_now c \
             JOIN fund_entries e ON e.id = c.entry_id WHERE NOT EXISTS (SELECT 1 FROM fund_findings x \
             WHERE x.entry_id = c.entry_id AND x.kind = c.kind)"
        ))
        .await?;
        self.raw(
            "UPDATE fund_findings SET status = 'open' WHERE status = 'cleared' AND EXISTS (SELECT 1 FROM finding_now c \
             WHERE c.entry_id = fund_findings.entry_id AND c.kind = fund_findings.kind)",
        )
        .await?;
        self.raw(&format!(
            "UPDATE fund_findings SET status = 'cleared' WHERE status <> 'cleared' AND {} AND NOT EXISTS \
             (SELECT 1 FROM finding_now c WHERE c.entry_id = fund_findings.entry_id AND c.kind = fund_findings.kind)",
            hf
        ))
        .await?;
        self.raw("DROP TABLE finding_now").await
    }

    /// Marks an open finding explained; false if it is not open.
    pub async fn explain_finding(&mut self, id: i64, note: &str, by: &str) -> Result<bool, StoreError> {
        use crate::schema::FundFindings as X;
        let q = Query::update()
            .table(X::Table)
            .values([
                (X::Status, "explained".into()),
                (X::Note, note.into()),
                (X::ExplainedBy, by.into()),
                (X::ExplainedAt, crate::now_rfc3339().into()),
            ])
            .and_where(Expr::col(X::Id).eq(id))
            .and_where(Expr::col(X::Status).eq("open"))
            .to_owned();
        Ok(self.exec(&q).await? == 1)
    }
}
