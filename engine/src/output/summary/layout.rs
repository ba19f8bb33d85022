//! The layout engine of the summary: k6's ANSI styling, rows of cells, and
//! column widths shared by a block of rows.

use crate::thresholds::Aggregation;

use super::INDENT;

pub(super) const GREEN: &str = "32";
pub(super) const RED: &str = "31";
pub(super) const WHITE: &str = "37";
pub(super) const CYAN: &str = "36";
pub(super) const FAINT_WHITE: &str = "2;37";
pub(super) const FAINT_CYAN: &str = "2;36";
pub(super) const BOLD: &str = "1";

/// k6's ANSI styling, or none at all when colours are off.
#[derive(Clone, Copy)]
pub(super) struct Paint {
    pub(super) on: bool,
}

impl Paint {
    pub(super) fn paint(self, text: &str, code: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// One metric line before layout: the name as shown and the value cells.
pub(super) struct Row {
    pub(super) name: String,
    pub(super) cells: Cells,
}

pub(super) enum Cells {
    /// One value per trend stat, in the order of the trend stats.
    Trend(Vec<String>),
    /// The main value, then its extras (`rate/s`, `N out of M`, `min=..`).
    Plain(String, Vec<String>),
}

/// Column widths shared by a block of rows (k6's `computeSummaryInfo`).
#[derive(Default)]
pub(super) struct Layout {
    name: usize,
    trend: Vec<usize>,
    value: usize,
    extras: Vec<usize>,
}

impl Layout {
    pub(super) fn of<'a>(rows: impl IntoIterator<Item = &'a Row>) -> Layout {
        let mut layout = Layout::default();
        for row in rows {
            layout.name = layout.name.max(width(&row.name));
            match &row.cells {
                Cells::Trend(cols) => grow(&mut layout.trend, cols),
                Cells::Plain(value, extras) => {
                    layout.value = layout.value.max(width(value));
                    grow(&mut layout.extras, extras);
                }
            }
        }
        layout
    }
}

pub(super) fn grow(widths: &mut Vec<usize>, cells: &[String]) {
    for (i, cell) in cells.iter().enumerate() {
        if widths.len() <= i {
            widths.push(0);
        }
        widths[i] = widths[i].max(width(cell));
    }
}

/// Terminal width of text without escape codes (every char counts one, as
/// in k6: `µ`, `✓` and `—` are single cells).
pub(super) fn width(s: &str) -> usize {
    s.chars().count()
}

pub(super) fn pad(to: usize, s: &str) -> String {
    " ".repeat(to.saturating_sub(width(s)))
}

/// `name.....: cells`: at least three dots, so the longest name of the
/// block gets exactly three. Trailing padding is dropped (k6 keeps it).
pub(super) fn render_row(row: &Row, layout: &Layout, stats: &[Aggregation], p: Paint) -> String {
    let dots = ".".repeat((layout.name + 3).saturating_sub(width(&row.name)).max(3));
    let mut line = format!(
        "{INDENT}{}{} ",
        row.name,
        p.paint(&format!("{dots}:"), FAINT_WHITE)
    );
    match &row.cells {
        Cells::Trend(cols) => {
            let cells: Vec<String> = stats
                .iter()
                .zip(cols)
                .zip(&layout.trend)
                .map(|((stat, col), w)| format!("{stat}={}{}", p.paint(col, CYAN), pad(*w, col)))
                .collect();
            line.push_str(&cells.join(" "));
        }
        Cells::Plain(value, extras) => {
            line.push_str(&p.paint(value, CYAN));
            line.push_str(&pad(layout.value, value));
            // k6 pads extras only when there are several (a gauge's min/max).
            let extras: Vec<String> = match extras.as_slice() {
                [one] => vec![p.paint(one, FAINT_CYAN)],
                many => many
                    .iter()
                    .zip(&layout.extras)
                    .map(|(e, w)| format!("{}{}", p.paint(e, FAINT_CYAN), pad(*w, e)))
                    .collect(),
            };
            if !extras.is_empty() {
                line.push(' ');
                line.push_str(&extras.join(" "));
            }
        }
    }
    line.trim_end().to_string()
}
