//! Form pages: one form per page, posting to its own URL. A refused form comes back at the same
//! URL with every typed value kept and each message beside its field (the error policy's
//! step 4, `crate::error`); a saved one goes back to the page it serves (303).
//!
//! A form page is a [`FormView`]: its fields ([`Field`]), filled from what was stored or typed
//! ([`Values`]) and from the messages of a failure ([`FormState::fail`]).

use crate::i18n::Lang;
use crate::page::{Ctx, Nav};
use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use bangfu_app::AppError;
use std::collections::HashMap;

/// What a form was sent with: every field's text as typed (several values for checkboxes).
#[derive(Debug, Clone, Default)]
pub(crate) struct Values(pub(crate) Vec<(String, String)>);

impl Values {
    /// The body of a submitted form (the CSRF field left out).
    pub(crate) fn parse(body: &[u8]) -> Values {
        Values(form_urlencoded::parse(body).into_owned().filter(|(k, _)| k != crate::auth::CSRF_FIELD).collect())
    }

    /// One field's text, trimmed of nothing (what was typed), or "".
    pub(crate) fn get(&self, name: &str) -> String {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    /// Every value of a field sent several times (checkboxes).
    pub(crate) fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
    }

    /// Sets a field's value (a default, or what is stored).
    pub(crate) fn set(&mut self, name: &str, value: impl Into<String>) {
        self.0.retain(|(k, _)| k != name);
        self.0.push((name.to_string(), value.into()));
    }

    /// A whole number, if the field holds one.
    pub(crate) fn int(&self, name: &str) -> Option<i64> {
        self.get(name).trim().parse().ok()
    }
}

/// A form as it is shown: its values and, after a refusal, the messages per field.
#[derive(Debug, Clone, Default)]
pub(crate) struct FormState {
    pub(crate) values: Values,
    pub(crate) errors: HashMap<String, String>,
    pub(crate) general: Option<String>,
    pub(crate) status: Option<StatusCode>,
}

impl FormState {
    /// A fresh form with these values.
    pub(crate) fn new(values: Values) -> FormState {
        FormState { values, ..Default::default() }
    }

    /// The form after `e`: each field error beside the field named by the last part of its path
    /// (`months[0].income` → `income`) when the form has one, else above the form. `fields` are
    /// the form's field names. Failures that are no fault of the input (not found, forbidden,
    /// internal) are returned for the error page.
    pub(crate) fn fail(mut self, e: AppError, fields: &[&str], lang: Lang) -> Result<FormState, AppError> {
        let failure = crate::error::describe(&e);
        match e {
            AppError::Invalid(_) | AppError::Conflict(_) | AppError::Stale => {}
            other => return Err(other),
        }
        let mut general = Vec::new();
        let errors = if failure.details.is_empty() {
            vec![bangfu_domain::FieldError {
                field: failure.field.clone().unwrap_or_default(),
                code: failure.code,
                params: failure.params.clone(),
            }]
        } else {
            failure.details.clone()
        };
        for f in errors {
            let name = field_name(&f.field);
            let message = f.message(lang.zh());
            if fields.contains(&name) {
                self.errors.entry(name.to_string()).or_insert(message);
            } else {
                general.push(match crate::labels::field(&f.field, lang) {
                    Some(label) => format!("{label}{}{message}", if lang.zh() { "：" } else { ": " }),
                    None => message,
                });
            }
        }
        if !general.is_empty() {
            self.general = Some(general.join(if lang.zh() { "；" } else { "; " }));
        }
        self.status = Some(failure.status);
        Ok(self)
    }
}

/// The form field a path names: its last part, without an index.
fn field_name(path: &str) -> &str {
    let last = path.rsplit('.').next().unwrap_or(path);
    last.split('[').next().unwrap_or(last)
}

/// A choice of a select or of radio buttons.
pub(crate) struct Choice {
    pub(crate) value: String,
    pub(crate) label: String,
}

/// Choices from (value, label) pairs.
pub(crate) fn choices<V: Into<String>, L: Into<String>>(pairs: impl IntoIterator<Item = (V, L)>) -> Vec<Choice> {
    pairs.into_iter().map(|(v, l)| Choice { value: v.into(), label: l.into() }).collect()
}

/// A field as shown.
pub(crate) struct Field {
    pub(crate) name: &'static str,
    pub(crate) label: String,
    /// text, date, month, number, money, select, radio, textarea, checkbox, checks (several
    /// checkboxes of one name: `value` holds the checked ones, separated by commas).
    pub(crate) kind: &'static str,
    pub(crate) value: String,
    pub(crate) choices: Vec<Choice>,
    pub(crate) required: bool,
    pub(crate) hint: String,
    pub(crate) error: Option<String>,
}

/// A field of a form, its value and message taken from the form's state.
pub(crate) fn field(state: &FormState, name: &'static str, label: &str, kind: &'static str) -> Field {
    Field {
        name,
        label: label.to_string(),
        kind,
        value: if kind == "checks" { state.values.all(name).join(",") } else { state.values.get(name) },
        choices: Vec::new(),
        required: false,
        hint: String::new(),
        error: state.errors.get(name).cloned(),
    }
}

impl Field {
    /// Marks the field required.
    pub(crate) fn required(mut self) -> Field {
        self.required = true;
        self
    }

    /// Gives the field its choices.
    pub(crate) fn choices(mut self, c: Vec<Choice>) -> Field {
        self.choices = c;
        self
    }

    /// A hint under the label.
    pub(crate) fn hint(mut self, h: impl Into<String>) -> Field {
        self.hint = h.into();
        self
    }

    /// Whether `choice` is among the checked values of a `checks` field.
    pub(crate) fn checked(&self, choice: &str) -> bool {
        self.value.split(',').any(|v| v == choice)
    }

    /// The input's `inputmode` for a phone's keyboard.
    pub(crate) fn inputmode(&self) -> &'static str {
        match self.kind {
            "money" => "decimal",
            "number" => "numeric",
            _ => "text",
        }
    }
}

/// A line of facts above a form (what the form is about).
pub(crate) struct Fact {
    pub(crate) label: String,
    pub(crate) value: String,
}

/// A form page.
#[derive(Template)]
#[template(path = "form_page.html")]
pub(crate) struct FormView {
    pub(crate) t: &'static crate::i18n::Tr,
    pub(crate) nav: Nav,
    pub(crate) show_synthetic: bool,
    pub(crate) title: String,
    /// What the form is about, shown above it.
    pub(crate) facts: Vec<Fact>,
    pub(crate) intro: String,
    /// Links beside the introduction (e.g. to write the plan a measure needs).
    pub(crate) links: Vec<(String, String)>,
    pub(crate) general_error: Option<String>,
    pub(crate) hidden: Vec<(String, String)>,
    pub(crate) fields: Vec<Field>,
    pub(crate) submit: String,
    /// A second button (name, value, label), e.g. send back beside approve.
    pub(crate) alt_submit: Option<(String, String, String)>,
    pub(crate) back: String,
    pub(crate) back_label: String,
    /// A link to a destructive action's confirmation (delete), shown apart.
    pub(crate) danger: Option<(String, String)>,
}

impl FormView {
    /// An empty form page titled `title`, returning to `back`.
    pub(crate) fn new(ctx: &Ctx, title: impl Into<String>, back: impl Into<String>) -> FormView {
        let t = ctx.lang.tr();
        FormView {
            t,
            nav: ctx.nav(),
            show_synthetic: false,
            title: title.into(),
            facts: Vec::new(),
            intro: String::new(),
            links: Vec::new(),
            general_error: None,
            hidden: Vec::new(),
            fields: Vec::new(),
            submit: t.save.to_string(),
            alt_submit: None,
            back: back.into(),
            back_label: t.cancel.to_string(),
            danger: None,
        }
    }

    /// The page, with the status of the form's state (200, or 422/409/412 after a refusal).
    pub(crate) fn respond(mut self, ctx: &Ctx, state: &FormState) -> Response {
        if state.general.is_some() {
            self.general_error = state.general.clone();
        } else if !state.errors.is_empty() {
            self.general_error = Some(ctx.lang.tr().form_has_errors.to_string());
        }
        ctx.render(state.status.unwrap_or(StatusCode::OK), self)
    }
}

/// After a form is saved: back to `to` (303, so a reload does not send it again).
pub(crate) fn saved(to: &str) -> Response {
    Redirect::to(to).into_response()
}
