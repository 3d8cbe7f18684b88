//! Set-wise reads and writes for imports: heads and file numbers looked up by lists, new
//! households written with ids reserved in one step, members and months read and written for
//! many households per statement. An import of 100,000 households is a few hundred statements,
//! not a million.
//!
//! An import commits in batches (issue 19), each a short transaction, so other users' writes
//! wait for one batch, never for the file. It is all or nothing all the same: it is recorded in
//! `imports`, the households it touched in `import_households`, the members and months it added
//! carry its id, and the months it replaced keep their earlier figures in `import_replaced`.
//! [`Store::roll_back_import`] undoes it batch by batch — after a failure, when its uploader goes
//! away, or, for an import whose process died, when its heartbeat is stale.

use crate::bulk::Bulk;
use crate::bulk::ROWS_PER_STATEMENT;
use crate::db::{get, Backend, RowGet, Store, WriteTx};
use crate::households::HouseholdWrite;
use crate::read::Source;
use crate::records::{member_from, month_values, Member, MonthlyRecord, MONTH_COLUMNS};
use crate::schema::*;
use crate::StoreError;
use sea_query::{Expr, OnConflict, Query, SelectStatement};
use sqlx::AnyConnection;
use std::collections::HashMap;

/// IN lists of this many values.
const LIST: usize = 500;

/// A household on file, as an import matches it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnFile {
    /// Id.
    pub id: i64,
    /// Head's resident ID.
    pub head_id_number: String,
    /// File number.
    pub file_no: String,
    /// Region.
    pub region_code: String,
    /// Union.
    pub union_id: Option<i64>,
}

fn on_file_query<V: Into<sea_query::Value> + Clone>(col: Households, values: &[V]) -> SelectStatement {
    use Households::*;
    Query::select()
        .columns([Id, HeadIdNumber, FileNo, RegionCode, UnionId])
        .from(Table)
        .and_where(Expr::col(col).is_in(values.iter().cloned()))
        .to_owned()
}

/// A household found by its head's blind index: its head's ID is not opened, it is the ID that
/// was looked for (the caller's own, the same ID), filled in by [`heads_on_file_in`].
fn on_file_by_index(r: &dyn RowGet) -> Result<(i64, OnFile), StoreError> {
    Ok((
        get(r, "head_id_index")?,
        OnFile {
            id: get(r, "id")?,
            head_id_number: String::new(),
            file_no: get(r, "file_no")?,
            region_code: get(r, "region_code")?,
            union_id: get(r, "union_id")?,
        },
    ))
}

/// Households whose head has one of these resident IDs, by head, looked up by blind index.
/// The indexes are looked up in their own order, a list of [`LIST`] at a time: each list then
/// reads one stretch of the index, not pages all over it (the indexes of IDs in any order are in
/// random order). Nothing is opened: the head's ID is the one looked for.
async fn heads_on_file_in(r: &mut impl Source, heads: &[String]) -> Result<HashMap<String, OnFile>, StoreError> {
    let keys = crate::keys::keyring()?;
    let mut wanted: Vec<(i64, &str)> =
        heads.iter().map(|id| (keys.blind(id), id.as_str())).filter(|(index, _)| *index != 0).collect();
    wanted.sort_unstable();
    let mut out = HashMap::new();
    for chunk in wanted.chunk_by(|a, b| a.0 == b.0).collect::<Vec<_>>().chunks(LIST) {
        use Households::*;
        // Not the sealed ID: 60 bytes a row, copied and freed, for nothing.
        let q = Query::select()
            .columns([Id, HeadIdIndex, FileNo, RegionCode, UnionId])
            .from(Table)
            .and_where(Expr::col(HeadIdIndex).is_in(chunk.iter().map(|same| same[0].0)))
            .to_owned();
        for (index, h) in r.rows(&q, on_file_by_index).await? {
            // Every spelling looked for with this index (upper- or lower-case X).
            if let Ok(at) = chunk.binary_search_by_key(&index, |same| same[0].0) {
                for (_, id) in chunk[at] {
                    out.insert(id.to_string(), OnFile { head_id_number: id.to_string(), ..h.clone() });
                }
            }
        }
    }
    Ok(out)
}

fn on_file_from(r: &dyn RowGet) -> Result<OnFile, StoreError> {
    Ok(OnFile {
        id: get(r, "id")?,
        head_id_number: crate::keys::open(crate::keys::field::HEAD_ID, &get::<String>(r, "head_id_number")?)?,
        file_no: get(r, "file_no")?,
        region_code: get(r, "region_code")?,
        union_id: get(r, "union_id")?,
    })
}

/// `household_id` among `ids` (sorted, integers written out), with their range beside the
/// list: a table loaded in the same hour has no statistics on PostgreSQL yet, and the planner
/// then reads all of it for a list of 500 (47 s for 2.4 M months), but a range it scans by key.
fn id_list(ids: &[i64]) -> String {
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let (lo, hi) = (ids.iter().min().copied().unwrap_or(0), ids.iter().max().copied().unwrap_or(0));
    format!("household_id BETWEEN {lo} AND {hi} AND household_id IN ({list})")
}

impl Store {
    /// Households whose head has one of these resident IDs, anywhere (the caller decides what
    /// the reader may match), by head.
    pub async fn heads_on_file(&self, heads: &[String]) -> Result<HashMap<String, OnFile>, StoreError> {
        heads_on_file_in(&mut crate::read::Pooled(self), heads).await
    }

    /// Households with one of these file numbers, anywhere, by file number.
    pub async fn file_nos_on_file(&self, file_nos: &[String]) -> Result<HashMap<String, OnFile>, StoreError> {
        let mut out = HashMap::new();
        for chunk in file_nos.chunks(LIST) {
            for r in self.all(&on_file_query(Households::FileNo, chunk)).await? {
                let h = on_file_from(&r)?;
                out.insert(h.file_no.clone(), h);
            }
        }
        Ok(out)
    }
}

impl Store {
    /// As [`WriteTx::members_of`], outside any transaction (checking a file writes nothing).
    pub async fn members_of(&self, ids: &[i64]) -> Result<HashMap<i64, Vec<Member>>, StoreError> {
        let mut c = self.pool.acquire().await?;
        members_in(&mut c, self.backend, ids).await
    }

    /// As [`WriteTx::months_of`], outside any transaction.
    pub async fn months_of(&self, ids: &[i64]) -> Result<HashMap<(i64, i64), MonthlyRecord>, StoreError> {
        let mut c = self.pool.acquire().await?;
        months_in(&mut c, self.backend, ids).await
    }

    /// After a large import: PostgreSQL plans by table statistics, which autovacuum refreshes
    /// only later; until then look-ups on the new rows scan whole tables. SQLite needs nothing.
    pub async fn analyze_after_import(&self) -> Result<(), StoreError> {
        if self.backend == Backend::Postgres {
            sqlx::query("ANALYZE households, members, monthly_records, household_causes").execute(&self.pool).await?;
        }
        Ok(())
    }
}

impl WriteTx {
    /// The members of these households, by household.
    pub async fn members_of(&mut self, ids: &[i64]) -> Result<HashMap<i64, Vec<Member>>, StoreError> {
        members_in(&mut self.tx, self.backend, ids).await
    }

    /// The monthly records of these households, by household and month key.
    pub async fn months_of(&mut self, ids: &[i64]) -> Result<HashMap<(i64, i64), MonthlyRecord>, StoreError> {
        months_in(&mut self.tx, self.backend, ids).await
    }

    /// As [`Store::heads_on_file`], inside the transaction.
    pub async fn heads_on_file(&mut self, heads: &[String]) -> Result<HashMap<String, OnFile>, StoreError> {
        heads_on_file_in(self, heads).await
    }

    /// `n` new household ids. SQLite runs one writer at a time, so the ids above the highest
    /// are free until commit; PostgreSQL hands them out from the id sequence.
    pub async fn reserve_household_ids(&mut self, n: usize) -> Result<Vec<i64>, StoreError> {
        if n == 0 {
            return Ok(Vec::new());
        }
        match self.backend {
            Backend::Postgres => {
                let rows = sqlx::query(
                    "SELECT CAST(nextval(pg_get_serial_sequence('households', 'id')) AS BIGINT) AS id \
                     FROM generate_series(1, $1)",
                )
                .bind(n as i64)
                .fetch_all(&mut *self.tx)
                .await?;
                rows.iter().map(|r| get(r, "id")).collect()
            }
            Backend::Sqlite => {
                // Above both the highest id on file and the highest ever given (AUTOINCREMENT's
                // sqlite_sequence): a deleted household's id is never given again, so the audit
                // trail's entries about it never point at someone else.
                let r = sqlx::query(
                    "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'households'), 0), \
                     COALESCE((SELECT MAX(id) FROM households), 0)) AS m",
                )
                .fetch_one(&mut *self.tx)
                .await?;
                let max: i64 = get(&r, "m")?;
                Ok((1..=n as i64).map(|i| max + i).collect())
            }
        }
    }

    /// Registers households with reserved ids (and their causes) as `by`; their counts are kept
    /// in step at commit.
    pub async fn import_households(&mut self, rows: &[(i64, HouseholdWrite)], by: &str) -> Result<(), StoreError> {
        self.bulk_households(rows).await?;
        for chunk in rows.chunks(LIST) {
            let q = Query::update()
                .table(Households::Table)
                .value(Households::RegisteredBy, by)
                .and_where(Expr::col(Households::Id).is_in(chunk.iter().map(|r| r.0)))
                .to_owned();
            self.exec(&q).await?;
        }
        for (id, _) in rows {
            self.tally_created(*id);
        }
        Ok(())
    }

    /// Writes monthly records of many households (a month on file takes the new figures),
    /// recorded by `by` now. The statement is written out (integers, and two quoted texts):
    /// binding twelve thousand values a statement cost more than SQLite's work.
    ///
    /// `replace` false is for months not on file: a plain insert (on PostgreSQL half the cost of
    /// an upsert, 1.0 s against 1.9 s for 100,000 rows).
    pub async fn upsert_months(
        &mut self,
        rows: &[(i64, MonthlyRecord)],
        replace: bool,
        by: &str,
        import_id: Option<i64>,
    ) -> Result<(), StoreError> {
        if let (true, Some(import)) = (replace, import_id) {
            self.keep_replaced(import, rows).await?;
        }
        let import = import_id.map_or_else(|| "NULL".to_string(), |i| i.to_string());
        let on_conflict = " ON CONFLICT (household_id, month) DO UPDATE SET members = excluded.members, \
             income = excluded.income, government_assistance = excluded.government_assistance, \
             nl_medical = excluded.nl_medical, nl_education = excluded.nl_education, \
             nl_emergency = excluded.nl_emergency, nl_accident = excluded.nl_accident, \
             nl_other = excluded.nl_other, recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at, \
             import_id = excluded.import_id";
        if self.backend == Backend::Postgres {
            // PostgreSQL parses ten integer arrays much faster than a thousand-row VALUES list
            // (100,000 rows: 1.7 s against 2.6 s on this machine).
            for chunk in rows.chunks(10_000) {
                let cols = [
                    int_array(chunk, |r| r.0),
                    int_array(chunk, |r| r.1.month.to_key()),
                    int_array(chunk, |r| r.1.members),
                    int_array(chunk, |r| r.1.income.fen()),
                    int_array(chunk, |r| r.1.government_assistance.fen()),
                    int_array(chunk, |r| r.1.medical.fen()),
                    int_array(chunk, |r| r.1.education.fen()),
                    int_array(chunk, |r| r.1.emergency.fen()),
                    int_array(chunk, |r| r.1.accident.fen()),
                    int_array(chunk, |r| r.1.other.fen()),
                ];
                let mut sql = format!(
                    "INSERT INTO monthly_records (household_id, month, members, income, government_assistance, \
                     nl_medical, nl_education, nl_emergency, nl_accident, nl_other, recorded_by, recorded_at, import_id) \
                     SELECT h, m, a, b, c, d, e, f, g, i, {}, {}, CAST({import} AS BIGINT) \
                     FROM UNNEST({}) AS t(h, m, a, b, c, d, e, f, g, i)",
                    sql_text(by),
                    sql_text(&crate::now_rfc3339()),
                    cols.join(",")
                );
                if replace {
                    sql.push_str(on_conflict);
                }
                sqlx::raw_sql(&sql).execute(&mut *self.tx).await?;
            }
            return Ok(());
        }

        // Bound values, the same statement for every full chunk: SQLite prepares it once (parsing a
        // thousand rows of literals was a fifth of a 2,400,000-month import).
        use crate::schema::MonthlyRecords as M;
        let (by, at) = (by.to_string(), crate::now_rfc3339());
        let mut cols = MONTH_COLUMNS.to_vec();
        cols.extend([M::RecordedBy, M::RecordedAt, M::ImportId]);
        let updated = cols[2..].to_vec();
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let mut q = Query::insert();
            q.into_table(M::Table).columns(cols.iter().copied());
            for (h, r) in chunk {
                let mut v = month_values(*h, r).to_vec();
                v.extend([by.clone().into(), at.clone().into(), import_id.into()]);
                q.values_panic(v);
            }
            if replace {
                q.on_conflict(
                    OnConflict::columns([M::HouseholdId, M::Month]).update_columns(updated.iter().copied()).to_owned(),
                );
            }
            self.exec(&q).await?;
        }
        Ok(())
    }
}

/// Text as an SQL string literal (quotes doubled), for statements written out.
pub(crate) fn sql_text(t: &str) -> String {
    format!("'{}'", t.replace('\'', "''"))
}

/// A column of rows as a PostgreSQL integer array literal.
fn int_array(rows: &[(i64, MonthlyRecord)], f: fn(&(i64, MonthlyRecord)) -> i64) -> String {
    use std::fmt::Write;
    let mut a = String::with_capacity(rows.len() * 8 + 16);
    a.push_str("'{");
    for (i, r) in rows.iter().enumerate() {
        if i > 0 {
            a.push(',');
        }
        let _ = write!(a, "{}", f(r));
    }
    a.push_str("}'::bigint[]");
    a
}

/// The members of these households, by household.
async fn members_in(
    c: &mut AnyConnection,
    backend: Backend,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<Member>>, StoreError> {
    use Members::*;
    let mut out: HashMap<i64, Vec<Member>> = HashMap::new();
    for chunk in ids.chunks(LIST) {
        let q = Query::select()
            .columns([Id, HouseholdId, Name, IdNumber, Relation, BirthDate, Situation])
            .from(Table)
            .and_where(Expr::cust(id_list(chunk)))
            .to_owned();
        let (sql, values) = crate::db::build(backend, &q);
        for r in sqlx::query_with(&sql, values).fetch_all(&mut *c).await? {
            let m = member_from(&r)?;
            out.entry(m.household_id).or_default().push(m);
        }
    }
    Ok(out)
}

/// The monthly records of these households, by household and month key. Each household's
/// months come as one text, aggregated in SQL: the driver hands over rows at ~10 µs each,
/// so 2,400,000 month rows took 23 s, their 100,000 households' texts a second or two.
async fn months_in(
    c: &mut AnyConnection,
    backend: Backend,
    ids: &[i64],
) -> Result<HashMap<(i64, i64), MonthlyRecord>, StoreError> {
    let agg = match backend {
        Backend::Sqlite => "group_concat",
        Backend::Postgres => "string_agg",
    };
    let mut out = HashMap::new();
    for chunk in ids.chunks(LIST) {
        let sql = format!(
            "SELECT household_id, {agg}(month || ',' || members || ',' || income || ',' || government_assistance \
             || ',' || nl_medical || ',' || nl_education || ',' || nl_emergency || ',' || nl_accident || ',' \
             || nl_other, ';') AS m FROM monthly_records WHERE {} GROUP BY household_id",
            id_list(chunk)
        );
        let rows: Vec<(i64, String)> = sqlx::query_as(&sql).fetch_all(&mut *c).await?;
        for (h, text) in rows {
            for one in text.split(';') {
                let v: Vec<i64> = one
                    .split(',')
                    .map(str::parse)
                    .collect::<Result<_, _>>()
                    .map_err(|_| StoreError::Corrupt("month"))?;
                let [m, members, income, gov, med, edu, em, acc, oth] = v[..] else {
                    return Err(StoreError::Corrupt("month"));
                };
                let month = bangfu_domain::YearMonth::from_key(m).ok_or(StoreError::Corrupt("month"))?;
                let f = bangfu_domain::Money::from_fen;
                out.insert(
                    (h, m),
                    MonthlyRecord {
                        month,
                        members,
                        income: f(income),
                        government_assistance: f(gov),
                        medical: f(med),
                        education: f(edu),
                        emergency: f(em),
                        accident: f(acc),
                        other: f(oth),
                    },
                );
            }
        }
    }
    Ok(out)
}

impl WriteTx {
    /// Notes that import `import` touched these households (`created`: it registered them).
    pub async fn import_touched(&mut self, import: i64, ids: &[i64], created: bool) -> Result<(), StoreError> {
        for chunk in ids.chunks(ROWS_PER_STATEMENT) {
            let values =
                chunk.iter().map(|h| format!("({import},{h},{})", i64::from(created))).collect::<Vec<_>>().join(",");
            self.raw(&format!(
                "INSERT INTO import_households (import_id, household_id, created) VALUES {values} \
                 ON CONFLICT (import_id, household_id) DO NOTHING"
            ))
            .await?;
        }
        Ok(())
    }

    /// Keeps the figures of months an import is about to replace (the first figures, if it
    /// replaces one twice), for its undoing.
    async fn keep_replaced(&mut self, import: i64, rows: &[(i64, MonthlyRecord)]) -> Result<(), StoreError> {
        for chunk in rows.chunks(LIST) {
            let cond = chunk
                .iter()
                .map(|(h, m)| format!("(household_id = {h} AND month = {})", m.month.to_key()))
                .collect::<Vec<_>>()
                .join(" OR ");
            self.raw(&format!(
                "INSERT INTO import_replaced (import_id, household_id, month, members, income, government_assistance, \
                 nl_medical, nl_education, nl_emergency, nl_accident, nl_other, recorded_by, recorded_at, import_id_before) \
                 SELECT {import}, household_id, month, members, income, government_assistance, nl_medical, nl_education, \
                 nl_emergency, nl_accident, nl_other, recorded_by, recorded_at, import_id FROM monthly_records \
                 WHERE {cond} ON CONFLICT (import_id, household_id, month) DO NOTHING"
            ))
            .await?;
        }
        Ok(())
    }

    /// The import is written: what it kept for its undoing goes.
    pub async fn import_done(&mut self, import: i64) -> Result<(), StoreError> {
        self.raw(&format!("DELETE FROM import_replaced WHERE import_id = {import}")).await?;
        self.raw(&format!("DELETE FROM import_households WHERE import_id = {import}")).await?;
        sqlx::query("UPDATE imports SET status = 'done', finished_at = $1 WHERE id = $2")
            .bind(crate::now_rfc3339())
            .bind(import)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}

/// Households undone per transaction when an import is rolled back.
const UNDO_BATCH: usize = 200;

/// What undoing an import removed and put back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Undone {
    /// Households it had registered, removed.
    pub households: u64,
    /// Months it had replaced, put back.
    pub months_restored: u64,
}

/// The import is alive: its heartbeat is now.
async fn beat(c: &mut AnyConnection, import: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE imports SET heartbeat_at = $1 WHERE id = $2")
        .bind(crate::now_rfc3339())
        .bind(import)
        .execute(&mut *c)
        .await?;
    Ok(())
}

impl Store {
    /// The import is alive: its heartbeat is now.
    pub async fn import_heartbeat(&self, import: i64) -> Result<(), StoreError> {
        let mut c = self.pool.acquire().await?;
        beat(&mut c, import).await
    }

    /// Records an import about to write; gives its id.
    pub async fn import_begin(&self, file: &str, by: &str) -> Result<i64, StoreError> {
        let now = crate::now_rfc3339();
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO imports (file_name, by_user, status, started_at, heartbeat_at) \
             VALUES ($1, $2, 'writing', $3, $3) RETURNING id",
        )
        .bind(file)
        .bind(by)
        .bind(&now)
        .fetch_one(&mut *tx.tx)
        .await?;
        let id = get(&row, "id")?;
        tx.commit().await?;
        Ok(id)
    }

    /// Imports still writing (or being undone) whose heartbeat is older than `stale`: their
    /// process died. Undo them with [`Store::roll_back_import`].
    pub async fn abandoned_imports(&self, stale: std::time::Duration) -> Result<Vec<i64>, StoreError> {
        let before = (chrono::Utc::now() - chrono::Duration::from_std(stale).unwrap_or_default())
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let rows = sqlx::query(
            "SELECT id FROM imports WHERE status IN ('writing', 'rolling_back') AND heartbeat_at < $1 ORDER BY id",
        )
        .bind(before)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| get(r, "id")).collect()
    }

    /// Undoes import `import`, a few hundred households per transaction: the months and members
    /// it added go, the months it replaced get their earlier figures back, the households it
    /// registered go (their counts with them). Safe to run again after a crash half-way.
    pub async fn roll_back_import(&self, import: i64) -> Result<Undone, StoreError> {
        let mut undone = Undone::default();
        sqlx::query("UPDATE imports SET status = 'rolling_back', heartbeat_at = $1 WHERE id = $2")
            .bind(crate::now_rfc3339())
            .bind(import)
            .execute(&self.pool)
            .await?;
        loop {
            let mut tx = self.begin().await?;
            let rows = sqlx::query(&format!(
                "SELECT household_id, created FROM import_households WHERE import_id = {import} \
                 ORDER BY household_id LIMIT {UNDO_BATCH}"
            ))
            .fetch_all(&mut *tx.tx)
            .await?;
            if rows.is_empty() {
                tx.raw(&format!("DELETE FROM import_replaced WHERE import_id = {import}")).await?;
                sqlx::query("UPDATE imports SET status = 'rolled_back', finished_at = $1 WHERE id = $2")
                    .bind(crate::now_rfc3339())
                    .bind(import)
                    .execute(&mut *tx.tx)
                    .await?;
                tx.commit().await?;
                return Ok(undone);
            }
            let mut all = Vec::new();
            let mut created = Vec::new();
            for r in &rows {
                let h: i64 = get(r, "household_id")?;
                let c: i64 = get(r, "created")?;
                all.push(h);
                if c != 0 {
                    created.push(h);
                }
            }
            let list = all.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
            tx.tally_touch(&created).await?;
            tx.raw(&format!("DELETE FROM monthly_records WHERE import_id = {import} AND household_id IN ({list})"))
                .await?;
            let restored = sqlx::query(&format!(
                "INSERT INTO monthly_records (household_id, month, members, income, government_assistance, nl_medical, \
                 nl_education, nl_emergency, nl_accident, nl_other, recorded_by, recorded_at, import_id) \
                 SELECT household_id, month, members, income, government_assistance, nl_medical, nl_education, \
                 nl_emergency, nl_accident, nl_other, recorded_by, recorded_at, import_id_before FROM import_replaced \
                 WHERE import_id = {import} AND household_id IN ({list})"
            ))
            .execute(&mut *tx.tx)
            .await?
            .rows_affected();
            tx.raw(&format!("DELETE FROM import_replaced WHERE import_id = {import} AND household_id IN ({list})"))
                .await?;
            tx.raw(&format!("DELETE FROM members WHERE import_id = {import} AND household_id IN ({list})")).await?;
            if !created.is_empty() {
                let c = created.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
                tx.raw(&format!("DELETE FROM household_causes WHERE household_id IN ({c})")).await?;
                tx.raw(&format!("DELETE FROM household_exclusions WHERE household_id IN ({c})")).await?;
                tx.raw(&format!("DELETE FROM households WHERE id IN ({c})")).await?;
            }
            tx.raw(&format!("DELETE FROM import_households WHERE import_id = {import} AND household_id IN ({list})"))
                .await?;
            beat(&mut tx.tx, import).await?;
            tx.commit().await?;
            undone.households += created.len() as u64;
            undone.months_restored += restored;
        }
    }
}
