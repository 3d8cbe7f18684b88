//! Import of households, members and months (issue 7, first part), on every backend: a file with
//! one bad row among good ones writes nothing and names that row and column; the same good file
//! imported twice leaves one copy; GBK and UTF-8 with BOM are read; arbitrary bytes never panic
//! and never write.

#![allow(clippy::unwrap_used)] // a test fails by panicking

use bangfu_app::{App, Principal};
use bangfu_store::testing::TestDb;

fn id(first17: &str) -> String {
    format!("{first17}{}", bangfu_domain::IdNumber::check_char(first17.as_bytes()) as char)
}

const HEADER: &str = "户主姓名,户主身份证号,地区代码,建档日期,致困原因,劳动能力,农民工家庭\n";

fn workbook(heads: &[String], bad_income: bool) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let h = wb.add_worksheet().set_name("家庭").unwrap();
    for (c, t) in
        ["档案编号", "户主姓名", "户主身份证号", "地区代码", "建档日期", "致困原因", "劳动能力"].iter().enumerate()
    {
        h.write_string(0, c as u16, *t).unwrap();
    }
    for (i, head) in heads.iter().enumerate() {
        let r = i as u32 + 1;
        h.write_string(r, 1, format!("导入户{i}")).unwrap();
        h.write_string(r, 2, head).unwrap();
        h.write_number(r, 3, 450403.0).unwrap();
        h.write_string(r, 4, "2016-05-10").unwrap();
        h.write_string(r, 5, "患病、失业").unwrap();
        h.write_string(r, 6, "部分丧失劳动能力").unwrap();
    }
    let m = wb.add_worksheet().set_name("家庭成员").unwrap();
    for (c, t) in ["户主身份证号", "姓名", "身份证号", "与户主关系", "出生日期", "状况"].iter().enumerate()
    {
        m.write_string(0, c as u16, *t).unwrap();
    }
    m.write_string(1, 0, &heads[0]).unwrap();
    m.write_string(1, 1, "导入子女").unwrap();
    m.write_string(1, 2, "").unwrap();
    m.write_string(1, 3, "子女").unwrap();
    m.write_string(1, 4, "2012-03-04").unwrap();
    m.write_string(1, 5, "在校学生").unwrap();
    let mo = wb.add_worksheet().set_name("月度收支").unwrap();
    for (c, t) in ["户主身份证号", "月份", "家庭人口", "家庭收入", "政府救助", "医疗支出"].iter().enumerate()
    {
        mo.write_string(0, c as u16, *t).unwrap();
    }
    for (i, month) in ["2025-01", "2025-02", "2025-03"].iter().enumerate() {
        let r = i as u32 + 1;
        mo.write_string(r, 0, &heads[0]).unwrap();
        mo.write_string(r, 1, *month).unwrap();
        mo.write_number(r, 2, 3.0).unwrap();
        if bad_income && i == 2 {
            mo.write_string(r, 3, "一千").unwrap();
        } else {
            mo.write_number(r, 3, 1500.5).unwrap();
        }
        mo.write_number(r, 4, 0.0).unwrap();
        mo.write_string(r, 5, "200").unwrap();
    }
    wb.save_to_buffer().unwrap()
}

async fn count(app: &App) -> i64 {
    app.store.count_households().await.unwrap()
}

#[tokio::test]
async fn imports_check_every_row_write_all_or_nothing_and_once() {
    for db in TestDb::all().await {
        let app = App::new(db.open().await);
        let sys = Principal::system();
        let heads: Vec<String> = (1..=5).map(|i| id(&format!("45040319800101{i:03}"))).collect();

        // A .csv with one bad resident ID (row 4) among good rows: nothing is written, the row
        // and the column are named.
        let mut csv = String::from(HEADER);
        for (i, h) in heads.iter().enumerate() {
            let h =
                if i == 2 { format!("{}{}", &h[..17], if h.ends_with('0') { '1' } else { '0' }) } else { h.clone() };
            csv.push_str(&format!("户{i},{h},450403,2016-05-10,患病,部分丧失劳动能力,否\n"));
        }
        let r = app.import(&sys, "households.csv", csv.as_bytes(), false).await.unwrap();
        assert!(!r.written, "{r:?}");
        assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
        assert_eq!((r.errors[0].row, r.errors[0].column.as_str()), (4, "户主身份证号"), "{:?}", r.errors);
        assert_eq!(count(&app).await, 0, "{:?}: nothing written", db.backend);

        // A workbook whose third month has a bad income: nothing is written either.
        let r = app.import(&sys, "file.xlsx", &workbook(&heads[..2], true), false).await.unwrap();
        assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
        assert_eq!(
            (r.errors[0].sheet.as_str(), r.errors[0].row, r.errors[0].column.as_str()),
            ("月度收支", 4, "家庭收入")
        );
        assert_eq!(count(&app).await, 0);

        // The good workbook: a dry run reports and writes nothing; the import writes it all.
        let good = workbook(&heads[..2], false);
        let dry = app.import(&sys, "file.xlsx", &good, true).await.unwrap();
        assert!(dry.errors.is_empty() && !dry.written, "{dry:?}");
        assert_eq!((dry.households_new, dry.members_new, dry.months_new), (2, 1, 3));
        assert_eq!(count(&app).await, 0, "a dry run writes nothing");
        let first = app.import(&sys, "file.xlsx", &good, false).await.unwrap();
        assert!(first.written, "{first:?}");
        assert_eq!((first.households_new, first.members_new, first.months_new), (2, 1, 3));
        let hid = app.store.household_by_head(&bangfu_store::Scope::everything(), &heads[0]).await.unwrap().unwrap();
        let h = app.household(&sys, hid).await.unwrap();
        assert_eq!(h.causes.len(), 2, "causes given as Chinese labels");
        let file = app.household_file(&sys, hid).await.unwrap();
        assert_eq!(file.members.len(), 1);
        let jan = file.months.iter().find(|m| m.month.to_string() == "2025-01").unwrap();
        assert_eq!(jan.record.as_ref().unwrap().income.fen(), 150_050);

        // The same file again: everything matched, nothing new.
        let again = app.import(&sys, "file.xlsx", &good, false).await.unwrap();
        assert_eq!(
            (again.households_new, again.households_existing, again.members_new, again.members_existing),
            (0, 2, 0, 1)
        );
        assert_eq!((again.months_new, again.months_changed, again.months_unchanged), (0, 0, 3));
        assert_eq!(count(&app).await, 2, "{:?}: one copy", db.backend);

        // A deleted household's id is never given again by an import (the audit trail names it).
        let last = app.store.max_household_id().await.unwrap();
        let version = app.household(&sys, last).await.unwrap().version;
        app.delete_household(&sys, last, Some(version)).await.unwrap();
        let row = format!("{HEADER}丙户,{},450403,2017-01-01,失业,无劳动能力,否\n", heads[4]);
        let r = app.import(&sys, "one.csv", row.as_bytes(), false).await.unwrap();
        assert_eq!(r.households_new, 1, "{r:?}");
        assert!(app.store.max_household_id().await.unwrap() > last, "{:?}: id {last} given again", db.backend);
        assert!(app.household(&sys, last).await.is_err());

        // GBK and UTF-8 with a BOM are read.
        let row = format!("{HEADER}甲户,{},450403,2017-01-01,失业,无劳动能力,是\n", heads[3]);
        let (gbk, _, _) = encoding_rs::GBK.encode(&row);
        let r = app.import(&sys, "gbk.csv", &gbk, true).await.unwrap();
        assert!(r.errors.is_empty() && r.households_new == 1, "{r:?}");
        let bom = [b"\xEF\xBB\xBF".as_slice(), row.as_bytes()].concat();
        let r = app.import(&sys, "bom.csv", &bom, true).await.unwrap();
        assert!(r.errors.is_empty() && r.households_new == 1, "{r:?}");

        // Files that cannot be read are refused with the reason; unknown columns are named.
        let refused = |r: Result<bangfu_app::import::ImportReport, bangfu_app::AppError>| match r {
            Err(bangfu_app::AppError::Invalid(es)) => (es[0].field.clone(), es[0].code.code()),
            other => panic!("{other:?}"),
        };
        assert_eq!(refused(app.import(&sys, "x.pdf", b"%PDF", false).await), ("file".into(), "file_type"));
        assert_eq!(refused(app.import(&sys, "x.xlsx", b"not a zip", false).await), ("file".into(), "not_xlsx"));
        let r = app
            .import(&sys, "x.csv", "户主姓名,户主身份证号,地区代码,建档日期,劳动能力,体重\n".as_bytes(), false)
            .await
            .unwrap();
        assert_eq!((r.errors[0].column.as_str(), r.errors[0].code.code()), ("体重", "unknown_column"));
        // The message names the sheet's columns, in Chinese for pages and in English in the JSON.
        assert!(r.errors[0].message(true).contains("第 6 列“体重”不是本表的列"), "{}", r.errors[0].message(true));
        let json = serde_json::to_value(&r.errors[0]).unwrap();
        let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 5, "{json}");
        assert_eq!((json["row"].as_u64(), json["code"].as_str()), (Some(1), Some("unknown_column")));
        assert!(
            json["message"].as_str().unwrap().starts_with("column 6 (体重) is not one of this sheet's: 档案编号"),
            "{json}"
        );
        assert_eq!(count(&app).await, 2);
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    /// Arbitrary bytes, as .csv or .xlsx: an answer (a report or an error), never a panic, and
    /// never a household written.
    #[test]
    fn arbitrary_files_never_panic_or_write(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048), xlsx in proptest::prelude::any::<bool>()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let db = TestDb::sqlite();
            let app = App::new(db.open().await);
            let name = if xlsx { "f.xlsx" } else { "f.csv" };
            let _ = app.import(&Principal::system(), name, &bytes, false).await;
            assert_eq!(app.store.count_households().await.unwrap(), 0);
        });
    }

    /// Arbitrary text under a valid header: rows are checked, never half-written.
    #[test]
    fn arbitrary_rows_never_panic(rows in proptest::collection::vec("[^\n]{0,80}", 0..20)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let db = TestDb::sqlite();
            let app = App::new(db.open().await);
            let text = format!("{HEADER}{}\n", rows.join("\n"));
            if let Ok(r) = app.import(&Principal::system(), "f.csv", text.as_bytes(), false).await {
                let n = app.store.count_households().await.unwrap();
                if r.written {
                    assert!(r.errors.is_empty());
                } else {
                    assert_eq!(n, 0, "nothing written when a row is bad");
                }
            }
        });
    }
}
