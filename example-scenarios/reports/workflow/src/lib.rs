//! A 9-step shop workflow (sign up, browse, order, check the order) run
//! by 10, then 25, then 50 concurrent users, each level a named stage of
//! the by-stage report: where does the workflow stop meeting its SLA?
//!
//! `--env DURATION_SCALE=0.1` shortens every stage (for CI); `BASE_URL`
//! is the demo target's address.

use volley_sdk::http::Request;
use volley_sdk::prelude::*;
use volley_sdk::vu;

/// `seconds` times `DURATION_SCALE` (at least 1 s), as a duration option.
fn scaled(seconds: f64) -> String {
    let scale = env("DURATION_SCALE")
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| *s > 0.0)
        .unwrap_or(1.0);
    format!("{}s", (seconds * scale).round().max(1.0))
}

#[derive(Default)]
struct Workflow {
    base: String,
}

impl Workflow {
    /// One step: a request, named, checked for its expected status.
    fn step(&self, name: &str, req: Request, expect: u16) -> Result<http::Response, Error> {
        let res = req.name(name).send()?;
        check(&format!("{name}: {expect}"), res.status == expect);
        Ok(res)
    }
}

impl Scenario for Workflow {
    fn options() -> String {
        let hold = scaled(60.0);
        format!(
            r#"{{
            "scenarios": {{
                "workflow": {{
                    "executor": "ramping-vus",
                    "startVUs": 10,
                    "gracefulRampDown": "5s",
                    "stages": [
                        {{"duration": "{hold}", "target": 10, "name": "c10"}},
                        {{"duration": "0s", "target": 25}},
                        {{"duration": "{hold}", "target": 25, "name": "c25"}},
                        {{"duration": "0s", "target": 50}},
                        {{"duration": "{hold}", "target": 50, "name": "c50"}}
                    ]
                }}
            }},
            "thresholds": {{
                "http_req_failed": ["rate<0.01"],
                "http_req_duration{{stage:c10}}": ["p(95)<300"],
                "http_req_duration{{stage:c25}}": ["p(95)<300"],
                "http_req_duration{{stage:c50}}": ["p(95)<300"],
                "checks": ["rate>0.99"]
            }}
        }}"#
        )
    }

    fn init(_setup_data: &[u8]) -> Result<Self, Error> {
        Ok(Self {
            base: env("BASE_URL").unwrap_or_else(|| "http://127.0.0.1:3030".to_string()),
        })
    }

    fn iteration(&mut self, _exec: &str) -> Result<(), Error> {
        let base = self.base.clone();
        let me = vu::info();
        self.step("1 home", Request::get(format!("{base}/health")), 200)?;
        self.step("2 catalogue", Request::get(format!("{base}/products")), 200)?;
        let pick = vu::random_below(20) + 1;
        self.step(
            "3 product",
            Request::get(format!("{base}/products/{pick}")),
            200,
        )?;
        let signup = self.step(
            "4 sign up",
            Request::post(format!("{base}/customers")).json(format!(
                r#"{{"name": "user {}-{}", "email": "u{}.{}@example.test"}}"#,
                me.id, me.iteration, me.id, me.iteration
            )),
            201,
        )?;
        let customer = signup
            .json_field("id")
            .ok_or_else(|| Error::msg("sign-up answered without an id"))?;
        self.step(
            "5 my orders",
            Request::get(format!("{base}/customers/{customer}/orders")),
            200,
        )?;
        let other = vu::random_below(20) + 1;
        self.step(
            "6 compare product",
            Request::get(format!("{base}/products/{other}")),
            200,
        )?;
        self.step(
            "7 order",
            Request::post(format!("{base}/orders")).json(format!(
                r#"{{"customer_id": {customer}, "product_id": {pick}, "quantity": 1}}"#
            )),
            201,
        )?;
        self.step(
            "8 order listed",
            Request::get(format!("{base}/customers/{customer}/orders")),
            200,
        )?;
        self.step("9 back home", Request::get(format!("{base}/health")), 200)?;
        Ok(())
    }
}

volley_sdk::export_scenario!(Workflow);
