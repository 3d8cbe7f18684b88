//! Migrations, frozen as SQL per backend: `crates/store/migrations/{sqlite,postgres}/NNNN_name.sql`,
//! compiled into the binary (the convention of sqlx's `migrate!`, as atuin and vaultwarden keep
//! theirs). Applied at start and by `bangfu migrate`; each runs in its own transaction and is
//! recorded in `bangfu_migrations` with the SHA-256 of its file. An applied migration is never
//! edited: at start every applied one's checksum is compared with the file's, and a difference
//! stops the program with a message naming the migration (a database from before checksums gets
//! them filled in). `migrations/SHA256SUMS` lists every file's checksum (`sha256sum -c` checks
//! it) and a test compares it with the files, so editing an applied migration fails the tests
//! unless that list is changed too, deliberately. A schema change is a new file in both folders
//! and a new line below.
//!
//! Until issue 21 the migrations were written with sea-query's schema builder in this file and
//! rendered per backend; the frozen files are exactly what that code rendered (the databases
//! already migrated ran the same statements).

use crate::db::{Backend, Store};
use crate::StoreError;
use sha2::{Digest, Sha256};
use sqlx::Row;

/// One migration: its version, its name, and its SQL per backend (statements each ending with
/// `;` at the end of a line).
pub(crate) struct Migration {
    pub(crate) version: i64,
    pub(crate) name: &'static str,
    pub(crate) file: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

macro_rules! migration {
    ($v:expr, $name:expr, $file:literal) => {
        Migration {
            version: $v,
            name: $name,
            file: $file,
            sqlite: include_str!(concat!("../migrations/sqlite/", $file)),
            postgres: include_str!(concat!("../migrations/postgres/", $file)),
        }
    };
}

pub(crate) const MIGRATIONS: &[Migration] = &[
    migration!(1, "registry", "0001_registry.sql"),
    migration!(2, "wuzhou regions", "0002_wuzhou_regions.sql"),
    migration!(3, "access and audit", "0003_access_and_audit.sql"),
    migration!(4, "union index", "0004_union_index.sql"),
    migration!(5, "policy engine", "0005_policy_engine.sql"),
    migration!(6, "outcomes", "0006_outcomes.sql"),
    migration!(7, "pairings", "0007_pairings.sql"),
    migration!(8, "plans, measures, visits, returns", "0008_plans_measures_visits_returns.sql"),
    migration!(9, "campaigns", "0009_campaigns.sql"),
    migration!(10, "counts for the dashboard and reports", "0010_counts_for_the_dashboard_and_reports.sql"),
    migration!(
        11,
        "outcomes carry their household's region; status indexes",
        "0011_outcomes_carry_their_household_s_region_status_indexes.sql"
    ),
    migration!(
        12,
        "return flags carry their household's region",
        "0012_return_flags_carry_their_household_s_region.sql"
    ),
    migration!(
        13,
        "data exchange: rosters, verification requests, evidence, the joint meeting",
        "0013_data_exchange_rosters_verification_requests_evidence_the_joint_meeting.sql"
    ),
    migration!(
        14,
        "assistance funds: ledger, balances, standards, findings",
        "0014_assistance_funds_ledger_balances_standards_findings.sql"
    ),
    migration!(
        15,
        "name searches read households in name order",
        "0015_name_searches_read_households_in_name_order.sql"
    ),
    migration!(
        16,
        "imports written in short transactions, undone as one",
        "0016_imports_written_in_short_transactions_undone_as_one.sql"
    ),
    migration!(
        17,
        "frameworks by region and month; the facts of the 2021 framework",
        "0017_frameworks_by_region_and_month_the_facts_of_the_2021_framework.sql"
    ),
    migration!(
        18,
        "campaigns created on a page: absolute targets per region and year",
        "0018_campaigns_created_on_a_page_absolute_targets_per_region_and_year.sql"
    ),
    migration!(19, "idempotent API writes", "0019_idempotent_api_writes.sql"),
    migration!(
        20,
        "service accounts: the token of each audit entry",
        "0020_service_accounts_the_token_of_each_audit_entry.sql"
    ),
    migration!(21, "the audit trail chained with SM3", "0021_the_audit_trail_chained_with_sm3.sql"),
    migration!(22, "second factors of sign-in", "0022_second_factors.sql"),
    migration!(23, "password policy", "0023_password_policy.sql"),
    migration!(24, "personal data sealed", "0024_personal_data_sealed.sql"),
];

impl Migration {
    /// The file's text for `b`.
    pub(crate) fn sql(&self, b: Backend) -> &'static str {
        match b {
            Backend::Sqlite => self.sqlite,
            Backend::Postgres => self.postgres,
        }
    }

    /// Its statements: split at a `;` that ends a line; comment lines are dropped.
    pub(crate) fn statements(&self, b: Backend) -> Vec<String> {
        self.sql(b)
            .split(";\n")
            .map(|s| s.lines().filter(|l| !l.trim_start().starts_with("--")).collect::<Vec<_>>().join("\n"))
            .filter(|s| !s.trim().is_empty())
            .collect()
    }

    /// SHA-256 of the file, hex.
    pub(crate) fn checksum(&self, b: Backend) -> String {
        Sha256::digest(self.sql(b).as_bytes()).iter().map(|x| format!("{x:02x}")).collect()
    }
}

/// The schema version this program migrates to.
pub fn latest_schema_version() -> i64 {
    MIGRATIONS.last().map(|m| m.version).unwrap_or(0)
}

pub(crate) async fn run(store: &Store) -> Result<usize, StoreError> {
    // Every step holds the migrations lock (SQLite: the write lock of BEGIN IMMEDIATE;
    // PostgreSQL: an advisory lock), so replicas starting at once apply each migration once and
    // never race on CREATE TABLE.
    let mut tx = store.begin().await?;
    tx.serialize_on("bangfu_migrations").await?;
    tx.raw(
        "CREATE TABLE IF NOT EXISTS bangfu_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL, checksum TEXT)",
    )
    .await?;
    // A database from before checksums: the column is added (and filled in below).
    let has_checksum = match store.backend {
        Backend::Sqlite => "SELECT COUNT(*) AS n FROM pragma_table_info('bangfu_migrations') WHERE name = 'checksum'",
        Backend::Postgres => {
            "SELECT COUNT(*) AS n FROM information_schema.columns WHERE table_schema = current_schema() \
             AND table_name = 'bangfu_migrations' AND column_name = 'checksum'"
        }
    };
    let n: i64 = sqlx::query(has_checksum).fetch_one(&mut *tx.tx).await?.try_get("n")?;
    if n == 0 {
        tx.raw("ALTER TABLE bangfu_migrations ADD COLUMN checksum TEXT").await?;
    }
    tx.commit().await?;
    let mut ran = 0;
    for m in MIGRATIONS {
        let sum = m.checksum(store.backend);
        let mut tx = store.begin().await?;
        tx.serialize_on("bangfu_migrations").await?;
        // Checked under the lock, so two processes starting at once cannot both apply it.
        let done = sqlx::query("SELECT checksum FROM bangfu_migrations WHERE version = $1")
            .bind(m.version)
            .fetch_optional(&mut *tx.tx)
            .await?;
        if let Some(row) = done {
            match row.try_get::<Option<String>, _>("checksum")? {
                Some(applied) if applied == sum => {}
                Some(_) => {
                    return Err(StoreError::MigrationChanged(format!(
                        "migration {} ({}) is not the one applied to this database: applied migrations are \
                         never edited (add a new one); restore crates/store/migrations/{}",
                        m.version, m.name, m.file
                    )))
                }
                None => {
                    sqlx::query("UPDATE bangfu_migrations SET checksum = $1 WHERE version = $2")
                        .bind(sum)
                        .bind(m.version)
                        .execute(&mut *tx.tx)
                        .await?;
                    tx.commit().await?;
                }
            }
            continue;
        }
        for sql in m.statements(store.backend) {
            tx.raw(&sql).await?;
        }
        sqlx::query("INSERT INTO bangfu_migrations (version, name, applied_at, checksum) VALUES ($1, $2, $3, $4)")
            .bind(m.version)
            .bind(m.name)
            .bind(crate::now_rfc3339())
            .bind(sum)
            .execute(&mut *tx.tx)
            .await?;
        tx.commit().await?;
        tracing::info!(version = m.version, name = m.name, "applied migration");
        ran += 1;
    }
    Ok(ran)
}

/// Latest applied migration version, for `bangfu migrate` to report.
pub(crate) async fn current(store: &Store) -> Result<i64, StoreError> {
    let row =
        sqlx::query("SELECT COALESCE(MAX(version), 0) AS v FROM bangfu_migrations").fetch_one(&store.pool).await?;
    Ok(row.try_get::<i64, _>("v").unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `migrations/SHA256SUMS` holds every migration file's checksum: editing an applied
    /// migration fails here.
    #[test]
    fn no_applied_migration_has_changed() {
        let sums = include_str!("../migrations/SHA256SUMS");
        let mut listed = 0;
        for m in MIGRATIONS {
            assert_eq!(MIGRATIONS.iter().filter(|x| x.version == m.version).count(), 1, "version {} twice", m.version);
            for (b, dir) in [(Backend::Sqlite, "sqlite"), (Backend::Postgres, "postgres")] {
                let line = format!("{}  {dir}/{}", m.checksum(b), m.file);
                assert!(
                    sums.lines().any(|l| l == line),
                    "{dir}/{} is not the file that was frozen (SHA256SUMS): applied migrations are never edited",
                    m.file
                );
                listed += 1;
            }
        }
        assert_eq!(
            sums.lines().filter(|l| !l.is_empty()).count(),
            listed,
            "SHA256SUMS lists a file no migration loads"
        );
        assert!(MIGRATIONS.windows(2).all(|w| w[1].version == w[0].version + 1), "versions follow one another");
    }

    #[test]
    fn statements_split_at_the_end_of_a_line() {
        let m = &MIGRATIONS[1];
        let s = m.statements(Backend::Sqlite);
        assert_eq!(s.len(), 1, "{s:?}");
        assert!(s[0].starts_with("INSERT INTO \"regions\""), "{s:?}");
    }
}
