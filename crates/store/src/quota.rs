//! Campaigns (POLICY §5) and the counts their quotas are computed from: stock and incremental
//! households per region, and approved exits, reliefs and withdrawals counted on a day.

use crate::db::{get, Store, WriteTx};
use crate::schema::{CampaignRegions, CampaignTargets, CampaignYears, Campaigns};
use crate::{Scope, StoreError, TallyAsk};
use bangfu_domain::quota::CampaignRule;
use chrono::NaiveDate;
use sea_query::{Expr, Order, Query};
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
    /// Targets set as numbers of households (cumulative, per region and year) rather than as
    /// shares of the stock.
    pub absolute: bool,
    /// The cumulative targets of an absolute campaign: (region, year, households).
    pub targets: Vec<(String, i32, i64)>,
    /// Who created it (`None`: a preset).
    pub created_by: Option<String>,
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
    /// Stock households: registered on or before the cutoff, less those whose outcome was
    /// approved before the campaign's first year.
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
                Campaigns::TargetKind,
                Campaigns::CreatedBy,
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
            let targets = Query::select()
                .columns([CampaignTargets::RegionCode, CampaignTargets::Year, CampaignTargets::Households])
                .from(CampaignTargets::Table)
                .and_where(Expr::col(CampaignTargets::CampaignId).eq(id))
                .order_by(CampaignTargets::RegionCode, Order::Asc)
                .order_by(CampaignTargets::Year, Order::Asc)
                .to_owned();
            let mut read = Vec::new();
            for x in self.all(&targets).await? {
                read.push((
                    get::<String>(&x, "region_code")?,
                    get::<i64>(&x, "year")? as i32,
                    get::<i64>(&x, "households")?,
                ));
            }
            let targets = read;
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
                absolute: get::<String>(&r, "target_kind")? == "absolute",
                targets,
                created_by: get(&r, "created_by")?,
            });
        }
        Ok(out)
    }

    /// Per region of `regions` that `scope` reaches: stock and incremental households of
    /// `campaign` (registered on or before its cutoff, or after), and approved outcomes with an
    /// approval date on or before each of `days`. A reopened outcome does not count. Read from
    /// the kept counts (see [`crate::tallies`]).
    pub async fn region_counts(
        &self,
        scope: &Scope,
        regions: &[String],
        campaign: &Campaign,
        days: &[NaiveDate],
    ) -> Result<BTreeMap<NaiveDate, BTreeMap<String, RegionCounts>>, StoreError> {
        // A campaign counts from 1 January of its first year: outcomes approved before it do
        // not count as achieved, and the stock households they closed are no longer its stock
        // (a campaign set up in 2026 starts from the households still in difficulty then).
        let start = campaign.years.first().and_then(|(y, _)| NaiveDate::from_ymd_opt(*y, 1, 1));
        let ask = |metric, stock_of, from, to| TallyAsk {
            metric,
            stock_of,
            from,
            to,
            regions: Some(regions),
            by_month: false,
        };
        let mut out: BTreeMap<String, RegionCounts> = BTreeMap::new();
        for r in self.tally(scope, ask("registered", 0, None, campaign.stock_cutoff)).await? {
            out.entry(r.region_code).or_default().stock += r.n;
        }
        for r in self.tally(scope, ask("registered", 0, None, END_OF_TIME)).await? {
            let e = out.entry(r.region_code).or_default();
            e.incremental += r.n - e.stock;
        }
        if let Some(before) = start.and_then(|d| d.pred_opt()) {
            for r in self.tally(scope, ask("outcome", campaign.id, None, before)).await? {
                out.entry(r.region_code).or_default().stock -= r.n;
            }
        }
        let mut by_day = BTreeMap::new();
        for day in days {
            let mut counts = out.clone();
            let stock = self.tally(scope, ask("outcome", campaign.id, start, *day)).await?;
            for r in &stock {
                *counts.entry(r.region_code.clone()).or_default().approved.entry((true, r.k.clone())).or_default() +=
                    r.n;
            }
            for r in self.tally(scope, ask("outcome", 0, start, *day)).await? {
                *counts.entry(r.region_code.clone()).or_default().approved.entry((false, r.k.clone())).or_default() +=
                    r.n;
            }
            for r in stock {
                if let Some(n) = counts.get_mut(&r.region_code).and_then(|c| c.approved.get_mut(&(false, r.k))) {
                    *n -= r.n;
                }
            }
            by_day.insert(*day, counts);
        }
        Ok(by_day)
    }
}

/// A day after every day the registry holds (the upper end of "ever").
pub const END_OF_TIME: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

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
                Campaigns::TargetKind,
                Campaigns::CreatedBy,
            ])
            .values_panic([
                c.code.clone().into(),
                c.name.clone().into(),
                c.name_en.clone().into(),
                c.stock_cutoff.to_string().into(),
                i64::from(c.withdrawn_leave_denominator).into(),
                crate::now_rfc3339().into(),
                if c.absolute { "absolute" } else { "share" }.into(),
                c.created_by.clone().into(),
            ])
            .returning_col(Campaigns::Id)
            .to_owned();
        let id = self.insert_id(&q).await?;
        self.insert_rows(
            CampaignYears::Table,
            [CampaignYears::CampaignId, CampaignYears::Year, CampaignYears::ShareBp],
            c.years
                .iter()
                .map(|(y, bp)| vec![id.into(), i64::from(*y).into(), (*bp).into()])
                .collect::<Vec<Vec<sea_query::SimpleExpr>>>(),
        )
        .await?;
        self.insert_rows(
            CampaignRegions::Table,
            [CampaignRegions::CampaignId, CampaignRegions::RegionCode],
            c.regions.iter().map(|r| vec![id.into(), r.clone().into()]).collect::<Vec<Vec<sea_query::SimpleExpr>>>(),
        )
        .await?;
        self.replace_campaign_targets(id, &c.targets).await?;
        // Its stock pool is counted from now on (a rare act: the whole count is rebuilt).
        self.rebuild_tallies().await?;
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
    /// The latest finished whole-registry evaluation run for the month of `day` or one before
    /// it: its id and month (YYYYMM).
    pub async fn latest_full_run(&self, day: NaiveDate) -> Result<Option<(i64, i64)>, StoreError> {
        use crate::schema::EvaluationRuns;
        let month = bangfu_domain::YearMonth::of_date(day).to_key();
        let run = Query::select()
            .columns([EvaluationRuns::Id, EvaluationRuns::AsOf])
            .from(EvaluationRuns::Table)
            .and_where(Expr::col(EvaluationRuns::Status).eq("done"))
            .and_where(Expr::col(EvaluationRuns::RegionCode).is_null())
            .and_where(Expr::col(EvaluationRuns::AsOf).lte(month))
            .order_by(EvaluationRuns::AsOf, Order::Desc)
            .order_by(EvaluationRuns::Id, Order::Desc)
            .limit(1)
            .to_owned();
        match self.optional(&run).await? {
            Some(r) => Ok(Some((get(&r, "id")?, get(&r, "as_of")?))),
            None => Ok(None),
        }
    }

    /// The standard statistical table per region that `scope` reaches (optionally only
    /// `regions`) on `day`, with `cutoff` dividing stock from incremental households.
    pub async fn statistics(
        &self,
        scope: &Scope,
        regions: Option<&[String]>,
        day: NaiveDate,
        cutoff: NaiveDate,
    ) -> Result<BTreeMap<String, StatRow>, StoreError> {
        let ask = |metric, from, to| TallyAsk { metric, stock_of: 0, from, to, regions, by_month: false };
        let mut out: BTreeMap<String, StatRow> = BTreeMap::new();
        for r in self.tally(scope, ask("registered", None, day)).await? {
            let e = out.entry(r.region_code).or_default();
            e.registered += r.n;
            e.incremental += r.n;
        }
        for r in self.tally(scope, ask("registered", None, day.min(cutoff))).await? {
            let e = out.entry(r.region_code).or_default();
            e.stock += r.n;
            e.incremental -= r.n;
        }
        // Approved outcomes by kind and pathway or reason.
        for r in self.tally(scope, ask("outcome", None, day)).await? {
            let e = out.entry(r.region_code).or_default();
            match r.k.as_str() {
                "exit" => *e.exited.entry(r.k2).or_default() += r.n,
                "relief" => e.relieved += r.n,
                _ => *e.withdrawn.entry(r.k2).or_default() += r.n,
            }
        }
        // Eligibility from the latest whole-registry run for a month up to the day's.
        if let Some((run, _)) = self.latest_full_run(day).await? {
            for r in self.run_tally(scope, run, regions).await? {
                *out.entry(r.region_code).or_default().eligible.entry(r.k).or_default() += r.n;
            }
        }
        // Pairings active on the day: started on or before it, less those ended on or before it.
        for r in self.tally(scope, ask("pair_start", None, day)).await? {
            out.entry(r.region_code).or_default().paired += r.n;
        }
        for r in self.tally(scope, ask("pair_end", None, day)).await? {
            out.entry(r.region_code).or_default().paired -= r.n;
        }
        // Union assistance from 1 January.
        let jan1 = NaiveDate::from_ymd_opt(chrono::Datelike::year(&day), 1, 1);
        for r in self.tally(scope, ask("assisted", jan1, day)).await? {
            out.entry(r.region_code).or_default().assisted += r.n;
        }
        for r in self.tally(scope, ask("assistance", jan1, day)).await? {
            out.entry(r.region_code).or_default().assistance_fen += r.amount;
        }
        for e in out.values_mut() {
            let gone = e.exited.values().sum::<i64>() + e.relieved + e.withdrawn.values().sum::<i64>();
            e.in_difficulty = e.registered - gone;
        }
        Ok(out)
    }
}

impl WriteTx {
    /// Replaces the cumulative targets of campaign `id` (an absolute campaign's grid).
    pub async fn replace_campaign_targets(
        &mut self,
        id: i64,
        targets: &[(String, i32, i64)],
    ) -> Result<(), StoreError> {
        let q = Query::delete()
            .from_table(CampaignTargets::Table)
            .and_where(Expr::col(CampaignTargets::CampaignId).eq(id))
            .to_owned();
        self.exec(&q).await?;
        self.insert_rows(
            CampaignTargets::Table,
            [
                CampaignTargets::CampaignId,
                CampaignTargets::RegionCode,
                CampaignTargets::Year,
                CampaignTargets::Households,
            ],
            targets
                .iter()
                .map(|(r, y, n)| vec![id.into(), r.clone().into(), i64::from(*y).into(), (*n).into()])
                .collect::<Vec<Vec<sea_query::SimpleExpr>>>(),
        )
        .await
    }
}
