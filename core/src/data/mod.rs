//! Multi-task datasets: one file per generator, registered in [`DatasetConfig`].
//!
//! Every generator is pure and deterministic: the same config and seed give the same numbers
//! on every target. Rows are split into train / validation / test in generation order, and
//! features are standardised with the training split's mean and standard deviation.

mod correlated;
mod funnel;
mod scales;

pub use correlated::CorrelatedConfig;
pub use funnel::FunnelConfig;
pub use scales::ScalesConfig;

use crate::error::{ConfigError, check_range};
use crate::registry::registry;
use serde::{Deserialize, Serialize};

/// What a task predicts, which fixes its loss and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TaskKind {
    /// Real-valued targets: mean squared error; metrics MSE (primary) and R².
    Regression,
    /// 0/1 labels: binary cross-entropy; metrics AUC (primary) and log-loss.
    Binary,
}

/// One task of a dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskSpec {
    /// Short name shown in charts and reports (`task1`, `click`, ...).
    pub name: String,
    /// Regression or binary.
    pub kind: TaskKind,
    /// Width of the target (1 for scalar targets).
    pub dim: usize,
    /// For the second step of a funnel (a conversion observed only where the event of task
    /// `follows`, the click, happened): evaluation also scores it on the entire space against
    /// the generator's truth, and the product of both steps. `None` for other tasks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follows: Option<usize>,
}

/// Ground truth that only a synthetic funnel has: it lets evaluation score conversion
/// predictions on the entire space, not only on the clicked rows a real log would show.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FunnelTruth {
    /// The true click probability of each row.
    pub click_probability: Vec<f32>,
    /// The true conversion probability given a click, for every row.
    pub conversion_probability: Vec<f32>,
    /// Whether the row would have converted had it been clicked (drawn for every row).
    pub would_convert: Vec<f32>,
}

/// One split of a dataset, row-major.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Split {
    /// `rows × input_dim` features.
    pub features: Vec<f32>,
    /// Per task, `rows × dim` targets.
    pub targets: Vec<Vec<f32>>,
    /// Per task, which rows carry a label (`None`: all of them). The funnel's conversion label
    /// is only observed on clicked rows: the sample-selection bias ESMM addresses.
    pub masks: Vec<Option<Vec<f32>>>,
    /// Funnel ground truth, when the generator has one.
    pub funnel: Option<FunnelTruth>,
}

impl Split {
    /// Number of rows.
    pub fn rows(&self, input_dim: usize) -> usize {
        self.features.len() / input_dim.max(1)
    }
}

/// A generated dataset with its splits.
#[derive(Debug, Clone, PartialEq)]
pub struct MultiTaskData {
    /// Width of a feature row.
    pub input_dim: usize,
    /// The tasks, in output order.
    pub tasks: Vec<TaskSpec>,
    /// Training rows.
    pub train: Split,
    /// Validation rows (metrics during training).
    pub validation: Split,
    /// Held-out test rows (final report).
    pub test: Split,
}

/// How many rows each split gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SplitSizes {
    /// Training rows (default 8000).
    pub train: usize,
    /// Validation rows (default 2000).
    pub validation: usize,
    /// Test rows (default 2000).
    pub test: usize,
}

impl Default for SplitSizes {
    fn default() -> Self {
        Self {
            train: 8000,
            validation: 2000,
            test: 2000,
        }
    }
}

impl SplitSizes {
    fn total(&self) -> usize {
        self.train + self.validation + self.test
    }

    fn validate(&self) -> Result<(), ConfigError> {
        check_range("samples.train", self.train, 64, 1_000_000)?;
        check_range("samples.validation", self.validation, 16, 200_000)?;
        check_range("samples.test", self.test, 16, 200_000)
    }
}

/// What the registry needs of every dataset's settings.
pub trait DatasetSettings {
    /// Checks every field, naming the first one out of range.
    ///
    /// # Errors
    /// The offending field and its allowed range.
    fn validate(&self) -> Result<(), ConfigError>;

    /// The tasks this config produces, without generating any rows.
    fn tasks(&self) -> Vec<TaskSpec>;

    /// How many rows each split gets.
    fn samples(&self) -> SplitSizes;
}

/// How the registry generates every dataset from its settings.
pub trait DatasetGenerator: DatasetSettings {
    /// Every row for `seed`, before splitting and standardising (called after `validate`).
    fn generate(&self, seed: u64) -> RawRows;
}

registry! {
    /// The dataset registry: one variant per generator. Serialised with a `kind` tag, e.g.
    /// `{"kind": "correlated", "correlation": 0.5}`.
    pub enum DatasetConfig: "dataset", dyn DatasetSettings, dyn DatasetGenerator {
        /// The MMoE paper's generator with a task-correlation knob.
        Correlated(CorrelatedConfig) = "correlated",
        /// Click → conversion funnel with sample-selection bias (for ESMM).
        Funnel(FunnelConfig) = "funnel",
        /// Tasks whose targets differ in scale by orders of magnitude (GradNorm's toy).
        Scales(ScalesConfig) = "scales",
    }
}

impl Default for DatasetConfig {
    fn default() -> Self {
        DatasetConfig::Correlated(CorrelatedConfig::default())
    }
}

impl DatasetConfig {
    /// Checks every field, naming the first one out of range.
    ///
    /// # Errors
    /// The offending field (prefixed with `dataset.`) and its allowed range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.settings()
            .validate()
            .map_err(|error| error.within("dataset"))
    }

    /// The tasks this config produces, without generating any rows.
    pub fn tasks(&self) -> Vec<TaskSpec> {
        self.settings().tasks()
    }

    /// Generates the dataset for `seed`.
    ///
    /// # Errors
    /// As [`DatasetConfig::validate`].
    pub fn generate(&self, seed: u64) -> Result<MultiTaskData, ConfigError> {
        self.validate()?;
        let generator = self.builder();
        Ok(generator
            .generate(seed)
            .into_splits(self.tasks(), generator.samples()))
    }
}

/// Rows as a generator produces them, before splitting and standardising.
pub struct RawRows {
    /// Width of a feature row.
    pub input_dim: usize,
    /// `rows × input_dim` features.
    pub features: Vec<f32>,
    /// Per task, `rows × dim` targets.
    pub targets: Vec<Vec<f32>>,
    /// Per task, which rows carry a label (`None`: all of them).
    pub masks: Vec<Option<Vec<f32>>>,
    /// Funnel ground truth, when the generator has one.
    pub funnel: Option<FunnelTruth>,
}

impl RawRows {
    fn into_splits(self, tasks: Vec<TaskSpec>, sizes: SplitSizes) -> MultiTaskData {
        let d = self.input_dim;
        let train_rows = sizes.train;
        let (mean, std) = column_stats(&self.features[..train_rows * d], d);
        let mut features = self.features;
        for row in features.chunks_mut(d) {
            for (j, value) in row.iter_mut().enumerate() {
                *value = (*value - mean[j]) / std[j];
            }
        }
        let bounds = [
            (0, sizes.train),
            (sizes.train, sizes.train + sizes.validation),
            (sizes.train + sizes.validation, sizes.total()),
        ];
        let split = |(start, end): (usize, usize)| Split {
            features: features[start * d..end * d].to_vec(),
            targets: self
                .targets
                .iter()
                .zip(&tasks)
                .map(|(t, spec)| t[start * spec.dim..end * spec.dim].to_vec())
                .collect(),
            masks: self
                .masks
                .iter()
                .map(|m| m.as_ref().map(|m| m[start..end].to_vec()))
                .collect(),
            funnel: self.funnel.as_ref().map(|truth| FunnelTruth {
                click_probability: truth.click_probability[start..end].to_vec(),
                conversion_probability: truth.conversion_probability[start..end].to_vec(),
                would_convert: truth.would_convert[start..end].to_vec(),
            }),
        };
        MultiTaskData {
            input_dim: d,
            train: split(bounds[0]),
            validation: split(bounds[1]),
            test: split(bounds[2]),
            tasks,
        }
    }
}

/// Per-column mean and standard deviation (a constant column gets std 1).
fn column_stats(rows: &[f32], d: usize) -> (Vec<f32>, Vec<f32>) {
    let n = (rows.len() / d).max(1) as f64;
    let mut mean = vec![0f64; d];
    for row in rows.chunks(d) {
        for (m, v) in mean.iter_mut().zip(row) {
            *m += f64::from(*v) / n;
        }
    }
    let mut var = vec![0f64; d];
    for row in rows.chunks(d) {
        for ((s, v), m) in var.iter_mut().zip(row).zip(&mean) {
            *s += (f64::from(*v) - m).powi(2) / n;
        }
    }
    let std = var
        .iter()
        .map(|v| if *v > 1e-12 { v.sqrt() as f32 } else { 1.0 })
        .collect();
    (mean.iter().map(|m| *m as f32).collect(), std)
}

/// Orthonormal vectors u_1..u_k in R^d from Gaussian draws by Gram–Schmidt.
pub(crate) fn orthonormal_vectors(rng: &mut crate::rng::Rng, k: usize, d: usize) -> Vec<Vec<f64>> {
    let mut basis: Vec<Vec<f64>> = Vec::with_capacity(k);
    while basis.len() < k {
        let mut v: Vec<f64> = (0..d).map(|_| rng.normal()).collect();
        for u in &basis {
            let dot: f64 = v.iter().zip(u).map(|(a, b)| a * b).sum();
            v.iter_mut().zip(u).for_each(|(a, b)| *a -= dot * b);
        }
        let norm = v.iter().map(|a| a * a).sum::<f64>().sqrt();
        if norm > 1e-6 {
            basis.push(v.iter().map(|a| a / norm).collect());
        }
    }
    basis
}

/// The MMoE task weights: w_1 = c·u_1, w_k = c·(p·u_1 + sqrt(1 − p²)·u_k).
pub(crate) fn correlated_weights(
    rng: &mut crate::rng::Rng,
    tasks: usize,
    dim: usize,
    scale: f64,
    correlation: f64,
) -> Vec<Vec<f64>> {
    let basis = orthonormal_vectors(rng, tasks, dim);
    let orthogonal = (1.0 - correlation * correlation).max(0.0).sqrt();
    (0..tasks)
        .map(|k| {
            (0..dim)
                .map(|j| {
                    if k == 0 {
                        scale * basis[0][j]
                    } else {
                        scale * (correlation * basis[0][j] + orthogonal * basis[k][j])
                    }
                })
                .collect()
        })
        .collect()
}

/// Validates a per-task list that may also hold a single value for all tasks.
pub(crate) fn per_task(field: &str, values: &[f64], tasks: usize) -> Result<(), ConfigError> {
    if values.len() == 1 || values.len() == tasks {
        Ok(())
    } else {
        Err(ConfigError::new(
            field,
            format!(
                "has {} values; give one for all tasks or one per task ({tasks})",
                values.len()
            ),
        ))
    }
}

/// The value of a per-task list for task `k` (a single value applies to all).
pub(crate) fn task_value(values: &[f64], k: usize) -> f64 {
    if values.len() == 1 {
        values[0]
    } else {
        values[k]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Registry;

    #[test]
    fn every_dataset_generates_consistent_splits() {
        for config in DatasetConfig::all() {
            let data = config
                .generate(1)
                .unwrap_or_else(|error| panic!("{}: {error}", config.id()));
            for split in [&data.train, &data.validation, &data.test] {
                let rows = split.rows(data.input_dim);
                assert_eq!(split.targets.len(), data.tasks.len());
                for (targets, task) in split.targets.iter().zip(&data.tasks) {
                    assert_eq!(targets.len(), rows * task.dim, "{}", config.id());
                    assert!(targets.iter().all(|v| v.is_finite()));
                }
            }
            assert!(data.train.features.iter().all(|v| v.is_finite()));
        }
    }

    #[test]
    fn features_are_standardised_on_the_training_split() {
        let data = DatasetConfig::default().generate(2).unwrap();
        let (mean, std) = column_stats(&data.train.features, data.input_dim);
        assert!(mean.iter().all(|m| m.abs() < 1e-4), "{mean:?}");
        assert!(std.iter().all(|s| (s - 1.0).abs() < 1e-3), "{std:?}");
    }

    #[test]
    fn same_seed_same_data_other_seed_other_data() {
        let config = DatasetConfig::Funnel(FunnelConfig::default());
        assert_eq!(config.generate(5).unwrap(), config.generate(5).unwrap());
        assert_ne!(
            config.generate(5).unwrap().train.features,
            config.generate(6).unwrap().train.features
        );
    }

    #[test]
    fn unknown_id_lists_known_ones() {
        let error = DatasetConfig::from_id("mnist").unwrap_err();
        assert_eq!(error.field, "dataset");
        assert!(error.message.contains("correlated, funnel, scales"));
    }

    #[test]
    fn config_json_round_trips() {
        for config in DatasetConfig::all() {
            let json = serde_json::to_string(&config).unwrap();
            let back: DatasetConfig = serde_json::from_str(&json).unwrap();
            assert_eq!(back, config);
        }
    }
}
