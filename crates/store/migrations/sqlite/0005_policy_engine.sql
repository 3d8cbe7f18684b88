-- 5: policy engine
ALTER TABLE "households" ADD COLUMN "causes_resolved" bigint NOT NULL DEFAULT 0;
ALTER TABLE "households" ADD COLUMN "children_completed_studies" bigint NOT NULL DEFAULT 0;
CREATE TABLE "policies" ( "version" bigint NOT NULL PRIMARY KEY, "name" text NOT NULL, "window_months" bigint NOT NULL, "stock_cutoff" text NOT NULL, "multiplier" bigint NOT NULL, "created_at" text NOT NULL );
CREATE TABLE "evaluation_runs" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "as_of" bigint NOT NULL, "policy_version" bigint NOT NULL, "region_code" text NULL, "started_by" text NOT NULL, "started_at" text NOT NULL, "finished_at" text NULL, "households" bigint NOT NULL, "status" text NOT NULL, FOREIGN KEY ("policy_version") REFERENCES "policies" ("version") );
CREATE TABLE "determinations" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "run_id" bigint NULL, "household_id" bigint NOT NULL, "as_of" bigint NOT NULL, "policy_version" bigint NOT NULL, "region_code" text NOT NULL, "pool" text NOT NULL, "complete" bigint NOT NULL, "eligible" bigint NOT NULL, "conditions" text NOT NULL, "primary_condition" text NULL, "status" text NOT NULL, "basis" text NULL, "results" text NOT NULL, "computed_at" text NOT NULL, FOREIGN KEY ("household_id") REFERENCES "households" ("id") ON DELETE CASCADE, FOREIGN KEY ("run_id") REFERENCES "evaluation_runs" ("id"), FOREIGN KEY ("policy_version") REFERENCES "policies" ("version") );
CREATE INDEX "idx_determinations_household" ON "determinations" ("household_id", "as_of");
CREATE INDEX "idx_determinations_run" ON "determinations" ("run_id");
INSERT INTO "policies" ("version", "name", "window_months", "stock_cutoff", "multiplier", "created_at") VALUES (1, '梧政办发〔2018〕48号', 6, '2016-10-31', 5, '2018-01-01T00:00:00Z');
