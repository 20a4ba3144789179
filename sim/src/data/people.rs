//! Teams, users, their roles and contact methods.

use super::when::Secs;

/// A team.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Team {
    /// Object id (`P` + six characters).
    pub id: String,
    /// Team name.
    pub name: String,
    /// One-line description.
    pub description: String,
    /// Members (user indices) with their team role, managers first.
    pub members: Vec<(usize, TeamRole)>,
}

/// A member's role in a team.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TeamRole {
    /// Manages the team.
    Manager,
    /// Responds to incidents.
    Responder,
    /// Watches.
    Observer,
}

impl TeamRole {
    /// The API value.
    pub fn as_str(self) -> &'static str {
        match self {
            TeamRole::Manager => "manager",
            TeamRole::Responder => "responder",
            TeamRole::Observer => "observer",
        }
    }
}

/// A user's base role, as PagerDuty names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Account owner.
    Owner,
    /// Administrator.
    Admin,
    /// Manager (`limited_user`).
    LimitedUser,
    /// Responder (`user`).
    User,
    /// Observer.
    Observer,
    /// Restricted access.
    RestrictedAccess,
    /// Full stakeholder (`read_only_user`).
    ReadOnlyUser,
}

impl Role {
    /// The API value of the role.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::LimitedUser => "limited_user",
            Role::User => "user",
            Role::Observer => "observer",
            Role::RestrictedAccess => "restricted_access",
            Role::ReadOnlyUser => "read_only_user",
        }
    }

    /// How the web app labels the role.
    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Account Owner",
            Role::Admin => "Admin",
            Role::LimitedUser => "Manager",
            Role::User => "Responder",
            Role::Observer => "Observer",
            Role::RestrictedAccess => "Restricted Access",
            Role::ReadOnlyUser => "Full Stakeholder",
        }
    }

    /// Whether users with this role take on-call shifts.
    pub fn responds(self) -> bool {
        matches!(self, Role::Owner | Role::Admin | Role::LimitedUser | Role::User)
    }
}

/// The kind of a contact method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContactKind {
    /// E-mail address.
    Email,
    /// Phone call.
    Phone,
    /// Text message.
    Sms,
    /// Push notification to the mobile app.
    Push,
}

impl ContactKind {
    /// The object type of a contact method of this kind.
    pub fn object_type(self) -> &'static str {
        match self {
            ContactKind::Email => "email_contact_method",
            ContactKind::Phone => "phone_contact_method",
            ContactKind::Sms => "sms_contact_method",
            ContactKind::Push => "push_notification_contact_method",
        }
    }

    /// The reference type of a contact method of this kind.
    pub fn reference_type(self) -> &'static str {
        match self {
            ContactKind::Email => "email_contact_method_reference",
            ContactKind::Phone => "phone_contact_method_reference",
            ContactKind::Sms => "sms_contact_method_reference",
            ContactKind::Push => "push_notification_contact_method_reference",
        }
    }

    /// How a notification by this method is described in log entries.
    pub fn channel(self) -> &'static str {
        match self {
            ContactKind::Email => "email",
            ContactKind::Phone => "phone",
            ContactKind::Sms => "sms",
            ContactKind::Push => "push_notification",
        }
    }
}

/// A way to reach a user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactMethod {
    /// Object id.
    pub id: String,
    /// Kind.
    pub kind: ContactKind,
    /// Label shown as the summary (e.g. `Default`, `Mobile`, `iPhone 15`).
    pub label: String,
    /// E-mail address, national phone number, or device token.
    pub address: String,
    /// Country calling code of phone and SMS methods.
    pub country_code: Option<u16>,
    /// `ios` or `android` for push methods.
    pub device_type: Option<&'static str>,
    /// When the method was added.
    pub created_at: Secs,
}

/// A user of the account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// Object id.
    pub id: String,
    /// Full name.
    pub name: String,
    /// Login e-mail.
    pub email: String,
    /// Base role.
    pub role: Role,
    /// Job title.
    pub job_title: String,
    /// IANA time zone.
    pub time_zone: &'static str,
    /// Schedule colour.
    pub color: &'static str,
    /// Free-text description.
    pub description: String,
    /// Indices of the teams the user belongs to.
    pub teams: Vec<usize>,
    /// Contact methods; the first is the login e-mail.
    pub contact_methods: Vec<ContactMethod>,
}
