-- 4: union index
CREATE INDEX "idx_households_union_file" ON "households" ("union_id", "file_no");
ANALYZE households;
