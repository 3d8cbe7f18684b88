//! Quotas and progress (POLICY §5): per region and year of a campaign, the stock, the cumulative
//! target, what was achieved (approved exits and reliefs of stock households, counted on their
//! approval date), the shortfall and whether the region is on track; the incremental pool beside
//! it. Scope applies: a county sees its region, the city every region and the total.

use crate::auth::Principal;
use crate::{App, AppError};
use bangfu_domain::quota::{year_progress, CampaignRule, YearProgress};
use bangfu_domain::{parse_date, Permission};
use bangfu_store::{Campaign, RegionCounts};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;

/// One year of a region's progress (see `bangfu_domain::quota::YearProgress`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct YearRow {
    /// The year.
    pub year: i32,
    /// The day counted: 31 December, or the as-of day if earlier.
    pub counted_on: String,
    /// Stock households counted (withdrawn ones left out if the campaign says so).
    pub stock: i64,
    /// Cumulative share through the year, basis points (30 % = 3000).
    pub cumulative_bp: i64,
    /// Cumulative target, `ceil(share × stock)`.
    pub target: i64,
    /// Stock households exited or relieved, approved on or before the day counted.
    pub achieved: i64,
    /// Target − achieved, at least 0.
    pub shortfall: i64,
    /// The target pro rata to the as-of day within the year.
    pub due_so_far: i64,
    /// Achieved ≥ due so far.
    pub on_track: bool,
}

impl YearRow {
    fn of(p: YearProgress, counted_on: NaiveDate) -> Self {
        YearRow {
            year: p.year,
            counted_on: counted_on.to_string(),
            stock: p.stock,
            cumulative_bp: p.cumulative_bp,
            target: p.target,
            achieved: p.achieved,
            shortfall: p.shortfall,
            due_so_far: p.due_so_far,
            on_track: p.on_track,
        }
    }
}

/// The incremental pool of a region on the as-of day (no target: the plan leaves it to a later
/// programme).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct IncrementalRow {
    /// Households registered after the cutoff.
    pub households: i64,
    /// Of them exited (approved on or before the as-of day).
    pub exited: i64,
    /// Of them relieved.
    pub relieved: i64,
    /// Of them withdrawn.
    pub withdrawn: i64,
}

/// A region's progress.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RegionProgress {
    /// Region code ("total" for the sum of the regions shown).
    pub region_code: String,
    /// Its name.
    pub name: String,
    /// Stock households registered on or before the cutoff (before any withdrawal).
    pub stock_registered: i64,
    /// Stock households withdrawn on or before the as-of day.
    pub stock_withdrawn: i64,
    /// Every year of the campaign.
    pub years: Vec<YearRow>,
    /// The incremental pool.
    pub incremental: IncrementalRow,
}

/// A campaign's progress seen on a day.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CampaignProgress {
    /// The campaign.
    pub campaign: Campaign,
    /// The day looked from.
    pub as_of: String,
    /// Per region in scope.
    pub regions: Vec<RegionProgress>,
    /// The regions shown together (targets computed on their summed stock, so rounding happens
    /// once).
    pub total: RegionProgress,
}

fn approved(c: &RegionCounts, stock: bool, kind: &str) -> i64 {
    c.approved.get(&(stock, kind.to_string())).copied().unwrap_or(0)
}

fn progress_of(
    rule: &CampaignRule,
    (code, name): (String, String),
    by_day: &BTreeMap<NaiveDate, RegionCounts>,
    as_of: NaiveDate,
) -> RegionProgress {
    let now = by_day.get(&as_of).cloned().unwrap_or_default();
    let years = rule
        .years
        .iter()
        .map(|(y, _)| {
            let day = CampaignRule::counted_day(*y, as_of);
            let c = by_day.get(&day).cloned().unwrap_or_default();
            let withdrawn = if rule.withdrawn_leave_denominator { approved(&c, true, "withdrawal") } else { 0 };
            let achieved = approved(&c, true, "exit") + approved(&c, true, "relief");
            YearRow::of(year_progress(rule, *y, now.stock - withdrawn, achieved, as_of), day)
        })
        .collect();
    RegionProgress {
        region_code: code,
        name,
        stock_registered: now.stock,
        stock_withdrawn: approved(&now, true, "withdrawal"),
        years,
        incremental: IncrementalRow {
            households: now.incremental,
            exited: approved(&now, false, "exit"),
            relieved: approved(&now, false, "relief"),
            withdrawn: approved(&now, false, "withdrawal"),
        },
    }
}

/// The day asked for (`as_of`, YYYY-MM-DD), or today when none is given.
pub(crate) fn as_of_or_today(as_of: Option<&str>) -> Result<NaiveDate, AppError> {
    match as_of.map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => parse_date("as_of", d).map_err(AppError::invalid),
        None => Ok(crate::clock::today()),
    }
}

impl App {
    /// Every campaign.
    pub async fn campaigns(&self, who: &Principal) -> Result<Vec<Campaign>, AppError> {
        self.permit(who, Permission::ReadHouseholds, "campaign", None).await?;
        Ok(self.store.campaigns().await?)
    }

    /// Campaign `id`'s progress on `as_of` (default today) in `who`'s scope.
    pub async fn campaign_progress(
        &self,
        who: &Principal,
        id: i64,
        as_of: Option<&str>,
    ) -> Result<CampaignProgress, AppError> {
        self.permit(who, Permission::ReadHouseholds, "campaign", Some(id)).await?;
        let as_of = as_of_or_today(as_of)?;
        let campaign = self.store.campaigns().await?.into_iter().find(|c| c.id == id).ok_or(AppError::NotFound)?;
        let rule = campaign.rule();
        let regions: Vec<String> = campaign.regions.iter().filter(|r| who.scope.has_region(r)).cloned().collect();
        let mut days: Vec<NaiveDate> = rule.years.iter().map(|(y, _)| CampaignRule::counted_day(*y, as_of)).collect();
        days.push(as_of);
        days.sort();
        days.dedup();
        // region → day → counts
        let mut counts: BTreeMap<String, BTreeMap<NaiveDate, RegionCounts>> = BTreeMap::new();
        let mut total: BTreeMap<NaiveDate, RegionCounts> = BTreeMap::new();
        for (day, by_region) in self.store.region_counts(&who.scope, &regions, &campaign, &days).await? {
            for (region, c) in by_region {
                let t = total.entry(day).or_default();
                t.stock += c.stock;
                t.incremental += c.incremental;
                for (k, n) in &c.approved {
                    *t.approved.entry(k.clone()).or_default() += n;
                }
                counts.entry(region).or_default().insert(day, c);
            }
        }
        let names = self.store.regions().await?;
        let name =
            |code: &str| names.iter().find(|r| r.code == code).map_or_else(|| code.to_string(), |r| r.name.clone());
        let empty = BTreeMap::new();
        let rows = regions
            .iter()
            .map(|r| progress_of(&rule, (r.clone(), name(r)), counts.get(r).unwrap_or(&empty), as_of))
            .collect();
        let total = progress_of(&rule, ("total".into(), "合计".into()), &total, as_of);
        Ok(CampaignProgress { campaign, as_of: as_of.to_string(), regions: rows, total })
    }
}

/// The standard statistical tables (issue 6): per region in scope, on a day.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StatisticsReport {
    /// The day (YYYY-MM-DD).
    pub as_of: String,
    /// The stock cutoff used to divide stock from incremental households.
    pub stock_cutoff: String,
    /// What the figures cover (the region asked for, or the user's scope).
    pub scope: String,
    /// Per region: code, name and figures.
    pub regions: Vec<(String, String, bangfu_store::StatRow)>,
    /// All regions shown.
    pub total: bangfu_store::StatRow,
}

impl App {
    /// The statistical tables on `as_of` (default today), for `region` and what lies under it
    /// or the whole of `who`'s scope; stock and incremental divided by the first campaign's
    /// cutoff (the policy's if there is none).
    pub async fn statistics(
        &self,
        who: &Principal,
        as_of: Option<&str>,
        region: Option<&str>,
    ) -> Result<StatisticsReport, AppError> {
        self.permit(who, Permission::ReadHouseholds, "report", None).await?;
        let day = as_of_or_today(as_of)?;
        let names = self.store.regions().await?;
        let regions = match region.map(str::trim).filter(|r| !r.is_empty()) {
            Some(r) => {
                let codes = self.store.region_and_children(r).await?;
                if codes.is_empty() || !who.scope.has_region(r) {
                    return Err(AppError::invalid(bangfu_domain::FieldError::new(
                        "region",
                        bangfu_domain::Code::UnknownRegion,
                    )));
                }
                Some(codes)
            }
            None => None,
        };
        let cutoff = match self.store.campaigns().await?.first() {
            Some(c) => c.stock_cutoff,
            None => self.stock_cutoff,
        };
        let rows = self.store.statistics(&who.scope, regions.as_deref(), day, cutoff).await?;
        let name =
            |code: &str| names.iter().find(|r| r.code == code).map_or_else(|| code.to_string(), |r| r.name.clone());
        let mut total = bangfu_store::StatRow::default();
        let regions_out = rows
            .into_iter()
            .map(|(code, row)| {
                total.add(&row);
                let n = name(&code);
                (code, n, row)
            })
            .collect();
        let scope = match region.map(str::trim).filter(|r| !r.is_empty()) {
            Some(r) => name(r),
            None => match who.scope.region_codes() {
                Some(codes) if codes.len() == 1 => name(&codes[0]),
                Some(codes) => codes.first().map(|c| name(c)).unwrap_or_default(),
                None => "全部".to_string(),
            },
        };
        Ok(StatisticsReport {
            as_of: day.to_string(),
            stock_cutoff: cutoff.to_string(),
            scope,
            regions: regions_out,
            total,
        })
    }
}

/// A figure: a code (status, pathway, cause, condition …) and how many households.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Figure {
    /// The code.
    pub code: String,
    /// Households.
    pub n: i64,
}

/// One month's figures, by code.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct MonthFigures {
    /// The month, YYYY-MM.
    pub month: String,
    /// The first and last day counted (the as-of day cuts the last month short).
    pub from: String,
    /// Last day counted.
    pub until: String,
    /// Households by code.
    pub figures: Vec<Figure>,
}

/// The dashboard's figures besides the campaign's progress, in the user's scope on a day.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DashboardFigures {
    /// The day (YYYY-MM-DD).
    pub as_of: String,
    /// Registered households by status on the day: in_file, exited, relieved, withdrawn.
    pub by_status: Vec<Figure>,
    /// Approved exits on or before the day, by pathway.
    pub exits_by_pathway: Vec<Figure>,
    /// Households registered on or before the day, by hardship cause (a household with two
    /// causes counts under each).
    pub by_cause: Vec<Figure>,
    /// The evaluation run the conditions come from: its id and month (YYYY-MM).
    pub run: Option<(i64, String)>,
    /// Eligible households by primary condition (C1…C4; C5 is never primary) in that run.
    pub by_condition: Vec<Figure>,
    /// Approved exits and reliefs per month of the as-of day's year, up to the day.
    pub monthly: Vec<MonthFigures>,
    /// Return-to-hardship flags per month of detection in the year, by state: open,
    /// back_in_file, no_return.
    pub returns: Vec<MonthFigures>,
}

fn figures(pairs: impl IntoIterator<Item = (String, i64)>, order: &[&str]) -> Vec<Figure> {
    let mut sums: BTreeMap<String, i64> = BTreeMap::new();
    for (k, n) in pairs {
        *sums.entry(k).or_default() += n;
    }
    let mut out: Vec<Figure> =
        order.iter().map(|c| Figure { code: c.to_string(), n: sums.remove(*c).unwrap_or(0) }).collect();
    out.extend(sums.into_iter().filter(|(_, n)| *n != 0).map(|(code, n)| Figure { code, n }));
    out
}

impl App {
    /// The dashboard's figures on `as_of` (default today) in `who`'s scope.
    pub async fn dashboard_figures(&self, who: &Principal, as_of: Option<&str>) -> Result<DashboardFigures, AppError> {
        use bangfu_domain::{Cause, ExitPathway, HouseholdStatus};
        use bangfu_store::TallyAsk;
        use chrono::Datelike;
        self.permit(who, Permission::ReadHouseholds, "report", None).await?;
        let day = as_of_or_today(as_of)?;
        let s = &self.store;
        let scope = &who.scope;
        let ask = |metric, from, by_month| TallyAsk { metric, stock_of: 0, from, to: day, regions: None, by_month };
        let registered: i64 = s.tally(scope, ask("registered", None, false)).await?.iter().map(|r| r.n).sum();
        let outcomes = s.tally(scope, ask("outcome", None, false)).await?;
        let kind = |k: &str| outcomes.iter().filter(|r| r.k == k).map(|r| r.n).sum::<i64>();
        let (exited, relieved, withdrawn) = (kind("exit"), kind("relief"), kind("withdrawal"));
        let by_status = vec![
            Figure { code: HouseholdStatus::InFile.code().into(), n: registered - exited - relieved - withdrawn },
            Figure { code: HouseholdStatus::Exited.code().into(), n: exited },
            Figure { code: HouseholdStatus::Relieved.code().into(), n: relieved },
            Figure { code: HouseholdStatus::Withdrawn.code().into(), n: withdrawn },
        ];
        let pathways: Vec<&str> = ExitPathway::ALL.iter().map(|p| p.code()).collect();
        let exits_by_pathway =
            figures(outcomes.iter().filter(|r| r.k == "exit").map(|r| (r.k2.clone(), r.n)), &pathways);
        let causes: Vec<&str> = Cause::ALL.iter().map(|c| c.code()).collect();
        let by_cause =
            figures(s.tally(scope, ask("cause", None, false)).await?.into_iter().map(|r| (r.k, r.n)), &causes);
        let (run, by_condition) = match s.latest_full_run(day).await? {
            Some((id, month)) => {
                let rows = s.run_tally(scope, id, None).await?;
                let month = bangfu_domain::YearMonth::from_key(month).map(|m| m.to_string()).unwrap_or_default();
                // The conditions of the frameworks the run applied: C1–C4 under the 2018 plan,
                // D1, R1, A1 under the 2021 framework (both when regions differ).
                let plan = rows.iter().any(|r| r.k.starts_with('C'));
                let national = rows.iter().any(|r| ["D1", "R1", "A1"].contains(&r.k.as_str()));
                let mut order: Vec<&str> = Vec::new();
                if plan || !national {
                    order.extend(["C1", "C2", "C3", "C4"]);
                }
                if national {
                    order.extend(["D1", "R1", "A1"]);
                }
                (Some((id, month)), figures(rows.into_iter().map(|r| (r.k, r.n)), &order))
            }
            None => (None, Vec::new()),
        };
        let jan1 = chrono::NaiveDate::from_ymd_opt(day.year(), 1, 1);
        let months =
            |rows: Vec<bangfu_store::TallyRow>, key: fn(&bangfu_store::TallyRow) -> Option<String>, order: &[&str]| {
                (1..=day.month())
                    .filter_map(|m| {
                        let first = chrono::NaiveDate::from_ymd_opt(day.year(), m, 1)?;
                        let last = if m == day.month() {
                            day
                        } else {
                            chrono::NaiveDate::from_ymd_opt(day.year(), m + 1, 1)?.pred_opt()?
                        };
                        let month = format!("{:04}-{:02}", day.year(), m);
                        let pairs = rows
                            .iter()
                            .filter(|r| r.month.as_deref() == Some(month.as_str()))
                            .filter_map(|r| key(r).map(|k| (k, r.n)));
                        let figures = figures(pairs, order);
                        Some(MonthFigures { month, from: first.to_string(), until: last.to_string(), figures })
                    })
                    .collect::<Vec<_>>()
            };
        let monthly = months(
            s.tally(scope, ask("outcome", jan1, true)).await?,
            |r| (r.k != "withdrawal").then(|| r.k.clone()),
            &["exit", "relief"],
        );
        let returns = months(
            s.tally(scope, ask("return", jan1, true)).await?,
            |r| Some(if r.k == "open" { "open".to_string() } else { r.k2.clone() }),
            &["open", "back_in_file", "no_return"],
        );
        Ok(DashboardFigures {
            as_of: day.to_string(),
            by_status,
            exits_by_pathway,
            by_cause,
            run,
            by_condition,
            monthly,
            returns,
        })
    }
}
