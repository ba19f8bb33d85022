//! Differential test against k6 itself: `testdata/k6_oracle.txt` holds the
//! results of k6's own functions (`NewExecutionTuple`, `GetStripedOffsets`,
//! `ScaleInt64`, `SegmentedIndex.GoTo`, `GetNewExecutionTupleFromValue`,
//! shared-iterations splits, `getRawExecutionSteps`,
//! `GetExecutionRequirements`, `getTickerPeriod`, `cal`, and the segment
//! parsers' outputs and error messages) on pseudo-random inputs, produced by
//! `tools/k6-oracle/volley_oracle_test.go` inside a k6 checkout. Every value
//! must match exactly, to the nanosecond.

use std::time::Duration;

use super::*;

fn num(s: &str) -> u64 {
    s.parse().unwrap_or_else(|_| panic!("number {s}"))
}

fn list(s: &str) -> impl Iterator<Item = &str> {
    s.split(',').filter(|p| !p.is_empty())
}

fn stages(s: &str) -> Vec<Stage> {
    list(s)
        .map(|p| {
            let (d, t) = p.split_once(':').expect("stage");
            Stage {
                duration: Duration::from_nanos(num(d)),
                target: num(t),
            }
        })
        .collect()
}

fn steps(s: &str) -> Vec<ExecutionStep> {
    list(s)
        .map(|p| {
            let f: Vec<u64> = p.split(':').map(num).collect();
            ExecutionStep {
                time_offset: Duration::from_nanos(f[0]),
                planned_vus: f[1],
                max_unplanned_vus: f[2],
            }
        })
        .collect()
}

/// Go `%q` of the ASCII inputs used: quotes around, no escapes.
fn unquote(s: &str) -> &str {
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .expect("quoted")
}

fn outcome<T: ToString>(r: Result<T, SegmentError>) -> (String, String) {
    match r {
        Ok(v) => ("OK".into(), v.to_string()),
        Err(e) => ("ERR".into(), e.to_string()),
    }
}

#[test]
fn matches_k6_outputs() {
    let table = include_str!("testdata/k6_oracle.txt");
    let mut tuples: Vec<ExecutionTuple> = Vec::new();
    let mut rvus = RampingVus::default();
    let mut rar = RampingArrivalRate::default();
    let mut checks = 0usize;
    for line in table.lines() {
        if let Some(rest) = line
            .strip_prefix("pseg\t")
            .or_else(|| line.strip_prefix("pseq\t"))
        {
            let f: Vec<&str> = rest.splitn(3, '\t').collect();
            let input = unquote(f[0]);
            let got = if line.starts_with("pseg") {
                outcome(input.parse::<ExecutionSegment>())
            } else {
                outcome(input.parse::<ExecutionSegmentSequence>())
            };
            assert_eq!(got, (f[1].to_string(), f[2].to_string()), "{line}");
            checks += 1;
            continue;
        }
        let f: Vec<&str> = line.split(' ').collect();
        let at = |i: &str| &tuples[usize::try_from(num(i)).expect("index")];
        match f[0] {
            "case" => {
                let given: ExecutionSegmentSequence = f[2].parse().expect("given");
                let filled = given.filled(&ExecutionSegment::full());
                tuples = filled
                    .segments()
                    .iter()
                    .map(|s| ExecutionTuple::new(s, &given).expect("tuple"))
                    .collect();
            }
            "seg" => {
                let t = at(f[1]);
                assert_eq!(t.segment().to_string(), f[2], "{line}");
                let offsets: Vec<u64> = list(f[5]).map(num).collect();
                let expected = StripedOffsets {
                    start: num(f[3]),
                    offsets: &offsets,
                    lcd: num(f[4]),
                };
                assert_eq!(t.striped_offsets(), expected, "{line}");
            }
            "scale" => {
                for p in list(f[2]) {
                    let (v, r) = p.split_once('=').expect("pair");
                    assert_eq!(at(f[1]).scale(num(v)), num(r), "{line}");
                }
            }
            "goto" => {
                for p in list(f[2]) {
                    let (v, r) = p.split_once('=').expect("pair");
                    let (s, u) = r.split_once('/').expect("pair");
                    assert_eq!(
                        SegmentedIndex::new(at(f[1])).go_to(num(v)),
                        (num(s), num(u)),
                        "{line}"
                    );
                }
            }
            "resplit" => match at(f[1]).resplit(num(f[2])) {
                Ok(t) => assert_eq!(
                    (t.sequence().sequence().to_string(), t.segment_index()),
                    (f[3].to_string(), num(f[4]) as usize),
                    "{line}"
                ),
                Err(_) => assert_eq!(f[3], "ERR", "{line}"),
            },
            "shared" => {
                let si = SharedIterations {
                    vus: num(f[1]),
                    iterations: num(f[2]),
                    ..SharedIterations::default()
                };
                let got: Vec<String> = tuples
                    .iter()
                    .map(|t| format!("{}/{}", si.vus(t), si.iterations(t)))
                    .collect();
                assert_eq!(got.join(","), f[3], "{line}");
            }
            "rvus" => {
                rvus = RampingVus {
                    start_vus: num(f[1]),
                    graceful_ramp_down: Duration::from_nanos(num(f[2])),
                    graceful_stop: Duration::from_nanos(num(f[3])),
                    stages: stages(f[4]),
                };
            }
            "raw0" => assert_eq!(
                rvus.raw_execution_steps(at(f[1]), false),
                steps(f[2]),
                "{line}"
            ),
            "raw1" => assert_eq!(
                rvus.raw_execution_steps(at(f[1]), true),
                steps(f[2]),
                "{line}"
            ),
            "req" => assert_eq!(rvus.execution_requirements(at(f[1])), steps(f[2]), "{line}"),
            "ticker" => {
                let car = ConstantArrivalRate {
                    rate: num(f[1]),
                    time_unit: Duration::from_nanos(num(f[2])),
                    ..ConstantArrivalRate::default()
                };
                match num(f[3]) {
                    0 => assert!(car.ticker_period().is_err(), "{line}"),
                    period => assert_eq!(
                        car.ticker_period(),
                        Ok(Duration::from_nanos(period)),
                        "{line}"
                    ),
                }
            }
            "rar" => {
                rar = RampingArrivalRate {
                    start_rate: num(f[1]),
                    time_unit: Duration::from_nanos(num(f[2])),
                    max_vus: num(f[3]),
                    stages: stages(f[4]),
                    ..RampingArrivalRate::default()
                };
            }
            "cal" if f[2] == "NOWORK" => assert!(!rar.has_work(at(f[1])), "{line}"),
            "cal" => {
                let got: Vec<u64> = rar
                    .ticks(at(f[1]))
                    .expect("work")
                    .map(|t| t.offset.as_nanos() as u64)
                    .collect();
                assert_eq!(got, list(f[2]).map(num).collect::<Vec<_>>(), "{line}");
            }
            "end" => {}
            other => panic!("unknown record {other}"),
        }
        checks += 1;
    }
    assert!(checks > 5000, "only {checks} checks");
}
