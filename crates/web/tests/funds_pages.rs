//! The funds pages (issue 8) on the demo's synthetic ledger, on SQLite and PostgreSQL: every
//! page and export answers for city staff; a payment recorded through the form waits for a
//! second person; bad input is refused and writes nothing; auditors read and record nothing;
//! liaisons see no funds.

#![allow(clippy::unwrap_used)]

mod common;

use axum::http::{Method, StatusCode};
use bangfu_app::App;
use bangfu_store::testing::TestDb;
use bangfu_store::{EntryFilter, Scope};
use common::*;

async fn form(r: &axum::Router, uri: &str, body: &str) -> Res {
    call(r, Method::POST, uri, Some(body), &[]).await
}

async fn entries(app: &App) -> i64 {
    let f = EntryFilter { limit: 1, ..Default::default() };
    app.store.fund_entries(&Scope::everything(), &f).await.unwrap().1
}

#[tokio::test]
async fn funds_pages_answer_and_payments_wait_for_a_second_person() {
    for db in TestDb::all().await {
        let app = App::new(db.open().await);
        app.demo(None, 200, 5, &|_| {}).await.unwrap();
        let b = db.backend;
        let city = as_city_staff(&app).await;
        let r = get(&city, "/funds").await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}");
        assert!(r.text.contains("示例：社会捐赠帮扶资金") && r.text.contains("平衡"), "{b:?}");
        assert!(!r.text.contains("不平衡"), "{b:?}: the demo ledger reconciles row by row");
        for page in [
            "/funds/entries",
            "/funds/entries?status=approved",
            "/funds/findings?status=",
            "/funds/standards",
            "/funds/report?year=2021",
        ] {
            let r = get(&city, page).await;
            assert_eq!(r.status, StatusCode::OK, "{b:?} {page}");
        }
        for xlsx in [
            "/funds/balances.xlsx",
            "/funds/entries/export.xlsx",
            "/funds/findings/export.xlsx",
            "/funds/report.xlsx?year=2021",
        ] {
            let r = get(&city, xlsx).await;
            assert_eq!(r.status, StatusCode::OK, "{b:?} {xlsx}");
            assert_eq!(&r.raw[..2], b"PK", "{b:?} {xlsx}: an .xlsx workbook");
        }

        // A payment through the form: a bad amount is refused and writes nothing; a good one is
        // pending, and its recorder cannot approve it.
        let union =
            app.store.organisations(&Scope::everything(), Some(bangfu_domain::OrgKind::CountyUnion)).await.unwrap()[0]
                .clone();
        let mut household = None;
        for id in 1..=200 {
            let h = app.store.household(&Scope::everything(), id).await.unwrap();
            if h.region_code == union.region_code {
                household = Some(h);
                break;
            }
        }
        let household = household.unwrap();
        let fund = app.store.funds().await.unwrap()[0].id;
        let before = entries(&app).await;
        let body = |amount: &str| {
            format!(
                "fund_id={fund}&day=2026-01-10&amount={amount}&payer_union_id={}&household_id={}&purpose=medical_aid&voucher=V-1",
                union.id, household.id
            )
        };
        let bad = form(&city, "/funds/disbursements", &body("12.345")).await;
        assert!(bad.status.is_client_error(), "{b:?}: {}", bad.status);
        assert!(bad.text.contains("金额") && bad.text.contains("两位小数"), "{b:?}: the error names the field");
        assert_eq!(entries(&app).await, before, "{b:?}: nothing written");
        let ok = form(&city, "/funds/disbursements", &body("300")).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{b:?}: {}", ok.text);
        assert_eq!(entries(&app).await, before + 1);
        let (list, _) = app
            .store
            .fund_entries(
                &Scope::everything(),
                &EntryFilter { status: Some("pending".into()), limit: 10, ..Default::default() },
            )
            .await
            .unwrap();
        let id = list[0].id;
        // Decided through 待我审批 (a note, then a confirmation), never by whoever recorded it.
        let decide = format!("/approvals/entries/{id}");
        let own = form(&city, &decide, "decision=approve&confirmed=1").await;
        assert_eq!(own.status, StatusCode::CONFLICT, "{b:?}: the recorder cannot approve");
        assert!(own.text.contains("录入人不能审批"), "{b:?}: said in Chinese: {}", own.text);
        let other = with_token(
            bangfu_web::router(app.clone()),
            &token_for(&app, "city-2", "city_staff", Some("450400"), None).await,
        );
        let page = get(&other, &format!("/funds/entries/{id}")).await;
        assert!(page.text.contains(&decide), "{b:?}: the entry's page links to its decision");
        let r = form(&other, &decide, "decision=approve").await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: first the confirmation");
        assert!(get(&other, &format!("/funds/entries/{id}")).await.text.contains("待审批"), "{b:?}: not before it");
        let r = form(&other, &decide, "decision=approve&confirmed=1").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b:?}: {}", r.text);
        assert!(get(&other, &format!("/funds/entries/{id}")).await.text.contains("已审批"));

        // The household's payments from its page; the dashboard's funds panel.
        let r = get(&city, &format!("/households/{}", household.id)).await;
        assert!(r.text.contains(&format!("/funds/entries?household_id={}", household.id)), "{b:?}");
        let r = get(&city, &format!("/funds/entries?household_id={}", household.id)).await;
        assert!(r.text.contains("V-1"), "{b:?}: the payment recorded above is listed");
        let r = get(&city, "/dashboard").await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}");
        assert!(r.text.contains("chart-funds") && r.text.contains("chart-findings"), "{b:?}");

        // The same through the API: JSON in and out, errors naming the field.
        let r = get(&city, "/api/v1/fund-balances?as_of=2026-01-31").await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}");
        assert!(r.body["rows"].as_array().is_some_and(|a| !a.is_empty()), "{b:?}: {}", r.text);
        let r = get(&city, "/api/v1/fund-findings?status=bogus").await;
        assert_eq!((r.status, r.field()), (StatusCode::UNPROCESSABLE_ENTITY, "status"), "{b:?}");
        let bad = serde_json::json!({"fund_id": fund, "day": "2026-01-10", "amount": "-5", "payer_union_id": union.id,
            "household_id": household.id, "purpose": "medical_aid", "voucher": "V-2"});
        let r = post(&city, "/api/v1/fund-entries/disbursements", &bad).await;
        assert_eq!((r.status, r.field()), (StatusCode::UNPROCESSABLE_ENTITY, "amount"), "{b:?}: {}", r.text);
        let r = get(&city, &format!("/api/v1/fund-entries/{id}")).await;
        assert_eq!((r.status, r.body["status"].as_str()), (StatusCode::OK, Some("approved")), "{b:?}");

        // Auditors read and record nothing; liaisons see no funds.
        let auditor =
            with_token(bangfu_web::router(app.clone()), &token_for(&app, "aud", "auditor", Some("450400"), None).await);
        assert_eq!(get(&auditor, "/funds/findings").await.status, StatusCode::OK);
        assert_eq!(form(&auditor, "/funds/disbursements", &body("300")).await.status, StatusCode::FORBIDDEN);
        let dept =
            app.store.organisations(&Scope::everything(), Some(bangfu_domain::OrgKind::Department)).await.unwrap()[0]
                .id;
        let liaison =
            with_token(bangfu_web::router(app.clone()), &token_for(&app, "li", "liaison", None, Some(dept)).await);
        assert_eq!(get(&liaison, "/funds").await.status, StatusCode::FORBIDDEN);
        assert_eq!(entries(&app).await, before + 1);
    }
}
