//! Aligned-MTL: Senushkin, Patakin, Kuznetsov & Konushin, "Independent Component Alignment
//! for Multi-Task Learning", CVPR 2023. The task gradients are replaced by an orthogonal set of
//! equal norms (the smallest singular value's), removing both conflicts and dominance (see
//! [`aggregate::aligned_weights`]).
//!
//! Works on the gradients of the shared parameters (T extra encoder passes per step) and
//! reads their T×T Gram matrix back each step; task parameters descend their own gradients.
use super::aggregate::aligned_weights;
use super::{GramSource, Needs, StepSignals, Update, Weighting, shared_weights};
use serde::{Deserialize, Serialize};

/// Settings of `aligned-mtl` (none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AlignedMtlConfig {}

/// Aligned-MTL.
#[derive(Debug, Clone, Copy, Default)]
pub struct AlignedMtl;

impl Weighting for AlignedMtl {
    fn needs(&self) -> Needs {
        Needs::SharedGradients
    }

    fn reads_host(&self) -> bool {
        true
    }

    fn update(&mut self, signals: &StepSignals) -> Update {
        let (gram, _) = GramSource::SharedParameters.read(signals);
        shared_weights(&aligned_weights(&gram, 1e-8), &signals.device)
    }
}
