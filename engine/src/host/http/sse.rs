//! Server-sent events (`text/event-stream`), parsed as bytes arrive, per the
//! HTML standard's event stream format: lines end with CRLF, LF or CR;
//! `data:` lines join with newlines; `event:`, `id:` and `retry:` set the
//! event's fields; a blank line dispatches the event (when it has data);
//! lines starting with `:` are comments.

use std::time::Instant;

/// Longest line accepted; a longer one is cut (a server must not make the
/// host buffer without bound).
const MAX_LINE: usize = 1 << 20;

/// One event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Event {
    pub event: String,
    pub data: String,
    pub id: Option<String>,
    pub retry: Option<u64>,
    /// When its last line arrived.
    pub at: Instant,
}

/// The parser's state between chunks.
#[derive(Debug, Default)]
pub(super) struct Parser {
    line: Vec<u8>,
    /// The previous chunk ended with CR: a following LF is the same line end.
    after_cr: bool,
    event: Option<String>,
    data: Option<String>,
    id: Option<String>,
    retry: Option<u64>,
}

impl Parser {
    /// Feed bytes that arrived at `at`; complete events are appended to `out`.
    pub(super) fn feed(&mut self, bytes: &[u8], at: Instant, out: &mut Vec<Event>) {
        for &b in bytes {
            if self.after_cr {
                self.after_cr = false;
                if b == b'\n' {
                    continue;
                }
            }
            match b {
                b'\n' => self.end_line(at, out),
                b'\r' => {
                    self.end_line(at, out);
                    self.after_cr = true;
                }
                _ if self.line.len() < MAX_LINE => self.line.push(b),
                _ => {}
            }
        }
    }

    fn end_line(&mut self, at: Instant, out: &mut Vec<Event>) {
        let line = std::mem::take(&mut self.line);
        if line.is_empty() {
            if let Some(data) = self.data.take() {
                out.push(Event {
                    event: self
                        .event
                        .take()
                        .filter(|e| !e.is_empty())
                        .unwrap_or_else(|| "message".into()),
                    data,
                    id: self.id.clone(),
                    retry: self.retry,
                    at,
                });
            }
            self.event = None;
            return;
        }
        if line[0] == b':' {
            return;
        }
        let text = String::from_utf8_lossy(&line);
        let (field, value) = match text.split_once(':') {
            Some((f, v)) => (f.to_string(), v.strip_prefix(' ').unwrap_or(v).to_string()),
            None => (text.to_string(), String::new()),
        };
        match field.as_str() {
            "data" => match &mut self.data {
                Some(d) => {
                    d.push('\n');
                    d.push_str(&value);
                }
                None => self.data = Some(value),
            },
            "event" => self.event = Some(value),
            "id" if !value.contains('\0') => self.id = Some(value),
            "retry" => {
                if let Ok(ms) = value.parse() {
                    self.retry = Some(ms);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pieces: &[&[u8]]) -> Vec<Event> {
        let mut p = Parser::default();
        let mut out = Vec::new();
        let at = Instant::now();
        for piece in pieces {
            p.feed(piece, at, &mut out);
        }
        out
    }

    #[test]
    fn events_split_anywhere_with_every_line_ending() {
        let events = parse(&[
            b"data: one\r\n\r",
            b"\nevent: tok",
            b"en\ndata: a\ndata: b\nid: 7\nretry: 300\n\n: comment\r",
            b"data\r\rdata: [DONE]\n\n",
        ]);
        assert_eq!(events.len(), 4);
        assert_eq!(
            (events[0].event.as_str(), events[0].data.as_str()),
            ("message", "one")
        );
        assert_eq!(
            (events[1].event.as_str(), events[1].data.as_str()),
            ("token", "a\nb")
        );
        assert_eq!(events[1].id.as_deref(), Some("7"));
        assert_eq!(events[1].retry, Some(300));
        assert_eq!(events[2].data, "");
        assert_eq!(events[3].data, "[DONE]");
        // A blank line without data dispatches nothing.
        assert!(parse(&[b"event: x\n\n"]).is_empty());
    }
}
