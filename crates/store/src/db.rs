//! Connecting, and the few helpers every query goes through.

use crate::{migrate, StoreError};
use sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};
use sea_query_binder::{SqlxBinder, SqlxValues};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Executor, Transaction};
use std::str::FromStr;
use std::time::Duration;

/// The longest a long writer waits for others between its batches.
pub const LET_THROUGH: Duration = Duration::from_secs(2);

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// The store: a pool and the backend it talks to. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    pub(crate) backend: Backend,
    /// The SQLite file, for the bulk reader (`facts`); None on PostgreSQL.
    pub(crate) sqlite_file: Option<std::sync::Arc<std::path::PathBuf>>,
    /// The URL connected to, for a bulk connection of its own (the determinations' `COPY`).
    pub(crate) url: std::sync::Arc<str>,
    /// Write transactions of this process waiting to begin.
    waiting: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    /// Idle rusqlite connections for read models on a SQLite file ([`crate::read`]).
    pub(crate) readers: std::sync::Arc<std::sync::Mutex<Vec<rusqlite::Connection>>>,
}

/// A write transaction. On SQLite it is `BEGIN IMMEDIATE`, so a transaction that reads before
/// it writes can never fail half-way with "database is locked" (STORE-NOTES).
pub struct WriteTx {
    pub(crate) tx: Transaction<'static, Any>,
    pub(crate) backend: Backend,
    /// Households whose counts change with this transaction (settled at commit).
    pub(crate) pending: crate::tallies::Pending,
}

impl Store {
    /// Connects to `url` (`sqlite://path` or `postgres://…`), creating a SQLite file and its
    /// folder if missing, and applies pending migrations.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        let store = Self::connect(url).await?;
        if store.migrate().await? > 0 {
            // A SQLite connection that was open while another one changed the schema can name a
            // column added since by its quoted text ("\"in_use\"" for in_use): migrations ran,
            // so start again with connections that know the new schema.
            store.close().await;
            return Self::connect(url).await;
        }
        Ok(store)
    }

    /// Connects without migrating.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        Self::connect_with(url, false).await
    }

    /// Opens a SQLite file only to read it, changing nothing in it (not even its journal mode):
    /// for checking a backup before it is trusted.
    pub async fn open_read_only(url: &str) -> Result<Store, StoreError> {
        if !url.starts_with("sqlite:") {
            return Err(StoreError::Database(sqlx::Error::Configuration(
                "read-only opening is for SQLite files".into(),
            )));
        }
        Self::connect_with(url, true).await
    }

    async fn connect_with(url: &str, read_only: bool) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::Database(sqlx::Error::Configuration(
                "the database URL must start with sqlite: or postgres:".into(),
            )));
        };
        let mut url = url.to_string();
        if backend == Backend::Sqlite {
            let path = sqlx::sqlite::SqliteConnectOptions::from_str(&url)?;
            if let Some(dir) = path.get_filename().parent().filter(|_| !read_only) {
                if !dir.as_os_str().is_empty() && !dir.exists() {
                    // Personal data: the folder is its owner's only (issue 19).
                    let mut b = std::fs::DirBuilder::new();
                    b.recursive(true);
                    #[cfg(unix)]
                    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
                    b.create(dir).map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
                }
            }
            if !url.contains("mode=") {
                let mode = if read_only { "mode=ro" } else { "mode=rwc" };
                url.push_str(&format!("{}{mode}", if url.contains('?') { '&' } else { '?' }));
            }
        }
        let options = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 10 })
            .acquire_timeout(Duration::from_secs(30))
            // A connection to a file cannot drop the way a network one can: pinging it before
            // each use was one more hand-off to its worker thread per query (issue 21).
            .test_before_acquire(backend == Backend::Postgres)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite && read_only {
                        conn.execute("PRAGMA query_only=ON").await?;
                    } else if backend == Backend::Sqlite {
                        // WAL lets readers run beside the writer; FULL makes a commit durable.
                        conn.execute("PRAGMA journal_mode=WAL").await?;
                        conn.execute("PRAGMA synchronous=FULL").await?;
                        conn.execute("PRAGMA foreign_keys=ON").await?;
                        conn.execute("PRAGMA busy_timeout=10000").await?;
                        // 16 MB of pages per connection (SQLite's default is 2 MB): the blind
                        // indexes of resident IDs are probed and filled in random order, and a
                        // city's (1,000,000 IDs, 8-byte keys) then mostly stays in memory.
                        conn.execute("PRAGMA cache_size=-16384").await?;
                    }
                    Ok(())
                })
            });
        // No statement text in the logs: statements written out (imports, rosters) hold resident
        // IDs, and sqlx logs a slow one whole at WARN. Slowness is measured by the benchmarks.
        use sqlx::ConnectOptions;
        let connect = sqlx::any::AnyConnectOptions::from_str(&url)?
            .log_statements(tracing::log::LevelFilter::Off)
            .log_slow_statements(tracing::log::LevelFilter::Off, Duration::from_secs(3600));
        let pool = options.connect_with(connect).await?;
        #[cfg(unix)]
        if backend == Backend::Sqlite && !read_only {
            // The database and its journal: readable by their owner only, whatever the umask.
            let file = sqlx::sqlite::SqliteConnectOptions::from_str(&url)?.get_filename().to_path_buf();
            for suffix in ["", "-wal", "-shm"] {
                let mut name = file.clone().into_os_string();
                name.push(suffix);
                use std::os::unix::fs::PermissionsExt;
                if let Ok(m) = std::fs::metadata(&name) {
                    if m.permissions().mode() & 0o077 != 0 {
                        let _ = std::fs::set_permissions(&name, std::fs::Permissions::from_mode(0o600));
                    }
                }
            }
        }
        let sqlite_file = match backend {
            Backend::Sqlite => crate::facts::sqlite_file(&url).map(std::sync::Arc::new),
            Backend::Postgres => None,
        };
        Ok(Store {
            pool,
            backend,
            sqlite_file,
            url: url.into(),
            waiting: Default::default(),
            readers: Default::default(),
        })
    }

    /// Applies the embedded migrations that have not run yet; returns how many ran.
    pub async fn migrate(&self) -> Result<usize, StoreError> {
        migrate::run(self).await
    }

    /// The latest applied migration.
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        migrate::current(self).await
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Starts a write transaction.
    pub async fn begin(&self) -> Result<WriteTx, StoreError> {
        use std::sync::atomic::Ordering;
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        };
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        Ok(WriteTx { tx: tx?, backend: self.backend, pending: Default::default() })
    }

    /// Between the batches of a long piece of writing (an import): lets the write transactions
    /// of this process that are waiting to begin go first, for at most [`LET_THROUGH`]. SQLite
    /// runs one writer at a time and its waiting is not a queue: a writer that commits and begins
    /// again at once can keep others waiting until their busy timeout.
    pub async fn let_writers_through(&self) {
        let since = std::time::Instant::now();
        while self.waiting.load(std::sync::atomic::Ordering::SeqCst) > 0 && since.elapsed() < LET_THROUGH {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    /// Closes the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub(crate) fn build(&self, stmt: &impl SqlxBinder) -> (String, SqlxValues) {
        build(self.backend, stmt)
    }

    pub(crate) async fn all(&self, stmt: &impl SqlxBinder) -> Result<Vec<AnyRow>, StoreError> {
        let (sql, values) = self.build(stmt);
        Ok(sqlx::query_with(&sql, values).fetch_all(&self.pool).await?)
    }

    pub(crate) async fn optional(&self, stmt: &impl SqlxBinder) -> Result<Option<AnyRow>, StoreError> {
        let (sql, values) = self.build(stmt);
        Ok(sqlx::query_with(&sql, values).fetch_optional(&self.pool).await?)
    }

    /// How many rows of `table` meet `cond`.
    pub(crate) async fn count_where(
        &self,
        table: impl sea_query::IntoTableRef,
        cond: sea_query::Cond,
    ) -> Result<i64, StoreError> {
        let q = sea_query::Query::select()
            .expr_as(sea_query::Expr::cust("COUNT(*)"), sea_query::Alias::new("n"))
            .from(table)
            .cond_where(cond)
            .to_owned();
        match self.optional(&q).await? {
            Some(row) => get(&row, "n"),
            None => Ok(0),
        }
    }

    /// How many rows `matches` (a SELECT of the matching rows) gives, reading at most `cap + 1`:
    /// enough to page and to say "more than cap", cheap on any table size.
    pub(crate) async fn capped_count(
        &self,
        mut matches: sea_query::SelectStatement,
        cap: u64,
    ) -> Result<u64, StoreError> {
        matches.limit(cap + 1);
        let count = sea_query::Query::select()
            .expr_as(sea_query::Expr::cust("COUNT(*)"), sea_query::Alias::new("n"))
            .from_subquery(matches, sea_query::Alias::new("m"))
            .to_owned();
        let n: i64 = match self.optional(&count).await? {
            Some(row) => get(&row, "n")?,
            None => 0,
        };
        Ok(n.max(0) as u64)
    }
}

impl WriteTx {
    /// Commits, after bringing the kept counts in step with what the transaction changed.
    pub async fn commit(mut self) -> Result<(), StoreError> {
        self.tally_settle().await?;
        Ok(self.tx.commit().await?)
    }

    pub(crate) async fn exec(&mut self, stmt: &impl SqlxBinder) -> Result<u64, StoreError> {
        let (sql, values) = build(self.backend, stmt);
        Ok(sqlx::query_with(&sql, values).execute(&mut *self.tx).await?.rows_affected())
    }

    pub(crate) async fn all(&mut self, stmt: &impl SqlxBinder) -> Result<Vec<AnyRow>, StoreError> {
        let (sql, values) = build(self.backend, stmt);
        Ok(sqlx::query_with(&sql, values).fetch_all(&mut *self.tx).await?)
    }

    pub(crate) async fn optional(&mut self, stmt: &impl SqlxBinder) -> Result<Option<AnyRow>, StoreError> {
        let (sql, values) = build(self.backend, stmt);
        Ok(sqlx::query_with(&sql, values).fetch_optional(&mut *self.tx).await?)
    }

    /// Runs an `INSERT … RETURNING id` and gives the id.
    pub(crate) async fn insert_id(&mut self, stmt: &impl SqlxBinder) -> Result<i64, StoreError> {
        let row = self.optional(stmt).await?.ok_or(StoreError::Corrupt("id"))?;
        get(&row, "id")
    }

    pub(crate) async fn raw(&mut self, sql: &str) -> Result<(), StoreError> {
        sqlx::query(sql).execute(&mut *self.tx).await?;
        Ok(())
    }
}

pub(crate) fn build(backend: Backend, stmt: &impl SqlxBinder) -> (String, SqlxValues) {
    match backend {
        Backend::Sqlite => stmt.build_sqlx(SqliteQueryBuilder),
        Backend::Postgres => stmt.build_sqlx(PostgresQueryBuilder),
    }
}

/// A row as the store's decoders read it, whichever driver handed it over: sqlx's `AnyRow` (the
/// pool, a write transaction) or rusqlite's (a read model on a SQLite file, see
/// [`crate::read::ReadModel`]). Cells are asked for by column name.
pub(crate) trait RowGet {
    /// An integer cell (NULL is `None`).
    fn int(&self, col: &'static str) -> Result<Option<i64>, StoreError>;
    /// A text cell (NULL is `None`).
    fn text(&self, col: &'static str) -> Result<Option<String>, StoreError>;
    /// A real cell (NULL is `None`).
    fn real(&self, col: &'static str) -> Result<Option<f64>, StoreError>;
}

impl RowGet for AnyRow {
    fn int(&self, col: &'static str) -> Result<Option<i64>, StoreError> {
        sqlx::Row::try_get(self, col).map_err(|_| StoreError::Corrupt(col))
    }
    fn text(&self, col: &'static str) -> Result<Option<String>, StoreError> {
        sqlx::Row::try_get(self, col).map_err(|_| StoreError::Corrupt(col))
    }
    fn real(&self, col: &'static str) -> Result<Option<f64>, StoreError> {
        sqlx::Row::try_get(self, col).map_err(|_| StoreError::Corrupt(col))
    }
}

impl RowGet for rusqlite::Row<'_> {
    fn int(&self, col: &'static str) -> Result<Option<i64>, StoreError> {
        self.get(col).map_err(|_| StoreError::Corrupt(col))
    }
    fn text(&self, col: &'static str) -> Result<Option<String>, StoreError> {
        self.get(col).map_err(|_| StoreError::Corrupt(col))
    }
    fn real(&self, col: &'static str) -> Result<Option<f64>, StoreError> {
        self.get(col).map_err(|_| StoreError::Corrupt(col))
    }
}

/// A type a cell is read into.
pub(crate) trait Cell: Sized {
    /// Reads `col` of `row`.
    fn read(row: &dyn RowGet, col: &'static str) -> Result<Self, StoreError>;
}

impl Cell for Option<i64> {
    fn read(row: &dyn RowGet, col: &'static str) -> Result<Self, StoreError> {
        row.int(col)
    }
}
impl Cell for Option<String> {
    fn read(row: &dyn RowGet, col: &'static str) -> Result<Self, StoreError> {
        row.text(col)
    }
}
impl Cell for Option<f64> {
    fn read(row: &dyn RowGet, col: &'static str) -> Result<Self, StoreError> {
        row.real(col)
    }
}
impl Cell for i64 {
    fn read(row: &dyn RowGet, col: &'static str) -> Result<Self, StoreError> {
        row.int(col)?.ok_or(StoreError::Corrupt(col))
    }
}
impl Cell for String {
    fn read(row: &dyn RowGet, col: &'static str) -> Result<Self, StoreError> {
        row.text(col)?.ok_or(StoreError::Corrupt(col))
    }
}
impl Cell for f64 {
    fn read(row: &dyn RowGet, col: &'static str) -> Result<Self, StoreError> {
        row.real(col)?.ok_or(StoreError::Corrupt(col))
    }
}

/// Reads a column, turning a decode failure (or a NULL where none may be) into
/// [`StoreError::Corrupt`].
pub(crate) fn get<T: Cell>(row: &dyn RowGet, col: &'static str) -> Result<T, StoreError> {
    T::read(row, col)
}

/// Reads a code column into a vocabulary type.
pub(crate) fn get_code<T>(row: &dyn RowGet, col: &'static str, parse: fn(&str) -> Option<T>) -> Result<T, StoreError> {
    let s: String = get(row, col)?;
    parse(&s).ok_or(StoreError::Corrupt(col))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[tokio::test]
    async fn the_data_folder_and_the_database_are_their_owners_only() {
        let Ok(tmp) = tempfile_dir() else { return };
        let dir = tmp.join("bangfu-data");
        let url = format!("sqlite://{}/bangfu.db", dir.display());
        let store = Store::open(&url).await.expect("open");
        store.close().await;
        let mode = |p: &std::path::Path| std::fs::metadata(p).map(|m| m.permissions().mode() & 0o777).unwrap_or(0);
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("bangfu.db")), 0o600);
        let _ = std::fs::remove_dir_all(&tmp);
    }

    fn tempfile_dir() -> std::io::Result<std::path::PathBuf> {
        let d = std::env::temp_dir().join(format!("bangfu-perm-{}", std::process::id()));
        std::fs::create_dir_all(&d)?;
        Ok(d)
    }
}
