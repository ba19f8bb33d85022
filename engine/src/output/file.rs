//! An output written once, at the end of the run, to a file: checked for
//! writability before the run starts, written atomically (a temporary file
//! renamed into place) when the run is over.

use std::path::PathBuf;

use super::{
    Finishing, Output, OutputError, RunInfo, RunOutcome, check_writable, write_atomically,
};

type Render = dyn Fn(&RunOutcome) -> Result<Vec<u8>, String> + Send + Sync;

/// A file rendered from the outcome.
pub struct FileOut {
    flag: &'static str,
    path: PathBuf,
    render: Box<Render>,
}

impl FileOut {
    /// The output `flag` (e.g. `--junit`) writing `render(outcome)` to `path`.
    pub fn new(
        flag: &'static str,
        path: PathBuf,
        render: impl Fn(&RunOutcome) -> Result<Vec<u8>, String> + Send + Sync + 'static,
    ) -> Self {
        Self {
            flag,
            path,
            render: Box::new(render),
        }
    }
}

impl Output for FileOut {
    fn name(&self) -> String {
        format!("{} {}", self.flag, self.path.display())
    }

    fn start(&self, _run: &RunInfo<'_>) -> Result<(), OutputError> {
        check_writable(self.flag, &self.path)
    }

    fn finish<'a>(&'a self, outcome: &'a RunOutcome) -> Finishing<'a> {
        Box::pin(async move {
            let bytes = (self.render)(outcome).map_err(|m| OutputError::new(self.flag, m))?;
            write_atomically(&self.path, &bytes).map_err(|e| {
                OutputError::new(
                    self.flag,
                    format!("cannot write {}: {e}", self.path.display()),
                )
            })
        })
    }
}
