//! `ramping-vus`: the number of looping VUs follows the stages, exactly as
//! k6 plans it (`lib/executor/ramping_vus.go`).
//!
//! Two step lists drive the run. The *raw* steps say how many VUs should be
//! looping at each moment: ramping up, VU n starts when the linear ramp
//! reaches n; ramping down, a VU stops when the ramp reaches the VU below
//! it (k6 keeps it until then, so 4 → 0 over 2 s stops one VU every 0.5 s,
//! the first at 0.5 s). A VU told to stop finishes its iteration
//! (`gracefulRampDown`). The *graceful* steps say how many VUs may still be
//! running at each moment: a ramp-down's VUs are reserved for
//! `gracefulRampDown`, after which a VU still in its iteration is
//! interrupted; the last step ends everything `gracefulStop` after the
//! stages.
//!
//! Each VU is a handle the driver starts, stops gracefully or stops hard,
//! with k6's `vu_handle.go` semantics: a handle started again before its
//! iteration ended simply goes on; a hard stop interrupts the iteration.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep_until};

use super::{
    ActiveGuard, ExecutionState, ExecutionTuple, Executor, IterationNumbers, ScenarioRun, VuSource,
};
use crate::config::{Fields, Stage, format_duration};
use crate::control::StopLevel;
use crate::segment;

/// k6's sanity limit on VUs of `ramping-vus` (`maxConcurrentVUs`).
const MAX_VUS: u64 = 100_000_000;
/// k6's default `gracefulRampDown`.
const DEFAULT_GRACEFUL_RAMP_DOWN: Duration = Duration::from_secs(30);

/// `ramping-vus` options.
#[derive(Debug, Clone, PartialEq)]
pub struct RampingVus {
    /// VUs at the start (default 1).
    pub start_vus: u64,
    /// The stages.
    pub stages: Vec<Stage>,
    /// Time a VU removed by a ramp-down may finish its iteration (default 30s).
    pub graceful_ramp_down: Duration,
}

/// From `at` on, `vus` VUs (k6's `ExecutionStep`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Step {
    /// Offset from the executor's start.
    pub at: Duration,
    /// Planned VUs.
    pub vus: u64,
}

impl Executor for RampingVus {
    const NAME: &'static str = "ramping-vus";
    const KEYS: &'static [&'static str] = &["startVUs", "stages", "gracefulRampDown"];

    fn parse(f: &mut Fields<'_>) -> Self {
        let start_vus = f.u64("startVUs").unwrap_or(1);
        if start_vus > MAX_VUS {
            f.fail("startVUs", format!("exceeds the limit of {MAX_VUS} VUs"));
        }
        let none_given = f
            .raw("stages")
            .is_none_or(|v| v.as_array().is_some_and(Vec::is_empty));
        let stages = f.stages("stages").unwrap_or_default();
        if none_given {
            f.fail("stages", "at least one stage has to be specified");
        }
        for (i, stage) in stages.iter().enumerate() {
            if stage.target > MAX_VUS {
                let key = format!("stages[{i}].target");
                f.fail(&key, format!("exceeds the limit of {MAX_VUS} VUs"));
            }
        }
        let peak = stages.iter().map(|s| s.target).max().unwrap_or(0);
        if !stages.is_empty() && peak.max(start_vus) == 0 {
            f.fail(
                "stages",
                "either startVUs or one of the stages' targets must be more than 0",
            );
        }
        let graceful_ramp_down = f
            .duration("gracefulRampDown")
            .unwrap_or(DEFAULT_GRACEFUL_RAMP_DOWN);
        RampingVus {
            start_vus,
            stages,
            graceful_ramp_down,
        }
    }

    fn describe(&self, et: &ExecutionTuple) -> String {
        format!(
            "up to {} looping VUs for {} over {} stages (startVUs: {}, gracefulRampDown: {})",
            self.max_vus(et),
            format_duration(self.max_duration()),
            self.stages.len(),
            self.segmented(Duration::ZERO).start_vus(et),
            format_duration(self.graceful_ramp_down)
        )
    }

    fn max_vus(&self, et: &ExecutionTuple) -> u64 {
        // The peak of the raw plan: VUs reserved for a graceful ramp-down
        // never exceed it.
        self.raw_steps(et, false)
            .iter()
            .map(|s| s.vus)
            .max()
            .unwrap_or(0)
    }

    fn max_duration(&self) -> Duration {
        self.stages.iter().map(|s| s.duration).sum()
    }

    async fn run<S: VuSource>(&self, run: ScenarioRun<S>) {
        let raw = self.raw_steps(&run.et, true);
        let graceful = self.graceful_steps(&run.et, run.graceful_stop);
        drive(run, raw, graceful).await;
    }
}

impl RampingVus {
    /// The same options in the segment module's terms (which plans steps
    /// exactly as k6, for the whole test or one execution segment).
    fn segmented(&self, graceful_stop: Duration) -> segment::RampingVus {
        segment::RampingVus {
            start_vus: self.start_vus,
            stages: self
                .stages
                .iter()
                .map(|s| segment::Stage {
                    duration: s.duration,
                    target: s.target,
                })
                .collect(),
            graceful_ramp_down: self.graceful_ramp_down,
            graceful_stop,
        }
    }

    /// How many of this segment's VUs should be looping at each moment,
    /// graceful ramp-downs left out (k6's `getRawExecutionSteps`); with
    /// `zero_end`, a last step of 0 VUs when the stages end.
    pub(crate) fn raw_steps(&self, et: &ExecutionTuple, zero_end: bool) -> Vec<Step> {
        steps_of(
            self.segmented(Duration::ZERO)
                .raw_execution_steps(et, zero_end),
        )
    }

    /// How many may be running at each moment: the raw steps with each
    /// ramp-down held for `gracefulRampDown`, ending with 0 VUs
    /// `graceful_stop` after the stages (k6's `GetExecutionRequirements`).
    pub(crate) fn graceful_steps(&self, et: &ExecutionTuple, graceful_stop: Duration) -> Vec<Step> {
        steps_of(self.segmented(graceful_stop).execution_requirements(et))
    }
}

fn steps_of(steps: Vec<segment::ExecutionStep>) -> Vec<Step> {
    steps
        .into_iter()
        .map(|s| Step {
            at: s.time_offset,
            vus: s.planned_vus,
        })
        .collect()
}

/// What the driver asks of one VU handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Order {
    /// Loop iterations (else finish the current one and idle).
    run: bool,
    /// Bumped by each hard stop: the current iteration is interrupted.
    hard_stops: u64,
    /// The executor is over: the handle's task ends.
    done: bool,
}

/// The handles and what the driver told them.
struct Handles {
    orders: Vec<watch::Sender<Order>>,
    raw: usize,
    allowed: usize,
}

impl Handles {
    fn order(&self, i: usize, f: impl FnOnce(&mut Order)) {
        self.orders[i].send_modify(f);
    }

    /// k6's scheduled-VUs strategy: start handles up to `vus`, stop the
    /// ones above gracefully.
    fn schedule(&mut self, vus: usize) {
        while self.raw < vus {
            self.order(self.raw, |o| o.run = true);
            self.raw += 1;
        }
        while vus < self.raw {
            self.raw -= 1;
            self.order(self.raw, |o| o.run = false);
        }
    }

    /// k6's max-allowed-VUs strategy: hard-stop the handles above `vus`.
    fn allow(&mut self, vus: usize) {
        while vus < self.allowed {
            self.allowed -= 1;
            self.order(self.allowed, |o| {
                o.run = false;
                o.hard_stops += 1;
            });
        }
        self.allowed = vus;
    }

    fn all(&self, f: impl Fn(&mut Order)) {
        for o in &self.orders {
            o.send_modify(&f);
        }
    }
}

/// Run the handles through the steps (k6's `iterateSteps` and
/// `runRemainingGracefulSteps`), until the raw steps are over and every
/// handle has finished or been stopped.
async fn drive<S: VuSource>(run: ScenarioRun<S>, raw: Vec<Step>, graceful: Vec<Step>) {
    let ScenarioRun {
        state,
        source,
        vus,
        graceful_stop,
        iterations,
        ..
    } = run;
    let start = Instant::now();
    // VUs in their loop now; the executor ends when it is 0 after the raw steps.
    let (busy_tx, mut busy) = watch::channel(0usize);
    let busy_tx = Arc::new(busy_tx);
    let mut handles = Handles {
        orders: Vec::with_capacity(vus.len()),
        raw: 0,
        allowed: 0,
    };
    let mut tasks = JoinSet::new();
    for vu in vus {
        let (tx, rx) = watch::channel(Order::default());
        handles.orders.push(tx);
        tasks.spawn(handle(
            state.clone(),
            source.clone(),
            vu,
            rx,
            iterations.clone(),
            busy_tx.clone(),
        ));
    }
    let stop = state.stop.clone();
    let at = |offset: Duration| start + offset;
    let (mut i, mut j) = (0, 0);
    let mut stopped = false;
    while i < raw.len() {
        let g = graceful.get(j).copied();
        let r = raw[i];
        let (when, is_raw) = match g {
            Some(g) if g.at < r.at => (g.at, false),
            _ => (r.at, true),
        };
        tokio::select! {
            _ = sleep_until(at(when)) => {}
            _ = stop.reached(StopLevel::Graceful) => { stopped = true; break; }
        }
        if is_raw {
            handles.schedule(r.vus as usize);
            i += 1;
        } else if let Some(g) = g {
            handles.allow(g.vus as usize);
            j += 1;
        }
    }
    if stopped {
        // Ctrl-C or an abort: no new iterations; running ones get
        // gracefulStop, or end at once on a hard stop.
        handles.schedule(0);
        tokio::select! {
            _ = busy.wait_for(|n| *n == 0) => {}
            _ = stop.reached(StopLevel::Hard) => {}
            _ = tokio::time::sleep(graceful_stop) => {}
        }
        handles.allow(0);
    } else {
        // The raw steps are over: every handle was told to stop. Apply the
        // remaining graceful steps until the last VU is done.
        for g in &graceful[j..] {
            tokio::select! {
                _ = busy.wait_for(|n| *n == 0) => break,
                _ = stop.reached(StopLevel::Hard) => { handles.allow(0); break; }
                _ = sleep_until(at(g.at)) => handles.allow(g.vus as usize),
            }
        }
    }
    handles.all(|o| o.done = true);
    while tasks.join_next().await.is_some() {}
}

/// One VU's handle: loops iterations while told to run; a hard stop
/// interrupts the running iteration.
async fn handle<S: VuSource>(
    state: Arc<ExecutionState>,
    source: Arc<S>,
    mut vu: S::Vu,
    mut orders: watch::Receiver<Order>,
    iterations: Arc<IterationNumbers>,
    busy: Arc<watch::Sender<usize>>,
) {
    loop {
        if orders.wait_for(|o| o.run || o.done).await.is_err() {
            return;
        }
        if orders.borrow().done {
            return;
        }
        let _active = ActiveGuard::new(&state);
        busy.send_modify(|n| *n += 1);
        let mut alive = true;
        loop {
            let order = *orders.borrow();
            if !order.run || order.done || !state.stop.running() {
                break;
            }
            let ids = iterations.next();
            let mut cut = orders.clone();
            let hard_stop = cut.wait_for(|o| o.hard_stops != order.hard_stops || o.done);
            tokio::select! {
                ok = source.iterate(&mut vu, ids, Instant::now()) => if !ok { alive = false; break },
                _ = hard_stop => {
                    // Cut off: the source replaces the VU's instance before
                    // it runs again.
                    state.add_interrupted(1);
                }
            }
        }
        busy.send_modify(|n| *n -= 1);
        if !alive {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::executor::testing::{Harness, errors, parse};

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn steps(list: &[(u64, u64)]) -> Vec<Step> {
        list.iter()
            .map(|&(at, vus)| Step { at: secs(at), vus })
            .collect()
    }

    #[test]
    fn options_defaults_and_checks() {
        let e = parse::<RampingVus>(r#""stages": [{"duration": "10s", "target": 5}]"#);
        assert_eq!(
            e,
            RampingVus {
                start_vus: 1,
                stages: vec![Stage::secs(10, 5)],
                graceful_ramp_down: secs(30),
            }
        );
        assert_eq!(
            errors::<RampingVus>(r#""startVUs": 0, "stages": [{"duration": "1s", "target": 0}]"#),
            [
                "options.scenarios.s.stages: either startVUs or one of the stages' targets must be more than 0"
            ]
        );
        assert_eq!(
            errors::<RampingVus>(r#""stages": [{"duration": "1s", "target": 100000001}]"#),
            ["options.scenarios.s.stages[0].target: exceeds the limit of 100000000 VUs"]
        );
        assert_eq!(
            errors::<RampingVus>(r#""stages": [{"target": 1}]"#),
            ["options.scenarios.s.stages[0].duration: missing; every stage needs a duration"]
        );
    }

    /// k6's `TestRampingVUsConfigExecutionPlanExample`, whole test.
    #[test]
    fn plans_steps_exactly_as_k6() {
        let exec = RampingVus {
            start_vus: 4,
            stages: vec![
                Stage::secs(2, 6),
                Stage::secs(5, 1),
                Stage::secs(4, 5),
                Stage::secs(4, 1),
                Stage::secs(3, 4),
                Stage::secs(2, 4),
                Stage::secs(0, 1),
                Stage::secs(3, 1),
            ],
            graceful_ramp_down: secs(30),
        };
        let raw = steps(&[
            (0, 4),
            (1, 5),
            (2, 6),
            (3, 5),
            (4, 4),
            (5, 3),
            (6, 2),
            (7, 1),
            (8, 2),
            (9, 3),
            (10, 4),
            (11, 5),
            (12, 4),
            (13, 3),
            (14, 2),
            (15, 1),
            (16, 2),
            (17, 3),
            (18, 4),
            (20, 1),
        ]);
        assert_eq!(exec.raw_steps(&ExecutionTuple::full(), false), raw);
        let mut zero_end = raw.clone();
        zero_end.push(Step {
            at: secs(23),
            vus: 0,
        });
        assert_eq!(exec.raw_steps(&ExecutionTuple::full(), true), zero_end);
        let with_stop = |stop| exec.graceful_steps(&ExecutionTuple::full(), secs(stop));
        assert_eq!(
            with_stop(30),
            steps(&[(0, 4), (1, 5), (2, 6), (33, 5), (42, 4), (50, 1), (53, 0)])
        );
        assert_eq!(
            with_stop(80),
            steps(&[(0, 4), (1, 5), (2, 6), (33, 5), (42, 4), (50, 1), (103, 0)])
        );
        assert_eq!(with_stop(3), steps(&[(0, 4), (1, 5), (2, 6), (26, 0)]));
        assert_eq!(with_stop(0), steps(&[(0, 4), (1, 5), (2, 6), (23, 0)]));
        let no_ramp_down = RampingVus {
            graceful_ramp_down: Duration::ZERO,
            ..exec
        };
        assert_eq!(
            no_ramp_down.graceful_steps(&ExecutionTuple::full(), Duration::ZERO),
            zero_end
        );
    }

    #[test]
    fn a_ramp_down_stops_each_vu_when_the_ramp_reaches_the_one_below() {
        let exec = RampingVus {
            start_vus: 0,
            stages: vec![Stage::secs(2, 4), Stage::secs(2, 0)],
            graceful_ramp_down: secs(30),
        };
        let half = |n: u64| ms(500 * n);
        let expected: Vec<Step> = [
            (1, 1),
            (2, 2),
            (3, 3),
            (4, 4),
            (5, 3),
            (6, 2),
            (7, 1),
            (8, 0),
        ]
        .iter()
        .map(|&(h, vus)| Step { at: half(h), vus })
        .collect();
        let mut with_start = vec![Step {
            at: Duration::ZERO,
            vus: 0,
        }];
        with_start.extend(expected);
        assert_eq!(exec.raw_steps(&ExecutionTuple::full(), true), with_start);
    }

    #[tokio::test(start_paused = true)]
    async fn every_vu_of_a_ramp_runs_as_long_as_k6_keeps_it() {
        // 0 → 4 over 2 s, 4 → 0 over 2 s, 200 ms iterations. VU n starts at
        // n × 0.5 s and is stopped at 4 − n × 0.5 s; it finishes the
        // iteration it is in. The fourth VU runs 2.0–2.5 s.
        let h = Harness::new(ms(200));
        let exec = RampingVus {
            start_vus: 0,
            stages: vec![Stage::secs(2, 4), Stage::secs(2, 0)],
            graceful_ramp_down: secs(30),
        };
        let report = h.run(&exec, secs(30)).await;
        assert_eq!(report.per_vu(), vec![18, 13, 8, 3]);
        assert_eq!(report.interrupted, 0);
        // The last iteration (VU 0, from 3.9 s) ends at 4.1 s: so does the executor.
        assert_eq!(report.ended, ms(4100));
        assert_eq!(report.running_at(ms(2100)), 4);
        assert_eq!(report.running_at(ms(3700)), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn graceful_ramp_down_interrupts_iterations_that_run_past_it() {
        // One VU held at 1, then ramped 1 → 0 over 1 s: it is stopped at
        // 2 s, its 1.5 s iteration (started 1.5 s) is cut at 2.3 s.
        let h = Harness::new(ms(1500));
        let exec = RampingVus {
            start_vus: 1,
            stages: vec![Stage::secs(1, 1), Stage::secs(1, 0)],
            graceful_ramp_down: ms(300),
        };
        let report = h.run(&exec, secs(30)).await;
        assert_eq!(report.iterations(), 2);
        assert_eq!(report.completed, 1);
        assert_eq!(report.interrupted, 1);
        assert_eq!(report.ended, ms(2300));
    }

    #[tokio::test(start_paused = true)]
    async fn graceful_stop_cuts_what_runs_past_the_end() {
        // Constant 2 VUs for 1 s with 800 ms iterations: both start their
        // second iteration at 0.8 s; gracefulStop 100 ms cuts them at 1.1 s.
        let h = Harness::new(ms(800));
        let exec = RampingVus {
            start_vus: 2,
            stages: vec![Stage::secs(1, 2)],
            graceful_ramp_down: secs(30),
        };
        let report = h.run(&exec, ms(100)).await;
        assert_eq!(report.iterations(), 4);
        assert_eq!(report.interrupted, 2);
        assert_eq!(report.ended, ms(1100));
    }

    #[tokio::test(start_paused = true)]
    async fn a_vu_started_again_before_its_iteration_ended_goes_on() {
        // 2 → 1 → 2 within 400 ms: the second VU is told to stop at 0.2 s
        // and to start again at 0.4 s, in the middle of a 1 s iteration.
        let h = Harness::new(secs(1));
        let exec = RampingVus {
            start_vus: 2,
            stages: vec![
                Stage {
                    duration: ms(200),
                    target: 1,
                    name: None,
                },
                Stage {
                    duration: ms(200),
                    target: 2,
                    name: None,
                },
                Stage::secs(1, 2),
            ],
            graceful_ramp_down: secs(30),
        };
        let report = h.run(&exec, secs(30)).await;
        // Each VU runs 0–1 s and 1–2 s (the second starts before the end at 1.4 s).
        assert_eq!(report.per_vu(), vec![2, 2]);
        assert_eq!(report.interrupted, 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_graceful_stop_of_the_run_ends_iterations_within_graceful_stop() {
        let h = Harness::new(secs(5));
        let exec = RampingVus {
            start_vus: 3,
            stages: vec![Stage::secs(60, 3)],
            graceful_ramp_down: secs(30),
        };
        let report = h
            .run_with(&exec, secs(1), |stop| {
                tokio::spawn(async move {
                    tokio::time::sleep(secs(2)).await;
                    stop.stop(
                        crate::control::StopLevel::Graceful,
                        crate::control::StopReason::Interrupted,
                    );
                });
            })
            .await;
        assert_eq!(report.iterations(), 3);
        assert_eq!(report.interrupted, 3);
        assert_eq!(report.ended, secs(3));
    }
}
