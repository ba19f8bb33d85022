// k6-diff: covers: handleSummary(data) writes files and stdout instead of the default summary
// k6-diff: pacing: iterations
// k6-diff: files: summary.json, summary.txt
// volley-deviation: metrics[iterations_failed]: Volley adds a counter of failed iterations (docs/k6-mapping.md); k6 only logs them
import http from 'k6/http';
import { check } from 'k6';

export const options = { vus: 1, iterations: 3, thresholds: { http_reqs: ['count==3'] } };

const BASE_URL = __ENV.BASE_URL;

export default function () {
  const res = http.get(`${BASE_URL}/products`);
  check(res, { 'status 200': (r) => r.status === 200 });
}

export function handleSummary(data) {
  const reqs = data.metrics.http_reqs.values.count;
  return {
    stdout: `requests: ${reqs}\n`,
    'summary.json': JSON.stringify({ requests: reqs, checks: data.metrics.checks.values.passes }),
    'summary.txt': `threshold count==3 ok: ${data.metrics.http_reqs.thresholds['count==3'].ok}\n`,
  };
}
