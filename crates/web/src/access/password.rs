//! Changing one's own password (修改密码, issue 23): the current one, the new one twice, not one
//! of the last five. A session signed in with a password an administrator set reaches only this
//! page until it is changed.

use crate::auth::clear_session_cookie;
use crate::form::{field, FormState, FormView, Values};
use crate::page::Ctx;
use crate::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

/// Routes of this page.
pub fn routes() -> crate::Routes {
    crate::Routes::default().route("/account/password", get(show).post(change))
}

const FIELDS: [&str; 3] = ["current", "password", "repeated"];

fn form(s: &AppState, ctx: &Ctx, state: &FormState) -> Response {
    let t = ctx.lang.tr();
    let policy = s.app.security.password;
    let rules = crate::i18n::fill(t.pw_intro, &[("min", policy.min_length), ("classes", policy.min_classes)]);
    let mut v = FormView::new(ctx, t.pw_title, "/");
    v.intro = if ctx.who.password_change_due { t.pw_due.to_string() } else { rules.clone() };
    v.fields = vec![
        field(state, "current", t.pw_current, "password").required(),
        field(state, "password", t.pw_new, "password").required().hint(rules),
        field(state, "repeated", t.pw_repeated, "password").required(),
    ];
    v.respond(ctx, state)
}

/// `GET /account/password`.
async fn show(State(s): State<AppState>, ctx: Ctx) -> Response {
    form(&s, &ctx, &FormState::default())
}

/// `POST /account/password`: changed, every session ends — to the sign-in page.
async fn change(State(s): State<AppState>, ctx: Ctx, body: axum::body::Bytes) -> Response {
    let f = Values::parse(&body);
    match s.app.change_own_password(&ctx.who, &f.get("current"), &f.get("password"), &f.get("repeated")).await {
        Ok(()) => {
            let mut r = Redirect::to("/sign-in").into_response();
            r.headers_mut().insert(header::SET_COOKIE, clear_session_cookie());
            r
        }
        // What was typed is not shown again: passwords are never echoed.
        Err(e) => match FormState::new(Values::default()).fail(e, &FIELDS, ctx.lang) {
            Ok(state) => form(&s, &ctx, &state),
            Err(e) => ctx.error(e),
        },
    }
}
