// k6/crypto's side in JavaScript (hashes.js): inputs as bytes, k6's
// algorithm names mapped onto the contract's, output encodings. The
// digests are the host's (tests/e2e and tests/k6-diff check them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALGORITHMS, algorithmOf, encodeDigest, hex, toBytes } from '../hashes.js';

// sha256("hello world"), as hashlib gives it.
const SHA256_HELLO = Uint8Array.from(
  'b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9'.match(/../g),
  (x) => parseInt(x, 16),
);

test('inputs become bytes as k6 takes them', () => {
  assert.deepEqual([...toBytes('hé')], [0x68, 0xc3, 0xa9]);
  assert.deepEqual([...toBytes(new Uint8Array([1, 2]).buffer)], [1, 2]);
  assert.deepEqual([...toBytes(new Uint16Array([0x0201]))], [1, 2]);
  assert.deepEqual([...toBytes([3, 4])], [3, 4]);
  assert.equal(toBytes(undefined).length, 0);
  assert.deepEqual([...toBytes(12)], [0x31, 0x32]);
});

test("k6's algorithm names map onto the contract's", () => {
  assert.equal(algorithmOf('sha512_256'), 'sha512-256');
  assert.equal(algorithmOf('sha512_224'), 'sha512-224');
  assert.equal(algorithmOf('md5'), 'md5');
  assert.deepEqual(Object.keys(ALGORITHMS), ['md5', 'sha1', 'sha256', 'sha384', 'sha512', 'sha512_224', 'sha512_256']);
});

test('unsupported algorithms are named', () => {
  assert.throws(() => algorithmOf('ripemd160'), /ripemd160 is not supported/);
  assert.throws(() => algorithmOf('md4'), /md4 is not supported/);
  assert.throws(() => algorithmOf('sha3'), /invalid algorithm: sha3/);
  assert.throws(() => algorithmOf('constructor'), /invalid algorithm: constructor/);
});

test('output encodings', () => {
  const d = SHA256_HELLO;
  assert.equal(hex(d), 'b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9');
  assert.equal(encodeDigest(d, 'hex'), hex(d));
  assert.equal(encodeDigest(d, 'base64'), 'uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=');
  assert.equal(encodeDigest(d, 'base64url'), 'uU0nuZNNPgilLlLX2n2r-sSE7-N6U4DukIj3rOLvzek=');
  assert.equal(encodeDigest(d, 'base64rawurl'), 'uU0nuZNNPgilLlLX2n2r-sSE7-N6U4DukIj3rOLvzek');
  const bin = encodeDigest(d, 'binary');
  assert.ok(bin instanceof ArrayBuffer);
  assert.equal(bin.byteLength, 32);
  assert.throws(() => encodeDigest(d, 'base32'), /invalid output encoding: base32/);
});
