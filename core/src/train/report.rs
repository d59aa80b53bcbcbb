//! What a run reports: the history every k steps and the final evaluation, as serialisable
//! structs (the CLI writes them as the run JSON; the browser charts them).

use crate::data::TaskKind;
use crate::metrics::Better;
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
    /// Name of the primary metric: `auc` (binary) or `mse` (regression).
    pub metric: String,
    /// The primary metric's value (`null` when undefined, e.g. AUC with one class).
    pub value: Option<f64>,
    /// Whether higher or lower `value` is better.
    pub better: Better,
    /// Secondary metrics: `logloss` or `r2`; for the funnel's conversion task also
    /// `cvr_auc_entire_space` and `ctcvr_auc`.
    pub extra: BTreeMap<String, f64>,
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
    /// Name of the primary metric.
    pub metric: String,
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
    /// Says how to read Δm and the MTL gains.
    pub notes: Vec<String>,
    /// Timing.
    pub timing: Timing,
}
