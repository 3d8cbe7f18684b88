//! Personal data sealed at rest (issue 23), on SQLite and PostgreSQL: after demo data and an
//! import, no resident ID and no phone number is stored in clear in any column that holds them
//! (nor in the audit trail), yet a search by a full ID finds its household (head or member),
//! "one person in one file" still refuses a second file for a person, and a reveal gives the
//! full values back. A database written before sealing (schema 23, everything in clear) is
//! sealed when next opened with a key, keeps its audit chain intact, and afterwards holds no
//! plain ID — on SQLite not even in the bytes of its file and journal.

#![allow(clippy::unwrap_used)] // a test fails by panicking

use bangfu_app::input::{HouseholdInput, MemberInput};
use bangfu_app::{App, AppError, Principal};
use bangfu_store::households::HouseholdFilter;
use bangfu_store::testing::TestDb;
use bangfu_store::{Backend, Scope};

fn id(first17: &str) -> String {
    format!("{first17}{}", bangfu_domain::IdNumber::check_char(first17.as_bytes()) as char)
}

/// Households whose head or a member holds `id_number`, by a search of the list.
async fn found_by(app: &App, id_number: &str) -> Vec<i64> {
    let f = HouseholdFilter { text: Some(id_number.to_string()), ..Default::default() };
    let page = app.store.list_households(&Scope::everything(), &f, 1, 50).await.unwrap();
    page.items.iter().map(|h| h.id).collect()
}

/// Rows of `table` whose `column` holds `text` in clear.
async fn in_clear(db: &TestDb, table: &str, column: &str, text: &str) -> i64 {
    db.number(&format!("SELECT COUNT(*) AS n FROM {table} WHERE {column} LIKE '%{text}%'")).await
}

#[tokio::test]
async fn personal_data_is_sealed_and_search_duplicates_and_reveal_still_work() {
    for db in TestDb::all().await {
        let app = App::new(db.open().await);
        let sys = Principal::system();
        app.demo(None, 40, 3, &|_| {}).await.unwrap();
        let head = id("45040319750203001");
        let child = id("45040320100304002");
        let csv = format!(
            "户主姓名,户主身份证号,联系电话,地区代码,建档日期,致困原因,劳动能力,农民工家庭\n\
             导入户,{head},13912345678,450403,2016-05-10,患病,部分丧失劳动能力,否\n"
        );
        let r = app.import(&sys, "households.csv", csv.as_bytes(), false).await.unwrap();
        assert!(r.written && r.errors.is_empty(), "{r:?}");
        let hid = app.store.household_by_head(&Scope::everything(), &head).await.unwrap().unwrap();
        let member = MemberInput {
            name: "导入子女".into(),
            id_number: child.clone(),
            relation: "child".into(),
            birth_date: "2010-03-04".into(),
            situation: "student".into(),
        };
        app.add_member(&sys, hid, None, &member).await.unwrap();

        // Stored: sealed, with no plain ID or phone in any column that holds one.
        for (table, column) in [("households", "head_id_number"), ("members", "id_number")] {
            let plain = db
                .number(&format!(
                    "SELECT COUNT(*) AS n FROM {table} WHERE {column} <> '' AND {column} NOT LIKE 'sm4:%'"
                ))
                .await;
            assert_eq!(plain, 0, "{:?}: {table}.{column} in clear", db.backend);
        }
        assert_eq!(in_clear(&db, "households", "head_id_number", &head).await, 0);
        assert_eq!(in_clear(&db, "households", "phone", "13912345678").await, 0);
        assert_eq!(in_clear(&db, "members", "id_number", &child).await, 0);
        // The audit trail recorded the member with its ID: sealed too.
        assert_eq!(in_clear(&db, "audit_log", "detail", &child).await, 0, "{:?}", db.backend);
        let entries = app.store.audit_entries(&Default::default(), 1, 50).await.unwrap().0;
        assert!(entries.iter().any(|e| e.detail.contains(&child)), "the sealed detail opens on reading");
        assert!(app.store.verify_audit(&|_| {}).await.unwrap().is_ok(), "the chain is over the plain text");

        // Search by a full ID, the head's and a member's.
        assert_eq!(found_by(&app, &head).await, vec![hid]);
        assert_eq!(found_by(&app, &child).await, vec![hid]);
        let demo_head =
            app.store.list_households(&Scope::everything(), &Default::default(), 1, 1).await.unwrap().items[0].clone();
        assert_eq!(found_by(&app, &demo_head.head_id_number).await, vec![demo_head.id]);

        // One person in one file: the member cannot head a second household.
        let second = HouseholdInput {
            head_name: "重复建档".into(),
            head_id_number: child.clone(),
            region_code: "450403".into(),
            registered_on: "2020-01-01".into(),
            work_capacity: "full".into(),
            causes: vec!["illness".into()],
            ..Default::default()
        };
        match app.create_household(&sys, &second).await {
            Err(AppError::Conflict(f)) => assert_eq!(f.field, "head_id_number", "{f:?}"),
            other => panic!("{:?}: a second file for one person: {other:?}", db.backend),
        }

        // Reveal gives the values back in full; pages show them masked.
        let shown = app.reveal(&sys, hid).await.unwrap();
        assert_eq!((shown.head_id_number.as_str(), shown.phone.as_str()), (head.as_str(), "13912345678"));
        assert_eq!(shown.members[0].id_number, child);
        let masked = app.household(&sys, hid).await.unwrap();
        assert!(!masked.head_id_number.contains(&head[6..14]), "{}", masked.head_id_number);
        app.store.close().await;
    }
}

#[tokio::test]
async fn a_database_from_before_sealing_is_sealed_when_opened_with_a_key() {
    for db in TestDb::all().await {
        db.as_release_before_checksums(23).await;
        let head = id("45040319800101123");
        let member = id("45040320050607001");
        let roster_id = id("45040319600101002");
        let now = "2026-12-04T00:00:00Z";
        for sql in [
            format!(
                "INSERT INTO households (file_no, head_name, head_id_number, phone, address, region_code, registered_on, \
                 migrant_worker, work_capacity, status, synthetic, version, created_at, updated_at) VALUES \
                 ('450403-2016-000001', '旧户', '{head}', '13812345678', '', '450403', '2016-05-10', 0, 'partial', \
                 'in_file', 0, 1, '{now}', '{now}')"
            ),
            format!(
                "INSERT INTO members (household_id, name, id_number, relation, birth_date, situation) VALUES \
                 ((SELECT id FROM households), '旧成员', '{member}', 'child', '2005-06-07', 'student')"
            ),
            format!(
                "INSERT INTO organisations (name, kind, region_code, parent_id, version, created_at, updated_at) \
                 VALUES ('市民政局', 'department', '450400', NULL, 1, '{now}', '{now}')"
            ),
            format!(
                "INSERT INTO rosters (department_id, kind, file_name, region_code, uploaded_by, uploaded_at) \
                 VALUES ((SELECT MAX(id) FROM organisations), 'dibao', 'r.csv', '450400', 'liaison', '{now}')"
            ),
            format!(
                "INSERT INTO roster_rows (roster_id, row_no, id_number, name, fact, since, note) VALUES \
                 ((SELECT MAX(id) FROM rosters), 1, '{roster_id}', '名单人', 'dibao', '2026-01-01', '')"
            ),
        ] {
            db.execute_unmigrated(&sql).await;
        }
        // An audit entry of the old release, naming the member's ID, chained as it was.
        let mut e = bangfu_store::AuditEntry {
            seq: 1,
            at: now.into(),
            actor_id: None,
            actor_name: "system".into(),
            role: "admin".into(),
            action: "create".into(),
            entity: "member".into(),
            entity_id: Some(1),
            region_code: Some("450403".into()),
            result: "ok".into(),
            address: String::new(),
            detail: format!("{{\"new\":{{\"id_number\":\"{member}\"}}}}"),
            prev_hash: bangfu_store::audit::GENESIS.into(),
            hash: String::new(),
            token_id: None,
            hash_alg: "sm3".into(),
        };
        e.hash = bangfu_store::audit::entry_hash(&e);
        db.execute_unmigrated(&format!(
            "INSERT INTO audit_log (seq, at, actor_id, actor_name, role, action, entity, entity_id, region_code, result, \
             address, detail, prev_hash, hash, hash_alg) VALUES (1, '{now}', NULL, 'system', 'admin', 'create', 'member', \
             1, '450403', 'ok', '', '{}', '{}', '{}', 'sm3')",
            e.detail, e.prev_hash, e.hash
        ))
        .await;

        // Opened by this release (migration 24), then sealed as `bangfu` does at start.
        let app = App::new(db.open().await);
        let done = app.store.seal_plain_values(&|_, _| {}).await.unwrap().unwrap();
        // Head ID, phone, member ID, roster ID and the audit detail.
        assert_eq!((done.sealed, done.rekeyed), (5, 0), "{:?}", db.backend);
        assert!(app.store.seal_plain_values(&|_, _| {}).await.unwrap().is_none(), "done once, marked");
        for (table, column, text) in [
            ("households", "head_id_number", head.as_str()),
            ("households", "phone", "13812345678"),
            ("members", "id_number", member.as_str()),
            ("roster_rows", "id_number", roster_id.as_str()),
            ("audit_log", "detail", member.as_str()),
        ] {
            assert_eq!(in_clear(&db, table, column, text).await, 0, "{:?}: {table}.{column}", db.backend);
        }
        let counts = app.store.seal_counts().await.unwrap();
        assert!(counts.iter().all(|c| c.plain == 0), "{counts:?}");
        assert_eq!(app.store.verify_audit(&|_| {}).await.unwrap(), Ok(1), "the old chain still verifies");

        // Found by either ID; revealed whole.
        let hid = app.store.household_by_head(&Scope::everything(), &head).await.unwrap().unwrap();
        assert_eq!(found_by(&app, &member).await, vec![hid]);
        let shown = app.reveal(&Principal::system(), hid).await.unwrap();
        assert_eq!((shown.head_id_number.as_str(), shown.phone.as_str()), (head.as_str(), "13812345678"));

        if db.backend == Backend::Sqlite {
            // Not in the file's bytes either: the space the plain values held was rewritten.
            let file = db.url.strip_prefix("sqlite://").unwrap().to_string();
            let mut bytes = std::fs::read(&file).unwrap();
            bytes.extend(std::fs::read(format!("{file}-wal")).unwrap_or_default());
            for text in [head.as_str(), member.as_str(), roster_id.as_str(), "13812345678"] {
                assert!(!contains(&bytes, text.as_bytes()), "{text} in the database file");
            }
            // The check can fail: the same bytes with one ID appended hold it.
            let mut control = bytes.clone();
            control.extend(head.as_bytes());
            assert!(contains(&control, head.as_bytes()));
        }
        app.store.close().await;
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
