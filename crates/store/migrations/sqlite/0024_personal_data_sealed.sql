-- 24: personal data sealed at rest (issue 23): resident IDs and phones are stored sealed (SM4-GCM),
-- with a blind index (HMAC-SM3, its first 8 bytes as an integer; 0: none yet) of each ID
-- beside it for exact search; the sealing of rows written
-- before is done by the program (Store::reseal), which records how far it went through the audit
-- trail. The trail stays append-only, except that a detail may be replaced by its
-- sealed form (its hash is over the plain text: a change of the text still breaks the chain).
ALTER TABLE households ADD COLUMN head_id_index BIGINT NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN id_index BIGINT NOT NULL DEFAULT 0;
ALTER TABLE roster_rows ADD COLUMN id_index BIGINT NOT NULL DEFAULT 0;
DROP INDEX idx_households_head_id;
CREATE INDEX idx_households_head_id_index ON households (head_id_index);
DROP INDEX idx_members_id_number;
CREATE INDEX idx_members_id_index ON members (id_index);
CREATE TABLE seal_progress (name TEXT PRIMARY KEY, done_to BIGINT NOT NULL);
DROP TRIGGER audit_log_no_update;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log WHEN NEW.seq IS NOT OLD.seq OR NEW.at IS NOT OLD.at OR NEW.actor_id IS NOT OLD.actor_id OR NEW.actor_name IS NOT OLD.actor_name OR NEW.role IS NOT OLD.role OR NEW.action IS NOT OLD.action OR NEW.entity IS NOT OLD.entity OR NEW.entity_id IS NOT OLD.entity_id OR NEW.region_code IS NOT OLD.region_code OR NEW.result IS NOT OLD.result OR NEW.address IS NOT OLD.address OR NEW.prev_hash IS NOT OLD.prev_hash OR NEW.hash IS NOT OLD.hash OR NEW.token_id IS NOT OLD.token_id OR NEW.hash_alg IS NOT OLD.hash_alg OR (NEW.detail IS NOT OLD.detail AND NEW.detail NOT LIKE 'sm4:%') BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
