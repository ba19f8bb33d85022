// `import http from 'volley/http'` (or 'k6/http'): k6's HTTP API over the
// host's measured client. Every request is timed by the engine. A response
// comes with its status, timings and size; its headers, body and cookies
// stay on the host until the script reads them (getters below).
import { http as host } from './host.js';
import { flush } from './record.js';
import { VolleyPromise, addOutstanding } from './eventloop.js';
import { testOptions } from './state.js';
import { encode, decode, tagList } from './text.js';
import { get as jsonPath } from './gjson.js';
import { random } from './index.js';
import {
  headerObject, headerLists, cookieObject, requestCookies, jarCookieOptions, jarCookiesObject, expectationOf,
} from './convert.js';

const METHODS = { GET: 'get', HEAD: 'head', POST: 'post', PUT: 'put', PATCH: 'patch', DELETE: 'delete', OPTIONS: 'options' };

const DEFAULT = { tag: 'default' };

// What `http.setResponseCallback` set for every later request.
let defaultExpect = DEFAULT;

/** A duration as k6 accepts it: ms as a number, or '500ms', '30s', '1m'. */
function nanos(t) {
  if (t === undefined || t === null) return undefined;
  if (typeof t === 'number') return Math.round(t * 1e6);
  const m = /^\s*([\d.]+)\s*(ms|s|m|h)?\s*$/.exec(String(t));
  if (!m) throw new Error(`invalid timeout ${JSON.stringify(t)}: use a number of ms or '30s'`);
  const unit = { ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 }[m[2] || 'ms'];
  return Math.round(parseFloat(m[1]) * unit);
}

// Reason phrases for a status line without one (`res.status_text`, "200 OK").
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
    __ranges: specs.map((s) => {
      if (typeof s === 'number') return { min: s, max: s };
      if (s && typeof s.min === 'number' && typeof s.max === 'number') return { min: s.min, max: s.max };
      throw new Error(`expectedStatuses: ${JSON.stringify(s)} is neither a status nor {min, max}`);
    }),
  };
}

/** The response callback of every later request (k6's
 * `http.setResponseCallback`): `http.expectedStatuses(...)`, or `null` for
 * none (no `expected_response` tag, no `http_req_failed` sample). */
export function setResponseCallback(cb) {
  defaultExpect = expectationOf(cb);
}

// How the body is read and shown: 'text', 'binary', 'none' or 'stream'.
function bodyMode(params) {
  if (params.stream) return 'stream';
  const t = params.responseType;
  if (t === 'none' || t === 'text' || t === 'binary') return t;
  if (t !== undefined) throw new Error(`invalid responseType ${JSON.stringify(t)}: use 'text', 'binary' or 'none'`);
  return testOptions().discardResponseBodies ? 'none' : 'text';
}

const HOST_BODY_MODE = { text: 'buffer', binary: 'buffer', none: 'discard', stream: 'streamed' };

/** The contract's request record, and how to show its response. */
function toRequest(method, url, body, params) {
  params = params || {};
  const m = String(method || 'GET').toUpperCase();
  const headers = tagList(params.headers);
  const tags = params.tags || {};
  const bytes = bodyBytes(body, headers);
  const name = tags.name !== undefined ? String(tags.name) : url instanceof URLTemplate ? url.name : undefined;
  const mode = bodyMode(params);
  // null turns expectations off for this request; absent (or undefined)
  // keeps what http.setResponseCallback set.
  const expect = params.responseCallback === undefined ? defaultExpect : expectationOf(params.responseCallback);
  return {
    mode,
    body: body === undefined ? null : body,
    wit: {
      method: METHODS[m] ? { tag: METHODS[m] } : { tag: 'other', val: m },
      url: String(url),
      headers,
      body: bytes,
      timeout: nanos(params.timeout),
      name,
      tags: tagList(tags).filter(([k]) => k !== 'name'),
      maxRedirects: params.redirects === undefined || params.redirects === null ? undefined : Number(params.redirects),
      expect,
      bodyMode: HOST_BODY_MODE[mode],
      cookies: requestCookies(params.cookies),
    },
  };
}

function ms(ns) {
  return Number(ns) / 1e6;
}

const NO_TIMINGS = Object.freeze({
  blocked: 0, connecting: 0, tls_handshaking: 0, sending: 0, waiting: 0, receiving: 0, duration: 0,
});

function bufferOf(bytes) {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
}

/** A response, shaped like k6's. Everything but the head is read from the
 * host on first use: string work is slow in an interpreter inside
 * WebAssembly, and most iterations only look at `status`. A request that
 * got no response is a Response too, with status 0 and `error` set. */
class Response {
  constructor(req, head, error) {
    this._req = req;
    if (head) {
      this._handle = head.response;
      this.status = head.status;
      this._reason = head.statusText;
      this.proto = head.proto;
      this.url = head.url;
      this.remote_ip = head.remoteIp;
      this.remote_port = head.remotePort;
      const t = head.timings;
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
      this.error_code = head.errorCode;
      this.body_size = Number(head.bodySize);
    } else {
      this._handle = null;
      this.status = 0;
      this._reason = '';
      this.proto = '';
      this.url = req.wit.url;
      this.remote_ip = '';
      this.remote_port = 0;
      this.timings = { ...NO_TIMINGS };
      this.error = error.message;
      this.error_code = error.code;
      this.body_size = 0;
    }
  }

  /** k6's "200 OK": the status and the reason phrase as received. */
  get status_text() {
    if (!this._handle) return '';
    const reason = this._reason || REASONS[this.status];
    return reason ? `${this.status} ${reason}` : String(this.status);
  }

  /** Headers with k6's `Content-Type` casing; repeated ones joined with ", ". */
  get headers() {
    if (this._headers === undefined) this._headers = this._handle ? headerObject(this._handle.headers()) : {};
    return this._headers;
  }

  /** The body: a string, an ArrayBuffer (`responseType: 'binary'`), or null
   * (no response, `responseType: 'none'`, `discardResponseBodies`). For a
   * streamed response, what was not read yet. */
  get body() {
    if (this._body === undefined) {
      const h = this._handle;
      const mode = this._req.mode;
      if (!h || mode === 'none') this._body = null;
      else if (mode === 'binary') this._body = bufferOf(h.body());
      else this._body = h.text();
    }
    return this._body;
  }

  /** k6's `res.cookies`: `{name: [{name, value, domain, path, expires,
   * max_age, secure, http_only}]}`. */
  get cookies() {
    if (this._cookies === undefined) this._cookies = this._handle ? cookieObject(this._handle.cookies()) : {};
    return this._cookies;
  }

  /** The request as sent: method, url, body, and the headers the engine
   * sent (its own included), `{Name: [values]}` as k6. */
  get request() {
    if (this._request === undefined) {
      const r = this._req.wit;
      const handle = this._handle;
      const body = this._req.body;
      let headers;
      this._request = {
        method: r.method.tag === 'other' ? r.method.val : r.method.tag.toUpperCase(),
        url: r.url,
        body: body === null || typeof body === 'string' ? body || '' : decode(r.body),
        get headers() {
          if (headers === undefined) headers = handle ? headerLists(handle.requestHeaders()) : headerLists(r.headers);
          return headers;
        },
        cookies: Object.fromEntries(r.cookies.map((c) => [c.name, [{ name: c.name, value: c.value, replace: c.replace }]])),
      };
    }
    return this._request;
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

  /** Volley: the next part of a streamed body (`{stream: true}`), at most
   * `max` bytes: `{data: ArrayBuffer, at}` (`at`: when its bytes arrived,
   * ms on the monotonic clock; the kernel's receive stamp on Linux), or null at its end. The VU waits for the
   * bytes without holding a thread. */
  readChunk(max) {
    const h = this._streamed('readChunk');
    flush();
    const c = unwrap(() => h.readChunk(max === undefined ? 65536 : Math.max(1, Math.floor(Number(max)))));
    if (c === null || c === undefined) return null;
    return { data: bufferOf(c.data), at: ms(c.at) };
  }

  /** Volley: the next server-sent event of a streamed body, `{event, data,
   * id, retry, at}`, or null at its end. */
  nextEvent() {
    const h = this._streamed('nextEvent');
    flush();
    const e = unwrap(() => h.nextEvent());
    if (e === null || e === undefined) return null;
    return {
      event: e.event,
      data: e.data,
      id: e.id === undefined ? null : e.id,
      retry: e.retry === undefined || e.retry === null ? null : Number(e.retry),
      at: ms(e.at),
    };
  }

  /** Volley: the server-sent events of a streamed body, as they arrive:
   * `for (const ev of res.events()) { ... }`. */
  *events() {
    for (let e = this.nextEvent(); e !== null; e = this.nextEvent()) yield e;
  }

  /** Volley: end a streamed body now (the connection is closed unless it
   * was read to its end). */
  close() {
    const h = this._handle;
    this._handle = null;
    if (h && typeof h[Symbol.dispose] === 'function') h[Symbol.dispose]();
  }

  _streamed(what) {
    if (!this._handle) throw new Error(`res.${what}(): the request to ${this.url} got no response (${this.error})`);
    if (this._req.mode !== 'stream') throw new Error(`res.${what}() needs a streamed response: pass {stream: true} in the request's params`);
    return this._handle;
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

/** A host error record from an exception the bindings threw, or undefined. */
function hostError(e) {
  const p = e && e.payload !== undefined ? e.payload : e;
  return p && typeof p === 'object' && typeof p.code === 'number' && typeof p.message === 'string' ? p : undefined;
}

// A streamed read's failure, as an Error with k6's error and error_code.
function unwrap(f) {
  try {
    return f();
  } catch (e) {
    const err = hostError(e);
    if (!err) throw e;
    const out = new Error(err.message);
    out.error_code = err.code;
    out.kind = err.kind;
    throw out;
  }
}

/** A request that got no response: status 0 with `error` and `error_code`,
 * as k6; an exception instead with the `throw` option. */
function failed(req, err) {
  if (testOptions().throw) {
    const e = new Error(err.message);
    e.error_code = err.code;
    throw e;
  }
  return new Response(req, null, err);
}

function settle(req, result) {
  if (result.tag === 'ok') return new Response(req, result.val);
  return failed(req, result.val);
}

function sendOne(req) {
  let head;
  try {
    head = host.send(req.wit);
  } catch (e) {
    const err = hostError(e);
    if (err) return failed(req, err);
    throw e;
  }
  return new Response(req, head);
}

/** Send one request: `http.request('PUT', url, body, params)`. A request
 * that gets no response returns status 0 with `error` set, as in k6. */
export function request(method, url, body, params) {
  const req = toRequest(method, url, body, params);
  flush();
  return sendOne(req);
}

export const get = (url, params) => request('GET', url, null, params);
export const head = (url, params) => request('HEAD', url, null, params);
export const post = (url, body, params) => request('POST', url, body, params);
export const put = (url, body, params) => request('PUT', url, body, params);
export const patch = (url, body, params) => request('PATCH', url, body, params);
export const del = (url, body, params) => request('DELETE', url, body, params);
export const options = (url, body, params) => request('OPTIONS', url, body, params);

/** k6's `http.asyncRequest`: the request starts now and proceeds while the
 * script goes on; the returned Promise settles with its Response. The
 * SDK's event loop (eventloop.js) waits for it on the host when the script
 * awaits and nothing else is ready, so requests started together proceed
 * together: `await Promise.all([http.asyncRequest(...), ...])` runs them
 * concurrently. */
export function asyncRequest(method, url, body, params) {
  let req;
  try {
    req = toRequest(method, url, body, params);
  } catch (e) {
    return VolleyPromise.reject(e);
  }
  flush();
  const pending = host.start(req.wit);
  return new VolleyPromise((resolve, reject) => {
    addOutstanding({
      ready: () => pending.isReady(),
      settle: () => {
        flush();
        let head;
        try {
          head = pending.wait();
        } catch (e) {
          const err = hostError(e);
          if (!err) {
            reject(e);
            return;
          }
          try {
            resolve(failed(req, err));
          } catch (thrown) {
            reject(thrown);
          }
          return;
        }
        resolve(new Response(req, head));
      },
    });
  });
}

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
  flush();
  const results = host.batch(reqs.map((r) => r.wit)).map((r, i) => settle(reqs[i], r));
  if (!keys) return results;
  const out = {};
  keys.forEach((k, i) => (out[k] = results[i]));
  return out;
}

/** The VU's cookie jar (k6's `http.cookieJar()`), kept by the host. It is
 * emptied at the start of every iteration, as in k6. */
class CookieJar {
  /** `jar.set(url, name, value, {domain, path, expires, max_age, secure, http_only})`. */
  set(url, name, value, options) {
    try {
      host.jarSet(String(url), String(name), String(value), jarCookieOptions(options));
    } catch (e) {
      const p = e && e.payload !== undefined ? e.payload : e;
      throw new Error(`jar.set: ${typeof p === 'string' ? p : (p && p.message) || String(p)}`);
    }
  }

  /** `{name: [value, ...]}` of the cookies a request to `url` would send. */
  cookiesForURL(url) {
    return jarCookiesObject(host.jarCookiesForUrl(String(url)));
  }

  /** Remove the cookies for `url`. */
  clear(url) {
    host.jarClear(url === undefined || url === null ? undefined : String(url));
  }

  /** Remove cookie `name` for `url`. */
  delete(url, name) {
    host.jarDelete(String(url), String(name));
  }
}

const jar = new CookieJar();

/** The VU's cookie jar. */
export function cookieJar() {
  return jar;
}

export default {
  request, get, head, post, put, patch, del, options, batch, asyncRequest, expectedStatuses, setResponseCallback,
  url, file, cookieJar,
};
