// k6-diff: covers: k6/execution: vu.idInTest, vu.iterationInInstance, vu.iterationInScenario, scenario.name, scenario.iterationInTest, instance.currentTestRunDuration
// k6-diff: pacing: iterations
// volley-deviation: metrics[iterations_failed]: Volley adds a counter of failed iterations (docs/k6-mapping.md); k6 only logs them
import http from 'k6/http';
import { check } from 'k6';
import exec from 'k6/execution';

export const options = {
  scenarios: {
    catalogue: { executor: 'per-vu-iterations', vus: 2, iterations: 3 },
  },
};

const BASE_URL = __ENV.BASE_URL;

export default function () {
  const res = http.get(`${BASE_URL}/products/${exec.scenario.iterationInTest + 1}`);
  check(res, {
    'scenario name': () => exec.scenario.name === 'catalogue',
    'vu id matches __VU': () => exec.vu.idInTest === __VU,
    'iteration in instance matches __ITER': () => exec.vu.iterationInInstance === __ITER,
    'iteration in scenario matches __ITER': () => exec.vu.iterationInScenario === __ITER,
    'iteration in test below 6': () => exec.scenario.iterationInTest >= 0 && exec.scenario.iterationInTest < 6,
    'product id follows the test iteration': (r) => r.json('id') === exec.scenario.iterationInTest + 1,
    'test run duration grows': () => exec.instance.currentTestRunDuration >= 0,
  });
}
