//! The seesaw quadrant: each task's gain over its single-task baseline, paired report by
//! report, so the run's path through "both better", "seesaw" and "both worse" can be drawn.

use seesaw_core::metrics::{Better, mtl_gain};
use seesaw_core::train::TaskEvaluation;
use std::collections::BTreeMap;

/// Where a pair of task gains falls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quadrant {
    /// Both tasks beat their baselines.
    BothBetter,
    /// One task gains while the other loses: the seesaw effect.
    Seesaw,
    /// Both tasks are worse than training them alone.
    BothWorse,
}

impl Quadrant {
    /// Of the gains (x, y); a gain of exactly zero counts as not worse.
    pub fn of(x: f64, y: f64) -> Quadrant {
        match (x >= 0.0, y >= 0.0) {
            (true, true) => Quadrant::BothBetter,
            (false, false) => Quadrant::BothWorse,
            _ => Quadrant::Seesaw,
        }
    }

    /// The label drawn in the plot.
    pub fn label(self) -> &'static str {
        match self {
            Quadrant::BothBetter => "both better",
            Quadrant::Seesaw => "seesaw",
            Quadrant::BothWorse => "both worse",
        }
    }
}

/// The multi-task metric's improvement over the baseline's, in percent of the baseline,
/// sign-corrected so that positive is better (as Δm). `None` when the baseline is 0.
pub fn relative_gain(multi_task: f64, baseline: f64, better: Better) -> Option<f64> {
    (baseline != 0.0 && multi_task.is_finite() && baseline.is_finite())
        .then(|| 100.0 * mtl_gain(multi_task, baseline, better) / baseline.abs())
}

/// Per-task gains of a report over the baselines' report at the same step.
pub fn gains(multi_task: &[TaskEvaluation], baseline: &[TaskEvaluation]) -> Vec<Option<f64>> {
    multi_task
        .iter()
        .zip(baseline)
        .map(|(m, b)| relative_gain(m.value?, b.value?, m.better))
        .collect()
}

/// Reports of both models by step, and the gains of every step both have reported.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trajectory {
    multi_task: BTreeMap<usize, Vec<TaskEvaluation>>,
    baseline: BTreeMap<usize, Vec<TaskEvaluation>>,
    points: Vec<(usize, Vec<Option<f64>>)>,
}

impl Trajectory {
    /// Adds the multi-task model's validation report at `step`.
    pub fn add_multi_task(&mut self, step: usize, evaluation: Vec<TaskEvaluation>) {
        self.multi_task.insert(step, evaluation);
        self.pair(step);
    }

    /// Adds the baselines' validation report at `step`.
    pub fn add_baseline(&mut self, step: usize, evaluation: Vec<TaskEvaluation>) {
        self.baseline.insert(step, evaluation);
        self.pair(step);
    }

    fn pair(&mut self, step: usize) {
        if let (Some(m), Some(b)) = (self.multi_task.get(&step), self.baseline.get(&step)) {
            let gains = gains(m, b);
            self.multi_task.remove(&step);
            self.baseline.remove(&step);
            let at = self.points.partition_point(|(s, _)| *s < step);
            self.points.insert(at, (step, gains));
        }
    }

    /// (step, per-task gains in %) for every step both models reported, in step order.
    pub fn points(&self) -> &[(usize, Vec<Option<f64>>)] {
        &self.points
    }

    /// The (x, y) path of tasks `a` and `b`.
    pub fn path(&self, a: usize, b: usize) -> Vec<(f64, f64)> {
        self.points
            .iter()
            .filter_map(|(_, gains)| Some(((*gains.get(a)?)?, (*gains.get(b)?)?)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evaluation(value: f64, better: Better) -> TaskEvaluation {
        TaskEvaluation {
            name: "t".into(),
            loss: 0.0,
            metric: match better {
                Better::Higher => seesaw_core::metrics::Metric::Auc,
                Better::Lower => seesaw_core::metrics::Metric::Mse,
            },
            value: Some(value),
            better,
            extra: Default::default(),
        }
    }

    #[test]
    fn quadrants_follow_the_signs() {
        assert_eq!(Quadrant::of(1.0, 2.0), Quadrant::BothBetter);
        assert_eq!(Quadrant::of(-1.0, 2.0), Quadrant::Seesaw);
        assert_eq!(Quadrant::of(1.0, -2.0), Quadrant::Seesaw);
        assert_eq!(Quadrant::of(-1.0, -0.5), Quadrant::BothWorse);
        assert_eq!(Quadrant::of(0.0, 0.0), Quadrant::BothBetter);
    }

    #[test]
    fn gains_are_sign_corrected_percentages() {
        // AUC 0.88 vs 0.80: +10 %. MSE 0.9 vs 1.0: lower is better, +10 %.
        assert!((relative_gain(0.88, 0.80, Better::Higher).unwrap() - 10.0).abs() < 1e-9);
        assert!((relative_gain(0.9, 1.0, Better::Lower).unwrap() - 10.0).abs() < 1e-9);
        assert!((relative_gain(1.2, 1.0, Better::Lower).unwrap() + 20.0).abs() < 1e-9);
        assert_eq!(relative_gain(1.0, 0.0, Better::Lower), None);
    }

    #[test]
    fn trajectory_pairs_reports_by_step_in_any_arrival_order() {
        let mut trajectory = Trajectory::default();
        trajectory.add_multi_task(
            50,
            vec![
                evaluation(0.9, Better::Higher),
                evaluation(2.0, Better::Lower),
            ],
        );
        assert!(trajectory.points().is_empty(), "no baseline at step 50 yet");
        trajectory.add_baseline(
            25,
            vec![
                evaluation(0.5, Better::Higher),
                evaluation(1.0, Better::Lower),
            ],
        );
        trajectory.add_baseline(
            50,
            vec![
                evaluation(0.75, Better::Higher),
                evaluation(1.0, Better::Lower),
            ],
        );
        trajectory.add_multi_task(
            25,
            vec![
                evaluation(0.6, Better::Higher),
                evaluation(0.5, Better::Lower),
            ],
        );
        let steps: Vec<usize> = trajectory.points().iter().map(|(s, _)| *s).collect();
        assert_eq!(steps, vec![25, 50]);
        let path = trajectory.path(0, 1);
        assert!((path[0].0 - 20.0).abs() < 1e-9 && (path[0].1 - 50.0).abs() < 1e-9);
        assert!((path[1].0 - 20.0).abs() < 1e-9 && (path[1].1 + 100.0).abs() < 1e-9);
        assert_eq!(Quadrant::of(path[1].0, path[1].1), Quadrant::Seesaw);
    }
}
