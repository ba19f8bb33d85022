// k6-diff: covers: __ENV from -e, __ENV of a variable not given, __VU in a VU's init context and in its iterations, __ITER
// k6-diff: pacing: iterations
// k6-diff: env: GREETING=hello
// k6-diff: env: PRODUCT_ID=5
// volley-deviation: metrics[iterations_failed]: Volley adds a counter of failed iterations (docs/k6-mapping.md); k6 only logs them
import http from 'k6/http';
import { check } from 'k6';

export const options = { vus: 2, iterations: 4 };

const BASE_URL = __ENV.BASE_URL;
const initVU = __VU;

export default function () {
  const res = http.get(`${BASE_URL}/products/${__ENV.PRODUCT_ID}`);
  check(res, {
    '__ENV value from -e': () => __ENV.GREETING === 'hello',
    '__ENV of an unset variable is undefined': () => __ENV.NOT_SET_ANYWHERE === undefined,
    '__ENV used in a URL': (r) => r.json('id') === 5,
    '__VU is 1 or 2': () => __VU === 1 || __VU === 2,
    '__VU in the init context of a VU is its id': () => initVU === __VU,
    '__ITER is a count from 0': () => Number.isInteger(__ITER) && __ITER >= 0,
  });
}
