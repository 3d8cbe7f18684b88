//! Bulk paths for batch jobs (demo data, imports): multi-row statements with ids chosen by the
//! caller, so one statement writes hundreds of rows. Each chunk stays below the parameter
//! limits (SQLite 32,766, PostgreSQL 65,535).

use crate::casework::{measure_insert_columns, measure_row, plan_row, visit_insert_columns, visit_row, PLAN_COLUMNS};
use crate::db::{get, Backend, Store, WriteTx};
use crate::facts::bulk_error;
use crate::households::{write_values, HouseholdWrite, COLUMNS as HOUSEHOLD_COLUMNS};
use crate::records::{month_values, MonthlyRecord, MONTH_COLUMNS};
use crate::schema::*;
use crate::MemberWrite;
use crate::StoreError;
use bangfu_domain::{AssistanceKind, Money, UnionMeasure};
use chrono::NaiveDate;
use sea_query::{DynIden, Expr, IntoIden, Query, SimpleExpr};
use sea_query_rusqlite::RusqliteBinder;
use std::future::Future;

pub(crate) const ROWS_PER_STATEMENT: usize = 1000;

impl Store {
    /// The highest household id in use (0 for none).
    pub async fn max_household_id(&self) -> Result<i64, StoreError> {
        let q = Query::select()
            .expr_as(Expr::col(Households::Id).max(), sea_query::Alias::new("m"))
            .from(Households::Table)
            .to_owned();
        let Some(row) = self.optional(&q).await? else { return Ok(0) };
        Ok(get::<Option<i64>>(&row, "m")?.unwrap_or(0))
    }

    /// Number of households.
    pub async fn count_households(&self) -> Result<i64, StoreError> {
        let q = Query::select()
            .expr_as(Expr::cust("COUNT(*)"), sea_query::Alias::new("n"))
            .from(Households::Table)
            .to_owned();
        let Some(row) = self.optional(&q).await? else { return Ok(0) };
        get(&row, "n")
    }
}

impl WriteTx {
    pub(crate) async fn insert_rows<C, I>(&mut self, table: impl IntoIden, cols: C, rows: I) -> Result<(), StoreError>
    where
        C: IntoIterator + Clone,
        C::Item: sea_query::IntoIden,
        I: IntoIterator<Item = Vec<SimpleExpr>>,
    {
        let table = table.into_iden();
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let mut q = Query::insert();
            q.into_table(table.clone()).columns(cols.clone());
            for r in rows.by_ref().take(ROWS_PER_STATEMENT) {
                q.values_panic(r);
            }
            self.exec(&q).await?;
        }
        Ok(())
    }
}

/// Demo case work for one household, written in bulk: a pairing, a plan for a year (its id is
/// the household's), measures and a scheduled visit.
#[derive(Debug, Clone)]
pub struct BulkCasework {
    /// Household (and plan id).
    pub household_id: i64,
    /// The household's region and union (carried by its visits and measures).
    pub scope: (String, Option<i64>),
    /// Helper unit and responsible person, from a day.
    pub pairing: Option<(i64, String, String)>,
    /// Plan year, goals, route code.
    pub plan: (i64, String, String),
    /// Measures: kind, description, lead, responsible, person, due, status, result, done_on.
    pub measures: Vec<crate::MeasureWrite>,
    /// A scheduled visit: due date, visitor, purpose.
    pub visit: (String, String, String),
    /// An approved outcome: kind, pathway or reason code, approval date.
    pub outcome: Option<(String, Option<String>, String)>,
}

/// Where bulk rows are written (demo data, imports): a write transaction of the pool
/// ([`WriteTx`]), or a SQLite file's connection of the load's own ([`LiteLoad`]).
pub trait BulkSink: Send {
    /// The backend written to.
    fn backend(&self) -> Backend;
    /// Inserts `rows`, each its values in the order of `cols`, into `table`.
    fn put_rows(
        &mut self,
        table: DynIden,
        cols: Vec<DynIden>,
        rows: Vec<Vec<SimpleExpr>>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Runs a statement of fixed SQL text.
    fn raw_sql(&mut self, sql: &'static str) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// The bulk writes, the same statements whichever [`BulkSink`] runs them.
pub trait Bulk: BulkSink + Sized {
    /// [`BulkSink::put_rows`] with the table and columns as the schema names them.
    fn put<C>(
        &mut self,
        table: impl IntoIden,
        cols: C,
        rows: Vec<Vec<SimpleExpr>>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send
    where
        C: IntoIterator,
        C::Item: IntoIden,
    {
        self.put_rows(table.into_iden(), cols.into_iter().map(IntoIden::into_iden).collect(), rows)
    }

    /// Members added by import `import` (or by nobody's import, `None`).
    fn import_members(
        &mut self,
        rows: &[(i64, MemberWrite)],
        import: Option<i64>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        use Members::*;
        // Sealed on every core: SM4 and HMAC-SM3 of each ID are most of the work of a row.
        use rayon::prelude::*;
        let values: Result<Vec<Vec<SimpleExpr>>, StoreError> = rows
            .par_iter()
            .map(|(h, m)| {
                Ok(vec![
                    (*h).into(),
                    m.name.clone().into(),
                    crate::keys::seal(crate::keys::field::MEMBER_ID, &m.id_number)?.into(),
                    crate::keys::blind(&m.id_number)?.into(),
                    m.relation.code().into(),
                    m.birth_date.to_string().into(),
                    m.situation.code().into(),
                    import.into(),
                ])
            })
            .collect();
        async move {
            self.put(Table, [HouseholdId, Name, IdNumber, IdIndex, Relation, BirthDate, Situation, ImportId], values?)
                .await
        }
    }

    /// Inserts households with the given ids, and their causes.
    fn bulk_households(
        &mut self,
        rows: &[(i64, HouseholdWrite)],
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        async move {
            let now = crate::now_rfc3339();
            // Rows are built before the first await: an iterator of closures held across it would
            // make the future not `Send` for every lifetime (rustc #102211), and handlers need `Send`.
            // Sealed on every core (the IDs and phones): most of the work of a row.
            use rayon::prelude::*;
            let households: Vec<Vec<SimpleExpr>> = rows
                .par_iter()
                .map(|(id, h)| {
                    let mut v: Vec<SimpleExpr> = vec![(*id).into()];
                    v.extend(write_values(h, 1, &now, Some(&now))?);
                    Ok(v)
                })
                .collect::<Result<_, StoreError>>()?;
            let mut causes: Vec<Vec<SimpleExpr>> = Vec::new();
            let mut exclusions: Vec<Vec<SimpleExpr>> = Vec::new();
            for (id, h) in rows {
                for c in &h.causes {
                    causes.push(vec![(*id).into(), c.code().into(), h.region_code.clone().into()]);
                }
                let mut x = h.exclusions.clone();
                x.sort();
                x.dedup();
                exclusions.extend(x.iter().map(|c| vec![(*id).into(), c.code().into()]));
            }
            self.put(Households::Table, HOUSEHOLD_COLUMNS, households).await?;
            self.put(
                HouseholdCauses::Table,
                [HouseholdCauses::HouseholdId, HouseholdCauses::Cause, HouseholdCauses::RegionCode],
                causes,
            )
            .await?;
            self.put(
                crate::schema::HouseholdExclusions::Table,
                [crate::schema::HouseholdExclusions::HouseholdId, crate::schema::HouseholdExclusions::Code],
                exclusions,
            )
            .await
        }
    }

    /// Inserts major events: (household, month, kind, note), recorded by the system.
    fn bulk_major_events(
        &mut self,
        rows: &[(i64, bangfu_domain::YearMonth, bangfu_domain::MajorEvent, String)],
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        async move {
            use crate::schema::MajorEvents as E;
            let now = crate::now_rfc3339();
            let values: Vec<Vec<SimpleExpr>> = rows
                .iter()
                .map(|(h, m, k, note)| {
                    vec![
                        (*h).into(),
                        m.to_key().into(),
                        k.code().into(),
                        note.clone().into(),
                        "system".into(),
                        now.clone().into(),
                    ]
                })
                .collect();
            self.put(E::Table, [E::HouseholdId, E::Month, E::Kind, E::Note, E::RecordedBy, E::RecordedAt], values).await
        }
    }

    /// Inserts monthly records (no month may exist yet).
    fn bulk_monthly(&mut self, rows: &[(i64, MonthlyRecord)]) -> impl Future<Output = Result<(), StoreError>> + Send {
        async move {
            self.put(
                MonthlyRecords::Table,
                MONTH_COLUMNS,
                rows.iter().map(|(h, r)| month_values(*h, r).to_vec()).collect(),
            )
            .await
        }
    }

    /// Inserts union assistance records.
    fn bulk_union_assistance(
        &mut self,
        rows: &[(i64, NaiveDate, AssistanceKind, Money, UnionMeasure)],
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        async move {
            use crate::schema::UnionAssistance as Ua;
            self.put(
                Ua::Table,
                [Ua::HouseholdId, Ua::Date, Ua::Kind, Ua::Amount, Ua::Measure, Ua::Note],
                rows.iter()
                    .map(|(h, d, k, a, m)| {
                        vec![
                            (*h).into(),
                            d.to_string().into(),
                            k.code().into(),
                            a.fen().into(),
                            m.code().into(),
                            "".into(),
                        ]
                    })
                    .collect(),
            )
            .await
        }
    }

    /// Inserts enrolments.
    fn bulk_enrolments(
        &mut self,
        rows: &[(i64, bangfu_domain::Scheme, bangfu_domain::YearMonth, Option<bangfu_domain::YearMonth>)],
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        async move {
            self.put(
                Enrolments::Table,
                [Enrolments::HouseholdId, Enrolments::Scheme, Enrolments::FromMonth, Enrolments::ToMonth],
                rows.iter()
                    .map(|(h, s, f, t)| {
                        vec![(*h).into(), s.code().into(), f.to_key().into(), t.map(|m| m.to_key()).into()]
                    })
                    .collect(),
            )
            .await
        }
    }

    /// After inserting explicit ids, moves PostgreSQL's id sequence past them (SQLite's
    /// AUTOINCREMENT already follows the highest id). Only ever forward: the sequence is not
    /// transactional, and ids other transactions took must never be given again.
    fn sync_household_id_sequence(&mut self) -> impl Future<Output = Result<(), StoreError>> + Send {
        async move {
            if self.backend() == Backend::Postgres {
                self.raw_sql(
                    "SELECT setval(s, GREATEST(COALESCE((SELECT MAX(id) FROM households), 0), \
                     COALESCE(pg_sequence_last_value(s), 0)) + 1, false) \
                     FROM (SELECT CAST(pg_get_serial_sequence('households', 'id') AS regclass) AS s) AS seq",
                )
                .await?;
            }
            Ok(())
        }
    }
    /// Inserts demo case work (names recorded as "demo").
    fn bulk_casework(&mut self, rows: &[BulkCasework]) -> impl Future<Output = Result<(), StoreError>> + Send {
        async move {
            let now = crate::now_rfc3339();
            let by = "demo";
            self.put(
                Pairings::Table,
                [
                    Pairings::HouseholdId,
                    Pairings::HelperOrgId,
                    Pairings::Person,
                    Pairings::StartedOn,
                    Pairings::CreatedBy,
                    Pairings::Version,
                ],
                rows.iter()
                    .filter_map(|r| {
                        r.pairing.as_ref().map(|(org, person, from)| {
                            vec![
                                r.household_id.into(),
                                (*org).into(),
                                person.clone().into(),
                                from.clone().into(),
                                by.into(),
                                1i64.into(),
                            ]
                        })
                    })
                    .collect(),
            )
            .await?;
            self.put(
                Plans::Table,
                std::iter::once(Plans::Id).chain(PLAN_COLUMNS[1..].iter().copied()).collect::<Vec<_>>(),
                rows.iter()
                    .map(|r| {
                        let mut row = vec![r.household_id.into()];
                        row.extend(plan_row(r.household_id, r.plan.0, (&r.plan.1, &r.plan.2), by, &now));
                        row
                    })
                    .collect(),
            )
            .await?;
            let scope = |r: &BulkCasework| (r.scope.0.clone(), r.scope.1);
            self.put(
                Measures::Table,
                measure_insert_columns(),
                rows.iter()
                    .flat_map(|r| {
                        let (region, union_id) = scope(r);
                        let now = now.clone();
                        r.measures.iter().map(move |m| {
                            measure_row((r.household_id, r.household_id), m, (by, &now), (&region, union_id))
                        })
                    })
                    .collect(),
            )
            .await?;
            self.put(
                Visits::Table,
                visit_insert_columns(),
                rows.iter()
                    .map(|r| {
                        let (due, visitor, purpose) = &r.visit;
                        visit_row(r.household_id, (due, visitor, purpose), (by, &now), (&r.scope.0, r.scope.1))
                    })
                    .collect(),
            )
            .await?;
            self.put(
                Outcomes::Table,
                crate::outcomes::COLUMNS[1..]
                    .iter()
                    .copied()
                    .chain([Outcomes::RegionCode, Outcomes::UnionId])
                    .collect::<Vec<_>>(),
                rows.iter()
                    .filter_map(|r| {
                        r.outcome.as_ref().map(|(kind, pathway, day)| {
                            let at = format!("{day}T00:00:00Z");
                            vec![
                                r.household_id.into(),
                                kind.clone().into(),
                                pathway.clone().into(),
                                "示例数据".into(),
                                "approved".into(),
                                0i64.into(),
                                by.into(),
                                at.clone().into(),
                                0i64.into(),
                                by.into(),
                                at.into(),
                                String::new().into(),
                                day.clone().into(),
                                Option::<String>::None.into(),
                                1i64.into(),
                                r.scope.0.clone().into(),
                                r.scope.1.into(),
                            ]
                        })
                    })
                    .collect(),
            )
            .await?;
            if self.backend() == Backend::Postgres {
                self.raw_sql("SELECT setval(pg_get_serial_sequence('plans', 'id'), COALESCE((SELECT MAX(id) FROM plans), 0) + 1, false)").await?;
            }
            Ok(())
        }
    }
}

impl<T: BulkSink> Bulk for T {}

impl BulkSink for WriteTx {
    fn backend(&self) -> Backend {
        self.backend
    }

    fn put_rows(
        &mut self,
        table: DynIden,
        cols: Vec<DynIden>,
        rows: Vec<Vec<SimpleExpr>>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.insert_rows(table, cols, rows)
    }

    fn raw_sql(&mut self, sql: &'static str) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.raw(sql)
    }
}

/// A bulk load's own connection to a SQLite file: each table's insert prepared once and run
/// row by row, without the pool's driver between (the demo's households at
/// 1,000,000, issue 21). Its statements run when called, not when awaited: drive it on a
/// blocking thread (`spawn_blocking`), never on the async workers.
pub struct LiteLoad {
    conn: rusqlite::Connection,
}

impl Store {
    /// A connection of its own for a bulk load into this store's SQLite file; `None` for
    /// PostgreSQL or a database in memory (load through [`Store::begin`] then).
    pub fn lite_load(&self) -> Result<Option<LiteLoad>, StoreError> {
        let Some(file) = self.sqlite_file.as_deref() else { return Ok(None) };
        let file = file.clone();
        let conn = crate::facts::open_writer(&file)?;
        // A page cache of 256 MB instead of 2 MB, statement journals in memory: profiled at
        // 1,000,000 households, the load spent most of its time reading back index pages a
        // small cache had spilled and writing them out again mid-transaction.
        conn.execute_batch("PRAGMA cache_size=-262144; PRAGMA temp_store=MEMORY;").map_err(bulk_error)?;
        Ok(Some(LiteLoad { conn }))
    }
}

impl LiteLoad {
    /// Begins a write transaction (waiting up to 10 s for another writer).
    pub fn begin(&mut self) -> Result<(), StoreError> {
        self.conn.execute_batch("BEGIN IMMEDIATE").map_err(bulk_error)
    }

    /// Commits the transaction begun.
    pub fn commit(&mut self) -> Result<(), StoreError> {
        self.conn.execute_batch("COMMIT").map_err(bulk_error)
    }

    /// Rolls back what the transaction wrote (after a failure), if one is open.
    pub fn rollback(&mut self) {
        if !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }

    fn insert_now(&mut self, table: DynIden, cols: Vec<DynIden>, rows: Vec<Vec<SimpleExpr>>) -> Result<(), StoreError> {
        let Some(first) = rows.first() else { return Ok(()) };
        // The statement's text from the first row (its values become placeholders).
        let (sql, _) = Query::insert()
            .into_table(table)
            .columns(cols)
            .values_panic(first.clone())
            .build_rusqlite(sea_query::SqliteQueryBuilder);
        let mut st = self.conn.prepare_cached(&sql).map_err(bulk_error)?;
        for row in rows {
            let values = row
                .into_iter()
                .map(|e| match e {
                    SimpleExpr::Value(v) => Ok(sea_query_rusqlite::RusqliteValue(v)),
                    _ => Err(StoreError::Corrupt("a bulk row holds an expression, not a value")),
                })
                .collect::<Result<Vec<_>, _>>()?;
            st.execute(rusqlite::params_from_iter(values.iter())).map_err(bulk_error)?;
        }
        Ok(())
    }
}

impl BulkSink for LiteLoad {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    fn put_rows(
        &mut self,
        table: DynIden,
        cols: Vec<DynIden>,
        rows: Vec<Vec<SimpleExpr>>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        std::future::ready(self.insert_now(table, cols, rows))
    }

    fn raw_sql(&mut self, sql: &'static str) -> impl Future<Output = Result<(), StoreError>> + Send {
        std::future::ready(self.conn.execute_batch(sql).map_err(bulk_error))
    }
}
