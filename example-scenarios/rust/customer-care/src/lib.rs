//! A customer-care bot's session against the demo shop, one per iteration:
//! register the customer, browse the catalogue, read their orders, place
//! an order. Each step is a group; requests with ids in their URLs carry a
//! `name` so they aggregate into one series; the checkout time is also kept
//! in a custom trend that has thresholds of its own.

use std::time::Duration;

use volley_sdk::http::Request;
use volley_sdk::metrics::{Counter, Trend};
use volley_sdk::prelude::*;
use volley_sdk::vu;

/// Per-VU state: where the shop is, and the custom metrics (defined in
/// `init`, where a threshold's metric must exist by, as in k6's init
/// context).
#[derive(Default)]
struct CustomerCare {
    base: String,
    metrics: Option<(Counter, Trend)>,
}

impl Scenario for CustomerCare {
    fn options() -> String {
        r#"{
            "scenarios": {
                "support_desk": {"executor": "constant-vus", "vus": 10, "duration": "15s"}
            },
            "thresholds": {
                "http_req_failed": ["rate<0.01"],
                "http_req_duration{name:place order}": ["p(95)<300"],
                "checkout_duration": ["p(95)<300", "avg<200"],
                "checks": ["rate>0.99"]
            }
        }"#
        .to_string()
    }

    fn init(_setup_data: &[u8]) -> Result<Self, Error> {
        let base = env("BASE_URL").unwrap_or_else(|| "http://127.0.0.1:3030".to_string());
        let metrics = (
            Counter::new("orders_placed"),
            Trend::time("checkout_duration"),
        );
        Ok(Self {
            base,
            metrics: Some(metrics),
        })
    }

    fn iteration(&mut self, _exec: &str) -> Result<(), Error> {
        let base = self.base.as_str();
        let (orders_placed, checkout_duration) = self.metrics.ok_or("metrics not defined")?;
        let me = vu::info();

        let customer_id = group("register", || -> Result<String, Error> {
            let body = format!(
                r#"{{"name": "customer {}-{}", "email": "vu{}.it{}@example.test"}}"#,
                me.id, me.iteration, me.id, me.iteration
            );
            let res = Request::post(format!("{base}/customers"))
                .json(body)
                .name("register")
                .send()?;
            if !check("registered (201)", res.status == 201) {
                return Err(Error::msg(format!(
                    "registration failed with status {}",
                    res.status
                )));
            }
            res.json_field("id").ok_or_else(|| {
                Error::msg(format!(
                    "registration answered {} without an id",
                    res.status
                ))
            })
        })?;

        let product_id = group("browse", || -> Result<u64, Error> {
            let list = Request::get(format!("{base}/products"))
                .name("products")
                .send()?;
            check("catalogue listed", list.status == 200);
            let pick = vu::random_below(20) + 1;
            let product = Request::get(format!("{base}/products/{pick}"))
                .name("product")
                .send()?;
            check("product found", product.status == 200);
            Ok(pick)
        })?;

        group("orders", || -> Result<(), Error> {
            let res = Request::get(format!("{base}/customers/{customer_id}/orders"))
                .name("customer orders")
                .send()?;
            check(
                "orders listed",
                res.status == 200 && res.text().trim_start().starts_with('['),
            );
            Ok(())
        })?;

        group("checkout", || -> Result<(), Error> {
            let quantity = vu::random_below(3) + 1;
            let body = format!(
                r#"{{"customer_id": {customer_id}, "product_id": {product_id}, "quantity": {quantity}}}"#
            );
            let res = Request::post(format!("{base}/orders"))
                .json(body)
                .name("place order")
                .send()?;
            if check("order placed (201)", res.status == 201) {
                orders_placed.add(1.0);
            }
            checkout_duration.add(res.timings.duration.as_secs_f64() * 1000.0);
            Ok(())
        })?;

        // Think time between sessions: 200 to 600 ms.
        sleep(Duration::from_millis(200 + vu::random_below(401)));
        Ok(())
    }
}

volley_sdk::export_scenario!(CustomerCare);
