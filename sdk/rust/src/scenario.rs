//! The [`Scenario`] trait and the glue between it and the exported lifecycle.

use std::any::Any;
use std::cell::RefCell;

use crate::Error;

/// A load-test scenario: what one virtual user does.
///
/// Each virtual user gets its own instance of the component, so `Self` is
/// per-VU state: a logged-in token, a customer id, counters. Only
/// [`iteration`](Scenario::iteration) is required; derive `Default` for the
/// initial state or implement [`init`](Scenario::init).
pub trait Scenario: Default + 'static {
    /// Options as JSON in k6's options shape (`vus`, `duration`,
    /// `iterations`, `scenarios`, `thresholds`, ...). Flags and config files
    /// override them. The default is `{}`.
    fn options() -> String {
        "{}".to_string()
    }

    /// Runs once per test, before any VU, in an instance of its own. The bytes
    /// returned reach every VU's [`init`](Scenario::init) and
    /// [`teardown`](Scenario::teardown); read them later with [`setup_data`].
    fn setup() -> Result<Vec<u8>, Error> {
        Ok(Vec::new())
    }

    /// Creates this VU's state, once per VU, with the setup data. The
    /// default is `Self::default()`.
    fn init(_setup_data: &[u8]) -> Result<Self, Error> {
        Ok(Self::default())
    }

    /// One iteration. `exec` names the function to run when several
    /// scenarios share this component (`"default"` unless the options say
    /// otherwise). An `Err` fails this iteration only.
    fn iteration(&mut self, exec: &str) -> Result<(), Error>;

    /// Runs once at the end of the test with the setup data, also after an
    /// abort.
    fn teardown(_setup_data: &[u8]) -> Result<(), Error> {
        Ok(())
    }
}

thread_local! {
    static STATE: RefCell<Option<Box<dyn Any>>> = const { RefCell::new(None) };
    static SETUP_DATA: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// The bytes `setup` returned, as this VU received them in `init`.
pub fn setup_data() -> Vec<u8> {
    SETUP_DATA.with(|d| d.borrow().clone())
}

/// Export glue: runs `S::setup`.
pub fn setup<S: Scenario>() -> Result<Vec<u8>, String> {
    S::setup().map_err(|e| e.to_string())
}

/// Export glue: runs `S::init` and keeps the state.
pub fn vu_init<S: Scenario>(data: Vec<u8>) -> Result<(), String> {
    let state = S::init(&data).map_err(|e| e.to_string())?;
    SETUP_DATA.with(|d| *d.borrow_mut() = data);
    STATE.with(|s| *s.borrow_mut() = Some(Box::new(state)));
    Ok(())
}

/// Export glue: runs one `S::iteration` on the kept state.
pub fn iteration<S: Scenario>(exec: &str) -> Result<(), String> {
    // Take the state out while the iteration runs so a scenario that calls
    // back into this module (it cannot, but a future API might) never sees a
    // borrowed RefCell.
    let mut boxed = STATE
        .with(|s| s.borrow_mut().take())
        .ok_or_else(|| "iteration called before vu-init".to_string())?;
    let result = match boxed.downcast_mut::<S>() {
        Some(state) => state.iteration(exec).map_err(|e| e.to_string()),
        None => Err("scenario state has an unexpected type".to_string()),
    };
    STATE.with(|s| *s.borrow_mut() = Some(boxed));
    result
}

/// Export glue: runs `S::teardown`.
pub fn teardown<S: Scenario>(data: Vec<u8>) -> Result<(), String> {
    S::teardown(&data).map_err(|e| e.to_string())
}
