//! Bulk paths of the funds ledger: rebuilding the kept sums from the ledger (after loading
//! entries by SQL, or to repair), and writing a synthetic ledger for the demo and the
//! benchmarks, set-wise in SQL.

use crate::db::{get, WriteTx};
use crate::{Backend, StoreError};

impl WriteTx {
    /// Recomputes the daily, monthly, spending and per-household sums from the approved entries.
    pub async fn rebuild_fund_sums(&mut self) -> Result<(), StoreError> {
        for t in ["fund_daily", "fund_monthly", "fund_spending", "fund_household_years"] {
            self.raw(&format!("DELETE FROM {t}")).await?;
        }
        // Each approved entry moves money for its payee (received), and its payer (transferred
        // for an allocation, disbursed for a payment).
        let moves = "SELECT payee_union_id AS union_id, fund_id, day, amount AS received, 0 AS transferred, \
             0 AS disbursed FROM fund_entries WHERE status = 'approved' AND kind = 'allocation' \
             UNION ALL SELECT payer_union_id, fund_id, day, 0, amount, 0 FROM fund_entries \
             WHERE status = 'approved' AND kind = 'allocation' AND payer_union_id IS NOT NULL \
             UNION ALL SELECT payer_union_id, fund_id, day, 0, 0, amount FROM fund_entries \
             WHERE status = 'approved' AND kind = 'disbursement'";
        self.raw(&format!(
            "INSERT INTO fund_daily (union_id, fund_id, day, received, transferred, disbursed) \
             SELECT union_id, fund_id, day, SUM(received), SUM(transferred), SUM(disbursed) FROM ({moves}) m \
             GROUP BY union_id, fund_id, day"
        ))
        .await?;
        self.raw(
            "INSERT INTO fund_monthly (union_id, fund_id, month, received, transferred, disbursed) \
             SELECT union_id, fund_id, substr(day, 1, 7), SUM(received), SUM(transferred), SUM(disbursed) \
             FROM fund_daily GROUP BY union_id, fund_id, substr(day, 1, 7)",
        )
        .await?;
        let year = match self.backend {
            Backend::Sqlite => "CAST(substr(day, 1, 4) AS INTEGER)",
            Backend::Postgres => "CAST(substr(day, 1, 4) AS BIGINT)",
        };
        self.raw(&format!(
            "INSERT INTO fund_spending (fund_id, purpose, region_code, year, amount, payments) \
             SELECT fund_id, purpose, region_code, {year}, SUM(amount), \
             SUM(CASE WHEN amount < 0 THEN -1 ELSE 1 END) FROM fund_entries \
             WHERE status = 'approved' AND kind = 'disbursement' GROUP BY fund_id, purpose, region_code, {year}"
        ))
        .await?;
        self.raw(&format!(
            "INSERT INTO fund_household_years (household_id, year, region_code, amount) \
             SELECT household_id, {year}, MIN(region_code), SUM(amount) FROM fund_entries \
             WHERE status = 'approved' AND kind = 'disbursement' GROUP BY household_id, {year}"
        ))
        .await
    }

    /// Writes a synthetic, approved ledger into `fund_id`: the source allocates to `city_union`,
    /// which allocates to each county union (a fifth more than it pays out), which pays its
    /// households in the file
    /// (`per_household` monthly living-aid payments from 2021-01, each tied to the household's
    /// first measure where it has one; every hundredth household is paid twice in one month).
    /// Gives the number of payments written. The sums and findings are the caller's to rebuild.
    pub async fn bulk_synthetic_ledger(
        &mut self,
        fund_id: i64,
        city_union: i64,
        per_household: i64,
    ) -> Result<i64, StoreError> {
        let backend = self.backend;
        let day = |offset: &str| {
            match backend {
            Backend::Sqlite => format!("date('2021-01-01', '+' || ({offset}) || ' months', '+' || (h.id % 28) || ' days')"),
            Backend::Postgres => format!(
                "to_char(DATE '2021-01-01' + make_interval(months => CAST({offset} AS INTEGER), days => CAST(h.id % 28 AS INTEGER)), 'YYYY-MM-DD')"
            ),
        }
        };
        let now = crate::now_rfc3339();
        let cols = "kind, fund_id, day, amount, payer_union_id, payee_union_id, household_id, measure_id, purpose, \
             region_code, union_id, payer_region, voucher, note, status, recorded_by, recorded_at, decided_by, decided_at";
        // Every household in the file paid without a measure gets a plan and a (done) living-aid
        // measure first: each payment is tied to a measure, as the plan demands.
        self.raw(&format!(
            "INSERT INTO plans (household_id, year, goals, route, created_by, created_at, updated_by, updated_at, version) \
             SELECT h.id, 2021, '示例：生活救助', 'other', 'synthetic', '{now}', 'synthetic', '{now}', 1 FROM households h \
             WHERE h.status = 'in_file' AND NOT EXISTS (SELECT 1 FROM measures m WHERE m.household_id = h.id) \
             AND NOT EXISTS (SELECT 1 FROM plans p WHERE p.household_id = h.id AND p.year = 2021)"
        ))
        .await?;
        self.raw(&format!(
            "INSERT INTO measures (household_id, plan_id, kind, description, lead_unit, responsible_units, person, \
             due_on, status, result, done_on, enrolment_id, created_by, created_at, updated_by, updated_at, version, \
             region_code, union_id) SELECT p.household_id, p.id, 'living_aid', '示例：按月发放生活救助', '市总工会', '', \
             '示例', '2021-12-31', 'done', '示例', '2021-01-01', NULL, 'synthetic', '{now}', 'synthetic', '{now}', 1, \
             h.region_code, h.union_id FROM plans p JOIN households h ON h.id = p.household_id \
             WHERE p.created_by = 'synthetic' AND NOT EXISTS (SELECT 1 FROM measures m WHERE m.household_id = p.household_id)"
        ))
        .await?;
        // Payments: households in the file, paid by their county's union.
        let pay = |series: &str, when: String| {
            format!(
                "INSERT INTO fund_entries ({cols}) WITH RECURSIVE s(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM s \
                 WHERE k < {series}) SELECT 'disbursement', {fund_id}, {when}, 30000 + (h.id * 7 + s.k * 13) % 70 * 1000, \
                 cu.id, NULL, h.id, (SELECT MIN(m.id) FROM measures m WHERE m.household_id = h.id), 'living_aid', \
                 h.region_code, h.union_id, cu.region_code, 'SYN-' || CAST(h.id AS TEXT) || '-' || CAST(s.k AS TEXT), \
                 '示例', 'approved', 'synthetic', '{now}', 'synthetic-approver', '{now}' FROM households h JOIN s ON 1 = 1 \
                 JOIN organisations cu ON cu.kind = 'county_union' AND cu.region_code = h.region_code \
                 AND cu.id = (SELECT MIN(c2.id) FROM organisations c2 WHERE c2.kind = 'county_union' \
                 AND c2.region_code = h.region_code) WHERE h.status = 'in_file'"
            )
        };
        self.raw(&pay(&(per_household - 1).to_string(), day("s.k"))).await?;
        // The planted duplicates: a second payment in the first month.
        self.raw(&format!("{} AND h.id % 100 = 0", pay("0", day("s.k")).replace("'SYN-' ||", "'SYN-DUP-' ||"))).await?;
        let paid = sqlx::query(&format!(
            "SELECT payer_union_id, CAST(SUM(amount) AS BIGINT) AS total FROM fund_entries \
             WHERE fund_id = {fund_id} AND kind = 'disbursement' GROUP BY payer_union_id"
        ))
        .fetch_all(&mut *self.tx)
        .await?;
        // Allocations that cover the payments with a fifth to spare, before the first of them:
        // source → city union → each county union.
        let mut grand = 0i64;
        for r in &paid {
            let county: i64 = get(r, "payer_union_id")?;
            let paid: i64 = get(r, "total")?;
            let total = paid + paid / 5;
            grand += total;
            self.raw(&format!(
                "INSERT INTO fund_entries ({cols}) SELECT 'allocation', {fund_id}, '2021-01-01', {total}, {city_union}, \
                 {county}, NULL, NULL, NULL, o.region_code, NULL, p.region_code, 'SYN-ALLOC-{county}', '示例', 'approved', \
                 'synthetic', '{now}', 'synthetic-approver', '{now}' FROM organisations o, organisations p \
                 WHERE o.id = {county} AND p.id = {city_union}"
            ))
            .await?;
        }
        let grand = grand + grand / 10;
        self.raw(&format!(
            "INSERT INTO fund_entries ({cols}) SELECT 'allocation', {fund_id}, '2021-01-01', {grand}, NULL, {city_union}, \
             NULL, NULL, NULL, o.region_code, NULL, NULL, 'SYN-SOURCE', '示例', 'approved', 'synthetic', '{now}', \
             'synthetic-approver', '{now}' FROM organisations o WHERE o.id = {city_union}"
        ))
        .await?;
        let n: i64 = get(
            &sqlx::query(&format!(
                "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM fund_entries WHERE fund_id = {fund_id} AND kind = 'disbursement'"
            ))
            .fetch_one(&mut *self.tx)
            .await?,
            "n",
        )?;
        Ok(n)
    }
}
