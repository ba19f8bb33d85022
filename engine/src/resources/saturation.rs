//! Is the load generator itself the bottleneck? Three signs, judged every
//! second: its own CPU near all the cores it may use; VUs whose scenario
//! code computes queueing for the worker threads (on average one or more
//! of them waiting, yielded at a time slice: the VUs get less CPU than
//! they ask for, which a machine shared with other busy processes shows
//! even below the CPU share); and its runtime's timers firing late (a
//! 100 ms tick measured in the sampler task: tasks wait for a thread, and
//! so do the VUs' requests). Any one for a few seconds in a row means the
//! run was shaped by Volley's CPU, not only by the target.

use std::time::Duration;

/// Share of the usable cores above which the generator counts as busy.
pub const CPU_SHARE: f64 = 0.9;
/// A second whose worst tick came this late counts as lagging.
pub const LAG_LIMIT: Duration = Duration::from_millis(50);
/// VUs waiting for a worker thread, on average over a second, from which
/// the second counts as queued.
pub const QUEUE_LIMIT: f64 = 1.0;
/// Seconds in a row of either sign before it is called saturation.
pub const SUSTAINED: u32 = 3;

/// What to do about it, in every message.
const ADVICE: &str = "the tool, not the target, may have been the bottleneck: \
                      use fewer VUs, give volley more cores, or split the run over machines with --segment";

/// One sign, counted over the run.
#[derive(Debug, Default, Clone)]
struct Sign {
    /// Seconds in a row so far.
    run: u32,
    /// Seconds that count toward saturation: those of runs of at least
    /// [`SUSTAINED`] seconds.
    sustained: u32,
    /// Whether it was ever sustained.
    seen: bool,
}

impl Sign {
    /// Count a second; true when this second makes it sustained for the
    /// first time.
    fn second(&mut self, on: bool) -> bool {
        if !on {
            self.run = 0;
            return false;
        }
        self.run += 1;
        if self.run == SUSTAINED {
            self.sustained += SUSTAINED;
        } else if self.run > SUSTAINED {
            self.sustained += 1;
        }
        let first = self.run >= SUSTAINED && !self.seen;
        self.seen |= self.run >= SUSTAINED;
        first
    }
}

/// The detector, fed one second at a time.
#[derive(Debug, Clone)]
pub struct Saturation {
    cores: usize,
    cpu: Sign,
    lag: Sign,
    queue: Sign,
    peak_cpu: f64,
    worst_lag: Duration,
    peak_queue: f64,
}

/// What the sampler measured in one second.
#[derive(Debug, Clone, Copy, Default)]
pub struct Second {
    /// The generator's CPU in percent of one core (None when unreadable).
    pub cpu: Option<f64>,
    /// The worst lag of the sampler's timer.
    pub lag: Duration,
    /// VUs waiting for a worker thread, on average.
    pub queued: f64,
}

impl Saturation {
    /// A detector for a generator that may use `cores` cores.
    pub fn new(cores: usize) -> Saturation {
        Saturation {
            cores: cores.max(1),
            cpu: Sign::default(),
            lag: Sign::default(),
            queue: Sign::default(),
            peak_cpu: 0.0,
            worst_lag: Duration::ZERO,
            peak_queue: 0.0,
        }
    }

    /// The cores the generator may use.
    pub fn cores(&self) -> usize {
        self.cores
    }

    fn cpu_limit(&self) -> f64 {
        CPU_SHARE * 100.0 * self.cores as f64
    }

    /// Count one second. Returns the warning to print when a sign becomes
    /// sustained for the first time.
    pub fn second(&mut self, s: Second) -> Option<String> {
        let Second { cpu, lag, queued } = s;
        let busy = cpu.is_some_and(|c| c >= self.cpu_limit());
        if let Some(c) = cpu.filter(|_| busy) {
            self.peak_cpu = self.peak_cpu.max(c);
        }
        let late = lag >= LAG_LIMIT;
        if late {
            self.worst_lag = self.worst_lag.max(lag);
        }
        let queueing = queued >= QUEUE_LIMIT;
        if queueing {
            self.peak_queue = self.peak_queue.max(queued);
        }
        let cpu_now = self.cpu.second(busy);
        let queue_now = self.queue.second(queueing);
        let lag_now = self.lag.second(late);
        let cores = self.plural_cores();
        if cpu_now {
            return Some(format!(
                "the load generator is saturated: its CPU has been above {:.0}% of the {cores} it may use \
                 for {SUSTAINED} s (volley_cpu {:.0}%); {ADVICE}",
                CPU_SHARE * 100.0,
                cpu.unwrap_or(0.0),
            ));
        }
        if queue_now {
            return Some(format!(
                "the load generator is saturated: its VUs have queued for a worker thread for \
                 {SUSTAINED} s (now {queued:.1} waiting on average), so they get less CPU than their \
                 scenario code asks for; {ADVICE}"
            ));
        }
        if lag_now {
            return Some(format!(
                "the load generator is starved: its scheduler has run {} ms or more late for {SUSTAINED} s \
                 (now {} ms); {ADVICE}",
                LAG_LIMIT.as_millis(),
                lag.as_millis(),
            ));
        }
        None
    }

    fn plural_cores(&self) -> String {
        match self.cores {
            1 => "1 core".into(),
            n => format!("{n} cores"),
        }
    }

    /// The summary's line, when the generator was saturated at some point.
    pub fn verdict(&self) -> Option<String> {
        let mut signs = Vec::new();
        if self.cpu.seen {
            signs.push(format!(
                "its CPU was above {:.0}% of the {} it may use for {} s (peak {:.0}%)",
                CPU_SHARE * 100.0,
                self.plural_cores(),
                self.cpu.sustained,
                self.peak_cpu
            ));
        }
        if self.queue.seen {
            signs.push(format!(
                "its VUs queued for a worker thread for {} s (at worst {:.1} waiting on average)",
                self.queue.sustained, self.peak_queue
            ));
        }
        if self.lag.seen {
            signs.push(format!(
                "its scheduler ran {} ms or more late for {} s (worst {} ms)",
                LAG_LIMIT.as_millis(),
                self.lag.sustained,
                self.worst_lag.as_millis()
            ));
        }
        (!signs.is_empty()).then(|| {
            format!(
                "the load generator was saturated: {}; {ADVICE}",
                signs.join(", and ")
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: Duration = Duration::from_millis(2);

    fn feed(s: &mut Saturation, seconds: &[(f64, u64)]) -> Vec<String> {
        seconds
            .iter()
            .filter_map(|&(cpu, lag_ms)| {
                s.second(Second {
                    cpu: Some(cpu),
                    lag: Duration::from_millis(lag_ms),
                    queued: 0.0,
                })
            })
            .collect()
    }

    #[test]
    fn vus_queueing_for_the_cpu_is_saturation_below_the_cpu_share() {
        // A machine shared with other busy processes: Volley gets 140% of
        // 2 cores, and its computing VUs wait for a worker thread.
        let mut s = Saturation::new(2);
        let second = |queued| Second {
            cpu: Some(140.0),
            lag: OK,
            queued,
        };
        let warnings: Vec<_> = [0.4, 0.9, 2.0, 18.0, 0.2]
            .into_iter()
            .filter_map(|q| s.second(second(q)))
            .collect();
        assert!(warnings.is_empty(), "not three seconds yet: {warnings:?}");
        let warnings: Vec<_> = [12.0, 3.0]
            .into_iter()
            .filter_map(|q| s.second(second(q)))
            .collect();
        assert_eq!(warnings.len(), 0);
        let warning = s.second(second(1.0)).expect("the third second warns");
        assert!(warning.contains("queued for a worker thread"), "{warning}");
        assert!(warning.contains("now 1.0 waiting"), "{warning}");
        let verdict = s.verdict().expect("saturated");
        assert!(
            verdict.contains("for 3 s (at worst 18.0 waiting"),
            "{verdict}"
        );
        assert!(!verdict.contains("CPU was above"), "{verdict}");
    }

    #[test]
    fn a_busy_cpu_must_last_a_few_seconds() {
        let mut s = Saturation::new(2);
        // 185% of 2 cores is above 90% of them, but two seconds are a blip.
        let warnings = feed(&mut s, &[(185.0, 1), (190.0, 1), (40.0, 1), (185.0, 1)]);
        assert!(warnings.is_empty() && s.verdict().is_none(), "{warnings:?}");
        // Four seconds in a row: warned once, at the third.
        let warnings = feed(&mut s, &[(181.0, 1), (195.0, 1), (199.0, 1), (60.0, 1)]);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains("above 90% of the 2 cores"),
            "{}",
            warnings[0]
        );
        assert!(warnings[0].contains("--segment"), "{}", warnings[0]);
        // The run of 185, 181, 195, 199 counts 4 s; a second run warns no more.
        assert!(feed(&mut s, &[(190.0, 1), (190.0, 1), (190.0, 1)]).is_empty());
        let verdict = s.verdict().expect("saturated");
        assert!(verdict.contains("for 7 s (peak 199%)"), "{verdict}");
        assert!(verdict.contains("fewer VUs"), "{verdict}");
    }

    #[test]
    fn below_the_share_of_the_cores_is_fine() {
        let mut s = Saturation::new(4);
        // 350% on 4 cores is below 360%.
        assert!(feed(&mut s, &[(350.0, 3); 10]).is_empty());
        assert!(s.verdict().is_none());
        // Unreadable CPU never counts as busy.
        for _ in 0..5 {
            let unreadable = Second {
                cpu: None,
                lag: OK,
                queued: 0.0,
            };
            assert!(s.second(unreadable).is_none());
        }
        assert!(s.verdict().is_none());
    }

    #[test]
    fn a_starved_scheduler_is_saturation_too() {
        let mut s = Saturation::new(8);
        let warnings = feed(
            &mut s,
            &[(100.0, 60), (100.0, 80), (100.0, 250), (100.0, 10)],
        );
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("scheduler") && warnings[0].contains("now 250 ms"));
        let verdict = s.verdict().expect("starved");
        assert!(verdict.contains("late for 3 s (worst 250 ms)"), "{verdict}");
        assert!(!verdict.contains("CPU was above"), "{verdict}");
    }

    #[test]
    fn one_core_reads_well() {
        let mut s = Saturation::new(1);
        feed(&mut s, &[(95.0, 1); 3]);
        let verdict = s.verdict().expect("saturated");
        assert!(
            verdict.contains("of the 1 core it may use for 3 s"),
            "{verdict}"
        );
    }
}
