//! Smooth Tchebycheff scalarisation: Lin, Zhang, Yang, Zhang & Zhang, "Smooth Tchebycheff
//! Scalarization for Multi-Objective Optimization", ICML 2024; the multi-task form of the
//! authors' code, which LibMTL's `STCH` follows (we follow both).
//!
//! The objective is μ·log Σ_k exp(ℓ_k/μ) on **normalised** losses ℓ_k = log(L_k/n_k), with n
//! the nadir point: a smooth approximation of the Tchebycheff max_k ℓ_k that pushes on the task
//! furthest behind *relative to its own scale*, so the weights do not depend on the raw loss
//! scales. As in LibMTL the objective is multiplied by T, and training starts with a warm-up on
//! Σ_k log L_k during which the nadir is measured: n_k is the mean loss over the last warm-up
//! epoch. The gradient of either objective is Σ_k w_k ∇L_k, with the weights returned here:
//! - warm-up: w_k = 1/L_k;
//! - after it: w_k = T·softmax(ℓ/μ)_k / L_k.
//!
//! Scaling task k's loss by c scales n_k by c, leaves ℓ_k unchanged and scales w_k by 1/c, so
//! w_k ∇L_k (what the shared parameters see) does not change.
//!
//! Defaults: μ = 1 (LibMTL's `STCH_mu`); 5 warm-up epochs, which is LibMTL's
//! `STCH_warmup_epoch = 4` (it counts from 0 and trains epoch 4 on Σ log L too, measuring the
//! nadir there); the nadir measured (`nadir = 0`), or given per task. A masked task with no
//! observed row in a batch keeps its last observed loss ([`HeldLosses`]). Runs on the device.

use super::{HeldLosses, StepSignals, Update, Weighting};
use super::{MethodConfig, MethodContext, MethodSettings};
use crate::error::{ConfigError, check_range};
use burn::prelude::*;
use burn::tensor::activation::softmax;
use serde::{Deserialize, Serialize};

/// Settings of `stch`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StchConfig {
    /// Smoothing μ (1e-3 to 100; default 1).
    pub smoothing: f64,
    /// Epochs trained on Σ log L before the Tchebycheff objective (0 to 1000; default 5).
    pub warmup_epochs: usize,
    /// The nadir per task, or one value for all; 0 = the mean loss over the last warm-up epoch
    /// (0 to 10⁶; default [0]).
    pub nadir: Vec<f64>,
}

impl Default for StchConfig {
    fn default() -> Self {
        Self {
            smoothing: 1.0,
            warmup_epochs: 5,
            nadir: vec![0.0],
        }
    }
}

impl MethodSettings for StchConfig {
    fn validate(&self, tasks: usize) -> Result<(), ConfigError> {
        check_range("smoothing", self.smoothing, 1e-3, 100.0)?;
        check_range("warmup_epochs", self.warmup_epochs, 0, 1000)?;
        crate::data::per_task("nadir", &self.nadir, tasks)?;
        for &nadir in &self.nadir {
            check_range("nadir", nadir, 0.0, 1e6)?;
        }
        if self.warmup_epochs == 0 && self.nadir.contains(&0.0) {
            return Err(ConfigError::new(
                "nadir",
                "a measured nadir (0) needs at least one warm-up epoch",
            ));
        }
        Ok(())
    }

    fn trains_stacked(&self) -> bool {
        true
    }
}

impl MethodConfig for StchConfig {
    fn build(&self, context: &MethodContext) -> Result<Box<dyn Weighting>, ConfigError> {
        Ok(Box::new(Stch::new(self, context.task_count())))
    }
}

/// Smooth Tchebycheff weights.
#[derive(Debug, Clone)]
pub struct Stch {
    smoothing: f64,
    warmup_epochs: usize,
    /// Per task: the given nadir, or 0 where it is measured.
    given_nadir: Vec<f32>,
    epochs_done: usize,
    held: HeldLosses,
    /// Sum of the held losses and steps in the current warm-up epoch.
    epoch_sum: Option<(Tensor<1>, usize)>,
    nadir: Option<Tensor<1>>,
}

/// Floor of a loss before its logarithm or reciprocal (LibMTL adds 1e-20).
const FLOOR: f64 = 1e-20;

impl Stch {
    /// From its config, for `tasks` tasks.
    pub fn new(config: &StchConfig, tasks: usize) -> Self {
        Self {
            smoothing: config.smoothing,
            warmup_epochs: config.warmup_epochs,
            given_nadir: (0..tasks)
                .map(|k| crate::data::task_value(&config.nadir, k) as f32)
                .collect(),
            epochs_done: 0,
            held: HeldLosses::default(),
            epoch_sum: None,
            nadir: None,
        }
    }

    fn warming_up(&self) -> bool {
        self.epochs_done < self.warmup_epochs
    }

    /// The nadir once the warm-up is over: the given values, the measured mean where 0.
    fn settle_nadir(&mut self, device: &Device) -> Tensor<1> {
        if let Some(nadir) = &self.nadir {
            return nadir.clone();
        }
        let tasks = self.given_nadir.len();
        let given =
            Tensor::<1>::from_data(TensorData::new(self.given_nadir.clone(), [tasks]), device);
        let nadir = match self.epoch_sum.take() {
            Some((sum, steps)) => {
                let measured = sum.div_scalar(steps as f64);
                let is_measured = given.clone().equal_elem(0.0).float();
                given + measured * is_measured
            }
            None => given,
        };
        self.nadir = Some(nadir.clone());
        nadir
    }
}

impl Weighting for Stch {
    fn update(&mut self, signals: &StepSignals) -> Update {
        let losses = self.held.update(signals).clamp_min(FLOOR);
        if self.warming_up() {
            let (sum, steps) = match self.epoch_sum.take() {
                Some((sum, steps)) => (sum + losses.clone(), steps + 1),
                None => (losses.clone(), 1),
            };
            self.epoch_sum = Some((sum, steps));
            return Update::Weights(losses.recip());
        }
        let tasks = losses.dims()[0] as f64;
        let nadir = self.settle_nadir(&signals.device);
        let normalised = (losses.clone() / nadir).log();
        let pull = softmax(normalised.div_scalar(self.smoothing), 0);
        Update::Weights(pull.mul_scalar(tasks) / losses)
    }

    fn end_epoch(&mut self, _mean_losses: Tensor<1>) {
        self.epochs_done += 1;
        if self.warming_up() {
            // Only the last warm-up epoch's losses make the nadir.
            self.epoch_sum = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::weighting::test_support::{loss_signals, values};

    fn one_epoch_warmup() -> Stch {
        Stch::new(
            &StchConfig {
                warmup_epochs: 1,
                ..StchConfig::default()
            },
            2,
        )
    }

    /// Warm-up steps on `losses` then one epoch end, then the weights for `after`.
    fn weights_after_warmup(method: &mut Stch, warmup: &[[f32; 2]], after: [f32; 2]) -> Vec<f32> {
        for losses in warmup {
            let weights = values(method.update(&loss_signals(losses)).weights());
            // Warm-up on Σ log L: w = 1/L.
            assert!((weights[0] * losses[0] - 1.0).abs() < 1e-5, "{weights:?}");
        }
        method.end_epoch(Tensor::zeros([2], &Device::flex()));
        values(method.update(&loss_signals(&after)).weights())
    }

    #[test]
    fn weights_after_the_warmup_ignore_the_loss_scales() {
        // Nadir = the warm-up epoch's mean: (5, 0.3). At the nadir both tasks pull equally:
        // T·softmax(0, 0) = (1, 1) on the log-losses, so w_k·L_k = 1. The unnormalised form
        // gave softmax(5, 0.3) = (0.99, 0.01).
        let mut method = one_epoch_warmup();
        let got = weights_after_warmup(&mut method, &[[4.0, 0.2], [6.0, 0.4]], [5.0, 0.3]);
        assert!(
            (got[0] * 5.0 - 1.0).abs() < 1e-5 && (got[1] * 0.3 - 1.0).abs() < 1e-5,
            "{got:?}"
        );
        // Task 1 halves its loss: ℓ = (ln ½, 0), softmax = (⅓, ⅔), w·L = (⅔, 4/3).
        let got = values(method.update(&loss_signals(&[2.5, 0.3])).weights());
        assert!(
            (got[0] * 2.5 - 2.0 / 3.0).abs() < 1e-5 && (got[1] * 0.3 - 4.0 / 3.0).abs() < 1e-5,
            "{got:?}"
        );
    }

    #[test]
    fn scaling_a_loss_by_100_leaves_each_gradient_weight_unchanged() {
        let warmup = [[4.0, 0.2], [6.0, 0.4]];
        let plain = weights_after_warmup(&mut one_epoch_warmup(), &warmup, [3.0, 0.35]);
        let scaled_warmup = warmup.map(|[a, b]| [a * 100.0, b]);
        let scaled = weights_after_warmup(&mut one_epoch_warmup(), &scaled_warmup, [300.0, 0.35]);
        // w₁ scales by 1/100 and ∇L₁ by 100: w₁∇L₁ is the same; w₂ is the same.
        assert!((scaled[0] * 100.0 - plain[0]).abs() < 1e-5 * plain[0].abs().max(1.0));
        assert!((scaled[1] - plain[1]).abs() < 1e-5 * plain[1].abs().max(1.0));
    }

    #[test]
    fn only_the_last_warmup_epoch_makes_the_nadir_and_given_values_win() {
        let mut method = Stch::new(
            &StchConfig {
                warmup_epochs: 2,
                nadir: vec![0.0, 2.0],
                ..StchConfig::default()
            },
            2,
        );
        method.update(&loss_signals(&[100.0, 100.0]));
        method.end_epoch(Tensor::zeros([2], &Device::flex()));
        // Nadir (1, 2): task 1 measured in epoch 2, task 2 given. At L = (1, 2) both ℓ are 0.
        let got = weights_after_warmup(&mut method, &[[1.0, 7.0]], [1.0, 2.0]);
        assert!(
            (got[0] - 1.0).abs() < 1e-5 && (got[1] * 2.0 - 1.0).abs() < 1e-5,
            "{got:?}"
        );
    }

    #[test]
    fn a_measured_nadir_needs_a_warmup() {
        let config = StchConfig {
            warmup_epochs: 0,
            ..StchConfig::default()
        };
        assert!(config.validate(2).is_err());
        let given = StchConfig {
            nadir: vec![1.0, 2.0],
            ..config
        };
        assert!(given.validate(2).is_ok());
    }
}
