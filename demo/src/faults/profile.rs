//! The fault profile format: what a JSON or TOML file, a `PUT /__faults`
//! body or code says the demo target should do wrong.
//!
//! Every struct refuses unknown fields, so a misspelt key is an error that
//! names the key and the ones expected instead of a fault that silently
//! never happens. `docs/demo-target.md` has complete examples.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::span;

/// How the demo target misbehaves: a default rule, rules per route, and
/// phases that replace them as time passes since the profile was applied.
///
/// A route's rule replaces the default whole (fields are not merged), so a
/// rule reads as everything that happens to its route. Routes are named by
/// their `/__stats` keys (`"GET /products"`, `"POST /orders"`, `"other"`);
/// `"*"` is another name for the default. The `/__` endpoints are never
/// faulted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultProfile {
    /// The rule of every route without its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<FaultRule>,
    /// Rules by route key.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub routes: BTreeMap<String, FaultRule>,
    /// Later stages, in increasing `after` order. From its `after` on, a
    /// phase's `default` and `routes` replace the ones before it whole; a
    /// route without a rule in the phase then has none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phases: Vec<Phase>,
}

/// A stage of a profile, in force from `after` (time since the profile was
/// applied) until the next phase.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    /// When the phase starts: `"10s"`, `"250ms"`, `"2m"`, or a number of
    /// seconds.
    #[serde(with = "span")]
    pub after: Duration,
    /// The rule of every route without its own in this phase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<FaultRule>,
    /// Rules by route key in this phase.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub routes: BTreeMap<String, FaultRule>,
}

/// What happens to the requests of a route. Every part is optional.
///
/// A request first meets the breaker (503 at once while open), then the
/// rate limit (429), then one random draw decides between timeout, reset,
/// an injected error status and a normal answer; all but timeouts then go
/// through the queue model and latency before being answered (or reset).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// Extra time before answering (inside the service time when there is
    /// a queue model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<Latency>,
    /// A server with a fixed number of workers: latency grows with load.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<QueueModel>,
    /// Fractions of requests answered with an error status instead of the
    /// route's answer, by status (`"400"` to `"599"`), e.g. `{"502": 0.05}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub errors: BTreeMap<String, f64>,
    /// A token bucket per client; requests over it get 429.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimit>,
    /// Fraction of requests never answered: the connection stays open
    /// until the client gives up or the target stops.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub timeout: f64,
    /// Fraction of requests whose connection is reset (TCP RST).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub reset: f64,
    /// Bodies sent in small chunks with pauses between them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slow_body: Option<SlowBody>,
    /// Answer 503 at once after consecutive failures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breaker: Option<Breaker>,
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

/// A latency distribution, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Latency {
    /// Always this many milliseconds: `{"fixed": 20}`.
    Fixed(f64),
    /// Evenly spread: `{"uniform": {"min": 5, "max": 50}}`.
    Uniform {
        /// Shortest latency, ms.
        min: f64,
        /// Longest latency, ms.
        max: f64,
    },
    /// Long-tailed, as real services are: `{"lognormal": {"median": 20,
    /// "p95": 120}}`.
    Lognormal {
        /// Half the requests take less than this, ms.
        median: f64,
        /// 95% of requests take less than this, ms.
        p95: f64,
    },
}

/// A server with `workers` workers, each taking `service_ms` per request:
/// at most `workers` requests are served at once, the others wait in line
/// (first come, first served), so capacity is `workers × 1000 / service_ms`
/// requests/s and latency grows once load passes it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueModel {
    /// Requests served at once.
    pub workers: u32,
    /// Time each request occupies a worker, ms (plus `latency`, if any).
    pub service_ms: f64,
}

/// A token bucket per client: `rate` tokens a second, at most `burst`
/// saved up; a request without a token gets 429 with `Retry-After`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Tokens added per second.
    pub rate: f64,
    /// Most tokens a client can save up (its allowed burst).
    pub burst: u32,
    /// The request header that names the client (e.g. `X-Client-Key`);
    /// without it, or when a request lacks the header, the client is its
    /// IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_header: Option<String>,
}

/// Responses sent `chunk_bytes` at a time, `gap_ms` apart.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlowBody {
    /// Bytes per chunk.
    pub chunk_bytes: usize,
    /// Pause between chunks, ms.
    pub gap_ms: u64,
    /// Fraction of answered requests slowed (default all).
    #[serde(default = "all", skip_serializing_if = "is_all")]
    pub fraction: f64,
}

fn all() -> f64 {
    1.0
}

fn is_all(x: &f64) -> bool {
    *x == 1.0
}

/// A circuit breaker per route: after `failures` consecutive failures (5xx
/// answers, injected or real) the route answers 503 at once for `open_for`,
/// then lets one trial request through: success closes the breaker,
/// failure opens it again.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Breaker {
    /// Consecutive failures that open the breaker.
    pub failures: u32,
    /// How long it stays open: `"5s"`, `"500ms"`, or a number of seconds.
    #[serde(with = "span")]
    pub open_for: Duration,
}
