// k6-diff: covers: randomSeed() makes Math.random repeatable in the VU
// k6-diff: pacing: iterations
// volley-deviation: metrics[iterations_failed]: Volley adds a counter of failed iterations (docs/k6-mapping.md); k6 only logs them
import { check, randomSeed } from 'k6';

export const options = { vus: 2, iterations: 4 };

export default function () {
  randomSeed(42);
  const first = [Math.random(), Math.random(), Math.random()];
  randomSeed(42);
  const again = [Math.random(), Math.random(), Math.random()];
  randomSeed(7);
  const other = Math.random();
  check(first, {
    'same seed, same numbers': (f) => f.every((x, i) => x === again[i]),
    'numbers in [0, 1)': (f) => f.every((x) => x >= 0 && x < 1),
    'another seed, another number': (f) => other !== f[0],
  });
}
