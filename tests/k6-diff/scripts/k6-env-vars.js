// k6-diff: covers: options from K6_* environment variables (K6_VUS, K6_ITERATIONS) overriding the script's
// k6-diff: pacing: iterations
// k6-diff: process-env: K6_VUS=2
// k6-diff: process-env: K6_ITERATIONS=7
// volley-deviation: metrics[iterations_failed]: Volley adds a counter of failed iterations (docs/k6-mapping.md); k6 only logs them
import http from 'k6/http';

export const options = {
  vus: 1,
  iterations: 3,
  thresholds: { iterations: ['count==7'], vus_max: ['value==2'] },
};

const BASE_URL = __ENV.BASE_URL;

export default function () {
  http.get(`${BASE_URL}/health`);
}
