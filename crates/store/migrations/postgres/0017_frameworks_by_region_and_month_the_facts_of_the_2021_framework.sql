-- 17: frameworks by region and month; the facts of the 2021 framework
ALTER TABLE policies ADD COLUMN region_code TEXT;
ALTER TABLE policies ADD COLUMN framework TEXT NOT NULL DEFAULT 'plan-2018';
ALTER TABLE policies ADD COLUMN from_month BIGINT;
ALTER TABLE policies ADD COLUMN relative_percent BIGINT NOT NULL DEFAULT 200;
ALTER TABLE policies ADD COLUMN accident_percent BIGINT NOT NULL DEFAULT 80;
ALTER TABLE policies ADD COLUMN min_labour_months BIGINT NOT NULL DEFAULT 12;
ALTER TABLE policies ADD COLUMN created_by TEXT;
INSERT INTO policies (version, name, window_months, stock_cutoff, multiplier, created_at, region_code, framework, from_month, relative_percent, accident_percent, min_labour_months) SELECT 2, '全国总工会困难职工帮扶工作（2021）', 12, '2016-10-31', 5, '2021-01-01T00:00:00Z', NULL, 'national-2021', 202101, 200, 80, 12 WHERE NOT EXISTS (SELECT 1 FROM policies WHERE version = 2);
ALTER TABLE determinations ADD COLUMN framework TEXT NOT NULL DEFAULT 'plan-2018';
ALTER TABLE households ADD COLUMN labour_relation_months BIGINT;
CREATE TABLE household_exclusions (household_id BIGINT NOT NULL REFERENCES households (id) ON DELETE CASCADE, code TEXT NOT NULL, PRIMARY KEY (household_id, code));
CREATE TABLE major_events (id BIGSERIAL PRIMARY KEY, household_id BIGINT NOT NULL REFERENCES households (id) ON DELETE CASCADE, month BIGINT NOT NULL, kind TEXT NOT NULL, note TEXT NOT NULL, recorded_by TEXT NOT NULL, recorded_at TEXT NOT NULL);
CREATE INDEX idx_major_events_household ON major_events (household_id, month);
ALTER TABLE regions ADD COLUMN in_use BIGINT NOT NULL DEFAULT 1;
