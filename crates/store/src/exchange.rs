//! Data exchange with the joint meeting's member units (issue 7): department rosters matched to
//! households by resident ID, verification requests and their answers, evidence on a
//! household's timeline, attachments, and the joint meeting (members, meetings, decisions,
//! supervised tasks). Plain SQL with numbered parameters, each used once and in order, so the
//! same text runs on SQLite and PostgreSQL.

use crate::db::{get, RowGet, Store, WriteTx};
use crate::read::{Pooled, Source};
use crate::StoreError;
use sea_query::{Expr, Order, Query};
use serde::Serialize;
use sqlx::Row;
use std::collections::HashMap;

/// A stored file attached to an answer.
#[derive(Debug, Clone)]
pub struct Attachment {
    /// Id.
    pub id: i64,
    /// File name as uploaded.
    pub name: String,
    /// Media type.
    pub content_type: String,
    /// The bytes.
    pub data: Vec<u8>,
}

/// A roster uploaded from a department.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Roster {
    /// Id.
    pub id: i64,
    /// The department it comes from.
    pub department_id: i64,
    /// Its name.
    pub department: String,
    /// What it lists (a roster kind code).
    pub kind: String,
    /// File name.
    pub file_name: String,
    /// The uploader's region: the households it was matched against lie in it.
    pub region_code: String,
    /// The uploader's union, when the uploader is a grassroots union's staff.
    pub union_id: Option<i64>,
    /// Who uploaded it.
    pub uploaded_by: String,
    /// When.
    pub uploaded_at: String,
    /// Rows.
    pub rows_total: i64,
    /// Rows matched to a household.
    pub matched: i64,
}

/// One row of a roster and what it matched.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RosterRow {
    /// Id.
    pub id: i64,
    /// Roster.
    pub roster_id: i64,
    /// Row number in the file (header = 1).
    pub row_no: i64,
    /// Resident ID, as listed.
    pub id_number: String,
    /// Name, as listed.
    pub name: String,
    /// What the department states (the roster's kind).
    pub fact: String,
    /// Since when (YYYY-MM-DD or YYYY-MM; may be empty).
    pub since: String,
    /// The department's note.
    pub note: String,
    /// Matched household.
    pub household_id: Option<i64>,
    /// The household's file number.
    pub file_no: Option<String>,
    /// Its head's name.
    pub head_name: Option<String>,
    /// Its status now.
    pub household_status: Option<String>,
    /// Matched as "head" or "member".
    pub person: Option<String>,
    /// The suggested change: propose_exit, note or none.
    pub suggestion: String,
    /// pending, accepted or rejected.
    pub decision: String,
    /// Who decided.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<String>,
    /// The outcome proposed on acceptance.
    pub outcome_id: Option<i64>,
}

/// A row of a roster file, checked.
#[derive(Debug, Clone)]
pub struct NewRosterRow {
    /// Row number.
    pub row_no: i64,
    /// Normalised resident ID.
    pub id_number: String,
    /// Name.
    pub name: String,
    /// Since.
    pub since: String,
    /// Note.
    pub note: String,
}

/// An entry on a household's timeline that came from outside: a department's answer or roster.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Evidence {
    /// Id.
    pub id: i64,
    /// Household.
    pub household_id: i64,
    /// Day it speaks of.
    pub day: String,
    /// "verification" or "roster".
    pub source: String,
    /// The answer's or roster row's id.
    pub source_id: i64,
    /// The department.
    pub department: Option<String>,
    /// What it says.
    pub summary: String,
    /// An attached file.
    pub attachment_id: Option<i64>,
    /// Recorded by.
    pub recorded_by: String,
    /// When.
    pub recorded_at: String,
}

/// A verification request (家庭经济状况核对) and its answers.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Verification {
    /// Id.
    pub id: i64,
    /// Household.
    pub household_id: i64,
    /// File number.
    pub file_no: String,
    /// Head's name.
    pub head_name: String,
    /// Head's resident ID (full: the department needs it to look the person up).
    pub head_id_number: String,
    /// Household's region.
    pub region_code: String,
    /// What is to be verified.
    pub question: String,
    /// Asked by.
    pub asked_by: String,
    /// Asked on.
    pub asked_on: String,
    /// Due (five working days later by default).
    pub due_on: String,
    /// Each addressed department's answer.
    pub answers: Vec<VerificationAnswer>,
}

/// One department's part of a request.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VerificationAnswer {
    /// Id.
    pub id: i64,
    /// Request.
    pub verification_id: i64,
    /// Department.
    pub department_id: i64,
    /// Its name.
    pub department: String,
    /// pending or answered.
    pub status: String,
    /// The facts confirmed.
    pub facts: String,
    /// Attached file.
    pub attachment_id: Option<i64>,
    /// Its name.
    pub attachment_name: Option<String>,
    /// Answered by.
    pub answered_by: Option<String>,
    /// When.
    pub answered_at: Option<String>,
}

/// A member unit of the joint meeting.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct JointMember {
    /// Id.
    pub id: i64,
    /// Unit name.
    pub name: String,
    /// The organisation in the registry, when linked.
    pub organisation_id: Option<i64>,
    /// Responsible person.
    pub responsible: String,
    /// Liaison.
    pub liaison: String,
    /// Telephone.
    pub phone: String,
}

/// A meeting of the joint meeting.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Meeting {
    /// Id.
    pub id: i64,
    /// Held on.
    pub held_on: String,
    /// Title.
    pub title: String,
    /// Place.
    pub place: String,
    /// Who attended.
    pub attendees: String,
    /// Minutes.
    pub minutes: String,
    /// Decisions, in order.
    pub decisions: Vec<String>,
    /// Recorded by.
    pub recorded_by: String,
    /// When.
    pub recorded_at: String,
}

/// A supervised task (督办事项).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SupervisedTask {
    /// Id.
    pub id: i64,
    /// The meeting that set it.
    pub meeting_id: Option<i64>,
    /// What is to be done.
    pub title: String,
    /// Lead unit.
    pub lead_member_id: i64,
    /// Its name.
    pub lead: String,
    /// Deadline.
    pub deadline: String,
    /// open, in_progress or done.
    pub status: String,
    /// Progress reported.
    pub progress: String,
    /// Version (optimistic locking).
    pub version: i64,
    /// Updated by.
    pub updated_by: String,
    /// When.
    pub updated_at: String,
}

fn opt_text(r: &dyn RowGet, c: &'static str) -> Result<Option<String>, StoreError> {
    get(r, c)
}

fn roster_from(r: &dyn RowGet) -> Result<Roster, StoreError> {
    Ok(Roster {
        id: get(r, "id")?,
        department_id: get(r, "department_id")?,
        department: get(r, "department")?,
        kind: get(r, "kind")?,
        file_name: get(r, "file_name")?,
        region_code: get(r, "region_code")?,
        union_id: get(r, "union_id")?,
        uploaded_by: get(r, "uploaded_by")?,
        uploaded_at: get(r, "uploaded_at")?,
        rows_total: get(r, "rows_total")?,
        matched: get(r, "matched")?,
    })
}

fn roster_row_from(r: &dyn RowGet) -> Result<RosterRow, StoreError> {
    Ok(RosterRow {
        id: get(r, "id")?,
        roster_id: get(r, "roster_id")?,
        row_no: get(r, "row_no")?,
        id_number: get(r, "id_number")?,
        name: get(r, "name")?,
        fact: get(r, "fact")?,
        since: get(r, "since")?,
        note: get(r, "note")?,
        household_id: get(r, "household_id")?,
        file_no: opt_text(r, "file_no")?,
        head_name: opt_text(r, "head_name")?,
        household_status: opt_text(r, "household_status")?,
        person: opt_text(r, "person")?,
        suggestion: get(r, "suggestion")?,
        decision: get(r, "decision")?,
        decided_by: opt_text(r, "decided_by")?,
        decided_at: opt_text(r, "decided_at")?,
        outcome_id: get(r, "outcome_id")?,
    })
}

const ROSTER_SELECT: &str = "SELECT r.id, r.department_id, o.name AS department, r.kind, r.file_name, r.region_code, \
     r.union_id, r.uploaded_by, r.uploaded_at, r.rows_total, r.matched FROM rosters r JOIN organisations o ON o.id = r.department_id";

const ROW_SELECT: &str =
    "SELECT x.id, x.roster_id, x.row_no, x.id_number, x.name, x.fact, x.since, x.note, x.household_id, \
     h.file_no, h.head_name, h.status AS household_status, x.person, x.suggestion, x.decision, x.decided_by, \
     x.decided_at, x.outcome_id FROM roster_rows x LEFT JOIN households h ON h.id = x.household_id";

/// Which rows of a roster a reader sees.
#[derive(Debug, Clone)]
pub enum RowsSeen {
    /// Every row (the roster's department and readers whose scope holds the uploader's region).
    All,
    /// Only rows matched to households in these regions (and kept by these unions).
    Matched { regions: Option<Vec<String>>, unions: Option<Vec<i64>> },
}

/// `col IN (3,7)` for union ids, or TRUE for no limit.
pub(crate) fn union_cond(col: &str, unions: Option<&[i64]>) -> String {
    match unions {
        None => "1=1".into(),
        Some([]) => "1=0".into(),
        Some(u) => format!("{col} IN ({})", u.iter().map(i64::to_string).collect::<Vec<_>>().join(",")),
    }
}

/// `col IN ('a','b')` for region codes (digits only, checked), or TRUE for no limit.
pub(crate) fn region_cond(col: &str, regions: &Option<Vec<String>>) -> String {
    match regions {
        None => "1=1".into(),
        Some(r) if r.is_empty() => "1=0".into(),
        Some(r) => {
            let list: Vec<String> =
                r.iter().filter(|c| c.chars().all(|ch| ch.is_ascii_digit())).map(|c| format!("'{c}'")).collect();
            if list.is_empty() {
                "1=0".into()
            } else {
                format!("{col} IN ({})", list.join(","))
            }
        }
    }
}

impl Store {
    /// Rosters, newest first (at most 500).
    pub async fn rosters(&self, department_id: Option<i64>) -> Result<Vec<Roster>, StoreError> {
        let rows = match department_id {
            Some(d) => {
                sqlx::query(&format!("{ROSTER_SELECT} WHERE r.department_id = $1 ORDER BY r.id DESC LIMIT 500"))
                    .bind(d)
                    .fetch_all(&self.pool)
                    .await?
            }
            None => sqlx::query(&format!("{ROSTER_SELECT} ORDER BY r.id DESC LIMIT 500")).fetch_all(&self.pool).await?,
        };
        rows.iter().map(|r| roster_from(r)).collect()
    }

    /// One roster.
    pub async fn roster(&self, id: i64) -> Result<Roster, StoreError> {
        let r = sqlx::query(&format!("{ROSTER_SELECT} WHERE r.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        roster_from(&r)
    }

    /// A roster's rows a reader sees: `matched` true for matched rows only, false for unmatched
    /// only, None for both; in row order, `limit` from `offset`.
    pub async fn roster_rows(
        &self,
        roster_id: i64,
        seen: &RowsSeen,
        matched: Option<bool>,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<RosterRow>, i64), StoreError> {
        let mut cond = vec!["x.roster_id = $1".to_string()];
        match seen {
            RowsSeen::All => {}
            RowsSeen::Matched { regions, unions } => {
                cond.push("x.household_id IS NOT NULL".into());
                cond.push(region_cond("x.region_code", regions));
                cond.push(union_cond("x.union_id", unions.as_deref()));
            }
        }
        match matched {
            Some(true) => cond.push("x.household_id IS NOT NULL".into()),
            Some(false) => cond.push("x.household_id IS NULL".into()),
            None => {}
        }
        let w = cond.join(" AND ");
        let total: i64 = sqlx::query(&format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM roster_rows x WHERE {w}"))
            .bind(roster_id)
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        let rows = sqlx::query(&format!("{ROW_SELECT} WHERE {w} ORDER BY x.row_no LIMIT {limit} OFFSET {offset}"))
            .bind(roster_id)
            .fetch_all(&self.pool)
            .await?;
        Ok((rows.iter().map(|r| roster_row_from(r)).collect::<Result<_, _>>()?, total))
    }

    /// One roster row.
    pub async fn roster_row(&self, id: i64) -> Result<(RosterRow, Option<String>, Option<i64>), StoreError> {
        let r = sqlx::query(&format!("{ROW_SELECT} WHERE x.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        let region: Option<String> = sqlx::query("SELECT region_code FROM roster_rows WHERE id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await?
            .try_get("region_code")?;
        let union_id: Option<i64> = sqlx::query("SELECT union_id FROM roster_rows WHERE id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await?
            .try_get("union_id")?;
        Ok((roster_row_from(&r)?, region, union_id))
    }

    /// A household's evidence, by day.
    pub async fn evidence(&self, household_id: i64) -> Result<Vec<Evidence>, StoreError> {
        let rows = sqlx::query(
            "SELECT e.id, e.household_id, e.day, e.source, e.source_id, o.name AS department, e.summary, \
             e.attachment_id, e.recorded_by, e.recorded_at FROM evidence e LEFT JOIN organisations o ON o.id = e.department_id \
             WHERE e.household_id = $1 ORDER BY e.day, e.id",
        )
        .bind(household_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Evidence {
                    id: get(r, "id")?,
                    household_id: get(r, "household_id")?,
                    day: get(r, "day")?,
                    source: get(r, "source")?,
                    source_id: get(r, "source_id")?,
                    department: opt_text(r, "department")?,
                    summary: get(r, "summary")?,
                    attachment_id: get(r, "attachment_id")?,
                    recorded_by: get(r, "recorded_by")?,
                    recorded_at: get(r, "recorded_at")?,
                })
            })
            .collect()
    }

    /// An attachment.
    pub async fn attachment(&self, id: i64) -> Result<Attachment, StoreError> {
        let r = sqlx::query("SELECT id, name, content_type, data FROM attachments WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(Attachment {
            id: get(&r, "id")?,
            name: get(&r, "name")?,
            content_type: get(&r, "content_type")?,
            data: r.try_get("data")?,
        })
    }

    /// Where an attachment belongs: the request answered with it (for the access check).
    pub async fn attachment_owner(&self, id: i64) -> Result<Option<(i64, i64)>, StoreError> {
        let r = sqlx::query(
            "SELECT a.verification_id, a.department_id FROM verification_answers a WHERE a.attachment_id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        match r {
            Some(r) => Ok(Some((get(&r, "verification_id")?, get(&r, "department_id")?))),
            None => Ok(None),
        }
    }

    /// Verification requests, newest first, at most `limit`: those addressed to `department`
    /// (with only its answer), or those in `regions` and `unions`; of one household; open
    /// (an answer pending) only; or overdue on a day.
    #[allow(clippy::too_many_arguments)]
    pub async fn verifications(
        &self,
        department: Option<i64>,
        regions: &Option<Vec<String>>,
        unions: Option<&[i64]>,
        household_id: Option<i64>,
        open_only: bool,
        overdue_on: Option<&str>,
        limit: u64,
    ) -> Result<Vec<Verification>, StoreError> {
        use crate::schema::{VerificationAnswers as A, Verifications as V};
        let answer = |pending: bool| {
            let mut q = Query::select();
            q.expr(Expr::val(1))
                .from(A::Table)
                .and_where(Expr::col((A::Table, A::VerificationId)).equals((V::Table, V::Id)));
            if pending {
                q.and_where(Expr::col((A::Table, A::Status)).eq("pending"));
            }
            if let Some(d) = department {
                q.and_where(Expr::col((A::Table, A::DepartmentId)).eq(d));
            }
            Expr::exists(q)
        };
        let mut q = verifications_q();
        match department {
            Some(_) => q.and_where(answer(false)),
            None => q.cond_where(verification_scope(regions.as_deref(), unions)),
        };
        if let Some(h) = household_id {
            q.and_where(Expr::col((V::Table, V::HouseholdId)).eq(h));
        }
        if open_only || overdue_on.is_some() {
            q.and_where(answer(true));
        }
        if let Some(d) = overdue_on {
            q.and_where(Expr::col((V::Table, V::DueOn)).lt(d));
        }
        q.order_by((V::Table, V::Id), Order::Desc).limit(limit);
        let mut src = Pooled(self);
        let list = src.rows(&q, verification_from).await?;
        with_answers(&mut src, list, department).await
    }

    /// One request (with all its answers) and its union, whoever asks: the caller checks access.
    pub async fn verification(&self, id: i64) -> Result<(Verification, Option<i64>), StoreError> {
        use crate::schema::Verifications as V;
        let mut q = verifications_q();
        q.and_where(Expr::col((V::Table, V::Id)).eq(id));
        let mut src = Pooled(self);
        let found = src.rows(&q, |r| Ok((verification_from(r)?, get::<Option<i64>>(r, "union_id")?))).await?;
        let (v, union_id) = found.into_iter().next().ok_or(StoreError::NotFound)?;
        let mut v = with_answers(&mut src, vec![v], None).await?;
        Ok((v.pop().ok_or(StoreError::NotFound)?, union_id))
    }

    /// The joint meeting's member units, in order.
    pub async fn joint_members(&self) -> Result<Vec<JointMember>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, name, organisation_id, responsible, liaison, phone FROM joint_members ORDER BY position, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(JointMember {
                    id: get(r, "id")?,
                    name: get(r, "name")?,
                    organisation_id: get(r, "organisation_id")?,
                    responsible: get(r, "responsible")?,
                    liaison: get(r, "liaison")?,
                    phone: get(r, "phone")?,
                })
            })
            .collect()
    }

    /// Meetings, newest first.
    pub async fn meetings(&self) -> Result<Vec<Meeting>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, held_on, title, place, attendees, minutes, recorded_by, recorded_at FROM meetings \
             ORDER BY held_on DESC, id DESC LIMIT 500",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let id: i64 = get(r, "id")?;
            let decisions = sqlx::query("SELECT text FROM meeting_decisions WHERE meeting_id = $1 ORDER BY position")
                .bind(id)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|d| get::<String>(d, "text"))
                .collect::<Result<_, _>>()?;
            out.push(Meeting {
                id,
                held_on: get(r, "held_on")?,
                title: get(r, "title")?,
                place: get(r, "place")?,
                attendees: get(r, "attendees")?,
                minutes: get(r, "minutes")?,
                decisions,
                recorded_by: get(r, "recorded_by")?,
                recorded_at: get(r, "recorded_at")?,
            });
        }
        Ok(out)
    }

    /// Supervised tasks: all, or those led by `lead` / not done / due by a day; by deadline.
    pub async fn supervised_tasks(
        &self,
        lead: Option<i64>,
        open_only: bool,
        due_by: Option<&str>,
    ) -> Result<Vec<SupervisedTask>, StoreError> {
        let mut cond = vec!["1=1".to_string()];
        if let Some(l) = lead {
            cond.push(format!("t.lead_member_id = {l}"));
        }
        if open_only || due_by.is_some() {
            cond.push("t.status <> 'done'".into());
        }
        let mut sql = format!(
            "SELECT t.id, t.meeting_id, t.title, t.lead_member_id, m.name AS lead, t.deadline, t.status, t.progress, \
             t.version, t.updated_by, t.updated_at FROM supervised_tasks t JOIN joint_members m ON m.id = t.lead_member_id \
             WHERE {}",
            cond.join(" AND ")
        );
        if due_by.is_some() {
            sql.push_str(" AND t.deadline <= $1");
        }
        sql.push_str(" ORDER BY t.deadline, t.id LIMIT 1000");
        let mut q = sqlx::query(&sql);
        if let Some(d) = due_by {
            q = q.bind(d.to_string());
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter().map(|r| task_from(r)).collect()
    }

    /// One supervised task.
    pub async fn supervised_task(&self, id: i64) -> Result<SupervisedTask, StoreError> {
        let r = sqlx::query(
            "SELECT t.id, t.meeting_id, t.title, t.lead_member_id, m.name AS lead, t.deadline, t.status, t.progress, \
             t.version, t.updated_by, t.updated_at FROM supervised_tasks t JOIN joint_members m ON m.id = t.lead_member_id \
             WHERE t.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        task_from(&r)
    }
}

fn task_from(r: &dyn RowGet) -> Result<SupervisedTask, StoreError> {
    Ok(SupervisedTask {
        id: get(r, "id")?,
        meeting_id: get(r, "meeting_id")?,
        title: get(r, "title")?,
        lead_member_id: get(r, "lead_member_id")?,
        lead: get(r, "lead")?,
        deadline: get(r, "deadline")?,
        status: get(r, "status")?,
        progress: get(r, "progress")?,
        version: get(r, "version")?,
        updated_by: get(r, "updated_by")?,
        updated_at: get(r, "updated_at")?,
    })
}

impl WriteTx {
    async fn returning_id<'q>(
        &mut self,
        q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> Result<i64, StoreError> {
        let r = q.fetch_one(&mut *self.tx).await?;
        get(&r, "id")
    }

    /// Stores a file; gives its id.
    pub async fn insert_attachment(
        &mut self,
        name: &str,
        content_type: &str,
        data: &[u8],
        by: &str,
    ) -> Result<i64, StoreError> {
        let q = sqlx::query(
            "INSERT INTO attachments (name, content_type, size, data, uploaded_by, uploaded_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(name.to_string())
        .bind(content_type.to_string())
        .bind(data.len() as i64)
        .bind(data.to_vec())
        .bind(by.to_string())
        .bind(crate::now_rfc3339());
        self.returning_id(q).await
    }

    /// Writes a roster and its rows, matches them by resident ID to households (head first,
    /// then member) in `regions` / `unions` (the first is the uploader's union), and sets each match's suggestion; gives the id.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_roster(
        &mut self,
        department_id: i64,
        kind: &str,
        exit_suggested: bool,
        file_name: &str,
        region_code: &str,
        regions: &Option<Vec<String>>,
        unions: Option<&[i64]>,
        rows: &[NewRosterRow],
        by: &str,
    ) -> Result<i64, StoreError> {
        let q = sqlx::query(
            "INSERT INTO rosters (department_id, kind, file_name, region_code, union_id, uploaded_by, uploaded_at, rows_total) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(department_id)
        .bind(kind.to_string())
        .bind(file_name.to_string())
        .bind(region_code.to_string())
        .bind(unions.and_then(|u| u.first().copied()))
        .bind(by.to_string())
        .bind(crate::now_rfc3339())
        .bind(rows.len() as i64);
        let id = self.returning_id(q).await?;
        let in_scope: String = {
            let mut c = region_cond("h.region_code", regions);
            c.push_str(&format!(" AND {}", union_cond("h.union_id", unions)));
            c
        };
        let exit = if exit_suggested { "'propose_exit'" } else { "'note'" };
        // Rows go in already matched to a head (on SQLite one statement per thousand rows,
        // joined on the heads' index as they are written). (Writing first and matching by UPDATE rewrote every
        // matched row: 16 s for 600,000 on PostgreSQL.) Texts are quoted literals (quotes
        // doubled); VALUES' columns are column1… on both databases.
        if self.backend == crate::Backend::Postgres {
            // Rows go first into a temporary table (no WAL, no index), then into roster_rows
            // matched in one statement: one hash join over the heads. Matching per chunk of
            // 20,000 rows made PostgreSQL scan all households for every chunk (0.8 s each,
            // 40 s for a million rows). Five arrays per chunk are read far faster than a VALUES
            // list.
            sqlx::raw_sql(
                "CREATE TEMPORARY TABLE roster_stage (column1 BIGINT, column2 TEXT, column3 TEXT, column4 TEXT, \
                 column5 TEXT) ON COMMIT DROP",
            )
            .execute(&mut *self.tx)
            .await?;
            for chunk in rows.chunks(20_000) {
                let ints: Vec<String> = chunk.iter().map(|r| r.row_no.to_string()).collect();
                let sql = format!(
                    "INSERT INTO roster_stage SELECT * FROM UNNEST('{{{}}}'::bigint[], {}, {}, {}, {})",
                    ints.join(","),
                    text_array(chunk.iter().map(|r| r.id_number.as_str())),
                    text_array(chunk.iter().map(|r| r.name.as_str())),
                    text_array(chunk.iter().map(|r| r.since.as_str())),
                    text_array(chunk.iter().map(|r| r.note.as_str())),
                );
                sqlx::raw_sql(&sql).execute(&mut *self.tx).await?;
            }
            sqlx::raw_sql("ANALYZE roster_stage").execute(&mut *self.tx).await?;
            let sql = roster_insert_sql(id, kind, exit, &in_scope, "roster_stage AS v");
            sqlx::raw_sql(&sql).execute(&mut *self.tx).await?;
            sqlx::raw_sql("DROP TABLE roster_stage").execute(&mut *self.tx).await?;
        } else {
            for chunk in rows.chunks(1000) {
                let mut values = String::from("(VALUES ");
                for (i, r) in chunk.iter().enumerate() {
                    if i > 0 {
                        values.push(',');
                    }
                    values.push_str(&format!(
                        "({},{},{},{},{})",
                        r.row_no,
                        crate::import::sql_text(&r.id_number),
                        crate::import::sql_text(&r.name),
                        crate::import::sql_text(&r.since),
                        crate::import::sql_text(&r.note)
                    ));
                }
                values.push_str(") AS v");
                let sql = roster_insert_sql(id, kind, exit, &in_scope, &values);
                sqlx::query(&sql).execute(&mut *self.tx).await?;
            }
        }
        // Then members, for rows no head matched (only the rows a member matches are rewritten).
        let member = format!(
            "UPDATE roster_rows SET household_id = h.id, region_code = h.region_code, union_id = h.union_id, person = 'member', \
             suggestion = CASE WHEN h.status = 'in_file' THEN {exit} ELSE 'note' END \
             FROM members m JOIN households h ON h.id = m.household_id \
             WHERE roster_rows.roster_id = {id} AND roster_rows.household_id IS NULL AND roster_rows.id_number <> '' \
             AND m.id_number = roster_rows.id_number AND {in_scope}"
        );
        sqlx::query(&member).execute(&mut *self.tx).await?;
        sqlx::query(&format!(
            "UPDATE rosters SET matched = (SELECT CAST(COUNT(*) AS BIGINT) FROM roster_rows WHERE roster_id = {id} \
             AND household_id IS NOT NULL) WHERE id = {id}"
        ))
        .execute(&mut *self.tx)
        .await?;
        Ok(id)
    }

    /// Marks a pending roster row accepted or rejected; false if it was decided meanwhile.
    pub async fn decide_roster_row(
        &mut self,
        id: i64,
        decision: &str,
        outcome_id: Option<i64>,
        by: &str,
    ) -> Result<bool, StoreError> {
        let n = sqlx::query(
            "UPDATE roster_rows SET decision = $1, outcome_id = $2, decided_by = $3, decided_at = $4 \
             WHERE id = $5 AND decision = 'pending'",
        )
        .bind(decision.to_string())
        .bind(outcome_id)
        .bind(by.to_string())
        .bind(crate::now_rfc3339())
        .bind(id)
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    /// Adds an entry to a household's timeline.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_evidence(
        &mut self,
        household_id: i64,
        day: &str,
        source: &str,
        source_id: i64,
        department_id: Option<i64>,
        summary: &str,
        attachment_id: Option<i64>,
        by: &str,
    ) -> Result<i64, StoreError> {
        let q = sqlx::query(
            "INSERT INTO evidence (household_id, day, source, source_id, department_id, summary, attachment_id, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(household_id)
        .bind(day.to_string())
        .bind(source.to_string())
        .bind(source_id)
        .bind(department_id)
        .bind(summary.to_string())
        .bind(attachment_id)
        .bind(by.to_string())
        .bind(crate::now_rfc3339());
        self.returning_id(q).await
    }

    /// A verification request to `departments` about a household; gives its id.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_verification(
        &mut self,
        household_id: i64,
        region_code: &str,
        union_id: Option<i64>,
        question: &str,
        asked_on: &str,
        due_on: &str,
        departments: &[i64],
        by: &str,
    ) -> Result<i64, StoreError> {
        let q = sqlx::query(
            "INSERT INTO verifications (household_id, region_code, union_id, question, asked_by, asked_on, due_on, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(household_id)
        .bind(region_code.to_string())
        .bind(union_id)
        .bind(question.to_string())
        .bind(by.to_string())
        .bind(asked_on.to_string())
        .bind(due_on.to_string())
        .bind(crate::now_rfc3339());
        let id = self.returning_id(q).await?;
        for d in departments {
            sqlx::query(
                "INSERT INTO verification_answers (verification_id, department_id, status) VALUES ($1, $2, 'pending')",
            )
            .bind(id)
            .bind(*d)
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(id)
    }

    /// Records a department's answer if still pending; false if answered meanwhile.
    pub async fn answer_verification(
        &mut self,
        verification_id: i64,
        department_id: i64,
        facts: &str,
        attachment_id: Option<i64>,
        by: &str,
    ) -> Result<Option<i64>, StoreError> {
        let r = sqlx::query(
            "UPDATE verification_answers SET status = 'answered', facts = $1, attachment_id = $2, answered_by = $3, \
             answered_at = $4 WHERE verification_id = $5 AND department_id = $6 AND status = 'pending' RETURNING id",
        )
        .bind(facts.to_string())
        .bind(attachment_id)
        .bind(by.to_string())
        .bind(crate::now_rfc3339())
        .bind(verification_id)
        .bind(department_id)
        .fetch_optional(&mut *self.tx)
        .await?;
        match r {
            Some(r) => Ok(Some(get(&r, "id")?)),
            None => Ok(None),
        }
    }

    /// Records a meeting with its decisions; gives its id.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_meeting(
        &mut self,
        held_on: &str,
        title: &str,
        place: &str,
        attendees: &str,
        minutes: &str,
        decisions: &[String],
        by: &str,
    ) -> Result<i64, StoreError> {
        let q = sqlx::query(
            "INSERT INTO meetings (held_on, title, place, attendees, minutes, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(held_on.to_string())
        .bind(title.to_string())
        .bind(place.to_string())
        .bind(attendees.to_string())
        .bind(minutes.to_string())
        .bind(by.to_string())
        .bind(crate::now_rfc3339());
        let id = self.returning_id(q).await?;
        for (i, d) in decisions.iter().enumerate() {
            sqlx::query("INSERT INTO meeting_decisions (meeting_id, position, text) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(i as i64 + 1)
                .bind(d.clone())
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(id)
    }

    /// Creates a supervised task; gives its id.
    pub async fn insert_task(
        &mut self,
        meeting_id: Option<i64>,
        title: &str,
        lead_member_id: i64,
        deadline: &str,
        by: &str,
    ) -> Result<i64, StoreError> {
        let q = sqlx::query(
            "INSERT INTO supervised_tasks (meeting_id, title, lead_member_id, deadline, status, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4, 'open', $5, $6) RETURNING id",
        )
        .bind(meeting_id)
        .bind(title.to_string())
        .bind(lead_member_id)
        .bind(deadline.to_string())
        .bind(by.to_string())
        .bind(crate::now_rfc3339());
        self.returning_id(q).await
    }

    /// Updates a task's status and progress if it still has `version`; false otherwise.
    pub async fn update_task(
        &mut self,
        id: i64,
        version: i64,
        status: &str,
        progress: &str,
        by: &str,
    ) -> Result<bool, StoreError> {
        let n = sqlx::query(
            "UPDATE supervised_tasks SET status = $1, progress = $2, version = version + 1, updated_by = $3, updated_at = $4 \
             WHERE id = $5 AND version = $6",
        )
        .bind(status.to_string())
        .bind(progress.to_string())
        .bind(by.to_string())
        .bind(crate::now_rfc3339())
        .bind(id)
        .bind(version)
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    /// Links member units not yet linked to the department of the same name in the registry.
    pub async fn link_joint_members(&mut self) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE joint_members SET organisation_id = (SELECT MIN(o.id) FROM organisations o \
             WHERE o.name = joint_members.name AND o.kind = 'department') WHERE organisation_id IS NULL",
        )
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Updates a member unit's people and its link to the registry.
    pub async fn update_joint_member(
        &mut self,
        id: i64,
        organisation_id: Option<i64>,
        responsible: &str,
        liaison: &str,
        phone: &str,
    ) -> Result<(), StoreError> {
        let n = sqlx::query(
            "UPDATE joint_members SET organisation_id = $1, responsible = $2, liaison = $3, phone = $4 WHERE id = $5",
        )
        .bind(organisation_id)
        .bind(responsible.to_string())
        .bind(liaison.to_string())
        .bind(phone.to_string())
        .bind(id)
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        if n == 1 {
            Ok(())
        } else {
            Err(StoreError::NotFound)
        }
    }
}

/// Texts as a PostgreSQL text-array literal: each element double-quoted with `\` and `"`
/// escaped, the whole a quoted SQL string.
fn text_array<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let mut a = String::from("{");
    for (i, t) in items.enumerate() {
        if i > 0 {
            a.push(',');
        }
        a.push('"');
        for ch in t.chars() {
            if ch == '"' || ch == '\\' {
                a.push('\\');
            }
            a.push(ch);
        }
        a.push('"');
    }
    a.push('}');
    format!("{}::text[]", crate::import::sql_text(&a))
}

/// Inserts a roster's rows from `source` (rows v.column1…5: row, ID, name, since, note),
/// matched to a head in scope as they go in.
fn roster_insert_sql(id: i64, kind: &str, exit: &str, in_scope: &str, source: &str) -> String {
    format!(
        "INSERT INTO roster_rows (roster_id, row_no, id_number, name, fact, since, note, household_id, \
         region_code, union_id, person, suggestion) SELECT {id}, v.column1, v.column2, v.column3, {}, v.column4, \
         v.column5, h.id, h.region_code, h.union_id, CASE WHEN h.id IS NULL THEN NULL ELSE 'head' END, \
         CASE WHEN h.id IS NULL THEN 'none' WHEN h.status = 'in_file' THEN {exit} ELSE 'note' END FROM {source} \
         LEFT JOIN households h ON h.head_id_number = v.column2 AND {in_scope}",
        crate::import::sql_text(kind)
    )
}

/// Requests with their household's file number, head and resident ID.
fn verifications_q() -> sea_query::SelectStatement {
    use crate::schema::{Households as H, Verifications as V};
    Query::select()
        .columns(
            [V::Id, V::HouseholdId, V::RegionCode, V::UnionId, V::Question, V::AskedBy, V::AskedOn, V::DueOn]
                .map(|c| (V::Table, c)),
        )
        .columns([H::FileNo, H::HeadName, H::HeadIdNumber].map(|c| (H::Table, c)))
        .from(V::Table)
        .inner_join(H::Table, Expr::col((H::Table, H::Id)).equals((V::Table, V::HouseholdId)))
        .to_owned()
}

/// Requests in these regions and unions (`None`: any).
fn verification_scope(regions: Option<&[String]>, unions: Option<&[i64]>) -> sea_query::Cond {
    use crate::schema::Verifications as V;
    let mut c = sea_query::Cond::all();
    if let Some(r) = regions {
        c = c.add(Expr::col((V::Table, V::RegionCode)).is_in(r.iter().cloned()));
    }
    if let Some(u) = unions {
        c = c.add(Expr::col((V::Table, V::UnionId)).is_in(u.iter().copied()));
    }
    c
}

/// A household's requests as its page lists them: those `scope` reaches, newest first.
pub(crate) fn household_verifications_q(scope: &crate::Scope, household_id: i64) -> sea_query::SelectStatement {
    use crate::schema::Verifications as V;
    let mut q = verifications_q();
    q.cond_where(verification_scope(scope.region_codes(), scope.union_ids()))
        .and_where(Expr::col((V::Table, V::HouseholdId)).eq(household_id))
        .order_by((V::Table, V::Id), Order::Desc)
        .limit(2000);
    q
}

pub(crate) fn verification_from(r: &dyn RowGet) -> Result<Verification, StoreError> {
    Ok(Verification {
        id: get(r, "id")?,
        household_id: get(r, "household_id")?,
        file_no: get(r, "file_no")?,
        head_name: get(r, "head_name")?,
        head_id_number: get(r, "head_id_number")?,
        region_code: get(r, "region_code")?,
        question: get(r, "question")?,
        asked_by: get(r, "asked_by")?,
        asked_on: get(r, "asked_on")?,
        due_on: get(r, "due_on")?,
        answers: Vec::new(),
    })
}

/// The requests with their answers (only `department`'s, if given): one statement per 500
/// requests, not one each.
pub(crate) async fn with_answers(
    r: &mut impl Source,
    mut list: Vec<Verification>,
    department: Option<i64>,
) -> Result<Vec<Verification>, StoreError> {
    use crate::schema::{Attachments as F, Organisations as O, VerificationAnswers as A};
    let ids: Vec<i64> = list.iter().map(|v| v.id).collect();
    let mut by_request: HashMap<i64, Vec<VerificationAnswer>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let q = Query::select()
            .columns(
                [
                    A::Id,
                    A::VerificationId,
                    A::DepartmentId,
                    A::Status,
                    A::Facts,
                    A::AttachmentId,
                    A::AnsweredBy,
                    A::AnsweredAt,
                ]
                .map(|c| (A::Table, c)),
            )
            .expr_as(Expr::col((O::Table, O::Name)), sea_query::Alias::new("department"))
            .expr_as(Expr::col((F::Table, F::Name)), sea_query::Alias::new("attachment_name"))
            .from(A::Table)
            .inner_join(O::Table, Expr::col((O::Table, O::Id)).equals((A::Table, A::DepartmentId)))
            .left_join(F::Table, Expr::col((F::Table, F::Id)).equals((A::Table, A::AttachmentId)))
            .and_where(Expr::col((A::Table, A::VerificationId)).is_in(chunk.iter().copied()))
            .order_by((A::Table, A::VerificationId), Order::Asc)
            .order_by((A::Table, A::Id), Order::Asc)
            .to_owned();
        for a in r.rows(&q, answer_from).await? {
            by_request.entry(a.verification_id).or_default().push(a);
        }
    }
    for v in &mut list {
        v.answers = by_request.remove(&v.id).unwrap_or_default();
        if let Some(d) = department {
            v.answers.retain(|a| a.department_id == d);
        }
    }
    Ok(list)
}

fn answer_from(r: &dyn RowGet) -> Result<VerificationAnswer, StoreError> {
    Ok(VerificationAnswer {
        id: get(r, "id")?,
        verification_id: get(r, "verification_id")?,
        department_id: get(r, "department_id")?,
        department: get(r, "department")?,
        status: get(r, "status")?,
        facts: get(r, "facts")?,
        attachment_id: get(r, "attachment_id")?,
        attachment_name: get(r, "attachment_name")?,
        answered_by: get(r, "answered_by")?,
        answered_at: get(r, "answered_at")?,
    })
}
