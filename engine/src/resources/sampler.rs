//! The sampling task: every 100 ms it notes how late its timer fired (the
//! engine's runtime being starved shows there first), and every second it
//! reads Volley's own process and each local target, records their CPU and
//! memory, and feeds the saturation detector.
//!
//! The reads are a few small procfs and cgroupfs files, which the kernel
//! answers from memory in microseconds, so they run on the task itself.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::cgroup::Cgroup;
use super::proc::{CpuMeter, Proc};
use super::saturation::Second;
use super::{Reading, Saturation};
use crate::metrics::{MetricId, MetricKind, SampleBuffer, Store, TagSet};

/// How often the timer lag is measured.
const TICK: Duration = Duration::from_millis(100);
/// How often targets are sampled.
const EVERY: Duration = Duration::from_secs(1);
/// A last partial interval shorter than this is not sampled at the end
/// (a CPU percent over a few milliseconds is noise).
const MIN_LAST: Duration = Duration::from_millis(250);

/// Where a local target is read.
#[derive(Debug)]
pub(super) enum Source {
    /// A process in a procfs tree (`self` for Volley).
    Process(Proc, String),
    /// A cgroup v2 directory.
    Cgroup(Cgroup),
}

/// A target read from this machine, with its metrics and CPU meter.
#[derive(Debug)]
pub(super) struct Local {
    source: Source,
    label: String,
    tags: TagSet,
    cpu: MetricId,
    memory: MetricId,
    meter: CpuMeter,
    failed: bool,
}

impl Local {
    /// A target whose samples go to `cpu` and `memory`, tagged `tags`.
    pub(super) fn new(
        source: Source,
        label: String,
        tags: TagSet,
        cpu: MetricId,
        memory: MetricId,
    ) -> Local {
        Local {
            source,
            label,
            tags,
            cpu,
            memory,
            meter: CpuMeter::default(),
            failed: false,
        }
    }

    /// One reading.
    pub(super) fn read(&self) -> std::io::Result<Reading> {
        match &self.source {
            Source::Process(proc, pid) => proc.read(pid),
            Source::Cgroup(cg) => cg.read(),
        }
    }

    /// Read and record into `buf` (None: only set the CPU baseline).
    /// Returns the CPU percent since the previous reading.
    fn sample(&mut self, buf: Option<&mut SampleBuffer>) -> Option<f64> {
        let reading = match self.read() {
            Ok(r) => r,
            Err(e) => {
                if !self.failed {
                    self.failed = true;
                    crate::log::warn(&format!(
                        "--monitor: target {} can no longer be read ({e}); it may have exited, \
                         its samples stop here",
                        self.label
                    ));
                }
                return None;
            }
        };
        let percent = reading
            .cpu
            .and_then(|cpu| self.meter.sample(cpu, std::time::Instant::now()));
        if let Some(buf) = buf {
            if let Some(p) = percent {
                buf.custom(self.cpu, MetricKind::Trend, p, self.tags.clone());
            }
            if let Some(m) = reading.memory {
                buf.custom(self.memory, MetricKind::Trend, m as f64, self.tags.clone());
            }
        }
        percent
    }
}

/// Sample `me` (Volley) and `locals` every second until `done`; the
/// detector comes back at the end.
pub(super) fn spawn(
    mut me: Local,
    mut locals: Vec<Local>,
    store: Arc<Store>,
    mut saturation: Saturation,
    mut done: watch::Receiver<bool>,
) -> JoinHandle<Saturation> {
    tokio::spawn(async move {
        let mut buf = store.buffer(0);
        // Baselines: CPU percent is a difference of two readings.
        me.sample(None);
        for l in &mut locals {
            l.sample(None);
        }
        let mut last_sample = Instant::now();
        let mut deadline = last_sample + TICK;
        let mut worst_lag = Duration::ZERO;
        let mut queued = crate::scenario::runtime::queued_time();
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => {}
                _ = done.changed() => break,
            }
            let now = Instant::now();
            worst_lag = worst_lag.max(now.saturating_duration_since(deadline));
            // After a long stall, start the cadence afresh instead of
            // firing the missed ticks back to back.
            deadline += TICK;
            if deadline <= now {
                deadline = now + TICK;
            }
            if now.saturating_duration_since(last_sample) + TICK / 2 < EVERY {
                continue;
            }
            let span = now.saturating_duration_since(last_sample);
            last_sample = now;
            let cpu = me.sample(Some(&mut buf));
            for l in &mut locals {
                l.sample(Some(&mut buf));
            }
            buf.flush();
            // VU-seconds spent waiting for a worker, per second: the
            // average number of VUs waiting.
            let queued_now = crate::scenario::runtime::queued_time();
            let waiting =
                queued_now.saturating_sub(queued).as_secs_f64() / span.as_secs_f64().max(0.1);
            queued = queued_now;
            let second = Second {
                cpu,
                lag: worst_lag,
                queued: waiting,
            };
            if let Some(warning) = saturation.second(second) {
                crate::log::warn(&warning);
            }
            worst_lag = Duration::ZERO;
        }
        // The end of the load, unless the last second was just sampled.
        if last_sample.elapsed() >= MIN_LAST {
            me.sample(Some(&mut buf));
            for l in &mut locals {
                l.sample(Some(&mut buf));
            }
        }
        buf.flush();
        saturation
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{Registry, Sink, ValueType};

    /// The task on a real runtime, reading this test process: a busy
    /// thread shows as CPU, samples land in the store once a second.
    #[test]
    fn samples_this_process_every_second() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let registry = Arc::new(Registry::new());
        let cpu = registry
            .define_builtin("volley_cpu", MetricKind::Trend, ValueType::Default)
            .expect("cpu");
        let mem = registry
            .define_builtin("volley_memory", MetricKind::Trend, ValueType::Data)
            .expect("memory");
        let store = Store::new(registry, 1);
        let me = Local::new(
            Source::Process(Proc::system(), "self".into()),
            "volley".into(),
            TagSet::empty(),
            cpu,
            mem,
        );
        let (tx, rx) = watch::channel(false);
        // This process's CPU over the same window, read independently.
        let cpu0 = Proc::system().cpu_time("self").expect("own CPU");
        let wall0 = std::time::Instant::now();
        let task = {
            let _guard = rt.enter();
            spawn(me, Vec::new(), store.clone(), Saturation::new(64), rx)
        };
        // Spin this thread for 2.5 s (bounded): up to one core busy.
        let until = std::time::Instant::now() + Duration::from_millis(2500);
        let mut x = 0u64;
        while std::time::Instant::now() < until {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        let _ = tx.send(true);
        let saturation = rt.block_on(task).expect("sampler");
        let cpu = Proc::system().cpu_time("self").expect("own CPU") - cpu0;
        let mean = cpu.as_secs_f64() / wall0.elapsed().as_secs_f64() * 100.0;
        assert!(
            saturation.verdict().is_none(),
            "64 cores are not saturated by one"
        );
        let snap = store.snapshot(Duration::from_secs(3));
        let Some(Sink::Trend(t)) = snap.aggregate("volley_cpu", &[]) else {
            panic!("no volley_cpu");
        };
        // Two whole seconds and the last half second (two on a machine so
        // busy that the second one came late).
        assert!((2..=3).contains(&t.count()), "{} samples", t.count());
        // The busiest second is at least the mean (give or take a clock
        // tick), and a spinning thread shows even on a loaded machine.
        assert!(t.max() + 2.0 >= mean, "max {} < mean {mean}", t.max());
        assert!(t.max() > 10.0, "a spinning thread: {}", t.max());
        let Some(Sink::Trend(m)) = snap.aggregate("volley_memory", &[]) else {
            panic!("no volley_memory");
        };
        assert!(m.min() > 1e6, "resident memory {}", m.min());
    }
}
