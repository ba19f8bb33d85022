//! `volley compare BASE NEW`: two results files side by side, metric by
//! metric, and a regression gate for CI (`--fail-on`).
//!
//! A rule is `METRIC.STAT OP CHANGE`: `http_req_duration.p(95)>+10%` fails
//! when the new p(95) is more than 10% above the base;
//! `http_req_failed.rate>+0.01` when the failure rate rose by more than one
//! point; `http_reqs.rate<-5%` when throughput fell by more than 5%.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::metrics::Sink;
use crate::output::{kind_of, sink_from_json};
use crate::thresholds::Aggregation;

/// Why a comparison cannot be made: a usage error (exit 2), never a
/// silent "not compared".
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CompareError {
    /// A results file cannot be read or is not one.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A rule does not parse.
    #[error(
        "--fail-on {rule:?}: {message}; expected e.g. \"http_req_duration.p(95)>+10%\" or \"http_req_failed.rate>+0.01\""
    )]
    Rule {
        /// The rule as written.
        rule: String,
        /// What is wrong.
        message: String,
    },
    /// A rule names a metric neither file has, or a stat its metric lacks.
    #[error("--fail-on {rule:?}: {message}")]
    Unmatched {
        /// The rule as written.
        rule: String,
        /// What is wrong and what the files have.
        message: String,
    },
}

/// One run's metrics, each merged over all its tag sets.
#[derive(Debug, Clone)]
pub struct Results {
    /// Test duration in seconds (base of per-second rates).
    pub duration_s: f64,
    /// Metric name → merged aggregate.
    pub metrics: BTreeMap<String, Sink>,
    /// The file is a checkpoint of a run that did not end (killed).
    pub partial: bool,
}

fn bad(path: &Path, what: &str) -> CompareError {
    CompareError::File {
        path: path.to_path_buf(),
        message: format!(
            "not a volley results file ({what}); write one with `volley run --results FILE`"
        ),
    }
}

impl Results {
    /// Read a results file.
    pub fn load(path: &Path) -> Result<Results, CompareError> {
        let text = std::fs::read_to_string(path).map_err(|e| CompareError::File {
            path: path.to_path_buf(),
            message: format!("cannot read it: {e}"),
        })?;
        let doc: Value = serde_json::from_str(&text).map_err(|e| bad(path, &e.to_string()))?;
        if doc["format"].as_u64() != Some(u64::from(crate::output::RESULTS_FORMAT)) {
            return Err(bad(path, "unknown format version"));
        }
        let duration_s = doc["duration_s"]
            .as_f64()
            .ok_or_else(|| bad(path, "no duration"))?;
        let mut metrics = BTreeMap::new();
        for m in doc["metrics"]
            .as_array()
            .ok_or_else(|| bad(path, "no metrics"))?
        {
            let name = m["name"]
                .as_str()
                .ok_or_else(|| bad(path, "a metric without a name"))?;
            let kind = m["type"]
                .as_str()
                .and_then(kind_of)
                .ok_or_else(|| bad(path, "a metric of unknown type"))?;
            let mut merged: Option<Sink> = None;
            for s in m["series"].as_array().into_iter().flatten() {
                let sink = sink_from_json(kind, s)
                    .ok_or_else(|| bad(path, &format!("a bad series of {name}")))?;
                match &mut merged {
                    Some(acc) => acc.merge(&sink),
                    None => merged = Some(sink),
                }
            }
            if let Some(sink) = merged {
                metrics.insert(name.to_string(), sink);
            }
        }
        Ok(Results {
            duration_s,
            metrics,
            partial: doc["partial"].as_bool().unwrap_or(false),
        })
    }

    /// The value of `stat` on `metric`, if the file has the metric and
    /// its type offers the stat.
    pub fn stat(&self, metric: &str, stat: &Aggregation) -> Option<f64> {
        let sink = self.metrics.get(metric)?;
        let elapsed = std::time::Duration::from_secs_f64(self.duration_s.max(0.0));
        stat.value(sink, elapsed)
    }
}

/// A regression rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// As written.
    pub source: String,
    /// The metric.
    pub metric: String,
    /// The stat.
    pub stat: Aggregation,
    /// `>`: fail on an increase beyond `change`; `<`: on a decrease beyond it.
    pub increase: bool,
    /// The allowed change.
    pub change: f64,
    /// Whether `change` is a percentage of the base.
    pub percent: bool,
}

impl Rule {
    /// Parse `METRIC.STAT>+N%` and friends.
    pub fn parse(s: &str) -> Result<Rule, CompareError> {
        let err = |why: &str| CompareError::Rule {
            rule: s.to_string(),
            message: why.to_string(),
        };
        let at = s.find(['>', '<']).ok_or_else(|| err("no > or <"))?;
        let (lhs, rhs) = (s[..at].trim(), s[at + 1..].trim());
        let (metric, stat) = lhs.split_once('.').ok_or_else(|| err("no METRIC.STAT"))?;
        let percent = rhs.ends_with('%');
        let num = rhs.trim_end_matches('%').trim();
        let change: f64 = num.parse().map_err(|_| err("the change is not a number"))?;
        let stat = Aggregation::parse(stat.trim()).map_err(|why| err(&why))?;
        Ok(Rule {
            source: s.to_string(),
            metric: metric.trim().to_string(),
            stat,
            increase: &s[at..=at] == ">",
            change: change.abs(),
            percent,
        })
    }

    /// Whether going from `base` to `new` breaks the rule.
    pub fn broken(&self, base: f64, new: f64) -> bool {
        let delta = if self.increase {
            new - base
        } else {
            base - new
        };
        let limit = if self.percent {
            base.abs() * self.change / 100.0
        } else {
            self.change
        };
        delta > limit
    }
}

/// The rules used when none are given.
pub const DEFAULT_RULES: [&str; 2] = ["http_req_duration.p(95)>+10%", "http_req_failed.rate>+0.01"];

/// One line of the comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The rule.
    pub rule: Rule,
    /// Base value (None: missing).
    pub base: Option<f64>,
    /// New value.
    pub new: Option<f64>,
    /// Whether it regressed.
    pub regressed: bool,
}

/// Check that every rule can be judged: its metric is in at least one file
/// and its type offers the rule's stat. A gate that can never trip is a
/// usage error, not a pass.
pub fn check_rules(base: &Results, new: &Results, rules: &[Rule]) -> Result<(), CompareError> {
    for r in rules {
        let sink = base.metrics.get(&r.metric).or(new.metrics.get(&r.metric));
        let Some(sink) = sink else {
            let known: Vec<&str> = base
                .metrics
                .keys()
                .chain(new.metrics.keys())
                .map(String::as_str)
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            return Err(CompareError::Unmatched {
                rule: r.source.clone(),
                message: format!(
                    "no metric {:?} in either file (they have: {})",
                    r.metric,
                    known.join(", ")
                ),
            });
        };
        if r.stat
            .value(sink, std::time::Duration::from_secs(1))
            .is_none()
        {
            return Err(CompareError::Unmatched {
                rule: r.source.clone(),
                message: format!(
                    "{} is a {} metric, which has no {}",
                    r.metric,
                    sink.kind(),
                    r.stat
                ),
            });
        }
    }
    Ok(())
}

/// Judge every rule; a rule on a metric missing from one file is not a
/// regression (it is shown as such).
pub fn judge(base: &Results, new: &Results, rules: &[Rule]) -> Vec<Verdict> {
    rules
        .iter()
        .map(|r| {
            let (b, n) = (base.stat(&r.metric, &r.stat), new.stat(&r.metric, &r.stat));
            let regressed = matches!((b, n), (Some(b), Some(n)) if r.broken(b, n));
            Verdict {
                rule: r.clone(),
                base: b,
                new: n,
                regressed,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_and_judge() {
        let r = Rule::parse("http_req_duration.p(95)>+10%").expect("valid");
        assert_eq!(
            (r.metric.as_str(), r.stat, r.increase, r.change, r.percent),
            (
                "http_req_duration",
                Aggregation::Percentile(95.0),
                true,
                10.0,
                true
            )
        );
        assert!(r.broken(100.0, 111.0));
        assert!(!r.broken(100.0, 109.0));
        let down = Rule::parse("http_reqs.rate<-5%").expect("valid");
        assert!(
            down.broken(100.0, 94.0) && !down.broken(100.0, 96.0) && !down.broken(100.0, 200.0)
        );
        let abs = Rule::parse("http_req_failed.rate>+0.01").expect("valid");
        assert!(abs.broken(0.0, 0.02) && !abs.broken(0.0, 0.005));
        assert!(Rule::parse("p95>10").is_err());
        assert!(Rule::parse("http_req_duration.p95>+10%").is_err());
        assert!(Rule::parse("a.b>x%").is_err());
    }
}
