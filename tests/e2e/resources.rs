//! `--monitor`: the CPU and memory of a target in another process (by PID,
//! by cgroup, through a real Prometheus) and of Volley itself, as metrics
//! of the run; bad specs refused before any load. Targets are real
//! processes (`volley target` spawned here and stopped by PID); every run
//! is bounded in iterations and time.

mod prometheus;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::prometheus::free_port;
use crate::support::{Run, Target, fixture, metric, temp_file, volley_run};

/// `volley target` in a process of its own.
struct TargetProcess {
    child: Child,
    url: String,
}

impl TargetProcess {
    fn start() -> TargetProcess {
        let addr = format!("127.0.0.1:{}", free_port());
        let child = Command::new(env!("CARGO_BIN_EXE_volley"))
            .args(["target", "--listen", &addr])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn volley target");
        let t = TargetProcess {
            child,
            url: format!("http://{addr}"),
        };
        let started = Instant::now();
        while !health(&addr) {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the target did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        t
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Run the fixture in `mode` against this target with more flags.
    fn run(&self, mode: &str, args: &[&str]) -> Run {
        let base = format!("BASE_URL={}", self.url);
        let mode = format!("MODE={mode}");
        let mut all = vec!["-e", base.as_str(), "-e", mode.as_str(), "-q"];
        all.extend_from_slice(args);
        volley_run(&fixture(), &all)
    }
}

impl Drop for TargetProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn health(addr: &str) -> bool {
    let Ok(mut s) = TcpStream::connect(addr) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let req = format!("GET /health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    let mut out = String::new();
    s.write_all(req.as_bytes()).is_ok()
        && s.read_to_string(&mut out).is_ok()
        && out.starts_with("HTTP/1.1 200")
}

fn export(run: &Run) -> &Value {
    run.export.as_ref().expect("summary export")
}

/// A `--config` file of thresholds.
fn thresholds(json: &str) -> PathBuf {
    temp_file("thresholds.json", &format!(r#"{{"thresholds": {json}}}"#))
}

#[test]
fn pid_monitor_sees_the_target_work_and_its_memory() {
    let target = TargetProcess::start();
    let spec = format!("pid={}", target.pid());
    let key = format!("target_cpu{{target:pid:{}}}", target.pid());

    // Idle: one request a second and a half.
    let pass = thresholds(r#"{"target_cpu": ["avg<1000"], "target_memory": ["max>1000"]}"#);
    let idle = target.run(
        "delay",
        &[
            "-e",
            "MS=1500",
            "-u",
            "1",
            "-i",
            "2",
            "-d",
            "3s",
            "--monitor",
            &spec,
            "-c",
            &pass.to_string_lossy(),
        ],
    );
    idle.assert_ok();
    let idle_cpu = metric(export(&idle), "target_cpu", "avg");

    // Load: four VUs without a pause for three seconds, with a threshold
    // on the target's CPU that must fail.
    let fail = thresholds(&format!(r#"{{"{key}": ["max<0.5"]}}"#));
    let load = target.run(
        "",
        &[
            "-u",
            "4",
            "-i",
            "1000000",
            "-d",
            "3s",
            "--monitor",
            &spec,
            "-c",
            &fail.to_string_lossy(),
        ],
    );
    assert_eq!(load.code, Some(99), "stderr: {}", load.stderr);
    let ex = export(&load);
    let load_cpu = metric(ex, "target_cpu", "avg");
    eprintln!(
        "target CPU: idle avg {idle_cpu:.1}%, load avg {load_cpu:.1}% (max {:.1}%); {} requests",
        metric(ex, "target_cpu", "max"),
        metric(ex, "http_reqs", "count")
    );
    assert!(
        load_cpu > idle_cpu + 5.0,
        "the target works harder under load: idle {idle_cpu}%, load {load_cpu}%"
    );
    assert_eq!(ex["metrics"][&key]["thresholds"]["max<0.5"], true, "{ex}");
    // Resident memory of a small server: more than a megabyte, less than two gigabytes.
    let memory = metric(ex, "target_memory", "avg");
    assert!((1e6..2e9).contains(&memory), "target memory {memory}");
    assert!(metric(ex, "volley_cpu", "max") > 0.0);
    assert!(metric(ex, "volley_memory", "avg") > 1e6);
    assert!(
        ex["load_generator"]["cores"]
            .as_u64()
            .is_some_and(|c| c >= 1),
        "{ex}"
    );
    for needle in ["█ RESOURCES", &format!("{key}...")] {
        assert!(
            load.stdout.contains(needle),
            "{needle:?} in\n{}",
            load.stdout
        );
    }
    assert!(load.stdout.contains("✗ 'max<0.5'"), "{}", load.stdout);
}

/// Where cgroup v2 is mounted (`/sys/fs/cgroup`, or `.../unified` on a
/// host with v1 controllers too).
fn cgroup2_mount() -> PathBuf {
    let info = std::fs::read_to_string("/proc/self/mountinfo").expect("mountinfo");
    info.lines()
        .find_map(|l| {
            let (left, right) = l.split_once(" - ")?;
            if right.split_whitespace().next()? != "cgroup2" {
                return None;
            }
            left.split_whitespace().nth(4).map(PathBuf::from)
        })
        .expect("a cgroup2 mount (Linux with cgroup v2)")
}

/// A cgroup made for one test, holding one process; removed when dropped
/// (after the process is gone).
struct TestCgroup {
    dir: PathBuf,
}

impl TestCgroup {
    /// Create `volley-test-*` under the mount and move `pid` into it, when
    /// this machine allows it.
    fn create(mount: &Path, pid: u32) -> Option<TestCgroup> {
        let dir = mount.join(format!("volley-test-{}", std::process::id()));
        std::fs::create_dir(&dir).ok()?;
        let cg = TestCgroup { dir };
        // A plain directory (no cgroup filesystem there) has no cgroup.procs.
        std::fs::write(cg.dir.join("cgroup.procs"), pid.to_string()).ok()?;
        Some(cg)
    }
}

impl Drop for TestCgroup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.dir);
    }
}

#[test]
fn cgroup_monitor_reads_a_cgroup() {
    let mount = cgroup2_mount();
    let target = TargetProcess::start();
    let created = TestCgroup::create(&mount, target.pid());
    let (spec, what) = match &created {
        // Relative to the mount, as a user would give it.
        Some(cg) => (
            format!(
                "cgroup={},name=api",
                cg.dir.strip_prefix(&mount).unwrap_or(&cg.dir).display()
            ),
            "a cgroup holding only the target",
        ),
        None => {
            // This test's own cgroup, as /proc/self/cgroup names it.
            let own = std::fs::read_to_string("/proc/self/cgroup").expect("/proc/self/cgroup");
            let path = own
                .lines()
                .find_map(|l| l.strip_prefix("0::"))
                .expect("a cgroup v2 line (0::PATH)");
            (format!("cgroup={path},name=api"), "the test's own cgroup")
        }
    };
    eprintln!(
        "monitoring {what}: --monitor {spec} (mount {})",
        mount.display()
    );
    let run = target.run(
        "",
        &["-u", "2", "-i", "1000000", "-d", "3s", "--monitor", &spec],
    );
    run.assert_ok();
    let ex = export(&run);
    let cpu = metric(ex, "target_cpu", "avg");
    let memory = metric(ex, "target_memory", "avg");
    eprintln!(
        "cgroup CPU avg {cpu:.1}%, memory avg {:.1} MB",
        memory / 1e6
    );
    // The target serves thousands of requests a second: some of a core.
    assert!(cpu > 5.0, "cgroup CPU {cpu}");
    assert!(memory > 1e6, "cgroup memory {memory}");
    assert!(
        run.stdout.contains("target_cpu{target:api}"),
        "{}",
        run.stdout
    );
    // The target must leave the cgroup before it can be removed.
    drop(target);
    drop(created);
}

#[test]
fn a_saturated_generator_is_reported() {
    // Twenty VUs that only compute (each iteration stopped after 500 ms of
    // CPU): they take turns on the two worker threads, so Volley's CPU is
    // all it can get (or, on a machine shared with other tests, its VUs
    // queue for the threads). Bounded: 4 s, and the iterations' CPU limit.
    let run = volley_run(
        &fixture(),
        &[
            "-e",
            "MODE=spin",
            "-u",
            "20",
            "-d",
            "4s",
            "--iteration-cpu-limit",
            "500ms",
            "-q",
        ],
    );
    run.assert_ok();
    let ex = export(&run);
    let verdict = ex["load_generator"]["saturation"]
        .as_str()
        .unwrap_or_default();
    assert!(
        verdict.starts_with("the load generator was saturated"),
        "{ex}"
    );
    assert!(verdict.contains("--segment"), "{verdict}");
    assert!(
        run.stderr.contains("WARN the load generator is"),
        "a warning during the run: {}",
        run.stderr
    );
    assert!(
        run.stdout.contains("✗ the load generator was saturated"),
        "{}",
        run.stdout
    );
}

#[test]
fn bad_monitor_specs_are_refused_before_load() {
    let target = Target::start();
    let exited = {
        let mut c = Command::new("true").spawn().expect("spawn true");
        let _ = c.wait();
        c.id()
    };
    let gone = format!("pid={exited}");
    let own = format!("pid={}", std::process::id());
    let wrong_kind = thresholds(r#"{"target_cpu": ["value<90"]}"#);
    let wrong_kind = wrong_kind.to_string_lossy();
    let no_monitor = thresholds(r#"{"target_cpu": ["avg<90"]}"#);
    let no_monitor = no_monitor.to_string_lossy();
    let cases: [(&[&str], &[&str]); 8] = [
        (
            &["--monitor", &gone],
            &[&format!("no process {exited}"), "pgrep"],
        ),
        (
            &["--monitor", "cgroup=/nonexistent/volley"],
            &["is not a directory", "/proc/PID/cgroup"],
        ),
        (
            &["--monitor", "prometheus=http://127.0.0.1:1,query=up"],
            &["cannot query http://127.0.0.1:1/api/v1/query"],
        ),
        (&["--monitor", "prometheus=ftp://h,query=up"], &["http://"]),
        (
            &["--monitor", "pid=1,colour=red"],
            &["unknown key colour=", "name="],
        ),
        (&["--monitor", "cgroup=/proc"], &["cpu.stat", "cgroup v2"]),
        (
            &["--monitor", &own, "-c", &wrong_kind],
            &["target_cpu", "avg, min, max, med or p(N)"],
        ),
        (
            &["-c", &no_monitor],
            &["no metric named \"target_cpu\"", "--monitor pid=PID"],
        ),
    ];
    for (args, needles) in cases {
        let mut all = vec!["-u", "1", "-i", "5"];
        all.extend_from_slice(args);
        let run = target.run_fixture("", &all);
        assert_eq!(run.code, Some(104), "{args:?}: stderr {}", run.stderr);
        for n in needles {
            assert!(
                run.stderr.contains(n),
                "{args:?}: {n:?} not in {}",
                run.stderr
            );
        }
    }
    assert_eq!(target.stats().requests, 0, "nothing was sent");
}
