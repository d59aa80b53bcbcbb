//! Fixed weights: Σ_k w_k·L_k with weights the user chose (hand-tuned weighting, the practice
//! every loss-balancing paper starts from, e.g. Kendall et al., CVPR 2018, §1).

use super::{MethodConfig, MethodContext, MethodSettings};
use super::{StepSignals, Update, Weighting};
use crate::error::{ConfigError, check_range};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

/// Settings of `fixed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FixedConfig {
    /// One weight per task, or one value for all (0 to 10⁴; default [1]).
    pub weights: Vec<f64>,
}

impl Default for FixedConfig {
    fn default() -> Self {
        Self { weights: vec![1.0] }
    }
}

impl MethodSettings for FixedConfig {
    fn validate(&self, tasks: usize) -> Result<(), ConfigError> {
        crate::data::per_task("weights", &self.weights, tasks)?;
        for &weight in &self.weights {
            check_range("weights", weight, 0.0, 1e4)?;
        }
        if self.weights.iter().all(|&w| w == 0.0) {
            return Err(ConfigError::new(
                "weights",
                "all weights are 0; nothing would train",
            ));
        }
        Ok(())
    }

    fn trains_stacked(&self) -> bool {
        true
    }
}

impl MethodConfig for FixedConfig {
    fn build(&self, context: &MethodContext) -> Result<Box<dyn Weighting>, ConfigError> {
        Ok(Box::new(Fixed::new(self, context.task_count())))
    }
}

/// Given task weights.
#[derive(Debug, Clone)]
pub struct Fixed {
    weights: Vec<f32>,
}

impl Fixed {
    /// Expands a single value to every task.
    pub fn new(config: &FixedConfig, tasks: usize) -> Self {
        Self {
            weights: (0..tasks)
                .map(|k| crate::data::task_value(&config.weights, k) as f32)
                .collect(),
        }
    }
}

impl Weighting for Fixed {
    fn update(&mut self, signals: &StepSignals) -> Update {
        let count = self.weights.len();
        Update::Weights(Tensor::from_data(
            TensorData::new(self.weights.clone(), [count]),
            &signals.device,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::weighting::test_support::{loss_signals, values};

    #[test]
    fn uses_the_given_weights() {
        let config = FixedConfig {
            weights: vec![0.25, 4.0],
        };
        let update = Fixed::new(&config, 2).update(&loss_signals(&[1.0, 1.0]));
        assert_eq!(values(update.weights()), vec![0.25, 4.0]);
    }

    #[test]
    fn rejects_a_wrong_count_and_negative_weights() {
        let wrong_count = FixedConfig {
            weights: vec![1.0, 2.0, 3.0],
        };
        assert_eq!(wrong_count.validate(2).unwrap_err().field, "weights");
        let negative = FixedConfig {
            weights: vec![1.0, -1.0],
        };
        assert!(
            negative
                .validate(2)
                .unwrap_err()
                .message
                .contains("0 to 10000")
        );
    }
}
