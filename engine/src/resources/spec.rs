//! `--monitor` specs as typed: `pid=PID`, `cgroup=PATH` or
//! `prometheus=URL,query=PROMQL`, each with optional keys. Only the syntax
//! is checked here (the clap value parser); whether the process, cgroup or
//! server is there is checked before the load starts
//! ([`super::Monitors::start`]).

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// What the values of a Prometheus query are, and so which metric they feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromUnit {
    /// CPU in cores, e.g. `rate(process_cpu_seconds_total[5s])`: recorded
    /// in `target_cpu` as percent of one core (× 100), as `docker stats`.
    Cores,
    /// CPU already in percent of one core: `target_cpu` as is.
    Percent,
    /// Bytes of memory: `target_memory`.
    Bytes,
    /// Any other number: `target_value`.
    Value,
}

impl PromUnit {
    fn parse(s: &str) -> Result<PromUnit, String> {
        Ok(match s {
            "cores" => PromUnit::Cores,
            "percent" | "%" => PromUnit::Percent,
            "bytes" => PromUnit::Bytes,
            "value" | "none" => PromUnit::Value,
            other => {
                return Err(format!(
                    "unit={other} is not a unit; use unit=cores (CPU seconds per second), \
                     unit=percent (CPU, 100 = one core), unit=bytes (memory) or unit=value"
                ));
            }
        })
    }
}

/// What one `--monitor` watches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MonitorKind {
    /// A process and its threads, read from `/proc/PID`.
    Pid(u32),
    /// A cgroup v2 directory, absolute or relative to the cgroup2 mount.
    Cgroup(PathBuf),
    /// Instant queries to a Prometheus server, every second.
    Prometheus {
        /// The server's base URL, e.g. `http://127.0.0.1:9090`.
        url: String,
        /// The PromQL expression.
        query: String,
        /// What its values are.
        unit: PromUnit,
    },
}

/// One `--monitor` flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitorSpec {
    /// What to watch.
    pub kind: MonitorKind,
    /// `name=LABEL`: the `target` tag of its samples, when given.
    pub name: Option<String>,
    /// The flag's value as typed, for messages.
    pub text: String,
}

impl MonitorSpec {
    /// The `target` tag of its samples: `name=` if given, else `pid:1234`,
    /// the cgroup directory's name, or `prometheus`.
    pub fn label(&self) -> String {
        if let Some(name) = &self.name {
            return name.clone();
        }
        match &self.kind {
            MonitorKind::Pid(pid) => format!("pid:{pid}"),
            MonitorKind::Cgroup(path) => path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "cgroup-root".into()),
            MonitorKind::Prometheus { .. } => "prometheus".into(),
        }
    }
}

impl fmt::Display for MonitorSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "--monitor {}", self.text)
    }
}

/// Split at commas outside brackets and quotes: PromQL has commas inside
/// label matchers (`{job="a",instance="b"}`) and `by (a, b)` clauses.
fn split_top_level(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut quote, mut escaped, mut start) = (0i32, None, false, 0);
    for (i, c) in s.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' | '`' => quote = Some(c),
            '(' | '{' | '[' => depth += 1,
            ')' | '}' | ']' => depth -= 1,
            ',' if depth <= 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

const KINDS: &str = "pid=PID, cgroup=PATH or prometheus=URL,query=PROMQL";

impl FromStr for MonitorSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<MonitorSpec, String> {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        for part in split_top_level(s) {
            let Some((key, value)) = part.split_once('=') else {
                return Err(format!(
                    "{part:?} is not KEY=VALUE; a monitor is {KINDS} (keys separated by commas)"
                ));
            };
            let key = key.trim();
            if pairs.iter().any(|(k, _)| *k == key) {
                return Err(format!("{key}= is given twice; give it once"));
            }
            pairs.push((key, value.trim()));
        }
        let (kind_key, first) = pairs[0];
        let allowed: &[&str] = match kind_key {
            "pid" | "cgroup" => &["name"],
            "prometheus" => &["query", "name", "unit"],
            other => return Err(format!("{other}= is not a monitor; start with {KINDS}")),
        };
        let get = |key: &str| pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
        for (key, _) in &pairs[1..] {
            if !allowed.contains(key) {
                let keys: Vec<String> = allowed.iter().map(|k| format!("{k}=")).collect();
                return Err(format!(
                    "unknown key {key}= for {kind_key}=; it takes {}",
                    keys.join(", ")
                ));
            }
        }
        let name = match get("name") {
            Some("") => return Err("name= is empty; give the target a label, e.g. name=api".into()),
            Some(n) if n.contains(',') => {
                return Err(format!("name={n} has a comma; use a label without one"));
            }
            other => other.map(str::to_string),
        };
        let kind = match kind_key {
            "pid" => match first.parse::<u32>() {
                Ok(pid) if pid > 0 => MonitorKind::Pid(pid),
                _ => {
                    return Err(format!(
                        "pid={first} is not a process id; give a number, e.g. pid=$(pgrep -f my-server)"
                    ));
                }
            },
            "cgroup" if first.is_empty() => {
                return Err(
                    "cgroup= is empty; give a cgroup v2 directory, e.g. cgroup=system.slice/docker-<id>.scope"
                        .into(),
                );
            }
            "cgroup" => MonitorKind::Cgroup(PathBuf::from(first)),
            _ => {
                let url = url::Url::parse(first).map_err(|e| {
                    format!("prometheus={first} is not a URL ({e}); give the server's, e.g. prometheus=http://127.0.0.1:9090")
                })?;
                if !matches!(url.scheme(), "http" | "https") {
                    return Err(format!(
                        "prometheus={first}: use an http:// or https:// URL, e.g. http://127.0.0.1:9090"
                    ));
                }
                let query = match get("query") {
                    Some(q) if !q.is_empty() => q.to_string(),
                    _ => {
                        return Err(
                            "prometheus= needs query=PROMQL, e.g. query=rate(process_cpu_seconds_total[30s]),unit=cores"
                                .into(),
                        );
                    }
                };
                let unit = get("unit").map_or(Ok(PromUnit::Value), PromUnit::parse)?;
                MonitorKind::Prometheus {
                    url: first.to_string(),
                    query,
                    unit,
                }
            }
        };
        Ok(MonitorSpec {
            kind,
            name,
            text: s.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<MonitorSpec, String> {
        s.parse()
    }

    #[test]
    fn pid_and_cgroup_with_labels() {
        let p = parse("pid=4242").expect("pid");
        assert_eq!(p.kind, MonitorKind::Pid(4242));
        assert_eq!(p.label(), "pid:4242");
        assert_eq!(parse("pid=7,name=api").expect("named").label(), "api");
        let c = parse("cgroup=system.slice/docker-abc.scope").expect("cgroup");
        assert_eq!(
            c.kind,
            MonitorKind::Cgroup("system.slice/docker-abc.scope".into())
        );
        assert_eq!(c.label(), "docker-abc.scope");
        assert_eq!(
            c.to_string(),
            "--monitor cgroup=system.slice/docker-abc.scope"
        );
    }

    #[test]
    fn promql_commas_stay_in_the_query() {
        let q = r#"prometheus=http://127.0.0.1:9090,query=sum by (job, instance) (rate(x{job="a,b",i='c'}[5s])),name=api,unit=cores"#;
        let p = parse(q).expect("prometheus");
        assert_eq!(
            p.kind,
            MonitorKind::Prometheus {
                url: "http://127.0.0.1:9090".into(),
                query: r#"sum by (job, instance) (rate(x{job="a,b",i='c'}[5s]))"#.into(),
                unit: PromUnit::Cores,
            }
        );
        assert_eq!(p.label(), "api");
        let bare = parse("prometheus=https://p:9090,query=up").expect("bare");
        assert_eq!(bare.label(), "prometheus");
        assert!(matches!(
            bare.kind,
            MonitorKind::Prometheus {
                unit: PromUnit::Value,
                ..
            }
        ));
    }

    #[test]
    fn bad_specs_name_the_problem_and_the_fix() {
        for (spec, needle) in [
            ("pid=abc", "pid=$(pgrep"),
            ("pid=0", "not a process id"),
            ("pid=1,nmae=x", "unknown key nmae= for pid=; it takes name="),
            (
                "prometheus=http://p,query=up,qurey=x",
                "query=, name=, unit=",
            ),
            ("prometheus=localhost:9090,query=up", "http://"),
            ("prometheus=not a url,query=up", "is not a URL"),
            ("prometheus=http://p:9090", "needs query=PROMQL"),
            ("prometheus=http://p:9090,query=up,unit=kb", "unit=bytes"),
            ("process=1", "start with pid=PID"),
            ("1234", "is not KEY=VALUE"),
            ("cgroup=", "cgroup= is empty"),
            ("pid=1,name=", "name= is empty"),
            ("pid=1,pid=2", "given twice"),
        ] {
            let e = parse(spec).expect_err(spec);
            assert!(e.contains(needle), "{spec}: {e}");
        }
    }
}
