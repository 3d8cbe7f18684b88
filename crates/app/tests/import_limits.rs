//! Imports under hostile or unlucky conditions (issue 19), on every backend: a file breaking a
//! limit is refused before the work it bounds, naming the limit; bad rows are reported capped
//! but all counted; an import stopped half-way, or whose process died, is undone as a whole —
//! households it registered gone, months it replaced given their figures back, the kept counts
//! in step.

#![allow(clippy::unwrap_used)] // a test fails by panicking

use bangfu_app::import::{ImportRun, Progress, MAX_CELL_CHARS, MAX_COLUMNS};
use bangfu_app::{App, AppError, Principal};
use bangfu_store::testing::{assert_tallies_consistent, TestDb};
use std::sync::atomic::{AtomicBool, Ordering};

/// The `n`th of many distinct resident IDs (born a day apart per thousand).
fn id(n: u64) -> String {
    let born = chrono::NaiveDate::from_ymd_opt(1950, 1, 1).unwrap() + chrono::Days::new(n / 1000);
    let first17 = format!("450403{}{:03}", born.format("%Y%m%d"), n % 1000);
    format!("{first17}{}", bangfu_domain::IdNumber::check_char(first17.as_bytes()) as char)
}

const HEADER: &str = "户主姓名,户主身份证号,地区代码,建档日期,致困原因,劳动能力,农民工家庭\n";
const MONTHS: &str = "户主身份证号,月份,家庭人口,家庭收入\n";

fn households(n: u64) -> String {
    households_of(0..n)
}

fn households_of(ids: std::ops::Range<u64>) -> String {
    let mut s = String::from(HEADER);
    for i in ids {
        s.push_str(&format!("户{i},{},450403,2016-05-10,患病,部分丧失劳动能力,否\n", id(i)));
    }
    s
}

fn months(n: u64, income: &str) -> String {
    let mut s = String::from(MONTHS);
    for i in 0..n {
        for m in ["2025-01", "2025-02"] {
            s.push_str(&format!("{},{m},3,{income}\n", id(i)));
        }
    }
    s
}

fn refused(r: Result<bangfu_app::import::ImportReport, AppError>) -> (String, &'static str, String) {
    match r {
        Err(AppError::Invalid(es)) => (es[0].field.clone(), es[0].code.code(), es[0].message(true)),
        other => panic!("{other:?}"),
    }
}

async fn trail(app: &App) -> Vec<bangfu_store::AuditEntry> {
    let q = bangfu_app::audit::AuditQuery { per_page: Some("200".into()), ..Default::default() };
    app.audit_entries(&Principal::system(), &q).await.unwrap().items
}

async fn income_of(app: &App, head: &str, month: &str) -> i64 {
    let sys = Principal::system();
    let hid = app.store.household_by_head(&bangfu_store::Scope::everything(), head).await.unwrap().unwrap();
    let file = app.household_file(&sys, hid).await.unwrap();
    let m = file.months.iter().find(|m| m.month.to_string() == month).unwrap();
    m.record.as_ref().unwrap().income.fen()
}

#[tokio::test]
async fn an_import_stopped_half_way_is_undone_as_a_whole() {
    for db in TestDb::all().await {
        let app = App::new(db.open().await);
        let sys = Principal::system();
        // 2,500 households on file with two months each at 1,000 yuan.
        assert!(app.import(&sys, "h.csv", households(2500).as_bytes(), false).await.unwrap().written);
        assert!(app.import(&sys, "m.csv", months(2500, "1000").as_bytes(), false).await.unwrap().written);
        let before = app.store.count_households().await.unwrap();

        // A file of 3,000 new households and then a file changing every month: each is stopped
        // after its first batch was written (the uploader went away).
        for (name, text) in [("h2.csv", households_of(5000..8000)), ("m2.csv", months(2500, "2000"))] {
            let file = bangfu_app::import::spool(text.as_bytes()).unwrap();
            let cancel = AtomicBool::new(false);
            let batches = std::sync::atomic::AtomicUsize::new(0);
            let progress = |p: Progress| {
                if p.step == "write" && batches.fetch_add(1, Ordering::SeqCst) == 0 {
                    cancel.store(true, Ordering::SeqCst);
                }
            };
            let run = ImportRun { dry_run: false, progress: &progress, cancel: Some(&cancel) };
            let r = app.import_with(&sys, name, file.path(), run).await;
            match r {
                Err(AppError::Conflict(e)) => assert_eq!(e.code.code(), "import_cancelled", "{name}"),
                other => panic!("{name}: {other:?}"),
            }
            assert!(batches.load(Ordering::SeqCst) >= 1, "{name}: a batch was written before the stop");
        }
        // Nothing of either is left: no new household, every month back at 1,000 yuan, the
        // counts in step.
        assert_eq!(app.store.count_households().await.unwrap(), before, "{:?}", db.backend);
        assert_eq!(income_of(&app, &id(0), "2025-01").await, 100_000, "{:?}: replaced month restored", db.backend);
        assert_eq!(income_of(&app, &id(2499), "2025-02").await, 100_000);
        assert_tallies_consistent(&app.store, "an import undone").await;
        let trail = trail(&app).await;
        assert!(trail.iter().any(|e| e.action == "import_rolled_back"), "{:?}: the undoing is audited", db.backend);

        // The same month file, not stopped: written, 5,000 months changed.
        let r = app.import(&sys, "m2.csv", months(2500, "2000").as_bytes(), false).await.unwrap();
        assert!(r.written && r.months_changed == 5000, "{r:?}");
        assert_eq!(income_of(&app, &id(0), "2025-01").await, 200_000);
    }
}

#[tokio::test]
async fn an_import_whose_process_died_is_undone_when_the_next_one_starts() {
    for db in TestDb::all().await {
        let app = App::new(db.open().await);
        let sys = Principal::system();
        // An import that registered a household, then stopped beating.
        let import = app.store.import_begin("dead.csv", "system").await.unwrap();
        let text = households(1);
        assert!(app.import(&sys, "h.csv", text.as_bytes(), true).await.unwrap().errors.is_empty());
        let mut tx = app.store.begin().await.unwrap();
        let h = bangfu_app::input::HouseholdInput {
            head_name: "半途户".into(),
            head_id_number: id(7),
            region_code: "450403".into(),
            registered_on: "2016-05-10".into(),
            work_capacity: "partial".into(),
            causes: vec!["illness".into()],
            ..Default::default()
        }
        .validate(bangfu_domain::HouseholdStatus::InFile, false)
        .unwrap();
        let mut h = h;
        h.file_no = "450403-2016-900001".into();
        let hid = tx.reserve_household_ids(1).await.unwrap()[0];
        tx.import_households(&[(hid, h)], "system").await.unwrap();
        tx.import_touched(import, &[hid], true).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(app.store.count_households().await.unwrap(), 1);
        // Alive: left alone.
        app.recover_imports().await.unwrap();
        assert_eq!(app.store.count_households().await.unwrap(), 1);
        // Its heartbeat long past: the next import undoes it first.
        db.execute("UPDATE imports SET heartbeat_at = '2000-01-01T00:00:00Z'").await;
        let r = app.import(&sys, "h.csv", text.as_bytes(), false).await.unwrap();
        assert!(r.written);
        assert_eq!(
            app.store.count_households().await.unwrap(),
            1,
            "{:?}: the dead import's household is gone",
            db.backend
        );
        assert!(app.store.household_by_head(&bangfu_store::Scope::everything(), &id(7)).await.unwrap().is_none());
        assert_tallies_consistent(&app.store, "a dead import undone").await;
    }
}

#[tokio::test]
async fn limits_are_named_and_bad_rows_are_counted_past_the_list() {
    let db = TestDb::sqlite();
    let app = App::new(db.open().await);
    let sys = Principal::system();
    // A cell just over the limit: that row is bad, the others are checked.
    let long = "长".repeat(MAX_CELL_CHARS + 1);
    let text = format!("{HEADER}{long},{},450403,2016-05-10,患病,部分丧失劳动能力,否\n户1,{},450403,2016-05-10,患病,部分丧失劳动能力,否\n", id(1), id(2));
    let r = app.import(&sys, "h.csv", text.as_bytes(), true).await.unwrap();
    assert_eq!((r.error_count, r.errors[0].row, r.errors[0].code.code()), (1, 2, "cell_too_long"), "{r:?}");
    assert_eq!(r.errors[0].column, "户主姓名");
    assert_eq!(r.households_new, 1);
    // A name turned around by U+202E, and a month in the year 9999: refused, naming why.
    let text = format!("{HEADER}户\u{202E}甲,{},450403,2016-05-10,患病,部分丧失劳动能力,否\n", id(3));
    let r = app.import(&sys, "h.csv", text.as_bytes(), true).await.unwrap();
    assert_eq!(r.errors[0].code.code(), "invisible_character", "{r:?}");
    // A cell of 100,000 characters: the file is refused before it is read, and the answer does
    // not quote it.
    let huge = "x".repeat(100_000);
    let (field, code, message) = refused(app.import(&sys, "h.csv", format!("{HEADER}{huge}\n").as_bytes(), true).await);
    assert_eq!((field.as_str(), code), ("file", "cell_too_long"));
    assert!(message.len() < 200 && message.contains("1000"), "{message}");
    // Too many columns.
    let wide = vec!["a"; MAX_COLUMNS + 1].join(",");
    let (_, code, message) = refused(app.import(&sys, "h.csv", format!("{HEADER}{wide}\n").as_bytes(), true).await);
    assert_eq!(code, "too_many_columns");
    assert!(message.contains("第 2 行") && message.contains("64"), "{message}");
    // A header quoting a long unknown column is cut at a hundred characters.
    let text = format!("{},{}\n", HEADER.trim_end(), "未知".repeat(400));
    let r = app.import(&sys, "h.csv", text.as_bytes(), true).await.unwrap();
    assert!(r.errors[0].message(true).chars().count() < 400, "{}", r.errors[0].message(true));
    // 3,000 rows with a bad ID and a bad date: the first 20 of each column listed, all counted.
    let mut text = String::from(HEADER);
    for i in 0..3000 {
        text.push_str(&format!("户{i},12345,450403,2016-13-10,患病,部分丧失劳动能力,否\n"));
    }
    let r = app.import(&sys, "h.csv", text.as_bytes(), true).await.unwrap();
    assert_eq!(r.error_count, 6000, "{:?}", r.errors_by_column);
    assert_eq!(r.errors.len(), 40);
    let by: Vec<(&str, u64)> = r.errors_by_column.iter().map(|c| (c.column.as_str(), c.count)).collect();
    assert_eq!(by, [("建档日期", 3000), ("户主身份证号", 3000)]);
    assert_eq!(app.store.count_households().await.unwrap(), 0);
    // Every check is on the audit trail with its counts, the refused ones too.
    let trail = trail(&app).await;
    let checks = trail.iter().filter(|e| e.action == "import_check" || e.action == "import_refused").count();
    assert!(checks >= 3, "{checks}");
    let refused_one = trail.iter().find(|e| e.action == "import_refused").unwrap();
    assert!(refused_one.detail.contains("\"bad_rows\":6000"), "{}", refused_one.detail);
    // A month of the year 9999, for a household on file: refused, naming the years allowed.
    assert!(app.import(&sys, "h.csv", households_of(9..10).as_bytes(), false).await.unwrap().written);
    let text = format!("{MONTHS}{},9999-12,3,1000\n", id(9));
    let r = app.import(&sys, "m.csv", text.as_bytes(), true).await.unwrap();
    assert_eq!(r.errors.iter().map(|e| e.code.code()).collect::<Vec<_>>(), ["year_out_of_range"], "{r:?}");
}
