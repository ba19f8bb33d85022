// k6-diff: covers: a refused connection (closed loopback port) and a timeout: status 0, error and error_code, http_req_failed
// k6-diff: pacing: iterations
// volley-deviation: metrics[iterations_failed]: Volley adds a counter of failed iterations (docs/k6-mapping.md); k6 only logs them
import http from 'k6/http';
import { check } from 'k6';

export const options = {
  vus: 1,
  iterations: 2,
  thresholds: {
    'http_reqs{error_code:1212}': ['count==2'],
    'http_reqs{error_code:1050}': ['count==2'],
    http_req_failed: ['rate>0.6'],
  },
};

const BASE_URL = __ENV.BASE_URL;
// A loopback port with nothing listening (run.py passes one it checked).
const CLOSED = __ENV.CLOSED_URL;

export default function () {
  const refused = http.get(CLOSED);
  check(refused, {
    'refused: status 0': (r) => r.status === 0,
    'refused: error_code 1212': (r) => r.error_code === 1212,
    'refused: error message': (r) => r.error.includes('connection refused'),
  });

  const slow = http.get(`${BASE_URL}/delay?ms=1500`, { timeout: '300ms' });
  check(slow, {
    'timeout: status 0': (r) => r.status === 0,
    'timeout: error_code 1050': (r) => r.error_code === 1050,
  });

  const fine = http.get(`${BASE_URL}/health`);
  check(fine, { 'afterwards a request works': (r) => r.status === 200 && r.error_code === 0 });
}
