//! Reading and checking the audit trail.

use crate::auth::Principal;
use crate::input::{optional_text, Errors};
use crate::{App, AppError};
use bangfu_domain::{parse_date, Code, FieldError, Permission};
use bangfu_store::audit::ChainBreak;
use bangfu_store::{AuditEntry, AuditFilter};
use serde::Deserialize;

/// Filters of the audit trail, as strings from a URL or a form.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// User name of the actor.
    pub actor: Option<String>,
    /// create, update, delete, export, reveal, sign_in, sign_out, denied, set_password, revoke.
    pub action: Option<String>,
    /// household, member, monthly_record, enrolment, union_assistance, organisation, standard, user, api_token, session.
    pub entity: Option<String>,
    /// Record id.
    pub entity_id: Option<String>,
    /// ok, failure, locked, denied, out_of_scope.
    pub result: Option<String>,
    /// From this date (YYYY-MM-DD, UTC).
    pub from: Option<String>,
    /// To this date inclusive (YYYY-MM-DD, UTC).
    pub to: Option<String>,
    /// Page from 1.
    pub page: Option<String>,
    /// Rows a page, 1–200 (default 50).
    pub per_page: Option<String>,
}

/// A page of the trail.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    /// Entries, newest first (resident IDs and phone numbers in details masked).
    pub items: Vec<AuditEntry>,
    /// Page.
    pub page: u64,
    /// Rows a page.
    pub per_page: u64,
    /// Matches, counted up to 10,000.
    pub total: u64,
}

fn page_number(field: &str, s: Option<&str>, default: u64, max: u64) -> Result<u64, FieldError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(s) => s
            .parse::<u64>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| FieldError::new(field, Code::OutOfRange).with("min", 1).with("max", max)),
    }
}

/// Kinds of records whose audit details hold nothing of a household file: accounts, access,
/// the trail itself and reference data. An audit administrator reads their details.
const ACCESS_ENTITIES: &[&str] = &[
    "user",
    "api_token",
    "second_factor",
    "session",
    "request",
    "audit_log",
    "organisation",
    "standard",
    "region",
    "joint_member",
];

/// What an audit administrator sees instead of a household's details.
pub const WITHHELD: &str = r#"{"withheld":"household_file"}"#;

impl App {
    /// A page of the audit trail in `who`'s scope, personal data in details masked.
    pub async fn audit_entries(&self, who: &Principal, q: &AuditQuery) -> Result<AuditPage, AppError> {
        self.permit(who, Permission::ReadAudit, "audit_log", None).await?;
        let mut e = Errors::default();
        let text = |e: &mut Errors, field: &str, v: &Option<String>| {
            v.as_deref().and_then(|v| e.take(optional_text(field, v, 60))).filter(|v| !v.is_empty())
        };
        let actor = text(&mut e, "actor", &q.actor);
        let action = text(&mut e, "action", &q.action);
        let entity = text(&mut e, "entity", &q.entity);
        let result = text(&mut e, "result", &q.result);
        let entity_id = match q.entity_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => match s.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    e.push(FieldError::new("entity_id", Code::NotWholeNumber));
                    None
                }
            },
        };
        let day = |e: &mut Errors, field: &str, v: &Option<String>| {
            v.as_deref().map(str::trim).filter(|s| !s.is_empty()).and_then(|s| e.take(parse_date(field, s)))
        };
        let from = day(&mut e, "from", &q.from).map(|d| d.to_string());
        let before = day(&mut e, "to", &q.to).and_then(|d| d.succ_opt()).map(|d| d.to_string());
        let page = e.take(page_number("page", q.page.as_deref(), 1, 1_000_000));
        let per_page = e.take(page_number("per_page", q.per_page.as_deref(), 50, 200));
        let (page, per_page) = e.finish((|| Some((page?, per_page?)))()).map_err(AppError::Invalid)?;
        // Entries about no region (sign-ins of unknown names, jobs) are for whole-system readers
        // and for readers whose scope is a top-level region.
        let regions = who.scope.region_codes().map(<[String]>::to_vec);
        let include_unregioned = match &who.region_code {
            None => true,
            // The deployment's root: the region in use whose parent is not.
            Some(r) => match self.store.region(r).await {
                Ok(r) => match r.parent_code {
                    None => true,
                    Some(p) => self.store.region(&p).await.map(|p| !p.in_use).unwrap_or(true),
                },
                Err(_) => false,
            },
        };
        let f = AuditFilter { actor, action, entity, entity_id, result, from, before, regions, include_unregioned };
        let (mut items, total) = self.store.audit_entries(&f, page, per_page).await?;
        // The audit administrator reads who did what to which record, when and with what result
        // — not the household files themselves: the details of entries about anything but
        // accounts, access and reference data hold a file's old and new values, and are
        // withheld from a reader who reaches no household (三员分立, issue 23).
        let withheld = !who.can(Permission::ReadHouseholds) && !who.is_system();
        for i in &mut items {
            if withheld && !ACCESS_ENTITIES.contains(&i.entity.as_str()) && !i.detail.is_empty() {
                i.detail = WITHHELD.to_string();
            }
            i.detail = bangfu_domain::id_number::redact(&i.detail);
            i.actor_name = bangfu_domain::id_number::redact(&i.actor_name);
        }
        Ok(AuditPage { items, page, per_page, total })
    }

    /// Checks the whole audit chain; `Ok(Err(..))` names the first entry that does not match.
    pub async fn verify_audit(&self, progress: &(dyn Fn(u64) + Sync)) -> Result<Result<u64, ChainBreak>, AppError> {
        Ok(self.store.verify_audit(progress).await?)
    }
}
