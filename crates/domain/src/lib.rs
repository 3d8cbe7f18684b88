//! Bangfu domain: validated value types and the registry's vocabulary.
//!
//! Nothing here does IO. Every type that a user or a file can fill in has a `parse` that
//! returns a [`FieldError`] naming what is wrong.

#[macro_use]
pub mod codes;
pub mod access;
pub mod error;
pub mod funds;
pub mod id_number;
pub mod message;
pub mod money;
pub mod month;
pub mod policy;
pub mod quota;
pub mod region;

pub use access::{Permission, Role};
pub use codes::*;
pub use error::FieldError;
pub use id_number::IdNumber;
pub use message::{Code, Param};
pub use money::Money;
pub use month::{parse_date, YearMonth};
pub use region::RegionCode;
