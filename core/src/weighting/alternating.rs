//! Alternating training: one task per step, in turn, each task with its own optimiser state.
//!
//! The classic alternative to summing the losses (e.g. Kokkinos, "UberNet", CVPR 2017; common
//! in industrial multi-objective ranking). A step on task k descends L_k alone with task k's own
//! optimiser state (its own Adam moments), so it never moves another task's tower, and momentum
//! gathered on one task never leaks into another task's step. Weights are one-hot.

use super::{MethodConfig, MethodContext, MethodSettings};
use super::{StepSignals, Update, Weighting};
use crate::error::ConfigError;
use burn::prelude::*;
use serde::{Deserialize, Serialize};

/// Round-robin over the tasks.
#[derive(Debug, Clone, Default)]
pub struct Alternating {
    current: usize,
    next: usize,
}

impl Weighting for Alternating {
    fn update(&mut self, signals: &StepSignals) -> Update {
        let tasks = signals.losses.dims()[0];
        self.current = self.next % tasks;
        self.next = self.current + 1;
        let mut one_hot = vec![0.0f32; tasks];
        one_hot[self.current] = 1.0;
        Update::Weights(Tensor::from_data(
            TensorData::new(one_hot, [tasks]),
            &signals.device,
        ))
    }

    fn optimizer_slot(&self) -> usize {
        self.current
    }
}

/// Settings of `alternating` (none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AlternatingConfig {}

impl MethodSettings for AlternatingConfig {}

impl MethodConfig for AlternatingConfig {
    fn build(&self, _context: &MethodContext) -> Result<Box<dyn Weighting>, ConfigError> {
        Ok(Box::new(Alternating::default()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::weighting::test_support::{loss_signals, values};

    #[test]
    fn takes_the_tasks_in_turn_with_their_own_optimiser() {
        let mut method = Alternating::default();
        let mut seen = Vec::new();
        for _ in 0..6 {
            let weights = values(method.update(&loss_signals(&[1.0, 2.0, 3.0])).weights());
            assert_eq!(weights.iter().sum::<f32>(), 1.0);
            let task = weights.iter().position(|&w| w == 1.0).unwrap();
            assert_eq!(method.optimizer_slot(), task);
            seen.push(task);
        }
        assert_eq!(seen, vec![0, 1, 2, 0, 1, 2]);
    }
}
