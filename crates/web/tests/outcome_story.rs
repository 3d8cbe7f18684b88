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
    }
}
