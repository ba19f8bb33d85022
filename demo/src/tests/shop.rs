//! Tests of the shop routes: products, customers, orders.

use http::StatusCode;
use serde_json::json;

use super::super::handlers::MAX_BODY;
use super::super::store::Limits;
use super::{DemoTarget, get, loopback, post, start};

#[tokio::test]
async fn products_list_and_lookup() {
    let target = start().await;
    let list = get(&target, "/products").await;
    assert_eq!(list.status, StatusCode::OK);
    let list = list.json();
    assert_eq!(list.as_array().map(Vec::len), Some(20));
    assert_eq!(list[0]["price_cents"], 1299);

    let one = get(&target, "/products/20").await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.json(), list[19]);

    for path in ["/products/0", "/products/21", "/products/abc"] {
        let missing = get(&target, path).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(missing.json(), json!({"error": "product not found"}));
    }
}

#[tokio::test]
async fn order_flow_creates_customer_places_order_and_lists_it() {
    let target = start().await;
    let created = post(
        &target,
        "/customers",
        r#"{"name":"Ada","email":"ada@example.com"}"#,
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(
        created.json(),
        json!({"id": 1, "name": "Ada", "email": "ada@example.com"})
    );

    let empty = get(&target, "/customers/1/orders").await;
    assert_eq!((empty.status, empty.json()), (StatusCode::OK, json!([])));

    let order = post(
        &target,
        "/orders",
        r#"{"customer_id":1,"product_id":2,"quantity":3}"#,
    )
    .await;
    assert_eq!(order.status, StatusCode::CREATED);
    let expected = json!({"id":1,"customer_id":1,"product_id":2,"quantity":3,"total_cents":2550});
    assert_eq!(order.json(), expected);

    let default_quantity = post(&target, "/orders", r#"{"customer_id":1,"product_id":1}"#).await;
    assert_eq!(default_quantity.json()["quantity"], 1);
    assert_eq!(default_quantity.json()["total_cents"], 1299);

    let listed = get(&target, "/customers/1/orders").await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.json(), json!([expected, default_quantity.json()]));
}

#[tokio::test]
async fn customer_errors() {
    let target = start().await;
    for body in [
        "not json",
        r#"{"email":"x@example.com"}"#,
        r#"{"name":"  "}"#,
        r#"{"name":5}"#,
    ] {
        let answer = post(&target, "/customers", body).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{body}");
        assert!(answer.json()["error"].is_string(), "{body}");
    }
    let unknown = get(&target, "/customers/99/orders").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(
        get(&target, "/customers/x/orders").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn order_errors() {
    let target = start().await;
    post(&target, "/customers", r#"{"name":"Bo"}"#).await;
    let cases = [
        ("{", StatusCode::BAD_REQUEST),
        (r#"{"product_id":1}"#, StatusCode::BAD_REQUEST),
        (
            r#"{"customer_id":1,"product_id":1,"quantity":0}"#,
            StatusCode::BAD_REQUEST,
        ),
        (
            r#"{"customer_id":1,"product_id":1,"quantity":101}"#,
            StatusCode::BAD_REQUEST,
        ),
        (r#"{"customer_id":2,"product_id":1}"#, StatusCode::NOT_FOUND),
        (
            r#"{"customer_id":1,"product_id":21}"#,
            StatusCode::NOT_FOUND,
        ),
    ];
    for (body, status) in cases {
        assert_eq!(
            post(&target, "/orders", body).await.status,
            status,
            "{body}"
        );
    }
}

#[tokio::test]
async fn full_store_answers_503() {
    let limits = Limits {
        max_customers: 1,
        max_orders_per_customer: 1,
    };
    let target = DemoTarget::bind_with(loopback(), limits)
        .await
        .expect("bind");
    assert_eq!(
        post(&target, "/customers", r#"{"name":"A"}"#).await.status,
        StatusCode::CREATED
    );
    let full = post(&target, "/customers", r#"{"name":"B"}"#).await;
    assert_eq!(full.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(full.json(), json!({"error": "demo target full"}));
}

#[tokio::test]
async fn oversized_bodies_get_413() {
    let target = start().await;
    let big = format!(r#"{{"name":"{}"}}"#, "x".repeat(MAX_BODY));
    assert_eq!(
        post(&target, "/customers", &big).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
}
