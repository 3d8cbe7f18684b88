//! Table and column names, shared by the migrations and the queries.

use sea_query::Iden;

#[derive(Iden, Clone, Copy)]
pub(crate) enum Regions {
    Table,
    Code,
    Name,
    NameEn,
    ParentCode,
    InUse,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum Organisations {
    Table,
    Id,
    Name,
    Kind,
    RegionCode,
    ParentId,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum Households {
    Table,
    Id,
    FileNo,
    HeadName,
    HeadIdNumber,
    HeadIdIndex,
    Phone,
    Address,
    RegionCode,
    UnionId,
    EmployerId,
    RegisteredOn,
    MigrantWorker,
    WorkCapacity,
    Status,
    Synthetic,
    CausesResolved,
    ChildrenCompletedStudies,
    Version,
    CreatedAt,
    UpdatedAt,
    RegisteredBy,
    LabourRelationMonths,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum HouseholdExclusions {
    Table,
    HouseholdId,
    Code,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum MajorEvents {
    Table,
    Id,
    HouseholdId,
    Month,
    Kind,
    Note,
    RecordedBy,
    RecordedAt,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum HouseholdCauses {
    Table,
    HouseholdId,
    Cause,
    RegionCode,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum Members {
    Table,
    Id,
    HouseholdId,
    Name,
    IdNumber,
    IdIndex,
    Relation,
    BirthDate,
    Situation,
    ImportId,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum MonthlyRecords {
    Table,
    HouseholdId,
    Month,
    Members,
    Income,
    GovernmentAssistance,
    NlMedical,
    NlEducation,
    NlEmergency,
    NlAccident,
    NlOther,
    RecordedBy,
    RecordedAt,
    ImportId,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum Standards {
    Table,
    RegionCode,
    Kind,
    FromMonth,
    Amount,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum Enrolments {
    Table,
    Id,
    HouseholdId,
    Scheme,
    FromMonth,
    ToMonth,
    RecordedBy,
    RecordedAt,
    MeasureId,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum UnionAssistance {
    Table,
    Id,
    HouseholdId,
    Date,
    Kind,
    Amount,
    Measure,
    Note,
    RecordedBy,
    RecordedAt,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum Users {
    Table,
    Id,
    Name,
    DisplayName,
    Role,
    RegionCode,
    OrgId,
    Disabled,
    PasswordHash,
    Version,
    CreatedAt,
    UpdatedAt,
    MustChangePassword,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum PasswordHistory {
    Table,
    UserId,
    Hash,
    SetAt,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum Sessions {
    Table,
    TokenHash,
    UserId,
    Csrf,
    CreatedAt,
    LastSeenAt,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum ApiTokens {
    Table,
    Id,
    UserId,
    Name,
    TokenHash,
    CreatedBy,
    CreatedAt,
    RevokedAt,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum AuditLog {
    Table,
    Seq,
    At,
    ActorId,
    ActorName,
    Role,
    Action,
    Entity,
    EntityId,
    RegionCode,
    Result,
    Address,
    Detail,
    PrevHash,
    Hash,
    TokenId,
    HashAlg,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum Policies {
    Table,
    Version,
    Name,
    WindowMonths,
    StockCutoff,
    Multiplier,
    CreatedAt,
    RegionCode,
    Framework,
    FromMonth,
    RelativePercent,
    AccidentPercent,
    MinLabourMonths,
    CreatedBy,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum EvaluationRuns {
    Table,
    Id,
    AsOf,
    PolicyVersion,
    RegionCode,
    StartedBy,
    StartedAt,
    FinishedAt,
    Households,
    Status,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum Determinations {
    Table,
    Id,
    RunId,
    HouseholdId,
    AsOf,
    PolicyVersion,
    RegionCode,
    Pool,
    Complete,
    Eligible,
    Conditions,
    PrimaryCondition,
    Status,
    Basis,
    Results,
    ComputedAt,
    Framework,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum Outcomes {
    Table,
    Id,
    HouseholdId,
    Kind,
    Pathway,
    Reason,
    Status,
    ProposedBy,
    ProposedByName,
    ProposedAt,
    DecidedBy,
    DecidedByName,
    DecidedAt,
    DecisionNote,
    ApprovalDate,
    ReopenReason,
    Version,
    RegionCode,
    UnionId,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum Pairings {
    Table,
    Id,
    HouseholdId,
    HelperOrgId,
    Person,
    StartedOn,
    EndedOn,
    EndReason,
    CreatedBy,
    Version,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum Plans {
    Table,
    Id,
    HouseholdId,
    Year,
    Goals,
    Route,
    CreatedBy,
    CreatedAt,
    UpdatedBy,
    UpdatedAt,
    Version,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum Measures {
    Table,
    Id,
    HouseholdId,
    PlanId,
    Kind,
    Description,
    LeadUnit,
    ResponsibleUnits,
    Person,
    DueOn,
    Status,
    Result,
    DoneOn,
    EnrolmentId,
    CreatedBy,
    CreatedAt,
    UpdatedBy,
    UpdatedAt,
    Version,
    RegionCode,
    UnionId,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum Visits {
    Table,
    Id,
    HouseholdId,
    DueOn,
    Visitor,
    Purpose,
    Status,
    VisitedOn,
    Findings,
    CreatedBy,
    CreatedAt,
    RecordedBy,
    RecordedAt,
    Version,
    RegionCode,
    UnionId,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum HardshipReturns {
    Table,
    Id,
    HouseholdId,
    RunId,
    AsOf,
    FailedMonth,
    Income,
    Threshold,
    DetectedAt,
    Status,
    Decision,
    Note,
    DecidedBy,
    DecidedAt,
    Version,
    RegionCode,
    UnionId,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum Campaigns {
    Table,
    Id,
    Code,
    Name,
    NameEn,
    StockCutoff,
    WithdrawnLeaveDenominator,
    CreatedAt,
    TargetKind,
    CreatedBy,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum CampaignTargets {
    Table,
    CampaignId,
    RegionCode,
    Year,
    Households,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum CampaignYears {
    Table,
    CampaignId,
    Year,
    ShareBp,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum CampaignRegions {
    Table,
    CampaignId,
    RegionCode,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum Verifications {
    Table,
    Id,
    HouseholdId,
    RegionCode,
    UnionId,
    Question,
    AskedBy,
    AskedOn,
    DueOn,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum VerificationAnswers {
    Table,
    Id,
    VerificationId,
    DepartmentId,
    Status,
    Facts,
    AttachmentId,
    AnsweredBy,
    AnsweredAt,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum Attachments {
    Table,
    Id,
    Name,
    ContentType,
    Data,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum Rosters {
    Table,
    Id,
    DepartmentId,
    Kind,
    FileName,
    RegionCode,
    UnionId,
    UploadedBy,
    UploadedAt,
    RowsTotal,
    Matched,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum RosterRows {
    Table,
    Id,
    RosterId,
    RowNo,
    IdNumber,
    Name,
    Fact,
    Since,
    Note,
    HouseholdId,
    RegionCode,
    UnionId,
    Person,
    Suggestion,
    Decision,
    DecidedBy,
    DecidedAt,
    OutcomeId,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum Evidence {
    Table,
    Id,
    HouseholdId,
    Day,
    Source,
    SourceId,
    DepartmentId,
    Summary,
    AttachmentId,
    RecordedBy,
    RecordedAt,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum JointMembers {
    Table,
    Id,
    Name,
    OrganisationId,
    Responsible,
    Liaison,
    Phone,
    Position,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum Meetings {
    Table,
    Id,
    HeldOn,
    Title,
    Place,
    Attendees,
    Minutes,
    RecordedBy,
    RecordedAt,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum MeetingDecisions {
    Table,
    MeetingId,
    Position,
    Text,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum SupervisedTasks {
    Table,
    Id,
    MeetingId,
    Title,
    LeadMemberId,
    Deadline,
    Status,
    Progress,
    Version,
    UpdatedBy,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum FundFindings {
    Table,
    Id,
    EntryId,
    Kind,
    RelatedEntryId,
    HouseholdId,
    RegionCode,
    UnionId,
    Day,
    Amount,
    Detail,
    Status,
    Note,
    ExplainedBy,
    ExplainedAt,
    FoundAt,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum IdempotencyKeys {
    Table,
    UserId,
    IdemKey,
    RequestHash,
    Status,
    Body,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum SecondFactors {
    Table,
    UserId,
    Secret,
    Enabled,
    LastStep,
    Recovery,
    CreatedAt,
    EnabledAt,
}
