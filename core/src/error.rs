//! The one error type of the engine: a config value out of range, or an impossible combination.

use std::fmt;

/// A configuration the engine cannot run, naming the field and what would be allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// Dotted path of the offending field, e.g. `dataset.correlation` or `arch`.
    pub field: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

impl ConfigError {
    /// Builds an error for `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }

    /// Prefixes the field path, so nested configs report `dataset.tasks` rather than `tasks`.
    pub fn within(mut self, parent: &str) -> Self {
        self.field = format!("{parent}.{}", self.field);
        self
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid `{}`: {}", self.field, self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Anything that can stop a run: a bad config, a failed device read, a diverged loss.
#[derive(Debug, Clone, PartialEq)]
pub enum RunError {
    /// The configuration was rejected before training started.
    Config(ConfigError),
    /// Reading results back from the device failed (a lost GPU device, for instance).
    Device(String),
    /// A task's training loss became NaN or infinite at `step`.
    Diverged { step: usize, task: String },
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Config(error) => error.fmt(f),
            RunError::Device(message) => write!(f, "device error: {message}"),
            RunError::Diverged { step, task } => write!(
                f,
                "training diverged at step {step}: the loss of task `{task}` is not finite \
                 (try a smaller learning rate)"
            ),
        }
    }
}

impl std::error::Error for RunError {}

impl From<ConfigError> for RunError {
    fn from(error: ConfigError) -> Self {
        RunError::Config(error)
    }
}

/// Checks `low <= value <= high`, naming `field` and the range otherwise.
pub fn check_range<T: PartialOrd + fmt::Display + Copy>(
    field: &str,
    value: T,
    low: T,
    high: T,
) -> Result<(), ConfigError> {
    // Written so that NaN fails too.
    if value >= low && value <= high {
        Ok(())
    } else {
        Err(ConfigError::new(
            field,
            format!("{value} is out of range; allowed: {low} to {high}"),
        ))
    }
}
