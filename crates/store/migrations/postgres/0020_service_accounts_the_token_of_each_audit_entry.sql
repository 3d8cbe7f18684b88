-- 20: service accounts of departments' systems (issue 22): the API token of each audit entry
ALTER TABLE audit_log ADD COLUMN token_id BIGINT NULL;
CREATE INDEX idx_audit_token ON audit_log (token_id, seq);
