//! Who is asking: sign-in with argon2id passwords, sessions, API tokens, and the [`Principal`]
//! every use case takes. A principal is rebuilt from the database on every request, so a
//! changed role, scope or disabled account takes effect on the next one.

use crate::{App, AppError};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use bangfu_domain::{Code, FieldError, Permission, Role};
use bangfu_store::{NewAudit, Scope, StoreError, User};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// A session ends after this long without a request, by default …
pub const IDLE_TIMEOUT_MINUTES: i64 = 30;
/// … and this long after sign-in in any case, by default ([`crate::SecurityPolicy`]).
pub const SESSION_HOURS: i64 = 12;
/// Failed sign-ins for one account within [`LOCK_WINDOW_MINUTES`] that lock it.
pub const MAX_FAILURES_PER_ACCOUNT: u64 = 5;
/// Failed sign-ins from one address within the window that lock the address.
pub const MAX_FAILURES_PER_ADDRESS: u64 = 20;
/// The window (and so the longest lock-out) in minutes.
pub const LOCK_WINDOW_MINUTES: i64 = 15;

/// The person (or program) a request acts for.
#[derive(Debug, Clone)]
pub struct Principal {
    /// User id (0 for the system).
    pub user_id: i64,
    /// Sign-in name.
    pub name: String,
    /// Shown name.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// The records the user reaches.
    pub scope: Scope,
    /// The scope's region, for audit entries.
    pub region_code: Option<String>,
    /// Client address, for audit entries.
    pub address: String,
    /// The session's CSRF token (None for API tokens and the system).
    pub csrf: Option<String>,
    /// The organisation the user belongs to (a liaison's department, a grassroots union).
    pub organisation_id: Option<i64>,
    /// The API token the request came with (None for sessions and the system): every audit
    /// entry of the request names it.
    pub token_id: Option<i64>,
    /// An administrator signed in who has not set up two-factor sign-in yet: the session reaches
    /// only the page that sets it up (issue 23).
    pub second_factor_due: bool,
    /// Signed in with a password someone else set: the session reaches only the page that
    /// changes it (issue 23).
    pub password_change_due: bool,
    system: bool,
}

impl Principal {
    /// Whether this is the system itself (the command line, batch jobs), not a person.
    pub fn is_system(&self) -> bool {
        self.system
    }

    /// The system itself (command line, batch jobs): every permission, everything in scope.
    pub fn system() -> Principal {
        Principal {
            user_id: 0,
            name: "system".into(),
            display_name: "system".into(),
            role: Role::Admin,
            scope: Scope::everything(),
            region_code: None,
            address: "local".into(),
            csrf: None,
            organisation_id: None,
            token_id: None,
            second_factor_due: false,
            password_change_due: false,
            system: true,
        }
    }

    /// Whether this principal may do `p`.
    pub fn can(&self, p: Permission) -> bool {
        self.system || self.role.can(p)
    }

    /// An audit entry by this principal.
    pub fn audit(&self, action: &str, entity: &str, entity_id: Option<i64>, region: Option<&str>) -> NewAudit {
        NewAudit {
            actor_id: (self.user_id > 0).then_some(self.user_id),
            actor_name: self.name.clone(),
            role: if self.system { "system".into() } else { self.role.code().into() },
            action: action.into(),
            entity: entity.into(),
            entity_id,
            region_code: region.map(str::to_string).or_else(|| self.region_code.clone()),
            result: "ok".into(),
            address: self.address.clone(),
            detail: String::new(),
            token_id: self.token_id,
        }
    }
}

/// A new session's secrets: the cookie value and the CSRF token forms must echo.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// Cookie value (shown once; stored hashed).
    pub token: String,
    /// CSRF token.
    pub csrf: String,
}

/// Random bytes as lower-case hex.
pub fn random_hex(bytes: usize) -> Result<String, AppError> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// SHA-256 of a secret, as stored for session ids and tokens.
pub fn secret_hash(secret: &str) -> String {
    format!("{:x}", Sha256::digest(secret.as_bytes()))
}

/// An argon2id hash (PHC string) of a password.
pub async fn hash_password(password: &str) -> Result<String, AppError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
    let password = password.to_string();
    // Hashing takes tens of milliseconds of CPU on purpose: off the async workers.
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::encode_b64(&salt).map_err(|e| AppError::Internal(e.to_string()))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(e.to_string()))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

/// Whether `password` matches the PHC string `hash`.
pub(crate) async fn verify_password(password: &str, hash: &str) -> bool {
    let (password, hash) = (password.to_string(), hash.to_string());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
    })
    .await
    .unwrap_or(false)
}

/// A hash to verify against when the account does not exist, so an unknown name takes as long
/// to refuse as a wrong password.
async fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(h) = DUMMY.get() {
        return h;
    }
    let h = hash_password("not a password of anyone").await.unwrap_or_default();
    DUMMY.get_or_init(|| h)
}

/// `m` minutes ago in the audit trail's format (milliseconds), or with `secs` in the format of
/// session times (seconds), so that texts compare as instants.
fn minutes_ago(m: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::minutes(m)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn minutes_ago_secs(m: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::minutes(m)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl App {
    /// Signs in: checks the lock-outs, then the password, then — for an account with two-factor
    /// sign-in — the dynamic code `code` (or a recovery code); records the attempt either way. A
    /// missing or wrong code counts as a failed attempt (lock-outs apply), named apart from a
    /// wrong password only once the password was right.
    pub async fn sign_in(
        &self,
        name: &str,
        password: &str,
        code: &str,
        address: &str,
    ) -> Result<(Principal, NewSession), AppError> {
        let name = name.trim().to_lowercase();
        let since = minutes_ago(LOCK_WINDOW_MINUTES);
        let user = self.store.user_by_name(&name).await?;
        let attempt = |result: &str, detail: &str| NewAudit {
            actor_id: user.as_ref().map(|u| u.id),
            actor_name: name.chars().take(60).collect(),
            role: user.as_ref().map(|u| u.role.clone()).unwrap_or_default(),
            action: "sign_in".into(),
            entity: "session".into(),
            entity_id: None,
            region_code: user.as_ref().and_then(|u| u.region_code.clone()),
            result: result.into(),
            address: address.into(),
            detail: detail.into(),
            token_id: None,
        };
        let by_account = self.store.count_audit_since("sign_in", "failure", false, &name, &since).await?;
        let by_address = self.store.count_audit_since("sign_in", "failure", true, address, &since).await?;
        if by_account >= MAX_FAILURES_PER_ACCOUNT || by_address >= MAX_FAILURES_PER_ADDRESS {
            let which = if by_account >= MAX_FAILURES_PER_ACCOUNT { "account" } else { "address" };
            self.store.audit(&attempt("locked", &format!(r#"{{"locked":"{which}"}}"#))).await?;
            return Err(AppError::Locked(which.into()));
        }
        let ok = match &user {
            // A service account's empty hash verifies nothing: it never signs in.
            Some(u) if !u.disabled && !u.password_hash.is_empty() => verify_password(password, &u.password_hash).await,
            _ => {
                verify_password(password, dummy_hash().await).await;
                false
            }
        };
        let Some(user) = user.clone().filter(|_| ok) else {
            self.store.audit(&attempt("failure", "")).await?;
            return Err(AppError::Unauthenticated);
        };
        match self.check_second_factor(user.id, code).await? {
            None | Some(true) => {}
            Some(false) => {
                self.store.audit(&attempt("failure", r#"{"second_factor":"missing_or_wrong"}"#)).await?;
                let which = if code.trim().is_empty() { Code::SecondFactorRequired } else { Code::SecondFactorWrong };
                return Err(AppError::invalid(FieldError::new("code", which)));
            }
        }
        let session = NewSession { token: random_hex(32)?, csrf: random_hex(32)? };
        let mut tx = self.store.begin().await?;
        tx.insert_session(&secret_hash(&session.token), user.id, &session.csrf).await?;
        tx.append_audit(&attempt("ok", "")).await?;
        tx.commit().await?;
        let mut p = self.principal_of(&user, address).await?.ok_or(AppError::Unauthenticated)?;
        p.csrf = Some(session.csrf.clone());
        p.second_factor_due = App::second_factor_required(p.role) && !self.has_second_factor(p.user_id).await?;
        p.password_change_due = user.must_change_password;
        Ok((p, session))
    }

    /// Signs out: ends the session.
    pub async fn sign_out(&self, who: &Principal, token: &str) -> Result<(), AppError> {
        let mut tx = self.store.begin().await?;
        tx.delete_session(&secret_hash(token)).await?;
        tx.append_audit(&who.audit("sign_out", "session", None, None)).await?;
        Ok(tx.commit().await?)
    }

    /// The principal of a session cookie, if the session is live and the account enabled.
    pub async fn session_principal(&self, token: &str, address: &str) -> Result<Option<Principal>, AppError> {
        let hash = secret_hash(token);
        let Some(s) = self.store.session(&hash).await? else { return Ok(None) };
        let (idle, started) =
            (minutes_ago_secs(self.security.idle_minutes), minutes_ago_secs(self.security.session_hours * 60));
        if s.last_seen_at < idle || s.created_at < started {
            let mut tx = self.store.begin().await?;
            tx.delete_expired_sessions(&idle, &started).await?;
            tx.commit().await?;
            return Ok(None);
        }
        // Writing on every request would make reads writers; a minute's precision is enough.
        if s.last_seen_at < minutes_ago_secs(1) {
            self.store.touch_session(&hash, &bangfu_store::now_rfc3339()).await?;
        }
        let user = match self.store.user(s.user_id).await {
            Ok(u) => u,
            Err(StoreError::NotFound) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let mut p = self.principal_of(&user, address).await?;
        if let Some(p) = &mut p {
            p.csrf = Some(s.csrf);
            p.second_factor_due = App::second_factor_required(p.role) && !self.has_second_factor(p.user_id).await?;
            p.password_change_due = user.must_change_password;
        }
        Ok(p)
    }

    /// The principal of an API token, if it is not revoked and the account enabled.
    pub async fn token_principal(&self, token: &str, address: &str) -> Result<Option<Principal>, AppError> {
        let Some(t) = self.store.token_by_hash(&secret_hash(token)).await? else { return Ok(None) };
        if t.revoked_at.is_some() {
            return Ok(None);
        }
        let user = self.store.user(t.user_id).await?;
        let mut p = self.principal_of(&user, address).await?;
        if let Some(p) = &mut p {
            p.token_id = Some(t.id);
        }
        Ok(p)
    }

    /// Builds the principal of an enabled user from their role and scope as stored now.
    pub async fn principal_of(&self, user: &User, address: &str) -> Result<Option<Principal>, AppError> {
        if user.disabled {
            return Ok(None);
        }
        let role =
            Role::from_code(&user.role).ok_or_else(|| AppError::Internal(format!("user {}: bad role", user.id)))?;
        let subtree = match &user.region_code {
            Some(r) => self.store.region_and_children(r).await?,
            None => Vec::new(),
        };
        let org = match user.org_id {
            Some(id) => Some(self.store.organisation(&Scope::everything(), id).await?),
            None => None,
        };
        let scope = match (role, &org) {
            (r, _) if r.is_administrator() && user.region_code.is_none() => Scope::everything().without_households(),
            (r, _) if r.is_administrator() => Scope::regions(subtree).without_households(),
            // Union staff reach the households kept by their union and the unions under it.
            (Role::GrassrootsStaff, Some(o)) => Scope::union_subtree(
                self.store.region_and_children(&o.region_code).await?,
                self.store.union_and_below(o.id).await?,
            ),
            (Role::Liaison | Role::DepartmentSystem, Some(o)) => {
                Scope::regions(vec![o.region_code.clone()]).without_households()
            }
            // An organisation role without its organisation reaches nothing.
            (Role::GrassrootsStaff | Role::Liaison | Role::DepartmentSystem, None) => {
                Scope::regions(Vec::new()).without_households()
            }
            _ => Scope::regions(subtree),
        };
        Ok(Some(Principal {
            user_id: user.id,
            name: user.name.clone(),
            display_name: user.display_name.clone(),
            role,
            scope,
            region_code: user.region_code.clone().or_else(|| org.map(|o| o.region_code)),
            address: address.to_string(),
            csrf: None,
            organisation_id: user.org_id,
            token_id: None,
            second_factor_due: false,
            password_change_due: false,
            system: false,
        }))
    }

    /// Records a request refused at the door: an unknown or revoked API token.
    pub async fn record_bad_token(&self, address: &str) -> Result<(), AppError> {
        let e = NewAudit {
            action: "authenticate".into(),
            entity: "api_token".into(),
            result: "failure".into(),
            address: address.into(),
            ..Default::default()
        };
        Ok(self.store.audit(&e).await.map(|_| ())?)
    }

    /// Records a cookie-authenticated write refused for a missing or wrong CSRF token.
    pub async fn record_csrf_refusal(&self, who: &Principal, method: &str, path: &str) -> Result<(), AppError> {
        self.record_refusal(who, method, path, "csrf").await
    }

    /// Records a call of a service account: method, path with its query, the answer's status;
    /// the entry names the token (issue 22).
    pub async fn record_api_call(&self, who: &Principal, method: &str, uri: &str, status: u16) -> Result<(), AppError> {
        let mut e = who.audit("api_call", "request", None, None);
        e.result = if status < 400 { "ok" } else { "failure" }.into();
        let uri: String = uri.chars().take(500).collect();
        e.detail = serde_json::json!({ "method": method, "path": uri, "status": status }).to_string();
        Ok(self.store.audit(&e).await.map(|_| ())?)
    }

    /// Records a request refused at the door, and why (`csrf`, `read_only_role`, `service_account`).
    pub async fn record_refusal(&self, who: &Principal, method: &str, path: &str, why: &str) -> Result<(), AppError> {
        let mut e = who.audit("denied", "request", None, None);
        e.result = why.into();
        e.detail = serde_json::json!({ "method": method, "path": path }).to_string();
        Ok(self.store.audit(&e).await.map(|_| ())?)
    }

    /// Allows `who` to do `p`, or records the denial and refuses.
    pub async fn permit(&self, who: &Principal, p: Permission, entity: &str, id: Option<i64>) -> Result<(), AppError> {
        if who.can(p) {
            return Ok(());
        }
        let mut e = who.audit("denied", entity, id, None);
        e.result = "denied".into();
        e.detail = format!(r#"{{"permission":"{}"}}"#, p.code());
        self.store.audit(&e).await?;
        Err(AppError::Forbidden)
    }

    /// Answers NotFound for a household `who` cannot reach; if it exists elsewhere, the look is
    /// recorded as denied (the caller still sees exactly what a missing household looks like).
    pub(crate) async fn not_reachable(&self, who: &Principal, id: i64) -> AppError {
        if let Ok(true) = self.store.household_exists(id).await {
            let mut e = who.audit("denied", "household", Some(id), None);
            e.result = "out_of_scope".into();
            if let Err(err) = self.store.audit(&e).await {
                return err.into();
            }
        }
        AppError::NotFound
    }
}

/// The password field's error for a bad password.
pub fn password_error(p: &str, policy: bangfu_domain::access::PasswordPolicy) -> Result<(), AppError> {
    bangfu_domain::access::check_password_with("password", p, policy).map_err(AppError::invalid)
}

/// A field error for an unknown user.
pub fn no_such_user() -> AppError {
    AppError::invalid(FieldError::new("user", Code::UnknownUser))
}
