//! Nash-MTL: Navon, Shamsian, Achituve, Maron, Kawaguchi, Chechik & Fetaya, "Multi-Task
//! Learning as a Bargaining Game", ICML 2022. The Nash bargaining solution: weights α > 0 with
//! α_i·⟨g_i, Σ_j α_j g_j⟩ = 1 for every task (see [`aggregate::nash_weights`]); solved exactly
//! every step (the paper re-solves every few steps to save time).
//!
//! Runs as a [`GramRule`]: on the shared-parameter gradients' Gram matrix, read back each step;
//! task parameters descend their own gradients.
use super::GramRule;
use super::aggregate::Gram;
use super::aggregate::nash_weights;
use super::{MethodConfig, MethodContext, MethodSettings, OnSharedGram, Weighting};
use crate::error::ConfigError;
use serde::{Deserialize, Serialize};

/// Settings of `nash-mtl` (none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct NashMtlConfig {}

/// Nash-MTL.
#[derive(Debug, Clone, Copy, Default)]
pub struct NashMtl;

impl GramRule for NashMtl {
    fn weights(&mut self, gram: &Gram) -> Vec<f64> {
        nash_weights(gram, 1e-8, 100, 1e-10)
    }
}

impl MethodSettings for NashMtlConfig {}

impl MethodConfig for NashMtlConfig {
    fn build(&self, _context: &MethodContext) -> Result<Box<dyn Weighting>, ConfigError> {
        Ok(Box::new(OnSharedGram(NashMtl)))
    }
}
