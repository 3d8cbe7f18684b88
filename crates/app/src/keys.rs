//! The keys that seal personal data (issue 23), as the security administrator sees and rotates
//! them: how every column of personal data is stored (in clear, or sealed by which key), and a
//! rotation — a new data key, everything resealed with it in short batches while the system
//! runs. The page starts it in the background; `bangfu keys rotate` runs the same.

use crate::{App, AppError, Principal};
use bangfu_domain::access::Permission;
use bangfu_store::reseal::{Resealed, SealCount, Walk};

/// A rotation running in this process.
#[derive(Debug, Clone)]
pub struct Running {
    /// Since (RFC 3339, UTC).
    pub since: String,
    /// The column being resealed.
    pub column: String,
    /// Its rows looked at so far.
    pub rows: u64,
}

/// How the last rotation this process ran ended.
#[derive(Debug, Clone)]
pub struct Ended {
    /// When (RFC 3339, UTC).
    pub at: String,
    /// The key everything is sealed with now (on success).
    pub key: u32,
    /// Values moved from older keys.
    pub rekeyed: u64,
    /// Values sealed from clear.
    pub sealed: u64,
    /// Why it stopped, if it failed (run it again: it resumes).
    pub error: Option<String>,
}

/// This process's rotation: the one running, and the last one's end.
#[derive(Debug, Clone, Default)]
pub struct Rotation {
    /// Running now.
    pub running: Option<Running>,
    /// The last one.
    pub last: Option<Ended>,
}

/// The keys and what they seal.
#[derive(Debug, Clone)]
pub struct KeyStatus {
    /// The key file.
    pub file: String,
    /// Data keys: number, made at (RFC 3339, UTC).
    pub keys: Vec<(u32, String)>,
    /// The key that seals.
    pub active: u32,
    /// Every column of personal data.
    pub columns: Vec<SealCount>,
    /// This process's rotation.
    pub rotation: Rotation,
}

/// What a rotation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotated {
    /// The key everything is sealed with.
    pub key: u32,
    /// Whether it added that key (false: it finished a rotation left unfinished).
    pub added: bool,
    /// What the walks did.
    pub done: Resealed,
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl App {
    /// The keys, every column's values per key, and the rotation (the security administrator).
    pub async fn key_status(&self, who: &Principal) -> Result<KeyStatus, AppError> {
        self.permit(who, Permission::ManageKeys, "keys", None).await?;
        let keys = bangfu_store::keys::keyring()?;
        Ok(KeyStatus {
            file: keys.path().map(|p| p.display().to_string()).unwrap_or_default(),
            keys: keys.key_info(),
            active: keys.active(),
            columns: self.store.seal_counts().await?,
            rotation: self.rotation.lock().unwrap_or_else(|p| p.into_inner()).clone(),
        })
    }

    /// Starts a rotation in the background (the page); one already running is left to run.
    /// Audited when asked, and again when it ends.
    pub async fn start_key_rotation(&self, who: &Principal) -> Result<(), AppError> {
        self.permit(who, Permission::ManageKeys, "keys", None).await?;
        {
            let mut r = self.rotation.lock().unwrap_or_else(|p| p.into_inner());
            if r.running.is_some() {
                return Ok(());
            }
            r.running = Some(Running { since: now(), column: String::new(), rows: 0 });
        }
        self.store.audit(&who.audit("rotate", "keys", None, None)).await?;
        let app = self.clone();
        tokio::spawn(async move {
            let state = app.rotation.clone();
            let progress = move |column: &str, rows: u64| {
                if let Some(r) = state.lock().unwrap_or_else(|p| p.into_inner()).running.as_mut() {
                    r.column = column.to_string();
                    r.rows = rows;
                }
            };
            let result = app.rotate_keys(500, &progress).await;
            let ended = match &result {
                Ok(r) => Ended { at: now(), key: r.key, rekeyed: r.done.rekeyed, sealed: r.done.sealed, error: None },
                Err(e) => {
                    tracing::error!(error = %e, "key rotation stopped; run it again to finish it");
                    Ended { at: now(), key: 0, rekeyed: 0, sealed: 0, error: Some(e.to_string()) }
                }
            };
            let mut entry = Principal::system().audit("rotate", "keys", None, None);
            entry.result = if ended.error.is_none() { "ok" } else { "failure" }.into();
            entry.detail =
                serde_json::json!({ "key": ended.key, "rekeyed": ended.rekeyed, "sealed": ended.sealed }).to_string();
            if let Err(e) = app.store.audit(&entry).await {
                tracing::error!(error = %e, "the end of a key rotation was not audited");
            }
            let mut r = app.rotation.lock().unwrap_or_else(|p| p.into_inner());
            r.running = None;
            r.last = Some(ended);
        });
        Ok(())
    }

    /// Seals everything with a new data key, or — when values in clear or sealed with an older
    /// key remain (a rotation left unfinished) — finishes that one with the newest key.
    pub async fn rotate_keys(&self, batch: u64, progress: &(dyn Fn(&str, u64) + Sync)) -> Result<Rotated, AppError> {
        let (key, added) = self.begin_key_rotation().await?;
        let done = self.reseal_with_newest_key(batch, progress).await?;
        Ok(Rotated { key, added, done })
    }

    /// The first step of [`App::rotate_keys`]: the key to seal with, and whether it was added
    /// now (a new key only when every value is already sealed with the newest).
    pub async fn begin_key_rotation(&self) -> Result<(u32, bool), AppError> {
        let keys = bangfu_store::keys::keyring()?;
        let active = keys.active();
        let unfinished =
            self.store.seal_counts().await?.iter().any(|c| c.plain > 0 || c.by_key.iter().any(|(k, _)| *k != active));
        if unfinished {
            return Ok((active, false));
        }
        Ok((keys.add_key().map_err(|e| AppError::Internal(e.to_string()))?, true))
    }

    /// The second step: every value resealed with the newest key, in batches. Walks twice, the
    /// second time after every server has looked at the key file again
    /// ([`bangfu_store::keys::LOOK_EVERY`]), to take up what servers sealed meanwhile.
    pub async fn reseal_with_newest_key(
        &self,
        batch: u64,
        progress: &(dyn Fn(&str, u64) + Sync),
    ) -> Result<Resealed, AppError> {
        let mut done = self.store.reseal(Walk::All, batch, progress).await?;
        tokio::time::sleep(bangfu_store::keys::LOOK_EVERY * 2).await;
        let again = self.store.reseal(Walk::All, batch, progress).await?;
        done.sealed += again.sealed;
        done.rekeyed += again.rekeyed;
        self.store.checkpoint().await?;
        Ok(done)
    }
}
