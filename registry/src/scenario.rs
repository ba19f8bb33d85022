//! The scenario manifest: what a published scenario declares about itself
//! (name, parameters, the hosts it may reach, the data sets it reads).
//!
//! Authors write it as `volley.toml`; `volley stamp` embeds it, as JSON, in a
//! custom section named [`SECTION`] of the component, so that it travels with
//! the component bytes (and is covered by their digest and signature).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

/// The name of the component custom section that holds the manifest.
pub const SECTION: &str = "volley:manifest";

/// The manifest format version this crate writes and the newest it reads.
pub const MANIFEST_VERSION: u32 = 1;

/// A scenario manifest (format version 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioManifest {
    /// Format version; `1`. Optional in `volley.toml` (defaults to 1),
    /// always written in the embedded section.
    #[serde(default = "default_version")]
    pub version: u32,
    /// The scenario's name, e.g. `checkout-flow`.
    pub name: String,
    /// One or two sentences on what the scenario does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The run parameters it reads from `--env`.
    #[serde(default)]
    pub parameters: Vec<Parameter>,
    /// What it needs to reach and read.
    #[serde(default)]
    pub capabilities: Capabilities,
}

fn default_version() -> u32 {
    MANIFEST_VERSION
}

/// One run parameter, given with `--env NAME=VALUE`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parameter {
    /// The variable name (letters, digits and `_`, not starting with a digit).
    pub name: String,
    /// The type its value must have.
    #[serde(rename = "type")]
    pub kind: ParamType,
    /// The value used when the run does not set it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<ParamValue>,
    /// Whether a run must set it. A required parameter has no default.
    #[serde(default)]
    pub required: bool,
    /// What it is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// The type of a run parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamType {
    /// Any text.
    String,
    /// A whole number (64-bit signed).
    Int,
    /// A number.
    Float,
    /// `true` or `false`.
    Bool,
    /// A k6 duration: `30s`, `1m30s`, `500ms`, `2h`, or a number of
    /// milliseconds.
    Duration,
    /// An absolute `http://` or `https://` URL.
    Url,
}

impl fmt::Display for ParamType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ParamType::String => "string",
            ParamType::Int => "int",
            ParamType::Float => "float",
            ParamType::Bool => "bool",
            ParamType::Duration => "duration",
            ParamType::Url => "url",
        })
    }
}

/// A parameter's default value, as written in `volley.toml` or JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ParamValue {
    /// `true` / `false`.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A number with a fraction.
    Float(f64),
    /// Text (also durations and URLs).
    String(String),
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Bool(b) => write!(f, "{b}"),
            ParamValue::Int(i) => write!(f, "{i}"),
            ParamValue::Float(x) => write!(f, "{x}"),
            ParamValue::String(s) => f.write_str(s),
        }
    }
}

/// What the scenario needs from the machine that runs it. Nothing here is
/// granted by publishing it: the user grants it at run time
/// (`--allow-host`, `--grant-manifest`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Capabilities {
    /// Hosts it may send requests to: `api.example.com` (any port),
    /// `api.example.com:443`, `*.example.com` (any subdomain, not the domain
    /// itself), `127.0.0.1:3030`, `[::1]:8080`.
    #[serde(default)]
    pub hosts: Vec<String>,
    /// Data sets it reads (`--data NAME=FILE`).
    #[serde(default)]
    pub data: Vec<DataSet>,
}

/// A data set the scenario reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSet {
    /// The name given to `--data NAME=FILE`.
    pub name: String,
    /// What it should contain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A manifest that cannot be read or does not hold together.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ManifestError {
    /// `volley.toml` is not valid TOML or has unknown or mistyped fields.
    #[error("volley.toml: {0}")]
    Toml(String),
    /// The embedded `volley:manifest` section is not valid manifest JSON.
    #[error(
        "the component's `volley:manifest` section is not a valid manifest: {0}; \
         stamp it again with `volley stamp`"
    )]
    Json(String),
    /// A newer format than this version of Volley understands.
    #[error(
        "manifest format version {0} is not supported (this Volley reads up to \
         version {MANIFEST_VERSION}): upgrade Volley"
    )]
    UnsupportedVersion(u32),
    /// A field has a value the format does not allow.
    #[error("manifest field `{field}`: {reason}")]
    Invalid {
        /// Path of the field, e.g. `parameters[2].default`.
        field: String,
        /// What is wrong and what is expected.
        reason: String,
    },
}

impl ScenarioManifest {
    /// Parses and validates a `volley.toml`.
    pub fn from_toml(text: &str) -> Result<Self, ManifestError> {
        let manifest: ScenarioManifest = toml::from_str(text)
            .map_err(|e| ManifestError::Toml(e.to_string().trim().to_string()))?;
        manifest.validate()?;
        Ok(manifest)
    }

    /// Parses and validates the JSON form (the embedded section).
    pub fn from_json(bytes: &[u8]) -> Result<Self, ManifestError> {
        // Check the version first, so that a newer format is reported as
        // such rather than as unknown fields.
        if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(bytes)
            && let Some(v) = map.get("version").and_then(|v| v.as_u64())
            && v > u64::from(MANIFEST_VERSION)
        {
            return Err(ManifestError::UnsupportedVersion(
                u32::try_from(v).unwrap_or(u32::MAX),
            ));
        }
        let manifest: ScenarioManifest =
            serde_json::from_slice(bytes).map_err(|e| ManifestError::Json(e.to_string()))?;
        manifest.validate()?;
        Ok(manifest)
    }

    /// The JSON form, as embedded in the component.
    pub fn to_json(&self) -> Vec<u8> {
        // Serialising plain data with string keys cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Checks every rule of the format; the first problem found is returned.
    pub fn validate(&self) -> Result<(), ManifestError> {
        let invalid = |field: String, reason: String| ManifestError::Invalid { field, reason };
        if self.version == 0 {
            return Err(invalid("version".into(), "must be 1".into()));
        }
        if self.version > MANIFEST_VERSION {
            return Err(ManifestError::UnsupportedVersion(self.version));
        }
        check_text("name", &self.name, 128)?;
        if let Some(d) = &self.description {
            check_text("description", d, 4096)?;
        }
        let mut seen = BTreeSet::new();
        for (i, p) in self.parameters.iter().enumerate() {
            let at = |f: &str| format!("parameters[{i}].{f}");
            if !is_env_name(&p.name) {
                return Err(invalid(
                    at("name"),
                    format!(
                        "`{}` is not a parameter name: use letters, digits and `_`, \
                         not starting with a digit (it is set with --env NAME=VALUE)",
                        p.name
                    ),
                ));
            }
            if !seen.insert(p.name.as_str()) {
                return Err(invalid(
                    at("name"),
                    format!("parameter `{}` is declared twice", p.name),
                ));
            }
            if let Some(d) = &p.description {
                check_text(&at("description"), d, 1024)?;
            }
            match &p.default {
                Some(_) if p.required => {
                    return Err(invalid(
                        at("default"),
                        format!(
                            "parameter `{}` is required and has a default: \
                             drop one of the two",
                            p.name
                        ),
                    ));
                }
                Some(value) => check_default(p.kind, value).map_err(|reason| {
                    invalid(
                        at("default"),
                        format!("default `{value}` of `{}`: {reason}", p.name),
                    )
                })?,
                None => {}
            }
        }
        for (i, host) in self.capabilities.hosts.iter().enumerate() {
            HostPattern::parse(host)
                .map_err(|reason| invalid(format!("capabilities.hosts[{i}]"), reason))?;
        }
        let mut seen = BTreeSet::new();
        for (i, d) in self.capabilities.data.iter().enumerate() {
            let field = format!("capabilities.data[{i}].name");
            check_text(&field, &d.name, 128)?;
            if !seen.insert(d.name.as_str()) {
                return Err(invalid(
                    field,
                    format!("data set `{}` is declared twice", d.name),
                ));
            }
        }
        Ok(())
    }

    /// Checks a run's `--env` map against the declared parameters: which
    /// required ones are missing, and which values do not have their
    /// parameter's type. Variables the manifest does not declare are
    /// ignored.
    pub fn check_env(&self, env: &BTreeMap<String, String>) -> ParamReport {
        let mut report = ParamReport::default();
        for p in &self.parameters {
            match env.get(&p.name) {
                Some(value) => {
                    if let Err(reason) = check_value(p.kind, value) {
                        report.invalid.push(ParamError {
                            name: p.name.clone(),
                            value: value.clone(),
                            expected: p.kind,
                            reason,
                        });
                    }
                }
                None if p.required => report.missing.push(p.name.clone()),
                None => {}
            }
        }
        report
    }

    /// The hosts a run of this (pulled) scenario may reach: the declared
    /// ones when `grant_manifest` (`--grant-manifest`), else the `allow_host`
    /// patterns (`--allow-host`), each of which must fall within a declared
    /// host. The result is the engine's `--allow-host` list for the run; an
    /// empty one means no host at all. A grant the manifest does not declare
    /// is an error naming it and the declared hosts.
    pub fn granted_hosts(
        &self,
        allow_host: &[String],
        grant_manifest: bool,
    ) -> Result<Vec<String>, String> {
        if grant_manifest {
            return Ok(self.capabilities.hosts.clone());
        }
        let declared: Vec<HostPattern> = self
            .capabilities
            .hosts
            .iter()
            .filter_map(|h| HostPattern::parse(h).ok())
            .collect();
        let mut granted = Vec::new();
        for grant in allow_host {
            let pattern = HostPattern::parse(grant).map_err(|e| format!("--allow-host {e}"))?;
            if !declared.iter().any(|d| d.covers(&pattern)) {
                let list = if self.capabilities.hosts.is_empty() {
                    "none".to_string()
                } else {
                    self.capabilities.hosts.join(", ")
                };
                return Err(format!(
                    "--allow-host {grant} is not among the hosts scenario `{}` declares \
                     ({list}); a published scenario may reach only what its manifest declares",
                    self.name
                ));
            }
            granted.push(grant.clone());
        }
        Ok(granted)
    }

    /// Whether the hosts this manifest declares permit a request to `host`
    /// on `port`. The engine allows a pulled scenario only the declared
    /// hosts the user granted.
    pub fn permits(&self, host: &str, port: u16) -> bool {
        self.capabilities
            .hosts
            .iter()
            .filter_map(|h| HostPattern::parse(h).ok())
            .any(|p| p.matches(host, port))
    }
}

/// The outcome of [`ScenarioManifest::check_env`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParamReport {
    /// Required parameters the run does not set, in manifest order.
    pub missing: Vec<String>,
    /// Values that do not have their parameter's type.
    pub invalid: Vec<ParamError>,
}

impl ParamReport {
    /// Whether the run may start: nothing missing, nothing mistyped.
    pub fn is_ok(&self) -> bool {
        self.missing.is_empty() && self.invalid.is_empty()
    }
}

impl fmt::Display for ParamReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.missing.is_empty() {
            write!(
                f,
                "missing required parameters: {} (set them with --env NAME=VALUE)",
                self.missing.join(", ")
            )?;
        }
        for (i, e) in self.invalid.iter().enumerate() {
            if i > 0 || !self.missing.is_empty() {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// A parameter value of the wrong type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamError {
    /// The parameter.
    pub name: String,
    /// The value given.
    pub value: String,
    /// The type it should have.
    pub expected: ParamType,
    /// Why it is not one.
    pub reason: String,
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "--env {}={:?} ({}): {}",
            self.name, self.value, self.expected, self.reason
        )
    }
}

fn check_text(field: &str, text: &str, max: usize) -> Result<(), ManifestError> {
    let reason = if text.trim().is_empty() {
        "must not be empty".to_string()
    } else if text.chars().count() > max {
        format!("longer than {max} characters")
    } else if text.chars().any(|c| c.is_control() && c != '\n') {
        "must not contain control characters".to_string()
    } else {
        return Ok(());
    };
    Err(ManifestError::Invalid {
        field: field.to_string(),
        reason,
    })
}

fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn check_default(kind: ParamType, value: &ParamValue) -> Result<(), String> {
    match (kind, value) {
        (ParamType::Bool, ParamValue::Bool(_))
        | (ParamType::Int, ParamValue::Int(_))
        | (ParamType::Float, ParamValue::Int(_) | ParamValue::Float(_))
        | (ParamType::String, ParamValue::String(_)) => Ok(()),
        (ParamType::Duration | ParamType::Url, ParamValue::String(s)) => check_value(kind, s),
        // A duration may be a bare number of milliseconds, as in k6.
        (ParamType::Duration, ParamValue::Int(i)) if *i >= 0 => Ok(()),
        (ParamType::Duration, ParamValue::Float(x)) if *x >= 0.0 => Ok(()),
        _ => Err(format!("not a {kind}")),
    }
}

/// Checks that `value` (as given on the command line) has type `kind`.
pub fn check_value(kind: ParamType, value: &str) -> Result<(), String> {
    match kind {
        ParamType::String => Ok(()),
        ParamType::Int => value
            .trim()
            .parse::<i64>()
            .map(|_| ())
            .map_err(|_| "not a whole number".to_string()),
        ParamType::Float => match value.trim().parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(()),
            _ => Err("not a number".to_string()),
        },
        ParamType::Bool => match value.trim() {
            "true" | "false" => Ok(()),
            _ => Err("not `true` or `false`".to_string()),
        },
        ParamType::Duration => check_duration(value),
        ParamType::Url => check_url(value),
    }
}

/// k6 durations: Go's units (`ns`, `us`, `µs`, `ms`, `s`, `m`, `h`), an
/// optional leading number of days (`2d12h`), or a bare number of
/// milliseconds.
fn check_duration(text: &str) -> Result<(), String> {
    let expected = "not a duration (e.g. `30s`, `1m30s`, `500ms`, or milliseconds)";
    let s = text.trim();
    if s.is_empty() || s.starts_with('-') {
        return Err(expected.to_string());
    }
    if s.parse::<f64>().is_ok_and(|x| x.is_finite()) {
        return Ok(());
    }
    let mut rest = s.strip_prefix('+').unwrap_or(s);
    let mut units_seen = 0;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number = &rest[..number_len];
        if number.is_empty() || number.parse::<f64>().is_err() {
            return Err(expected.to_string());
        }
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        // Days only as the first unit, as k6 reads them.
        let unit_ok = matches!(unit, "ns" | "us" | "µs" | "μs" | "ms" | "s" | "m" | "h")
            || (unit == "d" && units_seen == 0);
        if !unit_ok {
            return Err(expected.to_string());
        }
        rest = &rest[unit_len..];
        units_seen += 1;
    }
    Ok(())
}

fn check_url(text: &str) -> Result<(), String> {
    match url::Url::parse(text.trim()) {
        Ok(u) if (u.scheme() == "http" || u.scheme() == "https") && u.host().is_some() => Ok(()),
        Ok(u) => Err(format!(
            "`{}` URLs are not allowed (only absolute http:// or https:// URLs)",
            u.scheme()
        )),
        Err(e) => Err(format!("not an absolute http(s) URL ({e})")),
    }
}

/// One entry of `capabilities.hosts`, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPattern {
    /// The host, lowercase, without brackets; for a wildcard, the domain
    /// after `*.`.
    pub host: String,
    /// Whether it is `*.domain` (any subdomain, not the domain itself).
    pub wildcard: bool,
    /// The one port allowed, or any port.
    pub port: Option<u16>,
}

impl HostPattern {
    /// Parses `host`, `host:port`, `*.domain[:port]`, an IPv4 address or
    /// `[IPv6]` with optional port.
    pub fn parse(text: &str) -> Result<HostPattern, String> {
        let bad = |why: &str| {
            format!(
                "`{text}` {why}; write a host name (`api.example.com`), optionally a port \
                 (`api.example.com:443`), a wildcard (`*.example.com`) or an address \
                 (`127.0.0.1:3030`, `[::1]:8080`)"
            )
        };
        if text.contains("://") {
            return Err(bad("is a URL, not a host"));
        }
        if text.contains('/') || text.contains('@') || text.contains('?') {
            return Err(bad("has a path or user part"));
        }
        let (host, port) = if let Some(rest) = text.strip_prefix('[') {
            let Some((h, tail)) = rest.split_once(']') else {
                return Err(bad("has an unclosed `[`"));
            };
            if h.parse::<Ipv6Host>().is_err() {
                return Err(bad("is not a valid IPv6 address"));
            }
            match tail {
                "" => (h, None),
                t => match t.strip_prefix(':') {
                    Some(p) => (h, Some(p)),
                    None => return Err(bad("has text after `]`")),
                },
            }
        } else {
            match text.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (text, None),
            }
        };
        let port = match port {
            Some(p) => match p.parse::<u16>() {
                Ok(n) if n > 0 => Some(n),
                _ => return Err(bad("has an invalid port (1 to 65535)")),
            },
            None => None,
        };
        let (wildcard, name) = match host.strip_prefix("*.") {
            Some(domain) => (true, domain),
            None => (false, host),
        };
        if name.contains('*') {
            return Err(bad("has a `*` that is not a leading `*.`"));
        }
        let is_ipv6 = text.starts_with('[');
        if !is_ipv6 {
            let label_ok = |l: &str| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            };
            if name.is_empty() || name.len() > 253 || !name.split('.').all(label_ok) {
                return Err(bad("is not a valid host name"));
            }
            if wildcard && !name.contains('.') {
                return Err(bad("is a wildcard over a top-level domain"));
            }
        }
        Ok(HostPattern {
            host: name.to_ascii_lowercase(),
            wildcard,
            port,
        })
    }

    /// Whether a request to `host` (a name or address, IPv6 without
    /// brackets) on `port` falls under this pattern.
    pub fn matches(&self, host: &str, port: u16) -> bool {
        if self.port.is_some_and(|p| p != port) {
            return false;
        }
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host)
            .trim_end_matches('.')
            .to_ascii_lowercase();
        if self.wildcard {
            host.len() > self.host.len() + 1
                && host.ends_with(&self.host)
                && host.as_bytes()[host.len() - self.host.len() - 1] == b'.'
        } else {
            match (host.parse::<Ipv6Host>(), self.host.parse::<Ipv6Host>()) {
                (Ok(a), Ok(b)) => a == b,
                _ => host == self.host,
            }
        }
    }
}

impl HostPattern {
    /// Whether every request `other` matches is also matched by `self`.
    pub fn covers(&self, other: &HostPattern) -> bool {
        let port_ok = match (self.port, other.port) {
            (None, _) => true,
            (Some(a), Some(b)) => a == b,
            (Some(_), None) => false,
        };
        let host_ok = if self.wildcard {
            other.host.len() > self.host.len()
                && other.host.ends_with(&self.host)
                && other.host.as_bytes()[other.host.len() - self.host.len() - 1] == b'.'
                || (other.wildcard && other.host == self.host)
        } else {
            !other.wildcard && self.matches(&other.host, other.port.or(self.port).unwrap_or(1))
        };
        port_ok && host_ok
    }
}

type Ipv6Host = std::net::Ipv6Addr;

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"
version = 1
name = "checkout-flow"
description = "Browse, add to cart, pay."

[[parameters]]
name = "BASE_URL"
type = "url"
required = true
description = "Shop to test"

[[parameters]]
name = "THINK_TIME"
type = "duration"
default = "1s"

[[parameters]]
name = "USERS"
type = "int"
default = 10

[[parameters]]
name = "RATIO"
type = "float"
default = 1

[[parameters]]
name = "VERBOSE"
type = "bool"
default = false

[capabilities]
hosts = ["api.example.com", "*.example.com:443", "127.0.0.1:3030", "[::1]:8080"]

[[capabilities.data]]
name = "users"
description = "one JSON object per user"
"#;

    fn invalid(toml: &str) -> String {
        match ScenarioManifest::from_toml(toml) {
            Ok(m) => panic!("accepted {m:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn parses_a_full_volley_toml_and_round_trips_json() -> Result<(), ManifestError> {
        let m = ScenarioManifest::from_toml(FULL)?;
        assert_eq!(m.name, "checkout-flow");
        assert_eq!(m.parameters.len(), 5);
        assert_eq!(m.parameters[2].default, Some(ParamValue::Int(10)));
        assert_eq!(m.parameters[0].kind, ParamType::Url);
        assert_eq!(m.capabilities.data[0].name, "users");
        let back = ScenarioManifest::from_json(&m.to_json())?;
        assert_eq!(back, m);
        let json: serde_json::Value =
            serde_json::from_slice(&m.to_json()).map_err(|e| ManifestError::Json(e.to_string()))?;
        assert_eq!(json["version"], 1);
        assert_eq!(json["parameters"][0]["type"], "url");
        assert_eq!(json["parameters"][0]["required"], true);
        assert_eq!(json["capabilities"]["hosts"][1], "*.example.com:443");
        // version defaults to 1 in volley.toml.
        assert_eq!(ScenarioManifest::from_toml("name = \"x\"")?.version, 1);
        Ok(())
    }

    #[test]
    fn refuses_bad_manifests_naming_the_field() {
        assert!(invalid("name = ").starts_with("volley.toml: TOML parse error"));
        assert!(invalid("description = \"x\"").contains("missing field `name`"));
        assert!(invalid("name = \"x\"\nnmae = 1").contains("unknown field `nmae`"));
        assert!(invalid("name = \"x\"\nversion = 2").contains("version 2 is not supported"));
        assert!(invalid("name = \"\"").contains("`name`: must not be empty"));
        let p = |body: &str| format!("name = \"x\"\n[[parameters]]\n{body}");
        assert!(
            invalid(&p("name = \"A\"\ntype = \"decimal\"")).contains("unknown variant `decimal`")
        );
        assert!(invalid(&p("name = \"1A\"\ntype = \"int\"")).contains("parameters[0].name"));
        assert!(
            invalid(&p("name = \"A\"\ntype = \"int\"\ndefault = \"ten\""))
                .contains("parameters[0].default")
        );
        assert!(
            invalid(&p("name = \"A\"\ntype = \"duration\"\ndefault = \"soon\""))
                .contains("not a duration")
        );
        assert!(
            invalid(&p("name = \"A\"\ntype = \"url\"\ndefault = \"ftp://x\""))
                .contains("`ftp` URLs")
        );
        assert!(
            invalid(&p(
                "name = \"A\"\ntype = \"int\"\nrequired = true\ndefault = 1"
            ))
            .contains("required and has a default")
        );
        assert!(
            invalid(&p(
                "name = \"A\"\ntype = \"int\"\n[[parameters]]\nname = \"A\"\ntype = \"int\""
            ))
            .contains("declared twice")
        );
        let hosts = |h: &str| format!("name = \"x\"\n[capabilities]\nhosts = [{h}]");
        assert!(invalid(&hosts("\"https://api.example.com\"")).contains("capabilities.hosts[0]"));
        assert!(invalid(&hosts("\"a.com\", \"a.com:0\"")).contains("capabilities.hosts[1]"));
        assert!(invalid(&hosts("\"api.*.com\"")).contains("`*`"));
        assert!(invalid(&hosts("\"*.com\"")).contains("top-level"));
        assert!(invalid(&hosts("\"a.com/path\"")).contains("path"));
        assert!(invalid(&hosts("\"[::1\"")).contains("unclosed"));
    }

    #[test]
    fn json_of_a_newer_format_says_so() {
        let e = ScenarioManifest::from_json(br#"{"version":7,"name":"x","sandbox":{}}"#);
        assert_eq!(e, Err(ManifestError::UnsupportedVersion(7)));
        let e = ScenarioManifest::from_json(b"{");
        assert!(matches!(e, Err(ManifestError::Json(_))));
    }

    #[test]
    fn checks_a_runs_parameters() -> Result<(), ManifestError> {
        let m = ScenarioManifest::from_toml(FULL)?;
        let env = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>()
        };
        let r = m.check_env(&env(&[]));
        assert_eq!(r.missing, vec!["BASE_URL"]);
        assert!(!r.is_ok());
        assert!(
            r.to_string()
                .contains("missing required parameters: BASE_URL")
        );
        let r = m.check_env(&env(&[
            ("BASE_URL", "https://shop.example.com/"),
            ("THINK_TIME", "1m30s"),
            ("USERS", "12"),
            ("RATIO", "0.5"),
            ("VERBOSE", "true"),
            ("OTHER", "anything"),
        ]));
        assert!(r.is_ok(), "{r}");
        let r = m.check_env(&env(&[
            ("BASE_URL", "shop"),
            ("THINK_TIME", "3 apples"),
            ("USERS", "1.5"),
            ("RATIO", "x"),
            ("VERBOSE", "yes"),
        ]));
        let names: Vec<_> = r.invalid.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            names,
            ["BASE_URL", "THINK_TIME", "USERS", "RATIO", "VERBOSE"]
        );
        assert!(
            r.to_string()
                .contains("--env USERS=\"1.5\" (int): not a whole number")
        );
        Ok(())
    }

    #[test]
    fn durations_follow_k6() {
        for ok in [
            "30s", "1m30s", "500ms", "2.5s", "10us", "1d2h", "1500", "0.5", "1h0m0s",
        ] {
            assert_eq!(check_duration(ok), Ok(()), "{ok}");
        }
        for bad in ["", "-1s", "s", "1x", "1h1d", "1.2.3s", "abc"] {
            assert!(check_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn host_patterns_match_as_documented() -> Result<(), String> {
        let p = HostPattern::parse("api.example.com")?;
        assert!(p.matches("API.example.com", 443) && p.matches("api.example.com", 80));
        assert!(!p.matches("x.api.example.com", 443));
        let p = HostPattern::parse("*.example.com:443")?;
        assert!(p.matches("a.example.com", 443) && p.matches("a.b.example.com", 443));
        assert!(!p.matches("example.com", 443) && !p.matches("a.example.com", 80));
        assert!(!p.matches("badexample.com", 443));
        let p = HostPattern::parse("[::1]:8080")?;
        assert!(p.matches("::1", 8080) && p.matches("[0:0::1]", 8080) && !p.matches("::1", 80));
        let m = ScenarioManifest {
            version: 1,
            name: "x".into(),
            description: None,
            parameters: vec![],
            capabilities: Capabilities {
                hosts: vec!["127.0.0.1:3030".into()],
                data: vec![],
            },
        };
        assert!(m.permits("127.0.0.1", 3030) && !m.permits("127.0.0.1", 3031));
        Ok(())
    }

    #[test]
    fn grants_are_limited_to_declared_hosts() -> Result<(), ManifestError> {
        let m = ScenarioManifest::from_toml(FULL)?;
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(m.granted_hosts(&[], true), Ok(m.capabilities.hosts.clone()));
        assert_eq!(m.granted_hosts(&[], false), Ok(vec![]));
        let ok = s(&[
            "api.example.com:443",
            "a.b.example.com:443",
            "*.x.example.com:443",
            "[::1]:8080",
            "127.0.0.1:3030",
        ]);
        assert_eq!(m.granted_hosts(&ok, false), Ok(ok.clone()));
        for bad in [
            "example.com:443",
            "a.example.com:80",
            "a.example.com",
            "127.0.0.1:3031",
            "127.0.0.1",
            "other.com",
        ] {
            let e = m.granted_hosts(&s(&[bad]), false).expect_err(bad);
            assert!(
                e.contains("is not among the hosts scenario `checkout-flow` declares"),
                "{e}"
            );
        }
        let e = m.granted_hosts(&s(&["https://x"]), false).expect_err("URL");
        assert!(e.starts_with("--allow-host `https://x` is a URL"), "{e}");
        Ok(())
    }
}
