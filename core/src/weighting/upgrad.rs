//! UPGrad: Quinton & Rey, "Jacobian Descent for Multi-Objective Optimization", arXiv 2406.16232, 2024 (torchjd).
//! Each task gradient is projected onto the dual cone of all task gradients and the projections
//! are averaged, so the direction never conflicts with any task (see
//! [`aggregate::upgrad_weights`]).
//!
//! Works on the gradients of the shared parameters (T extra encoder passes per step) and
//! reads their T×T Gram matrix back each step; task parameters descend their own gradients.
use super::aggregate::upgrad_weights;
use super::{GramSource, Needs, StepSignals, Update, Weighting, shared_weights};
use serde::{Deserialize, Serialize};

/// Settings of `upgrad` (none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct UpGradConfig {}

/// UPGrad.
#[derive(Debug, Clone, Copy, Default)]
pub struct UpGrad;

impl Weighting for UpGrad {
    fn needs(&self) -> Needs {
        Needs::SharedGradients
    }

    fn reads_host(&self) -> bool {
        true
    }

    fn update(&mut self, signals: &StepSignals) -> Update {
        let (gram, _) = GramSource::SharedParameters.read(signals);
        shared_weights(&upgrad_weights(&gram, 10_000, 1e-12), &signals.device)
    }
}
