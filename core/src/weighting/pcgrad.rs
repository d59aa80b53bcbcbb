//! PCGrad: Yu, Kumar, Gupta, Levine, Hausman & Finn, "Gradient Surgery for Multi-Task
//! Learning", NeurIPS 2020. Each task gradient is projected onto the normal plane of every
//! other task gradient it conflicts with, in a random order, and the projected gradients are
//! summed (see [`aggregate::pcgrad_weights`]). The order follows the run's seed.
//!
//! Runs as a [`GramRule`]: on the shared-parameter gradients' Gram matrix, read back each step;
//! task parameters descend their own gradients.
use super::GramRule;
use super::MethodContext;
use super::aggregate::Gram;
use super::aggregate::pcgrad_weights;
use super::{MethodConfig, MethodSettings, OnSharedGram, Weighting};
use crate::error::ConfigError;
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

impl GramRule for PcGrad {
    fn weights(&mut self, gram: &Gram) -> Vec<f64> {
        pcgrad_weights(gram, &mut self.rng)
    }
}

impl MethodSettings for PcGradConfig {}

impl MethodConfig for PcGradConfig {
    fn build(&self, context: &MethodContext) -> Result<Box<dyn Weighting>, ConfigError> {
        Ok(Box::new(OnSharedGram(PcGrad::new(context))))
    }
}
