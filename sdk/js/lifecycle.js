// The `lifecycle` export, made from a k6-style module: `options`, `setup`,
// `default` and named exec functions, `teardown`. Setup data travels as JSON.
import { encode, decode } from './text.js';

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

// Exceptions leave as the `err` string of the stage's result.
function guard(f) {
  try {
    return f();
  } catch (e) {
    throw message(e);
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
      return guard(() => {
        const s = script();
        if (typeof s.setup !== 'function') return new Uint8Array(0);
        const out = s.setup();
        return out === undefined ? new Uint8Array(0) : encode(JSON.stringify(out));
      });
    },
    vuInit(bytes) {
      guard(() => {
        script();
        data = parse(bytes);
      });
    },
    iteration(exec) {
      guard(() => {
        const s = script();
        const f = exec === 'default' ? s.default : s[exec];
        if (typeof f !== 'function') {
          throw new Error(
            exec === 'default'
              ? 'the script has no default export function'
              : `exec: the script exports no function named ${JSON.stringify(exec)}`,
          );
        }
        f(data);
      });
    },
    teardown(bytes) {
      guard(() => {
        const s = script();
        if (typeof s.teardown === 'function') s.teardown(parse(bytes));
      });
    },
  };
}
