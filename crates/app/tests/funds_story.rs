//! Assistance funds (issue 8), on every backend: money moves only when a second person
//! approves; no balance goes below zero at any date; a mistake is reversed, never deleted; the
//! kept sums always equal the ledger; each kind of finding is found where planted and a clean
//! ledger has none; scope and roles hold.

#![allow(clippy::unwrap_used)] // a test fails by panicking

use bangfu_app::casework::{MeasureInput, PlanInput};
use bangfu_app::funds::{
    AllocationInput, DisbursementInput, EntryDecisionInput, ExplainInput, FundInput, FundStandardInput, ReversalInput,
};
use bangfu_app::input::OrganisationInput;
use bangfu_app::outcomes::{DecisionInput, ProposalInput};
use bangfu_app::users::UserInput;
use bangfu_app::{App, AppError, Principal};
use bangfu_store::testing::TestDb;
use bangfu_store::{EntryFilter, FindingFilter};
use proptest::prelude::*;

fn id(first17: &str) -> String {
    format!("{first17}{}", bangfu_domain::IdNumber::check_char(first17.as_bytes()) as char)
}

async fn user(app: &App, name: &str, role: &str, region: Option<&str>, org: Option<i64>) -> Principal {
    let input = UserInput {
        name: name.into(),
        display_name: name.into(),
        role: role.into(),
        region_code: region.map(str::to_string),
        org_id: org,
        disabled: false,
        password: Some("a-long-password-1".into()),
    };
    let u = app.create_user(&Principal::system(), &input).await.unwrap();
    app.principal_of(&u, "test").await.unwrap().unwrap()
}

async fn org(app: &App, name: &str, kind: &str, region: &str, parent: Option<i64>) -> i64 {
    let input =
        OrganisationInput { name: name.into(), kind: kind.into(), region_code: region.into(), parent_id: parent };
    app.create_organisation(&Principal::system(), &input).await.unwrap().id
}

/// The city: a city union, 万秀区's county union and a grassroots union under it; households
/// 1–4 in 万秀区 (4 registered on 2026-07-01), 5 in 藤县.
struct City {
    city_union: i64,
    county_union: i64,
    grassroots: i64,
    city: Principal,
    city2: Principal,
    county: Principal,
    county2: Principal,
    tengxian: Principal,
    auditor: Principal,
}

async fn city(app: &App) -> City {
    let sys = Principal::system();
    let mut csv = String::from("户主姓名,户主身份证号,地区代码,建档日期,致困原因,劳动能力\n");
    for i in 1..=5 {
        let region = if i == 5 { "450422" } else { "450403" };
        let day = if i == 4 { "2026-07-01" } else { "2016-05-10" };
        csv.push_str(&format!("户{i},{},{region},{day},患病,部分丧失劳动能力\n", id(&format!("45040319700101{i:03}"))));
    }
    assert!(app.import(&sys, "h.csv", csv.as_bytes(), false).await.unwrap().written);
    let city_union = org(app, "梧州市总工会", "city_union", "450400", None).await;
    let county_union = org(app, "万秀区总工会", "county_union", "450403", Some(city_union)).await;
    let grassroots = org(app, "万秀区某厂工会", "grassroots_union", "450403", Some(county_union)).await;
    City {
        city_union,
        county_union,
        grassroots,
        city: user(app, "city", "city_staff", Some("450400"), None).await,
        city2: user(app, "city2", "city_staff", Some("450400"), None).await,
        county: user(app, "wanxiu", "county_staff", Some("450403"), None).await,
        county2: user(app, "wanxiu2", "county_staff", Some("450403"), None).await,
        tengxian: user(app, "tengxian", "county_staff", Some("450422"), None).await,
        auditor: user(app, "auditor", "auditor", Some("450400"), None).await,
    }
}

fn approve() -> EntryDecisionInput {
    EntryDecisionInput { decision: "approve".into(), note: String::new() }
}

fn allocation(fund: i64, day: &str, yuan: &str, from: Option<i64>, to: i64) -> AllocationInput {
    AllocationInput {
        fund_id: fund,
        day: day.into(),
        amount: yuan.into(),
        payer_union_id: from,
        payee_union_id: to,
        voucher: format!("记-{day}"),
        note: String::new(),
    }
}

#[allow(clippy::too_many_arguments)]
fn payment(
    fund: i64,
    day: &str,
    yuan: &str,
    union: i64,
    h: i64,
    measure: Option<i64>,
    purpose: &str,
) -> DisbursementInput {
    DisbursementInput {
        fund_id: fund,
        day: day.into(),
        amount: yuan.into(),
        payer_union_id: union,
        household_id: h,
        measure_id: measure,
        purpose: purpose.into(),
        voucher: format!("付-{day}-{h}"),
        note: String::new(),
    }
}

async fn measure(app: &App, who: &Principal, h: i64, kind: &str) -> i64 {
    let plan = PlanInput { year: Some(2026), goals: "脱困".into(), route: "other".into(), version: None };
    if app.household_plans(who, h).await.unwrap().0.is_empty() {
        app.save_plan(who, h, &plan).await.unwrap();
    }
    let m = MeasureInput {
        kind: kind.into(),
        description: "按月救助".into(),
        person: "张三".into(),
        due_on: "2026-12-31".into(),
        ..Default::default()
    };
    app.add_measure(who, h, &m).await.unwrap().id
}

async fn open_findings(app: &App, who: &Principal) -> Vec<(i64, String)> {
    let f = FindingFilter { status: Some("open".into()), limit: 1000, ..Default::default() };
    let mut v: Vec<(i64, String)> =
        app.findings(who, &f).await.unwrap().0.into_iter().map(|x| (x.entry_id, x.kind)).collect();
    v.sort();
    v
}

async fn balance(app: &App, union: i64, day: &str) -> i64 {
    let sheet = app.fund_balances(&Principal::system(), Some(day)).await.unwrap();
    sheet.rows.iter().filter(|r| r.union_id == union).map(|r| r.balance).sum()
}

#[tokio::test]
async fn ledger_approval_reversal_and_findings() {
    for db in TestDb::all().await {
        let app = App::new(db.open().await);
        let c = city(&app).await;
        let b = db.backend;
        let fund = FundInput {
            name: "2026年中央财政帮扶资金".into(),
            source: "central_finance".into(),
            year: 2026,
            note: String::new(),
        };
        assert!(
            matches!(app.create_fund(&c.county, &fund).await, Err(AppError::Forbidden)),
            "only the city defines funds"
        );
        let fund = app.create_fund(&c.city, &fund).await.unwrap().id;

        // Money from the source to the city union: nothing moves until a second person approves.
        let e = app
            .record_allocation(&c.city, &allocation(fund, "2026-01-05", "100000", None, c.city_union))
            .await
            .unwrap();
        assert_eq!((e.status.as_str(), e.amount), ("pending", 10_000_000));
        assert_eq!(balance(&app, c.city_union, "2026-12-31").await, 0, "{b:?}: pending moves nothing");
        assert!(matches!(app.decide_entry(&c.city, e.id, &approve()).await, Err(AppError::Conflict(_))), "own entry");
        assert!(matches!(app.decide_entry(&c.county, e.id, &approve()).await, Err(AppError::NotFound)), "out of reach");
        app.decide_entry(&c.city2, e.id, &approve()).await.unwrap();
        assert!(matches!(app.decide_entry(&c.city2, e.id, &approve()).await, Err(AppError::Conflict(_))), "decided");
        assert_eq!(balance(&app, c.city_union, "2026-01-04").await, 0);
        assert_eq!(balance(&app, c.city_union, "2026-01-05").await, 10_000_000);

        // The city allocates 30,000 to 万秀区 on 2026-02-01; 万秀区 cannot pass on money it does
        // not have on the day (nor overdraw later): refused, nothing written.
        let a = app
            .record_allocation(&c.city, &allocation(fund, "2026-02-01", "30000", Some(c.city_union), c.county_union))
            .await
            .unwrap();
        app.decide_entry(&c.city2, a.id, &approve()).await.unwrap();
        let before =
            app.fund_entries(&Principal::system(), &EntryFilter { limit: 100, ..Default::default() }).await.unwrap().1;
        let early = allocation(fund, "2026-01-15", "100", Some(c.county_union), c.grassroots);
        match app.record_allocation(&c.county, &early).await {
            Err(AppError::Conflict(f)) => {
                assert_eq!(f.code, "insufficient_balance");
                // The message says the day and the balances, in either language.
                let (zh, en) = (f.message(true), f.message(false));
                assert!(zh.starts_with("余额不足") && zh.contains("2026-01-15"), "{zh}");
                assert!(en.contains("on 2026-01-15") && en.contains("yuan are needed"), "{en}");
            }
            other => panic!("{other:?}"),
        }
        let too_much = payment(fund, "2026-06-10", "30000.01", c.county_union, 1, None, "living_aid");
        assert!(
            matches!(app.record_disbursement(&c.county, &too_much).await, Err(AppError::Conflict(ref f)) if f.code == "insufficient_balance")
        );
        let after =
            app.fund_entries(&Principal::system(), &EntryFilter { limit: 100, ..Default::default() }).await.unwrap().1;
        assert_eq!(before, after, "{b:?}: a refused entry writes nothing");
        for bad in [
            payment(fund, "2026-13-01", "10", c.county_union, 1, None, "living_aid"),
            payment(fund, "2099-01-01", "10", c.county_union, 1, None, "living_aid"),
            payment(fund, "2026-06-10", "-10", c.county_union, 1, None, "living_aid"),
            payment(fund, "2026-06-10", "0", c.county_union, 1, None, "living_aid"),
            payment(fund, "2026-06-10", "10", c.county_union, 1, None, "bribe"),
        ] {
            assert!(matches!(app.record_disbursement(&c.county, &bad).await, Err(AppError::Invalid(_))), "{bad:?}");
        }
        // Out of reach: 藤县's staff cannot pay from 万秀区's union nor see its entries.
        let theirs = payment(fund, "2026-06-10", "10", c.county_union, 5, None, "living_aid");
        assert!(app.record_disbursement(&c.tengxian, &theirs).await.is_err());
        assert_eq!(
            app.fund_entries(&c.tengxian, &EntryFilter { limit: 100, ..Default::default() }).await.unwrap().1,
            0
        );
        assert!(matches!(app.fund_entry(&c.tengxian, a.id).await, Err(AppError::NotFound)));
        assert!(matches!(app.record_allocation(&c.auditor, &early).await, Err(AppError::Forbidden)));

        // A clean ledger: payments in the file, with a measure, within the standard, once per
        // period — no finding.
        let m1 = measure(&app, &c.county, 1, "living_aid").await;
        let m2 = measure(&app, &c.county, 2, "medical_aid").await;
        let visit = measure(&app, &c.county, 1, "visit").await;
        let mut paid = Vec::new();
        for (day, h, m, purpose) in [
            ("2026-06-10", 1, m1, "living_aid"),
            ("2026-07-10", 1, m1, "living_aid"),
            ("2026-06-12", 2, m2, "medical_aid"),
            ("2026-06-20", 1, visit, "visit"),
        ] {
            let p = app
                .record_disbursement(&c.county, &payment(fund, day, "800", c.county_union, h, Some(m), purpose))
                .await
                .unwrap();
            app.decide_entry(&c.county2, p.id, &approve()).await.unwrap();
            paid.push(p.id);
        }
        assert_eq!(open_findings(&app, &c.auditor).await, vec![], "{b:?}: a clean ledger has no finding");
        assert_eq!(balance(&app, c.county_union, "2026-12-31").await, 3_000_000 - 320_000);

        // Each kind, planted.
        let ex = app
            .propose_outcome(
                &c.county,
                3,
                &ProposalInput { kind: "exit".into(), pathway: Some("other".into()), reason: "就业".into() },
            )
            .await
            .unwrap();
        app.decide_outcome(
            &c.county2,
            ex.id,
            &DecisionInput {
                decision: "approve".into(),
                note: String::new(),
                approval_date: Some("2026-06-01".into()),
            },
        )
        .await
        .unwrap();
        let wd = app
            .propose_outcome(
                &c.county,
                2,
                &ProposalInput {
                    kind: "withdrawal".into(), pathway: Some("moved_away".into()), reason: "迁出".into()
                },
            )
            .await
            .unwrap();
        app.decide_outcome(
            &c.county2,
            wd.id,
            &DecisionInput {
                decision: "approve".into(),
                note: String::new(),
                approval_date: Some("2026-08-01".into()),
            },
        )
        .await
        .unwrap();
        let m3 = measure(&app, &c.county, 3, "living_aid").await;
        let m4 = measure(&app, &c.county, 4, "living_aid").await;
        let mut planted = Vec::new();
        for (day, h, m, purpose, kind) in [
            ("2026-06-15", 4, Some(m4), "living_aid", "not_in_file"), // registered 2026-07-01
            ("2026-06-15", 3, Some(m3), "living_aid", "exited"),      // exit approved 2026-06-01
            ("2026-08-15", 2, Some(m2), "medical_aid", "withdrawn"),  // withdrawn 2026-08-01
            ("2026-07-20", 1, Some(m1), "living_aid", "duplicate"),   // 2026-07-10 paid already
            ("2026-09-10", 1, None, "living_aid", "no_measure"),
        ] {
            let p = app
                .record_disbursement(&c.county, &payment(fund, day, "500", c.county_union, h, m, purpose))
                .await
                .unwrap();
            planted.push((p.id, kind.to_string()));
        }
        // The payment before the withdrawal's approval (2026-06-12 to household 2) stays clean.
        let mut want = planted.clone();
        want.sort();
        assert_eq!(open_findings(&app, &c.auditor).await, want, "{b:?}: found as soon as recorded, pending or not");
        let dup = app
            .findings(&c.auditor, &FindingFilter { kind: Some("duplicate".into()), limit: 10, ..Default::default() })
            .await
            .unwrap()
            .0;
        assert_eq!((dup[0].related_entry_id, dup[0].detail.as_str()), (Some(paid[1]), "2026-07"));

        // A standard set afterwards finds every payment above it at once.
        let std = FundStandardInput { max_amount: "600".into(), period: "month".into() };
        assert!(matches!(app.set_fund_standard(&c.county, "living_aid", &std).await, Err(AppError::Forbidden)));
        app.set_fund_standard(&c.city, "living_aid", &std).await.unwrap();
        let above: Vec<i64> = open_findings(&app, &c.auditor)
            .await
            .into_iter()
            .filter(|(_, k)| k == "above_standard")
            .map(|(e, _)| e)
            .collect();
        assert_eq!(above, vec![paid[0], paid[1]], "{b:?}: the two 800-yuan living-aid payments");

        // Cancelling the measure behind a payment is a finding; a reopened exit clears one.
        let cancel = MeasureInput {
            kind: "visit".into(),
            description: "按月救助".into(),
            person: "张三".into(),
            due_on: "2026-12-31".into(),
            status: "cancelled".into(),
            version: Some(1),
            ..Default::default()
        };
        app.update_measure(&c.county, visit, &cancel).await.unwrap();
        assert!(open_findings(&app, &c.auditor).await.contains(&(paid[3], "no_measure".into())), "{b:?}");
        app.reopen_outcome(&c.county2, ex.id, &bangfu_app::outcomes::ReopenInput { reason: "误批".into() })
            .await
            .unwrap();
        assert!(!open_findings(&app, &c.auditor).await.iter().any(|(_, k)| k == "exited"), "{b:?}: cleared");
        let cleared = app
            .findings(&c.auditor, &FindingFilter { status: Some("cleared".into()), limit: 10, ..Default::default() })
            .await
            .unwrap()
            .0;
        assert_eq!(cleared.iter().map(|f| f.kind.as_str()).collect::<Vec<_>>(), vec!["exited"], "kept, not deleted");

        // Explaining: once, with a note; 藤县 cannot reach it.
        let f = app
            .findings(&c.auditor, &FindingFilter { kind: Some("not_in_file".into()), limit: 10, ..Default::default() })
            .await
            .unwrap()
            .0[0]
            .clone();
        // The auditor finds; the union staff explain (issue 19: auditors change nothing).
        assert!(matches!(
            app.explain_finding(&c.auditor, f.id, &ExplainInput { note: "审计自己说明".into() }).await,
            Err(AppError::Forbidden)
        ));
        assert!(matches!(
            app.explain_finding(&c.city, f.id, &ExplainInput { note: " ".into() }).await,
            Err(AppError::Invalid(_))
        ));
        assert!(matches!(
            app.explain_finding(&c.tengxian, f.id, &ExplainInput { note: "x".into() }).await,
            Err(AppError::NotFound)
        ));
        let x = app.explain_finding(&c.city, f.id, &ExplainInput { note: "建档前已核实，补录".into() }).await.unwrap();
        assert_eq!((x.status.as_str(), x.explained_by.as_deref()), ("explained", Some("city")));
        assert!(matches!(
            app.explain_finding(&c.county, f.id, &ExplainInput { note: "再说明".into() }).await,
            Err(AppError::Conflict(_))
        ));

        // Reversal: only of an approved entry, once, never of a reversal; approved by a second
        // person it gives the money back and clears the payment's findings.
        let dup_id = planted[3].0;
        let rev = ReversalInput { day: None, reason: "重复发放".into(), voucher: String::new() };
        assert!(
            matches!(app.reverse_entry(&c.county, dup_id, &rev).await, Err(AppError::Conflict(ref f)) if f.code == "entry_not_approved")
        );
        app.decide_entry(&c.county2, dup_id, &approve()).await.unwrap();
        let before = balance(&app, c.county_union, "2026-12-31").await;
        let r = app.reverse_entry(&c.county, dup_id, &rev).await.unwrap();
        assert_eq!((r.amount, r.reverses_id), (-50_000, Some(dup_id)));
        assert!(
            matches!(app.reverse_entry(&c.county, dup_id, &rev).await, Err(AppError::Conflict(ref f)) if f.code == "already_reversed")
        );
        app.decide_entry(&c.county2, r.id, &approve()).await.unwrap();
        assert!(
            matches!(app.reverse_entry(&c.county, r.id, &rev).await, Err(AppError::Conflict(ref f)) if f.code == "is_reversal")
        );
        assert_eq!(balance(&app, c.county_union, "2026-12-31").await, before + 50_000);
        assert!(!open_findings(&app, &c.auditor).await.iter().any(|(e, _)| *e == dup_id), "{b:?}");
        let all =
            app.fund_entries(&Principal::system(), &EntryFilter { limit: 100, ..Default::default() }).await.unwrap();
        assert!(
            all.0.iter().any(|e| e.id == dup_id && e.status == "approved" && e.reversed_by == Some(r.id)),
            "nothing deleted"
        );

        // A household with payments cannot be deleted; the ledger reconciles.
        let version = app.store.household(&bangfu_store::Scope::everything(), 1).await.unwrap().version;
        assert!(matches!(app.delete_household(&c.city, 1, Some(version)).await, Err(AppError::Conflict(_))));
        assert_eq!(app.reconcile_funds("2026-12-31").await.unwrap(), Vec::<String>::new(), "{b:?}");
        let sheet = app.fund_balances(&c.city, Some("2026-12-31")).await.unwrap();
        let total = &sheet.funds[0];
        assert_eq!((total.received, total.balance + total.disbursed), (10_000_000, 10_000_000), "{b:?}");
    }
}

/// One step of a random ledger history; most entries are decided at once, some later.
#[derive(Debug, Clone)]
enum Op {
    /// Allocate from the source (None) or a union to a union.
    Allocate { from: Option<usize>, to: usize, fen: i64, day: u32, decide: Option<bool> },
    /// Pay household `h` from a union.
    Pay { from: usize, h: i64, fen: i64, day: u32, decide: Option<bool> },
    /// Reverse an entry recorded so far (index modulo their number).
    Reverse { n: usize, day: u32, decide: Option<bool> },
    /// Approve or reject an entry recorded so far (index modulo their number).
    Decide { n: usize, approve: bool },
}

fn decision() -> impl Strategy<Value = Option<bool>> {
    prop_oneof![7 => Just(Some(true)), 1 => Just(Some(false)), 2 => Just(None)]
}

fn op() -> impl Strategy<Value = Op> {
    let union = 0usize..3;
    // Four months of days, so that entries share days and months.
    prop_oneof![
        (proptest::option::of(union.clone()), union.clone(), 1i64..5_000_000, 0u32..120, decision())
            .prop_map(|(from, to, fen, day, decide)| Op::Allocate { from, to, fen, day, decide }),
        (union, 1i64..=4, 1i64..2_000_000, 0u32..120, decision()).prop_map(|(from, h, fen, day, decide)| Op::Pay {
            from,
            h,
            fen,
            day,
            decide
        }),
        (0usize..100, 0u32..120, decision()).prop_map(|(n, day, decide)| Op::Reverse { n, day, decide }),
        (0usize..100, proptest::bool::weighted(0.8)).prop_map(|(n, approve)| Op::Decide { n, approve }),
    ]
}

fn day(d: u32) -> String {
    (chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Duration::days(i64::from(d))).to_string()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// Whatever sequence of allocations, payments, reversals and decisions is tried — refused
    /// ones included — the kept balances equal the ledger's, which equal a model replayed from
    /// the entries the app accepted, and no balance is ever below zero.
    #[test]
    fn the_ledger_always_reconciles(ops in proptest::collection::vec(op(), 1..40)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            for db in TestDb::all().await {
                let app = App::new(db.open().await);
                let c = city(&app).await;
                let unions = [c.city_union, c.county_union, c.grassroots];
                let fund = app.create_fund(&c.city, &FundInput { name: "f".into(), source: "donations".into(), year: 2026, note: String::new() }).await.unwrap().id;
                let mut recorded: Vec<i64> = Vec::new();
                let decide = |id: i64, approve: bool| {
                    let d = EntryDecisionInput { decision: if approve { "approve" } else { "reject" }.into(), note: "审".into() };
                    let (app, who) = (&app, &c.city2);
                    async move { app.decide_entry(who, id, &d).await.map(|_| ()) }
                };
                for op in &ops {
                    let (r, then) = match op {
                        Op::Allocate { from, to, fen, day: d, decide } => {
                            let input = AllocationInput { amount: bangfu_domain::funds::signed_yuan(*fen).as_str().into(), ..allocation(fund, &day(*d), "0", from.map(|i| unions[i]), unions[*to]) };
                            (app.record_allocation(&c.city, &input).await.map(|e| e.id), *decide)
                        }
                        Op::Pay { from, h, fen, day: d, decide } => {
                            let input = payment(fund, &day(*d), &bangfu_domain::funds::signed_yuan(*fen), unions[*from], *h, None, "living_aid");
                            (app.record_disbursement(&c.city, &input).await.map(|e| e.id), *decide)
                        }
                        Op::Reverse { n, day: d, decide } if !recorded.is_empty() => {
                            let id = recorded[n % recorded.len()];
                            let input = ReversalInput { day: Some(day(*d)), reason: "更正".into(), voucher: String::new() };
                            (app.reverse_entry(&c.city, id, &input).await.map(|e| e.id), *decide)
                        }
                        Op::Decide { n, approve } if !recorded.is_empty() => {
                            (decide(recorded[n % recorded.len()], *approve).await.map(|_| 0), None)
                        }
                        Op::Reverse { .. } | Op::Decide { .. } => continue,
                    };
                    // Refusals are part of the game, but only as clear errors.
                    let ok = |r: &Result<i64, AppError>| {
                        assert!(matches!(r, Ok(_) | Err(AppError::Invalid(_) | AppError::Conflict(_))), "{:?}: {op:?}: {r:?}", db.backend);
                    };
                    ok(&r);
                    if let Some(id) = r.ok().filter(|id| *id > 0) {
                        recorded.push(id);
                        if let Some(approve) = then {
                            ok(&decide(id, approve).await.map(|_| 0));
                        }
                    }
                }
                // The model: replay the approved entries as read back.
                let (entries, _) = app.fund_entries(&Principal::system(), &EntryFilter { fund_id: Some(fund), limit: 1000, ..Default::default() }).await.unwrap();
                for probe in ["2026-01-01", "2026-01-31", "2026-02-14", "2026-03-01", "2026-03-31", "2026-04-30", "2027-12-31"] {
                    let mut model = std::collections::BTreeMap::<i64, i64>::new();
                    for e in entries.iter().filter(|e| e.status == "approved" && e.day.as_str() <= probe) {
                        if let Some(p) = e.payer_union_id { *model.entry(p).or_default() -= e.amount; }
                        if let Some(p) = e.payee_union_id { *model.entry(p).or_default() += e.amount; }
                    }
                    let sheet = app.fund_balances(&Principal::system(), Some(probe)).await.unwrap();
                    for u in unions {
                        let kept: i64 = sheet.rows.iter().filter(|r| r.union_id == u && r.fund_id == fund).map(|r| r.balance).sum();
                        let want = model.get(&u).copied().unwrap_or(0);
                        assert_eq!(kept, want, "{:?}: union {u} on {probe}", db.backend);
                        assert!(kept >= 0, "{:?}: union {u} below zero on {probe}", db.backend);
                    }
                    assert_eq!(app.reconcile_funds(probe).await.unwrap(), Vec::<String>::new(), "{:?} on {probe}", db.backend);
                }
            }
        });
    }
}
