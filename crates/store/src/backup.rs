//! Backups of the embedded database and the checks a restore runs before it trusts one.
//!
//! A SQLite backup is `VACUUM INTO`: SQLite writes a consistent, compacted copy of the database
//! as one read transaction sees it, while the server goes on reading and writing (WAL). A
//! PostgreSQL deployment backs up with the server's own tools (`pg_dump`, base backups and WAL
//! archiving): see `docs/deployment.md`.

use crate::{Backend, Store, StoreError};
use sqlx::Row;
use std::path::Path;

/// Tables whose row counts a backup and a restore report, in this order.
pub const COUNTED_TABLES: &[&str] = &[
    "households",
    "members",
    "monthly_records",
    "outcomes",
    "pairings",
    "measures",
    "fund_entries",
    "users",
    "audit_log",
];

impl Store {
    /// Writes a consistent copy of this (live) SQLite database to `path`, which must not exist.
    pub async fn backup_sqlite_into(&self, path: &Path) -> Result<(), StoreError> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::Database(sqlx::Error::Configuration(
                "online backup is for the embedded SQLite database; back up PostgreSQL with pg_dump or a base backup (docs/deployment.md)".into(),
            )));
        }
        let target = path.to_str().ok_or_else(|| {
            StoreError::Database(sqlx::Error::Configuration("the backup path is not valid UTF-8".into()))
        })?;
        sqlx::query("VACUUM INTO $1").bind(target).execute(&self.pool).await?;
        Ok(())
    }

    /// SQLite's `PRAGMA integrity_check`: `Ok(())` when it says "ok", else its first lines.
    pub async fn integrity_check(&self) -> Result<Result<(), String>, StoreError> {
        if self.backend != Backend::Sqlite {
            return Ok(Ok(()));
        }
        let rows = sqlx::query("PRAGMA integrity_check").fetch_all(&self.pool).await?;
        let lines: Vec<String> = rows.iter().filter_map(|r| r.try_get::<String, _>(0).ok()).collect();
        if lines.len() == 1 && lines[0] == "ok" {
            Ok(Ok(()))
        } else {
            Ok(Err(lines.into_iter().take(5).collect::<Vec<_>>().join("; ")))
        }
    }

    /// A SQLite setting as this pool's connections have it (`synchronous`, `journal_mode`, …).
    pub async fn sqlite_pragma(&self, name: &str) -> Result<String, StoreError> {
        if !name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            return Err(StoreError::Database(sqlx::Error::Configuration(format!("not a pragma: {name}").into())));
        }
        let row = sqlx::query(&format!("PRAGMA {name}")).fetch_one(&self.pool).await?;
        Ok(row.try_get::<String, _>(0).or_else(|_| row.try_get::<i64, _>(0).map(|n| n.to_string()))?)
    }

    /// Row counts of [`COUNTED_TABLES`].
    pub async fn table_counts(&self) -> Result<Vec<(&'static str, i64)>, StoreError> {
        let mut out = Vec::with_capacity(COUNTED_TABLES.len());
        for table in COUNTED_TABLES {
            let row = sqlx::query(&format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM {table}"))
                .fetch_one(&self.pool)
                .await?;
            out.push((*table, row.try_get::<i64, _>("n")?));
        }
        Ok(out)
    }
}
