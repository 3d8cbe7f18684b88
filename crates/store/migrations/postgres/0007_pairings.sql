-- 7: pairings
CREATE TABLE "pairings" ( "id" bigserial NOT NULL PRIMARY KEY, "household_id" bigint NOT NULL, "helper_org_id" bigint NOT NULL, "person" text NOT NULL, "started_on" text NOT NULL, "ended_on" text NULL, "end_reason" text NULL, "created_by" text NOT NULL, "version" bigint NOT NULL, FOREIGN KEY ("household_id") REFERENCES "households" ("id") ON DELETE CASCADE, FOREIGN KEY ("helper_org_id") REFERENCES "organisations" ("id") );
CREATE INDEX "idx_pairings_household" ON "pairings" ("household_id", "ended_on");
CREATE INDEX "idx_pairings_helper" ON "pairings" ("helper_org_id", "ended_on");
