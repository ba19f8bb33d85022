//! Applying faults to one request: what happens before the route runs
//! ([`before`]) and what happens to its answer ([`After::finish`]).

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use http::header::{HeaderValue, RETRY_AFTER};
use http::{HeaderMap, StatusCode};
use serde::Serialize;
use tokio::time::Instant;

use super::breaker::Admission;
use super::bucket::{ClientKey, retry_after_secs};
use super::header::{self, HeaderFault, Outcome};
use super::plan::{Draw, RuleState};
use super::rng;
use super::validate::MAX_MS;
use crate::injected::Fault;
use crate::reply::{self, Reply};
use crate::routes::Route;
use crate::state::State;

/// What the fault layer decided for a request.
pub(crate) enum Verdict {
    /// Answer with this reply (boxed: it is rare, and the verdict stays
    /// small), or with the route's own when `None`, then pass the answer
    /// through [`After::finish`].
    Answer(Option<Box<Reply>>, After),
    /// Reset the connection.
    Reset,
    /// Never answer.
    Hang,
}

/// What is left to do once the answer is known.
pub(crate) struct After {
    route: Route,
    rule: Option<Arc<RuleState>>,
    admission: Option<Admission>,
}

/// Everything that happens before the route runs: fault header, rate
/// limit, breaker, the random draw, queue model and latency.
pub(crate) async fn before(
    state: &State,
    route: Route,
    headers: &HeaderMap,
    peer: IpAddr,
) -> Verdict {
    if state.faults.headers_enabled()
        && let Some(fault) = header::from_headers(headers)
    {
        return match fault {
            Ok(fault) => by_header(state, route, fault).await,
            Err(message) => answer(route, reply::error(StatusCode::BAD_REQUEST, &message)),
        };
    }
    let serve = || Verdict::Answer(None, After::plain(route));
    let Some(plan) = state.faults.plan() else {
        return serve();
    };
    let now = Instant::now();
    let Some(rule) = plan.rule(route, now).cloned() else {
        return serve();
    };
    let injected = &state.injected;
    if let Some((buckets, key_header)) = &rule.rate_limit {
        let client = key_header
            .as_ref()
            .and_then(|name| headers.get(name))
            .map_or(ClientKey::Ip(peer), |v| {
                ClientKey::Header(v.as_bytes().into())
            });
        if let Err(wait) = buckets.take(client, now) {
            injected.count(route, Fault::RateLimited);
            let reply = retry_after(StatusCode::TOO_MANY_REQUESTS, "rate limited", wait);
            return answer(route, reply);
        }
    }
    let admission = rule.breaker(route).map(|breaker| breaker.admit(now));
    if let Some(Admission::ShortCircuit(wait)) = admission {
        injected.count(route, Fault::ShortCircuit);
        let reply = retry_after(StatusCode::SERVICE_UNAVAILABLE, "circuit open", wait);
        return answer(route, reply);
    }
    let draw = rule.draw(rng::uniform());
    if draw == Draw::Timeout {
        injected.count(route, Fault::Timeout);
        return Verdict::Hang;
    }
    let extra = rule.latency.as_ref().map_or(Duration::ZERO, |latency| {
        let ms = rng::latency_ms(latency).clamp(0.0, MAX_MS);
        Duration::try_from_secs_f64(ms / 1000.0).unwrap_or_default()
    });
    if !extra.is_zero() {
        injected.count(route, Fault::Delayed);
    }
    match &rule.queue {
        Some(queue) => {
            let slot = queue.book(now, extra);
            if slot.line > 0 {
                injected.count(route, Fault::QueueWait);
                injected.queue_len(route, slot.line);
            }
            tokio::time::sleep_until(slot.end).await;
        }
        None if !extra.is_zero() => tokio::time::sleep_until(now + extra).await,
        None => {}
    }
    let after = After {
        route,
        rule: Some(rule),
        admission,
    };
    match draw {
        Draw::Reset => {
            injected.count(route, Fault::Reset);
            Verdict::Reset
        }
        Draw::Status(status) => {
            injected.status(route, status);
            Verdict::Answer(Some(Box::new(injected_status(status))), after)
        }
        Draw::Serve | Draw::Timeout => Verdict::Answer(None, after),
    }
}

/// A request that carries `X-Volley-Fault`: the header replaces the
/// profile for it, so a test gets exactly what it asked for.
async fn by_header(state: &State, route: Route, fault: HeaderFault) -> Verdict {
    let injected = &state.injected;
    if !fault.delay.is_zero() {
        injected.count(route, Fault::Delayed);
        tokio::time::sleep(fault.delay).await;
    }
    match fault.outcome {
        None => Verdict::Answer(None, After::plain(route)),
        Some(Outcome::Timeout) => {
            injected.count(route, Fault::Timeout);
            Verdict::Hang
        }
        Some(Outcome::Reset) => {
            injected.count(route, Fault::Reset);
            Verdict::Reset
        }
        Some(Outcome::Status(status)) => {
            injected.status(route, status);
            answer(route, injected_status(status))
        }
    }
}

impl After {
    /// Nothing to do after the answer.
    fn plain(route: Route) -> After {
        After {
            route,
            rule: None,
            admission: None,
        }
    }

    /// Feeds the answer's status to the breaker and slows its body if the
    /// rule says so.
    pub(crate) fn finish(self, state: &State, reply: &mut Reply) {
        let Some(rule) = self.rule else {
            return;
        };
        if let (Some(breaker), Some(admission)) = (rule.breaker(self.route), self.admission) {
            let failed = reply.status().is_server_error();
            if breaker.record(admission, failed, Instant::now()) {
                state.injected.count(self.route, Fault::BreakerOpen);
            }
        }
        if let Some(slow) = rule.slow_body
            && (slow.fraction >= 1.0 || rng::uniform() < slow.fraction)
            && reply
                .body_mut()
                .slow_down(slow.chunk_bytes, Duration::from_millis(slow.gap_ms))
        {
            state.injected.count(self.route, Fault::SlowBody);
        }
    }
}

fn answer(route: Route, reply: Reply) -> Verdict {
    Verdict::Answer(Some(Box::new(reply)), After::plain(route))
}

#[derive(Serialize)]
struct InjectedBody {
    error: &'static str,
    status: u16,
}

/// The answer of an injected error status. 429 and 503 carry
/// `Retry-After: 1`, as real ones usually do, so clients that honour it
/// are exercised too.
fn injected_status(status: StatusCode) -> Reply {
    let body = InjectedBody {
        error: "injected fault",
        status: status.as_u16(),
    };
    let mut reply = reply::json(status, &body);
    if matches!(
        status,
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
    ) {
        reply
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from_static("1"));
    }
    reply
}

/// An error answer with `Retry-After` in whole seconds, rounded up.
fn retry_after(status: StatusCode, message: &str, wait: Duration) -> Reply {
    let mut reply = reply::error(status, message);
    let secs = retry_after_secs(wait);
    reply
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from(secs));
    reply
}
