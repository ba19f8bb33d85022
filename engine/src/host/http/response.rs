//! The resources of contract 0.2's `http`: a response whose headers and
//! body a guest reads on demand (and whose body it may stream), and a
//! request started without waiting.

use std::time::Instant;

use bytes::Bytes;
use tokio::task::JoinHandle;

use super::RequestMeta;
use super::sse::{Event, Parser};
use crate::host::HostState;
use crate::http::{Exchange, Hop, HttpError, HttpResponse, ResponseBody, StreamBody};
use crate::metrics::{Builtin, TagSet};

/// A response a guest holds.
#[derive(Debug)]
pub struct ResponseHandle {
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: Body,
    pub(super) request_head: Bytes,
}

/// A response's body.
#[derive(Debug)]
pub(super) enum Body {
    /// Read whole (empty when discarded).
    Read(Bytes),
    /// Still on its connection (taken out while a read is in flight).
    Stream(Option<Box<StreamState>>),
}

/// A body being streamed, and what its samples need when it ends.
#[derive(Debug)]
pub(super) struct StreamState {
    pub(super) body: Box<StreamBody>,
    /// The request's metadata and its final hop, recorded when the stream
    /// ends.
    pub(super) meta: RequestMeta,
    pub(super) hop: Hop,
    /// The tags of the `stream_*` metrics.
    pub(super) tags: TagSet,
    /// When the request was made, for `stream_first_event`.
    pub(super) started: Instant,
    pub(super) sse: Parser,
    /// Events parsed and not handed out yet.
    pub(super) events: std::collections::VecDeque<Event>,
    pub(super) last_event: Option<Instant>,
}

impl ResponseHandle {
    /// The handle of `resp` (its body moved in); a streamed body carries
    /// what its samples need.
    pub(super) fn new(resp: &mut HttpResponse, stream: Option<(RequestMeta, Hop, TagSet)>) -> Self {
        let body = match std::mem::replace(&mut resp.body, ResponseBody::Bytes(Bytes::new())) {
            ResponseBody::Bytes(b) => Body::Read(b),
            ResponseBody::Stream(body) => match stream {
                Some((meta, hop, tags)) => Body::Stream(Some(Box::new(StreamState {
                    body,
                    meta,
                    hop,
                    tags,
                    started: Instant::now() - resp.timings.duration(),
                    sse: Parser::default(),
                    events: Default::default(),
                    last_event: None,
                }))),
                None => Body::Read(Bytes::new()),
            },
        };
        Self {
            headers: std::mem::take(&mut resp.headers),
            body,
            request_head: resp.request_head.clone(),
        }
    }

    /// The first value of header `name`.
    pub(super) fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    }

    /// Every value of header `name`.
    pub(super) fn header_all(&self, name: &str) -> Vec<String> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// The request's headers as they were written.
    pub(super) fn request_headers(&self) -> Vec<(String, String)> {
        let text = String::from_utf8_lossy(&self.request_head);
        text.split("\r\n")
            .skip(1)
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.to_string(), v.trim().to_string()))
            .collect()
    }
}

/// A request started with `start`, running on its own task.
#[derive(Debug)]
pub struct PendingHandle {
    pub(super) task: Option<JoinHandle<Exchange>>,
    pub(super) meta: RequestMeta,
    /// Its method and URL (none for a request that never ran).
    pub(super) flight: super::Flight,
    /// The outcome, once waited for and not yet taken.
    pub(super) done: Option<Result<HttpResponse, HttpError>>,
    pub(super) taken: bool,
}

impl HostState {
    /// Wait for a started request, record its hops, and keep its outcome
    /// in the handle for the guest.
    pub(super) async fn settle_pending(&mut self, rep: u32) {
        let res = wasmtime::component::Resource::<PendingHandle>::new_borrow(rep);
        let Ok(handle) = self.table.get_mut(&res) else {
            return;
        };
        let Some(task) = handle.task.take() else {
            return;
        };
        let meta = handle.meta.clone();
        let flight = handle.flight.clone();
        let started = Instant::now();
        // Cut off while waiting, the request is recorded as interrupted
        // and its task aborted.
        let ex = self.await_started(task, &meta, flight).await;
        let ex = match ex {
            Ok(ex) => ex,
            Err(_) => Exchange {
                hops: Vec::new(),
                result: Err(HttpError::new(
                    crate::http::ErrorKind::Interrupted,
                    "the request's task ended before it did",
                )),
            },
        };
        let at = Instant::now();
        self.vu.waited(started, at);
        self.record_hops(&meta, &ex.hops, at);
        self.http.pending.retain(|r| *r != rep);
        if let Ok(handle) = self.table.get_mut(&res) {
            handle.done = Some(ex.result);
        }
    }

    /// Record a streamed response's final hop with the body read so far,
    /// and return its connection to the pool when the body ended.
    pub(super) fn end_stream(&mut self, rep: u32) {
        let res = wasmtime::component::Resource::<ResponseHandle>::new_borrow(rep);
        let Ok(handle) = self.table.get_mut(&res) else {
            return;
        };
        let taken = match &mut handle.body {
            Body::Stream(state) => state.take(),
            Body::Read(_) => None,
        };
        if let Some(state) = taken {
            handle.body = Body::Read(Bytes::new());
            self.finish_stream(*state);
        }
        self.http.streams.retain(|r| *r != rep);
    }

    /// The samples of a stream that ended (or was cut).
    pub(super) fn finish_stream(&mut self, state: StreamState) {
        let StreamState {
            body, meta, hop, ..
        } = state;
        let client = self.http.client.clone();
        let (timings, sent, received) = body.finish(&client);
        self.record_hop(&meta, &hop, timings, sent, received, Instant::now());
    }

    /// Events of a stream just parsed: `stream_*` samples.
    pub(super) fn stream_events(&mut self, state: &mut StreamState, events: Vec<Event>) {
        for e in events {
            let tags = state.tags.clone();
            match state.last_event {
                None => {
                    let took = e.at.saturating_duration_since(state.started);
                    self.stream_sample(Builtin::StreamFirstEvent, took, &tags, e.at);
                }
                Some(prev) => {
                    let gap = e.at.saturating_duration_since(prev);
                    self.stream_sample(Builtin::StreamEventGap, gap, &tags, e.at);
                }
            }
            self.stream_sample(Builtin::StreamEvents, Default::default(), &tags, e.at);
            state.last_event = Some(e.at);
            state.events.push_back(e);
        }
    }
}
