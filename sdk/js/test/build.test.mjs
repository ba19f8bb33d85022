// build.mjs refuses what Volley cannot run with file:line, and bundles
// remote modules from its cache. Failing builds stop before componentizing,
// so these are quick; one test builds a whole component.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BUILD = join(dirname(fileURLToPath(import.meta.url)), '..', 'build.mjs');

function build(files, env = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'volley-build-test-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  const out = join(dir, 'out.wasm');
  const r = spawnSync(process.execPath, [BUILD, join(dir, 'script.js'), out], {
    encoding: 'utf8',
    env: { ...process.env, VOLLEY_JSLIB_CACHE: join(dir, 'cache'), ...env },
  });
  return { dir, status: r.status, stderr: r.stderr, built: existsSync(out), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

test('unsupported k6 modules fail the build, each with file:line', () => {
  const r = build({
    'script.js': [
      "import http from 'k6/http';",
      "import ws from 'k6/ws';",
      "import { browser } from 'k6/browser';",
      "import grpc from 'k6/net/grpc';",
      "import redis from 'k6/experimental/redis';",
      'export default function () {}',
    ].join('\n'),
  });
  r.cleanup();
  assert.equal(r.status, 1);
  assert.match(r.stderr, /script\.js:2: k6\/ws is not available in Volley scenarios \(WebSockets/);
  assert.match(r.stderr, /script\.js:3: k6\/browser is not available/);
  assert.match(r.stderr, /script\.js:4: k6\/net\/grpc is not available/);
  assert.match(r.stderr, /script\.js:5: k6\/experimental\/redis is not available/);
  assert.doesNotMatch(r.stderr, /not a function/);
});

test('functions the SDK lacks fail the build with file:line', () => {
  const r = build({
    'script.js': [
      "import http from 'k6/http';",
      "import { CookieJar } from 'k6/http';",
      'export default function () {',
      "  const res = http.get('http://127.0.0.1:1/');",
      "  res.html().find('a');",
      "  http.noSuchThing('GET', 'http://127.0.0.1:1/');",
      '}',
    ].join('\n'),
  });
  r.cleanup();
  assert.equal(r.status, 1);
  assert.match(r.stderr, /script\.js:2: CookieJar from k6\/http is not supported/);
  assert.match(r.stderr, /script\.js:5: res\.html\(\) \(HTML parsing\) is not supported/);
  assert.match(r.stderr, /script\.js:6: http\.noSuchThing \(k6\/http\) is not supported/);
});

test('members of k6/execution the SDK lacks fail the build; those 0.2 added do not', () => {
  const r = build({
    'script.js': [
      "import exec from 'k6/execution';",
      'export default function () {',
      '  const id = exec.vu.idInTest + exec.scenario.iterationInTest + exec.scenario.progress;',
      "  exec.vu.tags.step = 'login';",
      '  exec.vu.metrics.tags.x = 1;',
      '  exec.vu.noSuchMember;',
      '  return exec.test.options;',
      '}',
    ].join('\n'),
  });
  r.cleanup();
  assert.equal(r.status, 1);
  assert.match(r.stderr, /script\.js:6: exec\.vu\.noSuchMember \(k6\/execution\) is not supported/);
  assert.doesNotMatch(r.stderr, /idInTest|iterationInTest|progress|tags|options/);
});

test('the APIs contract 0.2 brought build: asyncRequest, cookieJar, handleSummary with textSummary', () => {
  const r = build({
    'script.js': [
      "import http from 'k6/http';",
      "import { textSummary } from 'https://jslib.k6.io/k6-summary/0.0.2/index.js';",
      'export default async function () {',
      "  const res = await http.asyncRequest('GET', 'http://127.0.0.1:1/');",
      "  http.cookieJar().set('http://127.0.0.1:1/', 'a', 'b');",
      "  for (const ev of http.get('http://127.0.0.1:1/', { stream: true }).events()) res.x = ev;",
      '}',
      'export function handleSummary(data) { return { stdout: textSummary(data) }; }',
    ].join('\n'),
  });
  r.cleanup();
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.built);
});

test('open() needs a literal path to an existing file', () => {
  const r = build({
    'script.js': [
      "const a = open(__ENV.FILE);",
      "const b = open('./missing.json');",
      "const c = open('./data/ok.txt');",
      'export default function () {}',
    ].join('\n'),
    'data/ok.txt': 'fine',
  });
  r.cleanup();
  assert.equal(r.status, 1);
  assert.match(r.stderr, /script\.js:1: open\(\) needs a string literal path/);
  assert.match(r.stderr, /script\.js:2: open\("\.\/missing\.json"\): no such file/);
  assert.doesNotMatch(r.stderr, /ok\.txt/);
});

test('an unreachable remote module fails the build, naming the cache path', () => {
  const r = build({
    'script.js': "import { x } from 'https://jslib.invalid/lib/1.0.0/index.js';\nexport default function () { x(); }\n",
  });
  r.cleanup();
  assert.equal(r.status, 1);
  assert.match(r.stderr, /script\.js:1: cannot fetch https:\/\/jslib\.invalid\/lib\/1\.0\.0\/index\.js/);
  assert.match(r.stderr, /put the module at .*cache\/jslib\.invalid\/lib\/1\.0\.0\/index\.js/);
});

test('a cached remote module, and the modules it imports, are bundled', () => {
  const r = build({
    'script.js': [
      "import { randomIntBetween, helper } from 'https://jslib.k6.io/k6-utils/1.4.0/index.js';",
      "import { check } from 'k6';",
      "export default function () { check(randomIntBetween(1, 3), { 'in range': (n) => n >= 1 && n <= 3, helper: () => helper() === 1 }); }",
    ].join('\n'),
    'cache/jslib.k6.io/k6-utils/1.4.0/index.js': [
      "export { helper } from './helper.js';",
      'export function randomIntBetween(min, max) { return Math.floor(Math.random() * (max - min + 1) + min); }',
    ].join('\n'),
    'cache/jslib.k6.io/k6-utils/1.4.0/helper.js': 'export const helper = () => 1;\n',
  });
  r.cleanup();
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.built);
});
