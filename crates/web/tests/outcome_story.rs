//! Outcomes through the API, on SQLite and PostgreSQL: a proposal by one cadre, a decision by
//! another; the proposer cannot decide, grassroots staff cannot approve, another county's staff
//! can neither see nor decide; approval sets the household's status and the date that counts;
//! reopening needs a reason and puts the household back in the file.

#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use bangfu_app::input::*;
use bangfu_app::{App, Principal};
use bangfu_store::testing::TestDb;
use common::*;
use serde_json::json;

#[tokio::test]
async fn a_proposal_is_decided_by_someone_else_in_the_county() {
    for db in TestDb::all().await {
        let app = App::new(db.open().await);
        let sys = Principal::system();
        let h = app
            .create_household(
                &sys,
                &HouseholdInput {
                    head_name: "结果户".into(),
                    head_id_number: id_with_check("45040319800101333"),
                    region_code: "450403".into(),
                    registered_on: "2016-05-10".into(),
                    causes: vec!["unemployment".into()],
                    work_capacity: "full".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let router = |t: String| with_token(bangfu_web::router(app.clone()), &t);
        let proposer = router(token_for(&app, "o-proposer", "county_staff", Some("450403"), None).await);
        let approver = router(token_for(&app, "o-approver", "county_staff", Some("450403"), None).await);
        let other_county = router(token_for(&app, "o-other", "county_staff", Some("450405"), None).await);
        let auditor = router(token_for(&app, "o-auditor", "auditor", Some("450403"), None).await);
        let uri = format!("/api/v1/households/{}/outcomes", h.id);

        // Bad proposals name the field; a good one waits for a decision.
        let no_path = post(&proposer, &uri, &json!({"kind": "exit", "reason": "再就业"})).await;
        assert_eq!((no_path.status, no_path.field()), (StatusCode::UNPROCESSABLE_ENTITY, "pathway"));
        let p = post(
            &proposer,
            &uri,
            &json!({"kind": "exit", "pathway": "employment_business", "reason": "户主再就业，收入稳定"}),
        )
        .await;
        assert_eq!(p.status, StatusCode::CREATED, "{}", p.text);
        let oid = p.body["id"].as_i64().unwrap();
        assert_eq!(p.body["status"], "proposed");
        let again = post(&proposer, &uri, &json!({"kind": "relief", "reason": "x"})).await;
        assert_eq!((again.status, again.code()), (StatusCode::CONFLICT, "proposal_pending"));

        // Another county's staff: not in their queue, not visible, cannot decide — all like missing.
        let decision = format!("/api/v1/outcomes/{oid}/decision");
        assert_eq!(get(&other_county, "/api/v1/outcomes").await.body, json!([]));
        assert_eq!(get(&other_county, &format!("/api/v1/outcomes/{oid}")).await.status, StatusCode::NOT_FOUND);
        let missing = post(&other_county, "/api/v1/outcomes/99999999/decision", &json!({"decision": "approve"})).await;
        let hidden = post(&other_county, &decision, &json!({"decision": "approve"})).await;
        assert_eq!((hidden.status, hidden.text.clone()), (missing.status, missing.text), "out of scope looks missing");
        // Roles that do not approve, and the proposer, cannot decide.
        assert_eq!(post(&auditor, &decision, &json!({"decision": "approve"})).await.status, StatusCode::FORBIDDEN);
        let own = post(&proposer, &decision, &json!({"decision": "approve"})).await;
        assert_eq!((own.status, own.code()), (StatusCode::CONFLICT, "own_proposal"));
        // The approver sees it in the queue, cannot send it back without a note, approves it.
        let queue = get(&approver, "/api/v1/outcomes").await;
        assert_eq!(queue.body[0]["id"], oid);
        let bare = post(&approver, &decision, &json!({"decision": "send_back"})).await;
        assert_eq!((bare.status, bare.field()), (StatusCode::UNPROCESSABLE_ENTITY, "note"));
        let future = post(&approver, &decision, &json!({"decision": "approve", "approval_date": "2999-01-01"})).await;
        assert_eq!((future.status, future.field()), (StatusCode::UNPROCESSABLE_ENTITY, "approval_date"));
        let ok = post(
            &approver,
            &decision,
            &json!({"decision": "approve", "approval_date": "2020-12-31", "note": "核实无误"}),
        )
        .await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
        assert_eq!(
            (ok.body["status"].as_str(), ok.body["approval_date"].as_str()),
            (Some("approved"), Some("2020-12-31"))
        );
        assert_eq!(get(&approver, &format!("/api/v1/households/{}", h.id)).await.body["status"], "exited");
        let twice = post(&approver, &decision, &json!({"decision": "approve"})).await;
        assert_eq!((twice.status, twice.code()), (StatusCode::CONFLICT, "not_proposed"));
        // No new proposal for a household that left the file.
        let late = post(&proposer, &uri, &json!({"kind": "relief", "reason": "x"})).await;
        assert_eq!((late.status, late.code()), (StatusCode::CONFLICT, "not_in_file"));

        // Reopening needs a reason and puts the household back in the file; history is kept.
        let reopen = format!("/api/v1/outcomes/{oid}/reopen");
        let bare = post(&approver, &reopen, &json!({})).await;
        assert_eq!((bare.status, bare.field()), (StatusCode::UNPROCESSABLE_ENTITY, "reason"));
        let back = post(&approver, &reopen, &json!({"reason": "复核发现再次失业"})).await;
        assert_eq!(back.body["status"], "reopened", "{}", back.text);
        assert_eq!(get(&approver, &format!("/api/v1/households/{}", h.id)).await.body["status"], "in_file");
        let w =
            post(&proposer, &uri, &json!({"kind": "withdrawal", "pathway": "moved_away", "reason": "迁往外省"})).await;
        assert_eq!(w.status, StatusCode::CREATED);
        let history = get(&auditor, &uri).await;
        assert_eq!(history.body.as_array().unwrap().len(), 2);

        // Every step is in the audit trail, attributed.
        let trail = app
            .audit_entries(
                &sys,
                &bangfu_app::audit::AuditQuery {
                    entity: Some("outcome".into()),
                    per_page: Some("50".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let steps: Vec<(String, String)> = trail
            .items
            .iter()
            .filter(|e| e.result == "ok")
            .map(|e| (e.action.clone(), e.actor_name.clone()))
            .rev()
            .collect();
        assert_eq!(
            steps,
            [("propose", "o-proposer"), ("approve", "o-approver"), ("reopen", "o-approver"), ("propose", "o-proposer")]
                .map(|(a, b)| (a.to_string(), b.to_string()))
        );
        bangfu_store::testing::assert_tallies_consistent(&app.store, "outcome story").await;
    }
}

#[tokio::test]
async fn a_pairing_stays_until_the_goal_is_reached() {
    for db in TestDb::all().await {
        let app = App::new(db.open().await);
        let sys = Principal::system();
        let org = |name: &str, kind: &str, region: &str| OrganisationInput {
            name: name.into(),
            kind: kind.into(),
            region_code: region.into(),
            parent_id: None,
        };
        let helper = app.create_organisation(&sys, &org("万秀区机关工会", "county_union", "450403")).await.unwrap().id;
        let far = app.create_organisation(&sys, &org("长洲区机关工会", "county_union", "450405")).await.unwrap().id;
        let mut ids = Vec::new();
        for i in 0..2 {
            let h = app
                .create_household(
                    &sys,
                    &HouseholdInput {
                        head_name: format!("结对户{i}"),
                        head_id_number: id_with_check(&format!("45040319800101{:03}", 400 + i)),
                        region_code: "450403".into(),
                        registered_on: "2016-05-10".into(),
                        causes: vec!["illness".into()],
                        work_capacity: "none".into(),
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            ids.push(h.id);
        }
        let staff = with_token(
            bangfu_web::router(app.clone()),
            &token_for(&app, "p-staff", "county_staff", Some("450403"), None).await,
        );
        let boss = with_token(
            bangfu_web::router(app.clone()),
            &token_for(&app, "p-boss", "county_staff", Some("450403"), None).await,
        );

        // Both households wait in the queue; pairing one takes it out.
        let queue = get(&staff, "/api/v1/unpaired").await;
        assert_eq!(queue.body["total"], 2, "{}", queue.text);
        let uri = format!("/api/v1/households/{}/pairings", ids[0]);
        let unknown = post(&staff, &uri, &json!({"helper_org_id": far, "person": "李帮扶"})).await;
        assert_eq!(
            (unknown.status, unknown.field()),
            (StatusCode::UNPROCESSABLE_ENTITY, "helper_org_id"),
            "a unit out of scope is unknown"
        );
        let nobody = post(&staff, &uri, &json!({"helper_org_id": helper})).await;
        assert_eq!((nobody.status, nobody.field()), (StatusCode::UNPROCESSABLE_ENTITY, "person"));
        let p =
            post(&staff, &uri, &json!({"helper_org_id": helper, "person": "李帮扶", "started_on": "2018-01-05"})).await;
        assert_eq!(p.status, StatusCode::CREATED, "{}", p.text);
        let pid = p.body["id"].as_i64().unwrap();
        let second = post(&staff, &uri, &json!({"helper_org_id": helper, "person": "王帮扶"})).await;
        assert_eq!((second.status, second.code()), (StatusCode::CONFLICT, "already_paired"));
        let queue = get(&staff, "/api/v1/unpaired").await;
        assert_eq!(queue.body["total"], 1);
        assert_eq!(queue.body["items"][0]["id"], ids[1]);
        let load = get(&staff, "/api/v1/caseload").await;
        assert_eq!(
            (load.body[0]["helper_org_id"].as_i64(), load.body[0]["households"].as_i64()),
            (Some(helper), Some(1))
        );

        // Ending early is refused with the reason; after an approved exit it ends.
        let end = format!("/api/v1/pairings/{pid}/end");
        let early = post(&staff, &end, &json!({"reason": "人手调整"})).await;
        assert_eq!((early.status, early.code()), (StatusCode::CONFLICT, "goal_not_reached"), "{}", early.text);
        assert!(early.body["error"]["message"].as_str().unwrap().contains("不达目标不脱钩"));
        let o = post(
            &staff,
            &format!("/api/v1/households/{}/outcomes", ids[0]),
            &json!({"kind": "exit", "pathway": "medical_cover", "reason": "大病保险报销后收入稳定"}),
        )
        .await;
        let oid = o.body["id"].as_i64().unwrap();
        let ok = post(&boss, &format!("/api/v1/outcomes/{oid}/decision"), &json!({"decision": "approve"})).await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
        let before_start = post(&staff, &end, &json!({"reason": "已脱困", "ended_on": "2017-12-31"})).await;
        assert_eq!((before_start.status, before_start.field()), (StatusCode::UNPROCESSABLE_ENTITY, "ended_on"));
        let done = post(&staff, &end, &json!({"reason": "已脱困"})).await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text);
        assert!(done.body["ended_on"].is_string());
        assert_eq!(get(&staff, "/api/v1/caseload").await.body, json!([]));
        // An exited household is not in the queue either.
        assert_eq!(get(&staff, "/api/v1/unpaired").await.body["total"], 1);
        // Another county sees no pairing of this one.
        let other = with_token(
            bangfu_web::router(app.clone()),
            &token_for(&app, "p-far", "county_staff", Some("450405"), None).await,
        );
        assert_eq!(get(&other, &uri).await.status, StatusCode::NOT_FOUND);
        assert_eq!(post(&other, &end, &json!({"reason": "x"})).await.status, StatusCode::NOT_FOUND);
        assert_eq!(get(&other, "/api/v1/unpaired").await.body["total"], 0);
    }
}

#[tokio::test]
async fn the_household_page_pairs_proposes_and_approves() {
    let db = TestDb::sqlite();
    let app = App::new(db.open().await);
    let sys = Principal::system();
    let helper = app
        .create_organisation(
            &sys,
            &OrganisationInput {
                name: "万秀区帮扶站".into(),
                kind: "county_union".into(),
                region_code: "450403".into(),
                parent_id: None,
            },
        )
        .await
        .unwrap()
        .id;
    let h = app
        .create_household(
            &sys,
            &HouseholdInput {
                head_name: "页面户".into(),
                head_id_number: id_with_check("45040319800101555"),
                region_code: "450403".into(),
                registered_on: "2016-05-10".into(),
                causes: vec!["illness".into()],
                work_capacity: "none".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let a = with_token(
        bangfu_web::router(app.clone()),
        &token_for(&app, "pg-a", "county_staff", Some("450403"), None).await,
    );
    let b = with_token(
        bangfu_web::router(app.clone()),
        &token_for(&app, "pg-b", "county_staff", Some("450403"), None).await,
    );
    let form = |r: &axum::Router, uri: String, body: String| {
        let r = r.clone();
        async move {
            call(&r, axum::http::Method::POST, &uri, None, &[]).await; // no body: refused, changes nothing
            let req = axum::http::Request::post(&uri)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(axum::body::Body::from(body))
                .unwrap();
            tower::ServiceExt::oneshot(r, req).await.unwrap().status()
        }
    };
    let page = get(&a, &format!("/households/{}", h.id)).await;
    assert!(
        page.text.contains("id=\"pair-link\"")
            && page.text.contains("id=\"propose-link\"")
            && page.text.contains("尚未结对")
    );
    assert!(form(&a, format!("/households/{}/pairings/new", h.id), format!("helper_org_id={helper}&person=%E6%9D%8E"))
        .await
        .is_redirection());
    let st = form(
        &a,
        format!("/households/{}/outcomes/new", h.id),
        "kind=exit&pathway=employment_business&reason=%E5%86%8D%E5%B0%B1%E4%B8%9A".into(),
    )
    .await;
    assert!(st.is_redirection(), "{st}");
    // The proposer sees no approve button; the colleague does, and approves.
    let oid = app.pending_outcomes(&sys).await.unwrap()[0].id;
    let decide = format!("href=\"/approvals/outcomes/{oid}\"");
    assert!(!get(&a, &format!("/households/{}", h.id)).await.text.contains(&decide));
    let page = get(&b, &format!("/households/{}", h.id)).await;
    assert!(page.text.contains("万秀区帮扶站 · 李") && page.text.contains(&decide), "{}", page.text);
    // Deciding takes two steps: the decision, then its confirmation; nothing changes before.
    let decide = format!("/approvals/outcomes/{oid}");
    assert_eq!(form(&b, decide.clone(), "decision=approve&note=%E5%90%8C%E6%84%8F".into()).await, StatusCode::OK);
    assert_eq!(app.pending_outcomes(&sys).await.unwrap().len(), 1, "not decided before it is confirmed");
    assert!(form(&b, decide.clone(), "decision=approve&note=%E5%90%8C%E6%84%8F&confirmed=1".into())
        .await
        .is_redirection());
    let page = get(&b, &format!("/households/{}", h.id)).await;
    assert!(
        page.text.contains("已批准") && page.text.contains("同意") && !page.text.contains("id=\"propose-link\""),
        "an exited household takes no new proposal; the note is on the file"
    );
    // Deciding again is refused, in Chinese, beside the decision.
    let again = form(&b, decide, "decision=approve&confirmed=1".into()).await;
    assert!(again.is_client_error());
}
