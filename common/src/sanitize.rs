//! Text from outside (PagerDuty, identity servers, callback parameters) is
//! made safe for a terminal here: control characters and escape sequences are
//! removed before anything reaches the screen or a log line.

/// Remove C0/C1 control characters (ESC, CSI, BEL, ...) and bidirectional
/// overrides; tabs and newlines become spaces so one field stays on one line.
pub fn for_terminal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\t' | '\n' | '\r' => out.push(' '),
            c if c.is_control() => {}
            // Bidi overrides and isolates can reorder what the admin reads.
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' => {}
            c => out.push(c),
        }
    }
    out
}

/// [`for_terminal`], then cut to at most `max` characters with an ellipsis.
pub fn truncated(text: &str, max: usize) -> String {
    let clean = for_terminal(text);
    if clean.chars().count() <= max {
        return clean;
    }
    let mut out: String = clean.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_escape_sequences() {
        let hostile = "down\x1b]52;c;ZXZpbA==\x07 \x1b[2J\u{9b}31m now";
        let clean = for_terminal(hostile);
        assert!(!clean.contains('\x1b'));
        assert!(!clean.contains('\x07'));
        assert!(!clean.contains('\u{9b}'));
        assert!(clean.starts_with("down"));
    }

    #[test]
    fn truncates_on_characters() {
        assert_eq!(truncated("héllo wörld", 5), "héll…");
        assert_eq!(truncated("short", 10), "short");
    }

    proptest::proptest! {
        #[test]
        fn output_has_no_controls(s in ".*") {
            let clean = for_terminal(&s);
            proptest::prop_assert!(!clean.chars().any(|c| c.is_control()));
        }
    }
}
