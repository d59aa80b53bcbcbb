//! A comparison as the page runs it: the grid's jobs (the shared single-task baselines first,
//! then the runs), which worker trains which, each job's state, the finished reports, and the
//! tables and views computed from them. Pure (core only): the page's shell hands it worker
//! messages and performs what it asks; tested natively. It is also what the page stores in
//! IndexedDB (`SCHEMA` versions the record).

use crate::seesaw::relative_gain;
use seesaw_core::compare::{GridSpec, Labels, MeanStd, RunRow, SummaryRow, Vary, summarise};
use seesaw_core::train::{RunConfig, RunReport, stack_key};
use serde::{Deserialize, Serialize};

/// The stored record's schema version.
pub const SCHEMA: u32 = 1;

/// The most runs a comparison in the page may have (a browser tab trains them all).
pub const PAGE_MAX_RUNS: usize = 64;

/// Workers for a machine with `cores` logical cores: all but one (the page's thread is mostly
/// idle), at least 2, at most 8.
pub fn pool_size(cores: usize) -> usize {
    cores.saturating_sub(1).clamp(2, 8)
}

/// What a job trains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobKind {
    /// The single-task baselines with this index in the grid.
    Baseline(usize),
    /// The grid's run with this index.
    Run(usize),
}

/// Where a job stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum JobState {
    /// In the queue.
    Waiting,
    /// A worker trains it.
    Training {
        /// Steps done.
        step: usize,
        /// Steps per second.
        steps_per_second: f64,
    },
    /// Finished.
    Done,
    /// Failed (diverged, a lost device): the reason.
    Failed(String),
    /// Cut off by a reload or a cancel before it finished.
    Interrupted,
}

impl JobState {
    /// `waiting`, `training`, `done`, `failed`, `interrupted` (the progress list's test hook).
    pub fn id(&self) -> &'static str {
        match self {
            JobState::Waiting => "waiting",
            JobState::Training { .. } => "training",
            JobState::Done => "done",
            JobState::Failed(_) => "failed",
            JobState::Interrupted => "interrupted",
        }
    }
}

/// One job of the queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// What it trains.
    pub kind: JobKind,
    /// The run config (for a baseline, the single-task config).
    pub config: RunConfig,
    /// Where it stands.
    pub state: JobState,
}

/// Whether the comparison goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    /// Workers take jobs.
    Running,
    /// Workers finish nothing new; resume goes on.
    Paused,
    /// Stopped by the user; unfinished jobs are interrupted.
    Cancelled,
    /// Every job finished or failed.
    Finished,
}

/// A comparison and everything it produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// The record's schema version.
    pub schema: u32,
    /// Its key in storage.
    pub id: String,
    /// When it started (ms since the epoch).
    pub created_ms: f64,
    /// What it compares.
    pub spec: GridSpec,
    /// The swept knob's key.
    pub vary: Option<String>,
    /// Each run's labels.
    pub labels: Vec<Labels>,
    /// Each run's baseline index.
    pub baseline_of: Vec<usize>,
    /// Baselines first, then the runs.
    pub jobs: Vec<Job>,
    /// The baselines' reports, as they finish.
    pub baselines: Vec<Option<RunReport>>,
    /// The runs' reports (with MTL gains and Δm once their baseline finished).
    pub reports: Vec<Option<RunReport>>,
    /// Whether it goes on.
    pub phase: Phase,
}

impl Comparison {
    /// Expands `spec` into its jobs.
    ///
    /// # Errors
    /// The grid's message (an unknown method, a knob the dataset lacks, too many runs).
    pub fn new(id: String, created_ms: f64, spec: GridSpec) -> Result<Self, String> {
        let grid = spec
            .expand(PAGE_MAX_RUNS)
            .map_err(|error| error.to_string())?;
        let mut jobs: Vec<Job> = grid
            .baselines
            .iter()
            .enumerate()
            .map(|(index, config)| Job {
                kind: JobKind::Baseline(index),
                config: config.clone(),
                state: JobState::Waiting,
            })
            .collect();
        jobs.extend(grid.runs.iter().map(|run| Job {
            kind: JobKind::Run(run.index),
            config: run.config.clone(),
            state: JobState::Waiting,
        }));
        Ok(Self {
            schema: SCHEMA,
            id,
            created_ms,
            vary: grid.vary.clone(),
            labels: grid.runs.iter().map(|run| run.labels.clone()).collect(),
            baseline_of: grid.runs.iter().map(|run| run.baseline).collect(),
            baselines: vec![None; grid.baselines.len()],
            reports: vec![None; grid.runs.len()],
            jobs,
            spec,
            phase: Phase::Running,
        })
    }

    /// The next waiting job, now marked training; `None` when paused, cancelled or none waits.
    pub fn take_job(&mut self) -> Option<usize> {
        if self.phase != Phase::Running {
            return None;
        }
        let index = self
            .jobs
            .iter()
            .position(|job| job.state == JobState::Waiting)?;
        self.jobs[index].state = JobState::Training {
            step: 0,
            steps_per_second: 0.0,
        };
        Some(index)
    }

    /// The next waiting job and the waiting jobs that train stacked with it in one model (the
    /// same [`stack_key`]), all now marked training: a fair share for each of `idle` workers,
    /// at most `cap`. A job that cannot train stacked comes alone. Empty when paused,
    /// cancelled or none waits.
    pub fn take_group(&mut self, idle: usize, cap: usize) -> Vec<usize> {
        let Some(first) = self.take_job() else {
            return Vec::new();
        };
        let Ok(key) = stack_key(&self.jobs[first].config) else {
            return vec![first];
        };
        let mates: Vec<usize> = (0..self.jobs.len())
            .filter(|&index| {
                let job = &self.jobs[index];
                job.state == JobState::Waiting && stack_key(&job.config).ok().as_ref() == Some(&key)
            })
            .collect();
        let share = (mates.len() + 1).div_ceil(idle.max(1)).clamp(1, cap.max(1));
        let mut group = vec![first];
        for index in mates.into_iter().take(share - 1) {
            self.jobs[index].state = JobState::Training {
                step: 0,
                steps_per_second: 0.0,
            };
            group.push(index);
        }
        group
    }

    /// A worker's progress on job `index`.
    pub fn progress(&mut self, index: usize, step: usize, steps_per_second: f64) {
        if let Some(job) = self.jobs.get_mut(index)
            && matches!(job.state, JobState::Training { .. })
        {
            job.state = JobState::Training {
                step,
                steps_per_second,
            };
        }
    }

    /// Job `index` finished with `report`.
    pub fn finished(&mut self, index: usize, report: RunReport) {
        let Some(job) = self.jobs.get_mut(index) else {
            return;
        };
        job.state = JobState::Done;
        match job.kind {
            JobKind::Baseline(b) => {
                let baselines = report.final_report.clone();
                self.baselines[b] = Some(report);
                for (run, slot) in self.reports.iter_mut().enumerate() {
                    if self.baseline_of[run] == b
                        && let Some(report) = slot
                    {
                        report.add_baselines(baselines.clone());
                    }
                }
            }
            JobKind::Run(run) => {
                let mut report = report;
                if let Some(Some(baseline)) = self.baselines.get(self.baseline_of[run]) {
                    report.add_baselines(baseline.final_report.clone());
                }
                self.reports[run] = Some(report);
            }
        }
        self.settle();
    }

    /// Job `index` failed; the others go on.
    pub fn failed(&mut self, index: usize, message: String) {
        if let Some(job) = self.jobs.get_mut(index) {
            job.state = JobState::Failed(message);
        }
        self.settle();
    }

    /// Every job a worker held is back in the queue (its worker was lost).
    pub fn requeue(&mut self, index: usize) {
        if let Some(job) = self.jobs.get_mut(index)
            && matches!(job.state, JobState::Training { .. })
        {
            job.state = JobState::Waiting;
        }
    }

    /// Pause (`true`) or resume; resuming a comparison cut off by a reload queues its
    /// interrupted jobs again.
    pub fn set_paused(&mut self, paused: bool) {
        match (paused, self.phase) {
            (true, Phase::Running) => self.phase = Phase::Paused,
            (false, Phase::Paused | Phase::Cancelled) => {
                for job in &mut self.jobs {
                    if job.state == JobState::Interrupted {
                        job.state = JobState::Waiting;
                    }
                }
                self.phase = Phase::Running;
                self.settle();
            }
            _ => {}
        }
    }

    /// Stops: every unfinished job is interrupted.
    pub fn cancel(&mut self) {
        self.interrupt();
        if self.phase != Phase::Finished {
            self.phase = Phase::Cancelled;
        }
    }

    /// A stored comparison read back after a reload: the jobs that were training or waiting
    /// are interrupted (never silently dropped); resume trains them.
    pub fn restored(mut self) -> Self {
        if self.phase == Phase::Running || self.phase == Phase::Paused {
            self.interrupt();
            self.phase = Phase::Paused;
        }
        self
    }

    fn interrupt(&mut self) {
        for job in &mut self.jobs {
            if matches!(job.state, JobState::Training { .. } | JobState::Waiting) {
                job.state = JobState::Interrupted;
            }
        }
    }

    fn settle(&mut self) {
        let open = self
            .jobs
            .iter()
            .any(|job| matches!(job.state, JobState::Waiting | JobState::Training { .. }));
        let interrupted = self.jobs.iter().any(|j| j.state == JobState::Interrupted);
        if !open && !interrupted && self.phase == Phase::Running {
            self.phase = Phase::Finished;
        }
    }

    /// Counts of jobs: (done, training, waiting, failed, interrupted).
    pub fn counts(&self) -> [usize; 5] {
        let mut counts = [0; 5];
        for job in &self.jobs {
            counts[match job.state {
                JobState::Done => 0,
                JobState::Training { .. } => 1,
                JobState::Waiting => 2,
                JobState::Failed(_) => 3,
                JobState::Interrupted => 4,
            }] += 1;
        }
        counts
    }

    /// The job of run `run`.
    pub fn run_job(&self, run: usize) -> &Job {
        &self.jobs[self.baselines.len() + run]
    }

    /// One row per run that ended (done or failed), in grid order.
    pub fn rows(&self) -> Vec<RunRow> {
        (0..self.labels.len())
            .filter_map(|run| match (&self.reports[run], &self.run_job(run).state) {
                (Some(report), _) => Some(RunRow::of(report, self.vary.as_deref())),
                (None, JobState::Failed(message)) => {
                    Some(RunRow::failed(self.labels[run].clone(), message.clone()))
                }
                _ => None,
            })
            .collect()
    }

    /// How many configurations the grid has.
    pub fn configuration_count(&self) -> usize {
        let mut seen: Vec<&Labels> = Vec::new();
        for labels in &self.labels {
            if !seen.iter().any(|s| s.same_configuration(labels)) {
                seen.push(labels);
            }
        }
        seen.len()
    }

    /// One row per configuration with finished runs.
    pub fn summary(&self) -> Vec<SummaryRow> {
        summarise(&self.rows())
    }

    /// The runs of a configuration (its summary row's labels), in seed order.
    pub fn runs_of(&self, labels: &Labels) -> Vec<usize> {
        (0..self.labels.len())
            .filter(|&run| self.labels[run].same_configuration(labels))
            .collect()
    }

    /// Each configuration's relative gain (%, as Δm) per task over its seeds, for the rows of
    /// its `summary` (the caller's, computed once): the seesaw view's points. Configurations
    /// without a finished, compared run are left out.
    pub fn relative_gains(&self, summary: &[SummaryRow]) -> Vec<(Labels, Vec<Option<MeanStd>>)> {
        summary
            .iter()
            .filter_map(|row| {
                let runs: Vec<&RunReport> = self
                    .runs_of(&row.labels)
                    .into_iter()
                    .filter_map(|run| self.reports[run].as_ref())
                    .filter(|report| !report.incomplete && report.comparison.is_some())
                    .collect();
                if runs.is_empty() {
                    return None;
                }
                let gains = (0..row.tasks.len())
                    .map(|t| {
                        MeanStd::of(runs.iter().filter_map(|report| {
                            let task = report.final_report.tasks.get(t)?;
                            let baseline = report.comparison.as_ref()?.baselines.tasks.get(t)?;
                            relative_gain(task.test_value?, baseline.test_value?, task.better)
                        }))
                    })
                    .collect();
                Some((row.labels.clone(), gains))
            })
            .collect()
    }
}

/// A configuration on the seesaw view.
#[derive(Debug, Clone, PartialEq)]
pub struct SeesawPoint {
    /// The configuration's name.
    pub label: String,
    /// Mean relative gain (%) of the x task, and its std over seeds.
    pub x: MeanStd,
    /// The same for the y task.
    pub y: MeanStd,
    /// On the Pareto front of the configurations (over every task's mean gain).
    pub pareto: bool,
}

impl Comparison {
    /// The seesaw view's points for tasks `x` and `y`.
    pub fn seesaw_points(&self, summary: &[SummaryRow], x: usize, y: usize) -> Vec<SeesawPoint> {
        let gains = self.relative_gains(summary);
        let means: Vec<Vec<f64>> = gains
            .iter()
            .map(|(_, g)| g.iter().map(|s| s.map_or(f64::NAN, |s| s.mean)).collect())
            .collect();
        let front = seesaw_core::compare::front(&means);
        gains
            .iter()
            .enumerate()
            .filter_map(|(i, (labels, g))| {
                Some(SeesawPoint {
                    label: labels.configuration(self.vary.as_deref()),
                    x: (*g.get(x)?)?,
                    y: (*g.get(y)?)?,
                    pareto: front.contains(&i),
                })
            })
            .collect()
    }

    /// The knob view: per architecture × method, `pick`'s value (Δm for `None`, else that
    /// task's test metric) at each knob value, sorted by the knob. Empty without a knob, or
    /// when the knob's values are not numbers.
    pub fn knob_lines(
        &self,
        summary: &[SummaryRow],
        pick: Option<usize>,
    ) -> Vec<(String, Vec<(f64, MeanStd)>)> {
        if self.vary.is_none() {
            return Vec::new();
        }
        let mut lines: Vec<(String, Vec<(f64, MeanStd)>)> = Vec::new();
        for row in summary {
            let Some(knob) = row
                .labels
                .knob
                .as_deref()
                .and_then(|v| v.parse::<f64>().ok())
            else {
                continue;
            };
            let value = match pick {
                None => row.delta_m,
                Some(k) => row.test.get(k).copied().flatten(),
            };
            let Some(value) = value else {
                continue;
            };
            let label = row.labels.configuration(None);
            match lines.iter_mut().find(|(l, _)| *l == label) {
                Some((_, points)) => points.push((knob, value)),
                None => lines.push((label, vec![(knob, value)])),
            }
        }
        for (_, points) in &mut lines {
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
        lines
    }
}

/// A finished playground run as the page stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredRun {
    /// The record's schema version ([`SCHEMA`]).
    pub schema: u32,
    /// Its key in storage.
    pub id: String,
    /// When it finished (ms since the epoch).
    pub created_ms: f64,
    /// The run, as `seesaw train --out` writes it.
    pub report: RunReport,
    /// Its single-task baselines' run (history and final report), when it had them.
    pub baseline: Option<RunReport>,
}

/// What the comparison panel's form holds; the grid spec it describes starts from the page's
/// run config.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CompareForm {
    /// Architectures ticked (none: the run's).
    pub arch: Vec<String>,
    /// Methods ticked (none: the run's).
    pub weighting: Vec<String>,
    /// Seeds 1..=n.
    pub seeds: usize,
    /// The knob to sweep (empty: none).
    pub vary_key: String,
    /// Its values, comma-separated.
    pub vary_values: String,
}

impl CompareForm {
    /// The form a comparison spec fills in (a link's, a stored comparison's).
    pub fn of(spec: &GridSpec) -> Self {
        let seeds = if spec.seeds.iter().copied().eq(1..=spec.seeds.len() as u64) {
            spec.seeds.len()
        } else {
            spec.seeds.len().max(1)
        };
        CompareForm {
            arch: spec.arch.clone(),
            weighting: spec.weighting.clone(),
            seeds: seeds.max(1),
            vary_key: spec
                .vary
                .as_ref()
                .map(|v| v.key.clone())
                .unwrap_or_default(),
            vary_values: spec
                .vary
                .as_ref()
                .map(|v| v.values.join(","))
                .unwrap_or_default(),
        }
    }

    /// The grid spec: `base` varied as the form says.
    pub fn spec(&self, base: &RunConfig) -> GridSpec {
        let values: Vec<String> = self
            .vary_values
            .split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(String::from)
            .collect();
        GridSpec {
            base: RunConfig {
                baselines: false,
                ..base.clone()
            },
            arch: self.arch.clone(),
            weighting: self.weighting.clone(),
            seeds: (1..=self.seeds.max(1) as u64).collect(),
            vary: (!self.vary_key.is_empty()).then(|| Vary {
                key: self.vary_key.clone(),
                values,
            }),
            ..GridSpec::default()
        }
    }

    /// Toggles `id` in the architecture (`arch`) or method list.
    pub fn toggle(&mut self, key: &str, id: &str) {
        let list = if key == "arch" {
            &mut self.arch
        } else {
            &mut self.weighting
        };
        match list.iter().position(|x| x == id) {
            Some(at) => {
                list.remove(at);
            }
            None => list.push(id.to_string()),
        }
    }
}

/// A column of the comparison table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// The configuration's name.
    Configuration,
    /// Task `k`'s test metric.
    Test(usize),
    /// Task `k`'s MTL gain.
    Gain(usize),
    /// Δm.
    DeltaM,
    /// Steps per second.
    Speed,
}

impl Column {
    /// The value a row sorts by in this column (the mean), and whether higher is better.
    pub fn value(self, row: &SummaryRow) -> Option<(f64, bool)> {
        let mean = |stats: Option<&Option<MeanStd>>| stats.copied().flatten().map(|s| s.mean);
        match self {
            Column::Configuration => None,
            Column::Test(k) => {
                let higher = row.metrics.get(k).is_none_or(|m| m != "mse");
                mean(row.test.get(k)).map(|v| (v, higher))
            }
            Column::Gain(k) => mean(row.gains.get(k)).map(|v| (v, true)),
            Column::DeltaM => row.delta_m.map(|s| (s.mean, true)),
            Column::Speed => row.steps_per_second.map(|s| (s.mean, true)),
        }
    }

    /// The index of the row with this column's best value (none for the name column, or when
    /// no row has a value).
    pub fn best(self, rows: &[SummaryRow]) -> Option<usize> {
        let values: Vec<(usize, f64, bool)> = rows
            .iter()
            .enumerate()
            .filter_map(|(i, row)| self.value(row).map(|(v, higher)| (i, v, higher)))
            .collect();
        values
            .iter()
            .max_by(|a, b| {
                let (x, y) = if a.2 { (a.1, b.1) } else { (b.1, a.1) };
                x.total_cmp(&y)
            })
            .map(|best| best.0)
    }
}

/// The order of `rows` sorted by `column` (best first when `best_first`, else worst first;
/// rows without a value last; the name column sorts by name). Stable.
pub fn sorted(
    rows: &[SummaryRow],
    vary: Option<&str>,
    column: Column,
    best_first: bool,
) -> Vec<usize> {
    let mut order: Vec<usize> = (0..rows.len()).collect();
    if column == Column::Configuration {
        order.sort_by_key(|&i| rows[i].labels.configuration(vary));
        if !best_first {
            order.reverse();
        }
        return order;
    }
    order.sort_by(
        |&a, &b| match (column.value(&rows[a]), column.value(&rows[b])) {
            (Some((x, higher)), Some((y, _))) => {
                let ascending = x.total_cmp(&y);
                if higher == best_first {
                    ascending.reverse()
                } else {
                    ascending
                }
            }
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        },
    );
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::prelude::Device;
    use seesaw_core::Registry;
    use seesaw_core::compare::runs_csv;

    fn spec() -> GridSpec {
        let mut base = RunConfig::default();
        base.train.steps = 20;
        base.train.eval_every = 10;
        base.train.batch_size = 64;
        GridSpec {
            base,
            weighting: vec!["equal".into(), "uncertainty".into()],
            seeds: vec![1, 2],
            ..GridSpec::default()
        }
    }

    fn train(config: &RunConfig) -> RunReport {
        pollster::block_on(seesaw_core::train::run(
            config,
            &Device::flex(),
            &|| 0.0,
            &mut |_| std::ops::ControlFlow::Continue(()),
        ))
        .unwrap()
    }

    #[test]
    fn pool_size_follows_the_machine_within_bounds() {
        assert_eq!(pool_size(1), 2);
        assert_eq!(pool_size(4), 3);
        assert_eq!(pool_size(32), 8);
    }

    #[test]
    fn a_comparison_trains_baselines_once_and_fills_its_table() {
        let mut comparison = Comparison::new("c".into(), 0.0, spec()).unwrap();
        assert_eq!(
            comparison.jobs.len(),
            2 + 4,
            "2 baselines (one per seed), 4 runs"
        );
        assert!(comparison.rows().is_empty());
        // Two workers take jobs; the first run finishes before its baseline.
        let first = comparison.take_job().unwrap();
        let second = comparison.take_job().unwrap();
        assert_eq!((first, second), (0, 1), "baselines first");
        let run = comparison.take_job().unwrap();
        comparison.finished(run, train(&comparison.jobs[run].config));
        assert_eq!(comparison.rows()[0].delta_m, None, "no baseline yet");
        comparison.finished(first, train(&comparison.jobs[first].config));
        assert!(
            comparison.rows()[0].delta_m.is_some(),
            "attached when it came"
        );
        comparison.finished(second, train(&comparison.jobs[second].config));
        while let Some(job) = comparison.take_job() {
            if job == 4 {
                comparison.failed(job, "training diverged at step 3".into());
            } else {
                comparison.finished(job, train(&comparison.jobs[job].config));
            }
        }
        assert_eq!(comparison.phase, Phase::Finished);
        let summary = comparison.summary();
        assert_eq!(summary.len(), 2);
        assert_eq!((summary[0].runs, summary[0].failed), (2, 0));
        assert!(summary[0].delta_m.unwrap().std.is_some());
        assert_eq!((summary[1].runs, summary[1].failed), (1, 1));
        assert_eq!(summary[1].delta_m.unwrap().std, None);
        let csv = runs_csv(&comparison.rows(), None);
        assert_eq!(csv.lines().count(), 5, "a header and 4 runs:\n{csv}");
        assert_eq!(comparison.relative_gains(&comparison.summary()).len(), 2);
        assert_eq!(comparison.configuration_count(), 2);
    }

    #[test]
    fn jobs_that_train_stacked_are_grouped_and_shared_among_the_idle_workers() {
        // 2 baselines, then equal s1, equal s2, uncertainty s1, uncertainty s2.
        let mut comparison = Comparison::new("c".into(), 0.0, spec()).unwrap();
        assert_eq!(
            comparison.take_group(2, 8),
            vec![0],
            "a baseline trains alone"
        );
        assert_eq!(comparison.take_group(1, 8), vec![1]);
        assert_eq!(
            comparison.take_group(2, 8),
            vec![2, 3],
            "four runs that stack, two idle workers: two each"
        );
        assert_eq!(comparison.take_group(1, 8), vec![4, 5]);
        assert!(comparison.take_group(1, 8).is_empty(), "none waits");
        assert_eq!(comparison.counts()[1], 6, "all training");

        let mut comparison = Comparison::new("c".into(), 0.0, spec()).unwrap();
        comparison.take_group(1, 8);
        comparison.take_group(1, 8);
        assert_eq!(
            comparison.take_group(1, 3),
            vec![2, 3, 4],
            "at most the cap"
        );
        assert_eq!(comparison.take_group(1, 3), vec![5]);

        // Gradient methods and runs of other budgets never join a group.
        let mut spec = spec();
        spec.weighting = vec!["equal".into(), "pcgrad".into()];
        let mut comparison = Comparison::new("c".into(), 0.0, spec).unwrap();
        comparison.take_group(1, 8);
        comparison.take_group(1, 8);
        let first = comparison.take_group(1, 8);
        assert_eq!(first.len(), 2, "{first:?}");
        assert!(
            first
                .iter()
                .all(|&job| comparison.jobs[job].config.weighting.id() == "equal")
        );
        assert_eq!(comparison.take_group(1, 8).len(), 1, "pcgrad alone");
        assert_eq!(comparison.take_group(1, 8).len(), 1, "pcgrad alone");
        comparison.set_paused(true);
        assert!(comparison.take_group(1, 8).is_empty(), "paused");
    }

    #[test]
    fn a_reload_interrupts_and_resume_requeues() {
        let mut comparison = Comparison::new("c".into(), 0.0, spec()).unwrap();
        let job = comparison.take_job().unwrap();
        comparison.progress(job, 5, 10.0);
        let json = serde_json::to_string(&comparison).unwrap();
        let restored: Comparison = serde_json::from_str::<Comparison>(&json)
            .unwrap()
            .restored();
        assert_eq!(restored.phase, Phase::Paused);
        assert_eq!(
            restored.counts(),
            [0, 0, 0, 0, 6],
            "all interrupted, none dropped"
        );
        let mut resumed = restored;
        resumed.set_paused(false);
        assert_eq!(resumed.counts()[2], 6);
        assert_eq!(resumed.take_job(), Some(0));
        resumed.set_paused(true);
        assert_eq!(resumed.take_job(), None, "paused: no new job");
        resumed.cancel();
        assert_eq!(resumed.phase, Phase::Cancelled);
        assert_eq!(resumed.counts()[4], 6);
    }

    #[test]
    fn a_grid_above_the_cap_is_refused_with_a_message() {
        let mut big = spec();
        big.seeds = (1..=40).collect();
        let error = Comparison::new("c".into(), 0.0, big).unwrap_err();
        assert!(error.contains("80 runs") && error.contains("64"), "{error}");
    }

    fn summary_row(name: &str, test: [f64; 2], delta: Option<f64>) -> SummaryRow {
        let stat = |mean: f64| {
            Some(MeanStd {
                mean,
                std: None,
                n: 1,
            })
        };
        SummaryRow {
            labels: Labels {
                arch: name.into(),
                weighting: "equal".into(),
                knob: None,
                seed: 1,
            },
            tasks: vec!["a".into(), "b".into()],
            metrics: vec!["auc".into(), "mse".into()],
            test: test.map(stat).to_vec(),
            gains: vec![None, None],
            delta_m: delta.and_then(stat),
            steps_per_second: None,
            runs: 1,
            failed: 0,
        }
    }

    #[test]
    fn columns_sort_and_pick_the_best_by_the_metrics_direction() {
        let rows = vec![
            summary_row("x", [0.80, 0.5], Some(1.0)),
            summary_row("y", [0.85, 0.9], None),
            summary_row("z", [0.70, 0.2], Some(-2.0)),
        ];
        assert_eq!(
            Column::Test(0).best(&rows),
            Some(1),
            "AUC: higher is better"
        );
        assert_eq!(Column::Test(1).best(&rows), Some(2), "MSE: lower is better");
        assert_eq!(Column::DeltaM.best(&rows), Some(0));
        assert_eq!(Column::Gain(0).best(&rows), None, "no values, no best");
        assert_eq!(sorted(&rows, None, Column::Test(1), true), vec![2, 0, 1]);
        assert_eq!(sorted(&rows, None, Column::Test(1), false), vec![1, 0, 2]);
        assert_eq!(
            sorted(&rows, None, Column::DeltaM, true),
            vec![0, 2, 1],
            "no value last"
        );
        assert_eq!(
            sorted(&rows, None, Column::Configuration, true),
            vec![0, 1, 2]
        );
    }

    #[test]
    fn the_form_and_the_spec_describe_each_other() {
        let mut form = CompareForm {
            seeds: 3,
            vary_key: "correlation".into(),
            vary_values: "1, 0.5,".into(),
            ..CompareForm::default()
        };
        form.toggle("weighting", "pcgrad");
        form.toggle("weighting", "equal");
        form.toggle("weighting", "pcgrad");
        form.toggle("arch", "mmoe");
        let spec = form.spec(&RunConfig::default());
        assert_eq!(spec.weighting, vec!["equal"]);
        assert_eq!(spec.seeds, vec![1, 2, 3]);
        assert_eq!(spec.vary.as_ref().unwrap().values, vec!["1", "0.5"]);
        assert_eq!(spec.run_count(), 6);
        assert!(
            !spec.base.baselines,
            "the comparison shares baselines itself"
        );
        let again = CompareForm::of(&spec);
        assert_eq!(again.spec(&RunConfig::default()), spec);
    }

    #[test]
    fn the_views_read_the_finished_runs() {
        let mut spec = spec();
        spec.seeds = vec![1];
        spec.vary = Some(Vary {
            key: "correlation".into(),
            values: vec!["0.9".into(), "0.1".into()],
        });
        let mut comparison = Comparison::new("c".into(), 0.0, spec).unwrap();
        while let Some(job) = comparison.take_job() {
            comparison.finished(job, train(&comparison.jobs[job].config));
        }
        let summary = comparison.summary();
        let points = comparison.seesaw_points(&summary, 0, 1);
        assert_eq!(points.len(), 4);
        assert!(points.iter().any(|p| p.pareto));
        assert!(
            points[1].label.ends_with("equal · correlation=0.1"),
            "{}",
            points[1].label
        );
        let lines = comparison.knob_lines(&summary, None);
        assert_eq!(lines.len(), 2, "one line per method");
        assert_eq!(lines[0].1.len(), 2, "one point per knob value");
        assert!(lines[0].1[0].0 < lines[0].1[1].0, "sorted by the knob");
        assert_eq!(comparison.knob_lines(&summary, Some(0))[0].1.len(), 2);
    }
}
