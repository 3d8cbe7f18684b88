//! The household's timeline page and each user's "my work" page.

use crate::auth::Who;
use crate::i18n::Tr;
use crate::page::{Ctx, Nav};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use bangfu_app::casework::TimelineEvent;
use bangfu_app::AppError;
use bangfu_store::WorkList;

#[derive(Template)]
#[template(path = "casework/timeline.html")]
struct TimelineView {
    t: &'static Tr,
    nav: Nav,
    show_synthetic: bool,
    zh: bool,
    lang: crate::i18n::Lang,
    id: i64,
    file_no: String,
    head: String,
    events: Vec<TimelineEvent>,
}

/// A household's timeline.
pub(crate) async fn timeline_page(
    State(s): State<AppState>,
    Who(who): Who,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let Ok(id) = id.parse::<i64>() else { return ctx.error(AppError::NotFound) };
    let h = match s.app.household(&ctx.who, id).await {
        Ok(h) => h,
        Err(e) => return ctx.error(e),
    };
    let events = match s.app.timeline(&ctx.who, id).await {
        Ok(e) => e,
        Err(e) => return ctx.error(e),
    };
    ctx.render(
        StatusCode::OK,
        TimelineView {
            t: ctx.lang.tr(),
            nav: ctx.nav(),
            show_synthetic: h.synthetic,
            zh: ctx.lang.zh(),
            lang: ctx.lang,
            id,
            file_no: h.file_no,
            head: h.head_name,
            events,
        },
    )
}

/// A reminder from the joint meeting or a department.
struct ReminderLine {
    date: String,
    text: String,
    link: String,
}

/// A list of reminders under its title.
struct ReminderList {
    title: String,
    lines: Vec<ReminderLine>,
}

/// One thing to do about a household.
struct WorkLine {
    date: String,
    household_id: i64,
    file_no: String,
    head: String,
    what: String,
    who: String,
}

/// One list of the work page.
struct WorkSection {
    anchor: &'static str,
    title: &'static str,
    count: String,
    lines: Vec<WorkLine>,
}

#[derive(Template)]
#[template(path = "casework/my_work.html")]
struct MyWorkView {
    t: &'static Tr,
    nav: Nav,
    show_synthetic: bool,
    today: String,
    sections: Vec<WorkSection>,
    /// Reminders from the joint meeting and the departments.
    reminders: Vec<ReminderList>,
}

/// The signed-in user's work.
pub(crate) async fn my_work_page(
    State(s): State<AppState>,
    Who(who): Who,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let zh = ctx.lang.zh();
    let reminders = match s.app.exchange_reminders(&ctx.who).await {
        Ok((tasks, requests)) => {
            let today = bangfu_app::clock::today().to_string();
            let mut out = Vec::new();
            if !tasks.is_empty() {
                let lines = tasks
                    .iter()
                    .map(|t| {
                        let late = if t.deadline < today { crate::i18n::texts(zh).x_overdue } else { "" };
                        ReminderLine {
                            date: t.deadline.clone(),
                            text: format!("{} · {}{late}", t.title, t.lead),
                            link: "/joint".to_string(),
                        }
                    })
                    .collect();
                out.push(ReminderList {
                    title: crate::i18n::texts(zh).x_supervised_tasks_due_within_14.to_string(),
                    lines,
                });
            }
            if !requests.is_empty() {
                let lines = requests
                    .iter()
                    .map(|v| {
                        let late = if v.due_on < today { crate::i18n::texts(zh).x_overdue } else { "" };
                        ReminderLine {
                            date: v.due_on.clone(),
                            text: format!("{} {} · {}{late}", v.file_no, v.head_name, v.question),
                            link: format!("/verifications/{}", v.id),
                        }
                    })
                    .collect();
                out.push(ReminderList {
                    title: crate::i18n::texts(zh).x_verification_requests_answer.to_string(),
                    lines,
                });
            }
            out
        }
        Err(e) => return ctx.error(e),
    };
    // A liaison reads no household: their work is the reminders alone.
    if !ctx.who.can(bangfu_domain::Permission::ReadHouseholds) {
        let today = bangfu_app::clock::today().to_string();
        return ctx.render(
            StatusCode::OK,
            MyWorkView {
                t: ctx.lang.tr(),
                nav: ctx.nav(),
                show_synthetic: false,
                today,
                sections: Vec::new(),
                reminders,
            },
        );
    }
    let w = match s.app.my_work(&ctx.who, bangfu_app::clock::today()).await {
        Ok(w) => w,
        Err(e) => return ctx.error(e),
    };
    let c = ctx.lang.tr();
    let what = |code: &str| crate::labels::work_what(code, ctx.lang);
    let lines = |l: &WorkList| -> (String, Vec<WorkLine>) {
        let count = if l.total > bangfu_store::casework::WORK_CAP {
            format!("{}+", bangfu_store::casework::WORK_CAP)
        } else {
            l.total.to_string()
        };
        let rows = l
            .items
            .iter()
            .map(|i| WorkLine {
                date: crate::labels::date(&i.date),
                household_id: i.household_id,
                file_no: i.file_no.clone(),
                head: i.head_name.clone(),
                what: what(&i.what),
                who: crate::labels::who(&i.who, ctx.lang),
            })
            .collect();
        (count, rows)
    };
    let mut sections = Vec::new();
    for (anchor, title, list) in [
        ("visits-overdue", c.cw_visits_overdue, &w.visits_overdue),
        ("visits-upcoming", c.cw_visits_upcoming, &w.visits_upcoming),
        ("measures-planned", c.cw_measures_planned, &w.measures_planned),
        ("measures-in-progress", c.cw_measures_in_progress, &w.measures_in_progress),
        ("outcomes-waiting", c.cw_outcomes_waiting, &w.outcomes_waiting),
        ("returns", c.cw_returns, &w.returns),
        ("engine-exits", c.cw_engine_exits, &w.engine_exits),
        ("engine-reliefs", c.cw_engine_reliefs, &w.engine_reliefs),
        ("unpaired", c.cw_unpaired, &w.unpaired),
    ] {
        let (count, rows) = lines(list);
        sections.push(WorkSection { anchor, title, count, lines: rows });
    }
    ctx.render(
        StatusCode::OK,
        MyWorkView { t: ctx.lang.tr(), nav: ctx.nav(), show_synthetic: false, today: w.today, sections, reminders },
    )
}
