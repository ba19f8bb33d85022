// k6-diff: covers: a threshold on a metric nothing defines: k6 refuses the options (exit 104) before any request
// k6-diff: pacing: iterations
import http from 'k6/http';

export const options = {
  vus: 1,
  iterations: 3,
  thresholds: {
    http_req_duration: ['p(95)<1000'],
    // A typo: no such metric.
    http_req_durations: ['p(95)<1000'],
  },
};

const BASE_URL = __ENV.BASE_URL;

export default function () {
  http.get(`${BASE_URL}/health`);
}
