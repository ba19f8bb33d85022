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

    /// k6's `handleSummary(data)`: runs once after the run with k6's
    /// summary data object as JSON (`metrics`, `root_group`, `options`,
    /// `state`, `setup_data`) and returns the files to write instead of the
    /// engine's text summary. A file named `stdout` or `stderr` goes to
    /// that stream; other paths are relative to where `volley run` was
    /// started. `Ok(None)` (the default) keeps the engine's summary.
    fn handle_summary(_summary_json: &str) -> Result<Option<Vec<SummaryFile>>, Error> {
        Ok(None)
    }
}

/// A file [`Scenario::handle_summary`] asks the engine to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryFile {
    /// A relative path, or `stdout` / `stderr`.
    pub path: String,
    /// What to write.
    pub content: Vec<u8>,
}

impl SummaryFile {
    /// A file with this content.
    pub fn new(path: impl Into<String>, content: impl Into<Vec<u8>>) -> Self {
        Self {
            path: path.into(),
            content: content.into(),
        }
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

/// Run one stage: records made in it are delivered before it returns,
/// also when it panics.
fn stage<T>(f: impl FnOnce() -> Result<T, Error>) -> Result<T, String> {
    crate::record::flush_on_panic();
    let result = f();
    crate::record::flush();
    result.map_err(|e| e.to_string())
}

/// Export glue: runs `S::setup`.
pub fn setup<S: Scenario>() -> Result<Vec<u8>, String> {
    stage(S::setup)
}

/// Export glue: runs `S::init` and keeps the state.
pub fn vu_init<S: Scenario>(data: Vec<u8>) -> Result<(), String> {
    let state = stage(|| S::init(&data))?;
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
        Some(state) => stage(|| state.iteration(exec)),
        None => Err("scenario state has an unexpected type".to_string()),
    };
    STATE.with(|s| *s.borrow_mut() = Some(boxed));
    result
}

/// Export glue: runs `S::teardown`.
pub fn teardown<S: Scenario>(data: Vec<u8>) -> Result<(), String> {
    stage(|| S::teardown(&data))
}

/// Export glue: runs `S::handle_summary`.
pub fn handle_summary<S: Scenario>(
    summary: &str,
) -> Result<Option<Vec<crate::bindings::exports::volley::scenario::lifecycle::SummaryFile>>, String>
{
    let files = stage(|| S::handle_summary(summary))?;
    Ok(files.map(|files| {
        files
            .into_iter()
            .map(
                |f| crate::bindings::exports::volley::scenario::lifecycle::SummaryFile {
                    path: f.path,
                    content: f.content,
                },
            )
            .collect()
    }))
}
