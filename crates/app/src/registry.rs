//! Use cases of the reference data: regions, organisations and standards.

use crate::auth::Principal;
use crate::input::*;
use crate::{App, AppError};
use bangfu_domain::*;
use bangfu_store::*;

impl App {
    /// Checks an organisation's region and parent: a grassroots union sits under a county union,
    /// a county union under the city union (or none), others under nobody.
    async fn check_org_refs(
        &self,
        who: &Principal,
        o: &OrganisationWrite,
        own_id: Option<i64>,
    ) -> Result<(), AppError> {
        let mut e = Errors::default();
        match self.store.region(&o.region_code).await {
            Ok(_) if !who.scope.has_region(&o.region_code) => {
                e.push(FieldError::new("region_code", Code::UnknownRegion))
            }
            Ok(_) => {}
            Err(StoreError::NotFound) => e.push(FieldError::new("region_code", Code::UnknownRegion)),
            Err(other) => return Err(other.into()),
        }
        let wanted = match o.kind {
            OrgKind::GrassrootsUnion => Some(OrgKind::CountyUnion),
            OrgKind::CountyUnion => Some(OrgKind::CityUnion),
            _ => None,
        };
        match (o.parent_id, wanted) {
            (None, Some(OrgKind::CountyUnion)) => e.push(FieldError::new("parent_id", Code::ParentRequired)),
            (None, _) => {}
            (Some(p), _) if Some(p) == own_id => e.push(FieldError::new("parent_id", Code::SelfParent)),
            (Some(_), None) => e.push(FieldError::new("parent_id", Code::ParentNotAllowed)),
            // A parent above the writer's scope (the city union for a county) is named, not read.
            (Some(p), Some(kind)) => match self.store.organisation(&Scope::everything(), p).await {
                Ok(parent) if parent.kind == kind => {}
                Ok(_) => e.push(FieldError::new("parent_id", Code::WrongKind).with_label(
                    "kind",
                    kind.label(true),
                    kind.label(false),
                )),
                Err(StoreError::NotFound) => e.push(FieldError::new("parent_id", Code::UnknownOrganisation)),
                Err(other) => return Err(other.into()),
            },
        }
        e.finish(Some(())).map_err(AppError::Invalid)
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
