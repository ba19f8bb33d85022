// Benchmark twin of bench/scenarios/get-check in JavaScript: one GET and one
// check per iteration, no sleep.
import { check } from 'volley';
import http from 'volley/http';

const URL = __ENV.TARGET_URL || 'http://127.0.0.1:3030/health';

export default function () {
  const res = http.get(URL, { responseType: 'none' });
  check(res, { 'status is 200': (r) => r.status === 200 });
}
