//! Frameworks as data (POLICY §9; `bangfu_domain::policy::book`): which rule set and which
//! parameters each region applies from which month. City staff change their region's
//! parameters from a month on: the change is previewed first (the counts per region before and
//! after, at a month, by the what-if machinery), then saved as a new version — audited, never
//! touching a determination already made.

use crate::auth::Principal;
use crate::evaluate::{compare, Tally};
use crate::input::{optional_text, Errors};
use crate::{App, AppError};
use bangfu_domain::policy::engine::Params;
use bangfu_domain::policy::{PolicyBook, PolicyRecord};
use bangfu_domain::{Code, FieldError, Framework, Permission, YearMonth};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A change of a region's framework or parameters from a month on, as sent by a user. Absent
/// parameters keep the values in force for the region at `from` when the framework is the same,
/// else take the framework's defaults.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct PolicyInput {
    /// The region (a city or a county in the caller's scope).
    pub region_code: String,
    /// plan-2018 or national-2021.
    pub framework: String,
    /// The first month it applies to, YYYY-MM.
    pub from: String,
    /// The window in months (1–24).
    #[serde(default)]
    pub window_months: Option<i64>,
    /// Plan: households registered on or before this date are the stock (YYYY-MM-DD).
    #[serde(default)]
    pub stock_cutoff: Option<String>,
    /// Plan: C4's multiple of the dibao standard (1–20).
    #[serde(default)]
    pub multiplier: Option<i64>,
    /// 2021: relative hardship below this percent of the dibao line (100–1000).
    #[serde(default)]
    pub relative_percent: Option<i64>,
    /// 2021: hardship costs above this percent of own income (1–100).
    #[serde(default)]
    pub accident_percent: Option<i64>,
    /// 2021: months of labour relation a migrant worker needs (0–120).
    #[serde(default)]
    pub min_labour_months: Option<i64>,
    /// The document it reads (up to 100 characters).
    #[serde(default)]
    pub name: String,
    /// Preview only: the month whose counts are compared (default: `from`, or the current
    /// month if later).
    #[serde(default)]
    pub as_of: Option<String>,
}

/// What a change would do: the record as it would be saved, and the counts per region of the
/// changed region's subtree before and after, at `as_of`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PolicyPreview {
    /// The record (version 0: not saved).
    #[schema(value_type = Object)]
    pub record: PolicyRecord,
    /// The month compared.
    pub as_of: String,
    /// Region code → [before, after].
    #[schema(value_type = Object)]
    pub regions: BTreeMap<String, (Tally, Tally)>,
    /// All: [before, after].
    #[schema(value_type = Vec<Object>)]
    pub total: (Tally, Tally),
}

/// A region's sequence of frameworks, as the page lists it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RegionFrameworks {
    /// Region code.
    pub region_code: String,
    /// The records in force one after another, oldest first.
    #[schema(value_type = Vec<Object>)]
    pub sequence: Vec<PolicyRecord>,
}

fn bounded(e: &mut Errors, field: &str, v: Option<i64>, min: i64, max: i64) -> Option<i64> {
    match v {
        Some(n) if !(min..=max).contains(&n) => {
            e.push(FieldError::new(field, Code::OutOfRange).with("min", min).with("max", max));
            None
        }
        other => other,
    }
}

/// The region and what lies under it, from the regions' parents.
fn subtree(regions: &[bangfu_store::Region], root: &str) -> Vec<String> {
    let mut out = vec![root.to_string()];
    let mut i = 0;
    while i < out.len() {
        let parent = out[i].clone();
        out.extend(regions.iter().filter(|r| r.parent_code.as_deref() == Some(&parent)).map(|r| r.code.clone()));
        i += 1;
    }
    out
}

impl App {
    /// The sequence of frameworks of every region `who` reaches (the deployment's default
    /// first, under the code "").
    pub async fn frameworks(&self, who: &Principal) -> Result<Vec<RegionFrameworks>, AppError> {
        self.permit(who, Permission::ReadHouseholds, "policy", None).await?;
        let book = self.store.policy_book().await?;
        let regions = self.store.regions().await?;
        let mut out = Vec::new();
        for r in regions.iter().filter(|r| who.scope.has_region(&r.code)) {
            out.push(RegionFrameworks {
                region_code: r.code.clone(),
                sequence: book.sequence(&r.code).into_iter().cloned().collect(),
            });
        }
        Ok(out)
    }

    /// Validates a change against the book: the record it would add.
    fn policy_record(&self, who: &Principal, book: &PolicyBook, input: &PolicyInput) -> Result<PolicyRecord, AppError> {
        let mut e = Errors::default();
        let region = input.region_code.trim();
        if region.is_empty() || !who.scope.has_region(region) {
            e.push(FieldError::new("region_code", Code::UnknownRegion));
        }
        let framework = e.take(Framework::parse("framework", input.framework.trim()));
        let from = e.take(YearMonth::parse("from", input.from.trim()));
        let name = e.take(optional_text("name", &input.name, 100));
        let window = bounded(&mut e, "window_months", input.window_months, 1, 24);
        let multiplier = bounded(&mut e, "multiplier", input.multiplier, 1, 20);
        let relative = bounded(&mut e, "relative_percent", input.relative_percent, 100, 1000);
        let accident = bounded(&mut e, "accident_percent", input.accident_percent, 1, 100);
        let labour = bounded(&mut e, "min_labour_months", input.min_labour_months, 0, 120);
        let cutoff = match input.stock_cutoff.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            Some(c) => e.take(bangfu_domain::parse_date("stock_cutoff", c)).map(Some),
            None => Some(None),
        };
        let v = (|| Some((framework?, from?, name?, cutoff?)))();
        let (framework, from, name, cutoff) = e.finish(v).map_err(AppError::Invalid)?;
        // Absent parameters: those in force for the region at `from` under the same framework,
        // else the framework's defaults.
        let base = book.params(region, from);
        let mut p = if base.framework == framework { base } else { Params::of(framework) };
        p.version = 0;
        p.window_months = window.map_or(p.window_months, |w| w as u32);
        p.multiplier = multiplier.unwrap_or(p.multiplier);
        p.relative_percent = relative.unwrap_or(p.relative_percent);
        p.accident_percent = accident.unwrap_or(p.accident_percent);
        p.min_labour_months = labour.unwrap_or(p.min_labour_months);
        p.stock_cutoff = cutoff.unwrap_or(p.stock_cutoff);
        Ok(PolicyRecord {
            region_code: Some(region.to_string()),
            from: Some(from),
            name: if name.is_empty() { framework.label(true).to_string() } else { name },
            params: p,
            created_by: Some(who.name.clone()),
            created_at: String::new(),
        })
    }

    /// What a change would do to the counts of the region and what lies under it, at a month.
    /// Nothing is written.
    pub async fn preview_policy(&self, who: &Principal, input: &PolicyInput) -> Result<PolicyPreview, AppError> {
        self.permit(who, Permission::SetPolicy, "policy", None).await?;
        let book = self.store.policy_book().await?;
        let record = self.policy_record(who, &book, input)?;
        let from = record.from.unwrap_or_else(|| YearMonth::of_date(crate::clock::today()));
        let as_of = match input.as_of.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
            Some(a) => YearMonth::parse("as_of", a).map_err(AppError::invalid)?,
            None => from.max(YearMonth::of_date(crate::clock::today())),
        };
        let changed = book.with(record.clone());
        let tables = self.standards_tables(None).await?;
        let regions = self.store.regions().await?;
        let codes = subtree(&regions, record.region_code.as_deref().unwrap_or_default());
        let (regions, total) = compare(self, who, as_of, Some(&codes), (&book, &tables), (&changed, &tables)).await?;
        Ok(PolicyPreview { record, as_of: as_of.to_string(), regions, total })
    }

    /// Saves a change as the next policy version (audited). Determinations already made keep
    /// the version they name; the next batch applies the new one from its month on.
    pub async fn set_policy(&self, who: &Principal, input: &PolicyInput) -> Result<PolicyRecord, AppError> {
        self.permit(who, Permission::SetPolicy, "policy", None).await?;
        let book = self.store.policy_book().await?;
        let mut record = self.policy_record(who, &book, input)?;
        let mut tx = self.store.begin().await?;
        let version = tx.insert_policy(&record).await?;
        record.params.version = version;
        let mut a = who.audit("create", "policy", Some(version), record.region_code.as_deref());
        a.detail = serde_json::json!({ "new": record }).to_string();
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(record)
    }
}

impl App {
    /// Makes `code` (from the national list shipped with the program) the deployment's root:
    /// it and what lies under it are the regions in use, every other region is moved out of use
    /// (its files stay). Administrators and the system only; audited.
    pub async fn set_up_region(&self, who: &Principal, code: &str) -> Result<Vec<String>, AppError> {
        if !who.is_system() {
            self.permit(who, Permission::ManageUsers, "region", None).await?;
        }
        let code = code.trim();
        if bangfu_domain::RegionCode::parse("region", code).is_err() {
            return Err(AppError::invalid(FieldError::new("region", Code::InvalidRegionCode)));
        }
        let mut tx = self.store.begin().await?;
        let in_use = match tx.set_up_root(code).await {
            Ok(r) => r,
            Err(bangfu_store::StoreError::NotFound) => {
                return Err(AppError::invalid(FieldError::new("region", Code::UnknownRegion)))
            }
            Err(e) => return Err(e.into()),
        };
        let mut a = who.audit("set_up", "region", None, Some(code));
        a.detail = serde_json::json!({ "root": code, "regions_in_use": in_use.len() }).to_string();
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(in_use)
    }
}
