//! Access: signing in and out, the audit trail, accounts ([`pages`]), and their API ([`api`]).

pub(crate) mod api;
pub(crate) mod pages;

/// The routes of these pages.
pub fn routes() -> crate::Routes {
    pages::routes()
}
