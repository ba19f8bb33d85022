//! The shop routes: products, customers and orders.

use bytes::Bytes;
use http::StatusCode;
use serde::{Deserialize, Serialize};

use super::catalog::CATALOG;
use super::reply::{self, Reply};
use super::store::{Full, Store, UnknownCustomer};

/// Longest accepted customer name or email, in bytes; keeps echoed
/// responses small whatever a scenario sends.
const MAX_FIELD_LEN: usize = 256;

/// Accepted order quantities.
const QUANTITY: std::ops::RangeInclusive<u32> = 1..=100;

/// `GET /products`: the whole catalogue.
pub(crate) fn products() -> Reply {
    reply::json_bytes(StatusCode::OK, Bytes::from_static(CATALOG.list_body()))
}

/// `GET /products/{id}`: one product; any id that names none is a 404.
pub(crate) fn product(id: &str) -> Reply {
    match id.parse().ok().and_then(|id| CATALOG.product_body(id)) {
        Some(body) => reply::json_bytes(StatusCode::OK, Bytes::from_static(body)),
        None => product_not_found(),
    }
}

/// Body of `POST /customers`. Fields are optional here so that a missing
/// name gets its own message rather than serde's.
#[derive(Deserialize)]
struct NewCustomer {
    name: Option<String>,
    email: Option<String>,
}

/// A created customer, as answered by `POST /customers`.
#[derive(Serialize)]
struct CreatedCustomer<'a> {
    id: u64,
    name: &'a str,
    email: Option<&'a str>,
}

/// `POST /customers`: registers a customer and echoes it with its id.
pub(crate) fn create_customer(store: &Store, body: &[u8]) -> Reply {
    let input: NewCustomer = match serde_json::from_slice(body) {
        Ok(input) => input,
        Err(e) => return invalid_json(&e),
    };
    let name = match input.name.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() => name,
        _ => return bad_request("name is required"),
    };
    let email = input.email.as_deref();
    if name.len() > MAX_FIELD_LEN || email.is_some_and(|e| e.len() > MAX_FIELD_LEN) {
        return bad_request("name and email must be at most 256 bytes");
    }
    match store.create_customer() {
        Ok(id) => reply::json(StatusCode::CREATED, &CreatedCustomer { id, name, email }),
        Err(Full) => reply::error(StatusCode::SERVICE_UNAVAILABLE, "demo target full"),
    }
}

/// `GET /customers/{id}/orders`: the customer's kept orders, oldest first.
pub(crate) fn customer_orders(store: &Store, id: &str) -> Reply {
    let orders = id
        .parse()
        .map_err(|_| UnknownCustomer)
        .and_then(|id| store.orders(id));
    match orders {
        Ok(orders) => reply::json(StatusCode::OK, &orders),
        Err(UnknownCustomer) => customer_not_found(),
    }
}

/// Body of `POST /orders`.
#[derive(Deserialize)]
struct NewOrder {
    customer_id: u64,
    product_id: u64,
    #[serde(default = "one")]
    quantity: u32,
}

fn one() -> u32 {
    1
}

/// `POST /orders`: places an order for an existing customer and product.
pub(crate) fn create_order(store: &Store, body: &[u8]) -> Reply {
    let input: NewOrder = match serde_json::from_slice(body) {
        Ok(input) => input,
        Err(e) => return invalid_json(&e),
    };
    if !QUANTITY.contains(&input.quantity) {
        return bad_request("quantity must be between 1 and 100");
    }
    let Some(product) = CATALOG.product(input.product_id) else {
        return product_not_found();
    };
    // At most 100 times a catalogue price: cannot overflow.
    let total_cents = product.price_cents * u64::from(input.quantity);
    match store.place_order(input.customer_id, product.id, input.quantity, total_cents) {
        Ok(order) => reply::json(StatusCode::CREATED, &order),
        Err(UnknownCustomer) => customer_not_found(),
    }
}

fn invalid_json(e: &serde_json::Error) -> Reply {
    bad_request(&format!("invalid JSON body: {e}"))
}

fn bad_request(message: &str) -> Reply {
    reply::error(StatusCode::BAD_REQUEST, message)
}

fn product_not_found() -> Reply {
    reply::json_static(StatusCode::NOT_FOUND, br#"{"error":"product not found"}"#)
}

fn customer_not_found() -> Reply {
    reply::json_static(StatusCode::NOT_FOUND, br#"{"error":"customer not found"}"#)
}
