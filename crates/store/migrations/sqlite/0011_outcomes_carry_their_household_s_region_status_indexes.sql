-- 11: outcomes carry their household's region; status indexes
ALTER TABLE outcomes ADD COLUMN region_code TEXT;
ALTER TABLE outcomes ADD COLUMN union_id BIGINT;
UPDATE outcomes SET region_code = (SELECT h.region_code FROM households h WHERE h.id = outcomes.household_id), union_id = (SELECT h.union_id FROM households h WHERE h.id = outcomes.household_id);
CREATE INDEX idx_outcomes_status_region ON outcomes (status, region_code, id);
CREATE INDEX idx_outcomes_status_union ON outcomes (status, union_id, id);
CREATE INDEX idx_households_region_status_file ON households (region_code, status, file_no);
CREATE INDEX idx_households_union_status_file ON households (union_id, status, file_no);
ANALYZE outcomes;
ANALYZE households;
