-- 21: the audit trail chained with SM3 (GB/T 32905), the algorithm recorded per entry; entries
-- written before (hash_alg NULL) were chained with SHA-256 and still verify as such
ALTER TABLE audit_log ADD COLUMN hash_alg TEXT NULL;
