//! Case work: each step on a form page of its own ([`forms`]: plan, measures, visits,
//! outcomes, pairing), the approvals queue 待我审批 with its confirmation step
//! ([`approvals`]), the file's case-work section ([`view`]), the timeline and my work ([`work`]),
//! and their API ([`api`], [`outcomes_api`]).

pub(crate) mod api;
pub(crate) mod approvals;
pub(crate) mod forms;
pub(crate) mod outcomes_api;
pub(crate) mod view;
pub(crate) mod work;

use axum::routing::get;

/// The routes of these pages.
pub fn routes() -> crate::Routes {
    use approvals::*;
    crate::Routes::default()
        .route("/households/{id}/timeline", get(work::timeline_page))
        .route("/my-work", get(work::my_work_page))
        .route("/approvals", get(queue))
        .route("/approvals/outcomes/{id}", get(outcome_page).post(outcome_submit))
        .route("/approvals/entries/{id}", get(entry_page).post(entry_submit))
        .route("/approvals/returns/{id}", get(return_page).post(return_submit))
        .route("/households/{id}/plans/new", get(forms::plan_page).post(forms::plan_submit))
        .route("/households/{id}/measures/new", get(forms::measure_new).post(forms::measure_create))
        .route("/households/{id}/measures/{measure_id}", get(forms::measure_page).post(forms::measure_update))
        .route("/households/{id}/visits/new", get(forms::visit_new).post(forms::visit_create))
        .route("/households/{id}/visits/{visit_id}", get(forms::visit_page).post(forms::visit_record))
        .route("/households/{id}/outcomes/new", get(forms::outcome_new).post(forms::outcome_create))
        .route("/households/{id}/pairings/new", get(forms::pair_new).post(forms::pair_create))
}
