//! 2-D toy objective pairs for seeing what each method does: the parameters are the point
//! itself, so a method's trajectory can be drawn over the objectives' contours.

mod dual;

use crate::Registry;
use crate::data::{TaskKind, TaskSpec};
use crate::error::ConfigError;
use crate::weighting::adam::HostAdam;
use crate::weighting::{
    MethodContext, Weighting, WeightingConfig, aggregate::Gram, aggregate::min_norm_weights,
    aggregate_rows,
};
use dual::Dual;
use serde::{Deserialize, Serialize};

/// A pair of objectives over R².
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ToyObjective {
    /// The toy of CAGrad (Liu, Liu, Jin, Stone & Liu, NeurIPS 2021, Figure 1; the same toy
    /// illustrates Nash-MTL and FAMO): two objectives with a long, curved valley whose
    /// gradients conflict and differ in magnitude.
    Cagrad,
    /// The concave pair of Pareto MTL (Lin, Zhen, Li, Zhang & Kwong, NeurIPS 2019):
    /// f₁,₂(x) = 1 − exp(−Σᵢ (xᵢ ∓ 1/√n)²), n = 2; Pareto set: the segment from
    /// (−1/√2, −1/√2) to (1/√2, 1/√2).
    Concave,
}

/// The lower clamp inside the CAGrad toy's logarithms (its reference code's `LOWER`).
const LOWER: f64 = 0.000_005;

impl ToyObjective {
    /// `cagrad` or `concave`.
    pub fn id(self) -> &'static str {
        match self {
            ToyObjective::Cagrad => "cagrad",
            ToyObjective::Concave => "concave",
        }
    }

    /// By id.
    ///
    /// # Errors
    /// An unknown id.
    pub fn from_id(id: &str) -> Result<Self, ConfigError> {
        match id {
            "cagrad" => Ok(ToyObjective::Cagrad),
            "concave" => Ok(ToyObjective::Concave),
            other => Err(ConfigError::new(
                "objective",
                format!("unknown objective `{other}`; known: cagrad, concave"),
            )),
        }
    }

    /// The start points its paper uses (CAGrad: its three; concave: three of our choosing on
    /// both sides of the Pareto set).
    pub fn start_points(self) -> Vec<[f64; 2]> {
        match self {
            ToyObjective::Cagrad => vec![[-8.5, 7.5], [0.0, 0.0], [9.0, 9.0]],
            ToyObjective::Concave => vec![[-1.5, 0.5], [1.0, -1.2], [0.2, 1.4]],
        }
    }

    /// The plotting window `[x_min, x_max, y_min, y_max]`.
    pub fn window(self) -> [f64; 4] {
        match self {
            ToyObjective::Cagrad => [-10.0, 10.0, -10.0, 10.0],
            ToyObjective::Concave => [-2.0, 2.0, -2.0, 2.0],
        }
    }

    /// Both objectives with their gradients at `point`.
    pub fn evaluate(self, point: [f64; 2]) -> [Dual; 2] {
        let x1 = Dual::variable(point[0], 0);
        let x2 = Dual::variable(point[1], 1);
        match self {
            ToyObjective::Cagrad => {
                // The reference implementation, term by term.
                let f1 = ((-x1 - Dual::constant(7.0)).scale(0.5) - (-x2).tanh())
                    .abs()
                    .clamp_min(LOWER)
                    .ln()
                    + 6.0;
                let f2 = (((-x1 + 3.0).scale(0.5) + (-x2).tanh()) + 2.0)
                    .abs()
                    .clamp_min(LOWER)
                    .ln()
                    + 6.0;
                let c1 = x2.scale(0.5).tanh().clamp_min(0.0);
                let f1_square = ((-x1 + 7.0).square()
                    + (-x2 - Dual::constant(8.0)).square().scale(0.1))
                .scale(0.1)
                    + -20.0;
                let f2_square = ((-x1 - Dual::constant(7.0)).square()
                    + (-x2 - Dual::constant(8.0)).square().scale(0.1))
                .scale(0.1)
                    + -20.0;
                let c2 = (-x2).scale(0.5).tanh().clamp_min(0.0);
                [f1 * c1 + f1_square * c2, f2 * c1 + f2_square * c2]
            }
            ToyObjective::Concave => {
                let shift = 1.0 / 2f64.sqrt();
                let f = |sign: f64| {
                    let distance = (x1 + -sign * shift).square() + (x2 + -sign * shift).square();
                    -(-distance).exp() + 1.0
                };
                [f(1.0), f(-1.0)]
            }
        }
    }

    /// Both objectives' values at `point`.
    pub fn values(self, point: [f64; 2]) -> [f64; 2] {
        let [f1, f2] = self.evaluate(point);
        [f1.value, f2.value]
    }

    /// The Pareto set, as points ordered along it. Concave: the segment between the two
    /// minima, in 201 points. CAGrad: traced numerically — for x₁ every `dx1` over (−7, 7),
    /// the x₂ in [−10, −6] where the two gradients are anti-parallel (their cross product
    /// changes sign while their inner product is negative), refined by bisection; a scan of
    /// all of [−10, 10]² finds no other Pareto-stationary curve (the test checks it).
    pub fn pareto_set(self, dx1: f64) -> Vec<[f64; 2]> {
        match self {
            ToyObjective::Concave => {
                let end = 1.0 / 2f64.sqrt();
                (0..=200)
                    .map(|i| {
                        let t = -end + 2.0 * end * f64::from(i) / 200.0;
                        [t, t]
                    })
                    .collect()
            }
            ToyObjective::Cagrad => {
                let cross = |x1: f64, x2: f64| {
                    let [f1, f2] = self.evaluate([x1, x2]);
                    let (a, b) = (f1.gradient, f2.gradient);
                    (a[0] * b[1] - a[1] * b[0], a[0] * b[0] + a[1] * b[1])
                };
                let mut points = Vec::new();
                let mut x1 = -7.0 + dx1.min(0.01);
                while x1 < 7.0 {
                    let mut x2 = -10.0;
                    while x2 < -6.0 {
                        let (c_low, _) = cross(x1, x2);
                        let (c_high, dot) = cross(x1, x2 + 0.01);
                        if (c_low > 0.0) != (c_high > 0.0) && dot < 0.0 {
                            let (mut low, mut high) = (x2, x2 + 0.01);
                            for _ in 0..50 {
                                let middle = 0.5 * (low + high);
                                if (cross(x1, middle).0 > 0.0) == (c_low > 0.0) {
                                    low = middle;
                                } else {
                                    high = middle;
                                }
                            }
                            points.push([x1, 0.5 * (low + high)]);
                        }
                        x2 += 0.01;
                    }
                    x1 += dx1;
                }
                points
            }
        }
    }

    /// ||min-norm convex combination of the two gradients||: zero exactly at Pareto-stationary
    /// points.
    pub fn stationarity(self, point: [f64; 2]) -> f64 {
        let [f1, f2] = self.evaluate(point);
        let rows = vec![f1.gradient.to_vec(), f2.gradient.to_vec()];
        let gram = Gram::of(&rows);
        gram.quadratic(&min_norm_weights(&gram, 100, 1e-12))
            .max(0.0)
            .sqrt()
    }
}

/// A method's path on a toy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToyRun {
    /// The objective.
    pub objective: ToyObjective,
    /// The start point.
    pub start: [f64; 2],
    /// Points every `record_every` steps, the start first and the end last.
    pub trajectory: Vec<[f64; 2]>,
    /// Objective values at the same points.
    pub values: Vec<[f64; 2]>,
    /// The last point.
    pub final_point: [f64; 2],
    /// The objectives there.
    pub final_values: [f64; 2],
    /// Norm of the min-norm combination of the gradients there (0: Pareto-stationary).
    pub final_stationarity: f64,
}

/// Settings of a toy run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ToySettings {
    /// Optimisation steps.
    pub steps: usize,
    /// Adam's learning rate (the CAGrad toy's reference code uses 0.001).
    pub learning_rate: f64,
    /// Record a trajectory point every this many steps.
    pub record_every: usize,
}

impl Default for ToySettings {
    fn default() -> Self {
        Self {
            steps: 100_000,
            learning_rate: 0.001,
            record_every: 100,
        }
    }
}

/// Runs `method` on `objective` from `start` with Adam on the method's direction.
///
/// # Errors
/// A method whose direction becomes non-finite (e.g. a log of a negative objective value).
pub fn run_toy(
    objective: ToyObjective,
    method: &mut dyn Weighting,
    start: [f64; 2],
    settings: ToySettings,
) -> Result<ToyRun, String> {
    let mut point = start;
    let mut adam = HostAdam::new(2, settings.learning_rate);
    let mut trajectory = vec![start];
    let mut values = vec![values_at(objective, start)];
    for step in 0..settings.steps {
        let [f1, f2] = objective.evaluate(point);
        let rows = vec![f1.gradient.to_vec(), f2.gradient.to_vec()];
        let aggregation = aggregate_rows(method, &rows, &[f1.value, f2.value], step)?;
        let direction = &aggregation.direction;
        if direction.iter().any(|d| !d.is_finite()) {
            return Err(format!(
                "the direction is not finite at step {step}, point {point:?}"
            ));
        }
        // Adam, as in the toy's reference code.
        adam.step(&mut point, direction);
        if (step + 1) % settings.record_every.max(1) == 0 || step + 1 == settings.steps {
            trajectory.push(point);
            values.push(values_at(objective, point));
        }
    }
    Ok(ToyRun {
        objective,
        start,
        final_point: point,
        final_values: values_at(objective, point),
        final_stationarity: objective.stationarity(point),
        trajectory,
        values,
    })
}

fn values_at(objective: ToyObjective, point: [f64; 2]) -> [f64; 2] {
    objective.values(point)
}

/// Builds weighting method `id` for `tasks` tasks named `task1`, `task2`, … (regression), as
/// the toys and `seesaw aggregate` use it.
///
/// # Errors
/// An unknown id, or settings that do not fit.
pub fn method_by_id(
    id: &str,
    tasks: usize,
    seed: u64,
    learning_rate: f64,
) -> Result<Box<dyn Weighting>, String> {
    let config = WeightingConfig::from_id(id).map_err(|e| e.to_string())?;
    let tasks = (1..=tasks)
        .map(|k| TaskSpec {
            name: format!("task{k}"),
            kind: TaskKind::Regression,
            dim: 1,
            follows: None,
        })
        .collect();
    config
        .build(&MethodContext {
            tasks,
            seed,
            learning_rate,
        })
        .map_err(|e| e.to_string())
}

/// Several methods from several start points on one toy: what `seesaw toy` runs for one
/// method and the page's toy view for several.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToyRequest {
    /// The objective pair.
    pub objective: ToyObjective,
    /// Method ids.
    pub methods: Vec<String>,
    /// Start points.
    pub starts: Vec<[f64; 2]>,
    /// Steps, ≥ 1.
    pub steps: usize,
    /// Adam's learning rate, in (0, 10].
    pub learning_rate: f64,
    /// Record a point every this many steps.
    pub record_every: usize,
    /// Seed of methods that draw random numbers.
    pub seed: u64,
}

/// One method's runs, one per start point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToyMethodRuns {
    /// The method id.
    pub method: String,
    /// Its run from each start, in the request's order.
    pub runs: Vec<ToyRun>,
}

/// Runs `request` (each run with a fresh method state).
///
/// # Errors
/// Bad steps or learning rate, an unknown method, a direction that became non-finite.
pub fn run_request(request: &ToyRequest) -> Result<Vec<ToyMethodRuns>, String> {
    if request.steps == 0 || !(request.learning_rate > 0.0 && request.learning_rate <= 10.0) {
        return Err("steps must be at least 1 and the learning rate in (0, 10]".into());
    }
    let settings = ToySettings {
        steps: request.steps,
        learning_rate: request.learning_rate,
        record_every: request.record_every.max(1),
    };
    request
        .methods
        .iter()
        .map(|id| {
            let runs = request
                .starts
                .iter()
                .map(|&start| {
                    let mut method = method_by_id(id, 2, request.seed, request.learning_rate)?;
                    run_toy(request.objective, method.as_mut(), start, settings)
                        .map_err(|e| format!("{id}: {e}"))
                })
                .collect::<Result<Vec<_>, String>>()?;
            Ok(ToyMethodRuns {
                method: id.clone(),
                runs,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
