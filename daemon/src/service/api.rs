//! Raw REST API calls on behalf of clients (`Request::Api`): GET by
//! default; other methods only when asked for and the profile's grant can
//! write; with `paginate`, every page of a wrapped list (offset or cursor)
//! merged into one answer, stopping at PagerDuty's 10,000 offset cap. The
//! request itself goes through the profile's single request path (`pd`).

use std::sync::Arc;

use reqwest::Method;
use serde_json::{Map, Value, json};

use super::pd::{Call, Cost};
use super::{Service, err, lock};
use crate::pagerduty::models;
use pdauth_common::browse::{MAX_PAGE, OFFSET_CAP};
use pdauth_common::{Actor, ErrorCode, WireError};

/// Merged answers larger than this stop early (truncated): the reply must
/// fit in one frame.
const MAX_MERGED_BYTES: usize = 48 * 1024 * 1024;
/// Cursor pages followed at most.
const MAX_CURSOR_PAGES: u32 = 1_000;
/// Keys of a wrapped list that are not the list itself.
const PAGING_KEYS: [&str; 4] = ["limit", "offset", "more", "total"];

/// PagerDuty's answer to a client's call.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiAnswer {
    pub status: u16,
    pub body: Value,
    pub pages: u32,
    pub truncated: bool,
}

/// What a client asked for.
#[derive(Debug, Clone, Default)]
pub struct ApiCall {
    pub path: String,
    pub query: Vec<(String, String)>,
    pub method: Option<String>,
    pub body: Option<Value>,
    pub paginate: bool,
}

impl Service {
    /// One client call to the profile's REST API.
    pub async fn api_call(
        self: &Arc<Self>,
        name: &str,
        call: ApiCall,
        _actor: Option<Actor>,
    ) -> Result<ApiAnswer, WireError> {
        let method = match call.method.as_deref().map(str::trim) {
            None => Method::GET,
            Some(m) => parse_method(m)?,
        };
        if method != Method::GET {
            self.profile_config(name)?;
            if !self.can_write(name) {
                return Err(err(
                    ErrorCode::Forbidden,
                    format!(
                        "{method} needs a write scope, and profile {name} was not granted `write` (or a \
                         `<resource>.write` scope); add it to the profile's scopes and run `pdauth login {name}`"
                    ),
                ));
            }
        } else if call.body.is_some() {
            return Err(err(
                ErrorCode::InvalidRequest,
                "a GET has no body; name the method (e.g. POST) to send one",
            ));
        }
        if call.paginate {
            if method != Method::GET {
                return Err(err(ErrorCode::InvalidRequest, "only a GET can be paginated"));
            }
            if let Some((k, _)) = call
                .query
                .iter()
                .find(|(k, _)| matches!(k.as_str(), "limit" | "offset" | "cursor"))
            {
                return Err(err(
                    ErrorCode::InvalidRequest,
                    format!(
                        "--paginate sets limit, offset and cursor itself: leave out `{k}`, or page by hand without --paginate"
                    ),
                ));
            }
            return self.api_paginate(name, &call).await;
        }
        let mut cost = Cost::default();
        let sent = Call {
            method: &method,
            path: &call.path,
            query: &call.query,
            body: call.body.as_ref(),
        };
        let resp = self.pd_send(name, sent, &mut cost).await?;
        Ok(ApiAnswer {
            status: resp.status,
            body: resp.body,
            pages: 1,
            truncated: false,
        })
    }

    /// Whether the profile's grant includes a write scope.
    fn can_write(&self, name: &str) -> bool {
        let st = lock(&self.state);
        st.profiles
            .get(name)
            .and_then(|rt| rt.token.as_ref())
            .is_some_and(|t| pdauth_common::scopes::grants_writing(t.scopes.iter().map(String::as_str)))
    }

    /// Follow every page of a wrapped list and merge it.
    async fn api_paginate(self: &Arc<Self>, name: &str, call: &ApiCall) -> Result<ApiAnswer, WireError> {
        let base: Vec<(String, String)> = call
            .query
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "limit" | "offset" | "cursor"))
            .cloned()
            .collect();
        let mut cost = Cost::default();
        let mut params = base.clone();
        params.push(("limit".into(), MAX_PAGE.to_string()));
        let first = self.pd_send(name, Call::get(&call.path, &params), &mut cost).await?;
        let answer = |status, body, pages, truncated| ApiAnswer {
            status,
            body,
            pages,
            truncated,
        };
        if !(200..300).contains(&first.status) {
            return Ok(answer(first.status, first.body, 1, false));
        }
        let Some(key) = list_key(&first.body) else {
            return Ok(answer(first.status, first.body, 1, false));
        };
        let mut merged = Merged::new(&first.body, &key);
        if first.body.get("next_cursor").is_some() {
            while let Some(cursor) = merged.next_cursor.clone() {
                if merged.pages >= MAX_CURSOR_PAGES || merged.bytes > MAX_MERGED_BYTES {
                    merged.truncated = true;
                    break;
                }
                let mut params = params.clone();
                params.push(("cursor".into(), cursor));
                let body = self.pd_get(name, &call.path, &params, &mut cost).await?;
                if !merged.add(&body, &key) {
                    break;
                }
            }
            let mut body = merged.cursor_body(first.body);
            body[&key] = Value::Array(merged.items);
            return Ok(answer(first.status, body, merged.pages, merged.truncated));
        }
        let mut offset = 0u32;
        while merged.more {
            let limit = merged.limit.clamp(1, MAX_PAGE);
            offset = offset.saturating_add(limit);
            if offset.saturating_add(limit) > OFFSET_CAP || merged.bytes > MAX_MERGED_BYTES {
                merged.truncated = true;
                break;
            }
            let mut params = base.clone();
            params.push(("limit".into(), limit.to_string()));
            params.push(("offset".into(), offset.to_string()));
            let body = self.pd_get(name, &call.path, &params, &mut cost).await?;
            if !merged.add(&body, &key) {
                break;
            }
        }
        let total = first.body.get("total").cloned().unwrap_or(Value::Null);
        let count = merged.items.len();
        let mut body = Map::new();
        body.insert(key, Value::Array(merged.items));
        body.insert("limit".into(), json!(count));
        body.insert("offset".into(), json!(0));
        body.insert("more".into(), json!(merged.truncated));
        body.insert("total".into(), total);
        Ok(answer(
            first.status,
            Value::Object(body),
            merged.pages,
            merged.truncated,
        ))
    }
}

/// Pages merged so far.
struct Merged {
    items: Vec<Value>,
    pages: u32,
    more: bool,
    limit: u32,
    next_cursor: Option<String>,
    bytes: usize,
    truncated: bool,
}

impl Merged {
    fn new(first: &Value, key: &str) -> Self {
        let limit = models::count(first, "limit")
            .filter(|l| *l > 0)
            .unwrap_or(MAX_PAGE as u64);
        let mut m = Merged {
            items: Vec::new(),
            pages: 0,
            more: false,
            limit: u32::try_from(limit).unwrap_or(MAX_PAGE),
            next_cursor: None,
            bytes: 0,
            truncated: false,
        };
        m.add(first, key);
        m
    }

    /// Take in one page; false when it brought nothing (stop there).
    fn add(&mut self, page: &Value, key: &str) -> bool {
        self.pages += 1;
        let items = page.get(key).and_then(Value::as_array).cloned().unwrap_or_default();
        self.bytes += items.iter().map(|v| v.to_string().len()).sum::<usize>();
        self.more = models::more(page);
        self.next_cursor = page
            .get("next_cursor")
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty())
            .map(str::to_string);
        let brought = !items.is_empty();
        self.items.extend(items);
        if !brought {
            self.more = false;
            self.next_cursor = None;
        }
        brought
    }

    /// A cursor list's merged body: the first page's other keys, no cursor left.
    fn cursor_body(&self, first: Value) -> Value {
        let mut body = first;
        if let Some(obj) = body.as_object_mut() {
            obj.insert(
                "next_cursor".into(),
                match (&self.next_cursor, self.truncated) {
                    (Some(c), true) => json!(c),
                    _ => Value::Null,
                },
            );
        }
        body
    }
}

/// The key of the list in a wrapped answer: the one array that is not a
/// paging field.
fn list_key(body: &Value) -> Option<String> {
    let obj = body.as_object()?;
    let mut arrays = obj
        .iter()
        .filter(|(k, v)| v.is_array() && !PAGING_KEYS.contains(&k.as_str()))
        .map(|(k, _)| k.clone());
    let key = arrays.next()?;
    arrays.next().is_none().then_some(key)
}

fn parse_method(m: &str) -> Result<Method, WireError> {
    match m.to_ascii_uppercase().as_str() {
        "GET" => Ok(Method::GET),
        "POST" => Ok(Method::POST),
        "PUT" => Ok(Method::PUT),
        "PATCH" => Ok(Method::PATCH),
        "DELETE" => Ok(Method::DELETE),
        _ => Err(err(
            ErrorCode::InvalidRequest,
            format!(
                "method {:?} is not one of GET, POST, PUT, PATCH, DELETE",
                pdauth_common::sanitize::truncated(m, 20)
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_key_is_the_one_array_that_is_not_paging() {
        assert_eq!(
            list_key(&json!({"incidents": [], "limit": 25, "offset": 0, "more": false, "total": null})).as_deref(),
            Some("incidents")
        );
        assert_eq!(list_key(&json!({"user": {"id": "P"}})), None);
        assert_eq!(list_key(&json!({"a": [], "b": []})), None);
        assert_eq!(list_key(&json!([1, 2])), None);
        assert_eq!(
            list_key(&json!({"records": [1], "next_cursor": "x", "limit": 10})).as_deref(),
            Some("records")
        );
    }

    #[test]
    fn methods_are_a_closed_set() {
        assert_eq!(parse_method("post").unwrap(), Method::POST);
        for bad in ["", "CONNECT", "TRACE", "GET /x", "\u{1b}"] {
            assert_eq!(parse_method(bad).unwrap_err().code, ErrorCode::InvalidRequest);
        }
    }

    #[test]
    fn cursor_pages_merge_and_the_last_cursor_is_kept_only_when_cut() {
        let first = json!({"records": [{"id": "1"}], "limit": 1, "next_cursor": "c1"});
        let mut m = Merged::new(&first, "records");
        assert_eq!(m.next_cursor.as_deref(), Some("c1"));
        assert!(m.add(&json!({"records": [{"id": "2"}], "next_cursor": null}), "records"));
        assert_eq!(m.next_cursor, None);
        assert_eq!(m.cursor_body(first.clone())["next_cursor"], Value::Null);
        let mut cut = Merged::new(&first, "records");
        cut.truncated = true;
        assert_eq!(cut.cursor_body(first)["next_cursor"], "c1");
    }

    #[test]
    fn pages_merge_and_an_empty_page_stops() {
        let mut m = Merged::new(&json!({"teams": [{"id": "A"}], "limit": 1, "more": true}), "teams");
        assert!(m.more && m.limit == 1);
        assert!(m.add(&json!({"teams": [{"id": "B"}], "more": true}), "teams"));
        assert!(!m.add(&json!({"teams": [], "more": true}), "teams"));
        assert!(!m.more);
        assert_eq!(m.items.len(), 2);
        assert_eq!(m.pages, 3);
        // Paging fields as strings or null, as some PagerDuty lists send them.
        let m = Merged::new(&json!({"teams": [{"id": "A"}], "limit": "25", "more": "true"}), "teams");
        assert!(m.more && m.limit == 25);
        let m = Merged::new(&json!({"teams": [{"id": "A"}], "limit": null, "more": null}), "teams");
        assert!(!m.more && m.limit == MAX_PAGE);
    }
}
