//! Case work end to end through the API, on SQLite and PostgreSQL: register → evaluate → plan →
//! pair → measures → assistance → visits → new monthly records → the engine proposes an exit →
//! a person proposes, another approves → the household counts as exited on the approval date;
//! then the exited household's income falls again, the engine flags a return to hardship and a
//! person puts it back in the file. The timeline shows every step with who and when.

#![allow(clippy::unwrap_used)]

mod common;

use axum::http::{Method, StatusCode};
use bangfu_app::input::*;
use bangfu_app::{App, Principal};
use bangfu_domain::YearMonth;
use bangfu_store::testing::TestDb;
use common::*;
use serde_json::{json, Value};

fn months(from: (i32, u32), n: i32, income: &str, aid: &str) -> Value {
    let start = YearMonth::new(from.0, from.1).unwrap();
    Value::Array(
        (0..n)
            .map(|i| {
                json!({"month": start.plus(i).to_string(), "members": 2, "income": income, "government_assistance": aid})
            })
            .collect(),
    )
}

async fn put(r: &axum::Router, uri: &str, body: &Value) -> Res {
    call(r, Method::PUT, uri, Some(&body.to_string()), &[]).await
}

async fn evaluate_all(app: &App, as_of: &str) -> bangfu_app::evaluate::BatchSummary {
    app.evaluate_all(&Principal::system(), YearMonth::parse("as_of", as_of).unwrap(), None, &|_| {}).await.unwrap()
}

#[tokio::test]
async fn a_household_goes_from_registration_to_an_approved_exit_and_back() {
    for db in TestDb::all().await {
        let app = App::new(db.open().await);
        let sys = Principal::system();
        app.create_standard(
            &sys,
            &StandardInput {
                region_code: "450403".into(),
                kind: "dibao".into(),
                from: "2015-01".into(),
                amount: Amount::from("600"),
            },
        )
        .await
        .unwrap();
        let org = |name: &str, kind: &str, parent_id: Option<i64>| OrganisationInput {
            name: name.into(),
            kind: kind.into(),
            region_code: "450403".into(),
            parent_id,
        };
        let cu = app.create_organisation(&sys, &org("万秀区总工会", "county_union", None)).await.unwrap();
        let union = app.create_organisation(&sys, &org("万秀社区工会", "grassroots_union", Some(cu.id))).await.unwrap();
        let helper = app.create_organisation(&sys, &org("梧州帮扶机械厂", "employer", None)).await.unwrap();
        let router = |t: String| with_token(bangfu_web::router(app.clone()), &t);
        // This story follows the 2018 plan's exits (social assistance, relief, 返困) through
        // 2025–2026: the city keeps the plan in force (frameworks are data, issue 20).
        let city = router(token_for(&app, "c-city", "city_staff", Some("450400"), None).await);
        let plan = json!({"region_code": "450400", "framework": "plan-2018", "from": "2021-01"});
        let kept = post(&city, "/api/v1/frameworks", &plan).await;
        assert_eq!(kept.status, StatusCode::CREATED, "{}", kept.text);
        let cadre = router(token_for(&app, "c-cadre", "grassroots_staff", Some("450403"), Some(union.id)).await);
        let county = router(token_for(&app, "c-county", "county_staff", Some("450403"), None).await);
        let other = router(token_for(&app, "c-other", "county_staff", Some("450405"), None).await);

        // Register.
        let reg = post(
            &cadre,
            "/api/v1/households",
            &json!({
                "head_name": "帮扶户", "head_id_number": id_with_check("45040319750101444"),
                "region_code": "450403", "union_id": union.id, "registered_on": "2025-01-15",
                "causes": ["illness"], "work_capacity": "partial"
            }),
        )
        .await;
        assert_eq!(reg.status, StatusCode::CREATED, "{}", reg.text);
        let hid = reg.body["id"].as_i64().unwrap();
        let h = format!("/api/v1/households/{hid}");

        // Six months below the line, no aid: eligible, in difficulty.
        let m = put(&cadre, &format!("{h}/months"), &months((2025, 1), 6, "900", "0")).await;
        assert_eq!(m.status, StatusCode::OK, "{}", m.text);
        let ev = get(&cadre, &format!("{h}/evaluation?as_of=2025-06")).await;
        assert_eq!(ev.body["determination"]["eligibility"]["eligible"], true, "{}", ev.text);
        assert_eq!(ev.body["determination"]["outcome"]["status"], "in_difficulty");

        // Plan for 2025; a measure needs a plan for its year; the policy's units are pre-filled.
        let no_plan = post(
            &cadre,
            &format!("{h}/measures"),
            &json!({"kind": "safety_net", "description": "申请低保", "person": "李帮扶", "due_on": "2025-08-31"}),
        )
        .await;
        assert_eq!((no_plan.status, no_plan.code()), (StatusCode::CONFLICT, "no_plan"), "{}", no_plan.text);
        let bad_plan =
            post(&cadre, &format!("{h}/plans"), &json!({"year": 2025, "goals": "", "route": "lottery"})).await;
        assert_eq!(bad_plan.status, StatusCode::UNPROCESSABLE_ENTITY);
        let plan = post(
            &cadre,
            &format!("{h}/plans"),
            &json!({"year": 2025, "goals": "纳入低保兜底，年内脱困", "route": "social_assistance"}),
        )
        .await;
        assert_eq!(plan.status, StatusCode::OK, "{}", plan.text);
        let twice = post(&cadre, &format!("{h}/plans"), &json!({"year": 2025, "goals": "x", "route": "relief"})).await;
        assert_eq!((twice.status, twice.code()), (StatusCode::CONFLICT, "plan_exists"));

        // Pair (一帮一); the household leaves the unpaired queue.
        let queue = get(&cadre, "/api/v1/unpaired").await;
        assert!(queue.body["items"].as_array().unwrap().iter().any(|i| i["id"] == hid), "{}", queue.text);
        let pairing = post(
            &cadre,
            &format!("{h}/pairings"),
            &json!({"helper_org_id": helper.id, "person": "李帮扶", "started_on": "2025-07-01"}),
        )
        .await;
        assert_eq!(pairing.status, StatusCode::CREATED, "{}", pairing.text);
        let pid = pairing.body["id"].as_i64().unwrap();
        let queue = get(&cadre, "/api/v1/unpaired").await;
        assert!(!queue.body["items"].as_array().unwrap().iter().any(|i| i["id"] == hid));

        // Measures: a safety-net batch measure led by civil affairs, and a union measure.
        let net = post(
            &cadre,
            &format!("{h}/measures"),
            &json!({"kind": "safety_net", "description": "协助申请城市低保", "person": "李帮扶", "due_on": "2025-08-31"}),
        )
        .await;
        assert_eq!(net.status, StatusCode::CREATED, "{}", net.text);
        assert_eq!(net.body["lead_unit"], "市民政局");
        assert!(net.body["responsible_units"].as_str().unwrap().contains("市总工会"));
        assert_eq!(net.body["status"], "planned");
        let mid = net.body["id"].as_i64().unwrap();
        let training = post(
            &cadre,
            &format!("{h}/measures"),
            &json!({"kind": "job_training", "description": "家电维修培训", "person": "王工", "due_on": "2025-10-31", "lead_unit": "万秀区总工会"}),
        )
        .await;
        assert_eq!(training.body["lead_unit"], "万秀区总工会", "an edited unit is kept");

        // The safety-net measure is done: it brought a dibao enrolment from 2025-08, which the
        // engine sees. Without the version read, nothing changes.
        let done = json!({
            "kind": "safety_net", "description": "协助申请城市低保", "person": "李帮扶", "due_on": "2025-08-31",
            "status": "done", "result": "已纳入城市低保", "done_on": "2025-08-20",
            "enrolment": {"scheme": "dibao", "from": "2025-08"}
        });
        let stale = put(&cadre, &format!("/api/v1/measures/{mid}"), &done).await;
        assert_eq!((stale.status, stale.field()), (StatusCode::UNPROCESSABLE_ENTITY, "version"));
        let mut with_version = done.clone();
        with_version["version"] = json!(1);
        let d = put(&cadre, &format!("/api/v1/measures/{mid}"), &with_version).await;
        assert_eq!(d.status, StatusCode::OK, "{}", d.text);
        let enrolment = d.body["enrolment_id"].as_i64().expect("the enrolment is linked");
        let enrolments = get(&cadre, &format!("{h}/enrolments")).await;
        assert_eq!(enrolments.body[0]["id"], enrolment);
        assert_eq!(enrolments.body[0]["scheme"], "dibao");

        // Union assistance and a visit with its follow-up.
        let aid = post(
            &cadre,
            &format!("{h}/union-assistance"),
            &json!({"date": "2025-09-10", "kind": "cash", "amount": "800", "measure": "living_aid"}),
        )
        .await;
        assert_eq!(aid.status, StatusCode::CREATED, "{}", aid.text);
        let visit = post(
            &cadre,
            &format!("{h}/visits"),
            &json!({"due_on": "2025-09-15", "visitor": "李帮扶", "purpose": "了解低保落实"}),
        )
        .await;
        assert_eq!(visit.status, StatusCode::CREATED, "{}", visit.text);
        let vid = visit.body["id"].as_i64().unwrap();
        let rec = post(
            &cadre,
            &format!("/api/v1/visits/{vid}/record"),
            &json!({"status": "done", "visited_on": "2025-09-16", "findings": "低保已到账，户主病情稳定", "next_due_on": "2025-12-15", "version": 1}),
        )
        .await;
        assert_eq!(rec.status, StatusCode::OK, "{}", rec.text);
        assert_eq!(rec.body["follow_up"]["due_on"], "2025-12-15");
        let again = post(
            &cadre,
            &format!("/api/v1/visits/{vid}/record"),
            &json!({"status": "done", "findings": "x", "version": 2}),
        )
        .await;
        assert_eq!((again.status, again.code()), (StatusCode::CONFLICT, "already_recorded"));

        // New monthly records with the dibao counted in income.
        let m = put(&cadre, &format!("{h}/months"), &months((2025, 7), 6, "1500", "600")).await;
        assert_eq!(m.status, StatusCode::OK, "{}", m.text);

        // The engine proposes the exit: the household's evaluation and the cadre's work list.
        let ev = get(&cadre, &format!("{h}/evaluation?as_of=2025-12")).await;
        assert_eq!(ev.body["determination"]["outcome"]["status"], "exited", "{}", ev.text);
        assert_eq!(ev.body["determination"]["outcome"]["basis"], "social_assistance");
        let run = evaluate_all(&app, "2025-12").await;
        assert_eq!(run.returns_flagged, 0);
        let work = get(&cadre, "/api/v1/my-work").await;
        assert_eq!(work.status, StatusCode::OK, "{}", work.text);
        assert_eq!(work.body["engine_exits"]["items"][0]["household_id"], hid, "{}", work.text);
        assert_eq!(work.body["engine_exits"]["items"][0]["what"], "social_assistance");
        assert!(work.body["visits_overdue"]["items"].as_array().unwrap().iter().any(|i| i["household_id"] == hid));

        // A pairing cannot end before the goal is reached.
        let early = post(&cadre, &format!("/api/v1/pairings/{pid}/end"), &json!({"reason": "换人"})).await;
        assert_eq!((early.status, early.code()), (StatusCode::CONFLICT, "goal_not_reached"), "{}", early.text);

        // The cadre proposes; the proposal leaves the engine's list and waits in the county's.
        let p = post(
            &cadre,
            &format!("{h}/outcomes"),
            &json!({"kind": "exit", "pathway": "social_assistance", "reason": "已纳入低保，收入高于低保标准"}),
        )
        .await;
        assert_eq!(p.status, StatusCode::CREATED, "{}", p.text);
        let oid = p.body["id"].as_i64().unwrap();
        let work = get(&county, "/api/v1/my-work").await;
        assert_eq!(work.body["outcomes_waiting"]["items"][0]["id"], oid, "{}", work.text);
        assert!(work.body["engine_exits"]["items"].as_array().unwrap().iter().all(|i| i["household_id"] != hid));
        // Another county's staff see nothing of it.
        let theirs = get(&other, "/api/v1/my-work").await;
        assert_eq!(theirs.body["outcomes_waiting"]["total"], 0);
        assert_eq!(get(&other, &format!("{h}/timeline")).await.status, StatusCode::NOT_FOUND);

        // The county approves with an approval date; it counts from that day, not before.
        let ok = post(
            &county,
            &format!("/api/v1/outcomes/{oid}/decision"),
            &json!({"decision": "approve", "approval_date": "2026-01-05", "note": "核实无误"}),
        )
        .await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
        let before = get(&county, "/api/v1/outcome-counts?as_of=2026-01-04").await;
        let on = get(&county, "/api/v1/outcome-counts?as_of=2026-01-05").await;
        assert_eq!((before.body["exited"].as_i64(), on.body["exited"].as_i64()), (Some(0), Some(1)), "{}", on.text);
        assert_eq!(get(&other, "/api/v1/outcome-counts?as_of=2026-01-05").await.body["exited"], 0);
        let bad = get(&county, "/api/v1/outcome-counts?as_of=2026-13-01").await;
        assert_eq!((bad.status, bad.field()), (StatusCode::UNPROCESSABLE_ENTITY, "as_of"));

        // Now the pairing may end.
        let end = post(
            &cadre,
            &format!("/api/v1/pairings/{pid}/end"),
            &json!({"reason": "已脱困", "ended_on": "2026-01-10"}),
        )
        .await;
        assert_eq!(end.status, StatusCode::OK, "{}", end.text);

        // The household is still evaluated. Its dibao stops and income falls: the next run
        // flags a return to hardship (返困), once, and a person decides.
        let m = put(&cadre, &format!("{h}/months"), &months((2026, 1), 6, "1000", "0")).await;
        assert_eq!(m.status, StatusCode::OK, "{}", m.text);
        let e = call(&cadre, Method::GET, &format!("{h}/enrolments"), None, &[]).await;
        assert_eq!(e.status, StatusCode::OK);
        let del = call(&cadre, Method::DELETE, &format!("{h}/enrolments/{enrolment}"), None, &[]).await;
        assert!(del.status.is_success(), "{}", del.text);
        let run = evaluate_all(&app, "2026-06").await;
        assert_eq!(run.returns_flagged, 1);
        assert_eq!(evaluate_all(&app, "2026-06").await.returns_flagged, 0, "an open flag is not raised twice");
        let work = get(&county, "/api/v1/my-work").await;
        let flag = &work.body["returns"]["items"][0];
        assert_eq!(flag["household_id"], hid, "{}", work.text);
        let rid = flag["id"].as_i64().unwrap();
        let list = get(&county, "/api/v1/returns").await;
        assert_eq!(list.body["items"][0]["id"], rid);
        assert_eq!(get(&other, "/api/v1/returns").await.body["total"], 0);
        assert_eq!(get(&cadre, "/api/v1/my-work").await.body["returns"]["total"], 1, "the union's cadre sees it too");
        let decision = format!("/api/v1/returns/{rid}/decision");
        let grassroots = post(&cadre, &decision, &json!({"decision": "back_in_file", "note": "x"})).await;
        assert_eq!(grassroots.status, StatusCode::FORBIDDEN, "the county decides, as it approved");
        let hidden = post(&other, &decision, &json!({"decision": "back_in_file", "note": "x"})).await;
        assert_eq!(hidden.status, StatusCode::NOT_FOUND);
        let bare = post(&county, &decision, &json!({"decision": "back_in_file"})).await;
        assert_eq!((bare.status, bare.field()), (StatusCode::UNPROCESSABLE_ENTITY, "note"));
        let back =
            post(&county, &decision, &json!({"decision": "back_in_file", "note": "低保停发后收入低于标准"})).await;
        assert_eq!(back.status, StatusCode::OK, "{}", back.text);
        assert_eq!(get(&county, &h).await.body["status"], "in_file");
        let outcome = get(&county, &format!("/api/v1/outcomes/{oid}")).await;
        assert_eq!(outcome.body["status"], "reopened");
        assert_eq!(get(&county, "/api/v1/outcome-counts?as_of=2026-06-30").await.body["exited"], 0);

        // The timeline: every step in date order, each with who.
        let tl = get(&county, &format!("{h}/timeline")).await;
        assert_eq!(tl.status, StatusCode::OK, "{}", tl.text);
        let events = tl.body.as_array().unwrap();
        let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
        for k in [
            "registration",
            "monthly_record",
            "determination",
            "plan",
            "measure",
            "measure_done",
            "pairing",
            "pairing_ended",
            "assistance",
            "visit",
            "visit_scheduled",
            "outcome_proposed",
            "outcome_decided",
            "outcome_reopened",
            "return_flagged",
            "return_decided",
        ] {
            assert!(kinds.contains(&k), "the timeline lacks {k}: {kinds:?}");
        }
        // Months stand at the end of their month.
        let dates: Vec<String> = events
            .iter()
            .map(|e| e["date"].as_str().unwrap())
            .map(|d| if d.len() == 7 { format!("{d}-32") } else { d.to_string() })
            .collect();
        let mut sorted = dates.clone();
        sorted.sort();
        assert_eq!(dates, sorted, "in date order");
        let who = |kind: &str| {
            events.iter().find(|e| e["kind"] == kind).map(|e| e["who"].as_str().unwrap().to_string()).unwrap()
        };
        assert_eq!(who("registration"), "c-cadre");
        assert_eq!(who("monthly_record"), "c-cadre");
        assert_eq!(who("assistance"), "c-cadre");
        assert_eq!(who("outcome_proposed"), "c-cadre");
        assert_eq!(who("outcome_decided"), "c-county");
        assert_eq!(who("return_decided"), "c-county");
        assert_eq!(events[0]["kind"], "registration");
        // The page shows it too.
        let page = get(&county, &format!("/households/{hid}/timeline")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text.contains("已纳入城市低保"), "{}", page.text);
        // The printable file (一户一档案): the page's sections, the whole record, a print button.
        let print = get(&county, &format!("/households/{hid}/print")).await;
        assert_eq!(print.status, StatusCode::OK);
        for part in [
            "一户一档案",
            "class=\"print-file\"",
            "id=\"file-record\"",
            "已纳入城市低保",
            "id=\"print-button\"",
            "/assets/print.js",
            "打印人：c-county",
        ] {
            assert!(print.text.contains(part), "{part} missing from the printed file");
        }
        let record = print.text.split("id=\"file-record\"").nth(1).unwrap();
        assert_eq!(record.matches("<tr>").count(), events.len() + 1, "every event of the timeline, and the header");
        assert_eq!(get(&other, &format!("/households/{hid}/print")).await.status, StatusCode::NOT_FOUND);
        // Every write above kept the dashboard's counts in step with the records.
        bangfu_store::testing::assert_tallies_consistent(&app.store, "case work story").await;
    }
}

/// Posts a form as the page does; answers the status and the page.
async fn form_page(r: &axum::Router, uri: &str, body: &str) -> (StatusCode, String) {
    let req = axum::http::Request::post(uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
    let res = tower::ServiceExt::oneshot(r.clone(), req).await.unwrap();
    let status = res.status();
    let bytes = http_body_util::BodyExt::collect(res.into_body()).await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).to_string())
}

/// Posts a form as the page does; answers the status.
async fn form(r: &axum::Router, uri: &str, body: &str) -> StatusCode {
    let req = axum::http::Request::post(uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
    tower::ServiceExt::oneshot(r.clone(), req).await.unwrap().status()
}

async fn household_in_450403(app: &App, name: &str, id: &str) -> i64 {
    app.create_household(
        &Principal::system(),
        &HouseholdInput {
            head_name: name.into(),
            head_id_number: id_with_check(id),
            region_code: "450403".into(),
            registered_on: "2024-03-01".into(),
            causes: vec!["illness".into()],
            work_capacity: "partial".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id
}

#[tokio::test]
async fn bad_case_work_input_names_the_field_and_changes_nothing() {
    for db in TestDb::all().await {
        let app = App::new(db.open().await);
        let a = household_in_450403(&app, "甲户", "45040319800101661").await;
        let b = household_in_450403(&app, "乙户", "45040319800101662").await;
        let r = with_token(
            bangfu_web::router(app.clone()),
            &token_for(&app, "cw-staff", "county_staff", Some("450403"), None).await,
        );
        let plan = |h: i64| format!("/api/v1/households/{h}/plans");
        let pa = post(&r, &plan(a), &json!({"year": 2026, "goals": "就业", "route": "employment_business"})).await;
        let pb = post(&r, &plan(b), &json!({"year": 2026, "goals": "就业", "route": "employment_business"})).await;
        assert_eq!((pa.status, pb.status), (StatusCode::OK, StatusCode::OK));
        let before = get(&r, &format!("/api/v1/households/{a}/casework")).await.body;
        let m = |extra: Value| {
            let mut v = json!({"kind": "job_training", "description": "培训", "person": "王", "due_on": "2026-12-31"});
            v.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            v
        };
        let measures = format!("/api/v1/households/{a}/measures");
        for (body, field) in [
            (m(json!({"kind": "lottery"})), "kind"),
            (m(json!({"due_on": "2026-02-30"})), "due_on"),
            (m(json!({"person": ""})), "person"),
            (m(json!({"status": "finished"})), "status"),
            (m(json!({"status": "done", "done_on": "2026-01-01"})), "result"),
            (m(json!({"status": "done", "result": "x", "done_on": "2999-01-01"})), "done_on"),
            (m(json!({"enrolment": {"scheme": "dibao", "from": "2026-01"}})), "enrolment"),
            (
                m(
                    json!({"status": "done", "result": "x", "done_on": "2026-01-02", "enrolment": {"scheme": "dibao", "from": "2026-13"}}),
                ),
                "enrolment.from",
            ),
            (m(json!({"plan_id": pb.body["id"]})), "plan_id"),
            (m(json!({"plan_id": 99999999})), "plan_id"),
        ] {
            let res = post(&r, &measures, &body).await;
            assert_eq!((res.status, res.field()), (StatusCode::UNPROCESSABLE_ENTITY, field), "{body}: {}", res.text);
        }
        let no_plan_year = post(&r, &measures, &m(json!({"due_on": "2025-06-30"}))).await;
        assert_eq!((no_plan_year.status, no_plan_year.code()), (StatusCode::CONFLICT, "no_plan"));
        let visits = format!("/api/v1/households/{a}/visits");
        for (body, field) in
            [(json!({"visitor": "王"}), "due_on"), (json!({"due_on": "2026-12-01", "visitor": ""}), "visitor")]
        {
            let res = post(&r, &visits, &body).await;
            assert_eq!((res.status, res.field()), (StatusCode::UNPROCESSABLE_ENTITY, field), "{}", res.text);
        }
        let garbage = call(&r, Method::POST, &measures, Some("{not json"), &[]).await;
        assert_eq!(garbage.status, StatusCode::BAD_REQUEST);
        assert_eq!(get(&r, &format!("/api/v1/households/{a}/casework")).await.body, before, "nothing changed");
        // Changes need the version read; a stale one is refused.
        let v = post(&r, &visits, &json!({"due_on": "2026-12-01", "visitor": "王"})).await;
        let vid = v.body["id"].as_i64().unwrap();
        let stale = post(
            &r,
            &format!("/api/v1/visits/{vid}/record"),
            &json!({"status": "done", "findings": "ok", "version": 7}),
        )
        .await;
        assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED, "{}", stale.text);
        let bad = post(
            &r,
            &format!("/api/v1/visits/{vid}/record"),
            &json!({"status": "maybe", "findings": "", "version": 1}),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(get(&r, &format!("/api/v1/households/{a}/casework")).await.body["visits"][0]["status"], "scheduled");
    }
}

#[tokio::test]
async fn the_household_page_plans_measures_and_visits() {
    let db = TestDb::sqlite();
    let app = App::new(db.open().await);
    let hid = household_in_450403(&app, "页面计划户", "45040319800101663").await;
    let r = with_token(
        bangfu_web::router(app.clone()),
        &token_for(&app, "cw-page", "county_staff", Some("450403"), None).await,
    );
    let page = get(&r, &format!("/households/{hid}")).await;
    for id in ["plan-link", "add-measure", "schedule-visit", "timeline-link"] {
        assert!(page.text.contains(&format!("id=\"{id}\"")), "{id} missing");
    }
    // Each step is a page of its own, posting to its own address.
    assert_eq!(get(&r, &format!("/households/{hid}/plans/new")).await.status, StatusCode::OK);
    assert!(form(
        &r,
        &format!("/households/{hid}/plans/new"),
        "year=2026&route=medical_cover&goals=%E5%8C%BB%E4%BF%9D"
    )
    .await
    .is_redirection());
    let plan = get(&r, &format!("/api/v1/households/{hid}/casework")).await.body["plans"][0]["id"].as_i64().unwrap();
    // A measure due next year belongs to this year's plan: allowed, not refused.
    assert!(form(
        &r,
        &format!("/households/{hid}/measures/new"),
        &format!("plan_id={plan}&kind=serious_illness&description=%E5%A4%A7%E7%97%85%E4%BF%9D%E9%99%A9&person=%E7%8E%8B&due_on=2027-01-20")
    )
    .await
    .is_redirection());
    assert!(form(&r, &format!("/households/{hid}/visits/new"), "due_on=2026-12-05&visitor=%E7%8E%8B&purpose=x")
        .await
        .is_redirection());
    // A refused form comes back at its address with what was typed and a Chinese message beside
    // the field; nothing changes.
    let typed = form_page(
        &r,
        &format!("/households/{hid}/measures/new"),
        &format!("plan_id={plan}&kind=serious_illness&description=%E5%BE%85%E5%AE%9A&person=&due_on=2026-13-40"),
    )
    .await;
    let (status, text) = typed;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text.contains("value=\"2026-13-40\"") && text.contains("待定"), "what was typed is kept");
    assert!(
        text.contains("data-field=\"due_on\"") && text.contains("应为日期"),
        "the message stands beside the date: {text}"
    );
    assert!(text.contains("data-field=\"person\""), "and beside the person");
    let page = get(&r, &format!("/households/{hid}")).await;
    assert!(page.text.contains("市人力资源社会保障局"), "the lead unit comes from the policy's table");
    assert!(page.text.contains("大病保险"));
    let cw = get(&r, &format!("/api/v1/households/{hid}/casework")).await;
    assert_eq!(cw.body["measures"].as_array().unwrap().len(), 1);
    let (mid, vid) = (cw.body["measures"][0]["id"].as_i64().unwrap(), cw.body["visits"][0]["id"].as_i64().unwrap());
    assert!(form(&r, &format!("/households/{hid}/measures/{mid}"), "version=1&status=in_progress")
        .await
        .is_redirection());
    assert!(form(
        &r,
        &format!("/households/{hid}/visits/{vid}"),
        "version=1&status=done&findings=%E6%AD%A3%E5%B8%B8&next_due_on=2027-01-05"
    )
    .await
    .is_redirection());
    // A measure of another household is not reached through this one's address.
    assert_eq!(get(&r, &format!("/households/{hid}/measures/{}", mid + 1000)).await.status, StatusCode::NOT_FOUND);
    let cw = get(&r, &format!("/api/v1/households/{hid}/casework")).await;
    assert_eq!(cw.body["measures"][0]["status"], "in_progress");
    assert_eq!(cw.body["visits"].as_array().unwrap().len(), 2, "the follow-up is scheduled");
    let work = get(&r, "/my-work").await;
    assert_eq!(work.status, StatusCode::OK);
    assert!(work.text.contains("页面计划户"), "the measure due and the visit show on my work");
    let en = get(&r, "/my-work?lang=en").await;
    assert!(en.text.contains("Overdue visits"));
}

#[tokio::test]
async fn work_lists_follow_a_household_that_moves_region() {
    for db in TestDb::all().await {
        let app = App::new(db.open().await);
        let sys = Principal::system();
        let hid = household_in_450403(&app, "迁移户", "45040319800101664").await;
        let here = with_token(
            bangfu_web::router(app.clone()),
            &token_for(&app, "mv-403", "county_staff", Some("450403"), None).await,
        );
        let there = with_token(
            bangfu_web::router(app.clone()),
            &token_for(&app, "mv-405", "county_staff", Some("450405"), None).await,
        );
        let plan = post(
            &here,
            &format!("/api/v1/households/{hid}/plans"),
            &json!({"year": 2026, "goals": "x", "route": "relief"}),
        )
        .await;
        assert_eq!(plan.status, StatusCode::OK);
        let m = json!({"kind": "legal_aid", "description": "维权", "person": "王", "due_on": "2026-01-20"});
        assert_eq!(post(&here, &format!("/api/v1/households/{hid}/measures"), &m).await.status, StatusCode::CREATED);
        let v = json!({"due_on": "2026-01-10", "visitor": "王"});
        assert_eq!(post(&here, &format!("/api/v1/households/{hid}/visits"), &v).await.status, StatusCode::CREATED);
        let lists = |r: axum::Router| async move {
            let w = get(&r, "/api/v1/my-work").await.body;
            (w["visits_overdue"]["total"].as_u64().unwrap(), w["measures_planned"]["total"].as_u64().unwrap())
        };
        assert_eq!((lists(here.clone()).await, lists(there.clone()).await), ((1, 1), (0, 0)));
        let o = json!({"kind": "relief", "reason": "迁移前提出"});
        assert_eq!(post(&here, &format!("/api/v1/households/{hid}/outcomes"), &o).await.status, StatusCode::CREATED);
        let waiting = |r: axum::Router| async move {
            let w = get(&r, "/api/v1/my-work").await.body;
            (
                w["outcomes_waiting"]["total"].as_u64().unwrap(),
                get(&r, "/api/v1/outcomes").await.body.as_array().unwrap().len(),
            )
        };
        assert_eq!((waiting(here.clone()).await, waiting(there.clone()).await), ((1, 1), (0, 0)));
        // The household moves to 450405: its visit, measure and proposal go with it.
        let h = app.household(&sys, hid).await.unwrap();
        let moved = HouseholdInput {
            head_name: h.head_name.clone(),
            head_id_number: h.head_id_number.clone(),
            region_code: "450405".into(),
            registered_on: h.registered_on.to_string(),
            causes: vec!["illness".into()],
            work_capacity: "partial".into(),
            ..Default::default()
        };
        let registered = |r: &'static str| {
            let app = app.clone();
            async move {
                let s = app.statistics(&Principal::system(), Some("2026-11-30"), Some(r)).await.unwrap();
                s.total.registered
            }
        };
        assert_eq!((registered("450403").await, registered("450405").await), (1, 0));
        app.update_household(&sys, hid, Some(h.version), &moved).await.unwrap();
        assert_eq!((lists(here.clone()).await, lists(there.clone()).await), ((0, 0), (1, 1)));
        assert_eq!((waiting(here).await, waiting(there).await), ((0, 0), (1, 1)));
        // Its counts move with it too.
        assert_eq!((registered("450403").await, registered("450405").await), (0, 1));
        bangfu_store::testing::assert_tallies_consistent(&app.store, "a household moves region").await;
    }
}
