//! The page that sets up two-factor sign-in (双因素认证, issue 23): a QR code the server draws
//! itself (nothing is fetched), the key to type by hand, a first code to confirm, then the
//! recovery codes, shown once. An administrator's session reaches only this page until it is on.

use crate::form::Values;
use crate::i18n::Tr;
use crate::kit::{page, Section};
use crate::page::{Ctx, Nav};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use bangfu_app::AppError;

/// Routes of this page.
pub fn routes() -> crate::Routes {
    crate::Routes::default().route("/account/second-factor", get(show).post(confirm))
}

#[derive(Template)]
#[template(path = "access/second_factor.html")]
struct Enrol {
    t: &'static Tr,
    nav: Nav,
    show_synthetic: bool,
    required: bool,
    error: Option<String>,
    qr: String,
    secret: String,
}

/// An `otpauth://` address as an SVG QR code (no XML declaration: it sits inside the page).
fn qr_svg(url: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::new(url.as_bytes()).map_err(|e| AppError::Internal(format!("QR code: {e}")))?;
    let svg = code.render::<qrcode::render::svg::Color>().min_dimensions(200, 200).build();
    Ok(svg.find("<svg").map_or(svg.clone(), |i| svg[i..].to_string()))
}

/// The enrolment form (the pending key, kept until confirmed), with `error` after a bad code.
async fn enrol(s: &AppState, ctx: &Ctx, status: StatusCode, error: Option<String>) -> Response {
    let e = or_error_page!(ctx, s.app.start_second_factor(&ctx.who).await);
    let qr = or_error_page!(ctx, qr_svg(&e.url));
    let view = Enrol {
        t: ctx.lang.tr(),
        nav: ctx.nav(),
        show_synthetic: false,
        required: ctx.who.second_factor_due,
        error,
        qr,
        secret: e.secret,
    };
    ctx.render(status, view)
}

/// `GET /account/second-factor`: on, or the form that turns it on.
async fn show(State(s): State<AppState>, ctx: Ctx) -> Response {
    let t = ctx.lang.tr();
    if or_error_page!(ctx, s.app.has_second_factor(ctx.who.user_id).await) {
        return page(&ctx, t.sf_title, vec![t.sf_enabled.into()], Vec::new(), Vec::new());
    }
    enrol(&s, &ctx, StatusCode::OK, None).await
}

/// `POST /account/second-factor`: the first code; the recovery codes, once.
async fn confirm(State(s): State<AppState>, ctx: Ctx, body: axum::body::Bytes) -> Response {
    let t = ctx.lang.tr();
    let code = Values::parse(&body).get("code");
    match s.app.confirm_second_factor(&ctx.who, &code).await {
        Ok(codes) => {
            let section = Section {
                heading: t.sf_recovery.into(),
                lines: codes,
                links: vec![("/".into(), t.sf_continue.into())],
                ..Default::default()
            };
            page(&ctx, t.sf_title, vec![t.sf_recovery_once.into()], Vec::new(), vec![section])
        }
        Err(AppError::Invalid(errs)) => {
            enrol(&s, &ctx, StatusCode::UNPROCESSABLE_ENTITY, Some(ctx.lang.messages(&errs))).await
        }
        Err(e) => ctx.error(e),
    }
}
