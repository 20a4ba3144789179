//! Reading the sandbox's consent page: a small, forgiving HTML tag scanner
//! that finds the consent form, its hidden fields, the user choices and the
//! decision buttons, decoding HTML entities. Does no networking.

/// What the consent page asks the browser to send back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentForm {
    /// The form's `action`, entity-decoded, not yet resolved.
    pub action: String,
    /// The form's method, lower case (`post` when absent attributes say so).
    pub method: String,
    /// Hidden inputs in page order.
    pub hidden: Vec<(String, String)>,
    /// Values of the `user_id` radio inputs in page order.
    pub users: Vec<String>,
    /// The checked `user_id`, if one is marked `checked`.
    pub checked_user: Option<String>,
    /// Values of the `decision` buttons (`approve`, `deny`).
    pub decisions: Vec<String>,
}

impl ConsentForm {
    /// The user the browser would submit: the checked one, else the first.
    pub fn user(&self) -> Option<&str> {
        self.checked_user.as_deref().or(self.users.first().map(String::as_str))
    }
}

/// Why the page could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    #[error("the page has no consent form")]
    NoForm,
    #[error("the consent form has no approve button")]
    NoApprove,
    #[error("the consent form offers no user to act as")]
    NoUser,
}

/// One start or end tag.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Tag {
    name: String,
    closing: bool,
    attrs: Vec<(String, String)>,
}

impl Tag {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    fn has(&self, name: &str) -> bool {
        self.attrs.iter().any(|(k, _)| k == name)
    }
}

/// Find the consent form in `html`: the first form with a `decision` button,
/// or the first form when none has one.
pub fn parse(html: &str) -> Result<ConsentForm, FormError> {
    let tags = scan(html);
    let mut forms: Vec<ConsentForm> = Vec::new();
    let mut current: Option<ConsentForm> = None;
    for tag in tags {
        match (tag.name.as_str(), tag.closing) {
            ("form", false) => {
                if let Some(done) = current.take() {
                    forms.push(done);
                }
                current = Some(ConsentForm {
                    action: tag.attr("action").unwrap_or_default().to_string(),
                    method: tag.attr("method").unwrap_or("get").to_ascii_lowercase(),
                    hidden: Vec::new(),
                    users: Vec::new(),
                    checked_user: None,
                    decisions: Vec::new(),
                });
            }
            ("form", true) => {
                if let Some(done) = current.take() {
                    forms.push(done);
                }
            }
            ("input", false) | ("button", false) => {
                if let Some(form) = current.as_mut() {
                    add_control(form, &tag);
                }
            }
            _ => {}
        }
    }
    if let Some(done) = current.take() {
        forms.push(done);
    }
    let index = forms.iter().position(|f| !f.decisions.is_empty()).unwrap_or(0);
    if forms.is_empty() {
        return Err(FormError::NoForm);
    }
    let form = forms.swap_remove(index);
    if !form.decisions.iter().any(|d| d == "approve") {
        return Err(FormError::NoApprove);
    }
    if form.user().is_none() {
        return Err(FormError::NoUser);
    }
    Ok(form)
}

fn add_control(form: &mut ConsentForm, tag: &Tag) {
    let default_type = if tag.name == "button" { "submit" } else { "text" };
    let kind = tag.attr("type").unwrap_or(default_type).to_ascii_lowercase();
    let (Some(name), value) = (tag.attr("name"), tag.attr("value").unwrap_or_default()) else {
        return;
    };
    match kind.as_str() {
        "hidden" => form.hidden.push((name.to_string(), value.to_string())),
        "radio" if name == "user_id" => {
            form.users.push(value.to_string());
            if tag.has("checked") && form.checked_user.is_none() {
                form.checked_user = Some(value.to_string());
            }
        }
        "submit" if name == "decision" => form.decisions.push(value.to_string()),
        _ => {}
    }
}

/// Every tag of `html` in order; comments, doctypes and the bodies of
/// `script` and `style` are skipped. Tag and attribute names are lower-cased,
/// attribute values entity-decoded.
fn scan(html: &str) -> Vec<Tag> {
    let bytes = html.as_bytes();
    let mut tags = Vec::new();
    let mut i = 0;
    while let Some(offset) = html[i..].find('<') {
        i += offset;
        let rest = &html[i..];
        if rest.starts_with("<!--") {
            i = match rest.find("-->") {
                Some(end) => i + end + 3,
                None => html.len(),
            };
            continue;
        }
        if rest.starts_with("<!") || rest.starts_with("<?") {
            i = match rest.find('>') {
                Some(end) => i + end + 1,
                None => html.len(),
            };
            continue;
        }
        let closing = rest.starts_with("</");
        let mut j = i + if closing { 2 } else { 1 };
        let name_start = j;
        while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'-') {
            j += 1;
        }
        if j == name_start {
            // A lone '<' in text.
            i += 1;
            continue;
        }
        let name = html[name_start..j].to_ascii_lowercase();
        let (attrs, end) = attributes(html, j);
        i = end;
        if !closing && (name == "script" || name == "style") {
            let close = format!("</{name}");
            i = match html[i..].to_ascii_lowercase().find(&close) {
                Some(pos) => i + pos,
                None => html.len(),
            };
        }
        tags.push(Tag { name, closing, attrs });
    }
    tags
}

/// Attributes from `start` up to the tag's `>`; returns them and the index
/// after the `>` (or the end of input).
fn attributes(html: &str, start: usize) -> (Vec<(String, String)>, usize) {
    let bytes = html.as_bytes();
    let mut attrs = Vec::new();
    let mut j = start;
    loop {
        while j < bytes.len() && (bytes[j].is_ascii_whitespace() || bytes[j] == b'/') {
            j += 1;
        }
        if j >= bytes.len() {
            return (attrs, bytes.len());
        }
        if bytes[j] == b'>' {
            return (attrs, j + 1);
        }
        let name_start = j;
        while j < bytes.len() && !bytes[j].is_ascii_whitespace() && !matches!(bytes[j], b'=' | b'>' | b'/') {
            j += 1;
        }
        let name = html[name_start..j].to_ascii_lowercase();
        while j < bytes.len() && bytes[j].is_ascii_whitespace() {
            j += 1;
        }
        let mut value = String::new();
        if j < bytes.len() && bytes[j] == b'=' {
            j += 1;
            while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                j += 1;
            }
            if j < bytes.len() && (bytes[j] == b'"' || bytes[j] == b'\'') {
                let quote = bytes[j];
                let value_start = j + 1;
                let value_end = bytes[value_start..]
                    .iter()
                    .position(|b| *b == quote)
                    .map_or(bytes.len(), |p| value_start + p);
                value = decode_entities(&html[value_start..value_end]);
                j = (value_end + 1).min(bytes.len());
            } else {
                let value_start = j;
                // A `/` right before `>` closes the tag rather than ending the value.
                while j < bytes.len()
                    && !bytes[j].is_ascii_whitespace()
                    && bytes[j] != b'>'
                    && !(bytes[j] == b'/' && bytes.get(j + 1) == Some(&b'>'))
                {
                    j += 1;
                }
                value = decode_entities(&html[value_start..j]);
            }
        }
        if !name.is_empty() {
            attrs.push((name, value));
        }
    }
}

/// Decode the character references a server may use in attribute values:
/// the named ones for markup characters and every numeric one. Unknown or
/// malformed references are kept as written.
pub fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest
            .find(';')
            .filter(|semi| *semi <= 12)
            .and_then(|semi| entity(&rest[1..semi]).map(|c| (c, semi)));
        match decoded {
            Some((c, semi)) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix('x').or_else(|| num.strip_prefix('X')) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse::<u32>().ok()?,
        };
        return char::from_u32(code).filter(|c| *c != '\0');
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "sol" => '/',
        "equals" => '=',
        "colon" => ':',
        "plus" => '+',
        "percnt" => '%',
        "num" => '#',
        "quest" => '?',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<!doctype html>
<html><head><title>Authorize pdauth-demo</title>
<style>form > button { color: red } /* <form> in css */</style>
<script>var s = "<form action='/evil'>";</script></head>
<body>
<!-- <form action="/commented-out" method="post"> -->
<form method="post" action="/oauth/authorize">
  <input type="hidden" name="client_id" value="pdauth-demo">
  <input type="hidden" name="redirect_uri" value="http://127.0.0.1:8976/callback">
  <input type="hidden" name="state" value="a&amp;b&lt;c&#62;d&#x27;e&quot;">
  <input type="hidden" name="scope" value="read write">
  <label><input type="radio" name="user_id" value="PABC123" checked> Ada</label>
  <label><input type="radio" name="user_id" value="PDEF456"> Bob</label>
  <button type="submit" name="decision" value="approve">Approve</button>
  <button type="submit" name="decision" value="deny">Deny</button>
</form></body></html>"#;

    #[test]
    fn reads_the_sandbox_form() {
        let form = parse(PAGE).unwrap();
        assert_eq!(form.action, "/oauth/authorize");
        assert_eq!(form.method, "post");
        assert_eq!(
            form.hidden,
            vec![
                ("client_id".to_string(), "pdauth-demo".to_string()),
                ("redirect_uri".to_string(), "http://127.0.0.1:8976/callback".to_string()),
                ("state".to_string(), "a&b<c>d'e\"".to_string()),
                ("scope".to_string(), "read write".to_string()),
            ]
        );
        assert_eq!(form.users, vec!["PABC123", "PDEF456"]);
        assert_eq!(form.user(), Some("PABC123"));
        assert_eq!(form.decisions, vec!["approve", "deny"]);
    }

    #[test]
    fn attribute_order_quoting_and_case_do_not_matter() {
        let page = "<FORM ACTION='/go?a=1&amp;b=2' METHOD=POST>\
            <INPUT value='v 1' NAME=\"k1\" TYPE=hidden/>\
            <input name=k2 type=hidden value=plain>\
            <input value = \"x\" type = \"hidden\" name = \"k3\" >\
            <input checked value=P2 name=user_id type=radio>\
            <input name=user_id type=radio value=P1>\
            <button value=approve name=decision>ok</button></FORM>";
        let form = parse(page).unwrap();
        assert_eq!(form.action, "/go?a=1&b=2");
        assert_eq!(form.method, "post");
        assert_eq!(
            form.hidden,
            vec![
                ("k1".to_string(), "v 1".to_string()),
                ("k2".to_string(), "plain".to_string()),
                ("k3".to_string(), "x".to_string()),
            ]
        );
        assert_eq!(form.user(), Some("P2"));
    }

    #[test]
    fn first_user_when_none_is_checked() {
        let page = r#"<form method="post" action="/a"><input type="radio" name="user_id" value="P9">
            <input type="radio" name="user_id" value="P8"><button name="decision" value="approve"></button></form>"#;
        assert_eq!(parse(page).unwrap().user(), Some("P9"));
    }

    #[test]
    fn the_form_with_the_decision_wins() {
        let page = r#"<form action="/search"><input type="hidden" name="q" value="1"></form>
            <form method="post" action="/oauth/authorize"><input type="hidden" name="s" value="2">
            <input type="radio" name="user_id" value="P1">
            <button type="submit" name="decision" value="approve">Go</button></form>"#;
        let form = parse(page).unwrap();
        assert_eq!(form.action, "/oauth/authorize");
        assert_eq!(form.hidden, vec![("s".to_string(), "2".to_string())]);
    }

    #[test]
    fn pages_without_what_is_needed_are_errors() {
        assert_eq!(parse("<html><body>Bad request</body></html>"), Err(FormError::NoForm));
        assert_eq!(
            parse(
                r#"<form><input type="radio" name="user_id" value="P1"><button name="decision" value="deny"></button></form>"#
            ),
            Err(FormError::NoApprove)
        );
        assert_eq!(
            parse(r#"<form><button name="decision" value="approve"></button></form>"#),
            Err(FormError::NoUser)
        );
    }

    #[test]
    fn truncated_and_odd_markup_does_not_panic() {
        for page in [
            "<",
            "<form",
            "<form action=\"",
            "<form action='/x' <input",
            "a < b and c > d",
            "<!--",
            "<script>",
            "<form><input name=\"é\" value=\"ü&#xZZ;\" type=hidden></form>",
            "&&&;;;<<<>>>",
        ] {
            let _ = parse(page);
        }
    }

    #[test]
    fn entities() {
        assert_eq!(decode_entities("a&amp;b"), "a&b");
        assert_eq!(decode_entities("&lt;&gt;&quot;&apos;&#39;&#x2F;&#X41;"), "<>\"''/A");
        assert_eq!(decode_entities("&unknown; & &amp"), "&unknown; & &amp");
        assert_eq!(decode_entities("&#0;&#xFFFFFFFF;"), "&#0;&#xFFFFFFFF;");
        assert_eq!(decode_entities("caf&#233;"), "café");
    }
}
