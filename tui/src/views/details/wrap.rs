//! Text fitted to a width in display columns (wide characters and emoji
//! count twice, combining marks and joiners stay with their character):
//! word wrapping with a hanging indent, cutting and padding. Knows nothing of
//! PagerDuty.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// Columns `text` takes on screen.
pub(super) fn width_of(text: &str) -> usize {
    Span::raw(text).width()
}

/// `text` cut to at most `cols` columns, ending in `…` when cut.
pub(super) fn truncate(text: &str, cols: usize) -> String {
    if width_of(text) <= cols {
        return text.to_string();
    }
    let mut out = String::new();
    for cell in cells(&[Span::raw(text.to_string())]) {
        if width_of(&out) + cell.width + 1 > cols {
            break;
        }
        out.push_str(&cell.text);
    }
    if cols > 0 {
        out.push('…');
    }
    out
}

/// `text` cut or padded with spaces to exactly `cols` columns.
pub(super) fn pad(text: &str, cols: usize) -> String {
    let cut = truncate(text, cols);
    let room = cols.saturating_sub(width_of(&cut));
    format!("{cut}{}", " ".repeat(room))
}

/// One character on screen with the zero-width characters that follow it
/// (combining marks, joiners, variation selectors).
struct Cell {
    text: String,
    style: Style,
    width: usize,
}

fn cells(spans: &[Span]) -> Vec<Cell> {
    let mut out: Vec<Cell> = Vec::new();
    for span in spans {
        for c in span.content.chars() {
            let mut buf = [0u8; 4];
            let alone = width_of(c.encode_utf8(&mut buf));
            match out.last_mut() {
                Some(last) if alone == 0 => {
                    last.text.push(c);
                    last.width = width_of(&last.text);
                }
                _ => out.push(Cell {
                    text: c.to_string(),
                    style: span.style,
                    width: alone,
                }),
            }
        }
    }
    out
}

fn is_space(cell: &Cell) -> bool {
    cell.text == " "
}

/// Word-wrap `spans` to `width` columns; lines after the first start with
/// `indent` spaces (at most two thirds of the width). Words longer than a line are
/// cut where the line ends; a character wider than the whole line shows as
/// `…`. Nothing for a width of 0.
pub(crate) fn wrap(spans: Vec<Span<'static>>, width: usize, indent: usize) -> Vec<Line<'static>> {
    if width == 0 {
        return Vec::new();
    }
    let indent = indent.min(width * 2 / 3);
    let all = cells(&spans);
    let mut lines: Vec<Vec<Cell>> = vec![Vec::new()];
    let (mut used, mut fresh) = (0usize, true);
    let mut i = 0;
    while i < all.len() {
        let spaces_from = i;
        while i < all.len() && is_space(&all[i]) {
            i += 1;
        }
        let word_from = i;
        while i < all.len() && !is_space(&all[i]) {
            i += 1;
        }
        let (spaces, word) = (&all[spaces_from..word_from], &all[word_from..i]);
        let spaces_width: usize = spaces.iter().map(|c| c.width).sum();
        let word_width: usize = word.iter().map(|c| c.width).sum();
        let line = lines.last_mut().expect("one line at least");
        if used + spaces_width + word_width <= width {
            line.extend(spaces.iter().chain(word).map(copy));
            used += spaces_width + word_width;
            fresh &= word.is_empty();
            continue;
        }
        if word.is_empty() {
            continue;
        }
        if !fresh {
            lines.push(indentation(indent));
            used = indent;
            if used + word_width <= width {
                lines
                    .last_mut()
                    .expect("one line at least")
                    .extend(word.iter().map(copy));
                used += word_width;
                continue;
            }
        } else if used + spaces_width < width {
            line.extend(spaces.iter().map(copy));
            used += spaces_width;
        }
        for cell in word {
            let cell = if cell.width > width - indent {
                Cell {
                    text: "…".into(),
                    style: cell.style,
                    width: 1,
                }
            } else {
                copy(cell)
            };
            if used + cell.width > width {
                lines.push(indentation(indent));
                used = indent;
            }
            used += cell.width;
            lines.last_mut().expect("one line at least").push(cell);
        }
        fresh = false;
    }
    lines.into_iter().map(|cells| to_line(cells, width)).collect()
}

fn copy(cell: &Cell) -> Cell {
    Cell {
        text: cell.text.clone(),
        style: cell.style,
        width: cell.width,
    }
}

fn indentation(indent: usize) -> Vec<Cell> {
    (0..indent)
        .map(|_| Cell {
            text: " ".into(),
            style: Style::new(),
            width: 1,
        })
        .collect()
}

/// Cells as a line of spans, one per run of a style; trailing spaces dropped.
fn to_line(mut cells: Vec<Cell>, width: usize) -> Line<'static> {
    while cells.last().is_some_and(is_space) {
        cells.pop();
    }
    let mut spans: Vec<Span<'static>> = Vec::new();
    for cell in cells {
        match spans.last_mut() {
            Some(last) if last.style == cell.style => last.content.to_mut().push_str(&cell.text),
            _ => spans.push(Span::styled(cell.text, cell.style)),
        }
    }
    let mut line = Line::from(spans);
    // Grapheme widths are not always additive; never let a line overflow.
    while line.width() > width {
        let Some(last) = line.spans.last_mut() else { break };
        let content = last.content.to_mut();
        content.pop();
        if content.is_empty() {
            line.spans.pop();
        }
    }
    line
}

/// `text` in pieces of at most `width` columns, cut anywhere; characters
/// wider than `width` are left out.
pub(super) fn cut(text: &str, width: usize) -> Vec<String> {
    let mut pieces = vec![String::new()];
    let mut used = 0;
    for cell in cells(&[Span::raw(text)]) {
        if cell.width > width {
            continue;
        }
        if used + cell.width > width {
            pieces.push(String::new());
            used = 0;
        }
        used += cell.width;
        pieces.last_mut().expect("one piece at least").push_str(&cell.text);
    }
    pieces.retain(|p| !p.is_empty());
    pieces
}

#[cfg(test)]
mod tests {
    use ratatui::style::Stylize;

    use super::*;

    fn texts(lines: &[Line]) -> Vec<String> {
        lines.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn words_wrap_under_the_indent() {
        let lines = wrap(vec![Span::raw("Status    one two three four")], 20, 10);
        assert_eq!(texts(&lines), ["Status    one two", "          three four"]);
        // The indent takes at most two thirds of the width.
        let lines = wrap(vec![Span::raw("Status    one two three")], 14, 10);
        assert_eq!(texts(&lines), ["Status    one", "         two", "         three"]);
    }

    #[test]
    fn long_words_are_cut_where_the_line_ends() {
        let lines = wrap(vec![Span::raw("see https://example.com/abcdefghij")], 12, 2);
        assert_eq!(texts(&lines), ["see", "  https://ex", "  ample.com/", "  abcdefghij"]);
    }

    #[test]
    fn wide_characters_count_twice() {
        let lines = wrap(vec![Span::raw("決済APIの遅延 🔥🔥")], 8, 0);
        assert_eq!(texts(&lines), ["決済API", "の遅延", "🔥🔥"]);
        assert!(lines.iter().all(|l| l.width() <= 8));
        // A character wider than the whole line becomes an ellipsis.
        assert_eq!(texts(&wrap(vec![Span::raw("決")], 1, 0)), ["…"]);
    }

    #[test]
    fn styles_survive_wrapping() {
        let lines = wrap(vec!["red words".red(), Span::raw(" plain")], 9, 0);
        assert_eq!(texts(&lines), ["red words", "plain"]);
        assert_eq!(lines[0].spans[0].style, Style::new().red());
        assert_eq!(lines[1].spans[0].style, Style::new());
    }

    #[test]
    fn nothing_fits_in_no_width() {
        assert!(wrap(vec![Span::raw("text")], 0, 4).is_empty());
        assert_eq!(texts(&wrap(Vec::new(), 5, 0)), [""]);
    }

    #[test]
    fn cutting_and_padding_count_columns() {
        assert_eq!(truncate("Margaret Hamilton", 8), "Margare…");
        assert_eq!(truncate("決済API", 4), "決…");
        assert_eq!(truncate("short", 5), "short");
        assert_eq!(truncate("anything", 0), "");
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(pad("決済API", 3), "決…");
        assert_eq!(pad("決済API", 4), "決… ");
        assert_eq!(cut("abcdef", 4), ["abcd", "ef"]);
        assert_eq!(cut("a決b", 1), ["a", "b"]);
    }

    proptest::proptest! {
        /// No line is wider than the width, and every visible character
        /// survives, in order.
        #[test]
        fn wrapped_lines_fit_and_keep_the_text(
            text in "[a-z 決🔥é\u{301}\u{200d}\u{fe0f}]{0,80}",
            width in 4usize..40,
            indent in 0usize..20,
        ) {
            let lines = wrap(vec![Span::raw(text.clone())], width, indent);
            for line in &lines {
                proptest::prop_assert!(line.width() <= width, "{:?} wider than {}", line.to_string(), width);
            }
            let kept: String = texts(&lines).concat().chars().filter(|c| *c != ' ').collect();
            let wanted: String = text.chars().filter(|c| *c != ' ').collect();
            proptest::prop_assert_eq!(kept, wanted);
        }
    }
}
