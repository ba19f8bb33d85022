// A customer-care bot's session against the demo shop, written as a k6
// script: the same flow, requests and checks as
// example-scenarios/rust/customer-care. With `k6` imports in place of
// `volley` ones it builds unchanged (the build maps k6's modules).
//
//   bash scripts/build-js.sh example-scenarios/js/customer-care/script.js
//   volley run target/js/customer-care.wasm --with-demo-target
import { check, group, sleep, fail, randomBelow } from 'volley';
import http from 'volley/http';
import { Counter, Trend } from 'volley/metrics';

export const options = {
  scenarios: {
    support_desk: { executor: 'constant-vus', vus: 10, duration: '15s' },
  },
  thresholds: {
    http_req_failed: ['rate<0.01'],
    'http_req_duration{name:place order}': ['p(95)<300'],
    checkout_duration: ['p(95)<300', 'avg<200'],
    checks: ['rate>0.99'],
  },
};

// Init context: once per VU, with __ENV available.
const BASE = __ENV.BASE_URL || 'http://127.0.0.1:3030';
const ordersPlaced = new Counter('orders_placed');
const checkoutDuration = new Trend('checkout_duration', true);
const json = { headers: { 'Content-Type': 'application/json' } };

export default function () {
  const vu = __VU;
  const it = __ITER;

  const customerId = group('register', () => {
    const res = http.post(
      `${BASE}/customers`,
      JSON.stringify({ name: `customer ${vu}-${it}`, email: `vu${vu}.it${it}@example.test` }),
      { ...json, tags: { name: 'register' } },
    );
    if (!check(res, { 'registered (201)': (r) => r.status === 201 })) {
      fail(`registration failed with status ${res.status}`);
    }
    return res.json('id');
  });

  const productId = group('browse', () => {
    const list = http.get(`${BASE}/products`, { tags: { name: 'products' } });
    check(list, { 'catalogue listed': (r) => r.status === 200 });
    const pick = randomBelow(20) + 1;
    const product = http.get(`${BASE}/products/${pick}`, { tags: { name: 'product' } });
    check(product, { 'product found': (r) => r.status === 200 });
    return pick;
  });

  group('orders', () => {
    const res = http.get(`${BASE}/customers/${customerId}/orders`, {
      tags: { name: 'customer orders' },
    });
    check(res, { 'orders listed': (r) => r.status === 200 && r.body.trimStart().startsWith('[') });
  });

  group('checkout', () => {
    const quantity = randomBelow(3) + 1;
    const res = http.post(
      `${BASE}/orders`,
      JSON.stringify({ customer_id: customerId, product_id: productId, quantity }),
      { ...json, tags: { name: 'place order' } },
    );
    if (check(res, { 'order placed (201)': (r) => r.status === 201 })) {
      ordersPlaced.add(1);
    }
    checkoutDuration.add(res.timings.duration);
  });

  // Think time between sessions: 200 to 600 ms.
  sleep((200 + randomBelow(401)) / 1000);
}
