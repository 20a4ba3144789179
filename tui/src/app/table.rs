//! One list screen's rows as the UI keeps them: typed rows (sanitised as
//! they arrive), the lower-case text the filter searches, the indices the
//! filter and the order let through (rebuilt on a data change or a key
//! press, never per frame), and a cursor that stays on its row by key when
//! rows come, go or move.

use std::collections::HashMap;

use pdauth_common::ErrorCode;
use pdauth_common::browse::{FetchMeta, ListChange, ListPage, ListQuery};

use crate::screens::Row;

/// Whether the list has been answered yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// `Watch` is on its way; nothing to show yet.
    Loading,
    /// Rows are there (perhaps from an earlier visit, being refreshed).
    Loaded,
}

/// What a list screen shows besides its rows: query, watch, cursor,
/// filter, order, freshness and the last problem. The same for every
/// resource.
#[derive(Debug, Clone, PartialEq)]
pub struct ListState {
    /// What is (to be) watched.
    pub query: ListQuery,
    /// The watch feeding this list, once the daemon answered.
    pub watch: Option<u64>,
    /// A `Watch` for `query` is on its way.
    pub asked: bool,
    pub fill: Fill,
    /// Indices into the rows the filter lets through, in order.
    pub shown: Vec<usize>,
    /// Position of the cursor in `shown`.
    pub cursor: usize,
    /// First row of `shown` on screen (the view keeps the cursor visible).
    pub top: usize,
    /// The key of the row under the cursor.
    pub selected: Option<String>,
    /// Case-insensitive text every shown row contains.
    pub filter: String,
    /// Column of the order, and whether it is reversed.
    pub sort: (usize, bool),
    pub meta: Option<FetchMeta>,
    /// There are more rows than the list holds (PagerDuty's offset cap or
    /// the watch's maximum).
    pub truncated: bool,
    pub total: Option<u64>,
    /// Why the last answer or poll failed; cleared by the next success.
    pub problem: Option<Problem>,
}

/// A failed watch, poll or fetch, ready to show with what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub code: Option<ErrorCode>,
    /// Sanitised.
    pub message: String,
}

/// A list screen's rows and their [`ListState`].
#[derive(Debug, Clone, PartialEq)]
pub struct Table<T> {
    pub s: ListState,
    pub rows: Vec<T>,
    /// Lower-case searchable text of each row, parallel to `rows`.
    hay: Vec<String>,
    /// Position of each key in `rows`.
    pos: HashMap<String, usize>,
}

impl<T: Row> Table<T> {
    pub fn new(query: ListQuery) -> Self {
        Table {
            s: ListState {
                query,
                watch: None,
                asked: false,
                fill: Fill::Loading,
                shown: Vec::new(),
                cursor: 0,
                top: 0,
                selected: None,
                filter: String::new(),
                sort: T::DEFAULT_SORT,
                meta: None,
                truncated: false,
                total: None,
                problem: None,
            },
            rows: Vec::new(),
            hay: Vec::new(),
            pos: HashMap::new(),
        }
    }

    /// Every row anew (a `Watching` or `List` answer).
    pub fn replace(&mut self, page: ListPage) {
        let rows = T::from_items(page.items).unwrap_or_default();
        self.rows = rows;
        for row in &mut self.rows {
            row.sanitize();
        }
        self.hay = self.rows.iter().map(Row::haystack).collect();
        self.s.meta = Some(page.meta);
        self.s.truncated = page.truncated;
        self.s.total = page.total;
        self.s.fill = Fill::Loaded;
        self.s.problem = None;
        self.reindex();
        self.rebuild();
    }

    /// Apply a pushed change by key.
    pub fn apply(&mut self, change: ListChange) {
        let mut dirty = false;
        if !change.removed.is_empty() {
            let gone: std::collections::HashSet<&str> = change.removed.iter().map(String::as_str).collect();
            let mut keep = Vec::with_capacity(self.rows.len());
            let mut hay = Vec::with_capacity(self.rows.len());
            for (row, text) in self.rows.drain(..).zip(self.hay.drain(..)) {
                if !gone.contains(row.key().as_str()) {
                    keep.push(row);
                    hay.push(text);
                }
            }
            self.rows = keep;
            self.hay = hay;
            self.reindex();
            dirty = true;
        }
        for mut row in T::from_items(change.updated).unwrap_or_default() {
            row.sanitize();
            let key = row.key();
            match self.pos.get(&key) {
                Some(&i) => {
                    self.hay[i] = row.haystack();
                    self.rows[i] = row;
                }
                None => self.push(key, row),
            }
            dirty = true;
        }
        for mut row in T::from_items(change.added).unwrap_or_default() {
            row.sanitize();
            let key = row.key();
            match self.pos.get(&key) {
                Some(&i) => {
                    self.hay[i] = row.haystack();
                    self.rows[i] = row;
                }
                None => self.push(key, row),
            }
            dirty = true;
        }
        self.s.meta = Some(change.meta);
        self.s.truncated = change.truncated;
        self.s.total = change.total;
        self.s.fill = Fill::Loaded;
        self.s.problem = None;
        if dirty {
            self.rebuild();
        }
    }

    fn push(&mut self, key: String, row: T) {
        self.pos.insert(key, self.rows.len());
        self.hay.push(row.haystack());
        self.rows.push(row);
    }

    fn reindex(&mut self) {
        self.pos = self.rows.iter().enumerate().map(|(i, r)| (r.key(), i)).collect();
    }

    /// Filter and order again, then put the cursor back on its row; the
    /// row keeps its place on screen when others arrive above it.
    fn rebuild(&mut self) {
        let needle = self.s.filter.to_lowercase();
        self.s.shown = (0..self.rows.len())
            .filter(|i| needle.is_empty() || self.hay[*i].contains(&needle))
            .collect();
        self.order();
        self.reselect();
    }

    fn order(&mut self) {
        let (col, reverse) = self.s.sort;
        let rows = &self.rows;
        self.s.shown.sort_by(|a, b| {
            let (ra, rb) = (&rows[*a], &rows[*b]);
            let order = ra
                .sort_value(col)
                .order(&rb.sort_value(col))
                .then_with(|| {
                    T::TIE_BREAK
                        .iter()
                        .map(|c| ra.sort_value(*c).order(&rb.sort_value(*c)))
                        .find(|o| o.is_ne())
                        .unwrap_or(std::cmp::Ordering::Equal)
                })
                .then_with(|| ra.key().cmp(&rb.key()));
            // Reversed means the exact reverse, ties included.
            if reverse { order.reverse() } else { order }
        });
    }

    /// Put the cursor on the selected key when shown; otherwise keep its
    /// position within bounds and select what is there.
    fn reselect(&mut self) {
        let found = self.s.selected.as_ref().and_then(|key| {
            let index = *self.pos.get(key)?;
            self.s.shown.iter().position(|i| *i == index)
        });
        self.s.cursor = found.unwrap_or(self.s.cursor).min(self.s.shown.len().saturating_sub(1));
        // The window stays put (rows arriving at the top are seen); the
        // view scrolls it only if the cursor would leave it.
        self.s.top = self.s.top.min(self.s.cursor);
        self.s.selected = self.current().map(Row::key);
    }

    /// The row under the cursor.
    pub fn current(&self) -> Option<&T> {
        self.s.shown.get(self.s.cursor).map(|i| &self.rows[*i])
    }

    /// Narrow the list to rows containing `text` (any case).
    pub fn set_filter(&mut self, text: String) {
        let narrower = !self.s.filter.is_empty() && text.starts_with(&self.s.filter);
        self.s.filter = text;
        if narrower {
            // Typing on only removes rows: search the rows still shown.
            let needle = self.s.filter.to_lowercase();
            let hay = &self.hay;
            self.s.shown.retain(|i| hay[*i].contains(&needle));
            self.reselect();
        } else {
            self.rebuild();
        }
    }

    /// Order by the next sortable column.
    pub fn next_sort(&mut self) {
        let count = T::COLUMNS.len();
        let mut col = self.s.sort.0;
        for _ in 0..count {
            col = (col + 1) % count;
            if T::COLUMNS[col].sort {
                break;
            }
        }
        // Round again to the list's own order, in its own direction.
        self.s.sort = if col == T::DEFAULT_SORT.0 {
            T::DEFAULT_SORT
        } else {
            (col, false)
        };
        self.order();
        self.reselect();
    }

    /// Reverse the order.
    pub fn reverse(&mut self) {
        self.s.sort.1 = !self.s.sort.1;
        self.order();
        self.reselect();
    }

    /// Move the cursor to `cursor` (clamped), keeping it inside a window of
    /// `page` rows.
    pub fn move_to(&mut self, cursor: usize, page: usize) {
        let last = self.s.shown.len().saturating_sub(1);
        self.s.cursor = cursor.min(last);
        let page = page.max(1);
        if self.s.cursor < self.s.top {
            self.s.top = self.s.cursor;
        } else if self.s.cursor >= self.s.top + page {
            self.s.top = self.s.cursor + 1 - page;
        }
        self.s.selected = self.current().map(Row::key);
    }

    /// Put the cursor on the row with `key`, if shown.
    pub fn select_key(&mut self, key: &str, page: usize) -> bool {
        let Some(&index) = self.pos.get(key) else {
            return false;
        };
        match self.s.shown.iter().position(|i| *i == index) {
            Some(at) => {
                self.move_to(at, page);
                true
            }
            None => false,
        }
    }

    /// Forget every row (another profile's data).
    pub fn clear(&mut self) {
        self.rows.clear();
        self.hay.clear();
        self.pos.clear();
        self.s.shown.clear();
        self.s.cursor = 0;
        self.s.top = 0;
        self.s.selected = None;
        self.s.meta = None;
        self.s.truncated = false;
        self.s.total = None;
        self.s.fill = Fill::Loading;
    }
}
