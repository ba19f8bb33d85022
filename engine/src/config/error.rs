//! Errors of the config module. Parsing and validation keep going after the
//! first problem and hand back every one at once, as k6's config validation
//! does, so a user fixes a bad options file in one pass.

use std::fmt;

/// One problem with the options, named by where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The options text is not JSON at all.
    #[error("{source_name}: invalid JSON at line {line}, column {column}: {message}")]
    Syntax {
        /// What was being read (`options`).
        source_name: String,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What the JSON parser expected.
        message: String,
    },
    /// A value that is missing, of the wrong type, or out of range.
    #[error("{path}: {message}")]
    Invalid {
        /// Where the value is: a key path such as
        /// `options.scenarios.browse.vus`, or an environment variable name.
        path: String,
        /// What is wrong and what was expected.
        message: String,
    },
}

impl ConfigError {
    /// A [`ConfigError::Invalid`] at `path`.
    pub fn invalid(path: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError::Invalid {
            path: path.into(),
            message: message.into(),
        }
    }

    /// Where the problem is (`options` for a JSON syntax error).
    pub fn path(&self) -> &str {
        match self {
            ConfigError::Syntax { source_name, .. } => source_name,
            ConfigError::Invalid { path, .. } => path,
        }
    }
}

/// Every problem found in one pass; never empty when returned as an error.
/// Displays one problem per line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl ConfigErrors {
    /// The problems, in the order they were found.
    pub fn errors(&self) -> &[ConfigError] {
        &self.0
    }

    /// `Ok(value)` when nothing was found, else all the problems.
    pub(crate) fn check<T>(errors: Vec<ConfigError>, value: T) -> Result<T, ConfigErrors> {
        if errors.is_empty() {
            Ok(value)
        } else {
            Err(ConfigErrors(errors))
        }
    }
}

impl From<ConfigError> for ConfigErrors {
    fn from(error: ConfigError) -> Self {
        ConfigErrors(vec![error])
    }
}
