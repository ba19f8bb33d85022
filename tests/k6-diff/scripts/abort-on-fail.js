// k6-diff: covers: abortOnFail with delayAbortEval: the run stops early with exit 99; a threshold without abort keeps its verdict
// k6 judges thresholds on a 2 s ticker that starts a moment before the test
// does. A delay of exactly 2 s would race that moment against the ticker's
// own lag (k6 aborts at second 2 on one run and at second 4 on the next), so
// the delay is 3 s: both tools abort at the tick of second 4.
// k6-diff: pacing: time
// k6-diff: tolerance: 35%
// k6-diff: limit: 40s
// volley-deviation: metrics[iterations_failed]: Volley adds a counter of failed iterations (docs/k6-mapping.md); k6 only logs them
import http from 'k6/http';
import { sleep } from 'k6';

export const options = {
  scenarios: {
    failing: { executor: 'constant-vus', vus: 2, duration: '20s' },
  },
  thresholds: {
    http_req_failed: [{ threshold: 'rate<0.01', abortOnFail: true, delayAbortEval: '3s' }],
    http_req_duration: ['p(95)<5000'],
  },
};

const BASE_URL = __ENV.BASE_URL;

export default function () {
  http.get(`${BASE_URL}/status/500`);
  sleep(0.2);
}
