//! Second factors of sign-in (issue 23): an account's TOTP secret (RFC 6238), pending until the
//! account confirms it with a code, the last time step a code was accepted for (so a code works
//! once), and the SHA-256 hashes of its unused recovery codes.

use crate::db::{get, Store, WriteTx};
use crate::schema::SecondFactors as F;
use crate::StoreError;
use sea_query::{Expr, OnConflict, Query};

/// An account's second factor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecondFactor {
    /// The account.
    pub user_id: i64,
    /// The TOTP secret, base32.
    pub secret: String,
    /// Confirmed with a code: sign-in asks for one.
    pub enabled: bool,
    /// The last time step a code was accepted for.
    pub last_step: i64,
    /// SHA-256 hashes of the recovery codes not used yet.
    pub recovery: Vec<String>,
}

impl Store {
    /// The second factor of `user_id`, if one was started.
    pub async fn second_factor(&self, user_id: i64) -> Result<Option<SecondFactor>, StoreError> {
        let q = Query::select()
            .columns([F::UserId, F::Secret, F::Enabled, F::LastStep, F::Recovery])
            .from(F::Table)
            .and_where(Expr::col(F::UserId).eq(user_id))
            .to_owned();
        let Some(r) = self.optional(&q).await? else { return Ok(None) };
        let recovery: String = get(&r, "recovery")?;
        Ok(Some(SecondFactor {
            user_id: get(&r, "user_id")?,
            secret: get(&r, "secret")?,
            enabled: get::<i64>(&r, "enabled")? != 0,
            last_step: get(&r, "last_step")?,
            recovery: recovery.split(',').filter(|h| !h.is_empty()).map(str::to_string).collect(),
        }))
    }
}

impl WriteTx {
    /// Starts (or starts again) enrolment with a new secret; an enabled factor is left alone.
    pub async fn start_second_factor(&mut self, user_id: i64, secret: &str) -> Result<(), StoreError> {
        let q = Query::insert()
            .into_table(F::Table)
            .columns([F::UserId, F::Secret, F::Enabled, F::LastStep, F::Recovery, F::CreatedAt])
            .values_panic([
                user_id.into(),
                secret.into(),
                0i64.into(),
                0i64.into(),
                "".into(),
                crate::now_rfc3339().into(),
            ])
            .on_conflict(
                OnConflict::column(F::UserId)
                    .update_columns([F::Secret, F::CreatedAt])
                    .action_and_where(Expr::col((F::Table, F::Enabled)).eq(0))
                    .to_owned(),
            )
            .to_owned();
        self.exec(&q).await?;
        Ok(())
    }

    /// Confirms the pending factor: sign-in asks for a code from now on. `step` is the step of
    /// the code that confirmed it (it is used).
    pub async fn enable_second_factor(
        &mut self,
        user_id: i64,
        step: i64,
        recovery: &[String],
    ) -> Result<(), StoreError> {
        let q = Query::update()
            .table(F::Table)
            .values([
                (F::Enabled, 1i64.into()),
                (F::LastStep, step.into()),
                (F::Recovery, recovery.join(",").into()),
                (F::EnabledAt, crate::now_rfc3339().into()),
            ])
            .and_where(Expr::col(F::UserId).eq(user_id))
            .and_where(Expr::col(F::Enabled).eq(0))
            .to_owned();
        if self.exec(&q).await? == 1 {
            Ok(())
        } else {
            Err(StoreError::NotFound)
        }
    }

    /// Takes the time step of an accepted code; false if a code of this step or a later one was
    /// accepted already (a code works once).
    pub async fn use_second_factor_step(&mut self, user_id: i64, step: i64) -> Result<bool, StoreError> {
        let q = Query::update()
            .table(F::Table)
            .value(F::LastStep, step)
            .and_where(Expr::col(F::UserId).eq(user_id))
            .and_where(Expr::col(F::LastStep).lt(step))
            .to_owned();
        Ok(self.exec(&q).await? == 1)
    }

    /// Keeps `left` as the unused recovery codes (one was just used); false if they changed
    /// meanwhile (the same code used twice at once).
    pub async fn use_recovery_code(
        &mut self,
        user_id: i64,
        was: &[String],
        left: &[String],
    ) -> Result<bool, StoreError> {
        let q = Query::update()
            .table(F::Table)
            .value(F::Recovery, left.join(","))
            .and_where(Expr::col(F::UserId).eq(user_id))
            .and_where(Expr::col(F::Recovery).eq(was.join(",")))
            .to_owned();
        Ok(self.exec(&q).await? == 1)
    }

    /// Removes an account's second factor (a reset): it enrols again.
    pub async fn delete_second_factor(&mut self, user_id: i64) -> Result<bool, StoreError> {
        let q = Query::delete().from_table(F::Table).and_where(Expr::col(F::UserId).eq(user_id)).to_owned();
        Ok(self.exec(&q).await? == 1)
    }
}
