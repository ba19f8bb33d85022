//! The rate limit: a token bucket per client, keyed by IP address or by
//! the value of a request header.
//!
//! Buckets live in one map behind a mutex held for a lookup and a few
//! float operations; only requests under a rate-limit rule come here. The
//! map is bounded: past [`MAX_CLIENTS`] clients, buckets that have filled
//! up again (indistinguishable from new ones) are dropped.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// Most clients tracked at once.
const MAX_CLIENTS: usize = 100_000;

/// Who a request counts against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum ClientKey {
    Ip(IpAddr),
    Header(Box<[u8]>),
}

/// One rule's buckets.
pub(crate) struct Buckets {
    rate: f64,
    burst: f64,
    clients: Mutex<HashMap<ClientKey, Bucket>>,
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    /// The bucket's tokens at `now`.
    fn refill(&mut self, now: Instant, rate: f64, burst: f64) {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate).min(burst);
        self.at = now;
    }
}

impl Buckets {
    pub(crate) fn new(rate: f64, burst: u32) -> Buckets {
        Buckets {
            rate,
            burst: f64::from(burst),
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `client` at `now`, or says how long until one is
    /// there.
    pub(crate) fn take(&self, client: ClientKey, now: Instant) -> Result<(), Duration> {
        let (rate, burst) = (self.rate, self.burst);
        // A panic cannot leave a bucket half-updated (plain floats), so a
        // poisoned map is still usable.
        let mut clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        if clients.len() >= MAX_CLIENTS && !clients.contains_key(&client) {
            clients.retain(|_, bucket| {
                bucket.refill(now, rate, burst);
                bucket.tokens < burst
            });
        }
        let bucket = clients.entry(client).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        bucket.refill(now, rate, burst);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / rate))
        }
    }
}

/// The `Retry-After` value for a wait: whole seconds, rounded up, at least 1.
pub(crate) fn retry_after_secs(wait: Duration) -> u64 {
    (wait.as_secs_f64().ceil() as u64).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> ClientKey {
        ClientKey::Ip(IpAddr::from([127, 0, 0, last]))
    }

    #[test]
    fn a_burst_passes_then_the_rate() {
        let buckets = Buckets::new(2.0, 3);
        let t0 = Instant::now();
        let passed = (0..5).filter(|_| buckets.take(ip(1), t0).is_ok()).count();
        assert_eq!(passed, 3);
        // Out of tokens: the next one is half a second away at 2/s.
        let wait = buckets.take(ip(1), t0).expect_err("empty");
        assert_eq!(wait, Duration::from_millis(500));
        assert_eq!(retry_after_secs(wait), 1);
        // Other clients have their own bucket.
        assert!(buckets.take(ip(2), t0).is_ok());
        let later = t0 + Duration::from_millis(500);
        assert!(buckets.take(ip(1), later).is_ok());
        assert!(buckets.take(ip(1), later).is_err());
    }

    #[test]
    fn slow_rates_round_retry_after_up() {
        let buckets = Buckets::new(0.25, 1);
        let t0 = Instant::now();
        let key = ClientKey::Header(Box::from(&b"alice"[..]));
        assert!(buckets.take(key.clone(), t0).is_ok());
        let wait = buckets.take(key, t0 + Duration::from_millis(100));
        assert_eq!(wait.map_err(retry_after_secs), Err(4));
    }
}
