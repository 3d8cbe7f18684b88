//! The access matrix: every routed path (pages and API, taken from the router itself, so a new
//! route joins without anyone adding it here) × every method × every role, against households
//! in and out of the role's scope, over one city with two counties and two grassroots unions in
//! each. An out-of-scope record must answer exactly what a record that does not exist answers,
//! no response may carry anything of a household out of scope, lists, counts, searches and
//! exports hold only what is in scope, and no write reaches out of scope. On SQLite and PostgreSQL.

#![allow(clippy::unwrap_used)]

mod common;

use axum::http::{Method, StatusCode};
use axum::Router;
use bangfu_app::input::*;
use bangfu_app::{App, Principal};
use bangfu_store::testing::TestDb;
use bangfu_store::Scope;
use common::*;
use serde_json::{json, Value};

/// One household of the fixture and everything that identifies it.
#[derive(Clone, Debug)]
struct Fixture {
    id: i64,
    region: &'static str,
    union: i64,
    member: i64,
    enrolment: i64,
    assistance: i64,
    major_event: i64,
    measure: i64,
    visit: i64,
    /// Texts that must never reach a user out of scope.
    markers: Vec<String>,
    head_id: String,
}

/// The fixture's organisations.
struct Orgs {
    county_a: i64,
    county_b: i64,
    unions: [(i64, &'static str); 4],
    /// A branch union under the first union.
    branch_a1: i64,
    department: i64,
    employer_b: i64,
}

async fn fixture(app: &App) -> (Orgs, Vec<Fixture>) {
    let sys = Principal::system();
    let org = |name: &str, kind: &str, region: &str, parent: Option<i64>| OrganisationInput {
        name: name.into(),
        kind: kind.into(),
        region_code: region.into(),
        parent_id: parent,
    };
    let city = app.create_organisation(&sys, &org("梧州市总工会", "city_union", "450400", None)).await.unwrap().id;
    let county_a =
        app.create_organisation(&sys, &org("万秀区总工会", "county_union", "450403", Some(city))).await.unwrap().id;
    let county_b =
        app.create_organisation(&sys, &org("长洲区总工会", "county_union", "450405", Some(city))).await.unwrap().id;
    let mut unions = Vec::new();
    for (name, region, parent) in [
        ("甲一工会", "450403", county_a),
        ("甲二工会", "450403", county_a),
        ("乙一工会", "450405", county_b),
        ("乙二工会", "450405", county_b),
    ] {
        let id = app.create_organisation(&sys, &org(name, "grassroots_union", region, Some(parent))).await.unwrap().id;
        unions.push((id, region));
    }
    // A branch union under 甲一 (union subtree scope: 甲一's staff reach its households too).
    let branch_a1 = app
        .create_organisation(&sys, &org("甲一分工会", "grassroots_union", "450403", Some(unions[0].0)))
        .await
        .unwrap()
        .id;
    unions.push((branch_a1, "450403"));
    let department = app.create_organisation(&sys, &org("市民政局", "department", "450400", None)).await.unwrap().id;
    let employer_b = app.create_organisation(&sys, &org("长洲机械厂", "employer", "450405", None)).await.unwrap().id;
    app.create_standard(
        &sys,
        &StandardInput {
            region_code: "450405".into(),
            kind: "dibao".into(),
            from: "2016-01".into(),
            amount: Amount::from("500"),
        },
    )
    .await
    .unwrap();
    let mut out = Vec::new();
    for (i, (union, region)) in unions.iter().enumerate() {
        let head_id = id_with_check(&format!("{region}19800101{:03}", 700 + i));
        let head = ["甲一户主", "甲二户主", "乙一户主", "乙二户主", "甲一分户主"][i];
        let member_name = ["甲一成员", "甲二成员", "乙一成员", "乙二成员", "甲一分成员"][i];
        let member_id = id_with_check(&format!("{region}20100101{:03}", 800 + i));
        let h = app
            .create_household(
                &sys,
                &HouseholdInput {
                    head_name: head.into(),
                    head_id_number: head_id.clone(),
                    phone: format!("1380000{:04}", 1000 + i),
                    region_code: region.to_string(),
                    union_id: Some(*union),
                    employer_id: (*region == "450405").then_some(employer_b),
                    registered_on: "2016-05-10".into(),
                    causes: vec!["illness".into()],
                    work_capacity: "partial".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let m = app
            .add_member(
                &sys,
                h.id,
                None,
                &MemberInput {
                    name: member_name.into(),
                    id_number: member_id.clone(),
                    relation: "child".into(),
                    situation: "student".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let month: MonthlyRecordInput =
            serde_json::from_value(json!({"month": "2020-01", "members": 2, "income": "1000"})).unwrap();
        app.put_months(&sys, h.id, None, &[month]).await.unwrap();
        let e = app
            .add_enrolment(
                &sys,
                h.id,
                None,
                &EnrolmentInput { scheme: "dibao".into(), from: "2020-01".into(), to: None },
            )
            .await
            .unwrap();
        let a: UnionAssistanceInput = serde_json::from_value(
            json!({"date": "2020-02-01", "kind": "cash", "amount": "300", "measure": "living_aid"}),
        )
        .unwrap();
        let a = app.add_union_assistance(&sys, h.id, None, &a).await.unwrap();
        let ev = MajorEventInput { month: "2020-03".into(), kind: "disaster".into(), note: "水灾".into() };
        let major_event = app.add_major_event(&sys, h.id, None, &ev).await.unwrap().id;
        let plan = bangfu_app::casework::PlanInput {
            year: Some(2026),
            goals: "目标".into(),
            route: "relief".into(),
            version: None,
        };
        app.save_plan(&sys, h.id, &plan).await.unwrap();
        let measure = bangfu_app::casework::MeasureInput {
            kind: "living_aid".into(),
            description: "措施".into(),
            person: "责任人".into(),
            due_on: "2026-12-20".into(),
            ..Default::default()
        };
        let measure = app.add_measure(&sys, h.id, &measure).await.unwrap().id;
        let visit = bangfu_app::casework::VisitInput {
            due_on: "2026-12-10".into(),
            visitor: "走访人".into(),
            purpose: String::new(),
        };
        let visit = app.schedule_visit(&sys, h.id, &visit).await.unwrap().id;
        let masked = bangfu_domain::id_number::mask(&head_id);
        out.push(Fixture {
            id: h.id,
            region,
            union: *union,
            member: m.id,
            enrolment: e.id,
            assistance: a.id,
            major_event,
            measure,
            visit,
            markers: vec![head.into(), member_name.into(), h.file_no.clone(), head_id.clone(), masked, member_id],
            head_id,
        });
    }
    let u: Vec<(i64, &'static str)> = unions;
    (Orgs { county_a, county_b, unions: [u[0], u[1], u[2], u[3]], branch_a1, department, employer_b }, out)
}

/// A user of the matrix and what they may reach.
struct User {
    name: &'static str,
    router: Router,
    reads: bool,
    /// Changes files (and records money): may open the pages that do.
    writes: bool,
    /// Does this user reach household `f`?
    reaches: Box<dyn Fn(&Fixture) -> bool + Send + Sync>,
    /// Organisations out of this user's scope.
    orgs_out: Vec<i64>,
}

async fn users(app: &App, orgs: &Orgs) -> Vec<User> {
    let (a1, branch) = (orgs.unions[0].0, orgs.branch_a1);
    let mut out = Vec::new();
    let specs: Vec<(&'static str, &str, Option<&str>, Option<i64>)> = vec![
        ("m-admin", "admin", None, None),
        ("m-city", "city_staff", Some("450400"), None),
        ("m-county-a", "county_staff", Some("450403"), None),
        ("m-grassroots-a1", "grassroots_staff", None, Some(a1)),
        ("m-joint", "joint_office", Some("450403"), None),
        ("m-liaison", "liaison", None, Some(orgs.department)),
        ("m-auditor-a", "auditor", Some("450403"), None),
        ("m-dept-system", "department_system", None, Some(orgs.department)),
        ("m-security", "security_admin", None, None),
        ("m-audit-admin", "audit_admin", None, None),
    ];
    for (name, role, region, org) in specs {
        let token = token_for(app, name, role, region, org).await;
        // The matrix asks for hundreds of missing records per user on purpose: no limit on
        // misses here (access_story tests the limit).
        let router = with_token(bangfu_web::router_with(app.clone(), bangfu_web::auth::Misses::per_minute(0)), &token);
        let reaches: Box<dyn Fn(&Fixture) -> bool + Send + Sync> = match role {
            "admin" | "liaison" | "department_system" | "security_admin" | "audit_admin" => Box::new(|_| false),
            "city_staff" => Box::new(|_| true),
            // The union's households and those of the union under it.
            "grassroots_staff" => Box::new(move |f| f.union == a1 || f.union == branch),
            _ => Box::new(|f| f.region == "450403"),
        };
        let orgs_out = match region {
            Some("450403") => vec![orgs.county_b, orgs.unions[2].0, orgs.employer_b],
            None if org.is_some() => vec![orgs.county_b, orgs.employer_b],
            _ => Vec::new(),
        };
        let writes = matches!(role, "city_staff" | "county_staff" | "grassroots_staff");
        let reads = !matches!(role, "admin" | "liaison" | "department_system" | "security_admin" | "audit_admin");
        out.push(User { name, router, reads, writes, reaches, orgs_out });
    }
    let _ = orgs.county_a;
    out
}

const NONE: i64 = 99_999_999;

/// A request to `department` to verify household `id`'s income.
async fn ask_income(app: &App, id: i64, department: i64) -> bangfu_store::Verification {
    let ask = bangfu_app::exchange::VerificationInput {
        question: "请核对家庭收入".into(),
        departments: vec![department],
        due_on: String::new(),
    };
    app.request_verification(&Principal::system(), id, &ask).await.unwrap()
}

/// A page whose form changes the file (adds, changes or removes a record, records a payment).
fn changes_the_file(path: &str) -> bool {
    !path.starts_with("/api/")
        && (path.ends_with("/new")
            || path.ends_with("/delete")
            || path.ends_with("{member_id}")
            || path.ends_with("{measure_id}")
            || path.ends_with("{visit_id}")
            || path.ends_with("{item_id}")
            || path.ends_with("/edit"))
}

/// A path with its placeholders filled for household `f` (None: ids that do not exist), or
/// None when the path names no household.
fn fill_household(path: &str, f: Option<&Fixture>) -> Option<String> {
    if !(path.starts_with("/households/{id}") || path.starts_with("/api/v1/households/{id}")) {
        return None;
    }
    let n = |v: fn(&Fixture) -> i64| f.map_or(NONE, v).to_string();
    let item = if path.contains("enrolments") {
        n(|f| f.enrolment)
    } else if path.contains("major-events") {
        n(|f| f.major_event)
    } else {
        n(|f| f.assistance)
    };
    let filled = path
        .replace("{id}", &n(|f| f.id))
        .replace("{member_id}", &n(|f| f.member))
        .replace("{item_id}", &item)
        .replace("{measure_id}", &n(|f| f.measure))
        .replace("{visit_id}", &n(|f| f.visit))
        .replace("{month}", "2020-01");
    assert!(!filled.contains('{'), "the access matrix cannot fill {path}: teach fill_household what it names");
    Some(filled)
}

/// A valid body for writes to `path`, so that only scope can refuse them.
fn body_for(path: &str) -> Value {
    let tail = path.rsplit('/').next().unwrap_or("");
    match tail {
        "households" | "{id}" if path.contains("households") => json!({
            "head_name": "新户主", "head_id_number": id_with_check("45040319900101555"), "region_code": "450403",
            "registered_on": "2020-01-01", "causes": ["illness"], "work_capacity": "full"
        }),
        "members" | "{member_id}" => {
            json!({"name": "新成员", "relation": "child", "situation": "student", "birth_date": "2012-01-01"})
        }
        "months" => json!([{"month": "2021-01", "members": 2, "income": "900"}]),
        "enrolments" => json!({"scheme": "dibao", "from": "2021-01"}),
        "union-assistance" => json!({"date": "2021-02-01", "kind": "cash", "amount": "100", "measure": "living_aid"}),
        "major-events" => json!({"month": "2021-03", "kind": "epidemic", "note": "疫情"}),
        "organisations" | "{id}" if path.contains("organisations") => {
            json!({"name": "新单位", "kind": "employer", "region_code": "450403"})
        }
        "standards" => json!({"region_code": "450403", "kind": "dibao", "from": "2021-01", "amount": "600"}),
        "search" => json!({"q": "甲"}),
        _ => json!({}),
    }
}

/// The response as text: xlsx workbooks are read cell by cell.
fn text_of(res: &Res) -> String {
    if res.raw.starts_with(b"PK") {
        use calamine::{Reader, Xlsx};
        let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(res.raw.clone())).unwrap();
        let mut out = String::new();
        for name in wb.sheet_names() {
            let range = wb.worksheet_range(&name).unwrap();
            for row in range.rows() {
                for c in row {
                    out.push_str(&c.to_string());
                    out.push('\t');
                }
                out.push('\n');
            }
        }
        return out;
    }
    res.text.clone()
}

fn assert_no_leak(user: &str, what: &str, res: &Res, outside: &[&Fixture]) {
    let text = text_of(res);
    for f in outside {
        for m in &f.markers {
            assert!(
                !text.contains(m.as_str()),
                "{user} {what}: the answer holds {m:?} of a household out of scope:\n{text}"
            );
        }
    }
}

async fn send(r: &Router, method: &Method, uri: &str, body: Option<&Value>) -> Res {
    let b = body.map(|b| b.to_string());
    call(r, method.clone(), uri, b.as_deref(), &[("if-match", "\"1\"")]).await
}

/// Everything stored about the fixture's households, read past any scope.
async fn snapshot(app: &App, fs: &[Fixture]) -> Vec<String> {
    let all = Scope::everything();
    let mut out = Vec::new();
    for f in fs {
        let h = app.store.household(&all, f.id).await.unwrap();
        let members = app.store.members(&all, f.id).await.unwrap();
        let months = app
            .store
            .monthly_records(
                &all,
                f.id,
                bangfu_domain::YearMonth::new(2000, 1).unwrap(),
                bangfu_domain::YearMonth::new(2100, 1).unwrap(),
            )
            .await
            .unwrap();
        out.push(format!(
            "{h:?}{members:?}{months:?}{:?}{:?}{:?}",
            app.store.enrolments(&all, f.id).await.unwrap(),
            app.store.union_assistance(&all, f.id).await.unwrap(),
            app.store.major_events(&all, f.id).await.unwrap()
        ));
    }
    // The standard of county B, which only city staff may change (and the matrix never does).
    out.push(format!("{:?}", app.store.standards(Some("450405")).await.unwrap()));
    out
}

#[tokio::test]
async fn no_role_reaches_past_its_scope_on_any_route() {
    let logs = capture_logs();
    let paths = bangfu_web::route_paths();
    assert!(paths.len() > 30, "the router lists its routes: {paths:?}");
    for db in TestDb::all().await {
        let app = App::new(db.open().await);
        let (orgs, fs) = fixture(&app).await;
        let users = users(&app, &orgs).await;
        let before = snapshot(&app, &fs).await;
        let methods = [Method::GET, Method::POST, Method::PUT, Method::DELETE];
        let mut checked = 0;
        for u in &users {
            let inside: Vec<&Fixture> = fs.iter().filter(|f| (u.reaches)(f)).collect();
            let outside: Vec<&Fixture> = fs.iter().filter(|f| !(u.reaches)(f)).collect();
            for path in &paths {
                for m in &methods {
                    let body = matches!(*m, Method::POST | Method::PUT).then(|| body_for(path));
                    if let Some(none_uri) = fill_household(path, None) {
                        // Out of scope answers exactly like missing, for every household out of scope.
                        let missing = send(&u.router, m, &none_uri, body.as_ref()).await;
                        assert_ne!(missing.status, StatusCode::INTERNAL_SERVER_ERROR, "{} {m} {none_uri}", u.name);
                        for f in &outside {
                            let uri = fill_household(path, Some(f)).unwrap();
                            let res = send(&u.router, m, &uri, body.as_ref()).await;
                            // An answer may echo the id asked for; nothing else may differ.
                            let echoed = missing.text.replace(&NONE.to_string(), &f.id.to_string());
                            assert_eq!(
                                res.status, missing.status,
                                "{} {m} {uri}: out of scope must look missing",
                                u.name
                            );
                            assert!(
                                res.text == missing.text || res.text == echoed,
                                "{} {m} {uri}: out of scope must look missing:\n{}\n---\n{}",
                                u.name,
                                res.text,
                                missing.text
                            );
                            assert_no_leak(u.name, &format!("{m} {uri}"), &res, &outside);
                            checked += 1;
                        }
                        // In scope, a reader reads.
                        if *m == Method::GET && u.reads {
                            for f in &inside {
                                let uri = fill_household(path, Some(f)).unwrap();
                                let res = send(&u.router, m, &uri, None).await;
                                if res.status == StatusCode::METHOD_NOT_ALLOWED {
                                    continue; // the path takes no GET
                                }
                                if res.status == StatusCode::FORBIDDEN && !u.writes && changes_the_file(path) {
                                    continue; // a form page that changes the file, for a role that reads only
                                }
                                assert_eq!(res.status, StatusCode::OK, "{} GET {uri}: {}", u.name, res.text);
                                assert_no_leak(u.name, &format!("GET {uri}"), &res, &outside);
                            }
                        }
                    } else if path.contains("/organisations/{id}") {
                        let missing = send(&u.router, m, &path.replace("{id}", &NONE.to_string()), body.as_ref()).await;
                        for o in &u.orgs_out {
                            let res = send(&u.router, m, &path.replace("{id}", &o.to_string()), body.as_ref()).await;
                            // An answer may echo the id asked for (and the id may occur in a
                            // status code, as 3 in "403"); nothing else may differ.
                            let same = res.text == missing.text
                                || res.text.replace(&o.to_string(), &NONE.to_string()) == missing.text;
                            assert!(
                                res.status == missing.status && same,
                                "{} {m} organisation {o}: out of scope must look missing:\n{}\n---\n{}",
                                u.name,
                                res.text,
                                missing.text
                            );
                            checked += 1;
                        }
                    } else if path.contains("{region}/{kind}/{from}") {
                        // A standard of a region out of scope looks like one that does not exist.
                        let missing =
                            send(&u.router, m, &path.replace("{region}/{kind}/{from}", "450405/dibao/1999-01"), None)
                                .await;
                        assert_ne!(missing.status, StatusCode::INTERNAL_SERVER_ERROR, "{} {m} {path}", u.name);
                        if !u.orgs_out.is_empty() {
                            let res = send(
                                &u.router,
                                m,
                                &path.replace("{region}/{kind}/{from}", "450405/dibao/2016-01"),
                                None,
                            )
                            .await;
                            assert_eq!((res.status, res.text), (missing.status, missing.text), "{} {m} {path}", u.name);
                            checked += 1;
                        }
                    } else {
                        // Collections, searches, exports, pages without an id, other records.
                        let uri = path
                            .replace("{id}", &NONE.to_string())
                            .replace("{code}", "450405")
                            .replace("{purpose}", "living_aid");
                        assert!(!uri.contains('{'), "the access matrix cannot fill {path}: teach it what it names");
                        let res = send(&u.router, m, &uri, body.as_ref()).await;
                        assert_ne!(res.status, StatusCode::INTERNAL_SERVER_ERROR, "{} {m} {uri}: {}", u.name, res.text);
                        assert_no_leak(u.name, &format!("{m} {uri}"), &res, &outside);
                        checked += 1;
                    }
                }
            }
            // Lists and counts hold exactly the households in scope; searches for anything out of
            // scope answer like searches for what does not exist.
            let list = get(&u.router, "/api/v1/households?per_page=100").await;
            if u.reads {
                let ids: Vec<i64> =
                    list.body["items"].as_array().unwrap().iter().map(|h| h["id"].as_i64().unwrap()).collect();
                let mut want: Vec<i64> = inside.iter().map(|f| f.id).collect();
                want.sort();
                let mut got: Vec<i64> = ids.iter().filter(|i| fs.iter().any(|f| f.id == **i)).copied().collect();
                got.sort();
                assert_eq!(got, want, "{}", u.name);
                assert_eq!(list.body["total"].as_u64().unwrap() as usize, ids.len(), "{}", u.name);
            } else {
                assert_eq!(list.status, StatusCode::FORBIDDEN, "{}", u.name);
            }
            for f in &outside {
                let nobody =
                    post(&u.router, "/api/v1/households/search", &json!({"q": id_with_check("11010519491231002")}))
                        .await;
                for q in [f.head_id.clone(), f.markers[5].clone(), f.markers[0].clone()] {
                    let res = post(&u.router, "/api/v1/households/search", &json!({"q": q})).await;
                    assert_eq!(
                        (res.status, &res.body["total"]),
                        (nobody.status, &nobody.body["total"]),
                        "{} searching {q}",
                        u.name
                    );
                    assert_eq!(res.body["items"], nobody.body["items"], "{} searching {q}", u.name);
                }
            }
            let export = get(&u.router, "/households/export.xlsx").await;
            if u.reads {
                let text = text_of(&export);
                for f in &inside {
                    assert!(text.contains(&f.markers[2]), "{}: the export lacks {} in scope", u.name, f.markers[2]);
                }
                assert_no_leak(u.name, "export", &export, &outside);
            }
        }
        assert!(checked > 500, "the matrix checked only {checked} cases");
        assert_eq!(snapshot(&app, &fs).await, before, "a write reached out of scope");
        // Every out-of-scope look at an existing household was recorded as denied.
        let denied = app
            .audit_entries(
                &Principal::system(),
                &bangfu_app::audit::AuditQuery { result: Some("out_of_scope".into()), ..Default::default() },
            )
            .await
            .unwrap();
        assert!(denied.total > 0);
        eprintln!("{:?}: {checked} out-of-scope cases checked over {} routes", db.backend, paths.len());
    }
    assert_logs_clean(&logs, &["a test password"]);
}

/// Issue 19: the auditor changes nothing on any route; a resident ID on file out of scope is
/// refused without naming its file or region, and the attempt audited; rosters and the
/// verification page show IDs masked, and a liaison learns nothing of which rows matched.
#[tokio::test]
async fn auditors_write_nothing_and_ids_on_file_elsewhere_stay_unnamed() {
    let paths = bangfu_web::route_paths();
    for db in TestDb::all().await {
        let app = App::new(db.open().await);
        let (orgs, fs) = fixture(&app).await;
        let users = users(&app, &orgs).await;
        let before = snapshot(&app, &fs).await;
        let by = |name: &str| users.iter().find(|u| u.name == name).unwrap();

        // Every writing method on every route, with the auditor's household ids in its reach:
        // refused (403), or not a route for that method (404/405) — never done.
        let auditor = by("m-auditor-a");
        let mine = fs.iter().find(|f| f.region == "450403").unwrap();
        let mut refused = 0;
        let mut done = Vec::new();
        for path in &paths {
            let uri = fill_household(path, Some(mine)).unwrap_or_else(|| {
                path.replace("{id}", "1").replace("{code}", "450403").replace("{purpose}", "living_aid")
            });
            let uri = uri.replace("{region}/{kind}/{from}", "450403/dibao/2016-01");
            for m in [Method::POST, Method::PUT, Method::DELETE] {
                let res = send(&auditor.router, &m, &uri, Some(&body_for(path))).await;
                // The POSTs that read (search, reveal, sign-in…) are the auditor's too.
                if !matches!(res.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED)
                    && !bangfu_web::auth::reads_by_post(&uri)
                {
                    done.push(format!("{m} {uri} → {}", res.status));
                }
                refused += usize::from(res.status == StatusCode::FORBIDDEN);
            }
        }
        assert!(done.is_empty(), "the auditor was not refused:\n{}", done.join("\n"));
        assert!(refused > 40, "only {refused} writing routes refused the auditor");
        assert_eq!(snapshot(&app, &fs).await, before, "the auditor changed something");

        // County A's staff offer county B's head as a new head and as a member.
        let county = by("m-county-a");
        let theirs = fs.iter().find(|f| f.region == "450405").unwrap();
        let mut household = body_for("/api/v1/households");
        household["head_id_number"] = json!(theirs.head_id);
        let member = json!({"name": "冒名", "id_number": theirs.head_id, "relation": "child", "situation": "student"});
        for (what, uri, body) in [
            ("as head", "/api/v1/households".to_string(), household),
            ("as member", format!("/api/v1/households/{}/members", mine.id), member),
        ] {
            let res = send(&county.router, &Method::POST, &uri, Some(&body)).await;
            assert_eq!(
                (res.status, res.code()),
                (StatusCode::CONFLICT, "id_number_out_of_scope"),
                "{what}: {}",
                res.text
            );
            assert_no_leak("m-county-a", what, &res, &[theirs]);
            for word in ["450405", "长洲"] {
                assert!(!res.text.contains(word), "{what}: the answer names {word}: {}", res.text);
            }
            assert!(res.text.contains("该身份证号已在其他地区建档"), "{what}: {}", res.text);
        }
        let tried = app
            .audit_entries(
                &Principal::system(),
                &bangfu_app::audit::AuditQuery { action: Some("id_number_elsewhere".into()), ..Default::default() },
            )
            .await
            .unwrap();
        assert_eq!(tried.total, 2, "both attempts are on the audit trail");
        // The same ID in scope is named with its file (the cadre can open it).
        let mut again = body_for("/api/v1/households");
        again["head_id_number"] = json!(mine.head_id);
        let res = send(&county.router, &Method::POST, "/api/v1/households", Some(&again)).await;
        assert_eq!(res.code(), "id_number_on_file", "{}", res.text);

        // The verification page: the member's ID masked for everyone who opens it — the union
        // staff, the joint office, the department's liaison, the auditor.
        let asked = ask_income(&app, mine.id, orgs.department).await;
        for name in ["m-county-a", "m-joint", "m-liaison", "m-auditor-a"] {
            let res = get(&by(name).router, &format!("/verifications/{}", asked.id)).await;
            assert_eq!(res.status, StatusCode::OK, "{name}: {}", res.text);
            assert!(!res.text.contains(&mine.head_id), "{name} sees the full ID on the verification page");
            assert!(res.text.contains(&mine.markers[4]), "{name}: the masked ID is shown");
        }

        // Rosters: a liaison's roster of every fixture head, and a county's of county B's head.
        let roster: String = std::iter::once("身份证号,姓名\n".to_string())
            .chain(fs.iter().map(|f| format!("{},名单人\n", f.head_id)))
            .collect();
        let liaison = by("m-liaison");
        let up = call(&liaison.router, Method::POST, "/rosters/upload?name=r.csv&kind=dibao", Some(&roster), &[]).await;
        assert_eq!(up.status, StatusCode::OK, "{}", up.text);
        assert!(!up.text.contains("匹配 ") || up.text.contains("匹配 0"), "{}", up.text);
        let at = up.body["redirect"].as_str().unwrap().to_string();
        for uri in [at.clone(), format!("{at}/export.xlsx"), format!("{at}?show=matched"), "/rosters".into()] {
            let res = get(&liaison.router, &uri).await;
            assert_eq!(res.status, StatusCode::OK, "{uri}");
            let text = text_of(&res);
            for f in &fs {
                assert!(!text.contains(&f.head_id), "the liaison's {uri} shows a full ID:\n{text}");
                assert!(!text.contains(&f.markers[2]), "the liaison's {uri} names a file");
            }
            assert!(!text.contains("已匹配"), "the liaison's {uri} tells which rows matched:\n{text}");
        }
        let one = format!("身份证号,姓名\n{},名单人\n", theirs.head_id);
        let uri = format!("/rosters/upload?name=c.csv&kind=dibao&department_id={}", orgs.department);
        let up = call(&county.router, Method::POST, &uri, Some(&one), &[]).await;
        assert_eq!(up.status, StatusCode::OK, "{}", up.text);
        let at = up.body["redirect"].as_str().unwrap().to_string();
        // The county sees its own row (masked), unmatched: nothing of the household it names.
        for uri in [at.clone(), format!("{at}/export.xlsx")] {
            let text = text_of(&get(&county.router, &uri).await);
            for m in [&theirs.markers[0], &theirs.markers[1], &theirs.markers[2], &theirs.head_id] {
                assert!(!text.contains(m.as_str()), "the county's {uri} holds {m} of a household out of scope");
            }
            assert!(text.contains("未匹配") && !text.contains("450405"), "{uri}:\n{text}");
        }
    }
}

/// Issue 22: a department's account — its liaison's or its system's — reaches the requests
/// addressed to its department and its department's rosters only: another department's answer
/// exactly as one that does not exist, on the API and on the pages.
#[tokio::test]
async fn departments_reach_only_their_own_requests_and_rosters() {
    for db in TestDb::all().await {
        let app = App::new(db.open().await);
        let (orgs, fs) = fixture(&app).await;
        let sys = Principal::system();
        let other = OrganisationInput {
            name: "市人力资源社会保障局".into(),
            kind: "department".into(),
            region_code: "450400".into(),
            parent_id: None,
        };
        let hr = app.create_organisation(&sys, &other).await.unwrap().id;
        let router = |token: String| {
            with_token(bangfu_web::router_with(app.clone(), bangfu_web::auth::Misses::per_minute(0)), &token)
        };
        let civil_system =
            router(token_for(&app, "m-mz-system", "department_system", None, Some(orgs.department)).await);
        let strangers = [
            ("m-hr-system", router(token_for(&app, "m-hr-system", "department_system", None, Some(hr)).await)),
            ("m-hr-liaison", router(token_for(&app, "m-hr-liaison", "liaison", None, Some(hr)).await)),
        ];
        let asked = ask_income(&app, fs[0].id, orgs.department).await;
        let csv = format!("身份证号,姓名\n{},名单人\n", fs[0].head_id);
        let up = call_raw(&civil_system, "/api/v1/rosters?kind=dibao&name=r.csv", "text/csv", csv, &[]).await;
        assert_eq!(up.status, StatusCode::CREATED, "{}", up.text);
        let roster = up.body["roster_id"].as_i64().unwrap();
        let answer = json!({ "facts": "已核实" });
        let cases: Vec<(Method, String, Option<Value>)> = vec![
            (Method::GET, "/api/v1/verifications/{id}".into(), None),
            (Method::POST, "/api/v1/verifications/{id}/answer".into(), Some(answer.clone())),
            (Method::GET, "/verifications/{id}".into(), None),
            (Method::POST, "/verifications/{id}/answer".into(), Some(answer.clone())),
            (Method::GET, "/api/v1/rosters/{roster}".into(), None),
            (Method::GET, "/rosters/{roster}".into(), None),
            (Method::GET, "/rosters/{roster}/export.xlsx".into(), None),
        ];
        for (name, r) in &strangers {
            for (m, path, body) in &cases {
                let fill = |id: i64| path.replace("{id}", &id.to_string()).replace("{roster}", &id.to_string());
                let real = if path.contains("{roster}") { roster } else { asked.id };
                let missing = send(r, m, &fill(NONE), body.as_ref()).await;
                let res = send(r, m, &fill(real), body.as_ref()).await;
                assert_ne!(res.status, StatusCode::OK, "{name} {m} {path}: {}", res.text);
                let echoed = missing.text.replace(&NONE.to_string(), &real.to_string());
                assert!(
                    res.status == missing.status && (res.text == missing.text || res.text == echoed),
                    "{name} {m} {path}: another department's must look missing:\n{}\n---\n{}",
                    res.text,
                    missing.text
                );
            }
            let polled = get(r, "/api/v1/verifications?status=all").await;
            assert_eq!(polled.body["items"], json!([]), "{name}: {}", polled.text);
            assert_eq!(get(r, "/api/v1/rosters").await.body, json!([]), "{name}");
        }
        // The department's own system reaches both, and answers.
        assert_eq!(get(&civil_system, &format!("/api/v1/verifications/{}", asked.id)).await.status, StatusCode::OK);
        assert_eq!(get(&civil_system, &format!("/api/v1/rosters/{roster}")).await.status, StatusCode::OK);
        let res = post(&civil_system, &format!("/api/v1/verifications/{}/answer", asked.id), &answer).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    }
}

/// Issue 20: only city staff change frameworks, and only for regions they reach; a region out
/// of reach is refused exactly like one that does not exist. Reading the sequences needs the
/// right to read households.
#[tokio::test]
async fn only_city_staff_change_frameworks_and_only_in_their_regions() {
    for db in TestDb::all().await {
        let app = App::new(db.open().await);
        let (orgs, _) = fixture(&app).await;
        let users = users(&app, &orgs).await;
        let change = |region: &str| json!({"region_code": region, "framework": "national-2021", "from": "2026-05", "relative_percent": 150});
        for u in &users {
            let preview = post(&u.router, "/api/v1/frameworks/preview", &change("450403")).await;
            let list = get(&u.router, "/api/v1/frameworks").await;
            if u.name == "m-city" {
                assert_eq!(preview.status, StatusCode::OK, "{}", preview.text);
                assert_eq!(list.status, StatusCode::OK);
            } else {
                assert_eq!(preview.status, StatusCode::FORBIDDEN, "{}: {}", u.name, preview.text);
                let saved = post(&u.router, "/api/v1/frameworks", &change("450403")).await;
                assert_eq!(saved.status, StatusCode::FORBIDDEN, "{}", u.name);
                assert_eq!(list.status, if u.reads { StatusCode::OK } else { StatusCode::FORBIDDEN }, "{}", u.name);
            }
        }
        let city = users.iter().find(|u| u.name == "m-city").unwrap();
        // 450100 is a real city the deployment does not reach; 459999 is no region at all.
        let elsewhere = post(&city.router, "/api/v1/frameworks", &change("450100")).await;
        let nowhere = post(&city.router, "/api/v1/frameworks", &change("459999")).await;
        assert_eq!(elsewhere.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(elsewhere.text.replace("450100", "459999"), nowhere.text.replace("450100", "459999"));
        let saved = post(&city.router, "/api/v1/frameworks", &change("450403")).await;
        assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.text);
        assert_eq!(saved.body["params"]["relative_percent"], 150);
        let county = users.iter().find(|u| u.name == "m-county-a").unwrap();
        let seen = get(&county.router, "/api/v1/frameworks").await;
        let mine = seen.body.as_array().unwrap().iter().find(|r| r["region_code"] == "450403").unwrap();
        assert_eq!(mine["sequence"].as_array().unwrap().last().unwrap()["params"]["version"], 3, "{}", seen.text);
    }
}

/// Issue 20: only city staff set campaigns up (others refused, a region out of reach answered
/// like one that does not exist); the organisations page lists only the organisations in the
/// reader's scope; the worker's self-check needs no sign-in, keeps nothing and is rate-limited.
#[tokio::test]
async fn campaigns_organisations_and_the_public_self_check_follow_scope() {
    for db in TestDb::all().await {
        let app = App::new(db.open().await);
        let (orgs, _) = fixture(&app).await;
        let users = users(&app, &orgs).await;
        let campaign = |region: &str| {
            json!({"name": "测试方案", "first_year": 2026, "last_year": 2027, "stock_cutoff": "2025-12-31",
                   "target_kind": "share", "cumulative_percent": [50, 100], "regions": [region]})
        };
        for u in &users {
            let created = post(&u.router, "/api/v1/campaigns", &campaign("450403")).await;
            let page = get(&u.router, "/campaigns").await;
            if u.name == "m-city" {
                assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
                assert_eq!(page.status, StatusCode::OK);
            } else {
                assert_eq!(created.status, StatusCode::FORBIDDEN, "{}: {}", u.name, created.text);
                let form = get(&u.router, "/campaigns/new").await;
                assert_eq!(form.status, StatusCode::FORBIDDEN, "{}", u.name);
                assert_eq!(page.status, if u.reads { StatusCode::OK } else { StatusCode::FORBIDDEN }, "{}", u.name);
            }
            // The organisations page holds no organisation out of scope (a department's system
            // has no pages at all).
            for show in ["unions", "departments", "employers"] {
                let list = get(&u.router, &format!("/organisations?show={show}")).await;
                let want = if u.name == "m-dept-system" { StatusCode::FORBIDDEN } else { StatusCode::OK };
                assert_eq!(list.status, want, "{}", u.name);
                for o in &u.orgs_out {
                    let name = app.organisation(&Principal::system(), *o).await.unwrap().name;
                    assert!(!list.text.contains(&name), "{}: the organisations page shows {name}", u.name);
                }
            }
        }
        let city = users.iter().find(|u| u.name == "m-city").unwrap();
        let elsewhere = post(&city.router, "/api/v1/campaigns", &campaign("450100")).await;
        let nowhere = post(&city.router, "/api/v1/campaigns", &campaign("459999")).await;
        assert_eq!(elsewhere.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", elsewhere.text);
        assert_eq!(elsewhere.text, nowhere.text);

        // The self-check: no sign-in, the result, and nothing written; then the limit.
        let public = bangfu_web::router(app.clone());
        let seq = |app: App| async move { app.store.audit_entries(&Default::default(), 1, 1).await.unwrap().1 };
        let before = seq(app.clone()).await;
        let page = get(&public, "/self-check").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text.contains("不保存"), "the page says nothing is kept");
        let form = "region_code=450405&members=2&income=6000";
        let headers = [("content-type", "application/x-www-form-urlencoded")];
        let first = call(&public, Method::POST, "/self-check", Some(form), &headers).await;
        assert_eq!(first.status, StatusCode::OK, "{}", first.text);
        assert!(first.text.contains("深度困难"), "{}", first.text);
        assert_eq!(seq(app.clone()).await, before, "a self-check writes nothing, not even to the audit trail");
        // A field longer than any answer is named beside itself, not cut short.
        let long = format!("region_code=450405&members=2&income={}6000", "0".repeat(45));
        let refused = call(&public, Method::POST, "/self-check", Some(&long), &headers).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.text.contains("data-field=\"income\""), "{}", refused.text);
        let mut last = first.status;
        for _ in 0..25 {
            last = call(&public, Method::POST, "/self-check", Some(form), &headers).await.status;
        }
        assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    }
}
