// k6-diff: covers: http.batch with an array of URLs, of [method, url, body, params] and of request objects; the object form
// k6-diff: pacing: iterations
// volley-deviation: metrics[iterations_failed]: Volley adds a counter of failed iterations (docs/k6-mapping.md); k6 only logs them
import http from 'k6/http';
import { check } from 'k6';

export const options = { vus: 2, iterations: 4 };

const BASE_URL = __ENV.BASE_URL;

export default function () {
  const [health, products] = http.batch([`${BASE_URL}/health`, `${BASE_URL}/products`]);
  check(health, { 'batch: health': (r) => r.status === 200 });
  check(products, { 'batch: products': (r) => r.json().length === 20 });

  const responses = http.batch([
    ['GET', `${BASE_URL}/products/1`, null, { tags: { name: 'product' } }],
    ['POST', `${BASE_URL}/customers`, JSON.stringify({ name: 'Batch' }), { headers: { 'Content-Type': 'application/json' } }],
    { method: 'GET', url: `${BASE_URL}/status/404` },
  ]);
  check(responses, {
    'batch: three answers in order': (r) => r[0].status === 200 && r[1].status === 201 && r[2].status === 404,
  });

  const named = http.batch({
    one: `${BASE_URL}/products/1`,
    two: { method: 'GET', url: `${BASE_URL}/products/2`, params: { tags: { name: 'product' } } },
  });
  check(named, { 'batch: object form': (r) => r.one.json('id') === 1 && r.two.json('id') === 2 });
}
