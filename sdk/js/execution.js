// `import exec from 'volley/execution'` (or 'k6/execution'): who and where
// this iteration is, and `exec.test.abort()`.
import { vu } from './host.js';

const now = () => vu.info();

export default {
  vu: {
    get idInTest() { return now().id; },
    get idInInstance() { return now().id; },
    get iterationInInstance() { return Number(now().iteration); },
    // This VU's iteration in its scenario (k6's __ITER), not the
    // scenario-wide count, which is scenario.iterationInTest.
    get iterationInScenario() { return Number(now().iteration); },
  },
  scenario: {
    get name() { return now().scenario; },
    get iterationInTest() { return Number(now().iterationInScenario); },
  },
  instance: {
    get currentTestRunDuration() { return Number(now().elapsed) / 1e6; },
  },
  test: {
    abort(reason) {
      vu.abort(String(reason === undefined ? 'test aborted' : reason));
    },
  },
};
