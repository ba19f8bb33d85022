// The k6 twin of bench/scenarios/realistic: GET with a name tag, the body
// read, two checks, no sleep.
import http from 'k6/http';
import { check } from 'k6';

export default function () {
  const res = http.get(__ENV.TARGET_URL, { tags: { name: 'home' } });
  check(res, {
    'status is 200': (r) => r.status === 200,
    'body is not empty': (r) => r.body.length > 0,
  });
}
