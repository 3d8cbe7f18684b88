//! Issue 23: after `bangfu serve --demo` and an import (the command line's, beside the running
//! server), no resident ID and no phone number of anyone on file appears in clear anywhere in the
//! database file, its write-ahead log, or a backup (`bangfu backup`): the bytes are searched for
//! every ID and phone number the application holds. Nor is the key file's material in the backup.

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod common;

use bangfu_store::{Scope, Store};
use std::collections::HashSet;
use std::process::Command;

/// The IDs (18 characters) and phone numbers (11 digits) in `bytes` that are in `ids` / `phones`.
fn found(bytes: &[u8], ids: &HashSet<String>, phones: &HashSet<String>) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !(bytes[i].is_ascii_digit() || bytes[i] == b'X') {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'X') {
            i += 1;
        }
        let run = std::str::from_utf8(&bytes[start..i]).unwrap();
        for (len, set) in [(18, ids), (11, phones)] {
            for w in run.as_bytes().windows(len) {
                let w = std::str::from_utf8(w).unwrap();
                if set.contains(w) {
                    out.push(w.to_string());
                }
            }
        }
    }
    out
}

fn bangfu(url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_bangfu"))
        .env("BANGFU_KEY_FILE", bangfu_store::testing::test_key_file())
        .env("BANGFU_LOG", "warn")
        .args(["--database-url", url])
        .args(args)
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_resident_id_or_phone_in_clear_in_the_database_its_journal_or_a_backup() {
    bangfu_store::testing::test_keys();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bangfu.db");
    let url = format!("sqlite://{}", file.display());
    let server = common::Server::start_with(&url, &["--demo"]).await;

    // An import beside the running server: 300 households with phone numbers.
    let mut csv = String::from("户主姓名,户主身份证号,联系电话,地区代码,建档日期,致困原因,劳动能力,农民工家庭\n");
    for i in 0..300 {
        let head = common::id_with_check(&format!("45042119700101{i:03}"));
        csv.push_str(&format!("导入户{i},{head},139{i:08},450403,2018-03-01,患病,部分丧失劳动能力,否\n"));
    }
    let csv_file = dir.path().join("import.csv");
    std::fs::write(&csv_file, csv).unwrap();
    let out = bangfu(&url, &["import", csv_file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let backup = dir.path().join("backup.db");
    let out = bangfu(&url, &["backup", backup.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    drop(server); // SIGKILL: the log is left as a crash leaves it

    // The bytes, before anything opens the database again.
    let mut files = Vec::new();
    for name in ["bangfu.db", "bangfu.db-wal", "backup.db", "backup.db-wal", "backup.db.manifest.json"] {
        if let Ok(b) = std::fs::read(dir.path().join(name)) {
            files.push((name, b));
        }
    }
    assert!(files.iter().any(|(n, _)| *n == "bangfu.db-wal"), "the write-ahead log is searched too");
    assert!(files.iter().any(|(n, _)| *n == "backup.db"));

    // Everyone the application holds, opened with the key.
    let store = Store::open(&url).await.unwrap();
    let households = store.export_households(&Scope::everything(), &Default::default(), 100_000).await.unwrap();
    assert!(households.len() >= 2300, "{} households", households.len());
    let mut ids: HashSet<String> = households.iter().map(|h| h.head_id_number.clone()).collect();
    let phones: HashSet<String> = households.iter().map(|h| h.phone.clone()).filter(|p| p.len() == 11).collect();
    let members = store.members_of(&households.iter().map(|h| h.id).collect::<Vec<_>>()).await.unwrap();
    ids.extend(members.values().flatten().map(|m| m.id_number.clone()).filter(|i| i.len() == 18));
    assert!(ids.len() > 5000 && phones.len() > 2000, "{} IDs, {} phones", ids.len(), phones.len());
    store.close().await;

    // The search can find them: one ID and one phone written among the bytes are found.
    let (one_id, one_phone) = (ids.iter().next().unwrap().clone(), phones.iter().next().unwrap().clone());
    let control = format!("abc{one_id}def\"{one_phone}\"");
    assert_eq!(found(control.as_bytes(), &ids, &phones).len(), 2);

    for (name, bytes) in &files {
        let hits = found(bytes, &ids, &phones);
        assert!(hits.is_empty(), "{name}: {} values in clear, e.g. {:?}", hits.len(), &hits[..hits.len().min(3)]);
    }

    // The key file is not in the backup: none of its keys' text is there.
    let keys: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(bangfu_store::testing::test_key_file()).unwrap()).unwrap();
    let mut material = vec![keys["index_key"].as_str().unwrap().to_string()];
    material.extend(keys["keys"].as_array().unwrap().iter().map(|k| k["key"].as_str().unwrap().to_string()));
    for (name, bytes) in &files {
        for m in &material {
            assert!(!bytes.windows(m.len()).any(|w| w == m.as_bytes()), "{name} holds key material");
        }
    }
}
