//! Issue 23: `bangfu keys rotate` killed with SIGKILL part way (some values already under the new
//! key, the rest under the old one) is run again: it says it resumes, adds no further key,
//! finishes, and afterwards every value is sealed with the new key and every household and member
//! reads back exactly as before — on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used)] // a test fails by panicking

use bangfu_app::App;
use bangfu_store::testing::TestDb;
use bangfu_store::{Scope, Store};
use std::io::BufRead;
use std::process::{Command, Stdio};

/// Every household's head ID and phone, and every member's ID, sorted (PostgreSQL gives a
/// household's members in the order of their rows on disk, which a rewrite changes).
async fn everything(store: &Store) -> Vec<String> {
    let households = store.export_households(&Scope::everything(), &Default::default(), 100_000).await.unwrap();
    let members = store.members_of(&households.iter().map(|h| h.id).collect::<Vec<_>>()).await.unwrap();
    let mut out = Vec::new();
    for h in &households {
        out.push(format!("{} {} {}", h.id, h.head_id_number, h.phone));
        for m in members.get(&h.id).into_iter().flatten() {
            out.push(format!("{} {} {}", h.id, m.id, m.id_number));
        }
    }
    out.sort();
    out
}

fn rotate(url: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_bangfu"));
    c.env("BANGFU_KEY_FILE", bangfu_store::testing::test_key_file()).env("BANGFU_LOG", "warn").args([
        "--database-url",
        url,
        "keys",
        "rotate",
        "--batch",
        "10",
    ]);
    c
}

#[tokio::test]
async fn a_rotation_killed_part_way_resumes_and_every_record_opens_after_it() {
    for db in TestDb::all().await {
        let app = App::new(db.open().await);
        app.demo(None, 400, 7, &|_| {}).await.unwrap();
        let before = everything(&app.store).await;
        assert!(before.len() > 1000, "{} values", before.len());
        let old_key = bangfu_store::keys::keyring().unwrap().active();

        // Killed once it is resealing the members (the households' columns done).
        let mut child = rotate(&db.url).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let mut said = Vec::new();
        for line in lines.by_ref() {
            let line = line.unwrap();
            let members = line.starts_with("members.id_number:");
            said.push(line);
            if members {
                break;
            }
        }
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(said[0].contains(&format!("key {} added", old_key + 1)), "{said:?}");
        let new_key = old_key + 1;
        let counts = app.store.seal_counts().await.unwrap();
        let members = counts.iter().find(|c| c.column == "members.id_number").unwrap();
        let on = |k: u32| members.by_key.iter().find(|(id, _)| *id == k).map_or(0, |(_, n)| *n);
        assert!(on(old_key) > 0 && on(new_key) > 0, "{:?}: killed part way: {members:?}", db.backend);

        // Run again: it resumes with the key it added, and completes.
        let out = rotate(&db.url).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
        assert!(text.contains(&format!("resuming: values not sealed with key {new_key}")), "{text}");
        assert!(text.contains(&format!("rotation complete: every value sealed with key {new_key}")), "{text}");
        for c in app.store.seal_counts().await.unwrap() {
            assert_eq!(c.plain, 0, "{c:?}");
            assert!(c.by_key.iter().all(|(k, _)| *k == new_key), "{:?}: {c:?}", db.backend);
        }
        // Every record opens, as it was (this process reads the key file again on meeting the new key).
        let after = everything(&app.store).await;
        let differ = before.iter().zip(&after).filter(|(a, b)| a != b).count();
        assert!(after.len() == before.len() && differ == 0, "{:?}: {differ} values differ", db.backend);
        assert_eq!(bangfu_store::keys::keyring().unwrap().key_ids().last(), Some(&new_key), "no further key");
        app.store.close().await;
    }
}
