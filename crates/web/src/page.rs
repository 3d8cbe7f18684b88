//! What every page shares: its context (who, which language), the top bar, rendering, the
//! error page; and `/`, where each role lands.

use crate::auth::Who;
use crate::i18n::{Lang, Tr};
use crate::AppState;
use askama::Template;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use bangfu_app::{AppError, Principal};
use bangfu_domain::Permission;
use bangfu_store::Region;
use std::collections::HashMap;

/// The landing route.
pub fn routes() -> crate::Routes {
    crate::Routes::default().route("/", get(landing))
}

/// `/`: every role lands on a page it may see — administrators on the accounts, auditors on the
/// audit trail, everyone else on their work (a liaison's is the requests to answer).
async fn landing(Who(who): Who) -> Redirect {
    use bangfu_domain::Role;
    Redirect::to(match who.role {
        Role::Admin | Role::SecurityAdmin => "/users",
        Role::Auditor | Role::AuditAdmin => "/audit",
        _ => "/my-work",
    })
}

/// Common page context: language and who is signed in.
pub(crate) struct Ctx {
    pub(crate) lang: Lang,
    set_cookie: bool,
    pub(crate) who: Principal,
}

/// The top bar's view of the signed-in user.
pub(crate) struct Nav {
    pub(crate) signed_in: bool,
    pub(crate) name: String,
    pub(crate) role: String,
    pub(crate) csrf: String,
    pub(crate) can_read: bool,
    pub(crate) can_audit: bool,
    pub(crate) can_users: bool,
    pub(crate) can_keys: bool,
    pub(crate) can_import: bool,
    pub(crate) can_exchange: bool,
    pub(crate) can_joint: bool,
    pub(crate) can_funds: bool,
    pub(crate) can_approve: bool,
    /// Decisions waiting for this user (outcomes, payments, returns to hardship).
    pub(crate) approvals: i64,
}

impl Nav {
    /// The bar of a page shown before sign-in.
    pub(crate) fn anonymous() -> Nav {
        Nav {
            signed_in: false,
            name: String::new(),
            role: String::new(),
            csrf: String::new(),
            can_read: false,
            can_audit: false,
            can_users: false,
            can_keys: false,
            can_import: false,
            can_exchange: false,
            can_joint: false,
            can_funds: false,
            can_approve: false,
            approvals: 0,
        }
    }
}

/// A page's context from the request itself: who is signed in (else the sign-in page) and the
/// page's language.
impl axum::extract::FromRequestParts<AppState> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, s: &AppState) -> Result<Self, Response> {
        let Who(who) = Who::from_request_parts(parts, s).await?;
        Ok(Ctx::new(parts.uri.query(), &parts.headers, who))
    }
}

impl Ctx {
    pub(crate) fn new(query: Option<&str>, headers: &HeaderMap, who: Principal) -> Ctx {
        let q: HashMap<String, String> =
            query.map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default();
        let given = q.get("lang").map(String::as_str);
        Ctx { lang: Lang::pick(given, headers), set_cookie: given.is_some(), who }
    }

    pub(crate) fn nav(&self) -> Nav {
        Nav {
            signed_in: true,
            name: self.who.display_name.clone(),
            role: self.who.role.label(self.lang.zh()).to_string(),
            csrf: self.who.csrf.clone().unwrap_or_default(),
            can_read: self.who.can(Permission::ReadHouseholds),
            can_audit: self.who.can(Permission::ReadAudit),
            can_users: self.who.can(Permission::ManageUsers) || self.who.can(Permission::IssueTokens),
            can_keys: self.who.can(Permission::ManageKeys),
            can_import: self.who.can(Permission::WriteHouseholds),
            can_exchange: self.who.can(Permission::ReadHouseholds) || self.who.can(Permission::UploadRosters),
            can_joint: self.who.can(Permission::ReadJointMeeting),
            can_funds: self.who.can(Permission::ReadFunds),
            can_approve: self.who.can(Permission::ApproveOutcomes) || self.who.can(Permission::ApproveFunds),
            approvals: crate::auth::APPROVALS.try_with(|n| *n).unwrap_or(0) as i64,
        }
    }

    pub(crate) fn render(&self, status: StatusCode, t: impl Template) -> Response {
        match t.render() {
            Ok(html) => {
                let mut r = (status, Html(html)).into_response();
                if self.set_cookie {
                    let v = format!(
                        "lang={}; Path=/; SameSite=Lax; Max-Age=31536000",
                        if self.lang.zh() { "zh" } else { "en" }
                    );
                    if let Ok(v) = HeaderValue::from_str(&v) {
                        r.headers_mut().insert(header::SET_COOKIE, v);
                    }
                }
                r
            }
            Err(e) => {
                tracing::error!(error = %e, "template failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
            }
        }
    }

    /// The error page for a failure, in the page's language (the policy: `crate::error`).
    pub(crate) fn error(&self, e: AppError) -> Response {
        let t = self.lang.tr();
        let failure = crate::error::describe(&e);
        let (status, text) = (failure.status, self.lang.failure(&failure));
        let heading = match status {
            StatusCode::NOT_FOUND => t.not_found,
            StatusCode::INTERNAL_SERVER_ERROR => t.server_error,
            _ => t.request_error,
        };
        self.render(
            status,
            MessagePage { t, nav: self.nav(), show_synthetic: false, heading: heading.to_string(), text },
        )
    }
}

#[derive(Template)]
#[template(path = "message.html")]
pub(crate) struct MessagePage {
    t: &'static Tr,
    nav: Nav,
    show_synthetic: bool,
    heading: String,
    text: String,
}

pub(crate) fn region_names(regions: &[Region], zh: bool) -> HashMap<String, String> {
    regions.iter().map(|r| (r.code.clone(), if zh { r.name.clone() } else { r.name_en.clone() })).collect()
}

pub(crate) fn options<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T, bool) -> &'static str,
    zh: bool,
) -> Vec<crate::form::Choice> {
    crate::form::choices(all.iter().map(|v| (code(*v), label(*v, zh))))
}
