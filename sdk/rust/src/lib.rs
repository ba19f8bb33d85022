//! Write [Volley](https://github.com/volley-rs/volley) load-test scenarios in Rust.
//!
//! A scenario is what one virtual user (VU) does in one iteration. Volley
//! compiles nothing itself: you build your scenario to a WebAssembly component
//! (`cargo build --target wasm32-wasip2`) and run it with `volley run`.
//! Every request is timed by the engine on the host; this crate only asks.
//!
//! ```no_run
//! use std::time::Duration;
//! use volley_sdk::prelude::*;
//!
//! #[derive(Default)]
//! struct Hello;
//!
//! impl Scenario for Hello {
//!     fn options() -> String {
//!         r#"{"vus": 2, "duration": "5s", "thresholds": {"http_req_failed": ["rate<0.01"]}}"#.into()
//!     }
//!
//!     fn iteration(&mut self, _exec: &str) -> Result<(), Error> {
//!         let base = env("BASE_URL").unwrap_or_else(|| "http://127.0.0.1:3030".into());
//!         let res = http::get(format!("{base}/products"))?;
//!         check("status is 200", res.status == 200);
//!         sleep(Duration::from_millis(500));
//!         Ok(())
//!     }
//! }
//!
//! volley_sdk::export_scenario!(Hello);
//! ```
//!
//! The crate builds for any target so that scenario code can be type-checked
//! and unit-tested natively; the host functions only work inside `volley run`
//! (called natively they panic with a message saying so).

pub mod crypto;
pub mod data;
mod error;
pub mod http;
pub mod metrics;
mod record;
mod scenario;
pub mod vu;

pub use error::Error;
pub use record::flush;
pub use scenario::{Scenario, SummaryFile, setup_data};
pub use vu::{abort, check, check_tagged, env, group, log, sleep};

/// Everything a typical scenario uses, in one import.
pub mod prelude {
    pub use crate::Error;
    pub use crate::Scenario;
    pub use crate::http;
    pub use crate::metrics::{Counter, Gauge, Rate, Trend};
    pub use crate::vu::{abort, check, check_tagged, env, group, sleep};
}

/// The raw bindings generated from the `volley:scenario` WIT contract.
///
/// You should not need these for common work; they are public so that the
/// [`export_scenario!`] macro can reach them and for the rare case the
/// ergonomic API lacks something.
#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        world: "scenario",
        path: "../../wit",
        pub_export_macro: true,
        export_macro_name: "__export_world_scenario",
        default_bindings_module: "volley_sdk::bindings",
        generate_all,
    });
}

/// The monotonic clock the engine stamps samples with (`wasi:clocks`,
/// which every component built for WASI imports anyway).
mod clock {
    wit_bindgen::generate!({
        inline: "
            package wasi:clocks@0.2.3;
            interface monotonic-clock {
                type instant = u64;
                now: func() -> instant;
            }
            world clock {
                import monotonic-clock;
            }
        ",
        world: "clock",
    });
}

/// The version of the `volley:scenario` contract this SDK builds against.
pub const CONTRACT_VERSION: &str = "0.2.0";

/// Export a type implementing [`Scenario`] as the component's scenario.
///
/// Use it once per crate, at the top level:
/// `volley_sdk::export_scenario!(MyScenario);`
#[macro_export]
macro_rules! export_scenario {
    ($ty:ty) => {
        #[doc(hidden)]
        pub struct __VolleyScenarioExport;

        impl $crate::bindings::exports::volley::scenario::lifecycle::Guest for __VolleyScenarioExport {
            fn options() -> ::std::string::String {
                <$ty as $crate::Scenario>::options()
            }
            fn setup() -> ::std::result::Result<::std::vec::Vec<u8>, ::std::string::String> {
                $crate::__private::setup::<$ty>()
            }
            fn vu_init(setup_data: ::std::vec::Vec<u8>) -> ::std::result::Result<(), ::std::string::String> {
                $crate::__private::vu_init::<$ty>(setup_data)
            }
            fn iteration(exec: ::std::string::String) -> ::std::result::Result<(), ::std::string::String> {
                $crate::__private::iteration::<$ty>(&exec)
            }
            fn teardown(setup_data: ::std::vec::Vec<u8>) -> ::std::result::Result<(), ::std::string::String> {
                $crate::__private::teardown::<$ty>(setup_data)
            }
            fn handle_summary(
                summary: ::std::string::String,
            ) -> ::std::result::Result<
                ::std::option::Option<::std::vec::Vec<$crate::bindings::exports::volley::scenario::lifecycle::SummaryFile>>,
                ::std::string::String,
            > {
                $crate::__private::handle_summary::<$ty>(&summary)
            }
        }

        $crate::bindings::__export_world_scenario!(__VolleyScenarioExport with_types_in $crate::bindings);
    };
}

#[doc(hidden)]
pub mod __private {
    pub use crate::scenario::{handle_summary, iteration, setup, teardown, vu_init};
}
