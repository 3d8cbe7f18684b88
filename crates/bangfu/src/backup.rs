//! `bangfu backup FILE` and `bangfu restore FILE` for the embedded SQLite database.
//!
//! A backup is a consistent copy of the live database (SQLite's `VACUUM INTO`), written beside
//! its final name and renamed only when complete and checked. A restore writes only a new
//! database: it copies the backup beside the target, checks the copy (integrity, a Bangfu schema
//! no newer than this program, the audit chain), and only then gives it the target's name.
//! Nothing is left behind when a step fails. PostgreSQL: pg_dump and point-in-time recovery
//! (docs/deployment.md).
//!
//! Every backup has a manifest beside it (`FILE.manifest.json`): its size and SM3 digest
//! (GB/T 32905), schema version and audit entries. A restore checks the copy it makes against
//! the manifest before anything else; a backup without one is restored only when asked to
//! (`--without-manifest`, for backups made before manifests existed).

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
async fn check(store: Store, what: &str) -> anyhow::Result<(i64, u64)> {
    let result = check_open(&store, what).await;
    store.close().await;
    result
}

async fn check_open(store: &Store, what: &str) -> anyhow::Result<(i64, u64)> {
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
    Ok((version, entries))
}

/// What a backup's manifest says of it.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Manifest {
    /// The backup's file name.
    file: String,
    /// Its size in bytes.
    bytes: u64,
    /// SM3 of its bytes, lower-case hex.
    sm3: String,
    /// Its schema version.
    schema_version: i64,
    /// Entries of its audit trail.
    audit_entries: u64,
    /// When it was made (Beijing time).
    made_at: String,
    /// The program that made it.
    bangfu_version: String,
}

/// The manifest beside a backup: `FILE.manifest.json`.
fn manifest_path(file: &Path) -> PathBuf {
    let mut name = file.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".manifest.json");
    file.with_file_name(name)
}

/// The size and SM3 digest of a file, read in pieces.
fn sm3_of(path: &Path) -> anyhow::Result<(u64, String)> {
    use sm3::Digest;
    use std::io::Read;
    let mut f = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut h = sm3::Sm3::new();
    let (mut buf, mut bytes) = (vec![0u8; 1 << 20], 0u64);
    loop {
        let n = f.read(&mut buf).with_context(|| format!("cannot read {}", path.display()))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        bytes += n as u64;
    }
    Ok((bytes, format!("{:x}", h.finalize())))
}

/// `bangfu backup FILE`.
pub async fn backup(store: &Store, file: &Path) -> anyhow::Result<()> {
    if store.backend() != bangfu_store::Backend::Sqlite {
        bail!(
            "bangfu backup copies the embedded SQLite database; back up PostgreSQL with pg_dump -Fc or a base backup \
             with WAL archiving (docs/deployment.md)"
        );
    }
    let manifest = manifest_path(file);
    for f in [file, manifest.as_path()] {
        if f.exists() {
            bail!("{} already exists: a backup never overwrites a file", f.display());
        }
    }
    let (work, work_manifest) = (partial(file), partial(&manifest));
    remove_sqlite(&work);
    let started = std::time::Instant::now();
    let result = async {
        store.backup_sqlite_into(&work).await.with_context(|| format!("cannot write {}", work.display()))?;
        let (schema_version, audit_entries) = check(open_copy(&work).await?, "the backup").await?;
        drop_companions(&work)?;
        let (bytes, sm3) = sm3_of(&work)?;
        let m = Manifest {
            file: file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default(),
            bytes,
            sm3,
            schema_version,
            audit_entries,
            made_at: bangfu_app::clock::now().format("%Y-%m-%d %H:%M:%S").to_string(),
            bangfu_version: env!("CARGO_PKG_VERSION").to_string(),
        };
        std::fs::write(&work_manifest, serde_json::to_string_pretty(&m)?)
            .with_context(|| format!("cannot write {}", work_manifest.display()))?;
        std::fs::rename(&work, file)
            .with_context(|| format!("cannot rename {} to {}", work.display(), file.display()))?;
        std::fs::rename(&work_manifest, &manifest)
            .with_context(|| format!("cannot rename {} to {}", work_manifest.display(), manifest.display()))?;
        println!("manifest {}: {bytes} bytes, SM3 {}", manifest.display(), m.sm3);
        anyhow::Ok(())
    }
    .await;
    if result.is_err() {
        remove_sqlite(&work);
        let _ = std::fs::remove_file(&work_manifest);
    }
    result?;
    println!("backup written to {} in {:.1} s", file.display(), started.elapsed().as_secs_f64());
    Ok(())
}

/// Checks the copy of a backup against the manifest beside the backup: size and SM3.
fn check_manifest(file: &Path, copy: &Path, without_manifest: bool) -> anyhow::Result<()> {
    let manifest = manifest_path(file);
    if !manifest.exists() {
        if without_manifest {
            println!("no manifest beside {}: restored without checking its SM3 digest, as asked", file.display());
            return Ok(());
        }
        bail!(
            "{} has no manifest beside it ({}): its contents cannot be checked. A backup made before manifests \
             existed can be restored with --without-manifest",
            file.display(),
            manifest.display()
        );
    }
    let text = std::fs::read_to_string(&manifest).with_context(|| format!("cannot read {}", manifest.display()))?;
    let m: Manifest =
        serde_json::from_str(&text).with_context(|| format!("{} is not a backup manifest", manifest.display()))?;
    let (bytes, sm3) = sm3_of(copy)?;
    if bytes != m.bytes || sm3 != m.sm3 {
        bail!(
            "{} does not match its manifest: {bytes} bytes with SM3 {sm3}, the manifest says {} bytes with SM3 {}",
            file.display(),
            m.bytes,
            m.sm3
        );
    }
    println!("the backup matches its manifest: {bytes} bytes, SM3 {sm3}");
    Ok(())
}

/// `bangfu restore FILE` into the SQLite database named by `url`, which must not exist yet.
pub async fn restore(url: &str, file: &Path, without_manifest: bool) -> anyhow::Result<()> {
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
        check_manifest(file, &work, without_manifest)?;
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
