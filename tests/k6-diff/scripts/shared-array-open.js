// k6-diff: covers: SharedArray loaded with open() of a JSON file next to the script; open(path, 'b') of a binary file
// k6-diff: pacing: iterations
// volley-deviation: metrics[iterations_failed]: Volley adds a counter of failed iterations (docs/k6-mapping.md); k6 only logs them
import http from 'k6/http';
import { check } from 'k6';
import { SharedArray } from 'k6/data';

const users = new SharedArray('users', function () {
  return JSON.parse(open('./users.json'));
});
const blob = open('./bytes.bin', 'b');

export const options = { vus: 2, iterations: 6 };

const BASE_URL = __ENV.BASE_URL;

export default function () {
  const user = users[__ITER % users.length];
  check(users, { 'three users': (u) => u.length === 3 });
  check(blob, {
    'binary file is an ArrayBuffer of 10 bytes': (b) => b instanceof ArrayBuffer && b.byteLength === 10,
    'binary bytes intact': (b) => new Uint8Array(b)[6] === 0 && new Uint8Array(b)[9] === 255,
  });
  const res = http.post(`${BASE_URL}/customers`, JSON.stringify(user), {
    headers: { 'Content-Type': 'application/json' },
  });
  check(res, { 'customer from the file': (r) => r.status === 201 && r.json('name') === user.name });
}
