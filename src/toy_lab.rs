//! The 2-D toy view's state: the objective pair, the methods and start points picked, the
//! request sent to the worker (the core's `toy::run_request`, the same `seesaw toy` runs) and
//! its result. Pure, tested natively; `web::toy` draws it.

use crate::protocol::ToWorker;
use seesaw_core::toy::{ToyMethodRuns, ToyObjective, ToyRequest, ToySettings};

/// The methods the view offers (each defined on two gradients), in menu order.
pub const TOY_METHODS: [&str; 8] = [
    "equal",
    "mgda",
    "pcgrad",
    "cagrad",
    "nash-mtl",
    "imtl",
    "aligned-mtl",
    "upgrad",
];

/// The methods ticked at first: the ones CAGrad's Figure 1 compares.
pub const DEFAULT_METHODS: [&str; 5] = ["equal", "mgda", "pcgrad", "cagrad", "nash-mtl"];

/// A point is on the Pareto set when the min-norm combination of the gradients there is
/// shorter than this.
pub const STATIONARY: f64 = 1e-3;

/// Where the view stands.
#[derive(Debug, Clone, PartialEq)]
pub enum ToyPhase {
    /// Nothing run yet (or the inputs changed).
    Idle,
    /// The worker runs request `id`.
    Running(u32),
    /// The runs.
    Done(Vec<ToyMethodRuns>),
    /// Why they failed.
    Failed(String),
}

/// The toy view's state.
#[derive(Debug, Clone, PartialEq)]
pub struct ToyLab {
    /// The objective pair.
    pub objective: ToyObjective,
    /// The methods ticked.
    pub methods: Vec<String>,
    /// The start points.
    pub starts: Vec<[f64; 2]>,
    /// Steps per run.
    pub steps: usize,
    /// Where it stands.
    pub phase: ToyPhase,
    next_id: u32,
}

impl Default for ToyLab {
    fn default() -> Self {
        Self::new(ToyObjective::Cagrad)
    }
}

impl ToyLab {
    /// The view on `objective` with its paper's start points and the default methods, at the
    /// paper's 100,000 steps.
    pub fn new(objective: ToyObjective) -> Self {
        Self {
            objective,
            methods: DEFAULT_METHODS.iter().map(|m| m.to_string()).collect(),
            starts: objective.start_points(),
            steps: ToySettings::default().steps,
            phase: ToyPhase::Idle,
            next_id: 1,
        }
    }

    /// Another objective: its own start points; the result is dropped.
    pub fn set_objective(&mut self, objective: ToyObjective) {
        if objective != self.objective {
            self.objective = objective;
            self.starts = objective.start_points();
            self.phase = ToyPhase::Idle;
        }
    }

    /// Ticks or unticks `method`.
    pub fn toggle(&mut self, method: &str) {
        if let Some(i) = self.methods.iter().position(|m| m == method) {
            self.methods.remove(i);
        } else {
            self.methods.push(method.to_string());
        }
    }

    /// Adds a start point (a click on the view), clamped to the window.
    pub fn add_start(&mut self, point: [f64; 2]) {
        let [x0, x1, y0, y1] = self.objective.window();
        self.starts
            .push([point[0].clamp(x0, x1), point[1].clamp(y0, y1)]);
    }

    /// The message that runs the methods from the starts, and marks the view running.
    ///
    /// # Errors
    /// No method or no start point.
    pub fn start(&mut self) -> Result<ToWorker, String> {
        if self.methods.is_empty() {
            return Err("tick at least one method".into());
        }
        if self.starts.is_empty() {
            return Err("click the view to add a start point".into());
        }
        let id = self.next_id;
        self.next_id += 1;
        self.phase = ToyPhase::Running(id);
        let steps = self.steps.max(1);
        Ok(ToWorker::Toy {
            id,
            request: Box::new(ToyRequest {
                objective: self.objective,
                methods: self.methods.clone(),
                starts: self.starts.clone(),
                steps,
                learning_rate: ToySettings::default().learning_rate,
                // About 200 points per trajectory, whatever the step count.
                record_every: (steps / 200).max(1),
                seed: 7,
            }),
        })
    }

    /// The worker's answer to request `id` (a stale one is dropped).
    pub fn receive(&mut self, id: u32, result: Result<Vec<ToyMethodRuns>, String>) {
        if self.phase == ToyPhase::Running(id) {
            self.phase = match result {
                Ok(runs) => ToyPhase::Done(runs),
                Err(message) => ToyPhase::Failed(message),
            };
        }
    }
}

/// Both objectives' values on an `n × n` grid over the objective's window, row-major from the
/// bottom-left corner: `[f₁ grid, f₂ grid]`.
pub fn value_grids(objective: ToyObjective, n: usize) -> [Vec<f64>; 2] {
    let [x0, x1, y0, y1] = objective.window();
    let mut grids = [Vec::with_capacity(n * n), Vec::with_capacity(n * n)];
    for row in 0..n {
        for column in 0..n {
            let x = x0 + (x1 - x0) * column as f64 / (n - 1) as f64;
            let y = y0 + (y1 - y0) * row as f64 / (n - 1) as f64;
            let [f1, f2] = objective.values([x, y]);
            grids[0].push(f1);
            grids[1].push(f2);
        }
    }
    grids
}

/// `count` contour levels at evenly spaced quantiles of `values` (so a valley as deep as the
/// CAGrad toy's still gets lines where the eye looks).
pub fn levels(values: &[f64], count: usize) -> Vec<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return Vec::new();
    }
    (1..=count)
        .map(|i| sorted[(sorted.len() - 1) * i / (count + 1)])
        .collect()
}

/// The contour of `grid` (`n × n`, row-major) at `level` by marching squares: line segments
/// `[x₀, y₀, x₁, y₁]` in grid units (column, row), linearly interpolated along cell edges; a
/// saddle cell joins its crossings in edge order.
pub fn contour(grid: &[f64], n: usize, level: f64) -> Vec<[f64; 4]> {
    let mut segments = Vec::new();
    let at = |column: usize, row: usize| grid[row * n + column];
    for row in 0..n.saturating_sub(1) {
        for column in 0..n.saturating_sub(1) {
            // Corners counter-clockwise from the bottom-left; edge i joins corner i and i + 1.
            let corners = [
                (column as f64, row as f64, at(column, row)),
                ((column + 1) as f64, row as f64, at(column + 1, row)),
                (
                    (column + 1) as f64,
                    (row + 1) as f64,
                    at(column + 1, row + 1),
                ),
                (column as f64, (row + 1) as f64, at(column, row + 1)),
            ];
            let mut crossings = Vec::new();
            for i in 0..4 {
                let (xa, ya, va) = corners[i];
                let (xb, yb, vb) = corners[(i + 1) % 4];
                if (va < level) != (vb < level) {
                    let t = (level - va) / (vb - va);
                    crossings.push([xa + t * (xb - xa), ya + t * (yb - ya)]);
                }
            }
            for pair in crossings.chunks_exact(2) {
                segments.push([pair[0][0], pair[0][1], pair[1][0], pair[1][1]]);
            }
        }
    }
    segments
}

/// Where a final point lies: on the Pareto set or not, and its position along the set
/// (0 = one end, 1 = the other, from `pareto`'s order) when it is on it.
pub fn placement(objective: ToyObjective, pareto: &[[f64; 2]], point: [f64; 2]) -> Option<f64> {
    if objective.stationarity(point) >= STATIONARY || pareto.len() < 2 {
        return None;
    }
    let nearest = pareto
        .iter()
        .enumerate()
        .min_by(|a, b| {
            let d = |p: &[f64; 2]| (p[0] - point[0]).powi(2) + (p[1] - point[1]).powi(2);
            d(a.1).total_cmp(&d(b.1))
        })
        .map_or(0, |(i, _)| i);
    Some(nearest as f64 / (pareto.len() - 1) as f64)
}

/// The "what happened" of the toy lesson: per method, how many runs stalled off the Pareto
/// set and where along it the others ended; then whether CAGrad's Figure 1 held (equal
/// weighting stalls, CAGrad reaches the middle).
pub fn toy_outcome(objective: ToyObjective, pareto: &[[f64; 2]], runs: &[ToyMethodRuns]) -> String {
    let mut parts = Vec::new();
    let mut equal_stalled = None;
    let mut cagrad_middle = None;
    for method in runs {
        let places: Vec<Option<f64>> = method
            .runs
            .iter()
            .map(|run| placement(objective, pareto, run.final_point))
            .collect();
        let stalled = places.iter().filter(|p| p.is_none()).count();
        let on: Vec<String> = places
            .iter()
            .flatten()
            .map(|p| format!("{:.0} %", p * 100.0))
            .collect();
        let middle = places
            .iter()
            .all(|p| p.is_some_and(|p| (0.35..=0.65).contains(&p)));
        match method.method.as_str() {
            "equal" => equal_stalled = Some(stalled),
            "cagrad" => cagrad_middle = Some(middle),
            _ => {}
        }
        parts.push(if on.is_empty() {
            format!(
                "{}: all {} runs stalled off the Pareto set",
                method.method,
                places.len()
            )
        } else if stalled > 0 {
            format!(
                "{}: {stalled} of {} stalled off the Pareto set, the rest ended at {} along it",
                method.method,
                places.len(),
                on.join(", ")
            )
        } else {
            format!(
                "{}: every run reached the Pareto set, at {} along it",
                method.method,
                on.join(", ")
            )
        });
    }
    let verdict = match (equal_stalled, cagrad_middle) {
        (Some(stalled), Some(true)) if stalled > 0 => {
            " As CAGrad's Figure 1 shows: equal weighting stalled in the valley, CAGrad reached \
             the middle of the Pareto set from every start."
                .to_string()
        }
        (Some(_), Some(middle)) => format!(
            " Not quite CAGrad's Figure 1: {}{}.",
            if equal_stalled == Some(0) {
                "equal weighting reached the Pareto set from every start"
            } else {
                "equal weighting stalled"
            },
            if middle {
                ", and CAGrad reached the middle"
            } else {
                ", and CAGrad did not end in the middle from every start"
            }
        ),
        _ => String::new(),
    };
    format!(
        "Where each run ended (0 % and 100 % are the two ends of the Pareto set, 50 % its \
         middle): {}.{verdict}",
        parts.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use seesaw_core::toy::ToyRun;

    fn run_ending_at(objective: ToyObjective, point: [f64; 2]) -> ToyRun {
        ToyRun {
            objective,
            start: point,
            trajectory: vec![point],
            values: vec![objective.values(point)],
            final_point: point,
            final_values: objective.values(point),
            final_stationarity: objective.stationarity(point),
        }
    }

    #[test]
    fn marching_squares_traces_a_circle() {
        // f = x² + y² on [−1, 1]², 41 × 41: the level 0.25 is the circle of radius 0.5.
        let n = 41;
        let grid: Vec<f64> = (0..n * n)
            .map(|i| {
                let (x, y) = ((i % n) as f64 / 20.0 - 1.0, (i / n) as f64 / 20.0 - 1.0);
                x * x + y * y
            })
            .collect();
        let segments = contour(&grid, n, 0.25);
        assert!(segments.len() > 30, "{}", segments.len());
        for s in &segments {
            for (x, y) in [(s[0], s[1]), (s[2], s[3])] {
                let r = ((x / 20.0 - 1.0).powi(2) + (y / 20.0 - 1.0).powi(2)).sqrt();
                assert!((r - 0.5).abs() < 0.01, "radius {r}");
            }
        }
        assert!(contour(&grid, n, 5.0).is_empty(), "no level above the grid");
        let quantiles = levels(&[3.0, 1.0, 2.0, 4.0, 5.0], 1);
        assert_eq!(quantiles, vec![3.0]);
        let [f1, f2] = value_grids(ToyObjective::Concave, 5);
        assert_eq!(f1.len(), 25);
        assert_eq!(
            f1[12],
            ToyObjective::Concave.values([0.0, 0.0])[0],
            "the centre"
        );
        assert!(
            f2[0] > 0.9,
            "far from f₂'s minimum at the bottom-left? {}",
            f2[0]
        );
    }

    #[test]
    fn the_view_builds_its_request_and_drops_stale_answers() {
        let mut lab = ToyLab::default();
        assert_eq!(lab.starts, ToyObjective::Cagrad.start_points());
        lab.add_start([50.0, -3.0]);
        assert_eq!(
            lab.starts.last(),
            Some(&[10.0, -3.0]),
            "clamped to the window"
        );
        lab.toggle("mgda");
        lab.toggle("upgrad");
        lab.steps = 1000;
        let ToWorker::Toy { id, request } = lab.start().unwrap() else {
            panic!("a Toy message")
        };
        assert_eq!(
            request.methods,
            ["equal", "pcgrad", "cagrad", "nash-mtl", "upgrad"]
        );
        assert_eq!(request.starts.len(), 4);
        assert_eq!(request.record_every, 5);
        lab.receive(id + 1, Err("stale".into()));
        assert_eq!(lab.phase, ToyPhase::Running(id));
        lab.receive(id, Ok(Vec::new()));
        assert_eq!(lab.phase, ToyPhase::Done(Vec::new()));
        lab.set_objective(ToyObjective::Concave);
        assert_eq!(lab.starts, ToyObjective::Concave.start_points());
        assert_eq!(lab.phase, ToyPhase::Idle);
        lab.methods.clear();
        assert!(lab.start().unwrap_err().contains("method"));
    }

    #[test]
    fn the_outcome_says_where_runs_ended_and_checks_the_figure() {
        let objective = ToyObjective::Concave;
        let pareto = objective.pareto_set(0.05);
        let end = 1.0 / 2f64.sqrt();
        let runs = |equal: Vec<[f64; 2]>, cagrad: Vec<[f64; 2]>| {
            vec![
                ToyMethodRuns {
                    method: "equal".into(),
                    runs: equal
                        .into_iter()
                        .map(|p| run_ending_at(objective, p))
                        .collect(),
                },
                ToyMethodRuns {
                    method: "cagrad".into(),
                    runs: cagrad
                        .into_iter()
                        .map(|p| run_ending_at(objective, p))
                        .collect(),
                },
            ]
        };
        // Equal weighting: one run off the set ((1, −1) is not stationary), one at an end.
        let held = runs(
            vec![[1.0, -1.0], [end, end]],
            vec![[0.0, 0.0], [0.05, 0.05]],
        );
        let text = toy_outcome(objective, &pareto, &held);
        assert!(
            text.contains("equal: 1 of 2 stalled off the Pareto set, the rest ended at 100 %"),
            "{text}"
        );
        assert!(
            text.contains("cagrad: every run reached the Pareto set, at 50 %, 54 %"),
            "{text}"
        );
        assert!(text.contains("As CAGrad's Figure 1 shows"), "{text}");
        let failed = runs(vec![[end, end]], vec![[-end, -end]]);
        let text = toy_outcome(objective, &pareto, &failed);
        assert!(text.contains("Not quite CAGrad's Figure 1"), "{text}");
        assert!(text.contains("did not end in the middle"), "{text}");
        assert_eq!(placement(objective, &pareto, [1.0, -1.0]), None);
    }
}
