//! Checks of what serde cannot check: ranges, statuses, route keys and
//! phase order. Each failure names the key and says what to write instead.

use std::collections::BTreeMap;
use std::time::Duration;

use http::HeaderName;

use super::error::FaultError;
use super::parse::{invalid, push_key};
use super::profile::{FaultProfile, FaultRule, Latency};
use crate::routes::Route;

/// The longest latency or service time a profile may ask for (10 minutes).
pub(crate) const MAX_MS: f64 = 600_000.0;

/// Most workers a queue model may have.
const MAX_WORKERS: u32 = 100_000;

/// The route key that means "every route", like `default`.
pub(crate) const ANY_ROUTE: &str = "*";

impl FaultProfile {
    /// Every check, errors naming `origin`.
    pub(crate) fn check(&self, origin: &str) -> Result<(), FaultError> {
        let fail = |key: String, message: String| invalid(origin, key, message);
        check_stage(&self.default, &self.routes, "").map_err(|(k, m)| fail(k, m))?;
        let mut previous: Option<Duration> = None;
        for (i, phase) in self.phases.iter().enumerate() {
            let at = format!("phases[{i}]");
            if let Some(previous) = previous
                && phase.after <= previous
            {
                return Err(fail(
                    format!("{at}.after"),
                    "phases must be in increasing `after` order; sort them or fix the times"
                        .to_owned(),
                ));
            }
            previous = Some(phase.after);
            check_stage(&phase.default, &phase.routes, &at).map_err(|(k, m)| fail(k, m))?;
        }
        Ok(())
    }
}

/// A failed check: key path and message.
type Failure = (String, String);

fn check_stage(
    default: &Option<FaultRule>,
    routes: &BTreeMap<String, FaultRule>,
    at: &str,
) -> Result<(), Failure> {
    if let Some(rule) = default {
        check_rule(rule, &join(at, "default"))?;
    }
    for (key, rule) in routes {
        let mut path = join(at, "routes");
        push_key(&mut path, key);
        if key == ANY_ROUTE && default.is_some() {
            return Err((
                path,
                "`\"*\"` is another name for `default`, and both are set; keep one".to_owned(),
            ));
        }
        if key != ANY_ROUTE && Route::from_key(key).is_none() {
            let known: Vec<String> = Route::ALL
                .iter()
                .map(|r| format!("\"{}\"", r.key()))
                .collect();
            return Err((
                path,
                format!(
                    "no such route; use one of {}, or \"*\" for every route",
                    known.join(", ")
                ),
            ));
        }
        check_rule(rule, &path)?;
    }
    Ok(())
}

/// `at` followed by the dotted `keys` (bare words only).
fn join(at: &str, keys: &str) -> String {
    let mut path = at.to_owned();
    for key in keys.split('.') {
        push_key(&mut path, key);
    }
    path
}

fn check_rule(rule: &FaultRule, at: &str) -> Result<(), Failure> {
    let key = |k: &str| join(at, k);
    if let Some(latency) = &rule.latency {
        check_latency(latency).map_err(|m| (key("latency"), m))?;
    }
    if let Some(queue) = &rule.queue {
        if !(1..=MAX_WORKERS).contains(&queue.workers) {
            return Err((
                key("queue.workers"),
                format!("must be from 1 to {MAX_WORKERS}"),
            ));
        }
        if !(queue.service_ms > 0.0 && queue.service_ms <= MAX_MS) {
            return Err((
                key("queue.service_ms"),
                format!("must be more than 0 and at most {MAX_MS} (milliseconds)"),
            ));
        }
    }
    let mut total = 0.0;
    for (status, fraction) in &rule.errors {
        let mut path = key("errors");
        push_key(&mut path, status);
        if !status
            .parse::<u16>()
            .is_ok_and(|s| (400..=599).contains(&s))
        {
            return Err((
                path,
                "not an error status; use a status from \"400\" to \"599\", e.g. \"502\""
                    .to_owned(),
            ));
        }
        check_fraction(*fraction).map_err(|m| (path, m))?;
        total += fraction;
    }
    check_fraction(rule.timeout).map_err(|m| (key("timeout"), m))?;
    check_fraction(rule.reset).map_err(|m| (key("reset"), m))?;
    total += rule.timeout + rule.reset;
    if total > 1.0 + 1e-9 {
        return Err((
            at.to_owned(),
            format!(
                "errors, timeout and reset add up to {total}, more than every request; lower them to a total of at most 1"
            ),
        ));
    }
    if let Some(limit) = &rule.rate_limit {
        if !(limit.rate > 0.0 && limit.rate.is_finite()) {
            return Err((
                key("rate_limit.rate"),
                "must be a number of requests per second above 0".to_owned(),
            ));
        }
        if limit.burst == 0 {
            return Err((
                key("rate_limit.burst"),
                "must be at least 1 (no request could ever pass)".to_owned(),
            ));
        }
        if let Some(header) = &limit.key_header
            && HeaderName::try_from(header.as_str()).is_err()
        {
            return Err((
                key("rate_limit.key_header"),
                "not a header name; use e.g. \"X-Client-Key\"".to_owned(),
            ));
        }
    }
    if let Some(slow) = &rule.slow_body {
        if slow.chunk_bytes == 0 {
            return Err((
                key("slow_body.chunk_bytes"),
                "must be at least 1".to_owned(),
            ));
        }
        if slow.gap_ms as f64 > MAX_MS {
            return Err((
                key("slow_body.gap_ms"),
                format!("must be at most {MAX_MS} (milliseconds)"),
            ));
        }
        check_fraction(slow.fraction).map_err(|m| (key("slow_body.fraction"), m))?;
    }
    if let Some(breaker) = &rule.breaker {
        if breaker.failures == 0 {
            return Err((key("breaker.failures"), "must be at least 1".to_owned()));
        }
        if breaker.open_for.is_zero() {
            return Err((
                key("breaker.open_for"),
                "must be longer than 0, e.g. \"5s\"".to_owned(),
            ));
        }
    }
    Ok(())
}

fn check_fraction(fraction: f64) -> Result<(), String> {
    if (0.0..=1.0).contains(&fraction) {
        Ok(())
    } else {
        Err(format!(
            "is {fraction}: a fraction of requests must be from 0 to 1, e.g. 0.05 for 5%"
        ))
    }
}

fn check_latency(latency: &Latency) -> Result<(), String> {
    let ms = |x: f64| (0.0..=MAX_MS).contains(&x);
    let ok = match *latency {
        Latency::Fixed(x) => ms(x),
        Latency::Uniform { min, max } => ms(min) && ms(max) && min <= max,
        Latency::Lognormal { median, p95 } => {
            median > 0.0 && ms(median) && ms(p95) && median <= p95
        }
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "out of range: milliseconds from 0 to {MAX_MS}, with min <= max (uniform) or 0 < median <= p95 (lognormal)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::super::profile::Phase;
    use super::*;

    fn error(profile: &FaultProfile) -> String {
        profile.validate().expect_err("invalid").to_string()
    }

    fn rule(json: &str) -> FaultRule {
        serde_json::from_str(json).expect("rule JSON")
    }

    #[test]
    fn bad_values_name_their_key_and_the_fix() {
        let cases = [
            (
                r#"{"errors": {"200": 0.1}}"#,
                "default.errors.200",
                "from \"400\" to \"599\"",
            ),
            (
                r#"{"errors": {"502": 1.5}}"#,
                "default.errors.502",
                "from 0 to 1",
            ),
            (
                r#"{"timeout": 0.6, "reset": 0.6}"#,
                "`default`",
                "at most 1",
            ),
            (
                r#"{"queue": {"workers": 0, "service_ms": 5}}"#,
                "default.queue.workers",
                "from 1",
            ),
            (
                r#"{"latency": {"uniform": {"min": 9, "max": 1}}}"#,
                "default.latency",
                "min <= max",
            ),
            (
                r#"{"rate_limit": {"rate": 5, "burst": 0}}"#,
                "rate_limit.burst",
                "at least 1",
            ),
            (
                r#"{"breaker": {"failures": 3, "open_for": 0}}"#,
                "breaker.open_for",
                "longer than 0",
            ),
        ];
        for (json, key, fix) in cases {
            let profile = FaultProfile {
                default: Some(rule(json)),
                ..FaultProfile::default()
            };
            let msg = error(&profile);
            assert!(msg.contains(key) && msg.contains(fix), "{json}: {msg}");
        }
    }

    #[test]
    fn route_keys_must_be_real_routes() {
        let mut profile = FaultProfile::default();
        profile
            .routes
            .insert("GET /product".to_owned(), FaultRule::default());
        let msg = error(&profile);
        assert!(msg.contains("routes.\"GET /product\""), "{msg}");
        assert!(msg.contains("\"GET /products/{id}\""), "{msg}");

        let mut profile = FaultProfile {
            default: Some(FaultRule::default()),
            ..FaultProfile::default()
        };
        profile.routes.insert("*".to_owned(), FaultRule::default());
        assert!(error(&profile).contains("keep one"));
    }

    #[test]
    fn phases_must_be_in_order() {
        let phase = |secs| Phase {
            after: Duration::from_secs(secs),
            ..Phase::default()
        };
        let profile = FaultProfile {
            phases: vec![phase(10), phase(5)],
            ..FaultProfile::default()
        };
        assert!(error(&profile).contains("phases[1].after"));
    }
}
