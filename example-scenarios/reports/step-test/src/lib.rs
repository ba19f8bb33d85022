//! A step test: 100, then 500, then 2,000, then 5,000 users, each step a
//! scenario that starts when the previous one ends, so each is a stage of
//! the by-stage report. The user counts are divided by `USERS_DIVISOR`
//! (default 100: 1, 5, 20, 50 users, what one laptop and the demo target
//! hold); `DURATION_SCALE` shortens the 30 s steps (for CI).

use std::time::Duration;

use volley_sdk::http::Request;
use volley_sdk::prelude::*;
use volley_sdk::vu;

fn number(key: &str, default: f64) -> f64 {
    env(key)
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| *s > 0.0)
        .unwrap_or(default)
}

#[derive(Default)]
struct StepTest {
    base: String,
}

impl Scenario for StepTest {
    fn options() -> String {
        let step = (30.0 * number("DURATION_SCALE", 1.0)).round().max(1.0);
        let divisor = number("USERS_DIVISOR", 100.0);
        let steps: Vec<String> = [100.0, 500.0, 2000.0, 5000.0]
            .iter()
            .enumerate()
            .map(|(i, users)| {
                let vus = ((users / divisor).round() as u64).max(1);
                format!(
                    r#""step_{}_{users}": {{"executor": "constant-vus", "vus": {vus},
                        "duration": "{step}s", "startTime": "{}s", "gracefulStop": "2s"}}"#,
                    i + 1,
                    step as usize * i + 2 * i
                )
            })
            .collect();
        format!(
            r#"{{
            "scenarios": {{ {} }},
            "thresholds": {{
                "http_req_failed": ["rate<0.05"],
                "http_req_duration{{stage:step_2_500}}": ["p(95)<250"],
                "http_req_duration{{stage:step_3_2000}}": ["p(95)<250"],
                "http_req_duration{{stage:step_4_5000}}": ["p(95)<250"]
            }}
        }}"#,
            steps.join(", ")
        )
    }

    fn init(_setup_data: &[u8]) -> Result<Self, Error> {
        Ok(Self {
            base: env("BASE_URL").unwrap_or_else(|| "http://127.0.0.1:3030".to_string()),
        })
    }

    fn iteration(&mut self, _exec: &str) -> Result<(), Error> {
        let pick = vu::random_below(20) + 1;
        let list = Request::get(format!("{}/products", self.base))
            .name("catalogue")
            .send()?;
        check("catalogue 200", list.status == 200);
        let one = Request::get(format!("{}/products/{pick}", self.base))
            .name("product")
            .send()?;
        check("product 200", one.status == 200);
        sleep(Duration::from_millis(100));
        Ok(())
    }
}

volley_sdk::export_scenario!(StepTest);
