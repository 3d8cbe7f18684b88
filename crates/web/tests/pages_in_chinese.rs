//! Every page of every feature, in Chinese, as every role: each demo account signs in and walks
//! the pages it can reach by following links from its landing page (a small demo city, so there
//! is something on every list), and no page may show an English word outside a short list, a
//! `snake_case` code or a stored UTC time. Every page route must be reached by some role, so a
//! new page joins the walk by being linked, and a page nobody can reach is named.

#![allow(clippy::unwrap_used)]

mod common;

use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use bangfu_store::testing::TestDb;
use common::{foreign_text, visible_text};
use http_body_util::BodyExt;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use tower::ServiceExt;

/// Pages visited per route pattern and role: enough to see each page with different data.
const PER_PATTERN: usize = 2;

/// A response: status, body, and the `Location` and `Set-Cookie` headers.
type Answer = (StatusCode, String, Option<String>, Option<String>);

async fn send(r: &Router, method: Method, uri: &str, cookie: &str, body: Option<String>) -> Answer {
    let mut req = Request::builder().method(method).uri(uri).header(header::COOKIE, cookie);
    if body.is_some() {
        req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    }
    let res = r.clone().oneshot(req.body(body.map(axum::body::Body::from).unwrap_or_default()).unwrap()).await.unwrap();
    let status = res.status();
    let location = res.headers().get(header::LOCATION).map(|v| v.to_str().unwrap().to_string());
    let set_cookie = res.headers().get(header::SET_COOKIE).map(|v| v.to_str().unwrap().to_string());
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&bytes).to_string();
    (status, text, location, set_cookie)
}

/// The pattern of a path: numbers and months become placeholders (`/households/{n}`).
fn pattern(path: &str) -> String {
    path.split('/')
        .map(|seg| if !seg.is_empty() && seg.chars().all(|c| c.is_ascii_digit() || c == '-') { "{n}" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

/// The links of a page to follow: this site's pages (no downloads, assets, language switches).
fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in html.split("href=\"").skip(1) {
        let Some(end) = part.find('"') else { continue };
        let link = part[..end].replace("&amp;", "&");
        let link = link.split('#').next().unwrap_or("").to_string();
        if link.starts_with('/')
            && !link.starts_with("/assets/")
            && !link.starts_with("/api/")
            && !link.starts_with("/attachments/")
            && !link.contains(".xlsx")
            && !link.contains("lang=")
        {
            out.push(link);
        }
    }
    out
}

/// What the demo lacks so that every page has something to show: a proposal, an allocation and
/// a return of hardship waiting for a decision, a verification request and a roster — made by a
/// user of their own, so the demo's accounts may decide them.
/// Answers the pages to start from besides the landing page.
async fn waiting_work(app: &bangfu_app::App) -> Vec<String> {
    use bangfu_app::households::ListQuery;
    let token = common::token_for(app, "walk-city", "city_staff", Some("450400"), None).await;
    let city = app.token_principal(&token, "test").await.unwrap().unwrap();
    let sys = bangfu_app::Principal::system();
    let spec = app.list_spec(&ListQuery { status: Some("in_file".into()), ..Default::default() }).await.unwrap();
    let households = app.list_households(&city, &spec).await.unwrap().items;
    let mut proposed = false;
    for h in &households {
        let input =
            bangfu_app::outcomes::ProposalInput { kind: "relief".into(), pathway: None, reason: "测试".into() };
        if app.propose_outcome(&city, h.id, &input).await.is_ok() {
            proposed = true;
            break;
        }
    }
    assert!(proposed, "a proposal waits for a decision");
    let department = app.organisations(&sys, Some(bangfu_domain::OrgKind::Department)).await.unwrap()[0].id;
    let h = &households[0];
    let v = bangfu_app::exchange::VerificationInput {
        question: "核对家庭收入".into(),
        departments: vec![department],
        due_on: String::new(),
    };
    app.request_verification(&city, h.id, &v).await.unwrap();
    let head = app.store.household(&bangfu_store::Scope::everything(), h.id).await.unwrap();
    let csv = format!("身份证号,姓名\n{},{}\n", head.head_id_number, head.head_name);
    let roster = app.upload_roster(&city, Some(department), "dibao", "低保名单.csv", csv.as_bytes()).await.unwrap();
    assert!(roster.roster_id.is_some(), "the roster is written: {:?}", roster.errors);
    let fund = app.funds(&sys).await.unwrap()[0].id;
    let union = app.organisations(&sys, Some(bangfu_domain::OrgKind::CityUnion)).await.unwrap()[0].id;
    let allocation = bangfu_app::funds::AllocationInput {
        fund_id: fund,
        day: "2026-01-05".into(),
        amount: "100".into(),
        payer_union_id: None,
        payee_union_id: union,
        voucher: "记-1".into(),
        note: String::new(),
    };
    app.record_allocation(&city, &allocation).await.unwrap();
    // The household also gets an enrolment and an open return to hardship.
    let e = bangfu_app::input::EnrolmentInput { scheme: "dibao".into(), from: "2024-01".into(), to: None };
    app.add_enrolment(&city, h.id, None, &e).await.unwrap();
    let ev =
        bangfu_app::input::MajorEventInput { month: "2026-03".into(), kind: "epidemic".into(), note: "疫情".into() };
    app.add_major_event(&city, h.id, None, &ev).await.unwrap();
    let month = bangfu_domain::YearMonth::new(2026, 9).unwrap();
    let mut tx = app.store.begin().await.unwrap();
    let flag = bangfu_store::NewReturn { household_id: h.id, as_of: month, failed: (month, 90_000, 100_000) };
    tx.insert_returns(None, &[flag]).await.unwrap();
    tx.commit().await.unwrap();
    // A campaign by numbers of households, so its targets grid is linked from the campaigns.
    let year = chrono::Datelike::year(&bangfu_app::clock::today()) as i64;
    let campaign = bangfu_app::quota::CampaignInput {
        name: "三年行动".into(),
        first_year: year,
        last_year: year + 2,
        stock_cutoff: "2025-12-31".into(),
        target_kind: "absolute".into(),
        regions: vec!["450403".into()],
        ..Default::default()
    };
    app.create_campaign(&city, &campaign).await.unwrap();
    // A person's account page (the list's first pages are administrators', which no page edits).
    vec![format!("/households/{}", h.id), format!("/users/{}", city.user_id)]
}

#[tokio::test]
async fn every_page_speaks_chinese_to_every_role() {
    let db = TestDb::sqlite();
    let app = bangfu_app::App::new(db.open().await);
    app.demo(None, 60, 7, &|_| {}).await.unwrap();
    let users = app.demo_users().await.unwrap();
    let starts = waiting_work(&app).await;
    let names: Vec<String> = users.iter().map(|u| u.0.clone()).collect();
    // Data, not words of the pages: the demo's user names (a name is written as it was given),
    // the synthetic ledger's voucher prefixes, this test's own user, token label and address.
    let mut allowed: Vec<&str> = names.iter().flat_map(|n| n.split(|c: char| !c.is_ascii_alphanumeric())).collect();
    allowed.extend(["SYN", "ALLOC", "walk", "test", "tests"]);
    // The addresses the demo's department system called below, as the audit trail records them.
    allowed.extend(["api", "me", "households"]);
    // The key file's path, which the security administrator's page names.
    let key_file = bangfu_store::testing::test_key_file().display().to_string();
    allowed.extend(key_file.split(|c: char| !c.is_ascii_alphanumeric()));
    let r = bangfu_web::router(app.clone());
    // The demo's department system calls the API (one call refused), so the audit trail the
    // auditor reads holds its entries too.
    let system = app.store.user_by_name("minzheng-system").await.unwrap().unwrap();
    let secret = app.create_token(&bangfu_app::Principal::system(), system.id, "walk").await.unwrap().secret;
    let as_system = common::with_token(bangfu_web::router(app.clone()), &secret);
    assert_eq!(common::get(&as_system, "/api/v1/me").await.status, StatusCode::OK);
    assert_eq!(common::get(&as_system, "/api/v1/households").await.status, StatusCode::FORBIDDEN);
    // The sign-in page, before anyone signs in.
    let (status, html, _, _) = send(&r, Method::GET, "/sign-in", "", None).await;
    assert_eq!(status, StatusCode::OK);
    let mut problems: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for p in foreign_text(&visible_text(&html), &[]) {
        problems.entry(p).or_default().insert("/sign-in".into());
    }
    let mut reached: BTreeSet<String> = BTreeSet::from(["/sign-in".to_string()]);
    let mut pages = 0;
    // A department system's account has no password and no pages (its refusal is tested with
    // the exchange API).
    for (name, role, password) in users.iter().filter(|u| !u.1.is_service()) {
        let body = format!("name={name}&password={}", password.replace(' ', "+"));
        let (status, _, _, cookie) = send(&r, Method::POST, "/sign-in", "", Some(body)).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name} signs in");
        let cookie = cookie.unwrap().split(';').next().unwrap().to_string();
        // An administrator sets up two-factor sign-in first (the page is read like any other):
        // the key shown, a code of it, the recovery codes.
        if role.is_administrator() {
            let (status, html, _, _) = send(&r, Method::GET, "/", &cookie, None).await;
            assert_eq!(status, StatusCode::SEE_OTHER, "{name} is sent to set it up");
            let (status, html2, _, _) = send(&r, Method::GET, "/account/second-factor", &cookie, None).await;
            assert_eq!(status, StatusCode::OK, "{name}: {html}");
            let key = html2.split("id=\"sf-secret\">").nth(1).unwrap().split('<').next().unwrap().to_string();
            let code = bangfu_app::second_factor::code_at(&key, chrono::Utc::now().timestamp() as u64).unwrap();
            let csrf = html2.split("name=\"_csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
            let body = format!("_csrf={csrf}&code={code}");
            let (status, done, _, _) = send(&r, Method::POST, "/account/second-factor", &cookie, Some(body)).await;
            assert_eq!(status, StatusCode::OK, "{name}: {done}");
            assert!(done.contains("恢复码"), "{name}: {done}");
            // The key is data (base32), like a user name.
            let shown = visible_text(&html2).replace(&key, " ");
            for p in foreign_text(&shown, &allowed).into_iter().chain(foreign_text(&visible_text(&done), &allowed)) {
                problems.entry(p).or_default().insert(format!("{} /account/second-factor", role.code()));
            }
        }
        // The landing page, and a search that only a form reaches.
        let mut queue: VecDeque<String> = VecDeque::from(["/".to_string(), "/funds/payments/find?q=4504".to_string()]);
        queue.extend(starts.iter().cloned());
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut per_pattern: BTreeMap<String, usize> = BTreeMap::new();
        while let Some(uri) = queue.pop_front() {
            if !seen.insert(uri.clone()) {
                continue;
            }
            let path = uri.split('?').next().unwrap_or("").to_string();
            let count = per_pattern.entry(pattern(&uri)).or_default();
            if *count >= PER_PATTERN {
                continue;
            }
            *count += 1;
            let (status, html, location, _) = send(&r, Method::GET, &uri, &cookie, None).await;
            if status.is_redirection() {
                reached.insert(pattern(&path));
                queue.push_back(location.unwrap_or_default());
                continue;
            }
            assert!(
                status == StatusCode::OK || status == StatusCode::FORBIDDEN,
                "{name} ({}) GET {uri}: {status}",
                role.code()
            );
            pages += 1;
            reached.insert(pattern(&path));
            for p in foreign_text(&visible_text(&html), &allowed) {
                problems.entry(p).or_default().insert(format!("{} {path}", role.code()));
            }
            if status == StatusCode::OK {
                queue.extend(links(&html));
            }
        }
    }
    let report: Vec<String> = problems
        .iter()
        .map(|(p, at)| format!("{p} on {}", at.iter().take(4).cloned().collect::<Vec<_>>().join(", ")))
        .collect();
    assert!(report.is_empty(), "{} pages read; what is not Chinese:\n{}", pages, report.join("\n"));
    // Every page route (one that answers GET with a page) is reached by some role.
    let mut unreached = Vec::new();
    for route in bangfu_web::route_paths() {
        if route.starts_with("/api/") || route.starts_with("/assets/") || route.contains(".xlsx") {
            continue;
        }
        let p = pattern(
            &route
                .replace(['{', '}'], "")
                .split('/')
                .map(|s| if s.ends_with("id") || s == "month" { "1" } else { s })
                .collect::<Vec<_>>()
                .join("/"),
        );
        // Routes that take only a POST (the form lives on another page), or a download.
        let takes_get = !matches!(
            route.as_str(),
            "/sign-out"
                | "/joint/meetings"
                | "/joint/tasks"
                | "/joint/tasks/{id}"
                | "/funds/new"
                | "/funds/allocations"
                | "/funds/disbursements"
                | "/households/{id}/verifications"
                | "/attachments/{id}"
                | "/organisations/import"
                | "/users/{id}/tokens"
                | "/security/keys/rotate"
        ) && !route.ends_with("/decision")
            && !route.ends_with("/revoke")
            && !route.ends_with("/reset")
            && !route.ends_with("/reversal")
            && !route.ends_with("/record")
            && !route.ends_with("/answer")
            && !route.ends_with("/upload")
            && !route.ends_with("/explain")
            && !route.ends_with("/reveal")
            && !route.ends_with("/search");
        if takes_get && !reached.contains(&p) {
            unreached.push(route);
        }
    }
    eprintln!("{pages} pages read as {} roles", users.len());
    assert!(unreached.is_empty(), "page routes no role reached by following links: {unreached:?}");
}
