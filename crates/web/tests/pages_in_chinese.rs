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

#[tokio::test]
async fn every_page_speaks_chinese_to_every_role() {
    let db = TestDb::sqlite();
    let app = bangfu_app::App::new(db.open().await);
    app.demo(60, 7, &|_| {}).await.unwrap();
    let users = app.demo_users().await.unwrap();
    let names: Vec<String> = users.iter().map(|u| u.0.clone()).collect();
    // Data, not words of the pages: the demo's user names (a name is written as it was given),
    // the synthetic ledger's voucher prefixes.
    let mut allowed: Vec<&str> = names.iter().flat_map(|n| n.split(|c: char| !c.is_ascii_alphanumeric())).collect();
    allowed.extend(["SYN", "ALLOC"]);
    let r = bangfu_web::router(app.clone());
    let mut reached: BTreeSet<String> = BTreeSet::new();
    let mut problems: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut pages = 0;
    for (name, role, password) in &users {
        let body = format!("name={name}&password={}", password.replace(' ', "+"));
        let (status, _, _, cookie) = send(&r, Method::POST, "/sign-in", "", Some(body)).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name} signs in");
        let cookie = cookie.unwrap().split(';').next().unwrap().to_string();
        let mut queue: VecDeque<String> = VecDeque::from(["/".to_string()]);
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
        let takes_get = !route.ends_with("/decision")
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
    eprintln!("{pages} pages read as {} roles; unreached page routes: {unreached:?}", users.len());
}
