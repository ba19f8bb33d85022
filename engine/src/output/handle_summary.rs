//! The files a scenario's `handle-summary` returns (k6's `handleSummary`).
//!
//! `stdout` and `stderr` name the streams; any other key is a file path.
//! A scenario is sandboxed, and one pulled from a registry is not the
//! user's own code, so its files stay inside the current directory:
//! relative paths without `..`, checked again after the folders are made
//! (a symbolic link must not lead out). Each file is written whole or not
//! at all.

use std::path::{Component, Path, PathBuf};

use super::{OutputError, write_atomically};

/// The most files one `handle-summary` may write.
const MAX_FILES: usize = 64;

/// Write what `handle-summary` returned; one error per file that could
/// not be written.
pub fn write_summary_files(files: &[(String, Vec<u8>)]) -> Vec<OutputError> {
    let cwd = match std::env::current_dir().and_then(|d| d.canonicalize()) {
        Ok(d) => d,
        Err(e) => {
            return vec![OutputError::new(
                "handle-summary",
                format!("cannot read the current directory: {e}"),
            )];
        }
    };
    let mut errors = Vec::new();
    if files.len() > MAX_FILES {
        errors.push(OutputError::new(
            "handle-summary",
            format!(
                "it returned {} files; only the first {MAX_FILES} are written",
                files.len()
            ),
        ));
    }
    for (key, content) in files.iter().take(MAX_FILES) {
        let result = match key.as_str() {
            "stdout" => stream(std::io::stdout().lock(), content),
            "stderr" => stream(std::io::stderr().lock(), content),
            path => write_file(&cwd, path, content),
        };
        if let Err(message) = result {
            errors.push(OutputError::new(format!("handle-summary {key:?}"), message));
        }
    }
    errors
}

fn stream(mut out: impl std::io::Write, content: &[u8]) -> Result<(), String> {
    // A closed stream (a pipe to `head`) is not the run's failure.
    let _ = out.write_all(content);
    let _ = out.flush();
    Ok(())
}

fn write_file(cwd: &Path, key: &str, content: &[u8]) -> Result<(), String> {
    let path = confined(key)?;
    let full = cwd.join(&path);
    if let Some(parent) = full.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        let real = parent
            .canonicalize()
            .map_err(|e| format!("cannot resolve {}: {e}", parent.display()))?;
        if !real.starts_with(cwd) {
            return Err(format!(
                "{key} leads outside the current directory through a symbolic link; \
                 return a path inside it"
            ));
        }
    }
    if full.is_symlink() {
        return Err(format!(
            "{key} is a symbolic link; the summary is not written through links"
        ));
    }
    write_atomically(&full, content).map_err(|e| format!("cannot write {key}: {e}"))
}

/// `key` as a path inside the current directory, or why it is not one.
fn confined(key: &str) -> Result<PathBuf, String> {
    if key.is_empty() {
        return Err("an empty path; name a file, `stdout` or `stderr`".into());
    }
    let path = Path::new(key);
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => {
                return Err(format!(
                    "{key} is outside the current directory; handle-summary may only write \
                     relative paths without `..` (run volley where the files should go)"
                ));
            }
        }
    }
    if out.as_os_str().is_empty() {
        return Err(format!("{key} names no file"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_current_directory() {
        assert_eq!(
            confined("reports/summary.json").expect("test setup"),
            PathBuf::from("reports/summary.json")
        );
        assert_eq!(
            confined("./a.txt").expect("test setup"),
            PathBuf::from("a.txt")
        );
        for bad in ["/etc/passwd", "../up.txt", "a/../../b", "", ".", "./"] {
            assert!(confined(bad).is_err(), "{bad:?} accepted");
        }
    }

    fn fresh_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("volley-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("test setup");
        dir.canonicalize().expect("test setup")
    }

    #[test]
    fn writes_files_and_refuses_escapes() {
        let dir = fresh_dir("summary-in");
        let outside = fresh_dir("summary-out");
        std::os::unix::fs::symlink(&outside, dir.join("link")).expect("test setup");
        write_file(&dir, "out/s.json", b"{}").expect("test setup");
        assert_eq!(
            std::fs::read(dir.join("out/s.json")).expect("test setup"),
            b"{}"
        );
        let err = write_file(&dir, "link/x.txt", b"x").expect_err("must be refused");
        assert!(err.contains("symbolic link"), "{err}");
        assert!(!outside.join("x.txt").exists());
        std::fs::remove_dir_all(&dir).expect("test setup");
        std::fs::remove_dir_all(&outside).expect("test setup");
    }
}
