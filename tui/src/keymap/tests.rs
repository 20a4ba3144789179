//! Keymap tests: which key does what in which mode, and that the help
//! and footer tables document it.

use super::*;

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

#[test]
fn ctrl_c_quits_everywhere() {
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    for mode in [Mode::Tokens, Mode::Disconnected, Mode::ConfirmRevoke, Mode::Revoking] {
        assert_eq!(action(mode, false, &ctrl_c), Some(Action::Quit));
        assert_eq!(action(mode, true, &ctrl_c), Some(Action::Quit));
    }
}

#[test]
fn approve_only_in_demo() {
    let a = key(KeyCode::Char('a'));
    assert_eq!(
        action(Mode::LoginWaiting { demo: true }, false, &a),
        Some(Action::Approve)
    );
    assert_eq!(action(Mode::LoginWaiting { demo: false }, false, &a), None);
    assert!(hints(Mode::LoginWaiting { demo: true }).iter().any(|h| h.keys == "a"));
    assert!(!hints(Mode::LoginWaiting { demo: false }).iter().any(|h| h.keys == "a"));
}

#[test]
fn help_swallows_screen_keys() {
    assert_eq!(action(Mode::Tokens, true, &key(KeyCode::Char('l'))), None);
    assert_eq!(action(Mode::Tokens, true, &key(KeyCode::Esc)), Some(Action::ToggleHelp));
    assert_eq!(action(Mode::Tokens, false, &key(KeyCode::Down)), Some(Action::Down));
}

#[test]
fn filter_mode_takes_every_printable_key() {
    for c in ['q', '?', 'j', 'l', '/', 'W'] {
        assert_eq!(
            action(Mode::Filter, false, &key(KeyCode::Char(c))),
            Some(Action::FilterChar(c))
        );
    }
    assert_eq!(
        action(Mode::Filter, false, &key(KeyCode::Esc)),
        Some(Action::ClearFilter)
    );
    assert_eq!(
        action(Mode::Filter, false, &key(KeyCode::Enter)),
        Some(Action::FilterDone)
    );
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(action(Mode::Filter, false, &ctrl_c), Some(Action::Quit));
}

#[test]
fn screens_and_panes() {
    assert_eq!(action(Mode::Tokens, false, &key(KeyCode::Enter)), Some(Action::Open));
    assert_eq!(
        action(Mode::Tokens, false, &key(KeyCode::Tab)),
        Some(Action::SwitchScreen)
    );
    assert_eq!(action(Mode::Detail, false, &key(KeyCode::Esc)), Some(Action::Back));
    assert_eq!(
        action(Mode::Audit, false, &key(KeyCode::Tab)),
        Some(Action::SwitchScreen)
    );
    assert_eq!(
        action(Mode::Audit, false, &key(KeyCode::Char('r'))),
        Some(Action::Reload)
    );
    assert_eq!(
        action(Mode::Detail, false, &key(KeyCode::Char('r'))),
        Some(Action::Refresh)
    );
    assert_eq!(
        action(Mode::Tokens, false, &key(KeyCode::Char('/'))),
        Some(Action::StartFilter)
    );
}

#[test]
fn every_mode_documents_quit_and_help() {
    for mode in [Mode::Tokens, Mode::Detail, Mode::Audit, Mode::Filter] {
        assert!(hints(mode).iter().any(|h| h.keys.contains('q')), "{mode:?}");
        assert!(!footer(mode).is_empty(), "{mode:?}");
    }
}

#[test]
fn the_command_bar_opens_from_every_screen_and_takes_every_printable_key() {
    let colon = key(KeyCode::Char(':'));
    for mode in [
        Mode::Tokens,
        Mode::Detail,
        Mode::Audit,
        Mode::List(Resource::Teams),
        Mode::Item(Resource::Incidents),
    ] {
        assert_eq!(action(mode, false, &colon), Some(Action::OpenCommand), "{mode:?}");
    }
    assert_eq!(action(Mode::Filter, false, &colon), Some(Action::FilterChar(':')));
    for c in ['q', '?', 'j', ':'] {
        assert_eq!(
            action(Mode::Command, false, &key(KeyCode::Char(c))),
            Some(Action::CommandChar(c))
        );
    }
    assert_eq!(
        action(Mode::Command, false, &key(KeyCode::Tab)),
        Some(Action::CommandComplete)
    );
    assert_eq!(
        action(Mode::Command, false, &key(KeyCode::Esc)),
        Some(Action::CommandCancel)
    );
    assert_eq!(
        action(Mode::Command, false, &key(KeyCode::Enter)),
        Some(Action::CommandRun)
    );
}

#[test]
fn quick_filters_belong_to_the_incidents_list() {
    let incidents = Mode::List(Resource::Incidents);
    assert_eq!(
        action(incidents, false, &key(KeyCode::Char('1'))),
        Some(Action::QuickStatus(Quick::Triggered))
    );
    assert_eq!(
        action(incidents, false, &key(KeyCode::Char('0'))),
        Some(Action::QuickStatus(Quick::Open))
    );
    assert_eq!(
        action(incidents, false, &key(KeyCode::Char('u'))),
        Some(Action::CycleUrgency)
    );
    assert_eq!(
        action(incidents, false, &key(KeyCode::Char('m'))),
        Some(Action::ToggleMine)
    );
    assert_eq!(action(incidents, false, &key(KeyCode::Char('j'))), Some(Action::Down));
    let users = Mode::List(Resource::Users);
    assert_eq!(action(users, false, &key(KeyCode::Char('1'))), None);
    assert_eq!(action(users, false, &key(KeyCode::Char('m'))), None);
    assert!(hints(incidents).iter().any(|h| h.keys == "u"));
    assert!(!hints(users).iter().any(|h| h.keys == "u"));
}

#[test]
fn lists_and_details_keys() {
    let list = Mode::List(Resource::Services);
    assert_eq!(action(list, false, &key(KeyCode::Enter)), Some(Action::Open));
    assert_eq!(action(list, false, &key(KeyCode::Char('s'))), Some(Action::CycleSort));
    assert_eq!(action(list, false, &key(KeyCode::Char('S'))), Some(Action::SortReverse));
    assert_eq!(
        action(list, false, &key(KeyCode::Char('p'))),
        Some(Action::SwitchProfile)
    );
    assert_eq!(action(list, false, &key(KeyCode::Char('r'))), Some(Action::Reload));
    assert_eq!(action(list, false, &key(KeyCode::PageDown)), Some(Action::PageDown));
    let item = Mode::Item(Resource::Incidents);
    assert_eq!(action(item, false, &key(KeyCode::Char('o'))), Some(Action::OpenBrowser));
    assert_eq!(action(item, false, &key(KeyCode::Esc)), Some(Action::Back));
    assert_eq!(action(item, false, &key(KeyCode::Char('G'))), Some(Action::Bottom));
    for mode in [list, item, Mode::Command] {
        assert!(!hints(mode).is_empty() && !footer(mode).is_empty(), "{mode:?}");
    }
}

#[test]
fn releases_are_ignored() {
    let mut k = key(KeyCode::Char('q'));
    k.kind = KeyEventKind::Release;
    assert_eq!(action(Mode::Tokens, false, &k), None);
}

#[test]
fn typed_lines_erase_like_a_shell() {
    let ctrl = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
    for (mode, wrap) in [
        (Mode::Filter, Action::FilterErase as fn(Erase) -> Action),
        (Mode::Command, Action::CommandErase),
    ] {
        assert_eq!(action(mode, false, &key(KeyCode::Backspace)), Some(wrap(Erase::Char)));
        assert_eq!(action(mode, false, &ctrl('h')), Some(wrap(Erase::Char)));
        assert_eq!(action(mode, false, &ctrl('w')), Some(wrap(Erase::Word)));
        assert_eq!(action(mode, false, &ctrl('u')), Some(wrap(Erase::Line)));
        assert_eq!(action(mode, true, &ctrl('u')), None, "not under the help");
    }
    // Elsewhere these keys do nothing rather than something surprising.
    assert_eq!(action(Mode::Tokens, false, &ctrl('u')), None);
    assert_eq!(action(Mode::List(Resource::Incidents), false, &ctrl('w')), None);
    for mode in [Mode::Filter, Mode::Command] {
        assert!(hints(mode).iter().any(|h| h.keys.contains("Ctrl-W")), "{mode:?} help");
    }
}

#[test]
fn erasing_takes_back_a_char_a_word_or_the_line() {
    let erased = |text: &str, how: Erase| {
        let mut t = text.to_string();
        how.apply(&mut t);
        t
    };
    assert_eq!(erased("db down", Erase::Char), "db dow");
    assert_eq!(erased("é", Erase::Char), "");
    assert_eq!(erased("", Erase::Char), "");
    assert_eq!(erased("db down", Erase::Word), "db ");
    assert_eq!(erased("db down  ", Erase::Word), "db ");
    assert_eq!(erased("checkout", Erase::Word), "");
    assert_eq!(erased("   ", Erase::Word), "");
    assert_eq!(erased("naïve café", Erase::Word), "naïve ");
    assert_eq!(erased("db down", Erase::Line), "");
}
