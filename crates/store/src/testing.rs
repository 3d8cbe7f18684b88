//! Throw-away databases for tests: a SQLite file in a temporary folder always, and a fresh
//! PostgreSQL database when `BANGFU_TEST_DATABASE_URL` names a server. Each test gets its own,
//! so tests run in parallel, and each is removed when dropped, even after a failed assertion.

use crate::{Backend, Store};
use std::sync::atomic::{AtomicU32, Ordering};

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A database made for one test.
pub struct TestDb {
    /// Its URL.
    pub url: String,
    /// Which backend.
    pub backend: Backend,
    pg: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

/// Tests seal personal data with keys of their own: a key file made once per test process (in
/// the temporary folder, named by the process), installed, and given to the `bangfu` processes
/// a test starts (`BANGFU_KEY_FILE` = [`test_key_file`]).
pub fn test_keys() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let path = test_key_file();
        let keys = crate::keys::Keyring::load(&path)
            .or_else(|_| crate::keys::Keyring::init(&path))
            .unwrap_or_else(|e| panic!("test key file: {e}"));
        crate::keys::install(keys);
    });
}

/// The key file of this test process's databases.
pub fn test_key_file() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join("bangfu-test-keys");
    let _ = std::fs::create_dir_all(&dir);
    dir.join(format!("{}.key", std::process::id()))
}

impl TestDb {
    /// A SQLite database in a new temporary folder.
    pub fn sqlite() -> TestDb {
        test_keys();
        let dir = tempfile::tempdir().expect("a temporary folder");
        let url = format!("sqlite://{}/bangfu.db", dir.path().display());
        TestDb { url, backend: Backend::Sqlite, pg: None, _dir: Some(dir) }
    }

    /// A new PostgreSQL database on the server named by `BANGFU_TEST_DATABASE_URL`, or None
    /// when the variable is unset. Panics if it is set and the server cannot be reached: a
    /// configured backend that is down is a failure, not a skip.
    pub async fn postgres() -> Option<TestDb> {
        test_keys();
        let admin = std::env::var("BANGFU_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty())?;
        let name = format!(
            "bangfu_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0)
        );
        let store = Store::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("BANGFU_TEST_DATABASE_URL is set but PostgreSQL is unreachable: {e}"));
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&store.pool).await.expect("create test database");
        store.close().await;
        let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(admin.clone());
        Some(TestDb { url: format!("{base}/{name}"), backend: Backend::Postgres, pg: Some((admin, name)), _dir: None })
    }

    /// SQLite, and PostgreSQL when configured. When it is not, says so on stderr; in CI
    /// (`CI` set) a missing PostgreSQL fails the test instead.
    pub async fn all() -> Vec<TestDb> {
        let mut v = vec![TestDb::sqlite()];
        match TestDb::postgres().await {
            Some(pg) => v.push(pg),
            None => {
                assert!(std::env::var("CI").is_err(), "CI must test PostgreSQL too: set BANGFU_TEST_DATABASE_URL");
                eprintln!("PostgreSQL skipped: BANGFU_TEST_DATABASE_URL is not set (this run covers SQLite only)");
            }
        }
        v
    }

    /// Runs `sql` on the database as it is (a test arranging what no use case would).
    pub async fn execute(&self, sql: &str) {
        let store = self.open().await;
        sqlx::query(sql).execute(&store.pool).await.expect("test statement");
        store.close().await;
    }

    /// Runs `sql` on the database without migrating it first.
    pub async fn execute_unmigrated(&self, sql: &str) {
        let store = Store::connect(&self.url).await.expect("connect test store");
        sqlx::query(sql).execute(&store.pool).await.expect("test statement");
        store.close().await;
    }

    /// The whole number in column `n` of the first row of `sql`, run without migrating.
    pub async fn number(&self, sql: &str) -> i64 {
        let store = Store::connect(&self.url).await.expect("connect test store");
        let row = sqlx::query(sql).fetch_one(&store.pool).await.expect("test query");
        let n = sqlx::Row::try_get::<i64, _>(&row, "n").expect("a column n");
        store.close().await;
        n
    }

    /// Leaves the database as a release whose last migration was `upto` left it: its migrations
    /// applied from the frozen files, recorded the way releases before checksums recorded them
    /// (no checksum column).
    pub async fn as_release_before_checksums(&self, upto: i64) {
        let store = Store::connect(&self.url).await.expect("connect test store");
        let mut tx = store.begin().await.expect("begin");
        tx.raw(
            "CREATE TABLE bangfu_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
        )
        .await
        .expect("migrations table");
        for m in crate::migrate::MIGRATIONS.iter().filter(|m| m.version <= upto) {
            for sql in m.statements(self.backend) {
                tx.raw(&sql).await.expect("an old migration");
            }
            sqlx::query(
                "INSERT INTO bangfu_migrations (version, name, applied_at) VALUES ($1, $2, '2026-12-04T00:00:00Z')",
            )
            .bind(m.version)
            .bind(m.name)
            .execute(&mut *tx.tx)
            .await
            .expect("record");
        }
        tx.commit().await.expect("commit");
        store.close().await;
    }

    /// Opens (and migrates) the store.
    pub async fn open(&self) -> Store {
        Store::open(&self.url).await.expect("open test store")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin, name)) = self.pg.take() else { return };
        // Drop may run inside a runtime; a thread of its own keeps it independent of that.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            rt.block_on(async move {
                if let Ok(store) = Store::connect(&admin).await {
                    let _ =
                        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&store.pool).await;
                    store.close().await;
                }
            });
        })
        .join();
    }
}

/// Asserts that the counts kept in step by every write equal the counts rebuilt from the
/// records (`what` names the story, for the failure message). Rebuilds them as a side effect.
pub async fn assert_tallies_consistent(store: &Store, what: &str) {
    let kept = store.tallies_snapshot().await.expect("read kept counts");
    assert!(!kept.is_empty(), "{what}: no counts kept at all");
    store.rebuild_tallies().await.expect("rebuild counts");
    let rebuilt = store.tallies_snapshot().await.expect("read rebuilt counts");
    if kept != rebuilt {
        let only_kept: Vec<_> = kept.iter().filter(|r| !rebuilt.contains(r)).take(10).collect();
        let only_rebuilt: Vec<_> = rebuilt.iter().filter(|r| !kept.contains(r)).take(10).collect();
        panic!(
            "{what}: kept counts differ from the rebuild\nkept only: {only_kept:#?}\nrebuilt only: {only_rebuilt:#?}"
        );
    }
}
