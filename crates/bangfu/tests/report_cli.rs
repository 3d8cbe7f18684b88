//! `bangfu report`: the statistical tables from the command line, the same as the API's; bad
//! input names the option and exits with status 2.

#![allow(clippy::unwrap_used)]

use bangfu_app::input::HouseholdInput;
use bangfu_app::{App, Principal};
use bangfu_store::testing::TestDb;
use std::process::Command;

fn report(url: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_bangfu"))
        .env("BANGFU_KEY_FILE", bangfu_store::testing::test_key_file())
        .args(["--database-url", url, "report"])
        .args(args)
        .env("BANGFU_LOG", "warn")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[tokio::test]
async fn report_writes_json_and_xlsx_and_names_bad_options() {
    let db = TestDb::sqlite();
    let app = App::new(db.open().await);
    for (n, region) in [(1, "450403"), (2, "450405")] {
        app.create_household(
            &Principal::system(),
            &HouseholdInput {
                head_name: format!("报表户{n}"),
                head_id_number: {
                    let first = format!("{region}1980010100{n}");
                    let w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
                    let s: u32 = first.chars().zip(w).map(|(c, w)| c.to_digit(10).unwrap() * w).sum();
                    format!("{first}{}", "10X98765432".as_bytes()[(s % 11) as usize] as char)
                },
                region_code: region.into(),
                registered_on: "2015-01-01".into(),
                causes: vec!["illness".into()],
                work_capacity: "full".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    let (code, out, err) = report(&db.url, &["--as-of", "2018-12-31", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["total"]["registered"], 2);
    let (code, out, _) = report(&db.url, &["--as-of", "2018-12-31", "--format", "json", "--region", "450405"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!((v["total"]["registered"].as_i64(), v["scope"].as_str()), (Some(1), Some("长洲区")));
    // The API answers the same figures.
    let api = app.statistics(&Principal::system(), Some("2018-12-31"), Some("450405")).await.unwrap();
    assert_eq!(serde_json::to_value(&api).unwrap(), v);
    let path = std::env::temp_dir().join(format!("bangfu-report-{}.xlsx", std::process::id()));
    let (code, out, err) = report(&db.url, &["--as-of", "2018-12-31", "--output", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("written to"), "{out}");
    assert!(std::fs::read(&path).unwrap().starts_with(b"PK"), "an .xlsx is a zip");
    std::fs::remove_file(&path).unwrap();
    for (args, option) in
        [(vec!["--as-of", "2018-13-01"], "--as-of"), (vec!["--as-of", "2018-12-31", "--region", "999999"], "--region")]
    {
        let (code, _, err) = report(&db.url, &args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.starts_with(option), "{args:?}: {err}");
    }
    let (code, _, err) = report(&db.url, &["--as-of", "2018-12-31", "--format", "pdf"]);
    assert_eq!(code, 2, "clap refuses an unknown format: {err}");
}
