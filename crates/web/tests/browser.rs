//! The main flow in a real browser (Debian chromium + chromium-driver, driven over WebDriver):
//! open the household list, create a household through the form — first with a wrong resident
//! ID, which the form must point out — and find it in the list.

#![allow(clippy::unwrap_used)] // a test fails by panicking

use bangfu_store::testing::TestDb;
use fantoccini::{ClientBuilder, Locator};
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

fn id_with_check(first17: &str) -> String {
    format!("{first17}{}", bangfu_domain::IdNumber::check_char(first17.as_bytes()) as char)
}

#[tokio::test]
async fn create_a_household_through_the_form_and_find_it_in_the_list() {
    let Some(driver_path) = chromedriver() else {
        assert!(
            std::env::var("CI").is_err(),
            "CI must run the browser test: .ci/run installs chromium and chromium-driver"
        );
        eprintln!("browser test skipped: chromedriver not found (apt-get install chromium chromium-driver)");
        return;
    };
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
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let service = bangfu_web::router(app).into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(listener, service).await.unwrap()
    });

    let port = free_port();
    let _driver = Driver(
        Command::new(driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver"),
    );
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1280,1000"]
        }),
    );
    let mut client = None;
    for _ in 0..50 {
        match ClientBuilder::rustls()
            .expect("tls")
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => {
                client = Some(c);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    let c = client.expect("chromedriver did not accept a session within 10 s");

    let result = async {
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
        c.find(Locator::Css("#visit-form [name=due_on]")).await?.send_keys("2026-01-10").await?;
        c.find(Locator::Css("#visit-form [name=visitor]")).await?.send_keys("韦走访").await?;
        c.find(Locator::Css("#visit-form button")).await?.click().await?;
        let visits = wait("#visits".into()).await?.text().await?;
        assert!(visits.contains("韦走访"), "the visit is listed: {visits:?}");
        // The printable file: the visit is in its record, the forms are not shown.
        c.find(Locator::Id("print-file")).await?.click().await?;
        let record = wait("#file-record".into()).await?.text().await?;
        assert!(record.contains("韦走访"), "the printed record: {record:?}");
        wait("#print-button".into()).await?;
        assert!(!c.find(Locator::Css("#visit-form")).await?.is_displayed().await?, "forms are not printed");
        c.back().await?;
        wait("#visits".into()).await?;
        c.find(Locator::Id("nav-my-work")).await?.click().await?;
        let overdue = wait("#visits-overdue".into()).await?.text().await?;
        assert!(overdue.contains("覃浏览") && overdue.contains("2026-01-10"), "overdue visits: {overdue:?}");
        // The dashboard draws its chart (ECharts, served by the binary) and its figures link to
        // the households behind them.
        c.find(Locator::Id("nav-dashboard")).await?.click().await?;
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
        c.find(Locator::Id("nav-import")).await?.click().await?;
        wait("#import-form".into()).await?;
        c.find(Locator::Css("#import-form input[type=file]")).await?.send_keys(&file.to_string_lossy()).await?;
        c.find(Locator::Css("#import-form button[type=submit]")).await?.click().await?;
        let errors = wait("#upload-errors".into()).await?.text().await?;
        assert!(errors.contains("户主身份证号") && errors.contains('3'), "the bad row is shown: {errors:?}");
        let _ = std::fs::remove_dir_all(&dir);
        // Signing out ends the session: the list asks for a sign-in again.
        c.find(Locator::Id("sign-out")).await?.click().await?;
        wait("#sign-in-form".into()).await?;
        c.goto(&format!("{base}/households")).await?;
        wait("#sign-in-form".into()).await?;
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    c.close().await.ok();
    result.unwrap();
}
