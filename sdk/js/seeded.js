// A seeded stream of floats in [0, 1) for k6's `randomSeed` (index.js).
// No host calls, so the node tests load it directly.

// sfc32 (the "small fast counter" generator), its state filled by a
// murmur3-style mixer of the seed: 32-bit operations only, good enough for
// Math.random.
export function seededRandom(seed) {
  let s = seed >>> 0;
  let hi = Math.floor(seed / 2 ** 32) >>> 0;
  const mix = () => {
    s = (s + 0x9e3779b9) | 0;
    let z = s ^ hi;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    hi = (hi + 0x6a09e667) | 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = mix();
  let b = mix();
  let c = mix();
  let d = 1;
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) next();
  // 53 bits: 27 from one output and 26 from the next.
  return () => ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992;
}
