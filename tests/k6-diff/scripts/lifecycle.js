// k6-diff: covers: setup() data reaches every VU, teardown() gets it too; init code runs per VU
// k6-diff: pacing: iterations
// volley-deviation: metrics[iterations_failed]: Volley adds a counter of failed iterations (docs/k6-mapping.md); k6 only logs them
import http from 'k6/http';
import { check } from 'k6';

export const options = {
  scenarios: {
    orders: { executor: 'per-vu-iterations', vus: 2, iterations: 3 },
  },
};

const BASE_URL = __ENV.BASE_URL;
const params = { headers: { 'Content-Type': 'application/json' } };

export function setup() {
  const res = http.post(`${BASE_URL}/customers`, JSON.stringify({ name: 'Setup', email: 'setup@example.test' }), params);
  check(res, { 'setup: customer created': (r) => r.status === 201 });
  return { customerId: res.json('id'), label: 'from setup' };
}

export default function (data) {
  check(data, {
    'data from setup': (d) => d.label === 'from setup' && typeof d.customerId === 'number',
  });
  const order = { customer_id: data.customerId, product_id: 1 + (__ITER % 20), quantity: 2 };
  const res = http.post(`${BASE_URL}/orders`, JSON.stringify(order), params);
  check(res, { 'order placed': (r) => r.status === 201 && r.json('quantity') === 2 });
}

export function teardown(data) {
  const res = http.get(`${BASE_URL}/customers/${data.customerId}/orders`);
  check(res, {
    'teardown: data from setup': () => data.label === 'from setup',
    'teardown: every order is there': (r) => r.json().length === 6,
  });
}
