//! Store errors: what the caller can act on, with the database's own error kept for logs.

use bangfu_domain::{Code, FieldError};

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist.
    #[error("not found")]
    NotFound,
    /// The row changed since the caller read it (optimistic concurrency).
    #[error("the record was changed by someone else")]
    Stale,
    /// A uniqueness or reference rule of the database refused the write: the field and rule a
    /// person can act on (the database's own text is logged, never carried).
    #[error("conflict: {0}")]
    Conflict(FieldError),
    /// Stored data that does not decode (a corrupted or foreign database).
    #[error("corrupt data in column {0}")]
    Corrupt(&'static str),
    /// Any other database failure.
    #[error(transparent)]
    Database(sqlx::Error),
    /// A key is missing, or the key file cannot be read (the message names which).
    #[error("{0}")]
    Key(String),
    /// An applied migration whose file has changed since (the message names it).
    #[error("{0}")]
    MigrationChanged(String),
}

/// The uniqueness rules a person can break, each as SQLite names it in its message
/// (`UNIQUE constraint failed: households.file_no`: the table's columns) and as PostgreSQL
/// names the constraint or unique index (`migrations/`), with the field and rule reported.
/// Parameters the store does not know (the file number, the year…) are added by the use case.
const UNIQUE: &[(&str, &str, &str, Code)] = &[
    ("households.file_no", "households_file_no_key", "file_no", Code::FileNoTaken),
    ("users.name", "users_name_key", "name", Code::NameTaken),
    ("monthly_records.household_id, monthly_records.month", "monthly_records_pkey", "month", Code::DuplicateMonth),
    ("standards.region_code, standards.kind, standards.from_month", "standards_pkey", "from", Code::DuplicateStandard),
    ("plans.household_id, plans.year", "idx_plans_household_year", "year", Code::PlanExists),
    ("funds.name", "funds_name_key", "name", Code::FundNameTaken),
    ("fund_entries.reverses_id", "idx_fund_entries_reverses", "id", Code::AlreadyReversed),
];

/// The field error for a violated uniqueness rule: `message` is SQLite's text, `constraint`
/// PostgreSQL's constraint name. A rule not listed is a plain conflict.
fn unique_violation(message: &str, constraint: Option<&str>) -> FieldError {
    let columns = message.strip_prefix("UNIQUE constraint failed: ").map(str::trim);
    UNIQUE
        .iter()
        .find(|(sqlite, pg, _, _)| columns == Some(*sqlite) || constraint == Some(*pg))
        .map_or_else(|| FieldError::new("", Code::Conflict), |(_, _, field, code)| FieldError::new(*field, *code))
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            match db.kind() {
                sqlx::error::ErrorKind::UniqueViolation => {
                    let f = unique_violation(db.message(), db.constraint());
                    tracing::warn!(database = db.message(), constraint = db.constraint(), code = %f.code, "write refused: unique");
                    return StoreError::Conflict(f);
                }
                sqlx::error::ErrorKind::ForeignKeyViolation => {
                    // SQLite does not say which reference: a record referred to was removed, or
                    // one still referring to the row blocks its removal. Either way, read again.
                    tracing::warn!(database = db.message(), constraint = db.constraint(), "write refused: reference");
                    return StoreError::Conflict(FieldError::new("", Code::Conflict));
                }
                _ => {}
            }
        }
        StoreError::Database(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_violated_rule_names_its_field_on_either_backend() {
        let sqlite = |m: &str| unique_violation(m, None);
        let pg = |c: &str| unique_violation("duplicate key value violates unique constraint", Some(c));
        let file_no = FieldError::new("file_no", Code::FileNoTaken);
        assert_eq!(sqlite("UNIQUE constraint failed: households.file_no"), file_no);
        assert_eq!(pg("households_file_no_key"), file_no);
        let month = FieldError::new("month", Code::DuplicateMonth);
        assert_eq!(sqlite("UNIQUE constraint failed: monthly_records.household_id, monthly_records.month"), month);
        assert_eq!(pg("monthly_records_pkey"), month);
        assert_eq!(pg("idx_plans_household_year"), FieldError::new("year", Code::PlanExists));
        assert_eq!(sqlite("UNIQUE constraint failed: users.name"), FieldError::new("name", Code::NameTaken));
        let other = FieldError::new("", Code::Conflict);
        assert_eq!(sqlite("UNIQUE constraint failed: sessions.token_hash"), other);
        assert_eq!(pg("sessions_pkey"), other);
        assert_eq!(unique_violation("something else", None), other);
    }
}
