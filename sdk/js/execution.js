// `import exec from 'volley/execution'` (or 'k6/execution'): who and where
// this iteration is (the host's `vu.execution()`), the VU's tags, the run's
// options, and `exec.test.abort()`.
import { vu as host } from './host.js';
import { flush } from './record.js';
import { testOptions } from './state.js';
import { makeTags } from './tags.js';

const now = () => host.execution();

// The VU's tags (k6's `exec.vu.tags` and `exec.vu.metrics.tags`): reads go
// to the host's `get-tags`, writes to `set-tag` / `delete-tag`. The buffer
// is delivered first, so that checks made before a change keep the tags
// they were made with.
const tags = makeTags({
  get: () => host.getTags(),
  set: (k, v) => {
    flush();
    host.setTag(k, v);
  },
  remove: (k) => {
    flush();
    host.deleteTag(k);
  },
});

function deepFreeze(o) {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const k of Object.keys(o)) deepFreeze(o[k]);
  }
  return o;
}

let frozenOptions;

export default {
  vu: {
    get idInInstance() { return now().vuIdInInstance; },
    get idInTest() { return now().vuIdInTest; },
    get iterationInInstance() { return Number(now().vuIterationInInstance); },
    // This VU's iteration in its scenario (k6's __ITER), not the
    // scenario-wide count, which is scenario.iterationInTest.
    get iterationInScenario() { return Number(now().vuIterationInScenario); },
    get tags() { return tags; },
    set tags(_) { throw new Error('exec.vu.tags cannot be replaced; set its keys instead'); },
    metrics: {
      get tags() { return tags; },
      set tags(_) { throw new Error('exec.vu.metrics.tags cannot be replaced; set its keys instead'); },
    },
  },
  scenario: {
    get name() { return now().scenarioName; },
    get executor() { return now().scenarioExecutor; },
    get startTime() { return Number(now().scenarioStartTime); },
    get progress() { return now().scenarioProgress; },
    get iterationInInstance() { return Number(now().scenarioIterationInInstance); },
    get iterationInTest() { return Number(now().scenarioIterationInTest); },
  },
  instance: {
    get vusInitialized() { return Number(now().instanceVusInitialized); },
    get vusActive() { return Number(now().instanceVusActive); },
    get iterationsCompleted() { return Number(now().instanceIterationsCompleted); },
    get iterationsInterrupted() { return Number(now().instanceIterationsInterrupted); },
    get currentTestRunDuration() { return Number(now().instanceCurrentTestRunDuration) / 1e6; },
  },
  test: {
    abort(reason) {
      flush();
      host.abort(String(reason === undefined ? 'test aborted' : reason));
    },
    /** The run's resolved options, frozen (k6's `exec.test.options`). */
    get options() {
      if (frozenOptions === undefined) frozenOptions = deepFreeze(JSON.parse(JSON.stringify(testOptions())));
      return frozenOptions;
    },
  },
};
