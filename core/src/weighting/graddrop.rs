//! Gradient Sign Dropout: Chen, Ngiam, Huang, Luong, Kretzschmar, Chai & Anguelov, "Just Pick
//! a Sign: Optimizing Deep Multitask Models with Gradient Sign Dropout", NeurIPS 2020.
//!
//! At the shared representation, every element has a gradient ∇_k per task. The positive-sign
//! purity P = ½·(1 + Σ_k ∇_k / Σ_k |∇_k|) says how much the tasks agree on going up; with one
//! uniform draw U per element, the element keeps the positive task gradients if P > U and the
//! negative ones otherwise: M_k = [P > U]·[∇_k > 0] + [P < U]·[∇_k < 0], and the gradient
//! passed down into the shared parameters is Σ_k M_k·∇_k (leak 0, as in LibMTL). Task parameters
//! keep their own gradients. The reported weight of a task is the share of its gradient mass
//! that survived, Σ|M_k ∇_k| / Σ|∇_k|. Runs on the device (draws follow the run's seed).

use super::{Needs, StepSignals, Update, Weighting};
use burn::prelude::*;
use burn::tensor::Distribution;

/// GradDrop at the shared representation.
#[derive(Debug, Clone, Copy, Default)]
pub struct GradDrop;

/// The masked sum and the surviving share per task, for gradients `[tasks, elements]` and
/// uniform draws `[elements]`.
pub fn sign_dropout(gradients: Tensor<2>, uniform: Tensor<1>) -> (Tensor<1>, Tensor<1>) {
    let [tasks, elements] = gradients.dims();
    let purity = (gradients.clone().sum_dim(0)
        / gradients.clone().abs().sum_dim(0).add_scalar(1e-12))
    .add_scalar(1.0)
    .mul_scalar(0.5);
    let keep_positive = purity
        .clone()
        .greater(uniform.clone().reshape([1, elements]))
        .float();
    let keep_negative = purity.lower(uniform.reshape([1, elements])).float();
    let positive = gradients.clone().greater_elem(0.0).float();
    let negative = gradients.clone().lower_elem(0.0).float();
    let mask = keep_positive * positive + keep_negative * negative;
    let kept = gradients.clone() * mask;
    let share = kept.clone().abs().sum_dim(1) / gradients.abs().sum_dim(1).add_scalar(1e-12);
    (kept.sum_dim(0).reshape([elements]), share.reshape([tasks]))
}

impl Weighting for GradDrop {
    fn needs(&self) -> Needs {
        Needs::RepresentationGradients
    }

    fn update(&mut self, signals: &StepSignals) -> Update {
        let gradients = signals
            .representation_gradients
            .clone()
            .expect("the trainer computes what `needs` asks");
        let elements = gradients.dims()[1];
        let uniform = Tensor::random([elements], Distribution::Uniform(0.0, 1.0), &signals.device);
        let (gradient, weights) = sign_dropout(gradients, uniform);
        Update::RepresentationDirection {
            gradient,
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

    #[test]
    fn keeps_one_sign_per_element_by_purity() {
        // Element 1: gradients (3, −1): P = ½(1 + 2/4) = 0.75. Element 2: (−2, −2): P = 0.
        // Element 3: (1, −1): P = 0.5.
        let gradients = tensor(&[3.0, -2.0, 1.0, -1.0, -2.0, -1.0], [2, 3]);
        // U = (0.5, 0.5, 0.4): element 1 keeps positives (3), element 2 negatives (−4),
        // element 3 positives (P 0.5 > 0.4: the 1 of task 1).
        let (gradient, share) = sign_dropout(gradients, tensor(&[0.5, 0.5, 0.4], [3]));
        let gradient: Vec<f32> = gradient.into_data().try_to_vec().unwrap();
        assert_eq!(gradient, vec![3.0, -4.0, 1.0]);
        let share: Vec<f32> = share.into_data().try_to_vec().unwrap();
        // Task 1 keeps |3| + |−2| + |1| = 6 of 6; task 2 keeps |−2| of 4.
        assert!(
            (share[0] - 1.0).abs() < 1e-6 && (share[1] - 0.5).abs() < 1e-6,
            "{share:?}"
        );
    }

    #[test]
    fn agreeing_gradients_pass_unchanged() {
        let gradients = tensor(&[1.0, -2.0, 0.5, -1.0], [2, 2]);
        let (gradient, _) = sign_dropout(gradients, tensor(&[0.3, 0.9], [2]));
        let gradient: Vec<f32> = gradient.into_data().try_to_vec().unwrap();
        assert_eq!(gradient, vec![1.5, -3.0]);
    }
}
