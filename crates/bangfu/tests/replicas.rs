//! Scale-out (issue 9, docs/deployment.md): two `bangfu serve` processes on one PostgreSQL
//! database behave as one server. A session opened on one replica works on the other and ends
//! on both when signed out on either; an update with a stale ETag is refused whichever replica
//! took the first; racing updates with the same ETag let exactly one through; writes through
//! either replica are seen by both; the audit chain stays one chain.

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod common;

use bangfu_app::App;
use bangfu_store::testing::TestDb;
use common::{city_and_token, id_with_check, Server, PASSWORD};
use reqwest::{header, redirect, Client, StatusCode};

fn session_of(r: &reqwest::Response) -> String {
    let cookie = r.headers().get(header::SET_COOKIE).expect("a session cookie").to_str().unwrap();
    cookie.split(';').next().unwrap().to_string()
}

fn csrf_of(page: &str) -> String {
    let at = page.find("name=\"_csrf\" value=\"").expect("a form with the CSRF token") + 20;
    page[at..].split('"').next().unwrap().to_string()
}

fn etag_of(r: &reqwest::Response) -> String {
    r.headers().get(header::ETAG).expect("an ETag").to_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_on_one_postgresql_share_sessions_locks_and_writes() {
    let Some(db) = TestDb::postgres().await else {
        assert!(std::env::var("CI").is_err(), "CI must run the replica test: set BANGFU_TEST_DATABASE_URL");
        eprintln!("replica test skipped: BANGFU_TEST_DATABASE_URL is not set");
        return;
    };
    let app = App::new(db.open().await);
    let token = city_and_token(&app).await;
    app.store.close().await;
    let (a, b) = (Server::start(&db.url).await, Server::start(&db.url).await);
    let http = Client::builder().redirect(redirect::Policy::none()).build().unwrap();

    // Sessions: signed in on A, the cookie works on B; signed out on B, it is gone on A too.
    let signed = http
        .post(format!("{}/sign-in", a.base))
        .form(&[("name", "city"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    let cookie = session_of(&signed);
    for server in [&a, &b] {
        let me = http.get(format!("{}/api/v1/me", server.base)).header(header::COOKIE, &cookie).send().await.unwrap();
        assert_eq!(me.status(), StatusCode::OK, "the session works on {}", server.base);
    }
    let page = http.get(format!("{}/households", b.base)).header(header::COOKIE, &cookie).send().await.unwrap();
    let csrf = csrf_of(&page.text().await.unwrap());
    let out = http
        .post(format!("{}/sign-out", b.base))
        .header(header::COOKIE, &cookie)
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    for server in [&a, &b] {
        let me = http.get(format!("{}/api/v1/me", server.base)).header(header::COOKIE, &cookie).send().await.unwrap();
        assert_eq!(me.status(), StatusCode::UNAUTHORIZED, "the ended session still works on {}", server.base);
    }

    // A household written through A, read through B.
    let body = |name: &str| {
        serde_json::json!({
            "head_name": name, "head_id_number": id_with_check("45042119800101101"),
            "region_code": "450421", "registered_on": "2019-01-01",
            "causes": ["illness"], "work_capacity": "partial",
        })
    };
    let created = http
        .post(format!("{}/api/v1/households", a.base))
        .bearer_auth(&token)
        .json(&body("甲副本"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let id = created.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap();
    let url = |s: &Server| format!("{}/api/v1/households/{id}", s.base);
    let read = http.get(url(&b)).bearer_auth(&token).send().await.unwrap();
    assert_eq!(read.status(), StatusCode::OK);
    let first = etag_of(&read);

    // Optimistic locking across replicas: B updates with the ETag; A's update with the same
    // (now stale) ETag is refused.
    let put = |s: &Server, etag: &str, name: &str| {
        http.put(url(s)).bearer_auth(&token).header(header::IF_MATCH, etag).json(&body(name)).send()
    };
    assert_eq!(put(&b, &first, "甲副本二").await.unwrap().status(), StatusCode::OK);
    assert_eq!(put(&a, &first, "甲副本三").await.unwrap().status(), StatusCode::PRECONDITION_FAILED);
    // Racing updates with the same ETag, one through each replica: exactly one wins, each time.
    for round in 0..20 {
        let etag = etag_of(&http.get(url(&a)).bearer_auth(&token).send().await.unwrap());
        let (ra, rb) = tokio::join!(put(&a, &etag, &format!("甲A{round}")), put(&b, &etag, &format!("甲B{round}")));
        let mut codes = [ra.unwrap().status(), rb.unwrap().status()];
        codes.sort();
        assert_eq!(codes, [StatusCode::OK, StatusCode::PRECONDITION_FAILED], "round {round}");
    }

    // Writes through both at once: each sees all of them.
    let mut writes = Vec::new();
    for i in 0..40 {
        let server = if i % 2 == 0 { a.base.clone() } else { b.base.clone() };
        let (http, token) = (http.clone(), token.clone());
        writes.push(tokio::spawn(async move {
            let body = serde_json::json!({
                "head_name": format!("并发{i}"), "head_id_number": id_with_check(&format!("45042219900101{i:03}")),
                "region_code": "450422", "registered_on": "2020-01-01",
                "causes": ["illness"], "work_capacity": "partial",
            });
            let r =
                http.post(format!("{server}/api/v1/households")).bearer_auth(&token).json(&body).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::CREATED);
        }));
    }
    for w in writes {
        w.await.unwrap();
    }
    for server in [&a, &b] {
        let list: serde_json::Value = http
            .get(format!("{}/api/v1/households?region=450422&per_page=100", server.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(list["total"].as_i64(), Some(40), "{} lists {}", server.base, list["total"]);
    }
    drop((a, b));
    let store = db.open().await;
    let chain = store.verify_audit(&|_| {}).await.unwrap();
    assert!(chain.is_ok(), "two replicas broke the audit chain: {chain:?}");
    assert!(chain.unwrap() >= 40 + 22);
    store.close().await;
}

/// Replicas upgraded together start together: both apply the migrations of a fresh PostgreSQL
/// database at once, and both must come up (each migration applied once, no CREATE TABLE race).
#[tokio::test]
async fn replicas_starting_together_migrate_a_fresh_database_once() {
    let Some(_) = TestDb::postgres().await else {
        assert!(std::env::var("CI").is_err(), "CI must run the replica test: set BANGFU_TEST_DATABASE_URL");
        return;
    };
    for round in 0..5 {
        let db = TestDb::postgres().await.unwrap();
        let start = || {
            std::process::Command::new(env!("CARGO_BIN_EXE_bangfu"))
                .env("BANGFU_KEY_FILE", bangfu_store::testing::test_key_file())
                .args(["--database-url", &db.url, "migrate"])
                .env("BANGFU_LOG", "error")
                .output()
        };
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(start);
            let b = s.spawn(start);
            (a.join().unwrap().unwrap(), b.join().unwrap().unwrap())
        });
        for out in [&a, &b] {
            assert!(out.status.success(), "round {round}: {}", String::from_utf8_lossy(&out.stderr));
            let said = String::from_utf8_lossy(&out.stdout);
            let latest = bangfu_store::latest_schema_version();
            assert!(said.contains(&format!("schema version {latest}")), "round {round}: {said}");
        }
    }
}
