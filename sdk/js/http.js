// `import http from 'volley/http'` (or 'k6/http'): k6's HTTP API over the
// host's measured client. Every request is timed by the engine.
import { http as host } from './host.js';
import { encode, decode, tagList } from './text.js';
import { get as jsonPath } from './gjson.js';
import { random } from './index.js';

const METHODS = { GET: 'get', HEAD: 'head', POST: 'post', PUT: 'put', PATCH: 'patch', DELETE: 'delete', OPTIONS: 'options' };

// k6's error codes for the host's error variants.
const ERROR_CODES = { timeout: 1050, dns: 1100, connect: 1200, tls: 1300, protocol: 1600, denied: 1700, invalid: 1000 };

let defaultExpected = [];

function canonical(name) {
  return name.replace(/(^|-)([a-z])/g, (_, dash, c) => dash + c.toUpperCase());
}

/** k6's `Content-Type`-style header name casing. */
function headerObject(list) {
  const out = {};
  for (const [k, v] of list) {
    const key = canonical(k);
    out[key] = key in out ? out[key] + ', ' + v : v;
  }
  return out;
}

/** A duration as k6 accepts it: ms as a number, or '500ms', '30s', '1m'. */
function nanos(t) {
  if (t === undefined || t === null) return undefined;
  if (typeof t === 'number') return Math.round(t * 1e6);
  const m = /^\s*([\d.]+)\s*(ms|s|m|h)?\s*$/.exec(String(t));
  if (!m) throw new Error(`invalid timeout ${JSON.stringify(t)}: use a number of ms or '30s'`);
  const unit = { ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 }[m[2] || 'ms'];
  return Math.round(parseFloat(m[1]) * unit);
}

// The reason phrases of the status line, for `res.status_text` ("200 OK").
const REASONS = {
  100: 'Continue', 101: 'Switching Protocols', 102: 'Processing', 103: 'Early Hints',
  200: 'OK', 201: 'Created', 202: 'Accepted', 203: 'Non-Authoritative Information', 204: 'No Content',
  205: 'Reset Content', 206: 'Partial Content', 207: 'Multi-Status', 208: 'Already Reported', 226: 'IM Used',
  300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 304: 'Not Modified',
  305: 'Use Proxy', 307: 'Temporary Redirect', 308: 'Permanent Redirect',
  400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 406: 'Not Acceptable', 407: 'Proxy Authentication Required',
  408: 'Request Timeout', 409: 'Conflict', 410: 'Gone', 411: 'Length Required', 412: 'Precondition Failed',
  413: 'Request Entity Too Large', 414: 'Request URI Too Long', 415: 'Unsupported Media Type',
  416: 'Requested Range Not Satisfiable', 417: 'Expectation Failed', 418: "I'm a teapot",
  421: 'Misdirected Request', 422: 'Unprocessable Entity', 423: 'Locked', 424: 'Failed Dependency',
  425: 'Too Early', 426: 'Upgrade Required', 428: 'Precondition Required', 429: 'Too Many Requests',
  431: 'Request Header Fields Too Large', 451: 'Unavailable For Legal Reasons',
  500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable',
  504: 'Gateway Timeout', 505: 'HTTP Version Not Supported', 506: 'Variant Also Negotiates',
  507: 'Insufficient Storage', 508: 'Loop Detected', 510: 'Not Extended',
  511: 'Network Authentication Required',
};

/** A URL built by the `http.url` template tag: requests to it are tagged
 * `name` = the template with `${}` for each placeholder, as in k6. */
class URLTemplate {
  constructor(url, name) {
    this.url = url;
    this.name = name;
  }

  toString() {
    return this.url;
  }
}

/** `` http.url`${BASE}/products/${id}` ``: the URL, named
 * `${}/products/${}` in metrics so that ids do not make one series each. */
export function url(strings, ...values) {
  let u = '';
  let name = '';
  strings.forEach((part, i) => {
    u += part;
    name += part;
    if (i < values.length) {
      u += String(values[i]);
      name += '${}';
    }
  });
  return new URLTemplate(u, u === name ? undefined : name);
}

/** A file for a multipart/form-data body (k6's `http.file`): put it as a
 * value of a body object. */
class FileData {
  constructor(data, filename, contentType) {
    this.data = data;
    this.filename = filename;
    this.content_type = contentType;
  }
}

export function file(data, filename, contentType) {
  if (typeof data !== 'string' && !(data instanceof ArrayBuffer) && !ArrayBuffer.isView(data)) {
    throw new Error(`http.file: invalid type ${typeof data}, expected string or ArrayBuffer`);
  }
  return new FileData(
    data,
    filename === undefined ? String(Date.now() * 1e6) : String(filename),
    contentType === undefined ? 'application/octet-stream' : String(contentType),
  );
}

// Go's url.QueryEscape, which k6's form bodies use: space as '+', and only
// letters, digits and -_.~ left as they are.
function queryEscape(s) {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, '+');
}

const formValue = (v) => (v === null || v === undefined ? '<nil>' : String(v));

/** An object body as k6 sends it: keys sorted, arrays as repeated keys. */
function formEncode(obj) {
  const pairs = [];
  for (const k of Object.keys(obj).sort()) {
    const v = obj[k];
    for (const el of Array.isArray(v) ? v : [v]) pairs.push(queryEscape(k) + '=' + queryEscape(formValue(el)));
  }
  return pairs.join('&');
}

function concat(chunks) {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

const escapeQuotes = (s) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

/** An object body holding an `http.file`: multipart/form-data, as k6. */
function multipart(obj) {
  let boundary = '';
  for (let i = 0; i < 30; i++) boundary += (256 + Math.floor(random() * 256)).toString(16).slice(1);
  const chunks = [];
  Object.keys(obj).forEach((k, i) => {
    const v = obj[k];
    let head = (i === 0 ? '' : '\r\n') + `--${boundary}\r\n`;
    let data;
    if (v instanceof FileData) {
      head += `Content-Disposition: form-data; name="${escapeQuotes(k)}"; filename="${escapeQuotes(v.filename)}"\r\n`;
      head += `Content-Type: ${v.content_type}\r\n\r\n`;
      data = typeof v.data === 'string' ? encode(v.data) : v.data instanceof ArrayBuffer ? new Uint8Array(v.data)
        : new Uint8Array(v.data.buffer, v.data.byteOffset, v.data.byteLength);
    } else {
      head += `Content-Disposition: form-data; name="${escapeQuotes(k)}"\r\n\r\n`;
      data = encode(formValue(v));
    }
    chunks.push(encode(head), data);
  });
  chunks.push(encode(`\r\n--${boundary}--\r\n`));
  return { bytes: concat(chunks), type: `multipart/form-data; boundary=${boundary}` };
}

function bodyBytes(body, headers) {
  if (body === undefined || body === null) return new Uint8Array(0);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (typeof body === 'object') {
    const hasType = headers.some(([k]) => k.toLowerCase() === 'content-type');
    if (Object.keys(body).some((k) => body[k] instanceof FileData)) {
      const { bytes, type } = multipart(body);
      if (!hasType) headers.push(['content-type', type]);
      return bytes;
    }
    if (!hasType) headers.push(['content-type', 'application/x-www-form-urlencoded']);
    return encode(formEncode(body));
  }
  return encode(body);
}

/** k6's `http.expectedStatuses(200, {min: 300, max: 399}, ...)`. */
export function expectedStatuses(...specs) {
  return {
    __ranges: specs.map((s) => (typeof s === 'number' ? { min: s, max: s } : { min: s.min, max: s.max })),
  };
}

/** Statuses counted as expected for every later request (k6's
 * `http.setResponseCallback`); `null` restores 200-399. */
export function setResponseCallback(cb) {
  defaultExpected = cb && cb.__ranges ? cb.__ranges : [];
}

function toRequest(method, url, body, params) {
  params = params || {};
  const m = String(method || 'GET').toUpperCase();
  const headers = tagList(params.headers);
  const tags = params.tags || {};
  const cb = params.responseCallback;
  const bytes = bodyBytes(body, headers);
  const name = tags.name !== undefined ? String(tags.name) : url instanceof URLTemplate ? url.name : undefined;
  return {
    method: METHODS[m] ? { tag: METHODS[m] } : { tag: 'other', val: m },
    url: String(url),
    headers,
    body: bytes,
    timeout: nanos(params.timeout),
    name,
    tags: tagList(tags).filter(([k]) => k !== 'name'),
    maxRedirects: params.redirects === undefined ? undefined : params.redirects,
    expectedStatuses: cb && cb.__ranges ? cb.__ranges : defaultExpected,
    discardBody: params.responseType === 'none',
    __binary: params.responseType === 'binary',
  };
}

function ms(ns) {
  return Number(ns) / 1e6;
}

/** A response, shaped like k6's. `headers` and `body` are made on first
 * use: string work is slow in an interpreter inside WebAssembly (three
 * header names cost ~20 µs), and most iterations only look at `status`. */
class Response {
  constructor(req, raw, error) {
    this._req = req;
    this._raw = raw;
    if (raw) {
      this.status = raw.status;
      this.status_text = REASONS[raw.status] ? `${raw.status} ${REASONS[raw.status]}` : String(raw.status);
      this.url = raw.url;
      const t = raw.timings;
      this.timings = {
        blocked: ms(t.blocked),
        connecting: ms(t.connecting),
        tls_handshaking: ms(t.tlsHandshaking),
        sending: ms(t.sending),
        waiting: ms(t.waiting),
        receiving: ms(t.receiving),
        duration: ms(t.duration),
      };
      this.error = '';
      this.error_code = 0;
    } else {
      this.status = 0;
      this.status_text = '';
      this.url = req.url;
      this.timings = { blocked: 0, connecting: 0, tls_handshaking: 0, sending: 0, waiting: 0, receiving: 0, duration: 0 };
      this.error = error.tag === 'timeout' ? 'request timeout' : String(error.val);
      this.error_code = ERROR_CODES[error.tag] || 1000;
    }
  }

  get headers() {
    if (this._headers === undefined) this._headers = this._raw ? headerObject(this._raw.headers) : {};
    return this._headers;
  }

  get body() {
    if (this._body === undefined) {
      const raw = this._raw;
      const req = this._req;
      this._body = !raw || req.discardBody ? null : req.__binary ? raw.body.buffer : decode(raw.body);
    }
    return this._body;
  }

  get request() {
    const m = this._req.method;
    return { method: m.tag === 'other' ? m.val : m.tag.toUpperCase(), url: this._req.url };
  }

  /** The body parsed as JSON; with a GJSON selector (`items.0.id`,
   * `items.#`, `items.#.id`), that part, or undefined when it names nothing
   * or the body is not JSON (as k6). */
  json(selector) {
    if (typeof this.body !== 'string') throw new Error(`the response to ${this.url} has no text body`);
    if (selector === undefined) {
      if (this._json === undefined) this._json = JSON.parse(this.body);
      return this._json;
    }
    let v = this._json;
    if (v === undefined) {
      try {
        v = this._json = JSON.parse(this.body);
      } catch (_) {
        return undefined;
      }
    }
    return jsonPath(v, selector);
  }

  get cookies() {
    return unsupported('res.cookies (the cookies API)');
  }

  html() {
    return unsupported('res.html() (k6/html parsing)');
  }

  submitForm() {
    return unsupported('res.submitForm()');
  }

  clickLink() {
    return unsupported('res.clickLink()');
  }
}

function unsupported(api) {
  throw new Error(`${api} is not supported in Volley scenarios; see docs/languages.md`);
}

function settle(req, result) {
  if (result.tag === 'ok') return new Response(req, result.val);
  return new Response(req, null, result.val);
}

/** Send one request: `http.request('PUT', url, body, params)`. A request
 * that gets no response returns status 0 with `error` set, as in k6. */
export function request(method, url, body, params) {
  const req = toRequest(method, url, body, params);
  try {
    return new Response(req, host.send(req));
  } catch (e) {
    if (e && e.payload && e.payload.tag) return new Response(req, null, e.payload);
    throw e;
  }
}

export const get = (url, params) => request('GET', url, null, params);
export const head = (url, params) => request('HEAD', url, null, params);
export const post = (url, body, params) => request('POST', url, body, params);
export const put = (url, body, params) => request('PUT', url, body, params);
export const patch = (url, body, params) => request('PATCH', url, body, params);
export const del = (url, body, params) => request('DELETE', url, body, params);
export const options = (url, body, params) => request('OPTIONS', url, body, params);

function batchEntry(e) {
  if (typeof e === 'string' || e instanceof URLTemplate) return toRequest('GET', e, null, null);
  if (Array.isArray(e)) return toRequest(e[0], e[1], e[2], e[3]);
  return toRequest(e.method, e.url, e.body, e.params);
}

/** Send requests concurrently (k6's `http.batch`): an array in, an array of
 * responses out; an object of named requests in, an object out. */
export function batch(requests) {
  const keys = Array.isArray(requests) ? null : Object.keys(requests);
  const list = keys ? keys.map((k) => requests[k]) : requests;
  const reqs = list.map(batchEntry);
  const results = host.batch(reqs).map((r, i) => settle(reqs[i], r));
  if (!keys) return results;
  const out = {};
  keys.forEach((k, i) => (out[k] = results[i]));
  return out;
}

export default {
  request, get, head, post, put, patch, del, options, batch, expectedStatuses, setResponseCallback, url, file,
};
