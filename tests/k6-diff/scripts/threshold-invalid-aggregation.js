// k6-diff: covers: a threshold with an aggregation its metric's type lacks (max on a custom Gauge): k6 refuses the options (exit 104) before any request
// k6-diff: pacing: iterations
import http from 'k6/http';
import { Gauge } from 'k6/metrics';

const queueDepth = new Gauge('queue_depth');

export const options = {
  vus: 1,
  iterations: 2,
  thresholds: {
    // A gauge has only `value` in thresholds.
    queue_depth: ['max<10'],
  },
};

const BASE_URL = __ENV.BASE_URL;

export default function () {
  http.get(`${BASE_URL}/health`);
  queueDepth.add(3);
}
