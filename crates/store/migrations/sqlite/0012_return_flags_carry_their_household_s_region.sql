-- 12: return flags carry their household's region
ALTER TABLE hardship_returns ADD COLUMN region_code TEXT;
ALTER TABLE hardship_returns ADD COLUMN union_id BIGINT;
UPDATE hardship_returns SET region_code = (SELECT h.region_code FROM households h WHERE h.id = hardship_returns.household_id), union_id = (SELECT h.union_id FROM households h WHERE h.id = hardship_returns.household_id);
CREATE INDEX idx_returns_status_region ON hardship_returns (status, region_code, id);
CREATE INDEX idx_returns_status_union ON hardship_returns (status, union_id, id);
ANALYZE hardship_returns;
