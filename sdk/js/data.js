// `import { SharedArray } from 'volley/data'` (or 'k6/data'): read-only
// records of a data set given to the run with `--data NAME=FILE` (JSON
// array, CSV or lines), shared by all VUs and never copied whole into one.
import { data as host } from './host.js';

/** `new SharedArray('users')`: the records of data set `users`, each parsed
 * as JSON (a CSV row is an object keyed by the header). k6's second
 * argument (a loader) is called only when the run has no such data set. */
export function SharedArray(name, loader) {
  const len = host.len(String(name));
  if (len === undefined || len === null) {
    if (globalThis.__volleyOptionsPhase) return Object.freeze([]);
    if (typeof loader === 'function') {
      const items = loader();
      return Object.freeze(Array.from(items));
    }
    throw new Error(`no data set ${JSON.stringify(name)}: pass it with --data ${name}=FILE`);
  }
  const length = Number(len);
  const cache = new Map();
  const at = (i) => {
    if (i < 0 || i >= length) return undefined;
    if (!cache.has(i)) {
      const text = host.get(String(name), i);
      let v = text;
      try {
        v = JSON.parse(text);
      } catch (_) {
        // a plain line
      }
      cache.set(i, v);
    }
    return cache.get(i);
  };
  const base = {
    length,
    at: (i) => at(i < 0 ? length + i : i),
    [Symbol.iterator]: function* () {
      for (let i = 0; i < length; i++) yield at(i);
    },
  };
  return new Proxy(base, {
    get(target, key) {
      if (typeof key === 'string' && /^\d+$/.test(key)) return at(Number(key));
      return target[key];
    },
    set() {
      throw new Error('a SharedArray is read-only');
    },
  });
}

export default { SharedArray };
