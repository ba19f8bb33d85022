//! Limits on a VU's log lines: a flood of lines (a guest logging in a
//! tight loop) or a giant line must not drown the engine's own output or
//! its memory. Lines are cut at [`MAX_LINE`] bytes, and each VU may log
//! [`RATE`] lines a second with bursts of [`BURST`]; what is suppressed is
//! counted and reported in one note when the VU logs again, ends its
//! iteration, or goes away.

use std::sync::Mutex;
use std::time::Instant;

/// Longest log line kept, in bytes.
pub const MAX_LINE: usize = 64 * 1024;
/// Lines a second a VU may log, on average.
pub const RATE: f64 = 20.0;
/// Lines a VU may log at once.
pub const BURST: f64 = 200.0;

/// One VU's log budget, shared by its `vu.log` calls and its stdout and
/// stderr.
#[derive(Debug)]
pub struct LogLimiter {
    vu: u64,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    tokens: f64,
    last: Instant,
    suppressed: u64,
}

impl LogLimiter {
    /// A full budget for VU `vu`.
    pub fn new(vu: u64) -> Self {
        Self {
            vu,
            state: Mutex::new(State {
                tokens: BURST,
                last: Instant::now(),
                suppressed: 0,
            }),
        }
    }

    /// Log `text` through `emit` if the budget allows (cut to
    /// [`MAX_LINE`]); otherwise count it.
    pub fn line(&self, text: &str, emit: impl Fn(&str)) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let refill = now.saturating_duration_since(s.last).as_secs_f64() * RATE;
        s.tokens = (s.tokens + refill).min(BURST);
        s.last = now;
        if s.tokens < 1.0 {
            s.suppressed += 1;
            return;
        }
        s.tokens -= 1.0;
        let suppressed = std::mem::take(&mut s.suppressed);
        drop(s);
        if suppressed > 0 {
            emit(&suppressed_note(suppressed));
        }
        emit(&cut(text));
    }

    /// Report lines suppressed since the last note, if any.
    pub fn flush(&self, emit: impl Fn(&str)) {
        let suppressed = {
            let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
            std::mem::take(&mut s.suppressed)
        };
        if suppressed > 0 {
            emit(&suppressed_note(suppressed));
        }
    }
}

impl Drop for LogLimiter {
    fn drop(&mut self) {
        let vu = self.vu;
        self.flush(|text| crate::log::line(crate::log::Level::Warn, Some(vu), text));
    }
}

fn suppressed_note(n: u64) -> String {
    format!("suppressed {n} log lines (a VU may log {RATE} lines a second, {BURST} at once)")
}

/// `text`, cut to [`MAX_LINE`] bytes at a character boundary.
pub fn cut(text: &str) -> std::borrow::Cow<'_, str> {
    if text.len() <= MAX_LINE {
        return text.into();
    }
    let mut end = MAX_LINE;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… [{} more bytes cut]", &text[..end], text.len() - end).into()
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;

    #[test]
    fn a_flood_is_cut_to_the_burst_and_counted() {
        let limiter = LogLimiter::new(1);
        let seen = RefCell::new(Vec::new());
        for i in 0..10_000 {
            limiter.line(&format!("line {i}"), |t| {
                seen.borrow_mut().push(t.to_string())
            });
        }
        let n = seen.borrow().len();
        // The burst, plus what the clock refilled while the loop ran.
        assert!((200..260).contains(&n), "{n}");
        limiter.flush(|t| seen.borrow_mut().push(t.to_string()));
        let last = seen.borrow().last().cloned().unwrap_or_default();
        assert!(last.starts_with("suppressed "), "{last}");
        let count: u64 = last
            .split_whitespace()
            .nth(1)
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert_eq!(count as usize + n, 10_000);
    }

    #[test]
    fn giant_lines_are_cut() {
        let big = "é".repeat(MAX_LINE);
        let out = cut(&big);
        assert!(out.len() < MAX_LINE + 40);
        assert!(out.ends_with("more bytes cut]"));
        assert_eq!(cut("short"), "short");
    }
}
