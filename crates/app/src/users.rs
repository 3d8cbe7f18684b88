//! Accounts (the system administrator) and API tokens (the security administrator); the
//! administrators' own accounts only by `bangfu user add` (三员分立).

use crate::auth::{hash_password, password_error, random_hex, secret_hash, Principal};
use crate::input::{required_text, Errors};
use crate::{App, AppError};
use bangfu_domain::access::parse_user_name;
use bangfu_domain::{Code, FieldError, OrgKind, Permission, Role};
use bangfu_store::{ApiToken, Scope, StoreError, User, UserWrite};
use serde::{Deserialize, Serialize};

/// A user as an administrator writes it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    /// Sign-in name: 2–40 letters, digits, `.`, `_`, `-`.
    pub name: String,
    /// Shown name (defaults to the sign-in name).
    #[serde(default)]
    pub display_name: String,
    /// Role code.
    pub role: String,
    /// Region code of the scope (region roles: the region and what lies under it).
    #[serde(default)]
    pub region_code: Option<String>,
    /// Organisation of the scope: a grassroots union (grassroots staff) or a department (liaison,
    /// department system).
    #[serde(default)]
    pub org_id: Option<i64>,
    /// Disabled accounts cannot sign in.
    #[serde(default)]
    pub disabled: bool,
    /// Password, at creation only (at least 10 characters); none for a department system's
    /// account (`department_system`), which uses API tokens alone.
    #[serde(default)]
    pub password: Option<String>,
}

/// A new API token: its secret is shown here once.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NewToken {
    /// The token.
    pub token: ApiToken,
    /// The secret to send as `Authorization: Bearer …`. Not stored; not shown again.
    pub secret: String,
}

impl App {
    /// Validates a user and its scope against the registry.
    async fn user_write(&self, input: &UserInput) -> Result<UserWrite, AppError> {
        let mut e = Errors::default();
        let name = e.take(parse_user_name("name", &input.name));
        let display = if input.display_name.trim().is_empty() {
            name.clone()
        } else {
            e.take(required_text("display_name", &input.display_name, 60))
        };
        let role = e.take(Role::parse("role", input.role.trim()));
        let region = input.region_code.as_deref().map(str::trim).filter(|r| !r.is_empty());
        let mut region_code = None;
        if let Some(r) = region {
            match self.store.region(r).await {
                Ok(r) => region_code = Some(r.code),
                Err(StoreError::NotFound) => e.push(FieldError::new("region_code", Code::UnknownRegion)),
                Err(other) => return Err(other.into()),
            }
        }
        if let Some(role) = role {
            if role.scoped_by_organisation() {
                // Union staff are bound to a union of any level (they reach its households and
                // those of the unions under it); a liaison to a department.
                let (fits, want): (fn(OrgKind) -> bool, _) = if role == Role::GrassrootsStaff {
                    (OrgKind::is_union, ("工会", "union"))
                } else {
                    (|k| k == OrgKind::Department, (OrgKind::Department.label(true), OrgKind::Department.label(false)))
                };
                match input.org_id {
                    None => e.push(FieldError::new("org_id", Code::OrganisationRequired).with_label(
                        "role",
                        role.label(true),
                        role.label(false),
                    )),
                    Some(id) => match self.store.organisation(&Scope::everything(), id).await {
                        Ok(o) if fits(o.kind) => {}
                        Ok(_) => e.push(FieldError::new("org_id", Code::WrongKind).with_label("kind", want.0, want.1)),
                        Err(StoreError::NotFound) => e.push(FieldError::new("org_id", Code::UnknownOrganisation)),
                        Err(other) => return Err(other.into()),
                    },
                }
            } else if region.is_none() && !role.is_administrator() {
                e.push(FieldError::new("region_code", Code::RegionRequired).with_label(
                    "role",
                    role.label(true),
                    role.label(false),
                ));
            } else if input.org_id.is_some() {
                e.push(FieldError::new("org_id", Code::OrganisationNotAllowed));
            }
        }
        let v = (|| {
            Some(UserWrite {
                name: name?,
                display_name: display?,
                role: role?.code().to_string(),
                region_code,
                org_id: input.org_id,
                disabled: input.disabled,
            })
        })();
        e.finish(v).map_err(AppError::Invalid)
    }

    /// Allows the system administrator (accounts) or the security administrator (their tokens)
    /// to read accounts.
    async fn permit_accounts(&self, who: &Principal, id: Option<i64>) -> Result<(), AppError> {
        if who.can(Permission::IssueTokens) {
            return Ok(());
        }
        self.permit(who, Permission::ManageUsers, "user", id).await
    }

    /// Refuses an administrator's account to anyone but the command line: the three
    /// administrators are set up by the IT office on the server, so no administrator makes
    /// another, takes over another's password, or holds two duties (三员分立, issue 23).
    fn administrators_on_command_line(who: &Principal, role: &str) -> Result<(), AppError> {
        match Role::from_code(role) {
            Some(r) if r.is_administrator() && !who.is_system() => {
                Err(AppError::invalid(FieldError::new("role", Code::AdministratorOnCommandLine)))
            }
            _ => Ok(()),
        }
    }

    /// All users.
    pub async fn users(&self, who: &Principal) -> Result<Vec<User>, AppError> {
        self.permit_accounts(who, None).await?;
        Ok(self.store.users().await?)
    }

    /// One user.
    pub async fn user(&self, who: &Principal, id: i64) -> Result<User, AppError> {
        self.permit_accounts(who, Some(id)).await?;
        Ok(self.store.user(id).await?)
    }

    /// Creates a user with a password.
    pub async fn create_user(&self, who: &Principal, input: &UserInput) -> Result<User, AppError> {
        self.permit(who, Permission::ManageUsers, "user", None).await?;
        let u = self.user_write(input).await?;
        Self::administrators_on_command_line(who, &u.role)?;
        let password = input.password.as_deref().unwrap_or("");
        // A department system's account (a service account) has no password: its stored hash
        // is empty, which no password verifies, so it can never sign in to the pages.
        let hash = if is_service(&u.role) {
            if !password.is_empty() {
                return Err(AppError::invalid(FieldError::new("password", Code::NoPasswordForService)));
            }
            String::new()
        } else {
            password_error(password, self.security.password)?;
            hash_password(password).await?
        };
        let mut tx = self.store.begin().await?;
        // A password an administrator set is the account's to change at its first sign-in; one
        // set on the command line (the IT office, the demo) is handed over as it is.
        let id = tx.insert_user(&u, &hash, !who.is_system()).await.map_err(|e| match e {
            StoreError::Conflict(f) if f.code == Code::NameTaken => {
                AppError::Conflict(FieldError::new("name", Code::NameTaken).with("name", &u.name))
            }
            other => other.into(),
        })?;
        let mut a = who.audit("create", "user", Some(id), u.region_code.as_deref());
        a.detail = serde_json::json!({ "new": user_json(&u) }).to_string();
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(self.store.user(id).await?)
    }

    /// Changes a user's name, role, scope or state. Disabling ends the user's sessions.
    pub async fn update_user(
        &self,
        who: &Principal,
        id: i64,
        if_match: Option<i64>,
        input: &UserInput,
    ) -> Result<User, AppError> {
        self.permit(who, Permission::ManageUsers, "user", Some(id)).await?;
        let version = if_match.ok_or(AppError::PreconditionRequired)?;
        let old = self.store.user(id).await?;
        if input.password.is_some() {
            return Err(AppError::invalid(FieldError::new("password", Code::PasswordSeparately)));
        }
        let u = self.user_write(input).await?;
        Self::administrators_on_command_line(who, &old.role)?;
        Self::administrators_on_command_line(who, &u.role)?;
        if is_service(&u.role) != is_service(&old.role) {
            return Err(AppError::invalid(FieldError::new("role", Code::ServiceRoleFixed)));
        }
        let mut tx = self.store.begin().await?;
        tx.update_user(id, version, &u).await.map_err(|e| match e {
            StoreError::Conflict(f) if f.code == Code::NameTaken => {
                AppError::Conflict(FieldError::new("name", Code::NameTaken).with("name", &u.name))
            }
            other => other.into(),
        })?;
        if u.disabled {
            tx.delete_user_sessions(id).await?;
        }
        let mut a = who.audit("update", "user", Some(id), u.region_code.as_deref());
        let old_w = UserWrite {
            name: old.name,
            display_name: old.display_name,
            role: old.role,
            region_code: old.region_code,
            org_id: old.org_id,
            disabled: old.disabled,
        };
        a.detail = serde_json::json!({ "old": user_json(&old_w), "new": user_json(&u) }).to_string();
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(self.store.user(id).await?)
    }

    /// Sets a user's password (ends their sessions).
    pub async fn set_password(&self, who: &Principal, id: i64, password: &str) -> Result<(), AppError> {
        self.permit(who, Permission::ManageUsers, "user", Some(id)).await?;
        let user = self.store.user(id).await?;
        if is_service(&user.role) {
            return Err(AppError::invalid(FieldError::new("password", Code::NoPasswordForService)));
        }
        Self::administrators_on_command_line(who, &user.role)?;
        password_error(password, self.security.password)?;
        self.not_reused(id, password).await?;
        let hash = hash_password(password).await?;
        let mut tx = self.store.begin().await?;
        tx.set_password(id, &hash, !who.is_system()).await?;
        tx.delete_user_sessions(id).await?;
        tx.append_audit(&who.audit("set_password", "user", Some(id), user.region_code.as_deref())).await?;
        Ok(tx.commit().await?)
    }

    /// Refuses a password that is one of the account's last five.
    async fn not_reused(&self, user_id: i64, password: &str) -> Result<(), AppError> {
        for old in self.store.password_history(user_id).await? {
            if crate::auth::verify_password(password, &old).await {
                return Err(AppError::invalid(FieldError::new("password", Code::PasswordReused)));
            }
        }
        Ok(())
    }

    /// Changes one's own password: the current one, then the new one twice; not one of the last
    /// five. Ends every session of the account (sign in again with the new one).
    pub async fn change_own_password(
        &self,
        who: &Principal,
        current: &str,
        new: &str,
        repeated: &str,
    ) -> Result<(), AppError> {
        if who.is_system() || who.role.is_service() {
            return Err(AppError::Forbidden);
        }
        let user = self.store.user(who.user_id).await?;
        if !crate::auth::verify_password(current, &user.password_hash).await {
            let mut e = who.audit("change_password", "user", Some(user.id), user.region_code.as_deref());
            e.result = "failure".into();
            self.store.audit(&e).await?;
            return Err(AppError::invalid(FieldError::new("current", Code::WrongCurrentPassword)));
        }
        password_error(new, self.security.password)?;
        if new != repeated {
            return Err(AppError::invalid(FieldError::new("repeated", Code::PasswordsDiffer)));
        }
        self.not_reused(user.id, new).await?;
        let hash = hash_password(new).await?;
        let mut tx = self.store.begin().await?;
        tx.set_password(user.id, &hash, false).await?;
        tx.delete_user_sessions(user.id).await?;
        tx.append_audit(&who.audit("change_password", "user", Some(user.id), user.region_code.as_deref())).await?;
        Ok(tx.commit().await?)
    }

    /// Creates an API token acting as user `user_id`.
    pub async fn create_token(&self, who: &Principal, user_id: i64, name: &str) -> Result<NewToken, AppError> {
        self.permit(who, Permission::IssueTokens, "api_token", None).await?;
        let user = self.store.user(user_id).await?;
        // A token acts as its holder: an administrator minting one for city staff could act as
        // them, and the trail would name them (issue 19). The security administrator issues
        // tokens to itself and to departments' systems (service accounts, which are no one and
        // reach no household file); the IT office issues a person's from the command line
        // (docs/access.md).
        if !who.is_system() && user.id != who.user_id && !is_service(&user.role) {
            return Err(AppError::invalid(FieldError::new("user_id", Code::TokenForSelfOnly)));
        }
        let name = required_text("name", name, 100).map_err(AppError::invalid)?;
        let secret = format!("bf_{}", random_hex(32)?);
        let mut tx = self.store.begin().await?;
        let id = tx.insert_token(user.id, &name, &secret_hash(&secret), who.user_id).await?;
        let mut a = who.audit("create", "api_token", Some(id), user.region_code.as_deref());
        a.detail = serde_json::json!({ "user": user.name, "name": name }).to_string();
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(NewToken { token: self.store.token(id).await?, secret })
    }

    /// A user's tokens.
    pub async fn tokens(&self, who: &Principal, user_id: i64) -> Result<Vec<ApiToken>, AppError> {
        self.permit_accounts(who, None).await?;
        self.store.user(user_id).await?;
        Ok(self.store.tokens(user_id).await?)
    }

    /// Revokes a token; returns the id of the account it acted as.
    pub async fn revoke_token(&self, who: &Principal, id: i64) -> Result<i64, AppError> {
        self.permit(who, Permission::IssueTokens, "api_token", Some(id)).await?;
        let t = self.store.token(id).await?;
        let mut tx = self.store.begin().await?;
        tx.revoke_token(id).await.map_err(|e| match e {
            StoreError::NotFound => AppError::Conflict(FieldError::new("id", Code::AlreadyRevoked)),
            other => other.into(),
        })?;
        let mut a = who.audit("revoke", "api_token", Some(id), None);
        a.detail = serde_json::json!({ "user_id": t.user_id, "name": t.name }).to_string();
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(t.user_id)
    }

    /// Creates (or, when it exists, resets the password and enables) a user: for `bangfu user
    /// add` and demo accounts. Returns the user.
    pub async fn ensure_user(&self, input: &UserInput) -> Result<User, AppError> {
        let system = Principal::system();
        let name = parse_user_name("name", &input.name).map_err(AppError::invalid)?;
        match self.store.user_by_name(&name).await? {
            None => self.create_user(&system, input).await,
            Some(u) => {
                let mut enabled = input.clone();
                enabled.password = None;
                enabled.disabled = false;
                let u = self.update_user(&system, u.id, Some(u.version), &enabled).await?;
                if !is_service(&u.role) {
                    self.set_password(&system, u.id, input.password.as_deref().unwrap_or("")).await?;
                }
                Ok(self.store.user(u.id).await?)
            }
        }
    }
}

/// Whether a stored role code is a service account's.
fn is_service(role: &str) -> bool {
    Role::from_code(role).is_some_and(Role::is_service)
}

fn user_json(u: &UserWrite) -> serde_json::Value {
    serde_json::json!({
        "name": u.name,
        "display_name": u.display_name,
        "role": u.role,
        "region_code": u.region_code,
        "org_id": u.org_id,
        "disabled": u.disabled,
    })
}
