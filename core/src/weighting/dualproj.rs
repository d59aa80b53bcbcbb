//! DualProj: Quinton & Rey, "Jacobian Descent for Multi-Objective Optimization", arXiv 2406.16232, 2024
//! (torchjd). The mean gradient projected onto the dual cone of the task gradients (see
//! [`aggregate::dualproj_weights`]): the closest direction to the mean that conflicts with no
//! task.
//!
//! Runs as a [`GramRule`]: on the shared-parameter gradients' Gram matrix, read back each step;
//! task parameters descend their own gradients.
use super::GramRule;
use super::aggregate::Gram;
use super::aggregate::dualproj_weights;
use super::{MethodConfig, MethodContext, MethodSettings, OnSharedGram, Weighting};
use crate::error::ConfigError;
use serde::{Deserialize, Serialize};

/// Settings of `dualproj` (none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DualProjConfig {}

/// DualProj.
#[derive(Debug, Clone, Copy, Default)]
pub struct DualProj;

impl GramRule for DualProj {
    fn weights(&mut self, gram: &Gram) -> Vec<f64> {
        dualproj_weights(gram, 10_000, 1e-12)
    }
}

impl MethodSettings for DualProjConfig {}

impl MethodConfig for DualProjConfig {
    fn build(&self, _context: &MethodContext) -> Result<Box<dyn Weighting>, ConfigError> {
        Ok(Box::new(OnSharedGram(DualProj)))
    }
}
