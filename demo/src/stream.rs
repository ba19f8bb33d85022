//! `GET /stream?tokens=N&ttft_ms=X&gap_ms=Y`: server-sent events shaped
//! like an AI completion. N `data: {"token": i, "text": "..."}` events, the
//! first X ms after the request, then one every Y ms, then `data: [DONE]`.
//!
//! For each stream the target logs, server-side, the wall-clock time at
//! which the write carrying the first event returned from the socket, so
//! a test can compare the time to first event its client measured with
//! the target's own (`GET /__stats/streams`).

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, ready};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::StatusCode;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use serde::{Deserialize, Serialize};
use tokio::time::{Instant, Sleep};

use super::body::Body;
use super::conn::Conn;
use super::params;
use super::reply::{self, Reply};

/// Defaults and maxima of the query parameters.
const TOKENS: (u32, u32) = (20, 10_000);
const TTFT_MS: (u64, u64) = (50, 60_000);
const GAP_MS: (u64, u64) = (10, 10_000);

/// Streams kept in the log.
const LOG_LEN: usize = 500;

/// One stream, as listed by `GET /__stats/streams` (oldest first).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StreamRecord {
    /// Sequence number since the target started (not reset by
    /// `POST /__stats/reset`).
    pub id: u64,
    /// Token events asked for.
    pub tokens: u32,
    /// Delay of the first event asked for, ms.
    pub ttft_ms: u64,
    /// Gap between events asked for, ms.
    pub gap_ms: u64,
    /// Wall-clock time the stream started, µs since the Unix epoch.
    pub received_at_us: u64,
    /// Wall-clock time the write carrying the first event returned, µs
    /// since the Unix epoch; `None` until then.
    pub first_event_at_us: Option<u64>,
    /// Token events handed to the connection so far.
    pub events: u32,
    /// Whether `data: [DONE]` was sent.
    pub completed: bool,
}

/// Stream totals, in `/__stats` under `streams`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct StreamCounts {
    /// Streams started.
    pub started: u64,
    /// Streams that sent `data: [DONE]`.
    pub completed: u64,
    /// Token events sent, over all streams.
    pub events: u64,
}

/// The live counters and log of a target's streams.
#[derive(Default)]
pub(crate) struct Streams {
    started: AtomicU64,
    completed: AtomicU64,
    events: AtomicU64,
    next_id: AtomicU64,
    log: Mutex<VecDeque<Arc<Entry>>>,
}

/// A stream's log entry, written by its body and by the socket.
pub(crate) struct Entry {
    id: u64,
    tokens: u32,
    ttft_ms: u64,
    gap_ms: u64,
    received_at_us: u64,
    /// 0 until stamped.
    first_event_at_us: AtomicU64,
    events: AtomicU32,
    completed: AtomicBool,
}

fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

impl Entry {
    /// Stamps the first event's write with the wall clock, once.
    pub(crate) fn first_written_now(&self) {
        let _ = self.first_event_at_us.compare_exchange(
            0,
            now_us(),
            Ordering::Relaxed,
            Ordering::Relaxed,
        );
    }

    fn record(&self) -> StreamRecord {
        let first = self.first_event_at_us.load(Ordering::Relaxed);
        StreamRecord {
            id: self.id,
            tokens: self.tokens,
            ttft_ms: self.ttft_ms,
            gap_ms: self.gap_ms,
            received_at_us: self.received_at_us,
            first_event_at_us: (first != 0).then_some(first),
            events: self.events.load(Ordering::Relaxed),
            completed: self.completed.load(Ordering::Relaxed),
        }
    }
}

impl Streams {
    pub(crate) fn counts(&self) -> StreamCounts {
        StreamCounts {
            started: self.started.load(Ordering::Relaxed),
            completed: self.completed.load(Ordering::Relaxed),
            events: self.events.load(Ordering::Relaxed),
        }
    }

    /// The logged streams, oldest first.
    pub(crate) fn log(&self) -> Vec<StreamRecord> {
        self.lock().iter().map(|entry| entry.record()).collect()
    }

    pub(crate) fn reset(&self) {
        for counter in [&self.started, &self.completed, &self.events] {
            counter.store(0, Ordering::Relaxed);
        }
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Arc<Entry>>> {
        // Each critical section is one push, pop, clear or copy.
        self.log.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `GET /stream`: starts a stream on `conn`.
pub(crate) fn start(conn: &Arc<Conn>, query: Option<&str>) -> Reply {
    let param = |name, (default, max)| -> Result<u64, String> {
        match params::query_param(query, name) {
            None => Ok(default),
            Some(text) => text
                .parse::<u64>()
                .ok()
                .filter(|n| *n <= max)
                .ok_or_else(|| format!("{name} must be an integer from 0 to {max}")),
        }
    };
    let tokens = param("tokens", (u64::from(TOKENS.0), u64::from(TOKENS.1)));
    let (tokens, ttft_ms, gap_ms) =
        match (tokens, param("ttft_ms", TTFT_MS), param("gap_ms", GAP_MS)) {
            // At most TOKENS.1: fits a u32.
            (Ok(tokens), Ok(ttft), Ok(gap)) => (tokens as u32, ttft, gap),
            (Err(message), _, _) | (_, Err(message), _) | (_, _, Err(message)) => {
                return reply::error(StatusCode::BAD_REQUEST, &message);
            }
        };
    let streams = &conn.state.streams;
    let entry = Arc::new(Entry {
        id: streams.next_id.fetch_add(1, Ordering::Relaxed) + 1,
        tokens,
        ttft_ms,
        gap_ms,
        received_at_us: now_us(),
        first_event_at_us: AtomicU64::new(0),
        events: AtomicU32::new(0),
        completed: AtomicBool::new(false),
    });
    streams.started.fetch_add(1, Ordering::Relaxed);
    {
        let mut log = streams.lock();
        if log.len() >= LOG_LEN {
            log.pop_front();
        }
        log.push_back(Arc::clone(&entry));
    }
    let first = Instant::now() + Duration::from_millis(ttft_ms);
    let events = EventStream {
        conn: Arc::clone(conn),
        entry,
        next: 0,
        done: false,
        sleep: Box::pin(tokio::time::sleep_until(first)),
        gap: Duration::from_millis(gap_ms),
    };
    let mut reply = Reply::new(Body::events(events));
    let headers = reply.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    reply
}

/// The events of one stream, as a body.
pub(crate) struct EventStream {
    conn: Arc<Conn>,
    entry: Arc<Entry>,
    /// Index of the next token event.
    next: u32,
    done: bool,
    /// Until the next token event.
    sleep: Pin<Box<Sleep>>,
    gap: Duration,
}

impl EventStream {
    /// The next event once it is due; `None` after `[DONE]`.
    pub(crate) fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Option<Bytes>> {
        if self.done {
            return Poll::Ready(None);
        }
        let first = self.next == 0;
        if self.next < self.entry.tokens || first {
            ready!(self.sleep.as_mut().poll(cx));
        }
        if first {
            self.conn.ctl.stamp_next_write(Arc::clone(&self.entry));
        }
        let streams = &self.conn.state.streams;
        if self.next < self.entry.tokens {
            let i = self.next;
            self.next += 1;
            self.entry.events.fetch_add(1, Ordering::Relaxed);
            streams.events.fetch_add(1, Ordering::Relaxed);
            // Deadlines follow each other exactly: timer lateness does not
            // add up over a long stream.
            let next = self.sleep.deadline() + self.gap;
            self.sleep.as_mut().reset(next);
            let event = format!("data: {{\"token\":{i},\"text\":\"tok{i} \"}}\n\n");
            return Poll::Ready(Some(Bytes::from(event)));
        }
        self.done = true;
        self.entry.completed.store(true, Ordering::Relaxed);
        streams.completed.fetch_add(1, Ordering::Relaxed);
        Poll::Ready(Some(Bytes::from_static(b"data: [DONE]\n\n")))
    }

    pub(crate) fn is_done(&self) -> bool {
        self.done
    }
}
