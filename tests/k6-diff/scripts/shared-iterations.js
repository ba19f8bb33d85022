// k6-diff: covers: shared-iterations executor (10 iterations shared by 3 VUs)
// k6-diff: pacing: iterations
// volley-deviation: metrics[iterations_failed]: Volley adds a counter of failed iterations (docs/k6-mapping.md); k6 only logs them
import http from 'k6/http';
import { check } from 'k6';

export const options = {
  scenarios: {
    shared: { executor: 'shared-iterations', vus: 3, iterations: 10, maxDuration: '10s' },
  },
  thresholds: { iterations: ['count==10'] },
};

const BASE_URL = __ENV.BASE_URL;

export default function () {
  const res = http.get(`${BASE_URL}/products`);
  check(res, { 'status 200': (r) => r.status === 200 });
}
