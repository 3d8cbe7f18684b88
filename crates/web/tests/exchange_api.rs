//! Rosters, verification requests and the joint meeting between the union and a department's
//! own system, through the API, on SQLite and PostgreSQL (issue 22): an administrator makes the
//! civil-affairs (民政) and human-resources (人社) service accounts and their tokens; the 民政
//! system uploads a roster twice with the same Idempotency-Key (one roster), as a file and as JSON
//! rows, union staff accept its match; city staff open a request, the 民政 system polls with a
//! cursor, never missing or repeating one, answers with a PDF; the answer reaches the household's
//! timeline; it reports on the joint meeting's task its unit leads; the 人社 system sees none of
//! it; bad input changes nothing; a service token reaches nothing else, and every one of its
//! calls is in the audit trail with the token's id.

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

/// A department system's account made by the system administrator through the API (no
/// password), and its token, issued by the security administrator: (token id, secret).
async fn service_account(admin: &axum::Router, security: &axum::Router, name: &str, department: i64) -> (i64, String) {
    let u =
        post(admin, "/api/v1/users", &json!({ "name": name, "role": "department_system", "org_id": department })).await;
    assert_eq!(u.status, StatusCode::CREATED, "{}", u.text);
    let id = u.body["id"].as_i64().unwrap();
    // No password, now or later.
    let pw = call(
        admin,
        Method::PUT,
        &format!("/api/v1/users/{id}/password"),
        Some(r#"{"password":"long enough pw"}"#),
        &[],
    )
    .await;
    assert_eq!((pw.status, pw.code()), (StatusCode::UNPROCESSABLE_ENTITY, "no_password_for_service"), "{}", pw.text);
    let t = post(security, &format!("/api/v1/users/{id}/tokens"), &json!({ "name": "低保系统对接" })).await;
    assert_eq!(t.status, StatusCode::CREATED, "{}", t.text);
    (t.body["token"]["id"].as_i64().unwrap(), t.body["secret"].as_str().unwrap().to_string())
}

/// A 低保 roster sent by `r` as `content_type`, under an Idempotency-Key.
async fn send_roster(r: &axum::Router, name: &str, content_type: &str, body: String, key: &str) -> Res {
    let uri = format!("/api/v1/rosters?kind=dibao&name={name}");
    call_raw(r, &uri, content_type, body, &[("Idempotency-Key", key)]).await
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
        // The IT office's administrator creates each department's service account and its token.
        let admin =
            with_token(bangfu_web::router(app.clone()), &token_for(&app, "it-admin", "admin", None, None).await);
        let security = with_token(
            bangfu_web::router(app.clone()),
            &token_for(&app, "it-security", "security_admin", None, None).await,
        );
        let (mz_token, mz_secret) = service_account(&admin, &security, "mz-system", civil).await;
        let (_, rs_secret) = service_account(&admin, &security, "rs-system", hr).await;
        let mz = with_token(bangfu_web::router(app.clone()), &mz_secret);
        let rs = with_token(bangfu_web::router(app.clone()), &rs_secret);

        // A roster, sent twice with the same key (a retry after a timeout): one roster.
        let csv = format!(
            "身份证号,姓名,起始日期,备注\n{head_id},李梅,2026-03,城市低保\n{},王五,2026-04,\n",
            id_with_check("45040319700101003")
        );
        let upload =
            |body: String, key: &'static str| send_roster(&mz, "2026年12月低保名单.csv", "text/csv", body, key);
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
        // The same roster as JSON rows from the department's database: the same checks, a bad
        // row named by its index and field, nothing written; good rows make a second roster,
        // once under its key.
        let json_rows = |second_id: &str| {
            json!({ "rows": [
                { "id_number": head_id, "name": "李梅", "since": "2026-03", "note": "城市低保" },
                { "id_number": second_id, "name": "王五", "since": "2026-04" },
            ] })
            .to_string()
        };
        let send_json =
            |body: String, key: &'static str| send_roster(&mz, "低保系统导出", "application/json", body, key);
        let bad = send_json(json_rows("450403198001010000"), "mz-json-bad").await;
        assert_eq!((bad.status, bad.field()), (StatusCode::UNPROCESSABLE_ENTITY, "rows[1].id_number"), "{}", bad.text);
        for (body, detail) in [
            (r#"{"rows": [{"id_number": "x", "colour": "red"}]}"#.to_string(), "colour"),
            (r#"{"records": []}"#.to_string(), "records"),
            (r#"{"rows": [{"name": "no id"}]}"#.to_string(), "id_number"),
            (r#"{"rows": [] "#.to_string(), "EOF"),
        ] {
            let res = send_json(body.clone(), "mz-json-malformed").await;
            assert_eq!(
                (res.status, res.code()),
                (StatusCode::UNPROCESSABLE_ENTITY, "malformed_json"),
                "{body}: {}",
                res.text
            );
            assert!(res.text.contains(detail), "{body}: {}", res.text);
        }
        let empty = send_json(r#"{"rows": []}"#.to_string(), "mz-json-empty").await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", empty.text);
        assert_eq!(get(&mz, "/api/v1/rosters").await.body.as_array().unwrap().len(), 1, "nothing written");
        let good = json_rows(&id_with_check("45040319700101003"));
        let from_json = send_json(good.clone(), "mz-json").await;
        assert_eq!(from_json.status, StatusCode::CREATED, "{}", from_json.text);
        assert_eq!(from_json.body["rows"], 2);
        let replayed = send_json(good, "mz-json").await;
        assert_eq!(replayed.body, from_json.body, "{}", replayed.text);
        assert_eq!(replayed.headers.get("idempotent-replayed").map(|v| v.to_str().unwrap()), Some("true"));
        assert_eq!(get(&mz, "/api/v1/rosters").await.body.as_array().unwrap().len(), 2);
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

        // The joint meeting: the office links the member unit 市民政局 to the department, records
        // a meeting and sets a task it leads; the 民政 system reports progress, 人社's cannot.
        let members = get(&mz, "/api/v1/joint-meeting/members").await;
        assert_eq!(members.status, StatusCode::OK, "{}", members.text);
        let unit = members.body.as_array().unwrap().iter().find(|m| m["name"] == "市民政局").unwrap()["id"].clone();
        let link = json!({ "name": "市民政局", "organisation_id": civil, "liaison": "陈静", "phone": "0774-1234567" });
        let res =
            call(&mz, Method::PUT, &format!("/api/v1/joint-meeting/members/{unit}"), Some(&link.to_string()), &[])
                .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "a department does not run the meeting: {}", res.text);
        let res =
            call(&staff, Method::PUT, &format!("/api/v1/joint-meeting/members/{unit}"), Some(&link.to_string()), &[])
                .await;
        assert_eq!((res.status, &res.body["organisation_id"]), (StatusCode::OK, &json!(civil)), "{}", res.text);
        let not_a_department = json!({ "name": "市民政局", "organisation_id": 999_999 });
        let res = call(
            &staff,
            Method::PUT,
            &format!("/api/v1/joint-meeting/members/{unit}"),
            Some(&not_a_department.to_string()),
            &[],
        )
        .await;
        assert_eq!((res.status, res.field()), (StatusCode::UNPROCESSABLE_ENTITY, "organisation_id"), "{}", res.text);
        let taken = post(&staff, "/api/v1/joint-meeting/members", &json!({ "name": "市民政局" })).await;
        assert_eq!(
            (taken.status, taken.code()),
            (StatusCode::UNPROCESSABLE_ENTITY, "member_name_taken"),
            "{}",
            taken.text
        );
        let meeting = json!({ "held_on": "2026-11-20", "title": "第四季度联席会议", "minutes": "研究低保名单比对。", "decisions": ["民政局12月10日前提供新增低保名单"] });
        let m = post(&staff, "/api/v1/joint-meeting/meetings", &meeting).await;
        assert_eq!(m.status, StatusCode::CREATED, "{}", m.text);
        assert_eq!(m.body["decisions"], json!(["民政局12月10日前提供新增低保名单"]));
        assert_eq!(post(&mz, "/api/v1/joint-meeting/meetings", &meeting).await.status, StatusCode::FORBIDDEN);
        let task = json!({ "meeting_id": m.body["id"], "title": "提供新增低保家庭名单", "lead_member_id": unit, "deadline": "2026-12-10" });
        let t = post(&staff, "/api/v1/joint-meeting/tasks", &task).await;
        assert_eq!(t.status, StatusCode::CREATED, "{}", t.text);
        let tid = t.body["id"].as_i64().unwrap();
        let mine = get(&mz, "/api/v1/joint-meeting/tasks?mine=true").await;
        assert_eq!(mine.body.as_array().unwrap().len(), 1, "{}", mine.text);
        assert_eq!(get(&rs, "/api/v1/joint-meeting/tasks?mine=true").await.body, json!([]));
        let report = |version: i64| json!({ "version": version, "status": "in_progress", "progress": "已比对第一批名单，共2户。" });
        let task_uri = format!("/api/v1/joint-meeting/tasks/{tid}");
        let res = call(&rs, Method::PUT, &task_uri, Some(&report(1).to_string()), &[]).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "another department's task: {}", res.text);
        let res = call(&mz, Method::PUT, &task_uri, Some(&report(1).to_string()), &[]).await;
        assert_eq!((res.status, &res.body["status"]), (StatusCode::OK, &json!("in_progress")), "{}", res.text);
        assert_eq!(res.body["updated_by"], "mz-system");
        let res = call(&mz, Method::PUT, &task_uri, Some(&report(1).to_string()), &[]).await;
        assert_eq!(res.status, StatusCode::CONFLICT, "the version read is stale: {}", res.text);

        // A service account's token reaches its exchange operations only: no household, no
        // page; it cannot sign in.
        let res = get(&mz, "/api/v1/households").await;
        assert_eq!((res.status, res.code()), (StatusCode::FORBIDDEN, "service_account_api_only"), "{}", res.text);
        assert_eq!(get(&mz, &format!("/api/v1/households/{}/timeline", h.id)).await.status, StatusCode::FORBIDDEN);
        assert_eq!(get(&mz, "/rosters").await.status, StatusCode::FORBIDDEN);
        assert_eq!(get(&mz, "/api/v1/me").await.body["role"], "department_system");
        let signin = call_raw(
            &bangfu_web::router(app.clone()),
            "/sign-in",
            "application/x-www-form-urlencoded",
            "name=mz-system&password=".into(),
            &[],
        )
        .await;
        assert_eq!(signin.status, StatusCode::UNAUTHORIZED);

        // Every call of the service account is in the audit trail with its token's id — those
        // that changed something, those that read, and those refused.
        let filter = bangfu_store::AuditFilter { actor: Some("mz-system".into()), ..Default::default() };
        let (entries, _) = app.store.audit_entries(&filter, 1, 1000).await.unwrap();
        let calls = entries.iter().filter(|e| e.action == "api_call").count();
        assert!(calls >= 40, "{calls} calls audited");
        let (tried, made) = entries.iter().partition::<Vec<_>, _>(|e| e.action == "sign_in");
        assert_eq!(tried.iter().map(|e| e.result.as_str()).collect::<Vec<_>>(), ["failure"], "the sign-in tried");
        assert!(made.iter().all(|e| e.token_id == Some(mz_token)), "every entry of a call names the token");
        for action in ["upload", "answer", "update", "denied"] {
            assert!(entries.iter().any(|e| e.action == action), "{action} in the trail");
        }
        assert!(entries.iter().any(|e| e.action == "api_call" && e.detail.contains("\"status\":403")));
        assert!(app.store.verify_audit(&|_| {}).await.unwrap().is_ok(), "the chain holds with the tokens in it");
    }
}
