//! `bangfu audit verify` finds tampering: an entry changed, removed, or changed and re-hashed
//! directly in the database (past the triggers that keep the system itself from doing it) makes
//! it fail and name that entry. On SQLite and PostgreSQL.

#![allow(clippy::unwrap_used)]

use bangfu_app::input::{HouseholdInput, MemberInput, OrganisationInput};
use bangfu_app::{App, Principal};
use bangfu_store::testing::TestDb;
use bangfu_store::Backend;
use std::process::Command;

fn verify(url: &str) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_bangfu"))
        .env("BANGFU_KEY_FILE", bangfu_store::testing::test_key_file())
        .args(["--database-url", url, "audit", "verify"])
        .env("BANGFU_LOG", "warn")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// Writes a few changes, each leaving an audit entry.
async fn some_history(app: &App) {
    let sys = Principal::system();
    let union = app
        .create_organisation(
            &sys,
            &OrganisationInput {
                name: "万秀区总工会".into(),
                kind: "county_union".into(),
                region_code: "450403".into(),
                parent_id: None,
            },
        )
        .await
        .unwrap();
    let h = app
        .create_household(
            &sys,
            &HouseholdInput {
                head_name: "审计户".into(),
                head_id_number: "11010519491231002X".into(),
                region_code: "450403".into(),
                union_id: Some(union.id),
                registered_on: "2016-01-01".into(),
                causes: vec!["illness".into()],
                work_capacity: "none".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let member = MemberInput {
        name: "审计成员".into(),
        relation: "spouse".into(),
        situation: "ill".into(),
        birth_date: "1950-01-01".into(),
        ..Default::default()
    };
    app.add_member(&sys, h.id, None, &member).await.unwrap();
    app.reveal(&sys, h.id).await.unwrap();
}

/// Runs raw SQL as someone holding the database's own keys: the append-only triggers go first.
async fn tamper(db: &TestDb, sql: &str) {
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    let refused = sqlx::query(sql).execute(&pool).await;
    assert!(refused.is_err(), "the append-only trigger let {sql:?} through");
    let off: &[&str] = match db.backend {
        Backend::Sqlite => &["DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"],
        Backend::Postgres => &["ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"],
    };
    for s in off {
        sqlx::query(s).execute(&pool).await.unwrap();
    }
    sqlx::query(sql).execute(&pool).await.unwrap();
    pool.close().await;
}

#[tokio::test]
async fn verify_names_the_entry_that_was_changed_removed_or_rehashed() {
    sqlx::any::install_default_drivers();
    for case in ["changed", "removed", "rehashed"] {
        for db in TestDb::all().await {
            let app = App::new(db.open().await);
            some_history(&app).await;
            let (code, out, err) = verify(&db.url);
            assert_eq!(code, 0, "{:?} intact chain: {out}{err}", db.backend);
            assert!(out.contains("audit trail intact: 4 entries"), "{out}");
            match case {
                "changed" => tamper(&db, "UPDATE audit_log SET result = 'failure' WHERE seq = 3").await,
                "removed" => tamper(&db, "DELETE FROM audit_log WHERE seq = 2").await,
                _ => {
                    // Change entry 2 and give it the hash of its new contents: the entry after it
                    // still names the old hash.
                    // The entry as the store reads it (its detail, which names an ID, opened).
                    let mut e = app
                        .store
                        .audit_entries(&Default::default(), 1, 200)
                        .await
                        .unwrap()
                        .0
                        .into_iter()
                        .find(|e| e.seq == 2)
                        .unwrap();
                    assert!(e.detail.contains("审计户"), "{}", e.detail);
                    e.detail = e.detail.replace("审计户", "别人");
                    e.hash = bangfu_store::audit::entry_hash(&e);
                    let sql = format!(
                        "UPDATE audit_log SET detail = '{}', hash = '{}' WHERE seq = 2",
                        e.detail.replace('\'', "''"),
                        e.hash
                    );
                    tamper(&db, &sql).await;
                }
            }
            let (code, out, err) = verify(&db.url);
            let want = match case {
                "changed" => "entry 3 was changed",
                "removed" => "entry 2 is missing",
                _ => "entry 2 was changed and re-hashed",
            };
            assert_eq!(code, 1, "{:?} {case}: {out}{err}", db.backend);
            assert!(err.contains(want), "{:?} {case}: wanted {want:?}, got {err:?}", db.backend);
        }
    }
}

/// Issue 23: a trail whose older entries were chained with SHA-256 (before migration 21) and
/// newer ones with SM3 verifies, each entry with its own algorithm; a tampered entry of either
/// kind is named, and so is an entry whose algorithm was changed to the other.
#[tokio::test]
async fn a_trail_of_sha256_and_sm3_entries_verifies_and_names_a_tampered_one_of_either_kind() {
    sqlx::any::install_default_drivers();
    for (case, sql, want) in [
        ("a SHA-256 entry changed", "UPDATE audit_log SET result = 'failure' WHERE seq = 2", "entry 2 was changed"),
        ("an SM3 entry changed", "UPDATE audit_log SET actor_name = 'x' WHERE seq = 5", "entry 5 was changed"),
        (
            "an SM3 entry passed off as SHA-256",
            "UPDATE audit_log SET hash_alg = NULL WHERE seq = 4",
            "entry 4 was changed",
        ),
        (
            "a SHA-256 entry passed off as SM3",
            "UPDATE audit_log SET hash_alg = 'sm3' WHERE seq = 1",
            "entry 1 was changed",
        ),
    ] {
        for db in TestDb::all().await {
            let app = App::new(db.open().await);
            // Two entries as Bangfu wrote them before migration 21, then today's.
            let mut tx = app.store.begin().await.unwrap();
            for action in ["sign_in", "export"] {
                let e = bangfu_store::NewAudit {
                    actor_name: "city".into(),
                    role: "city_staff".into(),
                    action: action.into(),
                    entity: "session".into(),
                    result: "ok".into(),
                    address: "10.0.0.1".into(),
                    ..Default::default()
                };
                tx.append_legacy_audit(&e).await.unwrap();
            }
            tx.commit().await.unwrap();
            some_history(&app).await;
            let stored: Vec<String> = app
                .store
                .audit_entries(&Default::default(), 1, 100)
                .await
                .unwrap()
                .0
                .into_iter()
                .map(|e| e.hash_alg)
                .collect();
            assert_eq!(stored, ["sm3", "sm3", "sm3", "sm3", "sha256", "sha256"], "newest first");
            let (code, out, err) = verify(&db.url);
            assert_eq!(code, 0, "{:?}: {out}{err}", db.backend);
            assert!(out.contains("audit trail intact: 6 entries (2 SHA-256, 4 SM3)"), "{out}");
            tamper(&db, sql).await;
            let (code, out, err) = verify(&db.url);
            assert_eq!(code, 1, "{:?} {case}: {out}{err}", db.backend);
            assert!(err.contains(want), "{:?} {case}: wanted {want:?}, got {err:?}", db.backend);
        }
    }
}
