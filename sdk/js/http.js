// `import http from 'volley/http'` (or 'k6/http'): k6's HTTP API over the
// host's measured client. Every request is timed by the engine.
import { http as host } from './host.js';
import { encode, decode, tagList } from './text.js';

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

function formEncode(obj) {
  return Object.keys(obj)
    .map((k) => encodeURIComponent(k) + '=' + encodeURIComponent(String(obj[k])))
    .join('&');
}

function bodyBytes(body, headers) {
  if (body === undefined || body === null) return new Uint8Array(0);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (typeof body === 'object') {
    if (!headers.some(([k]) => k.toLowerCase() === 'content-type')) {
      headers.push(['content-type', 'application/x-www-form-urlencoded']);
    }
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
  return {
    method: METHODS[m] ? { tag: METHODS[m] } : { tag: 'other', val: m },
    url: String(url),
    headers,
    body: bytes,
    timeout: nanos(params.timeout),
    name: tags.name === undefined ? undefined : String(tags.name),
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

  /** The body parsed as JSON; with a selector (`items.0.id`), that part. */
  json(selector) {
    if (typeof this.body !== 'string') throw new Error(`the response to ${this.url} has no text body`);
    let v = JSON.parse(this.body);
    if (selector) {
      for (const part of String(selector).split('.')) {
        if (v === undefined || v === null) return undefined;
        v = v[/^\d+$/.test(part) ? Number(part) : part];
      }
    }
    return v;
  }
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
  if (typeof e === 'string') return toRequest('GET', e, null, null);
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
  request, get, head, post, put, patch, del, options, batch, expectedStatuses, setResponseCallback,
};
