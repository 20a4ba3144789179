//! The sandbox account's data model (account, teams, users and their contact methods) and
//! lookups over it. Values are generated once from a seed by `seed.rs` and never change
//! while the sandbox runs; JSON rendering belongs to `api/`.

mod catalog;
mod seed;

pub use seed::generate;

use crate::config::Region;

/// The PagerDuty account the sandbox pretends to be.
#[derive(Clone, Debug)]
pub struct Account {
    /// Account id, as in the id_token `account_id` claim.
    pub id: String,
    /// Display name.
    pub name: String,
    /// `<subdomain>.pagerduty.com`.
    pub subdomain: String,
    /// Service region.
    pub region: Region,
}

/// A team.
#[derive(Clone, Debug)]
pub struct Team {
    /// Object id (`P` + six characters).
    pub id: String,
    /// Team name.
    pub name: String,
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
}

impl ContactKind {
    /// The reference type of a contact method of this kind.
    pub fn reference_type(self) -> &'static str {
        match self {
            ContactKind::Email => "email_contact_method_reference",
            ContactKind::Phone => "phone_contact_method_reference",
            ContactKind::Sms => "sms_contact_method_reference",
        }
    }
}

/// A way to reach a user.
#[derive(Clone, Debug)]
pub struct ContactMethod {
    /// Object id.
    pub id: String,
    /// Kind.
    pub kind: ContactKind,
    /// Label shown as the reference summary (e.g. `Default`, `Mobile`).
    pub label: String,
}

/// A user of the account.
#[derive(Clone, Debug)]
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
    pub time_zone: String,
    /// Schedule colour.
    pub color: String,
    /// Free-text description.
    pub description: String,
    /// Ids of the teams the user belongs to.
    pub team_ids: Vec<String>,
    /// Contact methods.
    pub contact_methods: Vec<ContactMethod>,
}

/// Everything the sandbox account holds.
#[derive(Clone, Debug)]
pub struct Dataset {
    /// The account.
    pub account: Account,
    /// Teams, in creation order.
    pub teams: Vec<Team>,
    /// Users, in creation order; the first is the account owner.
    pub users: Vec<User>,
}

impl Dataset {
    /// The user with this id.
    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    /// The team with this id.
    pub fn team(&self, id: &str) -> Option<&Team> {
        self.teams.iter().find(|t| t.id == id)
    }

    /// The teams a user belongs to, in the user's order.
    pub fn teams_of<'a>(&'a self, user: &'a User) -> impl Iterator<Item = &'a Team> + 'a {
        user.team_ids.iter().filter_map(|id| self.team(id))
    }
}
