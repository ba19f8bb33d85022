// k6-diff: covers: http.setResponseCallback(http.expectedStatuses(...)), per-request responseCallback, responseCallback: null
// k6-diff: pacing: iterations
// volley-deviation: metrics[iterations_failed]: Volley adds a counter of failed iterations (docs/k6-mapping.md); k6 only logs them
import http from 'k6/http';

http.setResponseCallback(http.expectedStatuses(200, 404, { min: 500, max: 502 }));

export const options = {
  vus: 1,
  iterations: 2,
  thresholds: {
    // 404 and 500 are expected; 503 and 201-by-callback are not.
    'http_req_failed{name:default-callback}': ['rate==0'],
    'http_req_failed{name:unexpected}': ['rate==1'],
    'http_req_failed{name:per-request}': ['rate==0'],
    'http_reqs{expected_response:false}': ['count==4'],
  },
};

const BASE_URL = __ENV.BASE_URL;

export default function () {
  http.get(`${BASE_URL}/status/404`, { tags: { name: 'default-callback' } });
  http.get(`${BASE_URL}/status/500`, { tags: { name: 'default-callback' } });
  http.get(`${BASE_URL}/status/503`, { tags: { name: 'unexpected' } });
  http.get(`${BASE_URL}/status/200`, {
    tags: { name: 'unexpected' },
    responseCallback: http.expectedStatuses(201),
  });
  http.get(`${BASE_URL}/status/418`, {
    tags: { name: 'per-request' },
    responseCallback: http.expectedStatuses(418),
  });
  // null: no expected_response tag and no http_req_failed sample at all.
  http.get(`${BASE_URL}/status/503`, { tags: { name: 'no-callback' }, responseCallback: null });
}
