//! Outcomes (四, 五(一)1): the engine proposes, a person decides. Staff of the household's
//! union propose an exit (with its pathway), a relief or a withdrawal (with its reason); staff
//! of the county (or city) union approve or send back; whoever proposed cannot decide. The
//! approval date is the date that counts towards the quotas. An approved outcome can be
//! reopened, with a reason; the household's history is kept either way.

use crate::auth::Principal;
use crate::input::{required_text, Errors};
use crate::{App, AppError};
use bangfu_domain::{
    parse_date, Code, ExitPathway, FieldError, HouseholdStatus, OutcomeKind, Permission, WithdrawalReason,
};
use bangfu_store::outcomes::Decision;
use bangfu_store::{Outcome, StoreError};
use serde::{Deserialize, Serialize};

/// A proposal.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ProposalInput {
    /// exit, relief or withdrawal.
    pub kind: String,
    /// For an exit: employment_business, social_insurance, medical_cover, social_assistance, other.
    /// For a withdrawal: death, failed_recheck, moved_away, other. None for a relief.
    #[serde(default)]
    pub pathway: Option<String>,
    /// Why, in words (required).
    #[serde(default)]
    pub reason: String,
}

/// A decision on a proposal.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct DecisionInput {
    /// approve or send_back.
    pub decision: String,
    /// A note (required when sending back).
    #[serde(default)]
    pub note: String,
    /// The approval date, YYYY-MM-DD (default today); not in the future.
    #[serde(default)]
    pub approval_date: Option<String>,
}

/// Reopening a decided outcome.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ReopenInput {
    /// Why (required).
    #[serde(default)]
    pub reason: String,
}

/// Households counted as exited, relieved and withdrawn on a day: approved outcomes whose
/// approval date is on or before it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OutcomeCounts {
    /// The day (YYYY-MM-DD).
    pub as_of: String,
    /// Exited (脱困).
    pub exited: i64,
    /// Relieved (解困).
    pub relieved: i64,
    /// Withdrawn (退出档案).
    pub withdrawn: i64,
}

fn conflict(field: &str, code: Code) -> AppError {
    AppError::Conflict(FieldError::new(field, code))
}

impl App {
    /// Proposes an outcome for a household still in the file, with no other proposal waiting.
    pub async fn propose_outcome(
        &self,
        who: &Principal,
        household_id: i64,
        input: &ProposalInput,
    ) -> Result<Outcome, AppError> {
        let mut e = Errors::default();
        let kind = e.take(OutcomeKind::parse("kind", input.kind.trim()));
        let pathway = match (kind, input.pathway.as_deref().map(str::trim).filter(|p| !p.is_empty())) {
            (Some(OutcomeKind::Exit), Some(p)) => e.take(ExitPathway::parse("pathway", p)).map(|p| Some(p.code())),
            (Some(OutcomeKind::Withdrawal), Some(p)) => {
                e.take(WithdrawalReason::parse("pathway", p)).map(|p| Some(p.code()))
            }
            (Some(OutcomeKind::Exit), None) => {
                e.push(FieldError::new("pathway", Code::PathwayRequired));
                None
            }
            (Some(OutcomeKind::Withdrawal), None) => {
                e.push(FieldError::new("pathway", Code::WithdrawalReasonRequired));
                None
            }
            (Some(OutcomeKind::Relief), Some(_)) => {
                e.push(FieldError::new("pathway", Code::ReliefHasNoPathway));
                None
            }
            _ => Some(None),
        };
        let reason = e.take(required_text("reason", &input.reason, 500));
        let (kind, pathway, reason) = e.finish((|| Some((kind?, pathway?, reason?)))()).map_err(AppError::Invalid)?;
        let (file, mut tx) = self.begin_file(who, household_id).await?;
        if file.household().status != HouseholdStatus::InFile {
            return Err(conflict("kind", Code::NotInFile));
        }
        if tx.open_proposal(&file).await?.is_some() {
            return Err(conflict("kind", Code::ProposalPending));
        }
        let id = tx.insert_outcome(&file, kind.code(), pathway, &reason, (who.user_id, &who.name)).await?;
        let detail = serde_json::json!({ "kind": kind.code(), "pathway": pathway, "reason": reason });
        self.end_file(who, tx, &file, None, ("propose", "outcome", Some(id), detail)).await?;
        Ok(self.store.outcome(&who.scope, id).await?)
    }

    /// One outcome whose household `who` reaches (others answer 404).
    pub async fn outcome(&self, who: &Principal, id: i64) -> Result<Outcome, AppError> {
        self.permit(who, Permission::ReadHouseholds, "outcome", Some(id)).await?;
        Ok(self.store.outcome(&who.scope, id).await?)
    }

    /// A household's outcomes, newest first.
    pub async fn household_outcomes(&self, who: &Principal, household_id: i64) -> Result<Vec<Outcome>, AppError> {
        self.household(who, household_id).await?;
        Ok(self.store.household_outcomes(&who.scope, household_id).await?)
    }

    /// Proposals waiting for a decision in `who`'s scope, oldest first.
    pub async fn pending_outcomes(&self, who: &Principal) -> Result<Vec<Outcome>, AppError> {
        self.permit(who, Permission::ReadHouseholds, "outcome", None).await?;
        Ok(self.store.outcomes_with_status(&who.scope, "proposed", 500).await?)
    }

    /// Approves or sends back a proposal made by someone else.
    pub async fn decide_outcome(&self, who: &Principal, id: i64, input: &DecisionInput) -> Result<Outcome, AppError> {
        self.permit(who, Permission::ApproveOutcomes, "outcome", Some(id)).await?;
        let o = self.store.outcome(&who.scope, id).await?;
        let approve = match input.decision.trim() {
            "approve" => true,
            "send_back" => false,
            _ => {
                return Err(AppError::invalid(
                    FieldError::new("decision", Code::UnknownCode).with("allowed", "approve, send_back"),
                ))
            }
        };
        let note = input.note.trim();
        if !approve && note.is_empty() {
            return Err(AppError::invalid(FieldError::new("note", Code::NoteRequired)));
        }
        let today = crate::clock::today();
        let date = match input.approval_date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            Some(d) => parse_date("approval_date", d).map_err(AppError::invalid)?,
            None => today,
        };
        if date > today {
            return Err(AppError::invalid(FieldError::new("approval_date", Code::InFuture)));
        }
        if o.status != "proposed" {
            return Err(conflict("decision", Code::NotProposed));
        }
        if o.proposed_by == who.user_id {
            return Err(conflict("decision", Code::OwnProposal));
        }
        let (file, mut tx) = self.begin_file(who, o.household_id).await?;
        let (status, date_text) = if approve { ("approved", Some(date.to_string())) } else { ("sent_back", None) };
        let d = Decision { status, by: (who.user_id, &who.name), note, approval_date: date_text.as_deref() };
        tx.decide_outcome(&file, id, o.version, &d).await.map_err(|e| match e {
            StoreError::Stale => conflict("decision", Code::Decided),
            other => other.into(),
        })?;
        if approve {
            let to = match OutcomeKind::from_code(&o.kind) {
                Some(OutcomeKind::Exit) => HouseholdStatus::Exited,
                Some(OutcomeKind::Relief) => HouseholdStatus::Relieved,
                Some(OutcomeKind::Withdrawal) => HouseholdStatus::Withdrawn,
                None => return Err(AppError::Internal(format!("outcome {id}: bad kind"))),
            };
            tx.set_household_status(&file, to).await?;
        }
        let detail =
            serde_json::json!({ "decision": status, "note": note, "approval_date": date_text, "kind": o.kind });
        let action = if approve { "approve" } else { "send_back" };
        self.end_file(who, tx, &file, None, (action, "outcome", Some(id), detail)).await?;
        Ok(self.store.outcome(&who.scope, id).await?)
    }

    /// What counts on `date` (default today) in `who`'s scope.
    pub async fn outcome_counts(&self, who: &Principal, date: Option<&str>) -> Result<OutcomeCounts, AppError> {
        self.permit(who, Permission::ReadHouseholds, "outcome", None).await?;
        let day = crate::quota::as_of_or_today(date)?;
        let mut c = OutcomeCounts { as_of: day.to_string(), exited: 0, relieved: 0, withdrawn: 0 };
        // The kept counts (the dashboard's), not a join of every outcome with its household.
        let ask = bangfu_store::TallyAsk {
            metric: "outcome",
            stock_of: 0,
            from: None,
            to: day,
            regions: None,
            by_month: false,
        };
        for r in self.store.tally(&who.scope, ask).await? {
            match OutcomeKind::from_code(&r.k) {
                Some(OutcomeKind::Exit) => c.exited += r.n,
                Some(OutcomeKind::Relief) => c.relieved += r.n,
                Some(OutcomeKind::Withdrawal) => c.withdrawn += r.n,
                None => {}
            }
        }
        Ok(c)
    }

    /// Reopens an approved outcome, with a reason: the household is in the file again.
    pub async fn reopen_outcome(&self, who: &Principal, id: i64, input: &ReopenInput) -> Result<Outcome, AppError> {
        self.permit(who, Permission::ApproveOutcomes, "outcome", Some(id)).await?;
        let o = self.store.outcome(&who.scope, id).await?;
        let reason = required_text("reason", &input.reason, 500).map_err(AppError::invalid)?;
        if o.status != "approved" {
            return Err(conflict("reason", Code::NotApproved));
        }
        let (file, mut tx) = self.begin_file(who, o.household_id).await?;
        tx.reopen_outcome(&file, id, o.version, &reason).await?;
        tx.set_household_status(&file, HouseholdStatus::InFile).await?;
        let detail = serde_json::json!({ "reason": reason, "kind": o.kind });
        self.end_file(who, tx, &file, None, ("reopen", "outcome", Some(id), detail)).await?;
        Ok(self.store.outcome(&who.scope, id).await?)
    }
}
