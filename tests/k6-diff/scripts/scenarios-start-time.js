// k6-diff: covers: two scenarios with exec functions, startTime, per-scenario tags and env, the scenario tag
// k6-diff: pacing: iterations
// volley-deviation: metrics[iterations_failed]: Volley adds a counter of failed iterations (docs/k6-mapping.md); k6 only logs them
import http from 'k6/http';
import { check } from 'k6';
import exec from 'k6/execution';

export const options = {
  scenarios: {
    browse: {
      executor: 'per-vu-iterations',
      exec: 'browse',
      vus: 2,
      iterations: 2,
      tags: { flow: 'browse' },
    },
    buy: {
      executor: 'shared-iterations',
      exec: 'buy',
      vus: 1,
      iterations: 3,
      startTime: '1s',
      env: { PRODUCT: '7' },
      tags: { flow: 'buy' },
    },
  },
  thresholds: {
    'http_reqs{flow:browse}': ['count==4'],
    'http_reqs{scenario:buy}': ['count==3'],
  },
};

const BASE_URL = __ENV.BASE_URL;

export function browse() {
  const res = http.get(`${BASE_URL}/products`);
  check(res, { 'browse runs in its scenario': () => exec.scenario.name === 'browse' });
}

export function buy() {
  const res = http.get(`${BASE_URL}/products/${__ENV.PRODUCT}`);
  check(res, {
    'buy starts after 1s': () => exec.instance.currentTestRunDuration >= 1000,
    'scenario env reaches buy': (r) => r.json('id') === 7,
  });
}
