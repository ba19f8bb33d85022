//! A fault profile compiled for serving: per stage (the top-level rules,
//! then each phase), the rule of every route looked up by index, with the
//! live state a rule needs (queue, buckets, breakers) built once.

use std::sync::Arc;
use std::time::Duration;

use http::{HeaderName, StatusCode};
use tokio::time::Instant;

use super::breaker::Breaker;
use super::bucket::Buckets;
use super::profile::{FaultProfile, FaultRule, Latency, SlowBody};
use super::queue::Queue;
use super::validate::ANY_ROUTE;
use crate::routes::Route;

/// An applied profile.
pub(crate) struct Plan {
    /// The profile as given, for `GET /__faults`.
    pub(crate) profile: FaultProfile,
    /// When it was applied: phases count from here.
    pub(crate) applied: Instant,
    /// The top-level rules (from 0), then one stage per phase.
    stages: Vec<Stage>,
}

struct Stage {
    after: Duration,
    /// By route index.
    rules: Vec<Option<Arc<RuleState>>>,
}

/// What a request's random draw decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Draw {
    Serve,
    Timeout,
    Reset,
    Status(StatusCode),
}

/// A rule with its live state. A default rule is shared by the routes it
/// covers, and so is its queue model (one server), while breakers are per
/// route.
pub(crate) struct RuleState {
    pub(crate) latency: Option<Latency>,
    pub(crate) queue: Option<Queue>,
    pub(crate) rate_limit: Option<(Buckets, Option<HeaderName>)>,
    pub(crate) slow_body: Option<SlowBody>,
    /// Upper ends of the draw's intervals in [0, 1), in order.
    outcomes: Vec<(f64, Draw)>,
    /// By route index, when the rule has a breaker.
    breakers: Vec<Breaker>,
}

impl Plan {
    /// Compiles a validated profile applied at `applied`.
    pub(crate) fn compile(profile: FaultProfile, applied: Instant) -> Plan {
        let mut stages = vec![Stage::compile(
            Duration::ZERO,
            profile.default.as_ref(),
            &profile.routes,
        )];
        for phase in &profile.phases {
            stages.push(Stage::compile(
                phase.after,
                phase.default.as_ref(),
                &phase.routes,
            ));
        }
        Plan {
            profile,
            applied,
            stages,
        }
    }

    /// The index of the stage in force at `now`: 0 for the top-level
    /// rules, `i + 1` for `phases[i]`.
    pub(crate) fn stage(&self, now: Instant) -> usize {
        let elapsed = now.saturating_duration_since(self.applied);
        self.stages
            .iter()
            .rposition(|stage| stage.after <= elapsed)
            .unwrap_or(0)
    }

    /// The rule for `route` at `now`, if any.
    pub(crate) fn rule(&self, route: Route, now: Instant) -> Option<&Arc<RuleState>> {
        self.stages
            .get(self.stage(now))?
            .rules
            .get(route.index())?
            .as_ref()
    }
}

impl Stage {
    fn compile(
        after: Duration,
        default: Option<&FaultRule>,
        routes: &std::collections::BTreeMap<String, FaultRule>,
    ) -> Stage {
        let default = default
            .or_else(|| routes.get(ANY_ROUTE))
            .map(|rule| Arc::new(RuleState::compile(rule)));
        let rules = Route::ALL
            .iter()
            .map(|route| match routes.get(route.key()) {
                Some(rule) => Some(Arc::new(RuleState::compile(rule))),
                None => default.clone(),
            })
            .collect();
        Stage { after, rules }
    }
}

impl RuleState {
    fn compile(rule: &FaultRule) -> RuleState {
        let mut outcomes = Vec::new();
        let mut upper = 0.0;
        let mut push = |fraction: f64, draw: Draw| {
            if fraction > 0.0 {
                upper += fraction;
                outcomes.push((upper, draw));
            }
        };
        push(rule.timeout, Draw::Timeout);
        push(rule.reset, Draw::Reset);
        for (status, fraction) in &rule.errors {
            // Validated: every key is a status from 400 to 599.
            if let Some(status) = status
                .parse()
                .ok()
                .and_then(|s| StatusCode::from_u16(s).ok())
            {
                push(*fraction, Draw::Status(status));
            }
        }
        let queue = rule
            .queue
            .map(|q| Queue::new(q.workers, Duration::from_secs_f64(q.service_ms / 1000.0)));
        let rate_limit = rule.rate_limit.as_ref().map(|limit| {
            let header = limit
                .key_header
                .as_deref()
                .and_then(|h| HeaderName::try_from(h).ok());
            (Buckets::new(limit.rate, limit.burst), header)
        });
        let breakers = rule
            .breaker
            .map(|b| {
                Route::ALL
                    .iter()
                    .map(|_| Breaker::new(b.failures, b.open_for))
                    .collect()
            })
            .unwrap_or_default();
        RuleState {
            latency: rule.latency,
            queue,
            rate_limit,
            slow_body: rule.slow_body,
            outcomes,
            breakers,
        }
    }

    /// The outcome of a uniform draw `u` in [0, 1): one draw partitions
    /// [0, 1) among timeout, reset and the error statuses, so their shares
    /// are exactly the fractions asked for.
    pub(crate) fn draw(&self, u: f64) -> Draw {
        self.outcomes
            .iter()
            .find(|(upper, _)| u < *upper)
            .map_or(Draw::Serve, |(_, draw)| *draw)
    }

    /// The breaker of `route` under this rule, if it has breakers.
    pub(crate) fn breaker(&self, route: Route) -> Option<&Breaker> {
        self.breakers.get(route.index())
    }
}

#[cfg(test)]
mod tests {
    use super::super::profile::Phase;
    use super::*;

    fn rule(json: &str) -> FaultRule {
        serde_json::from_str(json).expect("rule JSON")
    }

    #[test]
    fn draws_split_the_unit_interval() {
        let state = RuleState::compile(&rule(
            r#"{"timeout": 0.1, "reset": 0.1, "errors": {"500": 0.2, "503": 0.1}}"#,
        ));
        let at = |u| state.draw(u);
        assert_eq!(at(0.05), Draw::Timeout);
        assert_eq!(at(0.15), Draw::Reset);
        assert_eq!(at(0.35), Draw::Status(StatusCode::INTERNAL_SERVER_ERROR));
        assert_eq!(at(0.45), Draw::Status(StatusCode::SERVICE_UNAVAILABLE));
        assert_eq!(at(0.5), Draw::Serve);
    }

    #[tokio::test(start_paused = true)]
    async fn routes_override_the_default_and_phases_replace_stages() {
        let mut profile = FaultProfile {
            default: Some(rule(r#"{"reset": 1}"#)),
            ..FaultProfile::default()
        };
        profile
            .routes
            .insert("GET /health".to_owned(), rule(r#"{"timeout": 1}"#));
        profile.phases.push(Phase {
            after: Duration::from_secs(10),
            default: None,
            routes: [(
                "GET /products".to_owned(),
                rule(r#"{"errors": {"502": 1}}"#),
            )]
            .into(),
        });
        let t0 = Instant::now();
        let plan = Plan::compile(profile, t0);
        let draw = |route, at| plan.rule(route, at).map(|r| r.draw(0.5));
        assert_eq!(draw(Route::Health, t0), Some(Draw::Timeout));
        assert_eq!(draw(Route::Products, t0), Some(Draw::Reset));
        let t10 = t0 + Duration::from_secs(10);
        assert_eq!(plan.stage(t10 - Duration::from_millis(1)), 0);
        assert_eq!(plan.stage(t10), 1);
        assert_eq!(
            draw(Route::Products, t10),
            Some(Draw::Status(StatusCode::BAD_GATEWAY))
        );
        assert_eq!(draw(Route::Health, t10), None);
    }
}
