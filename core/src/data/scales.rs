//! Tasks whose targets differ in scale by orders of magnitude: GradNorm's regression toy.
//!
//! Chen, Badrinarayanan, Lee & Rabinovich, "GradNorm: Gradient Normalization for Adaptive Loss
//! Balancing in Deep Multitask Networks", ICML 2018, §4: f_i(x) = σ_i·tanh((B + ε_i)·x), with
//! B a constant matrix shared by the tasks (entries N(0, 10)), ε_i task-specific (entries
//! N(0, 3.5)), x ∈ R^250, outputs in R^100. We read N(0, v) as variance v and draw
//! x ~ N(0, I/d) so that the pre-activations have unit-order scale (the paper does not give the
//! input distribution; with x ~ N(0, I) every tanh saturates). With σ = (1, 100) the two losses
//! differ by a factor of about 10⁴, which is what loss-balancing methods must fix.

use super::{DatasetGenerator, DatasetSettings, RawRows, SplitSizes, TaskKind, TaskSpec};
use crate::error::{ConfigError, check_range};
use crate::rng::Rng;
use serde::{Deserialize, Serialize};

/// Settings of the `scales` dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScalesConfig {
    /// The scale σ_i of each task; their count is the number of tasks (default [1, 100]).
    pub scales: Vec<f64>,
    /// Input dimension (default 250).
    pub input_dim: usize,
    /// Output dimension of every task (default 100).
    pub output_dim: usize,
    /// Variance of the shared matrix B's entries (default 10).
    pub shared_variance: f64,
    /// Variance of the task-specific ε_i's entries (default 3.5).
    pub task_variance: f64,
    /// Rows per split.
    pub samples: SplitSizes,
}

impl Default for ScalesConfig {
    fn default() -> Self {
        Self {
            scales: vec![1.0, 100.0],
            input_dim: 250,
            output_dim: 100,
            shared_variance: 10.0,
            task_variance: 3.5,
            samples: SplitSizes::default(),
        }
    }
}

impl DatasetSettings for ScalesConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        check_range("scales (number of tasks)", self.scales.len(), 2, 8)?;
        for &scale in &self.scales {
            check_range("scales", scale, 1e-3, 1e4)?;
        }
        check_range("input_dim", self.input_dim, 2, 4096)?;
        check_range("output_dim", self.output_dim, 1, 1024)?;
        check_range("shared_variance", self.shared_variance, 0.0, 1e3)?;
        check_range("task_variance", self.task_variance, 0.0, 1e3)?;
        self.samples.validate()
    }

    fn tasks(&self) -> Vec<TaskSpec> {
        (1..=self.scales.len())
            .map(|k| TaskSpec {
                name: format!("task{k}"),
                kind: TaskKind::Regression,
                dim: self.output_dim,
                follows: None,
            })
            .collect()
    }

    fn samples(&self) -> SplitSizes {
        self.samples
    }
}

impl DatasetGenerator for ScalesConfig {
    fn generate(&self, seed: u64) -> RawRows {
        let (d, out) = (self.input_dim, self.output_dim);
        let mut matrix_rng = Rng::fork(seed, "scales.matrices");
        let shared: Vec<f64> = (0..out * d)
            .map(|_| self.shared_variance.sqrt() * matrix_rng.normal())
            .collect();
        let task_matrices: Vec<Vec<f64>> = self
            .scales
            .iter()
            .map(|_| {
                shared
                    .iter()
                    .map(|b| b + self.task_variance.sqrt() * matrix_rng.normal())
                    .collect()
            })
            .collect();
        let rows = self.samples.total();
        let mut rows_rng = Rng::fork(seed, "scales.rows");
        let input_std = (1.0 / d as f64).sqrt();
        let mut features = Vec::with_capacity(rows * d);
        let mut targets = vec![Vec::with_capacity(rows * out); self.scales.len()];
        for _ in 0..rows {
            let x: Vec<f64> = (0..d).map(|_| input_std * rows_rng.normal()).collect();
            for ((target, matrix), sigma) in
                targets.iter_mut().zip(&task_matrices).zip(&self.scales)
            {
                for row in matrix.chunks(d) {
                    let pre: f64 = row.iter().zip(&x).map(|(a, b)| a * b).sum();
                    target.push((sigma * pre.tanh()) as f32);
                }
            }
            features.extend(x.iter().map(|v| *v as f32));
        }
        RawRows {
            input_dim: d,
            features,
            masks: vec![None; self.scales.len()],
            targets,
            funnel: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_scales_follow_sigma() {
        let config = ScalesConfig {
            input_dim: 20,
            output_dim: 5,
            ..ScalesConfig::default()
        };
        let rows = config.generate(1);
        let rms = |t: &[f32]| (t.iter().map(|v| v * v).sum::<f32>() / t.len() as f32).sqrt();
        let ratio = rms(&rows.targets[1]) / rms(&rows.targets[0]);
        // Same B up to ε, so the ratio of RMS is close to σ_2/σ_1 = 100.
        assert!((50.0..200.0).contains(&ratio), "ratio {ratio}");
        assert!(rows.targets[0].iter().all(|v| v.abs() <= 1.0));
    }
}
