//! Use cases of the reference data: regions, organisations and standards.

use crate::auth::Principal;
use crate::import::{read_one_sheet, Kind, RowError, MAX_ORGANISATION_ROWS};
use crate::input::*;
use crate::{App, AppError};
use bangfu_domain::*;
use bangfu_store::*;
use serde::Serialize;
use std::collections::HashMap;

/// What the rules need to know of an organisation's parent.
struct ParentFacts {
    kind: OrgKind,
    /// Whether the parent's region contains the organisation's.
    contains_region: bool,
    /// Whether the parent lies under the organisation itself.
    below_self: bool,
}

/// The rules of an organisation's place in the hierarchy: its region is known and in the
/// writer's reach; a union reports to a union of a higher level (全总 → 省总 → 市总 → 县总 →
/// 基层; a grassroots union may also report to another, as a 分工会 to its 联合工会) whose region
/// contains its own, never to itself or one under it; a grassroots union must name its parent;
/// departments and employers have none. `parent` is `None` when no parent is named or the one
/// named does not exist.
fn org_errors(
    o: &OrganisationWrite,
    own_id: Option<i64>,
    region_known: bool,
    parent: Option<&ParentFacts>,
) -> Vec<FieldError> {
    let mut e = Vec::new();
    if !region_known {
        e.push(FieldError::new("region_code", Code::UnknownRegion));
    }
    match (o.parent_id, parent) {
        (None, _) if o.kind == OrgKind::GrassrootsUnion => e.push(FieldError::new("parent_id", Code::ParentRequired)),
        (None, _) => {}
        (Some(p), _) if Some(p) == own_id => e.push(FieldError::new("parent_id", Code::SelfParent)),
        (Some(_), _) if !o.kind.is_union() => e.push(FieldError::new("parent_id", Code::ParentNotAllowed)),
        (Some(_), None) => e.push(FieldError::new("parent_id", Code::UnknownOrganisation)),
        (Some(_), Some(p)) if !p.kind.is_union() => {
            e.push(FieldError::new("parent_id", Code::WrongKind).with_label("kind", "工会", "union"))
        }
        (Some(_), Some(p)) if !o.kind.may_report_to(p.kind) => e.push(FieldError::new("parent_id", Code::ParentLevel)),
        (Some(_), Some(p)) => {
            if p.below_self {
                e.push(FieldError::new("parent_id", Code::ParentCycle));
            }
            if region_known && !p.contains_region {
                e.push(FieldError::new("region_code", Code::ParentRegion));
            }
        }
    }
    e
}

/// What an import of organisations did (or, checked only, would do).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct OrganisationImport {
    /// Only checked: nothing written.
    pub dry_run: bool,
    /// Rows read.
    pub rows: u64,
    /// Organisations created — checked only, to be created (none when any row is bad: nothing
    /// is written).
    pub created: u64,
    /// Rows naming an organisation already there (the same name in the same region), left as
    /// they are: importing a file twice creates nothing the second time.
    pub existing: u64,
    /// Every bad row.
    pub errors: Vec<RowError>,
}

impl App {
    /// Checks an organisation's region and parent against the registry (see [`org_errors`]).
    async fn check_org_refs(
        &self,
        who: &Principal,
        o: &OrganisationWrite,
        own_id: Option<i64>,
    ) -> Result<(), AppError> {
        let region_known = match self.store.region(&o.region_code).await {
            Ok(_) => who.scope.has_region(&o.region_code),
            Err(StoreError::NotFound) => false,
            Err(other) => return Err(other.into()),
        };
        // A parent above the writer's scope (the city union for a county) is named, not read.
        let parent = match o.parent_id.filter(|p| Some(*p) != own_id) {
            None => None,
            Some(p) => match self.store.organisation(&Scope::everything(), p).await {
                Ok(parent) => Some(ParentFacts {
                    kind: parent.kind,
                    contains_region: self
                        .store
                        .region_and_children(&parent.region_code)
                        .await?
                        .contains(&o.region_code),
                    below_self: match own_id {
                        Some(own) => self.store.union_and_below(own).await?.contains(&p),
                        None => false,
                    },
                }),
                Err(StoreError::NotFound) => None,
                Err(other) => return Err(other.into()),
            },
        };
        let e = org_errors(o, own_id, region_known, parent.as_ref());
        if e.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(e))
        }
    }

    /// Creates an organisation.
    pub async fn create_organisation(
        &self,
        who: &Principal,
        input: &OrganisationInput,
    ) -> Result<Organisation, AppError> {
        self.permit(who, Permission::WriteReference, "organisation", None).await?;
        let o = input.validate().map_err(AppError::Invalid)?;
        self.check_org_refs(who, &o, None).await?;
        let mut tx = self.store.begin().await?;
        let id = tx.insert_organisation(&o).await?;
        let mut a = who.audit("create", "organisation", Some(id), Some(&o.region_code));
        a.detail = serde_json::json!({ "new": org_json(&o) }).to_string();
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(self.store.organisation(&who.scope, id).await?)
    }

    /// Organisations `who` reaches, optionally of one kind.
    pub async fn organisations(&self, who: &Principal, kind: Option<OrgKind>) -> Result<Vec<Organisation>, AppError> {
        Ok(self.store.organisations(&who.scope, kind).await?)
    }

    /// One organisation `who` reaches.
    pub async fn organisation(&self, who: &Principal, id: i64) -> Result<Organisation, AppError> {
        Ok(self.store.organisation(&who.scope, id).await?)
    }

    /// Updates an organisation whose version is `if_match`.
    pub async fn update_organisation(
        &self,
        who: &Principal,
        id: i64,
        if_match: Option<i64>,
        input: &OrganisationInput,
    ) -> Result<Organisation, AppError> {
        self.permit(who, Permission::WriteReference, "organisation", Some(id)).await?;
        let old = self.store.organisation(&who.scope, id).await?;
        let version = if_match.ok_or(AppError::PreconditionRequired)?;
        let o = input.validate().map_err(AppError::Invalid)?;
        self.check_org_refs(who, &o, Some(id)).await?;
        let mut tx = self.store.begin().await?;
        tx.update_organisation(id, version, &o).await?;
        let mut a = who.audit("update", "organisation", Some(id), Some(&o.region_code));
        a.detail = serde_json::json!({ "old": old, "new": org_json(&o) }).to_string();
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(self.store.organisation(&who.scope, id).await?)
    }

    /// Deletes an organisation that nothing refers to.
    pub async fn delete_organisation(&self, who: &Principal, id: i64, if_match: Option<i64>) -> Result<(), AppError> {
        self.permit(who, Permission::WriteReference, "organisation", Some(id)).await?;
        let o = self.store.organisation(&who.scope, id).await?;
        let version = if_match.ok_or(AppError::PreconditionRequired)?;
        if o.version != version {
            return Err(AppError::Stale);
        }
        if self.store.organisation_in_use(id).await? {
            return Err(AppError::Conflict(FieldError::new("id", Code::InUse)));
        }
        let mut tx = self.store.begin().await?;
        tx.delete_organisation(id).await?;
        let mut a = who.audit("delete", "organisation", Some(id), Some(&o.region_code));
        a.detail = serde_json::json!({ "old": o }).to_string();
        tx.append_audit(&a).await?;
        Ok(tx.commit().await?)
    }

    /// Adds a standard; one per region, kind and month.
    pub async fn create_standard(&self, who: &Principal, input: &StandardInput) -> Result<Standard, AppError> {
        self.permit(who, Permission::WriteReference, "standard", None).await?;
        let s = input.validate().map_err(AppError::Invalid)?;
        match self.store.region(&s.region_code).await {
            Ok(_) if !who.scope.has_region(&s.region_code) => {
                return Err(AppError::invalid(FieldError::new("region_code", Code::UnknownRegion)))
            }
            Ok(_) => {}
            Err(StoreError::NotFound) => {
                return Err(AppError::invalid(FieldError::new("region_code", Code::UnknownRegion)))
            }
            Err(other) => return Err(other.into()),
        }
        let mut tx = self.store.begin().await?;
        tx.insert_standard(&s).await.map_err(|e| match e {
            StoreError::Conflict(f) if f.code == Code::DuplicateStandard => AppError::Conflict(
                FieldError::new("from", Code::DuplicateStandard)
                    .with_label("kind", s.kind.label(true), s.kind.label(false))
                    .with("from", s.from),
            ),
            other => other.into(),
        })?;
        let mut a = who.audit("create", "standard", None, Some(&s.region_code));
        a.detail = serde_json::json!({ "new": s }).to_string();
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(s)
    }

    /// Deletes a standard.
    pub async fn delete_standard(&self, who: &Principal, region: &str, kind: &str, from: &str) -> Result<(), AppError> {
        self.permit(who, Permission::WriteReference, "standard", None).await?;
        let mut e = Errors::default();
        let r = e.take(RegionCode::parse("region_code", region));
        let k = e.take(StandardKind::parse("kind", kind));
        let f = e.take(YearMonth::parse("from", from));
        let (r, k, f) = e.finish((|| Some((r?, k?, f?)))()).map_err(AppError::Invalid)?;
        let r = r.to_string();
        if !who.scope.has_region(&r) {
            return Err(AppError::NotFound);
        }
        let mut tx = self.store.begin().await?;
        tx.delete_standard(&r, k, f).await?;
        let mut a = who.audit("delete", "standard", None, Some(&r));
        a.detail =
            serde_json::json!({ "old": { "region_code": r, "kind": k.code(), "from": f.to_string() } }).to_string();
        tx.append_audit(&a).await?;
        Ok(tx.commit().await?)
    }
}

fn org_json(o: &OrganisationWrite) -> serde_json::Value {
    serde_json::json!({ "name": o.name, "kind": o.kind.code(), "region_code": o.region_code, "parent_id": o.parent_id })
}

impl App {
    /// Imports organisations from a file (`单位` sheet or .csv: 单位名称, 单位类型 (code or Chinese
    /// name), 地区代码, 上级单位 (a name, or an organisation's number)). A parent may be an
    /// organisation already there or another row of the file, in any order. All or nothing:
    /// any bad row and nothing is written; `dry_run` only checks.
    pub async fn import_organisations(
        &self,
        who: &Principal,
        name: &str,
        path: &std::path::Path,
        dry_run: bool,
    ) -> Result<OrganisationImport, AppError> {
        self.permit(who, Permission::WriteReference, "organisation", None).await?;
        let mut out = OrganisationImport { dry_run, ..Default::default() };
        let (sheet, read) =
            read_one_sheet(Kind::Organisations, MAX_ORGANISATION_ROWS, name, path, &mut out.errors).await?;
        out.rows = read.len() as u64;
        let column = |field: &str| {
            let f = if field == "parent_id" { "parent" } else { field };
            Kind::Organisations.columns().iter().find(|c| c.0 == f).map_or(f.to_string(), |c| c.1.to_string())
        };
        let mut errors = std::mem::take(&mut out.errors);
        let mut bad = |row: usize, e: FieldError| {
            errors.push(RowError {
                sheet: sheet.name.clone(),
                row,
                column: column(&e.field),
                code: e.code,
                params: e.params,
            })
        };
        // The registry as it is (a parent above the writer's scope is named, not read).
        let known = self.store.organisations(&Scope::everything(), None).await?;
        // Looked up by id, by name and region, and by name (one pass each, not one per row).
        let by_id: HashMap<i64, &Organisation> = known.iter().map(|k| (k.id, k)).collect();
        let there: std::collections::HashSet<(&str, &str)> =
            known.iter().map(|k| (k.name.as_str(), k.region_code.as_str())).collect();
        let mut by_name: HashMap<String, Vec<i64>> = HashMap::new();
        for k in &known {
            by_name.entry(k.name.clone()).or_default().push(k.id);
        }
        // Per region: whether it is known and in reach; per parent's region: what lies under it.
        let mut regions: HashMap<String, bool> = HashMap::new();
        let mut subtrees: HashMap<String, Vec<String>> = HashMap::new();
        // Rows: (row number, the organisation, its parent's cell), new ones only.
        let mut rows: Vec<(usize, OrganisationWrite, String)> = Vec::new();
        for (row, r) in &read {
            let kind_cell = sheet.get(r, "kind");
            let kind = OrgKind::ALL.iter().find(|k| k.label(true) == kind_cell).map_or(kind_cell, |k| k.code());
            let input = OrganisationInput {
                name: sheet.get(r, "name").to_string(),
                kind: kind.to_string(),
                region_code: sheet.get(r, "region_code").to_string(),
                parent_id: None,
            };
            let o = match input.validate() {
                Ok(o) => o,
                Err(errs) => {
                    errs.into_iter().for_each(|e| bad(*row, e));
                    continue;
                }
            };
            if there.contains(&(o.name.as_str(), o.region_code.as_str())) {
                out.existing += 1;
                continue;
            }
            rows.push((*row, o, sheet.get(r, "parent").to_string()));
        }
        // Parents: a number, or a name that exactly one organisation (there or in the file) has.
        // New rows get provisional ids below zero.
        let provisional = |i: usize| -(i as i64) - 1;
        let mut parents: Vec<Option<i64>> = Vec::with_capacity(rows.len());
        let mut new_by_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, (_, o, _)) in rows.iter().enumerate() {
            new_by_name.entry(o.name.clone()).or_default().push(i);
        }
        for (row, _, cell) in &rows {
            let cell = cell.trim();
            let found = if cell.is_empty() {
                Ok(None)
            } else if let Ok(id) = cell.trim_start_matches('#').parse::<i64>() {
                if by_id.contains_key(&id) {
                    Ok(Some(id))
                } else {
                    Err(FieldError::new("parent", Code::UnknownOrganisation))
                }
            } else {
                let mut ids: Vec<i64> = by_name.get(cell).cloned().unwrap_or_default();
                ids.extend(new_by_name.get(cell).into_iter().flatten().map(|i| provisional(*i)));
                match ids.as_slice() {
                    [] => Err(FieldError::new("parent", Code::UnknownOrganisation)),
                    [one] => Ok(Some(*one)),
                    _ => Err(FieldError::new("parent", Code::AmbiguousParent).with("name", cell)),
                }
            };
            parents.push(found.unwrap_or_else(|e| {
                bad(*row, e);
                Some(0)
            }));
        }
        // The rules, row by row, on what is there and what the file adds.
        let new_rows: Vec<(OrgKind, String)> = rows.iter().map(|(_, o, _)| (o.kind, o.region_code.clone())).collect();
        for (i, (row, o, _)) in rows.iter_mut().enumerate() {
            o.parent_id = parents[i];
            if o.parent_id == Some(0) {
                continue;
            }
            if !regions.contains_key(&o.region_code) {
                let ok = match self.store.region(&o.region_code).await {
                    Ok(_) => who.scope.has_region(&o.region_code),
                    Err(StoreError::NotFound) => false,
                    Err(other) => return Err(other.into()),
                };
                regions.insert(o.region_code.clone(), ok);
            }
            let parent = match o.parent_id {
                None => None,
                Some(p) if p < 0 => Some(new_rows[(-p - 1) as usize].clone()),
                Some(p) => by_id.get(&p).map(|k| (k.kind, k.region_code.clone())),
            };
            let facts = match parent {
                None => None,
                Some((kind, region)) => {
                    if !subtrees.contains_key(&region) {
                        let below = self.store.region_and_children(&region).await?;
                        subtrees.insert(region.clone(), below);
                    }
                    let contains_region = subtrees.get(&region).is_some_and(|b| b.contains(&o.region_code));
                    Some(ParentFacts { kind, contains_region, below_self: false })
                }
            };
            for e in org_errors(o, None, regions[&o.region_code], facts.as_ref()) {
                bad(*row, e);
            }
        }
        // Insertion order: a row after its parent; rows that never get there form a cycle.
        // (Breadth first from the rows whose parent is already there: one pass.)
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); rows.len()];
        let mut order = Vec::with_capacity(rows.len());
        for (i, (_, o, _)) in rows.iter().enumerate() {
            match o.parent_id {
                Some(p) if p < 0 => children[(-p - 1) as usize].push(i),
                _ => order.push(i),
            }
        }
        let mut next = 0;
        while next < order.len() {
            let i = order[next];
            order.extend(children[i].iter().copied());
            next += 1;
        }
        let mut placed = vec![false; rows.len()];
        for i in &order {
            placed[*i] = true;
        }
        for (i, (row, _, _)) in rows.iter().enumerate() {
            if !placed[i] {
                bad(*row, FieldError::new("parent", Code::ParentCycle));
            }
        }
        out.errors = errors;
        if !out.errors.is_empty() {
            return Ok(out);
        }
        out.created = rows.len() as u64;
        if dry_run {
            return Ok(out);
        }
        let mut tx = self.store.begin().await?;
        let mut ids = vec![0i64; rows.len()];
        for i in order {
            let mut o = rows[i].1.clone();
            if let Some(p) = o.parent_id.filter(|p| *p < 0) {
                o.parent_id = Some(ids[(-p - 1) as usize]);
            }
            ids[i] = tx.insert_organisation(&o).await?;
        }
        let mut a = who.audit("import", "organisation", None, who.region_code.as_deref());
        a.detail =
            serde_json::json!({ "file": name, "rows": out.rows, "created": out.created, "existing": out.existing })
                .to_string();
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(out)
    }
}
