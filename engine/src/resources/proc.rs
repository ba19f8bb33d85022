//! Processes, from procfs: CPU time (`/proc/PID/stat`, utime + stime, which
//! count every thread of the process) and resident memory
//! (`/proc/PID/status`, VmRSS). The reader takes the procfs root as a path,
//! so the parsers are tested on files written to a temporary directory.

use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::Reading;

/// A procfs tree: `/proc` on a running system.
#[derive(Debug, Clone)]
pub struct Proc {
    root: PathBuf,
    /// Clock ticks per second, the unit of utime and stime.
    ticks_per_second: u64,
}

impl Proc {
    /// The system's `/proc`.
    pub fn system() -> Proc {
        Proc::at("/proc", rustix::param::clock_ticks_per_second())
    }

    /// A procfs tree at `root`, counting CPU time in `ticks_per_second`.
    pub fn at(root: impl Into<PathBuf>, ticks_per_second: u64) -> Proc {
        Proc {
            root: root.into(),
            ticks_per_second: ticks_per_second.max(1),
        }
    }

    /// The root, for messages.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// CPU time process `pid` (a number or `self`) used so far, user and
    /// system, all threads.
    pub fn cpu_time(&self, pid: &str) -> io::Result<Duration> {
        let text = std::fs::read_to_string(self.root.join(pid).join("stat"))?;
        let ticks = parse_stat_ticks(&text).ok_or_else(|| bad_data(pid, "stat"))?;
        let tps = self.ticks_per_second;
        Ok(Duration::from_secs(ticks / tps)
            + Duration::from_nanos((ticks % tps) * 1_000_000_000 / tps))
    }

    /// Resident memory of process `pid`, in bytes.
    pub fn rss_bytes(&self, pid: &str) -> io::Result<u64> {
        let text = std::fs::read_to_string(self.root.join(pid).join("status"))?;
        parse_status_rss(&text).ok_or_else(|| bad_data(pid, "status"))
    }

    /// CPU time and memory of process `pid` in one reading.
    pub fn read(&self, pid: &str) -> io::Result<Reading> {
        Ok(Reading {
            cpu: Some(self.cpu_time(pid)?),
            memory: Some(self.rss_bytes(pid)?),
        })
    }
}

fn bad_data(pid: &str, file: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("unexpected format of /proc/{pid}/{file}"),
    )
}

/// utime + stime (fields 14 and 15) of a `/proc/PID/stat` line, in clock
/// ticks. The command name (field 2) is in parentheses and may itself hold
/// spaces and parentheses, so fields are counted from the last `)`.
pub fn parse_stat_ticks(text: &str) -> Option<u64> {
    let rest = &text[text.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    // After the name: state is field 3, so utime (14) is the 12th.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// `VmRSS:    1234 kB` of `/proc/PID/status`, in bytes. A kernel thread or
/// a zombie has no VmRSS: 0.
pub fn parse_status_rss(text: &str) -> Option<u64> {
    if !text.contains("\nVmRSS:") && text.contains("\nState:") {
        return Some(0);
    }
    let line = text.lines().find(|l| l.starts_with("VmRSS:"))?;
    let mut words = line["VmRSS:".len()..].split_whitespace();
    let n: u64 = words.next()?.parse().ok()?;
    match words.next() {
        Some("kB") | None => Some(n * 1024),
        _ => None,
    }
}

/// Turns cumulative CPU time into percent of one core over each interval
/// (as `docker stats` and `top` show it: 150% is one and a half cores).
#[derive(Debug, Default)]
pub struct CpuMeter {
    last: Option<(Duration, Instant)>,
}

impl CpuMeter {
    /// Take a cumulative reading; the percent since the previous one, or
    /// None for the first (the baseline) or a counter that went back (a
    /// process replaced under the same id).
    pub fn sample(&mut self, cpu: Duration, at: Instant) -> Option<f64> {
        let prev = self.last.replace((cpu, at));
        let (prev_cpu, prev_at) = prev?;
        let wall = at.checked_duration_since(prev_at)?.as_secs_f64();
        if wall <= 0.0 || cpu < prev_cpu {
            return None;
        }
        Some((cpu - prev_cpu).as_secs_f64() / wall * 100.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAT: &str = "4242 (my (odd) server) S 1 4242 4242 0 -1 4194560 1402 0 0 0 \
                        250 125 0 0 20 0 9 0 123456 1234567 890 18446744073709551615";

    #[test]
    fn stat_counts_user_and_system_ticks_after_the_name() {
        assert_eq!(parse_stat_ticks(STAT), Some(375));
        assert_eq!(parse_stat_ticks("1 (init) S 1"), None);
        assert_eq!(parse_stat_ticks("garbage"), None);
    }

    #[test]
    fn status_rss_in_bytes_and_zero_for_kernel_threads() {
        let status = "Name:\tserver\nState:\tS (sleeping)\nVmPeak:\t  9000 kB\nVmRSS:\t    5120 kB\nThreads:\t9\n";
        assert_eq!(parse_status_rss(status), Some(5120 * 1024));
        let kthread = "Name:\tkworker/0:1\nState:\tI (idle)\nThreads:\t1\n";
        assert_eq!(parse_status_rss(kthread), Some(0));
        assert_eq!(parse_status_rss("VmRSS:\t12 MB\n"), None);
    }

    #[test]
    fn reads_a_procfs_tree_under_any_root() {
        let root = std::env::temp_dir().join(format!("volley-proc-test-{}", std::process::id()));
        let dir = root.join("4242");
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join("stat"), STAT).expect("stat");
        std::fs::write(dir.join("status"), "Name:\tx\nVmRSS:\t2048 kB\n").expect("status");
        let proc = Proc::at(&root, 100);
        assert_eq!(
            proc.cpu_time("4242").expect("cpu"),
            Duration::from_millis(3750)
        );
        let reading = proc.read("4242").expect("reading");
        assert_eq!(reading.memory, Some(2 << 20));
        let missing = proc.read("999").expect_err("no such process");
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
        std::fs::write(dir.join("stat"), "4242 (x) S").expect("stat");
        assert_eq!(
            proc.cpu_time("4242").expect_err("short").kind(),
            io::ErrorKind::InvalidData
        );
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn cpu_meter_gives_percent_of_one_core() {
        let mut m = CpuMeter::default();
        let t0 = Instant::now();
        assert_eq!(m.sample(Duration::from_secs(10), t0), None, "baseline");
        let t1 = t0 + Duration::from_secs(2);
        let pct = m.sample(Duration::from_secs(13), t1).expect("percent");
        assert!((pct - 150.0).abs() < 1e-9, "{pct}");
        // A counter that went back (a new process with the same id) is no sample.
        assert_eq!(
            m.sample(Duration::from_secs(1), t1 + Duration::from_secs(1)),
            None
        );
        let pct = m
            .sample(Duration::from_secs(1), t1 + Duration::from_secs(2))
            .expect("after reset");
        assert_eq!(pct, 0.0);
    }

    #[test]
    fn this_process_is_readable() {
        let proc = Proc::system();
        let r = proc.read("self").expect("/proc/self");
        assert!(r.memory.is_some_and(|m| m > 1 << 20), "{r:?}");
    }
}
