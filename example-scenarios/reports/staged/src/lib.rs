//! A staged profile: ramp to 10 users and hold, ramp to 50 and hold, ramp
//! to 100 and hold, then ramp down — each ramp and hold a named stage —
//! judged on p95 under 500 ms, errors (failed checks, k6's `errors` rate
//! habit) under 10%, and failed requests under 5%.
//! `DURATION_SCALE=0.1` shortens it from 5 minutes to 30 s (for CI).

use std::time::Duration;

use volley_sdk::http::Request;
use volley_sdk::prelude::*;
use volley_sdk::vu;

struct Staged {
    base: String,
    errors: Rate,
}

impl Default for Staged {
    fn default() -> Self {
        Self {
            base: String::new(),
            errors: Rate::new("errors"),
        }
    }
}

impl Scenario for Staged {
    fn options() -> String {
        let scale = env("DURATION_SCALE")
            .and_then(|s| s.parse::<f64>().ok())
            .filter(|s| *s > 0.0)
            .unwrap_or(1.0);
        let d = |s: f64| format!("{}s", (s * scale).round().max(1.0));
        format!(
            r#"{{
            "scenarios": {{"staged": {{
                "executor": "ramping-vus", "startVUs": 0, "gracefulRampDown": "5s",
                "stages": [
                    {{"duration": "{}", "target": 10, "name": "ramp to 10"}},
                    {{"duration": "{}", "target": 10, "name": "hold 10"}},
                    {{"duration": "{}", "target": 50, "name": "ramp to 50"}},
                    {{"duration": "{}", "target": 50, "name": "hold 50"}},
                    {{"duration": "{}", "target": 100, "name": "ramp to 100"}},
                    {{"duration": "{}", "target": 100, "name": "hold 100"}},
                    {{"duration": "{}", "target": 0, "name": "ramp down"}}
                ]
            }}}},
            "thresholds": {{
                "http_req_duration": ["p(95)<500"],
                "errors": ["rate<0.1"],
                "http_req_failed": ["rate<0.05"]
            }}
        }}"#,
            d(30.0),
            d(60.0),
            d(30.0),
            d(60.0),
            d(30.0),
            d(60.0),
            d(30.0)
        )
    }

    fn init(_setup_data: &[u8]) -> Result<Self, Error> {
        Ok(Self {
            base: env("BASE_URL").unwrap_or_else(|| "http://127.0.0.1:3030".to_string()),
            errors: Rate::new("errors"),
        })
    }

    fn iteration(&mut self, _exec: &str) -> Result<(), Error> {
        let list = Request::get(format!("{}/products", self.base))
            .name("catalogue")
            .send()?;
        let ok = check("catalogue 200", list.status == 200);
        self.errors.add(!ok);
        let pick = vu::random_below(20) + 1;
        let one = Request::get(format!("{}/products/{pick}", self.base))
            .name("product")
            .send()?;
        let ok = check("product 200", one.status == 200);
        self.errors.add(!ok);
        sleep(Duration::from_millis(300));
        Ok(())
    }
}

volley_sdk::export_scenario!(Staged);
