//! Data exchange pages (issue 7): the import page with its template, department rosters and
//! their matches, verification requests, and the joint meeting. Every list on them exports to
//! .xlsx from the same table the page shows.
//!
//! Files travel as the request body (the browser's upload.js sends them with the CSRF header
//! and shows the upload's progress); the answer is JSON with the report, so the page shows
//! every bad row without a reload.

use crate::auth::Who;
use crate::kit::*;
use crate::page::Ctx;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Json;
use bangfu_app::exchange::{self as ex, RequestFilter};
use bangfu_app::AppError;
use bangfu_domain::{OrgKind, Permission, RosterKind, TaskStatus};
use std::collections::HashMap;

/// The routes of this module (pages; two of them also answer programs).
pub fn routes() -> crate::Routes {
    // Uploads are read as a stream into a temporary file, counted against the limit there.
    let big = DefaultBodyLimit::disable();
    crate::Routes::default()
        .route("/import", get(import_page))
        .route("/import/template.xlsx", get(import_template))
        .route("/import/upload", post(import_upload).layer(big))
        .route("/rosters", get(rosters_page))
        .route("/rosters/upload", post(roster_upload).layer(big))
        .route("/rosters/{id}", get(roster_page))
        .route("/rosters/{id}/export.xlsx", get(roster_export))
        .route("/roster-rows/{id}/decision", post(roster_decision))
        .route("/verifications", get(verifications_page))
        .route("/verifications/export.xlsx", get(verifications_export))
        .route("/verifications/{id}", get(verification_page))
        .route(
            "/verifications/{id}/answer",
            post(verification_answer).layer(DefaultBodyLimit::max(ex::MAX_ATTACHMENT + 64 * 1024)),
        )
        .route("/households/{id}/verifications", post(verification_request))
        .route("/attachments/{id}", get(attachment))
        .route("/joint", get(joint_page))
        .route("/joint/tasks/export.xlsx", get(tasks_export))
        .route("/joint/meetings", post(meeting_submit))
        .route("/joint/members/new", get(member_new).post(member_create))
        .route("/joint/members/{id}/edit", get(member_edit).post(member_update))
        .route("/joint/tasks", post(task_submit))
        .route("/joint/tasks/{id}", post(task_update))
        .route("/rosters/export.xlsx", get(rosters_export))
        .route("/my-work/export.xlsx", get(my_work_export))
        .route("/households/{id}/timeline/export.xlsx", get(timeline_export))
        .route("/standards/export.xlsx", get(standards_export))
}

async fn rosters_export(
    State(s): State<AppState>,
    Who(who): Who,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    match s.app.rosters(&ctx.who).await {
        Ok(list) => {
            let tb = rosters_table(&ctx, &list);
            send_xlsx(&s, &ctx, "roster", ctx.lang.tr().x_department_rosters, &tb, "rosters.xlsx").await
        }
        Err(e) => ctx.error(e),
    }
}

/// Every list of the work page in one sheet, with the list's name in the first column.
async fn my_work_export(
    State(s): State<AppState>,
    Who(who): Who,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let zh = ctx.lang.zh();
    let today = bangfu_app::clock::today();
    let mut rows = Vec::new();
    match s.app.exchange_reminders(&ctx.who).await {
        Ok((tasks, requests)) => {
            for t in tasks {
                rows.push(vec![
                    ctx.lang.tr().x_supervised_task.into(),
                    t.deadline,
                    String::new(),
                    t.lead,
                    t.title,
                    String::new(),
                ]);
            }
            for v in requests {
                rows.push(vec![
                    ctx.lang.tr().x_verification_request.into(),
                    v.due_on,
                    v.file_no,
                    v.head_name,
                    v.question,
                    v.asked_by,
                ]);
            }
        }
        Err(e) => return ctx.error(e),
    }
    if ctx.who.can(Permission::ReadHouseholds) {
        let w = match s.app.my_work(&ctx.who, today).await {
            Ok(w) => w,
            Err(e) => return ctx.error(e),
        };
        for (name, list) in [
            (crate::i18n::texts(zh).x_visits_overdue, &w.visits_overdue),
            (crate::i18n::texts(zh).x_visits_coming, &w.visits_upcoming),
            (crate::i18n::texts(zh).x_measures_planned, &w.measures_planned),
            (crate::i18n::texts(zh).x_measures_progress, &w.measures_in_progress),
            (crate::i18n::texts(zh).x_outcomes_waiting, &w.outcomes_waiting),
            (crate::i18n::texts(zh).x_returns, &w.returns),
            (crate::i18n::texts(zh).x_engine_exits, &w.engine_exits),
            (crate::i18n::texts(zh).x_engine_reliefs, &w.engine_reliefs),
            (crate::i18n::texts(zh).x_unpaired, &w.unpaired),
        ] {
            let name = name.to_string();
            for i in &list.items {
                rows.push(vec![
                    name.clone(),
                    crate::labels::date(&i.date),
                    i.file_no.clone(),
                    i.head_name.clone(),
                    crate::labels::work_what(&i.what, ctx.lang),
                    crate::labels::who(&i.who, ctx.lang),
                ]);
            }
        }
    }
    let tb = text_table(
        &[
            crate::i18n::texts(zh).x_list,
            crate::i18n::texts(zh).date,
            crate::i18n::texts(zh).x_file_no,
            crate::i18n::texts(zh).x_head,
            crate::i18n::texts(zh).what_to_decide,
            crate::i18n::texts(zh).x_who,
        ],
        rows,
    );
    send_xlsx(&s, &ctx, "my_work", ctx.lang.tr().my_work, &tb, "my-work.xlsx").await
}

async fn timeline_export(
    State(s): State<AppState>,
    Who(who): Who,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let zh = ctx.lang.zh();
    let Ok(id) = id.parse::<i64>() else { return ctx.error(AppError::NotFound) };
    let events = match s.app.timeline(&ctx.who, id).await {
        Ok(e) => e,
        Err(e) => return ctx.error(e),
    };
    let rows = events
        .into_iter()
        .map(|e| vec![e.date, if zh { e.what } else { e.what_en }, e.who, crate::labels::time(&e.recorded_at)])
        .collect();
    let tb = text_table(
        &[
            crate::i18n::texts(zh).date,
            crate::i18n::texts(zh).what_to_decide,
            crate::i18n::texts(zh).x_text_3,
            crate::i18n::texts(zh).x_recorded_at,
        ],
        rows,
    );
    let title = format!("{} {id}", ctx.lang.tr().x_record_household);
    send_xlsx(&s, &ctx, "household", &title, &tb, &format!("timeline-{id}.xlsx")).await
}

async fn standards_export(
    State(s): State<AppState>,
    Who(who): Who,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let zh = ctx.lang.zh();
    let list = match s.app.store.standards(None).await {
        Ok(l) => l,
        Err(e) => return ctx.error(e.into()),
    };
    let rows = list
        .into_iter()
        .map(|x| vec![x.region_code, x.kind.label(zh).to_string(), x.from.to_string(), x.amount.to_string()])
        .collect();
    let tb = text_table(
        &[
            crate::i18n::texts(zh).region,
            crate::i18n::texts(zh).standard_kind,
            crate::i18n::texts(zh).x_from_2,
            crate::i18n::texts(zh).x_amount_yuan_per_person_month,
        ],
        rows,
    );
    send_xlsx(&s, &ctx, "standard", ctx.lang.tr().x_standards_2, &tb, "standards.xlsx").await
}

// ---------------------------------------------------------------- import

async fn import_page(Who(who): Who, RawQuery(raw): RawQuery, headers: HeaderMap) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    if !ctx.who.can(Permission::WriteHouseholds) {
        return ctx.error(AppError::Forbidden);
    }
    let intro = vec![
        ctx.lang.tr().x_import_spreadsheets_exported_from_national.to_string(),
        format!(
            "{} {} MB，{} {} {}",
            ctx.lang.tr().x_at_most,
            bangfu_app::import::MAX_BYTES >> 20,
            ctx.lang.tr().x_text_2,
            bangfu_app::import::MAX_ROWS,
            ctx.lang.tr().x_rows
        ),
    ];
    let mut dry = field(ctx.lang.tr().x_only_check_write_nothing, "dry_run", "checkbox");
    dry.value = "1".into();
    let sections = vec![
        Section {
            heading: ctx.lang.tr().x_template.into(),
            table: Some(Tb {
                id: "import-template",
                headers: vec![ctx.lang.tr().x_file.into()],
                rows: vec![vec![cl(ctx.lang.tr().x_template_chinese_headers_xlsx, "/import/template.xlsx")]],
                count: String::new(),
                export: None,
                pager: Vec::new(),
            }),
            ..Default::default()
        },
        Section {
            heading: ctx.lang.tr().x_upload.into(),
            form: Some(Fm {
                action: "/import/upload".into(),
                id: "import-form",
                upload: true,
                get: false,
                submit: ctx.lang.tr().x_upload.into(),
                fields: vec![field(ctx.lang.tr().x_file_xlsx_csv, "file", "file"), dry],
            }),
            ..Default::default()
        },
    ];
    page(&ctx, ctx.lang.tr().import, intro, Vec::new(), sections)
}

/// The template: the three sheets with their Chinese headers (required ones marked) and a
/// sheet explaining the codes accepted.
async fn import_template(Who(who): Who, RawQuery(raw): RawQuery, headers: HeaderMap) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    if !ctx.who.can(Permission::WriteHouseholds) {
        return ctx.error(AppError::Forbidden);
    }
    let build = || -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        use bangfu_app::import::Kind;
        let mut wb = rust_xlsxwriter::Workbook::new();
        let required = rust_xlsxwriter::Format::new().set_bold().set_background_color(0xFFE699);
        let optional = rust_xlsxwriter::Format::new().set_bold();
        for kind in [Kind::Households, Kind::Members, Kind::Months] {
            let ws = wb.add_worksheet().set_name(kind.sheet())?;
            for (i, (_, zh, req)) in kind.columns().iter().enumerate() {
                ws.write_string_with_format(0, i as u16, *zh, if *req { &required } else { &optional })?;
                ws.set_column_width(i as u16, 16)?;
            }
            ws.set_freeze_panes(1, 0)?;
        }
        let ws = wb.add_worksheet().set_name("说明")?;
        let lines: Vec<String> = vec![
            "黄色表头为必填列。每行一户（家庭）、一人（家庭成员）或一户一月（月度收支）。".into(),
            "户主身份证号：18 位，末位校验；家庭成员、月度收支按户主身份证号归户。".into(),
            "日期：YYYY-MM-DD；月份：YYYY-MM；金额：元，可带两位小数。".into(),
            format!(
                "致困原因（可多个，以顿号分隔）：{}",
                bangfu_domain::Cause::ALL.iter().map(|c| c.label(true)).collect::<Vec<_>>().join("、")
            ),
            format!(
                "劳动能力：{}",
                bangfu_domain::WorkCapacity::ALL.iter().map(|c| c.label(true)).collect::<Vec<_>>().join("、")
            ),
            format!(
                "与户主关系：{}",
                bangfu_domain::Relation::ALL.iter().map(|c| c.label(true)).collect::<Vec<_>>().join("、")
            ),
            format!(
                "状况：{}",
                bangfu_domain::Situation::ALL.iter().map(|c| c.label(true)).collect::<Vec<_>>().join("、")
            ),
            "农民工家庭：是 / 否。档案编号留空则按地区和建档年份自动编号。".into(),
        ];
        for (i, l) in lines.iter().enumerate() {
            ws.write_string(i as u32, 0, l)?;
        }
        wb.save_to_buffer()
    };
    match build() {
        Ok(b) => crate::export::xlsx_response(b, "bangfu-import-template.xlsx"),
        Err(e) => ctx.error(AppError::Internal(e.to_string())),
    }
}

/// An upload's answer to the page's script, in the reader's language: a summary line, the bad
/// rows with their messages, and where to go when it was written.
#[derive(serde::Serialize)]
pub(crate) struct UploadAnswer {
    pub(crate) written: bool,
    summary: String,
    bad: String,
    headers: [&'static str; 4],
    errors: Vec<UploadRow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) redirect: Option<String>,
}

/// A bad row as the page shows it.
#[derive(serde::Serialize)]
struct UploadRow {
    sheet: String,
    row: usize,
    column: String,
    message: String,
}

pub(crate) fn upload_answer(
    lang: crate::i18n::Lang,
    written: bool,
    summary: String,
    errors: &[bangfu_app::import::RowError],
) -> UploadAnswer {
    let t = lang.tr();
    UploadAnswer {
        written,
        summary,
        bad: t.upload_bad_rows.to_string(),
        headers: [t.upload_sheet, t.upload_row, t.upload_column, t.reason],
        errors: errors
            .iter()
            .take(1000)
            .map(|e| UploadRow {
                sheet: e.sheet.clone(),
                row: e.row,
                column: e.column.clone(),
                message: e.message(lang.zh()),
            })
            .collect(),
        redirect: None,
    }
}

async fn import_upload(
    State(s): State<AppState>,
    Who(who): Who,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    let lang = crate::i18n::Lang::pick(params(raw.as_deref()).get("lang").map(String::as_str), &headers);
    let q = params(raw.as_deref());
    let name = q.get("name").cloned().unwrap_or_default();
    let dry = q.get("dry_run").is_some_and(|v| v == "1" || v == "true");
    if !who.can(Permission::WriteHouseholds) {
        return json_error(AppError::Forbidden);
    }
    let file = match crate::upload::receive(&headers, body, bangfu_app::import::MAX_BYTES).await {
        Ok(f) => f,
        Err(e) => return json_error(e),
    };
    // An import is seconds to a minute of checking: it runs on a blocking thread with its own
    // wait, keeping the server's workers free for other requests. If the uploader goes away,
    // the handler is dropped and the import stops (undoing what it wrote).
    let app = s.app.clone();
    let handle = tokio::runtime::Handle::current();
    let cancel = crate::upload::CancelOnDrop::new();
    let flag = cancel.0.clone();
    let job = tokio::task::spawn_blocking(move || {
        let run = bangfu_app::import::ImportRun { dry_run: dry, progress: &|_| {}, cancel: Some(&flag) };
        handle.block_on(app.import_with(&who, &name, file.path(), run))
    });
    let result = job.await;
    drop(cancel);
    match result {
        Ok(Ok(r)) => {
            let t = lang.tr();
            let summary = crate::i18n::fill(
                if r.dry_run { t.import_checked } else { t.import_summary },
                &[
                    ("households_new", r.households_new),
                    ("households_existing", r.households_existing),
                    ("members_new", r.members_new),
                    ("months_new", r.months_new),
                    ("months_changed", r.months_changed),
                    ("months_unchanged", r.months_unchanged),
                ],
            );
            let mut answer = upload_answer(lang, r.written, summary, &r.errors);
            if r.error_count > r.errors.len() as u64 {
                answer.bad = crate::i18n::fill(t.upload_more_rows, &[("count", r.error_count)]);
            }
            Json(answer).into_response()
        }
        Ok(Err(e)) => json_error(e),
        Err(e) => json_error(AppError::Internal(format!("import stopped: {e}"))),
    }
}

// ---------------------------------------------------------------- rosters

fn kind_options(ctx: &Ctx) -> Vec<(String, String)> {
    RosterKind::ALL.iter().map(|k| (k.code().to_string(), k.label(ctx.lang.zh()).to_string())).collect()
}

/// The rosters a reader may open, as the page shows them and the export writes them.
fn rosters_table(ctx: &Ctx, list: &[bangfu_store::Roster]) -> Tb {
    let zh = ctx.lang.zh();
    let rows = list
        .iter()
        .map(|r| {
            vec![
                cl(r.id.to_string(), format!("/rosters/{}", r.id)),
                c(r.department.clone()),
                c(ex::roster_kind_label(&r.kind, zh)),
                c(r.file_name.clone()),
                c(r.rows_total.to_string()),
                c(if ctx.who.can(Permission::ReadHouseholds) { r.matched.to_string() } else { "—".into() }),
                c(r.uploaded_by.clone()),
                c(crate::labels::time(&r.uploaded_at)),
            ]
        })
        .collect();
    Tb {
        id: "rosters",
        headers: header_row(&[
            "#",
            crate::i18n::texts(zh).x_department_2,
            crate::i18n::texts(zh).x_roster_2,
            crate::i18n::texts(zh).x_file,
            crate::i18n::texts(zh).x_rows_2,
            crate::i18n::texts(zh).x_matched_2,
            crate::i18n::texts(zh).x_text_4,
            crate::i18n::texts(zh).x_at,
        ]),
        rows,
        count: format!("{} {}", ctx.lang.tr().total, list.len()),
        export: Some("/rosters/export.xlsx".into()),
        pager: Vec::new(),
    }
}

async fn rosters_page(
    State(s): State<AppState>,
    Who(who): Who,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let list = match s.app.rosters(&ctx.who).await {
        Ok(l) => l,
        Err(e) => return ctx.error(e),
    };
    let mut sections = vec![Section { table: Some(rosters_table(&ctx, &list)), ..Default::default() }];
    if ctx.who.can(Permission::UploadRosters) {
        let mut fields = Vec::new();
        if !ctx.who.role.speaks_for_department() {
            let mut d = field(ctx.lang.tr().x_department, "department_id", "select");
            d.options =
                match s.app.store.organisations(&bangfu_store::Scope::everything(), Some(OrgKind::Department)).await {
                    Ok(o) => o.into_iter().map(|o| (o.id.to_string(), o.name)).collect(),
                    Err(e) => return ctx.error(e.into()),
                };
            fields.push(d);
        }
        let mut k = field(ctx.lang.tr().x_roster, "kind", "select");
        k.options = kind_options(&ctx);
        fields.push(k);
        fields.push(field(ctx.lang.tr().x_file_xlsx_csv_2, "file", "file"));
        sections.push(Section {
            heading: ctx.lang.tr().x_upload_department_s_roster.into(),
            lines: vec![ctx.lang.tr().x_rows_are_matched_heads_members.into()],
            form: Some(Fm {
                action: "/rosters/upload".into(),
                id: "roster-form",
                upload: true,
                get: false,
                submit: ctx.lang.tr().x_upload_match.into(),
                fields,
            }),
            ..Default::default()
        });
    }
    page(&ctx, ctx.lang.tr().x_department_rosters_2, Vec::new(), Vec::new(), sections)
}

async fn roster_upload(
    State(s): State<AppState>,
    Who(who): Who,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    let lang = crate::i18n::Lang::pick(params(raw.as_deref()).get("lang").map(String::as_str), &headers);
    let q = params(raw.as_deref());
    if !who.can(Permission::UploadRosters) {
        return json_error(AppError::Forbidden);
    }
    let reads = who.can(Permission::ReadHouseholds);
    let file = match crate::upload::receive(&headers, body, bangfu_app::import::MAX_BYTES).await {
        Ok(f) => f,
        Err(e) => return json_error(e),
    };
    let dept = match q.get("department_id").filter(|v| !v.is_empty()) {
        Some(v) => match v.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                return json_error(AppError::invalid(bangfu_domain::FieldError::new(
                    "department_id",
                    bangfu_domain::Code::UnknownOrganisation,
                )))
            }
        },
        None => None,
    };
    let name = q.get("name").cloned().unwrap_or_default();
    let kind = q.get("kind").cloned().unwrap_or_default();
    match super::run_roster_upload(&s.app, who, dept, kind, name, file, None).await {
        Ok(r) => {
            // Which rows matched is not for a reader of no household (issue 19).
            let summary = if reads {
                crate::i18n::fill(lang.tr().roster_summary, &[("rows", r.rows), ("matched", r.matched)])
            } else {
                crate::i18n::fill(lang.tr().roster_saved, &[("rows", r.rows)])
            };
            let mut answer = upload_answer(lang, r.roster_id.is_some(), summary, &r.errors);
            answer.redirect = r.roster_id.map(|id| format!("/rosters/{id}"));
            Json(answer).into_response()
        }
        Err(e) => json_error(e),
    }
}

const PER_PAGE: i64 = 200;

async fn roster_table(
    s: &AppState,
    ctx: &Ctx,
    id: i64,
    show: &str,
    page_no: i64,
    all: bool,
) -> Result<(String, Tb), AppError> {
    let matched = match show {
        "matched" => Some(true),
        "unmatched" => Some(false),
        _ => None,
    };
    let (limit, offset) = if all { (100_000, 0) } else { (PER_PAGE, (page_no - 1).max(0) * PER_PAGE) };
    let (r, rows, total) = s.app.roster(&ctx.who, id, matched, offset, limit).await?;
    let zh = ctx.lang.zh();
    let reads = ctx.who.can(Permission::ReadHouseholds);
    let can_decide = ctx.who.can(Permission::WriteHouseholds);
    let label = |code: &str| -> String {
        match code {
            "propose_exit" => ctx.lang.tr().x_suggest_exit_via_social_assistance.into(),
            "note" => ctx.lang.tr().x_suggest_note_record.into(),
            "pending" => ctx.lang.tr().x_pending.into(),
            "accepted" => ctx.lang.tr().x_accepted.into(),
            "rejected" => ctx.lang.tr().x_rejected.into(),
            "head" => ctx.lang.tr().x_head.into(),
            "member" => ctx.lang.tr().x_member.into(),
            "" | "none" => "—".into(),
            other => other.into(),
        }
    };
    let body = rows
        .iter()
        .map(|x| {
            let household = match (x.household_id, reads) {
                (Some(h), true) => cl(
                    format!("{} {}", x.file_no.clone().unwrap_or_default(), x.head_name.clone().unwrap_or_default()),
                    format!("/households/{h}"),
                ),
                (Some(_), false) => c("—"),
                (None, false) => c("—"),
                (None, true) => c(ctx.lang.tr().x_not_matched),
            };
            let mut decision = c(label(&x.decision));
            if let Some(o) = x.outcome_id {
                decision.text.push_str(&format!(" · {} {o}", ctx.lang.tr().x_proposal));
            }
            if can_decide && x.decision == "pending" && x.household_id.is_some() && !all {
                let url = format!("/roster-rows/{}/decision", x.id);
                decision.buttons = vec![
                    Btn {
                        url: url.clone(),
                        label: ctx.lang.tr().x_accept.into(),
                        class: "accept",
                        fields: vec![("accept".into(), "1".into())],
                    },
                    Btn {
                        url,
                        label: ctx.lang.tr().reject.into(),
                        class: "reject",
                        fields: vec![("accept".into(), "0".into())],
                    },
                ];
            }
            vec![
                c(x.row_no.to_string()),
                // Masked for every reader (the app masks them), as everywhere else; revealing a
                // household's is its own audited act on the household.
                c(x.id_number.clone()),
                c(x.name.clone()),
                c(x.since.clone()),
                c(x.note.clone()),
                household,
                c(label(x.person.as_deref().unwrap_or(""))),
                c(label(&x.suggestion)),
                decision,
            ]
        })
        .collect();
    let headers = [
        crate::i18n::texts(zh).upload_row,
        crate::i18n::texts(zh).x_resident_id,
        crate::i18n::texts(zh).name,
        crate::i18n::texts(zh).x_since,
        crate::i18n::texts(zh).x_note,
        crate::i18n::texts(zh).x_household,
        crate::i18n::texts(zh).x_as_2,
        crate::i18n::texts(zh).x_suggestion,
        crate::i18n::texts(zh).x_decision,
    ]
    .iter()
    .map(|h| h.to_string())
    .collect();
    let mut pager = Vec::new();
    if page_no > 1 {
        pager.push(("‹".into(), format!("/rosters/{id}?show={show}&page={}", page_no - 1)));
    }
    if page_no * PER_PAGE < total {
        pager.push(("›".into(), format!("/rosters/{id}?show={show}&page={}", page_no + 1)));
    }
    let title = format!("{} · {} · {}", r.department, ex::roster_kind_label(&r.kind, zh), r.file_name);
    Ok((
        title,
        Tb {
            id: "roster-rows",
            headers,
            rows: body,
            count: format!("{} {total}", ctx.lang.tr().total),
            export: Some(format!("/rosters/{id}/export.xlsx?show={show}")),
            pager,
        },
    ))
}

async fn roster_page(
    State(s): State<AppState>,
    Who(who): Who,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let Ok(id) = id.parse::<i64>() else { return ctx.error(AppError::NotFound) };
    let q = params(raw.as_deref());
    let show = q.get("show").map_or("all", String::as_str).to_string();
    let page_no = q.get("page").and_then(|p| p.parse::<i64>().ok()).unwrap_or(1).max(1);
    let (title, tb) = match roster_table(&s, &ctx, id, &show, page_no, false).await {
        Ok(t) => t,
        Err(e) => return ctx.error(e),
    };
    // Which rows matched is not a liaison's to know (issue 19): no tabs for them.
    let tabs = if ctx.who.can(Permission::ReadHouseholds) {
        tabs(
            &format!("/rosters/{id}"),
            &show,
            &[
                ("all", ctx.lang.tr().all),
                ("matched", ctx.lang.tr().x_matched),
                ("unmatched", ctx.lang.tr().x_not_matched),
            ],
        )
    } else {
        Vec::new()
    };
    let intro = vec![ctx.lang.tr().x_nothing_any_household_changes_until.into()];
    page(&ctx, &title, intro, tabs, vec![Section { table: Some(tb), ..Default::default() }])
}

async fn roster_export(
    State(s): State<AppState>,
    Who(who): Who,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let Ok(id) = id.parse::<i64>() else { return ctx.error(AppError::NotFound) };
    let q = params(raw.as_deref());
    let show = q.get("show").map_or("all", String::as_str).to_string();
    match roster_table(&s, &ctx, id, &show, 1, true).await {
        Ok((title, tb)) => send_xlsx(&s, &ctx, "roster", &title, &tb, &format!("roster-{id}.xlsx")).await,
        Err(e) => ctx.error(e),
    }
}

async fn roster_decision(
    State(s): State<AppState>,
    Who(who): Who,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let ctx = Ctx::new(None, &headers, who);
    let Ok(id) = id.parse::<i64>() else { return ctx.error(AppError::NotFound) };
    let f = form(&body);
    let accept = match f.get("accept").map(String::as_str) {
        Some("1") => true,
        Some("0") => false,
        _ => {
            return ctx
                .error(AppError::invalid(bangfu_domain::FieldError::new("accept", bangfu_domain::Code::OneOrZero)))
        }
    };
    match s.app.decide_roster_row(&ctx.who, id, accept).await {
        Ok(r) => Redirect::to(&format!("/rosters/{}?show=matched", r.roster_id)).into_response(),
        Err(e) => ctx.error(e),
    }
}

// ---------------------------------------------------------------- verifications

fn filter_of(q: &HashMap<String, String>) -> (RequestFilter, &'static str) {
    match q.get("show").map(String::as_str) {
        Some("overdue") => (RequestFilter::Overdue, "overdue"),
        Some("all") => (RequestFilter::All, "all"),
        _ => (RequestFilter::Open, "open"),
    }
}

async fn verification_table(s: &AppState, ctx: &Ctx, filter: RequestFilter, show: &str) -> Result<Tb, AppError> {
    let list = s.app.verifications(&ctx.who, filter, None, None).await?;
    let today = bangfu_app::clock::today().to_string();
    let zh = ctx.lang.zh();
    let rows = list
        .iter()
        .map(|v| {
            let pending: Vec<String> =
                v.answers.iter().filter(|a| a.status == "pending").map(|a| a.department.clone()).collect();
            let answered = v.answers.len() - pending.len();
            let state = if pending.is_empty() {
                ctx.lang.tr().x_all_answered.to_string()
            } else if v.due_on < today {
                format!("{}：{}", ctx.lang.tr().x_overdue_2, pending.join("、"))
            } else {
                format!("{}：{}", ctx.lang.tr().x_waiting, pending.join("、"))
            };
            vec![
                cl(v.id.to_string(), format!("/verifications/{}", v.id)),
                c(format!("{} {}", v.file_no, v.head_name)),
                c(v.question.clone()),
                c(v.asked_by.clone()),
                c(v.asked_on.clone()),
                c(v.due_on.clone()),
                c(format!("{answered}/{}", v.answers.len())),
                c(state),
            ]
        })
        .collect();
    Ok(Tb {
        id: "verifications",
        headers: [
            "#",
            crate::i18n::texts(zh).cw_household,
            crate::i18n::texts(zh).x_question,
            crate::i18n::texts(zh).x_asked_2,
            crate::i18n::texts(zh).x_asked_3,
            crate::i18n::texts(zh).x_due,
            crate::i18n::texts(zh).x_answered,
            crate::i18n::texts(zh).x_state,
        ]
        .iter()
        .map(|h| h.to_string())
        .collect(),
        rows,
        count: format!("{} {}", ctx.lang.tr().total, list.len()),
        export: Some(format!("/verifications/export.xlsx?show={show}")),
        pager: Vec::new(),
    })
}

async fn verifications_page(
    State(s): State<AppState>,
    Who(who): Who,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let q = params(raw.as_deref());
    let (filter, show) = filter_of(&q);
    let tb = match verification_table(&s, &ctx, filter, show).await {
        Ok(t) => t,
        Err(e) => return ctx.error(e),
    };
    let tabs = tabs(
        "/verifications",
        show,
        &[("open", ctx.lang.tr().x_open_3), ("overdue", ctx.lang.tr().x_overdue_2), ("all", ctx.lang.tr().all)],
    );
    let intro = vec![ctx.lang.tr().x_household_economic_status_verification_union.into()];
    page(
        &ctx,
        ctx.lang.tr().x_verification_requests,
        intro,
        tabs,
        vec![Section { table: Some(tb), ..Default::default() }],
    )
}

async fn verifications_export(
    State(s): State<AppState>,
    Who(who): Who,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let q = params(raw.as_deref());
    let (filter, show) = filter_of(&q);
    match verification_table(&s, &ctx, filter, show).await {
        Ok(tb) => {
            send_xlsx(&s, &ctx, "verification", ctx.lang.tr().x_verification_requests, &tb, "verifications.xlsx").await
        }
        Err(e) => ctx.error(e),
    }
}

async fn verification_page(
    State(s): State<AppState>,
    Who(who): Who,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let Ok(id) = id.parse::<i64>() else { return ctx.error(AppError::NotFound) };
    let v = match s.app.verification(&ctx.who, id).await {
        Ok(v) => v,
        Err(e) => return ctx.error(e),
    };
    let zh = ctx.lang.zh();
    let reads = ctx.who.can(Permission::ReadHouseholds);
    let lines = vec![
        format!(
            "{}：{} {}（{}）",
            ctx.lang.tr().cw_household,
            v.file_no,
            v.head_name,
            bangfu_domain::id_number::mask(&v.head_id_number)
        ),
        format!("{}：{}", ctx.lang.tr().x_question, v.question),
        format!("{}：{} · {} · {}：{}", ctx.lang.tr().x_asked, v.asked_by, v.asked_on, ctx.lang.tr().x_due, v.due_on),
    ];
    let links = if reads {
        vec![(format!("/households/{}", v.household_id), ctx.lang.tr().x_open_household_s_file.to_string())]
    } else {
        Vec::new()
    };
    let rows = v
        .answers
        .iter()
        .map(|a| {
            let file = match (&a.attachment_id, &a.attachment_name) {
                (Some(f), Some(n)) => cl(n.clone(), format!("/attachments/{f}")),
                _ => c("—"),
            };
            vec![
                c(a.department.clone()),
                c(if a.status == "answered" { ctx.lang.tr().x_answered } else { ctx.lang.tr().x_pending_2 }),
                c(a.facts.clone()),
                file,
                c(a.answered_by.clone().unwrap_or_default()),
                c(crate::labels::time(a.answered_at.as_deref().unwrap_or_default())),
            ]
        })
        .collect();
    let mut sections = vec![Section {
        lines,
        links,
        table: Some(Tb {
            id: "answers",
            headers: header_row(&[
                crate::i18n::texts(zh).x_department_2,
                crate::i18n::texts(zh).x_state,
                crate::i18n::texts(zh).x_facts_confirmed,
                crate::i18n::texts(zh).x_file_2,
                crate::i18n::texts(zh).x_text_5,
                crate::i18n::texts(zh).x_at,
            ]),
            rows,
            count: String::new(),
            export: None,
            pager: Vec::new(),
        }),
        ..Default::default()
    }];
    let mine_pending = ctx.who.can(Permission::AnswerVerifications)
        && v.answers.iter().any(|a| Some(a.department_id) == ctx.who.organisation_id && a.status == "pending");
    if mine_pending {
        sections.push(Section {
            heading: ctx.lang.tr().x_answer.into(),
            form: Some(Fm {
                action: format!("/verifications/{id}/answer"),
                id: "answer-form",
                upload: true,
                get: false,
                submit: ctx.lang.tr().x_send_answer.into(),
                fields: vec![
                    field(ctx.lang.tr().x_facts_confirmed, "facts", "textarea"),
                    field(ctx.lang.tr().x_attachment_optional_at_most_10, "file", "file"),
                ],
            }),
            ..Default::default()
        });
    }
    page(&ctx, &format!("{} {id}", ctx.lang.tr().x_verification_request), Vec::new(), Vec::new(), sections)
}

/// The answer: a form (facts only), or the file as the body with the facts in the query.
async fn verification_answer(
    State(s): State<AppState>,
    Who(who): Who,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let Ok(id) = id.parse::<i64>() else { return ctx.error(AppError::NotFound) };
    let is_form = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if is_form {
        let f = form(&body);
        let input = ex::AnswerInput { facts: f.get("facts").cloned().unwrap_or_default() };
        return match s.app.answer_verification(&ctx.who, id, &input, None).await {
            Ok(_) => Redirect::to(&format!("/verifications/{id}")).into_response(),
            Err(e) => ctx.error(e),
        };
    }
    let q = params(raw.as_deref());
    let input = ex::AnswerInput { facts: q.get("facts").cloned().unwrap_or_default() };
    let name = q.get("name").cloned().unwrap_or_default();
    let file = Some((name.as_str(), &body[..]));
    match s.app.answer_verification(&ctx.who, id, &input, file).await {
        Ok(_) => {
            Json(serde_json::json!({ "written": true, "redirect": format!("/verifications/{id}") })).into_response()
        }
        Err(e) => json_error(e),
    }
}

async fn attachment(State(s): State<AppState>, Who(who): Who, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let ctx = Ctx::new(None, &headers, who);
    let Ok(id) = id.parse::<i64>() else { return ctx.error(AppError::NotFound) };
    match s.app.attachment(&ctx.who, id).await {
        Ok(a) => {
            // Always a download, never rendered in the page's origin.
            let name: String = a.name.chars().filter(|c| !c.is_control() && *c != '"' && *c != '\\').collect();
            let disposition = format!("attachment; filename*=UTF-8''{}", utf8_percent(&name));
            (
                [
                    (axum::http::header::CONTENT_TYPE, "application/octet-stream".to_string()),
                    (axum::http::header::CONTENT_DISPOSITION, disposition),
                    (axum::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
                ],
                a.data,
            )
                .into_response()
        }
        Err(e) => ctx.error(e),
    }
}

fn utf8_percent(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn verification_request(
    State(s): State<AppState>,
    Who(who): Who,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let ctx = Ctx::new(None, &headers, who);
    let Ok(id) = id.parse::<i64>() else { return ctx.error(AppError::NotFound) };
    let values = crate::form::Values::parse(&body);
    let departments: Result<Vec<i64>, _> = values.all("departments").iter().map(|d| d.parse::<i64>()).collect();
    let sent = match departments {
        Ok(departments) => {
            let input =
                ex::VerificationInput { question: values.get("question"), departments, due_on: values.get("due_on") };
            s.app.request_verification(&ctx.who, id, &input).await
        }
        Err(_) => Err(AppError::invalid(bangfu_domain::FieldError::new(
            "departments",
            bangfu_domain::Code::UnknownOrganisation,
        ))),
    };
    match sent {
        Ok(v) => Redirect::to(&format!("/verifications/{}", v.id)).into_response(),
        // A mistake comes back in the household's page, beside its field, as typed.
        Err(e) => match crate::form::FormState::new(values).fail(e, &["question", "departments", "due_on"], ctx.lang) {
            Ok(ask) => crate::households::file::household_view(&s, &ctx, id, false, None, None, None, Some(ask)).await,
            Err(e) => ctx.error(e),
        },
    }
}

// ---------------------------------------------------------------- joint meeting

fn task_label(ctx: &Ctx, code: &str) -> String {
    TaskStatus::from_code(code).map_or(code.to_string(), |s| s.label(ctx.lang.zh()).to_string())
}

async fn tasks_table(s: &AppState, ctx: &Ctx, buttons: bool) -> Result<Tb, AppError> {
    let tasks = s.app.tasks(&ctx.who, false).await?;
    let zh = ctx.lang.zh();
    let today = bangfu_app::clock::today().to_string();
    let members = s.app.store.joint_members().await?;
    let rows = tasks
        .iter()
        .map(|t| {
            let mut status = c(task_label(ctx, &t.status));
            if t.status != "done" && t.deadline < today {
                status.text.push_str(&format!(" · {}", ctx.lang.tr().x_overdue_3));
            }
            let leads = ctx.who.organisation_id.is_some()
                && members.iter().any(|m| m.id == t.lead_member_id && m.organisation_id == ctx.who.organisation_id);
            if buttons && t.status != "done" && (ctx.who.can(Permission::ManageJointMeeting) || leads) {
                let url = format!("/joint/tasks/{}", t.id);
                let next = if t.status == "open" { "in_progress" } else { "done" };
                status.buttons = vec![Btn {
                    url,
                    label: format!("→ {}", task_label(ctx, next)),
                    class: "task-next",
                    fields: vec![("version".into(), t.version.to_string()), ("status".into(), next.into())],
                }];
            }
            vec![
                c(t.id.to_string()),
                c(t.title.clone()),
                c(t.lead.clone()),
                c(t.deadline.clone()),
                status,
                c(t.progress.clone()),
                c(t.meeting_id.map(|m| m.to_string()).unwrap_or_default()),
                c(format!("{} {}", t.updated_by, crate::labels::time(&t.updated_at))),
            ]
        })
        .collect();
    Ok(Tb {
        id: "tasks",
        headers: [
            "#",
            crate::i18n::texts(zh).x_task_2,
            crate::i18n::texts(zh).cw_lead_unit,
            crate::i18n::texts(zh).x_deadline,
            crate::i18n::texts(zh).status,
            crate::i18n::texts(zh).x_progress,
            crate::i18n::texts(zh).x_meeting,
            crate::i18n::texts(zh).x_updated,
        ]
        .iter()
        .map(|h| h.to_string())
        .collect(),
        rows,
        count: format!("{} {}", ctx.lang.tr().total, tasks.len()),
        export: Some("/joint/tasks/export.xlsx".into()),
        pager: Vec::new(),
    })
}

async fn joint_page(State(s): State<AppState>, Who(who): Who, RawQuery(raw): RawQuery, headers: HeaderMap) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let zh = ctx.lang.zh();
    let (members, meetings, tasks) = match (
        s.app.joint_members(&ctx.who).await,
        s.app.meetings(&ctx.who).await,
        tasks_table(&s, &ctx, true).await,
    ) {
        (Ok(a), Ok(b), Ok(c)) => (a, b, c),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return ctx.error(e),
    };
    let manages = ctx.who.can(Permission::ManageJointMeeting);
    let departments =
        match s.app.store.organisations(&bangfu_store::Scope::everything(), Some(OrgKind::Department)).await {
            Ok(d) => d,
            Err(e) => return ctx.error(e.into()),
        };
    let member_rows = members
        .iter()
        .map(|m| {
            let name =
                if manages { cl(m.name.clone(), format!("/joint/members/{}/edit", m.id)) } else { c(m.name.clone()) };
            let department = m
                .organisation_id
                .map(|o| departments.iter().find(|d| d.id == o).map_or_else(|| format!("#{o}"), |d| d.name.clone()))
                .unwrap_or_default();
            vec![name, c(department), c(m.responsible.clone()), c(m.liaison.clone()), c(m.phone.clone())]
        })
        .collect();
    let meeting_rows = meetings
        .iter()
        .map(|m| {
            vec![
                c(m.id.to_string()),
                c(m.held_on.clone()),
                c(m.title.clone()),
                c(m.place.clone()),
                c(m.minutes.clone()),
                c(m.decisions
                    .iter()
                    .enumerate()
                    .map(|(i, d)| format!("{}. {d}", i + 1))
                    .collect::<Vec<_>>()
                    .join("；")),
            ]
        })
        .collect();
    let mut sections = vec![
        Section { heading: ctx.lang.tr().x_supervised_tasks.into(), table: Some(tasks), ..Default::default() },
        Section {
            heading: ctx.lang.tr().x_meetings_decisions.into(),
            table: Some(Tb {
                id: "meetings",
                headers: header_row(&[
                    "#",
                    crate::i18n::texts(zh).x_held,
                    crate::i18n::texts(zh).x_title,
                    crate::i18n::texts(zh).x_place,
                    crate::i18n::texts(zh).x_minutes,
                    crate::i18n::texts(zh).x_decisions,
                ]),
                rows: meeting_rows,
                count: format!("{} {}", ctx.lang.tr().total, meetings.len()),
                export: None,
                pager: Vec::new(),
            }),
            ..Default::default()
        },
        Section {
            heading: ctx.lang.tr().x_member_units.into(),
            lines: vec![ctx.lang.tr().x_convened_city_union_its_office.into()],
            links: if manages {
                vec![("/joint/members/new".into(), ctx.lang.tr().x_member_new.into())]
            } else {
                Vec::new()
            },
            table: Some(Tb {
                id: "members",
                headers: header_row(&[
                    crate::i18n::texts(zh).x_unit,
                    crate::i18n::texts(zh).x_member_department,
                    crate::i18n::texts(zh).x_responsible,
                    crate::i18n::texts(zh).x_liaison,
                    crate::i18n::texts(zh).x_telephone,
                ]),
                rows: member_rows,
                count: String::new(),
                export: None,
                pager: Vec::new(),
            }),
            ..Default::default()
        },
    ];
    if manages {
        let mut held = field(ctx.lang.tr().x_held, "held_on", "text");
        held.placeholder = "YYYY-MM-DD".into();
        sections.push(Section {
            heading: ctx.lang.tr().x_record_meeting.into(),
            form: Some(Fm {
                action: "/joint/meetings".into(),
                id: "meeting-form",
                upload: false,
                get: false,
                submit: ctx.lang.tr().save.into(),
                fields: vec![
                    held,
                    field(ctx.lang.tr().x_title, "title", "text"),
                    field(ctx.lang.tr().x_place, "place", "text"),
                    field(ctx.lang.tr().x_attendees, "attendees", "text"),
                    field(ctx.lang.tr().x_minutes, "minutes", "textarea"),
                    field(ctx.lang.tr().x_decisions_one_per_line, "decisions", "textarea"),
                ],
            }),
            ..Default::default()
        });
        let mut lead = field(ctx.lang.tr().cw_lead_unit, "lead_member_id", "select");
        lead.options = members.iter().map(|m| (m.id.to_string(), m.name.clone())).collect();
        let mut meeting = field(ctx.lang.tr().x_from_meeting, "meeting_id", "select");
        meeting.options = std::iter::once((String::new(), "—".to_string()))
            .chain(meetings.iter().map(|m| (m.id.to_string(), format!("{} {}", m.held_on, m.title))))
            .collect();
        let mut deadline = field(ctx.lang.tr().x_deadline, "deadline", "text");
        deadline.placeholder = "YYYY-MM-DD".into();
        sections.push(Section {
            heading: ctx.lang.tr().x_new_supervised_task.into(),
            form: Some(Fm {
                action: "/joint/tasks".into(),
                id: "task-form",
                upload: false,
                get: false,
                submit: ctx.lang.tr().save.into(),
                fields: vec![field(ctx.lang.tr().x_task, "title", "text"), lead, deadline, meeting],
            }),
            ..Default::default()
        });
    }
    page(&ctx, ctx.lang.tr().joint, Vec::new(), Vec::new(), sections)
}

const MEMBER_FIELDS: [&str; 5] = ["name", "organisation_id", "responsible", "liaison", "phone"];

/// The form of a member unit, new (`id` None) or existing.
async fn member_form(s: &AppState, ctx: &Ctx, id: Option<i64>, state: &crate::form::FormState) -> Response {
    use crate::form::{choices, field as form_field, FormView};
    let t = ctx.lang.tr();
    let departments =
        match s.app.store.organisations(&bangfu_store::Scope::everything(), Some(OrgKind::Department)).await {
            Ok(d) => d,
            Err(e) => return ctx.error(e.into()),
        };
    let mut options = vec![(String::new(), t.u_none.to_string())];
    options.extend(departments.into_iter().map(|d| (d.id.to_string(), d.name)));
    let mut v = FormView::new(ctx, if id.is_some() { t.x_member_edit } else { t.x_member_new }, "/joint");
    v.intro = t.x_convened_city_union_its_office.into();
    v.fields = vec![
        form_field(state, "name", t.x_unit, "text").required(),
        form_field(state, "organisation_id", t.x_member_department, "select")
            .choices(choices(options))
            .hint(t.x_member_department_hint),
        form_field(state, "responsible", t.x_responsible, "text"),
        form_field(state, "liaison", t.x_liaison, "text"),
        form_field(state, "phone", t.x_telephone, "text"),
    ];
    v.respond(ctx, state)
}

fn member_input(f: &crate::form::Values) -> ex::JointMemberInput {
    ex::JointMemberInput {
        name: f.get("name"),
        organisation_id: f.int("organisation_id"),
        responsible: f.get("responsible"),
        liaison: f.get("liaison"),
        phone: f.get("phone"),
    }
}

/// `GET /joint/members/new`.
async fn member_new(State(s): State<AppState>, ctx: Ctx) -> Response {
    if !ctx.who.can(Permission::ManageJointMeeting) {
        return ctx.error(AppError::Forbidden);
    }
    member_form(&s, &ctx, None, &crate::form::FormState::default()).await
}

/// `GET /joint/members/{id}/edit`.
async fn member_edit(
    State(s): State<AppState>,
    ctx: Ctx,
    crate::extract::PagePath(p): crate::extract::PagePath<crate::extract::IdPath>,
) -> Response {
    if !ctx.who.can(Permission::ManageJointMeeting) {
        return ctx.error(AppError::Forbidden);
    }
    let members = match s.app.joint_members(&ctx.who).await {
        Ok(m) => m,
        Err(e) => return ctx.error(e),
    };
    let Some(m) = members.into_iter().find(|m| m.id == p.id) else { return ctx.error(AppError::NotFound) };
    let mut values = crate::form::Values::default();
    values.set("name", m.name);
    values.set("organisation_id", m.organisation_id.map(|o| o.to_string()).unwrap_or_default());
    values.set("responsible", m.responsible);
    values.set("liaison", m.liaison);
    values.set("phone", m.phone);
    member_form(&s, &ctx, Some(p.id), &crate::form::FormState::new(values)).await
}

/// `POST /joint/members/new` and `POST /joint/members/{id}/edit`.
async fn member_save(s: &AppState, ctx: &Ctx, id: Option<i64>, body: &[u8]) -> Response {
    let f = crate::form::Values::parse(body);
    match s.app.save_joint_member(&ctx.who, id, &member_input(&f)).await {
        Ok(_) => crate::form::saved("/joint"),
        Err(e) => match crate::form::FormState::new(f).fail(e, &MEMBER_FIELDS, ctx.lang) {
            Ok(state) => member_form(s, ctx, id, &state).await,
            Err(e) => ctx.error(e),
        },
    }
}

async fn member_create(State(s): State<AppState>, ctx: Ctx, body: Bytes) -> Response {
    member_save(&s, &ctx, None, &body).await
}

async fn member_update(
    State(s): State<AppState>,
    ctx: Ctx,
    crate::extract::PagePath(p): crate::extract::PagePath<crate::extract::IdPath>,
    body: Bytes,
) -> Response {
    member_save(&s, &ctx, Some(p.id), &body).await
}

async fn tasks_export(
    State(s): State<AppState>,
    Who(who): Who,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    match tasks_table(&s, &ctx, false).await {
        Ok(tb) => send_xlsx(&s, &ctx, "supervised_task", ctx.lang.tr().x_supervised_tasks, &tb, "tasks.xlsx").await,
        Err(e) => ctx.error(e),
    }
}

async fn meeting_submit(State(s): State<AppState>, Who(who): Who, headers: HeaderMap, body: Bytes) -> Response {
    let ctx = Ctx::new(None, &headers, who);
    let f = form(&body);
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let input = ex::MeetingInput {
        held_on: get("held_on"),
        title: get("title"),
        place: get("place"),
        attendees: get("attendees"),
        minutes: get("minutes"),
        decisions: get("decisions").lines().map(str::to_string).collect(),
    };
    match s.app.record_meeting(&ctx.who, &input).await {
        Ok(_) => Redirect::to("/joint").into_response(),
        Err(e) => ctx.error(e),
    }
}

async fn task_submit(State(s): State<AppState>, Who(who): Who, headers: HeaderMap, body: Bytes) -> Response {
    let ctx = Ctx::new(None, &headers, who);
    let f = form(&body);
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let bad = |field: &str| AppError::invalid(bangfu_domain::FieldError::new(field, bangfu_domain::Code::Required));
    let Ok(lead) = get("lead_member_id").parse::<i64>() else { return ctx.error(bad("lead_member_id")) };
    let meeting = match get("meeting_id").as_str() {
        "" => None,
        m => match m.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => return ctx.error(bad("meeting_id")),
        },
    };
    let input =
        ex::TaskInput { meeting_id: meeting, title: get("title"), lead_member_id: lead, deadline: get("deadline") };
    match s.app.create_task(&ctx.who, &input).await {
        Ok(_) => Redirect::to("/joint").into_response(),
        Err(e) => ctx.error(e),
    }
}

async fn task_update(
    State(s): State<AppState>,
    Who(who): Who,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let ctx = Ctx::new(None, &headers, who);
    let Ok(id) = id.parse::<i64>() else { return ctx.error(AppError::NotFound) };
    let f = form(&body);
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let Ok(version) = get("version").parse::<i64>() else {
        return ctx
            .error(AppError::invalid(bangfu_domain::FieldError::new("version", bangfu_domain::Code::VersionRequired)));
    };
    let input = ex::TaskUpdate { version, status: get("status"), progress: get("progress") };
    match s.app.update_task(&ctx.who, id, &input).await {
        Ok(_) => Redirect::to("/joint").into_response(),
        Err(e) => ctx.error(e),
    }
}
