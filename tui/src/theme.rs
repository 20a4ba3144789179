//! Colours and text styles of the terminal UI, in one place. Views ask here;
//! nothing else picks a colour.

use pdauth_common::TokenState;
use ratatui::style::{Color, Modifier, Style};

use crate::app::Tone;

/// The colour that says how a token is doing.
pub fn state_color(state: TokenState) -> Color {
    match state {
        TokenState::Valid => Color::Green,
        TokenState::Expiring | TokenState::Refreshing => Color::Yellow,
        TokenState::LoginPending => Color::Cyan,
        TokenState::RefreshFailing | TokenState::Unpersisted => Color::LightRed,
        TokenState::Expired | TokenState::NeedsLogin => Color::Red,
        TokenState::LoggedOut => Color::DarkGray,
        TokenState::Error => Color::Magenta,
    }
}

pub fn state(state: TokenState) -> Style {
    let style = Style::new().fg(state_color(state));
    match state {
        TokenState::Expired | TokenState::NeedsLogin | TokenState::Error | TokenState::RefreshFailing => {
            style.add_modifier(Modifier::BOLD)
        }
        _ => style,
    }
}

pub fn title() -> Style {
    Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
}

pub fn header() -> Style {
    Style::new().add_modifier(Modifier::REVERSED)
}

pub fn table_header() -> Style {
    Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
}

pub fn selected() -> Style {
    Style::new().bg(Color::DarkGray).add_modifier(Modifier::BOLD)
}

pub fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}

pub fn key() -> Style {
    Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)
}

pub fn missing_scope() -> Style {
    Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
}

pub fn url() -> Style {
    Style::new().fg(Color::LightBlue).add_modifier(Modifier::UNDERLINED)
}

pub fn link_up() -> Style {
    Style::new().fg(Color::Green)
}

pub fn link_down() -> Style {
    Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
}

pub fn tone(tone: Tone) -> Style {
    match tone {
        Tone::Info => Style::new().fg(Color::Cyan),
        Tone::Success => Style::new().fg(Color::Green).add_modifier(Modifier::BOLD),
        Tone::Error => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
    }
}

pub fn warning() -> Style {
    Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)
}

pub fn error() -> Style {
    tone(Tone::Error)
}

pub fn success() -> Style {
    tone(Tone::Success)
}

/// An incident's status: triggered red, acknowledged yellow, resolved green.
pub fn incident_status(status: &str) -> Style {
    match status {
        "triggered" => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        "acknowledged" => Style::new().fg(Color::Yellow),
        "resolved" => Style::new().fg(Color::Green),
        _ => Style::new(),
    }
}

/// An incident's urgency: high stands out, low does not.
pub fn urgency(urgency: &str) -> Style {
    match urgency {
        "high" => Style::new().fg(Color::LightRed).add_modifier(Modifier::BOLD),
        _ => dim(),
    }
}

/// A service's status.
pub fn service_status(status: &str) -> Style {
    match status {
        "critical" => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        "warning" => Style::new().fg(Color::Yellow),
        "active" => Style::new().fg(Color::Green),
        "maintenance" => Style::new().fg(Color::Cyan),
        _ => dim(),
    }
}

/// The breadcrumbs and the status bar.
pub fn crumbs() -> Style {
    Style::new().fg(Color::Cyan)
}

pub fn status_bar() -> Style {
    Style::new().bg(Color::Black)
}
