//! The family and its records on the household's pages, as county staff use them: a member
//! added (a wrong check digit and a person already on another file refused beside the field,
//! what was typed kept), changed and removed after a confirmation; social assistance added,
//! ended and removed; union assistance added and changed; every change on the file's timeline
//! and in the audit trail; a verification request's mistake comes back beside its field. On
//! SQLite and PostgreSQL.

#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use bangfu_app::input::HouseholdInput;
use bangfu_app::{App, Principal};
use bangfu_store::testing::TestDb;
use common::*;

/// Posts a form as the page does: the status and the page.
async fn post_form(r: &axum::Router, uri: &str, body: &str) -> (StatusCode, String) {
    let req = axum::http::Request::post(uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
    let res = tower::ServiceExt::oneshot(r.clone(), req).await.unwrap();
    let status = res.status();
    let bytes = http_body_util::BodyExt::collect(res.into_body()).await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).to_string())
}

async fn household(app: &App, name: &str, id17: &str) -> (i64, i64) {
    let h = app
        .create_household(
            &Principal::system(),
            &HouseholdInput {
                head_name: name.into(),
                head_id_number: id_with_check(id17),
                region_code: "450403".into(),
                registered_on: "2018-03-01".into(),
                causes: vec!["illness".into()],
                work_capacity: "partial".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    (h.id, h.version)
}

#[tokio::test]
async fn the_family_and_its_records_are_kept_from_the_pages() {
    for db in TestDb::all().await {
        let app = App::new(db.open().await);
        let (hid, _) = household(&app, "页面家庭", "45040319800101771").await;
        let (other, _) = household(&app, "另一家庭", "45040319800101772").await;
        let r = with_token(
            bangfu_web::router(app.clone()),
            &token_for(&app, "rec-county", "county_staff", Some("450403"), None).await,
        );
        let version = |app: App, id: i64| async move { app.household(&Principal::system(), id).await.unwrap().version };
        let members = format!("/households/{hid}/members/new");
        assert_eq!(get(&r, &members).await.status, StatusCode::OK);

        // A wrong check digit: the form comes back, typed values kept, the message beside the ID.
        let good = id_with_check("45040320100910771");
        let wrong = format!("{}{}", &good[..17], if good.ends_with('0') { '1' } else { '0' });
        let v = version(app.clone(), hid).await;
        let body = |id: &str, v: i64| {
            format!("version={v}&name=%E9%A1%B5%E5%AD%90&id_number={id}&relation=child&situation=student")
        };
        let (status, page) = post_form(&r, &members, &body(&wrong, v)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("data-field=\"id_number\"") && page.contains("校验位"), "{page}");
        assert!(page.contains(&format!("value=\"{wrong}\"")) && page.contains("页子"), "what was typed is kept");
        assert_eq!(app.members(&Principal::system(), hid).await.unwrap().len(), 0, "nothing written");

        // One person in one file: the other household's member cannot join this one.
        let taken = id_with_check("45040320120101771");
        let ov = version(app.clone(), other).await;
        let (status, _) = post_form(&r, &format!("/households/{other}/members/new"), &body(&taken, ov)).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (status, page) = post_form(&r, &members, &body(&taken, v)).await;
        assert_eq!(status, StatusCode::CONFLICT, "{page}");
        assert!(page.contains("data-field=\"id_number\""), "the conflict stands beside the ID: {page}");

        // Added, then changed, then removed after a confirmation.
        let (status, _) = post_form(&r, &members, &body(&good, v)).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let m = app.members(&Principal::system(), hid).await.unwrap()[0].id;
        let v = version(app.clone(), hid).await;
        let masked = bangfu_domain::id_number::mask(&good);
        let (status, _) = post_form(
            &r,
            &format!("/households/{hid}/members/{m}"),
            &format!("version={v}&name=%E9%A1%B5%E5%AD%90&id_number={masked}&relation=child&situation=employed"),
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "a masked ID sent back unchanged keeps the stored one");
        let stored = app.store.members(&bangfu_store::Scope::everything(), hid).await.unwrap();
        assert_eq!((stored[0].id_number.as_str(), stored[0].situation.code()), (good.as_str(), "employed"));
        let confirm = get(&r, &format!("/households/{hid}/members/{m}/delete")).await;
        assert!(confirm.text.contains("确定要从档案中删除"), "removing asks first");
        let v = version(app.clone(), hid).await;
        let (status, _) =
            post_form(&r, &format!("/households/{hid}/members/{m}/delete"), &format!("version={v}")).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(app.members(&Principal::system(), hid).await.unwrap().is_empty());

        // A form read before someone else's change is refused, and keeps what was typed.
        let (status, page) = post_form(&r, &members, &body(&good, v)).await;
        assert_eq!(status, StatusCode::PRECONDITION_FAILED);
        assert!(page.contains("已被他人修改") && page.contains("页子"), "{page}");

        // Social assistance: added, then ended (its last month), then removed.
        let v = version(app.clone(), hid).await;
        let (status, _) = post_form(
            &r,
            &format!("/households/{hid}/enrolments/new"),
            &format!("version={v}&scheme=dibao&from=2020-01"),
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let e = app.enrolments(&Principal::system(), hid).await.unwrap()[0].id;
        let v = version(app.clone(), hid).await;
        let (status, page) = post_form(
            &r,
            &format!("/households/{hid}/enrolments/{e}"),
            &format!("version={v}&scheme=dibao&from=2020-01&to=2019-12"),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "an end before the start is refused");
        assert!(page.contains("data-field=\"to\""), "{page}");
        let (status, _) = post_form(
            &r,
            &format!("/households/{hid}/enrolments/{e}"),
            &format!("version={v}&scheme=dibao&from=2020-01&to=2021-06"),
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let ended = app.enrolments(&Principal::system(), hid).await.unwrap();
        assert_eq!(ended[0].to.map(|t| t.to_string()).as_deref(), Some("2021-06"));

        // Union assistance: added, then its amount corrected.
        let v = version(app.clone(), hid).await;
        let (status, _) = post_form(
            &r,
            &format!("/households/{hid}/union-assistance/new"),
            &format!("version={v}&date=2020-02-01&measure=living_aid&kind=cash&amount=300"),
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let a = app.union_assistance(&Principal::system(), hid).await.unwrap()[0].id;
        let v = version(app.clone(), hid).await;
        let (status, page) = post_form(
            &r,
            &format!("/households/{hid}/union-assistance/{a}"),
            &format!("version={v}&date=2020-02-01&measure=living_aid&kind=cash&amount=3OO"),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("data-field=\"amount\"") && page.contains("value=\"3OO\""), "{page}");
        let (status, _) = post_form(
            &r,
            &format!("/households/{hid}/union-assistance/{a}"),
            &format!("version={v}&date=2020-02-01&measure=living_aid&kind=cash&amount=350.5"),
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(app.union_assistance(&Principal::system(), hid).await.unwrap()[0].amount.fen(), 35_050);
        let file = get(&r, &format!("/households/{hid}")).await.text;
        assert!(file.contains("¥350.50") && file.contains("2021-06"), "the file shows the changes");

        // Every change is in the audit trail.
        let trail = app
            .audit_entries(
                &Principal::system(),
                &bangfu_app::audit::AuditQuery { actor: Some("rec-county".into()), ..Default::default() },
            )
            .await
            .unwrap();
        let actions: Vec<String> = trail.items.iter().map(|e| format!("{} {}", e.action, e.entity)).collect();
        for want in ["update enrolment", "update union_assistance", "delete member", "update member", "create member"] {
            assert!(actions.iter().any(|a| a == want), "{want} missing from {actions:?}");
        }

        // A verification request with a due date that is not one comes back in the household's
        // page beside the field, what was typed kept; no request is written.
        let asked = format!("/households/{hid}/verifications");
        let (status, page) =
            post_form(&r, &asked, "question=%E8%AF%B7%E6%A0%B8%E5%AF%B9%E6%94%B6%E5%85%A5&due_on=2026-13-45").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
        assert!(page.contains("id=\"verification-form\""), "the household's page, with its form");
        assert!(page.contains("data-field=\"due_on\""), "{page}");
        assert!(page.contains("value=\"2026-13-45\"") && page.contains(">请核对收入</textarea>"), "typed values kept");
        assert!(app
            .store
            .verifications(&bangfu_store::VerificationAsk { household_id: Some(hid), limit: 10, ..Default::default() })
            .await
            .unwrap()
            .is_empty());
    }
}
