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
    let big = DefaultBodyLimit::max(bangfu_app::import::MAX_BYTES + 1024);
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
        .route("/joint/tasks", post(task_submit))
        .route("/joint/tasks/{id}", post(task_update))
        .route("/rosters/export.xlsx", get(rosters_export))
        .route("/my-work/export.xlsx", get(my_work_export))
        .route("/households/{id}/timeline/export.xlsx", get(timeline_export))
        .route("/users/export.xlsx", get(users_export))
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
            send_xlsx(&s, &ctx, "roster", tx(&ctx, "部门名单", "Department rosters"), &tb, "rosters.xlsx").await
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
                    tx(&ctx, "督办事项", "Supervised task").into(),
                    t.deadline,
                    String::new(),
                    t.lead,
                    t.title,
                    String::new(),
                ]);
            }
            for v in requests {
                rows.push(vec![
                    tx(&ctx, "核对请求", "Verification request").into(),
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
            ("逾期走访|Visits overdue", &w.visits_overdue),
            ("近期走访|Visits coming", &w.visits_upcoming),
            ("计划中的措施|Measures planned", &w.measures_planned),
            ("实施中的措施|Measures in progress", &w.measures_in_progress),
            ("待审批|Outcomes waiting", &w.outcomes_waiting),
            ("返困|Returns", &w.returns),
            ("测算可脱困|Engine: exits", &w.engine_exits),
            ("测算可解困|Engine: reliefs", &w.engine_reliefs),
            ("未结对|Unpaired", &w.unpaired),
        ] {
            let name = name.rsplit('|').nth(usize::from(zh)).unwrap_or(name).to_string();
            for i in &list.items {
                rows.push(vec![
                    name.clone(),
                    i.date.clone(),
                    i.file_no.clone(),
                    i.head_name.clone(),
                    i.what.clone(),
                    i.who.clone(),
                ]);
            }
        }
    }
    let tb =
        text_table(&["类别|List", "日期|Date", "档案编号|File no.", "户主|Head", "事项|What", "人员|Who"], zh, rows);
    send_xlsx(&s, &ctx, "my_work", tx(&ctx, "我的工作", "My work"), &tb, "my-work.xlsx").await
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
    let tb = text_table(&["日期|Date", "事项|What", "记录人|By", "记录时间|Recorded at"], zh, rows);
    let title = format!("{} {id}", tx(&ctx, "帮扶记录", "Record of household"));
    send_xlsx(&s, &ctx, "household", &title, &tb, &format!("timeline-{id}.xlsx")).await
}

async fn users_export(
    State(s): State<AppState>,
    Who(who): Who,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    let zh = ctx.lang.zh();
    let users = match s.app.users(&ctx.who).await {
        Ok(u) => u,
        Err(e) => return ctx.error(e),
    };
    let rows = users
        .into_iter()
        .map(|u| {
            let role = bangfu_domain::Role::from_code(&u.role).map_or(u.role.clone(), |r| r.label(zh).to_string());
            vec![
                u.id.to_string(),
                u.name,
                u.display_name,
                role,
                u.region_code.unwrap_or_default(),
                u.org_id.map(|o| o.to_string()).unwrap_or_default(),
                if u.disabled { tx(&ctx, "停用", "disabled") } else { tx(&ctx, "启用", "enabled") }.to_string(),
            ]
        })
        .collect();
    let tb = text_table(
        &["#", "用户名|User", "姓名|Name", "角色|Role", "地区|Region", "单位|Organisation", "状态|State"],
        zh,
        rows,
    );
    send_xlsx(&s, &ctx, "user", tx(&ctx, "用户", "Users"), &tb, "users.xlsx").await
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
        &["地区|Region", "标准|Standard", "起始月份|From", "金额（元/人·月）|Amount (yuan per person a month)"],
        zh,
        rows,
    );
    send_xlsx(&s, &ctx, "standard", tx(&ctx, "保障标准", "Standards"), &tb, "standards.xlsx").await
}

// ---------------------------------------------------------------- import

async fn import_page(Who(who): Who, RawQuery(raw): RawQuery, headers: HeaderMap) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    if !ctx.who.can(Permission::WriteHouseholds) {
        return ctx.error(AppError::Forbidden);
    }
    let intro = vec![
        tx(
            &ctx,
            "从全国工会困难职工帮扶管理系统导出的表格可直接导入：家庭、家庭成员、月度收支三张工作表（或三个 .csv 文件，UTF-8 或 GBK 编码）。先“仅检查”，确认无误后再导入；任何一行有误，整个文件都不会写入。同一文件导入两次，第二次不会重复写入（按户主身份证号匹配）。",
            "Import the spreadsheets exported from the national registry: sheets 家庭, 家庭成员 and 月度收支 (or three .csv files, UTF-8 or GBK). Check first; if any row is bad nothing is written. Importing the same file twice writes nothing the second time (households are matched by the head's resident ID).",
        )
        .to_string(),
        format!(
            "{} {} MB，{} {} {}",
            tx(&ctx, "文件上限", "At most"),
            bangfu_app::import::MAX_BYTES >> 20,
            tx(&ctx, "至多", "and"),
            bangfu_app::import::MAX_ROWS,
            tx(&ctx, "行。", "rows.")
        ),
    ];
    let mut dry = field(tx(&ctx, "仅检查，不写入", "Only check, write nothing"), "dry_run", "checkbox");
    dry.value = "1".into();
    let sections = vec![
        Section {
            heading: tx(&ctx, "模板", "Template").into(),
            table: Some(Tb {
                id: "import-template",
                headers: vec![tx(&ctx, "文件", "File").into()],
                rows: vec![vec![cl(
                    tx(&ctx, "导入模板（含中文表头）.xlsx", "Template with Chinese headers (.xlsx)"),
                    "/import/template.xlsx",
                )]],
                count: String::new(),
                export: None,
                pager: Vec::new(),
            }),
            ..Default::default()
        },
        Section {
            heading: tx(&ctx, "上传", "Upload").into(),
            form: Some(Fm {
                action: "/import/upload".into(),
                id: "import-form",
                upload: true,
                get: false,
                submit: tx(&ctx, "上传", "Upload").into(),
                fields: vec![field(tx(&ctx, "文件（.xlsx 或 .csv）", "File (.xlsx or .csv)"), "file", "file"), dry],
            }),
            ..Default::default()
        },
    ];
    page(&ctx, tx(&ctx, "批量导入", "Import"), intro, Vec::new(), sections)
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
struct UploadAnswer {
    written: bool,
    summary: String,
    bad: String,
    headers: [&'static str; 4],
    errors: Vec<UploadRow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    redirect: Option<String>,
}

/// A bad row as the page shows it.
#[derive(serde::Serialize)]
struct UploadRow {
    sheet: String,
    row: usize,
    column: String,
    message: String,
}

fn upload_answer(
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
    body: Bytes,
) -> Response {
    let lang = crate::i18n::Lang::pick(params(raw.as_deref()).get("lang").map(String::as_str), &headers);
    let q = params(raw.as_deref());
    let name = q.get("name").cloned().unwrap_or_default();
    let dry = q.get("dry_run").is_some_and(|v| v == "1" || v == "true");
    // An import is seconds to a minute of checking: it runs on a blocking thread with its own
    // wait, keeping the server's workers free for other requests.
    let app = s.app.clone();
    let handle = tokio::runtime::Handle::current();
    let job = tokio::task::spawn_blocking(move || handle.block_on(app.import(&who, &name, &body, dry)));
    match job.await {
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
            Json(upload_answer(lang, r.written, summary, &r.errors)).into_response()
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
                c(r.matched.to_string()),
                c(r.uploaded_by.clone()),
                c(crate::labels::time(&r.uploaded_at)),
            ]
        })
        .collect();
    Tb {
        id: "rosters",
        headers: bilingual(
            zh,
            &["#", "部门|Department", "名单|Roster", "文件|File", "行数|Rows", "匹配|Matched", "上传人|By", "时间|At"],
        ),
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
        if ctx.who.role != bangfu_domain::Role::Liaison {
            let mut d = field(tx(&ctx, "来源部门", "Department"), "department_id", "select");
            d.options =
                match s.app.store.organisations(&bangfu_store::Scope::everything(), Some(OrgKind::Department)).await {
                    Ok(o) => o.into_iter().map(|o| (o.id.to_string(), o.name)).collect(),
                    Err(e) => return ctx.error(e.into()),
                };
            fields.push(d);
        }
        let mut k = field(tx(&ctx, "名单类别", "Roster"), "kind", "select");
        k.options = kind_options(&ctx);
        fields.push(k);
        fields.push(field(
            tx(
                &ctx,
                "文件（.xlsx 或 .csv：身份证号、姓名、起始日期、备注）",
                "File (.xlsx or .csv: 身份证号, 姓名, 起始日期, 备注)",
            ),
            "file",
            "file",
        ));
        sections.push(Section {
            heading: tx(&ctx, "上传部门名单", "Upload a department's roster").into(),
            lines: vec![tx(
                &ctx,
                "名单按身份证号与户主或家庭成员比对。比对结果只是建议：经人工逐条接受后才会生效（低保、特困名单建议“纳入社会救助脱困”，其他名单在帮扶记录中留痕）。",
                "Rows are matched to heads or members by resident ID. A match only suggests a change, which a person accepts or rejects (a 低保/特困 enrolment suggests an exit via social assistance; other rosters a note on the household's record).",
            )
            .into()],
            form: Some(Fm {
                action: "/rosters/upload".into(),
                id: "roster-form",
                upload: true,
                get: false,
                submit: tx(&ctx, "上传并比对", "Upload and match").into(),
                fields,
            }),
            ..Default::default()
        });
    }
    page(&ctx, tx(&ctx, "部门名单比对", "Department rosters"), Vec::new(), Vec::new(), sections)
}

async fn roster_upload(
    State(s): State<AppState>,
    Who(who): Who,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let lang = crate::i18n::Lang::pick(params(raw.as_deref()).get("lang").map(String::as_str), &headers);
    let q = params(raw.as_deref());
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
    // Matching a large roster takes seconds: a blocking thread with its own wait, as imports.
    let app = s.app.clone();
    let handle = tokio::runtime::Handle::current();
    let job = tokio::task::spawn_blocking(move || handle.block_on(app.upload_roster(&who, dept, &kind, &name, &body)));
    let result = match job.await {
        Ok(r) => r,
        Err(e) => Err(AppError::Internal(format!("roster stopped: {e}"))),
    };
    match result {
        Ok(r) => {
            let summary = crate::i18n::fill(lang.tr().roster_summary, &[("rows", r.rows), ("matched", r.matched)]);
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
            "propose_exit" => tx(ctx, "建议：纳入社会救助脱困", "Suggest: exit via social assistance").into(),
            "note" => tx(ctx, "建议：记入帮扶记录", "Suggest: note on the record").into(),
            "pending" => tx(ctx, "待处理", "Pending").into(),
            "accepted" => tx(ctx, "已接受", "Accepted").into(),
            "rejected" => tx(ctx, "已驳回", "Rejected").into(),
            "head" => tx(ctx, "户主", "Head").into(),
            "member" => tx(ctx, "家庭成员", "Member").into(),
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
                (Some(_), false) => c(tx(ctx, "已匹配", "Matched")),
                (None, _) => c(tx(ctx, "未匹配", "Not matched")),
            };
            let mut decision = c(label(&x.decision));
            if let Some(o) = x.outcome_id {
                decision.text.push_str(&format!(" · {} {o}", tx(ctx, "脱困申请", "proposal")));
            }
            if can_decide && x.decision == "pending" && x.household_id.is_some() && !all {
                let url = format!("/roster-rows/{}/decision", x.id);
                decision.buttons = vec![
                    Btn {
                        url: url.clone(),
                        label: tx(ctx, "接受", "Accept").into(),
                        class: "accept",
                        fields: vec![("accept".into(), "1".into())],
                    },
                    Btn {
                        url,
                        label: tx(ctx, "驳回", "Reject").into(),
                        class: "reject",
                        fields: vec![("accept".into(), "0".into())],
                    },
                ];
            }
            vec![
                c(x.row_no.to_string()),
                // The department's own liaison sees its list as sent; union staff see IDs masked,
                // as everywhere else (revealing one is its own audited act on the household).
                c(if reads { bangfu_domain::id_number::mask(&x.id_number) } else { x.id_number.clone() }),
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
        "行|Row",
        "身份证号|Resident ID",
        "姓名|Name",
        "起始|Since",
        "备注|Note",
        "匹配家庭|Household",
        "身份|As",
        "建议|Suggestion",
        "处理|Decision",
    ]
    .iter()
    .map(|h| h.rsplit('|').nth(usize::from(zh)).unwrap_or(h).to_string())
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
    let tabs = tabs(
        ctx.lang.zh(),
        &format!("/rosters/{id}"),
        &show,
        &[("all", "全部|All"), ("matched", "已匹配|Matched"), ("unmatched", "未匹配|Not matched")],
    );
    let intro = vec![tx(
        &ctx,
        "比对结果在接受之前不改变任何家庭档案。",
        "Nothing in any household changes until a match is accepted.",
    )
    .into()];
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
    let list = s.app.verifications(&ctx.who, filter, None).await?;
    let today = bangfu_app::clock::today().to_string();
    let zh = ctx.lang.zh();
    let rows = list
        .iter()
        .map(|v| {
            let pending: Vec<String> =
                v.answers.iter().filter(|a| a.status == "pending").map(|a| a.department.clone()).collect();
            let answered = v.answers.len() - pending.len();
            let state = if pending.is_empty() {
                tx(ctx, "已全部答复", "All answered").to_string()
            } else if v.due_on < today {
                format!("{}：{}", tx(ctx, "逾期", "Overdue"), pending.join("、"))
            } else {
                format!("{}：{}", tx(ctx, "待答复", "Waiting for"), pending.join("、"))
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
            "家庭|Household",
            "核对事项|Question",
            "发起人|Asked by",
            "发起日期|Asked on",
            "答复期限|Due",
            "已答复|Answered",
            "状态|State",
        ]
        .iter()
        .map(|h| h.rsplit('|').nth(usize::from(zh)).unwrap_or(h).to_string())
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
        ctx.lang.zh(),
        "/verifications",
        show,
        &[("open", "待答复|Open"), ("overdue", "逾期|Overdue"), ("all", "全部|All")],
    );
    let intro = vec![tx(
        &ctx,
        "家庭经济状况核对：工会向联席会议成员单位发起核对请求，各单位联络员在期限内（默认 5 个工作日）答复，答复记入该户帮扶记录。",
        "Household economic status verification: union staff ask member departments; each department's liaison answers within the deadline (5 working days by default); the answers go on the household's record.",
    )
    .into()];
    page(
        &ctx,
        tx(&ctx, "核对请求", "Verification requests"),
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
            send_xlsx(
                &s,
                &ctx,
                "verification",
                tx(&ctx, "核对请求", "Verification requests"),
                &tb,
                "verifications.xlsx",
            )
            .await
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
        format!("{}：{} {}（{}）", tx(&ctx, "家庭", "Household"), v.file_no, v.head_name, v.head_id_number),
        format!("{}：{}", tx(&ctx, "核对事项", "Question"), v.question),
        format!(
            "{}：{} · {} · {}：{}",
            tx(&ctx, "发起", "Asked"),
            v.asked_by,
            v.asked_on,
            tx(&ctx, "答复期限", "Due"),
            v.due_on
        ),
    ];
    let links = if reads {
        vec![(
            format!("/households/{}", v.household_id),
            tx(&ctx, "打开该户档案", "Open the household's file").to_string(),
        )]
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
                c(if a.status == "answered" {
                    tx(&ctx, "已答复", "Answered")
                } else {
                    tx(&ctx, "待答复", "Pending")
                }),
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
            headers: bilingual(
                zh,
                &["部门|Department", "状态|State", "核实情况|Facts confirmed", "附件|File", "答复人|By", "时间|At"],
            ),
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
            heading: tx(&ctx, "答复", "Answer").into(),
            form: Some(Fm {
                action: format!("/verifications/{id}/answer"),
                id: "answer-form",
                upload: true,
                get: false,
                submit: tx(&ctx, "提交答复", "Send the answer").into(),
                fields: vec![
                    field(tx(&ctx, "核实情况", "Facts confirmed"), "facts", "textarea"),
                    field(tx(&ctx, "附件（可选，至多 10 MB）", "Attachment (optional, at most 10 MB)"), "file", "file"),
                ],
            }),
            ..Default::default()
        });
    }
    page(&ctx, &format!("{} {id}", tx(&ctx, "核对请求", "Verification request")), Vec::new(), Vec::new(), sections)
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
    let content_type = mime_of(&name);
    let file = (!body.is_empty()).then_some((name.as_str(), content_type, &body[..]));
    match s.app.answer_verification(&ctx.who, id, &input, file).await {
        Ok(_) => {
            Json(serde_json::json!({ "written": true, "redirect": format!("/verifications/{id}") })).into_response()
        }
        Err(e) => json_error(e),
    }
}

fn mime_of(name: &str) -> &'static str {
    let lower = name.to_lowercase();
    let ext = lower.rsplit('.').next().unwrap_or("");
    match ext {
        "pdf" => "application/pdf",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _ => "application/octet-stream",
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
    let f = form(&body);
    let mut departments = Vec::new();
    for d in form_all(&body, "departments") {
        match d.parse::<i64>() {
            Ok(n) => departments.push(n),
            Err(_) => {
                return ctx.error(AppError::invalid(bangfu_domain::FieldError::new(
                    "departments",
                    bangfu_domain::Code::UnknownOrganisation,
                )))
            }
        }
    }
    let input = ex::VerificationInput {
        question: f.get("question").cloned().unwrap_or_default(),
        departments,
        due_on: f.get("due_on").cloned().unwrap_or_default(),
    };
    match s.app.request_verification(&ctx.who, id, &input).await {
        Ok(v) => Redirect::to(&format!("/verifications/{}", v.id)).into_response(),
        Err(e) => ctx.error(e),
    }
}

/// The household page's request form: departments to ask.
pub(crate) async fn department_options(s: &AppState) -> Vec<(String, String)> {
    s.app
        .store
        .organisations(&bangfu_store::Scope::everything(), Some(OrgKind::Department))
        .await
        .map(|o| o.into_iter().map(|o| (o.id.to_string(), o.name)).collect())
        .unwrap_or_default()
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
                status.text.push_str(&format!(" · {}", tx(ctx, "逾期", "overdue")));
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
            "督办事项|Task",
            "牵头单位|Lead unit",
            "期限|Deadline",
            "状态|Status",
            "进展|Progress",
            "会议|Meeting",
            "更新|Updated",
        ]
        .iter()
        .map(|h| h.rsplit('|').nth(usize::from(zh)).unwrap_or(h).to_string())
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
    let member_rows = members
        .iter()
        .map(|m| vec![c(m.name.clone()), c(m.responsible.clone()), c(m.liaison.clone()), c(m.phone.clone())])
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
        Section {
            heading: tx(&ctx, "督办事项", "Supervised tasks").into(), table: Some(tasks), ..Default::default()
        },
        Section {
            heading: tx(&ctx, "会议与决定", "Meetings and decisions").into(),
            table: Some(Tb {
                id: "meetings",
                headers: bilingual(
                    zh,
                    &["#", "日期|Held on", "议题|Title", "地点|Place", "纪要|Minutes", "决定|Decisions"],
                ),
                rows: meeting_rows,
                count: format!("{} {}", ctx.lang.tr().total, meetings.len()),
                export: None,
                pager: Vec::new(),
            }),
            ..Default::default()
        },
        Section {
            heading: tx(&ctx, "成员单位", "Member units").into(),
            lines: vec![tx(
                &ctx,
                "市总工会牵头召集，办公室设在市总工会（实施方案第六部分）。",
                "Convened by the city union; its office is in the city union (plan, part 6).",
            )
            .into()],
            table: Some(Tb {
                id: "members",
                headers: bilingual(zh, &["单位|Unit", "负责人|Responsible", "联络员|Liaison", "电话|Telephone"]),
                rows: member_rows,
                count: String::new(),
                export: None,
                pager: Vec::new(),
            }),
            ..Default::default()
        },
    ];
    if ctx.who.can(Permission::ManageJointMeeting) {
        let mut held = field(tx(&ctx, "日期", "Held on"), "held_on", "text");
        held.placeholder = "YYYY-MM-DD".into();
        sections.push(Section {
            heading: tx(&ctx, "记录会议", "Record a meeting").into(),
            form: Some(Fm {
                action: "/joint/meetings".into(),
                id: "meeting-form",
                upload: false,
                get: false,
                submit: tx(&ctx, "保存", "Save").into(),
                fields: vec![
                    held,
                    field(tx(&ctx, "议题", "Title"), "title", "text"),
                    field(tx(&ctx, "地点", "Place"), "place", "text"),
                    field(tx(&ctx, "出席", "Attendees"), "attendees", "text"),
                    field(tx(&ctx, "纪要", "Minutes"), "minutes", "textarea"),
                    field(tx(&ctx, "决定（每行一项）", "Decisions (one per line)"), "decisions", "textarea"),
                ],
            }),
            ..Default::default()
        });
        let mut lead = field(tx(&ctx, "牵头单位", "Lead unit"), "lead_member_id", "select");
        lead.options = members.iter().map(|m| (m.id.to_string(), m.name.clone())).collect();
        let mut meeting = field(tx(&ctx, "来自会议", "From meeting"), "meeting_id", "select");
        meeting.options = std::iter::once((String::new(), "—".to_string()))
            .chain(meetings.iter().map(|m| (m.id.to_string(), format!("{} {}", m.held_on, m.title))))
            .collect();
        let mut deadline = field(tx(&ctx, "期限", "Deadline"), "deadline", "text");
        deadline.placeholder = "YYYY-MM-DD".into();
        sections.push(Section {
            heading: tx(&ctx, "新增督办事项", "New supervised task").into(),
            form: Some(Fm {
                action: "/joint/tasks".into(),
                id: "task-form",
                upload: false,
                get: false,
                submit: tx(&ctx, "保存", "Save").into(),
                fields: vec![field(tx(&ctx, "事项", "Task"), "title", "text"), lead, deadline, meeting],
            }),
            ..Default::default()
        });
    }
    page(&ctx, tx(&ctx, "联席会议", "Joint meeting"), Vec::new(), Vec::new(), sections)
}

async fn tasks_export(
    State(s): State<AppState>,
    Who(who): Who,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(raw.as_deref(), &headers, who);
    match tasks_table(&s, &ctx, false).await {
        Ok(tb) => {
            send_xlsx(&s, &ctx, "supervised_task", tx(&ctx, "督办事项", "Supervised tasks"), &tb, "tasks.xlsx").await
        }
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
