//! One plan and one set of measures per household (一户一计划、一户一措施, POLICY §6), visits with
//! their findings, the return-to-hardship watch (返困, POLICY §4) and each user's work list.
//! Every read goes through the user's scope; every write through the household's open file and
//! its audit entry.

use crate::auth::Principal;
use crate::input::{optional_text, required_text, EnrolmentInput, Errors};
use crate::{App, AppError};
use bangfu_domain::money::yuan;
use bangfu_domain::{
    parse_date, Code, FieldError, HouseholdStatus, MeasureKind, MeasureStatus, Permission, PlanRoute, ReturnDecision,
    YearMonth,
};
use bangfu_store::{HardshipReturn, Measure, MeasureWrite, Plan, StoreError, Visit, WorkList};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// A plan as sent by a user.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct PlanInput {
    /// Year (default this year).
    #[serde(default)]
    pub year: Option<i64>,
    /// Goals, in words (required).
    #[serde(default)]
    pub goals: String,
    /// The route aimed at: employment_business, social_insurance, medical_cover,
    /// social_assistance, other, relief.
    #[serde(default)]
    pub route: String,
    /// The version read (required to change an existing plan).
    #[serde(default)]
    pub version: Option<i64>,
}

/// A measure as sent by a user.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct MeasureInput {
    /// The plan (default: the household's plan for the due date's year).
    #[serde(default)]
    pub plan_id: Option<i64>,
    /// living_aid, medical_aid, schooling_aid, legal_aid, job_training, job_referral, visit,
    /// employment_business, social_insurance, serious_illness, safety_net.
    #[serde(default)]
    pub kind: String,
    /// What is to be done (required).
    #[serde(default)]
    pub description: String,
    /// Lead unit (default: the policy's for the kind).
    #[serde(default)]
    pub lead_unit: String,
    /// Responsible units (default: the policy's for the kind).
    #[serde(default)]
    pub responsible_units: String,
    /// Responsible person (required).
    #[serde(default)]
    pub person: String,
    /// Due date, YYYY-MM-DD (required).
    #[serde(default)]
    pub due_on: String,
    /// planned (default), in_progress, done, cancelled.
    #[serde(default)]
    pub status: String,
    /// The result, in words (required when done).
    #[serde(default)]
    pub result: String,
    /// When it was done, YYYY-MM-DD (default today when done).
    #[serde(default)]
    pub done_on: Option<String>,
    /// The social-assistance enrolment the measure brought about (only when done); recorded
    /// in the household's file, so the engine sees it.
    #[serde(default)]
    pub enrolment: Option<EnrolmentInput>,
    /// The version read (required to change a measure).
    #[serde(default)]
    pub version: Option<i64>,
}

/// A visit to schedule.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct VisitInput {
    /// Due date, YYYY-MM-DD (required).
    #[serde(default)]
    pub due_on: String,
    /// Who is to visit (required).
    #[serde(default)]
    pub visitor: String,
    /// What for.
    #[serde(default)]
    pub purpose: String,
}

/// Recording a scheduled visit.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct VisitRecordInput {
    /// done or cancelled.
    #[serde(default)]
    pub status: String,
    /// When it took place, YYYY-MM-DD (default today; only when done).
    #[serde(default)]
    pub visited_on: Option<String>,
    /// What was found (required when done), or why it was cancelled.
    #[serde(default)]
    pub findings: String,
    /// Schedules the follow-up visit on this date (optional).
    #[serde(default)]
    pub next_due_on: Option<String>,
    /// The version read (required).
    #[serde(default)]
    pub version: Option<i64>,
}

/// The decision on a return-to-hardship flag.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ReturnDecisionInput {
    /// back_in_file (the approved exit or relief is reopened) or no_return.
    #[serde(default)]
    pub decision: String,
    /// Why (required).
    #[serde(default)]
    pub note: String,
}

/// A user's work: what is overdue, due soon or waiting for them, in their scope.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MyWork {
    /// Today (YYYY-MM-DD), the day the lists are computed for.
    pub today: String,
    /// The last day counted as "upcoming".
    pub horizon: String,
    /// Scheduled visits past their due date.
    pub visits_overdue: WorkList,
    /// Scheduled visits due from today to the horizon.
    pub visits_upcoming: WorkList,
    /// Measures not yet started, due by the horizon.
    pub measures_planned: WorkList,
    /// Measures under way, due by the horizon.
    pub measures_in_progress: WorkList,
    /// Outcomes waiting for a decision.
    pub outcomes_waiting: WorkList,
    /// Exited households flagged as returning to hardship.
    pub returns: WorkList,
    /// Households the latest evaluation run finds exited, with no proposal yet.
    pub engine_exits: WorkList,
    /// Households the latest evaluation run finds relieved, with no proposal yet.
    pub engine_reliefs: WorkList,
    /// The run the last two come from.
    pub run_id: Option<i64>,
    /// Households in the file without a helper (一帮一), by file number.
    pub unpaired: WorkList,
}

/// Items shown per work list.
pub const WORK_ITEMS: u64 = 20;
/// Days ahead counted as "upcoming".
pub const HORIZON_DAYS: i64 = 14;

fn date_field(field: &str, s: &str) -> Result<NaiveDate, FieldError> {
    if s.trim().is_empty() {
        return Err(FieldError::new(field, Code::Required));
    }
    parse_date(field, s.trim())
}

fn past_or_today(field: &str, s: Option<&str>) -> Result<NaiveDate, FieldError> {
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

fn stale(e: StoreError) -> AppError {
    match e {
        StoreError::Stale => AppError::Stale,
        other => other.into(),
    }
}

fn version_required(v: Option<i64>) -> Result<i64, AppError> {
    v.ok_or_else(|| AppError::invalid(FieldError::new("version", Code::VersionRequired)))
}

/// A social-assistance enrolment a measure brought about: scheme, first and last month.
type NewEnrolment = (bangfu_domain::Scheme, YearMonth, Option<YearMonth>);

impl MeasureInput {
    fn validate(&self) -> Result<(MeasureWrite, Option<NewEnrolment>), Vec<FieldError>> {
        let mut e = Errors::default();
        let kind = e.take(MeasureKind::parse("kind", self.kind.trim()));
        let description = e.take(required_text("description", &self.description, 500));
        let person = e.take(required_text("person", &self.person, 50));
        let due = e.take(date_field("due_on", &self.due_on));
        let status = match self.status.trim() {
            "" => Some(MeasureStatus::Planned),
            s => e.take(MeasureStatus::parse("status", s)),
        };
        let result = e.take(optional_text("result", &self.result, 1000));
        let (lead, responsible) = kind.map(MeasureKind::units).unwrap_or_default();
        let lead_unit = match self.lead_unit.trim() {
            "" => Some(lead.to_string()),
            s => e.take(required_text("lead_unit", s, 100)),
        };
        let responsible_units = match self.responsible_units.trim() {
            "" => Some(responsible.to_string()),
            s => e.take(required_text("responsible_units", s, 300)),
        };
        let done = status == Some(MeasureStatus::Done);
        let done_on =
            if done { e.take(past_or_today("done_on", self.done_on.as_deref())).map(Some) } else { Some(None) };
        if done && result.as_deref().is_some_and(str::is_empty) {
            e.push(FieldError::new("result", Code::ResultRequired));
        }
        let enrolment = match &self.enrolment {
            None => Some(None),
            Some(_) if !done => {
                e.push(FieldError::new("enrolment", Code::EnrolmentNotDone));
                None
            }
            Some(en) => match en.validate() {
                Ok(v) => Some(Some(v)),
                Err(errs) => {
                    for mut f in errs {
                        f.field = format!("enrolment.{}", f.field);
                        e.push(f);
                    }
                    None
                }
            },
        };
        let v = (|| {
            Some((
                MeasureWrite {
                    kind: kind?.code().to_string(),
                    description: description?,
                    lead_unit: lead_unit?,
                    responsible_units: responsible_units?,
                    person: person?,
                    due_on: due?.to_string(),
                    status: status?.code().to_string(),
                    result: result?,
                    done_on: done_on?.map(|d| d.to_string()),
                },
                enrolment?,
            ))
        })();
        e.finish(v)
    }
}

impl App {
    /// Writes a household's plan for a year: creates it, or (with the version read) changes it.
    pub async fn save_plan(&self, who: &Principal, household_id: i64, input: &PlanInput) -> Result<Plan, AppError> {
        let mut e = Errors::default();
        let this_year = i64::from(crate::clock::today().year());
        let year = input.year.unwrap_or(this_year);
        if !(2000..=this_year + 1).contains(&year) {
            e.push(FieldError::new("year", Code::OutOfRange).with("min", 2000).with("max", this_year + 1));
        }
        let goals = e.take(required_text("goals", &input.goals, 1000));
        let route = e.take(PlanRoute::parse("route", input.route.trim()));
        let (goals, route) = e.finish((|| Some((goals?, route?)))()).map_err(AppError::Invalid)?;
        let (file, mut tx) = self.begin_file(who, household_id).await?;
        let (id, action) = match tx.plan_of_year(&file, year).await? {
            None => {
                let id = tx.insert_plan(&file, year, (&goals, route.code()), &who.name).await.map_err(|e| match e {
                    // Written by someone else meanwhile.
                    StoreError::Conflict(f) if f.code == Code::PlanExists => AppError::Conflict(f.with("year", year)),
                    other => other.into(),
                })?;
                (id, "create")
            }
            Some(id) => {
                let Some(version) = input.version else {
                    return Err(AppError::Conflict(FieldError::new("year", Code::PlanExists).with("year", year)));
                };
                tx.update_plan(&file, (id, version), (&goals, route.code()), &who.name).await.map_err(stale)?;
                (id, "update")
            }
        };
        let detail = serde_json::json!({ "year": year, "goals": goals, "route": route.code() });
        self.end_file(who, tx, &file, None, (action, "plan", Some(id), detail)).await?;
        Ok(self.store.plan(&who.scope, id).await?)
    }

    /// Adds a measure to a plan of the household.
    pub async fn add_measure(
        &self,
        who: &Principal,
        household_id: i64,
        input: &MeasureInput,
    ) -> Result<Measure, AppError> {
        let (m, enrolment) = input.validate().map_err(AppError::Invalid)?;
        let (file, mut tx) = self.begin_file(who, household_id).await?;
        let plan_id = match input.plan_id {
            Some(p) => {
                let plan = self.store.plan(&who.scope, p).await.map_err(|_| unknown_plan())?;
                if plan.household_id != household_id {
                    return Err(unknown_plan());
                }
                p
            }
            None => {
                let year: i64 = m.due_on[..4].parse().unwrap_or_default();
                tx.plan_of_year(&file, year)
                    .await?
                    .ok_or_else(|| AppError::Conflict(FieldError::new("plan_id", Code::NoPlan).with("year", year)))?
            }
        };
        let id = tx.insert_measure(&file, plan_id, &m, &who.name).await?;
        let enrolment_id = match enrolment {
            Some((scheme, from, to)) => {
                let e = tx.insert_enrolment(&file, scheme, (from, to), (&who.name, Some(id))).await?;
                tx.link_enrolment(&file, id, e).await?;
                Some(e)
            }
            None => None,
        };
        let detail =
            serde_json::json!({ "plan_id": plan_id, "measure": measure_json(&m), "enrolment_id": enrolment_id });
        self.end_file(who, tx, &file, None, ("create", "measure", Some(id), detail)).await?;
        Ok(self.store.measure(&who.scope, id).await?)
    }

    /// Changes a measure (its status, result, person, dates…), with the version read. A measure
    /// done may record the enrolment it brought about, once.
    pub async fn update_measure(&self, who: &Principal, id: i64, input: &MeasureInput) -> Result<Measure, AppError> {
        self.permit(who, Permission::WriteHouseholds, "measure", Some(id)).await?;
        let old = self.store.measure(&who.scope, id).await?;
        let version = version_required(input.version)?;
        let (m, enrolment) = input.validate().map_err(AppError::Invalid)?;
        if enrolment.is_some() && old.enrolment_id.is_some() {
            return Err(AppError::Conflict(FieldError::new("enrolment", Code::AlreadyRecorded)));
        }
        let (file, mut tx) = self.begin_file(who, old.household_id).await?;
        tx.update_measure(&file, (id, version), &m, &who.name).await.map_err(stale)?;
        let enrolment_id = match enrolment {
            Some((scheme, from, to)) => {
                let e = tx.insert_enrolment(&file, scheme, (from, to), (&who.name, Some(id))).await?;
                tx.link_enrolment(&file, id, e).await?;
                Some(e)
            }
            None => None,
        };
        let detail =
            serde_json::json!({ "old": measure_json_of(&old), "new": measure_json(&m), "enrolment_id": enrolment_id });
        self.end_file(who, tx, &file, None, ("update", "measure", Some(id), detail)).await?;
        Ok(self.store.measure(&who.scope, id).await?)
    }

    /// Schedules a visit.
    pub async fn schedule_visit(
        &self,
        who: &Principal,
        household_id: i64,
        input: &VisitInput,
    ) -> Result<Visit, AppError> {
        let mut e = Errors::default();
        let due = e.take(date_field("due_on", &input.due_on));
        let visitor = e.take(required_text("visitor", &input.visitor, 50));
        let purpose = e.take(optional_text("purpose", &input.purpose, 500));
        let (due, visitor, purpose) = e.finish((|| Some((due?, visitor?, purpose?)))()).map_err(AppError::Invalid)?;
        let (file, mut tx) = self.begin_file(who, household_id).await?;
        let id = tx.insert_visit(&file, (&due.to_string(), &visitor, &purpose), &who.name).await?;
        let detail = serde_json::json!({ "due_on": due.to_string(), "visitor": visitor, "purpose": purpose });
        self.end_file(who, tx, &file, None, ("create", "visit", Some(id), detail)).await?;
        Ok(self.store.visit(&who.scope, id).await?)
    }

    /// Records a scheduled visit as done (with findings) or cancelled, and optionally schedules
    /// the follow-up; answers the visit and the follow-up.
    pub async fn record_visit(
        &self,
        who: &Principal,
        id: i64,
        input: &VisitRecordInput,
    ) -> Result<(Visit, Option<Visit>), AppError> {
        self.permit(who, Permission::WriteHouseholds, "visit", Some(id)).await?;
        let old = self.store.visit(&who.scope, id).await?;
        let version = version_required(input.version)?;
        let mut e = Errors::default();
        let status = match input.status.trim() {
            "done" => Some(true),
            "cancelled" => Some(false),
            _ => {
                e.push(FieldError::new("status", Code::UnknownCode).with("allowed", "done, cancelled"));
                None
            }
        };
        let findings = e.take(required_text("findings", &input.findings, 2000));
        let visited = match status {
            Some(true) => e.take(past_or_today("visited_on", input.visited_on.as_deref())).map(Some),
            _ => Some(None),
        };
        let next = match input.next_due_on.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => e.take(parse_date("next_due_on", s)).map(Some),
            None => Some(None),
        };
        let (done, findings, visited, next) =
            e.finish((|| Some((status?, findings?, visited?, next?)))()).map_err(AppError::Invalid)?;
        if old.status != "scheduled" {
            return Err(AppError::Conflict(FieldError::new("status", Code::AlreadyRecorded)));
        }
        let (file, mut tx) = self.begin_file(who, old.household_id).await?;
        let status = if done { "done" } else { "cancelled" };
        let visited_text = visited.map(|d| d.to_string());
        tx.close_visit(&file, (id, version), (status, visited_text.as_deref(), &findings), &who.name)
            .await
            .map_err(stale)?;
        let follow = match next {
            Some(d) => Some(tx.insert_visit(&file, (&d.to_string(), &old.visitor, "跟进走访"), &who.name).await?),
            None => None,
        };
        let detail = serde_json::json!({ "status": status, "visited_on": visited_text, "findings": findings, "follow_up": follow });
        self.end_file(who, tx, &file, None, ("record", "visit", Some(id), detail)).await?;
        let next = match follow {
            Some(f) => Some(self.store.visit(&who.scope, f).await?),
            None => None,
        };
        Ok((self.store.visit(&who.scope, id).await?, next))
    }

    /// Decides what follows a return-to-hardship flag: back in the file (the approved exit or
    /// relief is reopened, with the note as the reason) or not a return.
    pub async fn decide_return(
        &self,
        who: &Principal,
        id: i64,
        input: &ReturnDecisionInput,
    ) -> Result<HardshipReturn, AppError> {
        self.permit(who, Permission::ApproveOutcomes, "hardship_return", Some(id)).await?;
        let flag = self.store.hardship_return(&who.scope, id).await?;
        let mut e = Errors::default();
        let decision = e.take(ReturnDecision::parse("decision", input.decision.trim()));
        let note = e.take(required_text("note", &input.note, 500));
        let (decision, note) = e.finish((|| Some((decision?, note?)))()).map_err(AppError::Invalid)?;
        if flag.status != "open" {
            return Err(AppError::Conflict(FieldError::new("decision", Code::Decided)));
        }
        let reopened = if decision == ReturnDecision::BackInFile {
            let approved = self
                .store
                .household_outcomes(&who.scope, flag.household_id)
                .await?
                .into_iter()
                .find(|o| o.status == "approved" && o.kind != "withdrawal");
            Some(approved.ok_or_else(|| AppError::Conflict(FieldError::new("decision", Code::NothingToReopen)))?)
        } else {
            None
        };
        let (file, mut tx) = self.begin_file(who, flag.household_id).await?;
        tx.decide_return(&file, (id, flag.version), (decision.code(), &note), &who.name).await.map_err(stale)?;
        if let Some(o) = &reopened {
            tx.reopen_outcome(&file, o.id, o.version, &format!("返困 return to hardship: {note}"))
                .await
                .map_err(stale)?;
            tx.set_household_status(&file, HouseholdStatus::InFile).await?;
        }
        let detail = serde_json::json!({ "decision": decision.code(), "note": note, "reopened_outcome": reopened.map(|o| o.id) });
        self.end_file(who, tx, &file, None, ("decide", "hardship_return", Some(id), detail)).await?;
        Ok(self.store.hardship_return(&who.scope, id).await?)
    }

    /// A household's plans, measures, visits and return flags (the case-work section of its page).
    pub async fn household_plans(
        &self,
        who: &Principal,
        household_id: i64,
    ) -> Result<crate::evaluate::HouseholdPlans, AppError> {
        self.household(who, household_id).await?;
        Ok((
            self.store.household_plans(&who.scope, household_id).await?,
            self.store.household_measures(&who.scope, household_id).await?,
            self.store.household_visits(&who.scope, household_id).await?,
            self.store.household_returns(&who.scope, household_id).await?,
        ))
    }

    /// `who`'s work for `today`: overdue and upcoming visits, measures due, outcomes waiting,
    /// returns to hardship, and what the latest evaluation run proposes — all in `who`'s scope.
    pub async fn my_work(&self, who: &Principal, today: NaiveDate) -> Result<MyWork, AppError> {
        self.permit(who, Permission::ReadHouseholds, "my_work", None).await?;
        let s = &who.scope;
        let horizon = today + chrono::Duration::days(HORIZON_DAYS);
        let (t, after) = (today.to_string(), (horizon + chrono::Duration::days(1)).to_string());
        let run = self.store.latest_run().await?.filter(|r| r.status == "done");
        let empty = WorkList { items: Vec::new(), total: 0 };
        let (engine_exits, engine_reliefs) = match &run {
            Some(r) => (
                month_dates(self.store.engine_proposals(s, r.id, "exited", WORK_ITEMS).await?),
                month_dates(self.store.engine_proposals(s, r.id, "relieved", WORK_ITEMS).await?),
            ),
            None => (empty.clone(), empty),
        };
        Ok(MyWork {
            today: t.clone(),
            horizon: horizon.to_string(),
            visits_overdue: self.store.visits_due(s, (None, &t), WORK_ITEMS).await?,
            visits_upcoming: self.store.visits_due(s, (Some(&t), &after), WORK_ITEMS).await?,
            measures_planned: self.store.measures_due(s, "planned", &after, WORK_ITEMS).await?,
            measures_in_progress: self.store.measures_due(s, "in_progress", &after, WORK_ITEMS).await?,
            outcomes_waiting: self.store.outcomes_waiting(s, WORK_ITEMS).await?,
            returns: self.store.returns_open(s, WORK_ITEMS).await?,
            engine_exits,
            engine_reliefs,
            run_id: run.map(|r| r.id),
            unpaired: {
                let (items, total) = self.store.unpaired(s, (1, WORK_ITEMS), bangfu_store::casework::WORK_CAP).await?;
                let items = items
                    .into_iter()
                    .map(|h| bangfu_store::WorkItem {
                        id: h.id,
                        household_id: h.id,
                        file_no: h.file_no,
                        head_name: h.head_name,
                        region_code: h.region_code,
                        date: h.registered_on.to_string(),
                        what: String::new(),
                        who: String::new(),
                    })
                    .collect();
                WorkList { items, total }
            },
        })
    }

    /// Open return-to-hardship flags in `who`'s scope (up to `limit`, oldest first).
    pub async fn open_returns(&self, who: &Principal, limit: u64) -> Result<WorkList, AppError> {
        self.permit(who, Permission::ReadHouseholds, "hardship_return", None).await?;
        Ok(self.store.returns_open(&who.scope, limit).await?)
    }
}

/// Engine proposals carry the month as YYYYMM; show it as YYYY-MM.
fn month_dates(mut w: WorkList) -> WorkList {
    for i in &mut w.items {
        if let Some(m) = i.date.parse::<i64>().ok().and_then(bangfu_domain::YearMonth::from_key) {
            i.date = m.to_string();
        }
    }
    w
}

fn unknown_plan() -> AppError {
    AppError::invalid(FieldError::new("plan_id", Code::UnknownPlan))
}

fn measure_json(m: &MeasureWrite) -> serde_json::Value {
    serde_json::json!({
        "kind": m.kind, "description": m.description, "lead_unit": m.lead_unit,
        "responsible_units": m.responsible_units, "person": m.person, "due_on": m.due_on,
        "status": m.status, "result": m.result, "done_on": m.done_on,
    })
}

fn measure_json_of(m: &Measure) -> serde_json::Value {
    measure_json(&MeasureWrite {
        kind: m.kind.clone(),
        description: m.description.clone(),
        lead_unit: m.lead_unit.clone(),
        responsible_units: m.responsible_units.clone(),
        person: m.person.clone(),
        due_on: m.due_on.clone(),
        status: m.status.clone(),
        result: m.result.clone(),
        done_on: m.done_on.clone(),
    })
}

/// One event of a household's history.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct TimelineEvent {
    /// When it happened (YYYY-MM-DD, or YYYY-MM for a month's record or an enrolment, which
    /// stand at the end of their month).
    pub date: String,
    /// registration, monthly_record, enrolment, assistance, determination, plan, measure,
    /// measure_done, pairing, pairing_ended, visit, outcome_proposed, outcome_decided,
    /// outcome_reopened, return_flagged, return_decided, evidence.
    pub kind: String,
    /// What, in Chinese.
    pub what: String,
    /// What, in English.
    pub what_en: String,
    /// Who recorded or decided it (empty when not kept: rows loaded in bulk).
    pub who: String,
    /// When it was recorded (RFC 3339), if kept.
    pub recorded_at: String,
}

fn ev(
    date: impl Into<String>,
    kind: &str,
    (zh, en): (String, String),
    who: Option<String>,
    at: Option<String>,
) -> TimelineEvent {
    TimelineEvent {
        date: date.into(),
        kind: kind.into(),
        what: zh,
        what_en: en,
        who: who.unwrap_or_default(),
        recorded_at: at.unwrap_or_default(),
    }
}

fn label<T>(code: &str, from: fn(&str) -> Option<T>, label: fn(T, bool) -> &'static str, zh: bool) -> String {
    from(code).map(|v| label(v, zh).to_string()).unwrap_or_else(|| code.to_string())
}

impl App {
    /// A household's whole history in date order: registration, monthly records, enrolments,
    /// assistance, determinations, plans, measures, pairings, visits, outcomes and return flags —
    /// each with who recorded or decided it and when.
    pub async fn timeline(&self, who: &Principal, household_id: i64) -> Result<Vec<TimelineEvent>, AppError> {
        let h = self.readable(who, household_id).await?;
        let s = &who.scope;
        let p = self.store.provenance(s, household_id).await?;
        let mut out = vec![ev(
            h.registered_on.to_string(),
            "registration",
            (format!("登记建档（档案号 {}）", h.file_no), format!("Registered (file {})", h.file_no)),
            p.registered.0.clone(),
            Some(p.registered.1.clone()),
        )];
        let first = YearMonth::new(1900, 1).unwrap_or(YearMonth::of_date(h.registered_on));
        let last = YearMonth::of_date(crate::clock::today()).plus(12);
        for r in self.store.monthly_records(s, household_id, first, last).await? {
            let (by, at) = p.months.get(&r.month.to_key()).cloned().unwrap_or_default();
            out.push(ev(
                r.month.to_string(),
                "monthly_record",
                (
                    format!(
                        "月度记录：{} 人，收入 {}，政府救助 {}",
                        r.members,
                        yuan(r.income.fen()),
                        yuan(r.government_assistance.fen())
                    ),
                    format!(
                        "Monthly record: {} people, income {}, government aid {}",
                        r.members,
                        yuan(r.income.fen()),
                        yuan(r.government_assistance.fen())
                    ),
                ),
                by,
                at,
            ));
        }
        for e in self.store.enrolments(s, household_id).await? {
            let ((by, at), measure) = p.enrolments.get(&e.id).cloned().unwrap_or_default();
            let to = e.to.map(|t| t.to_string()).unwrap_or_default();
            let m = measure.map(|m| format!("（措施 {m}）")).unwrap_or_default();
            let m_en = measure.map(|m| format!(" (measure {m})")).unwrap_or_default();
            out.push(ev(
                e.from.to_string(),
                "enrolment",
                (
                    format!("纳入{}：{}–{to}{m}", e.scheme.label(true), e.from),
                    format!("Enrolled in {}: {}–{to}{m_en}", e.scheme.label(false), e.from),
                ),
                by,
                at,
            ));
        }
        for a in self.store.union_assistance(s, household_id).await? {
            let (by, at) = p.assistance.get(&a.id).cloned().unwrap_or_default();
            out.push(ev(
                a.date.to_string(),
                "assistance",
                (
                    format!("工会帮扶：{}（{}）{}", a.measure.label(true), a.kind.label(true), yuan(a.amount.fen())),
                    format!(
                        "Union assistance: {} ({}) {}",
                        a.measure.label(false),
                        a.kind.label(false),
                        yuan(a.amount.fen())
                    ),
                ),
                by,
                at,
            ));
        }
        for d in self.store.determinations(household_id, 200).await? {
            let status = |zh| label(&d.status, HouseholdStatus::from_code, HouseholdStatus::label, zh);
            let basis_of = |zh: bool| {
                d.basis
                    .as_deref()
                    .map(|b| {
                        let (z, e) = match b {
                            "social_assistance" => ("纳入社会救助", "social assistance"),
                            "schooling" => ("子女完成学业", "schooling completed"),
                            "income" => ("收入", "income"),
                            other => (other, other),
                        };
                        if zh {
                            format!("（{z}）")
                        } else {
                            format!(" ({e})")
                        }
                    })
                    .unwrap_or_default()
            };
            let run = d.run_id.map(|r| format!("评估批次 {r}")).unwrap_or_else(|| "评估引擎".into());
            out.push(ev(
                crate::clock::local_date(&d.computed_at),
                "determination",
                (
                    format!(
                        "评估 {}：{}{}，{}",
                        d.as_of,
                        status(true),
                        basis_of(true),
                        if d.eligible { "符合条件" } else { "不符合条件" }
                    ),
                    format!(
                        "Evaluated {}: {}{}, {}",
                        d.as_of,
                        status(false),
                        basis_of(false),
                        if d.eligible { "eligible" } else { "not eligible" }
                    ),
                ),
                Some(run),
                Some(d.computed_at.clone()),
            ));
        }
        let (plans, measures, visits, returns) = (
            self.store.household_plans(s, household_id).await?,
            self.store.household_measures(s, household_id).await?,
            self.store.household_visits(s, household_id).await?,
            self.store.household_returns(s, household_id).await?,
        );
        for pl in plans {
            let route = |zh| label(&pl.route, PlanRoute::from_code, PlanRoute::label, zh);
            out.push(ev(
                crate::clock::local_date(&pl.created_at),
                "plan",
                (
                    format!("{} 年帮扶计划：{}；目标：{}", pl.year, route(true), pl.goals),
                    format!("Plan for {}: {}; goals: {}", pl.year, route(false), pl.goals),
                ),
                Some(pl.created_by),
                Some(pl.created_at),
            ));
        }
        for m in measures {
            let kind = |zh| label(&m.kind, MeasureKind::from_code, MeasureKind::label, zh);
            out.push(ev(
                crate::clock::local_date(&m.created_at),
                "measure",
                (
                    format!("帮扶措施：{}（{}），责任人 {}，{} 前完成", kind(true), m.description, m.person, m.due_on),
                    format!("Measure: {} ({}), responsible {}, due {}", kind(false), m.description, m.person, m.due_on),
                ),
                Some(m.created_by.clone()),
                Some(m.created_at.clone()),
            ));
            if let Some(done) = &m.done_on {
                out.push(ev(
                    done.clone(),
                    "measure_done",
                    (
                        format!("措施完成：{}；结果：{}", kind(true), m.result),
                        format!("Measure done: {}; result: {}", kind(false), m.result),
                    ),
                    Some(m.updated_by.clone()),
                    Some(m.updated_at.clone()),
                ));
            }
        }
        for pr in self.store.household_pairings(s, household_id).await? {
            let unit = match self.store.organisation(&bangfu_store::Scope::everything(), pr.helper_org_id).await {
                Ok(o) => o.name,
                Err(_) => pr.helper_org_id.to_string(),
            };
            out.push(ev(
                pr.started_on.clone(),
                "pairing",
                (
                    format!("结对帮扶：{unit}，责任人 {}", pr.person),
                    format!("Paired: {unit}, responsible {}", pr.person),
                ),
                Some(pr.created_by.clone()),
                None,
            ));
            if let Some(end) = pr.ended_on {
                let why = pr.end_reason.unwrap_or_default();
                out.push(ev(
                    end,
                    "pairing_ended",
                    (format!("结对结束：{why}"), format!("Pairing ended: {why}")),
                    None,
                    None,
                ));
            }
        }
        for v in visits {
            let (kind, date, zh, en, by, at) = match v.status.as_str() {
                "done" => (
                    "visit",
                    v.visited_on.clone().unwrap_or(v.due_on.clone()),
                    format!("走访（{}）：{}", v.visitor, v.findings),
                    format!("Visit ({}): {}", v.visitor, v.findings),
                    v.recorded_by.clone(),
                    v.recorded_at.clone(),
                ),
                "cancelled" => (
                    "visit_cancelled",
                    v.due_on.clone(),
                    format!("走访取消（{}）：{}", v.visitor, v.findings),
                    format!("Visit cancelled ({}): {}", v.visitor, v.findings),
                    v.recorded_by.clone(),
                    v.recorded_at.clone(),
                ),
                _ => (
                    "visit_scheduled",
                    v.due_on.clone(),
                    format!("计划走访（{}）：{}", v.visitor, v.purpose),
                    format!("Visit scheduled ({}): {}", v.visitor, v.purpose),
                    Some(v.created_by.clone()),
                    Some(v.created_at.clone()),
                ),
            };
            out.push(ev(date, kind, (zh, en), by, at));
        }
        for o in self.store.household_outcomes(s, household_id).await? {
            let kind =
                |zh| label(&o.kind, bangfu_domain::OutcomeKind::from_code, bangfu_domain::OutcomeKind::label, zh);
            out.push(ev(
                crate::clock::local_date(&o.proposed_at),
                "outcome_proposed",
                (format!("提出{}：{}", kind(true), o.reason), format!("Proposed {}: {}", kind(false), o.reason)),
                Some(o.proposed_by_name.clone()),
                Some(o.proposed_at.clone()),
            ));
            if let Some(at) = &o.decided_at {
                let (zh, en) = match &o.approval_date {
                    Some(d) => {
                        let note = o.decision_note.clone().filter(|n| !n.is_empty());
                        (
                            format!(
                                "批准{}，批准日期 {d}{}",
                                kind(true),
                                note.as_ref().map(|n| format!("；意见：{n}")).unwrap_or_default()
                            ),
                            format!(
                                "{} approved, approval date {d}{}",
                                kind(false),
                                note.as_ref().map(|n| format!("; note: {n}")).unwrap_or_default()
                            ),
                        )
                    }
                    None => (
                        format!("退回：{}", o.decision_note.clone().unwrap_or_default()),
                        format!("Sent back: {}", o.decision_note.clone().unwrap_or_default()),
                    ),
                };
                let date = o.approval_date.clone().unwrap_or_else(|| crate::clock::local_date(at));
                out.push(ev(date, "outcome_decided", (zh, en), o.decided_by_name.clone(), Some(at.clone())));
            }
            if let Some(why) = &o.reopen_reason {
                out.push(ev(
                    crate::clock::local_date(o.decided_at.as_deref().unwrap_or_default()),
                    "outcome_reopened",
                    (format!("重新打开：{why}"), format!("Reopened: {why}")),
                    None,
                    None,
                ));
            }
        }
        for r in returns {
            out.push(ev(
                crate::clock::local_date(&r.detected_at),
                "return_flagged",
                (
                    format!(
                        "返困预警：{} 收入 ¥{} 未超过 ¥{}",
                        r.failed_month,
                        bangfu_domain::Money::from_fen(r.income),
                        bangfu_domain::Money::from_fen(r.threshold)
                    ),
                    format!(
                        "Return to hardship flagged: income ¥{} in {} not above ¥{}",
                        bangfu_domain::Money::from_fen(r.income),
                        r.failed_month,
                        bangfu_domain::Money::from_fen(r.threshold)
                    ),
                ),
                Some("评估引擎".into()),
                Some(r.detected_at.clone()),
            ));
            if let (Some(d), Some(at)) = (&r.decision, &r.decided_at) {
                let dz = label(d, ReturnDecision::from_code, ReturnDecision::label, true);
                let de = label(d, ReturnDecision::from_code, ReturnDecision::label, false);
                let note = r.note.clone().unwrap_or_default();
                out.push(ev(
                    crate::clock::local_date(at),
                    "return_decided",
                    (format!("返困处理：{dz}；{note}"), format!("Return decided: {de}; {note}")),
                    r.decided_by.clone(),
                    Some(at.clone()),
                ));
            }
        }
        // Evidence from the member departments: verification answers, accepted roster rows.
        for e in self.store.evidence(household_id).await? {
            let (zh, en) = match e.source.as_str() {
                "verification" => ("部门核对", "Department verification"),
                _ => ("部门名单", "Department roster"),
            };
            let file = if e.attachment_id.is_some() { "（附件）" } else { "" };
            out.push(ev(
                e.day.clone(),
                "evidence",
                (format!("{zh}：{}{file}", e.summary), format!("{en}: {}{file}", e.summary)),
                Some(e.recorded_by.clone()),
                Some(e.recorded_at.clone()),
            ));
        }
        // A month's record stands at the end of its month (it is known once the month is over).
        let key = |e: &TimelineEvent| if e.date.len() == 7 { format!("{}-32", e.date) } else { e.date.clone() };
        out.sort_by_cached_key(|e| (key(e), e.recorded_at.clone()));
        Ok(out)
    }
}
