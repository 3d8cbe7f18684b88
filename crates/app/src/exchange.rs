//! Data exchange with the joint meeting's member units (issue 7, items 2–4): department
//! rosters matched to households by resident ID, whose suggestions a person accepts or
//! rejects; verification requests (家庭经济状况核对) a department's liaison answers; the joint
//! meeting's members, meetings, decisions and supervised tasks.
//!
//! A liaison reads no household file. They see the rosters their department uploaded (with
//! whether each row matched, not which household), and the requests addressed to their
//! department, with the person's name and resident ID the department needs to look them up.

use crate::auth::Principal;
use crate::import::{read_roster, RowError};
use crate::input::{optional_text, required_text};
use crate::{App, AppError};
use bangfu_domain::{Code, FieldError, OrgKind, Permission, RosterKind, TaskStatus};
use bangfu_store::{
    Evidence, JointMember, Meeting, NewRosterRow, Roster, RosterRow, RowsSeen, StoreError, SupervisedTask,
    Verification, VerificationAsk,
};
use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// Attachments above this size are refused.
pub const MAX_ATTACHMENT: usize = 10 * 1024 * 1024;
/// Working days a department has to answer, by default.
pub const ANSWER_DAYS: u32 = 5;

/// What an upload of a roster did.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct RosterUpload {
    /// The roster written (None when any row is bad: nothing is written).
    pub roster_id: Option<i64>,
    /// Rows read.
    pub rows: u64,
    /// Rows matched to a household in the uploader's reach.
    pub matched: u64,
    /// Every bad row.
    pub errors: Vec<RowError>,
}

/// A decision on a roster row.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct RowDecision {
    /// true to accept the suggestion, false to reject it.
    pub accept: bool,
}

/// A verification request as sent.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct VerificationInput {
    /// What the departments are asked to confirm.
    pub question: String,
    /// The member units' organisations asked.
    pub departments: Vec<i64>,
    /// Due date (YYYY-MM-DD); five working days from today when empty.
    #[serde(default)]
    pub due_on: String,
}

/// A department's answer.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct AnswerInput {
    /// The facts confirmed.
    pub facts: String,
}

/// A member unit of the joint meeting as the office writes it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JointMemberInput {
    /// Unit name (up to 100 characters, unique).
    pub name: String,
    /// Its department in the registry (an organisation of kind `department`): that department's
    /// liaison and system report on the tasks the unit leads.
    #[serde(default)]
    pub organisation_id: Option<i64>,
    /// Responsible person.
    #[serde(default)]
    pub responsible: String,
    /// Liaison.
    #[serde(default)]
    pub liaison: String,
    /// Telephone.
    #[serde(default)]
    pub phone: String,
}

/// A meeting as recorded.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct MeetingInput {
    /// Held on (YYYY-MM-DD).
    pub held_on: String,
    /// Title.
    pub title: String,
    /// Place.
    #[serde(default)]
    pub place: String,
    /// Who attended.
    #[serde(default)]
    pub attendees: String,
    /// Minutes.
    pub minutes: String,
    /// Decisions, one per line.
    #[serde(default)]
    pub decisions: Vec<String>,
}

/// A supervised task as set.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct TaskInput {
    /// The meeting that set it.
    #[serde(default)]
    pub meeting_id: Option<i64>,
    /// What is to be done.
    pub title: String,
    /// Lead unit (a joint-meeting member id).
    pub lead_member_id: i64,
    /// Deadline (YYYY-MM-DD).
    pub deadline: String,
}

/// A task's progress as reported.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct TaskUpdate {
    /// The version read (optimistic locking).
    pub version: i64,
    /// open, in_progress or done.
    pub status: String,
    /// Progress.
    #[serde(default)]
    pub progress: String,
}

/// Which requests a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum RequestFilter {
    /// With an answer still pending.
    #[default]
    Open,
    /// With an answer pending past its due day.
    Overdue,
    /// All.
    All,
}

/// The type of an answer's attached file, judged by its first bytes (whatever its name or the
/// sender says): PDF, JPEG or PNG — what a department's scan or printout is. None: not accepted.
pub fn attachment_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else {
        None
    }
}

/// `n` working days (Monday to Friday) after `from`. Public holidays are not known to the
/// system; a request due on one is answered the next working day without being overdue by
/// more than the holiday.
pub fn working_days_after(from: NaiveDate, n: u32) -> NaiveDate {
    let mut d = from;
    let mut left = n;
    while left > 0 {
        d = d.succ_opt().unwrap_or(d);
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    d
}

fn today() -> NaiveDate {
    crate::clock::today()
}

impl App {
    /// The department a liaison or a department's system speaks for, or one named by union staff.
    async fn department_of(&self, who: &Principal, asked: Option<i64>) -> Result<bangfu_store::Organisation, AppError> {
        let id = match (who.role.speaks_for_department(), who.organisation_id, asked) {
            (true, Some(own), _) => own,
            (true, None, _) => return Err(AppError::Forbidden),
            (false, _, Some(d)) => d,
            (false, _, None) => {
                return Err(AppError::invalid(FieldError::new("department_id", Code::DepartmentRequired)))
            }
        };
        match self.store.organisation(&bangfu_store::Scope::everything(), id).await {
            Ok(o) if o.kind == OrgKind::Department => Ok(o),
            Ok(_) | Err(StoreError::NotFound) => {
                Err(AppError::invalid(FieldError::new("department_id", Code::NotDepartment).with("id", id)))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Reads a department's roster, checks every row and, if all are good, stores it with each
    /// row matched by resident ID (head first, then member) to households in the uploader's
    /// reach. Nothing in any household changes: a match only suggests a change.
    pub async fn upload_roster(
        &self,
        who: &Principal,
        department_id: Option<i64>,
        kind: &str,
        name: &str,
        bytes: &[u8],
    ) -> Result<RosterUpload, AppError> {
        let file = crate::import::spool(bytes)?;
        self.upload_roster_file(who, department_id, kind, name, file.path()).await
    }

    /// [`App::upload_roster`] of a file on disk (an upload received into a temporary file).
    pub async fn upload_roster_file(
        &self,
        who: &Principal,
        department_id: Option<i64>,
        kind: &str,
        name: &str,
        path: &std::path::Path,
    ) -> Result<RosterUpload, AppError> {
        self.upload_roster_keyed(who, department_id, kind, name, path, None).await
    }

    /// [`App::upload_roster_file`] under a client's `Idempotency-Key` it has claimed
    /// ([`bangfu_store::Store::claim_idempotency`]): the answer ([`roster_answer`]) is kept with
    /// the key in the roster's own transaction, so a roster is never written without it — a
    /// crash between the two cannot make a retry write the roster twice.
    pub async fn upload_roster_keyed(
        &self,
        who: &Principal,
        department_id: Option<i64>,
        kind: &str,
        name: &str,
        path: &std::path::Path,
        idempotency_key: Option<&str>,
    ) -> Result<RosterUpload, AppError> {
        self.permit(who, Permission::UploadRosters, "roster", None).await?;
        let kind = RosterKind::parse("kind", kind.trim()).map_err(AppError::invalid)?;
        let dept = self.department_of(who, department_id).await?;
        let mut out = RosterUpload::default();
        let (sheet, read) = read_roster(name, path, &mut out.errors).await?;
        let mut rows = Vec::with_capacity(read.len());
        for (row, r) in &read {
            let mut bad = |field: &str, e: FieldError| {
                let column = crate::import::Kind::Roster
                    .columns()
                    .iter()
                    .find(|c| c.0 == field)
                    .map_or(field.to_string(), |c| c.1.to_string());
                out.errors.push(RowError {
                    sheet: sheet.name.clone(),
                    row: *row,
                    column,
                    code: e.code,
                    params: e.params,
                })
            };
            let id = match bangfu_domain::IdNumber::parse("id_number", sheet.get(r, "id_number")) {
                Ok(i) => i.as_str().to_string(),
                Err(e) => {
                    bad("id_number", e);
                    continue;
                }
            };
            let since = sheet.get(r, "since");
            let since_ok = since.is_empty()
                || bangfu_domain::parse_date("since", since).is_ok()
                || bangfu_domain::YearMonth::parse("since", since).is_ok();
            if !since_ok {
                bad("since", FieldError::new("since", Code::InvalidDateOrMonth));
                continue;
            }
            let name = match optional_text("name", sheet.get(r, "name"), 50) {
                Ok(n) => n,
                Err(e) => {
                    bad("name", e);
                    continue;
                }
            };
            let note = match optional_text("note", sheet.get(r, "note"), 200) {
                Ok(n) => n,
                Err(e) => {
                    bad("note", e);
                    continue;
                }
            };
            rows.push(NewRosterRow { row_no: *row as i64, id_number: id, name, since: since.to_string(), note });
        }
        out.rows = rows.len() as u64;
        if !out.errors.is_empty() {
            return Ok(out);
        }
        if rows.is_empty() {
            return Err(AppError::invalid(FieldError::new("file", Code::EmptyRoster)));
        }
        // A liaison's roster is matched across the department's region; union staff's within
        // their own reach.
        let (region, regions, unions) = if who.role.speaks_for_department() {
            (dept.region_code.clone(), Some(self.store.region_and_children(&dept.region_code).await?), None)
        } else {
            (
                who.region_code.clone().unwrap_or_else(|| dept.region_code.clone()),
                who.scope.region_codes().map(<[String]>::to_vec),
                who.scope.union_ids(),
            )
        };
        let mut tx = self.store.begin().await?;
        let id = tx
            .insert_roster(
                dept.id,
                kind.code(),
                kind.suggests_exit(),
                name,
                &region,
                &regions,
                unions,
                &rows,
                &who.name,
            )
            .await?;
        let mut a = who.audit("upload", "roster", Some(id), Some(&region));
        a.detail =
            serde_json::json!({ "file": name, "department": dept.name, "kind": kind.code(), "rows": rows.len() })
                .to_string();
        tx.append_audit(&a).await?;
        out.roster_id = Some(id);
        // The uploader learns how many matched only if it may read households.
        if who.can(Permission::ReadHouseholds) {
            out.matched = tx.roster_matched(id).await?.max(0) as u64;
        }
        if let Some(key) = idempotency_key {
            tx.finish_idempotency(who.user_id, key, 201, &roster_answer(&out)).await?;
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Whether `who` may open roster `r`, and which of its rows they see.
    fn roster_view(&self, who: &Principal, r: &Roster) -> Option<RowsSeen> {
        if who.role.speaks_for_department() {
            return (who.organisation_id == Some(r.department_id)).then_some(RowsSeen::All);
        }
        if !who.can(Permission::ReadHouseholds) {
            return None;
        }
        let owner = who.scope.has_region(&r.region_code) && who.scope.has_union(r.union_id);
        Some(if owner { RowsSeen::All } else { RowsSeen::Matched(who.scope.clone()) })
    }

    /// Rosters `who` may open, newest first.
    pub async fn rosters(&self, who: &Principal) -> Result<Vec<Roster>, AppError> {
        if !(who.can(Permission::UploadRosters) || who.can(Permission::ReadHouseholds)) {
            return Err(AppError::Forbidden);
        }
        let department = if who.role.speaks_for_department() { who.organisation_id.or(Some(-1)) } else { None };
        let reads = who.can(Permission::ReadHouseholds);
        Ok(self
            .store
            .rosters(department)
            .await?
            .into_iter()
            .filter(|r| self.roster_view(who, r).is_some())
            .map(|mut r| {
                if !reads {
                    r.matched = 0;
                }
                r
            })
            .collect())
    }

    /// A roster and a page of the rows `who` sees (matched: Some(true) matched only, Some(false)
    /// unmatched only). A liaison sees whether a row matched, never the household.
    pub async fn roster(
        &self,
        who: &Principal,
        id: i64,
        matched: Option<bool>,
        offset: i64,
        limit: i64,
    ) -> Result<(Roster, Vec<RosterRow>, i64), AppError> {
        let r = match self.store.roster(id).await {
            Ok(r) => r,
            Err(StoreError::NotFound) => return Err(AppError::NotFound),
            Err(e) => return Err(e.into()),
        };
        let Some(seen) = self.roster_view(who, &r) else { return Err(AppError::NotFound) };
        // Whether a person is a registered needy household is itself what a reader outside the
        // households may not learn (issue 19): a liaison sees its rows as sent, with no match,
        // and cannot ask for the matched ones only.
        let reads = who.can(Permission::ReadHouseholds);
        let matched = if reads { matched } else { None };
        let (mut rows, total) = self
            .store
            .roster_rows(id, &seen, matched, offset.max(0).unsigned_abs(), limit.clamp(1, 100_000).unsigned_abs())
            .await?;
        for row in &mut rows {
            // Masked for everyone, as on every other page.
            row.id_number = bangfu_domain::id_number::mask(&row.id_number);
            if !reads {
                row.file_no = None;
                row.head_name = None;
                row.household_status = None;
                row.household_id = None;
                row.person = None;
                row.suggestion = String::new();
            }
        }
        let mut r = r;
        if !reads {
            r.matched = 0;
        }
        Ok((r, rows, total))
    }

    /// Accepts or rejects a matched row's suggestion. Accepting a new 低保/特困 enrolment
    /// proposes an exit via social assistance (to be approved like any other) and records the
    /// roster on the household's timeline; accepting any other match records it on the
    /// timeline as a note for the plan. Rejecting changes no household.
    pub async fn decide_roster_row(&self, who: &Principal, row_id: i64, accept: bool) -> Result<RosterRow, AppError> {
        let (row, _, _) = match self.store.roster_row(row_id).await {
            Ok(r) => r,
            Err(StoreError::NotFound) => return Err(AppError::NotFound),
            Err(e) => return Err(e.into()),
        };
        let Some(household_id) = row.household_id else {
            return Err(AppError::Conflict(FieldError::new("row", Code::Unmatched)));
        };
        let (file, mut tx) = self.begin_file(who, household_id).await?;
        if row.decision != "pending" {
            return Err(AppError::Conflict(FieldError::new("row", Code::Decided)));
        }
        let roster = self.store.roster(row.roster_id).await?;
        let kind = RosterKind::from_code(&roster.kind).unwrap_or(RosterKind::Other);
        let mut outcome = None;
        if accept {
            let summary = format!(
                "{}{}：{}{}（第{}行）{}",
                roster.department,
                kind.label(true),
                row.name,
                if row.since.is_empty() { String::new() } else { format!("，自{}起", row.since) },
                row.row_no,
                row.note
            );
            if row.suggestion == "propose_exit" {
                if file.household().status != bangfu_domain::HouseholdStatus::InFile {
                    return Err(AppError::Conflict(FieldError::new("row", Code::NotInFile)));
                }
                if tx.open_proposal(&file).await?.is_some() {
                    return Err(AppError::Conflict(FieldError::new("row", Code::ProposalPending)));
                }
                let reason = format!("部门名单：{summary}");
                let reason: String = reason.chars().take(500).collect();
                outcome = Some(
                    tx.insert_outcome(
                        &file,
                        "exit",
                        Some(bangfu_domain::ExitPathway::SocialAssistance.code()),
                        &reason,
                        (who.user_id, &who.name),
                    )
                    .await?,
                );
            }
            let day = today().to_string();
            tx.insert_evidence(
                household_id,
                &day,
                "roster",
                row.id,
                Some(roster.department_id),
                &summary,
                None,
                &who.name,
            )
            .await?;
        }
        if !tx.decide_roster_row(row.id, if accept { "accepted" } else { "rejected" }, outcome, &who.name).await? {
            return Err(AppError::Conflict(FieldError::new("row", Code::Decided)));
        }
        let detail =
            serde_json::json!({ "roster": roster.id, "row": row.row_no, "accept": accept, "outcome": outcome });
        self.end_file(who, tx, &file, None, ("decide", "roster_row", Some(row.id), detail)).await?;
        Ok(self.store.roster_row(row.id).await?.0)
    }

    /// Sends a verification request about a household to member departments.
    pub async fn request_verification(
        &self,
        who: &Principal,
        household_id: i64,
        input: &VerificationInput,
    ) -> Result<Verification, AppError> {
        let mut errs = Vec::new();
        let question = required_text("question", &input.question, 1000).map_err(|e| errs.push(e)).ok();
        let mut departments = input.departments.clone();
        departments.sort_unstable();
        departments.dedup();
        if departments.is_empty() {
            errs.push(FieldError::new("departments", Code::DepartmentsRequired));
        }
        for d in &departments {
            match self.store.organisation(&bangfu_store::Scope::everything(), *d).await {
                Ok(o) if o.kind == OrgKind::Department => {}
                Ok(_) | Err(StoreError::NotFound) => {
                    errs.push(FieldError::new("departments", Code::NotDepartment).with("id", d))
                }
                Err(e) => return Err(e.into()),
            }
        }
        let due = if input.due_on.trim().is_empty() {
            Some(working_days_after(today(), ANSWER_DAYS))
        } else {
            match bangfu_domain::parse_date("due_on", input.due_on.trim()) {
                Ok(d) if d < today() => {
                    errs.push(FieldError::new("due_on", Code::InPast));
                    None
                }
                Ok(d) => Some(d),
                Err(e) => {
                    errs.push(e);
                    None
                }
            }
        };
        let (Some(question), Some(due), true) = (question, due, errs.is_empty()) else {
            return Err(AppError::Invalid(errs));
        };
        let (file, mut tx) = self.begin_file(who, household_id).await?;
        let h = file.household();
        let id = tx
            .insert_verification(
                household_id,
                &h.region_code,
                h.union_id,
                &question,
                &today().to_string(),
                &due.to_string(),
                &departments,
                &who.name,
            )
            .await?;
        let mut a = who.audit("request", "verification", Some(id), Some(&h.region_code));
        a.detail =
            serde_json::json!({ "household_id": household_id, "departments": departments, "due_on": due }).to_string();
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(self.store.verification(id).await?.0)
    }

    /// Requests `who` sees: a liaison, those addressed to their department (and only their
    /// department's answer); union staff, those about households in their reach. Newest first
    /// (at most 2,000), or with `since` a poll: up to `limit` after that request id, oldest first.
    pub async fn verifications(
        &self,
        who: &Principal,
        filter: RequestFilter,
        household_id: Option<i64>,
        since: Option<(i64, u64)>,
    ) -> Result<Vec<Verification>, AppError> {
        let overdue = (filter == RequestFilter::Overdue).then(|| today().to_string());
        let mut ask = VerificationAsk {
            household_id,
            open_only: filter != RequestFilter::All,
            overdue_on: overdue.as_deref(),
            after: since.map(|s| s.0),
            limit: since.map_or(2000, |s| s.1),
            ..Default::default()
        };
        if who.role.speaks_for_department() {
            let Some(d) = who.organisation_id else { return Ok(Vec::new()) };
            ask.department = Some(d);
            return Ok(self.store.verifications(&ask).await?);
        }
        if !who.can(Permission::ReadHouseholds) {
            return Err(AppError::Forbidden);
        }
        ask.scope = Some(&who.scope);
        Ok(self.store.verifications(&ask).await?)
    }

    /// One request, if `who` sees it (404 otherwise, as for a request that does not exist).
    pub async fn verification(&self, who: &Principal, id: i64) -> Result<Verification, AppError> {
        let (mut v, union_id) = match self.store.verification(id).await {
            Ok(v) => v,
            Err(StoreError::NotFound) => return Err(AppError::NotFound),
            Err(e) => return Err(e.into()),
        };
        if who.role.speaks_for_department() {
            let mine = who.organisation_id;
            if !v.answers.iter().any(|a| Some(a.department_id) == mine) {
                return Err(AppError::NotFound);
            }
            v.answers.retain(|a| Some(a.department_id) == mine);
            return Ok(v);
        }
        if who.can(Permission::ReadHouseholds) && who.scope.admits_household(&v.region_code, union_id) {
            return Ok(v);
        }
        Err(AppError::NotFound)
    }

    /// A liaison answers for their department, with an optional file; the answer goes on the
    /// household's timeline.
    pub async fn answer_verification(
        &self,
        who: &Principal,
        id: i64,
        input: &AnswerInput,
        file: Option<(&str, &[u8])>,
    ) -> Result<Verification, AppError> {
        self.permit(who, Permission::AnswerVerifications, "verification", Some(id)).await?;
        let v = self.verification(who, id).await?;
        let facts = required_text("facts", &input.facts, 2000).map_err(AppError::invalid)?;
        let file = file.filter(|(_, bytes)| !bytes.is_empty());
        let mut content_type = "";
        if let Some((name, bytes)) = file {
            if bytes.len() > MAX_ATTACHMENT {
                return Err(AppError::invalid(
                    FieldError::new("file", Code::FileTooLarge).with("max", MAX_ATTACHMENT >> 20),
                ));
            }
            if name.trim().is_empty() || name.chars().count() > 200 {
                return Err(AppError::invalid(FieldError::new("file", Code::BadFileName).with("max", 200)));
            }
            content_type = attachment_type(bytes)
                .ok_or_else(|| AppError::invalid(FieldError::new("file", Code::FileTypeNotAllowed)))?;
        }
        let Some(dept) = who.organisation_id else { return Err(AppError::Forbidden) };
        let mut tx = self.store.begin().await?;
        let attachment = match file {
            Some((name, bytes)) => Some(tx.insert_attachment(name.trim(), content_type, bytes, &who.name).await?),
            _ => None,
        };
        if tx.answer_verification(id, dept, &facts, attachment, &who.name).await?.is_none() {
            return Err(AppError::Conflict(FieldError::new("facts", Code::Answered)));
        }
        let dept_name = v.answers.first().map(|a| a.department.clone()).unwrap_or_default();
        let summary = format!("{dept_name}核对答复（请求 {id}）：{facts}");
        tx.insert_evidence(
            v.household_id,
            &today().to_string(),
            "verification",
            id,
            Some(dept),
            &summary,
            attachment,
            &who.name,
        )
        .await?;
        let mut a = who.audit("answer", "verification", Some(id), Some(&v.region_code));
        a.detail = serde_json::json!({ "attachment": attachment }).to_string();
        tx.append_audit(&a).await?;
        tx.commit().await?;
        self.verification(who, id).await
    }

    /// An attached file, for those who see the request it answers.
    pub async fn attachment(&self, who: &Principal, id: i64) -> Result<bangfu_store::Attachment, AppError> {
        let Some((verification, department)) = self.store.attachment_owner(id).await? else {
            return Err(AppError::NotFound);
        };
        // A liaison sees only their own department's answers, and so its files.
        if who.role.speaks_for_department() && who.organisation_id != Some(department) {
            return Err(AppError::NotFound);
        }
        self.verification(who, verification).await?;
        match self.store.attachment(id).await {
            Ok(a) => Ok(a),
            Err(StoreError::NotFound) => Err(AppError::NotFound),
            Err(e) => Err(e.into()),
        }
    }

    /// A household's evidence from outside (answers and accepted roster rows), by day.
    pub async fn household_evidence(&self, who: &Principal, household_id: i64) -> Result<Vec<Evidence>, AppError> {
        self.household(who, household_id).await?;
        Ok(self.store.evidence(household_id).await?)
    }

    /// The joint meeting's members.
    pub async fn joint_members(&self, who: &Principal) -> Result<Vec<JointMember>, AppError> {
        self.permit(who, Permission::ReadJointMeeting, "joint_meeting", None).await?;
        Ok(self.store.joint_members().await?)
    }

    /// Adds a member unit (`id` None) or changes one: its name, people and department.
    pub async fn save_joint_member(
        &self,
        who: &Principal,
        id: Option<i64>,
        input: &JointMemberInput,
    ) -> Result<JointMember, AppError> {
        self.permit(who, Permission::ManageJointMeeting, "joint_member", id).await?;
        let members = self.store.joint_members().await?;
        if id.is_some_and(|i| !members.iter().any(|m| m.id == i)) {
            return Err(AppError::NotFound);
        }
        let mut errs = Vec::new();
        let name = required_text("name", &input.name, 100).map_err(|e| errs.push(e)).ok();
        if let Some(n) = &name {
            if members.iter().any(|m| &m.name == n && Some(m.id) != id) {
                errs.push(FieldError::new("name", Code::MemberNameTaken).with("name", n));
            }
        }
        let responsible = optional_text("responsible", &input.responsible, 50).map_err(|e| errs.push(e)).ok();
        let liaison = optional_text("liaison", &input.liaison, 50).map_err(|e| errs.push(e)).ok();
        let phone = optional_text("phone", &input.phone, 30).map_err(|e| errs.push(e)).ok();
        if let Some(o) = input.organisation_id {
            match self.store.organisation(&bangfu_store::Scope::everything(), o).await {
                Ok(org) if org.kind == OrgKind::Department => {}
                Ok(_) | Err(StoreError::NotFound) => {
                    errs.push(FieldError::new("organisation_id", Code::NotDepartment).with("id", o))
                }
                Err(e) => return Err(e.into()),
            }
        }
        let (Some(name), Some(responsible), Some(liaison), Some(phone), true) =
            (name, responsible, liaison, phone, errs.is_empty())
        else {
            return Err(AppError::Invalid(errs));
        };
        let m = bangfu_store::JointMemberWrite {
            name,
            organisation_id: input.organisation_id,
            responsible,
            liaison,
            phone,
        };
        let mut tx = self.store.begin().await?;
        let id = match id {
            Some(i) => {
                tx.update_joint_member(i, &m).await?;
                i
            }
            None => tx.insert_joint_member(&m).await?,
        };
        let mut a = who.audit("save", "joint_member", Some(id), None);
        a.detail = serde_json::json!({ "name": m.name, "organisation_id": m.organisation_id }).to_string();
        tx.append_audit(&a).await?;
        tx.commit().await?;
        self.store.joint_members().await?.into_iter().find(|x| x.id == id).ok_or(AppError::NotFound)
    }

    /// Meetings, newest first.
    pub async fn meetings(&self, who: &Principal) -> Result<Vec<Meeting>, AppError> {
        self.permit(who, Permission::ReadJointMeeting, "joint_meeting", None).await?;
        Ok(self.store.meetings().await?)
    }

    /// Records a meeting with its minutes and decisions.
    pub async fn record_meeting(&self, who: &Principal, input: &MeetingInput) -> Result<i64, AppError> {
        self.permit(who, Permission::ManageJointMeeting, "meeting", None).await?;
        let mut errs = Vec::new();
        let held = bangfu_domain::parse_date("held_on", input.held_on.trim()).map_err(|e| errs.push(e)).ok();
        let title = required_text("title", &input.title, 200).map_err(|e| errs.push(e)).ok();
        let place = optional_text("place", &input.place, 200).map_err(|e| errs.push(e)).ok();
        let attendees = optional_text("attendees", &input.attendees, 2000).map_err(|e| errs.push(e)).ok();
        let minutes = required_text("minutes", &input.minutes, 20_000).map_err(|e| errs.push(e)).ok();
        let decisions: Vec<String> =
            input.decisions.iter().map(|d| d.trim().to_string()).filter(|d| !d.is_empty()).collect();
        if decisions.len() > 100 || decisions.iter().any(|d| d.chars().count() > 1000) {
            errs.push(FieldError::new("decisions", Code::TooManyDecisions));
        }
        let (Some(held), Some(title), Some(place), Some(attendees), Some(minutes), true) =
            (held, title, place, attendees, minutes, errs.is_empty())
        else {
            return Err(AppError::Invalid(errs));
        };
        let mut tx = self.store.begin().await?;
        let id =
            tx.insert_meeting(&held.to_string(), &title, &place, &attendees, &minutes, &decisions, &who.name).await?;
        tx.append_audit(&who.audit("create", "meeting", Some(id), None)).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Supervised tasks: `open_only` leaves out those done.
    pub async fn tasks(&self, who: &Principal, open_only: bool) -> Result<Vec<SupervisedTask>, AppError> {
        self.permit(who, Permission::ReadJointMeeting, "joint_meeting", None).await?;
        Ok(self.store.supervised_tasks(None, open_only, None).await?)
    }

    /// Sets a supervised task.
    pub async fn create_task(&self, who: &Principal, input: &TaskInput) -> Result<SupervisedTask, AppError> {
        self.permit(who, Permission::ManageJointMeeting, "supervised_task", None).await?;
        let mut errs = Vec::new();
        let title = required_text("title", &input.title, 500).map_err(|e| errs.push(e)).ok();
        let deadline = bangfu_domain::parse_date("deadline", input.deadline.trim()).map_err(|e| errs.push(e)).ok();
        let members = self.store.joint_members().await?;
        if !members.iter().any(|m| m.id == input.lead_member_id) {
            errs.push(FieldError::new("lead_member_id", Code::UnknownMember));
        }
        if let Some(m) = input.meeting_id {
            if !self.store.meetings().await?.iter().any(|x| x.id == m) {
                errs.push(FieldError::new("meeting_id", Code::UnknownMeeting));
            }
        }
        let (Some(title), Some(deadline), true) = (title, deadline, errs.is_empty()) else {
            return Err(AppError::Invalid(errs));
        };
        let mut tx = self.store.begin().await?;
        let id =
            tx.insert_task(input.meeting_id, &title, input.lead_member_id, &deadline.to_string(), &who.name).await?;
        tx.append_audit(&who.audit("create", "supervised_task", Some(id), None)).await?;
        tx.commit().await?;
        Ok(self.store.supervised_task(id).await?)
    }

    /// Reports a task's progress: the office, or a liaison of the lead unit.
    pub async fn update_task(&self, who: &Principal, id: i64, input: &TaskUpdate) -> Result<SupervisedTask, AppError> {
        let task = match self.store.supervised_task(id).await {
            Ok(t) => t,
            Err(StoreError::NotFound) => return Err(AppError::NotFound),
            Err(e) => return Err(e.into()),
        };
        let lead_org = self.store.joint_members().await?.into_iter().find(|m| m.id == task.lead_member_id);
        let leads = who.role.speaks_for_department()
            && who.organisation_id.is_some()
            && lead_org.and_then(|m| m.organisation_id) == who.organisation_id;
        if !leads {
            self.permit(who, Permission::ManageJointMeeting, "supervised_task", Some(id)).await?;
        }
        let status = TaskStatus::parse("status", input.status.trim()).map_err(AppError::invalid)?;
        let progress = optional_text("progress", &input.progress, 2000).map_err(AppError::invalid)?;
        let mut tx = self.store.begin().await?;
        if !tx.update_task(id, input.version, status.code(), &progress, &who.name).await? {
            return Err(AppError::Conflict(FieldError::new("version", Code::Stale)));
        }
        let mut a = who.audit("update", "supervised_task", Some(id), None);
        a.detail = serde_json::json!({ "status": status.code(), "progress": progress }).to_string();
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(self.store.supervised_task(id).await?)
    }

    /// Reminders for the work page: supervised tasks not done and due within 14 days (or
    /// overdue) — all for the office and city staff, the lead unit's for a liaison — and a
    /// liaison's requests waiting for an answer.
    pub async fn exchange_reminders(
        &self,
        who: &Principal,
    ) -> Result<(Vec<SupervisedTask>, Vec<Verification>), AppError> {
        let horizon = (today() + chrono::Days::new(14)).to_string();
        let tasks = if who.can(Permission::ManageJointMeeting) {
            self.store.supervised_tasks(None, true, Some(&horizon)).await?
        } else if who.role.speaks_for_department() {
            let member = self
                .store
                .joint_members()
                .await?
                .into_iter()
                .find(|m| m.organisation_id.is_some() && m.organisation_id == who.organisation_id);
            match member {
                Some(m) => self.store.supervised_tasks(Some(m.id), true, Some(&horizon)).await?,
                None => Vec::new(),
            }
        } else {
            Vec::new()
        };
        let requests = if who.role.speaks_for_department() {
            self.verifications(who, RequestFilter::Open, None, None).await?
        } else {
            Vec::new()
        };
        Ok((tasks, requests))
    }
}

/// The API's answer to a roster written (`{"roster_id", "rows", "matched"}`): the same text the
/// first time and on every replay under its Idempotency-Key.
pub fn roster_answer(u: &RosterUpload) -> String {
    serde_json::json!({ "roster_id": u.roster_id, "rows": u.rows, "matched": u.matched }).to_string()
}

/// The label of a roster kind code (the code itself if unknown).
pub fn roster_kind_label(code: &str, zh: bool) -> String {
    RosterKind::from_code(code).map_or_else(|| code.to_string(), |k| k.label(zh).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_working_days_skip_the_weekend() {
        let fri = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap_or_default();
        assert_eq!(working_days_after(fri, 5).to_string(), "2026-12-04");
        let mon = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default();
        assert_eq!(working_days_after(mon, 5).to_string(), "2026-12-07");
        let sat = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap_or_default();
        assert_eq!(working_days_after(sat, 1).to_string(), "2026-11-30");
    }
}
