//! A Volley scenario: what one virtual user does in one iteration.

use std::time::Duration;

use volley_sdk::prelude::*;

/// Per-VU state.
#[derive(Default)]
struct Scenario1 {
    base: String,
}

impl Scenario for Scenario1 {
    fn options() -> String {
        r#"{
            "vus": 5,
            "duration": "10s",
            "thresholds": {
                "http_req_failed": ["rate<0.01"],
                "http_req_duration": ["p(95)<500"]
            }
        }"#
        .to_string()
    }

    fn init(_setup_data: &[u8]) -> Result<Self, Error> {
        let base = env("BASE_URL").unwrap_or_else(|| "http://127.0.0.1:3030".to_string());
        Ok(Self { base })
    }

    fn iteration(&mut self, _exec: &str) -> Result<(), Error> {
        let res = http::get(format!("{}/health", self.base))?;
        check("status is 200", res.status == 200);
        sleep(Duration::from_secs(1));
        Ok(())
    }
}

volley_sdk::export_scenario!(Scenario1);
