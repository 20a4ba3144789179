//! Word lists for operations: services, incident titles, notes, priorities, regions, and
//! the hostile strings that keep clients' sanitising honest. Plain data, no logic.

/// Service names with a one-line description; large accounts add [`REGIONS`] to make
/// more names.
pub const SERVICES: &[(&str, &str)] = &[
    ("Checkout API", "Cart and order placement for the web and mobile shops."),
    ("Payments Gateway", "Card authorisation and capture with the acquirers."),
    ("Ledger Writer", "Double-entry bookkeeping for every money movement."),
    ("Auth Service", "Password, passkey and MFA login."),
    ("SSO Bridge", "SAML and OIDC for enterprise customers."),
    ("Search Indexer", "Keeps the product index fresh."),
    ("Search Query", "Serves search and autocomplete."),
    ("Mobile Push", "APNs and FCM fan-out."),
    ("API Gateway", "Public REST and GraphQL edge."),
    ("Edge Proxy", "TLS termination and routing at the edge."),
    ("DNS Resolvers", "Internal recursive resolvers."),
    ("Kafka Cluster", "The event bus."),
    ("Postgres Primary", "The main OLTP database."),
    ("Redis Cache", "Session and page cache."),
    ("Billing Cron", "Nightly invoicing and dunning."),
    ("Fraud Scoring", "Real-time risk scores for payments."),
    ("Notifications", "E-mail, SMS and in-app messages."),
    ("Image Resizer", "On-the-fly thumbnails."),
    ("Feature Flags", "Flag evaluation for every service."),
    ("Support Desk Sync", "Ticket sync with the help desk."),
    ("Metrics Pipeline", "Ingest and rollups for metrics."),
    ("Log Shipper", "Log collection and forwarding."),
    ("VPN Concentrator", "Employee and partner VPN."),
    ("CI Runners", "Build and test fleet."),
    ("Kubernetes Control Plane", "API servers, etcd and schedulers."),
    ("Warehouse ETL", "Loads the analytics warehouse."),
    ("Recommendations", "Personalised product suggestions."),
    ("Inventory Sync", "Stock levels from the warehouses."),
];

/// Cloud regions, used in titles, alert details and large accounts' service names.
pub const REGIONS: &[&str] = &["us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2", "eu-central-1"];

/// Incident title templates: `{svc}` is the service name, `{host}` a host of it,
/// `{region}` a region.
pub const TITLES: &[&str] = &[
    "High error rate on {svc}",
    "{svc}: p99 latency above 2s",
    "CPU saturation on {svc} pods",
    "Disk usage above 90% on {host}",
    "{svc} health check failing in {region}",
    "5xx spike from {svc}",
    "Certificate for {host} expires in 3 days",
    "Replication lag on {host} above 300s",
    "Queue backlog growing for {svc}",
    "Memory leak suspected in {svc}",
    "Synthetic check failed: {svc} login flow",
    "[FIRING:1] KubePodCrashLooping {svc} ({region})",
    "Error budget burn rate high for {svc}",
    "Connection pool exhausted on {host}",
];

/// Notes responders leave on incidents.
pub const NOTES: &[&str] = &[
    "Looking into it.",
    "Rolled back the last deploy; error rate recovering.",
    "Customer impact confirmed, status page updated.",
    "Paging the database on-call for a second pair of eyes.",
    "Root cause: expired credentials on the upstream. Rotated them.",
    "Scaled the deployment from 6 to 12 replicas.",
    "False positive: the synthetic check hit a maintenance page.",
    "Follow-up ticket: OPS-4812.",
    "Mitigated by failing over to the secondary region.",
    "Vendor confirms an outage on their side, ETA 30 minutes.",
];

/// Priorities: name, description, colour (hex without `#`).
pub const PRIORITIES: &[(&str, &str, &str)] = &[
    ("P1", "Critical: a customer-facing outage", "a8171c"),
    ("P2", "High: major functionality degraded", "eb6016"),
    ("P3", "Moderate: partial degradation with a workaround", "f9b406"),
    ("P4", "Low: minor impact", "0b6e99"),
    ("P5", "Informational", "a6a6a6"),
];

/// Incident titles that attack terminals and layout: ANSI and OSC escape sequences, a
/// hyperlink, bidi overrides, control characters, emoji and wide characters. A very long
/// title is built separately (see `seed`).
pub const HOSTILE_TITLES: &[&str] = &[
    "\u{1b}[2J\u{1b}[H\u{1b}[31mDisk full\u{1b}[0m on db-7",
    "Payment failures in \u{202e}tuokcehc\u{202c} after deploy",
    "\u{1b}]0;you have been pwned\u{7}Window title rewrite on api-gateway",
    "\u{1b}]8;;https://evil.example/\u{7}Click here to acknowledge\u{1b}]8;;\u{7}",
    "🔥🔥 Checkout down 🚨 決済サービス停止 — all regions",
    "Multi-line\ntitle with\r\ttabs and a bell\u{7} from the log shipper",
];

/// A note with escape sequences and a bidi isolate.
pub const HOSTILE_NOTE: &str =
    "Ran \u{1b}[1;32m`kubectl rollout undo`\u{1b}[0m \u{2067}as instructed\u{2069} \u{200b}— see ☎️ bridge";
