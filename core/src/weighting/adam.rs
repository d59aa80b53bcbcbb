//! Adam on a small device tensor, for methods that learn their own parameters (log-variances,
//! task logits) next to the model.

use burn::prelude::*;

/// Adam (Kingma & Ba, ICLR 2015) with optional L2 weight decay, on one `[tasks]` tensor.
///
/// The decay is coupled, as `torch.optim.Adam(weight_decay=γ)` applies it (and so FAMO's code
/// and LibMTL): γ·θ is added to the gradient before the moments, not subtracted from θ after
/// them (AdamW), so it is rescaled by the moments like any other gradient.
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

    /// One descent step of `parameter` along `gradient` (plus the L2 term γ·θ).
    pub fn step(&mut self, parameter: Tensor<1>, gradient: Tensor<1>) -> Tensor<1> {
        self.steps += 1;
        let gradient = gradient + parameter.clone().mul_scalar(self.weight_decay);
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
        parameter
            - (first / (second.sqrt().add_scalar(Self::EPSILON))).mul_scalar(self.learning_rate)
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

    /// Two steps with L2 decay γ = 0.5, lr 0.1, from θ = 2 with gradients 1 then −3, by hand
    /// (torch.optim.Adam(weight_decay=0.5)):
    /// step 1: g' = 1 + 0.5·2 = 2; m = 0.2, v = 0.004; m̂ = 2, v̂ = 4; θ = 2 − 0.1·2/2 = 1.9.
    /// step 2: g' = −3 + 0.5·1.9 = −2.05; m = 0.18 − 0.205 = −0.025;
    /// v = 0.003996 + 0.001·4.2025 = 0.0081985; m̂ = −0.025/0.19 = −0.131579;
    /// v̂ = 0.0081985/0.001999 = 4.101301; θ = 1.9 + 0.1·0.131579/2.025167 = 1.906497.
    /// Decoupled decay (AdamW) would give 1.8 after step 1 and 1.7594 after step 2.
    #[test]
    fn weight_decay_is_l2_inside_the_moments() {
        let device = Device::flex();
        let mut adam = TensorAdam::new(1, 0.1, 0.5, &device);
        let scalar = |v: f32| Tensor::<1>::from_data(TensorData::new(vec![v], [1]), &device);
        let first = adam.step(scalar(2.0), scalar(1.0));
        let first_value: f32 = first.clone().into_scalar();
        assert!((first_value - 1.9).abs() < 1e-5, "{first_value}");
        let second: f32 = adam.step(first, scalar(-3.0)).into_scalar();
        assert!((second - 1.906_497).abs() < 1e-5, "{second}");
    }
}
