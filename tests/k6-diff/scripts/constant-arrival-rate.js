// k6-diff: covers: constant-arrival-rate (10 iterations/s for 2s), preAllocatedVUs, dropped_iterations absent
// k6-diff: pacing: time
// k6-diff: tolerance: 10%
// volley-deviation: metrics[iterations_failed]: Volley adds a counter of failed iterations (docs/k6-mapping.md); k6 only logs them
// The tick at exactly `duration` (2 s) never starts an iteration in Volley; k6 races its own end there
// and starts it or not (20 or 21 iterations): the counts agree within the time tolerance.
import http from 'k6/http';

export const options = {
  scenarios: {
    arrivals: {
      executor: 'constant-arrival-rate',
      rate: 10,
      timeUnit: '1s',
      duration: '2s',
      preAllocatedVUs: 2,
      maxVUs: 4,
    },
  },
  thresholds: { iterations: ['count>=18', 'count<=21'] },
};

const BASE_URL = __ENV.BASE_URL;

export default function () {
  http.get(`${BASE_URL}/delay?ms=20`);
}
