//! The fusion seesaw: how every task's quality moves as one fusion parameter sweeps a range.

use super::formula::FusionFormula;
use super::objective::ranking_quality;
use super::predictions::Predictions;
use crate::error::ConfigError;
use serde::{Deserialize, Serialize};

/// One point of a sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepPoint {
    /// The parameter's value.
    pub value: f64,
    /// Each task's quality (AUC or Kendall's τ-b); `None` where undefined.
    pub qualities: Vec<Option<f64>>,
}

/// Sets parameter `parameter` (an index into [`FusionFormula::parameters`]) of `formula` to
/// `points` evenly spaced values from `low` to `high` (both included), the others held, and
/// scores every task at each.
///
/// # Errors
/// An index out of range, fewer than two points, a non-finite or reversed range, or a value
/// the formula rejects.
pub fn fusion_seesaw(
    formula: &FusionFormula,
    predictions: &Predictions,
    parameter: usize,
    (low, high): (f64, f64),
    points: usize,
) -> Result<Vec<SweepPoint>, ConfigError> {
    predictions.validate()?;
    let mut values: Vec<f64> = formula
        .parameters(&predictions.tasks)
        .iter()
        .map(|p| p.value)
        .collect();
    if parameter >= values.len() {
        return Err(ConfigError::new(
            "parameter",
            format!(
                "index {parameter}, the formula has {} parameters",
                values.len()
            ),
        ));
    }
    if points < 2 {
        return Err(ConfigError::new("points", "must be at least 2"));
    }
    if !(low.is_finite() && high.is_finite() && low <= high) {
        return Err(ConfigError::new(
            "range",
            format!("need finite low ≤ high, got {low}..{high}"),
        ));
    }
    (0..points)
        .map(|i| {
            let value = low + (high - low) * i as f64 / (points - 1) as f64;
            values[parameter] = value;
            let fused = formula
                .with_values(&values)?
                .fuse_all(&predictions.scores)?;
            let qualities = (0..predictions.tasks.len())
                .map(|k| ranking_quality(&fused, &predictions.labels[k], predictions.kinds[k]))
                .collect();
            Ok(SweepPoint { value, qualities })
        })
        .collect()
}
