//! `capacity-search`: find the highest arrival rate the target sustains
//! within the run's thresholds. Volley's own executor, with k6-style
//! options (an open model like `constant-arrival-rate`).
//!
//! The search offers a constant rate for one step, judges the step on the
//! thresholds, and picks the next rate from the verdicts so far:
//!
//! 1. **Steps up**: `startRate`, then each rate times `growth` (or plus
//!    `rateStep`), up to `maxRate`, until a step fails.
//! 2. **Refines** between the highest rate that passed and the lowest that
//!    failed, by bisection, with shorter steps (`refineDuration`), at most
//!    `refineSteps` times, until the two are within `precision` of each
//!    other.
//!
//! Between steps the executor starts nothing for up to `cooldown`, until
//! the step's iterations have ended, and flushes every VU's samples, so a
//! step is judged on everything it did and a backlog does not spill into
//! the next one. Each step is a period of the results (see
//! [`crate::stages`]), judged through the run's [`StepJudge`]; a step
//! whose schedule lost more than 1% of its iterations for want of a free VU
//! fails too (the target did not keep up, or `maxVUs` is too low). The
//! number of steps is bounded by `maxSteps`, and the run's length by
//! [`CapacitySearch::max_duration`].

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::arrival_rate;
use super::{
    ActiveGuard, ExecutionTuple, Executor, ScenarioRun, StepInfo, StepLoad, VuSource, closed,
};
use crate::config::{Fields, format_duration};
use crate::control::StopLevel;
use crate::metrics::TagSet;

/// Share of a step's iterations that may be dropped before it fails.
const MAX_DROPPED_SHARE: f64 = 0.01;

/// `capacity-search` options.
#[derive(Debug, Clone, PartialEq)]
pub struct CapacitySearch {
    /// The first step's rate, iterations per `time_unit`.
    pub start_rate: u64,
    /// The highest rate tried.
    pub max_rate: u64,
    /// The time unit of the rates (default 1s).
    pub time_unit: Duration,
    /// Each step up multiplies the rate by this (default 2), unless
    /// `rate_step` is given.
    pub growth: f64,
    /// Each step up adds this to the rate instead of multiplying.
    pub rate_step: Option<u64>,
    /// How long each step up offers its rate (default 10s).
    pub step_duration: Duration,
    /// At most this many bisection steps (default 4).
    pub refine_steps: u64,
    /// How long each bisection step lasts (default half of `step_duration`,
    /// at least 1s).
    pub refine_duration: Duration,
    /// Stop refining when the failing rate is within this share of the
    /// passing one (default 0.05).
    pub precision: f64,
    /// Longest wait between steps for the step's iterations to end
    /// (default 5s).
    pub cooldown: Duration,
    /// At most this many steps in all (default 20).
    pub max_steps: u64,
    /// VUs created before the start.
    pub pre_allocated_vus: u64,
    /// VUs it may grow to.
    pub max_vus: u64,
}

/// One step the search chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchStep {
    /// Iterations per time unit.
    pub rate: u64,
    /// How long it is offered.
    pub duration: Duration,
    /// A bisection step.
    pub refine: bool,
}

/// The search's state: the verdicts so far decide the next rate.
#[derive(Debug, Clone)]
struct Search<'a> {
    cfg: &'a CapacitySearch,
    /// Highest rate that passed.
    lo: Option<u64>,
    /// Lowest rate that failed.
    hi: Option<u64>,
    /// The last step up.
    last_up: Option<u64>,
    refined: u64,
    steps: u64,
}

impl<'a> Search<'a> {
    fn new(cfg: &'a CapacitySearch) -> Self {
        Self {
            cfg,
            lo: None,
            hi: None,
            last_up: None,
            refined: 0,
            steps: 0,
        }
    }

    fn up(&self, rate: u64) -> u64 {
        let next = match self.cfg.rate_step {
            Some(step) => rate.saturating_add(step),
            None => (rate as f64 * self.cfg.growth).round() as u64,
        };
        next.max(rate + 1).min(self.cfg.max_rate)
    }

    /// The next step, or None when the search is over.
    fn next(&self) -> Option<SearchStep> {
        if self.steps >= self.cfg.max_steps {
            return None;
        }
        let Some(hi) = self.hi else {
            // Still stepping up.
            let rate = match self.last_up {
                None => self.cfg.start_rate,
                Some(last) if last >= self.cfg.max_rate => return None,
                Some(last) => self.up(last),
            };
            return Some(SearchStep {
                rate,
                duration: self.cfg.step_duration,
                refine: false,
            });
        };
        let lo = self.lo?;
        if self.refined >= self.cfg.refine_steps
            || (hi - lo) as f64 <= self.cfg.precision * lo as f64
        {
            return None;
        }
        let mid = lo + (hi - lo) / 2;
        (mid > lo && mid < hi).then_some(SearchStep {
            rate: mid,
            duration: self.cfg.refine_duration,
            refine: true,
        })
    }

    fn record(&mut self, step: SearchStep, passed: bool) {
        self.steps += 1;
        if step.refine {
            self.refined += 1;
        } else {
            self.last_up = Some(step.rate);
        }
        if passed {
            self.lo = Some(self.lo.map_or(step.rate, |lo| lo.max(step.rate)));
        } else {
            self.hi = Some(self.hi.map_or(step.rate, |hi| hi.min(step.rate)));
        }
    }
}

/// The steps a search takes when `passes` says which rates pass: its
/// whole course without running anything.
pub fn search_steps(cfg: &CapacitySearch, passes: impl Fn(u64) -> bool) -> Vec<(SearchStep, bool)> {
    let mut search = Search::new(cfg);
    let mut out = Vec::new();
    while let Some(step) = search.next() {
        let ok = passes(step.rate);
        search.record(step, ok);
        out.push((step, ok));
    }
    out
}

/// A positive number option (`growth`, `precision`).
fn number(f: &mut Fields<'_>, key: &str) -> Option<f64> {
    let v = f.raw(key)?;
    match v.as_f64() {
        Some(n) if n.is_finite() => Some(n),
        _ => {
            f.fail(key, format!("expected a number, got {v}"));
            None
        }
    }
}

impl Executor for CapacitySearch {
    const NAME: &'static str = "capacity-search";
    const KEYS: &'static [&'static str] = &[
        "startRate",
        "maxRate",
        "timeUnit",
        "growth",
        "rateStep",
        "stepDuration",
        "refineSteps",
        "refineDuration",
        "precision",
        "cooldown",
        "maxSteps",
        "preAllocatedVUs",
        "maxVUs",
    ];

    fn parse(f: &mut Fields<'_>) -> Self {
        let start = f.u64("startRate");
        let start_rate = f
            .required("startRate", start)
            .map_or(0, |r| f.positive("startRate", r));
        let max = f.u64("maxRate");
        let max_rate = f.required("maxRate", max).unwrap_or(0);
        if max.is_some() && start.is_some() && max_rate < start_rate {
            f.fail(
                "maxRate",
                format!("{max_rate} can't be less than startRate ({start_rate})"),
            );
        }
        let growth = number(f, "growth").unwrap_or(2.0);
        if growth <= 1.0 {
            f.fail(
                "growth",
                format!("must be more than 1 (each step multiplies the rate by it), got {growth}"),
            );
        }
        let rate_step = f.u64("rateStep");
        if rate_step == Some(0) {
            f.fail("rateStep", "must be more than 0");
        }
        if rate_step.is_some() && f.raw("growth").is_some() {
            f.fail(
                "rateStep",
                "give either growth (a factor) or rateStep (an increment), not both",
            );
        }
        let step_duration = f
            .duration("stepDuration")
            .unwrap_or(Duration::from_secs(10));
        let step_duration = f.long_enough("stepDuration", Some(step_duration));
        let refine_steps = f.u64("refineSteps").unwrap_or(4);
        let refine_duration = f
            .duration("refineDuration")
            .unwrap_or((step_duration / 2).max(Duration::from_secs(1)));
        let refine_duration = f.long_enough("refineDuration", Some(refine_duration));
        let precision = number(f, "precision").unwrap_or(0.05);
        if !(0.0..1.0).contains(&precision) {
            f.fail(
                "precision",
                format!(
                    "must be at least 0 and less than 1 (a share such as 0.05), got {precision}"
                ),
            );
        }
        let cooldown = f.duration("cooldown").unwrap_or(Duration::from_secs(5));
        let max_steps = f.u64("maxSteps").unwrap_or(20);
        let max_steps = f.positive("maxSteps", max_steps);
        let (pre_allocated_vus, max_vus) = arrival_rate::vu_pool(f);
        CapacitySearch {
            start_rate,
            max_rate,
            time_unit: arrival_rate::time_unit(f),
            growth,
            rate_step,
            step_duration,
            refine_steps,
            refine_duration,
            precision,
            cooldown,
            max_steps,
            pre_allocated_vus,
            max_vus,
        }
    }

    fn describe(&self, _et: &ExecutionTuple) -> String {
        let up = match self.rate_step {
            Some(step) => format!("+{step}"),
            None => format!("×{}", self.growth),
        };
        format!(
            "capacity search from {} to {} iterations/{} ({up} per {} step, up to {} refinements; maxVUs: {}, preAllocatedVUs: {})",
            self.start_rate,
            self.max_rate,
            format_duration(self.time_unit),
            format_duration(self.step_duration),
            self.refine_steps,
            self.max_vus,
            self.pre_allocated_vus
        )
    }

    fn initial_vus(&self, _et: &ExecutionTuple) -> u64 {
        self.pre_allocated_vus
    }

    fn max_vus(&self, _et: &ExecutionTuple) -> u64 {
        self.max_vus.max(self.pre_allocated_vus)
    }

    /// The longest the search can take: every step up to `maxRate`, then
    /// every refinement, each followed by a full cooldown.
    fn max_duration(&self) -> Duration {
        let ups = search_steps(self, |_| true).len() as u64;
        let refines = self.refine_steps.min(self.max_steps.saturating_sub(ups));
        let ups = ups.min(self.max_steps) as u32;
        (self.step_duration + self.cooldown) * ups
            + (self.refine_duration + self.cooldown) * refines as u32
    }

    async fn run<S: VuSource>(&self, run: ScenarioRun<S>) {
        let ScenarioRun {
            state,
            source,
            vus,
            name,
            graceful_stop,
            iterations,
            et,
        } = run;
        let judge = state.step_judge().cloned();
        let (free_tx, mut free_rx) = mpsc::unbounded_channel::<S::Vu>();
        let mut allocated = vus.len() as u64;
        for vu in vus {
            let _ = free_tx.send(vu);
        }
        let growing = Arc::new(AtomicU64::new(0));
        let dropped_tags = TagSet::from_pairs([("scenario", &*name)]);
        let mut running: JoinSet<()> = JoinSet::new();
        let stop = state.stop.clone();
        let mut search = Search::new(self);
        while let Some(step) = search.next() {
            if !stop.running() {
                break;
            }
            let id = judge.as_ref().map(|j| {
                j.open(
                    &name,
                    StepInfo {
                        rate: step.rate,
                        time_unit: self.time_unit,
                        duration: step.duration,
                        refine: step.refine,
                    },
                )
            });
            // Each step is a constant-arrival-rate schedule of its own, as
            // k6 would tick it (the plan refuses a capacity search split
            // over execution segments, so `et` is the whole test).
            let ticks = crate::segment::ConstantArrivalRate {
                rate: step.rate,
                time_unit: self.time_unit,
                duration: step.duration,
                pre_allocated_vus: self.pre_allocated_vus,
                max_vus: self.max_vus(&et),
                ..Default::default()
            }
            .ticks(&et);
            let ticks = match ticks {
                Ok(ticks) => ticks,
                Err(e) => {
                    crate::log::warn(&format!("{name}: {e}"));
                    break;
                }
            };
            let begin = Instant::now();
            let mut load = StepLoad::default();
            for tick in ticks {
                if tick.offset >= step.duration {
                    break;
                }
                let intended = begin + tick.offset;
                tokio::select! {
                    _ = tokio::time::sleep_until(intended) => {}
                    _ = stop.reached(StopLevel::Graceful) => break,
                }
                load.planned += 1;
                while running.try_join_next().is_some() {}
                match free_rx.try_recv() {
                    Ok(mut vu) => {
                        let (state, source, free_tx) =
                            (state.clone(), source.clone(), free_tx.clone());
                        let ids = iterations.next();
                        running.spawn(async move {
                            let _active = ActiveGuard::new(&state);
                            if source.iterate(&mut vu, ids, intended).await {
                                let _ = free_tx.send(vu);
                            }
                        });
                    }
                    Err(_) => {
                        load.dropped += 1;
                        state.dropped_iteration(&dropped_tags);
                        if allocated < self.max_vus(&et) && growing.load(Ordering::Relaxed) == 0 {
                            allocated += 1;
                            arrival_rate::grow(&state, &source, free_tx.clone(), growing.clone());
                        }
                    }
                }
            }
            // Let the step's iterations end before judging it.
            let drained = async { while running.join_next().await.is_some() {} };
            tokio::select! {
                _ = drained => {}
                _ = tokio::time::sleep(self.cooldown) => {}
                _ = stop.reached(StopLevel::Hard) => {}
            }
            load.unfinished = running.len() as u64;
            let mut idle = Vec::new();
            while let Ok(mut vu) = free_rx.try_recv() {
                source.flush(&mut vu);
                idle.push(vu);
            }
            for vu in idle {
                let _ = free_tx.send(vu);
            }
            let passed = match (&judge, id) {
                (Some(j), Some(id)) => j.close(id, load),
                _ => load.dropped as f64 <= MAX_DROPPED_SHARE * load.planned as f64,
            };
            search.record(step, passed);
        }
        drop(free_tx);
        closed::supervise(&state, graceful_stop, Instant::now(), running).await;
    }
}

/// Whether a step lost too many iterations for want of a free VU.
pub(crate) fn dropped_too_many(load: &StepLoad) -> bool {
    load.dropped as f64 > MAX_DROPPED_SHARE * load.planned as f64
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::executor::StepJudge;
    use crate::executor::testing::{Harness, errors, parse};

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    fn search(json: &str) -> CapacitySearch {
        parse::<CapacitySearch>(json)
    }

    #[test]
    fn options_defaults_and_checks() {
        let c = search(r#""startRate": 10, "maxRate": 1000, "preAllocatedVUs": 5"#);
        assert_eq!(
            c,
            CapacitySearch {
                start_rate: 10,
                max_rate: 1000,
                time_unit: secs(1),
                growth: 2.0,
                rate_step: None,
                step_duration: secs(10),
                refine_steps: 4,
                refine_duration: secs(5),
                precision: 0.05,
                cooldown: secs(5),
                max_steps: 20,
                pre_allocated_vus: 5,
                max_vus: 5,
            }
        );
        assert_eq!(
            errors::<CapacitySearch>(
                r#""maxRate": 5, "startRate": 10, "growth": 1, "precision": 2, "preAllocatedVUs": 1, "stepDuration": "500ms", "maxSteps": 0"#
            ),
            [
                "options.scenarios.s.maxRate: 5 can't be less than startRate (10)",
                "options.scenarios.s.growth: must be more than 1 (each step multiplies the rate by it), got 1",
                "options.scenarios.s.stepDuration: must be at least 1s, got 500ms",
                "options.scenarios.s.precision: must be at least 0 and less than 1 (a share such as 0.05), got 2",
                "options.scenarios.s.maxSteps: must be more than 0",
            ]
        );
        assert_eq!(
            errors::<CapacitySearch>(
                r#""startRate": 1, "maxRate": 5, "growth": 3, "rateStep": 2, "preAllocatedVUs": 1"#
            ),
            [
                "options.scenarios.s.rateStep: give either growth (a factor) or rateStep (an increment), not both"
            ]
        );
        assert_eq!(
            errors::<CapacitySearch>(r#""preAllocatedVUs": 1"#),
            [
                "options.scenarios.s.startRate: missing; this executor needs it",
                "options.scenarios.s.maxRate: missing; this executor needs it",
            ]
        );
    }

    #[test]
    fn steps_up_until_a_failure_then_bisects_within_precision() {
        // A target that sustains 200 iterations/s.
        let cfg = search(
            r#""startRate": 25, "maxRate": 5000, "preAllocatedVUs": 1, "stepDuration": "4s", "refineSteps": 6"#,
        );
        let steps = search_steps(&cfg, |r| r <= 200);
        let rates: Vec<(u64, bool, bool)> = steps
            .iter()
            .map(|(s, ok)| (s.rate, s.refine, *ok))
            .collect();
        assert_eq!(
            rates,
            [
                (25, false, true),
                (50, false, true),
                (100, false, true),
                (200, false, true),
                (400, false, false),
                (300, true, false),
                (250, true, false),
                (225, true, false),
                (212, true, false),
                (206, true, false),
            ]
        );
        // 206 is within 5% of 200: no more steps; refinements are shorter.
        assert!(
            steps
                .iter()
                .all(|(s, _)| s.duration == if s.refine { secs(2) } else { secs(4) })
        );
    }

    #[test]
    fn additive_steps_stop_at_max_rate_and_max_steps() {
        let cfg =
            search(r#""startRate": 100, "maxRate": 350, "rateStep": 100, "preAllocatedVUs": 1"#);
        let rates: Vec<u64> = search_steps(&cfg, |_| true)
            .iter()
            .map(|(s, _)| s.rate)
            .collect();
        assert_eq!(rates, [100, 200, 300, 350], "capped at maxRate, then over");
        let capped =
            search(r#""startRate": 1, "maxRate": 1000000, "preAllocatedVUs": 1, "maxSteps": 3"#);
        assert_eq!(search_steps(&capped, |_| true).len(), 3);
        // A first step that fails ends the search: nothing to bisect.
        assert_eq!(search_steps(&cfg, |_| false).len(), 1);
        // The bound of the run: 4 steps up and 4 refinements, each with its cooldown.
        assert_eq!(cfg.max_duration(), secs(4 * 15 + 4 * 10));
    }

    /// A step as the judge saw it: opened when, and closed with what load
    /// when.
    type Seen = (StepInfo, Duration, Option<(StepLoad, Duration)>);

    /// Opens and judges steps: passes those at or under `capacity`, and
    /// keeps what it was told.
    struct Judge {
        capacity: u64,
        seen: Mutex<Vec<Seen>>,
        t0: Instant,
    }

    impl StepJudge for Judge {
        fn open(&self, _scenario: &str, step: StepInfo) -> usize {
            let mut seen = self.seen.lock().expect("lock");
            seen.push((step, self.t0.elapsed(), None));
            seen.len() - 1
        }
        fn close(&self, id: usize, load: StepLoad) -> bool {
            let mut seen = self.seen.lock().expect("lock");
            let rate = seen[id].0.rate;
            seen[id].2 = Some((load, self.t0.elapsed()));
            rate <= self.capacity && !dropped_too_many(&load)
        }
    }

    #[tokio::test(start_paused = true)]
    async fn each_step_offers_its_rate_waits_for_its_iterations_and_is_judged() {
        // Iterations of 50 ms; 10 VUs are plenty for 80/s.
        let h = Harness::new(Duration::from_millis(50));
        let cfg = search(
            r#""startRate": 10, "maxRate": 100, "preAllocatedVUs": 10, "stepDuration": "2s", "refineDuration": "1s", "cooldown": "1s", "refineSteps": 2"#,
        );
        let judge = Arc::new(Judge {
            capacity: 50,
            seen: Mutex::new(Vec::new()),
            t0: Instant::now(),
        });
        let report = h.run_judged(&cfg, secs(30), judge.clone()).await;
        let seen = judge.seen.lock().expect("lock").clone();
        let rates: Vec<u64> = seen.iter().map(|(s, _, _)| s.rate).collect();
        assert_eq!(rates, [10, 20, 40, 80, 60, 50]);
        // Steps up last 2 s, refinements 1 s; each is judged once its last
        // iteration (50 ms) has ended, and the next opens at once.
        let mut at = Duration::ZERO;
        for (step, opened, closed) in &seen {
            let (load, closed_at) = closed.expect("judged");
            assert_eq!(*opened, at, "{step:?}");
            // k6's ticker: a whole-nanosecond period, every tick before the
            // step's end (60/s ticks every 16.666666 ms: 61 ticks in 1 s).
            let period = (step.time_unit.as_nanos() / u128::from(step.rate)) as u64;
            let planned = (step.duration.as_nanos() as u64).div_ceil(period);
            assert_eq!(load.planned, planned, "{step:?}");
            assert_eq!((load.dropped, load.unfinished), (0, 0), "{step:?}");
            let last_start = Duration::from_nanos((planned - 1) * period);
            // Timers have 1 ms resolution: a tick at 987.5 ms fires at 988.
            let expected = at + last_start + Duration::from_millis(50);
            assert!(
                closed_at >= expected && closed_at - expected <= Duration::from_millis(1),
                "{step:?}: judged at {closed_at:?}, expected {expected:?}"
            );
            at = closed_at;
        }
        let total: u64 = seen
            .iter()
            .map(|(_, _, c)| c.expect("judged").0.planned)
            .sum();
        assert_eq!(report.iterations() as u64, total);
        // The run ends with the last iteration (timers have 1 ms resolution).
        assert!(report.ended >= at && report.ended - at <= Duration::from_millis(1));
    }

    #[tokio::test(start_paused = true)]
    async fn a_step_that_runs_out_of_vus_fails_and_waits_at_most_the_cooldown() {
        // Iterations of 3 s with 2 VUs: at 10/s nearly everything is dropped,
        // and the 2 running iterations outlast the 1 s cooldown.
        let h = Harness::new(secs(3));
        let cfg = search(
            r#""startRate": 10, "maxRate": 100, "preAllocatedVUs": 2, "stepDuration": "1s", "cooldown": "1s""#,
        );
        let judge = Arc::new(Judge {
            capacity: 1000,
            seen: Mutex::new(Vec::new()),
            t0: Instant::now(),
        });
        let report = h.run_judged(&cfg, secs(30), judge.clone()).await;
        let seen = judge.seen.lock().expect("lock").clone();
        assert_eq!(seen.len(), 1, "the first step failed: {seen:?}");
        let (load, closed_at) = seen[0].2.expect("judged");
        assert_eq!(load.planned, 10);
        assert_eq!(load.dropped, 8);
        assert_eq!(load.unfinished, 2);
        // The last start at 0.9 s, then at most 1 s of cooldown.
        assert_eq!(closed_at, Duration::from_millis(1900));
        assert_eq!(report.dropped, 8.0);
        // The two still running finish within gracefulStop.
        assert_eq!(report.completed, 2);
    }
}
