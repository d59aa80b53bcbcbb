//! Aligned-MTL: Senushkin, Patakin, Kuznetsov & Konushin, "Independent Component Alignment
//! for Multi-Task Learning", CVPR 2023. The task gradients are replaced by an orthogonal set of
//! equal norms (the smallest singular value's), removing both conflicts and dominance (see
//! [`aggregate::aligned_weights`]).
//!
//! Runs as a [`GramRule`]: on the shared-parameter gradients' Gram matrix, read back each step;
//! task parameters descend their own gradients.
use super::GramRule;
use super::aggregate::Gram;
use super::aggregate::aligned_weights;
use super::{MethodConfig, MethodContext, MethodSettings, OnSharedGram, Weighting};
use crate::error::ConfigError;
use serde::{Deserialize, Serialize};

/// Settings of `aligned-mtl` (none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AlignedMtlConfig {}

/// Aligned-MTL.
#[derive(Debug, Clone, Copy, Default)]
pub struct AlignedMtl;

impl GramRule for AlignedMtl {
    fn weights(&mut self, gram: &Gram) -> Vec<f64> {
        aligned_weights(gram, 1e-8)
    }
}

impl MethodSettings for AlignedMtlConfig {}

impl MethodConfig for AlignedMtlConfig {
    fn build(&self, _context: &MethodContext) -> Result<Box<dyn Weighting>, ConfigError> {
        Ok(Box::new(OnSharedGram(AlignedMtl)))
    }
}
