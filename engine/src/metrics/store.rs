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
/// The value of every folded tag of an overflow series (see [`SeriesLimits`]).
pub const OVERFLOW_VALUE: &str = "__overflow__";

/// How many distinct series (tag sets) the store keeps, per metric and in
/// all, before it folds new ones into one overflow series per metric (and
/// scenario), whose varying tags read [`OVERFLOW_VALUE`]: a scenario
/// cannot exhaust the engine's memory with tag values, URLs or check names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeriesLimits {
    /// Distinct series of one metric (the `http_*` metrics of a request
    /// share theirs, as do `iterations` and `iteration_duration`).
    pub per_metric: usize,
    /// Distinct series of all metrics together.
    pub total: usize,
}

impl SeriesLimits {
    /// The default per metric: far above what a scenario that names its
    /// requests needs, and small enough that a hostile one stays cheap.
    pub const DEFAULT_PER_METRIC: usize = 10_000;
    /// The default in all.
    pub const DEFAULT_TOTAL: usize = 50_000;
}

impl Default for SeriesLimits {
    fn default() -> Self {
        Self {
            per_metric: Self::DEFAULT_PER_METRIC,
            total: Self::DEFAULT_TOTAL,
        }
    }
}

/// The series family a key belongs to: one metric, or the metrics that
/// share a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Family {
    Http,
    Data,
    Iterations,
    Checks,
    Custom(MetricId),
}

/// Every series the shards hold, counted once across shards, and what was
/// folded.
#[derive(Debug, Default)]
struct Budget {
    /// Hashes of the admitted keys, by family.
    seen: rustc_hash::FxHashSet<(Family, u64)>,
    per_family: HashMap<Family, usize>,
    total: usize,
    /// Samples folded into overflow series, by family.
    folded: HashMap<Family, u64>,
}

/// What was folded, for the summary: samples of new series counted under
/// an overflow series, by metric.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folded {
    /// The metric (for requests, `http_reqs` and the other `http_*`).
    pub metric: String,
    /// Samples counted in its overflow series instead of a series of their own.
    pub samples: u64,
}

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
    retry_after: u64,
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
    limits: SeriesLimits,
    budget: Mutex<Budget>,
    /// Set once the first fold was warned about.
    folding: AtomicBool,
}

/// Update the aggregate of `key` in `map` with `update`, in one lookup when
/// its series exists (the per-sample path). A new key is kept when `keep`
/// says so; otherwise `fold` gives the key it is counted under (given the
/// map, to see which series exist). A new aggregate is `V::default()`.
fn upsert<K: Eq + std::hash::Hash, V: Default>(
    map: &mut HashMap<K, V>,
    key: K,
    keep: impl FnOnce(&K) -> bool,
    fold: impl FnOnce(K, &HashMap<K, V>) -> K,
    update: impl FnOnce(&mut V),
) {
    upsert_with(map, key, keep, fold, V::default, update);
}

/// [`upsert`], with a new aggregate made by `new`.
fn upsert_with<K: Eq + std::hash::Hash, V>(
    map: &mut HashMap<K, V>,
    key: K,
    keep: impl FnOnce(&K) -> bool,
    fold: impl FnOnce(K, &HashMap<K, V>) -> K,
    new: impl FnOnce() -> V,
    update: impl FnOnce(&mut V),
) {
    use std::collections::hash_map::Entry;
    let key = match map.entry(key) {
        Entry::Occupied(mut o) => return update(o.get_mut()),
        Entry::Vacant(v) if keep(v.key()) => return update(v.insert(new())),
        Entry::Vacant(v) => v.into_key(),
    };
    let key = fold(key, map);
    update(map.entry(key).or_insert_with(new));
}

fn hash_of(key: &impl std::hash::Hash) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(key)
}

/// `tags` folded: only `scenario` kept, the rest one tag reading
/// [`OVERFLOW_VALUE`], so every overflow series of a scenario is one.
fn fold_tags(tags: &TagSet) -> TagSet {
    let scenario = tags.get("scenario");
    TagSet::from_pairs(
        scenario
            .map(|s| ("scenario", s))
            .into_iter()
            .chain(std::iter::once(("overflow", OVERFLOW_VALUE))),
    )
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
        Self::with_limits(registry, shards, writer, SeriesLimits::default())
    }

    /// [`with_writer`](Self::with_writer), with series limits.
    pub fn with_limits(
        registry: Arc<Registry>,
        shards: usize,
        writer: Option<Arc<dyn SampleWriter>>,
        limits: SeriesLimits,
    ) -> Arc<Self> {
        Arc::new(Self {
            writer,
            registry,
            shards: (0..shards.max(1))
                .map(|_| Mutex::new(Shard::default()))
                .collect(),
            gauges: Mutex::new(HashMap::default()),
            overflowed: AtomicBool::new(false),
            limits,
            budget: Mutex::new(Budget::default()),
            folding: AtomicBool::new(false),
        })
    }

    /// Whether a key of `family` new to its shard may have a series of its
    /// own: it is already one elsewhere, or both limits have room. When
    /// not, the fold is counted (and warned about once).
    fn admit(&self, family: Family, hash: u64) -> bool {
        let mut b = self.budget.lock().unwrap_or_else(|e| e.into_inner());
        if b.seen.contains(&(family, hash)) {
            return true;
        }
        let mine = b.per_family.get(&family).copied().unwrap_or(0);
        if mine < self.limits.per_metric && b.total < self.limits.total {
            b.seen.insert((family, hash));
            *b.per_family.entry(family).or_default() += 1;
            b.total += 1;
            return true;
        }
        *b.folded.entry(family).or_default() += 1;
        let (total, limits) = (b.total, self.limits);
        drop(b);
        if !self.folding.swap(true, Ordering::Relaxed) {
            let which = if mine >= limits.per_metric {
                format!(
                    "metric {} has {mine} distinct series (tag sets), the limit per metric (--max-series-per-metric {})",
                    self.family_name(family),
                    limits.per_metric
                )
            } else {
                format!(
                    "the run has {total} distinct series (tag sets), the limit in all (--max-series {})",
                    limits.total
                )
            };
            crate::log::warn(&format!(
                "{which}: further new tag sets are folded into one series per metric tagged \
                 overflow={OVERFLOW_VALUE} (counted, not lost; the summary says how many). \
                 Tag with fewer distinct values (ids belong in names like /orders/{{id}}), or raise the limit"
            ));
        }
        false
    }

    fn family_name(&self, family: Family) -> String {
        match family {
            Family::Http => "http_reqs (and the other http_* metrics)".into(),
            Family::Data => "data_sent/data_received".into(),
            Family::Iterations => "iterations".into(),
            Family::Checks => "checks".into(),
            Family::Custom(id) => self
                .registry
                .get(id)
                .map_or_else(|| format!("#{}", id.0), |d| d.name.clone()),
        }
    }

    /// Samples folded into overflow series so far, by metric.
    pub fn folded(&self) -> Vec<Folded> {
        let b = self.budget.lock().unwrap_or_else(|e| e.into_inner());
        let mut out: Vec<(Family, u64)> = b.folded.iter().map(|(f, n)| (*f, *n)).collect();
        drop(b);
        out.sort();
        out.into_iter()
            .map(|(f, samples)| Folded {
                metric: match f {
                    Family::Http => "http_reqs".into(),
                    Family::Data => "data_sent".into(),
                    Family::Iterations => "iterations".into(),
                    Family::Checks => "checks".into(),
                    Family::Custom(_) => self.family_name(f),
                },
                samples,
            })
            .collect()
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
                Sample::Iteration(i) => upsert(
                    &mut s.iterations,
                    i.base,
                    |k| self.admit(Family::Iterations, hash_of(k)),
                    |k, _| fold_tags(&k),
                    |agg: &mut IterAgg| {
                        agg.count += 1;
                        agg.failed += u64::from(i.failed);
                        agg.duration.record_duration(i.duration);
                    },
                ),
                Sample::Check(c) => upsert(
                    &mut s.checks,
                    (c.base, c.name, c.extra),
                    |k| self.admit(Family::Checks, hash_of(k)),
                    |k, _| (fold_tags(&k.0), Arc::from(OVERFLOW_VALUE), TagSet::empty()),
                    |e: &mut (u64, u64)| {
                        if c.ok { e.0 += 1 } else { e.1 += 1 }
                    },
                ),
                Sample::Custom(c) => upsert_with(
                    &mut s.custom,
                    (c.metric, c.tags),
                    |k| self.admit(Family::Custom(k.0), hash_of(&k.1)),
                    |k, _| (k.0, fold_tags(&k.1)),
                    || Sink::new(c.kind),
                    |sink| sink.add(c.value),
                ),
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
                    retry_after: 0,
                    first: h.at,
                    names: HashMap::default(),
                });
            e.count += 1;
            e.retry_after += u64::from(h.retry_after);
            e.first = e.first.min(h.at);
            if e.names.len() < MAX_ERROR_NAMES || e.names.contains_key(&h.ident.name) {
                *e.names.entry(h.ident.name.clone()).or_default() += 1;
            }
        }
        upsert(
            &mut s.data,
            h.base.clone(),
            |k| self.admit(Family::Data, hash_of(k)),
            |k, _| fold_tags(&k),
            |d: &mut (u64, u64)| {
                d.0 += h.bytes_sent;
                d.1 += h.bytes_received;
            },
        );
        let key = HttpKey {
            base: h.base,
            extra: h.extra,
            ident: h.ident,
        };
        let series = s.http.len();
        let record = |agg: &mut HttpAgg| {
            agg.reqs += 1;
            agg.blocked.record_duration(h.blocked);
            agg.connecting.record_duration(h.connecting);
            agg.tls.record_duration(h.tls_handshaking);
            agg.sending.record_duration(h.sending);
            agg.waiting.record_duration(h.waiting);
            agg.receiving.record_duration(h.receiving);
            agg.duration
                .record_duration(h.sending + h.waiting + h.receiving);
        };
        // A new key: folded when the series budget is spent, and named
        // by the URL cap when the shard has too many URLs.
        let admitted = std::cell::Cell::new(true);
        upsert(
            &mut s.http,
            key,
            |k| {
                admitted.set(self.admit(Family::Http, hash_of(k)));
                admitted.get() && series < MAX_HTTP_SERIES
            },
            |mut key, http| {
                if !admitted.get() {
                    let overflow: Arc<str> = Arc::from(OVERFLOW_VALUE);
                    key.base = fold_tags(&key.base);
                    key.extra = TagSet::empty();
                    key.ident.url = overflow.clone();
                    key.ident.name = overflow.clone();
                    if !matches!(
                        &*key.ident.method,
                        "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS"
                    ) {
                        key.ident.method = overflow;
                    }
                }
                if series >= MAX_HTTP_SERIES && !http.contains_key(&key) {
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
                key
            },
            record,
        );
    }

    /// Merge every shard into a snapshot. `elapsed` is the test time so far,
    /// the base of per-second rates.
    pub fn snapshot(&self, elapsed: Duration) -> Snapshot {
        let mut snap = Snapshot::new(self.registry.all(), elapsed);
        snap.folded = self.folded();
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
                snap.add_retry_after(*code, *status, e.retry_after);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::ValueType;

    fn tags(scenario: &str, id: usize) -> TagSet {
        TagSet::from_pairs([("scenario", scenario.to_string()), ("id", id.to_string())])
    }

    #[test]
    fn new_series_past_the_limits_fold_into_one_overflow_series() {
        let registry = Arc::new(Registry::new());
        let a = registry
            .define("a", MetricKind::Counter, ValueType::Default)
            .expect("define");
        let b = registry
            .define("b", MetricKind::Counter, ValueType::Default)
            .expect("define");
        let limits = SeriesLimits {
            per_metric: 3,
            total: 5,
        };
        let store = Store::with_limits(registry, 2, None, limits);
        // Two VUs on two shards record the same 10 tag sets of `a`.
        for vu in 0..2 {
            let mut buf = store.buffer(vu);
            for id in 0..10 {
                buf.custom(a, MetricKind::Counter, 1.0, tags("s", id));
            }
            buf.flush();
        }
        let snap = store.snapshot(Duration::from_secs(1));
        let series = &snap.metric("a").expect("a").by_tags;
        assert_eq!(series.len(), 4, "3 series and the overflow one: {series:?}");
        let overflow = TagSet::from_pairs([("overflow", OVERFLOW_VALUE), ("scenario", "s")]);
        assert!(
            matches!(series.get(&overflow), Some(Sink::Counter { sum }) if *sum == 14.0),
            "7 tag sets × 2 VUs folded: {series:?}"
        );
        assert_eq!(snap.counter("a", &[]), 20.0, "no sample lost");
        // `b` has room for 2 more before the total of 5 is reached.
        let mut buf = store.buffer(0);
        for id in 0..4 {
            buf.custom(b, MetricKind::Counter, 1.0, tags("s", id));
        }
        buf.flush();
        let snap = store.snapshot(Duration::from_secs(1));
        assert_eq!(snap.metric("b").expect("b").by_tags.len(), 3);
        assert_eq!(snap.counter("b", &[]), 4.0);
        assert_eq!(
            snap.folded,
            vec![
                Folded {
                    metric: "a".into(),
                    samples: 14
                },
                Folded {
                    metric: "b".into(),
                    samples: 2
                },
            ]
        );
    }
}
