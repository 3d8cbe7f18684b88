//! The main flows in a real browser (Debian chromium + chromium-driver, driven over WebDriver):
//! create a household through the form and find it in the list; county staff record a month and
//! see the evaluation change, an exit is proposed and approved in two accounts and the dashboard
//! moves; another county's staff cannot reach the household by its address. A failing flow saves
//! a screenshot of the page it failed on (target/tmp/browser-failures/).

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod common;

use bangfu_store::testing::TestDb;
use common::id_with_check;
use fantoccini::{Client, ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn chromedriver() -> Option<String> {
    ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .iter()
        .find(|p| std::path::Path::new(p).exists())
        .map(|p| p.to_string())
}

/// The server, on a free port, in this process: its base address.
async fn serve(app: bangfu_app::App) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let service = bangfu_web::router(app).into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(listener, service).await.unwrap()
    });
    base
}

/// chromedriver on a free port and a headless chromium session through it, on a desktop screen.
async fn browser(driver_path: &str) -> (Driver, Client) {
    browser_sized(driver_path, (1366, 900), false).await
}

/// The same on a screen of `size`; `phone` makes it a touch phone (as Chrome's device mode does).
async fn browser_sized(driver_path: &str, size: (u32, u32), phone: bool) -> (Driver, Client) {
    let port = free_port();
    let driver = Driver(
        Command::new(driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver"),
    );
    let mut caps = serde_json::Map::new();
    let mut options = serde_json::json!({
        "binary": "/usr/bin/chromium",
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 format!("--window-size={},{}", size.0, size.1), "--lang=zh-CN"]
    });
    if phone {
        options["mobileEmulation"] = serde_json::json!({
            "deviceMetrics": { "width": size.0, "height": size.1, "pixelRatio": 3.0, "touch": true },
            "userAgent": "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Mobile Safari/537.36"
        });
    }
    caps.insert("goog:chromeOptions".into(), options);
    for _ in 0..50 {
        match ClientBuilder::rustls()
            .expect("tls")
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => return (driver, c),
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    panic!("chromedriver did not accept a session within 10 s")
}

/// Runs a flow; if it fails (an error or a failed assertion), saves a screenshot of the page it
/// stopped on and the page's address, then fails the test.
async fn finish<F>(name: &str, c: &Client, flow: F)
where
    F: std::future::Future<Output = Result<(), fantoccini::error::CmdError>> + Send + 'static,
{
    let outcome = tokio::spawn(flow).await;
    let failure = match outcome {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(format!("WebDriver: {e}")),
        Err(panic) => Some(format!("{panic}")),
    };
    if let Some(failure) = failure {
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-failures");
        let _ = std::fs::create_dir_all(&dir);
        let shot = dir.join(format!("{name}.png"));
        let url = c.current_url().await.map(|u| u.to_string()).unwrap_or_default();
        let saved = match c.screenshot().await {
            Ok(png) => std::fs::write(&shot, png).map(|_| shot.display().to_string()).unwrap_or_default(),
            Err(e) => format!("(no screenshot: {e})"),
        };
        c.clone().close().await.ok();
        panic!("browser flow {name} failed at {url}: {failure}\nscreenshot: {saved}");
    }
    c.clone().close().await.ok();
}

fn chromedriver_or_skip() -> Option<String> {
    let found = chromedriver();
    if found.is_none() {
        assert!(
            std::env::var("CI").is_err(),
            "CI must run the browser test: .ci/run installs chromium and chromium-driver"
        );
        eprintln!("browser test skipped: chromedriver not found (apt-get install chromium chromium-driver)");
    }
    found
}

/// Clicks what `css` names and waits for the next page to have loaded (a form posted to the
/// page's own address reloads it: waiting for an element would find the old page's).
async fn click_and_load(c: &Client, css: &str) -> Result<(), fantoccini::error::CmdError> {
    c.execute("window.__left = 1", vec![]).await?;
    c.find(Locator::Css(css)).await?.click().await?;
    for _ in 0..200 {
        if let Ok(v) = c.execute("return document.readyState === 'complete' && !window.__left", vec![]).await {
            if v.as_bool() == Some(true) {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(fantoccini::error::CmdError::WaitTimeout)
}

/// Follows a menu item (the menu folds away on narrow screens and opens group by group on
/// wide ones; the phone flow opens it as a person does).
async fn menu(c: &Client, id: &str) -> Result<(), fantoccini::error::CmdError> {
    c.execute("document.getElementById(arguments[0]).click()", vec![serde_json::json!(id)]).await.map(|_| ())
}

#[tokio::test]
async fn create_a_household_through_the_form_and_find_it_in_the_list() {
    let Some(driver_path) = chromedriver_or_skip() else { return };
    // The server, on a free port, over a fresh SQLite database with one union.
    let db = TestDb::sqlite();
    let store = db.open().await;
    let app = bangfu_app::App::new(store);
    let system = bangfu_app::Principal::system();
    app.create_organisation(
        &system,
        &bangfu_app::input::OrganisationInput {
            name: "梧州市总工会".into(),
            kind: "city_union".into(),
            region_code: "450400".into(),
            parent_id: None,
        },
    )
    .await
    .unwrap();
    let other = bangfu_app::input::HouseholdInput {
        head_name: "莫其他".into(),
        head_id_number: id_with_check("45040319700101123"),
        region_code: "450403".into(),
        registered_on: "2015-01-01".into(),
        causes: vec!["disability".into()],
        work_capacity: "none".into(),
        ..Default::default()
    };
    app.create_household(&system, &other).await.unwrap();
    let password = "browser test password";
    app.ensure_user(&bangfu_app::users::UserInput {
        name: "city".into(),
        role: "city_staff".into(),
        region_code: Some("450400".into()),
        password: Some(password.into()),
        ..Default::default()
    })
    .await
    .unwrap();
    let base = serve(app).await;
    let (_driver, c) = browser(&driver_path).await;

    let c2 = c.clone();
    let result = async move {
        let c = c2;
        // After every click that loads a page, wait for an element only the new page has:
        // reading the old page while the new one loads gives stale elements.
        let wait = |css: String| {
            let c = c.clone();
            async move { c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(&css)).await }
        };
        // Not signed in: the list sends us to the sign-in page. A wrong password is refused.
        c.goto(&format!("{base}/households")).await?;
        wait("#sign-in-form".into()).await?;
        c.find(Locator::Id("name")).await?.send_keys("city").await?;
        c.find(Locator::Id("password")).await?.send_keys("not the password").await?;
        c.find(Locator::Id("sign-in")).await?.click().await?;
        let refused = wait("#sign-in-error".into()).await?.text().await?;
        assert!(refused.contains("不正确"), "sign-in error was {refused:?}");
        c.find(Locator::Id("password")).await?.send_keys(password).await?;
        c.find(Locator::Id("sign-in")).await?.click().await?;
        // Staff land on their work; the list is one menu item away.
        wait("#visits-overdue".into()).await?;
        menu(&c, "nav-households").await?;
        let h1 = wait("#household-list".into()).await?;
        let h1 = {
            let _ = h1;
            c.find(Locator::Css("h1")).await?.text().await?
        };
        assert!(h1.contains("困难职工家庭"), "list heading was {h1:?}");
        c.find(Locator::Id("new-household")).await?.click().await?;
        let fill = |name: &'static str, value: String| {
            let c = c.clone();
            async move {
                let e = c.find(Locator::Css(&format!("[name={name}]"))).await?;
                e.clear().await?;
                e.send_keys(&value).await
            }
        };
        wait("#household-form".into()).await?;
        fill("head_name", "覃浏览".into()).await?;
        // A wrong check digit: the form must come back with the message beside the field.
        let good = id_with_check("45042219850315123");
        let good_id = good.clone();
        let wrong = format!("{}{}", &good[..17], if good.ends_with('0') { '1' } else { '0' });
        fill("head_id_number", wrong).await?;
        c.execute("document.querySelector('[name=registered_on]').value = '2016-05-10'", vec![]).await?;
        c.find(Locator::Css("input[name=causes][value=illness]")).await?.click().await?;
        c.find(Locator::Css("select[name=region_code] option[value='450422']")).await?.click().await?;
        c.find(Locator::Id("save")).await?.click().await?;
        let msg = wait("p.field-error[data-field=head_id_number]".into()).await?.text().await?;
        assert!(msg.contains("校验位"), "field message was {msg:?}");
        // The typed values are kept; fix the ID and submit again.
        assert_eq!(c.find(Locator::Css("[name=head_name]")).await?.prop("value").await?.as_deref(), Some("覃浏览"));
        fill("head_id_number", good).await?;
        c.find(Locator::Id("save")).await?.click().await?;
        wait("#finances".into()).await?;
        let h1 = c.find(Locator::Css("h1")).await?.text().await?;
        assert!(h1.contains("450422-2016-000001") && h1.contains("覃浏览"), "household page heading was {h1:?}");
        // Find it in the list by the start of the name; the other household must drop out.
        c.goto(&format!("{base}/households")).await?;
        let all = wait("#household-list".into()).await?.text().await?;
        assert!(all.contains("覃浏览") && all.contains("莫其他"), "unfiltered list was {all:?}");
        c.find(Locator::Css("input[name=q]")).await?.send_keys("覃浏").await?;
        c.find(Locator::Css("form.filters button")).await?.click().await?;
        wait("input[name=q][value='覃浏']".into()).await?;
        let table = c.find(Locator::Id("household-list")).await?.text().await?;
        assert!(table.contains("覃浏览") && table.contains("450422-2016-000001"), "list was {table:?}");
        assert!(!table.contains("莫其他"), "the search did not filter: {table:?}");
        // The list shows the ID masked; the household page reveals it on request (audited).
        assert!(!table.contains(&good_id) && table.contains(&good_id[14..]), "list shows IDs masked: {table:?}");
        c.find(Locator::LinkText("450422-2016-000001")).await?.click().await?;
        let shown = wait("#head-id".into()).await?.text().await?;
        assert_ne!(shown, good_id);
        c.find(Locator::Id("reveal")).await?.click().await?;
        wait("#revealed".into()).await?;
        assert_eq!(c.find(Locator::Id("head-id")).await?.text().await?, good_id);
        // Case work: schedule a visit from the file; it shows as overdue on the work page.
        click_and_load(&c, "#schedule-visit").await?;
        for (name, value) in [("due_on", "2026-01-10"), ("visitor", "韦走访")] {
            let e = c.find(Locator::Css(&format!("#page-form [name={name}]"))).await?;
            e.clear().await?;
            e.send_keys(value).await?;
        }
        click_and_load(&c, "#save").await?;
        let visits = wait("#visits".into()).await?.text().await?;
        assert!(visits.contains("韦走访"), "the visit is listed: {visits:?}");
        // The printable file: the visit is in its record, the forms are not shown.
        c.find(Locator::Id("print-file")).await?.click().await?;
        let record = wait("#file-record".into()).await?.text().await?;
        assert!(record.contains("韦走访"), "the printed record: {record:?}");
        wait("#print-button".into()).await?;
        assert!(c.find_all(Locator::Css("#schedule-visit")).await?.is_empty(), "forms are not printed");
        c.back().await?;
        wait("#visits".into()).await?;
        menu(&c, "nav-my-work").await?;
        let overdue = wait("#visits-overdue".into()).await?.text().await?;
        assert!(overdue.contains("覃浏览") && overdue.contains("2026-01-10"), "overdue visits: {overdue:?}");
        // The dashboard draws its chart (ECharts, served by the binary) and its figures link to
        // the households behind them.
        menu(&c, "nav-dashboard").await?;
        for chart in ["progress", "status", "pathway", "cause", "monthly", "returns"] {
            wait(format!("#chart-{chart}[data-rendered='1'] canvas")).await?;
        }
        let table = c.find(Locator::Id("progress-table")).await?.text().await?;
        assert!(table.contains("藤县"), "the progress table: {table:?}");
        let stock = "#progress-table a[href^='/households?region=450422&region_exact=1&registered_until=2016-10-31']";
        c.find(Locator::Css(stock)).await?.click().await?;
        let list = wait("#household-list".into()).await?.text().await?;
        assert!(list.contains("覃浏览"), "the stock figure lists its households: {list:?}");
        // The import page uploads a file (upload.js, with the CSRF header) and shows every bad
        // row with its column; nothing is written.
        let dir = std::env::temp_dir().join(format!("bangfu-browser-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("坏文件.csv");
        let good = id_with_check("45040319800101009");
        let csv = format!(
            "户主姓名,户主身份证号,地区代码,建档日期,致困原因,劳动能力\n甲,{good},450403,2016-05-10,患病,无劳动能力\n乙,123,450403,2016-05-10,患病,无劳动能力\n"
        );
        std::fs::write(&file, csv).expect("write the file");
        menu(&c, "nav-import").await?;
        wait("#import-form".into()).await?;
        c.find(Locator::Css("#import-form input[type=file]")).await?.send_keys(&file.to_string_lossy()).await?;
        c.find(Locator::Css("#import-form button[type=submit]")).await?.click().await?;
        let errors = wait("#upload-errors".into()).await?.text().await?;
        assert!(errors.contains("户主身份证号") && errors.contains('3'), "the bad row is shown: {errors:?}");
        let _ = std::fs::remove_dir_all(&dir);
        // Signing out ends the session: the list asks for a sign-in again.
        menu(&c, "sign-out").await?;
        wait("#sign-in-form".into()).await?;
        c.goto(&format!("{base}/households")).await?;
        wait("#sign-in-form".into()).await?;
        Ok::<_, fantoccini::error::CmdError>(())
    };
    finish("create_a_household", &c, result).await;
}

/// County staff of 藤县 record the month that completes the household's window and see it
/// become eligible; one account proposes an exit, another approves it, and the dashboard's
/// households by status and exits by pathway move. Staff of 万秀区 cannot open the household by its address.
#[tokio::test]
async fn county_staff_record_a_month_and_an_exit_is_approved_in_two_accounts() {
    use bangfu_app::input::{Amount, HouseholdInput, MonthlyRecordInput, StandardInput};
    let Some(driver_path) = chromedriver_or_skip() else { return };
    let db = TestDb::sqlite();
    let app = bangfu_app::App::new(db.open().await);
    let system = bangfu_app::Principal::system();
    let standard = StandardInput {
        region_code: "450422".into(),
        kind: "dibao".into(),
        from: "2016-01".into(),
        amount: Amount::from("800"),
    };
    app.create_standard(&system, &standard).await.unwrap();
    let household = app
        .create_household(
            &system,
            &HouseholdInput {
                head_name: "黎窗口".into(),
                head_id_number: id_with_check("45042219780412331"),
                region_code: "450422".into(),
                registered_on: "2015-03-01".into(),
                causes: vec!["illness".into()],
                work_capacity: "partial".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    // Eleven months below the standard (1,500 yuan for three people against 3 × 800): 2026 is
    // judged under the 2021 framework, whose window of 2026-09 (twelve months) lacks 2025-10, so
    // the household is not yet eligible.
    let months: Vec<MonthlyRecordInput> = (0..11)
        .map(|i| MonthlyRecordInput {
            month: bangfu_domain::YearMonth::new(2025, 11).unwrap().plus(i).to_string(),
            members: 3,
            income: Amount::from("1500"),
            government_assistance: None,
            non_living: Default::default(),
        })
        .collect();
    app.put_months(&system, household.id, None, &months).await.unwrap();
    let password = "browser test password";
    for (name, region) in [("tengxian1", "450422"), ("tengxian2", "450422"), ("wanxiu", "450403")] {
        app.ensure_user(&bangfu_app::users::UserInput {
            name: name.into(),
            role: "county_staff".into(),
            region_code: Some(region.into()),
            password: Some(password.into()),
            ..Default::default()
        })
        .await
        .unwrap();
    }
    let base = serve(app).await;
    let (_driver, c) = browser(&driver_path).await;
    let page = format!("{base}/households/{}", household.id);

    let c2 = c.clone();
    let flow = async move {
        let c = c2;
        let wait = |css: String| {
            let c = c.clone();
            async move { c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(&css)).await }
        };
        let sign_in = |name: &'static str| {
            let (c, base) = (c.clone(), base.clone());
            async move {
                c.goto(&format!("{base}/sign-in")).await?;
                c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Id("sign-in-form")).await?;
                c.find(Locator::Id("name")).await?.send_keys(name).await?;
                c.find(Locator::Id("password")).await?.send_keys(password).await?;
                c.find(Locator::Id("sign-in")).await?.click().await?;
                // Signed in: the page after it has the sign-out button (the sign-in page has not).
                c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Id("sign-out")).await.map(|_| ())
            }
        };
        let sign_out = || {
            let c = c.clone();
            async move {
                menu(&c, "sign-out").await?;
                c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Id("sign-in-form")).await.map(|_| ())
            }
        };
        // 1. 藤县 staff find the household in the list and open it.
        sign_in("tengxian1").await?;
        menu(&c, "nav-households").await?;
        wait("#household-list".into()).await?;
        c.find(Locator::Css("input[name=q]")).await?.send_keys("黎窗").await?;
        c.find(Locator::Css("form.filters button")).await?.click().await?;
        wait("input[name=q][value='黎窗']".into()).await?;
        let list = c.find(Locator::Id("household-list")).await?.text().await?;
        assert!(list.contains("黎窗口"), "the search finds the household: {list:?}");
        check_page(&c, "the list on a desktop").await?;
        // On a desktop the menu is one line: the bar is as tall as one row of it.
        let header =
            c.execute("return document.querySelector('header.top').getBoundingClientRect().height", vec![]).await?;
        assert!(header.as_f64().unwrap_or(999.0) <= 64.0, "the desktop bar takes {header} px: the menu wrapped");
        c.find(Locator::LinkText("450422-2015-000001")).await?.click().await?;
        let before = wait("#eligibility".into()).await?.text().await?;
        check_page(&c, "the file on a desktop").await?;
        assert!(before.starts_with('否'), "eleven months of twelve: not yet eligible, the page says {before:?}");
        // The dashboard before the exit.
        menu(&c, "nav-dashboard").await?;
        let dash_before = wait("#chart-status-table".into()).await?.text().await?;
        c.goto(&page).await?;
        // 2. Record 2026-10 through the form: the window is complete and the household eligible.
        wait("#record-month".into()).await?.click().await?;
        wait("#page-form".into()).await?;
        for (name, value) in [("month", "2026-10"), ("members", "3"), ("income", "1500")] {
            let e = c.find(Locator::Css(&format!("#page-form [name={name}]"))).await?;
            e.clear().await?;
            e.send_keys(value).await?;
        }
        c.find(Locator::Id("save")).await?.click().await?;
        let after = wait("#evaluation h2".into()).await?.text().await?;
        assert!(after.contains("2026-10"), "the evaluation moves to the new month: {after:?}");
        let eligible = c.find(Locator::Id("eligibility")).await?.text().await?;
        assert!(eligible.starts_with('是'), "twelve months below the standard: eligible, the page says {eligible:?}");
        let finances = c.find(Locator::Id("finances")).await?.text().await?;
        assert!(finances.contains("2026-10") && finances.contains("¥1,500.00"), "the month is listed: {finances:?}");
        // 3. Propose an exit (employment); the proposer cannot approve it.
        click_and_load(&c, "#propose-link").await?;
        c.find(Locator::Css("#page-form input[name=kind][value=exit]")).await?.click().await?;
        c.find(Locator::Css("#page-form select[name=pathway] option[value=employment_business]"))
            .await?
            .click()
            .await?;
        c.find(Locator::Css("#page-form [name=reason]")).await?.send_keys("户主已稳定就业").await?;
        click_and_load(&c, "#save").await?;
        let outcomes = wait("#outcomes".into()).await?.text().await?;
        assert!(outcomes.contains("户主已稳定就业"), "the proposal is listed: {outcomes:?}");
        assert!(c.find_all(Locator::Css("#outcomes a.approve")).await?.is_empty(), "the proposer may not approve");
        sign_out().await?;
        // 4. A second account of 藤县 approves it.
        sign_in("tengxian2").await?;
        c.goto(&page).await?;
        // The decision: a note, a confirmation that says what will happen, then it is done.
        menu(&c, "nav-approvals").await?;
        wait("#approvals-outcomes".into()).await?;
        check_page(&c, "the approvals on a desktop").await?;
        c.goto(&page).await?;
        wait("#outcomes a.approve".into()).await?.click().await?;
        wait("input[name=decision][value=approve]".into()).await?.click().await?;
        c.find(Locator::Css("[name=note]")).await?.send_keys("核实就业合同，同意").await?;
        c.find(Locator::Id("save")).await?.click().await?;
        let confirm = wait("input[name=confirmed]".into()).await;
        assert!(confirm.is_ok(), "a decision asks for confirmation first");
        let shown = c.find(Locator::Css("dl.facts")).await?.text().await?;
        assert!(shown.contains("核实就业合同，同意"), "the confirmation repeats the note: {shown:?}");
        c.find(Locator::Id("save")).await?.click().await?;
        wait("#decided".into()).await?;
        c.goto(&page).await?;
        let decided = wait("#outcomes".into()).await?.text().await?;
        assert!(
            decided.contains("已批准") && decided.contains("核实就业合同，同意"),
            "approved, note shown: {decided:?}"
        );
        assert!(
            c.find_all(Locator::Css("#propose-link")).await?.is_empty(),
            "an exited household takes no new proposal"
        );
        // 5. The dashboard moved.
        menu(&c, "nav-dashboard").await?;
        let dash_after = wait("#chart-status-table".into()).await?.text().await?;
        assert_ne!(dash_before, dash_after, "the dashboard's households by status did not move after the exit");
        let pathways = c.find(Locator::Id("chart-pathway-table")).await?.text().await?;
        assert!(pathways.contains("就业创业"), "the exit's pathway is counted: {pathways:?}");
        sign_out().await?;
        // 6. 万秀区 staff cannot reach the household by its address.
        sign_in("wanxiu").await?;
        c.goto(&page).await?;
        wait("h1".into()).await?;
        let body = c.find(Locator::Css("body")).await?.text().await?;
        assert!(!body.contains("黎窗口"), "another county's staff saw the household: {body:?}");
        assert!(body.contains("没有找到该记录"), "another county's staff get 'no such record': {body:?}");
        assert!(c.find_all(Locator::Id("household-file")).await?.is_empty(), "another county's staff saw the file");
        Ok::<_, fantoccini::error::CmdError>(())
    };
    finish("county_staff_exit", &c, flow).await;
}

/// What a page shows a person must fit the screen and be Chinese: the page is no wider than the
/// viewport, and its visible text holds no ISO timestamp, no `snake_case` code and no sentence of
/// English (three English words in a row). Returns the visible text.
async fn check_page(c: &Client, what: &str) -> Result<String, fantoccini::error::CmdError> {
    let v = c
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth, document.body.innerText, location.pathname];",
            vec![],
        )
        .await?;
    let (wide, viewport) = (v[0].as_i64().unwrap_or(0), v[1].as_i64().unwrap_or(0));
    let text = v[2].as_str().unwrap_or("").to_string();
    let path = v[3].as_str().unwrap_or("").to_string();
    assert!(wide <= viewport, "{what} ({path}) is {wide} px wide on a {viewport} px screen");
    // BANGFU_SCREENSHOTS=DIR keeps a picture of every page checked, to look at.
    if let Ok(dir) = std::env::var("BANGFU_SCREENSHOTS") {
        let _ = std::fs::create_dir_all(&dir);
        if let Ok(png) = c.screenshot().await {
            let n = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
            let _ = std::fs::write(format!("{dir}/{n:02}-{viewport}-{}.png", what.replace(' ', "-")), png);
        }
    }
    // The flows' user names and a voucher number are data, not words of the pages.
    let problems = common::foreign_text(&text, &["tengzhou", "TZ", "tengxian1", "tengxian2", "wanxiu"]);
    assert!(problems.is_empty(), "{what} ({path}) shows {problems:?}:\n{text}");
    Ok(text)
}

/// A grassroots cadre's day on a 390 × 844 phone, in Chinese: open a file, add a member, record a
/// month with a typo in the amount (the form comes back with the typed text and a Chinese message
/// beside it), fix it, schedule and record a visit, write the plan, add a measure and record a
/// payment chosen from the plan's measures. Every page fits the screen and speaks Chinese.
#[tokio::test]
async fn a_grassroots_cadre_s_day_on_a_phone() {
    use bangfu_app::input::{Amount, HouseholdInput, MonthlyRecordInput, OrganisationInput, StandardInput};
    let Some(driver_path) = chromedriver_or_skip() else { return };
    let db = TestDb::sqlite();
    let app = bangfu_app::App::new(db.open().await);
    let system = bangfu_app::Principal::system();
    let org = |name: &str, kind: &str, region: &str, parent: Option<i64>| OrganisationInput {
        name: name.into(),
        kind: kind.into(),
        region_code: region.into(),
        parent_id: parent,
    };
    let city = app.create_organisation(&system, &org("梧州市总工会", "city_union", "450400", None)).await.unwrap().id;
    let county =
        app.create_organisation(&system, &org("藤县总工会", "county_union", "450422", Some(city))).await.unwrap().id;
    let union = app
        .create_organisation(&system, &org("藤县藤州镇工会", "grassroots_union", "450422", Some(county)))
        .await
        .unwrap()
        .id;
    app.create_standard(
        &system,
        &StandardInput {
            region_code: "450422".into(),
            kind: "dibao".into(),
            from: "2016-01".into(),
            amount: Amount::from("800"),
        },
    )
    .await
    .unwrap();
    let household = app
        .create_household(
            &system,
            &HouseholdInput {
                head_name: "蒙手机".into(),
                head_id_number: id_with_check("45042219790603331"),
                region_code: "450422".into(),
                union_id: Some(union),
                registered_on: "2015-03-01".into(),
                causes: vec!["illness".into()],
                work_capacity: "partial".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let months: Vec<MonthlyRecordInput> = (5..=9)
        .map(|m| MonthlyRecordInput {
            month: format!("2026-{m:02}"),
            members: 3,
            income: Amount::from("1500"),
            government_assistance: None,
            non_living: Default::default(),
        })
        .collect();
    app.put_months(&system, household.id, None, &months).await.unwrap();
    let fund = app
        .create_fund(
            &system,
            &bangfu_app::funds::FundInput {
                name: "困难职工帮扶资金".into(),
                source: "central_finance".into(),
                year: 2026,
                note: String::new(),
            },
        )
        .await
        .unwrap()
        .id;
    // The union has money of the fund: allocated from the source, approved by a second person.
    let allocation = app
        .record_allocation(
            &system,
            &bangfu_app::funds::AllocationInput {
                fund_id: fund,
                day: "2026-01-05".into(),
                amount: "5000".into(),
                payer_union_id: None,
                payee_union_id: union,
                voucher: "记-2026-01".into(),
                note: String::new(),
            },
        )
        .await
        .unwrap();
    let approver = app
        .create_user(
            &system,
            &bangfu_app::users::UserInput {
                name: "city-approver".into(),
                display_name: "市总审批".into(),
                role: "city_staff".into(),
                region_code: Some("450400".into()),
                password: Some("a-long-password-1".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let approver = app.principal_of(&approver, "test").await.unwrap().unwrap();
    app.decide_entry(
        &approver,
        allocation.id,
        &bangfu_app::funds::EntryDecisionInput { decision: "approve".into(), note: String::new() },
    )
    .await
    .unwrap();
    let password = "browser test password";
    app.ensure_user(&bangfu_app::users::UserInput {
        name: "tengzhou".into(),
        role: "grassroots_staff".into(),
        org_id: Some(union),
        password: Some(password.into()),
        ..Default::default()
    })
    .await
    .unwrap();
    let base = serve(app).await;
    let (_driver, c) = browser_sized(&driver_path, (390, 844), true).await;
    let member_id = id_with_check("45042220100910331");

    let c2 = c.clone();
    let flow = async move {
        let c = c2;
        let wait = |css: String| {
            let c = c.clone();
            async move { c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(&css)).await }
        };
        let fill = |name: &'static str, value: String| {
            let c = c.clone();
            async move {
                let e = c.find(Locator::Css(&format!("#page-form [name={name}]"))).await?;
                e.clear().await?;
                e.send_keys(&value).await
            }
        };
        let choose = |name: &'static str, value: &'static str| {
            let c = c.clone();
            async move {
                c.find(Locator::Css(&format!("#page-form select[name={name}] option[value='{value}']")))
                    .await?
                    .click()
                    .await
            }
        };
        c.goto(&format!("{base}/sign-in")).await?;
        wait("#sign-in-form".into()).await?;
        check_page(&c, "the sign-in page").await?;
        c.find(Locator::Id("name")).await?.send_keys("tengzhou").await?;
        c.find(Locator::Id("password")).await?.send_keys(password).await?;
        click_and_load(&c, "#sign-in").await?;
        // The cadre lands on the work page; the menu sits behind one button.
        wait("#visits-overdue".into()).await?;
        check_page(&c, "my work").await?;
        let header =
            c.execute("return document.querySelector('header.top').getBoundingClientRect().height", vec![]).await?;
        assert!(header.as_f64().unwrap_or(999.0) <= 64.0, "the header takes {header} px of a phone's screen");
        c.find(Locator::Id("menu-button")).await?.click().await?;
        let households = wait("#nav-households".into()).await?;
        assert!(households.is_displayed().await?, "the open menu shows its links");
        households.click().await?;
        wait("#household-list".into()).await?;
        check_page(&c, "the household list").await?;
        // 1. Open the file.
        c.find(Locator::Css("input[name=q]")).await?.send_keys("蒙手").await?;
        click_and_load(&c, "form.filters button").await?;
        wait("input[name=q][value='蒙手']".into()).await?;
        click_and_load(&c, "a[href='/households/1']").await?;
        wait("#household-file".into()).await?;
        check_page(&c, "the household's file").await?;
        // 2. Add a member.
        click_and_load(&c, "#add-member").await?;
        wait("#page-form".into()).await?;
        check_page(&c, "the member form").await?;
        fill("name", "蒙小明".into()).await?;
        fill("id_number", member_id.clone()).await?;
        choose("relation", "child").await?;
        choose("situation", "student").await?;
        click_and_load(&c, "#save").await?;
        let members = wait("#members".into()).await?.text().await?;
        assert!(members.contains("蒙小明") && members.contains("子女"), "the member is on the file: {members:?}");
        assert!(!members.contains(&member_id), "the member's ID is shown masked: {members:?}");
        // 3. Record a month with a typo in the amount: the form comes back with the typed text
        // and a Chinese message beside the field; fixed, it is saved.
        click_and_load(&c, "#record-month").await?;
        wait("#page-form".into()).await?;
        fill("month", "2026-10".into()).await?;
        fill("members", "3".into()).await?;
        fill("income", "15OO".into()).await?;
        click_and_load(&c, "#save").await?;
        let message = wait("p.field-error[data-field=income]".into()).await?.text().await?;
        assert!(message.contains("金额"), "the message beside the amount: {message:?}");
        let typed = c.find(Locator::Css("#page-form [name=income]")).await?.prop("value").await?;
        assert_eq!(typed.as_deref(), Some("15OO"), "what was typed is kept");
        let kept = c.find(Locator::Css("#page-form [name=month]")).await?.prop("value").await?;
        assert_eq!(kept.as_deref(), Some("2026-10"), "every field is kept");
        assert!(c.current_url().await?.path().ends_with("/months/new"), "the form stays at its address");
        check_page(&c, "the month form with its message").await?;
        fill("income", "1500".into()).await?;
        click_and_load(&c, "#save").await?;
        let finances = wait("#finances".into()).await?.text().await?;
        assert!(finances.contains("2026-10") && finances.contains("¥1,500.00"), "the month is on file: {finances:?}");
        check_page(&c, "the file after the month").await?;
        // 4. Schedule a visit and record it.
        click_and_load(&c, "#schedule-visit").await?;
        check_page(&c, "the visit form").await?;
        fill("due_on", "2026-12-10".into()).await?;
        fill("visitor", "韦走访".into()).await?;
        click_and_load(&c, "#save").await?;
        click_and_load(&c, "#visits a.record-visit").await?;
        check_page(&c, "the visit record form").await?;
        fill("findings", "家中有人照顾，孩子已入学".into()).await?;
        click_and_load(&c, "#save").await?;
        let visits = wait("#visits".into()).await?.text().await?;
        assert!(visits.contains("孩子已入学"), "the visit is recorded: {visits:?}");
        // 5. Write this year's plan and add a measure.
        click_and_load(&c, "#plan-link").await?;
        check_page(&c, "the plan form").await?;
        fill("goals", "年底前实现就业".into()).await?;
        click_and_load(&c, "#save").await?;
        wait("#plans".into()).await?;
        click_and_load(&c, "#add-measure").await?;
        check_page(&c, "the measure form").await?;
        choose("kind", "living_aid").await?;
        fill("description", "发放冬季生活补助".into()).await?;
        fill("person", "韦走访".into()).await?;
        fill("due_on", "2026-12-20".into()).await?;
        click_and_load(&c, "#save").await?;
        let measures = wait("#measures".into()).await?.text().await?;
        assert!(measures.contains("发放冬季生活补助"), "the measure is on the plan: {measures:?}");
        check_page(&c, "the file with its plan").await?;
        // 6. Record a payment, the measure chosen from the plan's.
        click_and_load(&c, "#record-payment").await?;
        wait("#page-form".into()).await?;
        let options = c.find(Locator::Css("#page-form select[name=measure_id]")).await?.text().await?;
        assert!(options.contains("发放冬季生活补助"), "the plan's measures are offered: {options:?}");
        check_page(&c, "the payment form").await?;
        fill("amount", "300".into()).await?;
        fill("voucher", "TZ-2026-001".into()).await?;
        click_and_load(&c, "#save").await?;
        let ledger = wait("#export".into()).await?.text().await?;
        assert!(ledger.contains("¥300.00"), "the payment waits for approval: {ledger:?}");
        assert!(ledger.contains("待审批"), "the payment is pending: {ledger:?}");
        check_page(&c, "the ledger").await?;
        Ok::<_, fantoccini::error::CmdError>(())
    };
    finish("grassroots_day_on_a_phone", &c, flow).await;
}

/// The account `city` (city staff of Wuzhou); answers its password.
async fn city_staff(app: &bangfu_app::App) -> &'static str {
    let password = "browser test password";
    app.ensure_user(&bangfu_app::users::UserInput {
        name: "city".into(),
        role: "city_staff".into(),
        region_code: Some("450400".into()),
        password: Some(password.into()),
        ..Default::default()
    })
    .await
    .unwrap();
    password
}

/// Signs in as `name` and waits for the landing page.
async fn sign_in(c: &Client, base: &str, name: &str, password: &str) -> Result<(), fantoccini::error::CmdError> {
    c.goto(&format!("{base}/sign-in")).await?;
    c.find(Locator::Id("name")).await?.send_keys(name).await?;
    c.find(Locator::Id("password")).await?.send_keys(password).await?;
    c.find(Locator::Id("sign-in")).await?.click().await?;
    c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("#visits-overdue")).await.map(|_| ())
}

/// Issue 20: city staff change their city's relative-hardship line from a month on through the
/// 帮扶标准与参数 page — a preview of the counts per region first, then a new version — and the
/// page lists it in the city's sequence.
#[tokio::test]
async fn city_staff_preview_and_save_a_framework_change() {
    let Some(driver_path) = chromedriver_or_skip() else { return };
    let db = TestDb::sqlite();
    let app = bangfu_app::App::new(db.open().await);
    let system = bangfu_app::Principal::system();
    let s = bangfu_app::input::StandardInput {
        region_code: "450403".into(),
        kind: "dibao".into(),
        from: "2019-01".into(),
        amount: bangfu_app::input::Amount::from("600"),
    };
    app.create_standard(&system, &s).await.unwrap();
    // Two households of two: one deep, one relative at 200% and out of hardship at 150%.
    for (i, income) in [1000, 2000].iter().enumerate() {
        let h = app
            .create_household(
                &system,
                &bangfu_app::input::HouseholdInput {
                    head_name: format!("参数户{i}"),
                    head_id_number: id_with_check(&format!("4504031975010112{i}")),
                    region_code: "450403".into(),
                    registered_on: "2022-01-01".into(),
                    causes: vec!["illness".into()],
                    work_capacity: "partial".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let months: Vec<bangfu_app::input::MonthlyRecordInput> = (0..12)
            .map(|k| {
                let m = bangfu_domain::YearMonth::new(2025, 6).unwrap().plus(k);
                serde_json::from_value(serde_json::json!({"month": m.to_string(), "members": 2, "income": income}))
                    .unwrap()
            })
            .collect();
        app.put_months(&system, h.id, None, &months).await.unwrap();
    }
    let password = city_staff(&app).await;
    let base = serve(app).await;
    let (_driver, c) = browser(&driver_path).await;
    let c2 = c.clone();
    let flow = async move {
        let c = c2;
        let wait = |css: &'static str| {
            let c = c.clone();
            async move { c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(css)).await }
        };
        sign_in(&c, &base, "city", password).await?;
        menu(&c, "nav-frameworks").await?;
        wait("#framework-form").await?;
        let seq = c.find(Locator::Id("sequences")).await?.text().await?;
        assert!(seq.contains("全国常态化帮扶（2021）") && seq.contains("2021-01"), "the preset: {seq}");
        for (name, value) in [("from", "2026-05"), ("relative_percent", "150"), ("as_of", "2026-05")] {
            let e = c.find(Locator::Css(&format!("#framework-form [name={name}]"))).await?;
            e.clear().await?;
            e.send_keys(value).await?;
        }
        click_and_load(&c, "#preview").await?;
        let preview = wait("#framework-preview").await?.text().await?;
        assert!(preview.contains("0 → 1 (+1)"), "one household exits: {preview}");
        click_and_load(&c, "#save-version").await?;
        wait("#saved").await?;
        let seq = c.find(Locator::Id("sequences")).await?.text().await?;
        assert!(seq.contains("2026-05") && seq.contains("150%"), "the new version listed: {seq}");
        Ok(())
    };
    finish("framework_change", &c, flow).await;
}

/// Issue 20: city staff set up this year's campaign on the pages — by numbers of households —
/// fill its targets grid (a bad cell is named beside itself), and the dashboard offers it first,
/// before the 2017–2020 preset.
#[tokio::test]
async fn city_staff_set_up_a_campaign_and_the_dashboard_offers_it_first() {
    let Some(driver_path) = chromedriver_or_skip() else { return };
    let db = TestDb::sqlite();
    let app = bangfu_app::App::new(db.open().await);
    let password = city_staff(&app).await;
    let year = chrono::Datelike::year(&bangfu_app::clock::today());
    let base = serve(app).await;
    let (_driver, c) = browser(&driver_path).await;
    let c2 = c.clone();
    let flow = async move {
        let c = c2;
        let wait = |css: &'static str| {
            let c = c.clone();
            async move { c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(css)).await }
        };
        sign_in(&c, &base, "city", password).await?;
        menu(&c, "nav-campaigns").await?;
        let list = wait("table").await?.text().await?;
        assert!(list.contains("2017—2020"), "the preset is listed: {list}");
        c.goto(&format!("{base}/campaigns/new")).await?;
        wait("#page-form").await?;
        let name = c.find(Locator::Css("#page-form [name=name]")).await?;
        name.send_keys("梧州市困难职工帮扶三年行动").await?;
        c.find(Locator::Css("#page-form input[name=target_kind][value=absolute]")).await?.click().await?;
        click_and_load(&c, "#save").await?;
        // The targets grid: a bad cell is named beside itself, then the good figures are saved.
        wait("#targets-form").await?;
        let cell = |r: &str, y: i32| format!("#targets-form [name=t_{r}_{y}]");
        let first = c.find(Locator::Css(&cell("450403", year))).await?;
        first.send_keys("三十").await?;
        click_and_load(&c, "#save").await?;
        let bad = wait("#targets-form .field-error").await?.text().await?;
        assert!(bad.contains("整数"), "the bad cell is named: {bad}");
        let first = c.find(Locator::Css(&cell("450403", year))).await?;
        first.clear().await?;
        first.send_keys("30").await?;
        c.find(Locator::Css(&cell("450403", year + 1))).await?.send_keys("60").await?;
        click_and_load(&c, "#save").await?;
        wait("#saved").await?;
        // The dashboard offers the campaign in force this year first.
        menu(&c, "nav-dashboard").await?;
        let title = wait("h1").await?.text().await?;
        assert!(title.contains("梧州市困难职工帮扶三年行动"), "the dashboard's campaign: {title}");
        Ok(())
    };
    finish("campaign_setup", &c, flow).await;
}

/// Issue 23: an administrator signs in with a TOTP code. At the first sign-in the only page is
/// the one that sets it up (a QR code drawn by the server, the key): the code the key gives now
/// turns it on and the recovery codes are shown; signed out and in again, the sign-in page takes
/// the password and the next code, and the accounts page opens. Left idle past the timeout, the
/// session ends: the next page is the sign-in page. On a phone's screen.
#[tokio::test]
async fn an_administrator_signs_in_with_a_totp_code_and_an_idle_session_expires() {
    let Some(driver_path) = chromedriver_or_skip() else { return };
    let db = TestDb::sqlite();
    let app = bangfu_app::App::new(db.open().await);
    let password = "browser admin password";
    app.ensure_user(&bangfu_app::users::UserInput {
        name: "it-admin".into(),
        role: "admin".into(),
        password: Some(password.into()),
        ..Default::default()
    })
    .await
    .unwrap();
    let base = serve(app).await;
    let url = db.url.clone();
    let (_driver, c) = browser_sized(&driver_path, (390, 844), true).await;
    let c2 = c.clone();
    let flow = async move {
        let c = c2;
        let wait = |css: &'static str| {
            let c = c.clone();
            async move { c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(css)).await }
        };
        let now = || chrono::Utc::now().timestamp() as u64;
        c.goto(&format!("{base}/sign-in")).await?;
        c.find(Locator::Id("name")).await?.send_keys("it-admin").await?;
        c.find(Locator::Id("password")).await?.send_keys(password).await?;
        click_and_load(&c, "#sign-in").await?;
        // Only the set-up page: a QR code and the key.
        wait("#sf-qr svg").await?;
        let required = c.find(Locator::Id("sf-required")).await?.text().await?;
        assert!(required.contains("必须先开启双因素认证"), "{required}");
        c.goto(&format!("{base}/users")).await?;
        assert!(c.current_url().await?.path().ends_with("/account/second-factor"), "the accounts wait");
        let key = wait("#sf-secret").await?.text().await?;
        let code = bangfu_app::second_factor::code_at(&key, now()).unwrap();
        c.find(Locator::Id("sf-code")).await?.send_keys(&code).await?;
        click_and_load(&c, "#sf-confirm").await?;
        let body = wait("main").await?.text().await?;
        assert!(body.contains("恢复码") && body.contains("只显示这一次"), "{body}");
        // Signed out, then in with the password and the next code.
        c.delete_all_cookies().await?;
        c.goto(&format!("{base}/sign-in")).await?;
        c.find(Locator::Id("name")).await?.send_keys("it-admin").await?;
        c.find(Locator::Id("password")).await?.send_keys(password).await?;
        click_and_load(&c, "#sign-in").await?;
        let refused = wait("#sign-in-error").await?.text().await?;
        assert!(refused.contains("动态口令"), "the password alone: {refused}");
        c.find(Locator::Id("password")).await?.send_keys(password).await?;
        let next = bangfu_app::second_factor::code_at(&key, now() + 30).unwrap();
        c.find(Locator::Id("code")).await?.send_keys(&next).await?;
        click_and_load(&c, "#sign-in").await?;
        wait("#user-list").await?;
        // Idle past the timeout (the session's last request moved back 31 minutes): signed out.
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        let back =
            (chrono::Utc::now() - chrono::Duration::minutes(31)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        sqlx::query(&format!("UPDATE sessions SET last_seen_at = '{back}'")).execute(&pool).await.unwrap();
        pool.close().await;
        c.goto(&format!("{base}/users")).await?;
        wait("#sign-in-form").await?;
        Ok(())
    };
    finish("totp_sign_in", &c, flow).await;
}
