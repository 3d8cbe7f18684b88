//! What waits for a decision by this user (待我审批): outcomes proposed by someone else, ledger
//! entries recorded by someone else, and returns to hardship — each only where the user's role
//! may decide it and within their scope.

use crate::{App, AppError, Principal};
use bangfu_domain::Permission;
use bangfu_store::{EntryFilter, FundEntry, Outcome, WorkItem};

/// Most items of each kind the queue shows (the count says when there are more).
pub const QUEUE_LIMIT: usize = 100;

/// The queue.
#[derive(Debug, Clone, Default)]
pub struct Approvals {
    /// Outcomes proposed by others, oldest first.
    pub outcomes: Vec<Outcome>,
    /// Pending ledger entries recorded by others, oldest first.
    pub entries: Vec<FundEntry>,
    /// Open returns to hardship, oldest first.
    pub returns: Vec<WorkItem>,
    /// Whether any list was cut at [`QUEUE_LIMIT`].
    pub more: bool,
}

impl Approvals {
    /// How many decisions wait (up to the lists' limits).
    pub fn count(&self) -> usize {
        self.outcomes.len() + self.entries.len() + self.returns.len()
    }
}

impl App {
    /// The decisions waiting for `who`; empty for a role that decides nothing.
    pub async fn approvals(&self, who: &Principal) -> Result<Approvals, AppError> {
        let mut q = Approvals::default();
        if who.can(Permission::ApproveOutcomes) {
            // One more than is shown, so the list can say there are more (the user's own
            // proposals, which they may not decide, are read too and dropped).
            let mut outcomes =
                self.store.outcomes_with_status(&who.scope, "proposed", 2 * QUEUE_LIMIT as u64 + 1).await?;
            outcomes.retain(|o| o.proposed_by != who.user_id);
            q.more |= outcomes.len() > QUEUE_LIMIT;
            outcomes.truncate(QUEUE_LIMIT);
            q.outcomes = outcomes;
            let returns = self.store.returns_open(&who.scope, QUEUE_LIMIT as u64).await?;
            q.more |= returns.total > returns.items.len() as u64;
            q.returns = returns.items;
        }
        if who.can(Permission::ApproveFunds) {
            let f = EntryFilter {
                status: Some("pending".into()),
                kind: None,
                fund_id: None,
                household_id: None,
                union_id: None,
                limit: 2 * QUEUE_LIMIT as u64 + 1,
                offset: 0,
            };
            let (mut entries, _) = self.store.fund_entries(&who.scope, &f).await?;
            entries.retain(|e| e.recorded_by != who.name);
            entries.reverse();
            q.more |= entries.len() > QUEUE_LIMIT;
            entries.truncate(QUEUE_LIMIT);
            q.entries = entries;
        }
        Ok(q)
    }
}

impl App {
    /// The file number and head of each household with an outcome waiting, by outcome: one read
    /// of the work list that already joins them (the queue page names its households).
    pub async fn waiting_outcome_households(
        &self,
        who: &Principal,
    ) -> Result<std::collections::HashMap<i64, (String, String)>, AppError> {
        let list = self.store.outcomes_waiting(&who.scope, 2 * QUEUE_LIMIT as u64 + 1).await?;
        Ok(list.items.into_iter().map(|i| (i.id, (i.file_no, i.head_name))).collect())
    }

    /// One return-to-hardship flag in `who`'s scope.
    pub async fn hardship_return(&self, who: &Principal, id: i64) -> Result<bangfu_store::HardshipReturn, AppError> {
        self.permit(who, Permission::ReadHouseholds, "hardship_return", Some(id)).await?;
        Ok(self.store.hardship_return(&who.scope, id).await?)
    }
}
