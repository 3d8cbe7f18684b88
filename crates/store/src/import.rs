//! Set-wise reads and writes for imports: heads and file numbers looked up by lists, new
//! households written with ids reserved in one step, members and months read and written for
//! many households per statement. An import of 100,000 households is a few hundred statements,
//! not a million.

use crate::bulk::ROWS_PER_STATEMENT;
use crate::db::{get, Backend, Store, WriteTx};
use crate::households::HouseholdWrite;
use crate::records::{member_from, Member, MonthlyRecord};
use crate::schema::*;
use crate::StoreError;
use sea_query::{Expr, Query, SelectStatement};
use sqlx::any::AnyRow;
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

fn on_file_query(col: Households, values: &[String]) -> SelectStatement {
    use Households::*;
    Query::select()
        .columns([Id, HeadIdNumber, FileNo, RegionCode, UnionId])
        .from(Table)
        .and_where(Expr::col(col).is_in(values.iter().cloned()))
        .to_owned()
}

fn on_file_from(r: &AnyRow) -> Result<OnFile, StoreError> {
    Ok(OnFile {
        id: get(r, "id")?,
        head_id_number: get(r, "head_id_number")?,
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
        let mut out = HashMap::new();
        for chunk in heads.chunks(LIST) {
            for r in self.all(&on_file_query(Households::HeadIdNumber, chunk)).await? {
                let h = on_file_from(&r)?;
                out.insert(h.head_id_number.clone(), h);
            }
        }
        Ok(out)
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
    /// As [`Store::heads_on_file`], inside the transaction.
    pub async fn heads_on_file(&mut self, heads: &[String]) -> Result<HashMap<String, OnFile>, StoreError> {
        let mut out = HashMap::new();
        for chunk in heads.chunks(LIST) {
            for r in self.all(&on_file_query(Households::HeadIdNumber, chunk)).await? {
                let h = on_file_from(&r)?;
                out.insert(h.head_id_number.clone(), h);
            }
        }
        Ok(out)
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

    /// The members of these households, by household.
    pub async fn members_of(&mut self, ids: &[i64]) -> Result<HashMap<i64, Vec<Member>>, StoreError> {
        use Members::*;
        let mut out: HashMap<i64, Vec<Member>> = HashMap::new();
        for chunk in ids.chunks(LIST) {
            let q = Query::select()
                .columns([Id, HouseholdId, Name, IdNumber, Relation, BirthDate, Situation])
                .from(Table)
                .and_where(Expr::cust(id_list(chunk)))
                .to_owned();
            for r in self.all(&q).await? {
                let m = member_from(&r)?;
                out.entry(m.household_id).or_default().push(m);
            }
        }
        Ok(out)
    }

    /// The monthly records of these households, by household and month key. Each household's
    /// months come as one text, aggregated in SQL: the driver hands over rows at ~10 µs each,
    /// so 2,400,000 month rows took 23 s, their 100,000 households' texts a second or two.
    pub async fn months_of(&mut self, ids: &[i64]) -> Result<HashMap<(i64, i64), MonthlyRecord>, StoreError> {
        let agg = match self.backend {
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
            let rows: Vec<(i64, String)> = sqlx::query_as(&sql).fetch_all(&mut *self.tx).await?;
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
    ) -> Result<(), StoreError> {
        use std::fmt::Write;
        let tail = format!(",{},{})", sql_text(by), sql_text(&crate::now_rfc3339()));
        let on_conflict = " ON CONFLICT (household_id, month) DO UPDATE SET members = excluded.members, \
             income = excluded.income, government_assistance = excluded.government_assistance, \
             nl_medical = excluded.nl_medical, nl_education = excluded.nl_education, \
             nl_emergency = excluded.nl_emergency, nl_accident = excluded.nl_accident, \
             nl_other = excluded.nl_other, recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at";
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
                     nl_medical, nl_education, nl_emergency, nl_accident, nl_other, recorded_by, recorded_at) \
                     SELECT h, m, a, b, c, d, e, f, g, i, {}, {} FROM UNNEST({}) AS t(h, m, a, b, c, d, e, f, g, i)",
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

        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let mut sql = String::with_capacity(chunk.len() * 90 + 600);
            sql.push_str(
                "INSERT INTO monthly_records (household_id, month, members, income, government_assistance, \
                 nl_medical, nl_education, nl_emergency, nl_accident, nl_other, recorded_by, recorded_at) VALUES ",
            );
            for (i, (h, r)) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(',');
                }
                let _ = write!(
                    sql,
                    "({h},{},{},{},{},{},{},{},{},{}",
                    r.month.to_key(),
                    r.members,
                    r.income.fen(),
                    r.government_assistance.fen(),
                    r.medical.fen(),
                    r.education.fen(),
                    r.emergency.fen(),
                    r.accident.fen(),
                    r.other.fen()
                );
                sql.push_str(&tail);
            }
            if replace {
                sql.push_str(on_conflict);
            }
            sqlx::query(&sql).execute(&mut *self.tx).await?;
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
