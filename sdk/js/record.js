// Checks and custom metric values are buffered in the VU and delivered in
// one host call (`metrics.record-batch`): a check costs an array push and a
// clock read, not a trip across the component boundary with its strings.
// Each entry is stamped with `wasi:clocks/monotonic-clock.now()` when it is
// made (the clock the engine stamps its own samples with; build.mjs adds
// that import to the world the component is built for), so its time is
// exact however late it arrives.
//
// The buffer is delivered before anything that changes the tags entries get
// on the host (groups, VU tags), before every request, wait, sleep and
// streamed read, before an abort, at the end of every lifecycle stage (also
// when it throws), and when it holds MAX_BUFFERED entries.
import { metrics, clock } from './host.js';
import { makeBuffer } from './buffer.js';

const buffer = makeBuffer({
  now: () => clock.now(),
  deliver: (entries) => metrics.recordBatch(entries),
});

/** Buffer a check. */
export const recordCheck = buffer.check;
/** Buffer a value of custom metric `id`. */
export const recordAdd = buffer.add;
/** Deliver what is buffered. */
export const flush = buffer.flush;
