//! Metric selectors: `name` or `name{key:value,...}` (a k6 sub-metric).

use std::fmt;

/// A metric and an optional tag filter (a k6 sub-metric).
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSelector {
    /// The metric's name.
    pub metric: String,
    /// Tags every selected series must carry, sorted by key.
    pub tags: Vec<(String, String)>,
}

impl MetricSelector {
    /// Parse `name` or `name{key:value,...}`.
    pub fn parse(text: &str) -> Result<MetricSelector, String> {
        let t = text.trim();
        let (metric, tags) = match t.find('{') {
            None => (t, Vec::new()),
            Some(open) => {
                let inner = t[open + 1..]
                    .strip_suffix('}')
                    .ok_or_else(|| "a tag filter must end with '}'".to_string())?;
                let mut tags = Vec::new();
                for part in inner.split(',').filter(|p| !p.trim().is_empty()) {
                    let (k, v) = part
                        .split_once(':')
                        .ok_or_else(|| format!("tag filter {part:?} is not key:value"))?;
                    let v = v.trim().trim_matches(|c| c == '"' || c == '\'');
                    tags.push((k.trim().to_string(), v.to_string()));
                }
                tags.sort();
                (t[..open].trim(), tags)
            }
        };
        if metric.is_empty()
            || !metric
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(format!("{metric:?} is not a metric name"));
        }
        Ok(MetricSelector {
            metric: metric.to_string(),
            tags,
        })
    }

    /// Whether it selects a sub-metric (has tags).
    pub fn is_submetric(&self) -> bool {
        !self.tags.is_empty()
    }
}

impl fmt::Display for MetricSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.metric)?;
        if self.is_submetric() {
            f.write_str("{")?;
            for (i, (k, v)) in self.tags.iter().enumerate() {
                if i > 0 {
                    f.write_str(",")?;
                }
                write!(f, "{k}:{v}")?;
            }
            f.write_str("}")?;
        }
        Ok(())
    }
}
