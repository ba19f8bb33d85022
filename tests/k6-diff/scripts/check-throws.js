// k6-diff: covers: a check whose predicate throws is a FAILED check and the exception ends the iteration (logged)
// k6-diff: pacing: iterations
// volley-deviation: metrics[iterations_failed]: Volley adds a counter of failed iterations (docs/k6-mapping.md); k6 only logs them
// volley-deviation: json_metrics[iterations_failed]: the same counter, as points in --out json
import http from 'k6/http';
import { check } from 'k6';

export const options = { vus: 1, iterations: 3 };

const BASE_URL = __ENV.BASE_URL;

export default function () {
  const res = http.get(`${BASE_URL}/health`);
  check(res, { 'status is 200': (r) => r.status === 200 });
  // /health answers {"status":"ok"}: there is no build field, so the
  // predicate throws a TypeError.
  check(res, { 'build version is 1.0': (r) => r.json().build.version === '1.0' });
  // Not reached: k6 ends the iteration with the exception.
  http.get(`${BASE_URL}/products/1`);
  check(res, { 'never recorded': () => true });
}
