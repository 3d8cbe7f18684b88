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
    /// cutoff, and approved outcomes with an approval date on or before `day`. A reopened
    /// outcome does not count.
    pub async fn region_counts(
        &self,
        scope: &Scope,
        regions: &[String],
        cutoff: NaiveDate,
        day: NaiveDate,
    ) -> Result<BTreeMap<String, RegionCounts>, StoreError> {
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
