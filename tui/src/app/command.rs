//! The `:` command bar: the commands it knows, completion with Tab (the
//! common part first, then one suggestion after another), unambiguous
//! prefixes, and a clear word for anything else.

use pdauth_common::browse::Resource;
use pdauth_common::sanitize;

use super::{App, Screen, Tone};
use crate::keymap::{Action, Erase};
use crate::msg::Effect;

/// Where a command leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Show(Screen),
    Quit,
}

/// Every command, in the order suggestions are shown.
pub const COMMANDS: [(&str, Target); 10] = [
    ("incidents", Target::Show(Screen::List(Resource::Incidents))),
    ("services", Target::Show(Screen::List(Resource::Services))),
    ("users", Target::Show(Screen::List(Resource::Users))),
    ("schedules", Target::Show(Screen::List(Resource::Schedules))),
    ("oncall", Target::Show(Screen::List(Resource::Oncalls))),
    ("policies", Target::Show(Screen::List(Resource::EscalationPolicies))),
    ("teams", Target::Show(Screen::List(Resource::Teams))),
    ("tokens", Target::Show(Screen::Tokens)),
    ("audit", Target::Show(Screen::Audit)),
    ("quit", Target::Quit),
];

/// The command bar being typed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommandBar {
    pub text: String,
    /// While Tab steps through suggestions: what was typed, and which
    /// suggestion is in the bar.
    pub cycle: Option<(String, usize)>,
}

/// The commands starting with `text` (ignoring case and a leading `:`).
pub fn suggestions(text: &str) -> Vec<&'static str> {
    let text = text.trim().trim_start_matches(':').to_lowercase();
    COMMANDS
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| name.starts_with(&text))
        .collect()
}

/// What `text` names: a whole command or the one it begins; otherwise why
/// not.
pub fn resolve(text: &str) -> Result<Target, String> {
    let word = text.trim().trim_start_matches(':').to_lowercase();
    if word.is_empty() {
        return Err(String::new());
    }
    if let Some((_, target)) = COMMANDS.iter().find(|(name, _)| *name == word) {
        return Ok(*target);
    }
    let matches: Vec<&(&str, Target)> = COMMANDS.iter().filter(|(name, _)| name.starts_with(&word)).collect();
    match matches.as_slice() {
        [(_, target)] => Ok(*target),
        [] => Err(format!(
            "Unknown command :{}. Try :{}.",
            sanitize::truncated(&word, 30),
            COMMANDS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", :")
        )),
        many => {
            let names: Vec<&str> = many.iter().map(|(n, _)| *n).collect();
            Err(format!(
                ":{} could be :{}; type more or press Tab.",
                sanitize::truncated(&word, 30),
                names.join(" or :")
            ))
        }
    }
}

impl CommandBar {
    /// The suggestions to show under the bar.
    pub fn suggestions(&self) -> Vec<&'static str> {
        match &self.cycle {
            Some((typed, _)) => suggestions(typed),
            None => suggestions(&self.text),
        }
    }

    /// Tab: the one match, else the part every match shares, else the
    /// next suggestion in turn.
    pub fn complete(&mut self) {
        if let Some((typed, n)) = &self.cycle {
            let all = suggestions(typed);
            if !all.is_empty() {
                let next = (n + 1) % all.len();
                self.text = all[next].to_string();
                self.cycle = Some((typed.clone(), next));
            }
            return;
        }
        let all = suggestions(&self.text);
        match all.as_slice() {
            [] => {}
            [one] => self.text = one.to_string(),
            many => {
                let common = common_prefix(many);
                if common.len() > self.text.trim().len() {
                    self.text = common;
                } else {
                    self.cycle = Some((self.text.clone(), 0));
                    self.text = many[0].to_string();
                }
            }
        }
    }

    pub fn push(&mut self, c: char) {
        self.cycle = None;
        self.text.push(c);
    }

    pub fn erase(&mut self, erase: Erase) {
        self.cycle = None;
        erase.apply(&mut self.text);
    }
}

fn common_prefix(words: &[&str]) -> String {
    let first = words.first().copied().unwrap_or("");
    let len = first
        .char_indices()
        .map(|(i, c)| i + c.len_utf8())
        .take_while(|end| words.iter().all(|w| w.starts_with(&first[..*end])))
        .last()
        .unwrap_or(0);
    first[..len].to_string()
}

impl App {
    /// Keys of the command bar.
    pub(super) fn command_act(&mut self, action: Action) -> Vec<Effect> {
        let Some(bar) = self.command.as_mut() else {
            return Vec::new();
        };
        match action {
            Action::CommandChar(c) => bar.push(c),
            // Backspace on an empty bar closes it, as in k9s and vim.
            Action::CommandErase(Erase::Char) if bar.text.is_empty() => self.command = None,
            Action::CommandErase(erase) => bar.erase(erase),
            Action::CommandComplete => bar.complete(),
            Action::CommandCancel => self.command = None,
            Action::CommandRun => {
                let text = bar.text.clone();
                self.command = None;
                return match resolve(&text) {
                    Ok(Target::Quit) => vec![Effect::Quit],
                    Ok(Target::Show(screen)) => {
                        // An earlier complaint (an unknown command) is answered.
                        self.notice = None;
                        self.open_screen(screen)
                    }
                    Err(why) if why.is_empty() => Vec::new(),
                    Err(why) => {
                        self.notify(Tone::Error, why);
                        Vec::new()
                    }
                };
            }
            _ => {}
        }
        Vec::new()
    }

    /// Go to `screen` from a command: a list needs a profile to browse.
    fn open_screen(&mut self, screen: Screen) -> Vec<Effect> {
        self.dialog = None;
        self.detail = None;
        if matches!(screen, Screen::List(_)) && self.browse.profile.is_none() {
            let usable = self.usable_profiles().first().map(|p| p.to_string());
            match usable {
                Some(p) => self.browse.profile = Some(p),
                None => {
                    self.notify(Tone::Error, "No profile has a usable token: :tokens, then l to log in.");
                    return Vec::new();
                }
            }
        }
        if screen == self.screen {
            self.browse.item = None;
            return Vec::new();
        }
        self.switch(screen, true)
    }
}
