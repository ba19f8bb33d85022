//! The engine's log: one line per event on stderr, with the VU id for
//! guest output, so it never mixes with the summary on stdout.

use std::io::Write;

/// How loud a log line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Detail for debugging a scenario.
    Debug,
    /// Normal messages.
    Info,
    /// Something looks wrong.
    Warn,
    /// Something failed.
    Error,
}

impl Level {
    fn label(self) -> &'static str {
        match self {
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
        }
    }
}

/// Write one line: `LEVEL[vu 3] message` (or without the VU part).
pub fn line(level: Level, vu: Option<u64>, message: &str) {
    let mut err = std::io::stderr().lock();
    let _ = match vu {
        Some(id) => writeln!(err, "{}[vu {id}] {}", level.label(), message.trim_end()),
        None => writeln!(err, "{} {}", level.label(), message.trim_end()),
    };
}

/// A warning from the engine itself.
pub fn warn(message: &str) {
    line(Level::Warn, None, message);
}
