// k6's `exec.vu.tags`: an object whose keys are the VU's tags. Made over
// three functions so that node can test it: `get()` returns the tags as
// [key, value] pairs, `set(key, value)` and `remove(key)` change one.

/** As k6: strings, numbers and booleans are tags; anything else is refused. */
function tagValue(key, value) {
  const t = typeof value;
  if (t === 'string') return value;
  if (t === 'number' || t === 'boolean') return String(value);
  throw new TypeError(`exec.vu.tags: the value of ${JSON.stringify(key)} must be a string, number or boolean, not ${value === null ? 'null' : t}`);
}

export function makeTags({ get, set, remove }) {
  const find = (key) => {
    for (const [k, v] of get()) if (k === key) return v;
    return undefined;
  };
  return new Proxy(
    {},
    {
      get(_, key) {
        if (typeof key !== 'string') return undefined;
        if (key === 'toJSON') return () => Object.fromEntries(get());
        return find(key);
      },
      set(_, key, value) {
        if (typeof key !== 'string') return false;
        set(key, tagValue(key, value));
        return true;
      },
      deleteProperty(_, key) {
        if (typeof key === 'string') remove(key);
        return true;
      },
      has(_, key) {
        return typeof key === 'string' && find(key) !== undefined;
      },
      ownKeys() {
        return get().map(([k]) => k);
      },
      getOwnPropertyDescriptor(_, key) {
        const v = typeof key === 'string' ? find(key) : undefined;
        return v === undefined ? undefined : { value: v, writable: true, enumerable: true, configurable: true };
      },
      defineProperty(_, key, desc) {
        if (typeof key !== 'string' || !('value' in desc)) return false;
        set(key, tagValue(key, desc.value));
        return true;
      },
    },
  );
}
