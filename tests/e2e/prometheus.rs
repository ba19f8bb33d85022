//! `--out prometheus-rw`: a real Prometheus (Debian's package, started here
//! on loopback with its remote-write receiver) receives the series, and
//! querying them back gives the run's numbers.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Target, metric, tempdir};

/// A Prometheus server on loopback, stopped (by its PID) when dropped.
pub struct Prometheus {
    child: Child,
    /// Its base URL, `http://127.0.0.1:PORT`.
    pub url: String,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free loopback port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// The body of GET `url`, if it answered.
pub fn get(url: &str) -> Option<String> {
    let out = Command::new("curl")
        .args(["-s", "--max-time", "5", url])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn start_prometheus() -> Prometheus {
    start_with(|_| "global:\n  scrape_interval: 1h\nscrape_configs: []\n".into())
}

/// Start Prometheus with the configuration `config` makes for its port.
pub fn start_with(config: impl FnOnce(u16) -> String) -> Prometheus {
    let dir = tempdir();
    let port = free_port();
    let config_file = dir.join("prometheus.yml");
    std::fs::write(&config_file, config(port)).expect("config");
    let child = Command::new("prometheus")
        .arg(format!("--config.file={}", config_file.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--web.enable-remote-write-receiver")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("prometheus must be installed (scripts/test.sh installs Debian's package)");
    let p = Prometheus {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let started = Instant::now();
    while get(&format!("{}/-/ready", p.url)).is_none_or(|b| !b.contains("Ready")) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "prometheus did not become ready"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    p
}

fn query(p: &Prometheus, q: &str) -> Option<f64> {
    let body = get(&format!("{}/api/v1/query?query={q}", p.url))?;
    let v: serde_json::Value = serde_json::from_str(&body).ok()?;
    v["data"]["result"][0]["value"][1].as_str()?.parse().ok()
}

#[test]
fn prometheus_receives_the_series() {
    let prom = start_prometheus();
    let t = Target::start();
    let out = format!("prometheus-rw={}/api/v1/write", prom.url);
    let run = t.run_fixture("", &["-u", "2", "-i", "40", "--out", &out]);
    run.assert_ok();
    let reqs = metric(&run.export.expect("export"), "http_reqs", "count");
    assert_eq!(reqs, 40.0);
    let started = Instant::now();
    let got = loop {
        if let Some(v) = query(&prom, "sum(volley_http_reqs_total)") {
            break v;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "series never showed up"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(got, reqs);
    assert_eq!(query(&prom, "sum(volley_checks_rate)"), Some(1.0));
    assert!(query(&prom, "max(volley_http_req_duration_p95)").is_some_and(|v| v > 0.0));
}
