//! Request dispatch: counts each request under its route, lets the fault
//! layer have its say when faults are on, then hands the request to the
//! handler of its endpoint.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::header::{ALLOW, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use http::request::Parts;
use http::{Request, StatusCode};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::Incoming;

use super::conn::{Abort, Conn};
use super::faults::{self, FaultProfile, Verdict};
use super::reply::{self, Reply};
use super::routes::{self, Endpoint};
use super::state::State;
use super::{probes, shop, stream};

/// Largest request body accepted; larger ones get 413.
pub(crate) const MAX_BODY: usize = 1024 * 1024;

/// Answers one request read at `started`. Fails only to drop the
/// connection on purpose (a reset fault, or a never-answered request when
/// the target stops); every other problem is an HTTP status.
pub(crate) async fn handle(
    conn: Arc<Conn>,
    request: Request<Incoming>,
    started: Instant,
) -> Result<Reply, Abort> {
    let (parts, body) = request.into_parts();
    let endpoint = routes::resolve(&parts.method, parts.uri.path());
    let Some(route) = endpoint.route() else {
        // The /__ endpoints: neither counted nor faulted.
        return Ok(dispatch(&conn, endpoint, &parts, body).await);
    };
    let state = &conn.state;
    state.stats.record(route);
    let started = state.timeline.received(started);
    let mut reply = if state.faults.idle() {
        dispatch(&conn, endpoint, &parts, body).await
    } else {
        // Boxed: the fault path's future is large (timers, queue), and
        // inline it would make every request's future larger to move.
        let verdict = Box::pin(faults::before(state, route, &parts.headers, conn.peer)).await;
        match verdict {
            Verdict::Answer(reply, after) => {
                let mut reply = match reply {
                    Some(reply) => *reply,
                    None => dispatch(&conn, endpoint, &parts, body).await,
                };
                after.finish(state, &mut reply);
                reply
            }
            Verdict::Reset => {
                conn.ctl.request_reset();
                return Err(Abort::Reset);
            }
            Verdict::Hang => {
                state.stopped().await;
                return Err(Abort::Stopped);
            }
        }
    };
    reply.body_mut().report_to(conn, started);
    Ok(reply)
}

/// The answer of an endpoint.
async fn dispatch(
    conn: &Arc<Conn>,
    endpoint: Endpoint<'_>,
    parts: &Parts,
    body: Incoming,
) -> Reply {
    let state = &conn.state;
    match endpoint {
        Endpoint::Health => reply::json_static(StatusCode::OK, br#"{"status":"ok"}"#),
        Endpoint::Products => shop::products(),
        Endpoint::Product(id) => shop::product(id),
        Endpoint::CreateCustomer => match read_body(parts, body).await {
            Ok(body) => shop::create_customer(&state.store, &body),
            Err(reply) => reply,
        },
        Endpoint::CustomerOrders(id) => shop::customer_orders(&state.store, id),
        Endpoint::CreateOrder => match read_body(parts, body).await {
            Ok(body) => shop::create_order(&state.store, &body),
            Err(reply) => reply,
        },
        Endpoint::Delay => probes::delay(parts.uri.query()).await,
        Endpoint::Status(code) => probes::status(code),
        Endpoint::Bytes(n) => probes::bytes(n),
        Endpoint::Redirect(n) => probes::redirect(n),
        Endpoint::CookiesSet => probes::set_cookies(parts.uri.query()),
        Endpoint::Cookies => probes::cookies(&parts.headers),
        Endpoint::Stream => stream::start(conn, parts.uri.query()),
        Endpoint::Stats => reply::json(StatusCode::OK, &state.snapshot()),
        Endpoint::StatsReset => {
            state.reset_stats();
            reply::empty(StatusCode::NO_CONTENT)
        }
        Endpoint::StatsStreams => reply::json(StatusCode::OK, &state.streams.log()),
        Endpoint::FaultsGet => reply::json(StatusCode::OK, &state.faults.view()),
        Endpoint::FaultsSet => match read_body(parts, body).await {
            Ok(body) => set_faults(state, parts, &body),
            Err(reply) => reply,
        },
        Endpoint::FaultsClear => {
            state.faults.clear();
            reply::empty(StatusCode::NO_CONTENT)
        }
        Endpoint::MethodNotAllowed(allow) => {
            let mut reply = reply::error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
            reply
                .headers_mut()
                .insert(ALLOW, HeaderValue::from_static(allow));
            reply
        }
        Endpoint::NotFound => reply::error(StatusCode::NOT_FOUND, "not found"),
    }
}

/// `PUT /__faults`: a JSON profile, or TOML when the content type says so.
fn set_faults(state: &State, parts: &Parts, body: &[u8]) -> Reply {
    const ORIGIN: &str = "PUT /__faults";
    let is_toml = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("toml"));
    let Ok(text) = std::str::from_utf8(body) else {
        return reply::error(StatusCode::BAD_REQUEST, "PUT /__faults: body must be UTF-8");
    };
    let profile = if is_toml {
        FaultProfile::from_toml_str(text, ORIGIN)
    } else {
        FaultProfile::from_json_str(text, ORIGIN)
    };
    match profile {
        Ok(profile) => {
            state.faults.set(profile);
            reply::json(StatusCode::OK, &state.faults.view())
        }
        Err(e) => reply::error(StatusCode::BAD_REQUEST, &e.to_string()),
    }
}

/// Reads a request body of at most [`MAX_BODY`] bytes, or the error reply.
async fn read_body(parts: &Parts, body: Incoming) -> Result<Bytes, Reply> {
    let too_large = || reply::error(StatusCode::PAYLOAD_TOO_LARGE, "request body too large");
    // Refuse an announced oversized body before reading any of it.
    let announced = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|len| len > MAX_BODY as u64) {
        return Err(too_large());
    }
    // Chunked bodies announce nothing, so the limit is enforced while reading too.
    match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<LengthLimitError>() => Err(too_large()),
        Err(_) => Err(reply::error(
            StatusCode::BAD_REQUEST,
            "could not read request body",
        )),
    }
}
