//! Gradient Vaccine: Wang, Tsvetkov, Firat & Cao, "Gradient Vaccine: Investigating and
//! Improving Multi-task Optimization in Massively Multilingual Models", ICLR 2021. Each pair of
//! task gradients is nudged toward an exponential moving average of its past cosine similarity
//! (see [`aggregate::GradVac`]); EMA rate β = 0.01. Applied to all shared parameters at once
//! (the paper also applies it per layer). The pair order follows the run's seed.
//!
//! Runs as a [`GramRule`]: on the shared-parameter gradients' Gram matrix, read back each step;
//! task parameters descend their own gradients.
use super::GramRule;
use super::MethodContext;
use super::aggregate::GradVac as GradVacRule;
use super::aggregate::Gram;
use super::{MethodConfig, MethodSettings, OnSharedGram, Weighting};
use crate::error::{ConfigError, check_range};
use crate::rng::Rng;
use serde::{Deserialize, Serialize};

/// Settings of `gradvac`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GradVacConfig {
    /// EMA rate β of the target similarities (0 to 1; default 0.01).
    pub beta: f64,
}

impl Default for GradVacConfig {
    fn default() -> Self {
        Self { beta: 0.01 }
    }
}

impl MethodSettings for GradVacConfig {
    fn validate(&self, _tasks: usize) -> Result<(), ConfigError> {
        check_range("beta", self.beta, 0.0, 1.0)
    }
}

impl MethodConfig for GradVacConfig {
    fn build(&self, context: &MethodContext) -> Result<Box<dyn Weighting>, ConfigError> {
        Ok(Box::new(OnSharedGram(GradVac::new(self, context))))
    }
}

/// GradVac with its targets and random order.
#[derive(Debug, Clone)]
pub struct GradVac {
    rule: GradVacRule,
    rng: Rng,
}

impl GradVac {
    /// For the run's tasks, seeded from the run.
    pub fn new(config: &GradVacConfig, context: &MethodContext) -> Self {
        Self {
            rule: GradVacRule::new(context.task_count(), config.beta),
            rng: Rng::fork(context.seed, "gradvac"),
        }
    }
}

impl GramRule for GradVac {
    fn weights(&mut self, gram: &Gram) -> Vec<f64> {
        self.rule.weights(gram, &mut self.rng)
    }
}
