// Benchmark scenario for memory per idle VU in JavaScript: sleep 1 s per iteration.
import { sleep } from 'volley';

export default function () {
  sleep(1);
}
