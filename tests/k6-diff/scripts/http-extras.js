// k6-diff: covers: http.url tagged templates (name tag ${}), http.file multipart bodies, res.status_text, GJSON selectors in res.json()
// k6-diff: pacing: iterations
// volley-deviation: metrics[iterations_failed]: Volley adds a counter of failed iterations (docs/k6-mapping.md); k6 only logs them
import http from 'k6/http';
import { check } from 'k6';

export const options = {
  vus: 1,
  iterations: 2,
  thresholds: {
    // k6 names a http.url request after its template, placeholders as ${}.
    'http_reqs{name:${}/products/${}}': ['count==4'],
  },
};

const BASE_URL = __ENV.BASE_URL;

export default function () {
  for (const id of [3, 4]) {
    const res = http.get(http.url`${BASE_URL}/products/${id}`);
    check(res, { 'http.url reaches the product': (r) => r.json('id') === id });
  }

  const list = http.get(`${BASE_URL}/products`);
  check(list, {
    'status_text': (r) => r.status_text === '200 OK',
    'json: # counts an array': (r) => r.json('#') === 20,
    'json: index then field': (r) => r.json('1.name') === 'Ceramic Mug',
    'json: #.field projects': (r) => JSON.stringify(r.json('#.id').slice(0, 3)) === '[1,2,3]',
    'json: query first match': (r) => r.json('#(price_cents==850).id') === 2,
    'json: query all matches': (r) => r.json('#(price_cents<500)#.id').join() === '4,15',
    'json: missing path is undefined': (r) => r.json('0.nothing') === undefined,
  });

  const missing = http.get(`${BASE_URL}/products/99`);
  check(missing, { 'status_text of a 404': (r) => r.status_text === '404 Not Found' });

  // A multipart upload: the shop rejects it (it wants JSON), but the body
  // is built and sent as k6 builds it.
  const upload = http.post(`${BASE_URL}/customers`, {
    name: 'File',
    photo: http.file('not really a picture', 'photo.png', 'image/png'),
  });
  check(upload, {
    'multipart body is sent': (r) => r.status === 400,
  });
}
