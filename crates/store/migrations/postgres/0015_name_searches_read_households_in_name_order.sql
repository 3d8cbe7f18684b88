-- 15: name searches read households in name order
CREATE INDEX idx_households_head_name_file_no ON households (head_name, file_no, region_code);
