//! `seesaw`: Seesaw's engine headless, for sweeps, tests and benchmarks.
//!
//! ```text
//! seesaw train --dataset correlated --correlation 0.5 --arch mmoe --weighting equal \
//!     --steps 300 --seed 7 --backend flex --out run.json
//! seesaw sweep --dataset correlated --arch mmoe,shared-bottom --weighting equal,uncertainty \
//!     --vary correlation=1,0.5 --seeds 3 --steps 300 --jobs 2 --out sweep/
//! seesaw bench --arch mmoe,ple --backend flex,wgpu --batch-size 256
//! seesaw aggregate --method mgda --jacobian J.json
//! seesaw toy --objective cagrad --method mgda --start -8.5,7.5 --steps 1000
//! seesaw train --dataset funnel --arch esmm --predictions preds.csv
//! seesaw fuse --predictions preds.csv --formula multiplicative --search cem --importance 1,2
//! seesaw list
//! ```

mod bench;
mod explore;
mod flags;
mod fuse;
mod heap;
mod progress;
mod sweep;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use seesaw_core::Registry;
use seesaw_core::device::Backend;
use seesaw_core::train::{ControlFlow, Progress, RunReport, run, run_with_predictions};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

#[derive(Parser)]
#[command(
    name = "seesaw",
    version,
    about = "Train multi-task models headless with Seesaw's engine"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train one configuration and report per-task losses, metrics, weights and gates.
    Train(Box<flags::TrainArgs>),
    /// Train a grid (architectures × methods × one knob × seeds) with shared single-task
    /// baselines, in parallel, resumable and shardable; runs.csv and summary.csv (mean ± std).
    Sweep(Box<sweep::SweepArgs>),
    /// Time training steps per architecture and backend.
    Bench(bench::BenchArgs),
    /// Apply a gradient method to an explicit Jacobian (JSON) and print direction and weights.
    Aggregate(explore::AggregateArgs),
    /// Run a method on a 2-D toy objective pair and print its trajectory.
    Toy(explore::ToyArgs),
    /// Fuse per-task scores (from `train --predictions`) into one ranking score and search
    /// the fusion formula's parameters for the best importance-weighted per-task quality.
    Fuse(Box<fuse::FuseArgs>),
    /// List the registered datasets, architectures and weighting methods.
    List,
}

fn main() -> ExitCode {
    heap::keep_freed_blocks();
    let command = Cli::command().mut_subcommand("sweep", sweep::adjust_help);
    let cli = Cli::from_arg_matches(&command.get_matches()).unwrap_or_else(|e| e.exit());
    match cli.command {
        Command::List => {
            print_list();
            ExitCode::SUCCESS
        }
        Command::Train(args) => exit(train(*args)),
        Command::Sweep(args) => exit(sweep::sweep(&args)),
        Command::Bench(args) => exit(bench::bench(&args)),
        Command::Aggregate(args) => exit(explore::aggregate(&args)),
        Command::Toy(args) => exit(explore::toy(&args)),
        Command::Fuse(args) => exit(fuse::fuse(&args)),
    }
}

fn exit(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn train(args: flags::TrainArgs) -> Result<(), String> {
    let config = args.to_config().map_err(|e| e.to_string())?;
    config.validate().map_err(|e| e.to_string())?;
    let backend = Backend::from_id(&args.backend).map_err(|e| e.to_string())?;
    if let Some(path) = &args.out {
        check_writable(path, "--out")?;
    }
    if let Some(path) = &args.predictions {
        check_writable(path, "--predictions")?;
    }
    let device = backend.device()?;
    let start = Instant::now();
    let clock = move || start.elapsed().as_secs_f64();
    let mut bar = progress::Bar::new(!args.quiet);
    // Ctrl-C stops the run after the current step; what it has is still written, marked
    // incomplete.
    let interrupted = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&interrupted);
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst))
        .map_err(|e| format!("cannot listen for Ctrl-C: {e}"))?;
    let memory_every = args.memory_every.filter(|&n| n > 0);
    let mut on_progress = |p: Progress| {
        bar.update(&p);
        if let Some(every) = memory_every
            && p.step.is_multiple_of(every)
        {
            eprintln!(
                "\nmemory: {:?} step {} of {}: rss {}",
                p.phase,
                p.step,
                p.steps,
                resident_memory().map_or("n/a".to_string(), |kb| format!(
                    "{:.1} MB",
                    kb as f64 / 1024.0
                ))
            );
        }
        if interrupted.load(Ordering::SeqCst) {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    let report = match &args.predictions {
        None => pollster::block_on(run(&config, &device, &clock, &mut on_progress))
            .map_err(|e| e.to_string())?,
        Some(path) => {
            let (report, predictions) = pollster::block_on(run_with_predictions(
                &config,
                &device,
                &clock,
                &mut on_progress,
            ))
            .map_err(|e| e.to_string())?;
            std::fs::write(path, predictions.to_csv())
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            report
        }
    };
    let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    match &args.out {
        Some(path) => std::fs::write(path, json + "\n")
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
        None if args.json => println!("{json}"),
        None => {}
    }
    if !args.json {
        print_summary(&report, &args.backend);
    }
    if report.incomplete {
        return Err(format!(
            "interrupted: {}{}",
            report.notes.last().cloned().unwrap_or_default(),
            args.out.as_ref().map_or(String::new(), |path| format!(
                "; written to {}",
                path.display()
            ))
        ));
    }
    Ok(())
}

/// The process's resident set size in kB (`VmRSS` of /proc/self/status; Linux only).
fn resident_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Fails before any training when `path` cannot be written (a missing folder, no permission),
/// so a run is never lost at the end. Leaves no file behind that was not there.
fn check_writable(path: &std::path::Path, flag: &str) -> Result<(), String> {
    let existed = path.exists();
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .map_err(|e| format!("{flag} {} cannot be written: {e}", path.display()))?;
    if !existed {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

fn print_summary(report: &RunReport, backend: &str) {
    let config = &report.config;
    println!(
        "{} on {} with {} ({} steps, batch {}, seed {}, backend {backend}): {:.1} steps/s",
        config.arch.id(),
        config.dataset.id(),
        config.weighting.id(),
        config.train.steps,
        config.train.batch_size,
        config.seed,
        report.timing.steps_per_second
    );
    let first = report.history.first();
    println!(
        "{:<12} {:>12} {:>12} {:>10} {:>8} {:>10} {:>10}",
        "task", "train loss", "(first)", "val loss", "metric", "val", "test"
    );
    let last = report.history.last();
    for (index, task) in report.final_report.tasks.iter().enumerate() {
        let train_loss = |entry: Option<&seesaw_core::train::HistoryEntry>| {
            entry.map_or(f64::NAN, |e| e.train_loss[index])
        };
        println!(
            "{:<12} {:>12.5} {:>12.5} {:>10.5} {:>8} {:>10} {:>10}",
            task.name,
            train_loss(last),
            train_loss(first),
            task.val_loss,
            task.metric,
            format_value(task.value),
            format_value(task.test_value)
        );
    }
    if let Some(comparison) = &report.comparison {
        for (task, gain) in report.final_report.tasks.iter().zip(&comparison.mtl_gain) {
            println!("MTL gain {:<12} {}", task.name, format_value(*gain));
        }
        println!(
            "Δm = {} % (relative to single-task baselines; higher is better)",
            format_value(comparison.delta_m)
        );
    }
}

fn format_value(value: Option<f64>) -> String {
    value.map_or_else(|| "n/a".to_string(), |v| format!("{v:.5}"))
}

fn print_list() {
    for key in seesaw_core::registry::KINDS.iter().map(|kind| kind.key) {
        let label = format!("{key}:");
        println!(
            "{label:<12}{}",
            seesaw_core::registry::kind_ids(key).join(", ")
        );
    }
    println!("{:<12}flex, wgpu", "backend:");
}
