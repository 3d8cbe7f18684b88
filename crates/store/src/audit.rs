//! The audit trail: append-only, each entry chained to the one before by a hash, so a changed or
//! removed entry shows when the chain is checked ([`Store::verify_audit`]). New entries are
//! hashed with SM3 (GB/T 32905, the national algorithm a 密评 assessment asks for); entries
//! written before migration 21 were hashed with SHA-256. Each entry records its algorithm, and
//! the check verifies each with its own.

use crate::db::{get, RowGet, Store, WriteTx};
use crate::keys::{self, field};
use crate::schema::AuditLog;
use crate::StoreError;
use sea_query::{Cond, Expr, Order, Query};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sm3::Sm3;

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An entry to append.
#[derive(Debug, Clone, Default)]
pub struct NewAudit {
    /// The user acting, if known.
    pub actor_id: Option<i64>,
    /// The user name acting (or the name tried at a failed sign-in; `system` for jobs).
    pub actor_name: String,
    /// The actor's role code.
    pub role: String,
    /// What was done: create, update, delete, export, reveal, sign_in, sign_out, denied, …
    pub action: String,
    /// The kind of record: household, member, monthly_record, user, api_token, session, …
    pub entity: String,
    /// The record's id.
    pub entity_id: Option<i64>,
    /// The region of the record (for scoping who may read the entry).
    pub region_code: Option<String>,
    /// ok, failure, locked, denied.
    pub result: String,
    /// Client address.
    pub address: String,
    /// JSON: old and new values, filters of an export, the permission missing …
    pub detail: String,
    /// The API token the request came with, if any.
    pub token_id: Option<i64>,
}

/// A stored entry.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct AuditEntry {
    /// Position in the chain, from 1, without gaps.
    pub seq: i64,
    /// When (UTC, RFC 3339).
    pub at: String,
    /// Acting user's id.
    pub actor_id: Option<i64>,
    /// Acting user's name.
    pub actor_name: String,
    /// Acting user's role.
    pub role: String,
    /// Action.
    pub action: String,
    /// Kind of record.
    pub entity: String,
    /// Record id.
    pub entity_id: Option<i64>,
    /// Region of the record.
    pub region_code: Option<String>,
    /// Result.
    pub result: String,
    /// Client address.
    pub address: String,
    /// Details (JSON).
    pub detail: String,
    /// Hash of the entry before.
    pub prev_hash: String,
    /// Hash of this entry.
    pub hash: String,
    /// The API token the request came with, if any (entries from before migration 20 have none).
    pub token_id: Option<i64>,
    /// The hash algorithm of this entry: `sm3`, or `sha256` for entries from before migration 21.
    pub hash_alg: String,
}

/// The algorithm each new entry is hashed with.
pub const HASH_ALG: &str = "sm3";
/// The algorithm of entries written before the algorithm was recorded.
pub const LEGACY_HASH_ALG: &str = "sha256";

/// Filters of the audit list; all optional, combined with AND.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Acting user name.
    pub actor: Option<String>,
    /// Action.
    pub action: Option<String>,
    /// Kind of record.
    pub entity: Option<String>,
    /// Record id.
    pub entity_id: Option<i64>,
    /// Result.
    pub result: Option<String>,
    /// From this instant (RFC 3339 prefix compare, e.g. `2026-11-01`).
    pub from: Option<String>,
    /// Before this instant.
    pub before: Option<String>,
    /// Regions whose entries may be read; None: all.
    pub regions: Option<Vec<String>>,
    /// With a region limit, whether entries without a region (sign-ins of unknown names,
    /// system jobs) are included.
    pub include_unregioned: bool,
}

/// Where the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// The entry's contents do not give its stored hash: it was changed.
    Changed(i64),
    /// The entry is missing (the one after it follows its predecessor).
    Missing(i64),
    /// The entry's hash was recomputed after a change: the next entry does not follow it.
    Relinked(i64),
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainBreak::Changed(s) => write!(f, "entry {s} was changed: its contents do not match its hash"),
            ChainBreak::Missing(s) => {
                write!(f, "entry {s} is missing: the entry after it does not follow its predecessor")
            }
            ChainBreak::Relinked(s) => {
                write!(f, "entry {s} was changed and re-hashed: the entry after it was chained to a different hash")
            }
        }
    }
}

const COLUMNS: [AuditLog; 16] = [
    AuditLog::Seq,
    AuditLog::At,
    AuditLog::ActorId,
    AuditLog::ActorName,
    AuditLog::Role,
    AuditLog::Action,
    AuditLog::Entity,
    AuditLog::EntityId,
    AuditLog::RegionCode,
    AuditLog::Result,
    AuditLog::Address,
    AuditLog::Detail,
    AuditLog::PrevHash,
    AuditLog::Hash,
    AuditLog::TokenId,
    AuditLog::HashAlg,
];

fn entry_from(r: &dyn RowGet) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        seq: get(r, "seq")?,
        at: get(r, "at")?,
        actor_id: get(r, "actor_id")?,
        actor_name: get(r, "actor_name")?,
        role: get(r, "role")?,
        action: get(r, "action")?,
        entity: get(r, "entity")?,
        entity_id: get(r, "entity_id")?,
        region_code: get(r, "region_code")?,
        result: get(r, "result")?,
        address: get(r, "address")?,
        detail: keys::open(field::AUDIT_DETAIL, &get::<String>(r, "detail")?)?,
        prev_hash: get(r, "prev_hash")?,
        hash: get(r, "hash")?,
        token_id: get(r, "token_id")?,
        hash_alg: get::<Option<String>>(r, "hash_alg")?.unwrap_or_else(|| LEGACY_HASH_ALG.to_string()),
    })
}

/// The hash of an entry: its algorithm's (SM3, or SHA-256 for older entries) over its fields
/// (as a JSON array) and the previous hash; an entry made with an API token has the token's id
/// appended to the array (so entries without one, including every entry from before the token
/// was recorded, hash as they always did). An unknown algorithm gives no hash: the entry fails
/// the check.
pub fn entry_hash(e: &AuditEntry) -> String {
    let fields = (
        e.seq,
        &e.at,
        e.actor_id,
        &e.actor_name,
        &e.role,
        &e.action,
        &e.entity,
        e.entity_id,
        &e.region_code,
        &e.result,
        &e.address,
        &e.detail,
        &e.prev_hash,
    );
    // Serialising plain strings and integers cannot fail.
    let text = match e.token_id {
        None => serde_json::to_string(&fields),
        Some(t) => serde_json::to_string(&(fields, t)),
    }
    .unwrap_or_default();
    match e.hash_alg.as_str() {
        HASH_ALG => format!("{:x}", Sm3::digest(text.as_bytes())),
        LEGACY_HASH_ALG => format!("{:x}", Sha256::digest(text.as_bytes())),
        _ => String::new(),
    }
}

/// An entry's detail as stored: sealed if it names a resident ID or a phone number (the hash is
/// over the plain text, so the chain proves it all the same), as it is otherwise.
pub(crate) fn stored_detail(text: &str) -> Result<String, StoreError> {
    if names_personal_data(text) {
        keys::seal(field::AUDIT_DETAIL, text)
    } else {
        Ok(text.to_string())
    }
}

/// Whether a text holds what [`bangfu_domain::id_number::redact`] masks: an 18-character
/// resident ID or an 11-digit phone number.
pub fn names_personal_data(text: &str) -> bool {
    text.bytes().filter(u8::is_ascii_digit).count() >= 11 && bangfu_domain::id_number::redact(text) != text
}

impl WriteTx {
    /// Appends an entry to the chain inside this transaction, so it commits with the change it
    /// records, or not at all. Appenders are serialised: each links to the one before.
    pub async fn append_audit(&mut self, e: &NewAudit) -> Result<i64, StoreError> {
        self.append_audit_with(e, HASH_ALG).await
    }

    /// [`WriteTx::append_audit`] hashed as entries were before migration 21 (SHA-256, no
    /// algorithm recorded): for tests of a trail that mixes both.
    #[cfg(any(test, feature = "testing"))]
    pub async fn append_legacy_audit(&mut self, e: &NewAudit) -> Result<i64, StoreError> {
        self.append_audit_with(e, LEGACY_HASH_ALG).await
    }

    async fn append_audit_with(&mut self, e: &NewAudit, alg: &str) -> Result<i64, StoreError> {
        self.serialize_on("audit_log").await?;
        let last = Query::select()
            .columns([AuditLog::Seq, AuditLog::Hash])
            .from(AuditLog::Table)
            .order_by(AuditLog::Seq, Order::Desc)
            .limit(1)
            .to_owned();
        let (seq, prev_hash) = match self.optional(&last).await? {
            Some(r) => (get::<i64>(&r, "seq")? + 1, get::<String>(&r, "hash")?),
            None => (1, GENESIS.to_string()),
        };
        let mut entry = AuditEntry {
            seq,
            at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            actor_id: e.actor_id,
            actor_name: e.actor_name.clone(),
            role: e.role.clone(),
            action: e.action.clone(),
            entity: e.entity.clone(),
            entity_id: e.entity_id,
            region_code: e.region_code.clone(),
            result: e.result.clone(),
            address: e.address.clone(),
            detail: e.detail.clone(),
            prev_hash,
            hash: String::new(),
            token_id: e.token_id,
            hash_alg: alg.to_string(),
        };
        entry.hash = entry_hash(&entry);
        let q = Query::insert()
            .into_table(AuditLog::Table)
            .columns(COLUMNS)
            .values_panic([
                entry.seq.into(),
                entry.at.clone().into(),
                entry.actor_id.into(),
                entry.actor_name.clone().into(),
                entry.role.clone().into(),
                entry.action.clone().into(),
                entry.entity.clone().into(),
                entry.entity_id.into(),
                entry.region_code.clone().into(),
                entry.result.clone().into(),
                entry.address.clone().into(),
                stored_detail(&entry.detail)?.into(),
                entry.prev_hash.clone().into(),
                entry.hash.clone().into(),
                entry.token_id.into(),
                // Legacy entries recorded no algorithm.
                (alg != LEGACY_HASH_ALG).then(|| alg.to_string()).into(),
            ])
            .to_owned();
        self.exec(&q).await?;
        Ok(seq)
    }
}

impl Store {
    /// Appends one entry in its own transaction (events that change nothing else: sign-ins,
    /// exports, reveals, denials).
    pub async fn audit(&self, e: &NewAudit) -> Result<i64, StoreError> {
        let mut tx = self.begin().await?;
        let seq = tx.append_audit(e).await?;
        tx.commit().await?;
        Ok(seq)
    }

    /// Entries matching `f`, newest first, and how many match (counted up to 10,000).
    pub async fn audit_entries(
        &self,
        f: &AuditFilter,
        page: u64,
        per_page: u64,
    ) -> Result<(Vec<AuditEntry>, u64), StoreError> {
        let cond = audit_condition(f);
        let q = Query::select()
            .columns(COLUMNS)
            .from(AuditLog::Table)
            .cond_where(cond.clone())
            .order_by(AuditLog::Seq, Order::Desc)
            .limit(per_page)
            .offset(page.saturating_sub(1).saturating_mul(per_page))
            .to_owned();
        let items = self.all(&q).await?.iter().map(|r| entry_from(r)).collect::<Result<Vec<_>, _>>()?;
        let matches = Query::select().expr(Expr::val(1)).from(AuditLog::Table).cond_where(cond).to_owned();
        Ok((items, self.capped_count(matches, 10_000).await?))
    }

    /// How many entries of `action` with `result` name this actor (`by_address` false) or come
    /// from this address (true) since the instant `since` (RFC 3339).
    pub async fn count_audit_since(
        &self,
        action: &str,
        result: &str,
        by_address: bool,
        value: &str,
        since: &str,
    ) -> Result<u64, StoreError> {
        let col = if by_address { AuditLog::Address } else { AuditLog::ActorName };
        let q = Query::select()
            .expr_as(Expr::cust("COUNT(*)"), sea_query::Alias::new("n"))
            .from(AuditLog::Table)
            .and_where(Expr::col(AuditLog::Action).eq(action))
            .and_where(Expr::col(col).eq(value))
            .and_where(Expr::col(AuditLog::At).gte(since))
            .and_where(Expr::col(AuditLog::Result).eq(result))
            .to_owned();
        let n: i64 = match self.optional(&q).await? {
            Some(row) => get(&row, "n")?,
            None => 0,
        };
        Ok(n.max(0) as u64)
    }

    /// How many entries each hash algorithm chains (`sha256` for entries from before the
    /// algorithm was recorded), by algorithm.
    pub async fn audit_algorithms(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let alg = Expr::cust(format!("COALESCE(hash_alg, '{LEGACY_HASH_ALG}')"));
        let q = Query::select()
            .expr_as(alg.clone(), sea_query::Alias::new("alg"))
            .expr_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), sea_query::Alias::new("n"))
            .from(AuditLog::Table)
            .add_group_by([alg])
            .order_by_expr(Expr::cust("1"), Order::Asc)
            .to_owned();
        self.all(&q).await?.iter().map(|r| Ok((get(r, "alg")?, get(r, "n")?))).collect()
    }

    /// Checks the whole chain in order: each entry's hash, that each links to the one before,
    /// and that no position is missing. Returns the number of entries, or the first break.
    pub async fn verify_audit(&self, progress: &(dyn Fn(u64) + Sync)) -> Result<Result<u64, ChainBreak>, StoreError> {
        let mut prev_seq = 0i64;
        let mut prev_hash = GENESIS.to_string();
        let mut checked = 0u64;
        loop {
            let q = Query::select()
                .columns(COLUMNS)
                .from(AuditLog::Table)
                .and_where(Expr::col(AuditLog::Seq).gt(prev_seq))
                .order_by(AuditLog::Seq, Order::Asc)
                .limit(5000)
                .to_owned();
            let rows = self.all(&q).await?;
            if rows.is_empty() {
                return Ok(Ok(checked));
            }
            for r in &rows {
                let e = match entry_from(r) {
                    // A sealed detail that does not open was changed.
                    Err(StoreError::Corrupt(_)) => return Ok(Err(ChainBreak::Changed(get(r, "seq")?))),
                    e => e?,
                };
                if e.seq != prev_seq + 1 {
                    return Ok(Err(ChainBreak::Missing(prev_seq + 1)));
                }
                if entry_hash(&e) != e.hash {
                    return Ok(Err(ChainBreak::Changed(e.seq)));
                }
                if e.prev_hash != prev_hash {
                    // The entry is intact but was chained to another hash: the one before it
                    // was changed and its hash recomputed (or removed and the chain renumbered).
                    return Ok(Err(ChainBreak::Relinked(prev_seq)));
                }
                prev_seq = e.seq;
                prev_hash = e.hash;
                checked += 1;
            }
            progress(checked);
        }
    }
}

fn audit_condition(f: &AuditFilter) -> Cond {
    let mut c = Cond::all();
    let eq = |c: Cond, col: AuditLog, v: &Option<String>| match v.as_deref().filter(|v| !v.is_empty()) {
        Some(v) => c.add(Expr::col(col).eq(v)),
        None => c,
    };
    c = eq(c, AuditLog::ActorName, &f.actor);
    c = eq(c, AuditLog::Action, &f.action);
    c = eq(c, AuditLog::Entity, &f.entity);
    c = eq(c, AuditLog::Result, &f.result);
    if let Some(id) = f.entity_id {
        c = c.add(Expr::col(AuditLog::EntityId).eq(id));
    }
    if let Some(from) = &f.from {
        c = c.add(Expr::col(AuditLog::At).gte(from.clone()));
    }
    if let Some(before) = &f.before {
        c = c.add(Expr::col(AuditLog::At).lt(before.clone()));
    }
    if let Some(regions) = &f.regions {
        let mut any = Cond::any().add(Expr::col(AuditLog::RegionCode).is_in(regions.clone()));
        if f.include_unregioned {
            any = any.add(Expr::col(AuditLog::RegionCode).is_null());
        }
        c = c.add(any);
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(alg: &str) -> AuditEntry {
        AuditEntry {
            seq: 1,
            at: "2026-12-05T08:00:00.000Z".into(),
            actor_id: None,
            actor_name: "city".into(),
            role: "city_staff".into(),
            action: "sign_in".into(),
            entity: "session".into(),
            entity_id: None,
            region_code: None,
            result: "ok".into(),
            address: "10.0.0.1".into(),
            detail: String::new(),
            prev_hash: GENESIS.into(),
            hash: String::new(),
            token_id: None,
            hash_alg: alg.into(),
        }
    }

    #[test]
    fn entries_hash_with_their_own_algorithm() {
        // GB/T 32905-2016, appendix A.1: SM3("abc").
        assert_eq!(
            format!("{:x}", Sm3::digest(b"abc")),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
        let text = r#"[1,"2026-12-05T08:00:00.000Z",null,"city","city_staff","sign_in","session",null,null,"ok","10.0.0.1","","0000000000000000000000000000000000000000000000000000000000000000"]"#;
        assert_eq!(entry_hash(&entry(HASH_ALG)), format!("{:x}", Sm3::digest(text.as_bytes())));
        assert_eq!(entry_hash(&entry(LEGACY_HASH_ALG)), format!("{:x}", Sha256::digest(text.as_bytes())));
        assert_eq!(entry_hash(&entry("md5")), "", "an unknown algorithm verifies nothing");
    }
}
