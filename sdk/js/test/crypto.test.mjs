// k6/crypto's digests (hashes.js) against Python's hashlib and hmac: fixed
// vectors, then random inputs of every length around the block sizes,
// hashed by python3 when it is there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ALGORITHMS, digest, hmacBytes, hex, encodeDigest } from '../hashes.js';

// hashlib.<alg>(b'hello world').hexdigest() and hmac.new(b'secret', b'payload', alg).
const HELLO = {
  md5: '5eb63bbbe01eeed093cb22bb8f5acdc3',
  sha1: '2aae6c35c94fcfb415dbe95f408b9ce91ee846ed',
  sha256: 'b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9',
  sha384: 'fdbd8e75a67f29f701a4e040385e2e23986303ea10239211af907fcbb83578b3e417cb71ce646efd0819dd8c088de1bd',
  sha512:
    '309ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f989dd35bc5ff499670da34255b45b0cfd830e81f605dcf7dc5542e93ae9cd76f',
  sha512_256: '0ac561fac838104e3f2e4ad107b4bee3e938bf15f2b15f009ccccd61a913f017',
};

test('digests of "hello world" match hashlib', () => {
  for (const [alg, want] of Object.entries(HELLO)) assert.equal(hex(digest(alg, 'hello world')), want, alg);
});

test('HMAC matches Python hmac, also with a key longer than a block', () => {
  assert.equal(hex(hmacBytes('sha256', 'secret', 'payload')), 'b82fcb791acec57859b989b430a826488ce2e479fdf92326bd0a2e8375a42ba4');
  assert.equal(hex(hmacBytes('md5', 'k'.repeat(200), 'payload')), '6cf6422e743d44210a3d24e64e2b32ef');
});

test('output encodings', () => {
  const d = digest('sha256', 'hello world');
  assert.equal(encodeDigest(d, 'base64'), 'uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=');
  assert.equal(encodeDigest(d, 'base64url'), 'uU0nuZNNPgilLlLX2n2r-sSE7-N6U4DukIj3rOLvzek=');
  assert.equal(encodeDigest(d, 'base64rawurl'), 'uU0nuZNNPgilLlLX2n2r-sSE7-N6U4DukIj3rOLvzek');
  assert.equal(encodeDigest(d, 'binary').byteLength, 32);
  assert.throws(() => encodeDigest(d, 'base32'), /invalid output encoding: base32/);
});

test('unsupported algorithms are named', () => {
  assert.throws(() => digest('ripemd160', 'x'), /ripemd160 is not supported/);
  assert.throws(() => digest('sha3', 'x'), /invalid algorithm: sha3/);
});

function python(program, input) {
  const r = spawnSync('python3', ['-c', program], { input, encoding: 'utf8' });
  return r.status === 0 ? r.stdout : null;
}

test('random inputs of 0..300 bytes match hashlib and hmac', (t) => {
  const cases = [];
  let seed = 12345;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16;
  for (let n = 0; n <= 300; n++) {
    const data = Uint8Array.from({ length: n }, () => rnd() & 255);
    const key = Uint8Array.from({ length: rnd() % 200 }, () => rnd() & 255);
    cases.push({ data: hex(data), key: hex(key) });
  }
  const out = python(
    [
      'import hashlib, hmac, json, sys',
      'algs = ' + JSON.stringify(Object.keys(ALGORITHMS)),
      'res = []',
      'for c in json.load(sys.stdin):',
      '    d, k = bytes.fromhex(c["data"]), bytes.fromhex(c["key"])',
      '    res.append({a: [hashlib.new(a, d).hexdigest(), hmac.new(k, d, a).hexdigest()] for a in algs})',
      'print(json.dumps(res))',
    ].join('\n'),
    JSON.stringify(cases),
  );
  if (out === null) {
    t.skip('python3 with hashlib is not available');
    return;
  }
  const want = JSON.parse(out);
  const bytes = (h) => Uint8Array.from(h.match(/../g) || [], (x) => parseInt(x, 16));
  cases.forEach((c, i) => {
    for (const alg of Object.keys(ALGORITHMS)) {
      assert.equal(hex(digest(alg, bytes(c.data))), want[i][alg][0], `${alg} of ${c.data.length / 2} bytes`);
      assert.equal(hex(hmacBytes(alg, bytes(c.key), bytes(c.data))), want[i][alg][1], `hmac ${alg}`);
    }
  });
});
