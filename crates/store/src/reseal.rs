//! Sealing what is stored in clear, and resealing what an older key sealed (issue 23): the
//! conversion of a database written before migration 24, and the second half of a key rotation.
//!
//! Each column of personal data is walked in key order, a batch of rows per short transaction;
//! a row is rewritten only if it still holds the value read (`WHERE id = ? AND col = old`), so a
//! person's write in between wins and the next pass looks at the row again. Nothing records
//! where a walk stopped: a value not sealed with the active key is itself the mark of the work
//! left, so a walk killed at any point is resumed by running it again. The audit trail is the
//! exception for values in clear: most of its entries need no seal, so how far the walk went
//! is kept in `seal_progress`.

use crate::db::{get, Store};
use crate::keys::{self, field, Keyring, SEALED};
use crate::StoreError;
use sea_query::{Alias, Expr, Order, Query};

/// A column of personal data.
struct Column {
    table: &'static str,
    key: &'static str,
    column: &'static str,
    field: &'static str,
    /// The blind index beside it, for a resident ID.
    index: Option<&'static str>,
    /// Kept masked, not sealed (a roster's IDs, which no page shows whole): a value in clear is
    /// one whose blind index is still 0.
    masked: bool,
    /// Only some values are sealed (audit details naming personal data): a value in clear is
    /// left as it is here (the audit walk decides which to seal), a sealed one is rekeyed.
    some_sealed: bool,
}

const COLUMNS: [Column; 5] = [
    Column {
        table: "households",
        key: "id",
        column: "head_id_number",
        field: field::HEAD_ID,
        index: Some("head_id_index"),
        masked: false,
        some_sealed: false,
    },
    Column {
        table: "households",
        key: "id",
        column: "phone",
        field: field::PHONE,
        index: None,
        masked: false,
        some_sealed: false,
    },
    Column {
        table: "members",
        key: "id",
        column: "id_number",
        field: field::MEMBER_ID,
        index: Some("id_index"),
        masked: false,
        some_sealed: false,
    },
    Column {
        table: "roster_rows",
        key: "id",
        column: "id_number",
        field: "roster_rows.id_number",
        index: Some("id_index"),
        masked: true,
        some_sealed: false,
    },
    Column {
        table: "joint_members",
        key: "id",
        column: "phone",
        field: field::JOINT_PHONE,
        index: None,
        masked: false,
        some_sealed: false,
    },
];

/// The audit trail's detail, sealed only when it names personal data.
const AUDIT: Column = Column {
    table: "audit_log",
    key: "seq",
    column: "detail",
    field: field::AUDIT_DETAIL,
    index: None,
    masked: false,
    some_sealed: true,
};

/// How the values of a column are stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealCount {
    /// `table.column`.
    pub column: String,
    /// (A column kept masked, not sealed, has no values by key.)
    /// Values in clear, not empty (for the audit trail: details naming personal data, in clear).
    pub plain: u64,
    /// Values sealed, by key number.
    pub by_key: Vec<(u32, u64)>,
}

/// What a walk did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resealed {
    /// Values that were in clear and are sealed now.
    pub sealed: u64,
    /// Values moved from an older key to the active one.
    pub rekeyed: u64,
}

fn like_active(active: u32) -> String {
    format!("{SEALED}{active}:%")
}

/// Which values a walk seals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Walk {
    /// Values in clear only (the conversion at start).
    Plain,
    /// Every value not sealed with the active key (a rotation).
    All,
}

/// The mark, in `seal_progress`, of a database whose values in clear have all been sealed.
const PLAIN_DONE: &str = "plain_sealed";

/// Sets a mark in `seal_progress`, in the transaction of the work it records.
async fn set_seal_mark(tx: &mut crate::WriteTx, name: &str, value: i64) -> Result<(), StoreError> {
    let q = Query::insert()
        .into_table(Alias::new("seal_progress"))
        .columns([Alias::new("name"), Alias::new("done_to")])
        .values_panic([name.into(), value.into()])
        .on_conflict(sea_query::OnConflict::column(Alias::new("name")).update_column(Alias::new("done_to")).to_owned())
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

impl Store {
    /// Seals with the active key every value of personal data not sealed with it: values in
    /// clear (a database from before migration 24) and values of older keys (a rotation).
    /// `batch` rows per transaction; `progress` hears each column's running count.
    pub async fn reseal(
        &self,
        walk: Walk,
        batch: u64,
        progress: &(dyn Fn(&str, u64) + Sync),
    ) -> Result<Resealed, StoreError> {
        let keys = keys::keyring()?;
        let mut done = Resealed::default();
        for c in &COLUMNS {
            self.reseal_column(&keys, c, walk, batch, progress, &mut done).await?;
        }
        self.seal_audit(&keys, walk, batch, progress, &mut done).await?;
        Ok(done)
    }

    /// At start: if this database may still hold values in clear (it was written before
    /// migration 24 and no walk has finished since), seals them, then rewrites the space they
    /// held ([`Store::scrub`]) and marks the database done, so later starts skip the walk.
    /// Gives what the walk did, or None when there was nothing to look at.
    pub async fn seal_plain_values(
        &self,
        progress: &(dyn Fn(&str, u64) + Sync),
    ) -> Result<Option<Resealed>, StoreError> {
        if self.seal_mark(PLAIN_DONE).await?.is_some() {
            return Ok(None);
        }
        let done = self.reseal(Walk::Plain, 1000, progress).await?;
        if done.sealed > 0 {
            self.scrub().await?;
        }
        let mut tx = self.begin().await?;
        set_seal_mark(&mut tx, PLAIN_DONE, 1).await?;
        tx.commit().await?;
        Ok(Some(done))
    }

    /// A mark in `seal_progress`, if set.
    async fn seal_mark(&self, name: &str) -> Result<Option<i64>, StoreError> {
        let q = Query::select()
            .column(Alias::new("done_to"))
            .from(Alias::new("seal_progress"))
            .and_where(Expr::col(Alias::new("name")).eq(name))
            .to_owned();
        match self.optional(&q).await? {
            Some(r) => Ok(Some(get(&r, "done_to")?)),
            None => Ok(None),
        }
    }

    /// Whether any value of personal data is sealed (a database that needs its key file).
    pub async fn holds_sealed_values(&self) -> Result<bool, StoreError> {
        for c in &COLUMNS {
            let q = Query::select()
                .expr_as(Expr::val(1), Alias::new("one"))
                .from(Alias::new(c.table))
                .and_where(Expr::col(Alias::new(c.column)).like(format!("{SEALED}%")))
                .limit(1)
                .to_owned();
            if self.optional(&q).await?.is_some() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    async fn reseal_column(
        &self,
        keys: &Keyring,
        c: &Column,
        walk: Walk,
        batch: u64,
        progress: &(dyn Fn(&str, u64) + Sync),
        done: &mut Resealed,
    ) -> Result<(), StoreError> {
        let name = format!("{}.{}", c.table, c.column);
        if c.some_sealed && walk == Walk::Plain {
            return Ok(());
        }
        let (mut last, mut n) = (0i64, 0u64);
        loop {
            let mut q = Query::select();
            q.expr_as(Expr::col(Alias::new(c.key)), Alias::new("k"))
                .expr_as(Expr::col(Alias::new(c.column)), Alias::new("v"))
                .from(Alias::new(c.table))
                .and_where(Expr::col(Alias::new(c.key)).gt(last))
                .and_where(Expr::col(Alias::new(c.column)).ne(""));
            if c.some_sealed {
                q.and_where(Expr::col(Alias::new(c.column)).like(format!("{SEALED}%")));
            }
            match (c.masked, c.index, walk) {
                // Masked values have nothing to rekey: only those still in clear are taken.
                (true, Some(index), _) => q.and_where(Expr::col(Alias::new(index)).eq(0)),
                (_, _, Walk::Plain) => q.and_where(Expr::col(Alias::new(c.column)).not_like(format!("{SEALED}%"))),
                (_, _, Walk::All) => q.and_where(Expr::col(Alias::new(c.column)).not_like(like_active(keys.active()))),
            };
            let q = q.order_by(Alias::new(c.key), Order::Asc).limit(batch).to_owned();
            let rows = self.all(&q).await?;
            let Some(end) = rows.last() else { break };
            last = get(end, "k")?;
            let mut tx = self.begin().await?;
            for r in &rows {
                let old: String = get(r, "v")?;
                let plain = if c.masked { old.clone() } else { keys.open(c.field, &old)? };
                let stored =
                    if c.masked { bangfu_domain::id_number::mask(&plain) } else { keys.seal(c.field, &plain)? };
                let mut u = Query::update();
                u.table(Alias::new(c.table)).value(Alias::new(c.column), stored);
                if let Some(index) = c.index {
                    u.value(Alias::new(index), keys.blind(&plain));
                }
                u.and_where(Expr::col(Alias::new(c.key)).eq(get::<i64>(r, "k")?))
                    .and_where(Expr::col(Alias::new(c.column)).eq(old.as_str()));
                if tx.exec(&u).await? == 1 {
                    if old.starts_with(SEALED) {
                        done.rekeyed += 1;
                    } else {
                        done.sealed += 1;
                    }
                }
            }
            tx.commit().await?;
            n += rows.len() as u64;
            progress(&name, n);
        }
        Ok(())
    }

    /// The audit trail: details in clear that name personal data, from where the last walk
    /// stopped; then details sealed with an older key.
    async fn seal_audit(
        &self,
        keys: &Keyring,
        walk: Walk,
        batch: u64,
        progress: &(dyn Fn(&str, u64) + Sync),
        done: &mut Resealed,
    ) -> Result<(), StoreError> {
        let c = &AUDIT;
        let name = "audit_log.detail";
        let mut last = self.seal_mark(name).await?.unwrap_or(0);
        let mut n = 0u64;
        loop {
            let q = Query::select()
                .columns([Alias::new("seq"), Alias::new("detail")])
                .from(Alias::new(c.table))
                .and_where(Expr::col(Alias::new("seq")).gt(last))
                .order_by(Alias::new("seq"), Order::Asc)
                .limit(batch)
                .to_owned();
            let rows = self.all(&q).await?;
            let Some(end) = rows.last() else { break };
            last = get(end, "seq")?;
            let mut tx = self.begin().await?;
            for r in &rows {
                let old: String = get(r, "detail")?;
                if old.starts_with(SEALED) || !crate::audit::names_personal_data(&old) {
                    continue;
                }
                let u = Query::update()
                    .table(Alias::new(c.table))
                    .value(Alias::new("detail"), keys.seal(c.field, &old)?)
                    .and_where(Expr::col(Alias::new("seq")).eq(get::<i64>(r, "seq")?))
                    .to_owned();
                done.sealed += tx.exec(&u).await?;
            }
            set_seal_mark(&mut tx, name, last).await?;
            tx.commit().await?;
            n += rows.len() as u64;
            progress(name, n);
        }
        // Details an older key sealed.
        self.reseal_column(keys, c, walk, batch, progress, done).await
    }

    /// How each column of personal data is stored: in clear, or sealed by which key.
    pub async fn seal_counts(&self) -> Result<Vec<SealCount>, StoreError> {
        let mut out = Vec::new();
        for c in COLUMNS.iter().chain([&AUDIT]) {
            // The key number is the text between the first two colons of `sm4:N:…`.
            let key = "CASE WHEN v LIKE 'sm4:%' THEN SUBSTR(v, 5, INSTR(SUBSTR(v, 5), ':') - 1) ELSE '' END";
            let key = if self.backend == crate::Backend::Postgres {
                key.replace("INSTR(SUBSTR(v, 5), ':')", "STRPOS(SUBSTR(v, 5), ':')")
            } else {
                key.to_string()
            };
            let sql = format!(
                "SELECT k, CAST(COUNT(*) AS BIGINT) AS n FROM (SELECT {key} AS k, v FROM \
                 (SELECT {} AS v FROM {}) AS s WHERE v <> '') AS t GROUP BY k ORDER BY k",
                c.column, c.table
            );
            let mut count = SealCount { column: format!("{}.{}", c.table, c.column), plain: 0, by_key: Vec::new() };
            if let (true, Some(index)) = (c.masked, c.index) {
                let q = Query::select()
                    .expr_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), Alias::new("n"))
                    .from(Alias::new(c.table))
                    .and_where(Expr::col(Alias::new(index)).eq(0))
                    .and_where(Expr::col(Alias::new(c.column)).ne(""))
                    .to_owned();
                if let Some(r) = self.optional(&q).await? {
                    count.plain = get::<i64>(&r, "n")?.max(0) as u64;
                }
                out.push(count);
                continue;
            }
            for r in sqlx::query(&sql).fetch_all(&self.pool).await? {
                let (k, n): (String, i64) = (get(&r, "k")?, get(&r, "n")?);
                match k.parse::<u32>() {
                    Ok(id) => count.by_key.push((id, n as u64)),
                    Err(_) if c.table == "audit_log" => {}
                    Err(_) => count.plain += n as u64,
                }
            }
            if c.table == "audit_log" {
                count.plain = self.audit_details_in_clear().await?;
            }
            count.by_key.sort();
            out.push(count);
        }
        Ok(out)
    }

    /// Audit details in clear that name personal data.
    async fn audit_details_in_clear(&self) -> Result<u64, StoreError> {
        let mut n = 0u64;
        let mut last = 0i64;
        loop {
            let q = Query::select()
                .columns([Alias::new("seq"), Alias::new("detail")])
                .from(Alias::new("audit_log"))
                .and_where(Expr::col(Alias::new("seq")).gt(last))
                .and_where(Expr::col(Alias::new("detail")).not_like(format!("{SEALED}%")))
                .order_by(Alias::new("seq"), Order::Asc)
                .limit(5000)
                .to_owned();
            let rows = self.all(&q).await?;
            let Some(end) = rows.last() else { break };
            last = get(end, "seq")?;
            for r in &rows {
                if crate::audit::names_personal_data(&get::<String>(r, "detail")?) {
                    n += 1;
                }
            }
        }
        Ok(n)
    }

    /// After values in clear were sealed: the space they held is rewritten, so no copy of them
    /// is left in free pages (SQLite: `VACUUM`, then the journal emptied; PostgreSQL:
    /// `VACUUM FULL` of the tables, which rewrites them without their dead rows).
    pub async fn scrub(&self) -> Result<(), StoreError> {
        match self.backend {
            crate::Backend::Sqlite => {
                sqlx::raw_sql("VACUUM").execute(&self.pool).await?;
                sqlx::raw_sql("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.pool).await?;
            }
            crate::Backend::Postgres => {
                sqlx::raw_sql("VACUUM FULL households, members, roster_rows, joint_members, audit_log")
                    .execute(&self.pool)
                    .await?;
            }
        }
        Ok(())
    }

    /// Empties SQLite's write-ahead log into the database (and truncates it), so that what the
    /// log held before is gone from it; PostgreSQL needs nothing.
    pub async fn checkpoint(&self) -> Result<(), StoreError> {
        if self.backend == crate::Backend::Sqlite {
            sqlx::raw_sql("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.pool).await?;
        }
        Ok(())
    }
}
