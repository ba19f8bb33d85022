// k6-diff: covers: gracefulStop: a long iteration finishes within gracefulStop 2s; with gracefulStop 0s a sleeping iteration is cut and not counted
// k6-diff: pacing: iterations
// volley-deviation: metrics[iterations_failed]: Volley adds a counter of failed iterations (docs/k6-mapping.md); k6 only logs them
import http from 'k6/http';
import { sleep } from 'k6';

export const options = {
  scenarios: {
    patient: {
      executor: 'constant-vus',
      exec: 'patient',
      vus: 2,
      duration: '1s',
      gracefulStop: '2s',
    },
    hasty: {
      executor: 'constant-vus',
      exec: 'hasty',
      vus: 2,
      duration: '1s',
      gracefulStop: '0s',
    },
  },
  thresholds: {
    'iterations{scenario:patient}': ['count==2'],
    'iterations{scenario:hasty}': ['count==2'],
  },
};

const BASE_URL = __ENV.BASE_URL;

// Starts once per VU (at 0s) and ends at ~1.5s, after the scenario's 1s:
// gracefulStop lets it finish, so its request is made and counted.
export function patient() {
  sleep(1.5);
  http.get(`${BASE_URL}/products/1`);
}

// The first iteration ends at ~0.6s; the second is still sleeping when the
// scenario stops at 1s and is cut before its request.
export function hasty() {
  sleep(0.6);
  http.get(`${BASE_URL}/products/2`);
}
