//! PCGrad: Yu, Kumar, Gupta, Levine, Hausman & Finn, "Gradient Surgery for Multi-Task
//! Learning", NeurIPS 2020. Each task gradient is projected onto the normal plane of every
//! other task gradient it conflicts with, in a random order, and the projected gradients are
//! summed (see [`aggregate::pcgrad_weights`]). The order follows the run's seed.
//!
//! Works on the gradients of the shared parameters (T extra encoder passes per step) and
//! reads their T×T Gram matrix back each step; task parameters descend their own gradients.
use super::MethodContext;
use super::aggregate::pcgrad_weights;
use super::{GramSource, Needs, StepSignals, Update, Weighting, shared_weights};
use crate::rng::Rng;
use serde::{Deserialize, Serialize};

/// Settings of `pcgrad` (none: the paper has no hyperparameter).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PcGradConfig {}

/// PCGrad with its random order.
#[derive(Debug, Clone)]
pub struct PcGrad {
    rng: Rng,
}

impl PcGrad {
    /// Seeded from the run.
    pub fn new(context: &MethodContext) -> Self {
        Self {
            rng: Rng::fork(context.seed, "pcgrad"),
        }
    }
}

impl Weighting for PcGrad {
    fn needs(&self) -> Needs {
        Needs::SharedGradients
    }

    fn reads_host(&self) -> bool {
        true
    }

    fn update(&mut self, signals: &StepSignals) -> Update {
        let (gram, _) = GramSource::SharedParameters.read(signals);
        shared_weights(&pcgrad_weights(&gram, &mut self.rng), &signals.device)
    }
}
