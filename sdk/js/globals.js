// Imported first by every bundle, so that a script's top-level code (k6's
// init context) already sees console, __ENV, __VU, __ITER and open(), and
// so that every promise (async functions are lowered to generators that
// use the global Promise) is one whose jobs the SDK runs (eventloop.js).
import { installGlobals } from './index.js';
import { VolleyPromise } from './eventloop.js';

globalThis.Promise = VolleyPromise;
globalThis.queueMicrotask = (f) => {
  VolleyPromise.resolve().then(f);
};
installGlobals();
