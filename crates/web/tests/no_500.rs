//! No request can make the server answer 500 or panic: every route gets malformed, mistyped
//! and random bodies, and every route the OpenAPI document names is really served.

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod common;

use axum::http::{Method, StatusCode};
use bangfu_store::testing::TestDb;
use common::*;
use proptest::prelude::*;
use serde_json::{json, Value};

/// Paths with real ids so that bodies reach validation, not just a 404.
const WRITES: [(&str, &str); 15] = [
    ("POST", "/api/v1/households"),
    ("PUT", "/api/v1/households/1"),
    ("POST", "/api/v1/households/1/members"),
    ("PUT", "/api/v1/households/1/members/1"),
    ("PUT", "/api/v1/households/1/months"),
    ("POST", "/api/v1/households/1/enrolments"),
    ("POST", "/api/v1/households/1/union-assistance"),
    ("POST", "/api/v1/organisations"),
    ("POST", "/api/v1/standards"),
    ("POST", "/api/v1/households/1/plans"),
    ("POST", "/api/v1/households/1/measures"),
    ("PUT", "/api/v1/measures/1"),
    ("POST", "/api/v1/households/1/visits"),
    ("POST", "/api/v1/visits/1/record"),
    ("POST", "/api/v1/returns/1/decision"),
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        "[ -~\u{4e00}-\u{4e10}]{0,24}".prop_map(Value::from),
        prop_oneof![
            Just("2018-02-30"),
            Just("450403"),
            Just("-1"),
            Just("5.005"),
            Just("11010519491231002X"),
            Just("dibao"),
            Just("illness")
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("head_name".to_string()),
                    Just("head_id_number".to_string()),
                    Just("region_code".to_string()),
                    Just("registered_on".to_string()),
                    Just("causes".to_string()),
                    Just("work_capacity".to_string()),
                    Just("month".to_string()),
                    Just("members".to_string()),
                    Just("income".to_string()),
                    Just("amount".to_string()),
                    Just("kind".to_string()),
                    Just("from".to_string()),
                    Just("name".to_string()),
                    Just("goals".to_string()),
                    Just("route".to_string()),
                    Just("due_on".to_string()),
                    Just("status".to_string()),
                    Just("version".to_string()),
                    Just("enrolment".to_string()),
                    "[a-z_]{1,10}"
                ],
                inner,
                0..8
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

async fn seeded_router() -> (axum::Router, TestDb) {
    let db = TestDb::sqlite();
    let r = common::as_city_staff(&bangfu_app::App::new(db.open().await)).await;
    let org = post(
        &r,
        "/api/v1/organisations",
        &json!({"name": "梧州市总工会", "kind": "city_union", "region_code": "450400"}),
    )
    .await;
    assert_eq!(org.status, StatusCode::CREATED);
    let h = post(&r, "/api/v1/households", &json!({"head_name": "张三", "head_id_number": id_with_check("45040319800101123"), "region_code": "450403", "registered_on": "2016-01-01", "causes": ["illness"], "work_capacity": "full"})).await;
    assert_eq!(h.status, StatusCode::CREATED, "{}", h.text);
    let m = post(
        &r,
        "/api/v1/households/1/members",
        &json!({"name": "张小", "relation": "child", "situation": "student", "birth_date": "2010-01-01"}),
    )
    .await;
    assert_eq!(m.status, StatusCode::CREATED, "{}", m.text);
    let p = post(&r, "/api/v1/households/1/plans", &json!({"year": 2026, "goals": "就业", "route": "relief"})).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.text);
    let m = post(
        &r,
        "/api/v1/households/1/measures",
        &json!({"kind": "legal_aid", "description": "x", "person": "王", "due_on": "2026-12-01"}),
    )
    .await;
    assert_eq!(m.status, StatusCode::CREATED, "{}", m.text);
    let v = post(&r, "/api/v1/households/1/visits", &json!({"due_on": "2026-12-01", "visitor": "王"})).await;
    assert_eq!(v.status, StatusCode::CREATED, "{}", v.text);
    (r, db)
}

#[tokio::test]
async fn malformed_bodies_are_4xx_with_a_field() {
    let (r, _db) = seeded_router().await;
    let bodies = [
        "",
        "{",
        "[]",
        "null",
        "\"text\"",
        "{\"a\":}",
        "\u{feff}{}",
        "{\"head_name\": 5}",
        "[{\"month\": 201801}]",
        "{\"amount\": \"NaN\"}",
        "\u{0}",
    ];
    for (method, uri) in WRITES {
        for body in bodies {
            for if_match in [None, Some("\"1\""), Some("W/\"x\"")] {
                let headers: Vec<(&str, &str)> = if_match.map(|v| vec![("if-match", v)]).unwrap_or_default();
                let res = call(&r, method.parse().unwrap(), uri, Some(body), &headers).await;
                assert!(res.status.is_client_error(), "{method} {uri} {body:?}: {} {}", res.status, res.text);
                assert!(!res.code().is_empty(), "{method} {uri} {body:?}: no error code in {}", res.text);
            }
        }
    }
}

#[tokio::test]
async fn odd_paths_and_queries_are_never_500() {
    let (r, _db) = seeded_router().await;
    for uri in [
        "/api/v1/households/0",
        "/api/v1/households/-1",
        "/api/v1/households/99999999999999999999",
        "/api/v1/households/%FF",
        "/api/v1/households?page=abc",
        "/api/v1/households?per_page=-1",
        "/api/v1/households?q=%00",
        "/api/v1/households?q=%25%27%22",
        "/api/v1/households?region=%E4%B8%AD",
        "/api/v1/households?page=1000000",
        "/api/v1/households?a=%ZZ",
        "/api/v1/households/1/months?from=2018-13",
        "/api/v1/standards/450403/dibao/2018-13",
        "/api/v1/regions/%27",
        "/api/v1/nowhere",
        "/households?page=0",
        "/households?q=%00",
        "/households/abc",
        "/households/99999",
        "/households/1/edit",
        "/households/abc/edit",
        "/nowhere",
        "/households?lang=fr",
    ] {
        for method in [Method::GET, Method::DELETE] {
            let res = call(&r, method.clone(), uri, None, &[]).await;
            assert!(res.status.as_u16() < 500, "{method} {uri}: {} {}", res.status, res.text);
        }
    }
}

#[tokio::test]
async fn every_documented_operation_is_served() {
    let (r, _db) = seeded_router().await;
    let doc = get(&r, "/api/v1/openapi.json").await;
    assert_eq!(doc.status, StatusCode::OK);
    assert_eq!(doc.body["openapi"].as_str().map(|v| v.starts_with("3.")), Some(true));
    let paths = doc.body["paths"].as_object().unwrap();
    assert!(paths.len() >= 15, "only {} paths documented", paths.len());
    for (path, ops) in paths {
        let concrete = path
            .replace("{id}", "1")
            .replace("{member_id}", "1")
            .replace("{item_id}", "1")
            .replace("{code}", "450403")
            .replace("{region}", "450403")
            .replace("{kind}", "dibao")
            .replace("{from}", "2018-01")
            .replace("{month}", "2018-01");
        for method in ops.as_object().unwrap().keys() {
            let body = (method == "post" || method == "put").then_some("{}");
            let res = call(&r, method.to_uppercase().parse().unwrap(), &concrete, body, &[]).await;
            assert_ne!(res.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path} is documented but not routed");
            assert_ne!(
                res.body["error"]["message"], "no such endpoint",
                "{method} {path} is documented but not routed"
            );
            assert!(res.status.as_u16() < 500, "{method} {path}: {}", res.text);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn random_json_never_gets_500(body in json_value(), which in 0usize..WRITES.len()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let (r, _db) = seeded_router().await;
            let (method, uri) = WRITES[which];
            let before = get(&r, "/api/v1/households/1").await.etag;
            let res = call(&r, method.parse().unwrap(), uri, Some(&body.to_string()), &[]).await;
            prop_assert!(res.status.as_u16() < 500, "{} {} {}: {}", method, uri, body, res.text);
            if res.status.is_client_error() {
                // A refused write changes nothing.
                prop_assert_eq!(get(&r, "/api/v1/households/1").await.etag, before);
            }
            Ok(())
        })?;
    }
}
