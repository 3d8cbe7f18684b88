-- 18: campaigns created on a page: absolute targets per region and year
ALTER TABLE campaigns ADD COLUMN target_kind TEXT NOT NULL DEFAULT 'share';
ALTER TABLE campaigns ADD COLUMN created_by TEXT;
CREATE TABLE campaign_targets (campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE, region_code TEXT NOT NULL REFERENCES regions (code), year BIGINT NOT NULL, households BIGINT NOT NULL, PRIMARY KEY (campaign_id, region_code, year));
