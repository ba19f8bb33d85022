//! Host bindings generated from the `volley:scenario` WIT contract, one
//! module per contract version the engine runs, alone in this file so the
//! rest of the engine sees a curated set of names. `v2` is the current
//! contract (`wit/`); `v1` is 0.1.0, frozen in `engine/wit-0.1/`, so that
//! components built against it keep running unchanged.
//!
//! Only the imports that wait are async on the host: an async host call
//! costs about twice a sync one in wasmtime, and checks, metrics and
//! logging never wait. Every import is trappable so that `vu.abort` and
//! host-side limits can stop a guest.

/// `volley:scenario@0.1.0`.
pub mod v1 {
    wasmtime::component::bindgen!({
        world: "scenario",
        path: "wit-0.1",
        imports: {
            "volley:scenario/http.send": async | trappable,
            "volley:scenario/http.batch": async | trappable,
            "volley:scenario/vu.sleep": async | trappable,
            default: trappable,
        },
        exports: { default: async },
    });

    pub use self::volley::scenario::{data, http, metrics, types, vu};
}

/// `volley:scenario@0.2.0`.
pub mod v2 {
    wasmtime::component::bindgen!({
        world: "scenario",
        path: "../wit",
        imports: {
            "volley:scenario/http.send": async | trappable,
            "volley:scenario/http.batch": async | trappable,
            "volley:scenario/http.[method]response.body": async | trappable,
            "volley:scenario/http.[method]response.text": async | trappable,
            "volley:scenario/http.[method]response.read-chunk": async | trappable,
            "volley:scenario/http.[method]response.next-event": async | trappable,
            "volley:scenario/http.[method]pending.wait": async | trappable,
            "volley:scenario/http.[drop]response": async | trappable,
            "volley:scenario/vu.sleep": async | trappable,
            default: trappable,
        },
        exports: { default: async },
        with: {
            "volley:scenario/http.response": crate::host::http::ResponseHandle,
            "volley:scenario/http.pending": crate::host::http::PendingHandle,
        },
    });

    pub use self::volley::scenario::{crypto, data, http, metrics, types, vu};
}
