//! Request dispatch: counts each request under its route, then hands it to
//! the handler of its endpoint.

use bytes::Bytes;
use http::header::{ALLOW, CONTENT_LENGTH, HeaderValue};
use http::request::Parts;
use http::{Request, StatusCode};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::Incoming;

use super::reply::{self, Reply};
use super::routes::{self, Endpoint};
use super::stats::Stats;
use super::store::{Limits, Store};
use super::{probes, shop};

/// Largest request body accepted; larger ones get 413.
pub(crate) const MAX_BODY: usize = 1024 * 1024;

/// Everything a demo target's requests share.
pub(crate) struct State {
    pub(crate) stats: Stats,
    pub(crate) store: Store,
}

impl State {
    /// Fresh state: zero counters, an empty store bounded by `limits`.
    pub(crate) fn new(limits: Limits) -> State {
        State {
            stats: Stats::default(),
            store: Store::new(limits),
        }
    }
}

/// Answers one request. Never fails: every problem is an HTTP status.
pub(crate) async fn handle(state: &State, request: Request<Incoming>) -> Reply {
    let (parts, body) = request.into_parts();
    let endpoint = routes::resolve(&parts.method, parts.uri.path());
    if let Some(route) = endpoint.route() {
        state.stats.record(route);
    }
    match endpoint {
        Endpoint::Health => reply::json_static(StatusCode::OK, br#"{"status":"ok"}"#),
        Endpoint::Products => shop::products(),
        Endpoint::Product(id) => shop::product(id),
        Endpoint::CreateCustomer => match read_body(&parts, body).await {
            Ok(body) => shop::create_customer(&state.store, &body),
            Err(reply) => reply,
        },
        Endpoint::CustomerOrders(id) => shop::customer_orders(&state.store, id),
        Endpoint::CreateOrder => match read_body(&parts, body).await {
            Ok(body) => shop::create_order(&state.store, &body),
            Err(reply) => reply,
        },
        Endpoint::Delay => probes::delay(parts.uri.query()).await,
        Endpoint::Status(code) => probes::status(code),
        Endpoint::Bytes(n) => probes::bytes(n),
        Endpoint::Redirect(n) => probes::redirect(n),
        Endpoint::CookiesSet => probes::set_cookies(parts.uri.query()),
        Endpoint::Cookies => probes::cookies(&parts.headers),
        Endpoint::Stats => reply::json(StatusCode::OK, &state.stats.snapshot()),
        Endpoint::StatsReset => {
            state.stats.reset();
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
