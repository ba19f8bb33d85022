// A Volley scenario: what one virtual user does in one iteration.
// Written like a k6 script: 'k6', 'k6/http', ... imports work too.
import { check, sleep } from 'volley';
import http from 'volley/http';

export const options = {
  vus: 5,
  duration: '10s',
  thresholds: {
    http_req_failed: ['rate<0.01'],
    http_req_duration: ['p(95)<500'],
  },
};

const BASE = __ENV.BASE_URL || 'http://127.0.0.1:3030';

export default function () {
  // The body is read from the engine only if the script reads res.body.
  const res = http.get(`${BASE}/health`, { tags: { name: 'health' } });
  check(res, { 'status is 200': (r) => r.status === 200 });
  sleep(1);
}
