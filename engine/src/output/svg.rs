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

/// A line chart over time (x in seconds).
pub(crate) fn line_chart(id: &str, title: &str, unit: &str, lines: &[Line<'_>]) -> String {
    let all = lines.iter().flat_map(|l| l.points.iter());
    let x_max = all.clone().map(|p| p.0).fold(0.0f64, f64::max).max(1.0);
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
