// k6-diff: covers: sleep() with fractions, its time in iteration_duration, not in http_req_duration
// k6-diff: pacing: iterations
// volley-deviation: metrics[iterations_failed]: Volley adds a counter of failed iterations (docs/k6-mapping.md); k6 only logs them
import http from 'k6/http';
import { sleep } from 'k6';

export const options = {
  vus: 2,
  iterations: 4,
  thresholds: {
    iteration_duration: ['min>=300', 'max<2000'],
    http_req_duration: ['max<300'],
  },
};

const BASE_URL = __ENV.BASE_URL;

export default function () {
  http.get(`${BASE_URL}/health`);
  sleep(0.1);
  sleep(0.25);
}
