//! The catalogue of messages: every error Bangfu can report, by code, in Chinese and English,
//! with named parameters (`{max}`) filled in when shown. An error carries its [`Code`] and
//! parameters, never a sentence; the page, the API and the command line ask the catalogue for
//! the words in their reader's language. A code without Chinese does not compile (each entry
//! names both), and the tests check that every Chinese text is Chinese and that both texts name
//! the same parameters.

use std::fmt;

/// A parameter of a message: a text shown as is (a number, a file number, a date), or a label
/// with its Chinese and English forms (a role, a kind of organisation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Param {
    /// Shown as is in both languages.
    Text(String),
    /// A vocabulary's label.
    Label {
        /// Chinese.
        zh: &'static str,
        /// English.
        en: &'static str,
    },
}

impl Param {
    fn text(&self, zh: bool) -> &str {
        match self {
            Param::Text(s) => s,
            Param::Label { zh: z, en } => {
                if zh {
                    z
                } else {
                    en
                }
            }
        }
    }
}

/// Defines the catalogue: `Code`, `Code::ALL`, `code()`, `from_code()`, `template()`.
macro_rules! messages {
    ($($(#[$vmeta:meta])* $variant:ident = ($code:literal, $zh:literal, $en:literal)),+ $(,)?) => {
        /// What went wrong, as a stable code (`required`, `invalid_check_digit`…). The API sends
        /// it as `code`; the catalogue gives its words.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code { $($(#[$vmeta])* $variant),+ }

        impl Code {
            /// Every code.
            pub const ALL: &'static [Code] = &[$(Code::$variant),+];

            /// The stable code.
            pub fn code(self) -> &'static str {
                match self { $(Code::$variant => $code),+ }
            }

            /// The code named `code`.
            pub fn from_code(code: &str) -> Option<Code> {
                match code { $($code => Some(Code::$variant),)+ _ => None }
            }

            /// The text with its `{parameters}` unfilled, in Chinese (`zh`) or English.
            pub fn template(self, zh: bool) -> &'static str {
                match (self, zh) { $((Code::$variant, true) => $zh, (Code::$variant, false) => $en),+ }
            }
        }
    };
}

impl Code {
    /// The message with `params` filled in; a parameter the text does not name is left out, one
    /// it names but `params` lacks is shown empty.
    pub fn message(self, zh: bool, params: &[(&'static str, Param)]) -> String {
        fill(self.template(zh), |name| params.iter().find(|(n, _)| *n == name).map(|(_, p)| p.text(zh)))
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Compares with a code as text (`e.code == "required"`), as tests and programs name them.
impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.code() == *other
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// Fills `{name}` placeholders of `template` from `value`.
pub fn fill<'a>(template: &str, value: impl Fn(&str) -> Option<&'a str>) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        match rest[open..].find('}') {
            Some(close) => {
                let name = &rest[open + 1..open + close];
                out.push_str(value(name).unwrap_or(""));
                rest = &rest[open + close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The `{names}` a template uses, in order.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        match rest[open..].find('}') {
            Some(close) => {
                out.push(&rest[open + 1..open + close]);
                rest = &rest[open + close + 1..];
            }
            None => break,
        }
    }
    out
}

messages! {
    // ---- any field
    /// A value is needed.
    Required = ("required", "必填", "is required"),
    /// Longer than allowed.
    TooLong = ("too_long", "最多 {max} 个字", "must be at most {max} characters"),
    /// Holds a control character.
    ControlCharacter = ("control_character", "含有不允许的控制字符", "must not contain control characters"),
    /// Not one of a closed vocabulary's codes.
    UnknownCode = ("unknown_code", "不是可选的值", "must be one of: {allowed}"),
    /// Outside a range of numbers.
    OutOfRange = ("out_of_range", "应在 {min} 至 {max} 之间", "must be from {min} to {max}"),
    /// Not a whole number.
    NotWholeNumber = ("not_whole_number", "应为整数", "must be a whole number"),
    /// A value that does not belong here.
    NotAllowed = ("not_allowed", "此处不能填写", "is not allowed here"),
    /// Appears twice where it must appear once.
    Duplicate = ("duplicate", "重复出现", "appears twice"),
    /// More items than one request may carry.
    TooMany = ("too_many", "一次最多 {max} 项", "at most {max} in one request"),
    /// Something that must be “yes” or “no”.
    YesOrNo = ("yes_or_no", "应为“是”或“否”", "must be 是 or 否 (yes or no)"),
    /// A campaign's cumulative shares, not one per year.
    SharesPerYear = ("shares_per_year", "应为每年一个累计比例（%），共 {years} 个，用逗号分隔，如 30,55,80,100", "give one cumulative percent per year, {years} in all, separated by commas (e.g. 30,55,80,100)"),
    /// Cumulative targets falling from one year to the next.
    NotIncreasing = ("not_increasing", "累计目标不能逐年减少", "cumulative targets cannot fall from one year to the next"),
    /// `1` or `0`.
    OneOrZero = ("one_or_zero", "应为 1 或 0", "must be 1 or 0"),

    // ---- lists and their filters
    /// A pathway asked for together with "achieved", which covers them all.
    WhyWithAchieved = (
        "why_with_achieved",
        "“已实现”包括各种途径的脱困和解困，不能再按途径筛选",
        "achieved covers exits and reliefs of every pathway; leave the pathway out"
    ),
    /// A pathway or reason asked for an outcome kind that has none.
    WhyNotAllowed = ("why_not_allowed", "只有脱困和退出档案才能按途径或原因筛选", "only an exit or a withdrawal has a pathway or reason"),
    /// A pathway or approval days without the outcome's kind.
    OutcomeKindRequired = ("outcome_required", "按途径或审批日期筛选时，请先选择结果类型", "a pathway or approval days need the outcome's kind"),
    /// Detection days without the state of the return flags.
    ReturnStateRequired = (
        "returned_required",
        "按发现日期筛选时，请先选择返困预警的状态（或“全部”）",
        "detection days need the flag's state (or any)"
    ),
    /// A condition without the evaluation run.
    RunRequired = ("run_required", "按条件筛选时，请先选择评估批次", "a condition needs its evaluation run"),
    /// An evaluation run without the condition.
    ConditionRequired = ("condition_required", "选择评估批次时，请同时选择条件", "a run needs the condition asked for"),

    // ---- dates and months
    /// Not a real date.
    InvalidDate = ("invalid_date", "应为日期，如 2026-12-04", "must be a real date written YYYY-MM-DD"),
    /// Not a month.
    InvalidMonth = ("invalid_month", "应为月份，如 2026-12", "must be a month written YYYY-MM"),
    /// Neither a date nor a month.
    InvalidDateOrMonth = (
        "invalid_date_or_month",
        "应为日期（如 2026-12-04）或月份（如 2026-12）",
        "must be a date (YYYY-MM-DD) or a month (YYYY-MM)"
    ),
    /// Later than today.
    InFuture = ("in_future", "不能晚于今天", "must not be in the future"),
    /// Earlier than today.
    InPast = ("in_past", "不能早于今天", "must not be before today"),
    /// An end before its start.
    BeforeFrom = ("before_from", "不能早于起始月", "must not be earlier than the start"),

    // ---- people, places, organisations
    /// Not the shape of a resident ID.
    InvalidIdNumber = (
        "invalid_id_number",
        "应为18位居民身份证号码：17位数字加1位数字或X",
        "must be an 18-character resident ID: 17 digits then a digit or X"
    ),
    /// The ID's birth date does not exist.
    InvalidBirthDate = ("invalid_birth_date", "身份证号码中的出生日期不存在", "the birth date in the resident ID does not exist"),
    /// The ID's check digit is wrong.
    InvalidCheckDigit = ("invalid_check_digit", "身份证号码校验位错误，请核对", "the check digit of the resident ID is wrong"),
    /// A birth date that the ID contradicts.
    DisagreesWithId = ("disagrees_with_id", "与身份证号码中的出生日期不一致", "differs from the birth date in the resident ID"),
    /// A birth date is needed without an ID.
    BirthDateRequired = ("birth_date_required", "没有身份证号码时须填写出生日期", "is required when there is no resident ID"),
    /// The ID is listed in this household already.
    DuplicateInHousehold = ("duplicate_in_household", "该身份证号码已在本户成员中", "this resident ID is already listed in this household"),
    /// The ID belongs to a household still in the file.
    IdNumberOnFile = (
        "id_number_on_file",
        "该身份证号码已属于仍在档的家庭 {file_no}",
        "this resident ID already belongs to household {file_no}, which is still in the file"
    ),
    /// The ID is on a file outside the caller's scope (which one is not said).
    IdNumberOutOfScope = (
        "id_number_out_of_scope",
        "该身份证号已在其他地区建档，请联系上级工会核实",
        "this resident ID is on file in another region; ask the union above you to check"
    ),
    /// Not a phone number.
    InvalidPhone = ("invalid_phone", "电话只能包含数字、空格、+ 和 -", "may hold only digits, spaces, '+' and '-'"),
    /// Not a file number.
    InvalidFileNo = ("invalid_file_no", "档案编号只能包含字母、数字和 -", "may hold only letters, digits and '-'"),
    /// The file number is used.
    FileNoTaken = ("file_no_taken", "档案编号 {file_no} 已被使用", "file number {file_no} is already used"),
    /// Not a region code.
    InvalidRegionCode = ("invalid_region_code", "应为6位行政区划代码", "must be a six-digit GB/T 2260 region code"),
    /// No such region.
    UnknownRegion = ("unknown_region", "没有这个行政区划", "no such region"),
    /// A city where a county is needed.
    NotCounty = ("not_county", "应选择县（市、区），不能是市本级", "must be a district or county, not a city"),
    /// No such organisation (in scope).
    UnknownOrganisation = ("unknown_organisation", "没有这个单位", "no such organisation"),
    /// An organisation of the wrong kind.
    WrongKind = ("wrong_kind", "单位类型不符，应为{kind}", "must be a {kind}"),
    /// A grassroots union without its county union.
    ParentRequired = ("parent_required", "基层工会须选择上级工会", "a grassroots union must name the union it reports to"),
    /// An organisation named as its own parent.
    SelfParent = ("self_parent", "单位不能是自己的上级", "an organisation cannot be its own parent"),
    /// A parent for an organisation that has none.
    ParentNotAllowed = ("parent_not_allowed", "只有工会才有上级单位", "only unions have a parent"),
    /// A union reporting to one of its own level or below (全总 → 省总 → 市总 → 县总 → 基层).
    ParentLevel = ("parent_level", "上级工会的层级应高于本单位（全总→省总→市总→县总→基层）", "the parent must be a union of a higher level (national → provincial → city → county → grassroots)"),
    /// A parent whose region does not contain the organisation's.
    ParentRegion = ("parent_region", "所在地区不在上级工会的地区范围内", "the region is not within the parent union's region"),
    /// A parent named by a name that several organisations have.
    AmbiguousParent = ("ambiguous_parent", "有多个单位名为“{name}”，请填写上级单位的编号", "several organisations are called “{name}”: give the parent's number"),
    /// A parent under the organisation itself.
    ParentCycle = ("parent_cycle", "上级工会不能是本单位的下级", "the parent cannot be under this organisation"),
    /// Something still refers to the organisation.
    InUse = ("in_use", "仍有家庭或其他单位引用该单位，不能删除", "households or other organisations refer to this organisation"),
    /// No such user.
    UnknownUser = ("unknown_user", "没有这个用户", "no such user"),
    /// The user name is used.
    NameTaken = ("name_taken", "用户名 {name} 已被使用", "the name {name} is already used"),
    /// A user name of the wrong shape.
    BadUserName = ("bad_user_name", "用户名为 2–40 个字母、数字、“.”、“_”或“-”", "2–40 characters: letters, digits, '.', '_' or '-'"),
    /// A password too short.
    PasswordTooShort = ("password_too_short", "密码至少 {min} 个字符", "a password needs at least {min} characters"),
    /// A password of too few kinds of character.
    PasswordTooSimple = ("password_too_simple", "密码须包含至少 {classes} 类字符（大写字母、小写字母、数字、其他字符）", "a password needs at least {classes} kinds of character (upper-case, lower-case, digits, others)"),
    /// A password too long.
    PasswordTooLong = ("password_too_long", "密码最多 200 个字符", "a password has at most 200 characters"),
    /// A password set with the other fields.
    PasswordSeparately = ("password_separately", "密码须单独设置", "set a password with PUT /api/v1/users/{id}/password"),
    /// The three administrators are set on the server's command line only.
    AdministratorOnCommandLine = ("administrator_on_command_line", "系统管理员、安全管理员、审计管理员账号只能由信息中心在服务器命令行设置（三员分立）", "the system, security and audit administrators' accounts are set only on the server's command line (separation of duties)"),
    /// Sign-in needs the account's dynamic code.
    SecondFactorRequired = ("second_factor_required", "请输入验证器应用中显示的 6 位动态口令（或一个恢复码）", "enter the 6-digit code your authenticator app shows (or a recovery code)"),
    /// A dynamic code that is wrong, expired or used already.
    SecondFactorWrong = ("second_factor_wrong", "动态口令不正确、已过期或已使用过", "the code is wrong, expired or used already"),
    /// Two-factor sign-in is on already.
    SecondFactorEnabled = ("second_factor_enabled", "双因素认证已开启", "two-factor sign-in is on already"),
    /// No enrolment begun (or nothing to reset).
    SecondFactorNotStarted = ("second_factor_not_started", "尚未开始设置双因素认证", "two-factor sign-in has not been set up"),
    /// An administrator who must first set up two-factor sign-in.
    SecondFactorDue = ("second_factor_due", "管理员须先开启双因素认证", "an administrator must set up two-factor sign-in first"),
    /// One of the account's last passwords again.
    PasswordReused = ("password_reused", "新密码不能与最近 5 次使用过的密码相同", "the new password may not be one of the last 5 used"),
    /// The current password given is not the account's.
    WrongCurrentPassword = ("wrong_current_password", "当前密码不正确", "the current password is wrong"),
    /// The new password and its repetition differ.
    PasswordsDiffer = ("passwords_differ", "两次输入的新密码不一致", "the two new passwords differ"),
    /// A session whose password must be changed first.
    PasswordChangeDue = ("password_change_due", "请先修改由他人设置的初始密码", "change the password someone else set first"),
    /// A service account signs in with no password.
    NoPasswordForService = ("no_password_for_service", "部门系统接口账号不设密码，只凭 API 令牌访问", "a department system's account has no password: it uses API tokens alone"),
    /// A service account stays one, a person's account stays a person's.
    ServiceRoleFixed = ("service_role_fixed", "部门系统接口账号与人员账号不能互相转换，请另建账号", "a service account cannot become a person's account or the reverse: create another account"),
    /// A call a service account's token may not make.
    ServiceAccountApiOnly = ("service_account_api_only", "部门系统接口账号只能调用本部门的数据交换接口", "a department system's token is accepted only by its department's exchange operations"),
    /// This role needs an organisation.
    OrganisationRequired = ("organisation_required", "{role}须指定所在单位", "a {role} user needs an organisation"),
    /// This role needs a region.
    RegionRequired = ("region_required", "{role}须指定地区", "a {role} user needs a region"),
    /// An organisation for a role that has none.
    OrganisationNotAllowed = (
        "organisation_not_allowed",
        "只有基层工会工作人员和成员单位联络员才指定单位",
        "only grassroots staff and liaisons have an organisation"
    ),
    /// The token is revoked already.
    AlreadyRevoked = ("already_revoked", "该令牌已吊销", "the token is already revoked"),

    // ---- money
    /// Not an amount.
    NotAnAmount = ("not_a_number", "应为金额（元），如 1234.50", "must be an amount in yuan such as 1234.50"),
    /// Below zero.
    Negative = ("negative", "不能为负数", "must not be negative"),
    /// Fractions of a fen.
    FractionOfFen = ("fraction_of_fen", "最多两位小数（精确到分）", "must have at most two decimals (whole fen)"),
    /// Too large a number.
    TooLarge = ("too_large", "数值过大", "is too large"),
    /// Zero where more is needed.
    NotPositive = ("not_positive", "应大于零", "must be more than zero"),
    /// Government aid above the income it is part of.
    ExceedsIncome = ("exceeds_income", "政府救助不能超过家庭收入（收入含政府救助）", "must not exceed income (income includes government assistance)"),

    // ---- the file
    /// A month twice.
    DuplicateMonth = ("duplicate_month", "该月份重复", "this month appears twice"),
    /// Monthly records sent without any month.
    MonthsRequired = ("months_required", "请至少填写一个月的收支", "at least one month is required"),
    /// No cause given.
    CausesRequired = ("causes_required", "至少选择一项致困原因", "at least one hardship cause is required"),
    /// The file has payments and cannot be deleted.
    HasPayments = (
        "has_payments",
        "该户在资金台账中有收支记录，不能删除档案，只能退出档案",
        "the household has entries in the funds ledger: its file cannot be deleted, only withdrawn"
    ),
    /// A standard for that region and month exists.
    DuplicateStandard = ("duplicate_standard", "该地区自 {from} 起的{kind}已存在", "a {kind} from {from} already exists for this region"),

    // ---- outcomes, pairing, case work
    /// An exit without its pathway.
    PathwayRequired = ("pathway_required", "脱困须选择脱困途径", "an exit needs its pathway"),
    /// A withdrawal without its reason.
    WithdrawalReasonRequired = ("withdrawal_reason_required", "退出档案须选择原因", "a withdrawal needs its reason (death, failed_recheck, moved_away, other)"),
    /// A relief with a pathway.
    ReliefHasNoPathway = ("relief_has_no_pathway", "解困不选择途径", "a relief has no pathway"),
    /// Sending back without saying why.
    NoteRequired = ("note_required", "退回时须填写意见", "say why the proposal goes back"),
    /// A proposal is waiting already.
    ProposalPending = ("proposal_pending", "该家庭已有待审批的结果，请先审批或退回", "a proposal for this household is still waiting for a decision"),
    /// The proposer deciding their own proposal.
    OwnProposal = ("own_proposal", "提出人不能审批自己提出的结果", "whoever proposed an outcome cannot decide it"),
    /// The household is out of the file.
    NotInFile = ("not_in_file", "该家庭已不在档", "the household is no longer in the file"),
    /// The outcome is not waiting.
    NotProposed = ("not_proposed", "该结果不在待审批状态", "the outcome is not waiting for a decision"),
    /// Reopening what was not approved.
    NotApproved = ("not_approved", "只有已批准的结果才能重新打开", "only an approved outcome can be reopened"),
    /// Decided already.
    Decided = ("decided", "已经处理过", "has been decided already"),
    /// Paired already.
    AlreadyPaired = ("already_paired", "该家庭已结对，请先结束原结对", "the household is already paired; end that pairing first"),
    /// Ended already.
    AlreadyEnded = ("already_ended", "该结对已结束", "the pairing has already ended"),
    /// An end before the pairing began.
    BeforeStart = ("before_start", "不能早于结对开始日期", "must not be before the pairing began"),
    /// 不达目标不脱钩.
    GoalNotReached = (
        "goal_not_reached",
        "该家庭尚未脱困或解困，不达目标不脱钩",
        "the household has neither exited nor been relieved: the pairing stays until the goal is reached (不达目标不脱钩)"
    ),
    /// A form sent without the version it was read at.
    VersionRequired = ("version_required", "缺少记录版本，请刷新页面后重试", "send the version you read"),
    /// A measure done without its result.
    ResultRequired = ("result_required", "措施完成时须填写结果", "say what the measure achieved"),
    /// An enrolment recorded before the measure is done.
    EnrolmentNotDone = ("enrolment_not_done", "措施完成后才能记录纳入救助", "an enrolment is recorded when the measure is done"),
    /// Recorded already.
    AlreadyRecorded = ("already_recorded", "已经记录过", "is already recorded"),
    /// A plan for that year exists.
    PlanExists = ("plan_exists", "该户 {year} 年已有帮扶计划，请修改原计划", "the household already has a plan for {year}; change that plan"),
    /// No plan for the measure's year.
    NoPlan = ("no_plan", "该户还没有 {year} 年的帮扶计划，请先制定计划", "the household has no plan for {year}: write the plan first"),
    /// No such plan.
    UnknownPlan = ("unknown_plan", "该户没有这个帮扶计划", "no such plan for this household"),
    /// Nothing to reopen.
    NothingToReopen = ("nothing_to_reopen", "该户没有已批准的脱困或解困可以重新打开", "the household has no approved exit or relief to reopen"),
    /// A measure of another household.
    UnknownMeasure = ("unknown_measure", "该户没有这项帮扶措施", "no such measure of this household"),

    // ---- exchange with departments
    /// A roster row that matched nobody.
    Unmatched = ("unmatched", "该行没有匹配到家庭", "this row matched no household"),
    /// No department chosen.
    DepartmentsRequired = ("departments_required", "至少选择一个部门", "choose at least one department"),
    /// A roster without the department it comes from.
    DepartmentRequired = ("department_required", "请选择名单来源部门", "choose the department the roster comes from"),
    /// A roster without rows.
    EmptyRoster = ("empty", "名单中没有数据行", "the roster has no rows"),
    /// A file (an attachment, an import) larger than allowed.
    FileTooLarge = ("file_too_large", "文件不能超过 {max} MB", "the file must be at most {max} MB"),
    /// An attachment without a usable name.
    BadFileName = ("bad_name", "文件须有名称，最多 {max} 个字", "the file needs a name of at most {max} characters"),
    /// An attachment of a kind not accepted (judged by its bytes, not its name).
    FileTypeNotAllowed = ("file_type_not_allowed", "只接受 PDF、JPEG 或 PNG 文件", "only PDF, JPEG or PNG files are accepted"),
    /// An attachment's content that is not base64.
    NotBase64 = ("not_base64", "文件内容须为 base64 编码", "the file's content must be base64"),
    /// An Idempotency-Key that is empty, too long or not plain ASCII.
    BadIdempotencyKey = ("bad_idempotency_key", "Idempotency-Key 须为 1 至 255 个可见 ASCII 字符", "the Idempotency-Key must be 1 to 255 visible ASCII characters"),
    /// An Idempotency-Key sent before with a different request.
    IdempotencyKeyReused = ("idempotency_key_reused", "该 Idempotency-Key 已用于另一个请求", "this Idempotency-Key was used for a different request"),
    /// The request of this Idempotency-Key is still being worked on.
    IdempotencyInProgress = ("idempotency_in_progress", "相同的请求正在处理中，请稍后再试", "the same request is being worked on: try again shortly"),
    /// A poll's cursor that is not one Bangfu gave.
    BadCursor = ("bad_cursor", "游标无效：请使用上次返回的 next_cursor", "not a cursor: use the next_cursor of the previous answer"),
    /// Not a member department.
    NotDepartment = ("not_department", "{id} 不是联席会议成员部门", "{id} is not a member department"),
    /// Answered already.
    Answered = ("answered", "本部门已答复过该请求", "your department has answered this request already"),
    /// Too many decisions in a meeting.
    TooManyDecisions = ("too_many_decisions", "最多 100 项决定，每项最多 1000 字", "at most 100 decisions of 1,000 characters each"),
    /// Not a member unit.
    MemberNameTaken = ("member_name_taken", "已有名为“{name}”的成员单位", "a member unit named {name} exists"),
    /// Not a member unit of the joint meeting.
    UnknownMember = ("unknown_member", "不是联席会议成员单位", "not a member unit of the joint meeting"),
    /// No such meeting.
    UnknownMeeting = ("unknown_meeting", "没有这个会议", "no such meeting"),

    // ---- funds
    /// A union paying itself.
    SameUnion = ("same_union", "工会不能向自己拨款", "a union cannot allocate to itself"),
    /// No such fund.
    UnknownFund = ("unknown_fund", "没有这项资金", "no such fund"),
    /// A fund name used already.
    FundNameTaken = ("fund_name_taken", "已有名为“{name}”的资金", "a fund named {name} exists"),
    /// No such union (in scope).
    UnknownUnion = ("unknown_union", "您的权限范围内没有这个工会", "no such union within your reach"),
    /// A payment the union's balance cannot cover, on its day or a later one.
    InsufficientBalance = (
        "insufficient_balance",
        "余额不足：{union}该项资金在 {day} 的余额为 {balance} 元（此后最低余额 {lowest} 元），需要 {amount} 元",
        "{union} has {balance} yuan of this fund on {day} (lowest balance from then on: {lowest} yuan); {amount} yuan are needed"
    ),
    /// A reversal dated before the entry it reverses.
    BeforeEntry = ("before_entry", "不能早于原记录日期 {day}", "must not be before the entry's date {day}"),
    /// Reversing a reversal.
    IsReversal = ("is_reversal", "冲销记录不能再冲销，如有错误请另录一笔", "a reversal cannot itself be reversed; record a new entry"),
    /// Reversing an entry not approved.
    EntryNotApproved = (
        "entry_not_approved",
        "只有已批准的记录才能冲销，待审批的记录请直接驳回",
        "only an approved entry is reversed; reject a pending one"
    ),
    /// Reversed already.
    AlreadyReversed = ("already_reversed", "该记录已冲销，不能重复冲销", "the entry is already reversed"),
    /// Whoever recorded an entry deciding it.
    OwnEntry = ("own_entry", "录入人不能审批自己录入的记录", "whoever recorded an entry cannot approve or reject it"),
    /// Explaining a finding not open.
    FindingNotOpen = ("not_open", "只有待说明的监管发现才能填写说明", "only an open finding is explained"),

    // ---- import (files of households, departments' rosters)
    /// A file whose name says neither .xlsx nor .csv.
    FileType = ("file_type", "文件应为 .xlsx 或 .csv 格式", "the file must be .xlsx or .csv"),
    /// A .csv file in neither encoding.
    BadEncoding = ("encoding", "文件既不是 UTF-8 也不是 GBK 编码，请另存为 UTF-8 编码的 CSV 文件后重试", "the file is neither UTF-8 nor GBK text"),
    /// A workbook that does not open.
    NotXlsx = ("not_xlsx", "无法读取该 .xlsx 工作簿，请用 Excel 或 WPS 重新保存后再试", "not a readable .xlsx workbook: {detail}"),
    /// A sheet of a workbook that does not read.
    UnreadableSheet = ("unreadable_sheet", "无法读取工作表“{sheet}”，请检查后重试", "sheet {sheet} cannot be read: {detail}"),
    /// A row of a .csv file that does not read.
    BadCsv = ("bad_csv", "CSV 文件第 {row} 行无法读取", "row {row} of the .csv file cannot be read: {detail}"),
    /// A workbook without the sheets an import reads.
    NoSheet = ("no_sheet", "工作簿中没有名为{sheets}的工作表", "the workbook has no sheet named {sheets}"),
    /// A workbook without any sheet.
    EmptyWorkbook = ("empty_workbook", "工作簿中没有工作表", "the workbook has no sheet"),
    /// More rows than one import takes.
    TooManyRows = ("too_many_rows", "一次最多导入 {max} 行，请分批导入", "at most {max} rows in one import"),
    /// A file with more columns than a sheet of an import has.
    TooManyColumns = ("too_many_columns", "第 {row} 行超过 {max} 列，请检查文件", "row {row} has more than {max} columns"),
    /// A cell longer than any field takes.
    CellTooLong = ("cell_too_long", "单元格超过 {max} 个字", "a cell longer than {max} characters"),
    /// A part of a workbook larger, once inflated, than allowed (a "zip bomb").
    XlsxPartTooLarge = (
        "xlsx_part_too_large",
        "工作簿中的“{part}”解压后超过 {max} MB，无法导入；请删除无关内容或分成多个文件",
        "{part} of the workbook is larger than {max} MB once inflated"
    ),
    /// A part of a workbook that inflates far more than real spreadsheets do.
    XlsxRatio = (
        "xlsx_ratio",
        "工作簿中的“{part}”压缩比超过 {max} 倍，不像正常的表格文件，无法导入",
        "{part} of the workbook inflates more than {max} times: not an ordinary spreadsheet"
    ),
    /// A part of a workbook whose inflated size differs from its directory's.
    XlsxSizeMismatch = (
        "xlsx_size_mismatch",
        "工作簿中的“{part}”实际大小与目录记载不符，文件可能已损坏或被篡改",
        "{part} of the workbook inflates to more than its directory says"
    ),
    /// A workbook with more parts than a spreadsheet has.
    XlsxTooManyParts = ("xlsx_too_many_parts", "工作簿包含超过 {max} 个部件，无法导入", "the workbook has more than {max} parts"),
    /// Zero-width or direction-changing characters in a text.
    InvisibleCharacter = (
        "invisible_character",
        "不能包含零宽字符或改变文字方向的控制字符",
        "must not hold zero-width or direction-changing characters"
    ),
    /// A month or date outside the years a file can concern.
    YearOutOfRange = ("year_out_of_range", "年份应在 1900 至 2100 之间", "the year must be between 1900 and 2100"),
    /// Too many answers "not found" in a minute: someone walking through ids.
    TooManyMisses = (
        "too_many_misses",
        "短时间内查询了过多不存在或无权查看的记录，请一分钟后再试",
        "too many records not found or out of reach in a minute; try again in a minute"
    ),
    /// An administrator asking for someone else's API token.
    TokenForSelfOnly = (
        "token_for_self_only",
        "管理员只能为自己或部门系统接口账号签发 API 令牌；其他人员的令牌由信息中心在服务器上用命令行签发",
        "an administrator issues API tokens only to themselves or to a department system's account; a person's are issued on the server's command line"
    ),
    /// An upload that broke off before its end.
    UploadBroken = ("upload_broken", "上传中断，请重新上传", "the upload broke off; send the file again"),
    /// Another import is being checked or written.
    ImportBusy = (
        "import_busy",
        "另一个导入正在进行，请稍后再试",
        "another import is running; try again in a moment"
    ),
    /// An import stopped by its uploader (the connection closed) or a restart.
    ImportCancelled = ("import_cancelled", "导入已中止，已写入的部分已撤回", "the import was stopped; what it had written is undone"),
    /// A header that is none of the sheet's columns.
    UnknownColumn = (
        "unknown_column",
        "第 {position} 列“{column}”不是本表的列，本表的列为：{columns}",
        "column {position} ({column}) is not one of this sheet's: {columns}"
    ),
    /// A required column missing.
    MissingColumn = ("missing_column", "本表缺少“{column}”列", "the sheet needs a column {column}"),
    /// A member's or month's row whose head is nowhere.
    NoHousehold = (
        "no_household",
        "文件的“家庭”表中和您权限范围内的在档家庭中都没有这个户主",
        "no household with this head in the file's 家庭 sheet or on file in your scope"
    ),
    /// A head registered outside the importer's scope while the import ran.
    RegisteredMeanwhile = (
        "registered_meanwhile",
        "导入期间，{id_number} 已被登记为您权限范围之外某户的户主，请核对后重新导入",
        "{id_number} heads a household outside your scope (registered meanwhile); import again"
    ),
    /// A row's region and union that could not be checked (the database failed).
    Unavailable = ("unavailable", "暂时无法核对地区和工会，请稍后重新导入", "the region and union could not be checked just now; import again later"),

    // ---- requests as a whole
    /// No such record, or not in the caller's scope (the two look alike).
    NotFound = ("not_found", "没有找到该记录", "no such record"),
    /// No such API endpoint.
    NoSuchEndpoint = ("no_such_endpoint", "没有这个接口", "no such endpoint"),
    /// Changed by someone else meanwhile.
    Stale = ("stale", "记录已被他人修改，请刷新后重试", "the record was changed since you read it; read it again"),
    /// An update without If-Match.
    IfMatchRequired = ("if_match_required", "请在 If-Match 请求头中发送读取时的 ETag", "send the ETag you read in an If-Match header"),
    /// The role does not allow it.
    Forbidden = ("forbidden", "您的角色无权进行此操作", "your role does not allow this"),
    /// Wrong name or password.
    Unauthenticated = ("unauthenticated", "用户名或密码不正确", "the user name or password is not correct"),
    /// Not signed in.
    SignInRequired = ("sign_in_required", "请先登录，或以 Authorization: Bearer 发送 API 令牌", "sign in, or send an API token as Authorization: Bearer …"),
    /// An unknown or revoked token.
    BadToken = ("bad_token", "API 令牌无效或已吊销", "the API token is unknown or revoked"),
    /// Too many failed sign-ins for an account.
    LockedAccount = ("locked_account", "该账户登录失败次数过多，已锁定 15 分钟，请稍后再试", "too many failed sign-ins for this account; try again in 15 minutes"),
    /// Too many failed sign-ins from an address.
    LockedAddress = ("locked_address", "来自此地址的登录失败次数过多，已锁定 15 分钟，请稍后再试", "too many failed sign-ins from this address; try again in 15 minutes"),
    /// A form that did not come from Bangfu, or expired.
    Csrf = ("csrf", "表单已过期或并非来自本系统，请刷新页面后重试", "this form has expired or did not come from Bangfu; reload the page and try again"),
    /// A body that is not JSON.
    UnsupportedMediaType = ("unsupported_media_type", "请以 JSON 发送（Content-Type: application/json）", "send JSON with Content-Type: application/json"),
    /// A body too large.
    BodyTooLarge = ("body_too_large", "内容过大，最多 {max} 字节", "the body must be at most {max} bytes"),
    /// Broken JSON.
    MalformedJson = ("malformed_json", "JSON 格式错误：{detail}", "the body is not valid JSON: {detail}"),
    /// A JSON value of the wrong type.
    WrongType = ("wrong_type", "类型不对", "has the wrong type: {detail}"),
    /// A query string that does not parse.
    BadQuery = ("bad_query", "查询参数有误", "the query string is malformed: {detail}"),
    /// A write the database refused as conflicting with a stored record.
    Conflict = ("conflict", "与已有记录冲突，请刷新后重试", "conflicts with a stored record; read it again"),
    /// Changed meanwhile (an import whose households changed while it ran).
    ChangedMeanwhile = ("changed_meanwhile", "导入期间数据已被修改，请重新导入", "a household of the file changed meanwhile; import again"),
    /// The database is not empty (demo data).
    DatabaseNotEmpty = ("database_not_empty", "数据库中已有 {count} 户，演示数据只能写入空数据库", "the database already holds {count} households; demo data goes into an empty database"),
    /// A resident ID put in a URL.
    IdInUrl = ("id_in_url", "身份证号码不能放在网址中，请用 POST /api/v1/households/search 搜索", "resident IDs must not travel in a URL: send the search to POST /api/v1/households/search"),
    /// A case file that breaks the rule engine's contract (its parser says how, in English).
    InvalidCase = ("invalid_case", "案例文件不符合规则引擎的格式：{detail}", "{detail}"),
    /// A fault of ours.
    Internal = ("internal", "系统内部错误，已记录", "internal error; it has been logged"),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has_cjk(s: &str) -> bool {
        s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    }

    #[test]
    fn every_code_has_chinese_and_english_naming_the_same_parameters() {
        let mut codes = std::collections::HashSet::new();
        for c in Code::ALL {
            assert!(codes.insert(c.code()), "{} is defined twice", c.code());
            assert_eq!(Code::from_code(c.code()), Some(*c));
            let (zh, en) = (c.template(true), c.template(false));
            assert!(has_cjk(zh), "{}: the Chinese text {zh:?} has no Chinese", c.code());
            assert!(!en.is_empty(), "{}: no English", c.code());
            let mut a = placeholders(zh);
            // Chinese may leave out what English lists (the codes allowed, a parser's detail).
            a.retain(|p| !matches!(*p, "allowed" | "detail"));
            for p in &a {
                assert!(placeholders(en).contains(p), "{}: {{{p}}} is in Chinese, not in English", c.code());
            }
        }
    }

    #[test]
    fn parameters_are_filled_in_each_language() {
        let p = [("max", Param::Text("200".into())), ("kind", Param::Label { zh: "基层工会", en: "grassroots union" })];
        assert_eq!(Code::TooLong.message(true, &p), "最多 200 个字");
        assert_eq!(Code::TooLong.message(false, &p), "must be at most 200 characters");
        assert_eq!(Code::WrongKind.message(true, &p), "单位类型不符，应为基层工会");
        assert_eq!(Code::WrongKind.message(false, &p), "must be a grassroots union");
        assert_eq!(fill("{a} and {b", |_| Some("x")), "x and {b");
    }
}
