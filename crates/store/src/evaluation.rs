//! What the rule engine reads and writes: the facts of households in chunks (for one household,
//! or every household in a batch), the policy records, evaluation runs and determinations.

use crate::db::{get, get_code, Store, WriteTx};
use crate::schema::{
    Determinations, Enrolments, EvaluationRuns, HouseholdCauses, HouseholdExclusions, Households, MajorEvents,
    MonthlyRecords, Policies, Regions, UnionAssistance as Ua,
};
use crate::{Scope, StoreError};
use bangfu_domain::policy::engine::{Enrolment, Facts, MonthFacts, Params};
use bangfu_domain::policy::{PolicyBook, PolicyRecord};
use bangfu_domain::{Cause, Exclusion, Framework, Scheme, YearMonth};
use chrono::NaiveDate;
use sea_query::{Expr, Order, Query};
use serde::Serialize;
use std::collections::HashMap;

/// A household's facts with what the batch needs beside them.
#[derive(Debug, Clone)]
pub struct HouseholdFacts {
    /// Household id.
    pub id: i64,
    /// Region (for the standards).
    pub region_code: String,
    /// Where the household stands (an exited one is watched for a return to hardship).
    pub status: String,
    /// The facts.
    pub facts: Facts,
}

/// A stored determination.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct StoredDetermination {
    /// Id.
    pub id: i64,
    /// The batch run that made it, if any.
    pub run_id: Option<i64>,
    /// Household.
    pub household_id: i64,
    /// The month it was made for (YYYY-MM).
    #[schema(value_type = String)]
    pub as_of: YearMonth,
    /// Policy version it was made under.
    pub policy_version: i64,
    /// Region.
    pub region_code: String,
    /// stock or incremental.
    pub pool: String,
    /// The window was complete.
    pub complete: bool,
    /// Eligible.
    pub eligible: bool,
    /// Conditions that held, comma-separated (C1,C5).
    pub conditions: String,
    /// Primary condition.
    pub primary_condition: Option<String>,
    /// exited, relieved, in_difficulty.
    pub status: String,
    /// Basis of an exit.
    pub basis: Option<String>,
    /// The framework's rules' results in order, one letter each: H holds, F fails, N not
    /// assessable (nine under the plan, six under the 2021 framework).
    pub results: String,
    /// When it was computed.
    pub computed_at: String,
    /// The framework it was made under: plan-2018 or national-2021.
    pub framework: String,
}

const POLICY_COLUMNS: [Policies; 13] = [
    Policies::Version,
    Policies::Name,
    Policies::WindowMonths,
    Policies::StockCutoff,
    Policies::Multiplier,
    Policies::CreatedAt,
    Policies::RegionCode,
    Policies::Framework,
    Policies::FromMonth,
    Policies::RelativePercent,
    Policies::AccidentPercent,
    Policies::MinLabourMonths,
    Policies::CreatedBy,
];

/// A policy record's parameters.
pub fn params_from(row: &sqlx::any::AnyRow) -> Result<Params, StoreError> {
    let cutoff: String = get(row, "stock_cutoff")?;
    Ok(Params {
        version: get(row, "version")?,
        framework: get_code(row, "framework", Framework::from_code)?,
        window_months: get::<i64>(row, "window_months")?.clamp(1, 120) as u32,
        stock_cutoff: NaiveDate::parse_from_str(&cutoff, "%Y-%m-%d")
            .map_err(|_| StoreError::Corrupt("stock_cutoff"))?,
        multiplier: get(row, "multiplier")?,
        relative_percent: get(row, "relative_percent")?,
        accident_percent: get(row, "accident_percent")?,
        min_labour_months: get(row, "min_labour_months")?,
    })
}

fn record_from(row: &sqlx::any::AnyRow) -> Result<PolicyRecord, StoreError> {
    let from: Option<i64> = get(row, "from_month")?;
    Ok(PolicyRecord {
        region_code: get(row, "region_code")?,
        from: match from {
            Some(k) => Some(YearMonth::from_key(k).ok_or(StoreError::Corrupt("from_month"))?),
            None => None,
        },
        name: get(row, "name")?,
        params: params_from(row)?,
        created_by: get(row, "created_by")?,
        created_at: get(row, "created_at")?,
    })
}

const DET_COLUMNS: [Determinations; 16] = [
    Determinations::Id,
    Determinations::RunId,
    Determinations::HouseholdId,
    Determinations::AsOf,
    Determinations::PolicyVersion,
    Determinations::RegionCode,
    Determinations::Pool,
    Determinations::Complete,
    Determinations::Eligible,
    Determinations::Conditions,
    Determinations::PrimaryCondition,
    Determinations::Status,
    Determinations::Basis,
    Determinations::Results,
    Determinations::ComputedAt,
    Determinations::Framework,
];

fn det_from(r: &sqlx::any::AnyRow) -> Result<StoredDetermination, StoreError> {
    Ok(StoredDetermination {
        id: get(r, "id")?,
        run_id: get(r, "run_id")?,
        household_id: get(r, "household_id")?,
        as_of: YearMonth::from_key(get(r, "as_of")?).ok_or(StoreError::Corrupt("as_of"))?,
        policy_version: get(r, "policy_version")?,
        region_code: get(r, "region_code")?,
        pool: get(r, "pool")?,
        complete: get::<i64>(r, "complete")? != 0,
        eligible: get::<i64>(r, "eligible")? != 0,
        conditions: get(r, "conditions")?,
        primary_condition: get(r, "primary_condition")?,
        status: get(r, "status")?,
        basis: get(r, "basis")?,
        results: get(r, "results")?,
        computed_at: get(r, "computed_at")?,
        framework: get(r, "framework")?,
    })
}

impl Store {
    /// The policy record of `version`, or the latest when None.
    pub async fn policy(&self, version: Option<i64>) -> Result<Params, StoreError> {
        let mut q = Query::select();
        q.columns(POLICY_COLUMNS).from(Policies::Table).order_by(Policies::Version, Order::Desc).limit(1);
        if let Some(v) = version {
            q.and_where(Expr::col(Policies::Version).eq(v));
        }
        params_from(&self.optional(&q).await?.ok_or(StoreError::NotFound)?)
    }

    /// Every policy record and every region's parent: which framework and parameters are in
    /// force for any region and month.
    pub async fn policy_book(&self) -> Result<PolicyBook, StoreError> {
        let records = self.policy_records().await?;
        let q = Query::select()
            .columns([Regions::Code, Regions::ParentCode])
            .from(Regions::Table)
            .and_where(Expr::col(Regions::ParentCode).is_not_null())
            .to_owned();
        let mut parents = HashMap::new();
        for r in self.all(&q).await? {
            parents.insert(get::<String>(&r, "code")?, get::<String>(&r, "parent_code")?);
        }
        Ok(PolicyBook::new(records, parents))
    }

    /// [`Store::policy_book`] for region `region` only (one household's evaluation, the
    /// self-check): the parents of its line, not of every region.
    pub async fn policy_book_for(&self, region: &str) -> Result<PolicyBook, StoreError> {
        let records = self.policy_records().await?;
        Ok(PolicyBook::new(records, self.region_line(region).await?.into_iter().collect()))
    }

    /// Every policy record, oldest version first.
    async fn policy_records(&self) -> Result<Vec<PolicyRecord>, StoreError> {
        let q = Query::select()
            .columns(POLICY_COLUMNS)
            .from(Policies::Table)
            .order_by(Policies::Version, Order::Asc)
            .to_owned();
        self.all(&q).await?.iter().map(record_from).collect()
    }

    /// The next chunk of households (ids after `after`, at most `limit`) that `scope` reaches,
    /// optionally only in `regions`, with the facts the rules read for a window `from … to`
    /// (union assistance from `to − 11`). Five queries a chunk, each a range on a key.
    pub async fn facts_chunk(
        &self,
        scope: &Scope,
        regions: Option<&[String]>,
        after: i64,
        limit: u64,
        from: YearMonth,
        to: YearMonth,
    ) -> Result<Vec<HouseholdFacts>, StoreError> {
        let h = Households::Table;
        let mut q = Query::select();
        q.columns([
            Households::Id,
            Households::RegionCode,
            Households::Status,
            Households::RegisteredOn,
            Households::MigrantWorker,
            Households::CausesResolved,
            Households::ChildrenCompletedStudies,
            Households::LabourRelationMonths,
        ])
        .from(h)
        .and_where(Expr::col((h, Households::Id)).gt(after))
        .cond_where(scope.households())
        .order_by(Households::Id, Order::Asc)
        .limit(limit);
        if let Some(r) = regions {
            q.and_where(Expr::col((h, Households::RegionCode)).is_in(r.to_vec()));
        }
        let mut out: Vec<HouseholdFacts> = Vec::new();
        for r in self.all(&q).await? {
            let date: String = get(&r, "registered_on")?;
            out.push(HouseholdFacts {
                id: get(&r, "id")?,
                region_code: get(&r, "region_code")?,
                status: get(&r, "status")?,
                facts: Facts {
                    registered_on: NaiveDate::parse_from_str(&date, "%Y-%m-%d")
                        .map_err(|_| StoreError::Corrupt("registered_on"))?,
                    migrant_worker: get::<i64>(&r, "migrant_worker")? != 0,
                    causes_resolved: get::<i64>(&r, "causes_resolved")? != 0,
                    children_completed_studies: get::<i64>(&r, "children_completed_studies")? != 0,
                    labour_relation_months: get(&r, "labour_relation_months")?,
                    ..Default::default()
                },
            });
        }
        let (Some(lo), Some(hi)) = (out.first().map(|f| f.id), out.last().map(|f| f.id)) else { return Ok(out) };
        let index: HashMap<i64, usize> = out.iter().enumerate().map(|(i, f)| (f.id, i)).collect();
        fn range(col: impl sea_query::IntoColumnRef, lo: i64, hi: i64) -> sea_query::SimpleExpr {
            Expr::col(col).between(lo, hi)
        }

        let q = Query::select()
            .columns([HouseholdCauses::HouseholdId, HouseholdCauses::Cause])
            .from(HouseholdCauses::Table)
            .and_where(range(HouseholdCauses::HouseholdId, lo, hi))
            .to_owned();
        for r in self.all(&q).await? {
            if let Some(i) = index.get(&get::<i64>(&r, "household_id")?) {
                out[*i].facts.causes.push(get_code(&r, "cause", Cause::from_code)?);
            }
        }
        let q = Query::select()
            .columns([
                MonthlyRecords::HouseholdId,
                MonthlyRecords::Month,
                MonthlyRecords::Members,
                MonthlyRecords::Income,
                MonthlyRecords::GovernmentAssistance,
            ])
            .expr_as(
                Expr::col(MonthlyRecords::NlMedical)
                    .add(Expr::col(MonthlyRecords::NlEducation))
                    .add(Expr::col(MonthlyRecords::NlEmergency))
                    .add(Expr::col(MonthlyRecords::NlAccident))
                    .add(Expr::col(MonthlyRecords::NlOther)),
                sea_query::Alias::new("non_living"),
            )
            .expr_as(
                Expr::col(MonthlyRecords::NlMedical)
                    .add(Expr::col(MonthlyRecords::NlEducation))
                    .add(Expr::col(MonthlyRecords::NlEmergency))
                    .add(Expr::col(MonthlyRecords::NlAccident)),
                sea_query::Alias::new("rigid"),
            )
            .expr_as(
                Expr::col(MonthlyRecords::NlMedical)
                    .add(Expr::col(MonthlyRecords::NlEmergency))
                    .add(Expr::col(MonthlyRecords::NlAccident)),
                sea_query::Alias::new("hardship"),
            )
            .from(MonthlyRecords::Table)
            .and_where(range(MonthlyRecords::HouseholdId, lo, hi))
            .and_where(Expr::col(MonthlyRecords::Month).between(from.to_key(), to.to_key()))
            .to_owned();
        for r in self.all(&q).await? {
            if let Some(i) = index.get(&get::<i64>(&r, "household_id")?) {
                out[*i].facts.months.push(MonthFacts {
                    month: YearMonth::from_key(get(&r, "month")?).ok_or(StoreError::Corrupt("month"))?,
                    members: get(&r, "members")?,
                    income: get(&r, "income")?,
                    aid: get(&r, "government_assistance")?,
                    non_living: get(&r, "non_living")?,
                    rigid: get(&r, "rigid")?,
                    hardship: get(&r, "hardship")?,
                });
            }
        }
        let q = Query::select()
            .columns([Enrolments::HouseholdId, Enrolments::Scheme, Enrolments::FromMonth, Enrolments::ToMonth])
            .from(Enrolments::Table)
            .and_where(range(Enrolments::HouseholdId, lo, hi))
            .to_owned();
        for r in self.all(&q).await? {
            if let Some(i) = index.get(&get::<i64>(&r, "household_id")?) {
                let to: Option<i64> = get(&r, "to_month")?;
                out[*i].facts.enrolments.push(Enrolment {
                    scheme: get_code(&r, "scheme", Scheme::from_code)?,
                    from: YearMonth::from_key(get(&r, "from_month")?).ok_or(StoreError::Corrupt("from_month"))?,
                    to: to.and_then(YearMonth::from_key),
                });
            }
        }
        let q = Query::select()
            .columns([HouseholdExclusions::HouseholdId, HouseholdExclusions::Code])
            .from(HouseholdExclusions::Table)
            .and_where(range(HouseholdExclusions::HouseholdId, lo, hi))
            .to_owned();
        for r in self.all(&q).await? {
            if let Some(i) = index.get(&get::<i64>(&r, "household_id")?) {
                out[*i].facts.exclusions.push(get_code(&r, "code", Exclusion::from_code)?);
            }
        }
        let q = Query::select()
            .columns([MajorEvents::HouseholdId, MajorEvents::Month])
            .from(MajorEvents::Table)
            .and_where(range(MajorEvents::HouseholdId, lo, hi))
            .and_where(Expr::col(MajorEvents::Month).between(from.to_key(), to.to_key()))
            .to_owned();
        for r in self.all(&q).await? {
            if let Some(i) = index.get(&get::<i64>(&r, "household_id")?) {
                let m = YearMonth::from_key(get(&r, "month")?).ok_or(StoreError::Corrupt("month"))?;
                out[*i].facts.major_events.push(m);
            }
        }
        let first = to.plus(-11);
        let last_day = NaiveDate::from_ymd_opt(to.plus(1).year(), to.plus(1).month(), 1)
            .and_then(|d| d.pred_opt())
            .ok_or(StoreError::Corrupt("month"))?;
        let q = Query::select()
            .columns([Ua::HouseholdId, Ua::Date])
            .from(Ua::Table)
            .and_where(range(Ua::HouseholdId, lo, hi))
            .and_where(Expr::col(Ua::Date).between(format!("{first}-01"), last_day.to_string()))
            .to_owned();
        for r in self.all(&q).await? {
            if let Some(i) = index.get(&get::<i64>(&r, "household_id")?) {
                let d: String = get(&r, "date")?;
                let m = NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(|_| StoreError::Corrupt("date"))?;
                out[*i].facts.union_assistance.push(YearMonth::of_date(m));
            }
        }
        Ok(out)
    }

    /// A household's determinations, newest first (at most `limit`).
    pub async fn determinations(&self, household_id: i64, limit: u64) -> Result<Vec<StoredDetermination>, StoreError> {
        let q = Query::select()
            .columns(DET_COLUMNS)
            .from(Determinations::Table)
            .and_where(Expr::col(Determinations::HouseholdId).eq(household_id))
            .order_by(Determinations::Id, Order::Desc)
            .limit(limit)
            .to_owned();
        self.all(&q).await?.iter().map(det_from).collect()
    }
}

/// A determination to store.
#[derive(Debug, Clone)]
pub struct NewDetermination {
    /// Household.
    pub household_id: i64,
    /// Region.
    pub region_code: String,
    /// Month evaluated.
    pub as_of: YearMonth,
    /// Policy version.
    pub policy_version: i64,
    /// Pool code.
    pub pool: &'static str,
    /// Complete window.
    pub complete: bool,
    /// Eligible.
    pub eligible: bool,
    /// Conditions, comma-separated.
    pub conditions: String,
    /// Primary.
    pub primary_condition: Option<&'static str>,
    /// Status.
    pub status: &'static str,
    /// Basis.
    pub basis: Option<&'static str>,
    /// H/F/N per rule.
    pub results: String,
    /// Framework code.
    pub framework: &'static str,
}

impl WriteTx {
    /// Adds a policy record as the next version (records are never changed); returns it.
    pub async fn insert_policy(&mut self, r: &PolicyRecord) -> Result<i64, StoreError> {
        self.serialize_on("policies").await?;
        let q = Query::select()
            .expr_as(Expr::col(Policies::Version).max(), sea_query::Alias::new("v"))
            .from(Policies::Table)
            .to_owned();
        let last: Option<i64> = match self.optional(&q).await? {
            Some(row) => get(&row, "v")?,
            None => None,
        };
        let version = last.unwrap_or(0) + 1;
        let p = &r.params;
        let q = Query::insert()
            .into_table(Policies::Table)
            .columns(POLICY_COLUMNS)
            .values_panic([
                version.into(),
                r.name.clone().into(),
                i64::from(p.window_months).into(),
                p.stock_cutoff.to_string().into(),
                p.multiplier.into(),
                crate::now_rfc3339().into(),
                r.region_code.clone().into(),
                p.framework.code().into(),
                r.from.map(YearMonth::to_key).into(),
                p.relative_percent.into(),
                p.accident_percent.into(),
                p.min_labour_months.into(),
                r.created_by.clone().into(),
            ])
            .to_owned();
        self.exec(&q).await?;
        Ok(version)
    }

    /// Starts a batch run; returns its id.
    pub async fn insert_run(
        &mut self,
        as_of: YearMonth,
        policy_version: i64,
        region: Option<&str>,
        started_by: &str,
    ) -> Result<i64, StoreError> {
        let q = Query::insert()
            .into_table(EvaluationRuns::Table)
            .columns([
                EvaluationRuns::AsOf,
                EvaluationRuns::PolicyVersion,
                EvaluationRuns::RegionCode,
                EvaluationRuns::StartedBy,
                EvaluationRuns::StartedAt,
                EvaluationRuns::Households,
                EvaluationRuns::Status,
            ])
            .values_panic([
                as_of.to_key().into(),
                policy_version.into(),
                region.map(str::to_string).into(),
                started_by.into(),
                crate::now_rfc3339().into(),
                0i64.into(),
                "running".into(),
            ])
            .returning_col(EvaluationRuns::Id)
            .to_owned();
        self.insert_id(&q).await
    }

    /// Records the end of a run.
    pub async fn finish_run(&mut self, id: i64, households: i64, status: &str) -> Result<(), StoreError> {
        let q = Query::update()
            .table(EvaluationRuns::Table)
            .value(EvaluationRuns::FinishedAt, crate::now_rfc3339())
            .value(EvaluationRuns::Households, households)
            .value(EvaluationRuns::Status, status)
            .and_where(Expr::col(EvaluationRuns::Id).eq(id))
            .to_owned();
        self.exec(&q).await?;
        if status == "done" {
            self.tally_run(id).await?;
        }
        Ok(())
    }

    /// Stores determinations (history is kept: nothing is overwritten).
    pub async fn insert_determinations(
        &mut self,
        run_id: Option<i64>,
        rows: &[NewDetermination],
    ) -> Result<(), StoreError> {
        let now = crate::now_rfc3339();
        self.insert_rows(
            Determinations::Table,
            DET_COLUMNS[1..].to_vec(),
            rows.iter().map(|d| {
                vec![
                    run_id.into(),
                    d.household_id.into(),
                    d.as_of.to_key().into(),
                    d.policy_version.into(),
                    d.region_code.clone().into(),
                    d.pool.into(),
                    i64::from(d.complete).into(),
                    i64::from(d.eligible).into(),
                    d.conditions.clone().into(),
                    d.primary_condition.map(str::to_string).into(),
                    d.status.into(),
                    d.basis.map(str::to_string).into(),
                    d.results.clone().into(),
                    now.clone().into(),
                    d.framework.into(),
                ]
            }),
        )
        .await
    }
}

/// A batch run.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct EvaluationRun {
    /// Id.
    pub id: i64,
    /// Month evaluated.
    #[schema(value_type = String)]
    pub as_of: YearMonth,
    /// Policy version.
    pub policy_version: i64,
    /// Region asked for, if any.
    pub region_code: Option<String>,
    /// Who started it.
    pub started_by: String,
    /// Started at.
    pub started_at: String,
    /// Finished at.
    pub finished_at: Option<String>,
    /// Households evaluated.
    pub households: i64,
    /// running, done, failed.
    pub status: String,
}

impl Store {
    /// The latest finished run, if any.
    pub async fn latest_run(&self) -> Result<Option<EvaluationRun>, StoreError> {
        let q = Query::select()
            .columns([
                EvaluationRuns::Id,
                EvaluationRuns::AsOf,
                EvaluationRuns::PolicyVersion,
                EvaluationRuns::RegionCode,
                EvaluationRuns::StartedBy,
                EvaluationRuns::StartedAt,
                EvaluationRuns::FinishedAt,
                EvaluationRuns::Households,
                EvaluationRuns::Status,
            ])
            .from(EvaluationRuns::Table)
            .and_where(Expr::col(EvaluationRuns::Status).eq("done"))
            .order_by(EvaluationRuns::Id, Order::Desc)
            .limit(1)
            .to_owned();
        let Some(r) = self.optional(&q).await? else { return Ok(None) };
        Ok(Some(EvaluationRun {
            id: get(&r, "id")?,
            as_of: YearMonth::from_key(get(&r, "as_of")?).ok_or(StoreError::Corrupt("as_of"))?,
            policy_version: get(&r, "policy_version")?,
            region_code: get(&r, "region_code")?,
            started_by: get(&r, "started_by")?,
            started_at: get(&r, "started_at")?,
            finished_at: get(&r, "finished_at")?,
            households: get(&r, "households")?,
            status: get(&r, "status")?,
        }))
    }

    /// Re-check (五(一)1): households of run `run_id` that `scope` reaches, still in the file,
    /// whose complete window met no condition and gave no exit or relief — proposed for
    /// withdrawal. One page in file-number order, and the count (up to 10,000).
    pub async fn recheck(
        &self,
        scope: &Scope,
        run_id: i64,
        page: u64,
        per_page: u64,
    ) -> Result<(Vec<(crate::Household, StoredDetermination)>, u64), StoreError> {
        let d = Determinations::Table;
        let h = Households::Table;
        let filtered = |q: &mut sea_query::SelectStatement| {
            q.from(d)
                .inner_join(h, Expr::col((h, Households::Id)).equals((d, Determinations::HouseholdId)))
                .and_where(Expr::col((d, Determinations::RunId)).eq(run_id))
                // Under the plan: a complete window meeting no condition, with no exit or relief;
                // under the 2021 framework: an exclusion or a failed labour-relation condition.
                .cond_where(
                    sea_query::Cond::any()
                        .add(
                            sea_query::Cond::all()
                                .add(Expr::col((d, Determinations::Framework)).eq(Framework::Plan2018.code()))
                                .add(Expr::col((d, Determinations::Eligible)).eq(0))
                                .add(Expr::col((d, Determinations::Complete)).eq(1))
                                .add(Expr::col((d, Determinations::Status)).eq("in_difficulty")),
                        )
                        .add(Expr::col((d, Determinations::Status)).eq("withdrawn")),
                )
                .and_where(Expr::col((h, Households::Status)).eq(bangfu_domain::HouseholdStatus::InFile.code()))
                .cond_where(scope.households());
        };
        let mut q = Query::select();
        q.columns(crate::households::COLUMNS.map(|c| (h, c)));
        for c in DET_COLUMNS {
            q.expr_as(Expr::col((d, c)), sea_query::Alias::new(format!("d_{}", sea_query::Iden::to_string(&c))));
        }
        filtered(&mut q);
        q.order_by((h, Households::FileNo), Order::Asc)
            .limit(per_page)
            .offset(page.saturating_sub(1).saturating_mul(per_page));
        let mut out = Vec::new();
        for r in self.all(&q).await? {
            let household = crate::households::household_from(&r)?;
            let det = StoredDetermination {
                id: get(&r, "d_id")?,
                run_id: get(&r, "d_run_id")?,
                household_id: get(&r, "d_household_id")?,
                as_of: YearMonth::from_key(get(&r, "d_as_of")?).ok_or(StoreError::Corrupt("as_of"))?,
                policy_version: get(&r, "d_policy_version")?,
                region_code: get(&r, "d_region_code")?,
                pool: get(&r, "d_pool")?,
                complete: get::<i64>(&r, "d_complete")? != 0,
                eligible: get::<i64>(&r, "d_eligible")? != 0,
                conditions: get(&r, "d_conditions")?,
                primary_condition: get(&r, "d_primary_condition")?,
                status: get(&r, "d_status")?,
                basis: get(&r, "d_basis")?,
                results: get(&r, "d_results")?,
                computed_at: get(&r, "d_computed_at")?,
                framework: get(&r, "d_framework")?,
            };
            out.push((household, det));
        }
        let mut matches = Query::select();
        matches.expr(Expr::val(1));
        filtered(&mut matches);
        Ok((out, self.capped_count(matches, 10_000).await?))
    }
}
