// The `lifecycle` export, made from a k6-style module: `options`, `setup`,
// `default` and named exec functions, `teardown`, `handleSummary`. Setup
// data travels as JSON. Each stage runs the SDK's event loop until the
// function's promise (an async function's) is settled and no
// `http.asyncRequest` is in flight, and delivers the buffered checks and
// metric values before it returns, also when it fails.
import { encode, decode } from './text.js';
import { flush } from './record.js';
import { settle } from './eventloop.js';
import { summaryFiles } from './summary.js';

// "TypeError: Cannot read property ..." as k6 logs it; a plain Error (from
// fail() or `throw new Error`) is its message alone.
function message(e) {
  if (e instanceof Error) {
    const text = e.message || String(e);
    return e.name && e.name !== 'Error' ? `${e.name}: ${text}` : text;
  }
  if (e && e.payload !== undefined) return String(e.payload);
  return String(e);
}

// Run one stage: its promise settled, its records delivered; exceptions
// leave as the `err` string of the stage's result.
function stage(f) {
  try {
    return settle(f());
  } catch (e) {
    throw message(e);
  } finally {
    flush();
  }
}

// `user` is the script's module namespace. Its top-level code has run by
// now, in this instance, after globals.js installed k6's globals.
export function makeLifecycle(user) {
  let data;
  const script = () => user;
  const parse = (bytes) => (bytes.length ? JSON.parse(decode(bytes)) : undefined);
  return {
    options() {
      return JSON.stringify(script().options || {});
    },
    setup() {
      const out = stage(() => {
        const s = script();
        return typeof s.setup === 'function' ? s.setup() : undefined;
      });
      try {
        return out === undefined ? new Uint8Array(0) : encode(JSON.stringify(out));
      } catch (e) {
        throw message(e);
      }
    },
    vuInit(bytes) {
      stage(() => {
        script();
        data = parse(bytes);
      });
    },
    iteration(exec) {
      stage(() => {
        const s = script();
        const f = exec === 'default' ? s.default : s[exec];
        if (typeof f !== 'function') {
          throw new Error(
            exec === 'default'
              ? 'the script has no default export function'
              : `exec: the script exports no function named ${JSON.stringify(exec)}`,
          );
        }
        return f(data);
      });
    },
    teardown(bytes) {
      stage(() => {
        const s = script();
        if (typeof s.teardown === 'function') return s.teardown(parse(bytes));
        return undefined;
      });
    },
    handleSummary(summary) {
      const s = script();
      if (typeof s.handleSummary !== 'function') return null;
      const out = stage(() => s.handleSummary(JSON.parse(summary)));
      try {
        return summaryFiles(out);
      } catch (e) {
        throw message(e);
      }
    },
  };
}
