//! A busy guest cannot starve the other VUs or add to their measured
//! latency: the hostile fixture's `half_busy` mode, run by the real binary
//! against the demo target.

use crate::support::{Target, hostile, metric, temp_file, volley_run};

/// The well-behaved VUs' request count and p95 `http_req_duration` (ms) in
/// a 4-VU, 5 s `half_busy` run whose odd VUs busy-loop `busy_ms` of CPU
/// per iteration (0: they sleep instead); the server's count must equal
/// `http_reqs`.
fn well_behaved(t: &Target, busy_ms: u32) -> (f64, f64) {
    let config = temp_file(
        "thresholds.json",
        r#"{"thresholds": {
            "http_req_duration{vu:well}": ["p(95)<60000"],
            "http_reqs{vu:well}": ["count>0"]
        }}"#,
    );
    let config = config.to_str().unwrap_or_default();
    let busy = format!("BUSY_MS={busy_ms}");
    let before = t.stats().requests;
    let base = format!("BASE_URL={}", t.url);
    let run = volley_run(
        &hostile(),
        &[
            "-e",
            &base,
            "-e",
            "HOSTILE=half_busy",
            "-e",
            &busy,
            "-q",
            "-u",
            "4",
            "-d",
            "5s",
            "-c",
            config,
        ],
    );
    run.assert_ok();
    let export = run.export.as_ref().expect("summary export");
    let reqs = metric(export, "http_reqs", "count");
    assert_eq!(
        t.stats().requests - before,
        reqs as u64,
        "the server saw every request http_reqs counts"
    );
    (
        metric(export, "http_reqs{vu:well}", "count"),
        metric(export, "http_req_duration{vu:well}", "p(95)"),
    )
}

#[test]
fn busy_guests_neither_starve_the_others_nor_add_to_their_latency() {
    // Two VUs of four loop on the CPU, 50 ms per iteration, on a machine
    // of two cores; the other two GET /health and sleep 10 ms. Before the
    // guests yielded behind the ready tasks and reads were stamped by the
    // kernel, the two well-behaved VUs made 26 requests in 8 s instead of
    // about 1,390 and their measured latency was 411 ms instead of 0.2 ms.
    // The demo target shares the two cores too (a loaded machine slows the
    // server, which is real latency): this binary runs no other test
    // beside this one, and pairs of runs (alone, then beside the busy VUs)
    // are repeated up to three times for the machine's own noise. One pair
    // must hold.
    let t = Target::start();
    let mut seen = Vec::new();
    for _ in 0..3 {
        let (alone, alone_p95) = well_behaved(&t, 0);
        let (beside, beside_p95) = well_behaved(&t, 50);
        seen.push(format!(
            "alone {alone} requests (p95 {alone_p95:.3} ms), \
             beside busy VUs {beside} (p95 {beside_p95:.3} ms)"
        ));
        if beside >= 0.8 * alone && beside_p95 <= 2.0 * alone_p95.max(0.1) {
            return;
        }
    }
    panic!(
        "busy guests slowed the well-behaved VUs by more than 20% or doubled \
         their p95: {seen:#?}"
    );
}
