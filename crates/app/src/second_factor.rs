//! Two-factor sign-in (issue 23): TOTP (RFC 6238: HMAC-SHA1, six digits, 30-second steps — what
//! common authenticator apps show), required of the three administrators and optional for
//! everyone else; enrolled with a QR code the server draws itself, confirmed with a first code;
//! ten recovery codes shown once; a code works once; resets audited.

use crate::auth::{secret_hash, Principal};
use crate::{App, AppError};
use bangfu_domain::{Code, FieldError, Permission, Role};
use bangfu_store::StoreError;
use totp_rs::{Algorithm, Secret, TOTP};

/// Seconds per code.
const STEP: u64 = 30;
/// Codes of the step before and after are accepted too (clocks drift).
const SKEW: i64 = 1;
/// Recovery codes given at enrolment.
const RECOVERY_CODES: usize = 10;

/// An enrolment begun: what the authenticator app is given.
#[derive(Debug, Clone)]
pub struct Enrolment {
    /// The secret, base32 (typed by hand if the QR code cannot be scanned).
    pub secret: String,
    /// The `otpauth://` address the QR code holds.
    pub url: String,
}

/// The TOTP of a base32 secret.
fn totp(secret: &str) -> Result<TOTP, AppError> {
    let bytes = Secret::Encoded(secret.to_string())
        .to_bytes()
        .map_err(|e| AppError::Internal(format!("a stored second-factor secret is not base32: {e:?}")))?;
    TOTP::new(Algorithm::SHA1, 6, 1, STEP, bytes).map_err(|e| AppError::Internal(format!("bad TOTP secret: {e}")))
}

/// Seconds since the epoch.
fn now_secs() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0)
}

/// The time step whose code `code` is, at `now` (the step before and after count too).
pub fn code_step(secret: &str, code: &str, now: u64) -> Result<Option<i64>, AppError> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let t = totp(secret)?;
    let step = (now / STEP) as i64;
    for s in step - SKEW..=step + SKEW {
        let Ok(at) = u64::try_from(s) else { continue };
        if same(t.generate(at * STEP).as_bytes(), code.as_bytes()) {
            return Ok(Some(s));
        }
    }
    Ok(None)
}

/// The code of `secret` at `unix_secs` (what an authenticator app shows then): for tests, and for
/// a person checking an app's clock.
pub fn code_at(secret: &str, unix_secs: u64) -> Result<String, AppError> {
    Ok(totp(secret)?.generate(unix_secs))
}

/// Compares two secrets in time independent of where they differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A recovery code as typed: its digits, without spaces or dashes.
fn normal_recovery(code: &str) -> String {
    code.chars().filter(char::is_ascii_digit).collect()
}

impl App {
    /// Whether `role` must sign in with a second factor.
    pub fn second_factor_required(role: Role) -> bool {
        role.is_administrator()
    }

    /// Checks the second factor of a user whose password was right: a TOTP code (once), or an
    /// unused recovery code (used up). `Ok(None)` when the account has none enabled.
    pub(crate) async fn check_second_factor(&self, user_id: i64, code: &str) -> Result<Option<bool>, AppError> {
        let Some(f) = self.store.second_factor(user_id).await?.filter(|f| f.enabled) else { return Ok(None) };
        if let Some(step) = code_step(&f.secret, code, now_secs())? {
            let mut tx = self.store.begin().await?;
            let fresh = tx.use_second_factor_step(user_id, step).await?;
            tx.commit().await?;
            return Ok(Some(fresh));
        }
        let typed = normal_recovery(code);
        if typed.len() == 16 {
            let hash = secret_hash(&typed);
            if f.recovery.iter().any(|h| same(h.as_bytes(), hash.as_bytes())) {
                let left: Vec<String> = f.recovery.iter().filter(|h| **h != hash).cloned().collect();
                let mut tx = self.store.begin().await?;
                let used = tx.use_recovery_code(user_id, &f.recovery, &left).await?;
                tx.commit().await?;
                return Ok(Some(used));
            }
        }
        Ok(Some(false))
    }

    /// Whether the account has a second factor enabled.
    pub async fn has_second_factor(&self, user_id: i64) -> Result<bool, AppError> {
        Ok(self.store.second_factor(user_id).await?.is_some_and(|f| f.enabled))
    }

    /// Begins enrolment for oneself: a new secret, or the one begun and not confirmed yet.
    pub async fn start_second_factor(&self, who: &Principal) -> Result<Enrolment, AppError> {
        if who.is_system() || who.user_id == 0 {
            return Err(AppError::Forbidden);
        }
        let url = |secret: &str| {
            // The account's sign-in name is letters, digits and . _ - : nothing to escape.
            format!(
                "otpauth://totp/Bangfu:{name}?secret={secret}&issuer=Bangfu&algorithm=SHA1&digits=6&period={STEP}",
                name = who.name
            )
        };
        match self.store.second_factor(who.user_id).await? {
            Some(f) if f.enabled => return Err(AppError::Conflict(FieldError::new("code", Code::SecondFactorEnabled))),
            // Begun and not confirmed: the same key (the app may have it already).
            Some(f) => return Ok(Enrolment { url: url(&f.secret), secret: f.secret }),
            None => {}
        }
        let mut bytes = [0u8; 20];
        getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
        let Secret::Encoded(secret) = Secret::Raw(bytes.to_vec()).to_encoded() else {
            return Err(AppError::Internal("base32 encoding failed".into()));
        };
        let mut tx = self.store.begin().await?;
        tx.start_second_factor(who.user_id, &secret).await?;
        tx.commit().await?;
        Ok(Enrolment { url: url(&secret), secret })
    }

    /// Confirms enrolment with a code from the app; returns the recovery codes, shown once.
    pub async fn confirm_second_factor(&self, who: &Principal, code: &str) -> Result<Vec<String>, AppError> {
        let Some(f) = self.store.second_factor(who.user_id).await?.filter(|f| !f.enabled) else {
            return Err(AppError::invalid(FieldError::new("code", Code::SecondFactorNotStarted)));
        };
        let Some(step) = code_step(&f.secret, code, now_secs())? else {
            return Err(AppError::invalid(FieldError::new("code", Code::SecondFactorWrong)));
        };
        // Sixteen digits each (easy to type on a phone; tried as a password is, with lock-outs).
        let mut codes = Vec::with_capacity(RECOVERY_CODES);
        for _ in 0..RECOVERY_CODES {
            let mut b = [0u8; 8];
            getrandom::fill(&mut b).map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
            codes.push(format!("{:016}", u64::from_le_bytes(b) % 10_000_000_000_000_000));
        }
        let hashes: Vec<String> = codes.iter().map(|c| secret_hash(c)).collect();
        let mut tx = self.store.begin().await?;
        tx.enable_second_factor(who.user_id, step, &hashes).await.map_err(|e| match e {
            StoreError::NotFound => AppError::Conflict(FieldError::new("code", Code::SecondFactorEnabled)),
            other => other.into(),
        })?;
        tx.append_audit(&who.audit("enable", "second_factor", Some(who.user_id), None)).await?;
        tx.commit().await?;
        Ok(codes.iter().map(|c| format!("{}-{}-{}-{}", &c[..4], &c[4..8], &c[8..12], &c[12..])).collect())
    }

    /// Resets an account's second factor (a lost phone): it enrols again at its next sign-in.
    /// The security administrator resets others' (not an administrator's: the command line does).
    pub async fn reset_second_factor(&self, who: &Principal, user_id: i64) -> Result<(), AppError> {
        self.permit(who, Permission::IssueTokens, "second_factor", Some(user_id)).await?;
        let user = self.store.user(user_id).await?;
        let role = Role::from_code(&user.role).ok_or_else(|| AppError::Internal("bad role".into()))?;
        if role.is_administrator() && !who.is_system() {
            return Err(AppError::invalid(FieldError::new("role", Code::AdministratorOnCommandLine)));
        }
        let mut tx = self.store.begin().await?;
        if !tx.delete_second_factor(user_id).await? {
            return Err(AppError::Conflict(FieldError::new("code", Code::SecondFactorNotStarted)));
        }
        tx.append_audit(&who.audit("reset", "second_factor", Some(user_id), user.region_code.as_deref())).await?;
        Ok(tx.commit().await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_of_rfc_6238_are_accepted_within_a_step_either_side() {
        // RFC 6238 appendix B, SHA-1, secret "12345678901234567890", T = 59 s: 94287082 (eight
        // digits); six digits are its last six.
        let Secret::Encoded(secret) = Secret::Raw(b"12345678901234567890".to_vec()).to_encoded() else {
            panic!("to_encoded gives an encoded secret");
        };
        assert_eq!(code_at(&secret, 59).unwrap(), "287082");
        assert_eq!(code_step(&secret, "287082", 59).unwrap(), Some(1));
        assert_eq!(code_step(&secret, "287082", 89).unwrap(), Some(1), "the step after");
        assert_eq!(code_step(&secret, "287082", 150).unwrap(), None, "too late");
        assert_eq!(code_step(&secret, "28708", 59).unwrap(), None);
        assert_eq!(code_step(&secret, "abcdef", 59).unwrap(), None);
        assert_eq!(normal_recovery(" 1234-5678 9012-3456 "), "1234567890123456");
    }
}
