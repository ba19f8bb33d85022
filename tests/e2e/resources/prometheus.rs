//! `--monitor prometheus=`: instant queries to a real Prometheus (Debian's
//! package, scraping its own `/metrics` on loopback), and a stalled server
//! that must delay nothing else.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::export;
use crate::prometheus::start_with;
use crate::support::{Target, metric};

/// Query Prometheus's HTTP API the way a user would check it.
fn prom_value(base: &str, query: &str) -> Option<f64> {
    let out = Command::new("curl")
        .args(["-s", "--max-time", "5", "-G", "--data-urlencode"])
        .arg(format!("query={query}"))
        .arg(format!("{base}/api/v1/query"))
        .output()
        .ok()?;
    let v: Value = serde_json::from_slice(&out.stdout).ok()?;
    v["data"]["result"][0]["value"][1].as_str()?.parse().ok()
}

#[test]
fn prometheus_monitor_queries_a_real_server() {
    // Prometheus scraping its own /metrics every second.
    let prom = start_with(|port| {
        format!(
            "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: self\n    static_configs:\n      - targets: ['127.0.0.1:{port}']\n"
        )
    });
    let cpu_query = r#"rate(process_cpu_seconds_total{job="self"}[5s])"#;
    let started = Instant::now();
    // A rate needs two scrapes.
    while prom_value(&prom.url, cpu_query).is_none() {
        assert!(started.elapsed() < Duration::from_secs(30), "no scrapes");
        std::thread::sleep(Duration::from_millis(200));
    }
    let target = Target::start();
    let memory = format!(
        r#"prometheus={},query=process_resident_memory_bytes{{job="self"}},name=prom,unit=bytes"#,
        prom.url
    );
    let cpu = format!(
        "prometheus={},query={cpu_query},name=prom,unit=cores",
        prom.url
    );
    let up = format!("prometheus={}/,query=sum(up),name=up", prom.url);
    let run = target.run_fixture(
        "",
        &[
            "-u",
            "1",
            "-i",
            "100000",
            "-d",
            "3s",
            "--monitor",
            &memory,
            "--monitor",
            &cpu,
            "--monitor",
            &up,
            "--summary-trend-stats",
            "avg,max,count",
        ],
    );
    run.assert_ok();
    let ex = export(&run);
    let rss = metric(ex, "target_memory", "avg");
    let truth = prom_value(&prom.url, r#"process_resident_memory_bytes{job="self"}"#)
        .expect("Prometheus answers");
    eprintln!(
        "prometheus RSS: volley saw {:.1} MB, prometheus says {:.1} MB",
        rss / 1e6,
        truth / 1e6
    );
    assert!(
        rss > 1e6 && rss / truth > 0.5 && rss / truth < 2.0,
        "{rss} vs {truth}"
    );
    assert!(
        metric(ex, "target_memory", "count") >= 2.0,
        "a sample a second"
    );
    assert!(metric(ex, "target_cpu", "count") >= 2.0);
    assert!(metric(ex, "target_cpu", "max") >= 0.0);
    assert_eq!(metric(ex, "target_value", "avg"), 1.0, "sum(up) is 1");
    // Each series carries its labels besides the target.
    assert!(
        run.stdout.contains("target_memory{instance:")
            && run.stdout.contains("job:self,target:prom}"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("target_value{target:up}"),
        "{}",
        run.stdout
    );
}

/// A server that answers the first request as Prometheus would and then
/// never again: queries during the run hang.
fn stalling_prometheus() -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let handle = std::thread::spawn(move || {
        let mut held = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        listener.set_nonblocking(true).expect("nonblocking");
        while Instant::now() < deadline && held.len() < 50 {
            match listener.accept() {
                Ok((mut s, _)) => {
                    if held.is_empty() {
                        let mut buf = [0u8; 4096];
                        let _ = s.read(&mut buf);
                        let body = r#"{"status":"success","data":{"resultType":"scalar","result":[0,"7"]}}"#;
                        let _ = write!(
                            s,
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                            body.len()
                        );
                    }
                    held.push(s);
                }
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    });
    (url, handle)
}

#[test]
fn a_stalled_prometheus_delays_nothing() {
    let (url, _server) = stalling_prometheus();
    let target = Target::start();
    let spec = format!("prometheus={url},query=slow,name=slow");
    let started = Instant::now();
    let run = target.run_fixture(
        "",
        &[
            "-u",
            "1",
            "-i",
            "100000",
            "-d",
            "3s",
            "--monitor",
            &spec,
            "--summary-trend-stats",
            "avg,count",
        ],
    );
    let took = started.elapsed();
    run.assert_ok();
    let ex = export(&run);
    // Queries hang for their 5 s timeout, but the run ends on time and
    // Volley's own samples keep coming every second.
    assert!(took < Duration::from_secs(10), "the run took {took:?}");
    assert!(metric(ex, "volley_cpu", "count") >= 2.0, "{ex}");
    assert!(metric(ex, "http_reqs", "count") > 10.0);
    assert!(
        ex["metrics"].get("target_value").is_none(),
        "no answer, no sample: {ex}"
    );
}
