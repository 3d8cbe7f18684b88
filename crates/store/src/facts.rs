//! The facts the rule engine reads, household by household: one household (its evaluation
//! panel), or every household a batch reaches, in chunks.
//!
//! The queries are written once with sea-query and decoded by position through [`Cells`], so the
//! two ways of running them read the same rows the same way:
//!
//! - through the pool ([`Store::facts_chunk`]): one household, and every chunk on PostgreSQL
//!   (for a batch, a task reads one chunk ahead as well);
//! - on SQLite, for bulk work ([`Store::facts_stream`]): a read-only rusqlite connection to the
//!   same file on a thread of its own, with prepared statements and no per-row dynamic decoding
//!   (STORE-NOTES: sqlx's `Any` driver hands SQLite rows over at ~0.6 M a second, which was
//!   most of the batch's time). The thread reads one chunk ahead of the batch through a channel
//!   of one, so memory stays flat in the number of households and reading overlaps the
//!   evaluation and the writing. Each chunk is read in one read transaction: its seven queries
//!   see one state of the file.

use crate::db::{Backend, Store};
use crate::schema::{
    HouseholdCauses, HouseholdExclusions, Households, MajorEvents, MonthlyRecords, UnionAssistance as Ua,
};
use crate::{Scope, StoreError};
use bangfu_domain::policy::engine::{Enrolment, Facts, MonthFacts};
use bangfu_domain::{Cause, Exclusion, Scheme, YearMonth};
use chrono::NaiveDate;
use sea_query::{Expr, Order, Query, SelectStatement, SqliteQueryBuilder};
use sea_query_rusqlite::RusqliteBinder;
use std::path::PathBuf;

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

/// The cells of a row, by position, whichever driver handed it over.
trait Cells {
    fn int(&self, i: usize, col: &'static str) -> Result<i64, StoreError>;
    fn opt_int(&self, i: usize, col: &'static str) -> Result<Option<i64>, StoreError>;
    /// The text in cell `i`, read by `f` without copying it; `None` from `f` is corrupt data.
    fn text<T>(&self, i: usize, col: &'static str, f: impl FnOnce(&str) -> Option<T>) -> Result<T, StoreError>;
}

impl Cells for sqlx::any::AnyRow {
    fn int(&self, i: usize, col: &'static str) -> Result<i64, StoreError> {
        sqlx::Row::try_get(self, i).map_err(|_| StoreError::Corrupt(col))
    }
    fn opt_int(&self, i: usize, col: &'static str) -> Result<Option<i64>, StoreError> {
        sqlx::Row::try_get(self, i).map_err(|_| StoreError::Corrupt(col))
    }
    fn text<T>(&self, i: usize, col: &'static str, f: impl FnOnce(&str) -> Option<T>) -> Result<T, StoreError> {
        let s: &str = sqlx::Row::try_get(self, i).map_err(|_| StoreError::Corrupt(col))?;
        f(s).ok_or(StoreError::Corrupt(col))
    }
}

impl Cells for rusqlite::Row<'_> {
    fn int(&self, i: usize, col: &'static str) -> Result<i64, StoreError> {
        self.get(i).map_err(|_| StoreError::Corrupt(col))
    }
    fn opt_int(&self, i: usize, col: &'static str) -> Result<Option<i64>, StoreError> {
        self.get(i).map_err(|_| StoreError::Corrupt(col))
    }
    fn text<T>(&self, i: usize, col: &'static str, f: impl FnOnce(&str) -> Option<T>) -> Result<T, StoreError> {
        let s = self.get_ref(i).ok().and_then(|v| v.as_str().ok()).ok_or(StoreError::Corrupt(col))?;
        f(s).ok_or(StoreError::Corrupt(col))
    }
}

/// What a chunk asks for besides its households.
#[derive(Debug, Clone, Copy)]
struct Window {
    from: YearMonth,
    to: YearMonth,
}

impl Window {
    /// Union assistance counts from `to − 11` to the last day of `to`.
    fn assistance_days(self) -> Result<(String, String), StoreError> {
        let next = self.to.plus(1);
        let last_day = NaiveDate::from_ymd_opt(next.year(), next.month(), 1)
            .and_then(|d| d.pred_opt())
            .ok_or(StoreError::Corrupt("month"))?;
        Ok((format!("{}-01", self.to.plus(-11)), last_day.to_string()))
    }
}

/// The households of a chunk: ids after `after`, at most `limit`, that `scope` reaches (and in
/// `regions`, if given), in id order.
fn households_query(scope: &Scope, regions: Option<&[String]>, after: i64, limit: u64) -> SelectStatement {
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
    q
}

fn household_from(r: &impl Cells) -> Result<HouseholdFacts, StoreError> {
    Ok(HouseholdFacts {
        id: r.int(0, "id")?,
        region_code: r.text(1, "region_code", |s| Some(s.to_string()))?,
        status: r.text(2, "status", |s| Some(s.to_string()))?,
        facts: Facts {
            registered_on: r.text(3, "registered_on", |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())?,
            migrant_worker: r.int(4, "migrant_worker")? != 0,
            causes_resolved: r.int(5, "causes_resolved")? != 0,
            children_completed_studies: r.int(6, "children_completed_studies")? != 0,
            labour_relation_months: r.opt_int(7, "labour_relation_months")?,
            ..Default::default()
        },
    })
}

/// The other facts of a chunk, each one query on a key range: every row's first cell is its
/// household id.
#[derive(Debug, Clone, Copy)]
enum Part {
    Causes,
    Months,
    Enrolments,
    Exclusions,
    MajorEvents,
    UnionAssistance,
}

const PARTS: [Part; 6] =
    [Part::Causes, Part::Months, Part::Enrolments, Part::Exclusions, Part::MajorEvents, Part::UnionAssistance];

impl Part {
    /// The query for households `lo ..= hi`.
    fn query(self, lo: i64, hi: i64, w: Window) -> Result<SelectStatement, StoreError> {
        use crate::schema::Enrolments as En;
        use MonthlyRecords as M;
        let mut q = Query::select();
        match self {
            Part::Causes => q
                .columns([HouseholdCauses::HouseholdId, HouseholdCauses::Cause])
                .from(HouseholdCauses::Table)
                .and_where(Expr::col(HouseholdCauses::HouseholdId).between(lo, hi)),
            Part::Months => q
                .columns([M::HouseholdId, M::Month, M::Members, M::Income, M::GovernmentAssistance])
                .expr(
                    Expr::col(M::NlMedical)
                        .add(Expr::col(M::NlEducation))
                        .add(Expr::col(M::NlEmergency))
                        .add(Expr::col(M::NlAccident))
                        .add(Expr::col(M::NlOther)),
                )
                .expr(
                    Expr::col(M::NlMedical)
                        .add(Expr::col(M::NlEducation))
                        .add(Expr::col(M::NlEmergency))
                        .add(Expr::col(M::NlAccident)),
                )
                .expr(Expr::col(M::NlMedical).add(Expr::col(M::NlEmergency)).add(Expr::col(M::NlAccident)))
                .from(M::Table)
                .and_where(Expr::col(M::HouseholdId).between(lo, hi))
                .and_where(Expr::col(M::Month).between(w.from.to_key(), w.to.to_key())),
            Part::Enrolments => q
                .columns([En::HouseholdId, En::Scheme, En::FromMonth, En::ToMonth])
                .from(En::Table)
                .and_where(Expr::col(En::HouseholdId).between(lo, hi)),
            Part::Exclusions => q
                .columns([HouseholdExclusions::HouseholdId, HouseholdExclusions::Code])
                .from(HouseholdExclusions::Table)
                .and_where(Expr::col(HouseholdExclusions::HouseholdId).between(lo, hi)),
            Part::MajorEvents => q
                .columns([MajorEvents::HouseholdId, MajorEvents::Month])
                .from(MajorEvents::Table)
                .and_where(Expr::col(MajorEvents::HouseholdId).between(lo, hi))
                .and_where(Expr::col(MajorEvents::Month).between(w.from.to_key(), w.to.to_key())),
            Part::UnionAssistance => {
                let (first, last) = w.assistance_days()?;
                q.columns([Ua::HouseholdId, Ua::Date])
                    .from(Ua::Table)
                    .and_where(Expr::col(Ua::HouseholdId).between(lo, hi))
                    .and_where(Expr::col(Ua::Date).between(first, last))
            }
        };
        Ok(q)
    }

    /// Adds one row of this part to its household's facts (`out` is in id order).
    fn add(self, r: &impl Cells, out: &mut [HouseholdFacts]) -> Result<(), StoreError> {
        let id = r.int(0, "household_id")?;
        let Ok(i) = out.binary_search_by_key(&id, |h| h.id) else { return Ok(()) };
        let f = &mut out[i].facts;
        let month = |i: usize, col: &'static str| -> Result<YearMonth, StoreError> {
            YearMonth::from_key(r.int(i, col)?).ok_or(StoreError::Corrupt(col))
        };
        match self {
            Part::Causes => f.causes.push(r.text(1, "cause", Cause::from_code)?),
            Part::Months => f.months.push(MonthFacts {
                month: month(1, "month")?,
                members: r.int(2, "members")?,
                income: r.int(3, "income")?,
                aid: r.int(4, "government_assistance")?,
                non_living: r.int(5, "non_living")?,
                rigid: r.int(6, "rigid")?,
                hardship: r.int(7, "hardship")?,
            }),
            Part::Enrolments => f.enrolments.push(Enrolment {
                scheme: r.text(1, "scheme", Scheme::from_code)?,
                from: month(2, "from_month")?,
                to: r.opt_int(3, "to_month")?.and_then(YearMonth::from_key),
            }),
            Part::Exclusions => f.exclusions.push(r.text(1, "code", Exclusion::from_code)?),
            Part::MajorEvents => f.major_events.push(month(1, "month")?),
            Part::UnionAssistance => f
                .union_assistance
                .push(r.text(1, "date", |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().map(YearMonth::of_date))?),
        }
        Ok(())
    }
}

impl Store {
    /// The next chunk of households (ids after `after`, at most `limit`) that `scope` reaches,
    /// optionally only in `regions`, with the facts the rules read for a window `from … to`
    /// (union assistance from `to − 11`). Seven queries a chunk, each a range on a key.
    pub async fn facts_chunk(
        &self,
        scope: &Scope,
        regions: Option<&[String]>,
        after: i64,
        limit: u64,
        from: YearMonth,
        to: YearMonth,
    ) -> Result<Vec<HouseholdFacts>, StoreError> {
        let mut out = Vec::new();
        for r in self.all(&households_query(scope, regions, after, limit)).await? {
            out.push(household_from(&r)?);
        }
        let (Some(lo), Some(hi)) = (out.first().map(|f| f.id), out.last().map(|f| f.id)) else { return Ok(out) };
        for part in PARTS {
            for r in self.all(&part.query(lo, hi, Window { from, to })?).await? {
                part.add(&r, &mut out)?;
            }
        }
        Ok(out)
    }

    /// Every household `scope` reaches (optionally only in `regions`), in id order and chunks of
    /// `chunk`, with the facts for the window `from … to`: the batch's and the what-if's read.
    /// On a SQLite file it is read by a rusqlite thread (see the module's notes); otherwise
    /// chunk by chunk through the pool.
    pub fn facts_stream(
        &self,
        scope: &Scope,
        regions: Option<Vec<String>>,
        chunk: u64,
        from: YearMonth,
        to: YearMonth,
    ) -> FactsStream {
        let ask = Ask { scope: scope.clone(), regions, chunk: chunk.max(1), window: Window { from, to } };
        match (&self.sqlite_file, self.backend) {
            (Some(file), Backend::Sqlite) => {
                let (tx, rx) = tokio::sync::mpsc::channel(1);
                let file = file.as_ref().clone();
                std::thread::spawn(move || read_chunks(&file, &ask, &tx));
                FactsStream { rx }
            }
            // Through the pool, one chunk ahead as well, on a task of its own.
            _ => {
                let (tx, rx) = tokio::sync::mpsc::channel(1);
                let store = self.clone();
                tokio::spawn(async move { store.read_chunks_through_pool(ask, tx).await });
                FactsStream { rx }
            }
        }
    }
}

impl Store {
    /// The pool's side of [`Store::facts_stream`]: as [`read_chunks`], through the pool.
    async fn read_chunks_through_pool(self, ask: Ask, tx: tokio::sync::mpsc::Sender<Chunk>) {
        let mut after = 0;
        loop {
            let w = ask.window;
            match self.facts_chunk(&ask.scope, ask.regions.as_deref(), after, ask.chunk, w.from, w.to).await {
                Ok(chunk) if chunk.is_empty() => return,
                Ok(chunk) => {
                    after = chunk.last().map_or(after, |h| h.id);
                    if tx.send(Ok(chunk)).await.is_err() {
                        return;
                    }
                }
                Err(e) => {
                    let _ = tx.send(Err(e)).await;
                    return;
                }
            }
        }
    }
}

/// What a stream reads.
#[derive(Debug, Clone)]
struct Ask {
    scope: Scope,
    regions: Option<Vec<String>>,
    chunk: u64,
    window: Window,
}

/// Chunks of households' facts, in id order (see [`Store::facts_stream`]), read one chunk ahead
/// by a thread (rusqlite) or a task (the pool).
pub struct FactsStream {
    rx: tokio::sync::mpsc::Receiver<Chunk>,
}

type Chunk = Result<Vec<HouseholdFacts>, StoreError>;

impl FactsStream {
    /// The next chunk; `None` after the last.
    pub async fn next(&mut self) -> Result<Option<Vec<HouseholdFacts>>, StoreError> {
        self.rx.recv().await.transpose()
    }
}

/// The rusqlite side of [`Store::facts_stream`]: reads chunks until there are no more, the
/// receiver is gone, or an error (which is sent, then the thread ends).
fn read_chunks(file: &std::path::Path, ask: &Ask, tx: &tokio::sync::mpsc::Sender<Chunk>) {
    let conn = match open_reader(file) {
        Ok(c) => c,
        Err(e) => {
            let _ = tx.blocking_send(Err(e));
            return;
        }
    };
    let mut after = 0;
    loop {
        match read_chunk(&conn, ask, after) {
            Ok(chunk) if chunk.is_empty() => return,
            Ok(chunk) => {
                after = chunk.last().map_or(after, |h| h.id);
                if tx.blocking_send(Ok(chunk)).is_err() {
                    return;
                }
            }
            Err(e) => {
                let _ = tx.blocking_send(Err(e));
                return;
            }
        }
    }
}

pub(crate) fn open_reader(file: &std::path::Path) -> Result<rusqlite::Connection, StoreError> {
    use rusqlite::OpenFlags;
    let conn =
        rusqlite::Connection::open_with_flags(file, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(bulk_error)?;
    conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(bulk_error)?;
    Ok(conn)
}

/// A connection for a batch's determinations: references checked, waiting up to 10 s for
/// another writer, and `synchronous=NORMAL` — its commits are not flushed to disk one by one
/// (twenty flushes were a third of a 100,000-household batch). That loses nothing a person
/// relies on: a batch's determinations count only once its run is finished, and finishing it is
/// a commit of the pool's (`synchronous=FULL`), whose flush of the write-ahead log makes every
/// earlier commit durable with it; after a power cut before that, the run stays unfinished.
pub(crate) fn open_writer(file: &std::path::Path) -> Result<rusqlite::Connection, StoreError> {
    use rusqlite::OpenFlags;
    let conn = rusqlite::Connection::open_with_flags(
        file,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(bulk_error)?;
    conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(bulk_error)?;
    conn.execute_batch("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;").map_err(bulk_error)?;
    Ok(conn)
}

/// A rusqlite failure, logged whole, reported as a database failure.
pub(crate) fn bulk_error(e: rusqlite::Error) -> StoreError {
    tracing::warn!(error = %e, "bulk reading or writing failed");
    StoreError::Database(sqlx::Error::Protocol(format!("bulk SQLite: {e}")))
}

fn read_chunk(conn: &rusqlite::Connection, ask: &Ask, after: i64) -> Result<Vec<HouseholdFacts>, StoreError> {
    // A deferred read transaction: the chunk's queries see one state of the file.
    let tx = conn.unchecked_transaction().map_err(bulk_error)?;
    let mut out = Vec::new();
    run(&tx, &households_query(&ask.scope, ask.regions.as_deref(), after, ask.chunk), |r| {
        out.push(household_from(r)?);
        Ok(())
    })?;
    if let (Some(lo), Some(hi)) = (out.first().map(|f| f.id), out.last().map(|f| f.id)) {
        for part in PARTS {
            run(&tx, &part.query(lo, hi, ask.window)?, |r| part.add(r, &mut out))?;
        }
    }
    tx.finish().map_err(bulk_error)?;
    Ok(out)
}

/// Runs `q` (its statement prepared once and cached: chunks differ only in their values),
/// handing each row to `each`.
fn run(
    conn: &rusqlite::Connection,
    q: &SelectStatement,
    mut each: impl FnMut(&rusqlite::Row<'_>) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let (sql, values) = q.build_rusqlite(SqliteQueryBuilder);
    let mut stmt = conn.prepare_cached(&sql).map_err(bulk_error)?;
    let mut rows = stmt.query(&*values.as_params()).map_err(bulk_error)?;
    while let Some(r) = rows.next().map_err(bulk_error)? {
        each(r)?;
    }
    Ok(())
}

/// The file behind a SQLite URL, for the bulk reader.
pub(crate) fn sqlite_file(url: &str) -> Option<PathBuf> {
    use std::str::FromStr;
    let o = sqlx::sqlite::SqliteConnectOptions::from_str(url).ok()?;
    let f = o.get_filename();
    (!f.as_os_str().is_empty() && f != std::path::Path::new(":memory:")).then(|| f.to_path_buf())
}
