// k6-diff: covers: nested groups, checks inside groups, group_duration, the group tag
// k6-diff: pacing: iterations
// volley-deviation: metrics[iterations_failed]: Volley adds a counter of failed iterations (docs/k6-mapping.md); k6 only logs them
import http from 'k6/http';
import { check, group } from 'k6';

export const options = { vus: 2, iterations: 4 };

const BASE_URL = __ENV.BASE_URL;

export default function () {
  group('catalogue', function () {
    const res = http.get(`${BASE_URL}/products`);
    check(res, { 'twenty products': (r) => r.json().length === 20 });

    group('product page', function () {
      const item = http.get(`${BASE_URL}/products/3`);
      check(item, { 'product 3': (r) => r.json('id') === 3 });
    });
  });

  group('checkout', function () {
    const res = http.post(`${BASE_URL}/orders`, JSON.stringify({ customer_id: 999999, product_id: 1 }), {
      headers: { 'Content-Type': 'application/json' },
    });
    check(res, { 'unknown customer is 404': (r) => r.status === 404 });
  });

  check(null, { 'outside any group': () => true });
}
