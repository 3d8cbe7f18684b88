//! Bangfu persistence: one implementation for SQLite (embedded default) and PostgreSQL.
//!
//! Queries are written once with sea-query and rendered for the backend in use. Only column
//! types that sqlx's `Any` driver carries on both backends are used: BIGINT for integers, money
//! (fen), months (`YYYYMM`) and flags, TEXT for dates (`YYYY-MM-DD`) and timestamps (RFC 3339).
//!
//! A read is a statement and a decoder: the decoder reads a row by column name through one trait
//! (`RowGet`), whichever driver handed the row over, and a read function is written once against
//! `read::Source` — the pool, an open write transaction, or one read transaction. Most reads run
//! through sqlx's `Any` driver. A read model (the household's page, [`HouseholdRecords`]) runs
//! all its statements in one read transaction: on a SQLite file on a rusqlite connection of the
//! store's, on one blocking thread, without a hand-off to sqlx's worker thread per statement; a
//! test compares it with the one-section reads. Bulk work on a SQLite file (the batch's and the
//! what-if's read, the batch's determinations) runs the same sea-query statements through
//! rusqlite too ([`facts`], `DeterminationWriter`), decoded by position; a test compares the two
//! paths household by household. Bulk writes (demo data, an import's households and members) are
//! written once against the [`Bulk`] trait and run through either [`BulkSink`]: a write
//! transaction of the pool, or on a SQLite file a load's own rusqlite connection ([`LiteLoad`],
//! the demo), whose statements are prepared once and run row by row.
//!
//! Still written as SQL text (to be moved to sea-query, issue 21): the counts' sources
//! ([`tallies`], one text for the rebuild and for each transaction), a roster's bulk write and an
//! attachment's bytes in [`exchange`], funds, the findings' refresh (one set-based statement of
//! the supervision rules), the import's lookups, and the
//! PostgreSQL-only bulk statements (`UNNEST` arrays, `COPY`).

pub mod audit;
pub mod backup;
mod bulk;
pub mod casework;
mod db;
mod error;
pub mod evaluation;
pub mod exchange;
pub mod facts;
pub mod findings;
mod fund_bulk;
pub mod funds;
pub mod households;
pub mod idempotency;
pub mod import;
pub mod keys;
mod migrate;
pub mod outcomes;
pub mod pairings;
pub mod quota;
mod read;
pub mod records;
pub mod registry;
pub mod reseal;
mod schema;
mod scope;
pub mod second_factor;
pub mod tallies;
#[cfg(feature = "testing")]
pub mod testing;
pub mod users;

pub use audit::{AuditEntry, AuditFilter, NewAudit};
pub use bulk::{Bulk, BulkCasework, BulkSink, LiteLoad};
pub use casework::{HardshipReturn, Measure, MeasureWrite, NewReturn, Plan, Provenance, Visit, WorkItem, WorkList};
pub use db::{Backend, Store, WriteTx};
pub use error::StoreError;
pub use evaluation::{DeterminationWriter, EvaluationRun, NewDetermination, StoredDetermination};
pub use exchange::{
    Attachment, Evidence, JointMember, JointMemberWrite, Meeting, NewRosterRow, Roster, RosterRow, RowsSeen,
    SupervisedTask, Verification, VerificationAnswer, VerificationAsk,
};
pub use facts::{FactsStream, HouseholdFacts};
pub use findings::{Finding, FindingFilter};
pub use funds::{EntryFilter, Fund, FundEntry, FundStandard, NewEntry, SpendingRow, UnionPosition};
pub use households::{
    Household, HouseholdFilter, HouseholdPage, HouseholdRecords, HouseholdWrite, OpenFile, OutcomeFilter, ReturnFilter,
};
pub use idempotency::Claim;
pub use import::{OnFile, Undone};
pub use migrate::latest_schema_version;
pub use outcomes::Outcome;
pub use pairings::Pairing;
pub use quota::{Campaign, RegionCounts, StatRow};
pub use records::{Enrolment, MajorEventRecord, Member, MemberWrite, MonthlyRecord, UnionAssistance};
pub use registry::{Organisation, OrganisationWrite, Region, Standard};
pub use scope::Scope;
pub use second_factor::SecondFactor;
pub use tallies::{TallyAsk, TallyRow};
pub use users::{ApiToken, Session, User, UserWrite};

/// The current UTC time as RFC 3339, as stored in `created_at` / `updated_at`.
pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
