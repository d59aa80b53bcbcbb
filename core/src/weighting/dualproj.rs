//! DualProj: Quinton & Rey, "Jacobian Descent for Multi-Objective Optimization", arXiv 2406.16232, 2024
//! (torchjd). The mean gradient projected onto the dual cone of the task gradients (see
//! [`aggregate::dualproj_weights`]): the closest direction to the mean that conflicts with no
//! task.
//!
//! Works on the gradients of the shared parameters (T extra encoder passes per step) and
//! reads their T×T Gram matrix back each step; task parameters descend their own gradients.
use super::aggregate::dualproj_weights;
use super::{GramSource, Needs, StepSignals, Update, Weighting, shared_weights};
use serde::{Deserialize, Serialize};

/// Settings of `dualproj` (none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DualProjConfig {}

/// DualProj.
#[derive(Debug, Clone, Copy, Default)]
pub struct DualProj;

impl Weighting for DualProj {
    fn needs(&self) -> Needs {
        Needs::SharedGradients
    }

    fn reads_host(&self) -> bool {
        true
    }

    fn update(&mut self, signals: &StepSignals) -> Update {
        let (gram, _) = GramSource::SharedParameters.read(signals);
        shared_weights(&dualproj_weights(&gram, 10_000, 1e-12), &signals.device)
    }
}
