// k6-diff: covers: redirects followed hop by hop (each hop is a request), redirects: 0, the maxRedirects option, res.url
// k6-diff: pacing: iterations
// volley-deviation: metrics[iterations_failed]: Volley adds a counter of failed iterations (docs/k6-mapping.md); k6 only logs them
import http from 'k6/http';
import { check } from 'k6';

export const options = { vus: 1, iterations: 2, maxRedirects: 2 };

const BASE_URL = __ENV.BASE_URL;

export default function () {
  const followed = http.get(`${BASE_URL}/redirect/2`);
  check(followed, {
    'followed to the end': (r) => r.status === 200 && r.url === `${BASE_URL}/redirect/0`,
  });

  const kept = http.get(`${BASE_URL}/redirect/1`, { redirects: 0 });
  check(kept, {
    'redirects: 0 returns the 302': (r) => r.status === 302,
    'Location header': (r) => r.headers.Location === '/redirect/0',
  });

  // Three hops with maxRedirects 2: k6 stops after two and returns the
  // third response, a 302.
  const tooMany = http.get(`${BASE_URL}/redirect/3`);
  check(tooMany, { 'stopped at maxRedirects': (r) => r.status === 302 });
}
