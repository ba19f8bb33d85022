// k6-diff: covers: Trend statistics (avg, med, p(90), p(95), min, max) on known values; percentiles interpolate as k6
// k6-diff: pacing: iterations
// k6-diff: values: known_values
// volley-deviation: metrics[iterations_failed]: Volley adds a counter of failed iterations (docs/k6-mapping.md); k6 only logs them
import { Trend } from 'k6/metrics';

export const options = {
  iterations: 1,
  thresholds: {
    // The ten values 1..10: k6 interpolates, p(90)=9.1, p(95)=9.55, med=5.5.
    known_values: ['avg==5.5', 'med==5.5', 'p(90)>9.09', 'p(90)<9.11', 'p(95)>9.54', 'p(95)<9.56', 'min==1', 'max==10'],
  },
  summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'],
};

const known = new Trend('known_values');

export default function () {
  for (let v = 1; v <= 10; v++) known.add(v);
}
