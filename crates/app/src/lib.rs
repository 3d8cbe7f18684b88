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
}

impl App {
    /// An app over `store` with the 2018 plan's parameters.
    pub fn new(store: Store) -> Self {
        Self {
            store,
            stock_cutoff: bangfu_domain::policy::default_stock_cutoff(),
            imports: std::sync::Arc::new(tokio::sync::Semaphore::new(1)),
        }
    }
}
