//! Reports: the dashboard and the statistical tables ([`dashboard`]), and their API ([`api`]).

pub(crate) mod api;
pub(crate) mod campaigns;
pub(crate) mod dashboard;

use axum::routing::get;

/// The routes of these pages.
pub fn routes() -> crate::Routes {
    crate::Routes::default()
        .route("/dashboard", get(dashboard::dashboard_page))
        .route("/reports", get(dashboard::reports_page))
        .route("/reports/export.xlsx", get(dashboard::reports_export))
        .route("/campaigns", get(campaigns::list_page))
        .route("/campaigns/export.xlsx", get(campaigns::export))
        .route("/campaigns/new", get(campaigns::new_page).post(campaigns::create))
        .route("/campaigns/{id}/targets", get(campaigns::targets_page).post(campaigns::targets_submit))
}
