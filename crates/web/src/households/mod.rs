//! Households: the list ([`list`]), the file ([`file`]), its form ([`form`]), and the family
//! and its records, each on a page of its own ([`records`]).

pub(crate) mod api;
pub(crate) mod file;
pub(crate) mod form;
pub(crate) mod list;
pub(crate) mod records;

use crate::extract::PagePathCheck;
use crate::form::Fact;
use crate::page::Ctx;
use crate::AppState;
use axum::routing::get;
use bangfu_app::AppError;
use bangfu_domain::Permission;
use bangfu_store::Household;
use serde::Deserialize;

/// `/households/{id}/…`.
#[derive(Deserialize)]
pub(crate) struct HouseholdPath {
    pub(crate) id: i64,
}

/// `/households/{id}/members/{member_id}…`.
#[derive(Deserialize)]
pub(crate) struct MemberPath {
    pub(crate) id: i64,
    pub(crate) member_id: i64,
}

/// `/households/{id}/enrolments/{item_id}…`, `/households/{id}/union-assistance/{item_id}…`.
#[derive(Deserialize)]
pub(crate) struct ItemPath {
    pub(crate) id: i64,
    pub(crate) item_id: i64,
}

impl PagePathCheck for HouseholdPath {
    fn valid(&self) -> bool {
        self.id > 0
    }
}
impl PagePathCheck for MemberPath {
    fn valid(&self) -> bool {
        self.id > 0 && self.member_id > 0
    }
}
impl PagePathCheck for ItemPath {
    fn valid(&self) -> bool {
        self.id > 0 && self.item_id > 0
    }
}

/// The routes of these pages.
pub fn routes() -> crate::Routes {
    use records::*;
    crate::Routes::default()
        .route("/households", get(list::list_page).post(form::create_submit))
        .route("/households/search", axum::routing::post(list::search_submit))
        .route("/households/{id}/reveal", axum::routing::post(file::reveal_submit))
        .route("/households/new", get(form::new_form))
        .route("/households/export.xlsx", get(list::export_list))
        .route("/households/{id}", get(file::household_page).post(form::edit_submit))
        .route("/households/{id}/print", get(file::household_print))
        .route("/households/{id}/edit", get(form::edit_form))
        .route("/households/{id}/members/new", get(member_new).post(member_create))
        .route("/households/{id}/members/{member_id}", get(member_edit).post(member_update))
        .route("/households/{id}/members/{member_id}/delete", get(member_delete_page).post(member_delete))
        .route("/households/{id}/months/new", get(month_new).post(month_create))
        .route("/households/{id}/enrolments/new", get(enrolment_new).post(enrolment_create))
        .route("/households/{id}/enrolments/{item_id}", get(enrolment_edit).post(enrolment_update))
        .route("/households/{id}/enrolments/{item_id}/delete", get(item_delete_page).post(item_delete))
        .route("/households/{id}/union-assistance/new", get(assistance_new).post(assistance_create))
        .route("/households/{id}/union-assistance/{item_id}", get(assistance_edit).post(assistance_update))
        .route("/households/{id}/union-assistance/{item_id}/delete", get(item_delete_page).post(item_delete))
        .route("/households/{id}/major-events/new", get(event_new).post(event_create))
        .route("/households/{id}/major-events/{item_id}/delete", get(item_delete_page).post(item_delete))
}

/// The household, for a page that changes its file: the role must write households (asked
/// first, so a household out of scope and one that does not exist answer alike).
pub(crate) async fn writable(s: &AppState, ctx: &Ctx, id: i64) -> Result<Household, AppError> {
    if !ctx.who.can(Permission::WriteHouseholds) {
        return Err(AppError::Forbidden);
    }
    s.app.household(&ctx.who, id).await
}

/// What a form about a household shows above it: whose file it is.
pub(crate) fn file_facts(ctx: &Ctx, h: &Household) -> Vec<Fact> {
    let t = ctx.lang.tr();
    vec![
        Fact { label: t.file_no.into(), value: h.file_no.clone() },
        Fact { label: t.head_name.into(), value: h.head_name.clone() },
    ]
}
