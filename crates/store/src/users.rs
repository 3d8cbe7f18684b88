//! Users, their sign-in sessions and API tokens. Secrets are stored only as hashes: the
//! password as argon2id (made by the app layer), session ids and tokens as SHA-256.

use crate::db::{get, RowGet, Store, WriteTx};
use crate::schema::{ApiTokens, Sessions, Users};
use crate::StoreError;
use sea_query::{Expr, Order, Query};
use serde::Serialize;

/// A user account.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct User {
    /// Id.
    pub id: i64,
    /// Sign-in name (lower case).
    pub name: String,
    /// Name shown on pages.
    pub display_name: String,
    /// Role code.
    pub role: String,
    /// Region of the scope (region roles, and the region of an organisation's scope).
    pub region_code: Option<String>,
    /// Organisation of the scope (grassroots union staff, department liaisons).
    pub org_id: Option<i64>,
    /// A disabled account cannot sign in, and its sessions and tokens stop working.
    pub disabled: bool,
    /// Row version.
    pub version: i64,
    /// Created at.
    pub created_at: String,
    /// Updated at.
    pub updated_at: String,
    /// argon2id hash (PHC string); never serialised.
    #[serde(skip)]
    pub password_hash: String,
    /// The password was set by someone else: it is changed at the next sign-in.
    pub must_change_password: bool,
}

/// The fields of a user an administrator writes.
#[derive(Debug, Clone)]
pub struct UserWrite {
    /// Sign-in name.
    pub name: String,
    /// Shown name.
    pub display_name: String,
    /// Role code.
    pub role: String,
    /// Scope region.
    pub region_code: Option<String>,
    /// Scope organisation.
    pub org_id: Option<i64>,
    /// Disabled.
    pub disabled: bool,
}

/// A signed-in session.
#[derive(Debug, Clone)]
pub struct Session {
    /// The user.
    pub user_id: i64,
    /// The session's CSRF token.
    pub csrf: String,
    /// Started at.
    pub created_at: String,
    /// Last request at.
    pub last_seen_at: String,
}

/// An API token (its secret is shown once, at creation).
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ApiToken {
    /// Id.
    pub id: i64,
    /// The user the token acts as.
    pub user_id: i64,
    /// What the token is for.
    pub name: String,
    /// The administrator who created it.
    pub created_by: i64,
    /// Created at.
    pub created_at: String,
    /// Revoked at, if revoked.
    pub revoked_at: Option<String>,
}

const USER_COLUMNS: [Users; 12] = [
    Users::Id,
    Users::Name,
    Users::DisplayName,
    Users::Role,
    Users::RegionCode,
    Users::OrgId,
    Users::Disabled,
    Users::PasswordHash,
    Users::Version,
    Users::CreatedAt,
    Users::UpdatedAt,
    Users::MustChangePassword,
];

fn user_from(r: &dyn RowGet) -> Result<User, StoreError> {
    Ok(User {
        id: get(r, "id")?,
        name: get(r, "name")?,
        display_name: get(r, "display_name")?,
        role: get(r, "role")?,
        region_code: get(r, "region_code")?,
        org_id: get(r, "org_id")?,
        disabled: get::<i64>(r, "disabled")? != 0,
        password_hash: get(r, "password_hash")?,
        version: get(r, "version")?,
        created_at: get(r, "created_at")?,
        updated_at: get(r, "updated_at")?,
        must_change_password: get::<i64>(r, "must_change_password")? != 0,
    })
}

const TOKEN_COLUMNS: [ApiTokens; 6] = [
    ApiTokens::Id,
    ApiTokens::UserId,
    ApiTokens::Name,
    ApiTokens::CreatedBy,
    ApiTokens::CreatedAt,
    ApiTokens::RevokedAt,
];

fn token_from(r: &dyn RowGet) -> Result<ApiToken, StoreError> {
    Ok(ApiToken {
        id: get(r, "id")?,
        user_id: get(r, "user_id")?,
        name: get(r, "name")?,
        created_by: get(r, "created_by")?,
        created_at: get(r, "created_at")?,
        revoked_at: get(r, "revoked_at")?,
    })
}

/// How many of an account's last passwords may not be used again.
pub const PASSWORDS_REMEMBERED: u64 = 5;

impl Store {
    /// The hashes of an account's last [`PASSWORDS_REMEMBERED`] passwords, newest first.
    pub async fn password_history(&self, user_id: i64) -> Result<Vec<String>, StoreError> {
        use crate::schema::PasswordHistory as H;
        let q = Query::select()
            .column(H::Hash)
            .from(H::Table)
            .and_where(Expr::col(H::UserId).eq(user_id))
            .order_by(H::SetAt, Order::Desc)
            .limit(PASSWORDS_REMEMBERED)
            .to_owned();
        self.all(&q).await?.iter().map(|r| get(r, "hash")).collect()
    }

    async fn user_where(&self, cond: sea_query::SimpleExpr) -> Result<Option<User>, StoreError> {
        let q = Query::select().columns(USER_COLUMNS).from(Users::Table).and_where(cond).to_owned();
        self.optional(&q).await?.map(|r| user_from(&r)).transpose()
    }

    /// A user by id.
    pub async fn user(&self, id: i64) -> Result<User, StoreError> {
        self.user_where(Expr::col(Users::Id).eq(id)).await?.ok_or(StoreError::NotFound)
    }

    /// A user by sign-in name.
    pub async fn user_by_name(&self, name: &str) -> Result<Option<User>, StoreError> {
        self.user_where(Expr::col(Users::Name).eq(name)).await
    }

    /// All users, by name.
    pub async fn users(&self) -> Result<Vec<User>, StoreError> {
        let q = Query::select().columns(USER_COLUMNS).from(Users::Table).order_by(Users::Name, Order::Asc).to_owned();
        self.all(&q).await?.iter().map(|r| user_from(r)).collect()
    }

    /// The session with this (hashed) id.
    pub async fn session(&self, token_hash: &str) -> Result<Option<Session>, StoreError> {
        let q = Query::select()
            .columns([Sessions::UserId, Sessions::Csrf, Sessions::CreatedAt, Sessions::LastSeenAt])
            .from(Sessions::Table)
            .and_where(Expr::col(Sessions::TokenHash).eq(token_hash))
            .to_owned();
        let Some(r) = self.optional(&q).await? else { return Ok(None) };
        Ok(Some(Session {
            user_id: get(&r, "user_id")?,
            csrf: get(&r, "csrf")?,
            created_at: get(&r, "created_at")?,
            last_seen_at: get(&r, "last_seen_at")?,
        }))
    }

    /// The token with this hash, revoked or not.
    pub async fn token_by_hash(&self, token_hash: &str) -> Result<Option<ApiToken>, StoreError> {
        let q = Query::select()
            .columns(TOKEN_COLUMNS)
            .from(ApiTokens::Table)
            .and_where(Expr::col(ApiTokens::TokenHash).eq(token_hash))
            .to_owned();
        self.optional(&q).await?.map(|r| token_from(&r)).transpose()
    }

    /// A user's tokens, newest first.
    pub async fn tokens(&self, user_id: i64) -> Result<Vec<ApiToken>, StoreError> {
        let q = Query::select()
            .columns(TOKEN_COLUMNS)
            .from(ApiTokens::Table)
            .and_where(Expr::col(ApiTokens::UserId).eq(user_id))
            .order_by(ApiTokens::Id, Order::Desc)
            .to_owned();
        self.all(&q).await?.iter().map(|r| token_from(r)).collect()
    }

    /// One token.
    pub async fn token(&self, id: i64) -> Result<ApiToken, StoreError> {
        let q = Query::select()
            .columns(TOKEN_COLUMNS)
            .from(ApiTokens::Table)
            .and_where(Expr::col(ApiTokens::Id).eq(id))
            .to_owned();
        token_from(&self.optional(&q).await?.ok_or(StoreError::NotFound)?)
    }

    /// Moves a session's last-seen time on (outside any write transaction: not an audited change).
    pub async fn touch_session(&self, token_hash: &str, now: &str) -> Result<(), StoreError> {
        let q = Query::update()
            .table(Sessions::Table)
            .value(Sessions::LastSeenAt, now)
            .and_where(Expr::col(Sessions::TokenHash).eq(token_hash))
            .to_owned();
        let (sql, values) = self.build(&q);
        sqlx::query_with(&sql, values).execute(&self.pool).await?;
        Ok(())
    }
}

impl WriteTx {
    /// Creates a user; the name must be free.
    pub async fn insert_user(
        &mut self,
        u: &UserWrite,
        password_hash: &str,
        must_change: bool,
    ) -> Result<i64, StoreError> {
        let now = crate::now_rfc3339();
        let q = Query::insert()
            .into_table(Users::Table)
            .columns(USER_COLUMNS[1..].iter().copied())
            .values_panic([
                u.name.clone().into(),
                u.display_name.clone().into(),
                u.role.clone().into(),
                u.region_code.clone().into(),
                u.org_id.into(),
                i64::from(u.disabled).into(),
                password_hash.into(),
                1i64.into(),
                now.clone().into(),
                now.into(),
                i64::from(must_change).into(),
            ])
            .returning_col(Users::Id)
            .to_owned();
        let id = self.insert_id(&q).await?;
        if !password_hash.is_empty() {
            self.remember_password(id, password_hash).await?;
        }
        Ok(id)
    }

    /// Keeps a password's hash among the account's last five (older ones are forgotten).
    async fn remember_password(&mut self, user_id: i64, hash: &str) -> Result<(), StoreError> {
        use crate::schema::PasswordHistory as H;
        let q = Query::insert()
            .into_table(H::Table)
            .columns([H::UserId, H::Hash, H::SetAt])
            .values_panic([
                user_id.into(),
                hash.into(),
                chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true).into(),
            ])
            .to_owned();
        self.exec(&q).await?;
        let keep = Query::select()
            .column(H::SetAt)
            .from(H::Table)
            .and_where(Expr::col(H::UserId).eq(user_id))
            .order_by(H::SetAt, Order::Desc)
            .limit(1)
            .offset(PASSWORDS_REMEMBERED - 1)
            .to_owned();
        if let Some(r) = self.optional(&keep).await? {
            let oldest: String = get(&r, "set_at")?;
            let q = Query::delete()
                .from_table(H::Table)
                .and_where(Expr::col(H::UserId).eq(user_id))
                .and_where(Expr::col(H::SetAt).lt(oldest))
                .to_owned();
            self.exec(&q).await?;
        }
        Ok(())
    }

    /// Changes a user's name, role, scope or state if it still has `version`.
    pub async fn update_user(&mut self, id: i64, version: i64, u: &UserWrite) -> Result<(), StoreError> {
        let q = Query::update()
            .table(Users::Table)
            .values([
                (Users::Name, u.name.clone().into()),
                (Users::DisplayName, u.display_name.clone().into()),
                (Users::Role, u.role.clone().into()),
                (Users::RegionCode, u.region_code.clone().into()),
                (Users::OrgId, u.org_id.into()),
                (Users::Disabled, i64::from(u.disabled).into()),
                (Users::Version, (version + 1).into()),
                (Users::UpdatedAt, crate::now_rfc3339().into()),
            ])
            .and_where(Expr::col(Users::Id).eq(id))
            .and_where(Expr::col(Users::Version).eq(version))
            .to_owned();
        self.expect_one(q, Users::Table, Users::Id, id).await
    }

    /// Sets a user's password hash; `must_change` when someone else set it.
    pub async fn set_password(&mut self, id: i64, password_hash: &str, must_change: bool) -> Result<(), StoreError> {
        self.remember_password(id, password_hash).await?;
        let q = Query::update()
            .table(Users::Table)
            .value(Users::PasswordHash, password_hash)
            .value(Users::MustChangePassword, i64::from(must_change))
            .value(Users::Version, Expr::col(Users::Version).add(1))
            .value(Users::UpdatedAt, crate::now_rfc3339())
            .and_where(Expr::col(Users::Id).eq(id))
            .to_owned();
        match self.exec(&q).await? {
            0 => Err(StoreError::NotFound),
            _ => Ok(()),
        }
    }

    /// Starts a session.
    pub async fn insert_session(&mut self, token_hash: &str, user_id: i64, csrf: &str) -> Result<(), StoreError> {
        let now = crate::now_rfc3339();
        let q = Query::insert()
            .into_table(Sessions::Table)
            .columns([Sessions::TokenHash, Sessions::UserId, Sessions::Csrf, Sessions::CreatedAt, Sessions::LastSeenAt])
            .values_panic([token_hash.into(), user_id.into(), csrf.into(), now.clone().into(), now.into()])
            .to_owned();
        self.exec(&q).await.map(|_| ())
    }

    /// Ends a session; ends nothing if it is already gone.
    pub async fn delete_session(&mut self, token_hash: &str) -> Result<(), StoreError> {
        let q = Query::delete()
            .from_table(Sessions::Table)
            .and_where(Expr::col(Sessions::TokenHash).eq(token_hash))
            .to_owned();
        self.exec(&q).await.map(|_| ())
    }

    /// Ends every session of a user (password changed, account disabled).
    pub async fn delete_user_sessions(&mut self, user_id: i64) -> Result<(), StoreError> {
        let q =
            Query::delete().from_table(Sessions::Table).and_where(Expr::col(Sessions::UserId).eq(user_id)).to_owned();
        self.exec(&q).await.map(|_| ())
    }

    /// Removes sessions idle since before `idle_before` or started before `started_before`.
    pub async fn delete_expired_sessions(
        &mut self,
        idle_before: &str,
        started_before: &str,
    ) -> Result<u64, StoreError> {
        let q = Query::delete()
            .from_table(Sessions::Table)
            .cond_where(
                sea_query::Cond::any()
                    .add(Expr::col(Sessions::LastSeenAt).lt(idle_before))
                    .add(Expr::col(Sessions::CreatedAt).lt(started_before)),
            )
            .to_owned();
        self.exec(&q).await
    }

    /// Creates an API token for `user_id`.
    pub async fn insert_token(
        &mut self,
        user_id: i64,
        name: &str,
        token_hash: &str,
        created_by: i64,
    ) -> Result<i64, StoreError> {
        let q = Query::insert()
            .into_table(ApiTokens::Table)
            .columns([
                ApiTokens::UserId,
                ApiTokens::Name,
                ApiTokens::TokenHash,
                ApiTokens::CreatedBy,
                ApiTokens::CreatedAt,
            ])
            .values_panic([
                user_id.into(),
                name.into(),
                token_hash.into(),
                created_by.into(),
                crate::now_rfc3339().into(),
            ])
            .returning_col(ApiTokens::Id)
            .to_owned();
        self.insert_id(&q).await
    }

    /// Revokes a token (kept, marked revoked).
    pub async fn revoke_token(&mut self, id: i64) -> Result<(), StoreError> {
        let q = Query::update()
            .table(ApiTokens::Table)
            .value(ApiTokens::RevokedAt, crate::now_rfc3339())
            .and_where(Expr::col(ApiTokens::Id).eq(id))
            .and_where(Expr::col(ApiTokens::RevokedAt).is_null())
            .to_owned();
        match self.exec(&q).await? {
            0 => Err(StoreError::NotFound),
            _ => Ok(()),
        }
    }
}
