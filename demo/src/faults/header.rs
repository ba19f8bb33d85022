//! The per-request fault header: `X-Volley-Fault: status=502, delay=250ms`,
//! `X-Volley-Fault: reset`, `X-Volley-Fault: timeout`.
//!
//! Honoured only once faults are enabled (a target started with a profile,
//! or given one at runtime): a plain target then never looks at request
//! headers, so its hot path stays as it was, and a scenario replaying
//! captured traffic cannot break a target that was not set up for faults.

use std::time::Duration;

use http::{HeaderMap, StatusCode};

use super::span;

/// The header's name.
pub(crate) const NAME: &str = "x-volley-fault";

/// What one request asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct HeaderFault {
    /// Wait this long first.
    pub(crate) delay: Duration,
    /// Then do this (`None`: answer normally).
    pub(crate) outcome: Option<Outcome>,
}

/// The end of a header fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Status(StatusCode),
    Reset,
    Timeout,
}

/// The request's fault header, if it has one; `Err` says what is wrong
/// with it (answered as 400, so a typo is not a silent no-op).
pub(crate) fn from_headers(headers: &HeaderMap) -> Option<Result<HeaderFault, String>> {
    let value = headers.get(NAME)?;
    Some(
        value
            .to_str()
            .map_err(|_| "X-Volley-Fault must be ASCII".to_owned())
            .and_then(parse),
    )
}

/// Parses a header value: items separated by `,` or `;`.
pub(crate) fn parse(value: &str) -> Result<HeaderFault, String> {
    let mut fault = HeaderFault::default();
    let mut set = |outcome: Outcome| match fault.outcome.replace(outcome) {
        None => Ok(()),
        Some(_) => Err("X-Volley-Fault: give at most one of status=, reset and timeout".to_owned()),
    };
    for item in value
        .split([',', ';'])
        .map(str::trim)
        .filter(|i| !i.is_empty())
    {
        match item.split_once('=').map(|(k, v)| (k.trim(), v.trim())) {
            None if item.eq_ignore_ascii_case("reset") => set(Outcome::Reset)?,
            None if item.eq_ignore_ascii_case("timeout") => set(Outcome::Timeout)?,
            Some(("status", code)) => {
                let status = code
                    .parse::<u16>()
                    .ok()
                    .filter(|c| (400..=599).contains(c))
                    .and_then(|c| StatusCode::from_u16(c).ok())
                    .ok_or_else(|| {
                        format!("X-Volley-Fault: status={code}: use a status from 400 to 599")
                    })?;
                set(Outcome::Status(status))?;
            }
            Some(("delay", text)) => {
                fault.delay =
                    span::parse(text).map_err(|e| format!("X-Volley-Fault: delay: {e}"))?;
            }
            _ => {
                return Err(format!(
                    "X-Volley-Fault: unknown item `{item}`; use status=NNN, delay=250ms, reset or timeout"
                ));
            }
        }
    }
    Ok(fault)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_combine() {
        assert_eq!(
            parse("status=502, delay=250ms"),
            Ok(HeaderFault {
                delay: Duration::from_millis(250),
                outcome: Some(Outcome::Status(StatusCode::BAD_GATEWAY)),
            })
        );
        assert_eq!(parse("reset").map(|f| f.outcome), Ok(Some(Outcome::Reset)));
        assert_eq!(
            parse("delay=1s; TIMEOUT").map(|f| (f.delay, f.outcome)),
            Ok((Duration::from_secs(1), Some(Outcome::Timeout)))
        );
        assert_eq!(parse("delay=5ms").map(|f| f.outcome), Ok(None));
    }

    #[test]
    fn mistakes_are_explained() {
        for (value, hint) in [
            ("status=200", "400 to 599"),
            ("status=502, reset", "at most one"),
            ("delay=5", "not a duration"),
            ("slow", "unknown item `slow`"),
        ] {
            let err = parse(value).expect_err(value);
            assert!(err.contains(hint), "{value}: {err}");
        }
    }
}
