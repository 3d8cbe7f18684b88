//! Idempotent API writes: the answer a client got for an `Idempotency-Key`, so that the same
//! request sent again (a timeout, a retry after a crash) gets the same answer instead of doing
//! the work twice (issue 22).

use crate::db::{get, Store, WriteTx};
use crate::schema::IdempotencyKeys as K;
use crate::StoreError;
use sea_query::{Expr, OnConflict, Query};

/// A claim older than this with no answer is taken to be of a request that died.
const ABANDONED_AFTER_SECS: i64 = 600;

/// What a request under a key may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// First seen: do the work and keep its answer in the same transaction
    /// ([`WriteTx::finish_idempotency`]), or release the key.
    New,
    /// Done before with the same request: answer this again.
    Replay { status: u16, body: String },
    /// The key was used for a different request.
    Mismatch,
    /// The same request is being worked on now.
    InProgress,
}

impl WriteTx {
    /// Keeps the answer given to the request that claimed `key`, in this transaction: it commits
    /// with the work it answers, or not at all.
    pub async fn finish_idempotency(
        &mut self,
        user_id: i64,
        key: &str,
        status: u16,
        body: &str,
    ) -> Result<(), StoreError> {
        let q = Query::update()
            .table(K::Table)
            .values([(K::Status, i64::from(status).into()), (K::Body, body.into())])
            .and_where(Expr::col(K::UserId).eq(user_id))
            .and_where(Expr::col(K::IdemKey).eq(key))
            .to_owned();
        self.exec(&q).await?;
        Ok(())
    }
}

impl Store {
    /// Claims `key` of `user_id` for a request whose digest is `hash`.
    pub async fn claim_idempotency(&self, user_id: i64, key: &str, hash: &str) -> Result<Claim, StoreError> {
        let now = chrono::Utc::now();
        let mut tx = self.begin().await?;
        let insert = Query::insert()
            .into_table(K::Table)
            .columns([K::UserId, K::IdemKey, K::RequestHash, K::Status, K::Body, K::CreatedAt])
            .values_panic([user_id.into(), key.into(), hash.into(), 0i64.into(), "".into(), now.to_rfc3339().into()])
            .on_conflict(OnConflict::columns([K::UserId, K::IdemKey]).do_nothing().to_owned())
            .to_owned();
        if tx.exec(&insert).await? == 1 {
            tx.commit().await?;
            return Ok(Claim::New);
        }
        let q = Query::select()
            .columns([K::RequestHash, K::Status, K::Body, K::CreatedAt])
            .from(K::Table)
            .and_where(Expr::col(K::UserId).eq(user_id))
            .and_where(Expr::col(K::IdemKey).eq(key))
            .to_owned();
        let row = tx.optional(&q).await?.ok_or(StoreError::Corrupt("idempotency key vanished"))?;
        let (stored, status): (String, i64) = (get(&row, "request_hash")?, get(&row, "status")?);
        let claim = if stored != hash {
            Claim::Mismatch
        } else if status > 0 {
            Claim::Replay { status: u16::try_from(status).unwrap_or(500), body: get(&row, "body")? }
        } else {
            let since: String = get(&row, "created_at")?;
            let age =
                chrono::DateTime::parse_from_rfc3339(&since).map_or(i64::MAX, |t| (now - t.to_utc()).num_seconds());
            if age < ABANDONED_AFTER_SECS {
                Claim::InProgress
            } else {
                let retake = Query::update()
                    .table(K::Table)
                    .value(K::CreatedAt, now.to_rfc3339())
                    .and_where(Expr::col(K::UserId).eq(user_id))
                    .and_where(Expr::col(K::IdemKey).eq(key))
                    .to_owned();
                tx.exec(&retake).await?;
                Claim::New
            }
        };
        tx.commit().await?;
        Ok(claim)
    }

    /// Gives `key` up (the request failed on our side): the client may send it again.
    pub async fn release_idempotency(&self, user_id: i64, key: &str) -> Result<(), StoreError> {
        let q = Query::delete()
            .from_table(K::Table)
            .and_where(Expr::col(K::UserId).eq(user_id))
            .and_where(Expr::col(K::IdemKey).eq(key))
            .and_where(Expr::col(K::Status).eq(0))
            .to_owned();
        let mut tx = self.begin().await?;
        tx.exec(&q).await?;
        tx.commit().await
    }
}
