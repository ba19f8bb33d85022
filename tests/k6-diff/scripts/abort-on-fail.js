// k6-diff: covers: abortOnFail with delayAbortEval: the run stops early with exit 99; a threshold without abort keeps its verdict
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
    http_req_failed: [{ threshold: 'rate<0.01', abortOnFail: true, delayAbortEval: '2s' }],
    http_req_duration: ['p(95)<5000'],
  },
};

const BASE_URL = __ENV.BASE_URL;

export default function () {
  http.get(`${BASE_URL}/status/500`);
  sleep(0.2);
}
