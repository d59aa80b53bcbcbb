//! `seesaw bench`: training throughput per architecture and backend.
//!
//! For each architecture: build the trainer, run `warmup` steps and a report (which waits for
//! the device), then time `steps` steps followed by one report, so queued device work is
//! included but data generation, compilation warm-up and the final evaluation are not. On the
//! wgpu device it also counts the kernels launched per training step (a cubecl launch observer
//! around the timed steps): on WebGPU each launch costs tens of microseconds, so this count is
//! what bounds a small model's step time there.

use clap::Args;
use seesaw_core::Registry;
use seesaw_core::data::DatasetConfig;
use seesaw_core::device::Backend;
use seesaw_core::model::ArchConfig;
use seesaw_core::train::{RunConfig, TrainConfig, Trainer};
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
    let data = Arc::new(dataset.generate(7).map_err(|e| e.to_string())?);
    println!(
        "{:<14} {:<15} {:<8} {:>6} {:>12} {:>10} {:>15}",
        "arch", "weighting", "backend", "batch", "steps/s", "ms/step", "dispatches/step"
    );
    for backend_id in &args.backend {
        let device = Backend::from_id(backend_id)
            .map_err(|e| e.to_string())?
            .device()?;
        for (arch, weighting) in archs
            .iter()
            .flat_map(|arch| weightings.iter().map(move |weighting| (arch, weighting)))
        {
            let config = RunConfig {
                dataset: dataset.clone(),
                arch: arch.clone(),
                weighting: weighting.clone(),
                train: TrainConfig {
                    batch_size: args.batch_size,
                    steps: args.warmup + args.steps,
                    eval_every: 10_000_000,
                    ..TrainConfig::default()
                },
                ..RunConfig::default()
            };
            match config.validate() {
                // An architecture that does not fit the dataset (ESMM off a funnel).
                Err(error) if error.field == "arch" && args.arch.is_none() => continue,
                Err(error) => return Err(error.to_string()),
                Ok(()) => {}
            }
            let mut trainer =
                Trainer::new(&config, Arc::clone(&data), &device).map_err(|e| e.to_string())?;
            for _ in 0..args.warmup {
                pollster::block_on(trainer.step()).map_err(|e| e.to_string())?;
            }
            pollster::block_on(trainer.report()).map_err(|e| e.to_string())?;
            let start = Instant::now();
            let launches = dispatches::Counter::start();
            for _ in 0..args.steps {
                pollster::block_on(trainer.step()).map_err(|e| e.to_string())?;
            }
            let launched = launches.stop();
            pollster::block_on(trainer.report()).map_err(|e| e.to_string())?;
            let seconds = start.elapsed().as_secs_f64();
            let per_step = match launched {
                Some(count) if count > 0 => format!("{:.1}", count as f64 / args.steps as f64),
                // flex runs no cubecl kernels (or this build has no wgpu).
                _ => "–".to_string(),
            };
            println!(
                "{:<14} {:<15} {:<8} {:>6} {:>12.1} {:>10.3} {:>15}",
                arch.id(),
                weighting.id(),
                backend_id,
                args.batch_size,
                args.steps as f64 / seconds,
                1000.0 * seconds / args.steps as f64,
                per_step
            );
        }
    }
    Ok(())
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
