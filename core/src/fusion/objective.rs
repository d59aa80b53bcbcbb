//! How good a fused ranking is for every task, and the one number the searches maximise.

use super::formula::FusionFormula;
use super::predictions::Predictions;
use crate::data::TaskKind;
use crate::error::ConfigError;
use crate::metrics::auc;
use serde::{Deserialize, Serialize};

/// The penalty per unit of quality below a task's floor (see [`Objective`]).
pub const FLOOR_PENALTY: f64 = 100.0;

/// Objective = Σ_k importance_k · quality_k − [`FLOOR_PENALTY`] · Σ_k max(0, floor_k −
/// quality_k). quality_k is the AUC of the fused score against task k's labels (binary tasks,
/// masked rows skipped) or Kendall's τ-b between the fused score and the labels (regression).
/// A candidate below a floor is infeasible: the penalty (100 per unit of shortfall, far more
/// than any importance-weighted quality gain in [0, 1]) ranks it below every feasible one, while
/// still ordering infeasible candidates by how far they miss, so a search can climb out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Objective {
    /// importance_k per task, finite and ≥ 0.
    pub importance: Vec<f64>,
    /// Optional minimum quality per task (`None`: no floor).
    pub floors: Vec<Option<f64>>,
}

/// One formula scored: the per-task qualities and the objective.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluated {
    /// quality_k per task.
    pub qualities: Vec<f64>,
    /// The objective, penalty included.
    pub objective: f64,
    /// Whether every floor holds.
    pub feasible: bool,
}

impl Objective {
    /// Checks the weights and floors against `tasks` tasks.
    ///
    /// # Errors
    /// A wrong count or a negative/NaN importance or NaN floor, naming it.
    pub fn validate(&self, tasks: usize) -> Result<(), ConfigError> {
        super::formula::check_values("importance", &self.importance, tasks, 0.0)?;
        if self.floors.len() != tasks {
            return Err(ConfigError::new(
                "floor",
                format!("{} floors for {tasks} tasks", self.floors.len()),
            ));
        }
        if let Some(k) = self
            .floors
            .iter()
            .position(|f| f.is_some_and(|v| !v.is_finite()))
        {
            return Err(ConfigError::new(
                format!("floor[{k}]"),
                "is not a finite number",
            ));
        }
        Ok(())
    }

    /// Scores `formula` on `predictions`.
    ///
    /// # Errors
    /// Invalid inputs, a formula undefined on some score, a fused score equal on every row
    /// (a degenerate ranking; searches skip such candidates), or a task whose quality is
    /// undefined (one class only, or fewer than two labelled rows).
    pub fn evaluate(
        &self,
        formula: &FusionFormula,
        predictions: &Predictions,
    ) -> Result<Evaluated, ConfigError> {
        self.validate(predictions.tasks.len())?;
        let fused = formula.fuse_all(&predictions.scores)?;
        self.evaluate_scores(formula.name(), &fused, predictions)
    }

    /// Scores a ranking of `predictions`' rows by `fused` (any fusion's output, e.g. an LTR
    /// model's); `name` names it in errors.
    ///
    /// # Errors
    /// As [`Self::evaluate`].
    pub fn evaluate_scores(
        &self,
        name: &str,
        fused: &[f64],
        predictions: &Predictions,
    ) -> Result<Evaluated, ConfigError> {
        self.validate(predictions.tasks.len())?;
        if fused.iter().any(|f| f.is_nan()) {
            return Err(ConfigError::new(name, "the fused score is NaN on some row"));
        }
        if fused.iter().all(|&f| f == fused[0]) {
            // Every AUC would be 0.5 and every τ-b undefined: a ranking that ranks nothing.
            return Err(ConfigError::new(
                name,
                "the fused score is the same for every row (all weights or exponents zero?)",
            ));
        }
        let qualities = (0..predictions.tasks.len())
            .map(|task| {
                ranking_quality(fused, &predictions.labels[task], predictions.kinds[task])
                    .ok_or_else(|| {
                        ConfigError::new(
                            format!("predictions.{}_label", predictions.tasks[task]),
                            "the quality is undefined: one class only or fewer than two \
                             labelled rows",
                        )
                    })
            })
            .collect::<Result<Vec<f64>, _>>()?;
        Ok(self.combine(qualities))
    }

    /// The objective of given per-task qualities.
    pub fn combine(&self, qualities: Vec<f64>) -> Evaluated {
        let mut objective = 0.0;
        let mut feasible = true;
        for (k, &q) in qualities.iter().enumerate() {
            objective += self.importance[k] * q;
            if let Some(floor) = self.floors[k]
                && q < floor
            {
                feasible = false;
                objective -= FLOOR_PENALTY * (floor - q);
            }
        }
        Evaluated {
            qualities,
            objective,
            feasible,
        }
    }
}

/// The quality of ranking by `fused` for one task: AUC (binary) or Kendall's τ-b (regression)
/// over the rows with a label. `None` where undefined.
pub fn ranking_quality(fused: &[f64], labels: &[Option<f64>], kind: TaskKind) -> Option<f64> {
    let (scores, seen): (Vec<f64>, Vec<f64>) = fused
        .iter()
        .zip(labels)
        .filter_map(|(&s, l)| l.map(|l| (s, l)))
        .unzip();
    match kind {
        TaskKind::Binary => {
            // AUC depends only on the order, so hand `metrics::auc` (f32) the dense ranks of the
            // fused scores: exact in f32 up to 2^24 rows, where casting the scores themselves
            // could merge close products into false ties.
            let ranks = dense_ranks(&scores);
            let labels: Vec<f32> = seen.iter().map(|&l| l as f32).collect();
            auc(&ranks, &labels)
        }
        TaskKind::Regression => kendall_tau_b(&scores, &seen),
    }
}

/// Dense ranks (0, 1, 2, …; equal values share one) as `f32`.
fn dense_ranks(values: &[f64]) -> Vec<f32> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut rank = 0u32;
    for (position, &i) in order.iter().enumerate() {
        if position > 0 && values[i] != values[order[position - 1]] {
            rank += 1;
        }
        ranks[i] = rank as f32;
    }
    ranks
}

/// Kendall's τ-b (Kendall 1945, the tie-corrected form): (C − D) / √((n₀ − n₁)(n₀ − n₂)), with C
/// and D the concordant and discordant pairs, n₀ = n(n − 1)/2 and n₁, n₂ the pairs tied in `x`
/// and in `y`. O(n²): fine for the few thousand test rows a run writes. `None` with fewer than
/// two items, different lengths, or a constant `x` or `y`.
pub fn kendall_tau_b(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len();
    if n < 2 || y.len() != n {
        return None;
    }
    let (mut concordant, mut discordant, mut tied_x, mut tied_y) = (0u64, 0u64, 0u64, 0u64);
    for i in 0..n {
        for j in i + 1..n {
            let dx = x[i] - x[j];
            let dy = y[i] - y[j];
            if dx == 0.0 {
                tied_x += 1;
            }
            if dy == 0.0 {
                tied_y += 1;
            }
            if dx * dy > 0.0 {
                concordant += 1;
            } else if dx * dy < 0.0 {
                discordant += 1;
            }
        }
    }
    let pairs = (n * (n - 1) / 2) as u64;
    let denominator = (((pairs - tied_x) as f64) * ((pairs - tied_y) as f64)).sqrt();
    (denominator > 0.0).then(|| (concordant as f64 - discordant as f64) / denominator)
}
