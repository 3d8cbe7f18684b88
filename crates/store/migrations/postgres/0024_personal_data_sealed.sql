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
CREATE OR REPLACE FUNCTION bangfu_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF TG_OP = 'UPDATE' AND (NEW.seq, NEW.at, NEW.actor_id, NEW.actor_name, NEW.role, NEW.action, NEW.entity, NEW.entity_id, NEW.region_code, NEW.result, NEW.address, NEW.prev_hash, NEW.hash, NEW.token_id, NEW.hash_alg) IS NOT DISTINCT FROM (OLD.seq, OLD.at, OLD.actor_id, OLD.actor_name, OLD.role, OLD.action, OLD.entity, OLD.entity_id, OLD.region_code, OLD.result, OLD.address, OLD.prev_hash, OLD.hash, OLD.token_id, OLD.hash_alg) AND (NEW.detail = OLD.detail OR NEW.detail LIKE 'sm4:%') THEN RETURN NEW; END IF; RAISE EXCEPTION 'the audit trail is append-only'; END $$;
