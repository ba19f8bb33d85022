// k6-diff: covers: constant-vus executor (3 VUs for 2s), vus and vus_max
// k6-diff: pacing: time
// k6-diff: tolerance: 15%
// k6-diff: values: vus_max, vus.min, vus.max
// volley-deviation: metrics[iterations_failed]: Volley adds a counter of failed iterations (docs/k6-mapping.md); k6 only logs them
import http from 'k6/http';
import { sleep } from 'k6';

export const options = {
  scenarios: {
    steady: { executor: 'constant-vus', vus: 3, duration: '2s' },
  },
  thresholds: { vus: ['value>=0'], vus_max: ['value==3'] },
};

const BASE_URL = __ENV.BASE_URL;

export default function () {
  http.get(`${BASE_URL}/products`);
  sleep(0.25);
}
