//! Backup and restore drill (issue 9): `bangfu backup` copies a live SQLite database while the
//! server writes to it; `bangfu restore` brings the copy back as a new database, whose counts and
//! audit chain are checked. Refusals change nothing. On PostgreSQL the documented route
//! (pg_dump -Fc, pg_restore into a new database) is drilled the same way.

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod common;

use bangfu_app::App;
use bangfu_store::testing::TestDb;
use bangfu_store::Store;
use common::{city_token, id_with_check, Server};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

fn bangfu(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bangfu"))
        .env("BANGFU_KEY_FILE", bangfu_store::testing::test_key_file())
        .args(["--database-url", url])
        .args(args)
        .env("BANGFU_LOG", "error")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

async fn counts_and_chain(url: &str) -> (Vec<(&'static str, i64)>, u64) {
    let store = Store::open(url).await.unwrap();
    assert!(store.integrity_check().await.unwrap().is_ok());
    let counts = store.table_counts().await.unwrap();
    let chain = store.verify_audit(&|_| {}).await.unwrap().expect("the audit chain is intact");
    store.close().await;
    (counts, chain)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_live_backup_restores_into_a_fresh_database_with_its_counts_and_audit_chain() {
    let db = TestDb::sqlite();
    let app = App::new(db.open().await);
    app.demo(None, 300, 7, &|_| {}).await.unwrap();
    let token = city_token(&app).await;
    app.store.close().await;
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).display().to_string();

    // 1. Backup while the server takes writes.
    let server = Server::start(&db.url).await;
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicUsize::new(0));
    let writer = {
        let (base, stop, written) = (server.base.clone(), stop.clone(), written.clone());
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let body = serde_json::json!({
                    "head_name": format!("备份中{i}"),
                    "head_id_number": id_with_check(&format!("45042119800101{i:03}")),
                    "region_code": "450421", "registered_on": "2019-01-01",
                    "causes": ["illness"], "work_capacity": "partial",
                });
                let r = client.post(format!("{base}/api/v1/households")).bearer_auth(&token).json(&body).send().await;
                assert_eq!(r.unwrap().status(), reqwest::StatusCode::CREATED);
                written.fetch_add(1, Ordering::Relaxed);
                i += 1;
                assert!(i < 1000, "the backup took too long");
            }
        })
    };
    while written.load(Ordering::Relaxed) < 5 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let live = bangfu(&db.url, &["backup", &path("live.db")]);
    assert!(live.status.success(), "{}", text(&live));
    assert!(text(&live).contains("audit trail intact"), "{}", text(&live));
    let during = written.load(Ordering::Relaxed);
    stop.store(true, Ordering::Relaxed);
    writer.await.unwrap();
    assert!(written.load(Ordering::Relaxed) > 5, "no write ran beside the backup");
    drop(server);

    let restored = format!("sqlite://{}", path("restored-live.db"));
    let r = bangfu(&restored, &["restore", &path("live.db")]);
    assert!(r.status.success(), "{}", text(&r));
    let (counts, chain) = counts_and_chain(&restored).await;
    let households = counts.iter().find(|c| c.0 == "households").unwrap().1;
    // The copy is one moment of the live database: the demo plus the writes acknowledged before it.
    assert!(
        households >= 300 + 5 && households <= 300 + during as i64 + 1,
        "{households} households, {during} written"
    );
    assert!(chain > 0);

    // 2. A quiet backup restores to exactly what the database holds.
    let quiet = bangfu(&db.url, &["backup", &path("quiet.db")]);
    assert!(quiet.status.success(), "{}", text(&quiet));
    let restored2 = format!("sqlite://{}", path("restored-quiet.db"));
    let r2 = bangfu(&restored2, &["restore", &path("quiet.db")]);
    assert!(r2.status.success(), "{}", text(&r2));
    assert!(text(&r2).contains("the backup matches its manifest"), "{}", text(&r2));
    assert_eq!(counts_and_chain(&restored2).await, counts_and_chain(&db.url).await);

    // 3. Refusals change nothing and leave nothing behind.
    let again = bangfu(&db.url, &["backup", &path("quiet.db")]);
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again).contains("already exists"), "{}", text(&again));
    let before = std::fs::read(path("restored-quiet.db")).unwrap();
    let over = bangfu(&restored2, &["restore", &path("live.db")]);
    assert_eq!(over.status.code(), Some(2));
    assert!(text(&over).contains("already exists"), "{}", text(&over));
    assert_eq!(std::fs::read(path("restored-quiet.db")).unwrap(), before);
    std::fs::write(path("garbage.db"), b"this is not a database, only words".repeat(200)).unwrap();
    let unchecked = bangfu(&format!("sqlite://{}", path("from-garbage.db")), &["restore", &path("garbage.db")]);
    assert_eq!(unchecked.status.code(), Some(2), "{}", text(&unchecked));
    assert!(text(&unchecked).contains("has no manifest"), "{}", text(&unchecked));
    let bad = bangfu(
        &format!("sqlite://{}", path("from-garbage.db")),
        &["restore", &path("garbage.db"), "--without-manifest"],
    );
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
    assert!(text(&bad).contains("not a SQLite database") || text(&bad).contains("damaged"), "{}", text(&bad));
    let missing = bangfu(&format!("sqlite://{}", path("from-nothing.db")), &["restore", &path("nothing.db")]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing).contains("is not a file"), "{}", text(&missing));
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with("from-") || n.contains(".partial"))
        .collect();
    assert!(left.is_empty(), "a refused restore left {left:?}");
    // A damaged backup: a page in the middle overwritten; its manifest's SM3 no longer matches.
    let mut damaged = std::fs::read(path("quiet.db")).unwrap();
    let mid = damaged.len() / 2;
    damaged[mid..mid + 4096].fill(0x5a);
    std::fs::write(path("damaged.db"), damaged).unwrap();
    std::fs::copy(path("quiet.db.manifest.json"), path("damaged.db.manifest.json")).unwrap();
    let d = bangfu(&format!("sqlite://{}", path("from-damaged.db")), &["restore", &path("damaged.db")]);
    assert_eq!(d.status.code(), Some(2), "a damaged backup was restored: {}", text(&d));
    assert!(text(&d).contains("does not match its manifest"), "{}", text(&d));
    assert!(!dir.path().join("from-damaged.db").exists());
    // The manifest: size and SM3 of the backup's bytes.
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(path("quiet.db.manifest.json")).unwrap()).unwrap();
    assert_eq!(m["bytes"], std::fs::metadata(path("quiet.db")).unwrap().len());
    assert_eq!(m["sm3"].as_str().unwrap().len(), 64);
    assert!(m["audit_entries"].as_u64().unwrap() > 0);
}

/// The PostgreSQL route of docs/deployment.md: pg_dump -Fc, then pg_restore into a new database.
#[tokio::test]
async fn postgresql_pg_dump_and_pg_restore_keep_counts_and_the_audit_chain() {
    let Some(source) = TestDb::postgres().await else {
        assert!(std::env::var("CI").is_err(), "CI must drill the PostgreSQL route too");
        eprintln!("PostgreSQL skipped: BANGFU_TEST_DATABASE_URL is not set");
        return;
    };
    let app = App::new(source.open().await);
    app.demo(None, 200, 3, &|_| {}).await.unwrap();
    city_token(&app).await;
    app.store.close().await;
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("bangfu.dump");
    let out = Command::new("pg_dump").args(["-Fc", "-f"]).arg(&dump).arg(&source.url).output().unwrap();
    assert!(out.status.success(), "pg_dump: {}", text(&out));
    let target = TestDb::postgres().await.unwrap();
    let out = Command::new("pg_restore")
        .args(["--no-owner", "--exit-on-error", "-d", &target.url])
        .arg(&dump)
        .output()
        .unwrap();
    assert!(out.status.success(), "pg_restore: {}", text(&out));
    let (counts, chain) = counts_and_chain(&target.url).await;
    assert_eq!((counts.clone(), chain), counts_and_chain(&source.url).await);
    assert!(counts.iter().find(|c| c.0 == "households").unwrap().1 >= 200);
}
