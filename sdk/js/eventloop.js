// Promises and async functions inside the component. jco's QuickJS backend
// runs the component synchronously and never runs QuickJS's own promise
// jobs, so a native `await` would never resume. The build therefore lowers
// async functions to generators (rolldown's `transform.target`), whose
// helpers use the global `Promise`, and globals.js installs this one: a
// Promise whose jobs go into a queue the SDK runs itself.
//
// The lifecycle runs each stage's function, then `settle()`s what it
// returned: it runs the queued jobs, and when none is left but host
// operations are outstanding (an `http.asyncRequest` in flight), waits for
// one of them on the host (the VU is parked, no thread held), settles its
// promise, and goes on, until the stage's promise is settled and nothing is
// outstanding, as k6's event loop does at the end of an iteration.
//
// No host calls here: node tests it (test/eventloop.test.mjs).

const jobs = [];

/** Queue a promise job. */
function queueJob(job) {
  jobs.push(job);
}

/** Run queued jobs, and the jobs they queue, until none is left. */
export function runJobs() {
  for (let i = 0; i < jobs.length; i++) {
    const job = jobs[i];
    jobs[i] = undefined;
    job();
  }
  jobs.length = 0;
}

const PENDING = 0;
const FULFILLED = 1;
const REJECTED = 2;

const isObject = (x) => x !== null && (typeof x === 'object' || typeof x === 'function');

/** A Promise (ES2015 semantics: then, catch, finally, resolve, reject, all,
 * allSettled, race, any) whose reactions run from `runJobs()`. */
export class VolleyPromise {
  constructor(executor) {
    if (typeof executor !== 'function') throw new TypeError('Promise resolver is not a function');
    this._state = PENDING;
    this._value = undefined;
    this._reactions = [];
    const { resolve, reject } = resolvingFunctions(this);
    try {
      executor(resolve, reject);
    } catch (e) {
      reject(e);
    }
  }

  then(onFulfilled, onRejected) {
    const C = this.constructor && this.constructor[Symbol.species] ? this.constructor[Symbol.species] : VolleyPromise;
    let resolveNext;
    let rejectNext;
    const next = new C((res, rej) => {
      resolveNext = res;
      rejectNext = rej;
    });
    const reaction = (state, value) => () => {
      const handler = state === FULFILLED ? onFulfilled : onRejected;
      if (typeof handler !== 'function') {
        (state === FULFILLED ? resolveNext : rejectNext)(value);
        return;
      }
      let out;
      try {
        out = handler(value);
      } catch (e) {
        rejectNext(e);
        return;
      }
      resolveNext(out);
    };
    if (this._state === PENDING) this._reactions.push(reaction);
    else queueJob(reaction(this._state, this._value));
    return next;
  }

  catch(onRejected) {
    return this.then(undefined, onRejected);
  }

  finally(onFinally) {
    if (typeof onFinally !== 'function') return this.then(onFinally, onFinally);
    const C = this.constructor || VolleyPromise;
    return this.then(
      (v) => C.resolve(onFinally()).then(() => v),
      (e) => C.resolve(onFinally()).then(() => {
        throw e;
      }),
    );
  }

  static resolve(x) {
    if (x instanceof VolleyPromise && x.constructor === this) return x;
    return new this((res) => res(x));
  }

  static reject(e) {
    return new this((_, rej) => rej(e));
  }

  static all(iterable) {
    return new this((res, rej) => {
      const out = [];
      let left = 1;
      let i = 0;
      for (const x of iterable) {
        const at = i++;
        left++;
        this.resolve(x).then((v) => {
          out[at] = v;
          if (--left === 0) res(out);
        }, rej);
      }
      if (--left === 0) res(out);
    });
  }

  static allSettled(iterable) {
    return this.all(
      Array.from(iterable, (x) => this.resolve(x).then(
        (value) => ({ status: 'fulfilled', value }),
        (reason) => ({ status: 'rejected', reason }),
      )),
    );
  }

  static race(iterable) {
    return new this((res, rej) => {
      for (const x of iterable) this.resolve(x).then(res, rej);
    });
  }

  static any(iterable) {
    return new this((res, rej) => {
      const errors = [];
      let left = 1;
      let i = 0;
      for (const x of iterable) {
        const at = i++;
        left++;
        this.resolve(x).then(res, (e) => {
          errors[at] = e;
          if (--left === 0) rej(new AggregateError(errors, 'All promises were rejected'));
        });
      }
      if (--left === 0) rej(new AggregateError(errors, 'All promises were rejected'));
    });
  }

  static get [Symbol.species]() {
    return this;
  }

  get [Symbol.toStringTag]() {
    return 'Promise';
  }
}

function settlePromise(p, state, value) {
  if (p._state !== PENDING) return;
  p._state = state;
  p._value = value;
  const reactions = p._reactions;
  p._reactions = undefined;
  for (const r of reactions) queueJob(r(state, value));
}

function resolvingFunctions(p) {
  let done = false;
  const reject = (e) => {
    if (done) return;
    done = true;
    settlePromise(p, REJECTED, e);
  };
  const resolve = (x) => {
    if (done) return;
    done = true;
    if (x === p) {
      settlePromise(p, REJECTED, new TypeError('Chaining cycle detected for promise'));
      return;
    }
    if (!isObject(x)) {
      settlePromise(p, FULFILLED, x);
      return;
    }
    let then;
    try {
      then = x.then;
    } catch (e) {
      settlePromise(p, REJECTED, e);
      return;
    }
    if (typeof then !== 'function') {
      settlePromise(p, FULFILLED, x);
      return;
    }
    // PromiseResolveThenableJob.
    queueJob(() => {
      const inner = resolvingFunctions(p);
      try {
        then.call(x, inner.resolve, inner.reject);
      } catch (e) {
        inner.reject(e);
      }
    });
  };
  return { resolve, reject };
}

// Host operations the loop can wait for: {ready(): bool, settle(): void}.
const outstanding = [];

/** Register a host operation in flight; `settle()` waits for it on the host
 * and resolves its promise. */
export function addOutstanding(op) {
  outstanding.push(op);
}

/** How many host operations are in flight (for tests). */
export function outstandingCount() {
  return outstanding.length;
}

function nextOutstanding() {
  for (let i = 0; i < outstanding.length; i++) {
    if (outstanding[i].ready()) return outstanding.splice(i, 1)[0];
  }
  return outstanding.shift();
}

/** Run the loop until nothing is queued or in flight; then the value a
 * stage returned, unwrapped when it is a promise: its value, or its
 * rejection thrown. */
export function settle(result) {
  for (;;) {
    runJobs();
    if (outstanding.length === 0) break;
    nextOutstanding().settle();
  }
  if (!(result instanceof VolleyPromise)) return result;
  if (result._state === FULFILLED) return result._value;
  if (result._state === REJECTED) throw result._value;
  throw new Error(
    'the function returned a promise that nothing settles (it awaits something that is neither an ' +
      'http.asyncRequest nor a promise made in the script)',
  );
}
