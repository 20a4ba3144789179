//! `pdauth api [--profile P] [METHOD] PATH [-q KEY=VALUE]... [--paginate]
//! [--data JSON] [--method M]`: one call to PagerDuty's REST API through
//! pdauthd (which adds the token, refreshes it, and keeps to the rate
//! limit). PagerDuty's JSON goes pretty to stdout; a refusal's summary goes
//! to stderr with exit code 8.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use clap::Args;
use pdauth_common::{ProfileStatus, Request, Response, TokenState, sanitize};
use serde_json::Value;

use super::{REQUEST_TIMEOUT, connect, within};
use crate::client::unexpected;
use crate::exit::{self, CliError};

/// A call may wait out PagerDuty's rate limit (a minute) several times.
const CALL_TIMEOUT: Duration = Duration::from_secs(300);
/// Every page of a list, to the 10,000 cap, may take a while.
const PAGINATE_TIMEOUT: Duration = Duration::from_secs(900);

#[derive(Debug, Clone, Args)]
pub struct ApiArgs {
    /// The profile [default: the only configured (or only logged-in) one]
    #[arg(long, short = 'p', value_name = "PROFILE")]
    pub profile: Option<String>,
    /// `PATH`, or `METHOD PATH`; the path is relative to the profile's API
    /// base, e.g. `/incidents` or `/users/me`.
    #[arg(value_name = "[METHOD] PATH", num_args = 1..=2, required = true)]
    pub target: Vec<String>,
    /// A query parameter; repeat for more, e.g. `-q 'statuses[]=triggered'`.
    #[arg(short = 'q', long = "query", value_name = "KEY=VALUE")]
    pub query: Vec<String>,
    /// Follow every page of a list and print one merged list (GET only; at
    /// most PagerDuty's 10,000 items, said on stderr when cut there).
    #[arg(long)]
    pub paginate: bool,
    /// A JSON request body (needs a method other than GET).
    #[arg(long, value_name = "JSON")]
    pub data: Option<String>,
    /// The HTTP method: GET (default), POST, PUT, PATCH or DELETE. Anything
    /// but GET needs a `write` scope.
    #[arg(long, short = 'X', value_name = "METHOD")]
    pub method: Option<String>,
}

/// What to send, checked.
#[derive(Debug, Clone, PartialEq)]
struct Plan {
    method: Option<String>,
    path: String,
    query: Vec<(String, String)>,
    body: Option<Value>,
}

fn plan(args: &ApiArgs) -> Result<Plan, CliError> {
    let (positional, path) = match args.target.as_slice() {
        [path] => (None, path.clone()),
        [method, path] => (Some(method.clone()), path.clone()),
        _ => return Err(CliError::usage("give the path, or a method and the path")),
    };
    let method = match (positional, &args.method) {
        (Some(a), Some(b)) if !a.eq_ignore_ascii_case(b) => {
            return Err(CliError::usage(format!("two methods given: {a} and {b}")));
        }
        (a, b) => a.or_else(|| b.clone()).map(|m| m.to_ascii_uppercase()),
    };
    if let Some(m) = method
        .as_deref()
        .filter(|m| !matches!(*m, "GET" | "POST" | "PUT" | "PATCH" | "DELETE"))
    {
        return Err(CliError::usage(format!(
            "unknown method {}; use GET, POST, PUT, PATCH or DELETE",
            sanitize::truncated(m, 20)
        )));
    }
    if path.is_empty() {
        return Err(CliError::usage(
            "give a path relative to the profile's API base, e.g. /incidents",
        ));
    }
    if path.contains("://") || !path.starts_with('/') || path.starts_with("//") {
        return Err(CliError::usage(format!(
            "{} is not a path: give it relative to the profile's API base, e.g. /incidents",
            sanitize::truncated(&path, 80)
        )));
    }
    if path.contains('?') {
        return Err(CliError::usage("put query parameters in -q KEY=VALUE, not in the path"));
    }
    if path.contains('#') {
        return Err(CliError::usage(
            "a path has no #fragment; PagerDuty's API never sees one",
        ));
    }
    let query = args
        .query
        .iter()
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => Err(CliError::usage(format!(
                "-q takes KEY=VALUE, not {}",
                sanitize::truncated(pair, 80)
            ))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let is_get = method.as_deref().is_none_or(|m| m == "GET");
    let body = match &args.data {
        None => None,
        Some(_) if is_get => {
            return Err(CliError::usage(
                "--data needs a method that takes a body, e.g. --method POST",
            ));
        }
        Some(text) => {
            Some(serde_json::from_str::<Value>(text).map_err(|e| CliError::usage(format!("--data is not JSON: {e}")))?)
        }
    };
    if args.paginate && !is_get {
        return Err(CliError::usage("--paginate follows the pages of a GET only"));
    }
    Ok(Plan {
        method: method.filter(|m| m != "GET"),
        path,
        query,
        body,
    })
}

/// The profile to use when none was named: the only configured one, else
/// the only one logged in.
fn pick_profile(profiles: &[ProfileStatus]) -> Result<String, CliError> {
    if let [only] = profiles {
        return Ok(only.name.clone());
    }
    let logged_in: Vec<&ProfileStatus> = profiles
        .iter()
        .filter(|p| !matches!(p.state, TokenState::LoggedOut | TokenState::LoginPending))
        .collect();
    if let [only] = logged_in.as_slice() {
        return Ok(only.name.clone());
    }
    if profiles.is_empty() {
        return Err(CliError::usage("pdauthd has no profiles configured"));
    }
    let names: Vec<String> = profiles.iter().map(|p| sanitize::truncated(&p.name, 64)).collect();
    Err(CliError::usage(format!(
        "name the profile with --profile: one of {}",
        names.join(", ")
    )))
}

/// PagerDuty's own words for a refusal.
fn refusal(status: u16, body: &Value) -> String {
    let error = body.get("error");
    let message = error
        .and_then(|e| e.get("message").and_then(Value::as_str).or_else(|| e.as_str()))
        .or_else(|| body.get("raw").and_then(Value::as_str));
    let mut text = format!("PagerDuty answered {status}");
    if let Some(message) = message {
        text.push_str(&format!(": {}", sanitize::truncated(message, 200)));
    }
    if let Some(code) = error.and_then(|e| e.get("code")).and_then(Value::as_i64) {
        text.push_str(&format!(" (code {code})"));
    }
    let details: Vec<String> = error
        .and_then(|e| e.get("errors"))
        .and_then(Value::as_array)
        .map(|v| {
            v.iter()
                .filter_map(Value::as_str)
                .map(|s| sanitize::truncated(s, 120))
                .collect()
        })
        .unwrap_or_default();
    if !details.is_empty() {
        text.push_str(&format!(": {}", details.join("; ")));
    }
    text
}

pub(super) async fn run(socket: &Path, args: ApiArgs) -> Result<(), CliError> {
    let plan = plan(&args)?;
    let conn = connect(socket).await?;
    let profile = match &args.profile {
        Some(p) => p.clone(),
        None => match within(REQUEST_TIMEOUT, "the status request", conn.request(Request::Status)).await? {
            Response::Status { profiles, .. } => pick_profile(&profiles)?,
            other => return Err(unexpected(&other).into()),
        },
    };
    let request = Request::Api {
        profile,
        path: plan.path,
        query: plan.query,
        method: plan.method,
        body: plan.body,
        paginate: args.paginate,
    };
    let limit = if args.paginate { PAGINATE_TIMEOUT } else { CALL_TIMEOUT };
    let (status, body, pages, truncated) = match within(limit, "the API call", conn.request(request)).await? {
        Response::Api {
            status,
            body,
            pages,
            truncated,
        } => (status, body, pages, truncated),
        other => return Err(unexpected(&other).into()),
    };
    if !(200..300).contains(&status) {
        return Err(CliError::new(exit::API_REFUSED, refusal(status, &body)));
    }
    if truncated {
        crate::say!(
            "pdauth: PagerDuty lists stop at 10,000 items; the list is cut there ({pages} pages). Narrow it with -q filters."
        );
    }
    if body.is_null() {
        return Ok(());
    }
    let mut text = serde_json::to_string_pretty(&body)
        .map_err(|e| CliError::failure(format!("cannot encode PagerDuty's answer: {e}")))?;
    text.push('\n');
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| CliError::failure(format!("cannot write to stdout: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(target: &[&str], edit: impl FnOnce(&mut ApiArgs)) -> ApiArgs {
        let mut a = ApiArgs {
            profile: None,
            target: target.iter().map(|s| s.to_string()).collect(),
            query: vec![],
            paginate: false,
            data: None,
            method: None,
        };
        edit(&mut a);
        a
    }

    #[test]
    fn the_command_line_parses_in_any_order() {
        use clap::Parser;
        let cli = crate::cli::Cli::try_parse_from([
            "pdauth",
            "api",
            "/incidents",
            "-q",
            "statuses[]=triggered",
            "--paginate",
            "-p",
            "work",
        ])
        .unwrap();
        let Some(crate::cli::Command::Api(a)) = cli.command else {
            panic!("{cli:?}")
        };
        assert_eq!(
            (a.target, a.query, a.paginate),
            (
                vec!["/incidents".to_string()],
                vec!["statuses[]=triggered".to_string()],
                true
            )
        );
        assert_eq!(a.profile.as_deref(), Some("work"));
        let cli = crate::cli::Cli::try_parse_from(["pdauth", "api", "POST", "/incidents", "--data", "{}"]).unwrap();
        let Some(crate::cli::Command::Api(a)) = cli.command else {
            panic!("{cli:?}")
        };
        assert_eq!(a.target, vec!["POST".to_string(), "/incidents".to_string()]);
        assert!(crate::cli::Cli::try_parse_from(["pdauth", "api"]).is_err());
        assert!(crate::cli::Cli::try_parse_from(["pdauth", "api", "A", "B", "C"]).is_err());
    }

    #[test]
    fn a_plain_path_is_a_get() {
        let p = plan(&args(&["/incidents"], |a| {
            a.query = vec!["statuses[]=triggered".into(), "q=a=b".into()]
        }))
        .unwrap();
        assert_eq!(p.method, None);
        assert_eq!(
            p.query,
            vec![("statuses[]".into(), "triggered".into()), ("q".into(), "a=b".into())]
        );
    }

    #[test]
    fn writes_need_an_explicit_method() {
        let e = plan(&args(&["/incidents"], |a| a.data = Some("{}".into()))).unwrap_err();
        assert_eq!(e.code, exit::USAGE);
        let p = plan(&args(&["post", "/incidents"], |a| a.data = Some(r#"{"a":1}"#.into()))).unwrap();
        assert_eq!(p.method.as_deref(), Some("POST"));
        assert_eq!(p.body, Some(json!({"a": 1})));
        let p = plan(&args(&["/incidents"], |a| a.method = Some("PUT".into()))).unwrap();
        assert_eq!(p.method.as_deref(), Some("PUT"));
        assert!(plan(&args(&["POST", "/x"], |a| a.method = Some("PUT".into()))).is_err());
        assert!(plan(&args(&["FETCH", "/x"], |_| {})).is_err());
        assert!(plan(&args(&["POST", "/x"], |a| a.paginate = true)).is_err());
        assert!(plan(&args(&["POST", "/x"], |a| a.data = Some("{nope".into()))).is_err());
    }

    #[test]
    fn only_paths_under_the_base() {
        for bad in [
            "https://api.pagerduty.com/users",
            "http://evil/x",
            "users/me",
            "//evil/x",
            "/users?x=1",
        ] {
            let e = plan(&args(&[bad], |_| {})).unwrap_err();
            assert_eq!(e.code, exit::USAGE, "{bad}");
        }
        assert!(plan(&args(&["/users"], |a| a.query = vec!["novalue".into()])).is_err());
        assert!(plan(&args(&["/users"], |a| a.query = vec!["=x".into()])).is_err());
    }

    #[test]
    fn the_profile_is_picked_only_when_unambiguous() {
        let p = |name: &str, state| ProfileStatus {
            state,
            ..ProfileStatus::logged_out(name)
        };
        assert_eq!(pick_profile(&[p("a", TokenState::LoggedOut)]).unwrap(), "a");
        let two = [p("a", TokenState::LoggedOut), p("b", TokenState::Valid)];
        assert_eq!(pick_profile(&two).unwrap(), "b");
        let e = pick_profile(&[p("a", TokenState::Valid), p("b", TokenState::Expiring)]).unwrap_err();
        assert_eq!(e.code, exit::USAGE);
        assert!(e.message.contains("a, b"), "{}", e.message);
        assert!(pick_profile(&[]).is_err());
    }

    #[test]
    fn refusals_use_pagerduty_words() {
        let body = json!({"error": {"message": "Not Found", "code": 2100}});
        assert_eq!(refusal(404, &body), "PagerDuty answered 404: Not Found (code 2100)");
        let body = json!({"error": {"message": "Invalid Input Provided", "code": 2001, "errors": ["bad\u{1b}[2J"]}});
        assert!(!refusal(400, &body).contains('\u{1b}'));
        assert_eq!(refusal(502, &Value::Null), "PagerDuty answered 502");
    }
}
