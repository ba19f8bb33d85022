//! The built-in metrics, with k6's names, kinds and ids fixed at startup.

use super::{MetricKind, ValueType};

/// A built-in metric. Its discriminant is its [`MetricId`](super::MetricId).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum Builtin {
    /// Count of checks, and the share that passed.
    Checks = 0,
    /// Bytes received (wire bytes, headers included).
    DataReceived,
    /// Bytes sent.
    DataSent,
    /// Time waiting for a connection (pool, DNS).
    HttpReqBlocked,
    /// TCP connect time.
    HttpReqConnecting,
    /// Request duration: sending + waiting + receiving.
    HttpReqDuration,
    /// Share of requests whose status was not expected or that failed.
    HttpReqFailed,
    /// Body read time.
    HttpReqReceiving,
    /// Request write time.
    HttpReqSending,
    /// TLS handshake time.
    HttpReqTlsHandshaking,
    /// Time to first byte.
    HttpReqWaiting,
    /// Count of requests.
    HttpReqs,
    /// Duration of complete iterations.
    IterationDuration,
    /// Count of complete iterations.
    Iterations,
    /// Active VUs.
    Vus,
    /// VUs allocated.
    VusMax,
    /// Iterations that failed (trap, error, timeout). Volley's addition.
    IterationsFailed,
    /// Iterations an arrival-rate executor could not start (no free VU).
    DroppedIterations,
    /// Time spent in a group, each time it is left.
    GroupDuration,
    /// Time to the first byte of a response (sending + waiting).
    HttpReqFirstByte,
    /// Time from the request to the first event of a streamed response.
    StreamFirstEvent,
    /// Time between consecutive events of a streamed response.
    StreamEventGap,
    /// Events of streamed responses.
    StreamEvents,
}

impl Builtin {
    /// Every built-in, in id order.
    pub const ALL: [Builtin; 23] = [
        Builtin::Checks,
        Builtin::DataReceived,
        Builtin::DataSent,
        Builtin::HttpReqBlocked,
        Builtin::HttpReqConnecting,
        Builtin::HttpReqDuration,
        Builtin::HttpReqFailed,
        Builtin::HttpReqReceiving,
        Builtin::HttpReqSending,
        Builtin::HttpReqTlsHandshaking,
        Builtin::HttpReqWaiting,
        Builtin::HttpReqs,
        Builtin::IterationDuration,
        Builtin::Iterations,
        Builtin::Vus,
        Builtin::VusMax,
        Builtin::IterationsFailed,
        Builtin::DroppedIterations,
        Builtin::GroupDuration,
        Builtin::HttpReqFirstByte,
        Builtin::StreamFirstEvent,
        Builtin::StreamEventGap,
        Builtin::StreamEvents,
    ];

    /// The k6 name.
    pub fn name(self) -> &'static str {
        match self {
            Builtin::Checks => "checks",
            Builtin::DataReceived => "data_received",
            Builtin::DataSent => "data_sent",
            Builtin::HttpReqBlocked => "http_req_blocked",
            Builtin::HttpReqConnecting => "http_req_connecting",
            Builtin::HttpReqDuration => "http_req_duration",
            Builtin::HttpReqFailed => "http_req_failed",
            Builtin::HttpReqReceiving => "http_req_receiving",
            Builtin::HttpReqSending => "http_req_sending",
            Builtin::HttpReqTlsHandshaking => "http_req_tls_handshaking",
            Builtin::HttpReqWaiting => "http_req_waiting",
            Builtin::HttpReqs => "http_reqs",
            Builtin::IterationDuration => "iteration_duration",
            Builtin::Iterations => "iterations",
            Builtin::Vus => "vus",
            Builtin::VusMax => "vus_max",
            Builtin::IterationsFailed => "iterations_failed",
            Builtin::DroppedIterations => "dropped_iterations",
            Builtin::GroupDuration => "group_duration",
            Builtin::HttpReqFirstByte => "http_req_first_byte",
            Builtin::StreamFirstEvent => "stream_first_event",
            Builtin::StreamEventGap => "stream_event_gap",
            Builtin::StreamEvents => "stream_events",
        }
    }

    /// The metric type.
    pub fn kind(self) -> MetricKind {
        match self {
            Builtin::Checks | Builtin::HttpReqFailed => MetricKind::Rate,
            Builtin::DataReceived
            | Builtin::DataSent
            | Builtin::HttpReqs
            | Builtin::Iterations
            | Builtin::IterationsFailed
            | Builtin::DroppedIterations
            | Builtin::StreamEvents => MetricKind::Counter,
            Builtin::Vus | Builtin::VusMax => MetricKind::Gauge,
            _ => MetricKind::Trend,
        }
    }

    /// How values are shown.
    pub fn value_type(self) -> ValueType {
        match self {
            Builtin::DataReceived | Builtin::DataSent => ValueType::Data,
            b if b.kind() == MetricKind::Trend => ValueType::Time,
            _ => ValueType::Default,
        }
    }

    /// The id of this metric in every [`Registry`](super::Registry).
    pub fn id(self) -> super::MetricId {
        super::MetricId(self as u32)
    }
}
