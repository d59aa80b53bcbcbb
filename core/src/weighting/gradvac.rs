//! Gradient Vaccine: Wang, Tsvetkov, Firat & Cao, "Gradient Vaccine: Investigating and
//! Improving Multi-task Optimization in Massively Multilingual Models", ICLR 2021. Each pair of
//! task gradients is nudged toward an exponential moving average of its past cosine similarity
//! (see [`aggregate::GradVac`]); EMA rate β = 0.01. Applied to all shared parameters at once
//! (the paper also applies it per layer). The pair order follows the run's seed.
//!
//! Works on the gradients of the shared parameters (T extra encoder passes per step) and
//! reads their T×T Gram matrix back each step; task parameters descend their own gradients.
use super::MethodContext;
use super::aggregate::GradVac as GradVacRule;
use super::{GramSource, Needs, StepSignals, Update, Weighting, shared_weights};
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

impl GradVacConfig {
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        check_range("beta", self.beta, 0.0, 1.0)
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

impl Weighting for GradVac {
    fn needs(&self) -> Needs {
        Needs::SharedGradients
    }

    fn reads_host(&self) -> bool {
        true
    }

    fn update(&mut self, signals: &StepSignals) -> Update {
        let (gram, _) = GramSource::SharedParameters.read(signals);
        shared_weights(&self.rule.weights(&gram, &mut self.rng), &signals.device)
    }
}
