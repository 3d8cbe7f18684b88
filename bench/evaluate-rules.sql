-- The window rules of the 2018 plan as one SQL statement, for comparing Bangfu's batch with a
-- rules-compiled-to-SQL system on the same database (bench/evaluate.sh runs it with the sqlite3
-- shell and with psql). POLICY.md §1–4: C1–C4 on the window of six months ending at the
-- evaluation month, against each month's own minimum-living (dibao) and low-income standards of
-- the household's region, and the income exit; one row per household written to
-- sql_determinations. @TO@ is the evaluation month and @FROM@ the window's first (YYYYMM).
--
-- It is a fair, not a complete, competitor: Bangfu's batch also evaluates C5, the social-
-- assistance and schooling exits, relief, the pools and the 2021 framework, and records which
-- rule held, failed or could not be assessed.

DROP TABLE IF EXISTS sql_determinations;
CREATE TABLE sql_determinations (
    household_id BIGINT PRIMARY KEY,
    complete BIGINT NOT NULL,
    c1 BIGINT NOT NULL,
    c2 BIGINT NOT NULL,
    c3 BIGINT NOT NULL,
    c4 BIGINT NOT NULL,
    income_exit BIGINT NOT NULL
);

INSERT INTO sql_determinations (household_id, complete, c1, c2, c3, c4, income_exit)
WITH RECURSIVE
-- The window's months, newest first.
months (m, k) AS (
    SELECT @TO@, 1
    UNION ALL
    SELECT CASE WHEN m % 100 = 1 THEN m - 89 ELSE m - 1 END, k + 1 FROM months WHERE k < 6
),
-- Each region's standards in force in each window month (the latest from ≤ the month).
in_force (region_code, m, d, l) AS (
    SELECT r.region_code, months.m,
        (SELECT s.amount FROM standards s WHERE s.region_code = r.region_code AND s.kind = 'dibao'
            AND s.from_month <= months.m ORDER BY s.from_month DESC LIMIT 1),
        (SELECT s.amount FROM standards s WHERE s.region_code = r.region_code AND s.kind = 'low_income'
            AND s.from_month <= months.m ORDER BY s.from_month DESC LIMIT 1)
    FROM (SELECT DISTINCT region_code FROM standards) r CROSS JOIN months
),
-- The window's months of each household, with their standards.
w AS (
    SELECT r.household_id, r.members AS n, r.income AS i, r.government_assistance AS a,
        r.nl_medical + r.nl_education + r.nl_emergency + r.nl_accident + r.nl_other AS e,
        f.d, f.l
    FROM monthly_records r
    JOIN households h ON h.id = r.household_id
    LEFT JOIN in_force f ON f.region_code = h.region_code AND f.m = r.month
    WHERE r.month BETWEEN @FROM@ AND @TO@
),
-- Per household: whether each monthly test held every month, and the window's sums.
agg AS (
    SELECT household_id,
        COUNT(*) AS months_recorded,
        COUNT(d) AS months_with_d,
        COUNT(l) AS months_with_l,
        MIN(CASE WHEN i - a < d * n THEN 1 ELSE 0 END) AS own_below_d,
        MIN(CASE WHEN i - a <= l * n THEN 1 ELSE 0 END) AS own_within_l,
        MIN(CASE WHEN i - a <= 5 * d * n THEN 1 ELSE 0 END) AS own_within_5d,
        MIN(CASE WHEN i > d * n THEN 1 ELSE 0 END) AS income_above_d,
        MAX(a) AS max_a,
        MAX(e) AS max_e,
        SUM(i - e) AS living,
        SUM(d * n) AS standard
    FROM w
    GROUP BY household_id
),
judged AS (
    SELECT h.id,
        CASE WHEN g.months_recorded = 6 AND g.months_with_d = 6 THEN 1 ELSE 0 END AS complete,
        h.causes_resolved,
        g.*
    FROM households h LEFT JOIN agg g ON g.household_id = h.id
)
SELECT id,
    complete,
    CASE WHEN complete = 1 AND own_below_d = 1 AND max_a = 0 THEN 1 ELSE 0 END,
    CASE WHEN complete = 1 AND own_below_d = 1 AND max_a > 0 AND max_e > 0 AND living < standard THEN 1 ELSE 0 END,
    CASE WHEN complete = 1 AND months_with_l = 6 AND own_within_l = 1 AND max_e > 0 AND living < standard
        THEN 1 ELSE 0 END,
    CASE WHEN complete = 1 AND own_within_5d = 1 AND max_e > 0 AND living < standard THEN 1 ELSE 0 END,
    CASE WHEN complete = 1 AND causes_resolved = 1 AND income_above_d = 1 THEN 1 ELSE 0 END
FROM judged;
