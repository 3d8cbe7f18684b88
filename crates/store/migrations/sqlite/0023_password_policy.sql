-- 23: password policy (issue 23): a password set by someone else is changed at the next sign-in;
-- the hashes of an account's last passwords, so none of the last five is used again
ALTER TABLE users ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0;
CREATE TABLE password_history (user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE, hash TEXT NOT NULL, set_at TEXT NOT NULL);
CREATE INDEX idx_password_history_user ON password_history (user_id, set_at);
