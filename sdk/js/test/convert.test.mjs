// k6's shapes against the contract's records (convert.js), the record
// buffer (buffer.js), the VU tags proxy (tags.js) and handleSummary's
// files and text summary (summary.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  canonical, cookieObject, expectationOf, headerLists, headerObject, jarCookieOptions, jarCookiesObject, requestCookies,
} from '../convert.js';
import { makeBuffer, MAX_BUFFERED } from '../buffer.js';
import { makeTags } from '../tags.js';
import { formatBytes, formatDuration, summaryFiles, textSummary } from '../summary.js';

test("headers in k6's casing", () => {
  assert.equal(canonical('content-type'), 'Content-Type');
  assert.equal(canonical('X-REQUEST-ID'), 'X-Request-Id');
  const list = [['content-type', 'text/plain'], ['set-cookie', 'a=1'], ['set-cookie', 'b=2']];
  assert.deepEqual(headerObject(list), { 'Content-Type': 'text/plain', 'Set-Cookie': 'a=1, b=2' });
  assert.deepEqual(headerLists(list), { 'Content-Type': ['text/plain'], 'Set-Cookie': ['a=1', 'b=2'] });
});

test("cookies: k6's res.cookies, params.cookies, jar options and cookiesForURL", () => {
  const res = cookieObject([
    { name: 'a', value: '1', domain: 'x', path: '/', expires: 10, maxAge: null, secure: true, httpOnly: false, sameSite: 'Lax' },
    { name: 'a', value: '2', domain: 'x', path: '/p', expires: null, maxAge: 5, secure: false, httpOnly: true, sameSite: null },
  ]);
  assert.deepEqual(res.a[0], {
    name: 'a', value: '1', domain: 'x', path: '/', expires: 10000, max_age: 0, secure: true, http_only: false, same_site: 'Lax',
  });
  assert.equal(res.a[1].max_age, 5);
  assert.equal(res.a[1].expires, 0);
  assert.deepEqual(requestCookies({ a: 'x', b: { value: 'y', replace: true }, c: 3 }), [
    { name: 'a', value: 'x', replace: false },
    { name: 'b', value: 'y', replace: true },
    { name: 'c', value: '3', replace: false },
  ]);
  assert.deepEqual(requestCookies(undefined), []);
  assert.deepEqual(jarCookieOptions({ domain: 'x', expires: 'Thu, 01 Jan 1970 00:01:40 GMT', max_age: 9, secure: 1 }), {
    domain: 'x', path: undefined, expires: 100, maxAge: 9, secure: true, httpOnly: false,
  });
  assert.throws(() => jarCookieOptions({ expires: 'soon' }), /not a date/);
  assert.deepEqual(jarCookiesObject([{ name: 'a', value: '1' }, { name: 'a', value: '2' }]), { a: ['1', '2'] });
});

test('response callbacks become expectations', () => {
  assert.deepEqual(expectationOf(null), { tag: 'none' });
  assert.deepEqual(expectationOf(undefined), { tag: 'default' });
  assert.deepEqual(expectationOf({ __ranges: [{ min: 200, max: 204 }] }), { tag: 'statuses', val: [{ min: 200, max: 204 }] });
  assert.throws(() => expectationOf(() => true), /only http\.expectedStatuses/);
});

test('the record buffer stamps each entry and delivers in batches', () => {
  let t = 100;
  const batches = [];
  const b = makeBuffer({ now: () => t++, deliver: (e) => batches.push(e), max: 3 });
  b.check('ok', true, [['k', 'v']]);
  b.add(7, 1.5, []);
  assert.equal(batches.length, 0);
  b.flush();
  assert.deepEqual(batches[0], [
    { tag: 'check', val: { name: 'ok', ok: true, tags: [['k', 'v']], at: 100 } },
    { tag: 'add', val: { metric: 7, value: 1.5, tags: [], at: 101 } },
  ]);
  b.flush();
  assert.equal(batches.length, 1, 'an empty buffer delivers nothing');
  for (let i = 0; i < 3; i++) b.check(`c${i}`, false, []);
  assert.equal(batches.length, 2, 'a full buffer is delivered at once');
  assert.equal(b.size, 0);
  assert.equal(MAX_BUFFERED, 256);
});

test("exec.vu.tags reads, sets and deletes the host's tags", () => {
  const host = new Map([['scenario', 'default']]);
  const calls = [];
  const tags = makeTags({
    get: () => [...host],
    set: (k, v) => {
      calls.push(['set', k, v]);
      host.set(k, v);
    },
    remove: (k) => {
      calls.push(['delete', k]);
      host.delete(k);
    },
  });
  tags.step = 'login';
  tags.n = 3;
  assert.equal(tags.step, 'login');
  assert.equal(tags.n, '3');
  assert.ok('step' in tags);
  assert.deepEqual(Object.keys(tags), ['scenario', 'step', 'n']);
  delete tags.step;
  assert.equal(tags.step, undefined);
  assert.throws(() => {
    tags.bad = { a: 1 };
  }, /must be a string, number or boolean/);
  assert.deepEqual(JSON.parse(JSON.stringify(tags)), { scenario: 'default', n: '3' });
  assert.deepEqual(calls, [['set', 'step', 'login'], ['set', 'n', '3'], ['delete', 'step']]);
});

test("handleSummary's files: strings and bytes, anything else refused", () => {
  const files = summaryFiles({ stdout: 'hé', 'a.bin': new Uint8Array([1, 2]).buffer, 'b.bin': new Uint8Array([3]) });
  assert.deepEqual(files.map((f) => [f.path, [...f.content]]), [['stdout', [0x68, 0xc3, 0xa9]], ['a.bin', [1, 2]], ['b.bin', [3]]]);
  assert.throws(() => summaryFiles({ x: 1 }), /must be a string or an ArrayBuffer, not number/);
  assert.throws(() => summaryFiles('text'), /must return an object/);
});

test('textSummary lays out checks, groups, metrics and thresholds', () => {
  const data = {
    root_group: {
      checks: [{ name: 'status 200', passes: 3, fails: 0 }],
      groups: [{ name: 'login', checks: [{ name: 'token', passes: 1, fails: 1 }], groups: [] }],
    },
    options: { summaryTrendStats: ['avg', 'p(95)'] },
    metrics: {
      http_req_duration: { type: 'trend', contains: 'time', values: { avg: 1.5, 'p(95)': 0.25 } },
      'http_req_duration{expected_response:true}': { type: 'trend', contains: 'time', values: { avg: 1500, 'p(95)': 2 } },
      http_reqs: { type: 'counter', contains: 'default', values: { count: 3, rate: 1.5 }, thresholds: { 'count==3': { ok: true } } },
      checks: { type: 'rate', contains: 'default', values: { rate: 0.75, passes: 3, fails: 1 }, thresholds: { 'rate==1': { ok: false } } },
      data_received: { type: 'counter', contains: 'data', values: { count: 1234, rate: 617 } },
    },
  };
  const text = textSummary(data, { indent: ' ', enableColors: false });
  assert.match(text, /✓ status 200/);
  assert.match(text, /█ login/);
  assert.match(text, /✗ token\n.*↳  50% — ✓ 1 \/ ✗ 1/);
  assert.match(text, /✗ checks\.+: 75% 3 out of 4/);
  assert.match(text, /✓ http_reqs\.+: 3 1\.5\/s/);
  assert.match(text, /http_req_duration\.+: avg=1\.5ms p\(95\)=250µs/);
  assert.match(text, /\n.*\{ expected_response:true \}\.+: avg=1\.5s p\(95\)=2ms/);
  assert.match(text, /data_received\.+: 1\.2 kB 617 B\/s/);
  assert.ok(text.indexOf('http_req_duration') < text.indexOf('{ expected_response:true }'));
  assert.doesNotMatch(text, /\u001b\[/);
  assert.match(textSummary(data, { enableColors: true }), /\u001b\[32m/);
  assert.equal(formatDuration(61500), '1m1.5s');
  assert.equal(formatBytes(999), '999 B');
});
