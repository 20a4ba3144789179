//! Strict parsing of `application/x-www-form-urlencoded` data (query strings and form
//! bodies): percent-decoding, UTF-8 checking, duplicate detection and size limits.

use std::fmt;

/// Most parameters accepted in one query string or form body.
pub const MAX_PARAMS: usize = 64;
/// Longest accepted single value, in bytes after decoding.
pub const MAX_VALUE_LEN: usize = 4096;

/// Why form data was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormError {
    /// A `%` escape was not followed by two hex digits.
    BadEscape,
    /// A decoded name or value was not valid UTF-8.
    NotUtf8,
    /// More than [`MAX_PARAMS`] parameters.
    TooMany,
    /// A value longer than [`MAX_VALUE_LEN`].
    TooLong(String),
}

impl fmt::Display for FormError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormError::BadEscape => write!(f, "malformed percent-encoding"),
            FormError::NotUtf8 => write!(f, "parameters must be UTF-8"),
            FormError::TooMany => write!(f, "more than {MAX_PARAMS} parameters"),
            FormError::TooLong(name) => write!(f, "parameter `{name}` is longer than {MAX_VALUE_LEN} bytes"),
        }
    }
}

/// Decoded parameters in their original order, duplicates kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Parses raw form data.
    pub fn parse(raw: &[u8]) -> Result<Self, FormError> {
        let mut pairs = Vec::new();
        for piece in raw.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
            if pairs.len() == MAX_PARAMS {
                return Err(FormError::TooMany);
            }
            let (name, value) = match piece.iter().position(|&b| b == b'=') {
                Some(i) => (&piece[..i], &piece[i + 1..]),
                None => (piece, &[][..]),
            };
            let name = decode(name)?;
            let value = decode(value)?;
            if value.len() > MAX_VALUE_LEN {
                return Err(FormError::TooLong(truncate(&name)));
            }
            pairs.push((name, value));
        }
        Ok(Self { pairs })
    }

    /// All pairs in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// The value of `name` if it occurs exactly once; `Err` names it if it occurs twice or more.
    pub fn single(&self, name: &str) -> Result<Option<&str>, Duplicate> {
        let mut found = None;
        for (n, v) in &self.pairs {
            if n == name {
                if found.is_some() {
                    return Err(Duplicate(name.to_owned()));
                }
                found = Some(v.as_str());
            }
        }
        Ok(found)
    }

    /// The first parameter name that occurs more than once.
    pub fn first_duplicate(&self) -> Option<&str> {
        self.pairs
            .iter()
            .enumerate()
            .find(|(i, (name, _))| self.pairs[..*i].iter().any(|(n, _)| n == name))
            .map(|(_, (name, _))| name.as_str())
    }

    /// Whether `name` occurs at all.
    pub fn contains(&self, name: &str) -> bool {
        self.pairs.iter().any(|(n, _)| n == name)
    }
}

/// A parameter that occurred more than once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate(pub String);

impl fmt::Display for Duplicate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "parameter `{}` was sent more than once", self.0)
    }
}

/// A name shortened for use in an error message.
fn truncate(name: &str) -> String {
    name.chars().take(64).collect()
}

fn decode(raw: &[u8]) -> Result<String, FormError> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = raw.get(i + 1).and_then(|b| hex(*b));
                let lo = raw.get(i + 2).and_then(|b| hex(*b));
                match (hi, lo) {
                    (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
                    _ => return Err(FormError::BadEscape),
                }
                i += 2;
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| FormError::NotUtf8)
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Encodes pairs as `application/x-www-form-urlencoded`.
pub fn encode(pairs: &[(&str, &str)]) -> String {
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        serializer.append_pair(name, value);
    }
    serializer.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_plus_and_escapes() {
        let params = Params::parse(b"a=1+2&b=%2B%3D&c&d=").expect("valid");
        assert_eq!(params.single("a"), Ok(Some("1 2")));
        assert_eq!(params.single("b"), Ok(Some("+=")));
        assert_eq!(params.single("c"), Ok(Some("")));
        assert_eq!(params.single("missing"), Ok(None));
    }

    #[test]
    fn reports_duplicates() {
        let params = Params::parse(b"x=1&y=2&x=3").expect("valid");
        assert_eq!(params.single("x"), Err(Duplicate("x".into())));
        assert_eq!(params.first_duplicate(), Some("x"));
        assert_eq!(Params::parse(b"x=1").expect("valid").first_duplicate(), None);
    }

    #[test]
    fn refuses_hostile_input() {
        assert_eq!(Params::parse(b"a=%zz"), Err(FormError::BadEscape));
        assert_eq!(Params::parse(b"a=%4"), Err(FormError::BadEscape));
        assert_eq!(Params::parse(b"a=%ff%fe"), Err(FormError::NotUtf8));
        assert_eq!(Params::parse(&[b'a', b'=', 0xff]), Err(FormError::NotUtf8));
        let many = (0..=MAX_PARAMS)
            .map(|i| format!("p{i}=1"))
            .collect::<Vec<_>>()
            .join("&");
        assert_eq!(Params::parse(many.as_bytes()), Err(FormError::TooMany));
        let long = format!("v={}", "x".repeat(MAX_VALUE_LEN + 1));
        assert!(matches!(Params::parse(long.as_bytes()), Err(FormError::TooLong(_))));
    }

    #[test]
    fn encode_round_trips() {
        let encoded = encode(&[("code", "a+b/c"), ("state", "x y&z")]);
        let params = Params::parse(encoded.as_bytes()).expect("valid");
        assert_eq!(params.single("code"), Ok(Some("a+b/c")));
        assert_eq!(params.single("state"), Ok(Some("x y&z")));
    }
}
