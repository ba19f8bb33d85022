#!/usr/bin/env node
// Build a k6-style JavaScript scenario into a Volley component:
//
//   node sdk/js/build.mjs SCRIPT.js OUT.wasm
//
// 1. Bundle the script with this SDK (rolldown). `k6`, `k6/http`,
//    `k6/metrics`, `k6/data`, `k6/execution`, `k6/encoding` and `k6/crypto`
//    resolve to the SDK, so k6 scripts keep their imports. Files the script
//    open()s and remote modules it imports are bundled now; k6 APIs the SDK
//    lacks fail the build with file:line (build-plugin.mjs).
// 2. Wrap the bundle in a function that runs when the component is first
//    called, not at build time: the script's top-level code (k6's init
//    context) may use __ENV and define metrics, which need the host.
//    When the bundle has async functions, they are lowered to generators
//    (rolldown's transform target es2016) so that they run on the SDK's own
//    promise jobs (eventloop.js): the synchronous QuickJS runtime never runs
//    its native ones.
// 3. Componentize with jco's QuickJS backend in synchronous mode (a plain
//    component-model component, about 1.6 MB, ~60 µs to instantiate), for
//    the contract's `scenario` world plus `wasi:clocks/monotonic-clock`,
//    which the runtime imports anyway and the SDK reads to stamp checks and
//    metric values (record.js).
// 4. Record `sdk: volley-js` in the producers section for `volley inspect`.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';
import { parseAst } from 'rolldown/parseAst';
import { volleyPlugin } from './build-plugin.mjs';

const SDK = dirname(fileURLToPath(import.meta.url));
const WIT = process.env.VOLLEY_WIT || resolve(SDK, '../../wit');
const CONTRACT = '0.2.0';
// The runtime (componentize-qjs 0.4) imports WASI 0.2.12; the clock import
// the SDK adds must be that version so that both are one import.
const CLOCK = 'wasi:clocks/monotonic-clock@0.2.12';
const HOST = [...['http', 'vu', 'metrics', 'data', 'crypto'].map((i) => `volley:scenario/${i}@${CONTRACT}`), CLOCK];

/** The contract's WIT files plus a world `scenario-js`: `scenario` and the
 * monotonic clock. */
function jsWorld(dir) {
  const wit = join(dir, 'wit');
  mkdirSync(join(wit, 'deps', 'clocks'), { recursive: true });
  for (const f of readdirSync(WIT)) if (f.endsWith('.wit')) copyFileSync(join(WIT, f), join(wit, f));
  writeFileSync(
    join(wit, 'deps', 'clocks', 'monotonic-clock.wit'),
    [
      'package wasi:clocks@0.2.12;',
      '',
      'interface monotonic-clock {',
      '    type instant = u64;',
      '    now: func() -> instant;',
      '}',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(wit, 'volley-js.wit'),
    ['world scenario-js {', '    include scenario;', `    import ${CLOCK};`, '}', ''].join('\n'),
  );
  return wit;
}

/** Whether a bundle has async functions, `await` or `for await`, which the
 * synchronous QuickJS runtime cannot resume (eventloop.js). */
function usesAsync(code) {
  let found = false;
  const visit = (node) => {
    if (found || !node || typeof node.type !== 'string') return;
    if ((node.async && /Function/.test(node.type)) || node.type === 'AwaitExpression' ||
        (node.type === 'ForOfStatement' && node.await)) {
      found = true;
      return;
    }
    for (const key of Object.keys(node)) {
      const v = node[key];
      if (Array.isArray(v)) for (const c of v) visit(c);
      else if (v && typeof v === 'object') visit(v);
    }
  };
  visit(parseAst(code, { sourceType: 'script' }));
  return found;
}

function die(msg) {
  process.stderr.write(`error: ${msg}\n`);
  process.exit(1);
}

const [script, out] = process.argv.slice(2);
if (!script || !out) die('usage: build.mjs SCRIPT.js OUT.wasm');
if (!existsSync(script)) die(`${script}: no such file`);
if (!existsSync(join(WIT, 'lifecycle.wit'))) die(`no WIT contract in ${WIT}; set VOLLEY_WIT`);

const work = mkdtempSync(join(tmpdir(), 'volley-js-'));
let failure;
try {
  const entry = join(work, 'entry.js');
  writeFileSync(
    entry,
    [
      `import 'volley/globals';`,
      `import * as script from ${JSON.stringify(resolve(script))};`,
      `import { makeLifecycle } from 'volley/lifecycle';`,
      `export const lifecycle = makeLifecycle(script);`,
    ].join('\n'),
  );
  // Bundle as the script is written; when the bundle has async functions
  // or `for await`, bundle again with them lowered to generators (target
  // es2016, which lowers later syntax such as object spread too, at a
  // cost: measured 6% more CPU per iteration of the customer-care example,
  // so scripts without async code are not lowered).
  async function bundleFor(target) {
    const files = new Map();
    const problems = [];
    let output;
    let bundleError;
    try {
      const bundle = await rolldown({
        input: entry,
        external: (id) => id.startsWith('volley:scenario/') || id.startsWith('wasi:'),
        plugins: [volleyPlugin({ sdk: SDK, entryDir: dirname(resolve(script)), files, problems })],
        transform: { target },
        logLevel: 'warn',
      });
      ({ output } = await bundle.generate({ format: 'cjs', exports: 'named' }));
    } catch (e) {
      bundleError = e;
    }
    if (problems.length) {
      throw new Error(`${script} cannot be built for Volley:\n  ${problems.join('\n  ')}`);
    }
    if (bundleError) throw bundleError;
    return { code: output[0].code, files };
  }
  let { code, files } = await bundleFor('esnext');
  if (usesAsync(code)) ({ code, files } = await bundleFor('es2016'));
  const bundled = Object.fromEntries(files);
  const wrapper = [
    ...HOST.map((h, i) => `import * as host${i} from '${h}';`),
    // The files open() reads, keyed by their path from the script's folder.
    `globalThis.__volleyFiles = ${JSON.stringify(bundled)};`,
    `const hosts = { ${HOST.map((h, i) => `'${h}': host${i}`).join(', ')} };`,
    `function hostRequire(id) {`,
    `  if (id in hosts) return hosts[id];`,
    `  throw new Error('cannot load ' + id + ' in a scenario');`,
    `}`,
    `let loaded;`,
    `function lc() {`,
    `  if (!loaded) {`,
    `    const module = { exports: {} };`,
    `    (function (exports, require, module) {`,
    code,
    `    })(module.exports, hostRequire, module);`,
    `    loaded = module.exports.lifecycle;`,
    `  }`,
    `  return loaded;`,
    `}`,
    `export const lifecycle = {`,
    // options() runs in an instance of its own before the run's data sets
    // are loaded: SharedArray then stands empty instead of calling open().
    `  options: () => {`,
    `    globalThis.__volleyOptionsPhase = true;`,
    `    try { return lc().options(); } finally { globalThis.__volleyOptionsPhase = false; }`,
    `  },`,
    `  setup: () => lc().setup(),`,
    `  vuInit: (data) => lc().vuInit(data),`,
    `  iteration: (exec) => lc().iteration(exec),`,
    `  teardown: (data) => lc().teardown(data),`,
    `  handleSummary: (summary) => lc().handleSummary(summary),`,
    `};`,
  ].join('\n');
  const wrapped = join(work, 'scenario.js');
  writeFileSync(wrapped, wrapper);
  const jco = join(SDK, 'node_modules/@bytecodealliance/jco/dist/jco.js');
  const r = spawnSync(
    process.execPath,
    [jco, 'componentize', wrapped, '--wit', jsWorld(work), '--world-name', 'scenario-js',
      '--backend', 'quickjs', '--backend-qjs-disable-async', '-o', resolve(out)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  if (r.status !== 0) throw new Error(`jco componentize failed (exit ${r.status}): ${r.stdout}`);
  addProducer(resolve(out), 'sdk', 'volley-js', JSON.parse(readFileSync(join(SDK, 'package.json'))).version);
} catch (e) {
  failure = e && e.message ? e.message : String(e);
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (failure) die(failure);

// Append a `producers` custom section (field -> name version) to a component.
function addProducer(path, field, name, version) {
  const leb = (n) => {
    const b = [];
    do {
      let byte = n & 0x7f;
      n >>>= 7;
      if (n) byte |= 0x80;
      b.push(byte);
    } while (n);
    return b;
  };
  const str = (s) => {
    const bytes = [...Buffer.from(s, 'utf8')];
    return [...leb(bytes.length), ...bytes];
  };
  const body = [...str('producers'), ...leb(1), ...str(field), ...leb(1), ...str(name), ...str(version)];
  const section = Buffer.from([0, ...leb(body.length), ...body]);
  writeFileSync(path, Buffer.concat([readFileSync(path), section]));
}
