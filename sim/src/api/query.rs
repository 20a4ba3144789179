//! Query strings read the way PagerDuty's REST API reads them: list filters repeat a key
//! with brackets (`statuses[]=a&statuses[]=b`), other parameters appear at most once.
//! The sandbox is strict where a client bug would otherwise go unnoticed: a list filter
//! sent without brackets (`statuses=a`) or with an index (`statuses[0]=a`), a parameter
//! repeated, or a value outside the allowed set is a 400 with an `errors` entry.
//! Parameters the sandbox does not know are ignored, as PagerDuty ignores them.

use std::collections::HashSet;

use super::errors::ApiError;
use crate::data::when::{self, Secs};

/// The decoded pairs of one query string.
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Decodes a raw query string (`None`: no query).
    pub fn parse(raw: Option<&str>) -> Self {
        Self {
            pairs: url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        }
    }

    /// A parameter that may appear once.
    pub fn scalar(&self, name: &str) -> Result<Option<&str>, ApiError> {
        let mut values = self.pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let first = values.next();
        if values.next().is_some() {
            return Err(ApiError::invalid(format!("`{name}` may be given only once")));
        }
        Ok(first)
    }

    /// A list filter: every `name[]=value`, in order, duplicates dropped.
    pub fn set(&self, name: &str) -> Result<Vec<&str>, ApiError> {
        let bracketed = format!("{name}[]");
        let mut values = Vec::new();
        for (key, value) in &self.pairs {
            if *key == bracketed {
                if value.is_empty() {
                    return Err(ApiError::invalid(format!("`{bracketed}` must not be empty")));
                }
                if !values.contains(&value.as_str()) {
                    values.push(value.as_str());
                }
            } else if key == name || (key.starts_with(&format!("{name}[")) && key.ends_with(']')) {
                return Err(ApiError::invalid(format!(
                    "`{name}` is a list: send each value as `{bracketed}=value`"
                )));
            }
        }
        Ok(values)
    }

    /// A list filter whose values must come from `allowed`.
    pub fn set_of(&self, name: &str, allowed: &[&str]) -> Result<Vec<&str>, ApiError> {
        let values = self.set(name)?;
        match values.iter().find(|v| !allowed.contains(v)) {
            Some(bad) => Err(ApiError::invalid(format!(
                "`{bad}` is not a valid value of `{name}[]`; expected one of {}",
                allowed.join(", ")
            ))),
            None => Ok(values),
        }
    }

    /// A list filter of object ids mapped to positions; unknown ids match nothing.
    /// `None` when the filter is absent.
    pub fn ids(&self, name: &str, lookup: impl Fn(&str) -> Option<usize>) -> Result<Option<HashSet<usize>>, ApiError> {
        let values = self.set(name)?;
        if values.is_empty() {
            return Ok(None);
        }
        Ok(Some(values.into_iter().filter_map(lookup).collect()))
    }

    /// `true` or `false`; absent means `false`.
    pub fn flag(&self, name: &str) -> Result<bool, ApiError> {
        match self.scalar(name)? {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(other) => Err(ApiError::invalid(format!(
                "`{name}` must be true or false, not `{other}`"
            ))),
        }
    }

    /// An ISO 8601 instant.
    pub fn instant(&self, name: &str) -> Result<Option<Secs>, ApiError> {
        match self.scalar(name)? {
            None => Ok(None),
            Some(text) => when::parse(text).map(Some).ok_or_else(|| {
                ApiError::invalid(format!(
                    "`{name}` is not an ISO 8601 date or time: `{text}` (an unescaped `+` in an offset arrives as a space)"
                ))
            }),
        }
    }

    /// A case-insensitive substring search (`query`), lower-cased; `None` when absent or empty.
    pub fn search(&self) -> Result<Option<String>, ApiError> {
        Ok(self.scalar("query")?.filter(|q| !q.is_empty()).map(str::to_lowercase))
    }
}

/// The values of `include[]`, checked against what a resource can expand.
pub struct Includes(Vec<String>);

impl Includes {
    /// Reads `include[]`.
    pub fn parse(params: &Params, allowed: &[&str]) -> Result<Self, ApiError> {
        Ok(Self(
            params
                .set_of("include", allowed)?
                .into_iter()
                .map(str::to_owned)
                .collect(),
        ))
    }

    /// Nothing to expand.
    pub fn none() -> Self {
        Self(Vec::new())
    }

    /// Whether `what` is to be expanded.
    pub fn has(&self, what: &str) -> bool {
        self.0.iter().any(|v| v == what)
    }
}

/// A `sort_by` of `name`, `name:asc` or `name:desc` on a resource that sorts by name only:
/// whether to reverse.
pub fn name_sort(params: &Params) -> Result<bool, ApiError> {
    match params.scalar("sort_by")? {
        None | Some("name") | Some("name:asc") => Ok(false),
        Some("name:desc") => Ok(true),
        Some(other) => Err(ApiError::invalid(format!(
            "`sort_by` must be name, name:asc or name:desc, not `{other}`"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(raw: &str) -> Params {
        Params::parse(Some(raw))
    }

    #[test]
    fn sets_need_brackets_and_scalars_appear_once() {
        let q = p("statuses%5B%5D=triggered&statuses[]=acknowledged&statuses[]=triggered&limit=5");
        assert_eq!(q.set("statuses").ok(), Some(vec!["triggered", "acknowledged"]));
        assert_eq!(q.scalar("limit").ok(), Some(Some("5")));
        assert!(p("statuses=triggered").set("statuses").is_err());
        assert!(p("statuses[0]=triggered").set("statuses").is_err());
        assert!(p("statuses[]=").set("statuses").is_err());
        assert!(p("limit=1&limit=2").scalar("limit").is_err());
        assert!(p("statuses[]=open").set_of("statuses", &["triggered"]).is_err());
        assert_eq!(p("other=1").set("statuses").ok(), Some(vec![]));
    }

    #[test]
    fn flags_instants_and_searches() {
        assert_eq!(p("total=true").flag("total").ok(), Some(true));
        assert_eq!(p("").flag("total").ok(), Some(false));
        assert!(p("total=yes").flag("total").is_err());
        assert_eq!(
            p("since=2024-05-01T12:00:00Z").instant("since").ok(),
            Some(Some(1_714_564_800))
        );
        assert!(
            p("since=2024-05-01T12:00:00+02:00").instant("since").is_err(),
            "+ decodes to a space"
        );
        assert_eq!(
            p("since=2024-05-01T14:00:00%2B02:00").instant("since").ok(),
            Some(Some(1_714_564_800))
        );
        assert_eq!(p("query=CheckOut").search().ok(), Some(Some("checkout".into())));
        assert_eq!(p("query=").search().ok(), Some(None));
        assert!(p("sort_by=id").scalar("sort_by").is_ok());
        assert!(name_sort(&p("sort_by=id")).is_err());
        assert_eq!(name_sort(&p("sort_by=name:desc")).ok(), Some(true));
    }
}
