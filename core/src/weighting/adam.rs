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

/// The same Adam on a few host numbers (the toys' point, IMTL's log-scales).
#[derive(Debug, Clone)]
pub(crate) struct HostAdam {
    learning_rate: f64,
    first: Vec<f64>,
    second: Vec<f64>,
    steps: i32,
}

impl HostAdam {
    pub fn new(size: usize, learning_rate: f64) -> Self {
        Self {
            learning_rate,
            first: vec![0.0; size],
            second: vec![0.0; size],
            steps: 0,
        }
    }

    /// One descent step of `parameter` along `gradient`, in place.
    pub fn step(&mut self, parameter: &mut [f64], gradient: &[f64]) {
        self.steps += 1;
        let (beta_1, beta_2) = (TensorAdam::BETA_1, TensorAdam::BETA_2);
        let moments = self.first.iter_mut().zip(self.second.iter_mut());
        for ((value, g), (first, second)) in parameter.iter_mut().zip(gradient).zip(moments) {
            *first = beta_1 * *first + (1.0 - beta_1) * g;
            *second = beta_2 * *second + (1.0 - beta_2) * g * g;
            let corrected_first = *first / (1.0 - beta_1.powi(self.steps));
            let corrected_second = *second / (1.0 - beta_2.powi(self.steps));
            *value -= self.learning_rate * corrected_first
                / (corrected_second.sqrt() + TensorAdam::EPSILON);
        }
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
        // The host version takes the same first step.
        let mut host = HostAdam::new(2, 0.1);
        let mut parameter = [1.0, 1.0];
        host.step(&mut parameter, &[3.0, -0.01]);
        assert!((parameter[0] - 0.9).abs() < 1e-9 && (parameter[1] - 1.1).abs() < 1e-6);
    }
}
