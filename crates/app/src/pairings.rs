//! One-to-one pairing (一帮一, 不达目标不脱钩): a helper unit and a responsible person per household,
//! a queue of households without one, each helper's caseload. A pairing ends only once the
//! household has exited, been relieved or left the file.

use crate::auth::Principal;
use crate::input::{required_text, Errors};
use crate::{App, AppError};
use bangfu_domain::{parse_date, Code, FieldError, HouseholdStatus, Permission};
use bangfu_store::{Household, Pairing, StoreError};
use serde::{Deserialize, Serialize};

/// A pairing to record.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct PairingInput {
    /// The helper unit: an organisation the user reaches.
    pub helper_org_id: i64,
    /// The responsible person (name).
    #[serde(default)]
    pub person: String,
    /// From, YYYY-MM-DD (default today).
    #[serde(default)]
    pub started_on: Option<String>,
}

/// Ending a pairing.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct EndPairingInput {
    /// Ended on, YYYY-MM-DD (default today).
    #[serde(default)]
    pub ended_on: Option<String>,
    /// Why (required).
    #[serde(default)]
    pub reason: String,
}

/// The unpaired queue is counted up to this many: at 1,000,000 households a county's count to
/// 10,000 took 330 ms, to 1,000 a tenth of that (docs/performance.md).
pub const UNPAIRED_CAP: u64 = 1000;

/// One page of the unpaired queue.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnpairedPage {
    /// Households in the file without a helper (masked), by file number.
    pub items: Vec<Household>,
    /// Matches, counted up to [`UNPAIRED_CAP`] (a value above it means "more").
    pub total: u64,
}

/// A helper unit's caseload.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Caseload {
    /// The helper unit.
    pub helper_org_id: i64,
    /// Its name.
    pub name: String,
    /// Households it helps now.
    pub households: i64,
}

fn day(field: &str, s: Option<&str>) -> Result<chrono::NaiveDate, FieldError> {
    let today = crate::clock::today();
    let d = match s.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => parse_date(field, s)?,
        None => today,
    };
    if d > today {
        return Err(FieldError::new(field, Code::InFuture));
    }
    Ok(d)
}

impl App {
    /// Pairs a household with a helper unit and a responsible person; one active pairing at a time.
    pub async fn pair(&self, who: &Principal, household_id: i64, input: &PairingInput) -> Result<Pairing, AppError> {
        let mut e = Errors::default();
        let person = e.take(required_text("person", &input.person, 50));
        let started = e.take(day("started_on", input.started_on.as_deref()));
        match self.store.organisation(&who.scope, input.helper_org_id).await {
            Ok(_) => {}
            Err(StoreError::NotFound) => e.push(FieldError::new("helper_org_id", Code::UnknownOrganisation)),
            Err(other) => return Err(other.into()),
        }
        let (person, started) = e.finish((|| Some((person?, started?)))()).map_err(AppError::Invalid)?;
        let (file, mut tx) = self.begin_file(who, household_id).await?;
        if tx.active_pairing(&file).await?.is_some() {
            return Err(AppError::Conflict(FieldError::new("helper_org_id", Code::AlreadyPaired)));
        }
        let id = tx.insert_pairing(&file, input.helper_org_id, &person, &started.to_string(), &who.name).await?;
        let detail = serde_json::json!({ "helper_org_id": input.helper_org_id, "person": person, "started_on": started.to_string() });
        self.end_file(who, tx, &file, None, ("create", "pairing", Some(id), detail)).await?;
        Ok(self.store.pairing(&who.scope, id).await?)
    }

    /// Ends a pairing — only once the household has exited, been relieved or left the file
    /// (不达目标不脱钩).
    pub async fn end_pairing(&self, who: &Principal, id: i64, input: &EndPairingInput) -> Result<Pairing, AppError> {
        self.permit(who, Permission::WriteHouseholds, "pairing", Some(id)).await?;
        let p = self.store.pairing(&who.scope, id).await?;
        let mut e = Errors::default();
        let reason = e.take(required_text("reason", &input.reason, 500));
        let ended = e.take(day("ended_on", input.ended_on.as_deref()));
        let (reason, ended) = e.finish((|| Some((reason?, ended?)))()).map_err(AppError::Invalid)?;
        if p.ended_on.is_some() {
            return Err(AppError::Conflict(FieldError::new("ended_on", Code::AlreadyEnded)));
        }
        if ended.to_string() < p.started_on {
            return Err(AppError::invalid(FieldError::new("ended_on", Code::BeforeStart)));
        }
        let (file, mut tx) = self.begin_file(who, p.household_id).await?;
        if file.household().status == HouseholdStatus::InFile {
            return Err(AppError::Conflict(FieldError::new("ended_on", Code::GoalNotReached)));
        }
        tx.end_pairing(&file, id, p.version, &ended.to_string(), &reason).await?;
        let detail = serde_json::json!({ "ended_on": ended.to_string(), "reason": reason });
        self.end_file(who, tx, &file, None, ("end", "pairing", Some(id), detail)).await?;
        Ok(self.store.pairing(&who.scope, id).await?)
    }

    /// A household's pairings, newest first.
    pub async fn household_pairings(&self, who: &Principal, household_id: i64) -> Result<Vec<Pairing>, AppError> {
        self.household(who, household_id).await?;
        Ok(self.store.household_pairings(&who.scope, household_id).await?)
    }

    /// A household's pairings and outcomes together (the case-work section of its page): the
    /// household is checked once for both.
    pub async fn casework(
        &self,
        who: &Principal,
        household_id: i64,
    ) -> Result<(Vec<Pairing>, Vec<bangfu_store::Outcome>), AppError> {
        self.household(who, household_id).await?;
        Ok((
            self.store.household_pairings(&who.scope, household_id).await?,
            self.store.household_outcomes(&who.scope, household_id).await?,
        ))
    }

    /// Households in the file without a helper, in `who`'s scope.
    pub async fn unpaired(&self, who: &Principal, page: u64, per_page: u64) -> Result<UnpairedPage, AppError> {
        self.permit(who, Permission::ReadHouseholds, "pairing", None).await?;
        let (items, total) = self.store.unpaired(&who.scope, (page, per_page), UNPAIRED_CAP).await?;
        Ok(UnpairedPage { items: items.into_iter().map(crate::households::masked).collect(), total })
    }

    /// Each helper unit's caseload in `who`'s scope.
    pub async fn caseload(&self, who: &Principal) -> Result<Vec<Caseload>, AppError> {
        self.permit(who, Permission::ReadHouseholds, "pairing", None).await?;
        let mut out = Vec::new();
        for (org, n) in self.store.caseload(&who.scope).await? {
            let name = match self.store.organisation(&bangfu_store::Scope::everything(), org).await {
                Ok(o) => o.name,
                Err(_) => String::new(),
            };
            out.push(Caseload { helper_org_id: org, name, households: n });
        }
        Ok(out)
    }
}
