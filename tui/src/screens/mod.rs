//! The seven PagerDuty list screens as rows of a table: for each resource
//! its columns, how a row reads and is coloured, how it sorts, what the
//! filter searches and how its text is made safe for the terminal when it
//! arrives. One file per screen; nothing here renders or changes state.

mod incidents;
mod oncall;
mod policies;
mod schedules;
mod services;
mod teams;
mod users;

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt::Debug;

use pdauth_common::browse::{Items, Ref, Resource};
use pdauth_common::sanitize::for_terminal;
use ratatui::style::Style;

/// One column of a list screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub title: &'static str,
    /// Narrowest width worth showing.
    pub min: u16,
    /// Widest it gets; the flexible column takes whatever is left instead.
    pub max: u16,
    /// The column that takes the spare width (one per screen).
    pub flex: bool,
    /// Narrow windows drop columns with the highest number first; 0 is
    /// never dropped.
    pub drop: u8,
    /// The text follows the clock (an age): not searched by the filter.
    pub live: bool,
    /// `s` offers this column as an order.
    pub sort: bool,
}

pub(crate) const fn col(title: &'static str, min: u16, max: u16, drop: u8) -> Column {
    Column {
        title,
        min,
        max,
        flex: false,
        drop,
        live: false,
        sort: true,
    }
}

pub(crate) const fn flex(title: &'static str, min: u16) -> Column {
    Column {
        title,
        min,
        max: u16::MAX,
        flex: true,
        drop: 0,
        live: false,
        sort: true,
    }
}

pub(crate) const fn live(title: &'static str, width: u16, drop: u8) -> Column {
    Column {
        title,
        min: width,
        max: width,
        flex: false,
        drop,
        live: true,
        sort: true,
    }
}

/// What a cell may depend on besides its row.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ctx<'a> {
    pub now: i64,
    /// Open incidents per service id, when the incidents screen has seen
    /// every open incident.
    pub open_by_service: Option<&'a HashMap<String, u32>>,
}

/// A value rows are ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortValue<'a> {
    Int(i64),
    /// Compared without regard to ASCII case.
    Text(&'a str),
}

impl SortValue<'_> {
    pub fn order(&self, other: &SortValue<'_>) -> Ordering {
        match (self, other) {
            (SortValue::Int(a), SortValue::Int(b)) => a.cmp(b),
            (SortValue::Text(a), SortValue::Text(b)) => a
                .bytes()
                .map(|c| c.to_ascii_lowercase())
                .cmp(b.bytes().map(|c| c.to_ascii_lowercase())),
            (SortValue::Int(_), SortValue::Text(_)) => Ordering::Less,
            (SortValue::Text(_), SortValue::Int(_)) => Ordering::Greater,
        }
    }
}

/// One row type of a list screen.
pub trait Row: Clone + PartialEq + Debug {
    const RESOURCE: Resource;
    const COLUMNS: &'static [Column];
    /// Column and whether it is reversed.
    const DEFAULT_SORT: (usize, bool);
    /// Columns that order rows the chosen order leaves tied (then the key).
    const TIE_BREAK: &'static [usize] = &[0];

    /// The key changes are applied by ([`Items::keys`]).
    fn key(&self) -> String;
    /// Strip control and escape sequences from every text field; called
    /// once when the row arrives.
    fn sanitize(&mut self);
    /// The text of column `col` and its style.
    fn cell(&self, col: usize, ctx: &Ctx) -> (String, Style);
    fn sort_value(&self, col: usize) -> SortValue<'_>;
    /// How the row is named in breadcrumbs (`#1234`, a name).
    fn label(&self) -> String;
    /// What `Enter` opens: the resource and id of a detail.
    fn detail(&self) -> Option<(Resource, &str)>;
    /// The rows in `items`, when they are of this resource.
    fn from_items(items: Items) -> Option<Vec<Self>>;

    /// The lower-case text the filter searches: every column that does not
    /// follow the clock.
    fn haystack(&self) -> String {
        let ctx = Ctx::default();
        let mut out = String::new();
        for (i, c) in Self::COLUMNS.iter().enumerate() {
            if !c.live {
                out.push_str(&self.cell(i, &ctx).0.to_lowercase());
                out.push('\u{1f}');
            }
        }
        out
    }
}

pub(crate) fn clean(text: &mut String) {
    if text.chars().any(|c| {
        c.is_control() || matches!(c, '\u{200E}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    }) {
        *text = for_terminal(text);
    }
}

pub(crate) fn clean_opt(text: &mut Option<String>) {
    if let Some(t) = text {
        clean(t);
    }
}

pub(crate) fn clean_ref(r: &mut Ref) {
    clean(&mut r.id);
    clean(&mut r.kind);
    clean(&mut r.summary);
    clean_opt(&mut r.html_url);
}

pub(crate) fn clean_refs(refs: &mut [Ref]) {
    refs.iter_mut().for_each(clean_ref);
}

pub(crate) fn clean_opt_ref(r: &mut Option<Ref>) {
    if let Some(r) = r {
        clean_ref(r);
    }
}

/// A reference's summary, `-` when absent.
pub(crate) fn summary(r: &Option<Ref>) -> String {
    r.as_ref().map_or_else(|| "-".to_string(), |r| r.summary.clone())
}

/// The summaries of `refs`, comma separated, `-` when empty.
pub(crate) fn summaries(refs: &[Ref]) -> String {
    if refs.is_empty() {
        return "-".to_string();
    }
    refs.iter().map(|r| r.summary.as_str()).collect::<Vec<_>>().join(", ")
}

pub(crate) fn opt_text(r: &Option<Ref>) -> &str {
    r.as_ref().map_or("", |r| r.summary.as_str())
}
