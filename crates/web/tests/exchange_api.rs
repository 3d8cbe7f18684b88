//! Rosters and verification requests between the union and a department's own system, through
//! the API, on SQLite and PostgreSQL (issue 22): the civil-affairs (民政) account uploads a roster
//! twice with the same Idempotency-Key (one roster), union staff accept its match; city staff
//! open a request, the 民政 account polls with a cursor, never missing or repeating one, answers
//! with a PDF; the answer reaches the household's timeline; the human-resources (人社) account
//! sees none of it; bad input changes nothing.

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod common;

use axum::http::{Method, StatusCode};
use bangfu_app::input::{HouseholdInput, OrganisationInput};
use bangfu_app::{App, Principal};
use bangfu_store::testing::TestDb;
use common::*;
use serde_json::{json, Value};

async fn department(app: &App, name: &str) -> i64 {
    let o = OrganisationInput {
        name: name.into(),
        kind: "department".into(),
        region_code: "450400".into(),
        parent_id: None,
    };
    app.create_organisation(&Principal::system(), &o).await.unwrap().id
}

async fn poll(r: &axum::Router, query: &str) -> (Vec<i64>, String, Value) {
    let res = get(r, &format!("/api/v1/verifications{query}")).await;
    assert_eq!(res.status, StatusCode::OK, "{query}: {}", res.text);
    let ids = res.body["items"].as_array().unwrap().iter().map(|v| v["id"].as_i64().unwrap()).collect();
    (ids, res.body["next_cursor"].as_str().unwrap().to_string(), res.body)
}

#[tokio::test]
async fn a_department_polls_and_answers_verification_requests_on_every_backend() {
    for db in TestDb::all().await {
        let app = App::new(db.open().await);
        let civil = department(&app, "梧州市民政局").await;
        let hr = department(&app, "梧州市人力资源和社会保障局").await;
        let head_id = id_with_check("45040319800101002");
        let h = app
            .create_household(
                &Principal::system(),
                &HouseholdInput {
                    head_name: "李梅".into(),
                    head_id_number: head_id.clone(),
                    region_code: "450403".into(),
                    registered_on: "2020-01-01".into(),
                    causes: vec!["illness".into()],
                    work_capacity: "partial".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let staff = as_city_staff(&app).await;
        let mz = with_token(
            bangfu_web::router(app.clone()),
            &token_for(&app, "mz-system", "liaison", None, Some(civil)).await,
        );
        let rs =
            with_token(bangfu_web::router(app.clone()), &token_for(&app, "rs-system", "liaison", None, Some(hr)).await);

        // A roster, sent twice with the same key (a retry after a timeout): one roster.
        let csv = format!(
            "身份证号,姓名,起始日期,备注\n{head_id},李梅,2026-03,城市低保\n{},王五,2026-04,\n",
            id_with_check("45040319700101003")
        );
        let upload = |body: String, key: &'static str| {
            let mz = mz.clone();
            async move {
                call_raw(
                    &mz,
                    "/api/v1/rosters?kind=dibao&name=2026年12月低保名单.csv",
                    "text/csv",
                    body,
                    &[("Idempotency-Key", key)],
                )
                .await
            }
        };
        let first = upload(csv.clone(), "mz-2026-12-roster").await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
        assert_eq!(first.body["rows"], 2);
        assert_eq!(first.body["matched"], 0, "a department does not learn who is on file");
        let again = upload(csv.clone(), "mz-2026-12-roster").await;
        assert_eq!((again.status, &again.body), (StatusCode::CREATED, &first.body), "{}", again.text);
        let roster = first.body["roster_id"].as_i64().unwrap();
        let listed = get(&mz, "/api/v1/rosters").await;
        assert_eq!(listed.body.as_array().unwrap().len(), 1, "{}", listed.text);
        // The same key with another file is refused; a bad row writes nothing and is named.
        let other = upload(csv.replace("城市低保", "农村低保"), "mz-2026-12-roster").await;
        assert_eq!((other.status, other.code()), (StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused"));
        let bad = upload(format!("{csv}450403198001010000,张三,,\n"), "mz-bad").await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
        assert_eq!(bad.field(), "rows[4].身份证号", "{}", bad.text);
        assert_eq!(get(&mz, "/api/v1/rosters").await.body.as_array().unwrap().len(), 1);
        let res = call_raw(&mz, "/api/v1/rosters?kind=dibao", "application/pdf", csv.clone(), &[]).await;
        assert_eq!(res.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        // 人社 sees none of it.
        assert_eq!(get(&rs, "/api/v1/rosters").await.body, json!([]));
        assert_eq!(get(&rs, &format!("/api/v1/rosters/{roster}")).await.status, StatusCode::NOT_FOUND);
        // Union staff read the match and accept it: an exit via social assistance is proposed.
        let rows = get(&staff, &format!("/api/v1/rosters/{roster}?matched=true")).await;
        assert_eq!(rows.status, StatusCode::OK, "{}", rows.text);
        assert_eq!(rows.body["total"], 1, "{}", rows.text);
        let row = &rows.body["rows"][0];
        assert_eq!(row["household_id"], h.id);
        assert_ne!(row["id_number"], head_id, "masked");
        let decided =
            post(&staff, &format!("/api/v1/roster-rows/{}/decision", row["id"]), &json!({"accept": true})).await;
        assert_eq!(decided.status, StatusCode::OK, "{}", decided.text);
        assert_eq!(decided.body["decision"], "accepted");
        assert!(decided.body["outcome_id"].as_i64().is_some(), "{}", decided.text);
        let row_id = row["id"].as_i64().unwrap();
        assert_eq!(
            post(&mz, &format!("/api/v1/roster-rows/{row_id}/decision"), &json!({"accept": false})).await.status,
            StatusCode::FORBIDDEN
        );

        // Nothing yet: an empty poll keeps its cursor.
        assert_eq!(poll(&mz, "").await.0, Vec::<i64>::new());
        assert_eq!(poll(&mz, "?since=0").await.1, "0");

        // City staff open a request to civil affairs; it falls due five working days later.
        let ask = |question: &str| json!({ "question": question, "departments": [civil] });
        let v1 =
            post(&staff, &format!("/api/v1/households/{}/verifications", h.id), &ask("核实该户是否享受低保")).await;
        assert_eq!(v1.status, StatusCode::CREATED, "{}", v1.text);
        assert_ne!(v1.body["head_id_number"], head_id, "union staff see the ID masked");
        assert_eq!(v1.body["answers"][0]["status"], "pending");
        let v1 = v1.body["id"].as_i64().unwrap();

        // The department's system polls: the request, with the full ID to look the person up.
        let (ids, cursor, body) = poll(&mz, "?status=open").await;
        assert_eq!(ids, vec![v1]);
        assert_eq!(body["items"][0]["head_id_number"], head_id);
        assert_eq!(cursor, v1.to_string());
        // Polling again from the cursor repeats nothing; a new request is the only one after it.
        assert_eq!(poll(&mz, &format!("?since={cursor}")).await.0, Vec::<i64>::new());
        let v2 = post(&staff, &format!("/api/v1/households/{}/verifications", h.id), &ask("核实该户就业情况")).await;
        let v2 = v2.body["id"].as_i64().unwrap();
        let (ids, cursor2, _) = poll(&mz, &format!("?since={cursor}")).await;
        assert_eq!(ids, vec![v2]);
        assert_eq!(poll(&mz, &format!("?since={cursor2}")).await.0, Vec::<i64>::new());
        // One at a time: the limit holds and the cursor walks on.
        let (ids, c1, _) = poll(&mz, "?limit=1").await;
        assert_eq!(ids, vec![v1]);
        assert_eq!(poll(&mz, &format!("?limit=1&since={c1}")).await.0, vec![v2]);

        // Human resources sees none of it, and its answer finds no such request.
        assert_eq!(poll(&rs, "?status=all").await.0, Vec::<i64>::new());
        assert_eq!(get(&rs, &format!("/api/v1/verifications/{v1}")).await.status, StatusCode::NOT_FOUND);
        let pdf = json!({ "facts": "经核实，该户享受城市低保。", "file": { "name": "低保核对结果.pdf", "content_base64": "JVBERi0xLjQKJcTl8uXr" } });
        assert_eq!(post(&rs, &format!("/api/v1/verifications/{v1}/answer"), &pdf).await.status, StatusCode::NOT_FOUND);

        // Bad input is named and changes nothing: a cursor not given by Bangfu, a limit out of
        // range, a file that is no PDF/JPEG/PNG, content that is not base64.
        for (query, field) in
            [("?since=abc", "since"), ("?since=-3", "since"), ("?limit=0", "limit"), ("?limit=501", "limit")]
        {
            let res = get(&mz, &format!("/api/v1/verifications{query}")).await;
            assert_eq!((res.status, res.field()), (StatusCode::UNPROCESSABLE_ENTITY, field), "{query}: {}", res.text);
        }
        let exe = json!({ "facts": "见附件", "file": { "name": "结果.pdf", "content_base64": "TVqQAAMAAAAEAAAA" } });
        let res = post(&mz, &format!("/api/v1/verifications/{v1}/answer"), &exe).await;
        assert_eq!(
            (res.status, res.code()),
            (StatusCode::UNPROCESSABLE_ENTITY, "file_type_not_allowed"),
            "{}",
            res.text
        );
        let garbled = json!({ "facts": "见附件", "file": { "name": "结果.pdf", "content_base64": "%%%不是base64" } });
        let res = post(&mz, &format!("/api/v1/verifications/{v1}/answer"), &garbled).await;
        assert_eq!((res.status, res.code()), (StatusCode::UNPROCESSABLE_ENTITY, "not_base64"), "{}", res.text);
        assert_eq!(poll(&mz, "?status=open").await.0, vec![v1, v2], "still waiting for an answer");

        // The answer, with its PDF, once.
        let res = post(&mz, &format!("/api/v1/verifications/{v1}/answer"), &pdf).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        assert_eq!(res.body["answers"][0]["status"], "answered");
        let file = res.body["answers"][0]["attachment_id"].as_i64().expect("the PDF kept");
        assert_eq!(post(&mz, &format!("/api/v1/verifications/{v1}/answer"), &pdf).await.status, StatusCode::CONFLICT);
        assert_eq!(poll(&mz, "?status=open").await.0, vec![v2]);
        assert_eq!(poll(&mz, "?status=all").await.0, vec![v1, v2]);

        // Union staff read the answer; it is on the household's timeline, its file beside it.
        let seen = get(&staff, &format!("/api/v1/verifications/{v1}")).await;
        assert_eq!(seen.body["answers"][0]["facts"], "经核实，该户享受城市低保。");
        let timeline = get(&staff, &format!("/api/v1/households/{}/timeline", h.id)).await;
        assert_eq!(timeline.status, StatusCode::OK, "{}", timeline.text);
        assert!(timeline.text.contains("经核实，该户享受城市低保。"), "{}", timeline.text);
        let stored = app.store.attachment(file).await.unwrap();
        assert_eq!((stored.content_type.as_str(), &stored.data[..5]), ("application/pdf", &b"%PDF-"[..]));
        // Nobody but union staff opens a request: a department's account cannot.
        let res = call(
            &mz,
            Method::POST,
            &format!("/api/v1/households/{}/verifications", h.id),
            Some(&ask("x").to_string()),
            &[],
        )
        .await;
        assert!(matches!(res.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{}", res.text);
    }
}
