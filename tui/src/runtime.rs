//! The terminal UI's one async loop: owns the terminal (raw mode, alternate
//! screen, restored on exit and on panic) and the daemon link, turns keys,
//! ticks, daemon traffic and finished effects into messages for the reducer,
//! and carries out the effects it returns. No UI decisions are made here.

use std::io::{self, Stdout, Write};
use std::path::PathBuf;
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use crossterm::cursor::{Hide, MoveTo, Show};
use crossterm::event::{Event as TermEvent, EventStream};
use crossterm::style::{Attribute, Color, Print, ResetColor, SetAttribute, SetForegroundColor};
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use crossterm::{execute, queue};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio::time::MissedTickBehavior;

use crate::app::App;
use crate::client::{self, Handle, LinkUpdate, RETRY_INTERVAL};
use crate::msg::{Effect, Failure, Msg};
use crate::views::{self, RawUrl};
use crate::{browser, clock, demo};

/// How the UI is started.
#[derive(Debug, Clone)]
pub struct Options {
    /// The daemon's socket.
    pub socket: PathBuf,
    /// Offer the sandbox approval in the login dialog (`pdauth demo`).
    pub demo: bool,
}

/// Whether this process has the terminal in raw mode on the alternate screen.
static TERMINAL_TAKEN: AtomicBool = AtomicBool::new(false);

/// Put the terminal back the way the shell expects it. Only the first call
/// after taking the terminal acts: leaving the alternate screen twice would
/// move the cursor back over whatever was printed in between (a panic
/// message, say).
pub fn restore_terminal() {
    if TERMINAL_TAKEN.swap(false, Ordering::SeqCst) {
        let _ = disable_raw_mode();
        let _ = execute!(io::stdout(), LeaveAlternateScreen, Show);
    }
}

/// Restore the terminal before the panic message is printed, so the message
/// is readable and the shell usable.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore_terminal();
            previous(info);
        }));
    });
}

/// The terminal in raw mode on the alternate screen; restored on drop.
struct Screen {
    terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl Screen {
    fn enter() -> anyhow::Result<Self> {
        enable_raw_mode().context("cannot put the terminal in raw mode (is this a terminal?)")?;
        TERMINAL_TAKEN.store(true, Ordering::SeqCst);
        let mut stdout = io::stdout();
        if let Err(e) = execute!(stdout, EnterAlternateScreen, Hide) {
            restore_terminal();
            return Err(e).context("cannot switch to the alternate screen");
        }
        match Terminal::new(CrosstermBackend::new(stdout)) {
            Ok(terminal) => Ok(Screen { terminal }),
            Err(e) => {
                restore_terminal();
                Err(e).context("cannot set up the terminal")
            }
        }
    }

    fn draw(&mut self, app: &App) -> io::Result<()> {
        let now = clock::unix_now();
        let mut raw = None;
        self.terminal.draw(|frame| raw = views::draw(frame, app, now))?;
        if let Some(url) = raw {
            write_raw_url(self.terminal.backend_mut(), &url)?;
        }
        Ok(())
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// Print the URL in one write from column 0 so the terminal wraps it itself
/// (a mouse selection then copies it without line breaks). The cells already
/// hold the same characters in ratatui's buffer.
fn write_raw_url(out: &mut impl Write, url: &RawUrl) -> io::Result<()> {
    queue!(
        out,
        MoveTo(0, url.row),
        SetForegroundColor(Color::Blue),
        SetAttribute(Attribute::Underlined),
        Print(&url.text),
        SetAttribute(Attribute::Reset),
        ResetColor
    )?;
    out.flush()
}

/// Run the terminal UI until the user quits or the process is told to stop.
pub async fn run(options: Options) -> anyhow::Result<()> {
    let mut app = App::new(options.socket.display().to_string(), clock::unix_now());
    app.demo = options.demo;
    app.utc_offset = clock::local_offset();
    app.browser_available = browser::available();

    install_panic_hook();
    let mut screen = Screen::enter()?;

    let (link_tx, mut link_rx) = mpsc::channel(64);
    let link = tokio::spawn(client::maintain(options.socket.clone(), link_tx, RETRY_INTERVAL));
    let (msg_tx, mut msg_rx) = mpsc::unbounded_channel::<Msg>();
    let mut keys = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut sigterm = signal(SignalKind::terminate()).context("cannot watch SIGTERM")?;
    let mut sighup = signal(SignalKind::hangup()).context("cannot watch SIGHUP")?;
    let mut sigint = signal(SignalKind::interrupt()).context("cannot watch SIGINT")?;
    let mut handle: Option<Handle> = None;

    if let Ok((width, height)) = crossterm::terminal::size() {
        app.update(Msg::Resize { width, height });
    }
    screen.draw(&app)?;
    let result = loop {
        let msg = tokio::select! {
            event = keys.next() => match event {
                Some(Ok(TermEvent::Key(key))) => Msg::Key(key),
                Some(Ok(TermEvent::Resize(width, height))) => Msg::Resize { width, height },
                Some(Ok(_)) => continue,
                Some(Err(e)) => break Err(anyhow::Error::from(e).context("reading the terminal failed")),
                None => break Ok(()),
            },
            update = link_rx.recv() => match update {
                Some(LinkUpdate::Up { handle: h, daemon_version, profiles, storage }) => {
                    handle = Some(h);
                    Msg::Connected { daemon_version, profiles, storage }
                }
                Some(LinkUpdate::Event(event)) => Msg::Event(event),
                Some(LinkUpdate::Down { error }) => {
                    handle = None;
                    Msg::Disconnected { message: error.to_string() }
                }
                None => break Err(anyhow::anyhow!("the daemon link stopped unexpectedly")),
            },
            Some(msg) = msg_rx.recv() => msg,
            _ = tick.tick() => Msg::Tick { now: clock::unix_now() },
            _ = sigterm.recv() => break Ok(()),
            _ = sighup.recv() => break Ok(()),
            _ = sigint.recv() => break Ok(()),
        };
        let mut quit = false;
        for effect in app.update(msg) {
            match effect {
                Effect::Quit => quit = true,
                other => perform(other, handle.as_ref(), &msg_tx),
            }
        }
        if quit {
            break Ok(());
        }
        if let Err(e) = screen.draw(&app) {
            break Err(anyhow::Error::from(e).context("drawing failed"));
        }
    };
    link.abort();
    drop(screen);
    result
}

/// Start one effect; its outcome comes back on `tx` as a message.
fn perform(effect: Effect, handle: Option<&Handle>, tx: &mpsc::UnboundedSender<Msg>) {
    let tx = tx.clone();
    match effect {
        Effect::Quit => {}
        Effect::Request(request) => match handle {
            Some(handle) => {
                let handle = handle.clone();
                tokio::spawn(async move {
                    let result = handle.request(request.clone()).await.map_err(Failure::from);
                    let _ = tx.send(Msg::Replied { request, result });
                });
            }
            None => {
                let _ = tx.send(Msg::Replied {
                    request,
                    result: Err(Failure {
                        code: None,
                        message: "pdauthd is not connected".to_string(),
                    }),
                });
            }
        },
        Effect::OpenBrowser(url) => {
            tokio::spawn(async move {
                let _ = tx.send(Msg::BrowserOpened(browser::open(&url).await));
            });
        }
        Effect::ApproveInSandbox(url) => {
            tokio::spawn(async move {
                let result = demo::approve_in_sandbox(&url)
                    .await
                    .map(|approval| approval.summary())
                    .map_err(|e| e.to_string());
                let _ = tx.send(Msg::Approved(result));
            });
        }
    }
}
