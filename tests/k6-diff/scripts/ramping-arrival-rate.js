// k6-diff: covers: ramping-arrival-rate 0→20 iterations/s in 2s then 20→0 in 1s; dropped_iterations when VUs run out
// k6-diff: pacing: time
// k6-diff: tolerance: 15%
// volley-deviation: metrics[iterations_failed]: Volley adds a counter of failed iterations (docs/k6-mapping.md); k6 only logs them
import http from 'k6/http';

export const options = {
  scenarios: {
    ramp: {
      executor: 'ramping-arrival-rate',
      startRate: 0,
      timeUnit: '1s',
      preAllocatedVUs: 1,
      maxVUs: 2,
      stages: [
        { target: 20, duration: '2s' },
        { target: 0, duration: '1s' },
      ],
    },
  },
};

const BASE_URL = __ENV.BASE_URL;

export default function () {
  // 150 ms per iteration: two VUs serve at most ~13 iterations/s, so the
  // peak of 20/s drops some.
  http.get(`${BASE_URL}/delay?ms=150`);
}
