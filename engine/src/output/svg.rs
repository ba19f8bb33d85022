//! Small server-side SVG charts for the HTML report (no JavaScript, no CDN).

use std::fmt::Write;

/// One line of a chart.
pub(crate) struct Line<'a> {
    pub label: &'a str,
    pub color: &'a str,
    pub points: Vec<(f64, f64)>,
}

const W: f64 = 640.0;
const H: f64 = 220.0;
const PAD_L: f64 = 56.0;
const PAD_B: f64 = 28.0;
const PAD_T: f64 = 12.0;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn tick(v: f64) -> String {
    if v.abs() >= 100.0 || v == v.trunc() {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// A stage's window on a chart over time: start and end (s) and label.
pub(crate) type Band = (f64, f64, String);

/// A line chart over time (x in seconds) with the run's stages drawn
/// behind it, and each point's value shown on hover.
pub(crate) fn line_chart_with(
    id: &str,
    title: &str,
    unit: &str,
    lines: &[Line<'_>],
    bands: &[Band],
) -> String {
    let all = lines.iter().flat_map(|l| l.points.iter());
    let x_max = all
        .clone()
        .map(|p| p.0)
        .chain(bands.iter().map(|b| b.1))
        .fold(0.0f64, f64::max)
        .max(1.0);
    // An all-zero series still gets a readable 0..1 axis.
    let y_max = all.map(|p| p.1).fold(0.0f64, f64::max).max(1.0) * 1.1;
    let sx = |x: f64| PAD_L + x / x_max * (W - PAD_L - 8.0);
    let sy = |y: f64| H - PAD_B - y / y_max * (H - PAD_B - PAD_T);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<figure class="chart" id="{id}"><figcaption>{} <small>({})</small></figcaption><svg viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-label="{}">"#,
        esc(title),
        esc(unit),
        esc(title)
    );
    for (i, (a, b, label)) in bands.iter().enumerate() {
        let (x0, x1) = (sx(a.max(0.0)), sx(b.min(x_max)));
        let fill = if i % 2 == 0 { "#f3f6fa" } else { "#ffffff" };
        let _ = write!(
            s,
            r##"<rect class="band" x="{x0:.1}" y="{PAD_T}" width="{:.1}" height="{:.1}" fill="{fill}"><title>{}</title></rect><line x1="{x0:.1}" y1="{PAD_T}" x2="{x0:.1}" y2="{:.1}" stroke="#c9d3df" stroke-dasharray="3,3"/><text x="{:.1}" y="{:.1}" class="tick band-label">{}</text>"##,
            (x1 - x0).max(0.0),
            H - PAD_B - PAD_T,
            esc(label),
            H - PAD_B,
            x0 + 3.0,
            H - PAD_B - 4.0,
            esc(label.split(' ').next().unwrap_or_default()),
        );
    }
    for i in 0..=4 {
        let y = y_max * f64::from(i) / 4.0;
        let _ = write!(
            s,
            r##"<line x1="{PAD_L}" y1="{py:.1}" x2="{x2}" y2="{py:.1}" stroke="#ddd"/><text x="{tx}" y="{ty:.1}" class="tick" text-anchor="end">{label}</text>"##,
            py = sy(y),
            x2 = W - 8.0,
            tx = PAD_L - 6.0,
            ty = sy(y) + 4.0,
            label = tick(y),
        );
    }
    let _ = write!(
        s,
        r#"<text x="{PAD_L}" y="{}" class="tick">0s</text><text x="{}" y="{}" class="tick" text-anchor="end">{}s</text>"#,
        H - 8.0,
        W - 8.0,
        H - 8.0,
        tick(x_max),
    );
    for (i, l) in lines.iter().enumerate() {
        let pts: Vec<String> = l
            .points
            .iter()
            .map(|&(x, y)| format!("{:.1},{:.1}", sx(x), sy(y)))
            .collect();
        if !pts.is_empty() {
            let _ = write!(
                s,
                r#"<polyline class="series" data-label="{}" fill="none" stroke="{}" stroke-width="2" points="{}"/>"#,
                esc(l.label),
                l.color,
                pts.join(" ")
            );
            // Hover: each point's value.
            for &(x, y) in &l.points {
                let _ = write!(
                    s,
                    r#"<circle class="hover" cx="{:.1}" cy="{:.1}" r="4" fill="{}" fill-opacity="0"><title>{}s · {}: {} {}</title></circle>"#,
                    sx(x),
                    sy(y),
                    l.color,
                    tick(x),
                    esc(l.label),
                    tick(y),
                    esc(unit)
                );
            }
        }
        let _ = write!(
            s,
            r#"<rect x="{}" y="{}" width="10" height="10" fill="{}"/><text x="{}" y="{}" class="tick">{}</text>"#,
            W - 150.0,
            PAD_T + 14.0 * i as f64,
            l.color,
            W - 136.0,
            PAD_T + 9.0 + 14.0 * i as f64,
            esc(l.label)
        );
    }
    s.push_str("</svg></figure>");
    s
}

/// A bar chart of (label, count) buckets.
pub(crate) fn bar_chart(id: &str, title: &str, bars: &[(String, u64)]) -> String {
    let max = bars.iter().map(|b| b.1).max().unwrap_or(1).max(1) as f64;
    let n = bars.len().max(1) as f64;
    let bw = (W - PAD_L - 8.0) / n;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<figure class="chart" id="{id}"><figcaption>{}</figcaption><svg viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-label="{}">"#,
        esc(title),
        esc(title)
    );
    for (i, (label, count)) in bars.iter().enumerate() {
        let h = *count as f64 / max * (H - PAD_B - PAD_T);
        let x = PAD_L + bw * i as f64;
        let _ = write!(
            s,
            r##"<rect class="bar" x="{x:.1}" y="{:.1}" width="{:.1}" height="{h:.1}" fill="#4e79a7"><title>{} : {count}</title></rect>"##,
            H - PAD_B - h,
            (bw - 2.0).max(1.0),
            esc(label)
        );
        if i % 4 == 0 {
            let _ = write!(
                s,
                r#"<text x="{x:.1}" y="{}" class="tick">{}</text>"#,
                H - 8.0,
                esc(label)
            );
        }
    }
    let _ = write!(
        s,
        r#"<text x="{}" y="{}" class="tick" text-anchor="end">{max:.0}</text>"#,
        PAD_L - 6.0,
        PAD_T + 8.0
    );
    s.push_str("</svg></figure>");
    s
}

/// One stage on the by-stage chart.
pub(crate) struct StageBar {
    /// `1`, `2 sustained`.
    pub label: String,
    /// Its load (`0→10 VUs`).
    pub load: String,
    /// Requests per second.
    pub rps: f64,
    /// p95 (ms), if it had requests.
    pub p95: Option<f64>,
    /// p50 (ms).
    pub p50: Option<f64>,
    /// Error rate (0-1).
    pub errors: Option<f64>,
    /// A capacity step's verdict.
    pub passed: Option<bool>,
}

/// Throughput and latency by stage: a bar of requests/s per stage (left
/// axis), p50 and p95 as lines over them (right axis, ms), every value on
/// hover.
pub(crate) fn stage_chart(id: &str, title: &str, stages: &[StageBar]) -> String {
    const PAD_R: f64 = 56.0;
    let n = stages.len().max(1) as f64;
    let plot_w = W - PAD_L - PAD_R;
    let bw = plot_w / n;
    let rps_max = stages.iter().map(|s| s.rps).fold(0.0f64, f64::max).max(1.0) * 1.1;
    let ms_max = stages
        .iter()
        .filter_map(|s| s.p95)
        .fold(0.0f64, f64::max)
        .max(1.0)
        * 1.1;
    let sy = |v: f64, max: f64| H - PAD_B - v / max * (H - PAD_B - PAD_T);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<figure class="chart" id="{id}"><figcaption>{} <small>(bars: requests/s, left; lines: p50 and p95 ms, right)</small></figcaption><svg viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-label="{}">"#,
        esc(title),
        esc(title)
    );
    for i in 0..=4 {
        let f = f64::from(i) / 4.0;
        let py = sy(rps_max * f, rps_max);
        let _ = write!(
            s,
            r##"<line x1="{PAD_L}" y1="{py:.1}" x2="{:.1}" y2="{py:.1}" stroke="#eee"/><text x="{:.1}" y="{:.1}" class="tick" text-anchor="end">{}</text><text x="{:.1}" y="{:.1}" class="tick">{}</text>"##,
            W - PAD_R,
            PAD_L - 6.0,
            py + 4.0,
            tick(rps_max * f),
            W - PAD_R + 6.0,
            py + 4.0,
            tick(ms_max * f),
        );
    }
    let mut p95 = Vec::new();
    let mut p50 = Vec::new();
    for (i, st) in stages.iter().enumerate() {
        let x = PAD_L + bw * i as f64;
        let h = st.rps / rps_max * (H - PAD_B - PAD_T);
        let fill = match st.passed {
            Some(false) => "#e8a39c",
            Some(true) => "#8cc084",
            None => "#a9c4e0",
        };
        let mut tip = format!("stage {} · {} · {:.1} req/s", st.label, st.load, st.rps);
        if let Some(v) = st.p50 {
            let _ = write!(tip, " · p50 {v:.1} ms");
        }
        if let Some(v) = st.p95 {
            let _ = write!(tip, " · p95 {v:.1} ms");
        }
        if let Some(e) = st.errors {
            let _ = write!(tip, " · errors {:.2}%", e * 100.0);
        }
        if let Some(ok) = st.passed {
            tip.push_str(if ok { " · passed" } else { " · failed" });
        }
        let _ = write!(
            s,
            r#"<rect class="bar" x="{:.1}" y="{:.1}" width="{:.1}" height="{h:.1}" fill="{fill}"><title>{}</title></rect>"#,
            x + bw * 0.15,
            H - PAD_B - h,
            (bw * 0.7).max(1.0),
            esc(&tip)
        );
        if stages.len() <= 24 || i % (stages.len() / 12).max(1) == 0 {
            let _ = write!(
                s,
                r#"<text x="{:.1}" y="{}" class="tick" text-anchor="middle">{}</text>"#,
                x + bw / 2.0,
                H - 8.0,
                esc(st.label.split(' ').next().unwrap_or_default())
            );
        }
        let cx = x + bw / 2.0;
        if let Some(v) = st.p95 {
            p95.push((cx, sy(v, ms_max), tip.clone()));
        }
        if let Some(v) = st.p50 {
            p50.push((cx, sy(v, ms_max), tip));
        }
    }
    for (pts, color, label) in [(&p50, "#4e79a7", "p50"), (&p95, "#f28e2b", "p95")] {
        if pts.is_empty() {
            continue;
        }
        let list: Vec<String> = pts
            .iter()
            .map(|(x, y, _)| format!("{x:.1},{y:.1}"))
            .collect();
        let _ = write!(
            s,
            r#"<polyline class="series" data-label="{label}" fill="none" stroke="{color}" stroke-width="2" points="{}"/>"#,
            list.join(" ")
        );
        for (x, y, tip) in pts.iter() {
            let _ = write!(
                s,
                r#"<circle class="hover" cx="{x:.1}" cy="{y:.1}" r="4" fill="{color}"><title>{}</title></circle>"#,
                esc(tip)
            );
        }
    }
    for (i, (label, color)) in [
        ("requests/s", "#a9c4e0"),
        ("p50", "#4e79a7"),
        ("p95", "#f28e2b"),
    ]
    .iter()
    .enumerate()
    {
        let _ = write!(
            s,
            r#"<rect x="{}" y="{}" width="10" height="10" fill="{color}"/><text x="{}" y="{}" class="tick">{label}</text>"#,
            PAD_L + 8.0 + 90.0 * i as f64,
            PAD_T,
            PAD_L + 22.0 + 90.0 * i as f64,
            PAD_T + 9.0,
        );
    }
    s.push_str("</svg></figure>");
    s
}
