// `import crypto from 'k6/crypto'` (or 'volley/crypto'): k6's hashing API in
// plain JavaScript (see hashes.js). Digests run inside the VU's
// interpreter: fine for signing requests, not for hashing megabytes. k6's
// md4 and ripemd160 are not here: calling them fails the build, and
// createHash('md4') throws saying so.
import { ALGORITHMS, digest, hmacBytes, toBytes, encodeDigest, hex } from './hashes.js';
import { random } from './index.js';

/** An incremental hash or HMAC: `update(input)` any number of times, then
 * `digest(encoding)`. As in k6, `digest` does not reset the state. */
class Hasher {
  constructor(algorithm, key) {
    if (!ALGORITHMS[algorithm]) digest(algorithm, ''); // throws the clear error
    this._algorithm = algorithm;
    this._key = key === undefined ? undefined : toBytes(key);
    this._parts = [];
    this._length = 0;
  }

  update(input) {
    const b = toBytes(input).slice();
    this._parts.push(b);
    this._length += b.length;
  }

  digest(encoding) {
    const all = new Uint8Array(this._length);
    let at = 0;
    for (const p of this._parts) {
      all.set(p, at);
      at += p.length;
    }
    const sum = this._key === undefined ? digest(this._algorithm, all) : hmacBytes(this._algorithm, this._key, all);
    return encodeDigest(sum, encoding);
  }
}

export function createHash(algorithm) {
  return new Hasher(String(algorithm));
}

export function createHMAC(algorithm, key) {
  return new Hasher(String(algorithm), key);
}

/** `hmac('sha256', secret, data, 'hex')`. */
export function hmac(algorithm, key, data, encoding) {
  return encodeDigest(hmacBytes(String(algorithm), key, data), encoding);
}

const hashWith = (name) => (input, encoding) => encodeDigest(digest(name, input), encoding);

export const md5 = hashWith('md5');
export const sha1 = hashWith('sha1');
export const sha256 = hashWith('sha256');
export const sha384 = hashWith('sha384');
export const sha512 = hashWith('sha512');
export const sha512_224 = hashWith('sha512_224');
export const sha512_256 = hashWith('sha512_256');

/** `size` random bytes as an ArrayBuffer. They come from the VU's random
 * stream (seeded by `--seed`, so a seeded run repeats them), not from a
 * cryptographic source as in k6: fine for nonces and ids in a load test. */
export function randomBytes(size) {
  const n = Number(size);
  if (!(n >= 1)) throw new Error('invalid size');
  const out = new Uint8Array(Math.floor(n));
  for (let i = 0; i < out.length; i += 6) {
    // 48 of the 53 bits a float from the stream carries.
    let r = Math.floor(random() * 2 ** 48);
    for (let j = i; j < i + 6 && j < out.length; j++) {
      out[j] = r % 256;
      r = Math.floor(r / 256);
    }
  }
  return out.buffer;
}

/** Bytes (ArrayBuffer, typed array or string) as lower-case hex. */
export function hexEncode(data) {
  return hex(toBytes(data));
}

export default {
  createHash, createHMAC, hmac, md5, randomBytes, sha1, sha256, sha384, sha512,
  sha512_224, sha512_256, hexEncode,
};
