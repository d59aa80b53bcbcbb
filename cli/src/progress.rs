//! A progress bar on stderr.

use seesaw_core::train::{Phase, Progress};
use std::io::Write;
use std::time::Instant;

/// Redraws at most ten times a second.
pub struct Bar {
    enabled: bool,
    last_draw: Option<Instant>,
    started: Instant,
    losses: Vec<f64>,
}

impl Bar {
    pub fn new(enabled: bool) -> Self {
        Self {
            enabled,
            last_draw: None,
            started: Instant::now(),
            losses: Vec::new(),
        }
    }

    pub fn update(&mut self, progress: &Progress) {
        if let Some(report) = progress.report {
            self.losses = report.train_loss.clone();
        }
        if progress.step == 1 {
            self.started = Instant::now();
        }
        let due = self
            .last_draw
            .is_none_or(|t| t.elapsed().as_millis() >= 100);
        if !self.enabled || !(due || progress.step == progress.steps) {
            return;
        }
        self.last_draw = Some(Instant::now());
        let width = 30;
        let filled = width * progress.step / progress.steps.max(1);
        let rate = progress.step as f64 / self.started.elapsed().as_secs_f64().max(1e-9);
        let phase = match progress.phase {
            Phase::Model => "model",
            Phase::Baselines => "baselines",
        };
        let losses: Vec<String> = self.losses.iter().map(|l| format!("{l:.4}")).collect();
        eprint!(
            "\r{phase:<9} [{}{}] {:>6}/{} {rate:>7.1} steps/s  loss {}   ",
            "#".repeat(filled),
            " ".repeat(width - filled),
            progress.step,
            progress.steps,
            losses.join(" ")
        );
        if progress.step == progress.steps {
            eprintln!();
        }
        let _ = std::io::stderr().flush();
    }
}
