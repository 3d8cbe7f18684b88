//! Funds: balances, the ledger, findings, standards and the report ([`pages`]), their API
//! ([`api`]), and a payment to a household recorded from the household's page ([`payment`]),
//! the measure of its plan chosen from a list — never an internal number typed by hand.

pub(crate) mod api;
pub(crate) mod pages;
pub(crate) mod payment;

use axum::routing::get;

/// The routes of these pages.
pub fn routes() -> crate::Routes {
    pages::routes()
        .route("/households/{id}/payments/new", get(payment::new_page).post(payment::create))
        .route("/funds/payments/find", get(payment::find))
}
