//! The worker's self-check (issue 20), on SQLite and PostgreSQL: yearly figures judged by the
//! rules in force for the county (the 2021 framework since 2021) with the county's 低保, the
//! category and its reasons given; bad input named; nothing written, not even to the audit trail.

#![allow(clippy::unwrap_used)] // a test fails by panicking

use bangfu_app::input::{Amount, StandardInput};
use bangfu_app::self_check::SelfCheckInput;
use bangfu_app::{App, AppError, Principal};
use bangfu_domain::{Code, Framework};
use bangfu_store::testing::TestDb;

fn two_people(income: &str) -> SelfCheckInput {
    SelfCheckInput { region_code: "450403".into(), members: 2, income: Amount::from(income), ..Default::default() }
}

#[tokio::test]
async fn a_worker_sees_the_category_the_county_rules_would_give_and_nothing_is_kept() {
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
        let trail = |app: &App| {
            let app = app.clone();
            async move { app.store.audit_entries(&Default::default(), 1, 1).await.unwrap().1 }
        };
        let before = trail(&app).await;
        // Two people, ¥600 each a month: T = ¥14,400 a year.
        let deep = app.self_check(&two_people("10000")).await.unwrap();
        assert_eq!(deep.framework, Framework::National2021);
        assert_eq!((deep.eligible, deep.primary), (true, Some("D1")));
        assert!(
            deep.reasons.iter().any(|r| r.rule == "D1" && r.result == "holds" && r.text.contains("14400")),
            "{:?}",
            deep.reasons
        );
        // Rigid costs count against income: ¥30,000 less ¥16,000 of medical costs is deep too.
        let costly = SelfCheckInput { medical: Amount::from("16000"), ..two_people("30000") };
        assert_eq!(app.self_check(&costly).await.unwrap().primary, Some("D1"));
        let relative = app.self_check(&two_people("20000")).await.unwrap();
        assert_eq!((relative.eligible, relative.primary), (true, Some("R1")));
        let well_off = app.self_check(&two_people("40000")).await.unwrap();
        assert_eq!((well_off.eligible, well_off.status), (false, "exited"));
        let struck = SelfCheckInput { event: "disaster".into(), ..two_people("40000") };
        assert_eq!(app.self_check(&struck).await.unwrap().primary, Some("A1"));
        let car = SelfCheckInput { exclusions: vec!["vehicle".into()], ..two_people("10000") };
        let car = app.self_check(&car).await.unwrap();
        assert_eq!((car.eligible, car.status), (false, "withdrawn"));
        let migrant = SelfCheckInput { migrant_worker: true, labour_months: Some(6), ..two_people("10000") };
        assert_eq!(app.self_check(&migrant).await.unwrap().status, "withdrawn");
        // A county without a 低保 standard: deep and relative cannot be judged.
        let no_standard = SelfCheckInput { region_code: "450405".into(), ..two_people("10000") };
        let r = app.self_check(&no_standard).await.unwrap();
        assert!(r.reasons.iter().any(|x| x.rule == "D1" && x.result == "not_assessable"));

        // Bad input, each field named.
        let bad = SelfCheckInput {
            region_code: "999999".into(),
            members: 0,
            income: Amount::from("十万"),
            aid: Amount::from("-5"),
            event: "flood".into(),
            exclusions: vec!["yacht".into()],
            labour_months: Some(-1),
            ..Default::default()
        };
        let Err(AppError::Invalid(errs)) = app.self_check(&bad).await else { panic!("bad input accepted") };
        let named: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        for f in ["region_code", "members", "income", "aid", "event", "exclusions", "labour_months"] {
            assert!(named.contains(&f), "{f} not named: {named:?}");
        }
        let more_aid = SelfCheckInput { aid: Amount::from("20000"), ..two_people("10000") };
        let Err(AppError::Invalid(errs)) = app.self_check(&more_aid).await else { panic!("aid above income accepted") };
        assert_eq!(errs[0].code, Code::ExceedsIncome);

        // Nothing was written: no household, no determination, no audit entry.
        assert_eq!(trail(&app).await, before);
        let q = bangfu_app::households::ListQuery::default();
        let spec = app.list_spec(&q).await.unwrap();
        assert!(app.list_households(&sys, &spec).await.unwrap().items.is_empty());
    }
}
