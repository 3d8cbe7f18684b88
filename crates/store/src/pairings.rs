//! One-to-one pairing (一帮一): a helper unit and a named responsible person stay with a
//! household until the goal is reached (不达目标不脱钩).

use crate::db::{get, RowGet, Store, WriteTx};
use crate::households::{household_from, COLUMNS as HOUSEHOLD_COLUMNS};
use crate::read::{Pooled, Source};
use crate::schema::{Households, Pairings};
use crate::{Household, OpenFile, Scope, StoreError};
use bangfu_domain::HouseholdStatus;
use sea_query::{Cond, Expr, Order, Query};
use serde::Serialize;

/// A pairing.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Pairing {
    /// Id.
    pub id: i64,
    /// Household.
    pub household_id: i64,
    /// The helper unit (an organisation).
    pub helper_org_id: i64,
    /// The responsible person.
    pub person: String,
    /// Started (YYYY-MM-DD).
    pub started_on: String,
    /// Ended, if it has.
    pub ended_on: Option<String>,
    /// Why it ended.
    pub end_reason: Option<String>,
    /// Who recorded it.
    pub created_by: String,
    /// Row version.
    pub version: i64,
}

const COLUMNS: [Pairings; 9] = [
    Pairings::Id,
    Pairings::HouseholdId,
    Pairings::HelperOrgId,
    Pairings::Person,
    Pairings::StartedOn,
    Pairings::EndedOn,
    Pairings::EndReason,
    Pairings::CreatedBy,
    Pairings::Version,
];

pub(crate) fn pairing_from(r: &dyn RowGet) -> Result<Pairing, StoreError> {
    Ok(Pairing {
        id: get(r, "id")?,
        household_id: get(r, "household_id")?,
        helper_org_id: get(r, "helper_org_id")?,
        person: get(r, "person")?,
        started_on: get(r, "started_on")?,
        ended_on: get(r, "ended_on")?,
        end_reason: get(r, "end_reason")?,
        created_by: get(r, "created_by")?,
        version: get(r, "version")?,
    })
}

fn scoped(scope: &Scope) -> sea_query::SelectStatement {
    let p = Pairings::Table;
    let mut q = Query::select();
    q.columns(COLUMNS.map(|c| (p, c)))
        .from(p)
        .inner_join(
            Households::Table,
            Expr::col((Households::Table, Households::Id)).equals((p, Pairings::HouseholdId)),
        )
        .cond_where(scope.households());
    q
}

/// Households in the file without an active pairing.
fn unpaired(scope: &Scope) -> Cond {
    let active = Query::select()
        .expr(Expr::val(1))
        .from(Pairings::Table)
        .and_where(Expr::col((Pairings::Table, Pairings::HouseholdId)).equals((Households::Table, Households::Id)))
        .and_where(Expr::col((Pairings::Table, Pairings::EndedOn)).is_null())
        .to_owned();
    scope
        .households()
        .add(Expr::col((Households::Table, Households::Status)).eq(HouseholdStatus::InFile.code()))
        .add(Expr::exists(active).not())
}

impl Store {
    /// One pairing whose household `scope` reaches.
    pub async fn pairing(&self, scope: &Scope, id: i64) -> Result<Pairing, StoreError> {
        let mut q = scoped(scope);
        q.and_where(Expr::col((Pairings::Table, Pairings::Id)).eq(id));
        pairing_from(&self.optional(&q).await?.ok_or(StoreError::NotFound)?)
    }

    /// A household's pairings, newest first.
    pub async fn household_pairings(&self, scope: &Scope, household_id: i64) -> Result<Vec<Pairing>, StoreError> {
        Pooled(self).rows(&household_pairings_q(scope, household_id), pairing_from).await
    }

    /// The queue of households in the file without a helper, in file-number order, and how many
    /// (counted up to `cap`: each counted household costs a look into the pairings).
    pub async fn unpaired(
        &self,
        scope: &Scope,
        (page, per_page): (u64, u64),
        cap: u64,
    ) -> Result<(Vec<Household>, u64), StoreError> {
        // The page's ids first, from the index alone; then their rows.
        let ids = Query::select()
            .column((Households::Table, Households::Id))
            .from(Households::Table)
            .cond_where(unpaired(scope))
            .order_by((Households::Table, Households::FileNo), Order::Asc)
            .limit(per_page)
            .offset(page.saturating_sub(1).saturating_mul(per_page))
            .to_owned();
        let ids: Vec<i64> = self.all(&ids).await?.iter().map(|r| get(r, "id")).collect::<Result<_, _>>()?;
        let q = Query::select()
            .columns(HOUSEHOLD_COLUMNS.map(|c| (Households::Table, c)))
            .from(Households::Table)
            .and_where(Expr::col((Households::Table, Households::Id)).is_in(ids.clone()))
            .to_owned();
        let mut items = self.all(&q).await?.iter().map(|r| household_from(r)).collect::<Result<Vec<_>, _>>()?;
        items.sort_by_key(|h| ids.iter().position(|i| *i == h.id));
        let matches = Query::select().expr(Expr::val(1)).from(Households::Table).cond_where(unpaired(scope)).to_owned();
        Ok((items, self.capped_count(matches, cap).await?))
    }

    /// Each helper unit's caseload: active pairings of households `scope` reaches.
    pub async fn caseload(&self, scope: &Scope) -> Result<Vec<(i64, i64)>, StoreError> {
        let p = Pairings::Table;
        let q = Query::select()
            .column((p, Pairings::HelperOrgId))
            .expr_as(Expr::cust("COUNT(*)"), sea_query::Alias::new("n"))
            .from(p)
            .inner_join(
                Households::Table,
                Expr::col((Households::Table, Households::Id)).equals((p, Pairings::HouseholdId)),
            )
            .cond_where(scope.households())
            .and_where(Expr::col((p, Pairings::EndedOn)).is_null())
            .group_by_col((p, Pairings::HelperOrgId))
            .order_by((p, Pairings::HelperOrgId), Order::Asc)
            .to_owned();
        self.all(&q).await?.iter().map(|r| Ok((get(r, "helper_org_id")?, get(r, "n")?))).collect()
    }
}

impl WriteTx {
    /// The open file's active pairing, if any.
    pub async fn active_pairing(&mut self, file: &OpenFile) -> Result<Option<i64>, StoreError> {
        let q = Query::select()
            .column(Pairings::Id)
            .from(Pairings::Table)
            .and_where(Expr::col(Pairings::HouseholdId).eq(file.id()))
            .and_where(Expr::col(Pairings::EndedOn).is_null())
            .limit(1)
            .to_owned();
        match self.optional(&q).await? {
            Some(r) => Ok(Some(get(&r, "id")?)),
            None => Ok(None),
        }
    }

    /// Pairs the open file with a helper unit and person; returns the id.
    pub async fn insert_pairing(
        &mut self,
        file: &OpenFile,
        helper_org_id: i64,
        person: &str,
        started_on: &str,
        by: &str,
    ) -> Result<i64, StoreError> {
        self.tally_touch(&[file.id()]).await?;
        let q = Query::insert()
            .into_table(Pairings::Table)
            .columns(COLUMNS[1..].iter().copied())
            .values_panic([
                file.id().into(),
                helper_org_id.into(),
                person.into(),
                started_on.into(),
                Option::<String>::None.into(),
                Option::<String>::None.into(),
                by.into(),
                1i64.into(),
            ])
            .returning_col(Pairings::Id)
            .to_owned();
        self.insert_id(&q).await
    }

    /// Ends a pairing of the open file.
    pub async fn end_pairing(
        &mut self,
        file: &OpenFile,
        id: i64,
        version: i64,
        on: &str,
        reason: &str,
    ) -> Result<(), StoreError> {
        self.tally_touch(&[file.id()]).await?;
        let q = Query::update()
            .table(Pairings::Table)
            .values([
                (Pairings::EndedOn, on.into()),
                (Pairings::EndReason, reason.into()),
                (Pairings::Version, (version + 1).into()),
            ])
            .and_where(Expr::col(Pairings::Id).eq(id))
            .and_where(Expr::col(Pairings::HouseholdId).eq(file.id()))
            .and_where(Expr::col(Pairings::Version).eq(version))
            .to_owned();
        self.expect_one(q, Pairings::Table, Pairings::Id, id).await
    }
}

/// The statement of [`Store::household_pairings`].
pub(crate) fn household_pairings_q(scope: &Scope, household_id: i64) -> sea_query::SelectStatement {
    let mut q = scoped(scope);
    q.and_where(Expr::col((Pairings::Table, Pairings::HouseholdId)).eq(household_id))
        .order_by((Pairings::Table, Pairings::Id), Order::Desc);
    q
}
