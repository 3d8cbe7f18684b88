//! Pages of the policy engine: the re-check list (五(一)1) with its Excel export.

use crate::auth::Who;
use crate::i18n::Tr;
use crate::page::{Ctx, Nav};
use crate::AppState;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use bangfu_app::AppError;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Routes of these pages.
pub fn routes() -> crate::Routes {
    crate::Routes::default()
        .route("/recheck", get(recheck_page))
        .route("/recheck/export.xlsx", get(recheck_export))
        .route("/what-if", get(what_if_page))
        .route("/evaluation-runs", get(runs_page).post(start_run))
}

#[derive(Template)]
#[template(path = "policy/recheck.html")]
struct RecheckView {
    t: &'static Tr,
    nav: Nav,
    show_synthetic: bool,
    run: Option<RunLine>,
    total: String,
    rows: Vec<RecheckLine>,
    page: u64,
    prev_link: Option<String>,
    next_link: Option<String>,
}

/// The batch evaluation a list comes from.
struct RunLine {
    as_of: String,
    policy_version: i64,
    finished: String,
}

/// A household proposed for withdrawal.
struct RecheckLine {
    id: i64,
    file_no: String,
    head: String,
    id_masked: String,
    region: String,
    pool: &'static str,
    as_of: String,
    why: String,
}

fn page_of(raw: Option<&str>) -> u64 {
    raw.and_then(|q| form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "page").map(|(_, v)| v.into_owned()))
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|p| (1..=1_000_000).contains(p))
        .unwrap_or(1)
}

/// Why a household is proposed: the rules' letters turned into a sentence.
fn why(zh: bool, conditions_failed: &str) -> String {
    crate::i18n::fill(
        crate::i18n::texts(zh).x_none_c1_c4_holds_no,
        &[("conditions_failed", &conditions_failed as &dyn std::fmt::Display)],
    )
}

async fn recheck_page(
    State(s): State<AppState>,
    Who(who): Who,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let page = page_of(raw.as_deref());
    let p = match s.app.recheck(&ctx.who, page, 50).await {
        Ok(p) => p,
        Err(e) => return ctx.error(e),
    };
    let regions = match s.app.store.regions().await {
        Ok(r) => r,
        Err(e) => return ctx.error(e.into()),
    };
    let zh = ctx.lang.zh();
    let name = |code: &str| {
        regions.iter().find(|r| r.code == code).map_or(code.to_string(), |r| {
            if zh {
                r.name.clone()
            } else {
                r.name_en.clone()
            }
        })
    };
    let rows = p
        .items
        .iter()
        .map(|r| {
            let h = &r.household;
            RecheckLine {
                id: h.id,
                file_no: h.file_no.clone(),
                head: h.head_name.clone(),
                id_masked: h.head_id_number.clone(),
                region: name(&h.region_code),
                pool: s.app.pool_of(h).label(zh),
                as_of: r.determination.as_of.to_string(),
                why: why(zh, &format!("{} {}", r.determination.as_of, r.determination.results)),
            }
        })
        .collect();
    let more = p.page * p.per_page < p.total;
    ctx.render(
        StatusCode::OK,
        RecheckView {
            t: ctx.lang.tr(),
            nav: ctx.nav(),
            show_synthetic: false,
            run: p.run.as_ref().map(|r| RunLine {
                as_of: r.as_of.to_string(),
                policy_version: r.policy_version,
                finished: crate::labels::time(r.finished_at.as_deref().unwrap_or_default()),
            }),
            total: if p.total > 10_000 { "10000+".into() } else { p.total.to_string() },
            rows,
            page: p.page,
            prev_link: (p.page > 1).then(|| format!("/recheck?page={}", p.page - 1)),
            next_link: more.then(|| format!("/recheck?page={}", p.page + 1)),
        },
    )
}

async fn recheck_export(
    State(s): State<AppState>,
    Who(who): Who,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    if let Err(e) = s.app.permit(&ctx.who, bangfu_domain::Permission::Export, "household", None).await {
        return ctx.error(e);
    }
    let mut rows = Vec::new();
    let mut run = None;
    for page in 1..=100u64 {
        match s.app.recheck(&ctx.who, page, 1000).await {
            Ok(p) => {
                let done = p.items.len() < 1000;
                run = p.run;
                rows.extend(p.items);
                if done {
                    break;
                }
            }
            Err(e) => return ctx.error(e),
        }
    }
    let mut a = ctx.who.audit("export", "recheck", run.as_ref().map(|r| r.id), None);
    a.detail = serde_json::json!({ "rows": rows.len() }).to_string();
    if let Err(e) = s.app.store.audit(&a).await {
        return ctx.error(e.into());
    }
    let households: Vec<bangfu_store::Household> = rows.iter().map(|r| r.household.clone()).collect();
    let regions = match s.app.store.regions().await {
        Ok(r) => r,
        Err(e) => return ctx.error(e.into()),
    };
    let names = regions
        .iter()
        .map(|r| (r.code.clone(), if ctx.lang.zh() { r.name.clone() } else { r.name_en.clone() }))
        .collect();
    match crate::export::households(ctx.lang, &households, false, &names, |h| s.app.pool_of(h)) {
        Ok(bytes) => crate::export::xlsx_response(bytes, "recheck.xlsx"),
        Err(e) => ctx.error(AppError::Internal(e.to_string())),
    }
}

#[derive(Template)]
#[template(path = "policy/what_if.html")]
struct WhatIfView {
    t: &'static Tr,
    nav: Nav,
    show_synthetic: bool,
    q: WhatIfForm,
    kinds: Vec<crate::form::Choice>,
    error: Option<String>,
    rows: Vec<WhatIfLine>,
}

/// The what-if form as typed.
struct WhatIfForm {
    as_of: String,
    kind: String,
    percent: String,
    from: String,
}

/// A region's counts before and after the change.
struct WhatIfLine {
    region: String,
    households: String,
    eligible: String,
    exited: String,
    relieved: String,
    in_difficulty: String,
}

/// `before → after (±d)`.
fn change(before: u64, after: u64) -> String {
    let d = after as i64 - before as i64;
    if d == 0 {
        format!("{before}")
    } else {
        format!("{before} → {after} ({d:+})")
    }
}

async fn what_if_page(
    State(s): State<AppState>,
    Who(who): Who,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let q: bangfu_app::evaluate::WhatIfQuery =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).unwrap_or_default();
    let zh = ctx.lang.zh();
    let shown = WhatIfForm {
        as_of: q.as_of.clone().unwrap_or_default(),
        kind: q.kind.clone().unwrap_or_else(|| "dibao".into()),
        percent: q.percent.clone().unwrap_or_default(),
        from: q.from.clone().unwrap_or_default(),
    };
    let (mut rows, mut error, mut status) = (Vec::new(), None, StatusCode::OK);
    if q.percent.as_deref().is_some_and(|p| !p.trim().is_empty()) {
        match s.app.what_if(&ctx.who, &q).await {
            Ok(w) => {
                let regions = s.app.store.regions().await.unwrap_or_default();
                let name = |c: &str| {
                    regions.iter().find(|r| r.code == c).map_or(c.to_string(), |r| {
                        if zh {
                            r.name.clone()
                        } else {
                            r.name_en.clone()
                        }
                    })
                };
                let row = |n: String, (b, a): &(bangfu_app::evaluate::Tally, bangfu_app::evaluate::Tally)| WhatIfLine {
                    region: n,
                    households: b.households.to_string(),
                    eligible: change(b.eligible, a.eligible),
                    exited: change(b.exited.iter().sum(), a.exited.iter().sum()),
                    relieved: change(b.relieved, a.relieved),
                    in_difficulty: change(b.in_difficulty, a.in_difficulty),
                };
                rows = w.regions.iter().map(|(c, t)| row(name(c), t)).collect();
                rows.push(row(ctx.lang.tr().total.to_string(), &w.total));
            }
            Err(AppError::Invalid(errs)) => {
                error = Some(ctx.lang.messages(&errs));
                status = StatusCode::UNPROCESSABLE_ENTITY;
            }
            Err(e) => return ctx.error(e),
        }
    }
    let kinds = crate::form::choices(bangfu_domain::StandardKind::ALL.iter().map(|k| (k.code(), k.label(zh))));
    ctx.render(
        status,
        WhatIfView { t: ctx.lang.tr(), nav: ctx.nav(), show_synthetic: false, q: shown, kinds, error, rows },
    )
}

/// A batch evaluation as the page lists it.
struct JobLine {
    number: u64,
    as_of: String,
    region: String,
    started_by: String,
    done: u64,
    total: u64,
    result: String,
}

/// A batch evaluation started from the web, running in the background of this process.
pub struct Job {
    as_of: String,
    region: String,
    started_by: String,
    done: Arc<AtomicU64>,
    total: u64,
    result: Option<String>,
}

/// The jobs of this process, newest last.
#[derive(Clone, Default)]
pub struct Jobs(Arc<Mutex<BTreeMap<u64, Job>>>);

#[derive(Template)]
#[template(path = "policy/runs.html")]
struct RunsView {
    t: &'static Tr,
    nav: Nav,
    show_synthetic: bool,
    running: bool,
    can_start: bool,
    default_as_of: String,
    error: Option<String>,
    jobs: Vec<JobLine>,
}

async fn runs_view(s: &AppState, ctx: &Ctx, status: StatusCode, error: Option<String>) -> Response {
    let jobs: Vec<_> = match s.jobs.0.lock() {
        Ok(j) => j
            .iter()
            .rev()
            .map(|(n, j)| {
                let done = j.done.load(Ordering::Relaxed);
                JobLine {
                    number: *n,
                    as_of: j.as_of.clone(),
                    region: j.region.clone(),
                    started_by: j.started_by.clone(),
                    done,
                    total: j.total.max(done),
                    result: j.result.clone().unwrap_or_default(),
                }
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    let running = jobs.iter().any(|j| j.result.is_empty());
    ctx.render(
        status,
        RunsView {
            t: ctx.lang.tr(),
            nav: ctx.nav(),
            show_synthetic: false,
            running,
            can_start: ctx.who.can(bangfu_domain::Permission::WriteHouseholds),
            default_as_of: bangfu_domain::YearMonth::of_date(bangfu_app::clock::today()).plus(-1).to_string(),
            error,
            jobs,
        },
    )
}

async fn runs_page(State(s): State<AppState>, Who(who): Who, RawQuery(raw): RawQuery, headers: HeaderMap) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    if let Err(e) = s.app.permit(&ctx.who, bangfu_domain::Permission::ReadHouseholds, "evaluation_run", None).await {
        return ctx.error(e);
    }
    runs_view(&s, &ctx, StatusCode::OK, None).await
}

/// Starts `evaluate_all` in the background; the page shows its progress.
async fn start_run(
    State(s): State<AppState>,
    Who(who): Who,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    if let Err(e) = s.app.permit(&ctx.who, bangfu_domain::Permission::WriteHouseholds, "evaluation_run", None).await {
        return ctx.error(e);
    }
    let form: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string()).filter(|v| !v.is_empty());
    let as_of = match s.app.as_of(get("as_of").as_deref()) {
        Ok(m) => m,
        Err(AppError::Invalid(errs)) => {
            let msg = ctx.lang.messages(&errs);
            return runs_view(&s, &ctx, StatusCode::UNPROCESSABLE_ENTITY, Some(msg)).await;
        }
        Err(e) => return ctx.error(e),
    };
    let region = get("region");
    let total = s.app.store.count_households().await.unwrap_or(0).max(0) as u64;
    let done = Arc::new(AtomicU64::new(0));
    let n = match s.jobs.0.lock() {
        Ok(mut jobs) => {
            let n = jobs.keys().next_back().map_or(1, |k| k + 1);
            jobs.insert(
                n,
                Job {
                    as_of: as_of.to_string(),
                    region: region.clone().unwrap_or_default(),
                    started_by: ctx.who.display_name.clone(),
                    done: done.clone(),
                    total,
                    result: None,
                },
            );
            n
        }
        Err(_) => return ctx.error(AppError::Internal("jobs lock".into())),
    };
    let (app, jobs, who, zh) = (s.app.clone(), s.jobs.clone(), ctx.who.clone(), ctx.lang.zh());
    // On a thread of its own, driven by the runtime's handle: the batch is long and its future
    // borrows across awaits in ways `tokio::spawn`'s Send bound cannot name.
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let progress = move |k: u64| done.store(k, Ordering::Relaxed);
        let result = handle.block_on(app.evaluate_all(&who, as_of, region.as_deref(), &progress));
        let text = match result {
            Ok(sum) => {
                if zh {
                    format!(
                        "完成：第 {} 次评估，{} 户，符合条件 {} 户，在档困难 {} 户",
                        sum.run_id, sum.total.households, sum.total.eligible, sum.total.in_difficulty
                    )
                } else {
                    format!(
                        "done: run {}, {} households, {} eligible, {} in difficulty",
                        sum.run_id, sum.total.households, sum.total.eligible, sum.total.in_difficulty
                    )
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "batch evaluation failed");
                let failure = crate::error::describe(&e);
                let lang = if zh { crate::i18n::Lang::Zh } else { crate::i18n::Lang::En };
                format!("{}{}", crate::i18n::texts(zh).x_batch_failed, failure.message(lang))
            }
        };
        if let Ok(mut j) = jobs.0.lock() {
            if let Some(job) = j.get_mut(&n) {
                // The bar ends full: the households in scope, not the whole database.
                job.total = job.done.load(Ordering::Relaxed);
                job.result = Some(text);
            }
        }
    });
    axum::response::IntoResponse::into_response(axum::response::Redirect::to("/evaluation-runs"))
}
