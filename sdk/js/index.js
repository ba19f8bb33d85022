// `import { check, sleep, group } from 'volley'` (or from 'k6': the build
// maps k6's module names onto this SDK).
import { vu } from './host.js';
import { recordCheck, flush } from './record.js';
import { tagList, encode, decode } from './text.js';
import { b64decode } from './encoding.js';
import { seededRandom } from './seeded.js';

const U64 = 18446744073709551616; // 2 ** 64

function u64() {
  // QuickJS hands a WIT u64 over as a signed number.
  const r = vu.random();
  return r < 0 ? r + U64 : r;
}

/** Run each named predicate on `value`, record each as a check (k6's
 * `check`); true when all pass. A predicate that throws is recorded as a
 * failed check and its exception goes on, as in k6: it ends the iteration,
 * which is counted and logged with the exception's message. Checks are
 * buffered, each stamped when it was made, and delivered in batches
 * (record.js). */
export function check(value, sets, tags) {
  const t = tagList(tags);
  let all = true;
  for (const name of Object.keys(sets)) {
    const f = sets[name];
    let ok;
    if (typeof f === 'function') {
      try {
        ok = !!f(value);
      } catch (e) {
        recordCheck(name, false, t);
        throw e;
      }
    } else {
      ok = !!f;
    }
    recordCheck(name, ok, t);
    all = all && ok;
  }
  return all;
}

/** Pause this VU for `seconds` (fractions allowed). */
export function sleep(seconds) {
  const ns = Math.max(0, Number(seconds) || 0) * 1e9;
  flush();
  vu.sleep(Math.round(ns));
}

/** Run `fn` inside group `name`; metrics it records carry the group tag. */
export function group(name, fn) {
  flush();
  vu.enterGroup(String(name));
  try {
    return fn();
  } finally {
    flush();
    vu.exitGroup();
  }
}

/** Fail this iteration with `message` (k6's `fail`). */
export function fail(message) {
  throw new Error(message === undefined ? 'fail() called' : String(message));
}

/** A `--env KEY=VALUE` value, or `fallback`. */
export function env(key, fallback) {
  const v = vu.env(String(key));
  return v === undefined || v === null ? fallback : v;
}

/** This VU and iteration: { id, iteration, iterationInScenario, scenario, elapsed (ms) }. */
export function info() {
  const i = vu.info();
  return {
    id: i.id,
    iteration: Number(i.iteration),
    iterationInScenario: Number(i.iterationInScenario),
    scenario: i.scenario,
    elapsed: Number(i.elapsed) / 1e6,
  };
}

/** A float in [0, 1) from this VU's stream, seeded by `--seed`. */
export function random() {
  return Math.min(u64() / U64, 1 - 2 ** -53);
}

/** An integer in [0, n) from this VU's seeded stream: the same choices the
 * Rust and Python SDKs make. */
export function randomBelow(n) {
  return n > 0 ? Math.floor(random() * n) : 0;
}

/** k6's `randomSeed(n)`: from now on `Math.random()` in this VU is a
 * sequence that depends on `n` only (every VU that calls it with the same
 * `n` gets the same numbers), not on `--seed`. The numbers differ from
 * k6's, which come from Go's math/rand. */
export function randomSeed(seed) {
  const n = Number(seed);
  if (!Number.isFinite(n)) throw new Error(`randomSeed: ${JSON.stringify(seed)} is not a number`);
  Math.random = seededRandom(Math.trunc(n));
}

/** Stop the whole test now (exit code 108). */
export function abort(reason) {
  flush();
  vu.abort(String(reason === undefined ? 'aborted by the scenario' : reason));
}

function show(a) {
  if (typeof a === 'string') return a;
  if (a instanceof Error) return a.message;
  try {
    return JSON.stringify(a);
  } catch (_) {
    return String(a);
  }
}

function logger(level) {
  return (...args) => vu.log(level, args.map(show).join(' '));
}

/** `console.log` and friends write to the engine's log with the VU's id. */
export const console = {
  log: logger('info'),
  info: logger('info'),
  warn: logger('warn'),
  error: logger('error'),
  debug: logger('debug'),
};

/** k6's `open(path, mode)`. build.mjs reads each file a script opens at
 * build time (the path must be a string literal) and bundles it; the call
 * is rewritten to name the bundled copy. Text by default, an ArrayBuffer
 * with mode 'b'. */
function openBundled(path, mode) {
  const files = globalThis.__volleyFiles || {};
  const f = Object.prototype.hasOwnProperty.call(files, path) ? files[path] : undefined;
  if (f === undefined) {
    throw new Error(
      `open(${JSON.stringify(path)}): the file was not bundled; the build bundles the files that ` +
        `open() names with a string literal, resolved from the script's folder`,
    );
  }
  if (mode === 'b') {
    return f.text !== undefined ? encode(f.text).buffer : b64decode(f.b64, 'std');
  }
  return f.text !== undefined ? f.text : decode(new Uint8Array(b64decode(f.b64, 'std')));
}

/** Install k6's globals: `console`, `__ENV`, `__VU`, `__ITER`, `open` and a
 * seeded `Math.random`. Called by the lifecycle before the script runs. */
export function installGlobals() {
  globalThis.console = console;
  globalThis.__ENV = new Proxy(
    {},
    {
      get: (_, key) => (typeof key === 'string' ? env(key, undefined) : undefined),
      has: (_, key) => typeof key === 'string' && env(key, undefined) !== undefined,
    },
  );
  Object.defineProperty(globalThis, '__VU', { get: () => vu.info().id, configurable: true });
  Object.defineProperty(globalThis, '__ITER', {
    get: () => Number(vu.info().iteration),
    configurable: true,
  });
  globalThis.open = openBundled;
  Math.random = random;
}

export default { check, sleep, group, fail, env, info, random, randomBelow, randomSeed, abort, console };
