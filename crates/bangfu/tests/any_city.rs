//! Any union can adopt Bangfu (issue 20): on a fresh database, 南宁市 (450100) is set up from the
//! national region list, a demo fills its counties, the report lists them and no Wuzhou region,
//! and a batch counts households per 2021 category — all from the command line, on SQLite and
//! PostgreSQL.

#![allow(clippy::unwrap_used)]

use bangfu_app::App;
use bangfu_store::testing::TestDb;
use std::process::Command;

fn bangfu(url: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_bangfu"))
        .env("BANGFU_KEY_FILE", bangfu_store::testing::test_key_file())
        .args(["--database-url", url])
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
async fn nanning_is_set_up_filled_reported_and_evaluated_from_the_command_line() {
    for db in TestDb::all().await {
        let url = db.url.as_str();
        // Codes that are not on the national list, or not codes, change nothing.
        for bad in ["459999", "45010", "南宁"] {
            let (code, out, err) = bangfu(url, &["setup", "--region", bad]);
            assert_eq!(code, 2, "{bad}: {out}{err}");
            assert!(err.starts_with("region: "), "{bad}: {err}");
        }
        let (code, out, err) = bangfu(url, &["setup", "--region", "450100"]);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("450100 南宁市"), "{out}");
        let app = App::new(db.open().await);
        let regions = app.store.regions().await.unwrap();
        let codes: Vec<&str> = regions.iter().map(|r| r.code.as_str()).collect();
        assert!(codes.contains(&"450100") && codes.contains(&"450181"), "{codes:?}");
        assert!(codes.iter().all(|c| c.starts_with("4501")), "Wuzhou is out of use: {codes:?}");
        assert!(!app.store.region("450403").await.unwrap().in_use, "kept, not deleted");
        assert_eq!(app.store.region("450000").await.unwrap().name, "广西壮族自治区", "its province, for lineage");

        let (code, _, err) = bangfu(url, &["demo", "--region", "450100", "--households", "300", "--seed", "3"]);
        assert_eq!(code, 0, "{err}");
        let (code, out, err) = bangfu(url, &["report", "--as-of", "2026-10-31", "--format", "json"]);
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let listed: Vec<&str> = v["regions"].as_array().unwrap().iter().map(|r| r[0].as_str().unwrap()).collect();
        assert!(listed.len() >= 8, "Nanning's counties: {listed:?}");
        assert!(listed.iter().all(|c| c.starts_with("4501")), "no Wuzhou region: {listed:?}");
        assert_eq!(v["total"]["registered"], 300);

        let (code, out, err) = bangfu(url, &["evaluate", "--all", "--as-of", "2026-05"]);
        assert_eq!(code, 0, "{err}");
        let head = out.lines().nth(1).unwrap_or_default();
        for col in ["D1", "R1", "A1", "wd-excl", "wd-labour", "exit-inc"] {
            assert!(head.split_whitespace().any(|c| c == col), "{col} in {head:?}");
        }
        assert!(!head.contains("C1"), "2026 is judged under the 2021 framework only: {head}");
        let total = out.lines().find(|l| l.starts_with("total")).unwrap();
        let n: Vec<u64> = total.split_whitespace().skip(1).map(|x| x.parse().unwrap()).collect();
        assert_eq!(n[0], 300);
        assert!(n[3] + n[4] + n[5] > 0, "some household is in a 2021 category: {total}");
    }
}
