-- 19: idempotent API writes: a client's Idempotency-Key and the answer it got
CREATE TABLE idempotency_keys (user_id BIGINT NOT NULL, idem_key TEXT NOT NULL, request_hash TEXT NOT NULL, status BIGINT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (user_id, idem_key));
