//! What a reader may reach. Every query on households and organisations takes a [`Scope`] and
//! adds its condition, so no caller can forget it (the lldap way: the filter travels with the
//! lister, not with the handler).

use crate::schema::{Households, Organisations};
use sea_query::{Cond, Expr, Query};

/// The records a user reaches: a set of regions (a region subtree), optionally narrowed to the
/// households kept by one union and the unions under it (a union subtree), or no households at
/// all. Built only through its constructors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    regions: Option<Vec<String>>,
    /// The user's union first, then every union under it.
    unions: Option<Vec<i64>>,
    households: bool,
}

impl Scope {
    /// Everything: batch jobs, the command line, migrations of data.
    pub fn everything() -> Scope {
        Scope { regions: None, unions: None, households: true }
    }

    /// The records of these regions (a region and everything under it).
    pub fn regions(codes: Vec<String>) -> Scope {
        Scope { regions: Some(codes), unions: None, households: true }
    }

    /// Only the households kept by the unions `unions` (a union first, then those under it), in
    /// the regions `codes`.
    pub fn union_subtree(codes: Vec<String>, unions: Vec<i64>) -> Scope {
        Scope { regions: Some(codes), unions: Some(unions), households: true }
    }

    /// The same scope without any household (roles that read no household file).
    pub fn without_households(mut self) -> Scope {
        self.households = false;
        self
    }

    /// Whether households are reachable at all.
    pub fn reaches_households(&self) -> bool {
        self.households
    }

    /// The regions, if limited.
    pub fn region_codes(&self) -> Option<&[String]> {
        self.regions.as_deref()
    }

    /// The user's own union, if limited to a union subtree.
    pub fn union_id(&self) -> Option<i64> {
        self.unions.as_ref().and_then(|u| u.first().copied())
    }

    /// The unions whose households are reachable (the user's union and those under it), if
    /// limited.
    pub fn union_ids(&self) -> Option<&[i64]> {
        self.unions.as_deref()
    }

    /// Whether a record kept by `union` is reachable as far as unions go (always, when the scope
    /// is not limited to a union subtree).
    pub fn has_union(&self, union: Option<i64>) -> bool {
        self.unions.as_ref().is_none_or(|u| union.is_some_and(|x| u.contains(&x)))
    }

    /// The unions of a union subtree as an SQL list of integers (`3,7,9`), for the statements
    /// that write their conditions as text; `None` when not limited.
    pub(crate) fn union_list(&self) -> Option<String> {
        self.unions.as_ref().map(|u| u.iter().map(i64::to_string).collect::<Vec<_>>().join(","))
    }

    /// Whether a record in `region` is reachable.
    pub fn has_region(&self, region: &str) -> bool {
        self.regions.as_ref().is_none_or(|r| r.iter().any(|c| c == region))
    }

    /// Whether a household in `region` kept by `union_id` is reachable.
    pub fn admits_household(&self, region: &str, union_id: Option<i64>) -> bool {
        self.households && self.has_region(region) && self.has_union(union_id)
    }

    /// The condition on the households table.
    pub(crate) fn households(&self) -> Cond {
        self.rows_of(Households::Table, Households::RegionCode, Households::UnionId)
    }

    /// The same condition on a table that carries its household's region and union (the work
    /// lists' visits and measures, so a list in due order is read from one index).
    pub(crate) fn rows_of<T: sea_query::Iden + Copy + 'static, C: sea_query::Iden + Copy + 'static>(
        &self,
        table: T,
        region: C,
        union: C,
    ) -> Cond {
        let mut c = Cond::all();
        if !self.households {
            return c.add(Expr::cust("1 = 0"));
        }
        if let Some(r) = &self.regions {
            c = c.add(Expr::col((table, region)).is_in(r.clone()));
        }
        if let Some(u) = &self.unions {
            c = c.add(Expr::col((table, union)).is_in(u.clone()));
        }
        c
    }

    /// The condition that household `id` (a column or a value) is reachable; nothing when the
    /// scope is everything, so batch reads pay no subquery.
    pub(crate) fn household_reachable(&self, id: sea_query::SimpleExpr) -> Option<Cond> {
        if *self == Scope::everything() {
            return None;
        }
        let q = Query::select()
            .expr(Expr::val(1))
            .from(Households::Table)
            .and_where(Expr::col((Households::Table, Households::Id)).eq(id))
            .cond_where(self.households())
            .to_owned();
        Some(Cond::all().add(Expr::exists(q)))
    }

    /// The condition on the organisations table.
    pub(crate) fn organisations(&self) -> Cond {
        let mut c = Cond::all();
        if let Some(r) = &self.regions {
            c = c.add(Expr::col((Organisations::Table, Organisations::RegionCode)).is_in(r.clone()));
        }
        c
    }
}
