// The record buffer of record.js without host calls, so that node can test
// it: `now()` stamps an entry, `deliver(entries)` hands a batch over.

/** Past this many entries the buffer is delivered at once (as the Rust SDK). */
export const MAX_BUFFERED = 256;

export function makeBuffer({ now, deliver, max = MAX_BUFFERED }) {
  let entries = [];
  const push = (entry) => {
    entries.push(entry);
    if (entries.length >= max) flush();
  };
  function flush() {
    if (entries.length === 0) return;
    // Taken first: a delivery that throws must not deliver twice.
    const batch = entries;
    entries = [];
    deliver(batch);
  }
  return {
    /** A check, stamped now. `tags` is a list of [key, value] strings. */
    check(name, ok, tags) {
      push({ tag: 'check', val: { name, ok, tags, at: now() } });
    },
    /** A value of custom metric `metric` (its id), stamped now. */
    add(metric, value, tags) {
      push({ tag: 'add', val: { metric, value, tags, at: now() } });
    },
    flush,
    /** How many entries wait (for tests). */
    get size() {
      return entries.length;
    },
  };
}
