// Conversions to the contract's types: UTF-8 without TextEncoder and
// TextDecoder (QuickJS has neither), and k6's tag objects as tag lists.

/** `{k: v}` tags as the contract's list of `[key, value]` strings. */
export function tagList(tags) {
  return tags ? Object.keys(tags).map((k) => [k, String(tags[k])]) : [];
}

/** UTF-8 bytes of a string. Written straight into a typed array (ASCII
 * first, grown at the first wider character): an array of numbers pushed
 * one by one costs twice as much in QuickJS. */
export function encode(s) {
  s = String(s);
  const n = s.length;
  let out = new Uint8Array(n);
  let j = 0;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[j++] = c;
      continue;
    }
    if (out.length - j < 4 + (n - i - 1)) {
      // Room for this character and 3 bytes for each one left.
      const bigger = new Uint8Array(j + 4 + 3 * (n - i));
      bigger.set(out.subarray(0, j));
      out = bigger;
    }
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < n) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c < 0x800) {
      out[j++] = 0xc0 | (c >> 6);
      out[j++] = 0x80 | (c & 63);
    } else if (c < 0x10000) {
      out[j++] = 0xe0 | (c >> 12);
      out[j++] = 0x80 | ((c >> 6) & 63);
      out[j++] = 0x80 | (c & 63);
    } else {
      out[j++] = 0xf0 | (c >> 18);
      out[j++] = 0x80 | ((c >> 12) & 63);
      out[j++] = 0x80 | ((c >> 6) & 63);
      out[j++] = 0x80 | (c & 63);
    }
  }
  return j === out.length ? out : out.slice(0, j);
}

export function decode(bytes) {
  let out = '';
  let chunk = [];
  const flush = () => {
    out += String.fromCharCode.apply(null, chunk);
    chunk = [];
  };
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i];
    let c;
    if (b < 0x80) { c = b; i += 1; }
    else if (b >= 0xc0 && b < 0xe0 && i + 1 < bytes.length) { c = ((b & 31) << 6) | (bytes[i + 1] & 63); i += 2; }
    else if (b >= 0xe0 && b < 0xf0 && i + 2 < bytes.length) { c = ((b & 15) << 12) | ((bytes[i + 1] & 63) << 6) | (bytes[i + 2] & 63); i += 3; }
    else if (b >= 0xf0 && i + 3 < bytes.length) { c = ((b & 7) << 18) | ((bytes[i + 1] & 63) << 12) | ((bytes[i + 2] & 63) << 6) | (bytes[i + 3] & 63); i += 4; }
    else { c = 0xfffd; i += 1; }
    if (c >= 0x10000) {
      c -= 0x10000;
      chunk.push(0xd800 + (c >> 10), 0xdc00 + (c & 1023));
    } else {
      chunk.push(c);
    }
    if (chunk.length > 8192) flush();
  }
  flush();
  return out;
}
