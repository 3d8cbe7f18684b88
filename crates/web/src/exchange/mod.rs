//! Exchange with departments: imports, rosters, verification requests and the joint meeting
//! ([`pages`]), and the API of verification requests ([`api`]).

pub(crate) mod api;
pub(crate) mod pages;

/// The routes of these pages.
pub fn routes() -> crate::Routes {
    pages::routes()
}
