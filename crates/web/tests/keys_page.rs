//! The security administrator's page on the keys that seal personal data (issue 23), on SQLite
//! and PostgreSQL: only that role reaches it — every other, the two other administrators
//! included, is refused, to look and to rotate; it shows every column of personal data sealed
//! with the current key and nothing in clear; a rotation started from it runs in the background,
//! is audited when asked and when done, and leaves everything sealed with the new key.

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod common;

use axum::http::{Method, StatusCode};
use bangfu_app::App;
use bangfu_store::testing::TestDb;
use common::{call, get, token_for, with_token};

#[tokio::test]
async fn only_the_security_administrator_sees_the_keys_and_rotates_them() {
    for db in TestDb::all().await {
        let app = App::new(db.open().await);
        app.demo(None, 30, 1, &|_| {}).await.unwrap();
        let router = |token: &str| with_token(bangfu_web::router(app.clone()), token);
        let others = [
            ("k-admin", "admin", None),
            ("k-audit-admin", "audit_admin", None),
            ("k-city", "city_staff", Some("450400")),
            ("k-county", "county_staff", Some("450403")),
            ("k-auditor", "auditor", Some("450403")),
        ];
        for (name, role, region) in others {
            let r = router(&token_for(&app, name, role, region, None).await);
            assert_eq!(get(&r, "/security/keys").await.status, StatusCode::FORBIDDEN, "{role} looks");
            let rotate = call(&r, Method::POST, "/security/keys/rotate", None, &[]).await;
            assert_eq!(rotate.status, StatusCode::FORBIDDEN, "{role} rotates");
        }
        let active = bangfu_store::keys::keyring().unwrap().active();

        let security = router(&token_for(&app, "k-security", "security_admin", None, None).await);
        let page = get(&security, "/security/keys").await;
        assert_eq!(page.status, StatusCode::OK);
        for text in
            ["SM4-GCM", "HMAC-SM3", "户主身份证号", "家庭成员身份证号", &format!("密钥 {active}："), "轮换数据密钥"]
        {
            assert!(page.text.contains(text), "{:?}: the page lacks {text}", db.backend);
        }
        for c in app.store.seal_counts().await.unwrap() {
            assert_eq!(c.plain, 0, "{c:?}");
        }

        // Rotated from the page: in the background, then everything under the new key.
        let started = call(&security, Method::POST, "/security/keys/rotate", None, &[]).await;
        assert_eq!(started.status, StatusCode::SEE_OTHER);
        let since = std::time::Instant::now();
        let done = loop {
            let page = get(&security, "/security/keys").await;
            if page.text.contains("上次轮换完成于") {
                break page.text;
            }
            assert!(since.elapsed().as_secs() < 60, "{:?}: the rotation did not end", db.backend);
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        };
        assert!(done.contains(&format!("全部个人信息已改用密钥 {}", active + 1)), "{done}");
        for c in app.store.seal_counts().await.unwrap() {
            assert!(c.plain == 0 && c.by_key.iter().all(|(k, _)| *k == active + 1), "{:?}: {c:?}", db.backend);
        }
        let filter = bangfu_store::AuditFilter { action: Some("rotate".into()), ..Default::default() };
        let audited = app.store.audit_entries(&filter, 1, 10).await.unwrap().0;
        let by: Vec<&str> = audited.iter().map(|e| e.actor_name.as_str()).collect();
        assert!(by.contains(&"k-security") && by.contains(&"system"), "{by:?}");
        app.store.close().await;
    }
}
