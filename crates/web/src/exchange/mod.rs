//! Exchange with departments: imports, rosters, verification requests and the joint meeting
//! ([`pages`]).

pub(crate) mod pages;

/// The routes of these pages.
pub fn routes() -> crate::Routes {
    pages::routes()
}
