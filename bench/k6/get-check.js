// The k6 twin of bench/scenarios/get-check: one GET and one check, no sleep.
import http from 'k6/http';
import { check } from 'k6';

export default function () {
  const res = http.get(__ENV.TARGET_URL, { responseType: 'none' });
  check(res, { 'status is 200': (r) => r.status === 200 });
}
