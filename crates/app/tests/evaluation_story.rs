//! Stored households through the engine, on SQLite and PostgreSQL: one household's evaluation
//! equals the case-file evaluation of the same facts; a batch stores one determination per
//! household in scope and keeps the earlier ones.

#![allow(clippy::unwrap_used)]

use bangfu_app::input::*;
use bangfu_app::{App, Principal};
use bangfu_domain::YearMonth;
use bangfu_store::testing::TestDb;
use serde_json::json;

#[tokio::test]
async fn stored_households_evaluate_like_their_case_files_and_batches_keep_history() {
    for db in TestDb::all().await {
        let app = App::new(db.open().await);
        let sys = Principal::system();
        for (region, amount, from) in
            [("450403", "600", "2017-01"), ("450403", "660.00", "2018-04"), ("450405", "620", "2017-01")]
        {
            let s = StandardInput {
                region_code: region.into(),
                kind: "dibao".into(),
                from: from.into(),
                amount: Amount::from(amount),
            };
            app.create_standard(&sys, &s).await.unwrap();
        }
        let low = StandardInput {
            region_code: "450403".into(),
            kind: "low_income".into(),
            from: "2017-01".into(),
            amount: Amount::from("900"),
        };
        app.create_standard(&sys, &low).await.unwrap();
        let mut ids = Vec::new();
        for (i, region) in ["450403", "450403", "450405"].iter().enumerate() {
            let h = app
                .create_household(
                    &sys,
                    &HouseholdInput {
                        head_name: format!("评估户{i}"),
                        head_id_number: {
                            let first17 = format!("11010519491231{:03}", 100 + i);
                            format!("{first17}{}", bangfu_domain::IdNumber::check_char(first17.as_bytes()) as char)
                        },
                        region_code: region.to_string(),
                        registered_on: "2016-05-10".into(),
                        causes: vec!["illness".into()],
                        work_capacity: "partial".into(),
                        migrant_worker: i == 0,
                        ..Default::default()
                    },
                )
                .await
                .unwrap_or_else(|e| panic!("{e:?}"));
            let months: Vec<MonthlyRecordInput> = (1..=6)
                .map(|m| {
                    serde_json::from_value(
                        json!({"month": format!("2018-{m:02}"), "members": 3, "income": 1500 + i * 100,
                        "government_assistance": 0, "non_living": {"medical": if m == 3 { 400 } else { 0 }}}),
                    )
                    .unwrap()
                })
                .collect();
            app.put_months(&sys, h.id, None, &months).await.unwrap();
            ids.push(h.id);
        }
        let as_of = YearMonth::new(2018, 6).unwrap();
        let stored = app.evaluate_household(&sys, ids[0], as_of).await.unwrap();
        // The same facts as a case file give the same determination.
        let case = json!({
            "as_of": "2018-06",
            "standards": {"dibao": [{"from": "2017-01", "amount": 600}, {"from": "2018-04", "amount": "660.00"}],
                          "low_income": [{"from": "2017-01", "amount": 900}]},
            "household": {"registered_on": "2016-05-10", "migrant_worker": true, "causes": ["illness"],
                "months": (1..=6).map(|m| json!({"month": format!("2018-{m:02}"), "members": 3, "income": 1500,
                    "non_living": {"medical": if m == 3 { 400 } else { 0 }}})).collect::<Vec<_>>()}
        });
        let mut from_case: serde_json::Value =
            serde_json::from_str(&bangfu_app::evaluate::case(case.to_string().as_bytes()).unwrap()).unwrap();
        // A case file's parameters are its own (version 0); stored households use policy record 1.
        assert_eq!(from_case["policy_version"], 0);
        from_case["policy_version"] = json!(1);
        assert_eq!(serde_json::to_value(&stored.determination).unwrap(), from_case, "{:?}", db.backend);
        assert_eq!(stored.determination.eligibility.conditions, ["C1", "C3", "C4", "C5"]);
        assert_eq!(stored.months.len(), 6);
        assert_eq!(stored.months[5].dibao_line.as_deref(), Some("1980.00"));

        // A county user's batch evaluates the county only; a second run keeps the first's rows.
        let county = app
            .ensure_user(&bangfu_app::users::UserInput {
                name: "eval-county".into(),
                role: "county_staff".into(),
                region_code: Some("450403".into()),
                password: Some("a long password".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        let who = app.principal_of(&county, "test").await.unwrap().unwrap();
        let first = app.evaluate_all(&who, as_of, None, &|_| {}).await.unwrap();
        assert_eq!(first.total.households, 2, "{:?}", db.backend);
        assert_eq!(first.total.eligible, 2);
        assert_eq!(first.regions.keys().collect::<Vec<_>>(), ["450403"]);
        let all = app.evaluate_all(&sys, as_of, None, &|n| assert!(n <= 3)).await.unwrap();
        assert_eq!(all.total.households, 3);
        assert_ne!(all.run_id, first.run_id);
        let history = app.store.determinations(ids[0], 10).await.unwrap();
        assert_eq!(history.len(), 2, "history is kept");
        assert!(history.iter().all(|d| d.policy_version == 1 && d.as_of == as_of && d.conditions == "C1,C3,C4,C5"));
        assert_eq!(history[0].results.len(), 9);
        assert_eq!(app.store.determinations(ids[2], 10).await.unwrap().len(), 1, "out of the county's scope");
        // A region filter, and a region out of scope refused like an unknown one.
        let only = app.evaluate_all(&sys, as_of, Some("450405"), &|_| {}).await.unwrap();
        assert_eq!(only.total.households, 1);
        let refused = app.evaluate_all(&who, as_of, Some("450405"), &|_| {}).await.unwrap_err();
        assert!(matches!(refused, bangfu_app::AppError::Invalid(_)), "{refused:?}");
        // Roles that change nothing run no batch.
        let auditor = app
            .ensure_user(&bangfu_app::users::UserInput {
                name: "eval-auditor".into(),
                role: "auditor".into(),
                region_code: Some("450403".into()),
                password: Some("a long password".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        let aw = app.principal_of(&auditor, "test").await.unwrap().unwrap();
        assert!(matches!(app.evaluate_all(&aw, as_of, None, &|_| {}).await, Err(bangfu_app::AppError::Forbidden)));
    }
}
