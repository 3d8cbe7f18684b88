//! Campaigns as data (issue 20), on SQLite and PostgreSQL: city staff set up a campaign by
//! cumulative shares and one by numbers of households; the one in force this year comes before
//! the 2017–2020 preset; bad input is named field by field and changes nothing; an absolute
//! campaign's targets are per region and year, their total the sum, and may not fall.

#![allow(clippy::unwrap_used)] // a test fails by panicking

use bangfu_app::input::HouseholdInput;
use bangfu_app::outcomes::{DecisionInput, ProposalInput};
use bangfu_app::quota::{CampaignInput, TargetInput};
use bangfu_app::{App, AppError, Principal};
use bangfu_domain::Code;
use bangfu_store::testing::TestDb;
use common::*;

mod common;

fn id_number(i: usize) -> String {
    id_with_check(&format!("45040319750101{:03}", 400 + i))
}

fn fields(e: AppError) -> Vec<(String, Code)> {
    match e {
        AppError::Invalid(errs) => errs.into_iter().map(|e| (e.field, e.code)).collect(),
        other => panic!("expected invalid, got {other:?}"),
    }
}

#[tokio::test]
async fn city_staff_set_up_campaigns_and_the_one_in_force_comes_first() {
    let year = chrono::Datelike::year(&bangfu_app::clock::today()) as i64;
    for db in TestDb::all().await {
        let app = App::new(db.open().await);
        let sys = Principal::system();
        let city = user(&app, "city", "city_staff", "450400").await;
        let county = user(&app, "county", "county_staff", "450403").await;
        // Three stock households in 万秀区 (registered before the cutoff), one after it.
        let mut ids = Vec::new();
        for (i, day) in ["2024-05-01", "2025-03-01", "2025-06-01", "2026-02-01"].iter().enumerate() {
            let h = HouseholdInput {
                head_name: format!("方案户{i}"),
                head_id_number: id_number(i),
                region_code: "450403".into(),
                registered_on: day.to_string(),
                causes: vec!["illness".into()],
                work_capacity: "partial".into(),
                ..Default::default()
            };
            ids.push(app.create_household(&sys, &h).await.unwrap().id);
        }
        // Household 0 exited the year before the campaigns below begin, household 1 in their
        // first year: the first is no longer their stock, the second is achieved.
        for (id, day) in [(ids[0], format!("{}-06-01", year - 1)), (ids[1], format!("{year}-03-01"))] {
            let p = ProposalInput { kind: "exit".into(), pathway: Some("other".into()), reason: "就业".into() };
            let o = app.propose_outcome(&county, id, &p).await.unwrap();
            let d = DecisionInput { decision: "approve".into(), note: String::new(), approval_date: Some(day) };
            app.decide_outcome(&city, o.id, &d).await.unwrap();
        }
        let share = CampaignInput {
            name: "梧州市困难职工帮扶（示例）".into(),
            first_year: year,
            last_year: year + 2,
            stock_cutoff: "2025-12-31".into(),
            target_kind: "share".into(),
            cumulative_percent: vec![40, 70, 100],
            regions: vec!["450403".into(), "450405".into()],
            withdrawn_leave_denominator: true,
            ..Default::default()
        };
        // Only city staff set campaigns up.
        assert!(matches!(app.create_campaign(&county, &share).await, Err(AppError::Forbidden)));
        // Bad input: each field named, nothing written.
        let before = app.campaigns(&city).await.unwrap().len();
        let bad = CampaignInput {
            name: " ".into(),
            last_year: year - 1,
            stock_cutoff: "2025-02-30".into(),
            cumulative_percent: vec![40, 30, 100],
            regions: vec!["450403".into(), "999999".into()],
            ..share.clone()
        };
        let named = fields(app.create_campaign(&city, &bad).await.unwrap_err());
        for f in ["name", "last_year", "stock_cutoff", "cumulative_percent", "regions"] {
            assert!(named.iter().any(|(x, _)| x == f), "{f} not named: {named:?}");
        }
        // Any numbers at all: named, never an overflow (schemathesis found one).
        let huge = CampaignInput { first_year: 0, last_year: i64::MAX, target_kind: String::new(), ..share.clone() };
        let named = fields(app.create_campaign(&city, &huge).await.unwrap_err());
        assert!(named.iter().any(|(f, _)| f == "first_year") && named.iter().any(|(f, _)| f == "target_kind"));
        let huge = CampaignInput { first_year: i64::MAX, last_year: i64::MIN, ..share.clone() };
        assert!(fields(app.create_campaign(&city, &huge).await.unwrap_err()).iter().any(|(f, _)| f == "first_year"));
        let falling = CampaignInput { cumulative_percent: vec![40, 30, 100], ..share.clone() };
        assert_eq!(
            fields(app.create_campaign(&city, &falling).await.unwrap_err()),
            vec![("cumulative_percent".into(), Code::NotIncreasing)]
        );
        assert_eq!(app.campaigns(&city).await.unwrap().len(), before, "nothing written");

        let c = app.create_campaign(&city, &share).await.unwrap();
        assert_eq!(c.years, vec![(year as i32, 4000), (year as i32 + 1, 3000), (year as i32 + 2, 3000)]);
        assert_eq!(c.created_by.as_deref(), Some("city"));
        let list = app.campaigns(&city).await.unwrap();
        assert_eq!(list[0].id, c.id, "the campaign in force this year comes first");
        assert_eq!(list.last().unwrap().code, "wuzhou-2017-2020", "the preset stays");
        let p = app.campaign_progress(&city, c.id, Some(&format!("{year}-12-31"))).await.unwrap();
        let wanxiu = p.regions.iter().find(|r| r.region_code == "450403").unwrap();
        assert_eq!(wanxiu.stock_registered, 2, "three registered, one closed before the campaign began");
        // 40 % of 2 is 0.8 → 1 household this year, and one is achieved.
        assert_eq!((wanxiu.years[0].target, wanxiu.years[0].achieved), (1, 1));

        // By numbers of households: set per region and year afterwards.
        let absolute =
            CampaignInput { target_kind: "absolute".into(), cumulative_percent: Vec::new(), ..share.clone() };
        let a = app.create_campaign(&city, &absolute).await.unwrap();
        assert!(a.absolute && a.targets.is_empty());
        let cell = |r: &str, y: i64, n: i64| TargetInput { region_code: r.into(), year: y, households: n };
        let down = [cell("450403", year, 3), cell("450403", year + 1, 2)];
        assert_eq!(
            fields(app.set_campaign_targets(&city, a.id, &down).await.unwrap_err()),
            vec![("targets[1].households".into(), Code::NotIncreasing)]
        );
        let outside = [cell("450421", year, 3)];
        assert_eq!(
            fields(app.set_campaign_targets(&city, a.id, &outside).await.unwrap_err()),
            vec![("targets[0].region_code".into(), Code::UnknownRegion)]
        );
        let good = [cell("450403", year, 2), cell("450403", year + 1, 3), cell("450405", year, 5)];
        let a = app.set_campaign_targets(&city, a.id, &good).await.unwrap();
        assert_eq!(a.targets.len(), 3);
        let p = app.campaign_progress(&city, a.id, Some(&format!("{year}-12-31"))).await.unwrap();
        let targets = |code: &str| -> Vec<i64> {
            p.regions
                .iter()
                .chain([&p.total])
                .find(|r| r.region_code == code)
                .unwrap()
                .years
                .iter()
                .map(|y| y.target)
                .collect()
        };
        // A year without its own target keeps the year before's; the total is the sum.
        assert_eq!(targets("450403"), vec![2, 3, 3]);
        assert_eq!(targets("450405"), vec![5, 5, 5]);
        assert_eq!(targets("total"), vec![7, 8, 8]);
        // Every change is audited.
        for (entity, action, id) in [("campaign", "create", c.id), ("campaign_targets", "update", a.id)] {
            let f = bangfu_store::AuditFilter {
                entity: Some(entity.into()),
                entity_id: Some(id),
                action: Some(action.into()),
                ..Default::default()
            };
            assert_eq!(app.store.audit_entries(&f, 1, 10).await.unwrap().0.len(), 1, "{entity} {action}");
        }
    }
}
