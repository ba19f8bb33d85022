// k6/crypto's inputs, algorithm names and output encodings, without host
// calls (node tests them). The digests themselves are the host's
// (`volley:scenario/crypto`, crypto.js): microseconds where a digest in
// QuickJS took a millisecond per KiB.
import { encode } from './text.js';
import { b64encode } from './encoding.js';

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

/** k6's algorithm names and the contract's `crypto.algorithm` of each. */
export const ALGORITHMS = {
  md5: 'md5',
  sha1: 'sha1',
  sha256: 'sha256',
  sha384: 'sha384',
  sha512: 'sha512',
  sha512_224: 'sha512-224',
  sha512_256: 'sha512-256',
};

/** The contract's algorithm for k6's `name`; a clear error for the others. */
export function algorithmOf(name) {
  const a = Object.prototype.hasOwnProperty.call(ALGORITHMS, name) ? ALGORITHMS[name] : undefined;
  if (a) return a;
  if (name === 'md4' || name === 'ripemd160') {
    throw new Error(`k6/crypto ${name} is not supported in Volley scenarios (supported: ${Object.keys(ALGORITHMS).join(', ')})`);
  }
  throw new Error(`invalid algorithm: ${name} (supported: ${Object.keys(ALGORITHMS).join(', ')})`);
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
