//! Campaigns (POLICY §5) and the counts their quotas are computed from: stock and incremental
//! households per region, and approved exits, reliefs and withdrawals counted on a day.

use crate::db::{get, Store, WriteTx};
use crate::schema::{CampaignRegions, CampaignYears, Campaigns, Households, Outcomes};
use crate::{Scope, StoreError};
use bangfu_domain::quota::CampaignRule;
use chrono::NaiveDate;
use sea_query::{Alias, Expr, Order, Query};
use serde::Serialize;
use std::collections::BTreeMap;

/// A campaign.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Campaign {
    /// Id.
    pub id: i64,
    /// Stable code.
    pub code: String,
    /// Name (Chinese).
    pub name: String,
    /// Name (English).
    pub name_en: String,
    /// Households registered on or before this day (YYYY-MM-DD) form the stock.
    #[schema(value_type = String)]
    pub stock_cutoff: NaiveDate,
    /// Years and their shares of the stock, basis points (30 % = 3000).
    pub years: Vec<(i32, i64)>,
    /// Whether withdrawn households leave the stock the targets are computed on.
    pub withdrawn_leave_denominator: bool,
    /// The regions it covers.
    pub regions: Vec<String>,
}

impl Campaign {
    /// Its arithmetic.
    pub fn rule(&self) -> CampaignRule {
        CampaignRule {
            stock_cutoff: self.stock_cutoff,
            years: self.years.clone(),
            withdrawn_leave_denominator: self.withdrawn_leave_denominator,
        }
    }
}

/// What a region counts on a day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegionCounts {
    /// Stock households (registered on or before the cutoff).
    pub stock: i64,
    /// Incremental households (registered after it).
    pub incremental: i64,
    /// Approved outcomes on or before the day, by pool (true: stock) and kind (exit, relief,
    /// withdrawal): households.
    pub approved: BTreeMap<(bool, String), i64>,
}

impl Store {
    /// Every campaign, oldest first.
    pub async fn campaigns(&self) -> Result<Vec<Campaign>, StoreError> {
        let q = Query::select()
            .columns([
                Campaigns::Id,
                Campaigns::Code,
                Campaigns::Name,
                Campaigns::NameEn,
                Campaigns::StockCutoff,
                Campaigns::WithdrawnLeaveDenominator,
            ])
            .from(Campaigns::Table)
            .order_by(Campaigns::Id, Order::Asc)
            .to_owned();
        let mut out = Vec::new();
        for r in self.all(&q).await? {
            let id: i64 = get(&r, "id")?;
            let cutoff: String = get(&r, "stock_cutoff")?;
            let years = Query::select()
                .columns([CampaignYears::Year, CampaignYears::ShareBp])
                .from(CampaignYears::Table)
                .and_where(Expr::col(CampaignYears::CampaignId).eq(id))
                .order_by(CampaignYears::Year, Order::Asc)
                .to_owned();
            let years = self
                .all(&years)
                .await?
                .iter()
                .map(|y| Ok((get::<i64>(y, "year")? as i32, get(y, "share_bp")?)))
                .collect::<Result<Vec<_>, StoreError>>()?;
            let regions = Query::select()
                .column(CampaignRegions::RegionCode)
                .from(CampaignRegions::Table)
                .and_where(Expr::col(CampaignRegions::CampaignId).eq(id))
                .order_by(CampaignRegions::RegionCode, Order::Asc)
                .to_owned();
            let regions =
                self.all(&regions).await?.iter().map(|x| get(x, "region_code")).collect::<Result<Vec<_>, _>>()?;
            out.push(Campaign {
                id,
                code: get(&r, "code")?,
                name: get(&r, "name")?,
                name_en: get(&r, "name_en")?,
                stock_cutoff: NaiveDate::parse_from_str(&cutoff, "%Y-%m-%d")
                    .map_err(|_| StoreError::Corrupt("stock_cutoff"))?,
                years,
                withdrawn_leave_denominator: get::<i64>(&r, "withdrawn_leave_denominator")? != 0,
                regions,
            });
        }
        Ok(out)
    }

    /// Per region of `regions` that `scope` reaches: stock and incremental households for the
    /// cutoff, and approved outcomes with an approval date on or before each of `days` (the
    /// households are counted once, the outcomes per day). A reopened outcome does not count.
    pub async fn region_counts(
        &self,
        scope: &Scope,
        regions: &[String],
        cutoff: NaiveDate,
        days: &[NaiveDate],
    ) -> Result<BTreeMap<NaiveDate, BTreeMap<String, RegionCounts>>, StoreError> {
        let h = Households::Table;
        let cutoff = cutoff.to_string();
        let case: sea_query::SimpleExpr =
            Expr::case(Expr::col((h, Households::RegisteredOn)).lte(cutoff.clone()), 1i64).finally(0i64).into();
        let stock = Expr::expr(case).cast_as(Alias::new("BIGINT"));
        let q = Query::select()
            .column((h, Households::RegionCode))
            .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
            .expr_as(stock.clone(), Alias::new("stock"))
            .from(h)
            .cond_where(scope.households())
            .and_where(Expr::col((h, Households::RegionCode)).is_in(regions.to_vec()))
            .group_by_col((h, Households::RegionCode))
            .group_by_col(Alias::new("stock"))
            .to_owned();
        let mut out: BTreeMap<String, RegionCounts> = BTreeMap::new();
        for r in self.all(&q).await? {
            let e = out.entry(get(&r, "region_code")?).or_default();
            let n: i64 = get(&r, "n")?;
            if get::<i64>(&r, "stock")? == 1 {
                e.stock += n;
            } else {
                e.incremental += n;
            }
        }
        let mut by_day = BTreeMap::new();
        for day in days {
            by_day.insert(*day, self.approvals(scope, regions, stock.clone(), *day, out.clone()).await?);
        }
        Ok(by_day)
    }

    async fn approvals(
        &self,
        scope: &Scope,
        regions: &[String],
        stock: sea_query::SimpleExpr,
        day: NaiveDate,
        mut out: BTreeMap<String, RegionCounts>,
    ) -> Result<BTreeMap<String, RegionCounts>, StoreError> {
        let h = Households::Table;
        let o = Outcomes::Table;
        let q = Query::select()
            .column((h, Households::RegionCode))
            .column((o, Outcomes::Kind))
            .expr_as(stock, Alias::new("stock"))
            .expr_as(Expr::cust("COUNT(DISTINCT outcomes.household_id)"), Alias::new("n"))
            .from(o)
            .inner_join(h, Expr::col((h, Households::Id)).equals((o, Outcomes::HouseholdId)))
            .cond_where(scope.households())
            .and_where(Expr::col((h, Households::RegionCode)).is_in(regions.to_vec()))
            .and_where(Expr::col((o, Outcomes::Status)).eq("approved"))
            .and_where(Expr::col((o, Outcomes::ApprovalDate)).lte(day.to_string()))
            .group_by_col((h, Households::RegionCode))
            .group_by_col((o, Outcomes::Kind))
            .group_by_col(Alias::new("stock"))
            .to_owned();
        for r in self.all(&q).await? {
            let e = out.entry(get(&r, "region_code")?).or_default();
            e.approved.insert((get::<i64>(&r, "stock")? == 1, get(&r, "kind")?), get(&r, "n")?);
        }
        Ok(out)
    }
}

impl WriteTx {
    /// Adds a campaign; returns its id.
    pub async fn insert_campaign(&mut self, c: &Campaign) -> Result<i64, StoreError> {
        let q = Query::insert()
            .into_table(Campaigns::Table)
            .columns([
                Campaigns::Code,
                Campaigns::Name,
                Campaigns::NameEn,
                Campaigns::StockCutoff,
                Campaigns::WithdrawnLeaveDenominator,
                Campaigns::CreatedAt,
            ])
            .values_panic([
                c.code.clone().into(),
                c.name.clone().into(),
                c.name_en.clone().into(),
                c.stock_cutoff.to_string().into(),
                i64::from(c.withdrawn_leave_denominator).into(),
                crate::now_rfc3339().into(),
            ])
            .returning_col(Campaigns::Id)
            .to_owned();
        let id = self.insert_id(&q).await?;
        self.insert_rows(
            CampaignYears::Table,
            [CampaignYears::CampaignId, CampaignYears::Year, CampaignYears::ShareBp],
            c.years.iter().map(|(y, bp)| vec![id.into(), i64::from(*y).into(), (*bp).into()]),
        )
        .await?;
        self.insert_rows(
            CampaignRegions::Table,
            [CampaignRegions::CampaignId, CampaignRegions::RegionCode],
            c.regions.iter().map(|r| vec![id.into(), r.clone().into()]),
        )
        .await?;
        Ok(id)
    }
}

/// One region's statistical table on a day (the standard report's row).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StatRow {
    /// Households registered on or before the day.
    pub registered: i64,
    /// Of them stock (registered on or before the cutoff).
    pub stock: i64,
    /// Of them incremental.
    pub incremental: i64,
    /// Eligible households by primary condition (C1…C5) in the latest whole-registry
    /// evaluation run for a month up to the day's.
    pub eligible: BTreeMap<String, i64>,
    /// Approved exits on or before the day, by pathway.
    pub exited: BTreeMap<String, i64>,
    /// Approved reliefs on or before the day.
    pub relieved: i64,
    /// Approved withdrawals on or before the day, by reason.
    pub withdrawn: BTreeMap<String, i64>,
    /// Registered − exited − relieved − withdrawn.
    pub in_difficulty: i64,
    /// Households with a pairing active on the day.
    pub paired: i64,
    /// Households given union assistance from 1 January to the day.
    pub assisted: i64,
    /// Union assistance given from 1 January to the day, fen.
    pub assistance_fen: i64,
}

impl StatRow {
    /// Adds another row (for totals).
    pub fn add(&mut self, o: &StatRow) {
        self.registered += o.registered;
        self.stock += o.stock;
        self.incremental += o.incremental;
        for (map, other) in
            [(&mut self.eligible, &o.eligible), (&mut self.exited, &o.exited), (&mut self.withdrawn, &o.withdrawn)]
        {
            for (k, n) in other {
                *map.entry(k.clone()).or_default() += n;
            }
        }
        self.relieved += o.relieved;
        self.in_difficulty += o.in_difficulty;
        self.paired += o.paired;
        self.assisted += o.assisted;
        self.assistance_fen += o.assistance_fen;
    }
}

impl Store {
    /// The standard statistical table per region that `scope` reaches (optionally only
    /// `regions`) on `day`, with `cutoff` dividing stock from incremental households.
    pub async fn statistics(
        &self,
        scope: &Scope,
        regions: Option<&[String]>,
        day: NaiveDate,
        cutoff: NaiveDate,
    ) -> Result<BTreeMap<String, StatRow>, StoreError> {
        use crate::schema::{Determinations, EvaluationRuns, Pairings, UnionAssistance};
        let h = Households::Table;
        let d = day.to_string();
        let within = |q: &mut sea_query::SelectStatement| {
            q.cond_where(scope.households()).and_where(Expr::col((h, Households::RegisteredOn)).lte(d.clone()));
            if let Some(r) = regions {
                q.and_where(Expr::col((h, Households::RegionCode)).is_in(r.to_vec()));
            }
        };
        let mut out: BTreeMap<String, StatRow> = BTreeMap::new();
        let case: sea_query::SimpleExpr =
            Expr::case(Expr::col((h, Households::RegisteredOn)).lte(cutoff.to_string()), 1i64).finally(0i64).into();
        let mut q = Query::select();
        q.column((h, Households::RegionCode))
            .expr_as(Expr::expr(case).cast_as(Alias::new("BIGINT")), Alias::new("stock"))
            .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
            .from(h)
            .group_by_col((h, Households::RegionCode))
            .group_by_col(Alias::new("stock"));
        within(&mut q);
        for r in self.all(&q).await? {
            let e = out.entry(get(&r, "region_code")?).or_default();
            let n: i64 = get(&r, "n")?;
            e.registered += n;
            if get::<i64>(&r, "stock")? == 1 {
                e.stock += n;
            } else {
                e.incremental += n;
            }
        }
        // Approved outcomes by kind and pathway or reason.
        let o = Outcomes::Table;
        let mut q = Query::select();
        q.column((h, Households::RegionCode))
            .column((o, Outcomes::Kind))
            .expr_as(Expr::cust("COALESCE(outcomes.pathway, '')"), Alias::new("why"))
            .expr_as(Expr::cust("COUNT(DISTINCT outcomes.household_id)"), Alias::new("n"))
            .from(o)
            .inner_join(h, Expr::col((h, Households::Id)).equals((o, Outcomes::HouseholdId)))
            .and_where(Expr::col((o, Outcomes::Status)).eq("approved"))
            .and_where(Expr::col((o, Outcomes::ApprovalDate)).lte(d.clone()))
            .group_by_col((h, Households::RegionCode))
            .group_by_col((o, Outcomes::Kind))
            .group_by_col(Alias::new("why"));
        within(&mut q);
        for r in self.all(&q).await? {
            let e = out.entry(get(&r, "region_code")?).or_default();
            let (kind, why, n): (String, String, i64) = (get(&r, "kind")?, get(&r, "why")?, get(&r, "n")?);
            match kind.as_str() {
                "exit" => *e.exited.entry(why).or_default() += n,
                "relief" => e.relieved += n,
                _ => *e.withdrawn.entry(why).or_default() += n,
            }
        }
        // Eligibility from the latest whole-registry run for a month up to the day's.
        let month = bangfu_domain::YearMonth::of_date(day).to_key();
        let run = Query::select()
            .column(EvaluationRuns::Id)
            .from(EvaluationRuns::Table)
            .and_where(Expr::col(EvaluationRuns::Status).eq("done"))
            .and_where(Expr::col(EvaluationRuns::RegionCode).is_null())
            .and_where(Expr::col(EvaluationRuns::AsOf).lte(month))
            .order_by(EvaluationRuns::AsOf, Order::Desc)
            .order_by(EvaluationRuns::Id, Order::Desc)
            .limit(1)
            .to_owned();
        if let Some(run) = self.optional(&run).await? {
            let run: i64 = get(&run, "id")?;
            let t = Determinations::Table;
            let mut q = Query::select();
            q.column((h, Households::RegionCode))
                .expr_as(Expr::cust("COALESCE(determinations.primary_condition, '')"), Alias::new("why"))
                .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
                .from(t)
                .inner_join(h, Expr::col((h, Households::Id)).equals((t, Determinations::HouseholdId)))
                .and_where(Expr::col((t, Determinations::RunId)).eq(run))
                .and_where(Expr::col((t, Determinations::Eligible)).eq(1))
                .group_by_col((h, Households::RegionCode))
                .group_by_col(Alias::new("why"));
            within(&mut q);
            for r in self.all(&q).await? {
                let e = out.entry(get(&r, "region_code")?).or_default();
                e.eligible.insert(get(&r, "why")?, get(&r, "n")?);
            }
        }
        // Pairings active on the day.
        let p = Pairings::Table;
        let mut q = Query::select();
        q.column((h, Households::RegionCode))
            .expr_as(Expr::cust("COUNT(DISTINCT pairings.household_id)"), Alias::new("n"))
            .from(p)
            .inner_join(h, Expr::col((h, Households::Id)).equals((p, Pairings::HouseholdId)))
            .and_where(Expr::col((p, Pairings::StartedOn)).lte(d.clone()))
            .cond_where(
                sea_query::Cond::any()
                    .add(Expr::col((p, Pairings::EndedOn)).is_null())
                    .add(Expr::col((p, Pairings::EndedOn)).gt(d.clone())),
            )
            .group_by_col((h, Households::RegionCode));
        within(&mut q);
        for r in self.all(&q).await? {
            out.entry(get(&r, "region_code")?).or_default().paired = get(&r, "n")?;
        }
        // Union assistance from 1 January.
        let a = UnionAssistance::Table;
        let jan1 = NaiveDate::from_ymd_opt(chrono::Datelike::year(&day), 1, 1).unwrap_or(day).to_string();
        let mut q = Query::select();
        q.column((h, Households::RegionCode))
            .expr_as(Expr::cust("COUNT(DISTINCT union_assistance.household_id)"), Alias::new("n"))
            .expr_as(Expr::cust("CAST(COALESCE(SUM(union_assistance.amount), 0) AS BIGINT)"), Alias::new("fen"))
            .from(a)
            .inner_join(h, Expr::col((h, Households::Id)).equals((a, UnionAssistance::HouseholdId)))
            .and_where(Expr::col((a, UnionAssistance::Date)).gte(jan1))
            .and_where(Expr::col((a, UnionAssistance::Date)).lte(d.clone()))
            .group_by_col((h, Households::RegionCode));
        within(&mut q);
        for r in self.all(&q).await? {
            let e = out.entry(get(&r, "region_code")?).or_default();
            e.assisted = get(&r, "n")?;
            e.assistance_fen = get(&r, "fen")?;
        }
        for e in out.values_mut() {
            let gone = e.exited.values().sum::<i64>() + e.relieved + e.withdrawn.values().sum::<i64>();
            e.in_difficulty = e.registered - gone;
        }
        Ok(out)
    }
}
