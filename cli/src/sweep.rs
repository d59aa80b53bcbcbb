//! `seesaw sweep`: a grid of runs (architectures × weighting methods × one knob × seeds) with
//! shared single-task baselines, in parallel, resumable, shardable; tables as CSV.
//!
//! ```text
//! out/sweep.json            the grid (a GridSpec; the flags folded into its `set`)
//! out/runs/<stem>.json      each run's report, as `seesaw train --out` writes it
//! out/runs/<stem>.failed    a failed run's message
//! out/baselines/<…>.json    each single-task baseline run, trained once per data and seed
//! out/runs.csv              one row per run of this invocation (its shard)
//! out/summary.csv           one row per configuration: mean ± std over seeds
//! ```
//!
//! A re-run skips the runs whose JSON is complete, has its baselines and was made by the same
//! config, and reuses the baselines on file. `--merge` joins the folders of shards.

use crate::flags::TrainArgs;
use clap::Args;
use seesaw_core::compare::{
    DELTA_M_CONVENTION, Grid, GridRun, GridSpec, Labels, Override, RunRow, RunStatus, SummaryRow,
    Vary, runs_csv, summarise, summary_csv,
};
use seesaw_core::device::Backend;
use seesaw_core::train::{ControlFlow, FinalReport, Progress, RunConfig, RunReport, run};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

#[derive(Args, Debug)]
pub struct SweepArgs {
    /// A grid as JSON (a GridSpec: `base`, `arch`, `weighting`, `seeds`, `vary`, `set`); flags
    /// given too replace its lists and add settings.
    #[arg(value_name = "GRID.json")]
    pub grid: Option<PathBuf>,

    #[command(flatten)]
    pub run: TrainArgs,

    /// Seeds 1 to N (default: the base run's seed).
    #[arg(long, value_name = "N", conflicts_with_all = ["seed_list", "seed"])]
    pub seeds: Option<u64>,
    /// Seeds, comma-separated (`3,5,9`).
    #[arg(long, value_delimiter = ',', conflicts_with = "seed")]
    pub seed_list: Option<Vec<u64>>,
    /// Sweep one knob by its link key: `correlation=1,0.9,0.5`.
    #[arg(long, value_name = "KEY=V1,V2,...")]
    pub vary: Option<String>,
    /// Runs trained in parallel, each on its own device.
    #[arg(long, default_value_t = 1)]
    pub jobs: usize,
    /// Train only shard I of N (every N-th run of the grid), e.g. `2/4`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Join the output folders of shards into --out (runs.csv, summary.csv); trains nothing.
    #[arg(long, num_args = 1.., value_name = "DIR", conflicts_with = "grid")]
    pub merge: Vec<PathBuf>,
}

/// The help of the `seesaw train` flags that mean something else in a sweep.
pub fn adjust_help(command: clap::Command) -> clap::Command {
    command
        .mut_arg("arch", |a| {
            a.help("Architecture ids, comma-separated (`seesaw list`)")
        })
        .mut_arg("weighting", |a| {
            a.help("Weighting method ids, comma-separated (`seesaw list`)")
        })
        .mut_arg("seed", |a| {
            a.help("The seed when neither --seeds nor --seed-list is given")
        })
        .mut_arg("baselines", |a| {
            a.help("Implied: a sweep always trains the single-task baselines")
        })
        .mut_arg("out", |a| {
            a.help("Output folder (created): sweep.json, runs/, baselines/, runs.csv, summary.csv")
                .value_name("DIR")
        })
        .mut_arg("json", |a| {
            a.help("Print the summary rows as JSON instead of the table")
        })
        .mut_arg("quiet", |a| a.help("No progress line"))
        .mut_arg("memory_every", |a| a.hide(true))
}

pub fn sweep(args: &SweepArgs) -> Result<(), String> {
    let out = args
        .run
        .out
        .clone()
        .ok_or("--out DIR is required: the folder the sweep writes to")?;
    if !args.merge.is_empty() {
        return merge(&args.merge, &out, args.run.json);
    }
    let spec = grid_spec(args)?;
    let grid = spec.expand(GridSpec::MAX_RUNS).map_err(|e| e.to_string())?;
    let shard = match &args.shard {
        Some(text) => {
            let (index, count) = parse_shard(text)?;
            grid.shard(index, count).map_err(|e| e.to_string())?
        }
        None => grid.runs.iter().collect(),
    };
    if args.jobs == 0 {
        return Err("--jobs must be at least 1".into());
    }
    let backend = Backend::from_id(&args.run.backend).map_err(|e| e.to_string())?;
    prepare_out(&out)?;
    write_file(
        &out.join("sweep.json"),
        &(serde_json::to_string_pretty(&folded(&spec, &grid)).map_err(|e| e.to_string())? + "\n"),
    )?;
    let vary = grid.vary.as_deref();

    // Runs already done (a re-run of the same command) are skipped.
    let mut done: BTreeMap<usize, RunRow> = BTreeMap::new();
    let mut todo: Vec<&GridRun> = Vec::new();
    for run in &shard {
        let path = run_path(&out, run, vary, "json");
        match read_report(&path) {
            Some(report)
                if !report.incomplete
                    && report.comparison.is_some()
                    && report.config == normalised(&run.config) =>
            {
                done.insert(run.index, RunRow::of(&report, vary));
            }
            _ => todo.push(run),
        }
    }
    if !done.is_empty() {
        eprintln!(
            "skipped {} of {} runs already done in {} (delete their JSON to train them again)",
            done.len(),
            shard.len(),
            out.join("runs").display()
        );
    }

    // The baselines the runs to train need: from file, or trained once each.
    let mut baselines: Vec<Baseline> = vec![Baseline::Unneeded; grid.baselines.len()];
    let mut queue: VecDeque<Job> = VecDeque::new();
    for run in &todo {
        if !matches!(baselines[run.baseline], Baseline::Unneeded) {
            continue;
        }
        let config = &grid.baselines[run.baseline];
        baselines[run.baseline] = match read_report(&baseline_path(&out, config)) {
            Some(report) if !report.incomplete && report.config == normalised(config) => {
                Baseline::Done(report.final_report)
            }
            _ => {
                queue.push_back(Job::Baseline(run.baseline));
                Baseline::Pending
            }
        };
    }
    let baselines_to_train = queue.len();
    queue.extend(todo.iter().map(|run| Job::Run(run.index)));
    let jobs = args.jobs.min(queue.len().max(1));

    let interrupted = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&interrupted);
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst))
        .map_err(|e| format!("cannot listen for Ctrl-C: {e}"))?;
    if !todo.is_empty() {
        // Fail at once on a backend that cannot start, rather than once per run.
        backend.device()?;
    }
    let shared = Shared {
        grid: &grid,
        out: &out,
        queue: Mutex::new(queue),
        baselines: Mutex::new(baselines),
        baseline_ready: Condvar::new(),
        rows: Mutex::new(BTreeMap::new()),
        board: Mutex::new(Board::new(!args.run.quiet, todo.len(), baselines_to_train)),
        interrupted: &interrupted,
    };
    std::thread::scope(|scope| {
        for slot in 0..jobs {
            let shared = &shared;
            scope.spawn(move || shared.work(slot, backend));
        }
    });
    shared.board.lock().unwrap().finish();

    done.extend(shared.rows.into_inner().unwrap());
    let rows: Vec<RunRow> = done.into_values().collect();
    let summary = write_tables(&out, &rows, vary)?;
    print_summary(&summary, vary, args.run.json)?;
    let failed = rows
        .iter()
        .filter(|r| matches!(r.status, RunStatus::Failed(_)))
        .count();
    if interrupted.load(Ordering::SeqCst) {
        return Err(format!(
            "interrupted: {} of {} runs finished, {failed} failed; the tables in {} have what \
             finished; run the same command again to train the rest",
            rows.iter().filter(|r| r.status == RunStatus::Done).count(),
            shard.len(),
            out.display()
        ));
    }
    if failed > 0 {
        return Err(format!(
            "{failed} of {} runs failed (their messages are in {} and runs/*.failed)",
            shard.len(),
            out.join("runs.csv").display()
        ));
    }
    Ok(())
}

/// The grid the flags (and the grid file, if any) describe.
fn grid_spec(args: &SweepArgs) -> Result<GridSpec, String> {
    let flags = &args.run;
    let mut spec = match &args.grid {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            serde_json::from_str::<GridSpec>(&text)
                .map_err(|e| format!("{} is not a grid: {e}", path.display()))?
        }
        None => GridSpec::default(),
    };
    // The base: its dataset and optimiser kinds; the architecture and method are the lists.
    spec.base = flags
        .kinds_config(spec.base, &["dataset", "optimizer"])
        .map_err(|e| e.to_string())?;
    if let Some(seed) = flags.seed {
        spec.base.seed = seed;
        spec.seeds.clear();
    }
    let list = |text: &str| -> Vec<String> { text.split(',').map(|id| id.trim().into()).collect() };
    if let Some(arch) = &flags.arch {
        spec.arch = list(arch);
    }
    if let Some(weighting) = &flags.weighting {
        spec.weighting = list(weighting);
    }
    match (args.seeds, &args.seed_list) {
        (Some(0), _) => return Err("--seeds must be at least 1".into()),
        (Some(n), _) => spec.seeds = (1..=n).collect(),
        (None, Some(seeds)) => spec.seeds = seeds.clone(),
        (None, None) => {}
    }
    if let Some(vary) = &args.vary {
        let (key, values) = vary
            .split_once('=')
            .ok_or_else(|| format!("--vary `{vary}`: expected KEY=V1,V2,..."))?;
        spec.vary = Some(Vary {
            key: key.trim().to_string(),
            values: values
                .split(',')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(String::from)
                .collect(),
        });
    }
    spec.flags = flags
        .common_flags()
        .into_iter()
        .filter(|(flag, _, _)| !["--seed", "--baselines"].contains(flag))
        .map(|(flag, keys, value)| Override {
            name: flag.to_string(),
            keys: keys.iter().map(|k| k.to_string()).collect(),
            value,
        })
        .collect();
    spec.set.extend(flags.set.iter().cloned());
    Ok(spec)
}

/// `spec` with its flags written as `set` entries (each flag as the keys it set in some run),
/// so that `sweep.json` alone reproduces the grid.
fn folded(spec: &GridSpec, grid: &Grid) -> GridSpec {
    let mut present: Vec<String> = Vec::new();
    for run in &grid.runs {
        for field in seesaw_core::url::fields(&run.config) {
            if !present.contains(&field.key) {
                present.push(field.key);
            }
        }
    }
    let mut set: Vec<String> = Vec::new();
    for flag in &spec.flags {
        for key in flag.keys.iter().filter(|key| present.contains(key)) {
            set.push(format!("{key}={}", flag.value));
        }
    }
    set.extend(spec.set.iter().cloned());
    GridSpec {
        set,
        flags: Vec::new(),
        ..spec.clone()
    }
}

fn parse_shard(text: &str) -> Result<(usize, usize), String> {
    let bad = || format!("--shard `{text}`: expected I/N with 1 ≤ I ≤ N, e.g. 2/4");
    let (index, count) = text.split_once('/').ok_or_else(bad)?;
    let index = index.trim().parse().map_err(|_| bad())?;
    let count = count.trim().parse().map_err(|_| bad())?;
    Ok((index, count))
}

/// Creates the output folders and fails before any training when they cannot be written.
fn prepare_out(out: &Path) -> Result<(), String> {
    let unwritable = |e: std::io::Error| format!("--out {} cannot be written: {e}", out.display());
    for folder in [out.join("runs"), out.join("baselines")] {
        std::fs::create_dir_all(&folder).map_err(unwritable)?;
    }
    let probe = out.join(format!(".seesaw-probe-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(unwritable)?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// Writes `text` to `path` through a temporary file, so an interrupted write never leaves a
/// half file that a re-run would have to reject.
fn write_file(path: &Path, text: &str) -> Result<(), String> {
    let partial = path.with_extension("partial");
    std::fs::write(&partial, text)
        .and_then(|()| std::fs::rename(&partial, path))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn run_path(out: &Path, run: &GridRun, vary: Option<&str>, extension: &str) -> PathBuf {
    out.join("runs")
        .join(format!("{}.{extension}", run.labels.file_stem(vary)))
}

/// A baseline's file: its seed and a hash of its whole config (the data, the budget).
fn baseline_path(out: &Path, config: &RunConfig) -> PathBuf {
    let json = serde_json::to_string(config).expect("configs serialise");
    // FNV-1a: stable across Rust versions, unlike the standard library's hasher.
    let hash = json.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    out.join("baselines")
        .join(format!("seed{}-{hash:016x}.json", config.seed))
}

fn read_report(path: &Path) -> Option<RunReport> {
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

/// `config` as it reads back from its JSON, to compare with a config read from a file.
fn normalised(config: &RunConfig) -> RunConfig {
    serde_json::from_str(&serde_json::to_string(config).expect("configs serialise"))
        .expect("a config's JSON reads back")
}

fn report_json(report: &RunReport) -> String {
    serde_json::to_string_pretty(report).expect("reports serialise") + "\n"
}

#[derive(Debug, Clone, Copy)]
enum Job {
    /// Train `grid.baselines[i]`.
    Baseline(usize),
    /// Train the run with grid index `i`.
    Run(usize),
}

#[derive(Debug, Clone)]
enum Baseline {
    /// No run of this invocation needs it.
    Unneeded,
    /// Queued or training.
    Pending,
    Done(FinalReport),
    Failed(String),
    Interrupted,
}

struct Shared<'a> {
    grid: &'a Grid,
    out: &'a Path,
    queue: Mutex<VecDeque<Job>>,
    baselines: Mutex<Vec<Baseline>>,
    baseline_ready: Condvar,
    rows: Mutex<BTreeMap<usize, RunRow>>,
    board: Mutex<Board>,
    interrupted: &'a AtomicBool,
}

impl Shared<'_> {
    /// One worker: its own device; jobs from the queue until it is empty or Ctrl-C.
    fn work(&self, slot: usize, backend: Backend) {
        // Its own device; the device type stays inside this closure.
        let device = backend.device();
        let train: &Train = &|config, progress| {
            let device = device.as_ref().map_err(Clone::clone)?;
            let start = Instant::now();
            let clock = move || start.elapsed().as_secs_f64();
            pollster::block_on(run(config, device, &clock, progress)).map_err(|e| e.to_string())
        };
        loop {
            if self.interrupted.load(Ordering::SeqCst) {
                return;
            }
            let Some(job) = self.queue.lock().unwrap().pop_front() else {
                return;
            };
            match job {
                Job::Baseline(index) => {
                    let outcome = self.guarded(|| self.train_baseline(slot, index, train));
                    self.board.lock().unwrap().baseline_finished(slot);
                    self.baselines.lock().unwrap()[index] = outcome;
                    self.baseline_ready.notify_all();
                }
                Job::Run(index) => {
                    let run = &self.grid.runs[index];
                    let row = self
                        .guarded(|| self.train_run(slot, run, train))
                        .unwrap_or_else(|message| self.record_failure(run, message));
                    self.board.lock().unwrap().run_finished(slot, &row.status);
                    self.rows.lock().unwrap().insert(index, row);
                }
            }
        }
    }

    /// Runs `job`, turning a panic into a failure so that no run waits for a baseline forever.
    fn guarded<T: From<Panicked>>(&self, job: impl FnOnce() -> T) -> T {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)).unwrap_or_else(|panic| {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            T::from(Panicked(format!("the engine panicked: {message}")))
        })
    }

    /// Trains a single-task baseline and writes its report.
    fn train_baseline(&self, slot: usize, index: usize, train: &Train) -> Baseline {
        let config = &self.grid.baselines[index];
        let label = format!("baselines seed {}", config.seed);
        match self.train(slot, label, config, train) {
            Err(message) => Baseline::Failed(message),
            Ok(report) if report.incomplete => Baseline::Interrupted,
            Ok(report) => {
                let path = baseline_path(self.out, config);
                if let Err(message) = write_file(&path, &report_json(&report)) {
                    return Baseline::Failed(message);
                }
                Baseline::Done(report.final_report)
            }
        }
    }

    /// Trains a run, compares it with its baselines (waiting for them if they are still
    /// training) and writes its report.
    fn train_run(&self, slot: usize, run: &GridRun, train: &Train) -> Result<RunRow, String> {
        let vary = self.grid.vary.as_deref();
        let label = run.labels.configuration(vary) + &format!(" · seed {}", run.labels.seed);
        let mut report = self.train(slot, label, &run.config, train)?;
        let path = run_path(self.out, run, vary, "json");
        if report.incomplete {
            write_file(&path, &report_json(&report))?;
            let _ = std::fs::remove_file(run_path(self.out, run, vary, "failed"));
            return Ok(RunRow::of(&report, vary));
        }
        let baseline = {
            let mut baselines = self.baselines.lock().unwrap();
            while matches!(baselines[run.baseline], Baseline::Pending) {
                baselines = self.baseline_ready.wait(baselines).unwrap();
            }
            baselines[run.baseline].clone()
        };
        let mut row = match baseline {
            Baseline::Done(final_report) => {
                report.add_baselines(final_report);
                RunRow::of(&report, vary)
            }
            Baseline::Failed(message) => {
                return Err(format!("its single-task baselines failed: {message}"));
            }
            Baseline::Interrupted | Baseline::Pending | Baseline::Unneeded => {
                // Trained, but its baselines were interrupted: kept without a comparison and
                // trained again by a re-run.
                let mut row = RunRow::of(&report, vary);
                row.status = RunStatus::Incomplete;
                row
            }
        };
        if let Err(message) = write_file(&path, &report_json(&report)) {
            row = RunRow::failed(run.labels.clone(), message);
        }
        let _ = std::fs::remove_file(run_path(self.out, run, vary, "failed"));
        Ok(row)
    }

    /// A failed run: its message in `runs/<stem>.failed`, no stale JSON beside it.
    fn record_failure(&self, run: &GridRun, message: String) -> RunRow {
        let vary = self.grid.vary.as_deref();
        let _ = std::fs::remove_file(run_path(self.out, run, vary, "json"));
        if let Err(error) = write_file(&run_path(self.out, run, vary, "failed"), &message) {
            eprintln!("\n{error}");
        }
        RunRow::failed(run.labels.clone(), message)
    }

    /// One training run, with its progress on the board and Ctrl-C stopping it.
    fn train(
        &self,
        slot: usize,
        label: String,
        config: &RunConfig,
        train: &Train,
    ) -> Result<RunReport, String> {
        self.board
            .lock()
            .unwrap()
            .start(slot, label, config.train.steps);
        train(config, &mut |progress| {
            self.board
                .lock()
                .unwrap()
                .step(slot, progress.step, progress.steps);
            if self.interrupted.load(Ordering::SeqCst) {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
    }
}

/// Trains a config on a worker's device, reporting progress (which may stop it).
type Train<'a> = dyn Fn(&RunConfig, &mut dyn FnMut(Progress) -> ControlFlow<()>) -> Result<RunReport, String>
    + 'a;

/// A panic's message, convertible into each job's failure.
struct Panicked(String);

impl From<Panicked> for Baseline {
    fn from(panic: Panicked) -> Self {
        Baseline::Failed(panic.0)
    }
}

impl From<Panicked> for Result<RunRow, String> {
    fn from(panic: Panicked) -> Self {
        Err(panic.0)
    }
}

/// The progress line on stderr: runs done of those to train, running, failed, baselines.
/// Redraws at most ten times a second.
struct Board {
    enabled: bool,
    last_draw: Option<Instant>,
    started: Instant,
    runs: usize,
    runs_done: usize,
    failed: usize,
    baselines: usize,
    baselines_done: usize,
    /// Per worker: what it trains, steps done, steps.
    running: BTreeMap<usize, (String, usize, usize)>,
    width: usize,
}

impl Board {
    fn new(enabled: bool, runs: usize, baselines: usize) -> Self {
        Board {
            enabled: enabled && runs > 0,
            last_draw: None,
            started: Instant::now(),
            runs,
            runs_done: 0,
            failed: 0,
            baselines,
            baselines_done: 0,
            running: BTreeMap::new(),
            width: 0,
        }
    }

    fn start(&mut self, slot: usize, label: String, steps: usize) {
        self.running.insert(slot, (label, 0, steps));
        self.draw(false);
    }

    fn step(&mut self, slot: usize, step: usize, steps: usize) {
        if let Some(entry) = self.running.get_mut(&slot) {
            (entry.1, entry.2) = (step, steps);
        }
        self.draw(false);
    }

    fn baseline_finished(&mut self, slot: usize) {
        self.running.remove(&slot);
        self.baselines_done += 1;
        self.draw(true);
    }

    fn run_finished(&mut self, slot: usize, status: &RunStatus) {
        self.running.remove(&slot);
        self.runs_done += 1;
        if matches!(status, RunStatus::Failed(_)) {
            self.failed += 1;
        }
        self.draw(true);
    }

    fn draw(&mut self, force: bool) {
        let due = self
            .last_draw
            .is_none_or(|t| t.elapsed().as_millis() >= 100);
        if !self.enabled || !(due || force) {
            return;
        }
        self.last_draw = Some(Instant::now());
        let running: Vec<String> = self
            .running
            .values()
            .map(|(label, step, steps)| format!("{label} {step}/{steps}"))
            .collect();
        let mut line = format!(
            "runs {}/{} done, {} running, {} failed",
            self.runs_done,
            self.runs,
            self.running.len(),
            self.failed
        );
        if self.baselines > 0 {
            line.push_str(&format!(
                "; baselines {}/{}",
                self.baselines_done, self.baselines
            ));
        }
        line.push_str(&format!(
            "; {:.0} s  {}",
            self.started.elapsed().as_secs_f64(),
            running.join(", ")
        ));
        // Clear what a longer previous line left.
        let length = line.chars().count();
        let pad = self.width.saturating_sub(length);
        self.width = length;
        eprint!("\r{line}{}", " ".repeat(pad));
        let _ = std::io::stderr().flush();
    }

    fn finish(&mut self) {
        if self.enabled && self.last_draw.is_some() {
            self.draw(true);
            eprintln!();
        }
    }
}

/// Writes `runs.csv` and `summary.csv`; returns the summary.
fn write_tables(
    out: &Path,
    rows: &[RunRow],
    vary: Option<&str>,
) -> Result<Vec<SummaryRow>, String> {
    let summary = summarise(rows);
    write_file(&out.join("runs.csv"), &runs_csv(rows, vary))?;
    write_file(&out.join("summary.csv"), &summary_csv(&summary, vary))?;
    Ok(summary)
}

/// The summary table on stdout (or its rows as JSON), and how to read Δm.
fn print_summary(summary: &[SummaryRow], vary: Option<&str>, json: bool) -> Result<(), String> {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(summary).map_err(|e| e.to_string())?
        );
        return Ok(());
    }
    print!("{}", table(summary, vary));
    println!("{DELTA_M_CONVENTION}");
    Ok(())
}

/// The summary as an aligned text table: configuration, each task's test metric and Δm as
/// mean ± sample std over seeds, the runs averaged (and failed, when any did).
fn table(summary: &[SummaryRow], vary: Option<&str>) -> String {
    let mut columns: Vec<(String, String)> = Vec::new();
    for row in summary {
        for (task, metric) in row.tasks.iter().zip(&row.metrics) {
            if !columns.iter().any(|(t, _)| t == task) {
                columns.push((task.clone(), metric.clone()));
            }
        }
    }
    let any_failed = summary.iter().any(|row| row.failed > 0);
    let mut header = vec!["configuration".to_string()];
    header.extend(
        columns
            .iter()
            .map(|(task, metric)| format!("{task} {metric}")),
    );
    header.extend(["Δm %".to_string(), "n".to_string()]);
    if any_failed {
        header.push("failed".into());
    }
    let stats = |value: Option<seesaw_core::compare::MeanStd>, digits: usize| {
        value.map_or_else(|| "–".to_string(), |s| s.format(digits))
    };
    let mut lines = vec![header];
    for row in summary {
        let mut cells = vec![row.labels.configuration(vary)];
        for (task, _) in &columns {
            let value = row
                .tasks
                .iter()
                .position(|t| t == task)
                .and_then(|i| row.test.get(i).copied().flatten());
            cells.push(stats(value, 4));
        }
        cells.push(stats(row.delta_m, 2));
        cells.push(row.runs.to_string());
        if any_failed {
            cells.push(row.failed.to_string());
        }
        lines.push(cells);
    }
    let widths: Vec<usize> = (0..lines[0].len())
        .map(|c| {
            lines
                .iter()
                .map(|l| l[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut text = String::new();
    for line in &lines {
        let cells: Vec<String> = line
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(c, (cell, &width))| {
                if c == 0 {
                    format!("{cell:<width$}")
                } else {
                    format!("{cell:>width$}")
                }
            })
            .collect();
        text.push_str(cells.join("  ").trim_end());
        text.push('\n');
    }
    text
}

/// `seesaw sweep --merge DIR... --out OUT`: every run of the folders (their `runs/*.json` and
/// `*.failed`), in grid order, as one `runs.csv` and `summary.csv`.
fn merge(dirs: &[PathBuf], out: &Path, json: bool) -> Result<(), String> {
    let mut vary: Option<Option<String>> = None;
    // Every stem of the folders' grids, with its labels and place in the first grid it is in.
    let mut stems: HashMap<String, (usize, Labels)> = HashMap::new();
    let mut rows: HashMap<String, RunRow> = HashMap::new();
    for dir in dirs {
        let spec_path = dir.join("sweep.json");
        let text = std::fs::read_to_string(&spec_path).map_err(|e| {
            format!(
                "--merge {}: no sweep.json ({e}); give the --out folders of `seesaw sweep`",
                dir.display()
            )
        })?;
        let spec: GridSpec = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not a grid: {e}", spec_path.display()))?;
        let grid = spec
            .expand(GridSpec::MAX_RUNS)
            .map_err(|e| format!("{}: {e}", spec_path.display()))?;
        match &vary {
            Some(key) if *key != grid.vary => {
                return Err(format!(
                    "--merge {}: it varies {}, the folders before it {}; only sweeps of the \
                     same knob can be merged",
                    dir.display(),
                    grid.vary.as_deref().unwrap_or("no knob"),
                    key.as_deref().unwrap_or("no knob")
                ));
            }
            _ => vary = Some(grid.vary.clone()),
        }
        let offset = stems.len();
        for run in &grid.runs {
            let stem = run.labels.file_stem(grid.vary.as_deref());
            stems
                .entry(stem)
                .or_insert((offset + run.index, run.labels.clone()));
        }
        let runs = dir.join("runs");
        let entries = std::fs::read_dir(&runs)
            .map_err(|e| format!("--merge {}: cannot read {e}", runs.display()))?;
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
        paths.sort();
        for path in paths {
            let Some(stem) = path.file_stem().and_then(|s| s.to_str()).map(String::from) else {
                continue;
            };
            let row = match path.extension().and_then(|e| e.to_str()) {
                Some("json") => match read_report(&path) {
                    Some(report) => RunRow::of(&report, grid.vary.as_deref()),
                    None => {
                        eprintln!("warning: {} is not a run report; left out", path.display());
                        continue;
                    }
                },
                Some("failed") => {
                    let Some((_, labels)) = stems.get(&stem) else {
                        eprintln!(
                            "warning: {} is no run of {}; left out",
                            path.display(),
                            spec_path.display()
                        );
                        continue;
                    };
                    let message = std::fs::read_to_string(&path).unwrap_or_default();
                    RunRow::failed(labels.clone(), message.trim_end())
                }
                _ => continue,
            };
            match rows.get(&stem) {
                Some(kept) if kept.status == RunStatus::Done => {
                    if row.status == RunStatus::Done {
                        eprintln!(
                            "warning: {} is in more than one folder; kept the first",
                            path.display()
                        );
                    }
                }
                _ => {
                    rows.insert(stem, row);
                }
            }
        }
    }
    let mut rows: Vec<(String, RunRow)> = rows.into_iter().collect();
    rows.sort_by_key(|(stem, row)| {
        (
            stems.get(stem).map_or(usize::MAX, |(index, _)| *index),
            row.labels.clone(),
        )
    });
    let rows: Vec<RunRow> = rows.into_iter().map(|(_, row)| row).collect();
    std::fs::create_dir_all(out)
        .map_err(|e| format!("--out {} cannot be written: {e}", out.display()))?;
    let vary = vary.flatten();
    let summary = write_tables(out, &rows, vary.as_deref())?;
    print_summary(&summary, vary.as_deref(), json)?;
    eprintln!(
        "merged {} runs from {} folders into {}",
        rows.len(),
        dirs.len(),
        out.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use seesaw_core::Registry;

    #[derive(Parser)]
    struct Sweep {
        #[command(flatten)]
        args: SweepArgs,
    }

    fn spec(args: &[&str]) -> Result<GridSpec, String> {
        let mut argv = vec!["seesaw"];
        argv.extend_from_slice(args);
        grid_spec(&Sweep::try_parse_from(argv).map_err(|e| e.to_string())?.args)
    }

    #[test]
    fn flags_become_the_grid() {
        let spec = spec(&[
            "--dataset",
            "correlated",
            "--arch",
            "mmoe, cgc",
            "--weighting",
            "equal,pcgrad",
            "--seeds",
            "3",
            "--vary",
            "correlation=1, 0.5",
            "--experts",
            "5",
            "--set",
            "learning_rate=0.01",
        ])
        .unwrap();
        assert_eq!(spec.arch, ["mmoe", "cgc"]);
        assert_eq!(spec.weighting, ["equal", "pcgrad"]);
        assert_eq!(spec.seeds, [1, 2, 3]);
        assert_eq!(spec.vary.as_ref().unwrap().values, ["1", "0.5"]);
        assert_eq!(spec.base.arch.id(), RunConfig::default().arch.id());
        let grid = spec.expand(100).unwrap();
        assert_eq!(grid.runs.len(), 24);
        // The folded grid (sweep.json) reproduces every run: `--experts` stood for `experts`
        // in MMoE and `shared_experts` in CGC.
        let folded = folded(&spec, &grid);
        assert_eq!(
            folded.set,
            ["experts=5", "shared_experts=5", "learning_rate=0.01"]
        );
        let json = serde_json::to_string(&folded).unwrap();
        let again = serde_json::from_str::<GridSpec>(&json)
            .unwrap()
            .expand(100)
            .unwrap();
        assert_eq!(again, grid);
    }

    #[test]
    fn seeds_come_from_one_flag() {
        assert_eq!(spec(&["--seed-list", "3,5,9"]).unwrap().seeds, [3, 5, 9]);
        let base = spec(&["--seed", "4"]).unwrap();
        assert_eq!((base.seeds.len(), base.base.seed), (0, 4));
        assert!(spec(&["--seeds", "0"]).unwrap_err().contains("--seeds"));
        assert!(spec(&["--seeds", "2", "--seed", "4"]).is_err());
        assert!(
            spec(&["--vary", "correlation"])
                .unwrap_err()
                .contains("--vary")
        );
    }

    #[test]
    fn shards_parse_or_say_how() {
        assert_eq!(parse_shard("2/4").unwrap(), (2, 4));
        assert!(parse_shard("2-4").unwrap_err().contains("I/N"));
        assert!(parse_shard("a/4").unwrap_err().contains("--shard `a/4`"));
    }

    #[test]
    fn the_table_aligns_mean_and_std() {
        let row = |arch: &str, seed, value| RunRow {
            labels: Labels {
                arch: arch.into(),
                weighting: "equal".into(),
                knob: Some("0.5".into()),
                seed,
            },
            status: RunStatus::Done,
            tasks: vec!["task1".into()],
            metrics: vec!["auc".into()],
            test: vec![Some(value)],
            gains: vec![Some(0.0)],
            delta_m: Some(value * 10.0),
            steps_per_second: Some(1.0),
        };
        let summary = summarise(&[
            row("mmoe", 1, 0.8),
            row("mmoe", 2, 0.9),
            row("omoe", 1, 0.7),
        ]);
        let text = table(&summary, Some("correlation"));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[0].starts_with("configuration"), "{text}");
        assert!(
            lines[0].contains("task1 auc") && lines[0].ends_with("n"),
            "{text}"
        );
        assert!(
            lines[1].starts_with("mmoe · equal · correlation=0.5")
                && lines[1].contains("0.8500 ± 0.0707")
                && lines[1].ends_with(" 2"),
            "{text}"
        );
        assert!(lines[2].contains("0.7000 ± –"), "{text}");
    }
}
