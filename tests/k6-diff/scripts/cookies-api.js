// k6-diff: covers: the cookies API: res.cookies, http.cookieJar(), jar.set(), jar.cookiesForURL(), jar.delete(), jar.clear()
// k6-diff: pacing: iterations
// volley-deviation: metrics[iterations_failed]: Volley adds a counter of failed iterations (docs/k6-mapping.md); k6 only logs them
import http from 'k6/http';
import { check } from 'k6';

export const options = { vus: 1, iterations: 2 };

const BASE_URL = __ENV.BASE_URL;

export default function () {
  const res = http.get(`${BASE_URL}/cookies/set?flavor=mocha`);
  check(res, {
    'res.cookies has the new cookie': (r) => r.cookies.flavor !== undefined && r.cookies.flavor[0].value === 'mocha',
  });

  const jar = http.cookieJar();
  jar.set(BASE_URL, 'size', 'large');
  const cookies = jar.cookiesForURL(`${BASE_URL}/cookies`);
  check(cookies, {
    'jar holds the response cookie': (c) => c.flavor !== undefined && c.flavor[0] === 'mocha',
    'jar holds the set cookie': (c) => c.size !== undefined && c.size[0] === 'large',
  });

  jar.delete(BASE_URL, 'flavor');
  const after = http.get(`${BASE_URL}/cookies`);
  check(after, {
    'deleted cookie is not sent': (r) => r.json('flavor') === undefined,
    'other cookie is sent': (r) => r.json('size') === 'large',
  });

  jar.clear(BASE_URL);
  const cleared = http.get(`${BASE_URL}/cookies`);
  check(cleared, { 'cleared jar sends nothing': (r) => Object.keys(r.json()).length === 0 });
}
