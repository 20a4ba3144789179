//! Word lists for people and organisation: names, teams, job titles, time zones and
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
    "Aiko",
    "Bruno",
    "Chiara",
    "Dmitri",
    "Elif",
    "Felix",
];

/// Family names (one with an apostrophe and one with an accent, to keep escaping honest).
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
    "Müller",
    "Rossi",
    "Kim",
    "Adeyemi",
];

/// Team names; large accounts combine them with [`TEAM_QUALIFIERS`].
pub const TEAMS: &[&str] = &[
    "Platform",
    "Payments",
    "Mobile",
    "Data Infrastructure",
    "Security Operations",
    "Customer Support Tools",
    "Checkout",
    "Identity",
    "Search",
    "Observability",
    "Networking",
    "Growth",
];

/// Qualifiers that make team names unique in large accounts.
pub const TEAM_QUALIFIERS: &[&str] = &["EMEA", "APAC", "Americas", "Core", "Edge", "Labs"];

/// One-line team descriptions, by position in [`TEAMS`].
pub const TEAM_DESCRIPTIONS: &[&str] = &[
    "Kubernetes clusters, CI runners and the service mesh.",
    "Card processing, payouts and the ledger.",
    "iOS and Android apps and their backends.",
    "Warehouses, pipelines and the event bus.",
    "Detection, response and access reviews.",
    "Internal tools for the support organisation.",
    "Cart, checkout and order placement.",
    "Login, SSO and account recovery.",
    "Indexing and query serving.",
    "Metrics, logs, traces and alert routing.",
    "Edge, DNS, load balancers and VPN.",
    "Experiments, onboarding and notifications.",
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
    "Senior Software Engineer",
    "Network Engineer",
];

/// IANA time zones with their standard UTC offsets in seconds (daylight saving time is
/// not modelled).
pub const TIME_ZONES: &[(&str, i32)] = &[
    ("America/New_York", -5 * 3600),
    ("America/Los_Angeles", -8 * 3600),
    ("America/Chicago", -6 * 3600),
    ("Europe/London", 0),
    ("Europe/Berlin", 3600),
    ("Europe/Lisbon", 0),
    ("Asia/Tokyo", 9 * 3600),
    ("Asia/Kolkata", 5 * 3600 + 1800),
    ("Australia/Sydney", 10 * 3600),
    ("America/Sao_Paulo", -3 * 3600),
    ("Etc/UTC", 0),
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

/// Push-notification device labels and their `device_type`.
pub const DEVICES: &[(&str, &str)] = &[
    ("iPhone 15", "ios"),
    ("Pixel 8", "android"),
    ("iPhone SE", "ios"),
    ("Galaxy S23", "android"),
];
