// The k6 twin of bench/scenarios/sleepy: GET a 100 ms endpoint, sleep 1 s.
import http from 'k6/http';
import { check, sleep } from 'k6';

export default function () {
  const res = http.get(`${__ENV.BASE_URL}/delay?ms=100`);
  check(res, { 'status is 200': (r) => r.status === 200 });
  sleep(1);
}
