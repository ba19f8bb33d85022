//! Samples as VUs record them, and the per-VU buffer that batches them into
//! the store without a lock per sample.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{MetricId, MetricKind, Store, TagSet};

/// What identifies a request's series besides its context tags: the
/// system tags k6 puts on HTTP samples.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestIdent {
    /// The method, upper case.
    pub method: Arc<str>,
    /// The `url` tag: the URL, or the `name` when the request named itself
    /// (as k6 does since v0.41, so named requests stay one series).
    pub url: Arc<str>,
    /// The `name` tag (the URL unless the request named itself).
    pub name: Arc<str>,
    /// The status, 0 when there was no response.
    pub status: u16,
    /// The protocol of the response (`proto`), empty without one.
    pub proto: &'static str,
    /// Whether the response was expected (k6's `expected_response`); `None`
    /// when the request had no response callback: no tag and no
    /// `http_req_failed` sample.
    pub expected: Option<bool>,
    /// k6's `error_code`, 0 for none (1000 + status for 4xx and 5xx).
    pub error_code: u32,
    /// k6's `error` tag: what failed, for requests without a response.
    pub error: Option<Arc<str>>,
}

impl RequestIdent {
    /// Whether the request counts as failed (in `http_req_failed` and the
    /// error catalogue).
    pub fn failed(&self) -> bool {
        match self.expected {
            Some(expected) => !expected,
            None => self.status == 0 || self.error_code != 0,
        }
    }
}

/// One HTTP request (one redirect hop), with every built-in `http_*` value.
#[derive(Debug, Clone)]
pub struct HttpSample {
    /// Tags of the VU's context: scenario, group, run and scenario tags.
    pub base: TagSet,
    /// Tags the request itself carried.
    pub extra: TagSet,
    /// Its system tags.
    pub ident: RequestIdent,
    /// `http_req_blocked`.
    pub blocked: Duration,
    /// `http_req_connecting`.
    pub connecting: Duration,
    /// `http_req_tls_handshaking`.
    pub tls_handshaking: Duration,
    /// `http_req_sending`.
    pub sending: Duration,
    /// `http_req_waiting`.
    pub waiting: Duration,
    /// `http_req_receiving`.
    pub receiving: Duration,
    /// Bytes written to the socket.
    pub bytes_sent: u64,
    /// Bytes read from the socket.
    pub bytes_received: u64,
    /// The response carried `Retry-After` (counted in the error catalogue).
    pub retry_after: bool,
    /// When it ended (for the error catalogue's "first seen").
    pub at: Instant,
}

/// One finished iteration.
#[derive(Debug, Clone)]
pub struct IterationSample {
    /// Tags of the VU's context.
    pub base: TagSet,
    /// Wall time of the iteration (from its intended start for open models).
    pub duration: Duration,
    /// Whether it failed (error, trap, timeout).
    pub failed: bool,
    /// When it ended.
    pub at: Instant,
}

/// One check.
#[derive(Debug, Clone)]
pub struct CheckSample {
    /// Tags of the VU's context.
    pub base: TagSet,
    /// The check's name (its `check` tag).
    pub name: Arc<str>,
    /// Whether it passed.
    pub ok: bool,
    /// Extra tags given with the check.
    pub extra: TagSet,
    /// When it was recorded.
    pub at: Instant,
}

/// One value of a custom metric.
#[derive(Debug, Clone)]
pub struct CustomSample {
    /// The metric.
    pub metric: MetricId,
    /// Its type.
    pub kind: MetricKind,
    /// The value.
    pub value: f64,
    /// Context tags plus the sample's own.
    pub tags: TagSet,
    /// When it was recorded.
    pub at: Instant,
}

/// Any sample a VU records.
#[derive(Debug, Clone)]
pub enum Sample {
    /// An HTTP request (hop).
    Http(Box<HttpSample>),
    /// A finished iteration.
    Iteration(IterationSample),
    /// A check.
    Check(CheckSample),
    /// A custom metric value.
    Custom(CustomSample),
}

/// Receives every batch of samples as VUs flush them, before they are
/// aggregated (for outputs that stream every sample, like k6's JSON lines).
/// Called with one batch per flush, never per sample.
pub trait SampleWriter: Send + Sync + std::fmt::Debug {
    /// Take a batch.
    fn write(&self, batch: &[Sample]);
}

/// How many samples a buffer holds before it flushes on its own.
const FLUSH_SAMPLES: usize = 256;
/// How old a buffer's first sample may get before a `maybe_flush` flushes.
const FLUSH_AGE: Duration = Duration::from_millis(200);

/// A VU's private sample buffer. Recording takes no lock; a flush takes one
/// short lock on one shard of the [`Store`]. Flushes on drop, so samples of
/// an interrupted VU are not lost.
#[derive(Debug)]
pub struct SampleBuffer {
    store: Arc<Store>,
    shard: usize,
    samples: Vec<Sample>,
    oldest: Option<Instant>,
}

impl SampleBuffer {
    pub(crate) fn new(store: Arc<Store>, shard: usize) -> Self {
        Self {
            store,
            shard,
            samples: Vec::new(),
            oldest: None,
        }
    }

    fn push(&mut self, s: Sample) {
        if self.oldest.is_none() {
            self.oldest = Some(Instant::now());
        }
        self.samples.push(s);
        if self.samples.len() >= FLUSH_SAMPLES {
            self.flush();
        }
    }

    /// Record an HTTP request.
    pub fn http(&mut self, s: HttpSample) {
        self.push(Sample::Http(Box::new(s)));
    }

    /// Record a finished iteration.
    pub fn iteration(&mut self, s: IterationSample) {
        self.push(Sample::Iteration(s));
    }

    /// Record a check.
    pub fn check(&mut self, s: CheckSample) {
        self.push(Sample::Check(s));
    }

    /// Record a custom metric value (`tags` already include the context).
    pub fn custom(&mut self, metric: MetricId, kind: MetricKind, value: f64, tags: TagSet) {
        self.custom_at(metric, kind, value, tags, Instant::now());
    }

    /// Record a custom metric value made at `at`.
    pub fn custom_at(
        &mut self,
        metric: MetricId,
        kind: MetricKind,
        value: f64,
        tags: TagSet,
        at: Instant,
    ) {
        self.push(Sample::Custom(CustomSample {
            metric,
            kind,
            value,
            tags,
            at,
        }));
    }

    /// Flush if the oldest sample waited long enough; call between iterations.
    pub fn maybe_flush(&mut self, now: Instant) {
        if self
            .oldest
            .is_some_and(|t| now.saturating_duration_since(t) >= FLUSH_AGE)
        {
            self.flush();
        }
    }

    /// Move every buffered sample into the store.
    pub fn flush(&mut self) {
        self.oldest = None;
        if self.samples.is_empty() {
            return;
        }
        self.store.ingest(self.shard, &mut self.samples);
        // A burst (a big batch) must not pin memory in an idle VU.
        if self.samples.capacity() > FLUSH_SAMPLES * 2 {
            self.samples = Vec::new();
        }
    }
}

impl Drop for SampleBuffer {
    fn drop(&mut self) {
        self.flush();
    }
}
