// k6-diff: covers: Counter, Gauge, Rate and Trend with tags, thresholds on each, their summary values
// k6-diff: pacing: iterations
// k6-diff: values: orders_placed, cart_size, order_ok, order_total_cents
// volley-deviation: metrics[iterations_failed]: Volley adds a counter of failed iterations (docs/k6-mapping.md); k6 only logs them
import http from 'k6/http';
import { check } from 'k6';
import { Counter, Gauge, Rate, Trend } from 'k6/metrics';

export const options = {
  scenarios: {
    buyers: { executor: 'per-vu-iterations', vus: 2, iterations: 5 },
  },
  thresholds: {
    orders_placed: ['count==10'],
    'orders_placed{kind:big}': ['count==4'],
    cart_size: ['value>0', 'value<=5'],
    order_ok: ['rate==1'],
    order_total_cents: ['avg>0', 'max<100000'],
  },
};

const BASE_URL = __ENV.BASE_URL;
const ordersPlaced = new Counter('orders_placed');
const cartSize = new Gauge('cart_size');
const orderOk = new Rate('order_ok');
const orderTotal = new Trend('order_total_cents');

export function setup() {
  const res = http.post(`${BASE_URL}/customers`, JSON.stringify({ name: 'Metrics' }), {
    headers: { 'Content-Type': 'application/json' },
  });
  return { customerId: res.json('id') };
}

export default function (data) {
  const quantity = 1 + __ITER;
  const res = http.post(
    `${BASE_URL}/orders`,
    JSON.stringify({ customer_id: data.customerId, product_id: 2, quantity }),
    { headers: { 'Content-Type': 'application/json' } },
  );
  const ok = check(res, { 'order created': (r) => r.status === 201 });
  ordersPlaced.add(1, { kind: quantity > 3 ? 'big' : 'small' });
  cartSize.add(quantity);
  orderOk.add(ok);
  orderTotal.add(res.json('total_cents'));
}
