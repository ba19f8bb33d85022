// k6-diff: covers: exec.test.abort() stops the test with exit 108; teardown still runs
// k6-diff: pacing: iterations
// volley-deviation: metrics[iterations_failed]: Volley adds a counter of failed iterations (docs/k6-mapping.md); k6 only logs them
// volley-deviation: json_metrics[iterations_failed]: the same counter, as points in --out json (the iteration that aborts the test counts as failed)
import http from 'k6/http';
import { check } from 'k6';
import exec from 'k6/execution';

export const options = { vus: 1, iterations: 10 };

const BASE_URL = __ENV.BASE_URL;

export default function () {
  const res = http.get(`${BASE_URL}/products/${__ITER + 1}`);
  check(res, { 'status 200': (r) => r.status === 200 });
  if (__ITER === 2) {
    exec.test.abort('enough after three iterations');
  }
}

export function teardown() {
  http.get(`${BASE_URL}/health`);
}
