//! Text from outside (PagerDuty, identity servers, callback parameters) is
//! made safe for a terminal here: control characters and escape sequences are
//! removed before anything reaches the screen or a log line.

/// Remove escape sequences whole (CSI such as `ESC [ 2 J`, OSC such as
/// `ESC ] 52 ; ... BEL`, DCS/SOS/PM/APC strings, and their 8-bit C1 forms),
/// the remaining C0/C1 control characters and bidirectional overrides; tabs
/// and newlines become spaces so one field stays on one line. Removing only
/// the ESC byte would leave `[2J[31m` litter in a title.
pub fn for_terminal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\t' | '\n' | '\r' => out.push(' '),
            '\u{1b}' => match chars.peek() {
                Some('[') => {
                    chars.next();
                    skip_csi(&mut chars);
                }
                Some(']' | 'P' | 'X' | '^' | '_') => {
                    chars.next();
                    skip_string(&mut chars);
                }
                // A two-character escape (ESC 7, ESC c, ...): drop its final.
                Some(next) if ('\u{20}'..='\u{7e}').contains(next) => {
                    chars.next();
                }
                _ => {}
            },
            '\u{9b}' => skip_csi(&mut chars),
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            c if c.is_control() => {}
            // Bidi overrides and isolates can reorder what the admin reads.
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Skip a control sequence's parameters and intermediates up to its final
/// byte (`@` to `~`); a sequence cut short by other text ends there.
fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(&c) = chars.peek() {
        match c {
            '\u{30}'..='\u{3f}' | '\u{20}'..='\u{2f}' => {
                chars.next();
            }
            '\u{40}'..='\u{7e}' => {
                chars.next();
                return;
            }
            _ => return,
        }
    }
}

/// Skip an OSC/DCS-style string up to its terminator (BEL, ST or `ESC \\`).
/// An unterminated string swallows the rest of the text, as a terminal
/// would.
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{07}' | '\u{9c}' => return,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                return;
            }
            _ => {}
        }
    }
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
        assert_eq!(clean, "down  now", "whole sequences go, not just their ESC");
    }

    #[test]
    fn leaves_no_sequence_litter() {
        assert_eq!(
            for_terminal("\x1b[2J\x1b[H\x1b[31mDisk full\x1b[0m on db-7"),
            "Disk full on db-7"
        );
        assert_eq!(for_terminal("a\x1b[38;2;255;0;0mb\x1b[?25lc"), "abc");
        assert_eq!(for_terminal("x\x1b]8;;https://evil\x1b\\link\x1b]8;;\x1b\\y"), "xlinky");
        assert_eq!(for_terminal("t\x1bPq#0;2;0;0;0\x1b\\u"), "tu");
        assert_eq!(for_terminal("reset\x1bc here \x1b7saved"), "reset here saved");
        assert_eq!(for_terminal("\u{9b}1;31mred\u{9d}0;title\u{9c}!"), "red!");
        // A lone ESC at the end, or before a non-ASCII character.
        assert_eq!(for_terminal("end\x1b"), "end");
        assert_eq!(for_terminal("\x1bé"), "é");
        // A control sequence cut short keeps the text after it.
        assert_eq!(for_terminal("\x1b[12é ok"), "é ok");
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

        #[test]
        fn plain_text_is_kept(s in "[^\\p{Cc}\u{200E}\u{200F}\u{202A}-\u{202E}\u{2066}-\u{2069}]*") {
            proptest::prop_assert_eq!(for_terminal(&s), s);
        }
    }
}
