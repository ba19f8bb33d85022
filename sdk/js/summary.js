// handleSummary's side of the SDK, without host calls (node tests it):
// the files a handler returns as the contract's summary files, and
// `textSummary(data, {indent, enableColors})` as k6's jslib k6-summary
// module offers it. The build serves `https://jslib.k6.io/k6-summary/*`
// from this file, so scripts that import it build offline; its layout
// follows k6's end-of-test summary (checks and groups, then metrics with
// dotted names, thresholds marked ✓/✗), not byte for byte.
import { encode } from './text.js';

/** The files `handleSummary` returned, as the contract's summary files:
 * `{path: string | ArrayBuffer | typed array}`; `stdout` and `stderr` are
 * the streams. */
export function summaryFiles(out) {
  if (out === null || typeof out !== 'object' || Array.isArray(out)) {
    throw new Error('handleSummary must return an object of {path: content}');
  }
  return Object.keys(out).map((path) => {
    const v = out[path];
    let content;
    if (typeof v === 'string') content = encode(v);
    else if (v instanceof ArrayBuffer) content = new Uint8Array(v);
    else if (ArrayBuffer.isView(v)) content = new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice();
    else {
      throw new Error(
        `handleSummary: the content of ${JSON.stringify(path)} must be a string or an ArrayBuffer, not ${v === null ? 'null' : typeof v}`,
      );
    }
    return { path, content };
  });
}

const COLORS = { green: 32, red: 31, gray: 90, cyan: 36 };

function trimmed(n, digits) {
  return String(Number(n.toFixed(digits)));
}

/** A time in ms as k6 shows it: µs, ms or s, then m and h. */
export function formatDuration(ms) {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms === 0) return '0s';
  if (ms < 1) return `${trimmed(ms * 1000, 2)}µs`;
  if (ms < 1000) return `${trimmed(ms, 2)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${trimmed(s, 2)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${trimmed(s - m * 60, 1)}s`;
  return `${Math.floor(m / 60)}h${m % 60}m${trimmed(s - m * 60, 0)}s`;
}

/** Bytes as k6 shows them (SI units: B, kB, MB, GB). */
export function formatBytes(n) {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (Math.abs(n) >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${i === 0 ? trimmed(n, 0) : trimmed(n, 1)} ${units[i]}`;
}

function formatValue(v, contains) {
  if (contains === 'time') return formatDuration(v);
  if (contains === 'data') return formatBytes(v);
  return trimmed(v, 6);
}

function perSecond(v, contains) {
  return contains === 'data' ? `${formatBytes(v)}/s` : `${trimmed(v, 6)}/s`;
}

function metricLine(m, stats) {
  const v = m.values || {};
  switch (m.type) {
    case 'trend':
      return stats.filter((s) => v[s] !== undefined).map((s) => `${s}=${formatValue(v[s], m.contains)}`).join(' ');
    case 'counter':
      return `${formatValue(v.count || 0, m.contains)} ${perSecond(v.rate || 0, m.contains)}`;
    case 'rate':
      return `${trimmed((v.rate || 0) * 100, 2)}% ${v.passes || 0} out of ${(v.passes || 0) + (v.fails || 0)}`;
    case 'gauge':
      return `${formatValue(v.value || 0, m.contains)} min=${formatValue(v.min || 0, m.contains)} max=${formatValue(v.max || 0, m.contains)}`;
    default:
      return JSON.stringify(v);
  }
}

/** k6's text summary of `data` (the object handleSummary receives):
 * `textSummary(data, { indent: ' ', enableColors: false })`. */
export function textSummary(data, options) {
  const indent = options && options.indent !== undefined ? String(options.indent) : ' ';
  const colors = !!(options && options.enableColors);
  const paint = (color, s) => (colors ? `\u001b[${COLORS[color]}m${s}\u001b[0m` : s);
  const lines = [];

  function group(g, depth) {
    const pad = indent + '  '.repeat(depth);
    for (const c of g.checks || []) {
      if (!c.fails) {
        lines.push(`${pad}${paint('green', `✓ ${c.name}`)}`);
      } else {
        const total = c.passes + c.fails;
        lines.push(`${pad}${paint('red', `✗ ${c.name}`)}`);
        lines.push(`${pad}${paint('red', ` ↳  ${trimmed((c.passes / total) * 100, 0)}% — ✓ ${c.passes} / ✗ ${c.fails}`)}`);
      }
    }
    for (const sub of g.groups || []) {
      lines.push('');
      lines.push(`${pad}█ ${sub.name}`);
      lines.push('');
      group(sub, depth + 1);
    }
  }
  group(data.root_group || {}, 1);
  if (lines.length) lines.push('');

  const metrics = data.metrics || {};
  const stats = (data.options && data.options.summaryTrendStats) || ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'];
  const names = Object.keys(metrics).sort((a, b) => {
    const [pa] = a.split('{');
    const [pb] = b.split('{');
    return pa === pb ? (a.includes('{') ? 1 : 0) - (b.includes('{') ? 1 : 0) || a.localeCompare(b) : pa.localeCompare(pb);
  });
  const shown = names.map((name) => {
    const sub = name.indexOf('{');
    return sub < 0 ? name : `  { ${name.slice(sub + 1, -1)} }`;
  });
  const width = Math.max(0, ...shown.map((s) => s.length)) + 3;
  names.forEach((name, i) => {
    const m = metrics[name];
    const th = m.thresholds ? Object.values(m.thresholds) : [];
    const mark = th.length === 0 ? '  ' : th.every((t) => t.ok) ? paint('green', '✓') + ' ' : paint('red', '✗') + ' ';
    const label = shown[i] + paint('gray', '.'.repeat(width - shown[i].length) + ':');
    lines.push(`${indent}${mark}${label} ${metricLine(m, stats)}`);
  });
  return lines.map((l) => (l ? indent + l : l)).join('\n') + '\n';
}

export default { textSummary };
