// k6-diff: covers: rate and count thresholds on built-in and custom metrics, passing and failing ones (exit 99)
// k6-diff: pacing: iterations
// volley-deviation: metrics[iterations_failed]: Volley adds a counter of failed iterations (docs/k6-mapping.md); k6 only logs them
import http from 'k6/http';
import exec from 'k6/execution';
import { Counter, Rate } from 'k6/metrics';

const retries = new Counter('retries');
const cacheHits = new Rate('cache_hits');

export const options = {
  vus: 2,
  iterations: 10,
  thresholds: {
    http_reqs: ['count==20', 'rate>0'],
    iterations: ['count==10'],
    // Exactly half of the requests fail: both pass.
    http_req_failed: ['rate<=0.5', 'rate>=0.5'],
    // Fails: 10 retries.
    retries: ['count<5'],
    // Fails: 7 hits in 10 is a rate of 0.7, not above it.
    cache_hits: ['rate>0.7', 'rate>=0.7'],
  },
};

const BASE_URL = __ENV.BASE_URL;

export default function () {
  http.get(`${BASE_URL}/status/200`);
  http.get(`${BASE_URL}/status/503`);
  retries.add(1);
  cacheHits.add(exec.scenario.iterationInTest % 10 < 7);
}
