// `import { Counter, Gauge, Rate, Trend } from 'volley/metrics'` (or
// 'k6/metrics'): custom metrics, usable in thresholds.
import { metrics as host } from './host.js';
import { recordAdd } from './record.js';
import { tagList } from './text.js';

class Metric {
  constructor(name, kind, isTime) {
    this.name = name;
    this.id = host.define(String(name), kind, isTime ? 'time' : 'default');
  }

  /** Add a sample (for a Rate, truthy counts as a hit). Buffered and
   * stamped now, as checks are (record.js). */
  add(value, tags) {
    const v = typeof value === 'boolean' ? (value ? 1 : 0) : Number(value);
    recordAdd(this.id, v, tagList(tags));
  }
}

export class Counter extends Metric {
  constructor(name) { super(name, 'counter', false); }
}
export class Gauge extends Metric {
  constructor(name, isTime) { super(name, 'gauge', isTime); }
}
export class Rate extends Metric {
  constructor(name) { super(name, 'rate', false); }
}
/** A distribution; `new Trend(name, true)` shows its values as times (ms). */
export class Trend extends Metric {
  constructor(name, isTime) { super(name, 'trend', isTime); }
}

export default { Counter, Gauge, Rate, Trend };
