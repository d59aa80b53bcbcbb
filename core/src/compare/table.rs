//! The comparison's tables: one row per run, one row per configuration (mean ± std over seeds),
//! and both as CSV.

use super::grid::Labels;
use super::stats::MeanStd;
use crate::train::RunReport;
use serde::{Deserialize, Serialize};

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "status", content = "message")]
pub enum RunStatus {
    /// It trained its whole budget.
    Done,
    /// It was stopped early (its numbers are of the step it stopped at; not averaged in).
    Incomplete,
    /// It failed: a diverged loss, a lost device, a bad config.
    Failed(String),
}

impl RunStatus {
    /// `done`, `incomplete`, `failed`.
    pub fn id(&self) -> &'static str {
        match self {
            RunStatus::Done => "done",
            RunStatus::Incomplete => "incomplete",
            RunStatus::Failed(_) => "failed",
        }
    }
}

/// One run's numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRow {
    /// Configuration and seed.
    pub labels: Labels,
    /// How it ended.
    pub status: RunStatus,
    /// Task names.
    pub tasks: Vec<String>,
    /// Each task's primary metric name (`auc`, `mse`).
    pub metrics: Vec<String>,
    /// Each task's primary metric on the test split.
    pub test: Vec<Option<f64>>,
    /// Each task's MTL gain over its single-task baseline.
    pub gains: Vec<Option<f64>>,
    /// Δm (%).
    pub delta_m: Option<f64>,
    /// Training steps per second.
    pub steps_per_second: Option<f64>,
}

impl RunRow {
    /// The row of a finished (or stopped) run.
    pub fn of(report: &RunReport, vary: Option<&str>) -> RunRow {
        let tasks = &report.final_report.tasks;
        let comparison = report.comparison.as_ref();
        RunRow {
            labels: Labels::of(&report.config, vary),
            status: if report.incomplete {
                RunStatus::Incomplete
            } else {
                RunStatus::Done
            },
            tasks: tasks.iter().map(|t| t.name.clone()).collect(),
            metrics: tasks.iter().map(|t| t.metric.id().to_string()).collect(),
            test: tasks.iter().map(|t| t.test_value).collect(),
            gains: comparison.map_or_else(|| vec![None; tasks.len()], |c| c.mtl_gain.clone()),
            delta_m: comparison.and_then(|c| c.delta_m),
            steps_per_second: Some(report.timing.steps_per_second),
        }
    }

    /// The row of a run that failed with `message`.
    pub fn failed(labels: Labels, message: impl Into<String>) -> RunRow {
        RunRow {
            labels,
            status: RunStatus::Failed(message.into()),
            tasks: Vec::new(),
            metrics: Vec::new(),
            test: Vec::new(),
            gains: Vec::new(),
            delta_m: None,
            steps_per_second: None,
        }
    }
}

/// One configuration's numbers over its seeds (complete runs only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryRow {
    /// The configuration's labels (the first run's seed).
    pub labels: Labels,
    /// Task names.
    pub tasks: Vec<String>,
    /// Each task's primary metric name.
    pub metrics: Vec<String>,
    /// Each task's test metric over seeds.
    pub test: Vec<Option<MeanStd>>,
    /// Each task's MTL gain over seeds.
    pub gains: Vec<Option<MeanStd>>,
    /// Δm over seeds.
    pub delta_m: Option<MeanStd>,
    /// Steps per second over seeds.
    pub steps_per_second: Option<MeanStd>,
    /// Complete runs averaged.
    pub runs: usize,
    /// Runs that failed or stopped early.
    pub failed: usize,
}

/// One row per configuration, in order of first appearance.
pub fn summarise(rows: &[RunRow]) -> Vec<SummaryRow> {
    let mut firsts: Vec<&Labels> = Vec::new();
    for row in rows {
        if !firsts
            .iter()
            .any(|first| first.same_configuration(&row.labels))
        {
            firsts.push(&row.labels);
        }
    }
    firsts
        .into_iter()
        .map(|labels| {
            let group: Vec<&RunRow> = rows
                .iter()
                .filter(|r| r.labels.same_configuration(labels))
                .collect();
            let done: Vec<&&RunRow> = group
                .iter()
                .filter(|r| r.status == RunStatus::Done)
                .collect();
            let first = done.first().copied().copied().unwrap_or(group[0]);
            let per_task = |pick: fn(&RunRow) -> &Vec<Option<f64>>| -> Vec<Option<MeanStd>> {
                (0..first.tasks.len())
                    .map(|t| MeanStd::of(done.iter().filter_map(|r| pick(r).get(t).copied()?)))
                    .collect()
            };
            SummaryRow {
                labels: first.labels.clone(),
                tasks: first.tasks.clone(),
                metrics: first.metrics.clone(),
                test: per_task(|r| &r.test),
                gains: per_task(|r| &r.gains),
                delta_m: MeanStd::of(done.iter().filter_map(|r| r.delta_m)),
                steps_per_second: MeanStd::of(done.iter().filter_map(|r| r.steps_per_second)),
                runs: done.len(),
                failed: group.len() - done.len(),
            }
        })
        .collect()
}

/// The task columns of some rows: every task name in order of first appearance, with its
/// metric.
fn task_columns<'a>(
    rows: impl Iterator<Item = (&'a [String], &'a [String])>,
) -> Vec<(String, String)> {
    let mut columns: Vec<(String, String)> = Vec::new();
    for (tasks, metrics) in rows {
        for (task, metric) in tasks.iter().zip(metrics) {
            if !columns.iter().any(|(t, _)| t == task) {
                columns.push((task.clone(), metric.clone()));
            }
        }
    }
    columns
}

fn cell(value: Option<f64>) -> String {
    value
        .filter(|v| v.is_finite())
        .map_or_else(String::new, |v| format!("{v}"))
}

fn escape(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn line(cells: &[String]) -> String {
    let cells: Vec<String> = cells.iter().map(|c| escape(c)).collect();
    cells.join(",") + "\n"
}

fn label_cells(labels: &Labels, vary: Option<&str>) -> Vec<String> {
    let mut cells = vec![labels.arch.clone(), labels.weighting.clone()];
    if vary.is_some() {
        cells.push(labels.knob.clone().unwrap_or_default());
    }
    cells
}

fn label_header(vary: Option<&str>) -> Vec<String> {
    let mut header = vec!["arch".to_string(), "weighting".to_string()];
    if let Some(key) = vary {
        header.push(key.to_string());
    }
    header
}

/// `runs.csv`: one row per run (arch, weighting, the knob, seed, status, each task's test
/// metric and MTL gain, Δm, steps/s, and a failure's message).
pub fn runs_csv(rows: &[RunRow], vary: Option<&str>) -> String {
    let columns = task_columns(rows.iter().map(|r| (&r.tasks[..], &r.metrics[..])));
    let mut header = label_header(vary);
    header.extend(["seed".to_string(), "status".to_string()]);
    header.extend(columns.iter().map(|(t, m)| format!("{t}_{m}")));
    header.extend(columns.iter().map(|(t, _)| format!("{t}_mtl_gain")));
    header.extend(["delta_m_percent", "steps_per_second", "message"].map(String::from));
    let mut csv = line(&header);
    for row in rows {
        let at = |values: &[Option<f64>], task: &str| {
            row.tasks
                .iter()
                .position(|t| t == task)
                .and_then(|i| values.get(i).copied().flatten())
        };
        let mut cells = label_cells(&row.labels, vary);
        cells.extend([row.labels.seed.to_string(), row.status.id().to_string()]);
        cells.extend(columns.iter().map(|(t, _)| cell(at(&row.test, t))));
        cells.extend(columns.iter().map(|(t, _)| cell(at(&row.gains, t))));
        cells.extend([cell(row.delta_m), cell(row.steps_per_second)]);
        cells.push(match &row.status {
            RunStatus::Failed(message) => message.clone(),
            _ => String::new(),
        });
        csv.push_str(&line(&cells));
    }
    csv
}

/// `summary.csv`: one row per configuration (each task's test metric and MTL gain as mean and
/// sample std over seeds, Δm mean and std, steps/s mean, runs averaged, runs failed).
pub fn summary_csv(rows: &[SummaryRow], vary: Option<&str>) -> String {
    let columns = task_columns(rows.iter().map(|r| (&r.tasks[..], &r.metrics[..])));
    let mut header = label_header(vary);
    header.extend(["runs".to_string(), "failed".to_string()]);
    for (task, metric) in &columns {
        header.extend([
            format!("{task}_{metric}_mean"),
            format!("{task}_{metric}_std"),
        ]);
    }
    for (task, _) in &columns {
        header.extend([
            format!("{task}_mtl_gain_mean"),
            format!("{task}_mtl_gain_std"),
        ]);
    }
    header.extend(
        [
            "delta_m_percent_mean",
            "delta_m_percent_std",
            "steps_per_second_mean",
        ]
        .map(String::from),
    );
    let mut csv = line(&header);
    let pair =
        |stats: Option<MeanStd>| [cell(stats.map(|s| s.mean)), cell(stats.and_then(|s| s.std))];
    for row in rows {
        let at = |values: &[Option<MeanStd>], task: &str| {
            row.tasks
                .iter()
                .position(|t| t == task)
                .and_then(|i| values.get(i).copied().flatten())
        };
        let mut cells = label_cells(&row.labels, vary);
        cells.extend([row.runs.to_string(), row.failed.to_string()]);
        for (task, _) in &columns {
            cells.extend(pair(at(&row.test, task)));
        }
        for (task, _) in &columns {
            cells.extend(pair(at(&row.gains, task)));
        }
        cells.extend(pair(row.delta_m));
        cells.push(cell(row.steps_per_second.map(|s| s.mean)));
        csv.push_str(&line(&cells));
    }
    csv
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(arch: &str, seed: u64, test: [f64; 2], gains: [f64; 2], delta_m: f64) -> RunRow {
        RunRow {
            labels: Labels {
                arch: arch.into(),
                weighting: "equal".into(),
                knob: None,
                seed,
            },
            status: RunStatus::Done,
            tasks: vec!["a".into(), "b".into()],
            metrics: vec!["auc".into(), "mse".into()],
            test: test.map(Some).to_vec(),
            gains: gains.map(Some).to_vec(),
            delta_m: Some(delta_m),
            steps_per_second: Some(100.0),
        }
    }

    #[test]
    fn summary_averages_complete_runs_per_configuration() {
        let failed = RunRow::failed(
            Labels {
                seed: 3,
                ..row("mmoe", 3, [0.0; 2], [0.0; 2], 0.0).labels
            },
            "training diverged at step 7",
        );
        let rows = vec![
            row("mmoe", 1, [0.80, 0.5], [0.01, 0.1], 2.0),
            row("mmoe", 2, [0.84, 0.7], [0.03, -0.1], 4.0),
            failed,
            row("shared-bottom", 1, [0.7, 0.9], [-0.02, 0.0], -1.0),
        ];
        let summary = summarise(&rows);
        assert_eq!(summary.len(), 2);
        let mmoe = &summary[0];
        assert_eq!((mmoe.runs, mmoe.failed), (2, 1));
        let auc = mmoe.test[0].unwrap();
        assert!((auc.mean - 0.82).abs() < 1e-12);
        assert!((auc.std.unwrap() - 0.04 / 2f64.sqrt()).abs() < 1e-12);
        let delta = mmoe.delta_m.unwrap();
        assert_eq!(delta.mean, 3.0);
        assert!((delta.std.unwrap() - 2f64.sqrt()).abs() < 1e-12);
        assert_eq!(summary[1].delta_m.unwrap().std, None, "one seed: no std");
        let csv = summary_csv(&summary, None);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("arch,weighting,runs,failed,a_auc_mean,a_auc_std,b_mse_mean"));
        assert!(
            lines[2].starts_with("shared-bottom,equal,1,0,0.7,,"),
            "{}",
            lines[2]
        );
        let runs = runs_csv(&rows, None);
        assert_eq!(runs.lines().count(), 5);
        assert!(runs.lines().nth(3).unwrap().contains("failed"));
        assert!(
            runs.lines()
                .nth(3)
                .unwrap()
                .ends_with("training diverged at step 7")
        );
    }

    #[test]
    fn csv_quotes_what_needs_quoting_and_names_the_knob() {
        let mut with_knob = row("mmoe", 1, [0.8, 0.5], [0.0, 0.0], 0.0);
        with_knob.labels.knob = Some("0.5".into());
        with_knob.status = RunStatus::Failed("bad, \"really\"".into());
        let csv = runs_csv(&[with_knob], Some("correlation"));
        assert!(csv.starts_with("arch,weighting,correlation,seed,status,"));
        assert!(csv.contains("mmoe,equal,0.5,1,failed,"));
        assert!(csv.trim_end().ends_with("\"bad, \"\"really\"\"\""), "{csv}");
    }
}
