// Message digests and HMAC in plain JavaScript (k6/crypto's algorithms):
// MD5 (RFC 1321), SHA-1 and the SHA-2 family (FIPS 180-4). No host calls, so
// the node tests load this file directly. Words are 32-bit ints; SHA-512's
// 64-bit words are kept as (hi, lo) pairs.
import { encode } from './text.js';
import { b64encode } from './encoding.js';

const MD5_K = [
  0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
  0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
  0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
  0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
  0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
  0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
  0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
  0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
];
const SHA512_K = [
  0x428a2f98, 0xd728ae22, 0x71374491, 0x23ef65cd, 0xb5c0fbcf, 0xec4d3b2f, 0xe9b5dba5, 0x8189dbbc,
  0x3956c25b, 0xf348b538, 0x59f111f1, 0xb605d019, 0x923f82a4, 0xaf194f9b, 0xab1c5ed5, 0xda6d8118,
  0xd807aa98, 0xa3030242, 0x12835b01, 0x45706fbe, 0x243185be, 0x4ee4b28c, 0x550c7dc3, 0xd5ffb4e2,
  0x72be5d74, 0xf27b896f, 0x80deb1fe, 0x3b1696b1, 0x9bdc06a7, 0x25c71235, 0xc19bf174, 0xcf692694,
  0xe49b69c1, 0x9ef14ad2, 0xefbe4786, 0x384f25e3, 0x0fc19dc6, 0x8b8cd5b5, 0x240ca1cc, 0x77ac9c65,
  0x2de92c6f, 0x592b0275, 0x4a7484aa, 0x6ea6e483, 0x5cb0a9dc, 0xbd41fbd4, 0x76f988da, 0x831153b5,
  0x983e5152, 0xee66dfab, 0xa831c66d, 0x2db43210, 0xb00327c8, 0x98fb213f, 0xbf597fc7, 0xbeef0ee4,
  0xc6e00bf3, 0x3da88fc2, 0xd5a79147, 0x930aa725, 0x06ca6351, 0xe003826f, 0x14292967, 0x0a0e6e70,
  0x27b70a85, 0x46d22ffc, 0x2e1b2138, 0x5c26c926, 0x4d2c6dfc, 0x5ac42aed, 0x53380d13, 0x9d95b3df,
  0x650a7354, 0x8baf63de, 0x766a0abb, 0x3c77b2a8, 0x81c2c92e, 0x47edaee6, 0x92722c85, 0x1482353b,
  0xa2bfe8a1, 0x4cf10364, 0xa81a664b, 0xbc423001, 0xc24b8b70, 0xd0f89791, 0xc76c51a3, 0x0654be30,
  0xd192e819, 0xd6ef5218, 0xd6990624, 0x5565a910, 0xf40e3585, 0x5771202a, 0x106aa070, 0x32bbd1b8,
  0x19a4c116, 0xb8d2d0c8, 0x1e376c08, 0x5141ab53, 0x2748774c, 0xdf8eeb99, 0x34b0bcb5, 0xe19b48a8,
  0x391c0cb3, 0xc5c95a63, 0x4ed8aa4a, 0xe3418acb, 0x5b9cca4f, 0x7763e373, 0x682e6ff3, 0xd6b2b8a3,
  0x748f82ee, 0x5defb2fc, 0x78a5636f, 0x43172f60, 0x84c87814, 0xa1f0ab72, 0x8cc70208, 0x1a6439ec,
  0x90befffa, 0x23631e28, 0xa4506ceb, 0xde82bde9, 0xbef9a3f7, 0xb2c67915, 0xc67178f2, 0xe372532b,
  0xca273ece, 0xea26619c, 0xd186b8c7, 0x21c0c207, 0xeada7dd6, 0xcde0eb1e, 0xf57d4f7f, 0xee6ed178,
  0x06f067aa, 0x72176fba, 0x0a637dc5, 0xa2c898a6, 0x113f9804, 0xbef90dae, 0x1b710b35, 0x131c471b,
  0x28db77f5, 0x23047d84, 0x32caab7b, 0x40c72493, 0x3c9ebe0a, 0x15c9bebc, 0x431d67c4, 0x9c100d4c,
  0x4cc5d4be, 0xcb3e42b6, 0x597f299c, 0xfc657e2a, 0x5fcb6fab, 0x3ad6faec, 0x6c44198c, 0x4a475817,
];
const SHA512_IV = [
  0x6a09e667, 0xf3bcc908, 0xbb67ae85, 0x84caa73b, 0x3c6ef372, 0xfe94f82b, 0xa54ff53a, 0x5f1d36f1,
  0x510e527f, 0xade682d1, 0x9b05688c, 0x2b3e6c1f, 0x1f83d9ab, 0xfb41bd6b, 0x5be0cd19, 0x137e2179,
];
const SHA384_IV = [
  0xcbbb9d5d, 0xc1059ed8, 0x629a292a, 0x367cd507, 0x9159015a, 0x3070dd17, 0x152fecd8, 0xf70e5939,
  0x67332667, 0xffc00b31, 0x8eb44a87, 0x68581511, 0xdb0c2e0d, 0x64f98fa7, 0x47b5481d, 0xbefa4fa4,
];

// SHA-256's constants are the high halves of SHA-512's first 64 (both are
// the fractional parts of the same cube and square roots).
// Int32Arrays, so that QuickJS keeps every word a small integer instead of a
// double (constants above 2^31 would be doubles in a plain array).
const SHA256_K = Int32Array.from(SHA512_K.filter((_, i) => i % 2 === 0).slice(0, 64));
const SHA256_IV = Int32Array.from(SHA512_IV.filter((_, i) => i % 2 === 0));
const MD5_KI = Int32Array.from(MD5_K);
const SHA512_KI = Int32Array.from(SHA512_K);
const MD5_S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];

/** Input as bytes, as k6 takes it: a string (UTF-8), an ArrayBuffer, a
 * typed array or DataView, or an array of byte values. */
export function toBytes(input) {
  if (typeof input === 'string') return encode(input);
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  if (Array.isArray(input)) return Uint8Array.from(input);
  if (input === undefined || input === null) return new Uint8Array(0);
  return encode(String(input));
}

/** The message with the Merkle–Damgård padding: 0x80, zeros, and the bit
 * length in `lenBytes` bytes (little-endian for MD5, big-endian for SHA). */
function pad(msg, block, lenBytes, little) {
  const n = msg.length;
  const total = Math.ceil((n + 1 + lenBytes) / block) * block;
  const m = new Uint8Array(total);
  m.set(msg);
  m[n] = 0x80;
  // Bit length; messages stay far below 2^53 bits.
  let bits = n * 8;
  for (let i = 0; i < 8; i++) {
    const at = little ? total - lenBytes + i : total - 1 - i;
    m[at] = bits % 256;
    bits = Math.floor(bits / 256);
  }
  return m;
}

function wordsOut(words, count, little) {
  const out = new Uint8Array(count * 4);
  for (let i = 0; i < count; i++) {
    const w = words[i];
    for (let j = 0; j < 4; j++) out[i * 4 + j] = (little ? w >>> (8 * j) : w >>> (24 - 8 * j)) & 255;
  }
  return out;
}

function beWord(m, j) {
  return (m[j] << 24) | (m[j + 1] << 16) | (m[j + 2] << 8) | m[j + 3];
}

function md5(msg) {
  const m = pad(msg, 64, 8, true);
  const h = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
  const w = new Int32Array(16);
  for (let off = 0; off < m.length; off += 64) {
    for (let i = 0; i < 16; i++) {
      const j = off + i * 4;
      w[i] = m[j] | (m[j + 1] << 8) | (m[j + 2] << 16) | (m[j + 3] << 24);
    }
    let [a, b, c, d] = h;
    for (let i = 0; i < 64; i++) {
      let f;
      let g;
      if (i < 16) { f = (b & c) | (~b & d); g = i; }
      else if (i < 32) { f = (d & b) | (~d & c); g = (5 * i + 1) & 15; }
      else if (i < 48) { f = b ^ c ^ d; g = (3 * i + 5) & 15; }
      else { f = c ^ (b | ~d); g = (7 * i) & 15; }
      const s = MD5_S[(i >> 4) * 4 + (i & 3)];
      const t = (a + f + MD5_KI[i] + w[g]) | 0;
      a = d;
      d = c;
      c = b;
      b = (b + ((t << s) | (t >>> (32 - s)))) | 0;
    }
    h[0] = (h[0] + a) | 0;
    h[1] = (h[1] + b) | 0;
    h[2] = (h[2] + c) | 0;
    h[3] = (h[3] + d) | 0;
  }
  return wordsOut(h, 4, true);
}

function sha1(msg) {
  const m = pad(msg, 64, 8, false);
  const h = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];
  const w = new Int32Array(80);
  for (let off = 0; off < m.length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = beWord(m, off + i * 4);
    for (let i = 16; i < 80; i++) {
      const x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16];
      w[i] = (x << 1) | (x >>> 31);
    }
    let [a, b, c, d, e] = h;
    for (let i = 0; i < 80; i++) {
      let f;
      let k;
      if (i < 20) { f = (b & c) | (~b & d); k = 0x5a827999; }
      else if (i < 40) { f = b ^ c ^ d; k = 0x6ed9eba1; }
      else if (i < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8f1bbcdc; }
      else { f = b ^ c ^ d; k = 0xca62c1d6; }
      const t = (((a << 5) | (a >>> 27)) + f + e + k + w[i]) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    h[0] = (h[0] + a) | 0;
    h[1] = (h[1] + b) | 0;
    h[2] = (h[2] + c) | 0;
    h[3] = (h[3] + d) | 0;
    h[4] = (h[4] + e) | 0;
  }
  return wordsOut(h, 5, false);
}

// The rotations are written out: a function call per rotation costs more
// than the rest of a round in QuickJS.
function sha256(msg) {
  const m = pad(msg, 64, 8, false);
  const h = SHA256_IV.slice();
  const w = new Int32Array(64);
  const K = SHA256_K;
  for (let off = 0; off < m.length; off += 64) {
    for (let i = 0; i < 16; i++) {
      const j = off + i * 4;
      w[i] = (m[j] << 24) | (m[j + 1] << 16) | (m[j + 2] << 8) | m[j + 3];
    }
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15];
      const y = w[i - 2];
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    let a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (hh + S1 + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] = (h[0] + a) | 0;
    h[1] = (h[1] + b) | 0;
    h[2] = (h[2] + c) | 0;
    h[3] = (h[3] + d) | 0;
    h[4] = (h[4] + e) | 0;
    h[5] = (h[5] + f) | 0;
    h[6] = (h[6] + g) | 0;
    h[7] = (h[7] + hh) | 0;
  }
  return wordsOut(h, 8, false);
}

// 64-bit rotations and shifts of (hi, lo), returning one half each.
function rotrHi(hi, lo, n) {
  return n < 32 ? (hi >>> n) | (lo << (32 - n)) : (lo >>> (n - 32)) | (hi << (64 - n));
}
function rotrLo(hi, lo, n) {
  return n < 32 ? (lo >>> n) | (hi << (32 - n)) : (hi >>> (n - 32)) | (lo << (64 - n));
}
const shrHi = (hi, lo, n) => hi >>> n;
const shrLo = (hi, lo, n) => (lo >>> n) | (hi << (32 - n));

/** SHA-512 compression over the padded message from `iv`, all 16 words out. */
function sha512Words(msg, iv) {
  const m = pad(msg, 128, 16, false);
  const h = iv.slice();
  const w = new Int32Array(160);
  for (let off = 0; off < m.length; off += 128) {
    for (let i = 0; i < 32; i++) w[i] = beWord(m, off + i * 4);
    for (let i = 16; i < 80; i++) {
      const xh = w[2 * (i - 15)];
      const xl = w[2 * (i - 15) + 1];
      const yh = w[2 * (i - 2)];
      const yl = w[2 * (i - 2) + 1];
      const s0h = rotrHi(xh, xl, 1) ^ rotrHi(xh, xl, 8) ^ shrHi(xh, xl, 7);
      const s0l = rotrLo(xh, xl, 1) ^ rotrLo(xh, xl, 8) ^ shrLo(xh, xl, 7);
      const s1h = rotrHi(yh, yl, 19) ^ rotrHi(yh, yl, 61) ^ shrHi(yh, yl, 6);
      const s1l = rotrLo(yh, yl, 19) ^ rotrLo(yh, yl, 61) ^ shrLo(yh, yl, 6);
      const lo = (w[2 * (i - 16) + 1] >>> 0) + (s0l >>> 0) + (w[2 * (i - 7) + 1] >>> 0) + (s1l >>> 0);
      const hi = w[2 * (i - 16)] + s0h + w[2 * (i - 7)] + s1h + Math.floor(lo / 0x100000000);
      w[2 * i] = hi | 0;
      w[2 * i + 1] = lo | 0;
    }
    let [ah, al, bh, bl, ch, cl, dh, dl, eh, el, fh, fl, gh, gl, hh, hl] = h;
    for (let i = 0; i < 80; i++) {
      const S1h = rotrHi(eh, el, 14) ^ rotrHi(eh, el, 18) ^ rotrHi(eh, el, 41);
      const S1l = rotrLo(eh, el, 14) ^ rotrLo(eh, el, 18) ^ rotrLo(eh, el, 41);
      const chh = (eh & fh) ^ (~eh & gh);
      const chl = (el & fl) ^ (~el & gl);
      const t1l = (hl >>> 0) + (S1l >>> 0) + (chl >>> 0) + (SHA512_KI[2 * i + 1] >>> 0) + (w[2 * i + 1] >>> 0);
      const t1h = (hh + S1h + chh + SHA512_KI[2 * i] + w[2 * i] + Math.floor(t1l / 0x100000000)) | 0;
      const S0h = rotrHi(ah, al, 28) ^ rotrHi(ah, al, 34) ^ rotrHi(ah, al, 39);
      const S0l = rotrLo(ah, al, 28) ^ rotrLo(ah, al, 34) ^ rotrLo(ah, al, 39);
      const majh = (ah & bh) ^ (ah & ch) ^ (bh & ch);
      const majl = (al & bl) ^ (al & cl) ^ (bl & cl);
      const t2l = (S0l >>> 0) + (majl >>> 0);
      const t2h = S0h + majh + Math.floor(t2l / 0x100000000);
      hh = gh;
      hl = gl;
      gh = fh;
      gl = fl;
      fh = eh;
      fl = el;
      const el2 = (dl >>> 0) + (t1l >>> 0);
      eh = (dh + t1h + Math.floor(el2 / 0x100000000)) | 0;
      el = el2 | 0;
      dh = ch;
      dl = cl;
      ch = bh;
      cl = bl;
      bh = ah;
      bl = al;
      const al2 = (t1l >>> 0) + (t2l >>> 0);
      ah = (t1h + t2h + Math.floor(al2 / 0x100000000)) | 0;
      al = al2 | 0;
    }
    const v = [ah, al, bh, bl, ch, cl, dh, dl, eh, el, fh, fl, gh, gl, hh, hl];
    for (let i = 0; i < 16; i += 2) {
      const lo = (h[i + 1] >>> 0) + (v[i + 1] >>> 0);
      h[i] = (h[i] + v[i] + Math.floor(lo / 0x100000000)) | 0;
      h[i + 1] = lo | 0;
    }
  }
  return h;
}

// SHA-512/t's initial values: SHA-512 of "SHA-512/t" from SHA-512's
// initial values XOR a5a5... (FIPS 180-4, 5.3.6). Made on first use.
const truncatedIV = {};
function sha512tIV(t) {
  if (!truncatedIV[t]) {
    const iv = SHA512_IV.map((x) => x ^ 0xa5a5a5a5);
    truncatedIV[t] = sha512Words(encode(`SHA-512/${t}`), iv);
  }
  return truncatedIV[t];
}

const sha512x = (bytes, iv, outLen) => wordsOut(sha512Words(bytes, iv), 16, false).slice(0, outLen);

/** The digests by k6's algorithm names: function and block size (HMAC). */
export const ALGORITHMS = {
  md5: { hash: md5, block: 64 },
  sha1: { hash: sha1, block: 64 },
  sha256: { hash: sha256, block: 64 },
  sha384: { hash: (b) => sha512x(b, SHA384_IV, 48), block: 128 },
  sha512: { hash: (b) => sha512x(b, SHA512_IV, 64), block: 128 },
  sha512_224: { hash: (b) => sha512x(b, sha512tIV(224), 28), block: 128 },
  sha512_256: { hash: (b) => sha512x(b, sha512tIV(256), 32), block: 128 },
};

function algorithm(name) {
  const a = ALGORITHMS[name];
  if (a) return a;
  if (name === 'md4' || name === 'ripemd160') {
    throw new Error(`k6/crypto ${name} is not supported in Volley scenarios (supported: ${Object.keys(ALGORITHMS).join(', ')})`);
  }
  throw new Error(`invalid algorithm: ${name} (supported: ${Object.keys(ALGORITHMS).join(', ')})`);
}

/** The digest of `bytes` with algorithm `name`. */
export function digest(name, bytes) {
  return algorithm(name).hash(toBytes(bytes));
}

/** HMAC (RFC 2104) of `bytes` under `key` with algorithm `name`. */
export function hmacBytes(name, key, bytes) {
  const a = algorithm(name);
  let k = toBytes(key);
  if (k.length > a.block) k = a.hash(k);
  const inner = new Uint8Array(a.block);
  const outer = new Uint8Array(a.block);
  for (let i = 0; i < a.block; i++) {
    const b = i < k.length ? k[i] : 0;
    inner[i] = b ^ 0x36;
    outer[i] = b ^ 0x5c;
  }
  const msg = toBytes(bytes);
  const first = new Uint8Array(a.block + msg.length);
  first.set(inner);
  first.set(msg, a.block);
  const ih = a.hash(first);
  const second = new Uint8Array(a.block + ih.length);
  second.set(outer);
  second.set(ih, a.block);
  return a.hash(second);
}

export function hex(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
  return s;
}

/** A digest in k6's output encodings: hex, base64, base64url,
 * base64rawurl, or binary (an ArrayBuffer). */
export function encodeDigest(bytes, encoding) {
  switch (encoding) {
    case 'hex':
      return hex(bytes);
    case 'base64':
      return b64encode(bytes, 'std');
    case 'base64url':
      return b64encode(bytes, 'url');
    case 'base64rawurl':
      return b64encode(bytes, 'rawurl');
    case 'binary':
      return bytes.slice().buffer;
    default:
      throw new Error(`invalid output encoding: ${encoding} (use hex, base64, base64url, base64rawurl or binary)`);
  }
}
