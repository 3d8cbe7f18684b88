//! Frameworks as data (issue 20), on SQLite and PostgreSQL: the Wuzhou preset judges 2020 under
//! the 2018 plan and 2026 under the 2021 framework; city staff change their region's relative
//! line from a month on — the preview's counts are the next batch's, the determinations made
//! before stay as they were, months before the change keep the old version.

#![allow(clippy::unwrap_used)]

use bangfu_app::frameworks::PolicyInput;
use bangfu_app::input::*;
use bangfu_app::{App, AppError, Principal};
use bangfu_domain::YearMonth;
use bangfu_store::testing::TestDb;
use common::*;

mod common;
use serde_json::json;

fn id_number(i: usize) -> String {
    id_with_check(&format!("11010519700101{:03}", 200 + i))
}

#[tokio::test]
async fn a_change_from_a_month_on_is_previewed_saved_and_applied_by_the_next_batch_only() {
    for db in TestDb::all().await {
        let app = App::new(db.open().await);
        let sys = Principal::system();
        let s = StandardInput {
            region_code: "450403".into(),
            kind: "dibao".into(),
            from: "2019-01".into(),
            amount: Amount::from("600"),
        };
        app.create_standard(&sys, &s).await.unwrap();
        // Six households of two people, twelve months 2025-06 … 2026-05 each (T = ¥14,400):
        // 0 deep (¥1,000 a month), 1 relative (¥2,000: S = ¥24,000 < 200% of T), 2 out of hardship,
        // 3 deep but with a car, 4 a migrant worker with 6 months of labour relation, 5 well off
        // but struck by a major event in 2026-01.
        let incomes = [1000, 2000, 5000, 1000, 1000, 5000];
        let mut ids = Vec::new();
        for (i, income) in incomes.iter().enumerate() {
            let h = app
                .create_household(
                    &sys,
                    &HouseholdInput {
                        head_name: format!("标准户{i}"),
                        head_id_number: id_number(i),
                        region_code: "450403".into(),
                        registered_on: "2022-03-01".into(),
                        causes: vec!["illness".into()],
                        work_capacity: "partial".into(),
                        migrant_worker: i == 4,
                        labour_relation_months: (i == 4).then_some(6),
                        exclusions: if i == 3 { vec!["vehicle".into()] } else { Vec::new() },
                        ..Default::default()
                    },
                )
                .await
                .unwrap_or_else(|e| panic!("{e:?}"));
            let months: Vec<MonthlyRecordInput> = (0..12)
                .map(|k| {
                    let m = YearMonth::new(2025, 6).unwrap().plus(k);
                    serde_json::from_value(json!({"month": m.to_string(), "members": 2, "income": income})).unwrap()
                })
                .collect();
            app.put_months(&sys, h.id, None, &months).await.unwrap();
            if i == 5 {
                let ev = MajorEventInput { month: "2026-01".into(), kind: "disaster".into(), note: "洪水".into() };
                app.add_major_event(&sys, h.id, None, &ev).await.unwrap();
            }
            ids.push(h.id);
        }
        let city = user(&app, "fw-city", "city_staff", "450400").await;
        let county = user(&app, "fw-county", "county_staff", "450403").await;
        let may = YearMonth::new(2026, 5).unwrap();

        // The preset: the 2021 framework (version 2) in 2026, the plan (version 1) in 2020.
        let first = app.evaluate_all(&city, may, None, &|_| {}).await.unwrap();
        let t = &first.total;
        assert_eq!((t.households, t.national, t.plan), (6, 6, 0), "{:?}", db.backend);
        assert_eq!(first.versions.keys().copied().collect::<Vec<_>>(), [2]);
        assert_eq!(t.eligible, 3, "0 (D1, R1), 1 (R1), 5 (A1): {t:?}");
        assert_eq!(t.categories, [1, 2, 1]);
        assert_eq!(t.withdrawn, [1, 1], "the car; six months of labour relation");
        assert_eq!((t.exited[2], t.in_difficulty), (1, 3));
        let d0 = app.store.determinations(ids[0], 5).await.unwrap();
        assert_eq!((d0[0].framework.as_str(), d0[0].policy_version, d0[0].results.len()), ("national-2021", 2, 6));
        let old = app.evaluate_household(&sys, ids[0], YearMonth::new(2020, 6).unwrap()).await.unwrap();
        assert_eq!(old.determination.framework.code(), "plan-2018");
        assert_eq!(old.determination.policy_version, 1);

        // City staff preview a relative line of 150% from 2026-05, then save it.
        let change = PolicyInput {
            region_code: "450400".into(),
            framework: "national-2021".into(),
            from: "2026-05".into(),
            relative_percent: Some(150),
            as_of: Some("2026-05".into()),
            ..Default::default()
        };
        let preview = app.preview_policy(&city, &change).await.unwrap();
        assert_eq!(preview.total.0, first.total, "before: the batch just run");
        let after = &preview.total.1;
        assert_eq!(
            (after.eligible, after.categories, after.exited[2]),
            (2, [1, 1, 1], 2),
            "household 1 exits: {after:?}"
        );
        // Not county staff; not outside the caller's regions; bad parameters named.
        assert!(matches!(app.preview_policy(&county, &change).await, Err(AppError::Forbidden)));
        let elsewhere = PolicyInput { region_code: "450100".into(), ..change.clone() };
        assert!(
            matches!(app.set_policy(&city, &elsewhere).await, Err(AppError::Invalid(ref e)) if e[0].field == "region_code")
        );
        let bad = PolicyInput { relative_percent: Some(99), accident_percent: Some(0), ..change.clone() };
        match app.set_policy(&city, &bad).await {
            Err(AppError::Invalid(e)) => {
                let fields: Vec<&str> = e.iter().map(|f| f.field.as_str()).collect();
                assert_eq!(fields, ["relative_percent", "accident_percent"]);
            }
            other => panic!("{other:?}"),
        }
        let saved = app.set_policy(&city, &change).await.unwrap();
        assert_eq!(saved.params.version, 3);
        assert_eq!(saved.params.relative_percent, 150);
        assert_eq!(saved.params.window_months, 12, "the rest as in force");

        // The next batch applies it and counts what the preview said; the first batch's
        // determinations are untouched; April is still judged under version 2.
        let second = app.evaluate_all(&city, may, None, &|_| {}).await.unwrap();
        assert_eq!(&second.total, after);
        assert_eq!(second.regions.get("450403"), preview.regions.get("450403").map(|p| &p.1));
        assert_eq!(second.versions.keys().copied().collect::<Vec<_>>(), [3]);
        let d1 = app.store.determinations(ids[1], 5).await.unwrap();
        assert_eq!(d1.len(), 2);
        assert_eq!((d1[0].policy_version, d1[0].status.as_str()), (3, "exited"));
        assert_eq!((d1[1].policy_version, d1[1].status.as_str()), (2, "in_difficulty"), "kept as it was");
        let april = app.evaluate_all(&city, may.plus(-1), None, &|_| {}).await.unwrap();
        assert_eq!(april.versions.keys().copied().collect::<Vec<_>>(), [2]);
        // The change is in the audit trail, with its parameters.
        let f = bangfu_store::AuditFilter {
            entity: Some("policy".into()),
            entity_id: Some(3),
            action: Some("create".into()),
            ..Default::default()
        };
        let (trail, _) = app.store.audit_entries(&f, 1, 10).await.unwrap();
        assert_eq!(trail.len(), 1);
        assert!(trail[0].detail.contains("\"relative_percent\":150"), "{trail:?}");
        // One region's book (its line of parents only) says what the whole book says, before
        // and after the region is set up under its province and the country.
        for setup in [false, true] {
            if setup {
                app.set_up_region(&sys, "450400").await.unwrap();
            }
            let whole = app.store.policy_book().await.unwrap();
            for r in app.store.regions().await.unwrap() {
                let one = app.store.policy_book_for(&r.code).await.unwrap();
                for m in ["2020-06", "2026-03", "2026-05", "2026-09"] {
                    let m = YearMonth::parse("m", m).unwrap();
                    assert_eq!(one.params(&r.code, m), whole.params(&r.code, m), "{} {m}", r.code);
                }
            }
        }
        let line = app.store.region_line("450403").await.unwrap();
        assert_eq!(
            line,
            [("450403", "450400"), ("450400", "450000"), ("450000", "100000")]
                .map(|(a, b)| (a.to_string(), b.to_string()))
        );
    }
}
