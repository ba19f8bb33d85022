//! Benchmark scenario: each iteration sends one GET to `TARGET_URL` and
//! checks for status 200, with no think time, the closest a scenario gets
//! to wrk's own loop.

use volley_sdk::prelude::*;

/// Per-VU state: the URL, read once.
#[derive(Default)]
struct GetCheck {
    url: String,
}

impl Scenario for GetCheck {
    fn init(_setup_data: &[u8]) -> Result<Self, Error> {
        let url = env("TARGET_URL").unwrap_or_else(|| "http://127.0.0.1:3030/health".to_string());
        Ok(Self { url })
    }

    fn iteration(&mut self, _exec: &str) -> Result<(), Error> {
        let res = http::Request::get(self.url.as_str())
            .discard_body()
            .send()?;
        check("status is 200", res.status == 200);
        Ok(())
    }
}

volley_sdk::export_scenario!(GetCheck);
