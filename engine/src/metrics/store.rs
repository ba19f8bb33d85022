//! The sharded aggregate store behind every VU's sample buffer.

use rustc_hash::FxHashMap as HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::sample::{RequestIdent, Sample, SampleWriter};
use super::{
    Builtin, MetricId, MetricKind, Registry, SampleBuffer, Sink, Snapshot, TagSet, TrendStats,
};

/// Distinct HTTP series a shard keeps before it folds new URLs into one
/// overflow series, so unnamed URLs with ids cannot exhaust memory.
const MAX_HTTP_SERIES: usize = 5_000;
/// The `url`/`name` of the overflow series.
pub(crate) const OVERFLOW_NAME: &str = "[too many urls: set a name tag]";

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct HttpKey {
    base: TagSet,
    extra: TagSet,
    ident: RequestIdent,
}

#[derive(Debug, Clone, Default)]
struct HttpAgg {
    reqs: u64,
    blocked: TrendStats,
    connecting: TrendStats,
    tls: TrendStats,
    sending: TrendStats,
    waiting: TrendStats,
    receiving: TrendStats,
    duration: TrendStats,
}

#[derive(Debug, Clone, Default)]
struct IterAgg {
    count: u64,
    failed: u64,
    duration: TrendStats,
}

#[derive(Debug, Default)]
struct Shard {
    http: HashMap<HttpKey, HttpAgg>,
    data: HashMap<TagSet, (u64, u64)>,
    iterations: HashMap<TagSet, IterAgg>,
    checks: HashMap<(TagSet, Arc<str>, TagSet), (u64, u64)>,
    custom: HashMap<(MetricId, TagSet), Sink>,
    errors: HashMap<(u32, u16), ErrorAgg>,
}

#[derive(Debug, Clone)]
struct ErrorAgg {
    count: u64,
    first: Instant,
    names: HashMap<Arc<str>, u64>,
}

/// Distinct endpoint names an error entry keeps counts for.
const MAX_ERROR_NAMES: usize = 50;

/// Aggregates of a run, sharded so that VUs on different threads rarely
/// meet on a lock. Gauges (`vus`, `vus_max`) are set by the scheduler.
#[derive(Debug)]
pub struct Store {
    registry: Arc<Registry>,
    shards: Box<[Mutex<Shard>]>,
    gauges: Mutex<HashMap<(MetricId, TagSet), Sink>>,
    overflowed: AtomicBool,
    writer: Option<Arc<dyn SampleWriter>>,
}

impl Store {
    /// A store with `shards` shards (at least one).
    pub fn new(registry: Arc<Registry>, shards: usize) -> Arc<Self> {
        Self::with_writer(registry, shards, None)
    }

    /// A store that also hands every batch of samples to `writer`.
    pub fn with_writer(
        registry: Arc<Registry>,
        shards: usize,
        writer: Option<Arc<dyn SampleWriter>>,
    ) -> Arc<Self> {
        Arc::new(Self {
            writer,
            registry,
            shards: (0..shards.max(1))
                .map(|_| Mutex::new(Shard::default()))
                .collect(),
            gauges: Mutex::new(HashMap::default()),
            overflowed: AtomicBool::new(false),
        })
    }

    /// The metric definitions.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// A sample buffer for VU `vu_id`.
    pub fn buffer(self: &Arc<Self>, vu_id: u64) -> SampleBuffer {
        SampleBuffer::new(self.clone(), (vu_id as usize) % self.shards.len())
    }

    /// Whether some shard hit the HTTP series limit.
    pub fn overflowed(&self) -> bool {
        self.overflowed.load(Ordering::Relaxed)
    }

    /// Set a gauge (e.g. `vus`) to `value`.
    pub fn set_gauge(&self, metric: MetricId, tags: TagSet, value: f64) {
        self.engine_sample(metric, MetricKind::Gauge, tags, value);
    }

    /// Add `value` to a counter kept outside any VU (e.g. `dropped_iterations`).
    pub fn add_counter(&self, metric: MetricId, tags: TagSet, value: f64) {
        self.engine_sample(metric, MetricKind::Counter, tags, value);
    }

    /// A sample the engine itself records (not a VU): aggregated here and
    /// handed to the writer like VU samples, so streaming outputs see
    /// `vus`, `vus_max` and `dropped_iterations` points as k6 writes them.
    fn engine_sample(&self, metric: MetricId, kind: MetricKind, tags: TagSet, value: f64) {
        if let Some(w) = &self.writer {
            w.write(&[Sample::Custom(super::CustomSample {
                metric,
                kind,
                value,
                tags: tags.clone(),
                at: std::time::Instant::now(),
            })]);
        }
        let mut g = self.gauges.lock().unwrap_or_else(|e| e.into_inner());
        g.entry((metric, tags))
            .or_insert_with(|| Sink::new(kind))
            .add(value);
    }

    pub(crate) fn ingest(&self, shard: usize, samples: &mut Vec<Sample>) {
        if let Some(w) = &self.writer {
            w.write(samples);
        }
        let mut s = self.shards[shard].lock().unwrap_or_else(|e| e.into_inner());
        for sample in samples.drain(..) {
            match sample {
                Sample::Http(h) => self.ingest_http(&mut s, *h),
                Sample::Iteration(i) => {
                    let agg = s.iterations.entry(i.base).or_default();
                    agg.count += 1;
                    agg.failed += u64::from(i.failed);
                    agg.duration.record_duration(i.duration);
                }
                Sample::Check(c) => {
                    let e = s.checks.entry((c.base, c.name, c.extra)).or_default();
                    if c.ok { e.0 += 1 } else { e.1 += 1 }
                }
                Sample::Custom(c) => {
                    s.custom
                        .entry((c.metric, c.tags))
                        .or_insert_with(|| Sink::new(c.kind))
                        .add(c.value);
                }
            }
        }
    }

    fn ingest_http(&self, s: &mut Shard, h: super::HttpSample) {
        if h.ident.failed() {
            let e = s
                .errors
                .entry((h.ident.error_code, h.ident.status))
                .or_insert_with(|| ErrorAgg {
                    count: 0,
                    first: h.at,
                    names: HashMap::default(),
                });
            e.count += 1;
            e.first = e.first.min(h.at);
            if e.names.len() < MAX_ERROR_NAMES || e.names.contains_key(&h.ident.name) {
                *e.names.entry(h.ident.name.clone()).or_default() += 1;
            }
        }
        let d = s.data.entry(h.base.clone()).or_default();
        d.0 += h.bytes_sent;
        d.1 += h.bytes_received;
        let mut key = HttpKey {
            base: h.base,
            extra: h.extra,
            ident: h.ident,
        };
        if s.http.len() >= MAX_HTTP_SERIES && !s.http.contains_key(&key) {
            if !self.overflowed.swap(true, Ordering::Relaxed) {
                crate::log::warn(&format!(
                    "more than {MAX_HTTP_SERIES} distinct request series (URLs with ids?): further new URLs are counted \
                     under \"{OVERFLOW_NAME}\". Give such requests a name tag (e.g. .name(\"order\") for \
                     /orders/123) so they aggregate into one series"
                ));
            }
            let overflow: Arc<str> = Arc::from(OVERFLOW_NAME);
            key.ident.url = overflow.clone();
            key.ident.name = overflow;
        }
        let agg = s.http.entry(key).or_default();
        agg.reqs += 1;
        agg.blocked.record_duration(h.blocked);
        agg.connecting.record_duration(h.connecting);
        agg.tls.record_duration(h.tls_handshaking);
        agg.sending.record_duration(h.sending);
        agg.waiting.record_duration(h.waiting);
        agg.receiving.record_duration(h.receiving);
        agg.duration
            .record_duration(h.sending + h.waiting + h.receiving);
    }

    /// Merge every shard into a snapshot. `elapsed` is the test time so far,
    /// the base of per-second rates.
    pub fn snapshot(&self, elapsed: Duration) -> Snapshot {
        let mut snap = Snapshot::new(self.registry.all(), elapsed);
        for shard in self.shards.iter() {
            let s = shard.lock().unwrap_or_else(|e| e.into_inner());
            for (k, agg) in &s.http {
                let tags = http_tags(k);
                snap.merge_value(
                    Builtin::HttpReqs.id(),
                    &tags,
                    &Sink::Counter {
                        sum: agg.reqs as f64,
                    },
                );
                // Without a response callback k6 records no http_req_failed.
                if k.ident.expected.is_some() {
                    let failed = k.ident.failed();
                    snap.merge_value(
                        Builtin::HttpReqFailed.id(),
                        &tags,
                        &Sink::Rate {
                            trues: if failed { agg.reqs } else { 0 },
                            total: agg.reqs,
                        },
                    );
                }
                for (b, t) in [
                    (Builtin::HttpReqBlocked, &agg.blocked),
                    (Builtin::HttpReqConnecting, &agg.connecting),
                    (Builtin::HttpReqTlsHandshaking, &agg.tls),
                    (Builtin::HttpReqSending, &agg.sending),
                    (Builtin::HttpReqWaiting, &agg.waiting),
                    (Builtin::HttpReqReceiving, &agg.receiving),
                    (Builtin::HttpReqDuration, &agg.duration),
                ] {
                    snap.merge_trend(b.id(), &tags, t);
                }
            }
            for (tags, (sent, received)) in &s.data {
                snap.merge_value(
                    Builtin::DataSent.id(),
                    tags,
                    &Sink::Counter { sum: *sent as f64 },
                );
                snap.merge_value(
                    Builtin::DataReceived.id(),
                    tags,
                    &Sink::Counter {
                        sum: *received as f64,
                    },
                );
            }
            for (tags, agg) in &s.iterations {
                // k6 writes data_sent and data_received at every
                // iteration's end, 0 when it sent nothing.
                for b in [Builtin::DataSent, Builtin::DataReceived] {
                    snap.merge_value(b.id(), tags, &Sink::Counter { sum: 0.0 });
                }
                snap.merge_value(
                    Builtin::Iterations.id(),
                    tags,
                    &Sink::Counter {
                        sum: agg.count as f64,
                    },
                );
                snap.merge_value(
                    Builtin::IterationsFailed.id(),
                    tags,
                    &Sink::Counter {
                        sum: agg.failed as f64,
                    },
                );
                snap.merge_trend(Builtin::IterationDuration.id(), tags, &agg.duration);
            }
            for ((base, name, extra), (pass, fail)) in &s.checks {
                let tags = base.merged(extra).with("check", name);
                snap.merge_value(
                    Builtin::Checks.id(),
                    &tags,
                    &Sink::Rate {
                        trues: *pass,
                        total: pass + fail,
                    },
                );
            }
            for ((id, tags), sink) in &s.custom {
                snap.merge_value(*id, tags, sink);
            }
            for ((code, status), e) in &s.errors {
                let first = elapsed.saturating_sub(e.first.elapsed());
                snap.merge_error(*code, *status, e.count, first, &e.names);
            }
        }
        let g = self.gauges.lock().unwrap_or_else(|e| e.into_inner());
        for ((id, tags), sink) in g.iter() {
            snap.merge_value(*id, tags, sink);
        }
        snap
    }
}

fn http_tags(k: &HttpKey) -> TagSet {
    super::tags::request_tags(&k.base, &k.extra, &k.ident)
}
