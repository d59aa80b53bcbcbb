//! Random Loss Weighting: Lin, Ye, Xu, Shi & Zhang, "Reasonable Effectiveness of Random
//! Weighting: A Litmus Test for Multi-Task Learning", TMLR 2022.
//!
//! Every step draws z ~ N(0, I_T) and weighs the losses by softmax(z) (the paper's standard
//! normal choice, as in LibMTL). The draws come from the run's seed, so runs reproduce.

use super::{MethodConfig, MethodSettings};
use super::{MethodContext, StepSignals, Update, Weighting};
use crate::error::ConfigError;
use crate::rng::Rng;
use burn::prelude::*;
use serde::{Deserialize, Serialize};

/// Fresh random weights every step.
#[derive(Debug, Clone)]
pub struct Rlw {
    rng: Rng,
}

impl Rlw {
    /// Seeded from the run.
    pub fn new(context: &MethodContext) -> Self {
        Self {
            rng: Rng::fork(context.seed, "rlw"),
        }
    }

    /// softmax of T standard normal draws.
    pub fn draw(&mut self, tasks: usize) -> Vec<f32> {
        let z: Vec<f64> = (0..tasks).map(|_| self.rng.normal()).collect();
        let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let exp: Vec<f64> = z.iter().map(|v| (v - max).exp()).collect();
        let total: f64 = exp.iter().sum();
        exp.iter().map(|e| (e / total) as f32).collect()
    }
}

impl Weighting for Rlw {
    fn update(&mut self, signals: &StepSignals) -> Update {
        let tasks = signals.losses.dims()[0];
        let weights = self.draw(tasks);
        Update::Weights(Tensor::from_data(
            TensorData::new(weights, [tasks]),
            &signals.device,
        ))
    }
}

/// Settings of `rlw` (none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RlwConfig {}

impl MethodSettings for RlwConfig {
    fn trains_stacked(&self) -> bool {
        true
    }
}

impl MethodConfig for RlwConfig {
    fn build(&self, context: &MethodContext) -> Result<Box<dyn Weighting>, ConfigError> {
        Ok(Box::new(Rlw::new(context)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(seed: u64) -> MethodContext {
        MethodContext {
            tasks: Vec::new(),
            seed,
            learning_rate: 0.01,
        }
    }

    #[test]
    fn weights_are_random_points_of_the_simplex_reproduced_by_the_seed() {
        let mut method = Rlw::new(&context(3));
        let first = method.draw(3);
        let second = method.draw(3);
        assert!((first.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(first.iter().all(|w| *w > 0.0));
        assert_ne!(first, second);
        assert_eq!(Rlw::new(&context(3)).draw(3), first);
        // The mean weight over many draws is 1/T by symmetry.
        let mean = (0..20_000).map(|_| method.draw(2)[0]).sum::<f32>() / 20_000.0;
        assert!((mean - 0.5).abs() < 0.01, "{mean}");
    }
}
