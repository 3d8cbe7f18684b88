//! Data exchange with the joint meeting's member units (issue 7): department rosters matched to
//! households by resident ID, verification requests and their answers, evidence on a
//! household's timeline, attachments, and the joint meeting (members, meetings, decisions,
//! supervised tasks). Written with sea-query like the rest of the store, except a roster's bulk
//! write (its rows matched to heads as they go in, by a staging table on PostgreSQL) and an
//! attachment's bytes, still SQL text with numbered parameters.

use crate::db::{get, RowGet, Store, WriteTx};
use crate::keys::{self, field};
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

/// Which verification requests to list ([`Store::verifications`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct VerificationAsk<'a> {
    /// Those addressed to this department (with only its answer), else those in `scope`.
    pub department: Option<i64>,
    /// The households' reach (union staff); None with no department: all.
    pub scope: Option<&'a crate::Scope>,
    /// One household's.
    pub household_id: Option<i64>,
    /// Only those still waiting for an answer (of `department`, if given).
    pub open_only: bool,
    /// Only those waiting and due before this day (`YYYY-MM-DD`).
    pub overdue_on: Option<&'a str>,
    /// A poll: those with an id above this, oldest first (else newest first).
    pub after: Option<i64>,
    /// At most this many.
    pub limit: u64,
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

/// A member unit as written.
#[derive(Debug, Clone, Default)]
pub struct JointMemberWrite {
    /// Unit name.
    pub name: String,
    /// Its department in the registry: its liaison's and its system's account lead its tasks.
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
        // Stored masked (an older database's, in clear until its first start with a key).
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

/// Rosters with their department's name.
fn rosters_q() -> sea_query::SelectStatement {
    use crate::schema::{Organisations as O, Rosters as R};
    Query::select()
        .columns(
            [
                R::Id,
                R::DepartmentId,
                R::Kind,
                R::FileName,
                R::RegionCode,
                R::UnionId,
                R::UploadedBy,
                R::UploadedAt,
                R::RowsTotal,
                R::Matched,
            ]
            .map(|c| (R::Table, c)),
        )
        .expr_as(Expr::col((O::Table, O::Name)), sea_query::Alias::new("department"))
        .from(R::Table)
        .inner_join(O::Table, Expr::col((O::Table, O::Id)).equals((R::Table, R::DepartmentId)))
        .to_owned()
}

/// Roster rows with their household's file number, head and status.
fn roster_rows_q() -> sea_query::SelectStatement {
    use crate::schema::{Households as H, RosterRows as X};
    Query::select()
        .columns(
            [
                X::Id,
                X::RosterId,
                X::RowNo,
                X::IdNumber,
                X::Name,
                X::Fact,
                X::Since,
                X::Note,
                X::HouseholdId,
                X::RegionCode,
                X::UnionId,
                X::Person,
                X::Suggestion,
                X::Decision,
                X::DecidedBy,
                X::DecidedAt,
                X::OutcomeId,
            ]
            .map(|c| (X::Table, c)),
        )
        .columns([H::FileNo, H::HeadName].map(|c| (H::Table, c)))
        .expr_as(Expr::col((H::Table, H::Status)), sea_query::Alias::new("household_status"))
        .from(X::Table)
        .left_join(H::Table, Expr::col((H::Table, H::Id)).equals((X::Table, X::HouseholdId)))
        .to_owned()
}

/// Which rows of a roster a reader sees.
#[derive(Debug, Clone)]
pub enum RowsSeen {
    /// Every row (the roster's department and readers whose scope holds the uploader's region).
    All,
    /// Only rows matched to households this scope reaches (by the region and union of the match).
    Matched(crate::Scope),
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
        use crate::schema::Rosters as R;
        let mut q = rosters_q();
        if let Some(d) = department_id {
            q.and_where(Expr::col((R::Table, R::DepartmentId)).eq(d));
        }
        q.order_by((R::Table, R::Id), Order::Desc).limit(500);
        Pooled(self).rows(&q, roster_from).await
    }

    /// One roster.
    pub async fn roster(&self, id: i64) -> Result<Roster, StoreError> {
        use crate::schema::Rosters as R;
        let mut q = rosters_q();
        q.and_where(Expr::col((R::Table, R::Id)).eq(id));
        Pooled(self).rows(&q, roster_from).await?.pop().ok_or(StoreError::NotFound)
    }

    /// A roster's rows a reader sees: `matched` true for matched rows only, false for unmatched
    /// only, None for both; in row order, `limit` from `offset`.
    pub async fn roster_rows(
        &self,
        roster_id: i64,
        seen: &RowsSeen,
        matched: Option<bool>,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<RosterRow>, i64), StoreError> {
        use crate::schema::RosterRows as X;
        let mut cond = sea_query::Cond::all().add(Expr::col((X::Table, X::RosterId)).eq(roster_id));
        if let RowsSeen::Matched(scope) = seen {
            cond = cond.add(Expr::col((X::Table, X::HouseholdId)).is_not_null()).add(scope.rows_of(
                X::Table,
                X::RegionCode,
                X::UnionId,
            ));
        }
        match matched {
            Some(true) => cond = cond.add(Expr::col((X::Table, X::HouseholdId)).is_not_null()),
            Some(false) => cond = cond.add(Expr::col((X::Table, X::HouseholdId)).is_null()),
            None => {}
        }
        let total = self.count_where(X::Table, cond.clone()).await?;
        let mut q = roster_rows_q();
        q.cond_where(cond).order_by((X::Table, X::RowNo), Order::Asc).limit(limit).offset(offset);
        Ok((Pooled(self).rows(&q, roster_row_from).await?, total))
    }

    /// One roster row, with the region and union it was matched in.
    pub async fn roster_row(&self, id: i64) -> Result<(RosterRow, Option<String>, Option<i64>), StoreError> {
        use crate::schema::RosterRows as X;
        let mut q = roster_rows_q();
        q.and_where(Expr::col((X::Table, X::Id)).eq(id));
        let found = Pooled(self)
            .rows(&q, |r| {
                Ok((roster_row_from(r)?, get::<Option<String>>(r, "region_code")?, get::<Option<i64>>(r, "union_id")?))
            })
            .await?;
        found.into_iter().next().ok_or(StoreError::NotFound)
    }

    /// A household's evidence, by day.
    pub async fn evidence(&self, household_id: i64) -> Result<Vec<Evidence>, StoreError> {
        use crate::schema::{Evidence as E, Organisations as O};
        let q = Query::select()
            .columns(
                [
                    E::Id,
                    E::HouseholdId,
                    E::Day,
                    E::Source,
                    E::SourceId,
                    E::Summary,
                    E::AttachmentId,
                    E::RecordedBy,
                    E::RecordedAt,
                ]
                .map(|c| (E::Table, c)),
            )
            .expr_as(Expr::col((O::Table, O::Name)), sea_query::Alias::new("department"))
            .from(E::Table)
            .left_join(O::Table, Expr::col((O::Table, O::Id)).equals((E::Table, E::DepartmentId)))
            .and_where(Expr::col((E::Table, E::HouseholdId)).eq(household_id))
            .order_by((E::Table, E::Day), Order::Asc)
            .order_by((E::Table, E::Id), Order::Asc)
            .to_owned();
        Pooled(self)
            .rows(&q, |r| {
                Ok(Evidence {
                    id: get(r, "id")?,
                    household_id: get(r, "household_id")?,
                    day: get(r, "day")?,
                    source: get(r, "source")?,
                    source_id: get(r, "source_id")?,
                    department: get(r, "department")?,
                    summary: get(r, "summary")?,
                    attachment_id: get(r, "attachment_id")?,
                    recorded_by: get(r, "recorded_by")?,
                    recorded_at: get(r, "recorded_at")?,
                })
            })
            .await
    }

    /// An attachment.
    pub async fn attachment(&self, id: i64) -> Result<Attachment, StoreError> {
        use crate::schema::Attachments as F;
        let q = Query::select()
            .columns([F::Id, F::Name, F::ContentType, F::Data])
            .from(F::Table)
            .and_where(Expr::col(F::Id).eq(id))
            .to_owned();
        let r = self.optional(&q).await?.ok_or(StoreError::NotFound)?;
        Ok(Attachment {
            id: get(&r, "id")?,
            name: get(&r, "name")?,
            content_type: get(&r, "content_type")?,
            // Bytes: the one cell the store's decoders do not read (`RowGet` carries no blobs).
            data: r.try_get("data")?,
        })
    }

    /// Where an attachment belongs: the request answered with it (for the access check).
    pub async fn attachment_owner(&self, id: i64) -> Result<Option<(i64, i64)>, StoreError> {
        use crate::schema::VerificationAnswers as A;
        let q = Query::select()
            .columns([A::VerificationId, A::DepartmentId])
            .from(A::Table)
            .and_where(Expr::col(A::AttachmentId).eq(id))
            .to_owned();
        let found = Pooled(self).rows(&q, |r| Ok((get(r, "verification_id")?, get(r, "department_id")?))).await?;
        Ok(found.into_iter().next())
    }

    /// Verification requests as `ask` says: newest first, or after a cursor oldest first; at most
    /// its `limit`.
    pub async fn verifications(&self, ask: &VerificationAsk<'_>) -> Result<Vec<Verification>, StoreError> {
        use crate::schema::{VerificationAnswers as A, Verifications as V};
        let VerificationAsk { department, scope, household_id, open_only, overdue_on, after, limit } = *ask;
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
            None => q.cond_where(scope.map_or_else(sea_query::Cond::all, verification_scope)),
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
        match after {
            // A poll: the requests after the cursor, oldest first.
            Some(a) => q.and_where(Expr::col((V::Table, V::Id)).gt(a)).order_by((V::Table, V::Id), Order::Asc),
            None => q.order_by((V::Table, V::Id), Order::Desc),
        };
        q.limit(limit);
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
        use crate::schema::JointMembers as J;
        let q = Query::select()
            .columns([J::Id, J::Name, J::OrganisationId, J::Responsible, J::Liaison, J::Phone])
            .from(J::Table)
            .order_by(J::Position, Order::Asc)
            .order_by(J::Id, Order::Asc)
            .to_owned();
        Pooled(self)
            .rows(&q, |r| {
                Ok(JointMember {
                    id: get(r, "id")?,
                    name: get(r, "name")?,
                    organisation_id: get(r, "organisation_id")?,
                    responsible: get(r, "responsible")?,
                    liaison: get(r, "liaison")?,
                    phone: keys::open(field::JOINT_PHONE, &get::<String>(r, "phone")?)?,
                })
            })
            .await
    }

    /// Meetings, newest first (at most 500), each with its decisions in order.
    pub async fn meetings(&self) -> Result<Vec<Meeting>, StoreError> {
        use crate::schema::{MeetingDecisions as D, Meetings as M};
        let q = Query::select()
            .columns([M::Id, M::HeldOn, M::Title, M::Place, M::Attendees, M::Minutes, M::RecordedBy, M::RecordedAt])
            .from(M::Table)
            .order_by(M::HeldOn, Order::Desc)
            .order_by(M::Id, Order::Desc)
            .limit(500)
            .to_owned();
        let mut src = Pooled(self);
        let mut out = src
            .rows(&q, |r| {
                Ok(Meeting {
                    id: get(r, "id")?,
                    held_on: get(r, "held_on")?,
                    title: get(r, "title")?,
                    place: get(r, "place")?,
                    attendees: get(r, "attendees")?,
                    minutes: get(r, "minutes")?,
                    decisions: Vec::new(),
                    recorded_by: get(r, "recorded_by")?,
                    recorded_at: get(r, "recorded_at")?,
                })
            })
            .await?;
        // Every listed meeting's decisions in one statement, not one each.
        let q = Query::select()
            .columns([D::MeetingId, D::Text])
            .from(D::Table)
            .and_where(Expr::col(D::MeetingId).is_in(out.iter().map(|m| m.id)))
            .order_by(D::MeetingId, Order::Asc)
            .order_by(D::Position, Order::Asc)
            .to_owned();
        let mut by: HashMap<i64, Vec<String>> = HashMap::new();
        for (m, text) in src.rows(&q, |r| Ok((get::<i64>(r, "meeting_id")?, get::<String>(r, "text")?))).await? {
            by.entry(m).or_default().push(text);
        }
        for m in &mut out {
            m.decisions = by.remove(&m.id).unwrap_or_default();
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
        use crate::schema::SupervisedTasks as T;
        let mut q = tasks_q();
        if let Some(l) = lead {
            q.and_where(Expr::col((T::Table, T::LeadMemberId)).eq(l));
        }
        if open_only || due_by.is_some() {
            q.and_where(Expr::col((T::Table, T::Status)).ne("done"));
        }
        if let Some(d) = due_by {
            q.and_where(Expr::col((T::Table, T::Deadline)).lte(d));
        }
        q.order_by((T::Table, T::Deadline), Order::Asc).order_by((T::Table, T::Id), Order::Asc).limit(1000);
        Pooled(self).rows(&q, task_from).await
    }

    /// One supervised task.
    pub async fn supervised_task(&self, id: i64) -> Result<SupervisedTask, StoreError> {
        use crate::schema::SupervisedTasks as T;
        let mut q = tasks_q();
        q.and_where(Expr::col((T::Table, T::Id)).eq(id));
        Pooled(self).rows(&q, task_from).await?.pop().ok_or(StoreError::NotFound)
    }
}

/// Supervised tasks with their lead unit's name.
fn tasks_q() -> sea_query::SelectStatement {
    use crate::schema::{JointMembers as J, SupervisedTasks as T};
    Query::select()
        .columns(
            [
                T::Id,
                T::MeetingId,
                T::Title,
                T::LeadMemberId,
                T::Deadline,
                T::Status,
                T::Progress,
                T::Version,
                T::UpdatedBy,
                T::UpdatedAt,
            ]
            .map(|c| (T::Table, c)),
        )
        .expr_as(Expr::col((J::Table, J::Name)), sea_query::Alias::new("lead"))
        .from(T::Table)
        .inner_join(J::Table, Expr::col((J::Table, J::Id)).equals((T::Table, T::LeadMemberId)))
        .to_owned()
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
        // Each row's ID by its blind index, which the matching joins on, and masked: every page
        // and answer shows a roster's IDs masked, so the full ID is not kept at all (the person is
        // known by the index, or by the household matched). On both cores: HMAC-SM3 of a million
        // IDs is most of a second.
        // In the file's order: sorted by index, the matching read the heads' index in order but
        // the rows went into roster_rows' (roster, row) index out of order, which cost more (a
        // roster of 100,000 rows 1.3 s, not 0.7 s; bench/sealing.sh).
        let keys = keys::keyring()?;
        let ids: Vec<(i64, String, &NewRosterRow)> = {
            use rayon::prelude::*;
            rows.par_iter()
                .map(|r| (keys.blind(&r.id_number), bangfu_domain::id_number::mask(&r.id_number), r))
                .collect()
        };
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
                "CREATE TEMPORARY TABLE roster_stage (column1 BIGINT, column2 BIGINT, column3 TEXT, column4 TEXT, \
                 column5 TEXT, column6 TEXT) ON COMMIT DROP",
            )
            .execute(&mut *self.tx)
            .await?;
            for chunk in ids.chunks(20_000) {
                let ints: Vec<String> = chunk.iter().map(|(_, _, r)| r.row_no.to_string()).collect();
                let sql = format!(
                    "INSERT INTO roster_stage SELECT * FROM UNNEST('{{{}}}'::bigint[], '{{{}}}'::bigint[], {}, {}, {}, {})",
                    ints.join(","),
                    chunk.iter().map(|(index, _, _)| index.to_string()).collect::<Vec<_>>().join(","),
                    text_array(chunk.iter().map(|(_, id, _)| id.as_str())),
                    text_array(chunk.iter().map(|(_, _, r)| r.name.as_str())),
                    text_array(chunk.iter().map(|(_, _, r)| r.since.as_str())),
                    text_array(chunk.iter().map(|(_, _, r)| r.note.as_str())),
                );
                sqlx::raw_sql(&sql).execute(&mut *self.tx).await?;
            }
            sqlx::raw_sql("ANALYZE roster_stage").execute(&mut *self.tx).await?;
            let sql = roster_insert_sql(id, kind, exit, &in_scope, "roster_stage AS v");
            sqlx::raw_sql(&sql).execute(&mut *self.tx).await?;
            sqlx::raw_sql("DROP TABLE roster_stage").execute(&mut *self.tx).await?;
        } else {
            for chunk in ids.chunks(1000) {
                let mut values = String::from("(VALUES ");
                for (i, (index, id, r)) in chunk.iter().enumerate() {
                    if i > 0 {
                        values.push(',');
                    }
                    values.push_str(&format!(
                        "({},{},{},{},{},{})",
                        r.row_no,
                        index,
                        crate::import::sql_text(id),
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
             WHERE roster_rows.roster_id = {id} AND roster_rows.household_id IS NULL AND roster_rows.id_index <> 0 \
             AND m.id_index = roster_rows.id_index AND {in_scope}"
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

    /// How many of a roster's rows matched a household, as written in this transaction.
    pub async fn roster_matched(&mut self, id: i64) -> Result<i64, StoreError> {
        use crate::schema::Rosters as R;
        let q = Query::select().column(R::Matched).from(R::Table).and_where(Expr::col(R::Id).eq(id)).to_owned();
        match self.optional(&q).await? {
            Some(r) => get(&r, "matched"),
            None => Err(StoreError::NotFound),
        }
    }

    /// Marks a pending roster row accepted or rejected; false if it was decided meanwhile.
    pub async fn decide_roster_row(
        &mut self,
        id: i64,
        decision: &str,
        outcome_id: Option<i64>,
        by: &str,
    ) -> Result<bool, StoreError> {
        use crate::schema::RosterRows as X;
        let q = Query::update()
            .table(X::Table)
            .values([
                (X::Decision, decision.into()),
                (X::OutcomeId, outcome_id.into()),
                (X::DecidedBy, by.into()),
                (X::DecidedAt, crate::now_rfc3339().into()),
            ])
            .and_where(Expr::col(X::Id).eq(id))
            .and_where(Expr::col(X::Decision).eq("pending"))
            .to_owned();
        Ok(self.exec(&q).await? == 1)
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
        use crate::schema::Evidence as E;
        let q = Query::insert()
            .into_table(E::Table)
            .columns([
                E::HouseholdId,
                E::Day,
                E::Source,
                E::SourceId,
                E::DepartmentId,
                E::Summary,
                E::AttachmentId,
                E::RecordedBy,
                E::RecordedAt,
            ])
            .values_panic([
                household_id.into(),
                day.into(),
                source.into(),
                source_id.into(),
                department_id.into(),
                summary.into(),
                attachment_id.into(),
                by.into(),
                crate::now_rfc3339().into(),
            ])
            .returning_col(E::Id)
            .to_owned();
        self.insert_id(&q).await
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
        use crate::schema::{VerificationAnswers as A, Verifications as V};
        // A department polls requests by id (`since=`): ids must become visible in their order.
        // PostgreSQL hands out ids before commit, so a later id could be read first and the
        // earlier one missed; taking the table's write lock first makes requests commit one at a
        // time, in id order (reads go on). SQLite writes one transaction at a time anyway.
        if self.backend == crate::Backend::Postgres {
            self.raw("LOCK TABLE verifications IN SHARE ROW EXCLUSIVE MODE").await?;
        }
        let q = Query::insert()
            .into_table(V::Table)
            .columns([
                V::HouseholdId,
                V::RegionCode,
                V::UnionId,
                V::Question,
                V::AskedBy,
                V::AskedOn,
                V::DueOn,
                V::CreatedAt,
            ])
            .values_panic([
                household_id.into(),
                region_code.into(),
                union_id.into(),
                question.into(),
                by.into(),
                asked_on.into(),
                due_on.into(),
                crate::now_rfc3339().into(),
            ])
            .returning_col(V::Id)
            .to_owned();
        let id = self.insert_id(&q).await?;
        if !departments.is_empty() {
            let mut q = Query::insert();
            q.into_table(A::Table).columns([A::VerificationId, A::DepartmentId, A::Status]);
            for d in departments {
                q.values_panic([id.into(), (*d).into(), "pending".into()]);
            }
            self.exec(&q).await?;
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
        use crate::schema::VerificationAnswers as A;
        let q = Query::update()
            .table(A::Table)
            .values([
                (A::Status, "answered".into()),
                (A::Facts, facts.into()),
                (A::AttachmentId, attachment_id.into()),
                (A::AnsweredBy, by.into()),
                (A::AnsweredAt, crate::now_rfc3339().into()),
            ])
            .and_where(Expr::col(A::VerificationId).eq(verification_id))
            .and_where(Expr::col(A::DepartmentId).eq(department_id))
            .and_where(Expr::col(A::Status).eq("pending"))
            .returning_col(A::Id)
            .to_owned();
        match self.optional(&q).await? {
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
        use crate::schema::{MeetingDecisions as D, Meetings as M};
        let q = Query::insert()
            .into_table(M::Table)
            .columns([M::HeldOn, M::Title, M::Place, M::Attendees, M::Minutes, M::RecordedBy, M::RecordedAt])
            .values_panic([
                held_on.into(),
                title.into(),
                place.into(),
                attendees.into(),
                minutes.into(),
                by.into(),
                crate::now_rfc3339().into(),
            ])
            .returning_col(M::Id)
            .to_owned();
        let id = self.insert_id(&q).await?;
        if !decisions.is_empty() {
            let mut q = Query::insert();
            q.into_table(D::Table).columns([D::MeetingId, D::Position, D::Text]);
            for (i, d) in decisions.iter().enumerate() {
                q.values_panic([id.into(), (i as i64 + 1).into(), d.as_str().into()]);
            }
            self.exec(&q).await?;
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
        use crate::schema::SupervisedTasks as T;
        let q = Query::insert()
            .into_table(T::Table)
            .columns([T::MeetingId, T::Title, T::LeadMemberId, T::Deadline, T::Status, T::UpdatedBy, T::UpdatedAt])
            .values_panic([
                meeting_id.into(),
                title.into(),
                lead_member_id.into(),
                deadline.into(),
                "open".into(),
                by.into(),
                crate::now_rfc3339().into(),
            ])
            .returning_col(T::Id)
            .to_owned();
        self.insert_id(&q).await
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
        use crate::schema::SupervisedTasks as T;
        let q = Query::update()
            .table(T::Table)
            .values([
                (T::Status, status.into()),
                (T::Progress, progress.into()),
                (T::Version, Expr::col(T::Version).add(1)),
                (T::UpdatedBy, by.into()),
                (T::UpdatedAt, crate::now_rfc3339().into()),
            ])
            .and_where(Expr::col(T::Id).eq(id))
            .and_where(Expr::col(T::Version).eq(version))
            .to_owned();
        Ok(self.exec(&q).await? == 1)
    }

    /// Links member units not yet linked to the department of the same name in the registry.
    pub async fn link_joint_members(&mut self) -> Result<(), StoreError> {
        use crate::schema::{JointMembers as J, Organisations as O};
        let department = Query::select()
            .expr(Expr::col((O::Table, O::Id)).min())
            .from(O::Table)
            .and_where(Expr::col((O::Table, O::Name)).equals((J::Table, J::Name)))
            .and_where(Expr::col((O::Table, O::Kind)).eq("department"))
            .to_owned();
        let q = Query::update()
            .table(J::Table)
            .value(
                J::OrganisationId,
                sea_query::SimpleExpr::SubQuery(None, Box::new(department.into_sub_query_statement())),
            )
            .and_where(Expr::col(J::OrganisationId).is_null())
            .to_owned();
        self.exec(&q).await?;
        Ok(())
    }

    /// Adds a member unit after the others.
    pub async fn insert_joint_member(&mut self, m: &JointMemberWrite) -> Result<i64, StoreError> {
        use crate::schema::JointMembers as J;
        let last = Query::select()
            .expr_as(Expr::col(J::Position).max(), sea_query::Alias::new("last"))
            .from(J::Table)
            .to_owned();
        let position: Option<i64> = match self.optional(&last).await? {
            Some(r) => get(&r, "last")?,
            None => None,
        };
        let q = Query::insert()
            .into_table(J::Table)
            .columns([J::Name, J::OrganisationId, J::Responsible, J::Liaison, J::Phone, J::Position])
            .values_panic([
                m.name.clone().into(),
                m.organisation_id.into(),
                m.responsible.clone().into(),
                m.liaison.clone().into(),
                keys::seal(field::JOINT_PHONE, &m.phone)?.into(),
                (position.unwrap_or(0) + 1).into(),
            ])
            .returning_col(J::Id)
            .to_owned();
        self.insert_id(&q).await
    }

    /// Updates a member unit: its name, people and link to the registry.
    pub async fn update_joint_member(&mut self, id: i64, m: &JointMemberWrite) -> Result<(), StoreError> {
        use crate::schema::JointMembers as J;
        let (organisation_id, responsible, liaison, phone) =
            (m.organisation_id, m.responsible.as_str(), m.liaison.as_str(), m.phone.as_str());
        let q = Query::update()
            .table(J::Table)
            .values([
                (J::Name, m.name.clone().into()),
                (J::OrganisationId, organisation_id.into()),
                (J::Responsible, responsible.into()),
                (J::Liaison, liaison.into()),
                (J::Phone, keys::seal(field::JOINT_PHONE, phone)?.into()),
            ])
            .and_where(Expr::col(J::Id).eq(id))
            .to_owned();
        if self.exec(&q).await? == 1 {
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

/// Inserts a roster's rows from `source` (rows v.column1…6: row, ID's blind index, masked ID,
/// name, since, note),
/// matched to a head in scope as they go in.
fn roster_insert_sql(id: i64, kind: &str, exit: &str, in_scope: &str, source: &str) -> String {
    format!(
        "INSERT INTO roster_rows (roster_id, row_no, id_index, id_number, name, fact, since, note, household_id, \
         region_code, union_id, person, suggestion) SELECT {id}, v.column1, v.column2, v.column3, v.column4, {}, \
         v.column5, v.column6, h.id, h.region_code, h.union_id, CASE WHEN h.id IS NULL THEN NULL ELSE 'head' END, \
         CASE WHEN h.id IS NULL THEN 'none' WHEN h.status = 'in_file' THEN {exit} ELSE 'note' END FROM {source} \
         LEFT JOIN households h ON h.head_id_index = v.column2 AND v.column2 <> 0 AND {in_scope}",
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

/// The requests about households `scope` reaches (by the region and union each was asked in).
fn verification_scope(scope: &crate::Scope) -> sea_query::Cond {
    use crate::schema::Verifications as V;
    scope.rows_of(V::Table, V::RegionCode, V::UnionId)
}

/// A household's requests as its page lists them: those `scope` reaches, newest first.
pub(crate) fn household_verifications_q(scope: &crate::Scope, household_id: i64) -> sea_query::SelectStatement {
    use crate::schema::Verifications as V;
    let mut q = verifications_q();
    q.cond_where(verification_scope(scope))
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
        head_id_number: keys::open(field::HEAD_ID, &get::<String>(r, "head_id_number")?)?,
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
