//! Building blocks of the detail renderers: PagerDuty text made safe for the
//! terminal, and lines wrapped to the pane's width: the title, labelled
//! fields, section headings, table-like rows and copyable links.

use pdauth_common::browse::{Part, Ref};

use super::PartsInfo;
use pdauth_common::sanitize;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::wrap::{cut, pad, width_of, wrap};
use crate::theme;

/// Width of the label column of fields.
pub(super) const LABEL: usize = 10;

/// Characters that end a line in PagerDuty's multi-line text.
const BREAKS: [char; 7] = ['\n', '\r', '\u{0B}', '\u{0C}', '\u{85}', '\u{2028}', '\u{2029}'];

/// PagerDuty text on one line: escape sequences, controls, bidi controls and
/// line breaks gone (see [`sanitize::for_terminal`]).
pub(super) fn clean(text: &str) -> String {
    sanitize::for_terminal(text)
        .chars()
        .filter_map(|c| match c {
            '\u{2028}' | '\u{2029}' => Some(' '),
            // Bidi marks the common sanitiser leaves, and a stray byte-order mark.
            '\u{061C}' | '\u{FEFF}' => None,
            c => Some(c),
        })
        .collect()
}

/// PagerDuty text that may span lines, one cleaned string per line, without
/// blank lines before or after.
pub(super) fn clean_lines(text: &str) -> Vec<String> {
    let text = text.replace("\r\n", "\n");
    let lines: Vec<String> = text.split(BREAKS).map(|l| clean(l).trim_end().to_string()).collect();
    let first = lines.iter().position(|l| !l.trim().is_empty());
    let last = lines.iter().rposition(|l| !l.trim().is_empty());
    match (first, last) {
        (Some(first), Some(last)) => lines[first..=last].to_vec(),
        _ => Vec::new(),
    }
}

/// What a reference is called: its summary, else its id.
pub(super) fn name(r: &Ref) -> String {
    let summary = clean(&r.summary);
    if summary.trim().is_empty() {
        clean(&r.id)
    } else {
        summary
    }
}

/// Names of references, comma separated.
pub(super) fn names(refs: &[Ref]) -> String {
    refs.iter().map(name).collect::<Vec<_>>().join(", ")
}

/// PagerDuty's snake_case words for people (`limited_user` → `limited user`).
pub(super) fn words(text: &str) -> String {
    clean(text).replace('_', " ")
}

/// The widest of `texts`, at most `cap` columns.
pub(super) fn column<'a>(texts: impl IntoIterator<Item = &'a str>, cap: usize) -> usize {
    texts.into_iter().map(width_of).max().unwrap_or(0).min(cap)
}

pub(super) fn dim(text: impl Into<String>) -> Span<'static> {
    Span::styled(text.into(), theme::dim())
}

/// A column of a table-like row: text, style and width in columns.
pub(super) struct Col {
    pub text: String,
    pub style: Style,
    pub width: usize,
}

impl Col {
    pub fn new(text: impl Into<String>, style: Style, width: usize) -> Col {
        Col {
            text: text.into(),
            style,
            width,
        }
    }
}

/// Lines of a detail, wrapped to one width as they are added.
pub(super) struct Doc<'a> {
    width: usize,
    lines: Vec<Line<'static>>,
    /// What the daemon said of the related lists.
    parts: PartsInfo<'a>,
}

impl<'a> Doc<'a> {
    pub fn new(width: u16, parts: PartsInfo<'a>) -> Doc<'a> {
        Doc {
            width: usize::from(width),
            lines: Vec::new(),
            parts,
        }
    }

    pub fn width(&self) -> usize {
        self.width
    }

    pub fn into_lines(self) -> Vec<Line<'static>> {
        self.lines
    }

    /// `spans` wrapped, continuation lines indented by `indent`.
    pub fn push(&mut self, spans: Vec<Span<'static>>, indent: usize) {
        let lines = wrap(spans, self.width, indent);
        self.lines.extend(lines);
    }

    pub fn blank(&mut self) {
        if self.width > 0 {
            self.lines.push(Line::default());
        }
    }

    /// The name of the object, first.
    pub fn title(&mut self, spans: Vec<Span<'static>>) {
        self.push(spans, 2);
    }

    /// The heading of a related list, with its count; when PagerDuty would
    /// not give the list, the heading says so with why, and `false` tells
    /// the caller to show nothing under it (an empty list would read as
    /// "none").
    /// A list PagerDuty has more of says how many are shown ("first 100").
    pub fn part(&mut self, text: &str, part: Part, count: usize) -> bool {
        if self.parts.unread.iter().any(|u| u.part == part) {
            self.heading(text, None);
            self.read(part, "")
        } else if self.parts.cut.contains(&part) {
            self.blank();
            self.push(
                vec![
                    Span::styled(text.to_string(), theme::table_header()),
                    Span::styled(format!(" (first {count}; PagerDuty has more)"), theme::dim()),
                ],
                2,
            );
            true
        } else {
            self.heading(text, Some(count));
            true
        }
    }

    /// Whether PagerDuty gave the related list `part`; when it did not, a
    /// line says that `what` was not read, and why.
    pub fn read(&mut self, part: Part, what: &str) -> bool {
        let Some(unread) = self.parts.unread.iter().find(|u| u.part == part) else {
            return true;
        };
        self.push(
            vec![
                Span::raw("  "),
                Span::styled(format!("{what}not read: "), theme::error()),
                Span::raw(clean(&unread.message)),
            ],
            4,
        );
        false
    }

    /// A bold section heading after a blank line, with a count when given.
    pub fn heading(&mut self, text: &str, count: Option<usize>) {
        self.blank();
        let text = match count {
            Some(n) => format!("{text} ({n})"),
            None => text.to_string(),
        };
        self.push(vec![Span::styled(text, theme::table_header())], 2);
    }

    /// `label` in the label column, then the value, wrapped under itself.
    pub fn field(&mut self, label: &str, value: Vec<Span<'static>>) {
        let indent = if self.width >= 3 * LABEL { LABEL } else { 2 };
        let mut spans = vec![dim(pad(label, LABEL))];
        spans.extend(value);
        self.push(spans, indent);
    }

    /// A field whose value may be missing.
    pub fn field_or(&mut self, label: &str, value: Option<String>, missing: &str) {
        match value.filter(|v| !v.trim().is_empty()) {
            Some(v) => self.field(label, vec![Span::raw(v)]),
            None => self.field(label, vec![dim(missing)]),
        }
    }

    /// A field of PagerDuty text that may span lines: each line cleaned and
    /// wrapped under the value column.
    pub fn text_field(&mut self, label: &str, text: Option<&str>) {
        let lines = text.map(clean_lines).unwrap_or_default();
        if lines.is_empty() {
            self.field(label, vec![dim("none")]);
            return;
        }
        let indent = if self.width >= 3 * LABEL { LABEL } else { 2 };
        for (i, line) in lines.into_iter().enumerate() {
            let lead = if i == 0 {
                dim(pad(label, LABEL))
            } else {
                Span::raw(" ".repeat(indent))
            };
            self.push(vec![lead, Span::raw(line)], indent);
        }
    }

    /// A dim remark in a section (`none`).
    pub fn note(&mut self, text: &str) {
        self.push(vec![Span::raw("  "), dim(text)], 4);
    }

    /// The web link on lines of its own, in full, cut only at the width, so
    /// that it can be copied.
    pub fn link(&mut self, url: Option<&str>) {
        let url = url.map(clean).filter(|u| !u.trim().is_empty());
        let Some(url) = url else {
            self.field("Link", vec![dim("none")]);
            return;
        };
        self.field("Link", Vec::new());
        for piece in cut(&url, self.width) {
            self.lines.push(Line::from(Span::styled(piece, theme::url())));
        }
    }

    /// A row of columns, then free text. Columns are padded to their widths
    /// when they take at most two thirds of the width, and the text wraps
    /// under itself; narrower, everything flows and wraps under the row.
    pub fn row(&mut self, cols: Vec<Col>, rest: Vec<Span<'static>>) {
        const LEAD: usize = 2;
        let table = LEAD + cols.iter().map(|c| c.width + 2).sum::<usize>();
        let mut spans = vec![Span::raw(" ".repeat(LEAD))];
        let tabular = table <= self.width * 2 / 3;
        for col in cols {
            let text = if tabular { pad(&col.text, col.width) } else { col.text };
            spans.push(Span::styled(text, col.style));
            spans.push(Span::raw("  "));
        }
        spans.extend(rest);
        self.push(spans, if tabular { table } else { LEAD + 2 });
    }
}
