//! Access: signing in and out, the audit trail ([`pages`]), accounts and their tokens
//! ([`users`]), the keys that seal personal data ([`keys`]), and their API ([`api`]).

pub(crate) mod api;
pub(crate) mod keys;
pub(crate) mod pages;
pub(crate) mod password;
pub(crate) mod second_factor;
pub(crate) mod users;

/// The routes of these pages.
pub fn routes() -> crate::Routes {
    pages::routes()
        .merge(users::routes())
        .merge(second_factor::routes())
        .merge(password::routes())
        .merge(keys::routes())
}
