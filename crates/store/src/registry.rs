//! Regions, organisations and regional standards.

use crate::db::{get, get_code, RowGet, Store, WriteTx};
use crate::read::{Pooled, Source};
use crate::schema::{Organisations, Regions, Standards};
use crate::{Scope, StoreError};
use bangfu_domain::{Money, OrgKind, StandardKind, YearMonth};
use sea_query::{Expr, Order, Query};
use serde::Serialize;

/// An administrative region (GB/T 2260).
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Region {
    /// Six-digit code.
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// English name.
    pub name_en: String,
    /// The region it lies in (a county's city, a city's province); `None` at the top.
    pub parent_code: Option<String>,
    /// In use by this deployment (`bangfu setup --region`): the deployment's root and what lies
    /// under it. A region moved out of use keeps its files.
    pub in_use: bool,
}

/// An organisation: a union body, a government department or an employer.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Organisation {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Kind.
    #[schema(value_type = String)]
    pub kind: OrgKind,
    /// Region it sits in.
    pub region_code: String,
    /// The county union a grassroots union belongs to.
    pub parent_id: Option<i64>,
    /// Row version for ETag / If-Match.
    pub version: i64,
}

/// The fields of an organisation that a user writes (already validated).
#[derive(Debug, Clone)]
pub struct OrganisationWrite {
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: OrgKind,
    /// Region code.
    pub region_code: String,
    /// Parent organisation.
    pub parent_id: Option<i64>,
}

/// A regional standard (低保 or low-income) from a month on.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Standard {
    /// Region code.
    pub region_code: String,
    /// Which standard.
    #[schema(value_type = String)]
    pub kind: StandardKind,
    /// First month in force.
    #[schema(value_type = String)]
    pub from: YearMonth,
    /// Yuan per person per month.
    #[schema(value_type = String)]
    pub amount: Money,
}

pub(crate) fn region_from(row: &dyn RowGet) -> Result<Region, StoreError> {
    Ok(Region {
        code: get(row, "code")?,
        name: get(row, "name")?,
        name_en: get(row, "name_en")?,
        parent_code: get(row, "parent_code")?,
        in_use: get::<i64>(row, "in_use")? != 0,
    })
}

/// The national list of regions shipped with the program (GB/T 2260; `data/README.md` names
/// its source and date): (code, name, parent code).
///
/// Above the provinces stands [`NATIONAL`] (`100000` 全国, the code national systems use for
/// the whole country; GB/T 2260 itself has none): the region of the national union (全总), and a
/// root for a deployment that serves the whole country.
pub fn national_regions() -> Vec<(&'static str, &'static str, Option<&'static str>)> {
    let mut out = vec![(NATIONAL, "全国", None)];
    out.extend(include_str!("../data/regions.csv").lines().skip(1).filter_map(|l| {
        let mut f = l.split(',');
        let (code, name, parent) = (f.next()?, f.next()?, f.next().unwrap_or(""));
        Some((code, name, Some(if parent.is_empty() { NATIONAL } else { parent })))
    }));
    out
}

/// The whole country's region code.
pub const NATIONAL: &str = "100000";

pub(crate) fn org_from(row: &dyn RowGet) -> Result<Organisation, StoreError> {
    Ok(Organisation {
        id: get(row, "id")?,
        name: get(row, "name")?,
        kind: get_code(row, "kind", OrgKind::from_code)?,
        region_code: get(row, "region_code")?,
        parent_id: get(row, "parent_id")?,
        version: get(row, "version")?,
    })
}

pub(crate) fn standard_from(row: &dyn RowGet) -> Result<Standard, StoreError> {
    Ok(Standard {
        region_code: get(row, "region_code")?,
        kind: get_code(row, "kind", StandardKind::from_code)?,
        from: YearMonth::from_key(get(row, "from_month")?).ok_or(StoreError::Corrupt("from_month"))?,
        amount: Money::from_fen(get(row, "amount")?),
    })
}

fn org_columns() -> [Organisations; 6] {
    use Organisations::*;
    [Id, Name, Kind, RegionCode, ParentId, Version]
}

/// `WITH RECURSIVE sub(id, depth)`: the row whose `key` is `root` and every row under it by
/// `parent`, the root first then by depth (one statement on both backends, read from the parent
/// index; a cycle cannot run away: depth stops at 64).
fn subtree<T, C>(table: T, key: C, parent: C, root: sea_query::SimpleExpr) -> sea_query::WithQuery
where
    T: sea_query::Iden + Copy + 'static,
    C: sea_query::Iden + Copy + 'static,
{
    use sea_query::{Alias, CommonTableExpression, UnionType, WithClause};
    let sub = Alias::new("sub");
    let base = Query::select()
        .expr_as(Expr::col(key), Alias::new("id"))
        .expr_as(Expr::val(0), Alias::new("depth"))
        .from(table)
        .and_where(Expr::col(key).eq(root))
        .to_owned();
    let step = Query::select()
        .expr(Expr::col((table, key)))
        .expr(Expr::col((sub.clone(), Alias::new("depth"))).add(1))
        .from(table)
        .inner_join(sub.clone(), Expr::col((table, parent)).equals((sub.clone(), Alias::new("id"))))
        .and_where(Expr::col((sub.clone(), Alias::new("depth"))).lt(64))
        .to_owned();
    let cte = CommonTableExpression::new()
        .query(base.clone().union(UnionType::All, step).to_owned())
        .columns([Alias::new("id"), Alias::new("depth")])
        .table_name(sub.clone())
        .to_owned();
    Query::select()
        .column(Alias::new("id"))
        .from(sub)
        .order_by(Alias::new("depth"), Order::Asc)
        .to_owned()
        .with(WithClause::new().recursive(true).cte(cte).to_owned())
}

impl Store {
    /// The regions in use, by code (a city before its counties).
    pub async fn regions(&self) -> Result<Vec<Region>, StoreError> {
        Pooled(self).rows(&regions_q(), region_from).await
    }

    /// One region, in use or not.
    pub async fn region(&self, code: &str) -> Result<Region, StoreError> {
        let q = Query::select()
            .columns([Regions::Code, Regions::Name, Regions::NameEn, Regions::ParentCode, Regions::InUse])
            .from(Regions::Table)
            .and_where(Expr::col(Regions::Code).eq(code))
            .to_owned();
        region_from(&self.optional(&q).await?.ok_or(StoreError::NotFound)?)
    }

    /// The region and everything under it (a county: itself), in use or not — a scope keeps
    /// reaching the files of a region moved out of use. Empty for an unknown code.
    pub async fn region_and_children(&self, code: &str) -> Result<Vec<String>, StoreError> {
        let q = subtree(Regions::Table, Regions::Code, Regions::ParentCode, Expr::val(code).into());
        self.all(&q).await?.iter().map(|r| get(r, "id")).collect()
    }

    /// The parent links of region `code` and of every region above it (county → city →
    /// province → 全国): enough to find what is in force for that one region, without reading
    /// every region. One recursive statement; empty for an unknown code.
    pub async fn region_line(&self, code: &str) -> Result<Vec<(String, String)>, StoreError> {
        use sea_query::{Alias, CommonTableExpression, UnionType, WithClause};
        let (up, c, p, d) = (Alias::new("up"), Alias::new("code"), Alias::new("parent"), Alias::new("depth"));
        let base = Query::select()
            .expr_as(Expr::col(Regions::Code), c.clone())
            .expr_as(Expr::col(Regions::ParentCode), p.clone())
            .expr_as(Expr::val(0), d.clone())
            .from(Regions::Table)
            .and_where(Expr::col(Regions::Code).eq(code))
            .to_owned();
        let step = Query::select()
            .expr(Expr::col((Regions::Table, Regions::Code)))
            .expr(Expr::col((Regions::Table, Regions::ParentCode)))
            .expr(Expr::col((up.clone(), d.clone())).add(1))
            .from(Regions::Table)
            .inner_join(up.clone(), Expr::col((Regions::Table, Regions::Code)).equals((up.clone(), p.clone())))
            .and_where(Expr::col((up.clone(), d.clone())).lt(16))
            .to_owned();
        let cte = CommonTableExpression::new()
            .query(base.clone().union(UnionType::All, step).to_owned())
            .columns([c.clone(), p.clone(), d])
            .table_name(up.clone())
            .to_owned();
        let q = Query::select()
            .columns([c, p.clone()])
            .from(up)
            .and_where(Expr::col(p).is_not_null())
            .to_owned()
            .with(WithClause::new().recursive(true).cte(cte).to_owned());
        self.all(&q).await?.iter().map(|r| Ok((get(r, "code")?, get(r, "parent")?))).collect()
    }

    /// Union `id` and every union under it (its 分工会, a county union's grassroots unions…),
    /// `id` first; empty for an unknown id.
    pub async fn union_and_below(&self, id: i64) -> Result<Vec<i64>, StoreError> {
        let q = subtree(Organisations::Table, Organisations::Id, Organisations::ParentId, Expr::val(id).into());
        self.all(&q).await?.iter().map(|r| get(r, "id")).collect()
    }

    /// Organisations, optionally of one kind, by name.
    pub async fn organisations(&self, scope: &Scope, kind: Option<OrgKind>) -> Result<Vec<Organisation>, StoreError> {
        Pooled(self).rows(&organisations_q(scope, kind), org_from).await
    }

    /// One organisation.
    pub async fn organisation(&self, scope: &Scope, id: i64) -> Result<Organisation, StoreError> {
        let q = Query::select()
            .columns(org_columns())
            .from(Organisations::Table)
            .and_where(Expr::col(Organisations::Id).eq(id))
            .cond_where(scope.organisations())
            .to_owned();
        org_from(&self.optional(&q).await?.ok_or(StoreError::NotFound)?)
    }

    /// Regional standards, optionally for one region, by region, kind and month.
    pub async fn standards(&self, region: Option<&str>) -> Result<Vec<Standard>, StoreError> {
        Pooled(self).rows(&standards_q(region), standard_from).await
    }

    /// Whether households, organisations or users refer to an organisation (for safe deletes).
    pub async fn organisation_in_use(&self, id: i64) -> Result<bool, StoreError> {
        use crate::schema::Households;
        let q = Query::select()
            .expr(Expr::val(1))
            .from(Households::Table)
            .cond_where(Expr::col(Households::UnionId).eq(id).or(Expr::col(Households::EmployerId).eq(id)))
            .limit(1)
            .to_owned();
        let child = Query::select()
            .expr(Expr::val(1))
            .from(Organisations::Table)
            .and_where(Expr::col(Organisations::ParentId).eq(id))
            .limit(1)
            .to_owned();
        let user = Query::select()
            .expr(Expr::val(1))
            .from(crate::schema::Users::Table)
            .and_where(Expr::col(crate::schema::Users::OrgId).eq(id))
            .limit(1)
            .to_owned();
        Ok(self.optional(&q).await?.is_some()
            || self.optional(&child).await?.is_some()
            || self.optional(&user).await?.is_some())
    }
}

impl WriteTx {
    /// Inserts a region, or renames it and sets its parent and use (an English name already
    /// stored is kept when `r.name_en` is empty).
    pub async fn upsert_region(&mut self, r: &Region) -> Result<(), StoreError> {
        let en = if r.name_en.is_empty() { r.name.clone() } else { r.name_en.clone() };
        let q = Query::insert()
            .into_table(Regions::Table)
            .columns([Regions::Code, Regions::Name, Regions::NameEn, Regions::ParentCode, Regions::InUse])
            .values_panic([
                r.code.clone().into(),
                r.name.clone().into(),
                en.into(),
                r.parent_code.clone().into(),
                i64::from(r.in_use).into(),
            ])
            .on_conflict(
                sea_query::OnConflict::column(Regions::Code)
                    .update_columns([Regions::Name, Regions::ParentCode, Regions::InUse])
                    .to_owned(),
            )
            .to_owned();
        self.exec(&q).await?;
        if !r.name_en.is_empty() {
            let q = Query::update()
                .table(Regions::Table)
                .value(Regions::NameEn, r.name_en.clone())
                .and_where(Expr::col(Regions::Code).eq(r.code.clone()))
                .to_owned();
            self.exec(&q).await?;
        }
        Ok(())
    }

    /// Makes `root` and what lies under it (from the national list) the regions in use: they
    /// are added or kept, `root`'s line above it is added for lineage (not in use), and every
    /// other region is moved out of use — nothing is deleted, files stay where they are.
    /// Returns the regions now in use; `NotFound` for a code not on the national list.
    pub async fn set_up_root(&mut self, root: &str) -> Result<Vec<String>, StoreError> {
        let all = national_regions();
        let Some(start) = all.iter().find(|r| r.0 == root) else { return Err(StoreError::NotFound) };
        let mut subtree: Vec<(&str, &str, Option<&str>)> = vec![*start];
        let mut i = 0;
        while i < subtree.len() {
            let parent = subtree[i].0;
            subtree.extend(all.iter().filter(|r| r.2 == Some(parent)).copied());
            i += 1;
        }
        let mut line = Vec::new();
        let mut up = start.2;
        while let Some(p) = up {
            let Some(r) = all.iter().find(|r| r.0 == p) else { break };
            line.push(*r);
            up = r.2;
        }
        // The top first: a region's parent is written before it.
        line.reverse();
        self.exec(&Query::update().table(Regions::Table).value(Regions::InUse, 0).to_owned()).await?;
        for (rows, in_use) in [(&line, false), (&subtree, true)] {
            for (code, name, parent) in rows.iter() {
                let r = Region {
                    code: code.to_string(),
                    name: name.to_string(),
                    name_en: String::new(),
                    parent_code: parent.map(str::to_string),
                    in_use,
                };
                self.upsert_region(&r).await?;
            }
        }
        Ok(subtree.iter().map(|r| r.0.to_string()).collect())
    }

    /// Creates an organisation and returns its id.
    pub async fn insert_organisation(&mut self, o: &OrganisationWrite) -> Result<i64, StoreError> {
        let now = crate::now_rfc3339();
        let q = Query::insert()
            .into_table(Organisations::Table)
            .columns([
                Organisations::Name,
                Organisations::Kind,
                Organisations::RegionCode,
                Organisations::ParentId,
                Organisations::Version,
                Organisations::CreatedAt,
                Organisations::UpdatedAt,
            ])
            .values_panic([
                o.name.clone().into(),
                o.kind.code().into(),
                o.region_code.clone().into(),
                o.parent_id.into(),
                1i64.into(),
                now.clone().into(),
                now.into(),
            ])
            .returning_col(Organisations::Id)
            .to_owned();
        self.insert_id(&q).await
    }

    /// Updates an organisation if it still has `version`.
    pub async fn update_organisation(
        &mut self,
        id: i64,
        version: i64,
        o: &OrganisationWrite,
    ) -> Result<(), StoreError> {
        let q = Query::update()
            .table(Organisations::Table)
            .values([
                (Organisations::Name, o.name.clone().into()),
                (Organisations::Kind, o.kind.code().into()),
                (Organisations::RegionCode, o.region_code.clone().into()),
                (Organisations::ParentId, o.parent_id.into()),
                (Organisations::Version, (version + 1).into()),
                (Organisations::UpdatedAt, crate::now_rfc3339().into()),
            ])
            .and_where(Expr::col(Organisations::Id).eq(id))
            .and_where(Expr::col(Organisations::Version).eq(version))
            .to_owned();
        self.expect_one(q.to_owned(), Organisations::Table, Organisations::Id, id).await
    }

    /// Deletes an organisation.
    pub async fn delete_organisation(&mut self, id: i64) -> Result<(), StoreError> {
        let q =
            Query::delete().from_table(Organisations::Table).and_where(Expr::col(Organisations::Id).eq(id)).to_owned();
        match self.exec(&q).await? {
            0 => Err(StoreError::NotFound),
            _ => Ok(()),
        }
    }

    /// Inserts a standard; a second one of the same kind and month for the region is a conflict.
    pub async fn insert_standard(&mut self, s: &Standard) -> Result<(), StoreError> {
        let q = Query::insert()
            .into_table(Standards::Table)
            .columns([Standards::RegionCode, Standards::Kind, Standards::FromMonth, Standards::Amount])
            .values_panic([
                s.region_code.clone().into(),
                s.kind.code().into(),
                s.from.to_key().into(),
                s.amount.fen().into(),
            ])
            .to_owned();
        self.exec(&q).await.map(|_| ())
    }

    /// Deletes a standard.
    pub async fn delete_standard(
        &mut self,
        region: &str,
        kind: StandardKind,
        from: YearMonth,
    ) -> Result<(), StoreError> {
        let q = Query::delete()
            .from_table(Standards::Table)
            .and_where(Expr::col(Standards::RegionCode).eq(region))
            .and_where(Expr::col(Standards::Kind).eq(kind.code()))
            .and_where(Expr::col(Standards::FromMonth).eq(from.to_key()))
            .to_owned();
        match self.exec(&q).await? {
            0 => Err(StoreError::NotFound),
            _ => Ok(()),
        }
    }

    /// Runs a versioned update; no row changed means stale (the row exists) or not found.
    pub(crate) async fn expect_one<T: sea_query::Iden + Copy + 'static, C: sea_query::Iden + Copy + 'static>(
        &mut self,
        q: sea_query::UpdateStatement,
        table: T,
        id_col: C,
        id: i64,
    ) -> Result<(), StoreError> {
        if self.exec(&q).await? == 1 {
            return Ok(());
        }
        let exists = Query::select().expr(Expr::val(1)).from(table).and_where(Expr::col(id_col).eq(id)).to_owned();
        match self.optional(&exists).await? {
            Some(_) => Err(StoreError::Stale),
            None => Err(StoreError::NotFound),
        }
    }
}

/// The statement of [`Store::standards`].
pub(crate) fn standards_q(region: Option<&str>) -> sea_query::SelectStatement {
    let mut q = Query::select();
    q.columns([Standards::RegionCode, Standards::Kind, Standards::FromMonth, Standards::Amount])
        .from(Standards::Table)
        .order_by(Standards::RegionCode, Order::Asc)
        .order_by(Standards::Kind, Order::Asc)
        .order_by(Standards::FromMonth, Order::Asc);
    if let Some(r) = region {
        q.and_where(Expr::col(Standards::RegionCode).eq(r));
    }
    q
}

/// The statement of [`Store::regions`].
pub(crate) fn regions_q() -> sea_query::SelectStatement {
    Query::select()
        .columns([Regions::Code, Regions::Name, Regions::NameEn, Regions::ParentCode, Regions::InUse])
        .from(Regions::Table)
        .and_where(Expr::col(Regions::InUse).eq(1))
        .order_by(Regions::Code, Order::Asc)
        .to_owned()
}

/// The statement of [`Store::organisations`].
pub(crate) fn organisations_q(scope: &Scope, kind: Option<OrgKind>) -> sea_query::SelectStatement {
    let mut q = Query::select();
    q.columns(org_columns())
        .from(Organisations::Table)
        .cond_where(scope.organisations())
        .order_by(Organisations::RegionCode, Order::Asc)
        .order_by(Organisations::Id, Order::Asc);
    if let Some(k) = kind {
        q.and_where(Expr::col(Organisations::Kind).eq(k.code()));
    }
    q
}
