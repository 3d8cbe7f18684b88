//! The frameworks page: each region's sequence of frameworks and parameters, and the form with
//! which city staff change them from a month on — previewed (the counts per region before and
//! after) before they are saved as a new version.

use crate::i18n::Tr;
use crate::page::{region_names, Ctx, Nav};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use bangfu_app::evaluate::Tally;
use bangfu_app::frameworks::PolicyInput;
use bangfu_app::AppError;
use bangfu_domain::{Code, FieldError, Framework, Permission, YearMonth};

/// One record of a region's sequence, as listed.
struct SeqLine {
    from: String,
    framework: &'static str,
    params: String,
    version: i64,
    by: String,
}

/// A region and its sequence.
struct RegionLine {
    code: String,
    name: String,
    sequence: Vec<SeqLine>,
}

/// The form as typed.
#[derive(Default)]
struct Form {
    region_code: String,
    framework: String,
    from: String,
    window_months: String,
    relative_percent: String,
    accident_percent: String,
    min_labour_months: String,
    multiplier: String,
    stock_cutoff: String,
    name: String,
    as_of: String,
}

/// A region's counts before → after.
struct PreviewLine {
    region: String,
    households: String,
    eligible: String,
    d1: String,
    r1: String,
    a1: String,
    withdrawn: String,
    exited: String,
    in_difficulty: String,
}

#[derive(Template)]
#[template(path = "policy/frameworks.html")]
struct FrameworksView {
    t: &'static Tr,
    nav: Nav,
    show_synthetic: bool,
    regions: Vec<RegionLine>,
    can_set: bool,
    f: Form,
    region_choices: Vec<crate::form::Choice>,
    frameworks: Vec<crate::form::Choice>,
    error: Option<String>,
    /// Messages beside their fields.
    errors: std::collections::HashMap<String, String>,
    saved: bool,
    preview: Vec<PreviewLine>,
    preview_month: String,
}

impl FrameworksView {
    /// The message beside field `name`, or "".
    fn err(&self, name: &str) -> String {
        self.errors.get(name).cloned().unwrap_or_default()
    }
}

/// The form's fields, for messages beside them.
const FIELDS: [&str; 11] = [
    "region_code",
    "framework",
    "from",
    "window_months",
    "relative_percent",
    "accident_percent",
    "min_labour_months",
    "multiplier",
    "stock_cutoff",
    "name",
    "as_of",
];

/// `before → after (±d)`, or the count when unchanged.
fn change(before: u64, after: u64) -> String {
    let d = after as i64 - before as i64;
    if d == 0 {
        before.to_string()
    } else {
        format!("{before} → {after} ({d:+})")
    }
}

fn params_text(p: &bangfu_domain::policy::engine::Params, t: &Tr) -> String {
    match p.framework {
        Framework::Plan2018 => format!(
            "{} {} · {} {} · {} {}",
            t.window_months, p.window_months, t.multiplier, p.multiplier, t.stock_cutoff, p.stock_cutoff
        ),
        Framework::National2021 => format!(
            "{} {} · {} {}% · {} {}% · {} {}",
            t.window_months,
            p.window_months,
            t.relative_percent,
            p.relative_percent,
            t.accident_percent,
            p.accident_percent,
            t.min_labour_months,
            p.min_labour_months
        ),
    }
}

/// The form's text fields as the input (whole numbers checked here, the rest by the app).
fn input_of(f: &Form) -> Result<PolicyInput, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut int = |field: &str, v: &str| -> Option<i64> {
        let v = v.trim();
        if v.is_empty() {
            return None;
        }
        v.parse().map_err(|_| errors.push(FieldError::new(field, Code::NotWholeNumber))).ok()
    };
    let input = PolicyInput {
        region_code: f.region_code.clone(),
        framework: f.framework.clone(),
        from: f.from.clone(),
        window_months: int("window_months", &f.window_months),
        relative_percent: int("relative_percent", &f.relative_percent),
        accident_percent: int("accident_percent", &f.accident_percent),
        min_labour_months: int("min_labour_months", &f.min_labour_months),
        multiplier: int("multiplier", &f.multiplier),
        stock_cutoff: Some(f.stock_cutoff.clone()),
        name: f.name.clone(),
        as_of: Some(f.as_of.clone()),
    };
    if errors.is_empty() {
        Ok(input)
    } else {
        Err(errors)
    }
}

/// What the page shows besides the list: the form, its messages (above it, and beside each
/// field), the preview and its month, and whether a change was just saved.
type Shown = (Form, (Option<String>, std::collections::HashMap<String, String>), Vec<PreviewLine>, String, bool);

async fn view(s: &AppState, ctx: &Ctx, status: StatusCode, v: Shown) -> Response {
    let (f, (error, errors), preview, preview_month, saved) = v;
    let (t, zh) = (ctx.lang.tr(), ctx.lang.zh());
    let list = match s.app.frameworks(&ctx.who).await {
        Ok(l) => l,
        Err(e) => return ctx.error(e),
    };
    let regions = match s.app.store.regions().await {
        Ok(r) => r,
        Err(e) => return ctx.error(e.into()),
    };
    let names = region_names(&regions, zh);
    // A region is listed when its sequence is its own: the top of the caller's regions, and any
    // region whose sequence differs from the one above it.
    let parent_of = |code: &str| regions.iter().find(|r| r.code == code).and_then(|r| r.parent_code.clone());
    let versions =
        |seq: &[bangfu_domain::policy::PolicyRecord]| seq.iter().map(|x| x.params.version).collect::<Vec<_>>();
    let own = |r: &&bangfu_app::frameworks::RegionFrameworks| match parent_of(&r.region_code)
        .and_then(|p| list.iter().find(|x| x.region_code == p))
    {
        Some(parent) => versions(&parent.sequence) != versions(&r.sequence),
        None => true,
    };
    let lines = list
        .iter()
        .filter(own)
        .map(|r| RegionLine {
            code: r.region_code.clone(),
            name: names.get(&r.region_code).cloned().unwrap_or_default(),
            sequence: r
                .sequence
                .iter()
                .map(|x| SeqLine {
                    from: x.from.map_or_else(|| t.from_the_beginning.to_string(), |m| m.to_string()),
                    framework: x.params.framework.label(zh),
                    params: params_text(&x.params, t),
                    version: x.params.version,
                    by: x
                        .created_by
                        .as_deref()
                        .map_or_else(|| t.preset.to_string(), |b| crate::labels::who(b, ctx.lang)),
                })
                .collect(),
        })
        .collect();
    ctx.render(
        status,
        FrameworksView {
            t,
            nav: ctx.nav(),
            show_synthetic: false,
            regions: lines,
            can_set: ctx.who.can(Permission::SetPolicy),
            region_choices: crate::form::choices(
                list.iter().map(|r| (r.region_code.clone(), names.get(&r.region_code).cloned().unwrap_or_default())),
            ),
            frameworks: crate::form::choices(Framework::ALL.iter().map(|x| (x.code(), x.label(zh)))),
            f,
            error,
            errors,
            saved,
            preview,
            preview_month,
        },
    )
}

/// `GET /frameworks`.
pub(crate) async fn frameworks_page(State(s): State<AppState>, ctx: Ctx, uri: axum::http::Uri) -> Response {
    let saved = uri.query().is_some_and(|q| q.contains("saved=1"));
    let this_month = YearMonth::of_date(bangfu_app::clock::today());
    // The form starts from the 2021 framework's parameters in force for the caller's first
    // region this month.
    let first = s.app.frameworks(&ctx.who).await.ok().and_then(|l| l.into_iter().next());
    let mut f = Form {
        framework: Framework::National2021.code().into(),
        from: this_month.plus(1).to_string(),
        ..Form::default()
    };
    if let Some(r) = first {
        f.region_code = r.region_code.clone();
        if let Some(x) = r.sequence.last() {
            let p = x.params;
            f.framework = p.framework.code().into();
            f.window_months = p.window_months.to_string();
            f.relative_percent = p.relative_percent.to_string();
            f.accident_percent = p.accident_percent.to_string();
            f.min_labour_months = p.min_labour_months.to_string();
            f.multiplier = p.multiplier.to_string();
            f.stock_cutoff = p.stock_cutoff.to_string();
        }
    }
    view(&s, &ctx, StatusCode::OK, (f, Default::default(), Vec::new(), String::new(), saved)).await
}

/// `POST /frameworks`: `action=preview` shows what the change would do; `action=save` saves it.
pub(crate) async fn frameworks_submit(State(s): State<AppState>, ctx: Ctx, body: axum::body::Bytes) -> Response {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let one = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let f = Form {
        region_code: one("region_code"),
        framework: one("framework"),
        from: one("from"),
        window_months: one("window_months"),
        relative_percent: one("relative_percent"),
        accident_percent: one("accident_percent"),
        min_labour_months: one("min_labour_months"),
        multiplier: one("multiplier"),
        stock_cutoff: one("stock_cutoff"),
        name: one("name"),
        as_of: one("as_of"),
    };
    let save = one("action") == "save";
    let result = match input_of(&f) {
        Err(errs) => Err(AppError::Invalid(errs)),
        Ok(input) if save => s.app.set_policy(&ctx.who, &input).await.map(|_| None),
        Ok(input) => s.app.preview_policy(&ctx.who, &input).await.map(Some),
    };
    match result {
        Ok(None) => Redirect::to("/frameworks?saved=1").into_response(),
        Ok(Some(p)) => {
            let (t, zh) = (ctx.lang.tr(), ctx.lang.zh());
            let regions = s.app.store.regions().await.unwrap_or_default();
            let names = region_names(&regions, zh);
            let row = |name: String, (b, a): &(Tally, Tally)| PreviewLine {
                region: name,
                households: b.households.to_string(),
                eligible: change(b.eligible, a.eligible),
                d1: change(b.categories[0], a.categories[0]),
                r1: change(b.categories[1], a.categories[1]),
                a1: change(b.categories[2], a.categories[2]),
                withdrawn: change(b.withdrawn.iter().sum(), a.withdrawn.iter().sum()),
                exited: change(b.exited.iter().sum(), a.exited.iter().sum()),
                in_difficulty: change(b.in_difficulty, a.in_difficulty),
            };
            let mut lines: Vec<PreviewLine> =
                p.regions.iter().map(|(c, x)| row(names.get(c).cloned().unwrap_or_else(|| c.clone()), x)).collect();
            lines.push(row(t.total.to_string(), &p.total));
            let month = p.as_of.clone();
            let f = Form { as_of: month.clone(), ..f };
            view(&s, &ctx, StatusCode::OK, (f, Default::default(), lines, month, false)).await
        }
        Err(e) => match crate::form::FormState::default().fail(e, &FIELDS, ctx.lang) {
            Ok(state) => {
                let general = state.general.or_else(|| Some(ctx.lang.tr().form_has_errors.to_string()));
                let status = state.status.unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
                view(&s, &ctx, status, (f, (general, state.errors), Vec::new(), String::new(), false)).await
            }
            Err(e) => ctx.error(e),
        },
    }
}
