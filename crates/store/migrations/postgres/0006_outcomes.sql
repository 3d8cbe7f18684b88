-- 6: outcomes
CREATE TABLE "outcomes" ( "id" bigserial NOT NULL PRIMARY KEY, "household_id" bigint NOT NULL, "kind" text NOT NULL, "pathway" text NULL, "reason" text NOT NULL, "status" text NOT NULL, "proposed_by" bigint NOT NULL, "proposed_by_name" text NOT NULL, "proposed_at" text NOT NULL, "decided_by" bigint NULL, "decided_by_name" text NULL, "decided_at" text NULL, "decision_note" text NULL, "approval_date" text NULL, "reopen_reason" text NULL, "version" bigint NOT NULL, FOREIGN KEY ("household_id") REFERENCES "households" ("id") ON DELETE CASCADE );
CREATE INDEX "idx_outcomes_household" ON "outcomes" ("household_id", "status");
CREATE INDEX "idx_outcomes_status" ON "outcomes" ("status");
