// k6-diff: covers: per-vu-iterations executor (3 VUs × 4 iterations), __VU and __ITER
// k6-diff: pacing: iterations
// volley-deviation: metrics[iterations_failed]: Volley adds a counter of failed iterations (docs/k6-mapping.md); k6 only logs them
import http from 'k6/http';
import { check } from 'k6';

export const options = {
  scenarios: {
    each: { executor: 'per-vu-iterations', vus: 3, iterations: 4, maxDuration: '10s' },
  },
  thresholds: { iterations: ['count==12'], http_reqs: ['count==12'] },
};

const BASE_URL = __ENV.BASE_URL;

export default function () {
  const res = http.get(`${BASE_URL}/products/${__VU}`);
  check(res, {
    'product of this VU': (r) => r.json('id') === __VU,
    '__ITER below 4': () => __ITER >= 0 && __ITER < 4,
  });
}
