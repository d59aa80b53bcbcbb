//! Gradient Sign Dropout: Chen, Ngiam, Huang, Luong, Kretzschmar, Chai & Anguelov, "Just Pick
//! a Sign: Optimizing Deep Multitask Models with Gradient Sign Dropout", NeurIPS 2020 (Alg. 1);
//! LibMTL's `GradDrop` is the same rule.
//!
//! At the shared representation z (`[batch, width]`), task k has the gradient ∇_k. Per feature
//! d (a column of z), the batch-summed signed gradient is s_kd = Σ_rows sign(z)·∇_k, and its
//! positive-sign purity over the tasks is P_d = ½·(1 + Σ_k s_kd / Σ_k |s_kd|). One uniform draw
//! U_d per feature chooses a sign for that feature: task k's gradient on feature d is kept, on
//! every row, if P_d > U_d and s_kd > 0 or if P_d < U_d and s_kd < 0; the mask is
//! M_kd = [P_d > U_d]·[s_kd > 0] + [P_d < U_d]·[s_kd < 0], broadcast over the batch, and the
//! gradient passed down into the shared parameters is Σ_k (ℓ + (1 − ℓ)·M_k)·∇_k with the leak ℓ
//! (default 0, as in the paper and LibMTL). Task parameters keep their own gradients. The
//! reported weight of a task is the share of its gradient mass that passes,
//! Σ|(ℓ + (1 − ℓ)·M_k)·∇_k| / Σ|∇_k|. Runs on the device (the draws follow the run's seed).

use super::{MethodConfig, MethodContext, MethodSettings};
use super::{Needs, StepSignals, Update, Weighting};
use crate::error::{ConfigError, check_range};
use burn::prelude::*;
use burn::tensor::Distribution;
use serde::{Deserialize, Serialize};

/// Settings of `graddrop`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GradDropConfig {
    /// Leak ℓ: the share of a dropped gradient that still passes (0 to 1; default 0).
    pub leak: f64,
}

impl Default for GradDropConfig {
    fn default() -> Self {
        Self { leak: 0.0 }
    }
}

impl MethodSettings for GradDropConfig {
    fn validate(&self, _tasks: usize) -> Result<(), ConfigError> {
        check_range("leak", self.leak, 0.0, 1.0)
    }
}

impl MethodConfig for GradDropConfig {
    fn build(&self, _context: &MethodContext) -> Result<Box<dyn Weighting>, ConfigError> {
        Ok(Box::new(GradDrop::new(self)))
    }
}

/// GradDrop at the shared representation.
#[derive(Debug, Clone)]
pub struct GradDrop {
    leak: f64,
}

impl GradDrop {
    /// From its config.
    pub fn new(config: &GradDropConfig) -> Self {
        Self { leak: config.leak }
    }
}

/// The gradient passed to the shared parameters (`[batch, width]`) and the surviving share per
/// task (`[tasks]`), for per-task gradients `[tasks, batch, width]` at the representation
/// `inputs` (`[batch, width]`), one uniform draw per feature (`[width]`) and the leak.
pub fn sign_dropout(
    gradients: Tensor<3>,
    inputs: Tensor<2>,
    uniform: Tensor<1>,
    leak: f64,
) -> (Tensor<2>, Tensor<1>) {
    let [tasks, batch, width] = gradients.dims();
    let signed = (gradients.clone() * inputs.sign().reshape([1, batch, width])).sum_dim(1);
    let purity = (signed.clone().sum_dim(0) / signed.clone().abs().sum_dim(0).add_scalar(1e-7))
        .add_scalar(1.0)
        .mul_scalar(0.5);
    let uniform = uniform.reshape([1, 1, width]);
    let keep_positive = purity.clone().greater(uniform.clone()).float();
    let keep_negative = purity.lower(uniform).float();
    let mask = keep_positive * signed.clone().greater_elem(0.0).float()
        + keep_negative * signed.lower_elem(0.0).float();
    let factor = mask.mul_scalar(1.0 - leak).add_scalar(leak);
    let kept = gradients.clone() * factor;
    let mass = |t: Tensor<3>| t.abs().sum_dim(2).sum_dim(1).reshape([tasks]);
    let share = mass(kept.clone()) / mass(gradients).add_scalar(1e-12);
    (kept.sum_dim(0).reshape([batch, width]), share)
}

impl Weighting for GradDrop {
    fn needs(&self) -> Needs {
        Needs::RepresentationGradients
    }

    fn update(&mut self, signals: &StepSignals) -> Update {
        let expect = "the trainer computes what `needs` asks";
        let gradients = signals.representation_gradients.clone().expect(expect);
        let inputs = signals.representation.clone().expect(expect);
        let [batch, width] = inputs.dims();
        let tasks = gradients.dims()[0];
        let uniform = Tensor::random([width], Distribution::Uniform(0.0, 1.0), &signals.device);
        let (gradient, weights) = sign_dropout(
            gradients.reshape([tasks, batch, width]),
            inputs,
            uniform,
            self.leak,
        );
        Update::RepresentationDirection {
            gradient: gradient.reshape([batch * width]),
            weights,
            heads: Tensor::ones(signals.losses.dims(), &signals.device),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tensor<const D: usize>(values: &[f32], shape: [usize; D]) -> Tensor<D> {
        Tensor::from_data(TensorData::new(values.to_vec(), shape), &Device::flex())
    }

    fn vec<const D: usize>(t: Tensor<D>) -> Vec<f32> {
        t.into_data().try_to_vec().unwrap()
    }

    /// Two tasks, two rows, three features, by hand.
    /// inputs z = [[1, −1, 2], [−3, 1, 1]] (signs [[+, −, +], [−, +, +]]);
    /// task 1 ∇ = [[1, 2, 0.5], [1, −1, 0.5]] → s₁ = (1 − 1, −2 − 1, 0.5 + 0.5) = (0, −3, 1);
    /// task 2 ∇ = [[−2, 1, −1], [1, 1, 0]]    → s₂ = (−2 − 1, −1 + 1, −1 + 0) = (−3, 0, −1).
    /// Purity P = ½(1 + Σs/Σ|s|) = (½(1 − 3/3), ½(1 − 3/3), ½(1 + 0/2)) = (0, 0, 0.5).
    /// Draws U = (0.3, 0.9, 0.4): feature 1 keeps negatives (task 2's, s₂ < 0; task 1's s₁ = 0
    /// is neither sign and is dropped), feature 2 negatives (task 1), feature 3 positives
    /// (P 0.5 > 0.4: task 1). Per row, features as columns:
    /// kept = task 1 [[0, 2, 0.5], [0, −1, 0.5]] + task 2 [[−2, 0, 0], [1, 0, 0]]
    ///      = [[−2, 2, 0.5], [1, −1, 0.5]].
    /// Shares: task 1 keeps 2 + 0.5 + 1 + 0.5 = 4 of 6; task 2 keeps 3 of 6.
    #[test]
    fn purity_and_mask_per_feature_from_signed_batch_sums() {
        let gradients = tensor(
            &[
                1.0, 2.0, 0.5, 1.0, -1.0, 0.5, -2.0, 1.0, -1.0, 1.0, 1.0, 0.0,
            ],
            [2, 2, 3],
        );
        let inputs = tensor(&[1.0, -1.0, 2.0, -3.0, 1.0, 1.0], [2, 3]);
        let uniform = tensor(&[0.3, 0.9, 0.4], [3]);
        let (gradient, share) = sign_dropout(gradients.clone(), inputs.clone(), uniform, 0.0);
        assert_eq!(vec(gradient), vec![-2.0, 2.0, 0.5, 1.0, -1.0, 0.5]);
        let share = vec(share);
        assert!(
            (share[0] - 4.0 / 6.0).abs() < 1e-6 && (share[1] - 0.5).abs() < 1e-6,
            "{share:?}"
        );
        // With leak 1 nothing is dropped: the plain sum of the task gradients.
        let uniform = tensor(&[0.3, 0.9, 0.4], [3]);
        let (gradient, _) = sign_dropout(gradients, inputs, uniform, 1.0);
        assert_eq!(vec(gradient), vec![-1.0, 3.0, -0.5, 2.0, 0.0, 0.5]);
    }

    #[test]
    fn agreeing_gradients_pass_unchanged() {
        // Both tasks push every feature the same way (after the input's sign).
        let gradients = tensor(&[1.0, -2.0, 0.5, -1.0], [2, 1, 2]);
        let inputs = tensor(&[1.0, 1.0], [1, 2]);
        let (gradient, share) = sign_dropout(gradients, inputs, tensor(&[0.3, 0.9], [2]), 0.0);
        assert_eq!(vec(gradient), vec![1.5, -3.0]);
        assert_eq!(vec(share), vec![1.0, 1.0]);
    }
}
