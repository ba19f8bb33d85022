// Conversions between k6's shapes and the contract's records, without host
// calls (node tests them: test/convert.test.mjs).

/** `content-type` → `Content-Type`, as Go (and so k6) writes header names. */
export function canonical(name) {
  return String(name).toLowerCase().replace(/(^|-)([a-z])/g, (_, dash, c) => dash + c.toUpperCase());
}

/** k6's `res.headers`: canonical names, repeated headers joined with ", ". */
export function headerObject(list) {
  const out = {};
  for (const [k, v] of list) {
    const key = canonical(k);
    out[key] = key in out ? out[key] + ', ' + v : v;
  }
  return out;
}

/** k6's `res.request.headers`: `{Name: [value, ...]}`. */
export function headerLists(list) {
  const out = {};
  for (const [k, v] of list) {
    const key = canonical(k);
    (out[key] || (out[key] = [])).push(v);
  }
  return out;
}

const seconds = (v) => (v === undefined || v === null ? 0 : Number(v));

/** k6's `res.cookies` from the contract's response cookies: `{name: [{name,
 * value, domain, path, expires (Unix ms, 0 for a session cookie), max_age,
 * secure, http_only, same_site}]}`. */
export function cookieObject(list) {
  const out = {};
  for (const c of list) {
    const cookie = {
      name: c.name,
      value: c.value,
      domain: c.domain,
      path: c.path,
      expires: seconds(c.expires) * 1000,
      max_age: seconds(c.maxAge),
      secure: c.secure,
      http_only: c.httpOnly,
      same_site: c.sameSite === undefined || c.sameSite === null ? '' : c.sameSite,
    };
    (out[c.name] || (out[c.name] = [])).push(cookie);
  }
  return out;
}

/** k6's `params.cookies` (`{name: 'value'}` or `{name: {value, replace}}`)
 * as the contract's request cookies. */
export function requestCookies(cookies) {
  if (!cookies) return [];
  return Object.keys(cookies).map((name) => {
    const c = cookies[name];
    if (c !== null && typeof c === 'object') {
      return { name, value: String(c.value === undefined ? '' : c.value), replace: !!c.replace };
    }
    return { name, value: String(c), replace: false };
  });
}

/** k6's `jar.set` options (`expires` a date string, `max_age` seconds) as
 * the contract's cookie options. */
export function jarCookieOptions(o) {
  o = o || {};
  let expires;
  if (o.expires !== undefined && o.expires !== null && o.expires !== '') {
    const t = typeof o.expires === 'number' ? o.expires : Date.parse(String(o.expires));
    if (!Number.isFinite(t)) throw new Error(`jar.set: expires ${JSON.stringify(o.expires)} is not a date`);
    expires = Math.floor(t / 1000);
  }
  return {
    domain: o.domain ? String(o.domain) : undefined,
    path: o.path ? String(o.path) : undefined,
    expires,
    maxAge: o.max_age === undefined || o.max_age === null ? undefined : Math.trunc(Number(o.max_age)),
    secure: !!o.secure,
    httpOnly: !!o.http_only,
  };
}

/** k6's `jar.cookiesForURL(url)`: `{name: [value, ...]}`. */
export function jarCookiesObject(list) {
  const out = {};
  for (const c of list) (out[c.name] || (out[c.name] = [])).push(c.value);
  return out;
}

/** The contract's expectation of a k6 response callback:
 * `http.expectedStatuses(...)` → statuses, `null` → none (k6's
 * `responseCallback: null`), `undefined` → the run's default (200-399). */
export function expectationOf(cb) {
  if (cb === null) return { tag: 'none' };
  if (cb === undefined) return { tag: 'default' };
  if (cb && Array.isArray(cb.__ranges)) return { tag: 'statuses', val: cb.__ranges };
  throw new Error('responseCallback: only http.expectedStatuses(...) or null is supported in Volley scenarios');
}
