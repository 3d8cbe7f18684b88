//! The policy engine through the API and the pages, on SQLite and PostgreSQL: case files over
//! HTTP, one household's evaluation and its panel, a batch started from the web with its
//! progress, the re-check list and its export, and the what-if preview that writes nothing.

#![allow(clippy::unwrap_used)]

mod common;

use axum::http::{Method, StatusCode};
use bangfu_app::input::*;
use bangfu_app::{App, Principal};
use bangfu_store::testing::TestDb;
use common::*;
use serde_json::{json, Value};

async fn household(app: &App, i: usize, income: u32, months: u32) -> i64 {
    let sys = Principal::system();
    let h = app
        .create_household(
            &sys,
            &HouseholdInput {
                head_name: format!("政策户{i}"),
                head_id_number: id_with_check(&format!("45040319800101{:03}", 300 + i)),
                region_code: "450403".into(),
                registered_on: "2016-05-10".into(),
                causes: vec!["illness".into()],
                work_capacity: "partial".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let recs: Vec<MonthlyRecordInput> = (7 - months..=6)
        .map(|m| {
            serde_json::from_value(json!({"month": format!("2018-{m:02}"), "members": 2, "income": income})).unwrap()
        })
        .collect();
    app.put_months(&sys, h.id, None, &recs).await.unwrap();
    h.id
}

#[tokio::test]
async fn engine_over_http_batches_recheck_and_what_if() {
    for db in TestDb::all().await {
        let app = App::new(db.open().await);
        let sys = Principal::system();
        let s = StandardInput {
            region_code: "450403".into(),
            kind: "dibao".into(),
            from: "2017-01".into(),
            amount: Amount::from("600"),
        };
        app.create_standard(&sys, &s).await.unwrap();
        let poor = household(&app, 1, 900, 6).await; // 900 < 1200 every month: C1
        let fine = household(&app, 2, 5000, 6).await; // above every line: proposed for withdrawal
        let partial = household(&app, 3, 900, 4).await; // two months missing: not proposed
        let r = as_city_staff(&app).await;

        // Case files over HTTP: the same answer as the command line's, bad input named.
        let case =
            std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../cases/c1_below_dibao_no_aid.json")).unwrap();
        let res = call(&r, Method::POST, "/api/v1/evaluate", Some(std::str::from_utf8(&case).unwrap()), &[]).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        let cli: Value = serde_json::from_str(&bangfu_app::evaluate::case(&case).unwrap()).unwrap();
        assert_eq!(res.body, cli);
        let bad = call(&r, Method::POST, "/api/v1/evaluate", Some(r#"{"as_of": "2018-13"}"#), &[]).await;
        assert_eq!((bad.status, bad.field()), (StatusCode::UNPROCESSABLE_ENTITY, "as_of"));
        let not_json = call(&r, Method::POST, "/api/v1/evaluate", Some("[1, 2"), &[]).await;
        assert_eq!((not_json.status, not_json.field()), (StatusCode::BAD_REQUEST, "input"));

        // One household: the determination, the window, and what would change it.
        let ev = get(&r, &format!("/api/v1/households/{poor}/evaluation?as_of=2018-06")).await;
        assert_eq!(ev.status, StatusCode::OK, "{}", ev.text);
        assert_eq!(ev.body["determination"]["eligibility"]["primary"], "C1");
        assert_eq!(ev.body["months"].as_array().unwrap().len(), 6);
        assert!(ev.body["hints"][0].as_str().unwrap().contains("收入高于 1200.00 元"), "{}", ev.body["hints"]);
        let bad_month = get(&r, &format!("/api/v1/households/{poor}/evaluation?as_of=June")).await;
        assert_eq!((bad_month.status, bad_month.field()), (StatusCode::UNPROCESSABLE_ENTITY, "as_of"));
        let page = get(&r, &format!("/households/{partial}?as_of=2018-06")).await;
        assert!(
            page.text.contains("id=\"evaluation\"") && page.text.contains("补录 2018-01, 2018-02"),
            "{}",
            page.text
        );
        // A month typed on the page that is not one comes back beside its field, as typed.
        let page = get(&r, &format!("/households/{partial}?as_of=2018-13")).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.text.contains("value=\"2018-13\"") && page.text.contains("data-field=\"as_of\""), "{}", page.text);

        // Before any batch the re-check list says so; a batch started from the web runs in the
        // background and reports its progress.
        assert!(get(&r, "/api/v1/recheck").await.body["run"].is_null());
        let post_form = |form: &'static str| {
            let req = axum::http::Request::post("/evaluation-runs")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(axum::body::Body::from(form))
                .unwrap();
            tower::ServiceExt::oneshot(r.clone(), req)
        };
        let refused = post_form("as_of=2018-13").await.unwrap();
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "a bad month starts nothing");
        assert!(post_form("as_of=2018-06").await.unwrap().status().is_redirection());
        let mut finished = String::new();
        for _ in 0..100 {
            let p = get(&r, "/evaluation-runs").await;
            if p.text.contains("完成") {
                finished = p.text;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(finished.contains("3 户") && finished.contains("符合条件 1 户"), "{finished}");

        // The re-check list: complete windows that met nothing and gave no outcome.
        let list = get(&r, "/api/v1/recheck").await;
        let ids: Vec<i64> =
            list.body["items"].as_array().unwrap().iter().map(|i| i["household"]["id"].as_i64().unwrap()).collect();
        assert_eq!(ids, [fine], "{:?}: {}", db.backend, list.text);
        assert_eq!(list.body["run"]["as_of"], "2018-06");
        let x = get(&r, "/recheck/export.xlsx").await;
        assert!(x.raw.starts_with(b"PK"));
        assert!(get(&r, "/recheck").await.text.contains("政策户2"));
        let _ = poor;

        // What-if: a dibao four times as high makes the comfortable household eligible; nothing is written.
        let before = app.store.determinations(fine, 10).await.unwrap().len();
        let w = get(&r, "/api/v1/what-if?as_of=2018-06&kind=dibao&percent=400&from=2018-01").await;
        assert_eq!(w.status, StatusCode::OK, "{}", w.text);
        assert_eq!(w.body["total"][0]["eligible"], 1);
        assert_eq!(w.body["total"][1]["eligible"], 2, "the incomplete window stays out");
        assert_eq!(app.store.determinations(fine, 10).await.unwrap().len(), before);
        let bad = get(&r, "/api/v1/what-if?as_of=2018-06&percent=lots").await;
        assert_eq!((bad.status, bad.field()), (StatusCode::UNPROCESSABLE_ENTITY, "percent"));
        let page = get(&r, "/what-if?as_of=2018-06&kind=dibao&percent=400&from=2018-01").await;
        assert!(page.text.contains("1 → 2 (+1)"), "{}", page.text);
    }
}

/// Issue 20: the administrator chooses the deployment's root region on the 地区设置 page; the
/// page lists the regions in use; nobody else may change them; a bad code is named and changes
/// nothing.
#[tokio::test]
async fn the_administrator_chooses_the_root_region_on_a_page() {
    for db in TestDb::all().await {
        let app = App::new(db.open().await);
        let admin = with_token(bangfu_web::router(app.clone()), &token_for(&app, "r-admin", "admin", None, None).await);
        let form = [("content-type", "application/x-www-form-urlencoded")];
        let page = get(&admin, "/regions").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text.contains("万秀区") && page.text.contains("南宁市"), "in use, and on the list to choose");
        let bad = call(&admin, Method::POST, "/regions", Some("code=459999"), &form).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.text.contains("地区"), "{}", bad.text);
        assert!(app.store.region("450403").await.unwrap().in_use, "nothing changed");
        let city = as_city_staff(&app).await;
        let refused = call(&city, Method::POST, "/regions", Some("choice=450100"), &form).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let done = call(&admin, Method::POST, "/regions", Some("choice=450100&code="), &form).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
        let page = get(&admin, "/regions?saved=1").await;
        let listed = page.text.split("id=\"regions-in-use\"").nth(1).unwrap_or_default();
        let listed = listed.split("</table>").next().unwrap_or_default();
        assert!(listed.contains("南宁市") && listed.contains("横州市"), "{listed}");
        assert!(!listed.contains("万秀区"), "Wuzhou is out of use: {listed}");
        assert!(!app.store.region("450403").await.unwrap().in_use);
        let trail = app
            .audit_entries(
                &Principal::system(),
                &bangfu_app::audit::AuditQuery { action: Some("set_up".into()), ..Default::default() },
            )
            .await
            .unwrap();
        assert_eq!(trail.total, 1);
    }
}

/// Issue 20: the frameworks form names each bad field beside itself and changes nothing; the
/// organisations and campaigns pages take their forms the same way.
#[tokio::test]
async fn the_frameworks_form_names_each_bad_field_beside_it() {
    let db = TestDb::sqlite();
    let app = App::new(db.open().await);
    let city = as_city_staff(&app).await;
    let form = [("content-type", "application/x-www-form-urlencoded")];
    let before = get(&city, "/api/v1/frameworks").await.text;
    for (body, f, typed) in [
        (
            "region_code=450403&framework=national-2021&from=2026-05&relative_percent=abc&action=save",
            "relative_percent",
            "abc",
        ),
        ("region_code=450403&framework=national-2021&from=2026-13&relative_percent=150&action=save", "from", "2026-13"),
    ] {
        let bad = call(&city, Method::POST, "/frameworks", Some(body), &form).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let beside = format!("class=\"field-error\" data-field=\"{f}\"");
        assert!(bad.text.contains(&beside), "{f} beside itself:\n{}", bad.text);
        assert!(bad.text.contains(&format!("value=\"{typed}\"")), "what was typed is kept");
    }
    assert_eq!(get(&city, "/api/v1/frameworks").await.text, before, "nothing saved");
    // The organisation form: a grassroots union without its parent.
    let org = call(
        &city,
        Method::POST,
        "/organisations/new",
        Some("name=某工会&kind=grassroots_union&region_code=450403"),
        &form,
    )
    .await;
    assert_eq!(org.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(org.text.contains("data-field=\"parent_id\""), "{}", org.text);
    // The campaign form: shares that do not match the years.
    let c = "name=方案&first_year=2026&last_year=2028&stock_cutoff=2025-12-31&target_kind=share&cumulative_percent=50,100&regions=450403";
    let camp = call(&city, Method::POST, "/campaigns/new", Some(c), &form).await;
    assert_eq!(camp.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(camp.text.contains("data-field=\"cumulative_percent\""), "{}", camp.text);
}
