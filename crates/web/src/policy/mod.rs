//! The policy engine's pages: the evaluation panel of the file ([`evaluation`]), the re-check
//! list, what-if and batch evaluations ([`pages`]), and the minimum-living standards
//! ([`standards`]).

pub(crate) mod evaluation;
pub mod pages;
pub(crate) mod standards;

use axum::routing::get;

/// The routes of these pages.
pub fn routes() -> crate::Routes {
    pages::routes().route("/standards", get(standards::standards_page).post(standards::standard_submit))
}
