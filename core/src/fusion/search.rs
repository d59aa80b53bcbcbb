//! Searches over a formula's parameter vector: grid, random, and the cross-entropy method.
//! Every search keeps its start as a candidate, so it never returns worse than the start.

use super::formula::{FusionFormula, Parameter};
use super::objective::{Evaluated, Objective};
use super::predictions::Predictions;
use crate::error::ConfigError;
use crate::rng::Rng;
use serde::{Deserialize, Serialize};

/// The most candidates a grid may have.
pub const GRID_LIMIT: usize = 100_000;

/// A search and its settings, e.g. `{"search":"cem","samples":50,…}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "search", rename_all = "kebab-case")]
pub enum SearchConfig {
    /// Every combination of evenly spaced values.
    Grid(GridSettings),
    /// Independent uniform draws.
    Random(RandomSettings),
    /// The cross-entropy method.
    Cem(CemSettings),
}

/// Grid search: each parameter takes `points` evenly spaced values over its search range
/// ([`Parameter::low`]..=[`Parameter::high`]); all combinations (points^parameters, at most
/// [`GRID_LIMIT`]) are tried. For small cases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GridSettings {
    /// Values per parameter, ≥ 2 (default 5).
    pub points: usize,
}

/// Random search: `samples` parameter vectors drawn uniformly over each parameter's search
/// range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RandomSettings {
    /// Candidates, ≥ 1 (default 200).
    pub samples: usize,
    /// Seed of the draws (default 0).
    pub seed: u64,
}

/// The cross-entropy method (Rubinstein 1999; de Boer et al., "A tutorial on the cross-entropy
/// method", 2005): start with the mean at the current parameters and std = `initial_std` × each
/// parameter's search range; each iteration draws `samples` vectors from the Gaussian (clamped to
/// each parameter's lowest valid value), keeps the best `keep`, and refits mean and std to them,
/// the std held within [`min_std`, `max_std`] × range.
///
/// [`min_std`]: CemSettings::min_std
/// [`max_std`]: CemSettings::max_std
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CemSettings {
    /// Draws per iteration N, ≥ 2 (default 50).
    pub samples: usize,
    /// Elites kept k, 1 ≤ k ≤ N (default 10).
    pub keep: usize,
    /// Iterations, ≥ 1 (default 20).
    pub iterations: usize,
    /// Starting std as a fraction of each parameter's range, > 0 (default 0.3).
    pub initial_std: f64,
    /// Smallest std (fraction of range), ≥ 0 (default 0.01).
    pub min_std: f64,
    /// Largest std (fraction of range), ≥ `min_std` (default 1).
    pub max_std: f64,
    /// Seed (default 0).
    pub seed: u64,
}

impl Default for GridSettings {
    fn default() -> Self {
        Self { points: 5 }
    }
}

impl Default for RandomSettings {
    fn default() -> Self {
        Self {
            samples: 200,
            seed: 0,
        }
    }
}

impl Default for CemSettings {
    fn default() -> Self {
        Self {
            samples: 50,
            keep: 10,
            iterations: 20,
            initial_std: 0.3,
            min_std: 0.01,
            max_std: 1.0,
            seed: 0,
        }
    }
}

/// One iteration's candidates: the best and the mean objective (over candidates the formula
/// is defined on).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IterationStats {
    /// 0-based.
    pub iteration: usize,
    /// Best objective among this iteration's candidates.
    pub best: f64,
    /// Mean objective of this iteration's candidates.
    pub mean: f64,
}

/// What a search found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResult {
    /// The parameters (names, start values, ranges).
    pub parameters: Vec<Parameter>,
    /// The start's evaluation.
    pub start: Evaluated,
    /// The best formula (the start when nothing beat it).
    pub best_formula: FusionFormula,
    /// The best parameter vector.
    pub best_values: Vec<f64>,
    /// The best's evaluation; `best.objective ≥ start.objective` always.
    pub best: Evaluated,
    /// Per iteration (one for grid and random search).
    pub history: Vec<IterationStats>,
}

impl SearchConfig {
    /// The search named `name` with default settings.
    ///
    /// # Errors
    /// An unknown name.
    pub fn named(name: &str) -> Result<Self, ConfigError> {
        Ok(match name {
            "grid" => Self::Grid(GridSettings::default()),
            "random" => Self::Random(RandomSettings::default()),
            "cem" => Self::Cem(CemSettings::default()),
            other => {
                return Err(ConfigError::new(
                    "search",
                    format!("unknown search `{other}`; one of grid, random, cem"),
                ));
            }
        })
    }

    /// The search's name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Grid(_) => "grid",
            Self::Random(_) => "random",
            Self::Cem(_) => "cem",
        }
    }

    /// Checks the settings.
    ///
    /// # Errors
    /// The first bad setting, named.
    pub fn validate(&self) -> Result<(), ConfigError> {
        match self {
            Self::Grid(g) if g.points < 2 => {
                Err(ConfigError::new("grid.points", "must be at least 2"))
            }
            Self::Random(r) if r.samples == 0 => {
                Err(ConfigError::new("random.samples", "must be at least 1"))
            }
            Self::Cem(c) => {
                if c.samples < 2 {
                    return Err(ConfigError::new("cem.samples", "must be at least 2"));
                }
                if c.keep == 0 || c.keep > c.samples {
                    return Err(ConfigError::new(
                        "cem.keep",
                        format!("must be in 1..={} (the samples), got {}", c.samples, c.keep),
                    ));
                }
                if c.iterations == 0 {
                    return Err(ConfigError::new("cem.iterations", "must be at least 1"));
                }
                if !(c.initial_std > 0.0 && c.initial_std.is_finite()) {
                    return Err(ConfigError::new(
                        "cem.initial_std",
                        "must be a finite number > 0",
                    ));
                }
                if !(c.min_std >= 0.0 && c.max_std >= c.min_std && c.max_std.is_finite()) {
                    return Err(ConfigError::new(
                        "cem.min_std",
                        format!(
                            "need 0 ≤ min_std ≤ max_std, got {} and {}",
                            c.min_std, c.max_std
                        ),
                    ));
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Searches `formula`'s parameters for the highest `objective` on `predictions`.
    ///
    /// # Errors
    /// Bad settings, or a start that cannot be evaluated (the error names why). Candidates
    /// the formula is undefined on are skipped.
    pub fn run(
        &self,
        formula: &FusionFormula,
        objective: &Objective,
        predictions: &Predictions,
    ) -> Result<SearchResult, ConfigError> {
        self.validate()?;
        predictions.validate()?;
        let parameters = formula.parameters(&predictions.tasks);
        let start_values: Vec<f64> = parameters.iter().map(|p| p.value).collect();
        let start = objective.evaluate(formula, predictions)?;
        let mut tracker = Tracker {
            formula,
            objective,
            predictions,
            best_values: start_values.clone(),
            best: start.clone(),
        };
        let history = match self {
            Self::Grid(g) => grid(&parameters, g.points, &mut tracker)?,
            Self::Random(r) => {
                let mut rng = Rng::fork(r.seed, "fusion-random");
                let candidates = (0..r.samples)
                    .map(|_| {
                        parameters
                            .iter()
                            .map(|p| rng.uniform_in(p.low, p.high))
                            .collect()
                    })
                    .collect();
                vec![tracker.iteration(0, candidates).0]
            }
            Self::Cem(c) => cem(&parameters, c, &mut tracker),
        };
        let best_formula = formula.with_values(&tracker.best_values)?;
        Ok(SearchResult {
            parameters,
            start,
            best_formula,
            best_values: tracker.best_values,
            best: tracker.best,
            history,
        })
    }
}

/// Evaluates candidates and keeps the best seen (the start first).
struct Tracker<'a> {
    formula: &'a FusionFormula,
    objective: &'a Objective,
    predictions: &'a Predictions,
    best_values: Vec<f64>,
    best: Evaluated,
}

impl Tracker<'_> {
    /// Evaluates `candidates`; returns the iteration's statistics and the candidates that could
    /// be evaluated with their objectives.
    fn iteration(
        &mut self,
        iteration: usize,
        candidates: Vec<Vec<f64>>,
    ) -> (IterationStats, Vec<(Vec<f64>, f64)>) {
        let mut scored = Vec::new();
        for values in candidates {
            let Ok(formula) = self.formula.with_values(&values) else {
                continue;
            };
            let Ok(evaluated) = self.objective.evaluate(&formula, self.predictions) else {
                continue;
            };
            let objective = evaluated.objective;
            if objective > self.best.objective {
                self.best = evaluated;
                self.best_values = values.clone();
            }
            scored.push((values, objective));
        }
        let best = scored.iter().map(|c| c.1).fold(f64::NEG_INFINITY, f64::max);
        let mean = scored.iter().map(|c| c.1).sum::<f64>() / scored.len().max(1) as f64;
        (
            IterationStats {
                iteration,
                best,
                mean: if scored.is_empty() { f64::NAN } else { mean },
            },
            scored,
        )
    }
}

fn grid(
    parameters: &[Parameter],
    points: usize,
    tracker: &mut Tracker,
) -> Result<Vec<IterationStats>, ConfigError> {
    let total = (0..parameters.len()).try_fold(1usize, |acc, _| acc.checked_mul(points));
    let total = match total {
        Some(t) if t <= GRID_LIMIT => t,
        _ => {
            return Err(ConfigError::new(
                "grid.points",
                format!(
                    "{points}^{} candidates exceed the limit of {GRID_LIMIT}; use random or cem",
                    parameters.len()
                ),
            ));
        }
    };
    let candidates = (0..total)
        .map(|mut index| {
            parameters
                .iter()
                .map(|p| {
                    let step = index % points;
                    index /= points;
                    p.low + (p.high - p.low) * step as f64 / (points - 1) as f64
                })
                .collect()
        })
        .collect();
    Ok(vec![tracker.iteration(0, candidates).0])
}

fn cem(
    parameters: &[Parameter],
    settings: &CemSettings,
    tracker: &mut Tracker,
) -> Vec<IterationStats> {
    let mut rng = Rng::fork(settings.seed, "fusion-cem");
    let ranges: Vec<f64> = parameters
        .iter()
        .map(|p| (p.high - p.low).max(1e-9))
        .collect();
    let mut mean: Vec<f64> = parameters.iter().map(|p| p.value).collect();
    let mut std: Vec<f64> = ranges.iter().map(|r| settings.initial_std * r).collect();
    let mut history = Vec::new();
    for iteration in 0..settings.iterations {
        let candidates = (0..settings.samples)
            .map(|_| {
                (0..parameters.len())
                    .map(|i| (mean[i] + std[i] * rng.normal()).max(parameters[i].low))
                    .collect()
            })
            .collect();
        let (stats, mut scored) = tracker.iteration(iteration, candidates);
        history.push(stats);
        if scored.is_empty() {
            continue;
        }
        scored.sort_by(|a, b| b.1.total_cmp(&a.1));
        let elites = &scored[..settings.keep.min(scored.len())];
        for i in 0..parameters.len() {
            let m = elites.iter().map(|e| e.0[i]).sum::<f64>() / elites.len() as f64;
            let var =
                elites.iter().map(|e| (e.0[i] - m).powi(2)).sum::<f64>() / elites.len() as f64;
            mean[i] = m;
            std[i] = var
                .sqrt()
                .clamp(settings.min_std * ranges[i], settings.max_std * ranges[i]);
        }
    }
    history
}
