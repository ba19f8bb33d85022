// randomSeed's stream (seeded.js): repeatable, in [0, 1), seed-dependent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../seeded.js';

test('the same seed gives the same numbers, another seed others', () => {
  const take = (r, n) => Array.from({ length: n }, r);
  const a = take(seededRandom(42), 100);
  assert.deepEqual(take(seededRandom(42), 100), a);
  assert.notDeepEqual(take(seededRandom(43), 100), a);
  assert.notDeepEqual(take(seededRandom(42 + 2 ** 32), 100), a);
  assert.ok(a.every((x) => x >= 0 && x < 1));
});

test('roughly uniform', () => {
  const r = seededRandom(7);
  const bins = new Array(10).fill(0);
  for (let i = 0; i < 100000; i++) bins[Math.floor(r() * 10)]++;
  for (const b of bins) assert.ok(b > 9500 && b < 10500, String(bins));
});
