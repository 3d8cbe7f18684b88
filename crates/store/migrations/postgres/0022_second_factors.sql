-- 22: two-factor sign-in (TOTP, RFC 6238): a secret per account, pending until confirmed with a
-- code; the last time step used (a code works once); recovery codes, SHA-256 hashed
CREATE TABLE second_factors (user_id BIGINT NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE, secret TEXT NOT NULL, enabled BIGINT NOT NULL DEFAULT 0, last_step BIGINT NOT NULL DEFAULT 0, recovery TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL, enabled_at TEXT);
