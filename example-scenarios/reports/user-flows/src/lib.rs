//! Four user flows in the proportions real traffic has — browse 50%,
//! search 25%, cart 15%, checkout 10% — each user making 5 requests, at
//! 10, then 50, then 100 users: three scenarios one after the other, each
//! a stage of the by-stage report. Requests carry a `flow` tag, so a
//! threshold can hold one flow to its own SLA.
//!
//! Each iteration is one user's visit; its flow is picked from the
//! visit's number in its scenario (`scenario.iterationInTest`) on a cycle
//! of 20 that interleaves the flows (every 20 visits are 10 browse,
//! 5 search, 3 cart, 2 checkout; the first 10 already hold every flow), so
//! each stage has the mix whatever the VU ids (VU numbers run on across
//! scenarios: the 50-user stage's VUs are 11-60).
//! `--env DURATION_SCALE=0.2` shortens the windows (for CI).

use std::time::Duration;

use volley_sdk::http::Request;
use volley_sdk::prelude::*;
use volley_sdk::vu;

fn scale() -> f64 {
    env("DURATION_SCALE")
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| *s > 0.0)
        .unwrap_or(1.0)
}

fn secs(seconds: f64) -> String {
    format!("{}s", (seconds * scale()).round().max(1.0))
}

/// The flow of visit `n` of a scenario: 50/25/15/10 over every 20 visits,
/// interleaved.
fn flow_of(n: u64) -> &'static str {
    const CYCLE: [&str; 20] = [
        "browse", "search", "browse", "cart", "browse", "search", "browse", "checkout", "browse",
        "search", "browse", "cart", "browse", "search", "browse", "checkout", "browse", "search",
        "browse", "cart",
    ];
    CYCLE[(n % 20) as usize]
}

#[derive(Default)]
struct Flows {
    base: String,
}

impl Flows {
    fn get(&self, flow: &str, name: &str, path: &str) -> Result<(), Error> {
        let res = Request::get(format!("{}{path}", self.base))
            .name(name)
            .tag("flow", flow)
            .send()?;
        check(&format!("{flow}: {name} 200"), res.status == 200);
        Ok(())
    }

    fn think(&self) {
        sleep(Duration::from_millis(
            ((300 + vu::random_below(400)) as f64 * scale().min(1.0)) as u64,
        ));
    }
}

impl Scenario for Flows {
    fn options() -> String {
        let window = 10.0;
        let scenario = |name: &str, vus: u64, start: f64| {
            format!(
                r#""{name}": {{"executor": "per-vu-iterations", "vus": {vus}, "iterations": 1,
                    "maxDuration": "{}", "startTime": "{}"}}"#,
                secs(window),
                if start == 0.0 {
                    "0s".to_string()
                } else {
                    secs(start)
                }
            )
        };
        format!(
            r#"{{
            "scenarios": {{ {}, {}, {} }},
            "thresholds": {{
                "http_req_duration": ["p(95)<500"],
                "http_req_duration{{flow:checkout}}": ["p(95)<400"],
                "http_req_failed{{flow:checkout}}": ["rate<0.05"],
                "http_req_failed": ["rate<0.02"],
                "http_req_duration{{stage:users_100}}": ["p(95)<500"]
            }}
        }}"#,
            scenario("users_010", 10, 0.0),
            scenario("users_050", 50, window),
            scenario("users_100", 100, 2.0 * window)
        )
    }

    fn init(_setup_data: &[u8]) -> Result<Self, Error> {
        Ok(Self {
            base: env("BASE_URL").unwrap_or_else(|| "http://127.0.0.1:3030".to_string()),
        })
    }

    fn iteration(&mut self, _exec: &str) -> Result<(), Error> {
        let me = vu::info();
        let flow = flow_of(vu::execution().scenario_iteration_in_test);
        let pick = vu::random_below(20) + 1;
        match flow {
            "browse" => {
                self.get(flow, "catalogue", "/products")?;
                for n in 0..4 {
                    self.think();
                    self.get(
                        flow,
                        "product",
                        &format!("/products/{}", (pick + n) % 20 + 1),
                    )?;
                }
            }
            "search" => {
                for _ in 0..4 {
                    self.get(flow, "catalogue", "/products")?;
                    self.think();
                }
                self.get(flow, "product", &format!("/products/{pick}"))?;
            }
            "cart" => {
                self.get(flow, "catalogue", "/products")?;
                self.think();
                self.get(flow, "product", &format!("/products/{pick}"))?;
                self.think();
                let res = Request::post(format!("{}/customers", self.base))
                    .json(format!(
                        r#"{{"name": "cart {}", "email": "cart{}@example.test"}}"#,
                        me.id, me.id
                    ))
                    .name("sign up")
                    .tag("flow", flow)
                    .send()?;
                check("cart: sign up 201", res.status == 201);
                let id = res.json_field("id").unwrap_or_else(|| "1".into());
                self.think();
                self.get(flow, "my orders", &format!("/customers/{id}/orders"))?;
                self.get(flow, "product", &format!("/products/{}", pick % 20 + 1))?;
            }
            _ => {
                self.get(flow, "product", &format!("/products/{pick}"))?;
                let res = Request::post(format!("{}/customers", self.base))
                    .json(format!(
                        r#"{{"name": "buyer {}", "email": "buyer{}@example.test"}}"#,
                        me.id, me.id
                    ))
                    .name("sign up")
                    .tag("flow", flow)
                    .send()?;
                check("checkout: sign up 201", res.status == 201);
                let id = res.json_field("id").unwrap_or_else(|| "1".into());
                for _ in 0..2 {
                    self.think();
                    let order = Request::post(format!("{}/orders", self.base))
                        .json(format!(
                            r#"{{"customer_id": {id}, "product_id": {pick}, "quantity": 1}}"#
                        ))
                        .name("place order")
                        .tag("flow", flow)
                        .send()?;
                    check("checkout: order 201", order.status == 201);
                }
                self.get(flow, "my orders", &format!("/customers/{id}/orders"))?;
            }
        }
        Ok(())
    }
}

volley_sdk::export_scenario!(Flows);
