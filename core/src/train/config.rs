//! The run configuration: everything that defines a run, seed included. It round-trips through
//! JSON, so a saved config (or a shared URL) reproduces the run.

use super::optimizer::OptimizerConfig;
use crate::Registry;
use crate::data::DatasetConfig;
use crate::error::{ConfigError, check_range};
use crate::model::{ArchConfig, FmConfig};
use crate::weighting::WeightingConfig;
use serde::{Deserialize, Serialize};

/// How to train.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// The optimiser (default Adam).
    pub optimizer: OptimizerConfig,
    /// Learning rate (1e-6 to 10; default 0.005).
    pub learning_rate: f64,
    /// Rows per batch (1 to 65536; default 256).
    pub batch_size: usize,
    /// Optimisation steps (1 to 10⁷; default 300).
    pub steps: usize,
    /// Evaluate and report every this many steps (default 25); the last step always reports.
    pub eval_every: usize,
    /// Learning-rate multiplier of each task's tower, one per task or one for all (0 to 100;
    /// default [1]).
    pub tower_lr: Vec<f64>,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            optimizer: OptimizerConfig::default(),
            learning_rate: 0.005,
            batch_size: 256,
            steps: 300,
            eval_every: 25,
            tower_lr: vec![1.0],
        }
    }
}

impl TrainConfig {
    fn validate(&self, tasks: usize) -> Result<(), ConfigError> {
        self.optimizer.validate()?;
        check_range("learning_rate", self.learning_rate, 1e-6, 10.0)?;
        check_range("batch_size", self.batch_size, 1, 65_536)?;
        check_range("steps", self.steps, 1, 10_000_000)?;
        check_range("eval_every", self.eval_every, 1, 10_000_000)?;
        crate::data::per_task("tower_lr", &self.tower_lr, tasks)?;
        for &multiplier in &self.tower_lr {
            check_range("tower_lr", multiplier, 0.0, 100.0)?;
        }
        Ok(())
    }
}

/// A whole run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RunConfig {
    /// Seeds the data, the initial weights and the batch order (default 7).
    pub seed: u64,
    /// The dataset.
    pub dataset: DatasetConfig,
    /// The architecture.
    pub arch: ArchConfig,
    /// An FM term per task (`null`: none).
    pub fm: Option<FmConfig>,
    /// The loss-weighting method.
    pub weighting: WeightingConfig,
    /// The optimisation settings.
    pub train: TrainConfig,
    /// Also train the single-task baselines with the same budget and report MTL gain and Δm.
    pub baselines: bool,
}

impl Default for RunConfig {
    fn default() -> Self {
        Self {
            seed: 7,
            dataset: DatasetConfig::default(),
            arch: ArchConfig::default(),
            fm: None,
            weighting: WeightingConfig::default(),
            train: TrainConfig::default(),
            baselines: false,
        }
    }
}

impl RunConfig {
    /// Checks every part, naming the first field out of range.
    ///
    /// # Errors
    /// The offending field's dotted path and its allowed range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.dataset.validate()?;
        let tasks = self.dataset.tasks();
        self.arch.validate(&tasks, self.dataset.id())?;
        if let Some(fm) = &self.fm {
            fm.validate().map_err(|e| e.within("fm"))?;
        }
        self.weighting.validate(tasks.len())?;
        self.train
            .validate(tasks.len())
            .map_err(|error| error.within("train"))
    }

    /// Parses a JSON config; missing fields take their defaults, unknown fields are errors.
    ///
    /// # Errors
    /// A JSON or schema error, with serde's location.
    pub fn from_json(json: &str) -> Result<RunConfig, ConfigError> {
        serde_json::from_str(json).map_err(|error| ConfigError::new("config", error.to_string()))
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a RunConfig always serialises")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::SgdConfig;

    #[test]
    fn json_round_trips_for_every_registered_option() {
        for dataset in DatasetConfig::all() {
            for arch in ArchConfig::all() {
                for weighting in WeightingConfig::all() {
                    let config = RunConfig {
                        dataset: dataset.clone(),
                        arch: arch.clone(),
                        weighting,
                        fm: Some(FmConfig::default()),
                        train: TrainConfig {
                            optimizer: OptimizerConfig::Sgd(SgdConfig { momentum: 0.9 }),
                            ..TrainConfig::default()
                        },
                        ..RunConfig::default()
                    };
                    let back = RunConfig::from_json(&config.to_json()).unwrap();
                    assert_eq!(back, config);
                }
            }
        }
    }

    #[test]
    fn partial_json_takes_defaults_and_unknown_fields_fail() {
        let config = RunConfig::from_json(
            r#"{"seed": 3, "dataset": {"kind": "correlated", "correlation": 0.9}}"#,
        )
        .unwrap();
        assert_eq!(config.seed, 3);
        assert_eq!(config.train, TrainConfig::default());
        let error = RunConfig::from_json(r#"{"sede": 3}"#).unwrap_err();
        assert!(error.message.contains("sede"), "{}", error.message);
    }

    #[test]
    fn errors_name_the_nested_field() {
        let mut config = RunConfig::default();
        config.train.learning_rate = 50.0;
        assert_eq!(config.validate().unwrap_err().field, "train.learning_rate");
        let config = RunConfig {
            arch: ArchConfig::Esmm(Default::default()),
            ..RunConfig::default()
        };
        let error = config.validate().unwrap_err();
        assert_eq!(error.field, "arch");
        assert!(error.message.contains("funnel"));
    }
}
