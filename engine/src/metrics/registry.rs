//! Metric definitions: the built-ins plus the custom metrics guests define.

use std::collections::HashMap;
use std::sync::RwLock;

use super::{Builtin, MetricKind, ValueType};

/// The id of a defined metric, stable for the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MetricId(pub u32);

/// A metric's definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricDef {
    /// Its name, as in thresholds and outputs.
    pub name: String,
    /// Its type.
    pub kind: MetricKind,
    /// How values are shown.
    pub value_type: ValueType,
    /// Whether the engine defines it.
    pub builtin: bool,
}

/// Why a custom metric could not be defined.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DefineError {
    /// The name breaks k6's naming rule.
    #[error(
        "invalid metric name {0:?}: use letters, digits and '_', at most 128 characters, not starting with a digit"
    )]
    InvalidName(String),
    /// A scenario defined more custom metrics than a run keeps.
    #[error(
        "cannot define metric {name:?}: a run keeps at most {limit} custom metrics (metric names must not carry ids; use tags)"
    )]
    TooMany {
        /// The name.
        name: String,
        /// The limit ([`MAX_CUSTOM_METRICS`]).
        limit: usize,
    },
    /// The name is taken by a metric of another type, or by a built-in.
    #[error("metric {name:?} is already defined as a {existing} metric (built-in: {builtin})")]
    Conflict {
        /// The name.
        name: String,
        /// The kind it has.
        existing: MetricKind,
        /// Whether it is a built-in.
        builtin: bool,
    },
}

#[derive(Debug, Default)]
struct Inner {
    defs: Vec<MetricDef>,
    by_name: HashMap<String, MetricId>,
    /// How many of `defs` scenarios defined.
    custom: usize,
}

/// Custom metrics a run keeps: every metric is in every snapshot and in
/// the summary, so names made from ids must not grow without bound.
pub const MAX_CUSTOM_METRICS: usize = 1_000;

/// All metric definitions of a run. Built-ins have fixed ids
/// ([`Builtin::id`]); custom metrics get the next ids as they are defined.
#[derive(Debug)]
pub struct Registry {
    inner: RwLock<Inner>,
}

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

impl Registry {
    /// A registry holding the built-in metrics.
    pub fn new() -> Self {
        let mut inner = Inner::default();
        for b in Builtin::ALL {
            inner.by_name.insert(b.name().to_string(), b.id());
            inner.defs.push(MetricDef {
                name: b.name().to_string(),
                kind: b.kind(),
                value_type: b.value_type(),
                builtin: true,
            });
        }
        Self {
            inner: RwLock::new(inner),
        }
    }

    /// Define a custom metric, or return the id of the one already defined
    /// with this name and kind.
    pub fn define(
        &self,
        name: &str,
        kind: MetricKind,
        value_type: ValueType,
    ) -> Result<MetricId, DefineError> {
        self.define_as(name, kind, value_type, false)
    }

    /// Define a metric the engine records itself while the run goes (the
    /// resource samples of [`crate::resources`]): marked built-in, so a
    /// scenario cannot take its name for a metric of its own.
    pub fn define_builtin(
        &self,
        name: &str,
        kind: MetricKind,
        value_type: ValueType,
    ) -> Result<MetricId, DefineError> {
        self.define_as(name, kind, value_type, true)
    }

    fn define_as(
        &self,
        name: &str,
        kind: MetricKind,
        value_type: ValueType,
        builtin: bool,
    ) -> Result<MetricId, DefineError> {
        if !valid_name(name) {
            return Err(DefineError::InvalidName(name.to_string()));
        }
        if let Some(id) = self.check_existing(name, kind, builtin)? {
            return Ok(id);
        }
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        // Another VU may have defined it between the two locks.
        if let Some(&id) = inner.by_name.get(name) {
            let def = &inner.defs[id.0 as usize];
            return if def.kind == kind && def.builtin == builtin {
                Ok(id)
            } else {
                Err(conflict(name, def))
            };
        }
        if !builtin {
            if inner.custom >= MAX_CUSTOM_METRICS {
                return Err(DefineError::TooMany {
                    name: name.to_string(),
                    limit: MAX_CUSTOM_METRICS,
                });
            }
            inner.custom += 1;
        }
        let id = MetricId(inner.defs.len() as u32);
        inner.defs.push(MetricDef {
            name: name.to_string(),
            kind,
            value_type,
            builtin,
        });
        inner.by_name.insert(name.to_string(), id);
        Ok(id)
    }

    fn check_existing(
        &self,
        name: &str,
        kind: MetricKind,
        builtin: bool,
    ) -> Result<Option<MetricId>, DefineError> {
        let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
        match inner.by_name.get(name) {
            None => Ok(None),
            Some(&id) => {
                let def = &inner.defs[id.0 as usize];
                if def.kind == kind && def.builtin == builtin {
                    Ok(Some(id))
                } else {
                    Err(conflict(name, def))
                }
            }
        }
    }

    /// The definition of `id`, if defined.
    pub fn get(&self, id: MetricId) -> Option<MetricDef> {
        let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
        inner.defs.get(id.0 as usize).cloned()
    }

    /// The id of the metric called `name`.
    pub fn lookup(&self, name: &str) -> Option<MetricId> {
        let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
        inner.by_name.get(name).copied()
    }

    /// Every definition, in id order.
    pub fn all(&self) -> Vec<MetricDef> {
        let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
        inner.defs.clone()
    }
}

fn conflict(name: &str, def: &MetricDef) -> DefineError {
    DefineError::Conflict {
        name: name.to_string(),
        existing: def.kind,
        builtin: def.builtin,
    }
}

/// k6's metric name rule.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && !name.as_bytes()[0].is_ascii_digit()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defines_custom_metrics_and_refuses_conflicts() {
        let r = Registry::new();
        let id = r.define("checkout_time", MetricKind::Trend, ValueType::Time);
        assert_eq!(id, Ok(MetricId(Builtin::ALL.len() as u32)));
        assert_eq!(
            r.define("checkout_time", MetricKind::Trend, ValueType::Time),
            id
        );
        assert!(matches!(
            r.define("checkout_time", MetricKind::Counter, ValueType::Default),
            Err(DefineError::Conflict { .. })
        ));
        assert!(matches!(
            r.define("http_reqs", MetricKind::Counter, ValueType::Default),
            Err(DefineError::Conflict { builtin: true, .. })
        ));
        assert!(matches!(
            r.define("9lives", MetricKind::Counter, ValueType::Default),
            Err(DefineError::InvalidName(_))
        ));
        assert_eq!(
            r.lookup("http_req_duration"),
            Some(Builtin::HttpReqDuration.id())
        );
        // An engine-recorded metric is built-in: defined once, not
        // redefinable by a scenario, and not over a custom one.
        let cpu = r.define_builtin("volley_cpu", MetricKind::Trend, ValueType::Default);
        assert!(cpu.is_ok());
        assert_eq!(
            r.define_builtin("volley_cpu", MetricKind::Trend, ValueType::Default),
            cpu
        );
        assert!(matches!(
            r.define("volley_cpu", MetricKind::Trend, ValueType::Default),
            Err(DefineError::Conflict { builtin: true, .. })
        ));
        assert!(matches!(
            r.define_builtin("checkout_time", MetricKind::Trend, ValueType::Time),
            Err(DefineError::Conflict { builtin: false, .. })
        ));
    }
}
