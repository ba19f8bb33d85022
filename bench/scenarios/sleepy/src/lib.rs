//! Benchmark scenario for memory per VU: each iteration GETs
//! `{BASE_URL}/delay?ms=100` and then sleeps 1 s, so nearly every VU is
//! parked in a host call at any moment. With `-e IDLE=1` it only sleeps
//! (memory per idle VU, compared across languages by bench/languages.sh).

use std::time::Duration;

use volley_sdk::prelude::*;

/// Per-VU state: the URL, read once.
#[derive(Default)]
struct Sleepy {
    url: String,
    idle: bool,
}

impl Scenario for Sleepy {
    fn init(_setup_data: &[u8]) -> Result<Self, Error> {
        let base = env("BASE_URL").unwrap_or_else(|| "http://127.0.0.1:3030".to_string());
        Ok(Self {
            url: format!("{base}/delay?ms=100"),
            idle: env("IDLE").is_some(),
        })
    }

    fn iteration(&mut self, _exec: &str) -> Result<(), Error> {
        if self.idle {
            sleep(Duration::from_secs(1));
            return Ok(());
        }
        let res = http::Request::get(self.url.as_str()).send()?;
        check("status is 200", res.status == 200);
        sleep(Duration::from_secs(1));
        Ok(())
    }
}

volley_sdk::export_scenario!(Sleepy);
