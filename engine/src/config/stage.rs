//! A stage of a ramping executor, and the `DURATION:TARGET` syntax of
//! `--stage` and `VOLLEY_STAGES`.

use std::time::Duration;

use super::duration::parse_duration;

/// One stage of a ramping executor: go to `target` over `duration`.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    /// How long the ramp takes.
    pub duration: Duration,
    /// VUs (ramping-vus) or iterations per time unit (ramping-arrival-rate)
    /// at the end of the stage.
    pub target: u64,
    /// An optional name (`"name": "sustained"`), shown in the by-stage
    /// results and usable in thresholds (`http_req_duration{stage:sustained}`).
    /// k6 ignores the key, so a k6 script keeps working with it.
    pub name: Option<String>,
}

impl Stage {
    /// A stage of `secs` seconds ending at `target`.
    pub fn secs(secs: u64, target: u64) -> Stage {
        Stage {
            duration: Duration::from_secs(secs),
            target,
            name: None,
        }
    }
}

/// Parses one stage as written on the command line or in `VOLLEY_STAGES`:
/// `DURATION:TARGET[:NAME]`, e.g. `"30s:100"` (ramp to 100 over 30
/// seconds) or `"5m:100:sustained"`.
pub fn parse_stage(s: &str) -> Result<Stage, String> {
    let Some((duration, rest)) = s.split_once(':') else {
        return Err(format!(
            "invalid stage \"{s}\": expected DURATION:TARGET, e.g. \"30s:100\""
        ));
    };
    let duration = duration.trim();
    // k6 refuses unitless stage durations here ("intentionally unsupported"):
    // in `10:20s` the user most likely swapped the two halves.
    if duration.parse::<f64>().is_ok() {
        return Err(format!(
            "invalid stage \"{s}\": the duration needs a unit; expected DURATION:TARGET, e.g. \"30s:100\""
        ));
    }
    let duration =
        parse_duration(duration).map_err(|why| format!("invalid stage \"{s}\": {why}"))?;
    let (target, name) = match rest.split_once(':') {
        Some((target, name)) if !name.trim().is_empty() => (target, Some(name.trim().to_string())),
        Some((target, _)) => (target, None),
        None => (rest, None),
    };
    let target = target.trim().parse::<u64>().map_err(|_| {
        format!("invalid stage \"{s}\": target \"{target}\" is not a non-negative integer")
    })?;
    Ok(Stage {
        duration,
        target,
        name,
    })
}
