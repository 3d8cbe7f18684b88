//! What the rule engine reads and writes: the facts of households in chunks (for one household,
//! or every household in a batch), the policy records, evaluation runs and determinations.

use crate::db::{get, get_code, Store, WriteTx};
use crate::schema::{Determinations, EvaluationRuns, Households, Policies, Regions};
use crate::{Scope, StoreError};
use bangfu_domain::policy::engine::Params;
use bangfu_domain::policy::{PolicyBook, PolicyRecord};
use bangfu_domain::{Framework, YearMonth};
use chrono::NaiveDate;
use sea_query::{Expr, Order, Query};
use serde::Serialize;
use std::collections::HashMap;

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

/// Writes a batch's determinations, a chunk at a time, each chunk in a transaction of its own,
/// on a connection of its own: on a SQLite file through rusqlite with one prepared statement (a
/// row's fifteen values bound straight from the determination, not through `Any`: the batch's
/// writing took three times SQLite's own cost of the rows); on PostgreSQL with `COPY … FROM
/// STDIN (FORMAT csv)` (multi-row INSERTs through `Any` took 2.7 s of a 100,000-household batch).
pub struct DeterminationWriter {
    inner: Option<WriterInner>,
}

enum WriterInner {
    Sqlite(rusqlite::Connection),
    Postgres(Box<sqlx::PgConnection>),
    Pool(Store),
}

impl Store {
    /// A writer of determinations for one batch.
    pub async fn determination_writer(&self) -> Result<DeterminationWriter, StoreError> {
        let inner = match (&self.sqlite_file, self.backend) {
            (Some(file), crate::Backend::Sqlite) => WriterInner::Sqlite(crate::facts::open_writer(file)?),
            (_, crate::Backend::Postgres) => {
                use sqlx::ConnectOptions;
                let options = <sqlx::postgres::PgConnectOptions as std::str::FromStr>::from_str(&self.url)?
                    .log_statements(tracing::log::LevelFilter::Off);
                WriterInner::Postgres(Box::new(options.connect().await?))
            }
            _ => WriterInner::Pool(self.clone()),
        };
        Ok(DeterminationWriter { inner: Some(inner) })
    }
}

impl DeterminationWriter {
    /// Stores `rows` of run `run_id` in one transaction (history is kept: nothing is
    /// overwritten).
    pub async fn write(&mut self, run_id: Option<i64>, rows: Vec<NewDetermination>) -> Result<(), StoreError> {
        match self.inner.take() {
            Some(WriterInner::Pool(store)) => {
                let mut tx = store.begin().await?;
                tx.insert_determinations(run_id, &rows).await?;
                tx.commit().await?;
                self.inner = Some(WriterInner::Pool(store));
                Ok(())
            }
            Some(WriterInner::Postgres(mut conn)) => {
                let done = write_postgres(&mut conn, run_id, &rows).await;
                self.inner = Some(WriterInner::Postgres(conn));
                done
            }
            Some(WriterInner::Sqlite(conn)) => {
                let (conn, done) = tokio::task::spawn_blocking(move || {
                    let done = write_sqlite(&conn, run_id, &rows);
                    (conn, done)
                })
                .await
                .map_err(|e| StoreError::Database(sqlx::Error::Protocol(format!("determination writer: {e}"))))?;
                self.inner = Some(WriterInner::Sqlite(conn));
                done
            }
            None => Err(StoreError::Database(sqlx::Error::Protocol("determination writer failed before".into()))),
        }
    }
}

/// The determinations' columns but the id, as SQL (for `COPY`).
fn copy_columns() -> String {
    DET_COLUMNS[1..].iter().map(sea_query::Iden::to_string).collect::<Vec<_>>().join(", ")
}

async fn write_postgres(
    conn: &mut sqlx::PgConnection,
    run_id: Option<i64>,
    rows: &[NewDetermination],
) -> Result<(), StoreError> {
    use sqlx::Connection;
    // CSV: an empty unquoted field is NULL, except in the columns named FORCE_NOT_NULL (the
    // text columns that are never NULL, where an empty field is an empty text: no condition).
    let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::with_capacity(rows.len() * 96));
    let now = crate::now_rfc3339();
    let opt = |v: Option<&str>| v.unwrap_or("").to_string();
    for d in rows {
        w.write_record([
            run_id.map(|r| r.to_string()).unwrap_or_default(),
            d.household_id.to_string(),
            d.as_of.to_key().to_string(),
            d.policy_version.to_string(),
            d.region_code.clone(),
            d.pool.to_string(),
            i64::from(d.complete).to_string(),
            i64::from(d.eligible).to_string(),
            d.conditions.clone(),
            opt(d.primary_condition),
            d.status.to_string(),
            opt(d.basis),
            d.results.clone(),
            now.clone(),
            d.framework.to_string(),
        ])
        .map_err(|e| StoreError::Database(sqlx::Error::Protocol(format!("determinations as CSV: {e}"))))?;
    }
    let data = w.into_inner().map_err(|e| StoreError::Database(sqlx::Error::Protocol(e.to_string())))?;
    let mut tx = conn.begin().await?;
    let mut copy = tx
        .copy_in_raw(&format!(
            "COPY determinations ({}) FROM STDIN (FORMAT csv, FORCE_NOT_NULL (region_code, pool, conditions, \
             status, results, computed_at, framework))",
            copy_columns()
        ))
        .await?;
    copy.send(data).await?;
    copy.finish().await?;
    tx.commit().await?;
    Ok(())
}

fn write_sqlite(conn: &rusqlite::Connection, run_id: Option<i64>, rows: &[NewDetermination]) -> Result<(), StoreError> {
    use crate::facts::bulk_error;
    use rusqlite::params;
    // The statement's text from sea-query, as every other (`?` for each value); the values are
    // bound per row.
    let (sql, _) = Query::insert()
        .into_table(Determinations::Table)
        .columns(DET_COLUMNS[1..].to_vec())
        .values_panic(DET_COLUMNS[1..].iter().map(|_| Expr::val(0).into()))
        .build(sea_query::SqliteQueryBuilder);
    let now = crate::now_rfc3339();
    let tx =
        rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate).map_err(bulk_error)?;
    {
        let mut stmt = tx.prepare_cached(&sql).map_err(bulk_error)?;
        for d in rows {
            stmt.execute(params![
                run_id,
                d.household_id,
                d.as_of.to_key(),
                d.policy_version,
                d.region_code,
                d.pool,
                i64::from(d.complete),
                i64::from(d.eligible),
                d.conditions,
                d.primary_condition,
                d.status,
                d.basis,
                d.results,
                now,
                d.framework,
            ])
            .map_err(bulk_error)?;
        }
    }
    tx.commit().map_err(bulk_error)
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
