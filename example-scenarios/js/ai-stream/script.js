// Load-testing a streamed AI completion: each iteration asks the demo
// target's /stream endpoint (server-sent events shaped like an LLM answer,
// token by token) and reads the events as they arrive. Volley's streaming
// extension of k6's API: `{ stream: true }` leaves the body on the
// connection, `res.events()` yields each event when the engine has read it
// (stamped by the engine: `at`, ms on the monotonic clock). The engine also
// records stream_first_event (time to first token), stream_event_gap and
// stream_events on its own.
//
//   bash scripts/build-js.sh example-scenarios/js/ai-stream/script.js
//   volley run target/js/ai-stream.wasm --with-demo-target
import http from 'k6/http';
import { check, sleep } from 'k6';
import { Trend } from 'k6/metrics';

export const options = {
  vus: 5,
  duration: '10s',
  thresholds: {
    stream_first_event: ['p(95)<500'],
    answer_duration: ['p(95)<2000'],
    checks: ['rate>0.99'],
  },
};

const BASE = __ENV.BASE_URL || 'http://127.0.0.1:3030';
const answer = new Trend('answer_duration', true);

export default function () {
  const res = http.get(`${BASE}/stream?tokens=20&ttft_ms=80&gap_ms=15`, {
    stream: true,
    tags: { name: 'completion' },
  });
  let first;
  let last;
  let tokens = 0;
  for (const ev of res.events()) {
    if (first === undefined) first = ev.at;
    last = ev.at;
    if (ev.data !== '[DONE]') tokens++;
  }
  check(res, {
    'status is 200': (r) => r.status === 200,
    'all tokens arrived': () => tokens === 20,
  });
  if (first !== undefined) answer.add(last - first);
  sleep(1);
}
