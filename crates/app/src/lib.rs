//! Bangfu use cases: validate input, apply the rules, persist in one transaction.
//!
//! The HTTP layer and the CLI call these and nothing below them.

pub mod approvals;
pub mod audit;
pub mod auth;
pub mod casework;
pub mod clock;
pub mod demo;
mod error;
pub mod evaluate;
pub mod exchange;
pub mod frameworks;
pub mod funds;
pub mod households;
pub mod import;
pub mod input;
pub mod keys;
pub mod outcomes;
pub mod pairings;
pub mod quota;
pub mod registry;
pub mod second_factor;
pub mod self_check;
pub mod users;

pub use auth::Principal;
pub use error::AppError;
pub use households::HouseholdFile;

use bangfu_store::Store;
use chrono::NaiveDate;

/// The application: the store and the policy parameters in force.
#[derive(Clone)]
pub struct App {
    /// The store.
    pub store: Store,
    /// Stock cut-off date (POLICY §3).
    pub stock_cutoff: NaiveDate,
    /// One import at a time (issue 19): checking a file takes a core; a second waits its turn.
    imports: std::sync::Arc<tokio::sync::Semaphore>,
    /// Password and session policy (issue 23).
    pub security: SecurityPolicy,
    /// The key rotation this process runs, if any, and how the last one ended.
    rotation: std::sync::Arc<std::sync::Mutex<keys::Rotation>>,
}

/// Password and session policy, with the defaults a level-3 assessment accepts (issue 23;
/// `bangfu serve --password-min-length --password-classes --session-idle-minutes --session-hours`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecurityPolicy {
    /// What a password must be.
    pub password: bangfu_domain::access::PasswordPolicy,
    /// A session ends after this long without a request…
    pub idle_minutes: i64,
    /// …and this long after sign-in in any case.
    pub session_hours: i64,
}

impl Default for SecurityPolicy {
    fn default() -> Self {
        SecurityPolicy {
            password: bangfu_domain::access::PasswordPolicy::default(),
            idle_minutes: auth::IDLE_TIMEOUT_MINUTES,
            session_hours: auth::SESSION_HOURS,
        }
    }
}

impl App {
    /// An app over `store` with the 2018 plan's parameters.
    pub fn new(store: Store) -> Self {
        Self {
            store,
            stock_cutoff: bangfu_domain::policy::default_stock_cutoff(),
            imports: std::sync::Arc::new(tokio::sync::Semaphore::new(1)),
            security: SecurityPolicy::default(),
            rotation: Default::default(),
        }
    }

    /// The same app with another password and session policy.
    pub fn with_security(mut self, security: SecurityPolicy) -> Self {
        self.security = security;
        self
    }
}
