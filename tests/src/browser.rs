//! Plays the browser on the sandbox: fetch the consent page, submit the form
//! the way a person clicking Approve or Deny would, and hand back the
//! redirect the identity server answered with, without following it.

use url::Url;

fn attr(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(pos) = lower[from..].find(&format!("{name}=")) {
        let at = from + pos;
        from = at + name.len() + 1;
        // Must be a whole attribute name.
        if at > 0 && !lower.as_bytes()[at - 1].is_ascii_whitespace() {
            continue;
        }
        let rest = &tag[at + name.len() + 1..];
        let value = match rest.chars().next()? {
            q @ ('"' | '\'') => rest[1..].split(q).next()?.to_string(),
            _ => rest.split(|c: char| c.is_whitespace() || c == '>').next()?.to_string(),
        };
        return Some(unescape(&value));
    }
    None
}

/// Decode the HTML character references a server may use in attribute values.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let tail = &rest[amp..];
        let decoded = tail.find(';').filter(|end| *end <= 10).and_then(|end| {
            let name = &tail[1..end];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ if name.starts_with("#x") || name.starts_with("#X") => {
                    u32::from_str_radix(&name[2..], 16).ok().and_then(char::from_u32)
                }
                _ if name.starts_with('#') => name[1..].parse().ok().and_then(char::from_u32),
                _ => None,
            };
            c.map(|c| (c, end + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &tail[len..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The fields a browser would submit for the first form on `html`, with
/// `decision` set, plus the form's action.
pub fn consent_form(html: &str, decision: &str) -> Option<(String, Vec<(String, String)>)> {
    let form_start = html.find("<form")?;
    let form_tag_end = html[form_start..].find('>')? + form_start;
    let action = attr(&html[form_start..=form_tag_end], "action")?;
    let mut fields = Vec::new();
    let mut user = None;
    let mut rest = &html[form_tag_end..];
    while let Some(pos) = rest.find("<input") {
        let end = rest[pos..].find('>')? + pos;
        let tag = &rest[pos..=end];
        let kind = attr(tag, "type").unwrap_or_default().to_ascii_lowercase();
        let name = attr(tag, "name");
        let value = attr(tag, "value").unwrap_or_default();
        match (kind.as_str(), name) {
            ("hidden", Some(name)) => fields.push((name, value)),
            ("radio", Some(name)) if user.is_none() || tag.contains("checked") => user = Some((name, value)),
            _ => {}
        }
        rest = &rest[end..];
    }
    fields.extend(user);
    fields.push(("decision".into(), decision.into()));
    Some((action, fields))
}

/// Open `authorize_url`, press `decision` ("approve" or "deny"), and return
/// the `Location` the identity server redirected to (not followed).
pub async fn consent(authorize_url: &str, decision: &str) -> anyhow::Result<String> {
    consent_trusting(authorize_url, decision, None).await
}

/// [`consent`] with an extra trusted CA (PEM), for a sandbox serving TLS.
pub async fn consent_trusting(authorize_url: &str, decision: &str, ca_pem: Option<&[u8]>) -> anyhow::Result<String> {
    let mut builder = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
    if let Some(pem) = ca_pem {
        builder = builder.add_root_certificate(reqwest::Certificate::from_pem(pem)?);
    }
    let http = builder.build()?;
    let page = http.get(authorize_url).send().await?;
    anyhow::ensure!(page.status().is_success(), "consent page answered {}", page.status());
    let html = page.text().await?;
    let (action, fields) = consent_form(&html, decision).ok_or_else(|| anyhow::anyhow!("no consent form"))?;
    let action = Url::parse(authorize_url)?.join(&action)?;
    let resp = http.post(action).form(&fields).send().await?;
    anyhow::ensure!(
        resp.status().is_redirection(),
        "consent answered {} instead of a redirect",
        resp.status()
    );
    let location = resp
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| anyhow::anyhow!("redirect without Location"))?;
    Ok(location.to_string())
}

/// Follow a redirect to the daemon's callback like a browser: returns the
/// status and the page.
pub async fn visit(url: &str) -> anyhow::Result<(u16, String)> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let resp = http
        .get(url)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.without_url()))?;
    let status = resp.status().as_u16();
    Ok((status, resp.text().await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_consent_form() {
        let html = r#"<html><form method="post" action="/oauth/authorize">
            <input type="hidden" name="state" value="a&amp;b">
            <input type="hidden" name="redirect_uri" value="http:&#x2F;&#x2F;h&#47;x">
            <input name='client_id' type='hidden' value='x'>
            <input type="radio" name="user_id" value="P1" checked>
            <input type="radio" name="user_id" value="P2">
            <button type="submit" name="decision" value="approve">Approve</button></form>"#;
        let (action, fields) = consent_form(html, "approve").unwrap();
        assert_eq!(action, "/oauth/authorize");
        assert!(fields.contains(&("state".into(), "a&b".into())));
        assert!(fields.contains(&("client_id".into(), "x".into())));
        assert!(fields.contains(&("redirect_uri".into(), "http://h/x".into())));
        assert!(fields.contains(&("user_id".into(), "P1".into())));
        assert!(fields.contains(&("decision".into(), "approve".into())));
    }
}
