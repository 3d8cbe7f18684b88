//! Where a read runs, and read models: several statements read as one (issue 21).
//!
//! The store's read functions are written once against [`Source`]: the pool, an open write
//! transaction, or one read transaction. A read model (a household's page) reads all of its
//! statements in one read transaction: on a SQLite file on a rusqlite connection kept by the
//! store, on one blocking thread — no hand-off to a driver's worker thread per statement, which
//! was most of the page's time — and elsewhere (PostgreSQL, a SQLite database in memory) in one
//! sqlx transaction, `REPEATABLE READ, READ ONLY` on PostgreSQL. The statements and the decoders
//! are the same on every path ([`RowGet`]).

use crate::db::{build, RowGet, Store, WriteTx};
use crate::facts::bulk_error;
use crate::{Backend, StoreError};
use sea_query::{SelectStatement, SqliteQueryBuilder};
use sea_query_rusqlite::RusqliteBinder;
use std::future::Future;

/// Something the store's statements can be read from.
pub(crate) trait Source {
    /// The rows `q` selects, each decoded by `f`.
    fn rows<T: Send>(
        &mut self,
        q: &SelectStatement,
        f: fn(&dyn RowGet) -> Result<T, StoreError>,
    ) -> impl Future<Output = Result<Vec<T>, StoreError>> + Send;
}

/// The pool: each statement on whichever connection is free.
pub(crate) struct Pooled<'a>(pub(crate) &'a Store);

impl Source for Pooled<'_> {
    fn rows<T: Send>(
        &mut self,
        q: &SelectStatement,
        f: fn(&dyn RowGet) -> Result<T, StoreError>,
    ) -> impl Future<Output = Result<Vec<T>, StoreError>> + Send {
        let store = self.0;
        let (sql, values) = store.build(q);
        async move {
            let rows = sqlx::query_with(&sql, values).fetch_all(&store.pool).await?;
            rows.iter().map(|r| f(r)).collect()
        }
    }
}

impl Source for WriteTx {
    fn rows<T: Send>(
        &mut self,
        q: &SelectStatement,
        f: fn(&dyn RowGet) -> Result<T, StoreError>,
    ) -> impl Future<Output = Result<Vec<T>, StoreError>> + Send {
        tx_rows(&mut self.tx, self.backend, q, f)
    }
}

/// The rows `q` selects in an open sqlx transaction.
fn tx_rows<'t, T: Send>(
    tx: &'t mut sqlx::Transaction<'static, sqlx::Any>,
    backend: Backend,
    q: &SelectStatement,
    f: fn(&dyn RowGet) -> Result<T, StoreError>,
) -> impl Future<Output = Result<Vec<T>, StoreError>> + Send + use<'t, T> {
    let (sql, values) = build(backend, q);
    async move {
        let rows = sqlx::query_with(&sql, values).fetch_all(&mut **tx).await?;
        rows.iter().map(|r| f(r)).collect()
    }
}

/// One read transaction on a rusqlite connection to the SQLite file, held by the one thread that
/// reads it. Its statements run as they are asked for: the future it gives is ready.
pub(crate) struct Lite(rusqlite::Connection);

impl Source for Lite {
    fn rows<T: Send>(
        &mut self,
        q: &SelectStatement,
        f: fn(&dyn RowGet) -> Result<T, StoreError>,
    ) -> impl Future<Output = Result<Vec<T>, StoreError>> + Send {
        std::future::ready(lite_rows(&self.0, q, f))
    }
}

fn lite_rows<T>(
    conn: &rusqlite::Connection,
    q: &SelectStatement,
    f: fn(&dyn RowGet) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let (sql, values) = q.build_rusqlite(SqliteQueryBuilder);
    let mut stmt = conn.prepare_cached(&sql).map_err(bulk_error)?;
    let mut rows = stmt.query(&*values.as_params()).map_err(bulk_error)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(bulk_error)? {
        out.push(f(row)?);
    }
    Ok(out)
}

/// Read connections kept for read models, at most this many idle.
const KEPT_READERS: usize = 4;

/// A read model: what it reads, written once against any [`Source`].
pub(crate) trait ReadModel: Send + 'static {
    /// What it gives.
    type Out: Send + 'static;
    /// Reads it from `src`, which it must only read from.
    fn read<S: Source + Send>(self, src: &mut S) -> impl Future<Output = Result<Self::Out, StoreError>> + Send;
}

impl Store {
    /// Reads `model` in one read transaction (see the module's text).
    pub(crate) async fn read_model<M: ReadModel>(&self, model: M) -> Result<M::Out, StoreError> {
        if let Some(file) = self.sqlite_file.clone() {
            let readers = self.readers.clone();
            let handle = tokio::runtime::Handle::current();
            return tokio::task::spawn_blocking(move || {
                let kept = readers.lock().ok().and_then(|mut r| r.pop());
                let conn = match kept {
                    Some(c) => c,
                    None => {
                        let c = crate::facts::open_reader(&file)?;
                        c.set_prepared_statement_cache_capacity(64);
                        c
                    }
                };
                conn.execute_batch("BEGIN").map_err(bulk_error)?;
                let mut src = Lite(conn);
                let out = handle.block_on(model.read(&mut src));
                let Lite(conn) = src;
                // Nothing was written: ending the transaction only lets go of its snapshot.
                conn.execute_batch("ROLLBACK").map_err(bulk_error)?;
                if let Ok(mut r) = readers.lock() {
                    if r.len() < KEPT_READERS {
                        r.push(conn);
                    }
                }
                out
            })
            .await
            .map_err(|e| StoreError::Database(sqlx::Error::Protocol(format!("read model: {e}"))))?;
        }
        let tx = match self.backend {
            // One round trip: the snapshot and the read-only guard with the BEGIN.
            Backend::Postgres => self.pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY").await?,
            Backend::Sqlite => self.pool.begin().await?,
        };
        // An open transaction of the pool's, read only (on PostgreSQL enforced: a write fails).
        let mut src = WriteTx { tx, backend: self.backend, pending: Default::default() };
        let out = model.read(&mut src).await?;
        src.tx.commit().await?;
        Ok(out)
    }
}
