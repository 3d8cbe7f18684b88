//! Outcomes of case work: an exit, a relief or a withdrawal, proposed by one person and approved
//! or sent back by another; an approved one can be reopened. Reads and writes go through the
//! household's scope like every other part of the file.

use crate::db::{get, RowGet, Store, WriteTx};
use crate::read::{Pooled, Source};
use crate::schema::{Households, Outcomes};
use crate::{OpenFile, Scope, StoreError};
use bangfu_domain::HouseholdStatus;
use sea_query::{Expr, Order, Query};
use serde::Serialize;

/// An outcome.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Outcome {
    /// Id.
    pub id: i64,
    /// Household.
    pub household_id: i64,
    /// exit, relief, withdrawal.
    pub kind: String,
    /// The exit's pathway or the withdrawal's reason code.
    pub pathway: Option<String>,
    /// Why, in the proposer's words.
    pub reason: String,
    /// proposed, approved, sent_back, reopened.
    pub status: String,
    /// Proposer's user id.
    pub proposed_by: i64,
    /// Proposer's name.
    pub proposed_by_name: String,
    /// When proposed.
    pub proposed_at: String,
    /// Decider's user id.
    pub decided_by: Option<i64>,
    /// Decider's name.
    pub decided_by_name: Option<String>,
    /// When decided.
    pub decided_at: Option<String>,
    /// The decider's note.
    pub decision_note: Option<String>,
    /// The approval date (YYYY-MM-DD): the date that counts towards the quotas.
    pub approval_date: Option<String>,
    /// Why it was reopened.
    pub reopen_reason: Option<String>,
    /// Row version.
    pub version: i64,
}

pub(crate) const COLUMNS: [Outcomes; 16] = [
    Outcomes::Id,
    Outcomes::HouseholdId,
    Outcomes::Kind,
    Outcomes::Pathway,
    Outcomes::Reason,
    Outcomes::Status,
    Outcomes::ProposedBy,
    Outcomes::ProposedByName,
    Outcomes::ProposedAt,
    Outcomes::DecidedBy,
    Outcomes::DecidedByName,
    Outcomes::DecidedAt,
    Outcomes::DecisionNote,
    Outcomes::ApprovalDate,
    Outcomes::ReopenReason,
    Outcomes::Version,
];

pub(crate) fn outcome_from(r: &dyn RowGet) -> Result<Outcome, StoreError> {
    Ok(Outcome {
        id: get(r, "id")?,
        household_id: get(r, "household_id")?,
        kind: get(r, "kind")?,
        pathway: get(r, "pathway")?,
        reason: get(r, "reason")?,
        status: get(r, "status")?,
        proposed_by: get(r, "proposed_by")?,
        proposed_by_name: get(r, "proposed_by_name")?,
        proposed_at: get(r, "proposed_at")?,
        decided_by: get(r, "decided_by")?,
        decided_by_name: get(r, "decided_by_name")?,
        decided_at: get(r, "decided_at")?,
        decision_note: get(r, "decision_note")?,
        approval_date: get(r, "approval_date")?,
        reopen_reason: get(r, "reopen_reason")?,
        version: get(r, "version")?,
    })
}

/// The select of outcomes whose household `scope` reaches.
fn scoped(scope: &Scope) -> sea_query::SelectStatement {
    let o = Outcomes::Table;
    let mut q = Query::select();
    q.columns(COLUMNS.map(|c| (o, c)))
        .from(o)
        .inner_join(
            Households::Table,
            Expr::col((Households::Table, Households::Id)).equals((o, Outcomes::HouseholdId)),
        )
        .cond_where(scope.rows_of(o, Outcomes::RegionCode, Outcomes::UnionId));
    q
}

impl Store {
    /// One outcome whose household `scope` reaches.
    pub async fn outcome(&self, scope: &Scope, id: i64) -> Result<Outcome, StoreError> {
        let mut q = scoped(scope);
        q.and_where(Expr::col((Outcomes::Table, Outcomes::Id)).eq(id));
        outcome_from(&self.optional(&q).await?.ok_or(StoreError::NotFound)?)
    }

    /// A household's outcomes, newest first.
    pub async fn household_outcomes(&self, scope: &Scope, household_id: i64) -> Result<Vec<Outcome>, StoreError> {
        Pooled(self).rows(&household_outcomes_q(scope, household_id), outcome_from).await
    }

    /// Outcomes in `scope` with `status`, oldest first (a queue), at most `limit`.
    pub async fn outcomes_with_status(
        &self,
        scope: &Scope,
        status: &str,
        limit: u64,
    ) -> Result<Vec<Outcome>, StoreError> {
        let mut q = scoped(scope);
        q.and_where(Expr::col((Outcomes::Table, Outcomes::Status)).eq(status))
            .order_by((Outcomes::Table, Outcomes::Id), Order::Asc)
            .limit(limit);
        self.all(&q).await?.iter().map(|r| outcome_from(r)).collect()
    }
}

/// A decision on an outcome.
#[derive(Debug, Clone, Copy)]
pub struct Decision<'a> {
    /// approved or sent_back.
    pub status: &'a str,
    /// The decider's id and name.
    pub by: (i64, &'a str),
    /// The note.
    pub note: &'a str,
    /// The approval date, for an approval.
    pub approval_date: Option<&'a str>,
}

impl WriteTx {
    /// Whether the file has an outcome waiting for a decision.
    pub async fn open_proposal(&mut self, file: &OpenFile) -> Result<Option<i64>, StoreError> {
        let q = Query::select()
            .column(Outcomes::Id)
            .from(Outcomes::Table)
            .and_where(Expr::col(Outcomes::HouseholdId).eq(file.id()))
            .and_where(Expr::col(Outcomes::Status).eq("proposed"))
            .limit(1)
            .to_owned();
        match self.optional(&q).await? {
            Some(r) => Ok(Some(get(&r, "id")?)),
            None => Ok(None),
        }
    }

    /// Records a proposal; returns its id.
    pub async fn insert_outcome(
        &mut self,
        file: &OpenFile,
        kind: &str,
        pathway: Option<&str>,
        reason: &str,
        by: (i64, &str),
    ) -> Result<i64, StoreError> {
        let q = Query::insert()
            .into_table(Outcomes::Table)
            .columns([
                Outcomes::HouseholdId,
                Outcomes::Kind,
                Outcomes::Pathway,
                Outcomes::Reason,
                Outcomes::Status,
                Outcomes::ProposedBy,
                Outcomes::ProposedByName,
                Outcomes::ProposedAt,
                Outcomes::Version,
                Outcomes::RegionCode,
                Outcomes::UnionId,
            ])
            .values_panic([
                file.id().into(),
                kind.into(),
                pathway.map(str::to_string).into(),
                reason.into(),
                "proposed".into(),
                by.0.into(),
                by.1.into(),
                crate::now_rfc3339().into(),
                1i64.into(),
                file.household().region_code.clone().into(),
                file.household().union_id.into(),
            ])
            .returning_col(Outcomes::Id)
            .to_owned();
        self.insert_id(&q).await
    }

    /// Records a decision on an outcome of the open file, if it is still at `version`.
    pub async fn decide_outcome(
        &mut self,
        file: &OpenFile,
        id: i64,
        version: i64,
        d: &Decision<'_>,
    ) -> Result<(), StoreError> {
        let Decision { status, by, note, approval_date } = *d;
        self.tally_touch(&[file.id()]).await?;
        let q = Query::update()
            .table(Outcomes::Table)
            .values([
                (Outcomes::Status, status.into()),
                (Outcomes::DecidedBy, by.0.into()),
                (Outcomes::DecidedByName, by.1.into()),
                (Outcomes::DecidedAt, crate::now_rfc3339().into()),
                (Outcomes::DecisionNote, note.into()),
                (Outcomes::ApprovalDate, approval_date.map(str::to_string).into()),
                (Outcomes::Version, (version + 1).into()),
            ])
            .and_where(Expr::col(Outcomes::Id).eq(id))
            .and_where(Expr::col(Outcomes::HouseholdId).eq(file.id()))
            .and_where(Expr::col(Outcomes::Version).eq(version))
            .to_owned();
        self.expect_one(q, Outcomes::Table, Outcomes::Id, id).await
    }

    /// Reopens an approved outcome of the open file, with a reason.
    pub async fn reopen_outcome(
        &mut self,
        file: &OpenFile,
        id: i64,
        version: i64,
        reason: &str,
    ) -> Result<(), StoreError> {
        self.tally_touch(&[file.id()]).await?;
        let q = Query::update()
            .table(Outcomes::Table)
            .values([
                (Outcomes::Status, "reopened".into()),
                (Outcomes::ReopenReason, reason.into()),
                (Outcomes::Version, (version + 1).into()),
            ])
            .and_where(Expr::col(Outcomes::Id).eq(id))
            .and_where(Expr::col(Outcomes::HouseholdId).eq(file.id()))
            .and_where(Expr::col(Outcomes::Version).eq(version))
            .to_owned();
        self.expect_one(q, Outcomes::Table, Outcomes::Id, id).await
    }

    /// Sets the household's registry status (a decided outcome, or a reopened one).
    pub async fn set_household_status(&mut self, file: &OpenFile, status: HouseholdStatus) -> Result<(), StoreError> {
        let q = Query::update()
            .table(Households::Table)
            .value(Households::Status, status.code())
            .value(Households::Version, Expr::col(Households::Version).add(1))
            .value(Households::UpdatedAt, crate::now_rfc3339())
            .and_where(Expr::col(Households::Id).eq(file.id()))
            .to_owned();
        self.exec(&q).await.map(|_| ())
    }
}

/// The statement of [`Store::household_outcomes`].
pub(crate) fn household_outcomes_q(scope: &Scope, household_id: i64) -> sea_query::SelectStatement {
    let mut q = scoped(scope);
    q.and_where(Expr::col((Outcomes::Table, Outcomes::HouseholdId)).eq(household_id))
        .order_by((Outcomes::Table, Outcomes::Id), Order::Desc);
    q
}
