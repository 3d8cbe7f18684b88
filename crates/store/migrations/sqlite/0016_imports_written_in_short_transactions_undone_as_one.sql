-- 16: imports written in short transactions, undone as one
CREATE TABLE imports (id INTEGER PRIMARY KEY AUTOINCREMENT, file_name TEXT NOT NULL, by_user TEXT NOT NULL, status TEXT NOT NULL, started_at TEXT NOT NULL, heartbeat_at TEXT NOT NULL, finished_at TEXT);
CREATE INDEX idx_imports_status ON imports (status);
CREATE TABLE import_households (import_id BIGINT NOT NULL REFERENCES imports (id), household_id BIGINT NOT NULL, created BIGINT NOT NULL, PRIMARY KEY (import_id, household_id));
CREATE TABLE import_replaced (import_id BIGINT NOT NULL REFERENCES imports (id), household_id BIGINT NOT NULL, month BIGINT NOT NULL, members BIGINT NOT NULL, income BIGINT NOT NULL, government_assistance BIGINT NOT NULL, nl_medical BIGINT NOT NULL, nl_education BIGINT NOT NULL, nl_emergency BIGINT NOT NULL, nl_accident BIGINT NOT NULL, nl_other BIGINT NOT NULL, recorded_by TEXT, recorded_at TEXT, import_id_before BIGINT, PRIMARY KEY (import_id, household_id, month));
ALTER TABLE members ADD COLUMN import_id BIGINT;
ALTER TABLE monthly_records ADD COLUMN import_id BIGINT;
