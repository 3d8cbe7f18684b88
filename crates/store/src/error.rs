//! Store errors: what the caller can act on, with the database's own error kept for logs.

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist.
    #[error("not found")]
    NotFound,
    /// The row changed since the caller read it (optimistic concurrency).
    #[error("the record was changed by someone else")]
    Stale,
    /// A uniqueness or reference rule of the database refused the write.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Stored data that does not decode (a corrupted or foreign database).
    #[error("corrupt data in column {0}")]
    Corrupt(&'static str),
    /// Any other database failure.
    #[error(transparent)]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            match db.kind() {
                sqlx::error::ErrorKind::UniqueViolation => {
                    return StoreError::Conflict(format!("unique: {}", db.message()))
                }
                sqlx::error::ErrorKind::ForeignKeyViolation => {
                    return StoreError::Conflict(format!("reference: {}", db.message()))
                }
                _ => {}
            }
        }
        StoreError::Database(e)
    }
}
