//! One JSON value to one typed option value, with k6's spellings. Shared by
//! the options reader ([`super::json`]) and the executors' field reader
//! ([`super::Fields`]); every function says what it expected in its error.

use std::time::Duration;

use serde_json::Value;

use super::duration::parse_duration;
use super::error::ConfigError;
use super::stage::Stage;

/// A value as JSON, shortened so one error stays on one line.
pub(crate) fn show(value: &Value) -> String {
    const LIMIT: usize = 60;
    let text = value.to_string();
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// A non-negative integer. Like k6 (guregu/null's `Int`), a string of
/// digits counts too; JavaScript has no integers, so `10.0` is 10.
/// `Ok(None)` for `null` and `""` (unset).
pub(crate) fn u64(value: &Value) -> Result<Option<u64>, String> {
    let parsed = match value {
        Value::Null => return Ok(None),
        Value::String(s) if s.is_empty() => return Ok(None),
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 2f64.powi(53))
                .map(|f| f as u64)
        }),
        Value::String(s) => s.parse().ok(),
        _ => None,
    };
    parsed
        .map(Some)
        .ok_or_else(|| format!("expected a non-negative integer, got {}", show(value)))
}

/// A k6 duration: a string such as `"30s"`, or a number of milliseconds.
/// `Ok(None)` for `null`.
pub(crate) fn duration(value: &Value) -> Result<Option<Duration>, String> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => parse_duration(s).map(Some),
        Value::Number(n) => parse_duration(&n.to_string()).map(Some),
        other => Err(format!(
            "expected a duration such as \"30s\" or a number of milliseconds, got {}",
            show(other)
        )),
    }
}

/// `stages`: a list of `{duration, target}`. At the top level k6 drops
/// stages without a duration (a warning); inside a scenario it rejects them.
/// Errors name each stage's path; `None` for `null`.
pub(crate) fn stages(
    path: &str,
    value: &Value,
    top_level: bool,
    errors: &mut Vec<ConfigError>,
    warnings: &mut Vec<String>,
) -> Option<Vec<Stage>> {
    let items = match value {
        Value::Null => return None,
        Value::Array(items) => items,
        other => {
            let message = format!("expected a list of stages, got {}", show(other));
            errors.push(ConfigError::invalid(path, message));
            return None;
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let Some(object) = item.as_object() else {
            let message = format!(
                "expected a stage {{\"duration\": ..., \"target\": ...}}, got {}",
                show(item)
            );
            errors.push(ConfigError::invalid(p, message));
            continue;
        };
        let (mut duration, mut target, mut name) = (None, None, None);
        for (key, v) in object {
            let kp = format!("{p}.{key}");
            match key.as_str() {
                "duration" => match self::duration(v) {
                    Ok(d) => duration = d,
                    Err(why) => errors.push(ConfigError::invalid(kp, why)),
                },
                "target" => match self::u64(v) {
                    Ok(t) => target = t,
                    Err(why) => errors.push(ConfigError::invalid(kp, why)),
                },
                // Volley's: k6 ignores unknown stage keys, so scripts that
                // name their stages still run on k6.
                "name" => match v {
                    Value::Null => {}
                    Value::String(n) if !n.trim().is_empty() => name = Some(n.trim().to_string()),
                    other => errors.push(ConfigError::invalid(
                        kp,
                        format!(
                            "expected a stage name such as \"sustained\", got {}",
                            show(other)
                        ),
                    )),
                },
                _ if top_level => warnings.push(format!("{kp}: unknown stage key; ignored")),
                _ => errors.push(ConfigError::invalid(
                    kp,
                    "unknown stage key; expected duration, target and name",
                )),
            }
        }
        let given = |key: &str| object.get(key).is_some_and(|v| !v.is_null());
        if !given("duration") && top_level {
            warnings.push(format!(
                "{p}: stage without a duration; ignored (as k6 does)"
            ));
            continue;
        }
        if !given("duration") {
            errors.push(ConfigError::invalid(
                format!("{p}.duration"),
                "missing; every stage needs a duration",
            ));
        }
        if !given("target") {
            errors.push(ConfigError::invalid(
                format!("{p}.target"),
                "missing; every stage needs a target",
            ));
        }
        if let (Some(duration), Some(target)) = (duration, target) {
            out.push(Stage {
                duration,
                target,
                name,
            });
        }
    }
    Some(out)
}
