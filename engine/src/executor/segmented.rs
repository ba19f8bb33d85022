//! Executors split in execution segments, on the virtual clock: every
//! segment of a sequence run on its own adds up to the whole test: the
//! same iterations (count, and for open models the same start times), the
//! same VUs, and iteration numbers unique across the fleet.

use std::time::Duration;

use super::testing::{Harness, Report};
use super::{
    ConstantArrivalRate, ConstantVus, ExecutionTuple, Executor, PerVuIterations,
    RampingArrivalRate, RampingVus, SharedIterations,
};
use crate::config::Stage;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn tuples(sequence: &str) -> Vec<ExecutionTuple> {
    let segments: Vec<&str> = sequence.split(',').collect();
    segments
        .windows(2)
        .map(|w| {
            ExecutionTuple::parse_options(Some(&format!("{}:{}", w[0], w[1])), Some(sequence))
                .expect("a valid segment of the sequence")
        })
        .collect()
}

/// Run `exec` whole and in each segment of `sequence`; check the parts
/// against the whole and return (whole, parts).
async fn split<E: Executor>(exec: &E, sequence: &str, each: Duration) -> (Report, Vec<Report>) {
    let h = Harness::new(each);
    let whole = h.run(exec, Duration::from_secs(30)).await;
    let mut parts = Vec::new();
    for et in tuples(sequence) {
        parts.push(h.run_segment(exec, Duration::from_secs(30), &et).await);
    }
    let full = ExecutionTuple::full();
    let vus: u64 = tuples(sequence).iter().map(|t| exec.max_vus(t)).sum();
    assert_eq!(vus, exec.max_vus(&full), "VUs add up");
    let count: usize = parts.iter().map(Report::iterations).sum();
    assert_eq!(count, whole.iterations(), "iterations add up");
    // iterationInTest: unique across the fleet (as in k6, segments that
    // run fewer iterations than their stripe's share leave gaps).
    let mut global: Vec<u64> = parts
        .iter()
        .flat_map(|p| p.started.iter().map(|s| s.in_test))
        .collect();
    global.sort_unstable();
    let before = global.len();
    global.dedup();
    assert_eq!(global.len(), before, "iterationInTest repeats: {global:?}");
    // iterationInInstance: from 0 in each process.
    for p in &parts {
        let mut local: Vec<u64> = p.started.iter().map(|s| s.in_scenario).collect();
        local.sort_unstable();
        assert_eq!(local, (0..p.iterations() as u64).collect::<Vec<_>>());
    }
    (whole, parts)
}

const SEQUENCES: [&str; 3] = ["0,1/4,2/4,3/4,1", "0,1/3,1/2,1", "0,0.1,0.7,1"];

#[tokio::test(start_paused = true)]
async fn closed_models_split_vus_and_iterations() {
    for sequence in SEQUENCES {
        let shared = SharedIterations {
            vus: 7,
            iterations: 100,
            max_duration: Duration::from_secs(60),
        };
        let (whole, parts) = split(&shared, sequence, ms(10)).await;
        assert_eq!(whole.iterations(), 100);
        assert!(parts.iter().all(|p| p.iterations() > 0), "{sequence}");

        let per_vu = PerVuIterations {
            vus: 10,
            iterations: 3,
            max_duration: Duration::from_secs(60),
        };
        let (whole, _) = split(&per_vu, sequence, ms(10)).await;
        assert_eq!(whole.iterations(), 30);

        let constant = ConstantVus {
            vus: 9,
            duration: Duration::from_secs(1),
        };
        let (whole, _) = split(&constant, sequence, ms(100)).await;
        assert_eq!(whole.iterations(), 90);
    }
}

#[tokio::test(start_paused = true)]
async fn ramping_vus_split_follows_the_global_ramp() {
    let ramp = RampingVus {
        start_vus: 0,
        stages: vec![Stage::secs(2, 8), Stage::secs(2, 8), Stage::secs(2, 0)],
        graceful_ramp_down: Duration::ZERO,
    };
    for sequence in SEQUENCES {
        // 137 ms: no iteration ends on the very instant its VU is stopped.
        let (whole, parts) = split(&ramp, sequence, ms(137)).await;
        // At every moment the segments together run what the whole runs.
        for t in (0..60).map(|i| ms(i * 100 + 37)) {
            let sum: usize = parts.iter().map(|p| p.running_at(t)).sum();
            assert_eq!(sum, whole.running_at(t), "{sequence} at {t:?}");
        }
    }
}

#[tokio::test(start_paused = true)]
async fn arrival_rates_fire_the_whole_schedule_once() {
    let constant = ConstantArrivalRate {
        rate: 20,
        time_unit: Duration::from_secs(1),
        duration: Duration::from_secs(2),
        pre_allocated_vus: 10,
        max_vus: 10,
    };
    let ramping = RampingArrivalRate {
        start_rate: 5,
        time_unit: Duration::from_secs(1),
        stages: vec![Stage::secs(2, 30), Stage::secs(1, 30)],
        pre_allocated_vus: 12,
        max_vus: 12,
    };
    for sequence in SEQUENCES {
        for (whole, parts) in [
            split(&constant, sequence, ms(5)).await,
            split(&ramping, sequence, ms(5)).await,
        ] {
            let mut starts: Vec<Duration> = parts.iter().flat_map(Report::starts).collect();
            starts.sort_unstable();
            assert_eq!(
                starts,
                whole.starts(),
                "{sequence}: the same ticks, once each"
            );
            assert_eq!(whole.dropped, 0.0);
        }
    }
}
