//! Label re-weighting: a task's positive rows weigh more in its cross-entropy according to
//! another task's label or continuous target, the practice of industrial multi-objective
//! rankers (e.g. a click that also converted, or a click weighted by its watch time: Covington,
//! Adams & Sargin, "Deep Neural Networks for YouTube Recommendations", RecSys 2016, weight
//! positive impressions by watch time).
//!
//! Row weight of task `task` = min(1 + strength·curve(v), max_weight) where v is task `by`'s
//! label (its observed value: label·mask where it has a mask, negative values taken as 0) and
//! curve is `linear` (v), `log1p` (ln(1 + v)) or `sqrt` (√v); with `positives_only` (default)
//! only rows where `task`'s own label is 1 are re-weighted. Other tasks keep weight 1. Loss
//! weights between tasks stay 1 (combine with another method by choosing this one: it changes
//! the per-row loss, not the task weights).

use super::{MethodConfig, MethodSettings};
use super::{MethodContext, StepSignals, Update, Weighting};
use crate::error::{ConfigError, check_range};
use crate::loss::TaskTargets;
use burn::prelude::*;
use serde::{Deserialize, Serialize};

/// How the driving value turns into extra weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Curve {
    /// v.
    #[default]
    Linear,
    /// ln(1 + v).
    Log1p,
    /// √v.
    Sqrt,
}

/// Settings of `label-reweight`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LabelReweightConfig {
    /// Name of the task whose rows are re-weighted (default: the first task).
    pub task: Option<String>,
    /// Name of the task whose label drives the weight (default: the second task).
    pub by: Option<String>,
    /// Curve applied to the driving value (default linear).
    pub curve: Curve,
    /// Extra weight per unit of curve (0 to 100; default 1: a positive that is also positive
    /// on `by` counts twice).
    pub strength: f64,
    /// Cap on a row's weight (1 to 1000; default 10).
    pub max_weight: f64,
    /// Only re-weight rows whose own label is positive (default true).
    pub positives_only: bool,
}

impl Default for LabelReweightConfig {
    fn default() -> Self {
        Self {
            task: None,
            by: None,
            curve: Curve::Linear,
            strength: 1.0,
            max_weight: 10.0,
            positives_only: true,
        }
    }
}

impl MethodSettings for LabelReweightConfig {
    fn validate(&self, _tasks: usize) -> Result<(), ConfigError> {
        check_range("strength", self.strength, 0.0, 100.0)?;
        check_range("max_weight", self.max_weight, 1.0, 1000.0)
    }
}

impl MethodConfig for LabelReweightConfig {
    fn build(&self, context: &MethodContext) -> Result<Box<dyn Weighting>, ConfigError> {
        Ok(Box::new(LabelReweight::new(self, context)?))
    }
}

/// Label re-weighting between two tasks.
#[derive(Debug, Clone)]
pub struct LabelReweight {
    config: LabelReweightConfig,
    task: usize,
    by: usize,
    tasks: usize,
}

impl LabelReweight {
    /// Resolves the task names against the run's tasks.
    ///
    /// # Errors
    /// An unknown task name, or `task` equal to `by`.
    pub fn new(config: &LabelReweightConfig, context: &MethodContext) -> Result<Self, ConfigError> {
        let names: Vec<&str> = context.tasks.iter().map(|t| t.name.as_str()).collect();
        let find = |field: &str, name: &Option<String>, default: usize| match name {
            None => Ok(default),
            Some(name) => names.iter().position(|n| n == name).ok_or_else(|| {
                ConfigError::new(
                    field,
                    format!("no task `{name}`; tasks: {}", names.join(", ")),
                )
            }),
        };
        let task = find("task", &config.task, 0)?;
        let by = find("by", &config.by, 1)?;
        if task == by {
            return Err(ConfigError::new("by", "must name a task other than `task`"));
        }
        Ok(Self {
            config: config.clone(),
            task,
            by,
            tasks: names.len(),
        })
    }
}

impl Weighting for LabelReweight {
    fn row_weights(&self, targets: &[TaskTargets]) -> Vec<Option<Tensor<2>>> {
        let driver = &targets[self.by];
        let mut value = driver.labels.clone().narrow(1, 0, 1).clamp_min(0.0);
        if let Some(mask) = &driver.mask {
            value = value * mask.clone();
        }
        let curved = match self.config.curve {
            Curve::Linear => value,
            Curve::Log1p => value.add_scalar(1.0).log(),
            Curve::Sqrt => value.sqrt(),
        };
        let mut extra = curved.mul_scalar(self.config.strength);
        if self.config.positives_only {
            extra = extra
                * targets[self.task]
                    .labels
                    .clone()
                    .narrow(1, 0, 1)
                    .greater_elem(0.5)
                    .float();
        }
        let weights = extra.add_scalar(1.0).clamp_max(self.config.max_weight);
        (0..self.tasks)
            .map(|k| (k == self.task).then(|| weights.clone()))
            .collect()
    }

    fn update(&mut self, signals: &StepSignals) -> Update {
        Update::Weights(Tensor::ones(signals.losses.dims(), &signals.device))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{TaskKind, TaskSpec};

    fn column(values: &[f32]) -> Tensor<2> {
        Tensor::from_data(
            TensorData::new(values.to_vec(), [values.len(), 1]),
            &Device::flex(),
        )
    }

    fn context(kinds: [TaskKind; 2]) -> MethodContext {
        MethodContext {
            tasks: ["click", "conversion"]
                .iter()
                .zip(kinds)
                .map(|(name, kind)| TaskSpec {
                    name: name.to_string(),
                    kind,
                    dim: 1,
                    follows: None,
                })
                .collect(),
            seed: 1,
            learning_rate: 0.01,
        }
    }

    fn weights(method: &LabelReweight, targets: &[TaskTargets]) -> Vec<Option<Vec<f32>>> {
        method
            .row_weights(targets)
            .into_iter()
            .map(|w| w.map(|w| w.into_data().try_to_vec().unwrap()))
            .collect()
    }

    #[test]
    fn a_converted_click_counts_twice() {
        let method = LabelReweight::new(
            &LabelReweightConfig::default(),
            &context([TaskKind::Binary; 2]),
        )
        .unwrap();
        let targets = [
            TaskTargets {
                labels: column(&[1.0, 1.0, 0.0]),
                mask: None,
                row_weights: None,
            },
            // Row 3 would convert but was not clicked: unobserved, so no extra weight.
            TaskTargets {
                labels: column(&[1.0, 0.0, 1.0]),
                mask: Some(column(&[1.0, 1.0, 0.0])),
                row_weights: None,
            },
        ];
        assert_eq!(
            weights(&method, &targets),
            vec![Some(vec![2.0, 1.0, 1.0]), None]
        );
    }

    #[test]
    fn a_continuous_target_through_log1p_with_a_cap() {
        let config = LabelReweightConfig {
            curve: Curve::Log1p,
            strength: 2.0,
            max_weight: 3.0,
            ..LabelReweightConfig::default()
        };
        let method =
            LabelReweight::new(&config, &context([TaskKind::Binary, TaskKind::Regression]))
                .unwrap();
        let targets = [
            TaskTargets {
                labels: column(&[1.0, 1.0, 0.0]),
                mask: None,
                row_weights: None,
            },
            TaskTargets {
                labels: column(&[std::f32::consts::E - 1.0, 100.0, 5.0]),
                mask: None,
                row_weights: None,
            },
        ];
        // Row 1: 1 + 2·ln(e) = 3; row 2: capped at 3; row 3: not a positive.
        let got = weights(&method, &targets)[0].clone().unwrap();
        assert!(
            (got[0] - 3.0).abs() < 1e-5 && got[1] == 3.0 && got[2] == 1.0,
            "{got:?}"
        );
    }

    #[test]
    fn unknown_task_names_are_errors() {
        let config = LabelReweightConfig {
            by: Some("watch_time".into()),
            ..LabelReweightConfig::default()
        };
        let error = LabelReweight::new(&config, &context([TaskKind::Binary; 2])).unwrap_err();
        assert_eq!(error.field, "by");
        assert!(error.message.contains("click, conversion"));
    }
}
