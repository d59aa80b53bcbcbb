//! The fusion formulas as one serde-tagged enum, and their parameters as one flat vector that
//! the searches move.

use super::extended::ExtendedFusion;
use super::linear::{AdditiveFusion, MultiplicativeFusion};
use super::rank_buckets::RankBucketFusion;
use crate::error::ConfigError;
use serde::{Deserialize, Serialize};

/// One searchable parameter: its name (`beta.click`), value and the range searches draw from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parameter {
    /// `group.task`, e.g. `weight.click`.
    pub name: String,
    /// Current value.
    pub value: f64,
    /// Lowest valid value (searches clamp to it).
    pub low: f64,
    /// Highest value grid and random search draw (CEM may go above it).
    pub high: f64,
}

/// A fusion formula with its parameters, e.g. `{"formula":"additive","weights":[1,2]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "formula", rename_all = "kebab-case")]
pub enum FusionFormula {
    /// Σ w_k s_k.
    Additive(AdditiveFusion),
    /// Π (α_k + s_k)^β_k.
    Multiplicative(MultiplicativeFusion),
    /// Π (α_k + w_k s_k)^(β_k (1 + γ_k s_k)).
    Extended(ExtendedFusion),
    /// Linear combination of per-task rank buckets within slates.
    RankBuckets(RankBucketFusion),
}

/// The formula names, as `FusionFormula::named` takes them.
pub const FORMULAS: [&str; 4] = ["additive", "multiplicative", "extended", "rank-buckets"];

impl FusionFormula {
    /// The neutral formula `name` for `tasks` tasks: unit weights and exponents, zero offsets.
    ///
    /// # Errors
    /// An unknown name (the message lists the known ones).
    pub fn named(name: &str, tasks: usize) -> Result<Self, ConfigError> {
        Ok(match name {
            "additive" => Self::Additive(AdditiveFusion::neutral(tasks)),
            "multiplicative" => Self::Multiplicative(MultiplicativeFusion::neutral(tasks)),
            "extended" => Self::Extended(ExtendedFusion::neutral(tasks)),
            "rank-buckets" => Self::RankBuckets(RankBucketFusion::neutral(tasks)),
            other => {
                return Err(ConfigError::new(
                    "formula",
                    format!("unknown formula `{other}`; one of {}", FORMULAS.join(", ")),
                ));
            }
        })
    }

    /// The formula's name (`additive`, …).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Additive(_) => FORMULAS[0],
            Self::Multiplicative(_) => FORMULAS[1],
            Self::Extended(_) => FORMULAS[2],
            Self::RankBuckets(_) => FORMULAS[3],
        }
    }

    /// The searchable parameters, named after `tasks`.
    pub fn parameters(&self, tasks: &[String]) -> Vec<Parameter> {
        let groups: Vec<(&str, &[f64], f64, f64)> = match self {
            Self::Additive(f) => vec![("weight", &f.weights, 0.0, 5.0)],
            Self::Multiplicative(f) => {
                vec![("alpha", &f.alpha, 0.0, 1.0), ("beta", &f.beta, 0.0, 3.0)]
            }
            Self::Extended(f) => vec![
                ("weight", &f.weight, 0.0, 5.0),
                ("alpha", &f.alpha, 0.0, 1.0),
                ("beta", &f.beta, 0.0, 3.0),
                ("gamma", &f.gamma, -1.0, 2.0),
            ],
            Self::RankBuckets(f) => vec![("weight", &f.weights, 0.0, 5.0)],
        };
        groups
            .into_iter()
            .flat_map(|(group, values, low, high)| {
                values.iter().enumerate().map(move |(k, &value)| Parameter {
                    name: format!("{group}.{}", tasks.get(k).map_or("?", String::as_str)),
                    value,
                    low,
                    high,
                })
            })
            .collect()
    }

    /// The same formula with its parameters replaced by `values` (in [`Self::parameters`]
    /// order).
    ///
    /// # Errors
    /// The wrong number of values.
    pub fn with_values(&self, values: &[f64]) -> Result<Self, ConfigError> {
        let mut next = self.clone();
        let mut slots: Vec<&mut Vec<f64>> = match &mut next {
            Self::Additive(f) => vec![&mut f.weights],
            Self::Multiplicative(f) => vec![&mut f.alpha, &mut f.beta],
            Self::Extended(f) => vec![&mut f.weight, &mut f.alpha, &mut f.beta, &mut f.gamma],
            Self::RankBuckets(f) => vec![&mut f.weights],
        };
        let expected: usize = slots.iter().map(|s| s.len()).sum();
        if values.len() != expected {
            return Err(ConfigError::new(
                "parameters",
                format!(
                    "the {} formula has {expected} parameters, got {}",
                    self.name(),
                    values.len()
                ),
            ));
        }
        let mut rest = values;
        for slot in &mut slots {
            let (head, tail) = rest.split_at(slot.len());
            slot.copy_from_slice(head);
            rest = tail;
        }
        Ok(next)
    }

    /// Checks the parameters against `tasks` tasks.
    ///
    /// # Errors
    /// A wrong count, or a NaN or out-of-range value, naming the parameter.
    pub fn validate(&self, tasks: usize) -> Result<(), ConfigError> {
        match self {
            Self::Additive(f) => f.validate(tasks),
            Self::Multiplicative(f) => f.validate(tasks),
            Self::Extended(f) => f.validate(tasks),
            Self::RankBuckets(f) => f.validate(tasks),
        }
    }

    /// The fused score of every row; `scores` holds one column per task.
    ///
    /// # Errors
    /// Invalid parameters, no rows, columns of different lengths, or a score where the formula
    /// is undefined.
    pub fn fuse_all(&self, scores: &[Vec<f64>]) -> Result<Vec<f64>, ConfigError> {
        self.validate(scores.len())?;
        let rows = scores.first().map_or(0, Vec::len);
        if rows == 0 {
            return Err(ConfigError::new(
                "scores",
                "no rows to fuse (an empty slate)",
            ));
        }
        if let Some(k) = scores.iter().position(|task| task.len() != rows) {
            return Err(ConfigError::new(
                format!("scores[{k}]"),
                format!("{} rows, task 0 has {rows}", scores[k].len()),
            ));
        }
        if let Self::RankBuckets(f) = self {
            return f.fuse_slates(scores);
        }
        (0..rows)
            .map(|row| {
                let item: Vec<f64> = scores.iter().map(|task| task[row]).collect();
                match self {
                    Self::Additive(f) => Ok(f.fuse(&item)),
                    Self::Multiplicative(f) => f.fuse(&item),
                    Self::Extended(f) => f.fuse(&item),
                    Self::RankBuckets(_) => unreachable!("handled above"),
                }
            })
            .collect()
    }
}

/// Checks that `values` has one finite entry per task, each at least `low`.
pub(crate) fn check_values(
    name: &str,
    values: &[f64],
    tasks: usize,
    low: f64,
) -> Result<(), ConfigError> {
    if values.len() != tasks {
        return Err(ConfigError::new(
            name,
            format!("{} values for {tasks} tasks", values.len()),
        ));
    }
    for (k, &v) in values.iter().enumerate() {
        if !v.is_finite() || v < low {
            return Err(ConfigError::new(
                format!("{name}[{k}]"),
                format!("{v} is not a finite number ≥ {low}"),
            ));
        }
    }
    Ok(())
}
