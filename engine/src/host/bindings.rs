//! Host bindings generated from the `volley:scenario` WIT contract, alone in
//! this file so the rest of the engine sees a curated set of names.
//!
//! Only the imports that wait (HTTP and sleep) are async on the host: an
//! async host call costs about twice a sync one in wasmtime, and checks,
//! metrics and logging never wait. Every import is trappable so that
//! `vu.abort` and host-side limits can stop a guest.

wasmtime::component::bindgen!({
    world: "scenario",
    path: "../wit",
    imports: {
        "volley:scenario/http.send": async | trappable,
        "volley:scenario/http.batch": async | trappable,
        "volley:scenario/vu.sleep": async | trappable,
        default: trappable,
    },
    exports: { default: async },
});

pub use self::volley::scenario::{data, http, metrics, types, vu};
