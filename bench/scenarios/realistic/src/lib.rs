//! Benchmark scenario as a new user writes it from the README: each
//! iteration sends one GET to `TARGET_URL` with a `name` tag, reads the body
//! and checks the status and the body, with no think time.

use volley_sdk::prelude::*;

/// Per-VU state: the URL, read once.
#[derive(Default)]
struct Realistic {
    url: String,
}

impl Scenario for Realistic {
    fn init(_setup_data: &[u8]) -> Result<Self, Error> {
        let url = env("TARGET_URL").unwrap_or_else(|| "http://127.0.0.1:3030/health".to_string());
        Ok(Self { url })
    }

    fn iteration(&mut self, _exec: &str) -> Result<(), Error> {
        let res = http::Request::get(self.url.as_str()).name("home").send()?;
        check("status is 200", res.status == 200);
        check("body is not empty", !res.text().is_empty());
        Ok(())
    }
}

volley_sdk::export_scenario!(Realistic);
