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

    /// Writes a synthetic, approved ledger into `fund_id`. `payers` gives, per region, its county
    /// union and the unions that pay its households (a household is paid by one of them, by its
    /// id). The source allocates to `city_union`, which allocates to each county union, which
    /// allocates to its paying unions, each a fifth more than is paid out. Each household in the
    /// file gets `per_household` living-aid payments in distinct months from 2021-01 to 2026-10,
    /// each tied to its first measure (one is created, done, where it has none); every
    /// hundredth household is paid twice in one month, so findings exist. Gives the number of
    /// payments written; the sums and findings are the caller's to rebuild.
    pub async fn bulk_synthetic_ledger(
        &mut self,
        fund_id: i64,
        city_union: i64,
        per_household: i64,
        payers: &[(String, i64, Vec<i64>)],
    ) -> Result<i64, StoreError> {
        let backend = self.backend;
        let day = |months: &str, days: &str| match backend {
            Backend::Sqlite => {
                format!("date('2021-01-01', '+' || ({months}) || ' months', '+' || ({days}) || ' days')")
            }
            Backend::Postgres => format!(
                "to_char(DATE '2021-01-01' + make_interval(months => CAST({months} AS INTEGER), \
                 days => CAST({days} AS INTEGER)), 'YYYY-MM-DD')"
            ),
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
        if backend == Backend::Postgres {
            // Fresh rows have no statistics yet: without them PostgreSQL plans the joins below
            // as if each household had thousands of measures.
            self.raw("ANALYZE plans").await?;
            self.raw("ANALYZE measures").await?;
        }
        // Who pays whom: slot (household id modulo the slots) → paying union, per region.
        let slots = payers.iter().map(|(_, _, p)| p.len()).max().unwrap_or(0).max(1);
        self.raw("DROP TABLE IF EXISTS syn_payer").await?;
        self.raw(
            "CREATE TEMPORARY TABLE syn_payer (region_code TEXT, slot BIGINT, union_id BIGINT, payer_region TEXT)",
        )
        .await?;
        for (region, county, unions) in payers {
            let region: String = region.chars().filter(char::is_ascii_digit).collect();
            for slot in 0..slots {
                let u = if unions.is_empty() { *county } else { unions[slot % unions.len()] };
                self.raw(&format!(
                    "INSERT INTO syn_payer SELECT '{region}', {slot}, id, region_code FROM organisations WHERE id = {u}"
                ))
                .await?;
            }
        }
        // Payments in distinct months (k + n, modulo the 70 months to 2026-10) on spread days,
        // where n numbers the households of a paying union: each union pays on most days.
        let months = format!("(s.k + h.id / {slots}) % 70");
        let days = format!("(h.id / {slots} * 11) % 28");
        let pay = |series: &str| {
            format!(
                "INSERT INTO fund_entries ({cols}) WITH RECURSIVE s(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM s \
                 WHERE k < {series}) SELECT 'disbursement', {fund_id}, {}, 30000 + (h.id * 7 + s.k * 13) % 70 * 1000, \
                 sp.union_id, NULL, h.id, mm.measure_id, 'living_aid', \
                 h.region_code, h.union_id, sp.payer_region, 'SYN-' || CAST(h.id AS TEXT) || '-' || CAST(s.k AS TEXT), \
                 '示例', 'approved', 'synthetic', '{now}', 'synthetic-approver', '{now}' FROM households h JOIN s ON 1 = 1 \
                 JOIN syn_payer sp ON sp.region_code = h.region_code AND sp.slot = h.id % {slots} \
                 LEFT JOIN (SELECT household_id, MIN(id) AS measure_id FROM measures GROUP BY household_id) mm \
                 ON mm.household_id = h.id \
                 WHERE h.status = 'in_file'",
                day(&months, &days)
            )
        };
        self.raw(&pay(&(per_household - 1).to_string())).await?;
        // The planted duplicates: a second payment in the month of the first.
        let dup = pay("0").replace("'SYN-' ||", "'SYN-DUP-' ||");
        self.raw(&format!("{dup} AND h.id % 100 = 0")).await?;
        self.raw("DROP TABLE syn_payer").await?;
        let rows = sqlx::query(&format!(
            "SELECT payer_union_id, CAST(SUM(amount) AS BIGINT) AS total FROM fund_entries \
             WHERE fund_id = {fund_id} AND kind = 'disbursement' GROUP BY payer_union_id"
        ))
        .fetch_all(&mut *self.tx)
        .await?;
        let mut paid = std::collections::HashMap::<i64, i64>::new();
        for r in &rows {
            paid.insert(get(r, "payer_union_id")?, get(r, "total")?);
        }
        // Allocations on 2021-01-01, before any payment: down the tree, a fifth to spare.
        let spare = |x: i64| x + x / 5;
        let mut to_city = 0i64;
        for (_, county, unions) in payers {
            let mut county_needs = spare(paid.get(county).copied().unwrap_or(0));
            for u in unions.iter().filter(|u| *u != county) {
                let amount = spare(paid.get(u).copied().unwrap_or(0));
                if amount > 0 {
                    self.synthetic_allocation(cols, fund_id, Some(*county), *u, amount, &now).await?;
                    county_needs += amount;
                }
            }
            if county_needs > 0 {
                // The county keeps a fifth of what it passes on, too.
                let amount = spare(county_needs);
                self.synthetic_allocation(cols, fund_id, Some(city_union), *county, amount, &now).await?;
                to_city += amount;
            }
        }
        self.synthetic_allocation(cols, fund_id, None, city_union, spare(to_city), &now).await?;
        if backend == Backend::Postgres {
            self.raw("ANALYZE fund_entries").await?;
        }
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

    async fn synthetic_allocation(
        &mut self,
        cols: &str,
        fund_id: i64,
        from: Option<i64>,
        to: i64,
        amount: i64,
        now: &str,
    ) -> Result<(), StoreError> {
        let (payer, payer_region) = match from {
            Some(p) => (p.to_string(), format!("(SELECT region_code FROM organisations WHERE id = {p})")),
            None => ("NULL".into(), "NULL".into()),
        };
        self.raw(&format!(
            "INSERT INTO fund_entries ({cols}) SELECT 'allocation', {fund_id}, '2021-01-01', {amount}, {payer}, {to}, \
             NULL, NULL, NULL, o.region_code, NULL, {payer_region}, 'SYN-ALLOC-{to}', '示例', 'approved', 'synthetic', \
             '{now}', 'synthetic-approver', '{now}' FROM organisations o WHERE o.id = {to}"
        ))
        .await
    }
}
