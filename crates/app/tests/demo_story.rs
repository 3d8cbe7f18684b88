//! Demo data and the bulk paths on every backend: the same seed gives the same data, the
//! mix is plausible, ids continue after bulk inserts, and a deleted file takes its records along.

#![allow(clippy::unwrap_used)] // a test fails by panicking

use bangfu_app::households::ListQuery;
use bangfu_app::input::HouseholdInput;
use bangfu_app::App;
use bangfu_domain::{Cause, YearMonth};
use bangfu_store::testing::TestDb;
use bangfu_store::{HouseholdFilter, Scope};

async fn all_households(app: &App) -> Vec<bangfu_store::Household> {
    let mut out = Vec::new();
    for page in 1.. {
        let p = app.store.list_households(&Scope::everything(), &HouseholdFilter::default(), page, 100).await.unwrap();
        if p.items.is_empty() {
            break;
        }
        out.extend(p.items);
    }
    out
}

#[tokio::test]
async fn demo_data_is_reproducible_and_plausible_on_every_backend() {
    let mut fingerprints = Vec::new();
    for db in TestDb::all().await {
        let app = App::new(db.open().await);
        let system = bangfu_app::Principal::system();
        let progress = std::sync::Mutex::new(Vec::new());
        app.demo(None, 300, 42, &|n| progress.lock().unwrap().push(n)).await.unwrap();
        assert_eq!(progress.into_inner().unwrap().last(), Some(&300));
        // A second run refuses: demo data never mixes into a database that holds households.
        let again = app.demo(None, 10, 42, &|_| {}).await.unwrap_err();
        assert!(again.to_string().contains("300 households"), "{again}");
        // The demo's synthetic funds ledger: six payments to each household in the file, paid
        // from balances that reconcile.
        let in_file =
            all_households(&app).await.iter().filter(|h| h.status == bangfu_domain::HouseholdStatus::InFile).count();
        let paid = app
            .store
            .fund_entries(
                &Scope::everything(),
                &bangfu_store::EntryFilter { kind: Some("disbursement".into()), limit: 1, ..Default::default() },
            )
            .await
            .unwrap()
            .1;
        assert!(in_file > 0 && paid as usize >= 6 * in_file, "{paid} payments for {in_file} households");
        assert_eq!(app.reconcile_funds("2030-12-31").await.unwrap(), Vec::<String>::new());

        let hs = all_households(&app).await;
        assert_eq!(hs.len(), 300);
        assert!(hs.iter().all(|h| h.synthetic && !h.causes.is_empty()));
        let regions: std::collections::BTreeSet<_> = hs.iter().map(|h| h.region_code.as_str()).collect();
        assert_eq!(regions.len(), 7, "all seven districts and counties: {regions:?}");
        let stock = hs.iter().filter(|h| app.pool_of(h) == bangfu_domain::policy::Pool::Stock).count();
        assert!((120..=240).contains(&stock), "about 60% stock, got {stock}");
        let ill = hs.iter().filter(|h| h.causes.contains(&Cause::Illness)).count();
        assert!((90..=180).contains(&ill), "about 45% ill, got {ill}");

        // Every household has 24–36 consecutive months up to the demo's last month.
        let last = bangfu_app::demo::demo_last_month();
        for h in hs.iter().step_by(37) {
            let months = app.store.monthly_records(&Scope::everything(), h.id, last.plus(-100), last).await.unwrap();
            assert!((24..=36).contains(&months.len()), "{} has {} months", h.file_no, months.len());
            assert_eq!(months.last().unwrap().month, last);
            assert!(months.windows(2).all(|w| w[1].month == w[0].month.plus(1)));
            assert!(months.iter().all(|m| m.government_assistance <= m.income && m.members >= 1));
            let members = app.store.members(&Scope::everything(), h.id).await.unwrap();
            assert_eq!(members.len() as i64, months[0].members);
        }
        let page = app
            .list_households(
                &system,
                &app.list_spec(&ListQuery { cause: Some("illness".into()), ..Default::default() }).await.unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(page.total as usize, ill);

        // Ids continue after the bulk insert (PostgreSQL's sequence was moved past them).
        let max = app.store.max_household_id().await.unwrap();
        let new = app
            .create_household(
                &system,
                &HouseholdInput {
                    head_name: "新户".into(),
                    head_id_number: "11010519491231002X".into(),
                    region_code: "450403".into(),
                    registered_on: "2020-01-01".into(),
                    causes: vec!["illness".into()],
                    work_capacity: "full".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(new.id, max + 1);

        // Deleting a file removes its months, members and causes with it (a file with payments
        // in the funds ledger cannot be deleted: take one without).
        let mut victim = &hs[0];
        for h in &hs {
            if !app.store.household_has_fund_entries(h.id).await.unwrap() {
                victim = h;
                break;
            }
        }
        assert!(!app.store.household_has_fund_entries(victim.id).await.unwrap());
        app.delete_household(&system, victim.id, Some(victim.version)).await.unwrap();
        assert!(app
            .store
            .monthly_records(&Scope::everything(), victim.id, YearMonth::new(2000, 1).unwrap(), last)
            .await
            .unwrap()
            .is_empty());
        assert!(app.store.members(&Scope::everything(), victim.id).await.unwrap().is_empty());

        // The fingerprint: every household, and the months and members of every seventh — what
        // the SQLite file's own load connection wrote against what the pool wrote on PostgreSQL.
        let mut fingerprint: Vec<String> =
            hs.iter().map(|h| format!("{}|{}|{}|{:?}", h.file_no, h.head_name, h.head_id_number, h.causes)).collect();
        for h in hs.iter().filter(|h| h.id != victim.id).step_by(7) {
            let months = app.store.monthly_records(&Scope::everything(), h.id, last.plus(-100), last).await.unwrap();
            let members = app.store.members(&Scope::everything(), h.id).await.unwrap();
            fingerprint.push(format!(
                "{}: {:?} {:?}",
                h.file_no,
                months.iter().map(|m| (m.month, m.income, m.government_assistance, m.members)).collect::<Vec<_>>(),
                members.iter().map(|m| (&m.name, &m.id_number)).collect::<Vec<_>>()
            ));
        }
        fingerprints.push(fingerprint);
    }
    // The same seed gave the same households on every backend.
    assert!(fingerprints.windows(2).all(|w| w[0] == w[1]));
    // And a different seed gives different ones.
    let db = TestDb::sqlite();
    let app = App::new(db.open().await);
    app.demo(None, 300, 43, &|_| {}).await.unwrap();
    let other: Vec<String> = all_households(&app)
        .await
        .iter()
        .map(|h| format!("{}|{}|{}|{:?}", h.file_no, h.head_name, h.head_id_number, h.causes))
        .collect();
    assert_ne!(other, fingerprints[0][..300]);
}
