// `import crypto from 'k6/crypto'` (or 'volley/crypto'): k6's hashing API.
// Digests, HMACs and random bytes are computed on the host
// (`volley:scenario/crypto`); hashes.js names the algorithms and encodes
// the output. k6's md4 and ripemd160 are not there: calling them fails the
// build, and createHash('md4') throws saying so.
import { crypto as host } from './host.js';
import { algorithmOf, toBytes, encodeDigest, hex } from './hashes.js';

const MAX_RANDOM = 65536;

/** An incremental hash or HMAC: `update(input)` any number of times, then
 * `digest(encoding)`. The input is kept and hashed in one host call at
 * `digest`; as in k6, `digest` does not reset the state. */
class Hasher {
  constructor(algorithm, key) {
    this._algorithm = algorithmOf(algorithm);
    this._key = key === undefined ? undefined : toBytes(key).slice();
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
    const sum = this._key === undefined ? host.hash(this._algorithm, all) : host.hmac(this._algorithm, this._key, all);
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
  return encodeDigest(host.hmac(algorithmOf(String(algorithm)), toBytes(key), toBytes(data)), encoding);
}

const hashWith = (name) => {
  const algorithm = algorithmOf(name);
  return (input, encoding) => encodeDigest(host.hash(algorithm, toBytes(input)), encoding);
};

export const md5 = hashWith('md5');
export const sha1 = hashWith('sha1');
export const sha256 = hashWith('sha256');
export const sha384 = hashWith('sha384');
export const sha512 = hashWith('sha512');
export const sha512_224 = hashWith('sha512_224');
export const sha512_256 = hashWith('sha512_256');

/** `size` cryptographically random bytes as an ArrayBuffer, from the host
 * (as k6's, not repeatable with `--seed`). */
export function randomBytes(size) {
  const n = Math.floor(Number(size));
  if (!(n >= 1)) throw new Error('invalid size');
  const out = new Uint8Array(n);
  for (let at = 0; at < n; at += MAX_RANDOM) {
    out.set(host.randomBytes(Math.min(MAX_RANDOM, n - at)), at);
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
