//! Quotas and progress (POLICY §5): per region and year of a campaign, the stock, the cumulative
//! target, what was achieved (approved exits and reliefs of stock households, counted on their
//! approval date), the shortfall and whether the region is on track; the incremental pool beside
//! it. Scope applies: a county sees its region, the city every region and the total.

use crate::auth::Principal;
use crate::{App, AppError};
use bangfu_domain::quota::{year_progress, year_progress_absolute, CampaignRule, YearProgress};
use bangfu_domain::{parse_date, Permission, TargetKind};
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

/// A region's progress; `absolute` its cumulative targets by year when the campaign sets
/// numbers of households rather than shares.
fn progress_of(
    rule: &CampaignRule,
    absolute: Option<&[(i32, i64)]>,
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
            let stock = now.stock - withdrawn;
            let p = match absolute {
                Some(t) => year_progress_absolute(t, *y, stock, achieved, as_of),
                None => year_progress(rule, *y, stock, achieved, as_of),
            };
            YearRow::of(p, day)
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

/// Campaigns in force in `year` first, newest first; then the others by their last year,
/// latest first.
fn order_campaigns(list: &mut [Campaign], year: i32) {
    list.sort_by_key(|c| {
        let in_force = c.years.iter().any(|y| y.0 == year);
        (!in_force, std::cmp::Reverse(c.years.last().map_or(0, |y| y.0)), std::cmp::Reverse(c.id))
    });
}

/// The day asked for (`as_of`, YYYY-MM-DD), or today when none is given.
pub(crate) fn as_of_or_today(as_of: Option<&str>) -> Result<NaiveDate, AppError> {
    match as_of.map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => parse_date("as_of", d).map_err(AppError::invalid),
        None => Ok(crate::clock::today()),
    }
}

impl App {
    /// Every campaign, in the order the dashboard offers them: those in force today (today's
    /// year among their years) first, newest first; then the others by their last year, latest
    /// first (in 2026 a campaign for 2026 before the 2017–2020 preset).
    pub async fn campaigns(&self, who: &Principal) -> Result<Vec<Campaign>, AppError> {
        self.permit(who, Permission::ReadHouseholds, "campaign", None).await?;
        let mut list = self.store.campaigns().await?;
        order_campaigns(&mut list, chrono::Datelike::year(&crate::clock::today()));
        Ok(list)
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
        // An absolute campaign's targets per region; the total's are their sums.
        let targets_of =
            |r: &str| -> Vec<(i32, i64)> { campaign.targets.iter().filter(|t| t.0 == r).map(|t| (t.1, t.2)).collect() };
        let mut sums: BTreeMap<i32, i64> = BTreeMap::new();
        for r in &regions {
            for (y, _) in &rule.years {
                let through = targets_of(r).iter().filter(|(x, _)| x <= y).max_by_key(|(x, _)| *x).map_or(0, |t| t.1);
                *sums.entry(*y).or_default() += through;
            }
        }
        let sums: Vec<(i32, i64)> = sums.into_iter().collect();
        let rows = regions
            .iter()
            .map(|r| {
                let t = targets_of(r);
                let absolute = campaign.absolute.then_some(t.as_slice());
                progress_of(&rule, absolute, (r.clone(), name(r)), counts.get(r).unwrap_or(&empty), as_of)
            })
            .collect();
        let absolute = campaign.absolute.then_some(sums.as_slice());
        let total = progress_of(&rule, absolute, ("total".into(), "合计".into()), &total, as_of);
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

/// A campaign as city staff set it up (工作方案): its years, the stock cutoff, the regions, and
/// the targets — cumulative shares of the stock per year, or numbers of households per region
/// and year set afterwards on the targets grid ([`App::set_campaign_targets`]).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct CampaignInput {
    /// Name (Chinese).
    pub name: String,
    /// Name (English); the Chinese one when empty.
    #[serde(default)]
    pub name_en: String,
    /// First year.
    pub first_year: i64,
    /// Last year (at most ten years in all).
    pub last_year: i64,
    /// Households registered on or before this day (YYYY-MM-DD) form the stock.
    pub stock_cutoff: String,
    /// `share` (cumulative shares of the stock) or `absolute` (numbers of households).
    pub target_kind: String,
    /// For `share`: the cumulative percent through each year, one per year (30, 55, 80, 100).
    #[serde(default)]
    pub cumulative_percent: Vec<i64>,
    /// The regions (counties) it covers, in the caller's reach.
    pub regions: Vec<String>,
    /// Whether withdrawn households leave the stock the targets are computed on.
    #[serde(default)]
    pub withdrawn_leave_denominator: bool,
}

/// One cell of an absolute campaign's targets: a region's cumulative households through a year.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct TargetInput {
    /// Region code (one of the campaign's).
    pub region_code: String,
    /// Year (one of the campaign's).
    pub year: i64,
    /// Households exited or relieved by the end of that year, cumulative.
    pub households: i64,
}

/// Largest number of households a target may name.
const MAX_TARGET: i64 = 10_000_000;

impl App {
    /// Creates a campaign (city staff, regions in their reach); audited. An absolute campaign
    /// starts with every target at 0, set on its grid.
    pub async fn create_campaign(&self, who: &Principal, input: &CampaignInput) -> Result<Campaign, AppError> {
        use bangfu_domain::{Code, FieldError};
        self.permit(who, Permission::SetPolicy, "campaign", None).await?;
        let mut e = crate::input::Errors::default();
        let name = e.take(crate::input::required_text("name", &input.name, 100));
        let name_en = if input.name_en.trim().is_empty() {
            name.clone()
        } else {
            e.take(crate::input::required_text("name_en", &input.name_en, 200))
        };
        let first_ok = (2000..=2100).contains(&input.first_year);
        if !first_ok {
            e.push(FieldError::new("first_year", Code::OutOfRange).with("min", 2000).with("max", 2100));
        }
        let (lo, hi) = (input.first_year, input.first_year.saturating_add(9).min(2100));
        if first_ok && !(lo..=hi).contains(&input.last_year) {
            e.push(FieldError::new("last_year", Code::OutOfRange).with("min", lo).with("max", hi));
        }
        let cutoff = e.take(parse_date("stock_cutoff", input.stock_cutoff.trim()));
        let absolute =
            e.take(TargetKind::parse("target_kind", input.target_kind.trim())).map(|k| k == TargetKind::Absolute);
        // Any numbers at all may come in: no arithmetic that can overflow.
        let n_years = input.last_year.saturating_sub(input.first_year).saturating_add(1).clamp(0, 10) as usize;
        let mut years = Vec::new();
        if absolute == Some(false) && first_ok {
            let p = &input.cumulative_percent;
            if p.len() != n_years || p.iter().any(|x| !(0..=100).contains(x)) {
                e.push(FieldError::new("cumulative_percent", Code::SharesPerYear).with("years", n_years));
            } else if p.windows(2).any(|w| w[1] < w[0]) {
                e.push(FieldError::new("cumulative_percent", Code::NotIncreasing));
            } else {
                let mut before = 0;
                for (i, x) in p.iter().enumerate() {
                    years.push(((input.first_year + i as i64) as i32, (x - before) * 100));
                    before = *x;
                }
            }
        } else if first_ok {
            years = (0..n_years).map(|i| ((input.first_year + i as i64) as i32, 0)).collect();
        }
        let mut regions: Vec<String> = Vec::new();
        for r in &input.regions {
            let r = r.trim().to_string();
            let known = match self.store.region(&r).await {
                Ok(x) => x.in_use && who.scope.has_region(&r),
                Err(bangfu_store::StoreError::NotFound) => false,
                Err(other) => return Err(other.into()),
            };
            if !known {
                e.push(FieldError::new("regions", Code::UnknownRegion));
            } else if !regions.contains(&r) {
                regions.push(r);
            }
        }
        if input.regions.is_empty() {
            e.push(FieldError::new("regions", Code::Required));
        }
        let v = (|| Some((name?, name_en?, cutoff?, absolute?)))();
        let (name, name_en, stock_cutoff, absolute) = e.finish(v).map_err(AppError::Invalid)?;
        let year = stock_cutoff.format("%Y").to_string();
        let existing = self.store.campaigns().await?;
        let code = format!("{}-{year}-{}", who.region_code.as_deref().unwrap_or("all"), existing.len() + 1);
        let c = Campaign {
            id: 0,
            code,
            name,
            name_en,
            stock_cutoff,
            years,
            withdrawn_leave_denominator: input.withdrawn_leave_denominator,
            regions: regions.clone(),
            absolute,
            targets: Vec::new(),
            created_by: Some(who.name.clone()),
        };
        let mut tx = self.store.begin().await?;
        let id = tx.insert_campaign(&c).await?;
        let mut a = who.audit("create", "campaign", Some(id), who.region_code.as_deref());
        a.detail =
            serde_json::json!({ "new": { "name": c.name, "years": c.years, "stock_cutoff": c.stock_cutoff.to_string(),
            "target_kind": if absolute { TargetKind::Absolute } else { TargetKind::Share }.code(), "regions": regions,
            "withdrawn_leave_denominator": c.withdrawn_leave_denominator } })
            .to_string();
        tx.append_audit(&a).await?;
        tx.commit().await?;
        self.store.campaigns().await?.into_iter().find(|c| c.id == id).ok_or(AppError::NotFound)
    }

    /// Sets an absolute campaign's cumulative targets for the regions in the caller's reach
    /// (the others' stay as they are); each region's targets may not fall from year to year.
    pub async fn set_campaign_targets(
        &self,
        who: &Principal,
        id: i64,
        input: &[TargetInput],
    ) -> Result<Campaign, AppError> {
        use bangfu_domain::{Code, FieldError};
        self.permit(who, Permission::SetPolicy, "campaign", Some(id)).await?;
        let c = self.store.campaigns().await?.into_iter().find(|c| c.id == id).ok_or(AppError::NotFound)?;
        if !c.regions.iter().any(|r| who.scope.has_region(r)) {
            return Err(AppError::NotFound);
        }
        if !c.absolute {
            return Err(AppError::invalid(
                FieldError::new("target_kind", Code::UnknownCode).with("allowed", "absolute"),
            ));
        }
        let mut e = crate::input::Errors::default();
        let mut mine: BTreeMap<(String, i32), i64> = BTreeMap::new();
        for (i, t) in input.iter().enumerate() {
            let at = |f: &str| format!("targets[{i}].{f}");
            let region_ok = c.regions.contains(&t.region_code) && who.scope.has_region(&t.region_code);
            let year_ok = c.years.iter().any(|y| i64::from(y.0) == t.year);
            if !region_ok {
                e.push(FieldError::new(at("region_code"), Code::UnknownRegion));
            }
            if !year_ok {
                e.push(FieldError::new(at("year"), Code::YearOutOfRange));
            }
            if !(0..=MAX_TARGET).contains(&t.households) {
                e.push(FieldError::new(at("households"), Code::OutOfRange).with("min", 0).with("max", MAX_TARGET));
            }
            if region_ok && year_ok && mine.insert((t.region_code.clone(), t.year as i32), t.households).is_some() {
                e.push(FieldError::new(at("year"), Code::Duplicate));
            }
        }
        // A region's cumulative targets may not fall: the first cell that does is named.
        for r in c.regions.iter().filter(|r| who.scope.has_region(r)) {
            let mut before = 0;
            for y in &c.years {
                let Some(n) = mine.get(&(r.clone(), y.0)).copied() else { continue };
                if n < before {
                    let i = input.iter().position(|t| &t.region_code == r && t.year == i64::from(y.0)).unwrap_or(0);
                    e.push(FieldError::new(format!("targets[{i}].households"), Code::NotIncreasing));
                    break;
                }
                before = n;
            }
        }
        e.finish(Some(())).map_err(AppError::Invalid)?;
        let mut all: Vec<(String, i32, i64)> =
            c.targets.iter().filter(|t| !who.scope.has_region(&t.0)).cloned().collect();
        all.extend(mine.into_iter().map(|((r, y), n)| (r, y, n)));
        let mut tx = self.store.begin().await?;
        tx.replace_campaign_targets(id, &all).await?;
        let mut a = who.audit("update", "campaign_targets", Some(id), who.region_code.as_deref());
        a.detail = serde_json::json!({ "old": c.targets, "new": all }).to_string();
        tx.append_audit(&a).await?;
        tx.commit().await?;
        self.store.campaigns().await?.into_iter().find(|c| c.id == id).ok_or(AppError::NotFound)
    }
}
