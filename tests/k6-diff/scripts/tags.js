// k6-diff: covers: test-wide tags (options.tags), scenario tags, request tags, check tags, custom metric tags, thresholds on them
// k6-diff: pacing: iterations
// volley-deviation: metrics[iterations_failed]: Volley adds a counter of failed iterations (docs/k6-mapping.md); k6 only logs them
import http from 'k6/http';
import { check } from 'k6';
import { Counter } from 'k6/metrics';

const visits = new Counter('visits');

export const options = {
  tags: { team: 'shop' },
  scenarios: {
    tagged: { executor: 'per-vu-iterations', vus: 1, iterations: 3, tags: { journey: 'browse' } },
  },
  thresholds: {
    'http_reqs{team:shop}': ['count==6'],
    'http_reqs{journey:browse}': ['count==6'],
    'http_reqs{page:home}': ['count==3'],
    'http_req_duration{page:product}': ['max<5000'],
    'checks{area:catalogue}': ['rate==1'],
    'visits{page:home}': ['count==3'],
  },
};

const BASE_URL = __ENV.BASE_URL;

export default function () {
  const home = http.get(`${BASE_URL}/products`, { tags: { page: 'home' } });
  check(home, { 'home lists products': (r) => r.status === 200 }, { area: 'catalogue' });
  visits.add(1, { page: 'home' });
  const product = http.get(`${BASE_URL}/products/4`, { tags: { page: 'product' } });
  check(product, { 'product page': (r) => r.status === 200 }, { area: 'catalogue' });
}
