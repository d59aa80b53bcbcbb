//! `seesaw bench`: training throughput per architecture and backend.
//!
//! For each architecture: build the trainer, run `warmup` steps and a read of the running
//! losses (which waits for the device), then time `steps` steps followed by one such read, so
//! queued device work is included but data generation, compilation warm-up and evaluation are
//! not. On the
//! wgpu device it also counts the kernels launched per training step (a cubecl launch observer
//! around the timed steps): on WebGPU each launch costs tens of microseconds, so this count is
//! what bounds a small model's step time there.
//!
//! `--runs 1,8,32` also times K runs of each architecture trained as one stacked model
//! ([`ParallelTrainer`]; seeds 1..=K, so each run has its own data, weights and batches): a
//! row's ms/step is one step of all K runs, and `× 1 run` compares it with one run alone.
//! `--out` writes every row as JSON (the machine's details come from `scripts/bench-native`).

use clap::Args;
use seesaw_core::Registry;
use seesaw_core::data::DatasetConfig;
use seesaw_core::device::Backend;
use seesaw_core::model::ArchConfig;
use seesaw_core::train::{OptimizerConfig, ParallelTrainer, RunConfig, TrainConfig, Trainer};
use seesaw_core::weighting::WeightingConfig;
use std::sync::Arc;
use std::time::Instant;

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Architectures to time, comma-separated (default: all that fit the dataset).
    #[arg(long, value_delimiter = ',')]
    pub arch: Option<Vec<String>>,
    /// Dataset id.
    #[arg(long, default_value = "correlated")]
    pub dataset: String,
    /// Weighting method ids, comma-separated (`all` for every registered one).
    #[arg(long, value_delimiter = ',', default_value = "equal")]
    pub weighting: Vec<String>,
    /// Backends to time, comma-separated: flex, wgpu.
    #[arg(long, value_delimiter = ',', default_value = "flex")]
    pub backend: Vec<String>,
    /// Rows per batch.
    #[arg(long, default_value_t = 256)]
    pub batch_size: usize,
    /// Timed steps.
    #[arg(long, default_value_t = 200)]
    pub steps: usize,
    /// Untimed steps first.
    #[arg(long, default_value_t = 10)]
    pub warmup: usize,
    /// Optimiser id (adam, sgd), with its default settings.
    #[arg(long, default_value = "adam")]
    pub optimizer: String,
    /// Numbers of runs trained as one stacked model, comma-separated (1: one run alone).
    #[arg(long, value_delimiter = ',', default_value = "1")]
    pub runs: Vec<usize>,
    /// Writes the rows as JSON here.
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
}

/// One timed configuration.
#[derive(Debug, serde::Serialize)]
struct Row {
    arch: String,
    weighting: String,
    optimizer: String,
    backend: String,
    batch_size: usize,
    runs: usize,
    ms_per_step: f64,
    /// `None` off wgpu.
    dispatches_per_step: Option<f64>,
    /// ms/step over the same configuration's one-run ms/step, when one run was timed.
    vs_one_run: Option<f64>,
}

/// Either one trainer or K stacked ones, stepped and synchronised the same way.
enum Timed {
    One(Box<Trainer>),
    Stacked(Box<ParallelTrainer>),
}

impl Timed {
    fn step(&mut self) -> Result<(), String> {
        match self {
            Timed::One(trainer) => pollster::block_on(trainer.step()),
            Timed::Stacked(runs) => pollster::block_on(runs.step()),
        }
        .map_err(|e| e.to_string())
    }

    /// Reads the running losses, which waits for every queued kernel.
    fn wait(&mut self) -> Result<(), String> {
        match self {
            Timed::One(trainer) => pollster::block_on(trainer.running_loss()).map(drop),
            Timed::Stacked(runs) => pollster::block_on(runs.running_losses()).map(drop),
        }
        .map_err(|e| e.to_string())
    }
}

pub fn bench(args: &BenchArgs) -> Result<(), String> {
    let dataset = DatasetConfig::from_id(&args.dataset).map_err(|e| e.to_string())?;
    let weightings: Vec<WeightingConfig> = if args.weighting.iter().any(|id| id == "all") {
        WeightingConfig::all()
    } else {
        args.weighting
            .iter()
            .map(|id| WeightingConfig::from_id(id))
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?
    };
    let archs: Vec<ArchConfig> = match &args.arch {
        Some(ids) => ids
            .iter()
            .map(|id| ArchConfig::from_id(id))
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?,
        None => ArchConfig::all(),
    };
    let optimizer = OptimizerConfig::from_id(&args.optimizer).map_err(|e| e.to_string())?;
    if args.runs.contains(&0) {
        return Err("--runs: each count must be at least 1".to_string());
    }
    let largest = args.runs.iter().copied().max().unwrap_or(1);
    let data: Vec<_> = (1..=largest as u64)
        .map(|seed| dataset.generate(seed).map(Arc::new))
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    println!(
        "{:<14} {:<15} {:<8} {:>6} {:>5} {:>10} {:>10} {:>15} {:>8}",
        "arch",
        "weighting",
        "backend",
        "batch",
        "runs",
        "steps/s",
        "ms/step",
        "dispatches/step",
        "× 1 run"
    );
    let mut rows = Vec::new();
    for backend_id in &args.backend {
        let device = Backend::from_id(backend_id)
            .map_err(|e| e.to_string())?
            .device()?;
        for (arch, weighting) in archs
            .iter()
            .flat_map(|arch| weightings.iter().map(move |weighting| (arch, weighting)))
        {
            let config = |seed: u64| RunConfig {
                dataset: dataset.clone(),
                arch: arch.clone(),
                weighting: weighting.clone(),
                seed,
                train: TrainConfig {
                    batch_size: args.batch_size,
                    steps: args.warmup + args.steps,
                    eval_every: 10_000_000,
                    optimizer: optimizer.clone(),
                    ..TrainConfig::default()
                },
                ..RunConfig::default()
            };
            match config(1).validate() {
                // An architecture that does not fit the dataset (ESMM off a funnel).
                Err(error) if error.field == "arch" && args.arch.is_none() => continue,
                Err(error) => return Err(error.to_string()),
                Ok(()) => {}
            }
            let mut one_run = None;
            for &runs in &args.runs {
                let trainers = (1..=runs)
                    .map(|seed| {
                        Trainer::new(&config(seed as u64), Arc::clone(&data[seed - 1]), &device)
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| e.to_string())?;
                let mut timed = if runs == 1 {
                    Timed::One(Box::new(trainers.into_iter().next().expect("one")))
                } else {
                    match ParallelTrainer::new(trainers) {
                        Ok(stacked) => Timed::Stacked(Box::new(stacked)),
                        Err(error) => {
                            println!(
                                "{:<14} {:<15} {backend_id:<8} {:>6} {runs:>5}  {error}",
                                arch.id(),
                                weighting.id(),
                                args.batch_size
                            );
                            continue;
                        }
                    }
                };
                let (seconds, launched) = time(&mut timed, args)?;
                let ms_per_step = 1000.0 * seconds / args.steps as f64;
                if runs == 1 {
                    one_run = Some(ms_per_step);
                }
                let row = Row {
                    arch: arch.id().to_string(),
                    weighting: weighting.id().to_string(),
                    optimizer: args.optimizer.clone(),
                    backend: backend_id.clone(),
                    batch_size: args.batch_size,
                    runs,
                    ms_per_step,
                    // flex runs no cubecl kernels (or this build has no wgpu).
                    dispatches_per_step: launched
                        .filter(|&count| count > 0)
                        .map(|count| count as f64 / args.steps as f64),
                    vs_one_run: one_run.map(|one| ms_per_step / one),
                };
                println!(
                    "{:<14} {:<15} {:<8} {:>6} {:>5} {:>10.1} {:>10.3} {:>15} {:>8}",
                    row.arch,
                    row.weighting,
                    row.backend,
                    row.batch_size,
                    row.runs,
                    1000.0 / row.ms_per_step,
                    row.ms_per_step,
                    row.dispatches_per_step
                        .map_or("–".to_string(), |d| format!("{d:.1}")),
                    row.vs_one_run
                        .map_or("–".to_string(), |r| format!("{r:.2}")),
                );
                rows.push(row);
            }
        }
    }
    if let Some(path) = &args.out {
        let json = serde_json::to_string_pretty(&rows).map_err(|e| e.to_string())?;
        std::fs::write(path, json).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

/// `warmup` steps and a read (which waits for the device), then `steps` timed steps and a
/// read: the seconds and, on wgpu, the kernels launched by the timed steps.
fn time(timed: &mut Timed, args: &BenchArgs) -> Result<(f64, Option<u64>), String> {
    for _ in 0..args.warmup {
        timed.step()?;
    }
    timed.wait()?;
    let start = Instant::now();
    let launches = dispatches::Counter::start();
    for _ in 0..args.steps {
        timed.step()?;
    }
    let launched = launches.stop();
    timed.wait()?;
    Ok((start.elapsed().as_secs_f64(), launched))
}

/// Counting cubecl kernel launches (the wgpu device's dispatches).
mod dispatches {
    #[cfg(feature = "gpu")]
    use cubecl_runtime::logging::{LaunchObservation, LaunchObserver};
    #[cfg(feature = "gpu")]
    use std::sync::Arc;
    #[cfg(feature = "gpu")]
    use std::sync::atomic::{AtomicU64, Ordering};

    #[cfg(feature = "gpu")]
    #[derive(Default)]
    struct Count(AtomicU64);

    #[cfg(feature = "gpu")]
    impl LaunchObserver for Count {
        fn launched(&self, _kernel: &'static str) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts every kernel launch the process issues until stopped.
    pub struct Counter {
        #[cfg(feature = "gpu")]
        count: Arc<Count>,
        #[cfg(feature = "gpu")]
        _observation: LaunchObservation,
    }

    impl Counter {
        /// Starts counting.
        pub fn start() -> Self {
            #[cfg(feature = "gpu")]
            {
                let count = Arc::new(Count::default());
                let observer: Arc<dyn LaunchObserver> = count.clone();
                Self {
                    _observation: LaunchObservation::new(observer),
                    count,
                }
            }
            #[cfg(not(feature = "gpu"))]
            Self {}
        }

        /// The launches counted (`None` in a build without wgpu).
        pub fn stop(self) -> Option<u64> {
            #[cfg(feature = "gpu")]
            return Some(self.count.0.load(Ordering::Relaxed));
            #[cfg(not(feature = "gpu"))]
            None
        }
    }
}
