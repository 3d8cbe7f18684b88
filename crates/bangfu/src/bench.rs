//! `bangfu bench`: the household list's latency on the current database, through the store,
//! the API and the page, in-process (no network), as a city, a county and a grassroots user
//! (each scope adds its own condition). Prints medians and 95th percentiles.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use bangfu_app::households::ListQuery;
use bangfu_app::users::UserInput;
use bangfu_app::{App, AppError, Principal};
use bangfu_domain::OrgKind;
use bangfu_store::Scope;
use http_body_util::BodyExt;
use std::time::{Duration, Instant};
use tower::ServiceExt;

fn stats(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let p = |q: f64| ms(v[((v.len() as f64 - 1.0) * q).round() as usize]);
    (p(0.5), p(0.95))
}

fn err(e: AppError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

/// The bench's accounts: (name, role, region, organisation, cases).
type Account = (&'static str, &'static str, Option<&'static str>, Option<i64>, Vec<(&'static str, &'static str)>);

/// What `bangfu bench` measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// The household list (issue 3).
    List,
    /// The "my work" page and the unpaired queue (issue 5).
    Work,
    /// The dashboard and the statistical tables (issue 6).
    Report,
    /// Fund balances and supervision findings (issue 8).
    Funds,
    /// A household's page beside a static asset of the same server (issue 21).
    Household,
}

pub async fn run(app: App, iterations: u32, target: Target) -> anyhow::Result<()> {
    let n = app.store.count_households().await?;
    println!("households: {n}; backend: {:?}; iterations per case: {iterations}", app.store.backend());
    let city_cases = vec![
        ("first page", ""),
        ("region + status + pool", "region=450403&status=in_file&pool=stock"),
        ("cause", "cause=disability"),
        ("name prefix", "q=%E9%BB%84%E4%BC%9F"),
        ("page 50 of a region", "region=450422&page=50"),
        ("region + cause", "region=450423&cause=disability"),
        ("region + rare cause + pool", "region=450423&cause=disaster&pool=stock"),
    ];
    let local_cases = vec![
        ("first page", ""),
        ("status + pool", "status=in_file&pool=stock"),
        ("cause", "cause=disability"),
        ("page 50", "page=50"),
    ];
    let union = app
        .store
        .organisations(&Scope::everything(), Some(OrgKind::GrassrootsUnion))
        .await?
        .into_iter()
        .find(|o| o.region_code == "450422")
        .map(|o| o.id);
    if target == Target::Work {
        let work = vec![
            ("my work", "/api/v1/my-work|/my-work"),
            ("unpaired queue", "/api/v1/unpaired|"),
            ("unpaired page 20", "/api/v1/unpaired?page=20|"),
        ];
        return work_bench(&app, iterations, union, work).await;
    }
    if target == Target::Funds {
        let funds = vec![
            ("balances today", "|/funds"),
            ("balances 2023-06-30", "|/funds?as_of=2023-06-30"),
            ("findings open", "|/funds/findings"),
            ("findings all", "|/funds/findings?status="),
            ("findings duplicate", "|/funds/findings?kind=duplicate"),
        ];
        return work_bench(&app, iterations, union, funds).await;
    }
    if target == Target::Household {
        return household_bench(&app, iterations, n).await;
    }
    if target == Target::Report {
        let report = vec![
            ("progress 2019-06-30", "/api/v1/campaigns/1/progress?as_of=2019-06-30|/dashboard?as_of=2019-06-30"),
            ("progress today", "/api/v1/campaigns/1/progress|/dashboard"),
            ("figures today", "/api/v1/dashboard|"),
            ("statistics today", "/api/v1/reports/statistics|/reports"),
            ("statistics .xlsx", "|/reports/export.xlsx"),
        ];
        return work_bench(&app, iterations, union, report).await;
    }
    let mut accounts: Vec<Account> = vec![
        ("bench-city", "city_staff", Some("450400"), None, city_cases),
        ("bench-county", "county_staff", Some("450422"), None, local_cases.clone()),
    ];
    if union.is_some() {
        accounts.push(("bench-grassroots", "grassroots_staff", None, union, local_cases));
    }
    let router = bangfu_web::router(app.clone());
    for (name, role, region, org, cases) in accounts {
        // Each account reads through a token of its own, disabled again at the end.
        let (who, bearer, token_id, user_id) = bench_account(&app, (name, role, region, org)).await?;
        println!("\nas {role} ({})", region.map_or_else(|| format!("union {}", org.unwrap_or(0)), str::to_string));
        println!(
            "{:<26} {:>12} {:>12} {:>12} {:>12} {:>12} {:>12}",
            "case", "store p50", "store p95", "api p50", "api p95", "page p50", "page p95"
        );
        for (case, query) in cases {
            let q: ListQuery = serde_urlencoded::from_str(query)?;
            let spec = app.list_spec(&q).await.map_err(err)?;
            let (mut store, mut api, mut page) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..iterations {
                let t = Instant::now();
                app.list_households(&who, &spec).await.map_err(err)?;
                store.push(t.elapsed());
                for (uri, out) in
                    [(format!("/api/v1/households?{query}"), &mut api), (format!("/households?{query}"), &mut page)]
                {
                    out.push(timed_get(&router, &uri, &bearer).await?);
                }
            }
            let (s50, s95) = stats(store);
            let (a50, a95) = stats(api);
            let (p50, p95) = stats(page);
            println!("{case:<26} {s50:>10.2}ms {s95:>10.2}ms {a50:>10.2}ms {a95:>10.2}ms {p50:>10.2}ms {p95:>10.2}ms");
        }
        retire(&app, token_id, user_id).await?;
    }
    Ok(())
}

/// `bangfu bench-rules`: the rules alone over `households` synthetic households of `months`
/// monthly records each, all in memory, on every core (rayon). Prints the median of `runs`.
pub fn rules(households: u64, months: u32, runs: u32) {
    use bangfu_domain::policy::engine::{Enrolment, Facts, MonthFacts, Params, StandardsTable};
    use bangfu_domain::{Cause, Scheme, YearMonth};
    use rayon::prelude::*;
    let Some(last) = YearMonth::new(2018, 6) else { return };
    // A small deterministic generator: the figures must not depend on a seed's luck.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    };
    let t = Instant::now();
    let regions: Vec<StandardsTable> = (0..7)
        .map(|r| {
            let d = 50_000 + r * 3_000;
            StandardsTable::new(
                vec![(last.plus(-30), d), (last.plus(-18), d + 3_000), (last.plus(-2), d + 6_000)],
                vec![(last.plus(-30), d * 3 / 2)],
            )
        })
        .collect();
    let registered = chrono::NaiveDate::from_ymd_opt(2016, 5, 10).unwrap_or_default();
    let facts: Vec<(usize, Facts)> = (0..households)
        .map(|_| {
            let n = 1 + next(4) as i64;
            let base = next(400_000) as i64;
            let f = Facts {
                registered_on: registered,
                migrant_worker: next(5) == 0,
                causes: vec![if next(3) == 0 { Cause::Schooling } else { Cause::Illness }],
                causes_resolved: next(4) == 0,
                children_completed_studies: next(3) == 0,
                enrolments: if next(3) == 0 {
                    vec![Enrolment { scheme: Scheme::Dibao, from: last.plus(-(next(30) as i32)), to: None }]
                } else {
                    Vec::new()
                },
                union_assistance: vec![last.plus(-(next(18) as i32))],
                months: (0..months)
                    .map(|i| {
                        let income = base + next(100_000) as i64;
                        let aid = if next(3) == 0 { income / 3 } else { 0 };
                        // Medical spending: non-living, rigid and a hardship cost alike.
                        let medical = if next(2) == 0 { next(150_000) as i64 } else { 0 };
                        MonthFacts {
                            month: last.plus(i as i32 + 1 - months as i32),
                            members: n,
                            income,
                            aid,
                            non_living: medical,
                            rigid: medical,
                            hardship: medical,
                        }
                    })
                    .collect(),
                ..Facts::default()
            };
            (next(7) as usize, f)
        })
        .collect();
    println!(
        "{households} households × {months} months generated in {:.1} s; {} threads",
        t.elapsed().as_secs_f64(),
        rayon::current_num_threads()
    );
    // The same households under each framework, one after the other in this run: the 2018
    // plan (a six-month window) and the 2021 framework (twelve months).
    for framework in [bangfu_domain::Framework::Plan2018, bangfu_domain::Framework::National2021] {
        let params = Params::of(framework);
        let mut times = Vec::new();
        let mut eligible = 0;
        for _ in 0..runs {
            let t = Instant::now();
            let (e, exited) = facts
                .par_iter()
                .map(|(r, f)| {
                    let ev = bangfu_domain::policy::evaluate(f, &regions[*r], &params, last);
                    (usize::from(ev.eligible()), usize::from(ev.outcome().is_some()))
                })
                .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
            times.push(t.elapsed());
            eligible = e;
            let _ = exited;
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{}: evaluated in {:.0} ms (median of {runs}; fastest {:.0} ms, slowest {:.0} ms): {:.0} households/s; {eligible} eligible",
            framework.code(),
            ms(times[times.len() / 2]),
            ms(times[0]),
            ms(times[times.len() - 1]),
            households as f64 / times[times.len() / 2].as_secs_f64()
        );
    }
}

/// Creates (or re-enables) a bench account with a token; answers its principal and bearer.
async fn bench_account(
    app: &App,
    (name, role, region, org): (&str, &str, Option<&str>, Option<i64>),
) -> anyhow::Result<(Principal, String, i64, i64)> {
    let user = app
        .ensure_user(&UserInput {
            name: name.into(),
            display_name: name.into(),
            role: role.into(),
            region_code: region.map(str::to_string),
            org_id: org,
            password: Some(bangfu_app::auth::random_hex(16).map_err(err)?),
            ..Default::default()
        })
        .await
        .map_err(err)?;
    let token = app.create_token(&Principal::system(), user.id, "bangfu bench").await.map_err(err)?;
    let who = app.token_principal(&token.secret, "local").await.map_err(err)?.ok_or(anyhow::anyhow!("bench token"))?;
    Ok((who, format!("Bearer {}", token.secret), token.token.id, user.id))
}

/// Revokes the bench token and disables the account again.
async fn retire(app: &App, token_id: i64, user_id: i64) -> anyhow::Result<()> {
    let system = Principal::system();
    app.revoke_token(&system, token_id).await.map_err(err)?;
    let user = app.store.user(user_id).await?;
    let off = UserInput {
        name: user.name.clone(),
        display_name: user.display_name.clone(),
        role: user.role.clone(),
        region_code: user.region_code.clone(),
        org_id: user.org_id,
        disabled: true,
        ..Default::default()
    };
    app.update_user(&system, user.id, Some(user.version), &off).await.map_err(err)?;
    Ok(())
}

/// The work page and the unpaired queue (or the dashboard and the reports) as city, county and
/// grassroots staff: the store call
/// (app layer, scope included), the API and the page, each timed `iterations` times.
async fn work_bench(
    app: &App,
    iterations: u32,
    union: Option<i64>,
    cases: Vec<(&'static str, &'static str)>,
) -> anyhow::Result<()> {
    let router = bangfu_web::router(app.clone());
    let today = bangfu_app::clock::today();
    let mut accounts = vec![
        ("bench-city", "city_staff", Some("450400"), None),
        ("bench-county", "county_staff", Some("450422"), None),
    ];
    if union.is_some() {
        accounts.push(("bench-grassroots", "grassroots_staff", None, union));
    }
    for account in accounts {
        let (who, bearer, token_id, user_id) = bench_account(app, account).await?;
        println!(
            "\nas {} ({})",
            account.1,
            account.2.map_or_else(|| format!("union {}", account.3.unwrap_or(0)), str::to_string)
        );
        println!(
            "{:<20} {:>12} {:>12} {:>12} {:>12} {:>12} {:>12}",
            "case", "app p50", "app p95", "api p50", "api p95", "page p50", "page p95"
        );
        for (case, uris) in &cases {
            let (api_uri, page_uri) = uris.split_once('|').unwrap_or((uris, ""));
            let (mut store, mut api, mut page) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..iterations {
                let t = Instant::now();
                if case.starts_with("my work") {
                    app.my_work(&who, today).await.map_err(err)?;
                } else if case.starts_with("progress") {
                    let day = api_uri.split_once("as_of=").map(|(_, d)| d);
                    app.campaign_progress(&who, 1, day).await.map_err(err)?;
                } else if case.starts_with("figures") {
                    app.dashboard_figures(&who, None).await.map_err(err)?;
                } else if case.starts_with("balances") {
                    let day = page_uri.split_once("as_of=").map(|(_, d)| d);
                    app.fund_balances(&who, day).await.map_err(err)?;
                } else if case.starts_with("findings") {
                    let status = if case.ends_with("open") { Some("open".to_string()) } else { None };
                    let kind = case.strip_prefix("findings ").filter(|k| *k == "duplicate").map(str::to_string);
                    let f = bangfu_store::FindingFilter { status, kind, limit: 100, ..Default::default() };
                    app.findings(&who, &f).await.map_err(err)?;
                    app.finding_counts(&who).await.map_err(err)?;
                } else if case.starts_with("statistics") {
                    app.statistics(&who, None, None).await.map_err(err)?;
                } else {
                    let p = if api_uri.contains("page=20") { 20 } else { 1 };
                    app.unpaired(&who, p, 50).await.map_err(err)?;
                }
                store.push(t.elapsed());
                for (uri, out) in [(api_uri, &mut api), (page_uri, &mut page)] {
                    if !uri.is_empty() {
                        out.push(timed_get(&router, uri, &bearer).await?);
                    }
                }
            }
            let f = |v: Vec<Duration>| if v.is_empty() { (f64::NAN, f64::NAN) } else { stats(v) };
            let ((s50, s95), (a50, a95), (p50, p95)) = (f(store), f(api), f(page));
            println!("{case:<20} {s50:>10.2}ms {s95:>10.2}ms {a50:>10.2}ms {a95:>10.2}ms {p50:>10.2}ms {p95:>10.2}ms");
        }
        retire(app, token_id, user_id).await?;
    }
    Ok(())
}

/// A household's page (`/households/{id}`, households spread over the registry, one after the
/// other) and a static asset (`/assets/style.css`) through the same router, as city staff: p50
/// and p95 of each and the ratio of the medians.
async fn household_bench(app: &App, iterations: u32, households: i64) -> anyhow::Result<()> {
    anyhow::ensure!(households > 0, "no households: run `bangfu demo` first");
    let router = bangfu_web::router(app.clone());
    let (_, bearer, token_id, user_id) = bench_account(app, ("bench-city", "city_staff", Some("450400"), None)).await?;
    let step = (households / i64::from(iterations)).max(1);
    let (mut page, mut asset) = (Vec::new(), Vec::new());
    for i in 0..i64::from(iterations) {
        let id = 1 + (i * step) % households;
        for (uri, out) in [(format!("/households/{id}"), &mut page), ("/assets/style.css".to_string(), &mut asset)] {
            out.push(timed_get(&router, &uri, &bearer).await?);
        }
    }
    retire(app, token_id, user_id).await?;
    let (p50, p95) = stats(page);
    let (a50, a95) = stats(asset);
    println!("{:<20} {:>12} {:>12}", "as city staff", "p50", "p95");
    println!("{:<20} {p50:>10.2}ms {p95:>10.2}ms", "household page");
    println!("{:<20} {a50:>10.2}ms {a95:>10.2}ms", "static asset");
    println!("household page / static asset (p50): {:.1}×", p50 / a50.max(1e-9));
    Ok(())
}

/// A GET of `uri` through `router` with `bearer`, read to its end: how long it took. Anything but
/// 200 stops the bench.
async fn timed_get(router: &axum::Router, uri: &str, bearer: &str) -> anyhow::Result<Duration> {
    let t = Instant::now();
    let req = Request::get(uri).header("authorization", bearer).body(Body::empty())?;
    let res = router.clone().oneshot(req).await?;
    anyhow::ensure!(res.status() == StatusCode::OK, "{uri} answered {}", res.status());
    res.into_body().collect().await?;
    Ok(t.elapsed())
}
