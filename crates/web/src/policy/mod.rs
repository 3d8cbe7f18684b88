//! The policy engine's pages: the evaluation panel of the file ([`evaluation`]), the re-check
//! list, what-if and batch evaluations ([`pages`]), and the minimum-living standards
//! ([`standards`]).

pub(crate) mod evaluation;
pub(crate) mod frameworks;
pub(crate) mod organisations;
pub mod pages;
pub(crate) mod regions;
pub(crate) mod self_check;
pub(crate) mod standards;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

/// The routes of these pages.
pub fn routes() -> crate::Routes {
    pages::routes()
        .route("/standards", get(standards::standards_page).post(standards::standard_submit))
        .route("/frameworks", get(frameworks::frameworks_page).post(frameworks::frameworks_submit))
        .route("/regions", get(regions::regions_page).post(regions::regions_submit))
        .route("/self-check", get(self_check::page).post(self_check::submit))
        .route("/organisations", get(organisations::list_page))
        .route("/organisations/export.xlsx", get(organisations::export))
        .route("/organisations/new", get(organisations::new_page).post(organisations::create))
        .route("/organisations/{id}/edit", get(organisations::edit_page).post(organisations::update))
        // Read as a stream into a temporary file, counted against the limit there.
        .route("/organisations/import", post(organisations::import).layer(DefaultBodyLimit::disable()))
}
