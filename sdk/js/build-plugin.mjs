// The rolldown plugin of build.mjs: maps k6's module names onto the SDK and
// does at build time what k6 does when a test starts.
//
// - `open('./users.json')` (and `open(path, 'b')`) in a script: the file is
//   read now, resolved from the folder of the module that calls open() (as
//   k6 does for a script's own top level), and bundled. The path must be a
//   string literal.
// - `import ... from 'https://jslib.k6.io/...'`: fetched now, cached on disk
//   (remoteCacheDir()), and bundled. A build without network uses the cache.
//   `https://jslib.k6.io/k6-summary/...` is the SDK's own summary.js
//   (textSummary), so handleSummary scripts build offline.
// - Anything of k6's API that the SDK does not have (a module, a function of
//   a supported module, res.html()) fails the build, naming file:line.
//
// Problems are collected, not thrown, so that one build reports all of them
// (rolldown wraps a thrown error in its own noise); build.mjs prints them.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { parseAst } from 'rolldown/parseAst';

/** k6 modules the SDK provides, and the SDK file of each. */
export const SUPPORTED = {
  k6: 'index',
  'k6/http': 'http',
  'k6/metrics': 'metrics',
  'k6/data': 'data',
  'k6/execution': 'execution',
  'k6/encoding': 'encoding',
  'k6/crypto': 'crypto',
};

/** k6 modules Volley has no counterpart for, with what they are. */
const UNSUPPORTED = {
  'k6/ws': 'WebSockets',
  'k6/net/grpc': 'gRPC',
  'k6/grpc': 'gRPC',
  'k6/browser': 'browser automation',
  'k6/html': 'HTML parsing',
  'k6/timers': 'timers (setTimeout, setInterval)',
  'k6/secrets': 'secret sources',
};

/** Methods of k6's Response that Volley lacks; calling any of them by name
 * fails the build. */
const UNSUPPORTED_METHODS = {
  html: 'res.html() (HTML parsing)',
  submitForm: 'res.submitForm()',
  clickLink: 'res.clickLink()',
};

/** Where remote modules are cached: $VOLLEY_JSLIB_CACHE, else
 * $XDG_CACHE_HOME/volley/jslib, else ~/.cache/volley/jslib. */
export function remoteCacheDir() {
  if (process.env.VOLLEY_JSLIB_CACHE) return resolve(process.env.VOLLEY_JSLIB_CACHE);
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'volley', 'jslib');
}

/** The cache file of a remote module: DIR/host/path (index.js for a path
 * ending in /), the query string kept in the name. */
export function remoteCachePath(url, dir = remoteCacheDir()) {
  const u = new URL(url);
  let path = decodeURIComponent(u.pathname);
  if (path.endsWith('/')) path += 'index.js';
  if (u.search) path += '@' + encodeURIComponent(u.search.slice(1));
  const out = resolve(dir, u.host, '.' + path);
  if (!out.startsWith(resolve(dir) + sep)) throw new Error(`${url}: not a cacheable module URL`);
  return out;
}

const isRemote = (id) => /^https?:\/\//i.test(id);

/** Remote modules the SDK serves itself, by URL prefix. */
const BUILTIN_REMOTE = [[/^https?:\/\/jslib\.k6\.io\/k6-summary\//i, 'summary']];

function exportsOf(file) {
  const ast = parseAst(readFileSync(file, 'utf8'), { sourceType: 'module' }, file);
  const named = new Set();
  const members = new Set();
  // For a member that is itself an object literal (k6/execution's `vu`,
  // `scenario`, ...), the names it has.
  const nested = new Map();
  for (const node of ast.body) {
    if (node.type === 'ExportNamedDeclaration') {
      const d = node.declaration;
      if (d && d.id) named.add(d.id.name);
      if (d && d.declarations) for (const v of d.declarations) named.add(v.id.name);
      for (const s of node.specifiers || []) named.add(s.exported.name ?? s.exported.value);
    }
    if (node.type === 'ExportDefaultDeclaration' && node.declaration.type === 'ObjectExpression') {
      for (const p of node.declaration.properties) {
        if (!p.key) continue;
        const name = p.key.name ?? p.key.value;
        members.add(name);
        if (p.value && p.value.type === 'ObjectExpression') {
          nested.set(name, new Set(p.value.properties.filter((q) => q.key).map((q) => q.key.name ?? q.key.value)));
        }
      }
    }
  }
  return { named, members, nested };
}

/** Calls `visit(node, parent)` for every node of an ESTree AST. */
function walk(node, visit, parent = null) {
  if (!node || typeof node.type !== 'string') return;
  visit(node, parent);
  for (const key of Object.keys(node)) {
    const v = node[key];
    if (Array.isArray(v)) {
      for (const c of v) if (c && typeof c === 'object') walk(c, visit, node);
    } else if (v && typeof v === 'object' && typeof v.type === 'string') {
      walk(v, visit, node);
    }
  }
}

function declaresTopLevel(ast, name) {
  for (const node of ast.body) {
    const d = node.type === 'ExportNamedDeclaration' ? node.declaration : node;
    if (!d) continue;
    if ((d.type === 'FunctionDeclaration' || d.type === 'ClassDeclaration') && d.id && d.id.name === name) return true;
    if (d.type === 'VariableDeclaration' && d.declarations.some((v) => v.id.type === 'Identifier' && v.id.name === name)) return true;
    if (d.type === 'ImportDeclaration' && d.specifiers.some((s) => s.local.name === name)) return true;
  }
  return false;
}

function literalString(node) {
  if (!node) return undefined;
  if (node.type === 'Literal' && typeof node.value === 'string') return node.value;
  if (node.type === 'TemplateLiteral' && node.expressions.length === 0) return node.quasis[0].value.cooked;
  return undefined;
}

/**
 * The plugin. `sdk` is the SDK folder, `entryDir` the script's folder (keys
 * of bundled files are relative to it), `files` a Map filled with the
 * bundled files (key -> {text} or {b64}), `problems` an array filled with
 * "file:line: message" strings.
 */
export function volleyPlugin({ sdk, entryDir, files, problems, cacheDir = remoteCacheDir() }) {
  const apis = {};
  for (const [mod, file] of Object.entries(SUPPORTED)) apis[mod] = exportsOf(join(sdk, file + '.js'));
  const remoteFrom = new Map();
  const shown = (id) => {
    if (isRemote(id)) return id;
    const r = relative(process.cwd(), id);
    return r.startsWith('..') || isAbsolute(r) ? id : r;
  };
  const isSdk = (id) => id.startsWith(sdk + sep);

  // What an unsupported k6 module is, or undefined for a supported one.
  function unsupportedModule(source) {
    if (UNSUPPORTED[source]) return UNSUPPORTED[source];
    if (source.startsWith('k6/experimental/')) return "one of k6's experimental modules";
    if (source.startsWith('k6/x/')) return 'an xk6 extension';
    if (/^k6(\/|$)/.test(source) && !SUPPORTED[source]) return 'not a module Volley knows';
    return undefined;
  }

  function check(code, id) {
    let ast;
    try {
      ast = parseAst(code, { sourceType: 'module' }, id);
    } catch (_) {
      return null; // rolldown reports syntax errors itself
    }
    const lineOf = (pos) => {
      let line = 1;
      for (let i = 0; i < pos && i < code.length; i++) if (code.charCodeAt(i) === 10) line++;
      return line;
    };
    const report = (node, msg) => problems.push(`${shown(id)}:${lineOf(node.start)}: ${msg}`);
    const supportedList = Object.keys(SUPPORTED).join(', ');
    // local name -> { mod, kind: 'default' | 'namespace' }
    const bound = new Map();
    const edits = [];

    const moduleSource = (node, source) => {
      const what = unsupportedModule(source);
      if (what) {
        report(node, `${source} is not available in Volley scenarios (${what}; supported k6 modules: ${supportedList}); see docs/languages.md`);
        return false;
      }
      if (isRemote(source) && !remoteFrom.has(source)) remoteFrom.set(source, `${shown(id)}:${lineOf(node.start)}`);
      return true;
    };

    for (const node of ast.body) {
      if (node.type === 'ImportDeclaration') {
        const source = node.source.value;
        if (!moduleSource(node, source)) continue;
        const api = apis[source];
        if (!api) continue;
        for (const s of node.specifiers) {
          if (s.type === 'ImportDefaultSpecifier') bound.set(s.local.name, { mod: source, kind: 'default' });
          else if (s.type === 'ImportNamespaceSpecifier') bound.set(s.local.name, { mod: source, kind: 'namespace' });
          else {
            const name = s.imported.name ?? s.imported.value;
            if (name !== 'default' && !api.named.has(name)) {
              report(s, `${name} from ${source} is not supported in Volley scenarios; see docs/languages.md`);
            }
          }
        }
      } else if ((node.type === 'ExportNamedDeclaration' || node.type === 'ExportAllDeclaration') && node.source) {
        moduleSource(node, node.source.value);
      }
    }

    const openShadowed = declaresTopLevel(ast, 'open');
    walk(ast, (node) => {
      if (node.type === 'ImportExpression' && node.source) {
        const source = literalString(node.source);
        if (source !== undefined) moduleSource(node, source);
      }
      if (node.type === 'MemberExpression' && !node.computed && node.object.type === 'Identifier') {
        const b = bound.get(node.object.name);
        const prop = node.property.name;
        if (b && prop) {
          const api = apis[b.mod];
          const ok = b.kind === 'default' ? api.members.has(prop) || api.named.has(prop) : api.named.has(prop) || prop === 'default';
          if (!ok) report(node, `${node.object.name}.${prop} (${b.mod}) is not supported in Volley scenarios; see docs/languages.md`);
        }
      }
      // One level further: exec.vu.tags, exec.test.options, ...
      if (
        node.type === 'MemberExpression' && !node.computed && node.object.type === 'MemberExpression' &&
        !node.object.computed && node.object.object.type === 'Identifier'
      ) {
        const b = bound.get(node.object.object.name);
        const inner = node.object.property.name;
        const sub = b && b.kind === 'default' && apis[b.mod].nested.get(inner);
        if (sub && !sub.has(node.property.name)) {
          const api = `${node.object.object.name}.${inner}.${node.property.name}`;
          report(node, `${api} (${b.mod}) is not supported in Volley scenarios; see docs/languages.md`);
        }
      }
      if (node.type !== 'CallExpression') return;
      const callee = node.callee;
      if (callee.type === 'MemberExpression' && !callee.computed && UNSUPPORTED_METHODS[callee.property.name]) {
        report(node, `${UNSUPPORTED_METHODS[callee.property.name]} is not supported in Volley scenarios; see docs/languages.md`);
      }
      if (callee.type === 'Identifier' && callee.name === 'open' && !openShadowed) {
        const path = literalString(node.arguments[0]);
        if (path === undefined) {
          report(node, 'open() needs a string literal path: Volley reads the file at build time and bundles it');
          return;
        }
        if (isRemote(id)) {
          report(node, `open(${JSON.stringify(path)}) in a remote module is not supported`);
          return;
        }
        const file = resolve(dirname(id), path.replace(/^file:\/\//, ''));
        if (!existsSync(file)) {
          report(node, `open(${JSON.stringify(path)}): no such file ${shown(file)} (paths are resolved from ${shown(dirname(id))})`);
          return;
        }
        let bytes;
        try {
          bytes = readFileSync(file);
        } catch (e) {
          report(node, `open(${JSON.stringify(path)}): cannot read ${shown(file)}: ${e.message}`);
          return;
        }
        const key = relative(entryDir, file).split(sep).join('/');
        if (!files.has(key)) {
          const text = bytes.toString('utf8');
          files.set(key, Buffer.from(text, 'utf8').equals(bytes) ? { text } : { b64: bytes.toString('base64') });
        }
        const arg = node.arguments[0];
        edits.push([arg.start, arg.end, JSON.stringify(key)]);
      }
    });
    if (!edits.length) return null;
    edits.sort((a, b) => b[0] - a[0]);
    let out = code;
    for (const [start, end, text] of edits) out = out.slice(0, start) + text + out.slice(end);
    return { code: out, map: null };
  }

  async function fetchRemote(url) {
    const cached = remoteCachePath(url, cacheDir);
    if (existsSync(cached)) return readFileSync(cached, 'utf8');
    const where = remoteFrom.get(url) || url;
    const hint =
      `remote modules are fetched once at build time and cached; to build offline, ` +
      `put the module at ${cached}`;
    let res;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(15000), redirect: 'follow' });
    } catch (e) {
      const why = e && e.cause && e.cause.code ? `${e.cause.code} ${e.cause.hostname || ''}`.trim() : e && e.message;
      problems.push(`${where}: cannot fetch ${url} (${why}); ${hint}`);
      return null;
    }
    if (!res.ok) {
      problems.push(`${where}: cannot fetch ${url} (HTTP ${res.status}); ${hint}`);
      return null;
    }
    const text = await res.text();
    mkdirSync(dirname(cached), { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, cached);
    return text;
  }

  return {
    name: 'volley-k6',
    resolveId(source, importer) {
      const m = /^(k6|volley)(\/.*)?$/.exec(source);
      if (m) {
        if (m[1] === 'k6') {
          // An unsupported k6 module was reported by the importer's check;
          // resolve it to the SDK's index so the build can finish reporting.
          return join(sdk, (SUPPORTED[source] || 'index') + '.js');
        }
        const sub = (m[2] || '').slice(1);
        return join(sdk, (sub || 'index') + '.js');
      }
      for (const [pattern, file] of BUILTIN_REMOTE) if (pattern.test(source)) return join(sdk, file + '.js');
      if (isRemote(source)) return source;
      if (importer && isRemote(importer) && /^\.{0,2}\//.test(source)) {
        const url = new URL(source, importer).href;
        if (!remoteFrom.has(url)) remoteFrom.set(url, remoteFrom.get(importer) || importer);
        return url;
      }
      return null;
    },
    async load(id) {
      if (!isRemote(id)) return null;
      const text = await fetchRemote(id);
      return text === null ? 'export default undefined;' : text;
    },
    transform(code, id) {
      if (id.startsWith('\0') || isSdk(id) || id.includes(`${sep}node_modules${sep}`)) return null;
      return check(code, id);
    },
  };
}
