//! A factorisation-machine term per task, the interaction part of DeepFM.
//!
//! Rendle, "Factorization Machines", ICDM 2010; Guo, Tang, Ye, Li & He, "DeepFM: A
//! Factorization-Machine based Neural Network for CTR Prediction", IJCAI 2017. Task k adds the
//! second-order term Σ_{i<j} ⟨v_ik, v_jk⟩ x_i x_j = ½ Σ_f [(Σ_i v_ikf x_i)² − Σ_i v_ikf² x_i²]
//! to its output. Each task has its own factors (so the term is task-exclusive and sits in the
//! decoder); all tasks' factors are one `[input, tasks · factors]` matrix, two matmuls in all.

use crate::error::{ConfigError, check_range};
use crate::rng::Rng;
use burn::module::Param;
use burn::prelude::*;
use serde::{Deserialize, Serialize};

/// Settings of the FM term (`--fm`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FmConfig {
    /// Latent factors per feature and task (default 4).
    pub factors: usize,
}

impl Default for FmConfig {
    fn default() -> Self {
        Self { factors: 4 }
    }
}

impl FmConfig {
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        check_range("factors", self.factors, 1, 64)
    }
}

/// Per-task second-order feature interactions.
#[derive(Module, Debug)]
pub struct FactorizationMachine {
    /// `[input, tasks · factors]`.
    factors: Param<Tensor<2>>,
    tasks: usize,
}

impl FactorizationMachine {
    pub(crate) fn new(
        config: &FmConfig,
        input: usize,
        tasks: usize,
        rng: &mut Rng,
        device: &Device,
    ) -> Self {
        let count = input * tasks * config.factors;
        // Small normal initialisation (std 0.01), as in libFM.
        let values: Vec<f32> = (0..count).map(|_| (0.01 * rng.normal()) as f32).collect();
        Self {
            factors: Param::from_tensor(Tensor::from_data(
                TensorData::new(values, [input, tasks * config.factors]),
                device,
            )),
            tasks,
        }
    }

    /// # Shapes
    /// - `x`: `[batch, input]`; output: `[batch, tasks]`
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let [batch, _] = x.dims();
        let factors = self.factors.val();
        let per_factor = factors.dims()[1] / self.tasks;
        let linear = x.clone().matmul(factors.clone());
        let squares = x.square().matmul(factors.square());
        (linear.square() - squares)
            .mul_scalar(0.5)
            .reshape([batch, self.tasks, per_factor])
            .sum_dim(2)
            .reshape([batch, self.tasks])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_pairwise_sum() {
        let device = Device::flex();
        let mut rng = Rng::new(4);
        let fm = FactorizationMachine::new(&FmConfig { factors: 3 }, 4, 2, &mut rng, &device);
        let x_values = [0.5f32, -1.0, 2.0, 0.25];
        let x = Tensor::<2>::from_data(TensorData::new(x_values.to_vec(), [1, 4]), &device);
        let got: Vec<f32> = fm.forward(x).into_data().try_to_vec().unwrap();
        let v: Vec<f32> = fm.factors.val().into_data().try_to_vec().unwrap();
        for task in 0..2 {
            let mut expected = 0.0f32;
            for i in 0..4 {
                for j in i + 1..4 {
                    let dot: f32 = (0..3)
                        .map(|f| v[i * 6 + task * 3 + f] * v[j * 6 + task * 3 + f])
                        .sum();
                    expected += dot * x_values[i] * x_values[j];
                }
            }
            assert!(
                (got[task] - expected).abs() < 1e-6,
                "task {task}: {} vs {expected}",
                got[task]
            );
        }
    }
}
