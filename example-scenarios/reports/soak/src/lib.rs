//! 100 users for 5 minutes against a service-level objective: p95 under
//! 2 s, average under 200 ms, fewer than 1% errors, more than 30
//! requests/s. Users browse with 1 to 3 s of think time, so 100 of them
//! ask for about 50 requests/s. `DURATION_SCALE=0.1` runs 30 s (for CI).

use std::time::Duration;

use volley_sdk::http::Request;
use volley_sdk::prelude::*;
use volley_sdk::vu;

#[derive(Default)]
struct Soak {
    base: String,
}

impl Scenario for Soak {
    fn options() -> String {
        let scale = env("DURATION_SCALE")
            .and_then(|s| s.parse::<f64>().ok())
            .filter(|s| *s > 0.0)
            .unwrap_or(1.0);
        let duration = (300.0 * scale).round().max(1.0);
        format!(
            r#"{{
            "scenarios": {{"soak": {{"executor": "constant-vus", "vus": 100, "duration": "{duration}s"}}}},
            "thresholds": {{
                "http_req_duration": ["p(95)<2000", "avg<200"],
                "http_req_failed": ["rate<0.01"],
                "http_reqs": ["rate>30"]
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
        let pick = vu::random_below(20) + 1;
        let res = Request::get(format!("{}/products/{pick}", self.base))
            .name("product")
            .send()?;
        check("product 200", res.status == 200);
        sleep(Duration::from_millis(1000 + vu::random_below(2001)));
        Ok(())
    }
}

volley_sdk::export_scenario!(Soak);
