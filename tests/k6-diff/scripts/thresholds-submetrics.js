// k6-diff: covers: thresholds on sub-metrics (name, status, method, group, check, expected_response tags); one fails on purpose → exit 99
// k6-diff: pacing: iterations
// volley-deviation: metrics[iterations_failed]: Volley adds a counter of failed iterations (docs/k6-mapping.md); k6 only logs them
import http from 'k6/http';
import { check, group } from 'k6';

export const options = {
  vus: 1,
  iterations: 4,
  thresholds: {
    'http_req_duration{name:product}': ['p(95)<2000', 'max<5000'],
    'http_req_duration{expected_response:true}': ['avg<2000'],
    'http_reqs{status:404}': ['count==8'],
    'http_reqs{method:POST}': ['count==4'],
    'http_req_duration{group:::shop}': ['max<5000'],
    'checks{check:found}': ['rate==1'],
    // Fails: half of the requests are 404s, counted in http_req_failed.
    'http_req_failed': ['rate<0.1'],
  },
};

const BASE_URL = __ENV.BASE_URL;

export default function () {
  group('shop', function () {
    const res = http.get(`${BASE_URL}/products/${1 + __ITER}`, { tags: { name: 'product' } });
    check(res, { found: (r) => r.status === 200 });
  });
  http.get(`${BASE_URL}/products/999`, { tags: { name: 'product' } });
  http.post(`${BASE_URL}/customers`, JSON.stringify({ name: 'T' }), { headers: { 'Content-Type': 'application/json' } });
  http.get(`${BASE_URL}/nowhere`);
}
