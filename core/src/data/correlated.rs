//! The synthetic generator of the MMoE paper, with a task-correlation knob.
//!
//! Ma, Zhao, Yi, Chen, Hong & Chi, "Modeling Task Relationships in Multi-task Learning with
//! Multi-gate Mixture-of-Experts", KDD 2018, §3.2: orthogonal unit vectors u_1..u_T in R^d;
//! w_1 = c·u_1 and w_k = c·(p·u_1 + sqrt(1 − p²)·u_k); x ~ N(0, I_d);
//! y_k = w_kᵀx + Σ_{i=1..m} sin(α_i·w_kᵀx + β_i) + ε_k, with α_i, β_i ~ N(0, 1) shared by
//! the tasks. The Pearson correlation of the linear parts w_1ᵀx and w_kᵀx is p; with more than
//! two tasks, tasks k, l ≥ 2 correlate with each other at p².
//!
//! Where the paper leaves a choice, this generator makes its own: the paper calls α_i, β_i
//! "given parameters" without values; here they are drawn N(0, 1) per seed, so each seed is
//! a different function shape (and difficulty: a seed's loss can be 20× another's). The paper
//! writes ε ~ N(0, 0.01) (standard deviation 0.1 if 0.01 is the variance); `noise_std`
//! defaults to 0.01. c = 1 and m = 10 are defaults, d = 100 is the paper's. For one seed, u_1,
//! α, β, the rows x and task 1's noise are the same at every correlation: task 1's data is
//! identical across a correlation sweep, so runs of one seed compare as a paired design.

use super::{
    DatasetGenerator, DatasetSettings, RawRows, SplitSizes, TaskKind, TaskSpec, correlated_weights,
    per_task, task_value,
};
use crate::error::{ConfigError, check_range};
use crate::rng::Rng;
use serde::{Deserialize, Serialize};

/// Settings of the `correlated` dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CorrelatedConfig {
    /// Number of tasks T (2 to 8; default 2).
    pub tasks: usize,
    /// Task correlation p of the linear parts (−1 to 1; default 0.5).
    pub correlation: f64,
    /// Input dimension d (default 100).
    pub input_dim: usize,
    /// Weight scale c (default 1).
    pub scale: f64,
    /// Number m of sine terms (default 10).
    pub sines: usize,
    /// Noise standard deviation, one value for all tasks or one per task (default [0.01]).
    pub noise_std: Vec<f64>,
    /// Binary labels (y_k above its median) instead of regression targets (default false).
    pub binary: bool,
    /// Rows per split.
    pub samples: SplitSizes,
}

impl Default for CorrelatedConfig {
    fn default() -> Self {
        Self {
            tasks: 2,
            correlation: 0.5,
            input_dim: 100,
            scale: 1.0,
            sines: 10,
            noise_std: vec![0.01],
            binary: false,
            samples: SplitSizes::default(),
        }
    }
}

impl CorrelatedConfig {
    /// The linear parts w_kᵀx of `rows` fresh samples, row-major `rows × T` (for tests and
    /// teaching: their correlation is the knob).
    pub fn linear_parts(&self, seed: u64, rows: usize) -> Vec<f64> {
        let mut rng = Rng::fork(seed, "correlated.weights");
        let weights = correlated_weights(
            &mut rng,
            self.tasks,
            self.input_dim,
            self.scale,
            self.correlation,
        );
        let mut rows_rng = Rng::fork(seed, "correlated.rows");
        let mut out = Vec::with_capacity(rows * self.tasks);
        for _ in 0..rows {
            let x: Vec<f64> = (0..self.input_dim).map(|_| rows_rng.normal()).collect();
            out.extend(weights.iter().map(|w| dot(w, &x)));
        }
        out
    }
}

impl DatasetSettings for CorrelatedConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        check_range("tasks", self.tasks, 2, 8)?;
        check_range("correlation", self.correlation, -1.0, 1.0)?;
        check_range("input_dim", self.input_dim, self.tasks, 4096)?;
        check_range("scale", self.scale, 1e-3, 1e3)?;
        check_range("sines", self.sines, 0, 100)?;
        per_task("noise_std", &self.noise_std, self.tasks)?;
        for &std in &self.noise_std {
            check_range("noise_std", std, 0.0, 100.0)?;
        }
        self.samples.validate()
    }

    fn tasks(&self) -> Vec<TaskSpec> {
        let kind = if self.binary {
            TaskKind::Binary
        } else {
            TaskKind::Regression
        };
        (1..=self.tasks)
            .map(|k| TaskSpec {
                name: format!("task{k}"),
                kind,
                dim: 1,
                follows: None,
            })
            .collect()
    }

    fn samples(&self) -> SplitSizes {
        self.samples
    }
}

impl DatasetGenerator for CorrelatedConfig {
    fn generate(&self, seed: u64) -> RawRows {
        let rows = self.samples.total();
        let mut weight_rng = Rng::fork(seed, "correlated.weights");
        let weights = correlated_weights(
            &mut weight_rng,
            self.tasks,
            self.input_dim,
            self.scale,
            self.correlation,
        );
        let mut shape_rng = Rng::fork(seed, "correlated.sines");
        let alphas: Vec<f64> = (0..self.sines).map(|_| shape_rng.normal()).collect();
        let betas: Vec<f64> = (0..self.sines).map(|_| shape_rng.normal()).collect();
        let mut rows_rng = Rng::fork(seed, "correlated.rows");
        let mut noise_rng = Rng::fork(seed, "correlated.noise");

        let mut features = Vec::with_capacity(rows * self.input_dim);
        let mut targets = vec![Vec::with_capacity(rows); self.tasks];
        for _ in 0..rows {
            let x: Vec<f64> = (0..self.input_dim).map(|_| rows_rng.normal()).collect();
            for (k, w) in weights.iter().enumerate() {
                let linear = dot(w, &x);
                let sines: f64 = alphas
                    .iter()
                    .zip(&betas)
                    .map(|(a, b)| (a * linear + b).sin())
                    .sum();
                let noise = task_value(&self.noise_std, k) * noise_rng.normal();
                targets[k].push((linear + sines + noise) as f32);
            }
            features.extend(x.iter().map(|v| *v as f32));
        }
        if self.binary {
            for target in &mut targets {
                let threshold = median(target);
                target
                    .iter_mut()
                    .for_each(|y| *y = f32::from(u8::from(*y > threshold)));
            }
        }
        RawRows {
            input_dim: self.input_dim,
            features,
            masks: vec![None; self.tasks],
            targets,
            funnel: None,
        }
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn median(values: &[f32]) -> f32 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f32::total_cmp);
    sorted[sorted.len() / 2]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::pearson;

    #[test]
    fn linear_parts_correlate_at_the_knob() {
        for p in [-0.5, 0.0, 0.5, 0.9] {
            let config = CorrelatedConfig {
                correlation: p,
                ..CorrelatedConfig::default()
            };
            let parts = config.linear_parts(11, 10_000);
            let first: Vec<f64> = parts.iter().step_by(2).copied().collect();
            let second: Vec<f64> = parts.iter().skip(1).step_by(2).copied().collect();
            let r = pearson(&first, &second);
            assert!((r - p).abs() < 0.05, "p = {p}, empirical {r}");
        }
    }

    #[test]
    fn binary_labels_are_balanced() {
        let config = CorrelatedConfig {
            binary: true,
            ..CorrelatedConfig::default()
        };
        let rows = config.generate(3);
        for target in &rows.targets {
            let rate = target.iter().sum::<f32>() / target.len() as f32;
            assert!((rate - 0.5).abs() < 0.01, "positive rate {rate}");
        }
    }

    #[test]
    fn per_task_noise_is_applied() {
        // With p = 1 both tasks share w, so their targets differ only by noise.
        let config = CorrelatedConfig {
            correlation: 1.0,
            noise_std: vec![0.0, 1.0],
            ..CorrelatedConfig::default()
        };
        let rows = config.generate(4);
        let diffs: Vec<f64> = rows.targets[0]
            .iter()
            .zip(&rows.targets[1])
            .map(|(a, b)| f64::from(b - a))
            .collect();
        let var = diffs.iter().map(|d| d * d).sum::<f64>() / diffs.len() as f64;
        assert!((var - 1.0).abs() < 0.05, "noise variance {var}");
    }

    #[test]
    fn task_one_is_the_same_at_every_correlation() {
        // One seed, two correlations: only task 2 changes, so a sweep is paired.
        let at = |p: f64| {
            CorrelatedConfig {
                correlation: p,
                ..CorrelatedConfig::default()
            }
            .generate(5)
        };
        let (one, zero) = (at(1.0), at(0.0));
        assert_eq!(one.features, zero.features);
        assert_eq!(one.targets[0], zero.targets[0]);
        assert_ne!(one.targets[1], zero.targets[1]);
    }

    #[test]
    fn out_of_range_correlation_names_the_field() {
        let config = CorrelatedConfig {
            correlation: 1.5,
            ..CorrelatedConfig::default()
        };
        let error = config.validate().unwrap_err();
        assert_eq!(error.field, "correlation");
        assert!(error.message.contains("-1 to 1"), "{}", error.message);
    }
}
