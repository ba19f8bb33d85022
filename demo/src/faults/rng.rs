//! Random draws for fault decisions: one SplitMix64 generator per thread,
//! so drawing is a few arithmetic operations with no lock and nothing
//! shared between cores.
//!
//! Not cryptographic and not reproducible across runs (threads interleave
//! requests differently every time); fault mixes are checked against
//! binomial tolerances, not exact sequences.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use super::profile::Latency;

/// SplitMix64's increment (the golden ratio in 64 bits).
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// Gives each thread's generator a different start.
static SEEDS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static STATE: Cell<u64> = Cell::new(seed());
}

fn seed() -> u64 {
    let clock = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let n = SEEDS.fetch_add(1, Ordering::Relaxed);
    mix(clock ^ n.wrapping_mul(GAMMA))
}

/// SplitMix64's output function.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The next 64 random bits of this thread's generator.
pub(crate) fn next_u64() -> u64 {
    STATE.with(|state| {
        let next = state.get().wrapping_add(GAMMA);
        state.set(next);
        mix(next)
    })
}

/// A uniform draw from [0, 1).
pub(crate) fn uniform() -> f64 {
    // The top 53 bits fill an f64 mantissa exactly.
    (next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A standard normal draw (Box–Muller).
fn normal() -> f64 {
    // 1 - uniform() is in (0, 1]: its logarithm is finite.
    let radius = (-2.0 * (1.0 - uniform()).ln()).sqrt();
    radius * (std::f64::consts::TAU * uniform()).cos()
}

/// z of the 95th percentile of the standard normal distribution.
const Z95: f64 = 1.644_853_626_951_472_2;

/// A latency in milliseconds from a (validated) distribution.
pub(crate) fn latency_ms(latency: &Latency) -> f64 {
    match *latency {
        Latency::Fixed(ms) => ms,
        Latency::Uniform { min, max } => min + (max - min) * uniform(),
        Latency::Lognormal { median, p95 } => {
            // ln X ~ N(mu, sigma²) with median e^mu and p95 e^(mu + Z95 sigma).
            let sigma = (p95 / median).ln() / Z95;
            (median.ln() + sigma * normal()).exp()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_draws_are_in_range_and_balanced() {
        let n = 100_000;
        let draws: Vec<f64> = (0..n).map(|_| uniform()).collect();
        assert!(draws.iter().all(|u| (0.0..1.0).contains(u)));
        let below_half = draws.iter().filter(|u| **u < 0.5).count() as f64;
        // Binomial(100 000, 0.5): sd 158; 5 sd is 790.
        assert!((below_half - 50_000.0).abs() < 800.0, "{below_half}");
    }

    #[test]
    fn lognormal_has_the_asked_median_and_p95() {
        let dist = Latency::Lognormal {
            median: 20.0,
            p95: 120.0,
        };
        let mut draws: Vec<f64> = (0..40_000).map(|_| latency_ms(&dist)).collect();
        draws.sort_by(f64::total_cmp);
        let median = draws[20_000];
        let p95 = draws[38_000];
        assert!((median - 20.0).abs() < 1.0, "median {median}");
        assert!((p95 - 120.0).abs() < 12.0, "p95 {p95}");
    }

    #[test]
    fn fixed_and_uniform_latencies() {
        assert_eq!(latency_ms(&Latency::Fixed(7.0)), 7.0);
        let uniform = Latency::Uniform {
            min: 5.0,
            max: 10.0,
        };
        assert!((0..1000).all(|_| (5.0..=10.0).contains(&latency_ms(&uniform))));
    }
}
