//! Funds: the ledger's pages are in `funds_pages.rs` (to be moved here); a payment to a
//! household is recorded from the household's page ([`payment`]), with the measure of its plan
//! chosen from a list — never an internal number typed by hand.

pub(crate) mod payment;

use axum::routing::get;

/// The routes of these pages.
pub fn routes() -> crate::Routes {
    crate::Routes::default()
        .route("/households/{id}/payments/new", get(payment::new_page).post(payment::create))
        .route("/funds/payments/find", get(payment::find))
}
