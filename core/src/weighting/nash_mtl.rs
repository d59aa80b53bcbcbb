//! Nash-MTL: Navon, Shamsian, Achituve, Maron, Kawaguchi, Chechik & Fetaya, "Multi-Task
//! Learning as a Bargaining Game", ICML 2022. The Nash bargaining solution: weights α > 0 with
//! α_i·⟨g_i, Σ_j α_j g_j⟩ = 1 for every task (see [`aggregate::nash_weights`]); solved exactly
//! every step (the paper re-solves every few steps to save time).
//!
//! Works on the gradients of the shared parameters (T extra encoder passes per step) and
//! reads their T×T Gram matrix back each step; task parameters descend their own gradients.
use super::aggregate::nash_weights;
use super::{GramSource, Needs, StepSignals, Update, Weighting, shared_weights};
use serde::{Deserialize, Serialize};

/// Settings of `nash-mtl` (none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct NashMtlConfig {}

/// Nash-MTL.
#[derive(Debug, Clone, Copy, Default)]
pub struct NashMtl;

impl Weighting for NashMtl {
    fn needs(&self) -> Needs {
        Needs::SharedGradients
    }

    fn reads_host(&self) -> bool {
        true
    }

    fn update(&mut self, signals: &StepSignals) -> Update {
        let (gram, _) = GramSource::SharedParameters.read(signals);
        shared_weights(&nash_weights(&gram, 1e-8, 100, 1e-10), &signals.device)
    }
}
