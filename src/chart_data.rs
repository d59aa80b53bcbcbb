//! What the charts draw, accumulated from the worker's reports: one [`Series`] per task and
//! quantity, the latest gate utilisation, and the seesaw trajectory.

use crate::seesaw::Trajectory;
use crate::series::Series;
use seesaw_core::metrics::Metric;
use seesaw_core::train::{GateUtilisation, HistoryEntry, RunConfig};

/// Points kept per line (a long run halves its resolution instead of growing).
const CAPACITY: usize = 2048;

/// Chart data of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Charts {
    /// Task names.
    pub tasks: Vec<String>,
    /// Metric name per task (`auc`, `mse`), once the first report came.
    pub metric_names: Vec<Metric>,
    /// Training loss per task (report windows).
    pub train_loss: Vec<Series>,
    /// Validation loss per task.
    pub validation_loss: Vec<Series>,
    /// Validation metric per task.
    pub metric: Vec<Series>,
    /// Mean task weight per task.
    pub weights: Vec<Series>,
    /// Gradient cosine per task pair `(i, j)`, `i < j`.
    pub cosine: Vec<((usize, usize), Series)>,
    /// The latest gate utilisation (empty for architectures without gates).
    pub gates: Vec<GateUtilisation>,
    /// The baselines' validation metric per task.
    pub baseline_metric: Vec<Series>,
    /// Gains over the baselines, report by report.
    pub trajectory: Trajectory,
    /// Bumped by every change, so the page redraws only when there is something new.
    pub version: u64,
}

impl Charts {
    /// Empty charts for `config`'s tasks.
    pub fn new(config: &RunConfig) -> Self {
        let tasks: Vec<String> = config.dataset.tasks().into_iter().map(|t| t.name).collect();
        let lines = || vec![Series::new(CAPACITY); tasks.len()];
        let cosine = (0..tasks.len())
            .flat_map(|i| (i + 1..tasks.len()).map(move |j| (i, j)))
            .map(|pair| (pair, Series::new(CAPACITY)))
            .collect();
        Self {
            metric_names: Vec::new(),
            train_loss: lines(),
            validation_loss: lines(),
            metric: lines(),
            weights: lines(),
            baseline_metric: lines(),
            cosine,
            gates: Vec::new(),
            trajectory: Trajectory::default(),
            version: 0,
            tasks,
        }
    }

    /// Adds a report of the multi-task model.
    pub fn add_report(&mut self, entry: &HistoryEntry) {
        self.version += 1;
        let x = entry.step as f64;
        for (series, &loss) in self.train_loss.iter_mut().zip(&entry.train_loss) {
            series.push(x, loss);
        }
        for (series, &weight) in self.weights.iter_mut().zip(&entry.weights) {
            series.push(x, weight);
        }
        for (k, task) in entry.validation.iter().enumerate() {
            if let Some(series) = self.validation_loss.get_mut(k) {
                series.push(x, task.loss);
            }
            if let (Some(series), Some(value)) = (self.metric.get_mut(k), task.value) {
                series.push(x, value);
            }
        }
        self.metric_names = entry.validation.iter().map(|t| t.metric).collect();
        for ((i, j), series) in &mut self.cosine {
            if let Some(&c) = entry.gradient_cosine.get(*i).and_then(|row| row.get(*j)) {
                series.push(x, c);
            }
        }
        self.gates = entry
            .gates
            .iter()
            .map(|gate| GateUtilisation {
                name: self.gate_label(&gate.name),
                ..gate.clone()
            })
            .collect();
        self.trajectory
            .add_multi_task(entry.step, entry.validation.clone());
    }

    /// The core names task gates by position (`task2`); the page shows the dataset's task
    /// names (`conversion`). Other gates (`shared`, `shared level 1`) keep their names.
    fn gate_label(&self, name: &str) -> String {
        name.strip_prefix("task")
            .and_then(|k| k.parse::<usize>().ok())
            .and_then(|k| self.tasks.get(k.checked_sub(1)?))
            .cloned()
            .unwrap_or_else(|| name.to_string())
    }

    /// Adds a report of the single-task baselines.
    pub fn add_baseline(&mut self, entry: &HistoryEntry) {
        self.version += 1;
        for (k, task) in entry.validation.iter().enumerate() {
            if let (Some(series), Some(value)) = (self.baseline_metric.get_mut(k), task.value) {
                series.push(entry.step as f64, value);
            }
        }
        self.trajectory
            .add_baseline(entry.step, entry.validation.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use seesaw_core::Registry;
    use seesaw_core::data::DatasetConfig;

    #[test]
    fn task_gates_take_the_datasets_task_names() {
        let config = RunConfig {
            dataset: DatasetConfig::from_id("funnel").unwrap(),
            ..RunConfig::default()
        };
        let mut charts = Charts::new(&config);
        let gate = |name: &str| GateUtilisation {
            name: name.into(),
            mean: vec![0.5, 0.5],
            std: vec![0.0, 0.0],
        };
        charts.add_report(&HistoryEntry {
            step: 1,
            train_loss: vec![1.0, 1.0],
            weights: vec![1.0, 1.0],
            validation: Vec::new(),
            gates: vec![
                gate("shared level 1"),
                gate("task1"),
                gate("task2"),
                gate("task9"),
            ],
            gradient_cosine: Vec::new(),
        });
        let names: Vec<&str> = charts.gates.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["shared level 1", "click", "conversion", "task9"]);
    }
}
