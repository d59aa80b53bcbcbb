//! CAGrad: Liu, Liu, Jin, Stone & Liu, "Conflict-Averse Gradient Descent for Multi-task
//! Learning", NeurIPS 2021. The direction within c·||g₀|| of the mean gradient g₀ that
//! maximises the worst task's improvement (see [`aggregate::cagrad_weights`]); c = 0.5.
//!
//! Runs as a [`GramRule`]: on the shared-parameter gradients' Gram matrix, read back each step;
//! task parameters descend their own gradients.
use super::GramRule;
use super::aggregate::Gram;
use super::aggregate::{CAGRAD_C, cagrad_weights};
use super::{MethodConfig, MethodContext, MethodSettings, OnSharedGram, Weighting};
use crate::error::{ConfigError, check_range};
use serde::{Deserialize, Serialize};

/// Settings of `cagrad`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CaGradConfig {
    /// Radius c of the ball around the mean gradient (0 to 10; default 0.5).
    pub c: f64,
}

impl Default for CaGradConfig {
    fn default() -> Self {
        Self { c: CAGRAD_C }
    }
}

impl MethodSettings for CaGradConfig {
    fn validate(&self, _tasks: usize) -> Result<(), ConfigError> {
        check_range("c", self.c, 0.0, 10.0)
    }
}

impl MethodConfig for CaGradConfig {
    fn build(&self, _context: &MethodContext) -> Result<Box<dyn Weighting>, ConfigError> {
        Ok(Box::new(OnSharedGram(CaGrad::new(self))))
    }
}

/// CAGrad.
#[derive(Debug, Clone)]
pub struct CaGrad {
    c: f64,
}

impl CaGrad {
    /// From its config.
    pub fn new(config: &CaGradConfig) -> Self {
        Self { c: config.c }
    }
}

impl GramRule for CaGrad {
    fn weights(&mut self, gram: &Gram) -> Vec<f64> {
        cagrad_weights(gram, self.c, 10_000, 1e-12)
    }
}
