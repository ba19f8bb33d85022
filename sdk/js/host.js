// The host interfaces of the volley:scenario world, as the component sees
// them, and the monotonic clock the engine stamps samples with (build.mjs
// adds `wasi:clocks/monotonic-clock` to the world it builds for). Everything
// else in the SDK goes through this module.
export * as http from 'volley:scenario/http@0.2.0';
export * as vu from 'volley:scenario/vu@0.2.0';
export * as metrics from 'volley:scenario/metrics@0.2.0';
export * as data from 'volley:scenario/data@0.2.0';
export * as crypto from 'volley:scenario/crypto@0.2.0';
export * as clock from 'wasi:clocks/monotonic-clock@0.2.12';
