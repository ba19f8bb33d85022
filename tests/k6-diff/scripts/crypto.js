// k6-diff: covers: k6/crypto: md5, sha1, sha256, sha384, sha512, sha512_256, hmac, createHash/createHMAC, randomBytes, hexEncode; hex/base64/base64url/base64rawurl/binary
// k6-diff: pacing: iterations
// volley-deviation: metrics[iterations_failed]: Volley adds a counter of failed iterations (docs/k6-mapping.md); k6 only logs them
// Expected digests computed with Python's hashlib and hmac.
import crypto from 'k6/crypto';
import { check } from 'k6';

export const options = { vus: 1, iterations: 2, thresholds: { checks: ['rate==1'] } };

export default function () {
  const msg = 'hello world';
  check(msg, {
    md5: (m) => crypto.md5(m, 'hex') === '5eb63bbbe01eeed093cb22bb8f5acdc3',
    sha1: (m) => crypto.sha1(m, 'hex') === '2aae6c35c94fcfb415dbe95f408b9ce91ee846ed',
    sha256: (m) => crypto.sha256(m, 'hex') === 'b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9',
    sha384: (m) =>
      crypto.sha384(m, 'hex') ===
      'fdbd8e75a67f29f701a4e040385e2e23986303ea10239211af907fcbb83578b3e417cb71ce646efd0819dd8c088de1bd',
    sha512: (m) =>
      crypto.sha512(m, 'hex') ===
      '309ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f989dd35bc5ff499670da34255b45b0cfd830e81f605dcf7dc5542e93ae9cd76f',
    sha512_256: (m) => crypto.sha512_256(m, 'hex') === '0ac561fac838104e3f2e4ad107b4bee3e938bf15f2b15f009ccccd61a913f017',
    'sha256 base64': (m) => crypto.sha256(m, 'base64') === 'uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=',
    'sha256 base64url': (m) => crypto.sha256(m, 'base64url') === 'uU0nuZNNPgilLlLX2n2r-sSE7-N6U4DukIj3rOLvzek=',
    'sha256 base64rawurl': (m) => crypto.sha256(m, 'base64rawurl') === 'uU0nuZNNPgilLlLX2n2r-sSE7-N6U4DukIj3rOLvzek',
    'sha256 binary': (m) => crypto.sha256(m, 'binary').byteLength === 32,
    'UTF-8 input': () => crypto.sha1('café ☕', 'hex') === 'ceb26d538cd94dcf753ed777f3e9134ebd277860',
  });

  const bytes = new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]).buffer;
  check(bytes, {
    'ArrayBuffer input': (b) => crypto.sha256(b, 'hex') === '1f825aa2f0020ef7cf91dfa30da4668d791c5d4824fc8e41354b89ec05795ab3',
    hexEncode: (b) => crypto.hexEncode(b) === '00010203040506070809',
  });

  check(null, {
    'hmac sha256 hex': () => crypto.hmac('sha256', 'secret', 'payload', 'hex') === 'b82fcb791acec57859b989b430a826488ce2e479fdf92326bd0a2e8375a42ba4',
    'hmac sha512 base64': () =>
      crypto.hmac('sha512', 'secret', 'payload', 'base64') ===
      'KR3aqiPK+jqq4cl1U5H0vvNbvby5JzmlYYpciW9lINKw0o0tKYfayXR54xIUpR2Wz86voo5GpPlhtjxGNSoYng==',
    'hmac md5 with a key longer than a block': () =>
      crypto.hmac('md5', 'k'.repeat(200), 'payload', 'hex') === '6cf6422e743d44210a3d24e64e2b32ef',
  });

  const hasher = crypto.createHash('sha256');
  hasher.update('hello ');
  hasher.update('world');
  const mac = crypto.createHMAC('sha256', 'secret');
  mac.update('pay');
  mac.update('load');
  check(null, {
    'createHash in parts': () => hasher.digest('hex') === crypto.sha256('hello world', 'hex'),
    'createHMAC in parts': () => mac.digest('hex') === 'b82fcb791acec57859b989b430a826488ce2e479fdf92326bd0a2e8375a42ba4',
    'sha256 of 1 KiB': () =>
      crypto.sha256('a'.repeat(1024), 'hex') === '2edc986847e209b4016e141a6dc8716d3207350f416969382d431539bf292e4a',
    'randomBytes(16) is 16 bytes': () => crypto.randomBytes(16).byteLength === 16,
  });
}
