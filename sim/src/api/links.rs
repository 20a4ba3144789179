//! URLs and reference objects of REST resources: `self` points at the sandbox's API base,
//! `html_url` at the account's web host (`<subdomain>[.eu].pagerduty.com`).

use serde_json::{Value, json};

use crate::state::AppState;

/// Builds URLs for one account.
pub struct Links<'a> {
    api_base: &'a str,
    web_host: String,
}

impl<'a> Links<'a> {
    /// Links for the sandbox's account.
    pub fn new(state: &'a AppState) -> Self {
        Self {
            api_base: &state.base_url,
            web_host: state.data.account.region.web_host(&state.data.account.subdomain),
        }
    }

    /// API URL of `path` (which starts with `/`).
    pub fn api(&self, path: &str) -> String {
        format!("{}{path}", self.api_base)
    }

    /// Web URL of `path` (which starts with `/`).
    pub fn web(&self, path: &str) -> String {
        format!("https://{}{path}", self.web_host)
    }

    /// A reference object; `web_path` `None` gives `"html_url": null`.
    pub fn reference(&self, kind: &str, id: &str, summary: &str, api_path: &str, web_path: Option<&str>) -> Value {
        json!({
            "id": id,
            "type": kind,
            "summary": summary,
            "self": self.api(api_path),
            "html_url": web_path.map(|p| self.web(p)),
        })
    }
}
