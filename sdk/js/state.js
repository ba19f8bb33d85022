// Per-VU state read from the host once: the run's resolved options (k6's
// `exec.test.options`), which decide `discardResponseBodies` and `throw`.
import { vu } from './host.js';

let options;

/** The run's options as an object, read from the host on first use. */
export function testOptions() {
  if (options === undefined) {
    try {
      options = JSON.parse(vu.execution().testOptions) || {};
    } catch (_) {
      options = {};
    }
  }
  return options;
}
