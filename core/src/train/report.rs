//! What a run reports: the history every k steps and the final evaluation, as serialisable
//! structs (the CLI writes them as the run JSON; the browser charts them).

use crate::data::TaskKind;
use crate::metrics::{Better, Metric, secondary};
use crate::train::RunConfig;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One task's evaluation on one split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskEvaluation {
    /// Task name.
    pub name: String,
    /// Mean loss on the split (the training loss function).
    pub loss: f64,
    /// The primary metric: `auc` (binary) or `mse` (regression).
    pub metric: Metric,
    /// The primary metric's value (`null` when undefined, e.g. AUC with one class).
    pub value: Option<f64>,
    /// Whether higher or lower `value` is better.
    pub better: Better,
    /// Secondary metrics: `logloss` or `r2`; for the funnel's conversion task also
    /// `cvr_auc_entire_space` and `ctcvr_auc`.
    pub extra: BTreeMap<String, f64>,
}

impl TaskEvaluation {
    /// How far the task is from chance, on one scale for every kind of task: 0 at chance, 1
    /// when perfect, below 0 when worse than chance. 2·AUC − 1 (the Gini coefficient) for a
    /// binary task, R² for regression; 0 (chance) when the metric is undefined (one class).
    pub fn skill(&self) -> f64 {
        match self.metric {
            Metric::Auc => self.value.map_or(0.0, |auc| 2.0 * auc - 1.0),
            Metric::Mse => self.extra.get(secondary::R2).copied().unwrap_or(0.0),
        }
    }
}

/// Utilisation of one gate over the validation rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateUtilisation {
    /// Which gate.
    pub name: String,
    /// Mean weight of each expert.
    pub mean: Vec<f64>,
    /// Standard deviation of each expert's weight across rows.
    pub std: Vec<f64>,
}

/// One report, every `eval_every` steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// Steps done so far.
    pub step: usize,
    /// Mean training loss per task since the previous report.
    pub train_loss: Vec<f64>,
    /// Mean task weights the method used since the previous report.
    pub weights: Vec<f64>,
    /// Validation loss and metrics per task.
    pub validation: Vec<TaskEvaluation>,
    /// Gate utilisation per gate (empty for architectures without gates).
    pub gates: Vec<GateUtilisation>,
    /// Cosine similarity between the tasks' gradients on the shared parameters, on the last
    /// training batch, `[tasks][tasks]`.
    pub gradient_cosine: Vec<Vec<f64>>,
}

/// One task of the final report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FinalTask {
    /// Task name.
    pub name: String,
    /// Regression or binary.
    pub kind: TaskKind,
    /// Validation loss.
    pub val_loss: f64,
    /// The primary metric.
    pub metric: Metric,
    /// Primary metric on the validation split.
    pub value: Option<f64>,
    /// Test loss.
    pub test_loss: f64,
    /// Primary metric on the test split.
    pub test_value: Option<f64>,
    /// Whether higher is better.
    pub better: Better,
    /// Secondary metrics on the test split.
    pub extra: BTreeMap<String, f64>,
}

/// The final evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FinalReport {
    /// One entry per task.
    pub tasks: Vec<FinalTask>,
}

/// The single-task baselines and how the multi-task model compares (on the test split).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineComparison {
    /// The baselines' final report (architecture `single-task`, equal weights, same budget).
    pub baselines: FinalReport,
    /// Per task, MTL gain (PLE, RecSys 2020, Eq. 11): positive = the multi-task model is better.
    pub mtl_gain: Vec<Option<f64>>,
    /// Δm in percent: mean relative improvement over the baselines, sign-corrected so that
    /// higher is better.
    pub delta_m: Option<f64>,
}

/// Wall-clock timing measured by the caller's clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// Seconds for the multi-task model's training (evaluations included).
    pub train_seconds: f64,
    /// Training steps per second.
    pub steps_per_second: f64,
}

/// Everything a run produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// The config that produced it.
    pub config: RunConfig,
    /// Reports every `eval_every` steps.
    pub history: Vec<HistoryEntry>,
    /// The final evaluation.
    #[serde(rename = "final")]
    pub final_report: FinalReport,
    /// Baselines, MTL gain and Δm, when `config.baselines`.
    #[serde(flatten)]
    pub comparison: Option<BaselineComparison>,
    /// Says how to read Δm and the MTL gains, why a run is incomplete, and whether it trained
    /// stacked with other runs.
    pub notes: Vec<String>,
    /// The run stopped before its step budget (interrupted): `history` and `final` cover the
    /// steps done. Absent from the JSON of a complete run.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub incomplete: bool,
    /// Timing.
    pub timing: Timing,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::weighting::{Dtp, DtpConfig, Weighting};

    fn evaluation(metric: &str, value: f64, r2: Option<f64>) -> TaskEvaluation {
        TaskEvaluation {
            name: metric.into(),
            loss: 1.0,
            metric: serde_json::from_value(serde_json::json!(metric)).unwrap(),
            value: Some(value),
            better: Better::Higher,
            extra: r2.map(|r2| ("r2".to_string(), r2)).into_iter().collect(),
        }
    }

    #[test]
    fn skill_is_zero_at_chance_and_one_when_perfect_for_every_kind() {
        assert_eq!(evaluation("auc", 0.5, None).skill(), 0.0);
        assert_eq!(evaluation("auc", 1.0, None).skill(), 1.0);
        assert_eq!(evaluation("auc", 0.75, None).skill(), 0.5);
        assert_eq!(evaluation("mse", 3.0, Some(0.0)).skill(), 0.0);
        assert_eq!(evaluation("mse", 0.0, Some(1.0)).skill(), 1.0);
        let undefined = TaskEvaluation {
            value: None,
            ..evaluation("auc", 0.0, None)
        };
        assert_eq!(undefined.skill(), 0.0);
    }

    /// DTP on the skills: a binary task at AUC 0.75 and a regression task at R² 0.5 are equally
    /// far from chance and get equal weights (on raw AUC and R² they got 0.018 and 0.17; at
    /// chance, 0.17 and 9.2).
    #[test]
    fn dtp_weighs_tasks_of_equal_relative_skill_equally() {
        let tasks = [
            evaluation("auc", 0.75, None),
            evaluation("mse", 0.2, Some(0.5)),
        ];
        let skills: Vec<f64> = tasks.iter().map(TaskEvaluation::skill).collect();
        let mut method = Dtp::new(&DtpConfig::default());
        method.observe_validation(&skills);
        let weights = method.weights(2);
        assert!((weights[0] - weights[1]).abs() < 1e-7, "{weights:?}");
        let chance = [
            evaluation("auc", 0.5, None),
            evaluation("mse", 1.0, Some(0.0)),
        ];
        let skills: Vec<f64> = chance.iter().map(TaskEvaluation::skill).collect();
        let mut method = Dtp::new(&DtpConfig::default());
        method.observe_validation(&skills);
        let weights = method.weights(2);
        assert_eq!(weights[0], weights[1]);
    }
}
