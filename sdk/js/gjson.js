// The common subset of GJSON path syntax that k6's `res.json(selector)`
// takes: `a.b.c`, array indexes (`items.0.id`), `#` for an array's length,
// `#.field` to project a field of every element, `*` and `?` wildcards in
// keys, `\.` for a literal dot, and queries `#(field==value)` (first match)
// and `#(field==value)#` (all matches) with ==, !=, <, <=, >, >=, % and !%
// (glob match). Anything else (modifiers `@`, pipes `|`, multipaths) is an
// error naming the selector, never a silent wrong answer.

const MISSING = undefined;

function splitPath(path) {
  const parts = [];
  let cur = '';
  let depth = 0;
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c === '\\' && i + 1 < path.length) {
      cur += path[++i];
      continue;
    }
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === '.' && depth === 0) {
      parts.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  parts.push(cur);
  return parts;
}

function globToRegExp(glob) {
  let re = '^';
  for (const c of glob) {
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else re += c.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(re + '$', 's');
}

function literal(text, selector) {
  const t = text.trim();
  try {
    return JSON.parse(t);
  } catch (_) {
    throw new Error(`res.json(${JSON.stringify(selector)}): bad value ${t} in a query`);
  }
}

function compare(v, op, want) {
  switch (op) {
    case '==': return v === want;
    case '!=': return v !== want;
    case '<': return v < want;
    case '<=': return v <= want;
    case '>': return v > want;
    case '>=': return v >= want;
    case '%': return typeof v === 'string' && globToRegExp(String(want)).test(v);
    case '!%': return typeof v === 'string' && !globToRegExp(String(want)).test(v);
    default: return false;
  }
}

function query(body, selector) {
  const m = /^\s*(.*?)\s*(==|!=|<=|>=|!%|<|>|%)\s*(.+?)\s*$/s.exec(body);
  if (!m) {
    // `#(field)`: elements that have the field.
    return (el) => get(el, body.trim(), selector) !== MISSING;
  }
  const [, path, op, value] = m;
  const want = literal(value, selector);
  return (el) => {
    const v = path === '' ? el : get(el, path, selector);
    return v !== MISSING && compare(v, op, want);
  };
}

function step(value, parts, i, selector) {
  if (i === parts.length) return value;
  if (value === null || typeof value !== 'object') return MISSING;
  const part = parts[i];
  if (/^[@|[{]/.test(part) || /[|]/.test(part)) {
    throw new Error(
      `res.json(${JSON.stringify(selector)}): "${part}" is GJSON syntax Volley does not support ` +
        '(supported: a.b, a.0, a.#, a.#.b, wildcards, #(query) and #(query)#)',
    );
  }
  if (Array.isArray(value)) {
    if (part === '#') {
      if (i === parts.length - 1) return value.length;
      const out = [];
      for (const el of value) {
        const v = step(el, parts, i + 1, selector);
        if (v !== MISSING) out.push(v);
      }
      return out;
    }
    const q = /^#\((.*)\)(#?)$/s.exec(part);
    if (q) {
      const match = query(q[1], selector);
      if (q[2]) {
        const out = [];
        for (const el of value) {
          if (!match(el)) continue;
          const v = step(el, parts, i + 1, selector);
          if (v !== MISSING) out.push(v);
        }
        return out;
      }
      const found = value.find(match);
      return found === undefined ? MISSING : step(found, parts, i + 1, selector);
    }
    if (/^\d+$/.test(part)) {
      const n = Number(part);
      return n < value.length ? step(value[n], parts, i + 1, selector) : MISSING;
    }
    return MISSING;
  }
  if (/[*?]/.test(part)) {
    const re = globToRegExp(part);
    const key = Object.keys(value).find((k) => re.test(k));
    return key === undefined ? MISSING : step(value[key], parts, i + 1, selector);
  }
  return Object.prototype.hasOwnProperty.call(value, part) ? step(value[part], parts, i + 1, selector) : MISSING;
}

/** The part of the parsed JSON `value` that `selector` names, or undefined
 * when it names nothing (as k6 answers). */
export function get(value, selector, whole = selector) {
  return step(value, splitPath(String(selector)), 0, whole);
}
