//! Hostile files against the running server and the command line (issue 19).
//!
//! - A county user checks a 1,200,000-row file (a dry run) while other users sign in and
//!   write: nobody is refused or sees a 500 (the check takes no write lock), the check writes
//!   nothing (the write-ahead log does not grow), and the server's memory grows by less than
//!   512 MB. The sign-ins' slowest answer is printed; `bench/hostile-import.sh` measures it on
//!   the release build (docs/performance.md) — tests assert no timings.
//! - Zip bombs (one huge cell; a cell longer than any field in a part of ordinary ratio; shared
//!   strings too large; a million tiny rows) sent to the page and to `bangfu import --dry-run`:
//!   a clear error naming the limit, under 512 MB of memory, an answer under 64 KB, nothing
//!   written.

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod common;

use bangfu_app::{App, Principal};
use bangfu_store::testing::TestDb;
use common::{city_and_token, id_with_check, Server, PASSWORD};
use reqwest::{header, redirect, Client, StatusCode};
use std::io::Write;
use std::time::{Duration, Instant};

/// Kilobytes of a /proc/PID/status field (VmRSS, VmHWM).
fn kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

async fn county(app: &App) {
    app.ensure_user(&bangfu_app::users::UserInput {
        name: "wanxiu".into(),
        role: "county_staff".into(),
        region_code: Some("450403".into()),
        password: Some(PASSWORD.into()),
        ..Default::default()
    })
    .await
    .unwrap();
}

/// Signs in; the session cookie and the CSRF token of its pages.
async fn session(http: &Client, base: &str, name: &str) -> (String, String) {
    let r = http.post(format!("{base}/sign-in")).form(&[("name", name), ("password", PASSWORD)]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{name} signs in");
    let cookie = r.headers().get(header::SET_COOKIE).unwrap().to_str().unwrap().split(';').next().unwrap().to_string();
    let page = http.get(format!("{base}/households")).header(header::COOKIE, &cookie).send().await.unwrap();
    let text = page.text().await.unwrap();
    let at = text.find("name=\"_csrf\" value=\"").unwrap() + 20;
    (cookie, text[at..].split('"').next().unwrap().to_string())
}

/// Sends `path` to the import page as `(cookie, csrf)`, checking only.
async fn upload(
    http: &Client,
    base: &str,
    who: &(String, String),
    name: &str,
    path: &std::path::Path,
) -> reqwest::Response {
    let body = tokio::fs::read(path).await.unwrap();
    http.post(format!("{base}/import/upload?name={name}&dry_run=1"))
        .header(header::COOKIE, &who.0)
        .header("x-csrf-token", &who.1)
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_huge_check_starves_nobody_and_writes_nothing() {
    let db = TestDb::sqlite();
    let app = App::new(db.open().await);
    let token = city_and_token(&app).await;
    county(&app).await;
    let households = app.store.count_households().await.unwrap();
    app.store.close().await;
    // 1,200,000 households of the county, every one new: each row is checked and looked up.
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.csv");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&big).unwrap());
        writeln!(f, "户主姓名,户主身份证号,地区代码,建档日期,致困原因,劳动能力").unwrap();
        for i in 0..1_200_000u64 {
            let born = 19_500_101 + (i / 1000) % 28;
            writeln!(
                f,
                "户{i},{},450403,2016-05-10,患病,部分丧失劳动能力",
                id_with_check(&format!("4504{:02}{born}{:03}", 3 + i / 28_000 % 90, i % 1000))
            )
            .unwrap();
        }
    }
    let server = Server::start(&db.url).await;
    let pid = server.child.id();
    let http = Client::builder().redirect(redirect::Policy::none()).timeout(Duration::from_secs(60)).build().unwrap();
    let base = server.base.clone();
    let wanxiu = session(&http, &base, "wanxiu").await;
    let wal = std::path::PathBuf::from(db.url.trim_start_matches("sqlite://").to_string() + "-wal");
    let wal_before = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    // The others' work, first alone: its memory (argon2 takes 19 MB a sign-in, kept by the
    // allocator's per-thread arenas) is not the check's.
    let mut rounds = 0u32;
    let mut slowest = Duration::ZERO;
    for _ in 0..10 {
        slowest = slowest.max(others(&http, &base, &token, &mut rounds).await);
    }
    let alone = slowest;
    let rss_before = kb(pid, "VmHWM");

    let check = {
        let (http, base, wanxiu, big) = (http.clone(), base.clone(), wanxiu.clone(), big.clone());
        tokio::spawn(async move { upload(&http, &base, &wanxiu, "big.csv", &big).await })
    };
    // Meanwhile: city staff sign in, and write through the API, again and again.
    let mut slowest = Duration::ZERO;
    let first = rounds;
    while !check.is_finished() {
        slowest = slowest.max(others(&http, &base, &token, &mut rounds).await);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let rounds = rounds - first;
    let answer = check.await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let report: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(report["written"], false, "{report}");
    assert!(report["summary"].as_str().unwrap().contains("新增家庭 1200000 户"), "{report}");
    let grown = kb(pid, "VmHWM").saturating_sub(rss_before);
    let wal_after = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "1,200,000-row check beside {rounds} sign-ins and writes: slowest answer {slowest:?} ({alone:?} alone); server memory grew {} MB; WAL {wal_before} → {wal_after} bytes",
        grown / 1024
    );
    assert!(rounds >= 1, "the others had their turn while the check ran");
    assert!(grown < 512 * 1024, "server memory grew {} MB", grown / 1024);
    // Nothing but the others' writes (a session, a household with its counts, audit entries:
    // ~100 KB a round) — a check that wrote its 1,200,000 households would add hundreds of MB.
    assert!(
        wal_after.saturating_sub(wal_before) < 256 * 1024 * (u64::from(rounds) + 4),
        "WAL {wal_before} → {wal_after}"
    );
    drop(server);
    let app = App::new(db.open().await);
    assert!(app.store.count_households().await.unwrap() <= households + i64::from(rounds) + 10);
}

/// One round of the others' work: city staff sign in, then register a household through the
/// API. Neither may fail; gives the slower answer's time.
async fn others(http: &Client, base: &str, token: &str, round: &mut u32) -> Duration {
    let started = Instant::now();
    let r =
        http.post(format!("{base}/sign-in")).form(&[("name", "city"), ("password", PASSWORD)]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "a sign-in: {}", r.text().await.unwrap_or_default());
    let signing = started.elapsed();
    let body = serde_json::json!({
        "head_name": format!("同时{round}"), "head_id_number": id_with_check(&format!("45042119700101{:03}", *round % 1000)),
        "region_code": "450421", "registered_on": "2019-01-01", "causes": ["illness"], "work_capacity": "partial",
    });
    let started = Instant::now();
    let w = http.post(format!("{base}/api/v1/households")).bearer_auth(token).json(&body).send().await.unwrap();
    assert_eq!(w.status(), StatusCode::CREATED, "a write: {}", w.text().await.unwrap_or_default());
    *round += 1;
    signing.max(started.elapsed())
}

/// Writes a part's content.
type Part<'a> = &'a mut dyn FnMut(&mut dyn Write);

/// An .xlsx of `parts` (name, writer of its content), each deflated.
fn workbook(path: &std::path::Path, sheet: &mut dyn FnMut(&mut dyn Write), shared: Option<Part<'_>>) {
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9))
        .large_file(true);
    let fixed: [(&str, &str); 4] = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="家庭" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#,
        ),
    ];
    for (name, text) in fixed {
        z.start_file(name, o).unwrap();
        z.write_all(text.as_bytes()).unwrap();
    }
    if let Some(shared) = shared {
        z.start_file("xl/sharedStrings.xml", o).unwrap();
        shared(&mut z);
    }
    z.start_file("xl/worksheets/sheet1.xml", o).unwrap();
    sheet(&mut z);
    z.finish().unwrap();
}

const SHEET_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#;
const SHEET_TAIL: &str = "</sheetData></worksheet>";

/// `n` bytes of `byte`, written a megabyte at a time.
fn repeat(w: &mut dyn Write, byte: u8, n: usize) {
    let block = vec![byte; 1 << 20];
    let mut left = n;
    while left > 0 {
        let k = left.min(block.len());
        w.write_all(&block[..k]).unwrap();
        left -= k;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zip_bombs_are_refused_naming_the_limit_quickly_and_in_little_memory() {
    let dir = tempfile::tempdir().unwrap();
    let at = |n: &str| dir.path().join(n);
    // One cell of 300 MB (stored as ~300 KB).
    workbook(
        &at("cell.xlsx"),
        &mut |w| {
            w.write_all(SHEET_HEAD.as_bytes()).unwrap();
            w.write_all(br#"<row r="1"><c r="A1" t="inlineStr"><is><t>"#).unwrap();
            repeat(w, b'a', 300 << 20);
            w.write_all(b"</t></is></c></row>").unwrap();
            w.write_all(SHEET_TAIL.as_bytes()).unwrap();
        },
        None,
    );
    // Shared strings of 100 MB.
    workbook(
        &at("strings.xlsx"),
        &mut |w| {
            w.write_all(SHEET_HEAD.as_bytes()).unwrap();
            w.write_all(SHEET_TAIL.as_bytes()).unwrap();
        },
        Some(&mut |w: &mut dyn Write| {
            w.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>"#).unwrap();
            repeat(w, b'b', 100 << 20);
            w.write_all(b"</t></si></sst>").unwrap();
        }),
    );
    // A 200 KB cell in a part of ordinary ratio (varied text compresses little).
    workbook(
        &at("long.xlsx"),
        &mut |w| {
            w.write_all(SHEET_HEAD.as_bytes()).unwrap();
            w.write_all(br#"<row r="1"><c r="A1" t="inlineStr"><is><t>"#).unwrap();
            let mut x: u32 = 7;
            for _ in 0..200_000 {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                w.write_all(&[b'a' + (x >> 16) as u8 % 26]).unwrap();
            }
            w.write_all(b"</t></is></c></row>").unwrap();
            w.write_all(SHEET_TAIL.as_bytes()).unwrap();
        },
        None,
    );
    // Two million tiny rows.
    workbook(
        &at("rows.xlsx"),
        &mut |w| {
            w.write_all(SHEET_HEAD.as_bytes()).unwrap();
            for r in 1..=2_000_000u32 {
                write!(w, r#"<row r="{r}"><c r="A{r}"><v>1</v></c></row>"#).unwrap();
            }
            w.write_all(SHEET_TAIL.as_bytes()).unwrap();
        },
        None,
    );
    let bombs = [
        ("cell.xlsx", "xlsx_ratio"),
        ("strings.xlsx", "xlsx_part_too_large"),
        ("long.xlsx", "cell_too_long"),
        ("rows.xlsx", "too_many_rows"),
    ];

    let db = TestDb::sqlite();
    let app = App::new(db.open().await);
    city_and_token(&app).await;
    county(&app).await;
    let before = app.store.count_households().await.unwrap();
    app.store.close().await;

    // The command line.
    for (name, code) in bombs {
        let started = Instant::now();
        // GNU time reports the peak memory (installed by .ci/run).
        let peak_file = at(&format!("{name}.peak"));
        let out = std::process::Command::new("/usr/bin/time")
            .args(["-f", "%M", "-o", peak_file.to_str().unwrap(), env!("CARGO_BIN_EXE_bangfu")])
            .args(["--database-url", &db.url, "import", at(name).to_str().unwrap(), "--dry-run"])
            .env("BANGFU_LOG", "warn")
            .env("BANGFU_KEY_FILE", bangfu_store::testing::test_key_file())
            .output()
            .unwrap();
        let peak: u64 = std::fs::read_to_string(&peak_file).unwrap().trim().lines().last().unwrap().parse().unwrap();
        let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        eprintln!(
            "bangfu import {name} --dry-run: {:?}, peak {} MB, {} bytes out: {said}",
            started.elapsed(),
            peak / 1024,
            said.len()
        );
        assert_eq!(out.status.code(), Some(2), "{name}: {said}");
        assert!(said.len() < 64 * 1024, "{name}: {} bytes", said.len());
        assert!(peak < 512 * 1024, "{name}: {} MB", peak / 1024);
        let fixed = bangfu_domain::Code::from_code(code).unwrap().template(true).split('{').next().unwrap();
        assert!(said.contains(fixed.trim_end()), "{name}: expected {code} ({fixed}) in {said}");
    }

    // The page.
    let server = Server::start(&db.url).await;
    let pid = server.child.id();
    let http = Client::builder().redirect(redirect::Policy::none()).build().unwrap();
    let wanxiu = session(&http, &server.base, "wanxiu").await;
    let rss_before = kb(pid, "VmRSS");
    for (name, code) in bombs {
        let started = Instant::now();
        let r = upload(&http, &server.base, &wanxiu, name, &at(name)).await;
        let status = r.status();
        let body = r.text().await.unwrap();
        eprintln!("page {name}: {status} in {:?}, {} bytes: {body}", started.elapsed(), body.len());
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {body}");
        assert!(body.len() < 64 * 1024);
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["error"]["code"], code, "{name}: {json}");
    }
    let grown = kb(pid, "VmHWM").saturating_sub(rss_before);
    assert!(grown < 512 * 1024, "server memory grew {} MB", grown / 1024);
    drop(server);
    let app = App::new(db.open().await);
    assert_eq!(app.store.count_households().await.unwrap(), before, "nothing written");
}

/// A client that sends half a request and waits is cut off after the header deadline (here 2 s),
/// while others are served; the client's address still reaches the audit trail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_sent_request_does_not_hold_its_connection() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let db = TestDb::sqlite();
    let app = App::new(db.open().await);
    city_and_token(&app).await;
    app.store.close().await;
    let server = Server::start_with(&db.url, &["--header-timeout", "2"]).await;
    let addr = server.base.trim_start_matches("http://").to_string();
    let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"GET /sign-in HTTP/1.1\r\nHost: bangfu\r\n").await.unwrap();
    // Served meanwhile.
    let http = Client::builder().redirect(redirect::Policy::none()).build().unwrap();
    let r = http
        .post(format!("{}/sign-in", server.base))
        .form(&[("name", "city"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The half-sent request's connection is closed (a 408 at most, then end of stream); the
    // 20 s bound only keeps a broken server from hanging the test.
    let mut got = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), slow.read_to_end(&mut got)).await;
    assert!(read.is_ok(), "the half-sent request still holds its connection after 20 s");
    let text = String::from_utf8_lossy(&got);
    assert!(got.is_empty() || text.starts_with("HTTP/1.1 408"), "{text}");
    drop(server);
    // The sign-in's audit entry names the client's address (taken from the connection).
    let app = App::new(db.open().await);
    let q = bangfu_app::audit::AuditQuery { action: Some("sign_in".into()), ..Default::default() };
    let entries = app.audit_entries(&Principal::system(), &q).await.unwrap().items;
    assert!(entries.iter().any(|e| e.address.starts_with("127.0.0.1")), "{entries:?}");
}
