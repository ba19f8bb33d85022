// The SDK's promises and event loop (eventloop.js): reactions run from the
// SDK's job queue, async functions lowered to generators resume on it, and
// settle() waits for host operations in flight.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VolleyPromise as P, addOutstanding, outstandingCount, runJobs, settle } from '../eventloop.js';

test('reactions run from the job queue, in order, not at once', () => {
  const seen = [];
  P.resolve(1).then((v) => seen.push(v));
  new P((res) => res(2)).then((v) => seen.push(v));
  seen.push(0);
  assert.deepEqual(seen, [0]);
  runJobs();
  assert.deepEqual(seen, [0, 1, 2]);
});

test('chaining, thenables, rejection, catch and finally', () => {
  const seen = [];
  P.resolve(1)
    .then((v) => ({ then: (ok) => ok(v + 1) }))
    .then((v) => {
      seen.push(v);
      throw new Error('boom');
    })
    .then(() => seen.push('skipped'))
    .catch((e) => seen.push(e.message))
    .finally(() => seen.push('finally'));
  runJobs();
  assert.deepEqual(seen, [2, 'boom', 'finally']);
  const self = new P((res) => res(1));
  const cycle = self.then(() => cycle);
  let reason;
  cycle.catch((e) => (reason = e));
  runJobs();
  assert.ok(reason instanceof TypeError);
});

test('all, allSettled, race and any', () => {
  const out = {};
  P.all([1, P.resolve(2), new P((res) => res(3))]).then((v) => (out.all = v));
  P.all([]).then((v) => (out.empty = v));
  P.allSettled([P.reject('no'), 1]).then((v) => (out.settled = v));
  P.race([new P(() => {}), P.resolve('fast')]).then((v) => (out.race = v));
  P.any([P.reject(1), P.resolve('any')]).then((v) => (out.any = v));
  P.all([1, P.reject('first')]).catch((e) => (out.rejected = e));
  runJobs();
  assert.deepEqual(out.all, [1, 2, 3]);
  assert.deepEqual(out.empty, []);
  assert.deepEqual(out.settled, [{ status: 'rejected', reason: 'no' }, { status: 'fulfilled', value: 1 }]);
  assert.equal(out.race, 'fast');
  assert.equal(out.any, 'any');
  assert.equal(out.rejected, 'first');
});

// What rolldown's async-to-generator helper does with the global Promise.
function lowered(gen) {
  return function (...args) {
    return new P((resolve, reject) => {
      const it = gen.apply(this, args);
      const step = (method, arg) => {
        let r;
        try {
          r = it[method](arg);
        } catch (e) {
          reject(e);
          return;
        }
        if (r.done) resolve(r.value);
        else P.resolve(r.value).then((v) => step('next', v), (e) => step('throw', e));
      };
      step('next');
    });
  };
}

test('settle() runs an async function to its end, waiting for host operations', () => {
  const log = [];
  // Two "requests" in flight; the second is ready first.
  const request = (name, ready) =>
    new P((resolve) => {
      addOutstanding({
        ready: () => ready,
        settle: () => {
          log.push(`wait ${name}`);
          resolve(name.toUpperCase());
        },
      });
    });
  const iteration = lowered(function* () {
    const [a, b] = yield P.all([request('a', false), request('b', true)]);
    log.push(`got ${a} ${b}`);
    return a + b;
  });
  assert.equal(settle(iteration()), 'AB');
  assert.deepEqual(log, ['wait b', 'wait a', 'got A B']);
  assert.equal(outstandingCount(), 0);
});

test('settle() throws a rejection, returns plain values, and names a promise nothing settles', () => {
  assert.equal(settle(42), 42);
  const failing = lowered(function* () {
    yield P.resolve();
    throw new Error('late failure');
  });
  assert.throws(() => settle(failing()), /late failure/);
  assert.throws(() => settle(new P(() => {})), /promise that nothing settles/);
});

test('fire-and-forget work still runs before the stage ends', () => {
  let done = false;
  new P((resolve) => addOutstanding({ ready: () => true, settle: () => resolve() })).then(() => (done = true));
  settle(undefined);
  assert.equal(done, true);
});
