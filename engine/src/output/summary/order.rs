//! The order k6 lists metrics in: `localeCompare` of names, a sub-metric
//! right after its parent.

use std::cmp::Ordering;

/// k6 orders names with `localeCompare`: case-insensitive, punctuation
/// before digits before letters.
pub(super) fn locale_cmp(a: &str, b: &str) -> Ordering {
    let key = |s: &str| -> Vec<(u8, char)> {
        s.chars()
            .map(|c| {
                let class = if c.is_alphabetic() {
                    2
                } else if c.is_numeric() {
                    1
                } else {
                    0
                };
                (class, c.to_lowercase().next().unwrap_or(c))
            })
            .collect()
    };
    key(a).cmp(&key(b)).then_with(|| a.cmp(b))
}

/// k6's `sortMetricsByName`: by metric, a sub-metric right after its parent.
pub(super) fn k6_order(a: &str, b: &str) -> Ordering {
    fn split(s: &str) -> (&str, &str) {
        s.split_at(s.find('{').unwrap_or(s.len()))
    }
    let ((pa, sa), (pb, sb)) = (split(a), split(b));
    locale_cmp(pa, pb).then_with(|| locale_cmp(sa, sb))
}
