//! The page's charts, declared once: each one's title, explanation, test hook and drawing.
//! The page lays them out, keeps one canvas per entry and redraws them one per frame.

use super::draw::{self, Line, LineOptions, task_color};
use crate::catalog::charts as text;
use crate::series::Series;
use crate::state::PageState;
use seesaw_core::metrics::Metric;
use web_sys::HtmlCanvasElement;

/// One chart of the page.
pub struct Chart {
    /// Its heading.
    pub title: &'static str,
    /// What it shows (from the catalog).
    pub text: &'static str,
    /// The canvas's `data-testid`.
    pub testid: &'static str,
    /// Draws it from the page's state.
    pub draw: fn(&PageState, &HtmlCanvasElement),
    /// Whether it plots two tasks the user picks (with more than two tasks).
    pub picks_tasks: bool,
}

/// Every chart, in page order.
pub const CHARTS: [Chart; 6] = [
    Chart {
        title: "Loss",
        text: text::LOSS,
        testid: "chart-loss",
        draw: loss,
        picks_tasks: false,
    },
    Chart {
        title: "Validation metric",
        text: text::METRIC,
        testid: "chart-metric",
        draw: metric,
        picks_tasks: false,
    },
    Chart {
        title: "Task weights",
        text: text::WEIGHTS,
        testid: "chart-weights",
        draw: weights,
        picks_tasks: false,
    },
    Chart {
        title: "Gradient cosine",
        text: text::COSINE,
        testid: "chart-cosine",
        draw: cosine,
        picks_tasks: false,
    },
    Chart {
        title: "Expert gates",
        text: text::GATES,
        testid: "chart-gates",
        draw: gates,
        picks_tasks: false,
    },
    Chart {
        title: "Seesaw quadrant",
        text: text::SEESAW,
        testid: "chart-seesaw",
        draw: seesaw,
        picks_tasks: true,
    },
];

const SOLID: &[f64] = &[];
const DASHED: &[f64] = &[5.0, 3.0];
const DOTTED: &[f64] = &[2.0, 3.0];

/// One line per task, in the task's colour.
fn task_lines<'a>(series: &'a [Series], dash: &'a [f64]) -> Vec<Line<'a>> {
    series
        .iter()
        .enumerate()
        .map(|(k, s)| Line {
            points: s.points(),
            color: task_color(k),
            dash,
        })
        .collect()
}

fn loss(state: &PageState, canvas: &HtmlCanvasElement) {
    let charts = &state.charts;
    let mut lines = task_lines(&charts.train_loss, SOLID);
    lines.extend(task_lines(&charts.validation_loss, DASHED));
    let options = LineOptions {
        log_y: true,
        ..Default::default()
    };
    draw::line_chart(canvas, &lines, &options);
}

fn metric(state: &PageState, canvas: &HtmlCanvasElement) {
    let charts = &state.charts;
    let mut lines = task_lines(&charts.metric, SOLID);
    lines.extend(task_lines(&charts.baseline_metric, DOTTED));
    // Errors (MSE) span decades as a run learns; AUCs live in [0.5, 1].
    let errors = !charts.metric_names.is_empty()
        && charts
            .metric_names
            .iter()
            .all(|&metric| metric == Metric::Mse);
    let options = LineOptions {
        log_y: errors,
        ..Default::default()
    };
    draw::line_chart(canvas, &lines, &options);
}

fn weights(state: &PageState, canvas: &HtmlCanvasElement) {
    let lines = task_lines(&state.charts.weights, SOLID);
    draw::line_chart(canvas, &lines, &LineOptions::default());
}

fn cosine(state: &PageState, canvas: &HtmlCanvasElement) {
    let pairs = &state.charts.cosine;
    let single = pairs.len() == 1;
    let lines: Vec<Line> = pairs
        .iter()
        .enumerate()
        .map(|(pair, (_, series))| Line {
            points: series.points(),
            color: if single { "#343a40" } else { task_color(pair) },
            dash: SOLID,
        })
        .collect();
    let options = LineOptions {
        y_range: Some((-1.0, 1.0)),
        shade_negative: true,
        ..Default::default()
    };
    draw::line_chart(canvas, &lines, &options);
}

fn gates(state: &PageState, canvas: &HtmlCanvasElement) {
    let rows: Vec<(String, Vec<f64>)> = state
        .charts
        .gates
        .iter()
        .map(|gate| (gate.name.clone(), gate.mean.clone()))
        .collect();
    draw::heatmap(canvas, &rows);
}

fn seesaw(state: &PageState, canvas: &HtmlCanvasElement) {
    let charts = &state.charts;
    let name = |k: usize| charts.tasks.get(k).cloned().unwrap_or_default();
    let (x, y) = state.quadrant_tasks;
    draw::quadrant(canvas, &charts.trajectory.path(x, y), &name(x), &name(y));
}
