//! Checks and metric values are buffered in the guest and delivered in one
//! host call (`metrics.record-batch`): a check costs a push, not a trip
//! across the component boundary. Each entry is stamped with the monotonic
//! clock when it is made, so its time is exact however late it arrives.
//!
//! The buffer is delivered before anything that changes the tags entries
//! get on the host (groups, VU tags), before every request and sleep, at
//! the end of every stage, before an abort, and from the panic hook, so a
//! scenario never loses a record it made.

use std::cell::RefCell;

use crate::bindings::volley::scenario::metrics::{self as wit, AddEntry, CheckEntry, Entry};

/// Past this many entries the buffer is delivered at once.
const MAX_BUFFERED: usize = 256;

thread_local! {
    static BUFFER: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
}

/// Now, on the clock the engine stamps samples with.
pub(crate) fn now() -> u64 {
    crate::clock::wasi::clocks::monotonic_clock::now()
}

fn tags(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn push(entry: Entry) {
    let full = BUFFER.with(|b| {
        let mut b = b.borrow_mut();
        b.push(entry);
        b.len() >= MAX_BUFFERED
    });
    if full {
        flush();
    }
}

/// Buffer a check.
pub(crate) fn check(name: &str, ok: bool, tag_pairs: &[(&str, &str)]) {
    push(Entry::Check(CheckEntry {
        name: name.to_string(),
        ok,
        tags: tags(tag_pairs),
        at: now(),
    }));
}

/// Buffer a value of a custom metric.
pub(crate) fn add(metric: u32, value: f64, tag_pairs: &[(&str, &str)]) {
    push(Entry::Add(AddEntry {
        metric,
        value,
        tags: tags(tag_pairs),
        at: now(),
    }));
}

/// Deliver what is buffered.
pub fn flush() {
    let entries = BUFFER.with(|b| std::mem::take(&mut *b.borrow_mut()));
    if !entries.is_empty() {
        wit::record_batch(&entries);
    }
}

/// Deliver the buffer when the scenario panics (a panic ends the stage
/// with a trap, and the records made before it count, as in k6).
pub(crate) fn flush_on_panic() {
    use std::sync::Once;
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // A panic inside `flush` itself must not recurse.
            let taken =
                BUFFER.try_with(|b| b.try_borrow_mut().map(|mut b| std::mem::take(&mut *b)));
            if let Ok(Ok(entries)) = taken
                && !entries.is_empty()
            {
                wit::record_batch(&entries);
            }
            previous(info);
        }));
    });
}
