//! Data exchange (issue 7), on every backend: a department's roster is matched by resident ID
//! (head or member) and changes nothing until a person accepts a match; accepting a 低保
//! enrolment proposes an exit and puts the roster on the household's timeline; a liaison sees
//! only the requests addressed to their department and no household outside them; the joint
//! meeting's tasks appear as reminders for their lead unit.

#![allow(clippy::unwrap_used)] // a test fails by panicking

use bangfu_app::exchange::{AnswerInput, MeetingInput, RequestFilter, TaskInput, TaskUpdate, VerificationInput};
use bangfu_app::input::OrganisationInput;
use bangfu_app::users::UserInput;
use bangfu_app::{App, AppError, Principal};
use bangfu_store::testing::TestDb;

fn id(first17: &str) -> String {
    format!("{first17}{}", bangfu_domain::IdNumber::check_char(first17.as_bytes()) as char)
}

async fn user(app: &App, name: &str, role: &str, region: Option<&str>, org: Option<i64>) -> Principal {
    let sys = Principal::system();
    let u = app
        .create_user(
            &sys,
            &UserInput {
                name: name.into(),
                display_name: name.into(),
                role: role.into(),
                region_code: region.map(str::to_string),
                org_id: org,
                disabled: false,
                password: Some("a-long-password-1".into()),
            },
        )
        .await
        .unwrap();
    app.principal_of(&u, "test").await.unwrap().unwrap()
}

async fn dept(app: &App, name: &str) -> i64 {
    let input = OrganisationInput {
        name: name.into(),
        kind: "department".into(),
        region_code: "450400".into(),
        parent_id: None,
    };
    app.create_organisation(&Principal::system(), &input).await.unwrap().id
}

/// Households, outcomes and evidence: what a roster must not touch before a decision.
async fn state(app: &App) -> (i64, usize, String) {
    let sys = Principal::system();
    let mut outcomes = 0;
    let mut evidence = String::new();
    for h in 1..=3 {
        outcomes += app.household_outcomes(&sys, h).await.map(|o| o.len()).unwrap_or(0);
        evidence.push_str(&format!("{:?}", app.store.evidence(h).await.unwrap().len()));
    }
    (app.store.count_households().await.unwrap(), outcomes, evidence)
}

#[tokio::test]
async fn rosters_verifications_and_the_joint_meeting() {
    for db in TestDb::all().await {
        let app = App::new(db.open().await);
        let sys = Principal::system();
        let civil = dept(&app, "市民政局").await;
        let hrss = dept(&app, "市人力资源社会保障局").await;
        let heads: Vec<String> = (1..=3).map(|i| id(&format!("45040319700101{i:03}"))).collect();
        let member_id = id("45040320100101001");
        let mut csv = String::from("户主姓名,户主身份证号,地区代码,建档日期,致困原因,劳动能力\n");
        for (i, h) in heads.iter().enumerate() {
            let region = if i == 2 { "450422" } else { "450403" };
            csv.push_str(&format!("户{i},{h},{region},2016-05-10,患病,部分丧失劳动能力\n"));
        }
        assert!(app.import(&sys, "h.csv", csv.as_bytes(), false).await.unwrap().written);
        let m = format!(
            "户主身份证号,姓名,身份证号,与户主关系,出生日期,状况\n{},子女,{member_id},子女,2010-01-01,在校学生\n",
            heads[1]
        );
        assert!(app.import(&sys, "m.csv", m.as_bytes(), false).await.unwrap().written);

        // A roster with a bad ID writes nothing and names the row.
        let county = user(&app, "wanxiu", "county_staff", Some("450403"), None).await;
        let bad = format!("身份证号,姓名,起始日期\n{},甲,2026-10\n12345,乙,2026-10\n", heads[0]);
        let r = app.upload_roster(&county, Some(civil), "dibao", "bad.csv", bad.as_bytes()).await.unwrap();
        assert_eq!((r.roster_id, r.errors.len(), r.errors[0].row), (None, 1, 3), "{:?}", r.errors);
        assert!(app.rosters(&county).await.unwrap().is_empty());

        // A liaison uploads the 低保 roster: a head, a member, a head in another county, a
        // stranger. Matched across the city; nothing in any household changes.
        let liaison = user(&app, "civil-liaison", "liaison", None, Some(civil)).await;
        let other_liaison = user(&app, "hrss-liaison", "liaison", None, Some(hrss)).await;
        let stranger = id("45042119900101123");
        let roster = format!(
            "身份证号,姓名,起始日期,备注\n{},户0,2026-10,\n{member_id},子女,2026-10,\n{},户2,2026-09,\n{stranger},路人,2026-10,\n",
            heads[0], heads[2]
        );
        let before = state(&app).await;
        let up = app.upload_roster(&liaison, None, "dibao", "低保.csv", roster.as_bytes()).await.unwrap();
        assert!(up.errors.is_empty(), "{:?}", up.errors);
        let rid = up.roster_id.unwrap();
        // The liaison reads no household: it learns nothing of the matching (issue 19).
        assert_eq!((up.rows, up.matched), (4, 0), "{:?}", db.backend);
        assert_eq!(state(&app).await, before, "{:?}: uploading a roster changes nothing", db.backend);

        // The liaison sees their roster as sent, IDs masked, without any match.
        let (r, rows, total) = app.roster(&liaison, rid, None, 0, 100).await.unwrap();
        assert_eq!((total, r.matched), (4, 0));
        assert!(rows.iter().all(|r| r.file_no.is_none() && r.head_name.is_none() && r.household_id.is_none()));
        assert!(rows.iter().all(|r| r.id_number.contains('*')), "{rows:?}");
        let (_, all, n) = app.roster(&liaison, rid, Some(true), 0, 100).await.unwrap();
        assert_eq!((n, all.len()), (4, 4), "asking for the matched rows gives them all");
        assert!(matches!(app.roster(&other_liaison, rid, None, 0, 100).await, Err(AppError::NotFound)));
        assert!(app.rosters(&other_liaison).await.unwrap().is_empty());

        // County staff of 万秀区 see only the two matches in their county (not 藤县's, not the
        // stranger); each suggests an exit via social assistance.
        let (_, rows, total) = app.roster(&county, rid, None, 0, 100).await.unwrap();
        assert_eq!(total, 2, "{rows:?}");
        assert!(rows.iter().all(|r| r.suggestion == "propose_exit" && r.decision == "pending"));
        let head_row = rows.iter().find(|r| r.person.as_deref() == Some("head")).unwrap().clone();
        let member_row = rows.iter().find(|r| r.person.as_deref() == Some("member")).unwrap().clone();
        assert_eq!(member_row.household_id, Some(2));
        let city = user(&app, "city", "city_staff", Some("450400"), None).await;
        assert_eq!(app.rosters(&city).await.unwrap()[0].matched, 3, "union staff see the matches");
        let (_, unmatched, n) = app.roster(&city, rid, Some(false), 0, 100).await.unwrap();
        assert_eq!((n, unmatched[0].id_number.as_str()), (1, bangfu_domain::id_number::mask(&stranger).as_str()));

        // Rejecting changes no household; accepting proposes the exit and adds the evidence.
        app.decide_roster_row(&county, member_row.id, false).await.unwrap();
        assert_eq!(state(&app).await, before, "rejecting changes nothing");
        assert!(matches!(app.decide_roster_row(&county, member_row.id, true).await, Err(AppError::Conflict(_))));
        let accepted = app.decide_roster_row(&county, head_row.id, true).await.unwrap();
        let outcomes = app.household_outcomes(&sys, 1).await.unwrap();
        assert_eq!(outcomes.len(), 1);
        assert_eq!(Some(outcomes[0].id), accepted.outcome_id);
        assert_eq!(outcomes[0].pathway.as_deref(), Some("social_assistance"));
        assert_eq!(outcomes[0].status, "proposed");
        let ev = app.store.evidence(1).await.unwrap();
        assert_eq!(ev.len(), 1);
        assert!(ev[0].summary.contains("市民政局") && ev[0].summary.contains("低保"), "{}", ev[0].summary);
        // 藤县's match is out of 万秀区's reach.
        let (_, all_rows, _) = app.roster(&city, rid, Some(true), 0, 100).await.unwrap();
        let tengxian = all_rows.iter().find(|r| r.household_id == Some(3)).unwrap();
        assert!(matches!(app.decide_roster_row(&county, tengxian.id, true).await, Err(AppError::NotFound)));
        bangfu_store::testing::assert_tallies_consistent(&app.store, "after a roster decision").await;

        // Verification requests: to both departments about household 1, to 人社 only about 3.
        let ask = |deps: Vec<i64>| VerificationInput {
            question: "请核对家庭成员收入与社保缴纳情况".into(),
            departments: deps,
            due_on: String::new(),
        };
        let v1 = app.request_verification(&county, 1, &ask(vec![civil, hrss])).await.unwrap();
        let v3 = app.request_verification(&city, 3, &ask(vec![hrss])).await.unwrap();
        assert!(matches!(app.request_verification(&county, 3, &ask(vec![hrss])).await, Err(AppError::NotFound)));
        assert!(matches!(
            app.request_verification(&county, 1, &ask(vec![])).await,
            Err(AppError::Invalid(e)) if e[0].field == "departments"
        ));
        let due = chrono::NaiveDate::parse_from_str(&v1.due_on, "%Y-%m-%d").unwrap();
        let today = chrono::Utc::now().date_naive();
        assert!((due - today).num_days() >= 5 && (due - today).num_days() <= 9, "{}", v1.due_on);

        // The civil-affairs liaison sees the one request addressed to it, only its own part,
        // nothing about household 3, and no household file at all.
        let mine = app.verifications(&liaison, RequestFilter::All, None, None).await.unwrap();
        assert_eq!(mine.iter().map(|v| v.id).collect::<Vec<_>>(), vec![v1.id]);
        assert!(mine[0].answers.iter().all(|a| a.department_id == civil));
        assert!(matches!(app.verification(&liaison, v3.id).await, Err(AppError::NotFound)));
        assert!(app.household(&liaison, 1).await.is_err());
        assert!(app.household(&liaison, 3).await.is_err());
        assert_eq!(app.verifications(&other_liaison, RequestFilter::Open, None, None).await.unwrap().len(), 2);
        // Nothing is overdue yet.
        assert!(app.verifications(&city, RequestFilter::Overdue, None, None).await.unwrap().is_empty());

        // The answer, with a file, goes on the household's timeline; a second answer is refused.
        let answer = AnswerInput { facts: "该户2026年10月起纳入低保，月保障金 1,200 元。".into() };
        let file = ("核对结果.pdf", b"%PDF-1.4 test".as_slice());
        let v = app.answer_verification(&liaison, v1.id, &answer, Some(file)).await.unwrap();
        assert_eq!(v.answers[0].status, "answered");
        let att = v.answers[0].attachment_id.unwrap();
        assert_eq!(app.attachment(&county, att).await.unwrap().data, b"%PDF-1.4 test");
        assert!(matches!(app.attachment(&other_liaison, att).await, Err(AppError::NotFound)));
        assert!(matches!(app.answer_verification(&liaison, v1.id, &answer, None).await, Err(AppError::Conflict(_))));
        assert!(matches!(app.answer_verification(&liaison, v3.id, &answer, None).await, Err(AppError::NotFound)));
        assert!(matches!(app.answer_verification(&county, v1.id, &answer, None).await, Err(AppError::Forbidden)));
        let ev = app.store.evidence(1).await.unwrap();
        assert_eq!(ev.len(), 2);
        assert!(ev.iter().any(|e| e.source == "verification" && e.attachment_id == Some(att)));
        // 万秀区 still sees the request open (人社 has not answered); civil affairs' list is empty.
        assert_eq!(app.verifications(&county, RequestFilter::Open, None, None).await.unwrap().len(), 1);
        assert!(app.verifications(&liaison, RequestFilter::Open, None, None).await.unwrap().is_empty());

        // The joint meeting: nine member units from the plan; a meeting with decisions; a task
        // led by 民政局 reminds its liaison until it is done.
        let members = app.joint_members(&liaison).await.unwrap();
        assert_eq!(members.len(), 9);
        let civil_member = members.iter().find(|m| m.name == "市民政局").unwrap().clone();
        let office = user(&app, "office", "joint_office", Some("450400"), None).await;
        // The office links the unit to its department (the liaison may not).
        let link = bangfu_app::exchange::JointMemberInput {
            name: civil_member.name.clone(),
            organisation_id: Some(civil),
            responsible: "张局长".into(),
            liaison: "李联络".into(),
            phone: "0774-1234567".into(),
        };
        assert!(matches!(
            app.save_joint_member(&liaison, Some(civil_member.id), &link).await,
            Err(bangfu_app::AppError::Forbidden)
        ));
        let linked = app.save_joint_member(&office, Some(civil_member.id), &link).await.unwrap();
        assert_eq!((linked.organisation_id, linked.liaison.as_str()), (Some(civil), "李联络"));
        let meeting = MeetingInput {
            held_on: "2026-11-20".into(),
            title: "第四季度联席会议".into(),
            minutes: "通报困难职工解困脱困进展。".into(),
            decisions: vec!["民政局月底前完成低保名单比对".into()],
            ..Default::default()
        };
        assert!(matches!(app.record_meeting(&liaison, &meeting).await, Err(AppError::Forbidden)));
        let mid = app.record_meeting(&office, &meeting).await.unwrap();
        assert_eq!(app.meetings(&county).await.unwrap()[0].decisions, vec!["民政局月底前完成低保名单比对".to_string()]);
        let linked = app.joint_members(&liaison).await.unwrap().into_iter().find(|m| m.id == civil_member.id).unwrap();
        assert_eq!((linked.organisation_id, linked.responsible.as_str()), (Some(civil), "张局长"));
        let deadline = (today + chrono::Days::new(7)).to_string();
        let task = app
            .create_task(
                &office,
                &TaskInput {
                    meeting_id: Some(mid),
                    title: "完成低保名单比对".into(),
                    lead_member_id: civil_member.id,
                    deadline,
                },
            )
            .await
            .unwrap();
        assert_eq!(app.exchange_reminders(&liaison).await.unwrap().0.len(), 1);
        assert!(app.exchange_reminders(&other_liaison).await.unwrap().0.is_empty());
        let stale = TaskUpdate { version: 99, status: "done".into(), progress: "".into() };
        assert!(matches!(app.update_task(&liaison, task.id, &stale).await, Err(AppError::Conflict(_))));
        assert!(matches!(
            app.update_task(
                &other_liaison,
                task.id,
                &TaskUpdate { version: 1, status: "done".into(), progress: "".into() }
            )
            .await,
            Err(AppError::Forbidden)
        ));
        app.update_task(
            &liaison,
            task.id,
            &TaskUpdate { version: 1, status: "done".into(), progress: "已完成".into() },
        )
        .await
        .unwrap();
        let done = app.store.supervised_task(task.id).await.unwrap();
        assert_eq!((done.status.as_str(), done.version, done.progress.as_str()), ("done", 2, "已完成"));
        assert!(app.exchange_reminders(&liaison).await.unwrap().0.is_empty());
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    /// Arbitrary bytes as a roster (.csv or .xlsx): an answer, never a panic, never a roster
    /// half-written.
    #[test]
    fn arbitrary_rosters_never_panic_or_write(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048), xlsx in proptest::prelude::any::<bool>(), header in proptest::prelude::any::<bool>()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let db = TestDb::sqlite();
            let app = App::new(db.open().await);
            let d = dept(&app, "市民政局").await;
            let mut body = if header && !xlsx { "身份证号,姓名,起始日期,备注\n".as_bytes().to_vec() } else { Vec::new() };
            body.extend_from_slice(&bytes);
            let name = if xlsx { "r.xlsx" } else { "r.csv" };
            match app.upload_roster(&Principal::system(), Some(d), "dibao", name, &body).await {
                Ok(r) if r.roster_id.is_some() => {
                    assert!(r.errors.is_empty());
                    assert_eq!(app.store.rosters(None).await.unwrap().len(), 1);
                }
                _ => assert!(app.store.rosters(None).await.unwrap().is_empty()),
            }
        });
    }
}
