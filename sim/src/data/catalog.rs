//! Fixed word lists the seeded account is drawn from: names, teams, titles, time zones and
//! colours. Plain data, no logic.

/// Given names.
pub const FIRST_NAMES: &[&str] = &[
    "Amara",
    "Bjorn",
    "Chen",
    "Dolores",
    "Emeka",
    "Farah",
    "Gustavo",
    "Hana",
    "Ines",
    "Jonas",
    "Kavya",
    "Liam",
    "Mariana",
    "Nikolai",
    "Olivia",
    "Priya",
    "Quentin",
    "Rosa",
    "Sven",
    "Tomoko",
    "Umar",
    "Valentina",
    "Wei",
    "Ximena",
    "Yusuf",
    "Zofia",
];

/// Family names (one with an apostrophe, to keep escaping honest).
pub const LAST_NAMES: &[&str] = &[
    "Okafor",
    "Lindqvist",
    "Nakamura",
    "Alvarez",
    "O'Connell",
    "Haddad",
    "Moreau",
    "Kowalski",
    "Petrov",
    "Singh",
    "Fischer",
    "Costa",
    "Brennan",
    "Yilmaz",
    "Andersen",
    "Dubois",
    "Ramirez",
    "Tanaka",
    "Mensah",
    "Novak",
];

/// Team names.
pub const TEAMS: &[&str] = &[
    "Platform",
    "Payments",
    "Mobile",
    "Data Infrastructure",
    "Security Operations",
    "Customer Support Tools",
];

/// Job titles.
pub const JOB_TITLES: &[&str] = &[
    "Site Reliability Engineer",
    "Engineering Manager",
    "Staff Software Engineer",
    "Incident Commander",
    "Platform Engineer",
    "Support Lead",
    "Security Analyst",
    "VP of Engineering",
    "Database Administrator",
    "Product Manager",
];

/// IANA time zones.
pub const TIME_ZONES: &[&str] = &[
    "America/New_York",
    "America/Los_Angeles",
    "America/Chicago",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Lisbon",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Australia/Sydney",
    "America/Sao_Paulo",
];

/// Schedule colours PagerDuty assigns to users.
pub const COLORS: &[&str] = &[
    "purple",
    "red",
    "green",
    "blue",
    "teal",
    "orange",
    "brown",
    "turquoise",
    "dark-slate-blue",
    "cayenne",
    "violet",
    "dark-goldenrod",
];
