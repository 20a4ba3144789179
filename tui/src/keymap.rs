//! Which key does what on which screen: the one table both the reducer (key
//! to action) and the help overlay and footer (action to words) read. No state
//! changes happen here.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use pdauth_common::browse::Resource;

/// What the user is looking at, as far as keys are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The profile table.
    Tokens,
    /// Typing the profile filter: printable keys go into it.
    Filter,
    /// One profile's health and audit timeline.
    Detail,
    /// The audit log of every profile.
    Audit,
    /// The "pdauthd is not running" screen.
    Disconnected,
    /// Login dialog, waiting for the daemon's answer or the browser.
    LoginWaiting { demo: bool },
    /// Login dialog after a failure.
    LoginFailed,
    /// "Revoke? y/n".
    ConfirmRevoke,
    /// Revocation sent, no answer yet.
    Revoking,
    /// What the revocation achieved.
    RevokeResult,
    /// Typing a `:` command.
    Command,
    /// A list of PagerDuty objects.
    List(Resource),
    /// The detail of one PagerDuty object.
    Item(Resource),
}

/// Which incidents the quick keys ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quick {
    /// `0`: triggered and acknowledged.
    Open,
    Triggered,
    Acknowledged,
    Resolved,
}

/// Something a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    Login,
    Revoke,
    /// Refresh the profile's tokens now.
    Refresh,
    /// Fetch the audit log again.
    Reload,
    /// Switch the profile list to its next order.
    CycleSort,
    /// Move to the next profile that needs attention.
    NextProblem,
    /// Open the selected profile's detail pane.
    Open,
    /// Leave the detail pane or the Audit screen.
    Back,
    /// Tokens ⇄ Audit.
    SwitchScreen,
    StartFilter,
    FilterChar(char),
    /// Backspace, Ctrl-W or Ctrl-U in the filter.
    FilterErase(Erase),
    /// Stop typing, keep the filter.
    FilterDone,
    /// Empty the filter.
    ClearFilter,
    ToggleHelp,
    Quit,
    OpenBrowser,
    Approve,
    Cancel,
    Confirm,
    Close,
    /// Open the `:` command bar.
    OpenCommand,
    CommandChar(char),
    /// Backspace, Ctrl-W or Ctrl-U in the command bar.
    CommandErase(Erase),
    /// Tab: complete the command.
    CommandComplete,
    CommandRun,
    CommandCancel,
    /// Reverse the list's order.
    SortReverse,
    /// Incidents of these statuses only.
    QuickStatus(Quick),
    /// Incidents of high, low or any urgency.
    CycleUrgency,
    /// Incidents assigned to the profile's user, or everyone's.
    ToggleMine,
    /// Browse the next profile with a usable token.
    SwitchProfile,
}

/// How much of a typed line a key takes back, as in a shell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Erase {
    /// Backspace: the last character.
    Char,
    /// Ctrl-W: the last word and the spaces after it.
    Word,
    /// Ctrl-U: everything.
    Line,
}

impl Erase {
    /// Take back from the end of `text`.
    pub fn apply(self, text: &mut String) {
        match self {
            Erase::Char => {
                text.pop();
            }
            Erase::Word => {
                let kept = text.trim_end().trim_end_matches(|c: char| !c.is_whitespace()).len();
                text.truncate(kept);
            }
            Erase::Line => text.clear(),
        }
    }
}

/// One line of help: the keys as printed, and what they do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hint {
    pub keys: &'static str,
    pub what: &'static str,
}

const fn hint(keys: &'static str, what: &'static str) -> Hint {
    Hint { keys, what }
}

/// The action for a key press in `mode`, with the help overlay open or not.
pub fn action(mode: Mode, help_open: bool, key: &KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl {
        let erase = match key.code {
            KeyCode::Char('c') | KeyCode::Char('C') => return Some(Action::Quit),
            // Terminals that send ^H for Backspace.
            KeyCode::Char('h') | KeyCode::Char('H') => Erase::Char,
            KeyCode::Char('w') | KeyCode::Char('W') | KeyCode::Backspace => Erase::Word,
            KeyCode::Char('u') | KeyCode::Char('U') => Erase::Line,
            _ => return None,
        };
        return match mode {
            _ if help_open => None,
            Mode::Filter => Some(Action::FilterErase(erase)),
            Mode::Command => Some(Action::CommandErase(erase)),
            _ => None,
        };
    }
    if help_open {
        return match key.code {
            KeyCode::Char('?') | KeyCode::Esc | KeyCode::Enter => Some(Action::ToggleHelp),
            KeyCode::Char('q') => Some(Action::Quit),
            _ => None,
        };
    }
    if mode == Mode::Filter {
        return match key.code {
            KeyCode::Esc => Some(Action::ClearFilter),
            KeyCode::Enter => Some(Action::FilterDone),
            KeyCode::Backspace => Some(Action::FilterErase(Erase::Char)),
            KeyCode::Down => Some(Action::Down),
            KeyCode::Up => Some(Action::Up),
            KeyCode::Char(c) if !c.is_control() => Some(Action::FilterChar(c)),
            _ => None,
        };
    }
    if mode == Mode::Command {
        return match key.code {
            KeyCode::Esc => Some(Action::CommandCancel),
            KeyCode::Enter => Some(Action::CommandRun),
            KeyCode::Tab => Some(Action::CommandComplete),
            KeyCode::Backspace => Some(Action::CommandErase(Erase::Char)),
            KeyCode::Char(c) if !c.is_control() => Some(Action::CommandChar(c)),
            _ => None,
        };
    }
    match key.code {
        KeyCode::Char(':')
            if matches!(
                mode,
                Mode::Tokens | Mode::Detail | Mode::Audit | Mode::List(_) | Mode::Item(_)
            ) =>
        {
            return Some(Action::OpenCommand);
        }
        KeyCode::Char('?') => return Some(Action::ToggleHelp),
        KeyCode::Char('q') => return Some(Action::Quit),
        _ => {}
    }
    let moves = |code: KeyCode| match code {
        KeyCode::Char('j') | KeyCode::Down => Some(Action::Down),
        KeyCode::Char('k') | KeyCode::Up => Some(Action::Up),
        KeyCode::Char('g') | KeyCode::Home => Some(Action::Top),
        KeyCode::Char('G') | KeyCode::End => Some(Action::Bottom),
        KeyCode::PageDown => Some(Action::PageDown),
        KeyCode::PageUp => Some(Action::PageUp),
        _ => None,
    };
    let list = |code: KeyCode| match code {
        KeyCode::Tab | KeyCode::BackTab => Some(Action::SwitchScreen),
        code => moves(code),
    };
    match mode {
        Mode::Tokens => match key.code {
            KeyCode::Enter => Some(Action::Open),
            KeyCode::Char('l') => Some(Action::Login),
            KeyCode::Char('x') => Some(Action::Revoke),
            KeyCode::Char('r') => Some(Action::Refresh),
            KeyCode::Char('/') => Some(Action::StartFilter),
            KeyCode::Char('s') => Some(Action::CycleSort),
            KeyCode::Char('n') => Some(Action::NextProblem),
            KeyCode::Esc => Some(Action::ClearFilter),
            code => list(code),
        },
        Mode::Detail => match key.code {
            KeyCode::Esc | KeyCode::Backspace => Some(Action::Back),
            KeyCode::Char('l') => Some(Action::Login),
            KeyCode::Char('x') => Some(Action::Revoke),
            KeyCode::Char('r') => Some(Action::Refresh),
            code => list(code),
        },
        Mode::Audit => match key.code {
            KeyCode::Esc => Some(Action::Back),
            KeyCode::Char('r') => Some(Action::Reload),
            code => list(code),
        },
        // Handled above.
        Mode::Filter => None,
        Mode::Disconnected | Mode::Revoking => None,
        Mode::LoginWaiting { demo } => match key.code {
            KeyCode::Char('o') => Some(Action::OpenBrowser),
            KeyCode::Char('a') if demo => Some(Action::Approve),
            KeyCode::Esc => Some(Action::Cancel),
            _ => None,
        },
        Mode::LoginFailed => match key.code {
            KeyCode::Char('l') => Some(Action::Login),
            KeyCode::Esc | KeyCode::Enter => Some(Action::Close),
            _ => None,
        },
        Mode::ConfirmRevoke => match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => Some(Action::Confirm),
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => Some(Action::Cancel),
            _ => None,
        },
        Mode::RevokeResult => match key.code {
            KeyCode::Esc | KeyCode::Enter => Some(Action::Close),
            _ => None,
        },
        Mode::Command => None,
        Mode::List(resource) => match key.code {
            KeyCode::Enter => Some(Action::Open),
            KeyCode::Esc => Some(Action::Back),
            KeyCode::Char('/') => Some(Action::StartFilter),
            KeyCode::Char('s') => Some(Action::CycleSort),
            KeyCode::Char('S') => Some(Action::SortReverse),
            KeyCode::Char('r') => Some(Action::Reload),
            KeyCode::Char('p') => Some(Action::SwitchProfile),
            KeyCode::Char(c) if resource == Resource::Incidents => match c {
                '0' => Some(Action::QuickStatus(Quick::Open)),
                '1' => Some(Action::QuickStatus(Quick::Triggered)),
                '2' => Some(Action::QuickStatus(Quick::Acknowledged)),
                '3' => Some(Action::QuickStatus(Quick::Resolved)),
                'u' => Some(Action::CycleUrgency),
                'm' => Some(Action::ToggleMine),
                _ => moves(key.code),
            },
            code => moves(code),
        },
        Mode::Item(_) => match key.code {
            KeyCode::Esc | KeyCode::Backspace => Some(Action::Back),
            KeyCode::Char('r') => Some(Action::Reload),
            KeyCode::Char('o') => Some(Action::OpenBrowser),
            code => moves(code),
        },
    }
}

/// Every key of `mode`, for the help overlay.
pub fn hints(mode: Mode) -> Vec<Hint> {
    let mut out = match mode {
        Mode::Tokens => vec![
            hint("j / ↓", "select the next profile"),
            hint("k / ↑", "select the previous profile"),
            hint("g / G", "first / last profile"),
            hint("Enter", "details and audit timeline of the profile"),
            hint("l", "log in to the selected profile"),
            hint("r", "refresh the selected profile's tokens now"),
            hint("x", "revoke the selected profile's tokens"),
            hint("/", "filter the profiles by name (Esc clears)"),
            hint("s", "order by name, severity or expiry"),
            hint("n", "next profile that needs attention"),
            hint("Tab", "switch to the Audit screen"),
            hint(":", "go to another screen (:incidents, :audit…)"),
        ],
        Mode::Filter => vec![
            hint("letters", "narrow the list as you type"),
            hint("↑ / ↓", "move in the narrowed list"),
            hint("Ctrl-W / Ctrl-U", "erase the last word / the whole filter"),
            hint("Enter", "keep the filter, back to the keys"),
            hint("Esc", "clear the filter"),
        ],
        Mode::Detail => vec![
            hint("j / k", "move in the timeline"),
            hint("PgUp / PgDn", "page through the timeline"),
            hint("r", "refresh the tokens now"),
            hint("l", "log in again"),
            hint("x", "revoke the tokens"),
            hint("Esc", "back to the profile list"),
            hint("Tab", "switch to the Audit screen"),
            hint(":", "go to another screen"),
        ],
        Mode::Audit => vec![
            hint("j / k", "move in the log"),
            hint("PgUp / PgDn", "page through the log"),
            hint("g / G", "newest / oldest"),
            hint("r", "fetch the log again"),
            hint("Tab / Esc", "back to the Tokens screen"),
            hint(":", "go to another screen"),
        ],
        Mode::Disconnected => vec![],
        Mode::LoginWaiting { demo } => {
            let mut v = vec![hint("o", "open the URL in a browser")];
            if demo {
                v.push(hint("a", "approve in the sandbox from this terminal"));
            }
            v.push(hint("Esc", "cancel the login"));
            v
        }
        Mode::LoginFailed => vec![hint("l", "try the login again"), hint("Esc / Enter", "close")],
        Mode::ConfirmRevoke => vec![hint("y", "revoke"), hint("n / Esc", "keep the tokens")],
        Mode::Revoking => vec![],
        Mode::RevokeResult => vec![hint("Esc / Enter", "close")],
        Mode::Command => vec![
            hint("letters", "type a screen's name"),
            hint("Tab", "complete it (again: the next suggestion)"),
            hint("Ctrl-W / Ctrl-U", "erase the last word / the whole line"),
            hint("Enter", "go there"),
            hint("Esc", "close the command bar"),
        ],
        Mode::List(resource) => {
            let mut v = vec![
                hint("j / k / ↑ / ↓", "move"),
                hint("g / G", "first / last row"),
                hint("PgUp / PgDn", "page up / down"),
                hint("Enter", "details of the row"),
                hint("/", "filter the rows as you type"),
                hint("s / S", "order by the next column / reverse"),
            ];
            if resource == Resource::Incidents {
                v.extend([
                    hint("1 / 2 / 3", "triggered / acknowledged / resolved"),
                    hint("0", "every open incident (drops the other quick filters)"),
                    hint("u", "urgency: high, low or any"),
                    hint("m", "assigned to me, or to anyone"),
                ]);
            }
            v.extend([
                hint("r", "reload from PagerDuty now"),
                hint("p", "browse the next profile"),
                hint(":", "go to another screen (:incidents, :tokens…)"),
                hint("Esc", "clear the filter, then back"),
            ]);
            v
        }
        Mode::Item(_) => vec![
            hint("j / k / ↑ / ↓", "scroll"),
            hint("g / G", "top / bottom"),
            hint("PgUp / PgDn", "page up / down"),
            hint("o", "open the web page in a browser"),
            hint("r", "reload from PagerDuty now"),
            hint(":", "go to another screen"),
            hint("Esc", "back to the list"),
        ],
    };
    out.push(hint("?", "show or hide this help"));
    out.push(hint("q / Ctrl-C", "quit"));
    out
}

/// The short footer line for `mode`.
pub fn footer(mode: Mode) -> Vec<Hint> {
    match mode {
        Mode::Tokens => vec![
            hint("↵", "details"),
            hint("l", "login"),
            hint("r", "refresh"),
            hint("x", "revoke"),
            hint("/", "filter"),
            hint("Tab", "audit"),
            hint("s", "sort"),
            hint("n", "next problem"),
            hint("?", "help"),
            hint("q", "quit"),
        ],
        Mode::Filter => vec![hint("Enter", "keep"), hint("Esc", "clear"), hint("↑/↓", "move")],
        Mode::Detail => vec![
            hint("Esc", "back"),
            hint("r", "refresh"),
            hint("l", "login"),
            hint("x", "revoke"),
            hint("j/k", "timeline"),
            hint("?", "help"),
            hint("q", "quit"),
        ],
        Mode::Audit => vec![
            hint("Tab", "tokens"),
            hint("j/k", "move"),
            hint("r", "reload"),
            hint("?", "help"),
            hint("q", "quit"),
        ],
        Mode::Disconnected => vec![hint("?", "help"), hint("q", "quit")],
        Mode::LoginWaiting { demo: false } => vec![
            hint("o", "open browser"),
            hint("Esc", "cancel"),
            hint("?", "help"),
            hint("q", "quit"),
        ],
        Mode::LoginWaiting { demo: true } => vec![
            hint("o", "open browser"),
            hint("a", "approve"),
            hint("Esc", "cancel"),
            hint("?", "help"),
            hint("q", "quit"),
        ],
        Mode::LoginFailed => vec![hint("l", "retry"), hint("Esc", "close"), hint("q", "quit")],
        Mode::ConfirmRevoke => vec![hint("y", "revoke"), hint("n", "keep"), hint("q", "quit")],
        Mode::Revoking => vec![hint("q", "quit")],
        Mode::RevokeResult => vec![hint("Esc", "close"), hint("q", "quit")],
        Mode::Command => vec![hint("Tab", "complete"), hint("Enter", "go"), hint("Esc", "close")],
        Mode::List(Resource::Incidents) => vec![
            hint("↵", "open"),
            hint("/", "filter"),
            hint(":", "screens"),
            hint("1/2/3/0", "status"),
            hint("u", "urgency"),
            hint("m", "mine"),
            hint("s/S", "sort"),
            hint("r", "reload"),
            hint("p", "profile"),
            hint("?", "help"),
            hint("q", "quit"),
        ],
        Mode::List(_) => vec![
            hint("↵", "open"),
            hint("/", "filter"),
            hint(":", "screens"),
            hint("s/S", "sort"),
            hint("r", "reload"),
            hint("p", "profile"),
            hint("Esc", "back"),
            hint("?", "help"),
            hint("q", "quit"),
        ],
        Mode::Item(_) => vec![
            hint("Esc", "back"),
            hint("j/k", "scroll"),
            hint("o", "browser"),
            hint("r", "reload"),
            hint(":", "screens"),
            hint("?", "help"),
            hint("q", "quit"),
        ],
    }
}

#[cfg(test)]
mod tests;
