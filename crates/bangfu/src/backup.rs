//! `bangfu backup FILE` and `bangfu restore FILE` for the embedded SQLite database.
//!
//! A backup is a consistent copy of the live database (SQLite's `VACUUM INTO`), written beside
//! its final name and renamed only when complete and checked. A restore writes only a new
//! database: it copies the backup beside the target, checks the copy (integrity, a Bangfu schema
//! no newer than this program, the audit chain), and only then gives it the target's name.
//! Nothing is left behind when a step fails. PostgreSQL: pg_dump and point-in-time recovery
//! (docs/deployment.md).

use anyhow::{bail, Context};
use bangfu_store::Store;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// A file beside `path` for work in progress (same folder, so the rename is atomic).
fn partial(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".partial");
    path.with_file_name(name)
}

/// Removes a SQLite file and its WAL companions, ignoring what is not there.
fn remove_sqlite(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

/// Opens a copy read-only: checking it changes nothing in it and leaves no -wal / -shm beside it.
async fn open_copy(path: &Path) -> anyhow::Result<Store> {
    Store::open_read_only(&format!("sqlite://{}", path.display())).await.context("the backup is not a SQLite database")
}

/// After a read-only check: a WAL-mode file may have left an empty -wal and a -shm beside it.
/// They go before the file is renamed; a -wal with content would hold writes, so it stops us.
fn drop_companions(path: &Path) -> anyhow::Result<()> {
    let companion = |suffix: &str| {
        let mut p = path.as_os_str().to_os_string();
        p.push(suffix);
        PathBuf::from(p)
    };
    if std::fs::metadata(companion("-wal")).map(|m| m.len() > 0).unwrap_or(false) {
        bail!("{} has a write-ahead log with content: copy the database with bangfu backup", path.display());
    }
    let _ = std::fs::remove_file(companion("-wal"));
    let _ = std::fs::remove_file(companion("-shm"));
    Ok(())
}

/// Checks a database that is not in use yet: integrity, schema version, audit chain. Prints
/// what it holds. The store is closed on return.
async fn check(store: Store, what: &str) -> anyhow::Result<()> {
    let result = check_open(&store, what).await;
    store.close().await;
    result
}

async fn check_open(store: &Store, what: &str) -> anyhow::Result<()> {
    if let Err(problem) = store.integrity_check().await.with_context(|| format!("{what} is not a SQLite database"))? {
        bail!("{what} is damaged: integrity_check says {problem}");
    }
    let version = store.schema_version().await.with_context(|| format!("{what} is not a Bangfu database"))?;
    let known = bangfu_store::latest_schema_version();
    if version > known {
        bail!("{what} has schema version {version}, newer than this program's {known}: use a newer bangfu");
    }
    let entries = match store.verify_audit(&|_| {}).await? {
        Ok(n) => n,
        Err(broken) => bail!("{what}'s audit trail is broken: {broken}"),
    };
    println!("{what}: schema version {version}, integrity ok, audit trail intact ({entries} entries)");
    for (table, n) in store.table_counts().await? {
        println!("  {table:<16} {n}");
    }
    Ok(())
}

/// `bangfu backup FILE`.
pub async fn backup(store: &Store, file: &Path) -> anyhow::Result<()> {
    if store.backend() != bangfu_store::Backend::Sqlite {
        bail!(
            "bangfu backup copies the embedded SQLite database; back up PostgreSQL with pg_dump -Fc or a base backup \
             with WAL archiving (docs/deployment.md)"
        );
    }
    if file.exists() {
        bail!("{} already exists: a backup never overwrites a file", file.display());
    }
    let work = partial(file);
    remove_sqlite(&work);
    let started = std::time::Instant::now();
    let result = async {
        store.backup_sqlite_into(&work).await.with_context(|| format!("cannot write {}", work.display()))?;
        check(open_copy(&work).await?, "the backup").await?;
        drop_companions(&work)?;
        std::fs::rename(&work, file).with_context(|| format!("cannot rename {} to {}", work.display(), file.display()))
    }
    .await;
    if result.is_err() {
        remove_sqlite(&work);
    }
    result?;
    println!("backup written to {} in {:.1} s", file.display(), started.elapsed().as_secs_f64());
    Ok(())
}

/// `bangfu restore FILE` into the SQLite database named by `url`, which must not exist yet.
pub async fn restore(url: &str, file: &Path) -> anyhow::Result<()> {
    if !url.starts_with("sqlite:") {
        bail!("bangfu restore writes the embedded SQLite database; restore PostgreSQL with pg_restore (docs/deployment.md)");
    }
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(url).context("--database-url is not a SQLite URL")?;
    let target = options.get_filename().to_path_buf();
    if target.exists() && std::fs::metadata(&target).map(|m| m.len() > 0).unwrap_or(true) {
        bail!(
            "{} already exists: restore writes only a new database (move the old one away, or name another with --database-url)",
            target.display()
        );
    }
    if !file.is_file() {
        bail!("{} is not a file", file.display());
    }
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let work = partial(&target);
    remove_sqlite(&work);
    let result = async {
        std::fs::copy(file, &work).with_context(|| format!("cannot copy {} to {}", file.display(), work.display()))?;
        check(open_copy(&work).await?, "the backup").await?;
        drop_companions(&work)?;
        std::fs::rename(&work, &target)
            .with_context(|| format!("cannot rename {} to {}", work.display(), target.display()))?;
        // A backup from an older program is brought up to this one's schema.
        let store = Store::connect(url).await.context("cannot open the restored database")?;
        let ran = store.migrate().await?;
        store.close().await;
        if ran > 0 {
            println!("{ran} migrations applied");
        }
        anyhow::Ok(())
    }
    .await;
    if result.is_err() {
        remove_sqlite(&work);
    }
    result?;
    println!("restored {} into {}", file.display(), target.display());
    Ok(())
}
