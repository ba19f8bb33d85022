//! Every sample as the individual metric values ("points") k6 emits for
//! it, for the outputs that stream them (JSON lines, CSV).

use std::time::{Duration, Instant};

use crate::metrics::{Builtin, MetricKind, Registry, Sample, TagSet, ValueType, request_tags};

/// One metric value of one sample.
pub(crate) struct Point<'a> {
    pub metric: &'a str,
    pub kind: MetricKind,
    pub value_type: ValueType,
    pub at: Instant,
    pub value: f64,
    pub tags: &'a TagSet,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Call `f` with each point of `sample`, in k6's order.
pub(crate) fn for_each_point(sample: &Sample, registry: &Registry, mut f: impl FnMut(Point<'_>)) {
    let mut emit = |b: Builtin, at: Instant, value: f64, tags: &TagSet| {
        f(Point {
            metric: b.name(),
            kind: b.kind(),
            value_type: b.value_type(),
            at,
            value,
            tags,
        })
    };
    match sample {
        Sample::Http(h) => {
            let tags = request_tags(&h.base, &h.extra, &h.ident);
            emit(Builtin::HttpReqs, h.at, 1.0, &tags);
            let duration = h.sending + h.waiting + h.receiving;
            for (b, d) in [
                (Builtin::HttpReqDuration, duration),
                (Builtin::HttpReqBlocked, h.blocked),
                (Builtin::HttpReqConnecting, h.connecting),
                (Builtin::HttpReqTlsHandshaking, h.tls_handshaking),
                (Builtin::HttpReqSending, h.sending),
                (Builtin::HttpReqWaiting, h.waiting),
                (Builtin::HttpReqReceiving, h.receiving),
            ] {
                emit(b, h.at, ms(d), &tags);
            }
            if h.ident.expected.is_some() {
                let failed = if h.ident.failed() { 1.0 } else { 0.0 };
                emit(Builtin::HttpReqFailed, h.at, failed, &tags);
            }
            emit(Builtin::DataSent, h.at, h.bytes_sent as f64, &h.base);
            emit(
                Builtin::DataReceived,
                h.at,
                h.bytes_received as f64,
                &h.base,
            );
        }
        Sample::Iteration(i) => {
            emit(Builtin::Iterations, i.at, 1.0, &i.base);
            emit(Builtin::IterationDuration, i.at, ms(i.duration), &i.base);
            if i.failed {
                emit(Builtin::IterationsFailed, i.at, 1.0, &i.base);
            }
            // k6 writes data_sent and data_received at every iteration's
            // end (its bytes; Volley's went with each request): a script
            // without requests still has the points, at 0.
            emit(Builtin::DataSent, i.at, 0.0, &i.base);
            emit(Builtin::DataReceived, i.at, 0.0, &i.base);
        }
        Sample::Check(c) => {
            let tags = c.base.merged(&c.extra).with("check", &c.name);
            emit(Builtin::Checks, c.at, if c.ok { 1.0 } else { 0.0 }, &tags);
        }
        Sample::Custom(c) => {
            if let Some(def) = registry.get(c.metric) {
                f(Point {
                    metric: &def.name,
                    kind: def.kind,
                    value_type: def.value_type,
                    at: c.at,
                    value: c.value,
                    tags: &c.tags,
                });
            }
        }
    }
}

/// Turns `Instant`s into wall-clock time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    wall: std::time::SystemTime,
    anchor: Instant,
}

impl Clock {
    pub(crate) fn now() -> Clock {
        Clock {
            wall: std::time::SystemTime::now(),
            anchor: Instant::now(),
        }
    }

    pub(crate) fn wall(&self, at: Instant) -> std::time::SystemTime {
        if at >= self.anchor {
            self.wall + (at - self.anchor)
        } else {
            self.wall - (self.anchor - at)
        }
    }
}
