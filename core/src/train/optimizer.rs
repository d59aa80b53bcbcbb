//! The optimiser registry: one line per optimiser, its settings beside it.

use super::flat::Rule;
use crate::error::{ConfigError, check_range};
use crate::registry::registry;
use serde::{Deserialize, Serialize};

/// What the registry needs of every optimiser's settings.
pub trait OptimizerSettings {
    /// Checks the settings (default: nothing to check).
    ///
    /// # Errors
    /// The offending field and its allowed range.
    fn validate(&self) -> Result<(), ConfigError> {
        Ok(())
    }
}

/// How the registry makes every optimiser from its settings.
pub trait OptimizerBuilder: OptimizerSettings {
    /// The element-wise update rule (the trainers run it over all parameters at once).
    fn rule(&self) -> Rule;
}

/// Settings of `adam` (none: β = (0.9, 0.999), ε = 10⁻⁸).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AdamConfig {}

impl OptimizerSettings for AdamConfig {}

impl OptimizerBuilder for AdamConfig {
    fn rule(&self) -> Rule {
        Rule::Adam
    }
}

/// Settings of `sgd`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct SgdConfig {
    /// Momentum (0 to 0.999; default 0: plain SGD, as PyTorch's `SGD`). The one default: a
    /// link, the CLI and the page's menu all start SGD from the registry's entry.
    pub momentum: f64,
}

impl OptimizerSettings for SgdConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        check_range("momentum", self.momentum, 0.0, 0.999)
    }
}

impl OptimizerBuilder for SgdConfig {
    fn rule(&self) -> Rule {
        Rule::Sgd {
            momentum: self.momentum,
        }
    }
}

registry! {
    /// The optimiser registry. Serialised with a `kind` tag, e.g.
    /// `{"kind": "sgd", "momentum": 0.9}`.
    pub enum OptimizerConfig: "optimizer", dyn OptimizerSettings, dyn OptimizerBuilder {
        /// Adam (Kingma & Ba, ICLR 2015).
        Adam(AdamConfig) = "adam",
        /// Stochastic gradient descent with optional momentum.
        Sgd(SgdConfig) = "sgd",
    }
}

impl Default for OptimizerConfig {
    fn default() -> Self {
        OptimizerConfig::Adam(AdamConfig {})
    }
}

impl OptimizerConfig {
    /// Checks the settings.
    ///
    /// # Errors
    /// The offending field (prefixed with `optimizer.`) and its allowed range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.settings()
            .validate()
            .map_err(|error| error.within("optimizer"))
    }

    /// The element-wise update rule.
    pub fn rule(&self) -> Rule {
        self.builder().rule()
    }
}
