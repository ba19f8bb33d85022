// `import encoding from 'volley/encoding'` (or 'k6/encoding'): base64 as k6
// has it, for UTF-8 strings and binary data.
import { encode, decode } from './text.js';

const STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function bytesOf(input) {
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  return encode(String(input));
}

/** k6's `b64encode(input, encoding)`; encoding is 'std' (default),
 * 'rawstd' (no padding), 'url' or 'rawurl'. */
export function b64encode(input, encoding) {
  const enc = encoding || 'std';
  const alphabet = enc.endsWith('url') ? URL : STD;
  const b = bytesOf(input);
  let out = '';
  for (let i = 0; i < b.length; i += 3) {
    const n = (b[i] << 16) | ((b[i + 1] || 0) << 8) | (b[i + 2] || 0);
    out += alphabet[(n >> 18) & 63] + alphabet[(n >> 12) & 63];
    out += i + 1 < b.length ? alphabet[(n >> 6) & 63] : '';
    out += i + 2 < b.length ? alphabet[n & 63] : '';
  }
  if (!enc.startsWith('raw')) while (out.length % 4) out += '=';
  return out;
}

/** k6's `b64decode(input, encoding, format)`: an ArrayBuffer, or a string
 * when format is 's'. */
export function b64decode(input, encoding, format) {
  const s = String(input).replace(/=+$/, '');
  const out = [];
  let bits = 0;
  let value = 0;
  for (const ch of s) {
    let v = STD.indexOf(ch);
    if (v < 0) v = URL.indexOf(ch);
    if (v < 0) throw new Error(`b64decode: invalid character ${JSON.stringify(ch)}`);
    value = (value << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >> bits) & 255);
    }
  }
  const bytes = new Uint8Array(out);
  return format === 's' ? decode(bytes) : bytes.buffer;
}

export default { b64encode, b64decode };
