// k6-diff: covers: the per-VU cookie jar: Set-Cookie from a response is sent back; the cookies param adds request cookies
// k6-diff: pacing: iterations
// volley-deviation: metrics[iterations_failed]: Volley adds a counter of failed iterations (docs/k6-mapping.md); k6 only logs them
import http from 'k6/http';
import { check } from 'k6';

export const options = { vus: 2, iterations: 4 };

const BASE_URL = __ENV.BASE_URL;

export default function () {
  const set = http.get(`${BASE_URL}/cookies/set?session=vu${__VU}&theme=dark`);
  check(set, { 'cookies set': (r) => r.status === 200 });

  const echo = http.get(`${BASE_URL}/cookies`);
  check(echo, {
    'jar sends the session cookie back': (r) => r.json('session') === `vu${__VU}`,
    'jar sends the theme cookie back': (r) => r.json('theme') === 'dark',
  });

  const extra = http.get(`${BASE_URL}/cookies`, { cookies: { promo: 'spring' } });
  check(extra, {
    'request cookie is sent': (r) => r.json('promo') === 'spring',
    'jar cookies still sent': (r) => r.json('session') === `vu${__VU}`,
  });
}
