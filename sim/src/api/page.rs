//! Offset pagination as PagerDuty does it on every list: `limit` (default 25, larger
//! values silently capped at 100), `offset`, `total=true` for a count (otherwise `null`),
//! `more`, and a 400 once `offset + limit` passes 10,000.

use std::ops::Range;

use serde_json::{Value, json};

use super::errors::ApiError;
use super::query::Params;

/// Default page size.
pub const DEFAULT_LIMIT: usize = 25;
/// Largest page size; larger requests get this.
pub const MAX_LIMIT: usize = 100;
/// Largest `offset + limit` PagerDuty serves.
pub const MAX_WINDOW: usize = 10_000;

/// One page request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paging {
    /// Page size in effect.
    pub limit: usize,
    /// Items skipped.
    pub offset: usize,
    /// Whether `total` was asked for.
    pub total: bool,
}

impl Paging {
    /// Reads `limit`, `offset` and `total`.
    pub fn parse(params: &Params) -> Result<Self, ApiError> {
        let number = |name: &str| -> Result<Option<usize>, ApiError> {
            match params.scalar(name)? {
                None => Ok(None),
                Some(text) => text
                    .parse::<usize>()
                    .map(Some)
                    .map_err(|_| ApiError::invalid(format!("`{name}` must be a non-negative integer, not `{text}`"))),
            }
        };
        let limit = match number("limit")? {
            None => DEFAULT_LIMIT,
            Some(0) => return Err(ApiError::invalid("`limit` must be at least 1")),
            Some(n) => n.min(MAX_LIMIT),
        };
        let offset = number("offset")?.unwrap_or(0);
        if offset.saturating_add(limit) > MAX_WINDOW {
            return Err(ApiError::invalid(format!(
                "offset + limit must be at most {MAX_WINDOW} (got {offset} + {limit}); narrow the query instead"
            )));
        }
        Ok(Self {
            limit,
            offset,
            total: params.flag("total")?,
        })
    }

    /// The slice of a `len`-item list this page covers.
    pub fn window(&self, len: usize) -> Range<usize> {
        let start = self.offset.min(len);
        start..self.offset.saturating_add(self.limit).min(len)
    }

    /// `{key: items, "limit", "offset", "more", "total"}` for a list of `len` items.
    pub fn envelope(&self, key: &str, items: Vec<Value>, len: usize) -> Value {
        let mut body = json!({
            "limit": self.limit,
            "offset": self.offset,
            "more": self.offset.saturating_add(self.limit) < len,
            "total": if self.total { json!(len) } else { Value::Null },
        });
        body[key] = Value::Array(items);
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paging(raw: &str) -> Result<Paging, ApiError> {
        Paging::parse(&Params::parse(Some(raw)))
    }

    #[test]
    fn defaults_caps_and_the_offset_limit() {
        assert_eq!(
            paging("").ok(),
            Some(Paging {
                limit: 25,
                offset: 0,
                total: false
            })
        );
        assert_eq!(paging("limit=500").ok().map(|p| p.limit), Some(100));
        assert!(paging("limit=0").is_err());
        assert!(paging("limit=-1").is_err());
        assert!(paging("offset=abc").is_err());
        assert!(paging("offset=9900&limit=100").is_ok());
        assert!(paging("offset=9901&limit=100").is_err());
        assert!(paging("offset=9990").is_err(), "the default limit counts");
        assert!(paging("offset=99999999999999999999999").is_err());
    }

    #[test]
    fn windows_and_envelopes() {
        let p = Paging {
            limit: 10,
            offset: 20,
            total: true,
        };
        assert_eq!(p.window(25), 20..25);
        assert_eq!(p.window(5), 5..5);
        let body = p.envelope("things", vec![json!(1)], 25);
        assert_eq!(body["more"], false);
        assert_eq!(body["total"], 25);
        let body = Paging { total: false, ..p }.envelope("things", vec![], 31);
        assert_eq!(body["more"], true);
        assert!(body["total"].is_null());
    }
}
