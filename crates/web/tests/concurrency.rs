//! Simultaneous writes: no "database is locked" 500 on SQLite, and a resident ID registered by
//! several requests at once ends up on exactly one household, on every backend.

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod common;

use axum::http::StatusCode;
use bangfu_store::testing::TestDb;
use common::*;
use serde_json::json;

fn body(name: &str, id: &str) -> serde_json::Value {
    json!({"head_name": name, "head_id_number": id, "region_code": "450403", "registered_on": "2016-05-10",
           "causes": ["illness"], "work_capacity": "full"})
}

async fn at_once(r: &axum::Router, bodies: Vec<serde_json::Value>) -> Vec<StatusCode> {
    let tasks: Vec<_> = bodies
        .into_iter()
        .map(|b| {
            let r = r.clone();
            tokio::spawn(async move { post(&r, "/api/v1/households", &b).await.status })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_registrations_on_every_backend() {
    for db in TestDb::all().await {
        let store = db.open().await;
        let r = common::as_city_staff(&bangfu_app::App::new(store.clone())).await;

        // Twelve different households at once: all are written.
        let distinct: Vec<_> = (0..12)
            .map(|i| body(&format!("户主{i}"), &id_with_check(&format!("450403198001{:02}123", i + 1))))
            .collect();
        let statuses = at_once(&r, distinct).await;
        assert!(statuses.iter().all(|s| *s == StatusCode::CREATED), "{:?}: {statuses:?}", db.backend);

        // Twelve registrations of one resident ID at once: one file, eleven conflicts.
        let id = id_with_check("45040319900615123");
        let same: Vec<_> = (0..12).map(|i| body(&format!("重复{i}"), &id)).collect();
        let statuses = at_once(&r, same).await;
        let created = statuses.iter().filter(|s| **s == StatusCode::CREATED).count();
        let conflicts = statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count();
        assert_eq!((created, conflicts), (1, 11), "{:?}: {statuses:?}", db.backend);
        let found = common::post(&r, "/api/v1/households/search", &json!({ "q": id })).await;
        assert_eq!(found.body["total"], 1, "{:?}", db.backend);

        // Eight members added at once, all based on the same read of the file (If-Match "1"):
        // the first to commit wins, the others are told the file changed; none is half-written.
        let hid = found.body["items"][0]["id"].as_i64().unwrap();
        let uri = format!("/api/v1/households/{hid}/members");
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let (r, uri) = (r.clone(), uri.clone());
                let member = json!({"name": format!("成员{i}"), "relation": "child", "situation": "student",
                                    "birth_date": "2010-01-01", "id_number": id_with_check(&format!("45040320100101{i}12"))});
                tokio::spawn(async move {
                    call(&r, axum::http::Method::POST, &uri, Some(&member.to_string()), &[("if-match", "\"1\"")]).await.status
                })
            })
            .collect();
        let mut statuses = Vec::new();
        for t in tasks {
            statuses.push(t.await.unwrap());
        }
        let created = statuses.iter().filter(|s| **s == StatusCode::CREATED).count();
        let stale = statuses.iter().filter(|s| **s == StatusCode::PRECONDITION_FAILED).count();
        assert_eq!((created, stale), (1, 7), "{:?}: {statuses:?}", db.backend);
        assert_eq!(get(&r, &uri).await.body.as_array().unwrap().len(), 1, "{:?}", db.backend);

        // Ten assistance payments to one household at once (no If-Match: each is its own
        // record). Every one is written, and the dashboard's counts agree with the records:
        // the household counts once among this year's assisted, the amount ten times.
        let uri = format!("/api/v1/households/{hid}/union-assistance");
        let tasks: Vec<_> = (0..10)
            .map(|i| {
                let (r, uri) = (r.clone(), uri.clone());
                let a = json!({"date": format!("2021-03-{:02}", 10 - i), "kind": "cash", "amount": "100", "measure": "living_aid"});
                tokio::spawn(async move { post(&r, &uri, &a).await.status })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap(), StatusCode::CREATED, "{:?}", db.backend);
        }
        let stats = get(&r, "/api/v1/reports/statistics?as_of=2021-12-31").await;
        let t = &stats.body["total"];
        assert_eq!(
            (t["assisted"].as_i64(), t["assistance_fen"].as_i64()),
            (Some(1), Some(100_000)),
            "{:?}",
            db.backend
        );
        bangfu_store::testing::assert_tallies_consistent(&store, "simultaneous assistance").await;
        store.close().await;
    }
}
