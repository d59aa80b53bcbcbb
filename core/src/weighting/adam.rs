//! Adam on a small device tensor, for methods that learn their own parameters (log-variances,
//! task logits) next to the model.

use burn::prelude::*;

/// Adam (Kingma & Ba, ICLR 2015) with optional decoupled weight decay, on one `[tasks]` tensor.
#[derive(Debug, Clone)]
pub(crate) struct TensorAdam {
    learning_rate: f64,
    weight_decay: f64,
    first: Tensor<1>,
    second: Tensor<1>,
    steps: i32,
}

impl TensorAdam {
    const BETA_1: f64 = 0.9;
    const BETA_2: f64 = 0.999;
    const EPSILON: f64 = 1e-8;

    pub fn new(size: usize, learning_rate: f64, weight_decay: f64, device: &Device) -> Self {
        Self {
            learning_rate,
            weight_decay,
            first: Tensor::zeros([size], device),
            second: Tensor::zeros([size], device),
            steps: 0,
        }
    }

    /// One descent step of `parameter` along `gradient`.
    pub fn step(&mut self, parameter: Tensor<1>, gradient: Tensor<1>) -> Tensor<1> {
        self.steps += 1;
        self.first = self.first.clone().mul_scalar(Self::BETA_1)
            + gradient.clone().mul_scalar(1.0 - Self::BETA_1);
        self.second = self.second.clone().mul_scalar(Self::BETA_2)
            + gradient.square().mul_scalar(1.0 - Self::BETA_2);
        let first = self
            .first
            .clone()
            .div_scalar(1.0 - Self::BETA_1.powi(self.steps));
        let second = self
            .second
            .clone()
            .div_scalar(1.0 - Self::BETA_2.powi(self.steps));
        let decayed =
            parameter.clone() - parameter.mul_scalar(self.learning_rate * self.weight_decay);
        decayed - (first / (second.sqrt().add_scalar(Self::EPSILON))).mul_scalar(self.learning_rate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_step_moves_by_the_learning_rate_against_the_gradient_sign() {
        let device = Device::flex();
        let mut adam = TensorAdam::new(2, 0.1, 0.0, &device);
        let parameter = Tensor::<1>::from_data(TensorData::new(vec![1.0f32, 1.0], [2]), &device);
        let gradient = Tensor::<1>::from_data(TensorData::new(vec![3.0f32, -0.01], [2]), &device);
        let next: Vec<f32> = adam
            .step(parameter, gradient)
            .into_data()
            .try_to_vec()
            .unwrap();
        // Bias-corrected first step: m̂/sqrt(v̂) = sign(g).
        assert!(
            (next[0] - 0.9).abs() < 1e-5 && (next[1] - 1.1).abs() < 1e-4,
            "{next:?}"
        );
    }
}
