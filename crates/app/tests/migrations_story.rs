//! Migrations (issue 21), on SQLite and PostgreSQL: a database left by the release before
//! checksums (schema 17, its migrations applied from the same frozen files, recorded without
//! checksums) is upgraded with its data kept and every checksum filled in; a database whose
//! recorded migration differs from the file refuses to open, naming the migration.

#![allow(clippy::unwrap_used)] // a test fails by panicking

use bangfu_store::testing::TestDb;
use bangfu_store::{latest_schema_version, Scope, StoreError};

#[tokio::test]
async fn a_database_of_the_previous_release_is_upgraded_and_an_edited_migration_is_refused() {
    for db in TestDb::all().await {
        db.as_release_before_checksums(17).await;
        db.execute_unmigrated(
            "INSERT INTO organisations (name, kind, region_code, parent_id, version, created_at, updated_at) \
             VALUES ('旧版本的工会', 'city_union', '450400', NULL, 1, '2026-12-04T00:00:00Z', '2026-12-04T00:00:00Z')",
        )
        .await;
        let store = db.open().await;
        assert_eq!(store.schema_version().await.unwrap(), latest_schema_version());
        let orgs = store.organisations(&Scope::everything(), None).await.unwrap();
        assert!(orgs.iter().any(|o| o.name == "旧版本的工会"), "the old release's data is kept");
        let campaigns = store.campaigns().await.unwrap();
        assert_eq!(campaigns[0].code, "wuzhou-2017-2020", "the preset campaign reads under the new schema");
        assert!(!campaigns[0].absolute && campaigns[0].targets.is_empty());
        store.close().await;
        // Every migration now carries its file's checksum.
        let filled = db.number("SELECT COUNT(checksum) AS n FROM bangfu_migrations").await;
        assert_eq!(filled, latest_schema_version());
        // An applied migration whose recorded checksum differs (its file was edited) stops the
        // program at start, naming the migration.
        db.execute_unmigrated("UPDATE bangfu_migrations SET checksum = 'edited' WHERE version = 5").await;
        match bangfu_store::Store::open(&db.url).await {
            Err(StoreError::MigrationChanged(m)) => assert!(m.contains("migration 5"), "{m}"),
            Ok(_) => panic!("an edited migration was accepted"),
            Err(e) => panic!("unexpected: {e}"),
        }
    }
}
