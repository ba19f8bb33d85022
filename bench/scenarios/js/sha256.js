// The cost of k6/crypto in the JavaScript SDK (plain JavaScript in QuickJS):
// sha256 over 1 KiB, CALLS times per iteration, timed inside the VU. The
// Trend sha256_1kib_us is the time of one call in µs.
//
//   bash scripts/build-js.sh bench/scenarios/js/sha256.js target/js/sha256.wasm
//   volley run target/js/sha256.wasm -e CALLS=200
import crypto from 'k6/crypto';
import exec from 'k6/execution';
import { Trend } from 'k6/metrics';

export const options = { vus: 1, iterations: 5 };

const perCall = new Trend('sha256_1kib_us');
const CALLS = Number(__ENV.CALLS || 200);
const KIB = 'x'.repeat(1024);

export default function () {
  crypto.sha256(KIB, 'hex'); // warm up
  const start = exec.instance.currentTestRunDuration;
  for (let i = 0; i < CALLS; i++) crypto.sha256(KIB, 'hex');
  const ms = exec.instance.currentTestRunDuration - start;
  perCall.add((ms * 1000) / CALLS);
}
