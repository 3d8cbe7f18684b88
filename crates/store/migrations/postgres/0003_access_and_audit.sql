-- 3: access and audit
CREATE TABLE "users" ( "id" bigserial NOT NULL PRIMARY KEY, "name" text NOT NULL UNIQUE, "display_name" text NOT NULL, "role" text NOT NULL, "region_code" text NULL, "org_id" bigint NULL, "disabled" bigint NOT NULL, "password_hash" text NOT NULL, "version" bigint NOT NULL, "created_at" text NOT NULL, "updated_at" text NOT NULL, FOREIGN KEY ("region_code") REFERENCES "regions" ("code"), FOREIGN KEY ("org_id") REFERENCES "organisations" ("id") );
CREATE TABLE "sessions" ( "token_hash" text NOT NULL PRIMARY KEY, "user_id" bigint NOT NULL, "csrf" text NOT NULL, "created_at" text NOT NULL, "last_seen_at" text NOT NULL, FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE );
CREATE TABLE "api_tokens" ( "id" bigserial NOT NULL PRIMARY KEY, "user_id" bigint NOT NULL, "name" text NOT NULL, "token_hash" text NOT NULL UNIQUE, "created_by" bigint NOT NULL, "created_at" text NOT NULL, "revoked_at" text NULL, FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE );
CREATE TABLE "audit_log" ( "seq" bigint NOT NULL PRIMARY KEY, "at" text NOT NULL, "actor_id" bigint NULL, "actor_name" text NOT NULL, "role" text NOT NULL, "action" text NOT NULL, "entity" text NOT NULL, "entity_id" bigint NULL, "region_code" text NULL, "result" text NOT NULL, "address" text NOT NULL, "detail" text NOT NULL, "prev_hash" text NOT NULL, "hash" text NOT NULL );
CREATE INDEX "idx_sessions_user" ON "sessions" ("user_id");
CREATE INDEX "idx_api_tokens_user" ON "api_tokens" ("user_id");
CREATE INDEX "idx_audit_actor" ON "audit_log" ("action", "actor_name", "at");
CREATE INDEX "idx_audit_address" ON "audit_log" ("action", "address", "at");
CREATE INDEX "idx_audit_entity" ON "audit_log" ("entity", "entity_id");
CREATE FUNCTION bangfu_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION bangfu_audit_append_only();
