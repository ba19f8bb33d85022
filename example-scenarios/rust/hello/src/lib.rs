//! The smallest useful scenario: each iteration lists the demo shop's
//! products, checks the answer, and pauses half a second like a user would.
//!
//! The target comes from `--env BASE_URL=...` (k6's `__ENV.BASE_URL`
//! habit), defaulting to `volley target`'s address.

use std::time::Duration;

use volley_sdk::prelude::*;

/// Stateless: every iteration is the same.
#[derive(Default)]
struct Hello;

impl Scenario for Hello {
    fn options() -> String {
        r#"{
            "vus": 5,
            "duration": "10s",
            "thresholds": {
                "http_req_failed": ["rate<0.01"],
                "http_req_duration": ["p(95)<200"],
                "checks": ["rate>0.99"]
            }
        }"#
        .to_string()
    }

    fn iteration(&mut self, _exec: &str) -> Result<(), Error> {
        let base = env("BASE_URL").unwrap_or_else(|| "http://127.0.0.1:3030".to_string());
        let res = http::Request::get(format!("{base}/products"))
            .name("products")
            .send()?;
        check("status is 200", res.status == 200);
        check(
            "lists 20 products",
            res.text().matches("\"id\"").count() == 20,
        );
        sleep(Duration::from_millis(500));
        Ok(())
    }
}

volley_sdk::export_scenario!(Hello);
