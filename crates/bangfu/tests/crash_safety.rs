//! Crash safety (issue 9): `bangfu serve` and `bangfu import` are killed with SIGKILL in the
//! middle of their writes, round after round, on one database. Afterwards every write the server
//! acknowledged (201) is there, every import is there whole or not at all, SQLite's
//! `integrity_check` says ok, the audit chain is intact, and SQLite runs with synchronous=FULL.
//!
//! SIGKILL loses the process, not the operating system's page cache: a power cut is not
//! simulated here (LazyFS needs FUSE and a build from its sources, neither available on this
//! machine kind; see docs/performance.md). `BANGFU_CRASH_ROUNDS` sets the rounds (default 100).

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod common;

use bangfu_app::App;
use bangfu_store::testing::TestDb;
use common::{city_and_token, id_with_check, Server};
use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const IMPORT_ROWS: usize = 300;
const WRITERS: usize = 4;

/// Resident IDs no other round uses: round r (< 840) picks the birth year and month, row i
/// (< 28,000) the day and the sequence number.
fn head_id(prefix: &str, round: usize, i: usize) -> String {
    let (year, month) = (1930 + round % 70, 1 + (round / 70) % 12);
    id_with_check(&format!("{prefix}{year}{month:02}{:02}{:03}", 1 + i / 1000, i % 1000))
}

fn import_file(dir: &std::path::Path, round: usize) -> (std::path::PathBuf, Vec<String>) {
    let mut csv = String::from("户主姓名,户主身份证号,地区代码,建档日期,致困原因,劳动能力,农民工家庭\n");
    let mut ids = Vec::new();
    for i in 0..IMPORT_ROWS {
        let id = head_id("450403", round, i);
        csv.push_str(&format!("导{round}户{i},{id},450403,2016-05-10,患病,部分丧失劳动能力,否\n"));
        ids.push(id);
    }
    let path = dir.join(format!("round-{round}.csv"));
    std::fs::write(&path, csv).unwrap();
    (path, ids)
}

/// Cheap deterministic "random" delays.
fn delay_ms(round: usize) -> u64 {
    let x = (round as u64).wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    40 + (x >> 33) % 500
}

async fn writer(base: String, token: String, round: usize, w: usize, acked: Arc<Mutex<Vec<String>>>) {
    let client = reqwest::Client::new();
    for i in 0..5000 {
        let id = head_id("450421", round, w * 5000 + i);
        let body = serde_json::json!({
            "head_name": format!("写{round}-{w}-{i}"),
            "head_id_number": id,
            "region_code": "450421",
            "registered_on": "2018-03-01",
            "causes": ["illness"],
            "work_capacity": "partial",
        });
        match client.post(format!("{base}/api/v1/households")).bearer_auth(&token).json(&body).send().await {
            Ok(r) if r.status() == reqwest::StatusCode::CREATED => acked.lock().unwrap().push(id),
            Ok(r) => panic!(
                "round {round}: the server refused a good household: {} {}",
                r.status(),
                r.text().await.unwrap_or_default()
            ),
            Err(_) => return, // the server is gone
        }
    }
}

async fn count_heads(store_url: &str, ids: &[String]) -> usize {
    let pool = sqlx::AnyPool::connect(store_url).await.unwrap();
    let mut n = 0;
    for chunk in ids.chunks(500) {
        // By the IDs' blind indexes: the IDs themselves are stored sealed.
        let list =
            chunk.iter().map(|id| bangfu_store::keys::blind(id).unwrap().to_string()).collect::<Vec<_>>().join(",");
        let row: (i64,) =
            sqlx::query_as(&format!("SELECT CAST(COUNT(*) AS BIGINT) FROM households WHERE head_id_index IN ({list})"))
                .fetch_one(&pool)
                .await
                .unwrap();
        n += row.0 as usize;
    }
    pool.close().await;
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killed_mid_write_loses_nothing_it_acknowledged() {
    let rounds: usize = std::env::var("BANGFU_CRASH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(100);
    for db in TestDb::all().await {
        let store = db.open().await;
        let app = App::new(store.clone());
        let token = city_and_token(&app).await;
        if db.backend == bangfu_store::Backend::Sqlite {
            assert_eq!(store.sqlite_pragma("synchronous").await.unwrap(), "2", "SQLite must run with synchronous=FULL");
            assert_eq!(store.sqlite_pragma("journal_mode").await.unwrap(), "wal");
        }
        store.close().await;
        sqlx::any::install_default_drivers();
        let files = tempfile::tempdir().unwrap();

        let acked = Arc::new(Mutex::new(Vec::<String>::new()));
        let mut imports = Vec::new();
        let (mut imports_cut, mut imports_done, mut in_flight_kills) = (0, 0, 0);
        for round in 0..rounds {
            let mut server = Server::start(&db.url).await;
            let (file, ids) = import_file(files.path(), round);
            let mut import = Command::new(env!("CARGO_BIN_EXE_bangfu"))
                .env("BANGFU_KEY_FILE", bangfu_store::testing::test_key_file())
                .args(["--database-url", &db.url, "import"])
                .arg(&file)
                .env("BANGFU_LOG", "error")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let before = acked.lock().unwrap().len();
            let tasks: Vec<_> = (0..WRITERS)
                .map(|w| tokio::spawn(writer(server.base.clone(), token.clone(), round, w, acked.clone())))
                .collect();
            tokio::time::sleep(Duration::from_millis(delay_ms(round))).await;
            // Both die at once, mid-write.
            let import_status = import.try_wait().unwrap();
            let _ = import.kill();
            server.kill();
            let _ = import.wait();
            for t in tasks {
                t.await.unwrap();
            }
            match import_status {
                Some(status) => {
                    assert!(status.success(), "round {round}: the import failed on its own: {status}");
                    imports_done += 1;
                }
                None => imports_cut += 1,
            }
            if acked.lock().unwrap().len() > before {
                in_flight_kills += 1;
            }
            imports.push((round, ids, import_status.is_some()));
        }

        // What survived.
        let store = db.open().await;
        if let Err(problem) = store.integrity_check().await.unwrap() {
            panic!("integrity_check after {rounds} kills: {problem}");
        }
        let acked = acked.lock().unwrap().clone();
        assert!(!acked.is_empty(), "no write was acknowledged: the test did not test");
        let found = count_heads(&db.url, &acked).await;
        assert_eq!(found, acked.len(), "{} acknowledged households are missing", acked.len() - found);
        let mut whole = 0;
        for (round, ids, finished) in &imports {
            let n = count_heads(&db.url, ids).await;
            assert!(n == 0 || n == IMPORT_ROWS, "round {round}: the import is half there ({n} of {IMPORT_ROWS} rows)");
            if *finished {
                assert_eq!(n, IMPORT_ROWS, "round {round}: the import said it finished but its rows are missing");
            }
            if n == IMPORT_ROWS {
                whole += 1;
            }
        }
        let broken = store.verify_audit(&|_| {}).await.unwrap();
        assert!(broken.is_ok(), "audit chain broken after the kills: {broken:?}");
        // The kills must have landed mid-import, and between acknowledged writes, often enough.
        assert!(imports_cut >= rounds / 10, "only {imports_cut} of {rounds} imports were cut: the kills came too late");
        assert!(in_flight_kills >= rounds / 2, "only {in_flight_kills} rounds had acknowledged writes");
        let distinct: BTreeSet<_> = acked.iter().collect();
        assert_eq!(distinct.len(), acked.len());
        eprintln!(
            "{:?}: {rounds} kills; {} acknowledged households all present; imports: {imports_done} finished, \
             {imports_cut} cut ({} of those committed before the kill), none half-applied; {}; audit intact",
            db.backend,
            acked.len(),
            whole - imports_done,
            if db.backend == bangfu_store::Backend::Sqlite {
                "integrity_check ok"
            } else {
                "(integrity_check is SQLite's)"
            }
        );
        store.close().await;
    }
}
