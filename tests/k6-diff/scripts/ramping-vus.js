// k6-diff: covers: ramping-vus 0→4 in 2s then 4→0 in 2s (ramp down included), gracefulRampDown 0s
// k6-diff: pacing: time
// k6-diff: tolerance: 10%
// volley-deviation: metrics[iterations_failed]: Volley adds a counter of failed iterations (docs/k6-mapping.md); k6 only logs them
import http from 'k6/http';
import { sleep } from 'k6';

export const options = {
  scenarios: {
    ramp: {
      executor: 'ramping-vus',
      startVUs: 0,
      stages: [
        { duration: '2s', target: 4 },
        { duration: '2s', target: 0 },
      ],
      gracefulRampDown: '0s',
    },
  },
  thresholds: { vus_max: ['value==4'] },
};

const BASE_URL = __ENV.BASE_URL;

export default function () {
  // Sleep first: a VU stopped by the ramp down is stopped in its sleep, not
  // in the middle of a request.
  sleep(0.2);
  http.get(`${BASE_URL}/health`);
}
