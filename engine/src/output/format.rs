//! Number formatting as k6's summary does it: durations from ns to hours,
//! SI data sizes, rates and percentages.

/// A time value given in milliseconds: `0s`, `512ns`, `22.71µs`,
/// `189.81ms`, `2.06s`, `1m2s`, `1h2m3s`.
pub fn duration_ms(ms: f64) -> String {
    if !ms.is_finite() {
        return "-".to_string();
    }
    let ns = ms * 1e6;
    if ns.abs() < 0.5 {
        return "0s".to_string();
    }
    if ns.abs() < 1_000.0 {
        return format!("{}ns", trim(ns, 0));
    }
    if ns.abs() < 1e6 {
        return format!("{}µs", trim(ns / 1e3, 2));
    }
    if ms.abs() < 1_000.0 {
        return format!("{}ms", trim(ms, 2));
    }
    let secs = ms / 1000.0;
    if secs.abs() < 60.0 {
        return format!("{}s", trim(secs, 2));
    }
    let total = secs.round() as u64;
    let (h, m, s) = (total / 3600, (total % 3600) / 60, total % 60);
    if h > 0 {
        format!("{h}h{m}m{s}s")
    } else {
        format!("{m}m{s}s")
    }
}

/// A number with at most `decimals` decimals, trailing zeros removed.
pub fn trim(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A byte count in SI units, as k6: `512 B`, `23 kB`, `1.2 MB`.
pub fn bytes(v: f64) -> String {
    const UNITS: [&str; 6] = ["B", "kB", "MB", "GB", "TB", "PB"];
    let mut v = v;
    let mut unit = 0;
    while v.abs() >= 1000.0 && unit < UNITS.len() - 1 {
        v /= 1000.0;
        unit += 1;
    }
    if unit == 0 || v >= 10.0 {
        format!("{:.0} {}", v, UNITS[unit])
    } else {
        format!("{:.1} {}", v, UNITS[unit])
    }
}

/// A plain value: integers without decimals, others with up to 6.
pub fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        trim(v, 6)
    }
}

/// A share as a percentage with two decimals: `99.50%`.
pub fn percent(share: f64) -> String {
    format!("{:.2}%", share * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_like_k6() {
        assert_eq!(duration_ms(0.0), "0s");
        assert_eq!(duration_ms(0.000512), "512ns");
        assert_eq!(duration_ms(0.02271), "22.71µs");
        assert_eq!(duration_ms(189.814), "189.81ms");
        assert_eq!(duration_ms(100.0), "100ms");
        assert_eq!(duration_ms(2060.0), "2.06s");
        assert_eq!(duration_ms(62_000.0), "1m2s");
        assert_eq!(duration_ms(3_723_000.0), "1h2m3s");
    }

    #[test]
    fn sizes_numbers_percentages() {
        assert_eq!(bytes(512.0), "512 B");
        assert_eq!(bytes(23_400.0), "23 kB");
        assert_eq!(bytes(1_234_567.0), "1.2 MB");
        assert_eq!(number(10.0), "10");
        assert_eq!(number(1.5), "1.5");
        assert_eq!(percent(0.995), "99.50%");
    }
}
