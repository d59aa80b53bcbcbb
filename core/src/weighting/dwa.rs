//! Dynamic Weight Average: Liu, Johns & Davison, "End-to-End Multi-Task Learning with
//! Attention", CVPR 2019, Eq. 7.
//!
//! w_k(t) = T·exp(r_k(t−1)/τ) / Σ_i exp(r_i(t−1)/τ), with r_k(t−1) = L_k(t−1)/L_k(t−2) the
//! ratio of the task's mean training losses over the last two epochs; weights are 1 for the
//! first two epochs. Temperature τ = 2 by default. Runs on the device.

use super::{MethodConfig, MethodContext, MethodSettings};
use super::{StepSignals, Update, Weighting};
use crate::error::{ConfigError, check_range};
use burn::prelude::*;
use burn::tensor::activation::softmax;
use serde::{Deserialize, Serialize};

/// Settings of `dwa`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DwaConfig {
    /// Softmax temperature τ (0.01 to 100; default 2).
    pub temperature: f64,
}

impl Default for DwaConfig {
    fn default() -> Self {
        Self { temperature: 2.0 }
    }
}

impl MethodSettings for DwaConfig {
    fn validate(&self, _tasks: usize) -> Result<(), ConfigError> {
        check_range("temperature", self.temperature, 0.01, 100.0)
    }

    fn trains_stacked(&self) -> bool {
        true
    }
}

impl MethodConfig for DwaConfig {
    fn build(&self, _context: &MethodContext) -> Result<Box<dyn Weighting>, ConfigError> {
        Ok(Box::new(Dwa::new(self)))
    }
}

/// Weights from the rate at which each task's loss falls.
#[derive(Debug, Clone)]
pub struct Dwa {
    temperature: f64,
    epoch_losses: Vec<Tensor<1>>,
    weights: Option<Tensor<1>>,
}

impl Dwa {
    /// From its config.
    pub fn new(config: &DwaConfig) -> Self {
        Self {
            temperature: config.temperature,
            epoch_losses: Vec::new(),
            weights: None,
        }
    }
}

impl Weighting for Dwa {
    fn update(&mut self, signals: &StepSignals) -> Update {
        Update::Weights(
            self.weights
                .clone()
                .unwrap_or_else(|| Tensor::ones(signals.losses.dims(), &signals.device)),
        )
    }

    fn end_epoch(&mut self, mean_losses: Tensor<1>) {
        self.epoch_losses.push(mean_losses);
        if self.epoch_losses.len() > 2 {
            self.epoch_losses.remove(0);
        }
        if let [before, last] = self.epoch_losses.as_slice() {
            let tasks = last.dims()[0] as f64;
            let ratios = last.clone() / before.clone().clamp_min(1e-12);
            self.weights = Some(softmax(ratios.div_scalar(self.temperature), 0).mul_scalar(tasks));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::weighting::test_support::{loss_signals, values};

    fn tensor(values: &[f32]) -> Tensor<1> {
        Tensor::from_data(
            TensorData::new(values.to_vec(), [values.len()]),
            &Device::flex(),
        )
    }

    #[test]
    fn is_t_times_softmax_of_loss_ratios() {
        let mut method = Dwa::new(&DwaConfig::default());
        let signals = loss_signals(&[1.0, 1.0]);
        method.end_epoch(tensor(&[1.0, 1.0]));
        assert_eq!(
            values(method.update(&signals).weights()),
            vec![1.0, 1.0],
            "first epochs: 1"
        );
        method.end_epoch(tensor(&[0.5, 0.9]));
        // r = (0.5, 0.9); w = 2·softmax(r/2) = 2·e^{0.25}/(e^{0.25} + e^{0.45}), ...
        let (a, b) = (0.25f32.exp(), 0.45f32.exp());
        let expected = [2.0 * a / (a + b), 2.0 * b / (a + b)];
        let got = values(method.update(&signals).weights());
        assert!((got[0] - expected[0]).abs() < 1e-6 && (got[1] - expected[1]).abs() < 1e-6);
        // The slower task (ratio 0.9) gets the larger weight.
        assert!(got[1] > got[0]);
    }
}
