//! UPGrad: Quinton & Rey, "Jacobian Descent for Multi-Objective Optimization", arXiv 2406.16232, 2024 (torchjd).
//! Each task gradient is projected onto the dual cone of all task gradients and the projections
//! are averaged, so the direction never conflicts with any task (see
//! [`aggregate::upgrad_weights`]).
//!
//! Runs as a [`GramRule`]: on the shared-parameter gradients' Gram matrix, read back each step;
//! task parameters descend their own gradients.
use super::GramRule;
use super::aggregate::Gram;
use super::aggregate::upgrad_weights;
use super::{MethodConfig, MethodContext, MethodSettings, OnSharedGram, Weighting};
use crate::error::ConfigError;
use serde::{Deserialize, Serialize};

/// Settings of `upgrad` (none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct UpGradConfig {}

/// UPGrad.
#[derive(Debug, Clone, Copy, Default)]
pub struct UpGrad;

impl GramRule for UpGrad {
    fn weights(&mut self, gram: &Gram) -> Vec<f64> {
        upgrad_weights(gram, 10_000, 1e-12)
    }
}

impl MethodSettings for UpGradConfig {}

impl MethodConfig for UpGradConfig {
    fn build(&self, _context: &MethodContext) -> Result<Box<dyn Weighting>, ConfigError> {
        Ok(Box::new(OnSharedGram(UpGrad)))
    }
}
