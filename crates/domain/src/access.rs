//! Who may do what: roles and the permissions each carries. Which records a user reaches is
//! their scope (region subtree or organisation), applied by the store; this is what they may do there.

use crate::{Code, FieldError};

vocabulary! {
    /// A user's role.
    Role {
        Admin = ("admin", "系统管理员", "System administrator"),
        CityStaff = ("city_staff", "市总工会工作人员", "City union staff"),
        CountyStaff = ("county_staff", "县(区)总工会工作人员", "County union staff"),
        GrassrootsStaff = ("grassroots_staff", "基层工会工作人员", "Grassroots union staff"),
        JointOffice = ("joint_office", "联席会议办公室", "Joint-meeting office"),
        Liaison = ("liaison", "成员单位联络员", "Department liaison"),
        Auditor = ("auditor", "审计监督人员", "Auditor"),
        DepartmentSystem = ("department_system", "部门系统接口账号", "Department system (API)"),
        SecurityAdmin = ("security_admin", "安全管理员", "Security administrator"),
        AuditAdmin = ("audit_admin", "审计管理员", "Audit administrator"),
    }
}

/// Something a role may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Read household files (masked personal data).
    ReadHouseholds,
    /// Register households and change their files.
    WriteHouseholds,
    /// Delete a household file entered by mistake.
    DeleteHouseholds,
    /// See a full resident ID or phone number (each time audited).
    RevealPersonal,
    /// Export lists to Excel.
    Export,
    /// Change reference data: organisations and standards.
    WriteReference,
    /// Manage accounts: create, change, disable, set passwords (the system administrator).
    ManageUsers,
    /// Issue and revoke API tokens (the security administrator).
    IssueTokens,
    /// See how personal data is sealed and rotate its key (the security administrator).
    ManageKeys,
    /// Read the audit trail.
    ReadAudit,
    /// Approve, send back or reopen an outcome proposed by someone else (county and city union).
    ApproveOutcomes,
    /// Upload a department's roster (union staff, liaisons).
    UploadRosters,
    /// Answer verification requests addressed to one's department (liaisons).
    AnswerVerifications,
    /// Read the joint meeting: members, meetings, supervised tasks.
    ReadJointMeeting,
    /// Record meetings and set supervised tasks (the joint-meeting office, city union staff).
    ManageJointMeeting,
    /// Read the funds ledger, balances and findings in scope.
    ReadFunds,
    /// Record allocations, disbursements and reversals, and explain findings (union staff).
    RecordFunds,
    /// Approve or reject ledger entries recorded by someone else (county and city union).
    ApproveFunds,
    /// Define funds and the payment standards per purpose (city union).
    ManageFunds,
    /// Mark a supervision finding explained, with a note (union staff; the auditor reads it).
    ExplainFindings,
    /// Change a region's framework and parameters (city staff).
    SetPolicy,
}

impl Permission {
    /// Stable code, used in the audit trail.
    pub fn code(self) -> &'static str {
        match self {
            Permission::ReadHouseholds => "read_households",
            Permission::WriteHouseholds => "write_households",
            Permission::DeleteHouseholds => "delete_households",
            Permission::RevealPersonal => "reveal_personal",
            Permission::Export => "export",
            Permission::WriteReference => "write_reference",
            Permission::ManageUsers => "manage_users",
            Permission::IssueTokens => "issue_tokens",
            Permission::ManageKeys => "manage_keys",
            Permission::ReadAudit => "read_audit",
            Permission::ApproveOutcomes => "approve_outcomes",
            Permission::UploadRosters => "upload_rosters",
            Permission::AnswerVerifications => "answer_verifications",
            Permission::ReadJointMeeting => "read_joint_meeting",
            Permission::ManageJointMeeting => "manage_joint_meeting",
            Permission::ReadFunds => "read_funds",
            Permission::RecordFunds => "record_funds",
            Permission::ApproveFunds => "approve_funds",
            Permission::ManageFunds => "manage_funds",
            Permission::SetPolicy => "set_policy",
            Permission::ExplainFindings => "explain_findings",
        }
    }
}

impl Role {
    /// A role that reads and changes nothing (the auditor): every writing request is refused.
    pub fn changes_nothing(self) -> bool {
        self == Role::Auditor
    }

    /// Whether this role carries `p`. The administrator runs the system but reads no household
    /// file, nor the audit trail, whose details hold them (separation of duties); the auditor
    /// reads everything in scope and changes nothing.
    pub fn can(self, p: Permission) -> bool {
        use Permission::*;
        use Role::*;
        match self {
            // Three administrators, separated (三员分立, issue 23): the system administrator runs
            // accounts and reference data, the security administrator issues the API tokens, the
            // audit administrator reads the audit trail; none reads a household file.
            Admin => matches!(p, WriteReference | ManageUsers),
            SecurityAdmin => matches!(p, IssueTokens | ManageKeys),
            AuditAdmin => matches!(p, ReadAudit),
            // County staff carry what city staff do, except running the joint meeting (its
            // office is in the city union).
            CityStaff | CountyStaff => {
                matches!(
                    p,
                    ReadHouseholds
                        | WriteHouseholds
                        | DeleteHouseholds
                        | RevealPersonal
                        | Export
                        | WriteReference
                        | ApproveOutcomes
                        | UploadRosters
                        | ReadJointMeeting
                        | ReadFunds
                        | RecordFunds
                        | ApproveFunds
                        | ExplainFindings
                ) || (self == CityStaff && matches!(p, ManageJointMeeting | ManageFunds | SetPolicy))
            }
            GrassrootsStaff => {
                matches!(
                    p,
                    ReadHouseholds
                        | WriteHouseholds
                        | RevealPersonal
                        | Export
                        | UploadRosters
                        | ReadJointMeeting
                        | ReadFunds
                        | RecordFunds
                        | ExplainFindings
                )
            }
            JointOffice => matches!(p, ReadHouseholds | Export | ReadJointMeeting | ManageJointMeeting),
            // A liaison reads no household file: only the requests addressed to their department.
            // A department's own system (a service account, issue 22) does through the API what
            // the department's liaison does on the pages, and nothing more.
            Liaison | DepartmentSystem => matches!(p, UploadRosters | AnswerVerifications | ReadJointMeeting),
            // The auditor reads everything in its reach and changes nothing (issue 19): it
            // records no money, approves nothing, and the findings are explained by the union
            // staff whose payments they concern.
            Auditor => matches!(p, ReadHouseholds | RevealPersonal | Export | ReadAudit | ReadJointMeeting | ReadFunds),
        }
    }

    /// One of the three administrators (系统管理员、安全管理员、审计管理员): made and changed only
    /// on the server's command line, never by another administrator, so that no one holds two.
    pub fn is_administrator(self) -> bool {
        matches!(self, Role::Admin | Role::SecurityAdmin | Role::AuditAdmin)
    }

    /// Whether the role's scope is an organisation (a grassroots union, a department) rather
    /// than a region.
    pub fn scoped_by_organisation(self) -> bool {
        matches!(self, Role::GrassrootsStaff | Role::Liaison | Role::DepartmentSystem)
    }

    /// Whether the role speaks for a member department (its liaison, or its system): it sees
    /// the requests addressed to that department, its rosters and the tasks it leads.
    pub fn speaks_for_department(self) -> bool {
        matches!(self, Role::Liaison | Role::DepartmentSystem)
    }

    /// A service account: a program, not a person. It has no password and no pages; it acts
    /// through API tokens alone, and every call it makes is audited with the token's id.
    pub fn is_service(self) -> bool {
        self == Role::DepartmentSystem
    }
}

/// A user name: 2–40 characters, letters, digits, `.`, `_`, `-`.
pub fn parse_user_name(field: &str, s: &str) -> Result<String, FieldError> {
    let s = s.trim();
    let ok = (2..=40).contains(&s.chars().count())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(FieldError::new(field, Code::BadUserName))
    }
}

/// What a password must be (issue 23; `bangfu serve --password-min-length/--password-classes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// At least this many characters (at most 200: argon2's input stays bounded).
    pub min_length: usize,
    /// At least this many of the four kinds of character: upper-case letters, lower-case
    /// letters, digits, anything else (punctuation, a space, a Chinese character).
    pub min_classes: usize,
}

impl Default for PasswordPolicy {
    /// Ten characters of two kinds: long passphrases pass ("three words here"), short simple
    /// ones do not.
    fn default() -> Self {
        PasswordPolicy { min_length: 10, min_classes: 2 }
    }
}

/// The kinds of character a password holds (upper, lower, digit, other).
fn character_classes(s: &str) -> usize {
    let has = |f: fn(&char) -> bool| usize::from(s.chars().any(|c| f(&c)));
    has(char::is_ascii_uppercase)
        + has(char::is_ascii_lowercase)
        + has(char::is_ascii_digit)
        + has(|c| !c.is_ascii_alphanumeric())
}

/// A password under the default policy.
pub fn check_password(field: &str, s: &str) -> Result<(), FieldError> {
    check_password_with(field, s, PasswordPolicy::default())
}

/// A password under `policy`: long enough, of enough kinds of character, at most 200 characters.
pub fn check_password_with(field: &str, s: &str, policy: PasswordPolicy) -> Result<(), FieldError> {
    let n = s.chars().count();
    if n < policy.min_length {
        return Err(FieldError::new(field, Code::PasswordTooShort).with("min", policy.min_length));
    }
    if n > 200 {
        return Err(FieldError::new(field, Code::PasswordTooLong));
    }
    if character_classes(s) < policy.min_classes {
        return Err(FieldError::new(field, Code::PasswordTooSimple).with("classes", policy.min_classes));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_staff_write_households_and_nobody_else_reads_more_than_allowed() {
        for r in Role::ALL {
            let writes = r.can(Permission::WriteHouseholds);
            assert_eq!(writes, matches!(r, Role::CityStaff | Role::CountyStaff | Role::GrassrootsStaff), "{r:?}");
            if writes || r.can(Permission::RevealPersonal) || r.can(Permission::Export) {
                assert!(r.can(Permission::ReadHouseholds), "{r:?} acts on files it cannot read");
            }
        }
        assert!(!Role::Auditor.can(Permission::WriteReference));
        assert!(!Role::Liaison.can(Permission::ReadHouseholds));
        // A department's system carries exactly its liaison's permissions.
        for p in [Permission::ReadHouseholds, Permission::UploadRosters, Permission::ManageUsers, Permission::Export] {
            assert_eq!(Role::DepartmentSystem.can(p), Role::Liaison.can(p), "{p:?}");
        }
        assert!(Role::ALL.iter().filter(|r| r.is_service()).all(|r| r.speaks_for_department()));
        assert!(!Role::Admin.can(Permission::ReadHouseholds) && !Role::Admin.can(Permission::ReadAudit));
        // 三员分立: each administrator's duty is its own, and none reads a household file.
        let duties = [Permission::ManageUsers, Permission::IssueTokens, Permission::ReadAudit];
        for r in Role::ALL.iter().filter(|r| r.is_administrator()) {
            assert!(!r.can(Permission::ReadHouseholds), "{r:?}");
            assert_eq!(duties.iter().filter(|d| r.can(**d)).count(), 1, "{r:?} holds one duty");
        }
        for d in duties {
            assert_eq!(Role::ALL.iter().filter(|r| r.is_administrator() && r.can(d)).count(), 1, "{d:?}");
            assert!(!Role::ALL.iter().any(|r| !r.is_administrator() && r.can(d) && d != Permission::ReadAudit));
        }
        // Money: whoever records it needs a second person who may approve; auditors only read.
        for r in Role::ALL {
            if r.can(Permission::RecordFunds) || r.can(Permission::ApproveFunds) {
                assert!(r.can(Permission::ReadFunds), "{r:?} moves money it cannot see");
            }
        }
        assert!(Role::Auditor.can(Permission::ReadFunds) && !Role::Auditor.can(Permission::RecordFunds));
        assert!(!Role::GrassrootsStaff.can(Permission::ApproveFunds));
    }

    #[test]
    fn user_names_and_passwords() {
        assert_eq!(parse_user_name("n", " Wanxiu.Li ").unwrap(), "wanxiu.li");
        assert!(parse_user_name("n", "a").is_err());
        assert!(parse_user_name("n", "李明").is_err());
        assert!(check_password("p", "short").is_err());
        assert!(check_password("p", "long enough pw").is_ok());
        assert!(check_password("p", "onlyletters").is_err(), "one kind of character");
        let strict = PasswordPolicy { min_length: 12, min_classes: 3 };
        assert!(check_password_with("p", "Abcdefgh1234", strict).is_ok());
        assert!(check_password_with("p", "abcdefgh1234", strict).is_err());
        assert!(check_password_with("p", "Abcdefgh123", strict).is_err());
        assert!(check_password_with("p", "帮扶工作密码abc123", strict).is_ok(), "Chinese counts as other");
    }
}
