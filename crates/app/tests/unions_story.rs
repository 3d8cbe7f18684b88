//! Unions as a hierarchy (issue 20), on SQLite and PostgreSQL: 全总 → 省总 → 市总 → 县总 → 基层
//! → 分工会 built with the rules of each level; a union's staff reach the households of their
//! union and the unions under it, not a sibling's; an organisations file is imported all or
//! nothing, parents before or after their children, and a second import creates nothing.

#![allow(clippy::unwrap_used)] // a test fails by panicking

use bangfu_app::input::{HouseholdInput, OrganisationInput};
use bangfu_app::{App, AppError, Principal};
use bangfu_domain::Code;
use bangfu_store::testing::TestDb;

fn id_number(i: usize) -> String {
    let first17 = format!("45040319800101{:03}", 300 + i);
    format!("{first17}{}", bangfu_domain::IdNumber::check_char(first17.as_bytes()) as char)
}

async fn org(
    app: &App,
    who: &Principal,
    name: &str,
    kind: &str,
    region: &str,
    parent: Option<i64>,
) -> Result<i64, AppError> {
    let input =
        OrganisationInput { name: name.into(), kind: kind.into(), region_code: region.into(), parent_id: parent };
    app.create_organisation(who, &input).await.map(|o| o.id)
}

fn codes(e: AppError) -> Vec<(String, Code)> {
    match e {
        AppError::Invalid(errs) => errs.into_iter().map(|e| (e.field, e.code)).collect(),
        other => panic!("expected invalid, got {other:?}"),
    }
}

/// A workbook of one sheet with the template's columns.
fn workbook(rows: &[[&str; 4]]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let s = wb.add_worksheet().set_name("单位").unwrap();
    for (c, t) in ["单位名称", "单位类型", "地区代码", "上级单位"].iter().enumerate() {
        s.write_string(0, c as u16, *t).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            s.write_string(r as u32 + 1, c as u16, *v).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

async fn import(app: &App, who: &Principal, bytes: &[u8], dry_run: bool) -> bangfu_app::registry::OrganisationImport {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("units.xlsx");
    std::fs::write(&path, bytes).unwrap();
    app.import_organisations(who, "units.xlsx", &path, dry_run).await.unwrap()
}

#[tokio::test]
async fn the_hierarchy_keeps_its_levels_and_a_union_reaches_its_subtree() {
    for db in TestDb::all().await {
        let app = App::new(db.open().await);
        let sys = Principal::system();
        app.set_up_region(&sys, "450400").await.unwrap();
        let national = org(&app, &sys, "中华全国总工会", "national_union", "100000", None).await.unwrap();
        let province =
            org(&app, &sys, "广西壮族自治区总工会", "provincial_union", "450000", Some(national)).await.unwrap();
        let city = org(&app, &sys, "梧州市总工会", "city_union", "450400", Some(province)).await.unwrap();
        let county = org(&app, &sys, "万秀区总工会", "county_union", "450403", Some(city)).await.unwrap();
        let plant = org(&app, &sys, "梧州制药联合工会", "grassroots_union", "450403", Some(county)).await.unwrap();
        let branch = org(&app, &sys, "制药一车间分工会", "grassroots_union", "450403", Some(plant)).await.unwrap();
        let sibling = org(&app, &sys, "万秀区环卫工会", "grassroots_union", "450403", Some(county)).await.unwrap();

        // Each level's rules, named by field.
        let same_level = org(&app, &sys, "县总甲", "county_union", "450403", Some(county)).await.unwrap_err();
        assert_eq!(codes(same_level), vec![("parent_id".into(), Code::ParentLevel)]);
        let no_parent = org(&app, &sys, "无上级基层工会", "grassroots_union", "450403", None).await.unwrap_err();
        assert_eq!(codes(no_parent), vec![("parent_id".into(), Code::ParentRequired)]);
        let elsewhere = org(&app, &sys, "长洲区某工会", "grassroots_union", "450405", Some(county)).await.unwrap_err();
        assert_eq!(codes(elsewhere), vec![("region_code".into(), Code::ParentRegion)]);
        let department = org(&app, &sys, "民政局", "department", "450400", Some(city)).await.unwrap_err();
        assert_eq!(codes(department), vec![("parent_id".into(), Code::ParentNotAllowed)]);
        // A union moved under its own branch would make a loop.
        let p = app.organisation(&sys, plant).await.unwrap();
        let moved = OrganisationInput {
            name: p.name.clone(),
            kind: "grassroots_union".into(),
            region_code: "450403".into(),
            parent_id: Some(branch),
        };
        let looped = app.update_organisation(&sys, plant, Some(p.version), &moved).await.unwrap_err();
        assert_eq!(codes(looped), vec![("parent_id".into(), Code::ParentCycle)]);

        // Households kept by the plant's union, its branch, and the sibling union.
        let mut ids = Vec::new();
        for (i, union) in [plant, branch, sibling].into_iter().enumerate() {
            let h = HouseholdInput {
                head_name: format!("工会户{i}"),
                head_id_number: id_number(i),
                region_code: "450403".into(),
                union_id: Some(union),
                registered_on: "2021-03-01".into(),
                causes: vec!["illness".into()],
                work_capacity: "partial".into(),
                ..Default::default()
            };
            ids.push(app.create_household(&sys, &h).await.unwrap().id);
        }
        let staff = app
            .ensure_user(&bangfu_app::users::UserInput {
                name: "plant-staff".into(),
                role: "grassroots_staff".into(),
                org_id: Some(plant),
                password: Some("a long password".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        let staff = app.principal_of(&staff, "test").await.unwrap().unwrap();
        assert_eq!(staff.scope.union_ids(), Some(&[plant, branch][..]));
        assert!(app.household(&staff, ids[0]).await.is_ok(), "own union");
        assert!(app.household(&staff, ids[1]).await.is_ok(), "the branch under it");
        assert!(matches!(app.household(&staff, ids[2]).await, Err(AppError::NotFound)), "a sibling's is missing");
        let q = bangfu_app::households::ListQuery::default();
        let spec = app.list_spec(&q).await.unwrap();
        let listed: Vec<i64> = app.list_households(&staff, &spec).await.unwrap().items.iter().map(|h| h.id).collect();
        assert_eq!(listed.len(), 2, "{listed:?}");
        assert!(listed.contains(&ids[0]) && listed.contains(&ids[1]));
        // The branch's staff reach the branch only.
        let branch_staff = app
            .ensure_user(&bangfu_app::users::UserInput {
                name: "branch-staff".into(),
                role: "grassroots_staff".into(),
                org_id: Some(branch),
                password: Some("a long password".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        let branch_staff = app.principal_of(&branch_staff, "test").await.unwrap().unwrap();
        assert!(matches!(app.household(&branch_staff, ids[0]).await, Err(AppError::NotFound)));
        assert!(app.household(&branch_staff, ids[1]).await.is_ok());
    }
}

#[tokio::test]
async fn an_organisations_file_is_imported_all_or_nothing_and_once() {
    for db in TestDb::all().await {
        let app = App::new(db.open().await);
        let sys = Principal::system();
        app.set_up_region(&sys, "450400").await.unwrap();
        let before = app.organisations(&sys, None).await.unwrap().len();
        // Children before their parents, kinds by Chinese name or code, a parent by number.
        let city = org(&app, &sys, "梧州市总工会", "city_union", "450400", None).await.unwrap();
        let city_no = city.to_string();
        let good = [
            ["万秀区某厂分工会", "基层工会", "450403", "万秀区某厂工会"],
            ["万秀区某厂工会", "基层工会", "450403", "万秀区总工会"],
            ["万秀区总工会", "county_union", "450403", city_no.as_str()],
            ["梧州市民政局", "政府部门", "450400", ""],
        ];
        let dry = import(&app, &sys, &workbook(&good), true).await;
        assert!(dry.errors.is_empty(), "{:?}", dry.errors);
        assert_eq!((dry.rows, dry.created, dry.existing), (4, 4, 0));
        assert_eq!(app.organisations(&sys, None).await.unwrap().len(), before + 1, "a check writes nothing");
        let first = import(&app, &sys, &workbook(&good), false).await;
        assert_eq!((first.created, first.existing), (4, 0), "{:?}", first.errors);
        let all = app.organisations(&sys, None).await.unwrap();
        let by_name = |n: &str| all.iter().find(|o| o.name == n).unwrap().clone();
        assert_eq!(by_name("万秀区总工会").parent_id, Some(city));
        assert_eq!(by_name("万秀区某厂工会").parent_id, Some(by_name("万秀区总工会").id));
        assert_eq!(by_name("万秀区某厂分工会").parent_id, Some(by_name("万秀区某厂工会").id));
        let again = import(&app, &sys, &workbook(&good), false).await;
        assert_eq!((again.created, again.existing), (0, 4), "the same file twice creates nothing");

        // One good row and four bad ones: nothing written, each bad row named with its column.
        let bad = [
            ["新基层工会", "基层工会", "450403", "万秀区总工会"],
            ["无类型单位", "工会委员会", "450403", ""],
            ["无上级工会", "基层工会", "450405", "没有这个单位"],
            ["环甲", "基层工会", "450403", "环乙"],
            ["环乙", "基层工会", "450403", "环甲"],
        ];
        let n = app.organisations(&sys, None).await.unwrap().len();
        let r = import(&app, &sys, &workbook(&bad), false).await;
        assert_eq!(r.created, 0);
        assert_eq!(app.organisations(&sys, None).await.unwrap().len(), n, "nothing written");
        let named: Vec<(usize, String, Code)> = r.errors.iter().map(|e| (e.row, e.column.clone(), e.code)).collect();
        assert!(named.contains(&(3, "单位类型".into(), Code::UnknownCode)), "{named:?}");
        assert!(named.contains(&(4, "上级单位".into(), Code::UnknownOrganisation)), "{named:?}");
        assert!(named.contains(&(5, "上级单位".into(), Code::ParentCycle)), "{named:?}");
        assert!(named.contains(&(6, "上级单位".into(), Code::ParentCycle)), "{named:?}");
        assert!(!named.iter().any(|e| e.0 == 2), "the good row is not blamed: {named:?}");
    }
}
