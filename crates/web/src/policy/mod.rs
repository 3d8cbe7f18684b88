//! The policy engine's pages: the evaluation panel of the file ([`evaluation`]), the re-check
//! list, what-if and batch evaluations ([`pages`]), and the minimum-living standards
//! ([`standards`]).

pub(crate) mod evaluation;
pub(crate) mod frameworks;
pub mod pages;
pub(crate) mod regions;
pub(crate) mod standards;

use axum::routing::get;

/// The routes of these pages.
pub fn routes() -> crate::Routes {
    pages::routes()
        .route("/standards", get(standards::standards_page).post(standards::standard_submit))
        .route("/frameworks", get(frameworks::frameworks_page).post(frameworks::frameworks_submit))
        .route("/regions", get(regions::regions_page).post(regions::regions_submit))
}
