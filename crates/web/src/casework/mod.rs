//! Case work: the file's case-work section and its forms are in `casework_view.rs` and the
//! work pages in `work_pages.rs` (to be moved here); the approvals queue (待我审批) with its
//! confirmation step is [`approvals`].

pub(crate) mod approvals;

use axum::routing::get;

/// The routes of these pages.
pub fn routes() -> crate::Routes {
    use approvals::*;
    crate::Routes::default()
        .route("/approvals", get(queue))
        .route("/approvals/outcomes/{id}", get(outcome_page).post(outcome_submit))
        .route("/approvals/entries/{id}", get(entry_page).post(entry_submit))
        .route("/approvals/returns/{id}", get(return_page).post(return_submit))
}
