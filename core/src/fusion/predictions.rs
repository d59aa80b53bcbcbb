//! Per-row task scores and labels of one split: what `seesaw train --predictions` writes and
//! `seesaw fuse` reads.
//!
//! CSV layout: a header `click_score,click_label,conversion_score,conversion_label,…` (two
//! columns per task, score then label, tasks in order), then one line per row. A masked label
//! (the row carries no label for that task, e.g. a conversion on an unclicked row) is an empty
//! cell. A task's kind is not stored: it is binary when every present label is 0 or 1, and
//! regression otherwise.

use crate::data::TaskKind;
use crate::error::ConfigError;
use serde::{Deserialize, Serialize};

/// Per-task scores and labels, row-aligned across tasks. Also serialised as JSON (the page's
/// worker sends them to the page and back).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Predictions {
    /// Task names, in column order.
    pub tasks: Vec<String>,
    /// Per task, binary (scores are probabilities) or regression (scores are predictions).
    pub kinds: Vec<TaskKind>,
    /// Per task, one score per row.
    pub scores: Vec<Vec<f64>>,
    /// Per task, one label per row; `None` where the row carries no label for the task.
    pub labels: Vec<Vec<Option<f64>>>,
}

impl Predictions {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.scores.first().map_or(0, Vec::len)
    }

    /// Checks shapes: at least two tasks, at least one row, every task the same length, finite
    /// scores and labels.
    ///
    /// # Errors
    /// The first inconsistency, naming the task.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let tasks = self.tasks.len();
        if tasks < 2 {
            return Err(ConfigError::new(
                "predictions",
                format!("fusion needs at least two tasks, found {tasks}"),
            ));
        }
        if self.kinds.len() != tasks || self.scores.len() != tasks || self.labels.len() != tasks {
            return Err(ConfigError::new(
                "predictions",
                format!(
                    "{tasks} task names but {} kinds, {} score columns and {} label columns",
                    self.kinds.len(),
                    self.scores.len(),
                    self.labels.len()
                ),
            ));
        }
        let rows = self.rows();
        if rows == 0 {
            return Err(ConfigError::new("predictions", "no rows"));
        }
        for (task, name) in self.tasks.iter().enumerate() {
            if self.scores[task].len() != rows || self.labels[task].len() != rows {
                return Err(ConfigError::new(
                    format!("predictions.{name}"),
                    format!(
                        "{} scores and {} labels, but the first task has {rows} rows",
                        self.scores[task].len(),
                        self.labels[task].len()
                    ),
                ));
            }
            if let Some(row) = self.scores[task].iter().position(|s| !s.is_finite()) {
                return Err(ConfigError::new(
                    format!("predictions.{name}_score"),
                    format!("row {row} is not finite ({})", self.scores[task][row]),
                ));
            }
        }
        Ok(())
    }

    /// The CSV text (header and one line per row; masked labels empty). Numbers are written
    /// with Rust's shortest round-trip formatting, so reading gives back the same values.
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        let header: Vec<String> = self
            .tasks
            .iter()
            .flat_map(|name| [format!("{name}_score"), format!("{name}_label")])
            .collect();
        out.push_str(&header.join(","));
        out.push('\n');
        for row in 0..self.rows() {
            let cells: Vec<String> = (0..self.tasks.len())
                .flat_map(|task| {
                    let label = self.labels[task][row].map_or(String::new(), |l| l.to_string());
                    [self.scores[task][row].to_string(), label]
                })
                .collect();
            out.push_str(&cells.join(","));
            out.push('\n');
        }
        out
    }

    /// Reads the CSV text written by [`Predictions::to_csv`].
    ///
    /// # Errors
    /// Empty text, a header that is not `name_score,name_label` pairs (a missing column), fewer
    /// than two tasks, a ragged line, a cell that is not a number, no data rows. Lines are
    /// counted from 1 (the header).
    pub fn from_csv(text: &str) -> Result<Self, ConfigError> {
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty());
        let (_, header) = lines
            .next()
            .ok_or_else(|| ConfigError::new("predictions", "the file is empty"))?;
        let columns: Vec<&str> = header.split(',').map(str::trim).collect();
        let mut tasks = Vec::new();
        for pair in columns.chunks(2) {
            let name = pair[0].strip_suffix("_score").ok_or_else(|| {
                ConfigError::new(
                    "predictions header",
                    format!("expected a `<task>_score` column, found `{}`", pair[0]),
                )
            })?;
            let expected = format!("{name}_label");
            if pair.get(1) != Some(&expected.as_str()) {
                return Err(ConfigError::new(
                    "predictions header",
                    format!("missing column `{expected}` after `{}`", pair[0]),
                ));
            }
            tasks.push(name.to_string());
        }
        if tasks.len() < 2 {
            return Err(ConfigError::new(
                "predictions header",
                format!("fusion needs at least two tasks, found {}", tasks.len()),
            ));
        }
        let mut scores = vec![Vec::new(); tasks.len()];
        let mut labels = vec![Vec::new(); tasks.len()];
        for (index, line) in lines {
            let number = index + 1;
            let cells: Vec<&str> = line.split(',').map(str::trim).collect();
            if cells.len() != columns.len() {
                return Err(ConfigError::new(
                    format!("predictions line {number}"),
                    format!("{} cells, the header has {}", cells.len(), columns.len()),
                ));
            }
            for (task, pair) in cells.chunks(2).enumerate() {
                let parse = |cell: &str, column: usize| {
                    cell.parse::<f64>()
                        .ok()
                        .filter(|v| v.is_finite())
                        .ok_or_else(|| {
                            ConfigError::new(
                                format!("predictions line {number}, column `{}`", columns[column]),
                                format!("`{cell}` is not a finite number"),
                            )
                        })
                };
                scores[task].push(parse(pair[0], 2 * task)?);
                labels[task].push(match pair[1] {
                    "" => None,
                    cell => Some(parse(cell, 2 * task + 1)?),
                });
            }
        }
        if scores[0].is_empty() {
            return Err(ConfigError::new("predictions", "a header but no data rows"));
        }
        let kinds = labels
            .iter()
            .map(|column| {
                if column.iter().flatten().all(|&l| l == 0.0 || l == 1.0) {
                    TaskKind::Binary
                } else {
                    TaskKind::Regression
                }
            })
            .collect();
        Ok(Self {
            tasks,
            kinds,
            scores,
            labels,
        })
    }

    /// The scores of row `row`, one per task.
    pub fn row_scores(&self, row: usize) -> Vec<f64> {
        self.scores.iter().map(|task| task[row]).collect()
    }
}
