//! The fusion lab: one request (a start formula, a search, the objective, the learning-to-rank
//! label, a parameter to sweep) → one table comparing every way of ranking the rows, the search
//! and its progress, the LTR models, and the fusion seesaw. The CLI's `seesaw fuse` and the
//! page's Fusion panel both run this, so their numbers agree.

use super::formula::{FusionFormula, Parameter};
use super::ltr::{LtrModel, LtrSettings, train_ltr};
use super::mlp::{MlpModel, MlpSettings, train_ltr_mlp};
use super::objective::{Evaluated, Objective};
use super::predictions::Predictions;
use super::search::{SearchConfig, SearchResult};
use super::sweep::{SweepPoint, fusion_seesaw};
use crate::error::{ConfigError, RunError};
use burn::prelude::Device;
use serde::{Deserialize, Serialize};

/// Points of the fusion seesaw when the request names none.
pub const SWEEP_POINTS: usize = 21;

/// What the lab runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabRequest {
    /// The formula and its starting parameters (the search's baseline).
    pub start: FusionFormula,
    /// The search; `None` scores the start only.
    pub search: Option<SearchConfig>,
    /// Importance and floors per task.
    pub objective: Objective,
    /// The combined label c_k of the learning-to-rank models (e.g. 1, 3 for click + 3 ·
    /// conversion); `None` trains none.
    #[serde(default)]
    pub ltr_label: Option<Vec<f64>>,
    /// Sweep this parameter (an index into the formula's parameters) over its range on the
    /// best formula found.
    #[serde(default)]
    pub sweep: Option<usize>,
}

/// One way of ranking the rows and how well it serves each task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabRow {
    /// What ranks: `click alone`, `start`, `multiplicative · cem`, `LTR · logistic`, …
    pub method: String,
    /// Per-task quality, objective and feasibility.
    pub evaluated: Evaluated,
}

/// The fusion seesaw of one parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabSweep {
    /// The parameter swept (its range is the sweep's).
    pub parameter: Parameter,
    /// Its value in the best formula (the marked point).
    pub marked: f64,
    /// Every task's quality along the range.
    pub points: Vec<SweepPoint>,
}

/// Everything the lab found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabResult {
    /// The task names, in column order.
    pub tasks: Vec<String>,
    /// One row per ranking: each task's own score, the start, the search's best, the LTR
    /// models.
    pub rows: Vec<LabRow>,
    /// The search, when one ran.
    pub search: Option<SearchResult>,
    /// The best formula: the search's, or the start.
    pub best_formula: FusionFormula,
    /// The logistic-regression LTR model.
    pub ltr: Option<LtrModel>,
    /// The MLP LTR model.
    pub mlp: Option<MlpModel>,
    /// The fusion seesaw.
    pub sweep: Option<LabSweep>,
    /// Rankings left out of the table and why (e.g. an LTR model that learned a constant).
    pub notes: Vec<String>,
}

/// Runs `request` on `predictions` (the MLP trains on `device`).
///
/// # Errors
/// A run with fewer than two tasks, bad predictions, formula, search, objective or LTR label
/// (named), or a failed device read.
pub async fn run_lab(
    predictions: &Predictions,
    request: &LabRequest,
    device: &Device,
) -> Result<LabResult, RunError> {
    predictions.validate()?;
    let tasks = predictions.tasks.len();
    if tasks < 2 {
        return Err(ConfigError::new(
            "predictions",
            format!("fusion needs at least two tasks; this run has {tasks}"),
        )
        .into());
    }
    let objective = &request.objective;
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    for (k, name) in predictions.tasks.iter().enumerate() {
        // A task whose own score is constant ranks nothing: no row, not an error.
        if let Ok(evaluated) = objective.evaluate_scores(name, &predictions.scores[k], predictions)
        {
            rows.push(LabRow {
                method: format!("{name} alone"),
                evaluated,
            });
        }
    }
    let start = objective.evaluate(&request.start, predictions)?;
    rows.push(LabRow {
        method: format!("{} · start", request.start.name()),
        evaluated: start,
    });
    let search = match &request.search {
        Some(search) => {
            let result = search.run(&request.start, objective, predictions)?;
            rows.push(LabRow {
                method: format!("{} · {}", request.start.name(), search.name()),
                evaluated: result.best.clone(),
            });
            Some(result)
        }
        None => None,
    };
    let best_formula = search
        .as_ref()
        .map_or_else(|| request.start.clone(), |s| s.best_formula.clone());
    let (ltr, mlp) = match &request.ltr_label {
        Some(label_weights) => {
            let ltr = train_ltr(
                predictions,
                &LtrSettings {
                    label_weights: label_weights.clone(),
                    ..LtrSettings::default()
                },
            )?;
            let scored = ltr.score_all(&predictions.scores);
            push_learned(
                "LTR · logistic",
                objective.evaluate_scores("ltr", &scored, predictions),
                &mut rows,
                &mut notes,
            );
            let mlp = train_ltr_mlp(
                predictions,
                &MlpSettings {
                    label_weights: label_weights.clone(),
                    ..MlpSettings::default()
                },
                device,
            )
            .await?;
            let scored = mlp.score_all(&predictions.scores);
            push_learned(
                "LTR · MLP",
                objective.evaluate_scores("mlp", &scored, predictions),
                &mut rows,
                &mut notes,
            );
            (Some(ltr), Some(mlp))
        }
        None => (None, None),
    };
    let sweep = match request.sweep {
        Some(index) => {
            let parameters = best_formula.parameters(&predictions.tasks);
            let parameter = parameters.get(index).cloned().ok_or_else(|| {
                ConfigError::new(
                    "sweep",
                    format!(
                        "parameter {index}; the {} formula has {}",
                        best_formula.name(),
                        parameters.len()
                    ),
                )
            })?;
            let points = fusion_seesaw(
                &best_formula,
                predictions,
                index,
                (parameter.low, parameter.high),
                SWEEP_POINTS,
            )?;
            Some(LabSweep {
                marked: parameter.value,
                parameter,
                points,
            })
        }
        None => None,
    };
    Ok(LabResult {
        tasks: predictions.tasks.clone(),
        rows,
        search,
        best_formula,
        ltr,
        mlp,
        sweep,
        notes,
    })
}

/// A learned fusion's row, or a note when its ranking cannot be scored (a model that learned
/// a constant ranks nothing; the rest of the lab stands).
fn push_learned(
    method: &str,
    evaluated: Result<Evaluated, ConfigError>,
    rows: &mut Vec<LabRow>,
    notes: &mut Vec<String>,
) {
    match evaluated {
        Ok(evaluated) => rows.push(LabRow {
            method: method.to_string(),
            evaluated,
        }),
        Err(error) => notes.push(format!("{method}: {}", error.message)),
    }
}
