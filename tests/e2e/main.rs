//! End-to-end tests: the real `volley` binary against the demo target
//! (started in-process on a free loopback port) and guest fixtures built
//! from `tests/fixtures`. Every run is bounded in count and time.

mod registry_support;
mod support;

mod bad_input;
mod compare;
mod compat;
mod contract;
mod counts;
mod executors;
mod fleet;
mod guest_failures;
mod hostile;
mod http_features;
mod interrupt;
mod languages;
mod marketplace;
mod outputs;
mod prometheus;
mod report;
mod resources;
mod stages;
mod thresholds;
mod tools;
