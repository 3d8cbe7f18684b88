//! Households: the file (档案) of each needy worker household.

use crate::db::{get, get_code, RowGet, Store, WriteTx};
use crate::keys::{self, field};
use crate::read::{Pooled, ReadModel, Source};
use crate::schema::{HouseholdCauses, HouseholdExclusions, Households, Members};
use crate::{Scope, StoreError};
use bangfu_domain::{Cause, Exclusion, HouseholdStatus, WorkCapacity};
use chrono::NaiveDate;
use sea_query::{Cond, Expr, IntoColumnRef, Order, Query, SelectStatement};
use serde::Serialize;
use std::collections::HashMap;

/// A household as stored.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Household {
    /// Id.
    pub id: i64,
    /// File number (档案编号).
    pub file_no: String,
    /// Head of household.
    pub head_name: String,
    /// Head's resident ID, normalised. Masked before it leaves the app layer for most roles.
    pub head_id_number: String,
    /// Phone.
    pub phone: String,
    /// Address.
    pub address: String,
    /// County-level region code.
    pub region_code: String,
    /// The union that keeps the file.
    pub union_id: Option<i64>,
    /// The employer.
    pub employer_id: Option<i64>,
    /// Registration date (建档日期).
    pub registered_on: NaiveDate,
    /// Migrant-worker family (农民工).
    pub migrant_worker: bool,
    /// Hardship causes.
    #[schema(value_type = Vec<String>)]
    pub causes: Vec<Cause>,
    /// Work capacity of the head.
    #[schema(value_type = String)]
    pub work_capacity: WorkCapacity,
    /// Status in the registry.
    #[schema(value_type = String)]
    pub status: HouseholdStatus,
    /// Written by `bangfu demo`: synthetic, not a real family.
    pub synthetic: bool,
    /// The hardship causes are marked resolved (致困因素消除; POLICY §4 rule 3).
    pub causes_resolved: bool,
    /// The children have completed their studies (POLICY §4 rule 2).
    pub children_completed_studies: bool,
    /// Months of de-facto labour relation of a migrant worker (2021 framework, M1); None: not
    /// recorded.
    pub labour_relation_months: Option<i64>,
    /// Exclusion conditions (2021 framework, X1).
    #[schema(value_type = Vec<String>)]
    pub exclusions: Vec<Exclusion>,
    /// Row version for ETag / If-Match.
    pub version: i64,
    /// Created at (RFC 3339).
    pub created_at: String,
    /// Updated at (RFC 3339).
    pub updated_at: String,
}

/// The fields of a household that a user writes (validated by the app layer).
#[derive(Debug, Clone)]
pub struct HouseholdWrite {
    /// File number.
    pub file_no: String,
    /// Head's name.
    pub head_name: String,
    /// Head's resident ID, normalised.
    pub head_id_number: String,
    /// Phone.
    pub phone: String,
    /// Address.
    pub address: String,
    /// Region.
    pub region_code: String,
    /// Union.
    pub union_id: Option<i64>,
    /// Employer.
    pub employer_id: Option<i64>,
    /// Registration date.
    pub registered_on: NaiveDate,
    /// Migrant-worker family.
    pub migrant_worker: bool,
    /// Causes.
    pub causes: Vec<Cause>,
    /// Work capacity.
    pub work_capacity: WorkCapacity,
    /// Status.
    pub status: HouseholdStatus,
    /// Synthetic (demo) data.
    pub synthetic: bool,
    /// Causes resolved.
    pub causes_resolved: bool,
    /// Children completed their studies.
    pub children_completed_studies: bool,
    /// Months of labour relation (migrant workers).
    pub labour_relation_months: Option<i64>,
    /// Exclusion conditions.
    pub exclusions: Vec<Exclusion>,
}

/// Filters of the household list. All optional; they combine with AND.
#[derive(Debug, Clone, Default)]
pub struct HouseholdFilter {
    /// Region codes the household must be in (a city expands to its counties).
    pub regions: Option<Vec<String>>,
    /// Registered on or before this date (stock) …
    pub registered_until: Option<NaiveDate>,
    /// … or after this date (incremental).
    pub registered_after: Option<NaiveDate>,
    /// Status.
    pub status: Option<HouseholdStatus>,
    /// Has this cause.
    pub cause: Option<Cause>,
    /// Migrant-worker families only / none.
    pub migrant_worker: Option<bool>,
    /// Text: a resident ID (head or member), the start of a file number, or the start of the head's name.
    pub text: Option<String>,
    /// Has an approved outcome of this kind (and pathway or reason), approved within the days.
    pub outcome: Option<OutcomeFilter>,
    /// Has a return-to-hardship flag (open, or decided this way), detected within the days.
    pub returned: Option<ReturnFilter>,
    /// Eligible with this primary condition in this evaluation run: (run id, condition).
    pub eligible: Option<(i64, String)>,
    /// Without an approved outcome of these kinds approved on or before the day (in the file on
    /// that day, or not withdrawn by it).
    pub without_outcome: Option<(Vec<String>, NaiveDate)>,
}

/// Households with an approved outcome (the figures of the dashboard and the reports).
#[derive(Debug, Clone, Default)]
pub struct OutcomeFilter {
    /// Any of these kinds: exit, relief, withdrawal.
    pub kinds: Vec<String>,
    /// Pathway (exit) or reason (withdrawal).
    pub why: Option<String>,
    /// Approved on or after.
    pub from: Option<NaiveDate>,
    /// Approved on or before.
    pub until: Option<NaiveDate>,
}

/// Households with a return-to-hardship flag.
#[derive(Debug, Clone, Default)]
pub struct ReturnFilter {
    /// "open", or a decision code (back_in_file, no_return); none: any.
    pub state: Option<String>,
    /// Detected on or after.
    pub from: Option<NaiveDate>,
    /// Detected on or before.
    pub until: Option<NaiveDate>,
}

/// One page of households.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HouseholdPage {
    /// The rows.
    pub items: Vec<Household>,
    /// Matching households, counted up to `count_limit`.
    pub total: u64,
    /// True when `total` reached the limit and there are at least that many.
    pub total_is_lower_bound: bool,
}

/// Counting every match on a national table costs a scan; past this many the list says "10,000+".
pub const COUNT_LIMIT: u64 = 10_000;

pub(crate) const COLUMNS: [Households; 21] = [
    Households::Id,
    Households::FileNo,
    Households::HeadName,
    Households::HeadIdNumber,
    Households::HeadIdIndex,
    Households::Phone,
    Households::Address,
    Households::RegionCode,
    Households::UnionId,
    Households::EmployerId,
    Households::RegisteredOn,
    Households::MigrantWorker,
    Households::WorkCapacity,
    Households::Status,
    Households::Synthetic,
    Households::CausesResolved,
    Households::ChildrenCompletedStudies,
    Households::LabourRelationMonths,
    Households::Version,
    Households::CreatedAt,
    Households::UpdatedAt,
];

pub(crate) fn household_from(row: &dyn RowGet) -> Result<Household, StoreError> {
    let date: String = get(row, "registered_on")?;
    Ok(Household {
        id: get(row, "id")?,
        file_no: get(row, "file_no")?,
        head_name: get(row, "head_name")?,
        head_id_number: keys::open(field::HEAD_ID, &get::<String>(row, "head_id_number")?)?,
        phone: keys::open(field::PHONE, &get::<String>(row, "phone")?)?,
        address: get(row, "address")?,
        region_code: get(row, "region_code")?,
        union_id: get(row, "union_id")?,
        employer_id: get(row, "employer_id")?,
        registered_on: NaiveDate::parse_from_str(&date, "%Y-%m-%d")
            .map_err(|_| StoreError::Corrupt("registered_on"))?,
        migrant_worker: get::<i64>(row, "migrant_worker")? != 0,
        causes: Vec::new(),
        work_capacity: get_code(row, "work_capacity", WorkCapacity::from_code)?,
        status: get_code(row, "status", HouseholdStatus::from_code)?,
        synthetic: get::<i64>(row, "synthetic")? != 0,
        causes_resolved: get::<i64>(row, "causes_resolved")? != 0,
        children_completed_studies: get::<i64>(row, "children_completed_studies")? != 0,
        labour_relation_months: get(row, "labour_relation_months")?,
        exclusions: Vec::new(),
        version: get(row, "version")?,
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
    })
}

/// The filter as a WHERE condition.
fn condition(f: &HouseholdFilter) -> Result<Cond, StoreError> {
    let mut c = Cond::all();
    if let Some(regions) = &f.regions {
        c = c.add(Expr::col((Households::Table, Households::RegionCode)).is_in(regions.clone()));
    }
    if let Some(d) = f.registered_until {
        c = c.add(Expr::col((Households::Table, Households::RegisteredOn)).lte(d.to_string()));
    }
    if let Some(d) = f.registered_after {
        c = c.add(Expr::col((Households::Table, Households::RegisteredOn)).gt(d.to_string()));
    }
    if let Some(s) = f.status {
        c = c.add(Expr::col((Households::Table, Households::Status)).eq(s.code()));
    }
    if let Some(m) = f.migrant_worker {
        c = c.add(Expr::col((Households::Table, Households::MigrantWorker)).eq(i64::from(m)));
    }
    let of_household = |col: sea_query::ColumnRef| Expr::col(col).equals((Households::Table, Households::Id));
    if let Some(o) = &f.outcome {
        use crate::schema::Outcomes;
        let mut q = Query::select();
        q.expr(Expr::val(1))
            .from(Outcomes::Table)
            .and_where(of_household((Outcomes::Table, Outcomes::HouseholdId).into_column_ref()))
            .and_where(Expr::col(Outcomes::Status).eq("approved"))
            .and_where(Expr::col(Outcomes::Kind).is_in(o.kinds.clone()));
        if let Some(w) = &o.why {
            q.and_where(Expr::col(Outcomes::Pathway).eq(w.clone()));
        }
        if let Some(d) = o.from {
            q.and_where(Expr::col(Outcomes::ApprovalDate).gte(d.to_string()));
        }
        if let Some(d) = o.until {
            q.and_where(Expr::col(Outcomes::ApprovalDate).lte(d.to_string()));
        }
        c = c.add(Expr::exists(q));
    }
    if let Some(r) = &f.returned {
        use crate::schema::HardshipReturns as R;
        let mut q = Query::select();
        q.expr(Expr::val(1)).from(R::Table).and_where(of_household((R::Table, R::HouseholdId).into_column_ref()));
        match r.state.as_deref() {
            Some("open") => q.and_where(Expr::col(R::Status).eq("open")),
            Some(decision) => q.and_where(Expr::col(R::Decision).eq(decision)),
            None => &mut q,
        };
        // Detected at is a UTC timestamp: its first ten characters are the day.
        if let Some(d) = r.from {
            q.and_where(Expr::col(R::DetectedAt).gte(d.to_string()));
        }
        if let Some(d) = r.until {
            q.and_where(Expr::col(R::DetectedAt).lt(format!("{d}T99")));
        }
        c = c.add(Expr::exists(q));
    }
    if let Some((kinds, day)) = &f.without_outcome {
        use crate::schema::Outcomes;
        let q = Query::select()
            .expr(Expr::val(1))
            .from(Outcomes::Table)
            .and_where(of_household((Outcomes::Table, Outcomes::HouseholdId).into_column_ref()))
            .and_where(Expr::col(Outcomes::Status).eq("approved"))
            .and_where(Expr::col(Outcomes::Kind).is_in(kinds.clone()))
            .and_where(Expr::col(Outcomes::ApprovalDate).lte(day.to_string()))
            .to_owned();
        c = c.add(Expr::exists(q).not());
    }
    if let Some((run, condition)) = &f.eligible {
        use crate::schema::Determinations as D;
        let q = Query::select()
            .expr(Expr::val(1))
            .from(D::Table)
            .and_where(of_household((D::Table, D::HouseholdId).into_column_ref()))
            .and_where(Expr::col(D::RunId).eq(*run))
            .and_where(Expr::col(D::Eligible).eq(1))
            .and_where(Expr::col(D::PrimaryCondition).eq(condition.clone()))
            .to_owned();
        c = c.add(Expr::exists(q));
    }
    if let Some(text) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let h = Households::Table;
        // Prefixes are ranges, so both backends read them from an index.
        let prefix = |col: Households| {
            Cond::all().add(Expr::col((h, col)).gte(text)).add(Expr::col((h, col)).lt(format!("{text}\u{10FFFF}")))
        };
        // The text's form says what it is. One condition each, not an OR of all three: an OR
        // with a subquery makes PostgreSQL filter the whole table (98 ms at 100,000 households).
        c = c.add(if let Ok(id) = bangfu_domain::IdNumber::parse("q", text) {
            // A resident ID, the head's or a member's: one IN over a union of two look-ups of
            // its blind index.
            let index = keys::blind(id.as_str())?;
            let heads = Query::select()
                .column(Households::Id)
                .from(h)
                .and_where(Expr::col(Households::HeadIdIndex).eq(index))
                .to_owned();
            let holders = Query::select()
                .column(Members::HouseholdId)
                .from(Members::Table)
                .and_where(Expr::col(Members::IdIndex).eq(index))
                .union(sea_query::UnionType::All, heads)
                .to_owned();
            Cond::all().add(Expr::col((h, Households::Id)).in_subquery(holders))
        } else if !is_name_search(text) {
            // A file number or its beginning (`450403-2016` lists that county's 2016 files).
            prefix(Households::FileNo)
        } else {
            prefix(Households::HeadName)
        });
    }
    Ok(c)
}

/// Whether the list's search text is the start of a head's name (not a resident ID or a file
/// number): such a search lists in name order.
fn is_name_search(text: &str) -> bool {
    bangfu_domain::IdNumber::parse("q", text).is_err()
        && !text.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-')
}

/// The list's order: by name for a name search (read in order from its index), else by file number.
fn list_order(q: &mut sea_query::SelectStatement, filter: &HouseholdFilter) {
    if filter.text.as_deref().map(str::trim).is_some_and(|t| !t.is_empty() && is_name_search(t)) {
        q.order_by((Households::Table, Households::HeadName), Order::Asc);
    }
    q.order_by((Households::Table, Households::FileNo), Order::Asc);
}

impl Store {
    /// One page of households matching `filter`, in file-number order (name order for a search
    /// by name).
    pub async fn list_households(
        &self,
        scope: &Scope,
        filter: &HouseholdFilter,
        page: u64,
        per_page: u64,
    ) -> Result<HouseholdPage, StoreError> {
        let mut q = Query::select();
        q.columns(COLUMNS.map(|c| (Households::Table, c)));
        list_order(&mut q, filter);
        q.limit(per_page).offset(page.saturating_sub(1).saturating_mul(per_page));
        filtered(&mut q, scope, filter, CauseAs::Probe)?;
        let mut items = self.all(&q).await?.iter().map(|r| household_from(r)).collect::<Result<Vec<_>, _>>()?;
        self.attach_causes(&mut items).await?;
        // Count at most COUNT_LIMIT + 1 matches: enough to page, cheap on any table size.
        let mut matches = Query::select();
        matches.expr(Expr::val(1));
        filtered(&mut matches, scope, filter, CauseAs::Range)?;
        let n = self.capped_count(matches, COUNT_LIMIT).await?;
        Ok(HouseholdPage { items, total: n.min(COUNT_LIMIT), total_is_lower_bound: n > COUNT_LIMIT })
    }

    /// Up to `limit` households matching `filter`, in file-number order, for an export.
    pub async fn export_households(
        &self,
        scope: &Scope,
        filter: &HouseholdFilter,
        limit: u64,
    ) -> Result<Vec<Household>, StoreError> {
        let mut q = Query::select();
        q.columns(COLUMNS.map(|c| (Households::Table, c)))
            .order_by((Households::Table, Households::FileNo), Order::Asc)
            .limit(limit);
        filtered(&mut q, scope, filter, CauseAs::Probe)?;
        // Decoded on every core: each row's ID and phone are opened (SM4-GCM).
        use rayon::prelude::*;
        let rows = self.all(&q).await?;
        let mut items = rows.par_iter().map(|r| household_from(r)).collect::<Result<Vec<_>, _>>()?;
        // In chunks: SQLite takes at most 32,766 parameters a statement.
        for chunk in items.chunks_mut(1000) {
            self.attach_causes(chunk).await?;
        }
        Ok(items)
    }

    /// Refreshes the planner's statistics of the household tables. SQLite has none until
    /// asked, and without them picks the status index (one value for nearly every row) over the
    /// region index: a filtered list page then takes over a second instead of a few milliseconds.
    pub async fn refresh_statistics(&self) -> Result<(), StoreError> {
        let sql = match self.backend {
            crate::Backend::Sqlite => {
                vec![
                    "PRAGMA analysis_limit=0",
                    "ANALYZE households",
                    "ANALYZE household_causes",
                    "ANALYZE members",
                    "ANALYZE pairings",
                    "ANALYZE plans",
                    "ANALYZE measures",
                    "ANALYZE visits",
                    "ANALYZE outcomes",
                    "ANALYZE hardship_returns",
                ]
            }
            // VACUUM also marks the pages all-visible, so index-only scans (the unpaired queue)
            // are planned as such after a bulk load; autovacuum does the same later anyway.
            crate::Backend::Postgres => vec![
                "VACUUM (ANALYZE) households, household_causes, members, pairings, plans, measures, visits, outcomes, hardship_returns",
            ],
        };
        let mut conn = self.pool.acquire().await?;
        for s in sql {
            sqlx::query(s).execute(&mut *conn).await?;
        }
        Ok(())
    }

    /// The household whose head has this resident ID, if `scope` reaches it.
    pub async fn household_by_head(&self, scope: &Scope, id_number: &str) -> Result<Option<i64>, StoreError> {
        match self.optional(&by_head(scope, id_number)?).await? {
            Some(r) => Ok(Some(get(&r, "id")?)),
            None => Ok(None),
        }
    }

    /// One household, if `scope` reaches it.
    pub async fn household(&self, scope: &Scope, id: i64) -> Result<Household, StoreError> {
        let mut q = by_id(id);
        q.cond_where(scope.households());
        let mut h = vec![household_from(&self.optional(&q).await?.ok_or(StoreError::NotFound)?)?];
        self.attach_causes(&mut h).await?;
        h.pop().ok_or(StoreError::NotFound)
    }

    /// Whether a household with this id exists at all, whoever may see it: only to tell a
    /// denied look from a mistyped id in the audit trail, never to answer a caller.
    pub async fn household_exists(&self, id: i64) -> Result<bool, StoreError> {
        Ok(self.optional(&by_id(id)).await?.is_some())
    }

    async fn attach_causes(&self, items: &mut [Household]) -> Result<(), StoreError> {
        attach_causes_in(&mut Pooled(self), items).await
    }
}

/// Fills in the households' causes and exclusions, two statements for all of them.
async fn attach_causes_in(r: &mut impl Source, items: &mut [Household]) -> Result<(), StoreError> {
    if items.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = items.iter().map(|h| h.id).collect();
    let q = Query::select()
        .columns([HouseholdCauses::HouseholdId, HouseholdCauses::Cause])
        .from(HouseholdCauses::Table)
        .and_where(Expr::col(HouseholdCauses::HouseholdId).is_in(ids.iter().copied()))
        .to_owned();
    let mut by: HashMap<i64, Vec<Cause>> = HashMap::new();
    let causes = r.rows(&q, |row| Ok((get(row, "household_id")?, get_code(row, "cause", Cause::from_code)?))).await?;
    for (id, c) in causes {
        by.entry(id).or_default().push(c);
    }
    let q = Query::select()
        .columns([HouseholdExclusions::HouseholdId, HouseholdExclusions::Code])
        .from(HouseholdExclusions::Table)
        .and_where(Expr::col(HouseholdExclusions::HouseholdId).is_in(ids))
        .to_owned();
    let mut ex: HashMap<i64, Vec<Exclusion>> = HashMap::new();
    let exclusions =
        r.rows(&q, |row| Ok((get(row, "household_id")?, get_code(row, "code", Exclusion::from_code)?))).await?;
    for (id, x) in exclusions {
        ex.entry(id).or_default().push(x);
    }
    for h in items {
        let mut c = by.remove(&h.id).unwrap_or_default();
        c.sort();
        h.causes = c;
        let mut x = ex.remove(&h.id).unwrap_or_default();
        x.sort();
        h.exclusions = x;
    }
    Ok(())
}

/// How a cause filter is applied. Measured on SQLite with 1 M households and planner statistics:
/// a page (first 20 in file-number order) is fastest walking the file-number index and probing
/// each household's causes (0.1 ms; driving from the causes and sorting took 90–210 ms), while a
/// count is fastest driven from the (cause, region) index (12 ms; probing took 230 ms for one
/// cause in one county).
#[derive(Clone, Copy, PartialEq, Eq)]
enum CauseAs {
    Probe,
    Range,
}

/// FROM and WHERE of the household list.
fn filtered(q: &mut SelectStatement, scope: &Scope, f: &HouseholdFilter, cause_as: CauseAs) -> Result<(), StoreError> {
    q.from(Households::Table);
    let c = HouseholdCauses::Table;
    let mut cond = condition(f)?.add(scope.households());
    if let Some(cause) = f.cause {
        let mut on = Cond::all()
            .add(Expr::col((c, HouseholdCauses::HouseholdId)).equals((Households::Table, Households::Id)))
            .add(Expr::col((c, HouseholdCauses::Cause)).eq(cause.code()));
        // The cause rows carry the region, so the count reads only the regions asked and reached.
        for regions in [f.regions.as_deref(), scope.region_codes()].into_iter().flatten() {
            on = on.add(Expr::col((c, HouseholdCauses::RegionCode)).is_in(regions.to_vec()));
        }
        match cause_as {
            CauseAs::Range => {
                q.join(sea_query::JoinType::InnerJoin, c, on);
            }
            CauseAs::Probe => {
                cond = cond.add(Expr::exists(Query::select().expr(Expr::val(1)).from(c).cond_where(on).to_owned()));
            }
        }
    }
    q.cond_where(cond);
    Ok(())
}

fn by_id(id: i64) -> SelectStatement {
    Query::select().columns(COLUMNS).from(Households::Table).and_where(Expr::col(Households::Id).eq(id)).to_owned()
}

impl WriteTx {
    /// The file number, region and union of another household, not withdrawn, that already
    /// holds `id_number` (as head or as member). `except` is the household being written.
    /// The check and the write that follows are serialised per ID ([`WriteTx::serialize_on`]).
    pub async fn id_number_holder(
        &mut self,
        id_number: &str,
        except: Option<i64>,
    ) -> Result<Option<(String, String, Option<i64>)>, StoreError> {
        let index = keys::blind(id_number)?;
        // Serialised on the blind index: the ID itself never goes to the database in clear.
        self.serialize_on(&format!("id:{index}")).await?;
        let active = Expr::col((Households::Table, Households::Status)).ne(HouseholdStatus::Withdrawn.code());
        let other = Expr::col((Households::Table, Households::Id)).ne(except.unwrap_or(-1));
        let as_head = Query::select()
            .column((Households::Table, Households::FileNo))
            .column((Households::Table, Households::RegionCode))
            .column((Households::Table, Households::UnionId))
            .from(Households::Table)
            .and_where(Expr::col((Households::Table, Households::HeadIdIndex)).eq(index))
            .and_where(active.clone())
            .and_where(other.clone())
            .limit(1)
            .to_owned();
        let holder = |row: &sqlx::any::AnyRow| -> Result<_, StoreError> {
            Ok((get(row, "file_no")?, get(row, "region_code")?, get(row, "union_id")?))
        };
        if let Some(row) = self.optional(&as_head).await? {
            return Ok(Some(holder(&row)?));
        }
        let as_member = Query::select()
            .column((Households::Table, Households::FileNo))
            .column((Households::Table, Households::RegionCode))
            .column((Households::Table, Households::UnionId))
            .from(Members::Table)
            .inner_join(
                Households::Table,
                Expr::col((Households::Table, Households::Id)).equals((Members::Table, Members::HouseholdId)),
            )
            .and_where(Expr::col((Members::Table, Members::IdIndex)).eq(index))
            .and_where(active)
            .and_where(other)
            .limit(1)
            .to_owned();
        match self.optional(&as_member).await? {
            Some(row) => Ok(Some(holder(&row)?)),
            None => Ok(None),
        }
    }

    /// The next free file number `{region}-{year}-{seq:06}` for a region and year (serialised
    /// like [`WriteTx::id_number_holder`], or two registrations at once would take the same one).
    pub async fn next_file_no(&mut self, region: &str, year: i32) -> Result<String, StoreError> {
        let prefix = format!("{region}-{year}-");
        self.serialize_on(&format!("file_no:{prefix}")).await?;
        let q = Query::select()
            .expr_as(Expr::col(Households::FileNo).max(), sea_query::Alias::new("m"))
            .from(Households::Table)
            .and_where(Expr::col(Households::FileNo).gte(prefix.clone()))
            .and_where(Expr::col(Households::FileNo).lt(format!("{prefix}\u{10FFFF}")))
            .to_owned();
        let max: Option<String> = match self.optional(&q).await? {
            Some(row) => get(&row, "m")?,
            None => None,
        };
        let next = max.and_then(|m| m[prefix.len()..].parse::<u64>().ok()).unwrap_or(0) + 1;
        Ok(format!("{prefix}{next:06}"))
    }

    /// Makes transactions that check-then-write on `key` run one after the other until commit.
    /// SQLite's `BEGIN IMMEDIATE` already runs one writer at a time; PostgreSQL (read committed)
    /// takes an advisory transaction lock on the key's hash.
    pub(crate) async fn serialize_on(&mut self, key: &str) -> Result<(), StoreError> {
        if self.backend == crate::Backend::Postgres {
            // `SELECT 1 … FROM` the lock: the function returns void, which no driver decodes.
            sqlx::query("SELECT 1 AS locked FROM pg_advisory_xact_lock(hashtextextended($1, 0))")
                .bind(key.to_string())
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }

    /// The household whose head has this resident ID, if `scope` reaches it.
    pub async fn household_by_head(&mut self, scope: &Scope, id_number: &str) -> Result<Option<i64>, StoreError> {
        match self.optional(&by_head(scope, id_number)?).await? {
            Some(r) => Ok(Some(get(&r, "id")?)),
            None => Ok(None),
        }
    }

    /// Opens a household's file for writing, if `scope` reaches it. Every write to the file
    /// and its records takes the [`OpenFile`], so none can skip the scope.
    pub async fn open_file(&mut self, scope: &Scope, id: i64) -> Result<OpenFile, StoreError> {
        let mut q = by_id(id);
        q.cond_where(scope.households());
        let row = self.optional(&q).await?.ok_or(StoreError::NotFound)?;
        Ok(OpenFile { household: household_from(&row)? })
    }

    /// Creates a household with its causes, if it falls in `scope`; returns the id.
    pub async fn insert_household(&mut self, scope: &Scope, h: &HouseholdWrite, by: &str) -> Result<i64, StoreError> {
        if !scope.admits_household(&h.region_code, h.union_id) {
            return Err(StoreError::NotFound);
        }
        let now = crate::now_rfc3339();
        let q = Query::insert()
            .into_table(Households::Table)
            .columns(COLUMNS[1..].iter().copied())
            .values_panic(write_values(h, 1, &now, Some(&now))?)
            .returning_col(Households::Id)
            .to_owned();
        let id = self.insert_id(&q).await?;
        self.tally_created(id);
        let who = Query::update()
            .table(Households::Table)
            .value(Households::RegisteredBy, by)
            .and_where(Expr::col(Households::Id).eq(id))
            .to_owned();
        self.exec(&who).await?;
        self.replace_causes(id, &h.region_code, &h.causes).await?;
        self.replace_exclusions(id, &h.exclusions).await?;
        Ok(id)
    }

    /// Updates a household if it still has `version`; replaces its causes. The household stays in
    /// `scope` (it may not be moved out of the writer's reach).
    pub async fn update_household(
        &mut self,
        scope: &Scope,
        file: &OpenFile,
        version: i64,
        h: &HouseholdWrite,
    ) -> Result<(), StoreError> {
        if !scope.admits_household(&h.region_code, h.union_id) {
            return Err(StoreError::NotFound);
        }
        let id = file.id();
        self.tally_touch(&[id]).await?;
        let now = crate::now_rfc3339();
        let cols = COLUMNS[1..COLUMNS.len() - 2].iter().copied().chain([Households::UpdatedAt]);
        let vals = write_values(h, version + 1, &now, None)?;
        let q = Query::update()
            .table(Households::Table)
            .values(cols.zip(vals))
            .and_where(Expr::col(Households::Id).eq(id))
            .and_where(Expr::col(Households::Version).eq(version))
            .to_owned();
        self.expect_one(q, Households::Table, Households::Id, id).await?;
        self.rescope_casework(id, &h.region_code, h.union_id).await?;
        self.replace_causes(id, &h.region_code, &h.causes).await?;
        self.replace_exclusions(id, &h.exclusions).await
    }

    /// Moves a household's version on, for changes to what its file holds (members, months …).
    /// With `expected`, only from that version: otherwise [`StoreError::Stale`].
    pub async fn touch_household(&mut self, file: &OpenFile, expected: Option<i64>) -> Result<(), StoreError> {
        let id = file.id();
        let mut q = Query::update();
        q.table(Households::Table)
            .value(Households::Version, Expr::col(Households::Version).add(1))
            .value(Households::UpdatedAt, crate::now_rfc3339())
            .and_where(Expr::col(Households::Id).eq(id));
        if let Some(v) = expected {
            q.and_where(Expr::col(Households::Version).eq(v));
        }
        self.expect_one(q, Households::Table, Households::Id, id).await
    }

    /// Deletes a household and everything under it.
    pub async fn delete_household(&mut self, file: OpenFile, version: i64) -> Result<(), StoreError> {
        let id = file.id();
        self.tally_touch(&[id]).await?;
        let q = Query::delete()
            .from_table(Households::Table)
            .and_where(Expr::col(Households::Id).eq(id))
            .and_where(Expr::col(Households::Version).eq(version))
            .to_owned();
        if self.exec(&q).await? == 1 {
            return Ok(());
        }
        Err(StoreError::Stale)
    }

    async fn replace_exclusions(&mut self, id: i64, exclusions: &[Exclusion]) -> Result<(), StoreError> {
        let del = Query::delete()
            .from_table(HouseholdExclusions::Table)
            .and_where(Expr::col(HouseholdExclusions::HouseholdId).eq(id))
            .to_owned();
        self.exec(&del).await?;
        let mut codes: Vec<Exclusion> = exclusions.to_vec();
        codes.sort();
        codes.dedup();
        if codes.is_empty() {
            return Ok(());
        }
        let mut ins = Query::insert();
        ins.into_table(HouseholdExclusions::Table)
            .columns([HouseholdExclusions::HouseholdId, HouseholdExclusions::Code]);
        for c in codes {
            ins.values_panic([id.into(), c.code().into()]);
        }
        self.exec(&ins).await.map(|_| ())
    }

    async fn replace_causes(&mut self, id: i64, region: &str, causes: &[Cause]) -> Result<(), StoreError> {
        let del = Query::delete()
            .from_table(HouseholdCauses::Table)
            .and_where(Expr::col(HouseholdCauses::HouseholdId).eq(id))
            .to_owned();
        self.exec(&del).await?;
        if causes.is_empty() {
            return Ok(());
        }
        let mut ins = Query::insert();
        ins.into_table(HouseholdCauses::Table).columns([
            HouseholdCauses::HouseholdId,
            HouseholdCauses::Cause,
            HouseholdCauses::RegionCode,
        ]);
        for c in causes {
            ins.values_panic([id.into(), c.code().into(), region.into()]);
        }
        self.exec(&ins).await.map(|_| ())
    }
}

/// A household's file opened for writing in a transaction, by [`WriteTx::open_file`].
#[derive(Debug)]
pub struct OpenFile {
    household: Household,
}

impl OpenFile {
    /// The household's id.
    pub fn id(&self) -> i64 {
        self.household.id
    }

    /// The household as it stood when the file was opened (causes not loaded).
    pub fn household(&self) -> &Household {
        &self.household
    }
}

/// Values in `COLUMNS[1..]` order; `created` is None for an update (which sets version and
/// updated_at in place of the two timestamps).
pub(crate) fn write_values(
    h: &HouseholdWrite,
    version: i64,
    now: &str,
    created: Option<&str>,
) -> Result<Vec<sea_query::SimpleExpr>, StoreError> {
    let mut v: Vec<sea_query::SimpleExpr> = vec![
        h.file_no.clone().into(),
        h.head_name.clone().into(),
        keys::seal(field::HEAD_ID, &h.head_id_number)?.into(),
        keys::blind(&h.head_id_number)?.into(),
        keys::seal(field::PHONE, &h.phone)?.into(),
        h.address.clone().into(),
        h.region_code.clone().into(),
        h.union_id.into(),
        h.employer_id.into(),
        h.registered_on.to_string().into(),
        i64::from(h.migrant_worker).into(),
        h.work_capacity.code().into(),
        h.status.code().into(),
        i64::from(h.synthetic).into(),
        i64::from(h.causes_resolved).into(),
        i64::from(h.children_completed_studies).into(),
        h.labour_relation_months.into(),
        version.into(),
    ];
    match created {
        Some(c) => {
            v.push(c.to_string().into());
            v.push(now.to_string().into());
        }
        None => v.push(now.to_string().into()),
    }
    Ok(v)
}

/// The id of the household headed by `id_number` in `scope` (the newest, if several).
fn by_head(scope: &Scope, id_number: &str) -> Result<SelectStatement, StoreError> {
    Ok(Query::select()
        .column((Households::Table, Households::Id))
        .from(Households::Table)
        .and_where(Expr::col((Households::Table, Households::HeadIdIndex)).eq(keys::blind(id_number)?))
        .cond_where(scope.households())
        .order_by((Households::Table, Households::Id), Order::Desc)
        .limit(1)
        .to_owned())
}

/// Everything of one household's that its page shows, read as one (issue 21): its row, its
/// members, its latest 24 months of records, its region's standards, enrolments, assistance and
/// major events, and its case work — pairings, outcomes, plans, measures, visits and returns to
/// hardship — in one read transaction, each table read once ([`Store::household_records`]).
#[derive(Debug, Clone)]
pub struct HouseholdRecords {
    /// The household (personal data as stored).
    pub household: Household,
    /// Its members.
    pub members: Vec<crate::Member>,
    /// The latest month with a record, if any.
    pub last_month: Option<bangfu_domain::YearMonth>,
    /// The records of the 24 months that end with the latest, by month.
    pub months: Vec<crate::MonthlyRecord>,
    /// The standards of its region.
    pub standards: Vec<crate::Standard>,
    /// Its enrolments.
    pub enrolments: Vec<crate::Enrolment>,
    /// Its union assistance.
    pub union_assistance: Vec<crate::UnionAssistance>,
    /// Its major events.
    pub major_events: Vec<crate::MajorEventRecord>,
    /// Its pairings.
    pub pairings: Vec<crate::Pairing>,
    /// Its outcomes.
    pub outcomes: Vec<crate::Outcome>,
    /// Its plans.
    pub plans: Vec<crate::Plan>,
    /// Its measures.
    pub measures: Vec<crate::Measure>,
    /// Its visits.
    pub visits: Vec<crate::Visit>,
    /// Its returns to hardship.
    pub returns: Vec<crate::HardshipReturn>,
    /// Verification requests about it (newest first, at most 2,000).
    pub verifications: Vec<crate::exchange::Verification>,
    /// For the names the page shows: the regions in use, the organisations `scope` reaches, and
    /// the departments a request can be addressed to.
    pub regions: Vec<crate::Region>,
    /// See `regions`.
    pub organisations: Vec<crate::Organisation>,
    /// See `regions`.
    pub departments: Vec<crate::Organisation>,
}

struct RecordsOf {
    scope: Scope,
    id: i64,
}

impl ReadModel for RecordsOf {
    type Out = HouseholdRecords;

    async fn read<S: Source + Send>(self, r: &mut S) -> Result<HouseholdRecords, StoreError> {
        let (scope, id) = (&self.scope, self.id);
        let mut q = by_id(id);
        q.cond_where(scope.households());
        let mut household = r.rows(&q, household_from).await?;
        attach_causes_in(r, &mut household).await?;
        let household = household.pop().ok_or(StoreError::NotFound)?;
        // The latest 24 records: the window of the file ends with the latest recorded month.
        let latest = crate::records::latest_months_q(scope, id, 24);
        let mut months = r.rows(&latest, crate::records::monthly_from).await?;
        months.reverse();
        let last_month = months.last().map(|m| m.month);
        if let Some(last) = last_month {
            months.retain(|m| m.month >= last.plus(-23));
        }
        use crate::casework::{household_measures_q, household_plans_q, household_returns_q, household_visits_q};
        Ok(HouseholdRecords {
            members: crate::records::members_in(r, scope, id).await?,
            standards: r
                .rows(&crate::registry::standards_q(Some(&household.region_code)), crate::registry::standard_from)
                .await?,
            enrolments: crate::records::enrolments_in(r, scope, id).await?,
            union_assistance: crate::records::assistance_in(r, scope, id).await?,
            major_events: crate::records::events_in(r, scope, id).await?,
            pairings: r.rows(&crate::pairings::household_pairings_q(scope, id), crate::pairings::pairing_from).await?,
            outcomes: r.rows(&crate::outcomes::household_outcomes_q(scope, id), crate::outcomes::outcome_from).await?,
            plans: r.rows(&household_plans_q(scope, id), crate::casework::plan_from).await?,
            measures: r.rows(&household_measures_q(scope, id), crate::casework::measure_from).await?,
            visits: r.rows(&household_visits_q(scope, id), crate::casework::visit_from).await?,
            returns: r.rows(&household_returns_q(scope, id), crate::casework::return_from).await?,
            verifications: {
                let q = crate::exchange::household_verifications_q(scope, id);
                let list = r.rows(&q, crate::exchange::verification_from).await?;
                crate::exchange::with_answers(r, list, None).await?
            },
            regions: r.rows(&crate::registry::regions_q(), crate::registry::region_from).await?,
            organisations: r.rows(&crate::registry::organisations_q(scope, None), crate::registry::org_from).await?,
            departments: r
                .rows(
                    &crate::registry::organisations_q(&Scope::everything(), Some(bangfu_domain::OrgKind::Department)),
                    crate::registry::org_from,
                )
                .await?,
            household,
            last_month,
            months,
        })
    }
}

impl Store {
    /// One household's records for its page, in one read transaction ([`HouseholdRecords`]);
    /// NotFound if `scope` does not reach it.
    pub async fn household_records(&self, scope: &Scope, id: i64) -> Result<HouseholdRecords, StoreError> {
        self.read_model(RecordsOf { scope: scope.clone(), id }).await
    }
}
