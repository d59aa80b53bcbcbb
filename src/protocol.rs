//! The messages between the page and the training worker. Both sides are this crate, so the
//! messages are Rust enums sent as JSON strings (`postMessage` with a string is cheap, and the
//! format is readable in the browser's devtools).

use seesaw_core::ConfigError;
use seesaw_core::fusion::{LabRequest, LabResult, Predictions};
use seesaw_core::toy::{ToyMethodRuns, ToyRequest};
use seesaw_core::train::{BaselineComparison, FinalReport, HistoryEntry, RunConfig, RunReport};
use serde::{Deserialize, Serialize};

/// Which backend the page asks for (`backend` in the URL hash).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BackendChoice {
    /// WebGPU when the browser has a hardware adapter and it beats the CPU on a short
    /// calibration; the CPU otherwise.
    #[default]
    Auto,
    /// WebGPU whenever the browser offers it (tests use this with a software adapter).
    Webgpu,
    /// burn's `flex` CPU backend, compiled into the page.
    Cpu,
}

impl BackendChoice {
    /// Every choice, in menu order.
    pub const ALL: [BackendChoice; 3] = [
        BackendChoice::Auto,
        BackendChoice::Webgpu,
        BackendChoice::Cpu,
    ];

    /// The URL value: `auto`, `webgpu` or `cpu`.
    pub fn id(self) -> &'static str {
        match self {
            BackendChoice::Auto => "auto",
            BackendChoice::Webgpu => "webgpu",
            BackendChoice::Cpu => "cpu",
        }
    }

    /// Parses a URL value.
    ///
    /// # Errors
    /// Anything but `auto`, `webgpu` and `cpu`.
    pub fn from_id(id: &str) -> Result<BackendChoice, ConfigError> {
        Self::ALL
            .into_iter()
            .find(|choice| choice.id() == id)
            .ok_or_else(|| {
                ConfigError::new(
                    "backend",
                    format!("unknown backend `{id}`; known: auto, webgpu, cpu"),
                )
            })
    }
}

/// Which build of the training worker a run needs (`backend::worker_build`). Both train on
/// the CPU; only `WebGpu` (bin `seesaw-worker`, feature `webgpu`) links burn's WebGPU backend,
/// whose shader compiler is most of its size, so runs that will train on the CPU get the
/// CPU-only build (bin `seesaw-worker-cpu`), a fraction of the download and compile time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerBuild {
    /// The CPU only.
    Cpu,
    /// WebGPU (with burn's kernel fusion) and the CPU: `auto` decides in the worker, and a
    /// lost GPU device falls back to the CPU there.
    WebGpu,
}

impl WorkerBuild {
    /// The Cargo bin (index.html's `data-bin`).
    pub fn bin(self) -> &'static str {
        match self {
            WorkerBuild::Cpu => "seesaw-worker-cpu",
            WorkerBuild::WebGpu => "seesaw-worker",
        }
    }

    /// The script that starts it (Trunk's loader shim of the bin).
    pub fn url(self) -> String {
        format!("./{}_loader.js", self.bin())
    }
}

/// The backend a run actually uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BackendKind {
    /// burn's wgpu backend on the browser's WebGPU.
    WebGpu,
    /// burn's `flex` backend on the CPU, in wasm.
    Cpu,
}

impl BackendKind {
    /// How the page names it (`WebGPU` or `CPU`; the `backend` test hook reads this).
    pub fn label(self) -> &'static str {
        match self {
            BackendKind::WebGpu => "WebGPU",
            BackendKind::Cpu => "CPU",
        }
    }
}

/// The backend in use, the adapter, and why it was chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackendInfo {
    /// WebGPU or CPU.
    pub kind: BackendKind,
    /// The adapter (`google swiftshader`, ...) or `wasm32` for the CPU.
    pub adapter: String,
    /// Why this backend: the choice, a fallback, or the calibration's numbers.
    pub reason: String,
    /// Whether the reason is a fallback the user should notice (no WebGPU, init failure).
    pub fallback: bool,
}

/// Page → worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ToWorker {
    /// Start a new run (dropping the previous one), paused at step 0.
    Configure {
        /// The run's id; the worker tags everything it sends about this run with it.
        run: u32,
        /// The config, already valid.
        config: Box<RunConfig>,
        /// The backend asked for.
        backend: BackendChoice,
    },
    /// A comparison's jobs: build the runs and train them to the end (pausable), sending
    /// progress but no live reports, then each run's whole report (`Trained`). Jobs that share
    /// a `stack_key` train stacked in one model; jobs that cannot train one after another.
    Train {
        /// The jobs: each one's id (progress and the result name it) and its config, already
        /// valid.
        jobs: Vec<(u32, Box<RunConfig>)>,
        /// The backend asked for.
        backend: BackendChoice,
    },
    /// Train until paused or done.
    Play,
    /// Stop after the step in flight.
    Pause,
    /// Do one step, then stay paused.
    Step,
    /// Run the fusion lab on a finished run's test predictions (between two slices of the
    /// run in progress, if any); answered by `Fused`.
    Fuse {
        /// The request's id; the answer names it.
        id: u32,
        /// The test split's per-row scores and labels.
        predictions: Box<Predictions>,
        /// The formula, search, objective, LTR label and sweep.
        request: Box<LabRequest>,
    },
    /// Run methods on a 2-D toy (the toy view); answered by `Toyed`.
    Toy {
        /// The request's id.
        id: u32,
        /// The objective, methods, starts and steps.
        request: Box<ToyRequest>,
    },
}

/// Worker → page. Every message but `Log` names the run it is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FromWorker {
    /// The worker's module is loaded and it listens.
    Loaded,
    /// The run is built and ready at step 0.
    Ready {
        /// The run.
        run: u32,
        /// The backend in use.
        backend: BackendInfo,
        /// Milliseconds from the Configure message to ready (device, data, model).
        setup_ms: f64,
    },
    /// Sent after every slice of steps (a few per second at most).
    Progress {
        /// The run.
        run: u32,
        /// Steps done.
        step: usize,
        /// Steps per second over the last slices.
        steps_per_second: f64,
        /// Mean training loss per task since the last report (one read per slice).
        running_loss: Vec<f64>,
        /// Whether the worker is still playing.
        playing: bool,
        /// The worker's WebAssembly memory in bytes (flat over a long run; the soak reads it).
        #[serde(default)]
        memory_bytes: u64,
    },
    /// A report of the multi-task model (every `eval_every` steps).
    Report {
        /// The run.
        run: u32,
        /// The report.
        entry: Box<HistoryEntry>,
    },
    /// A report of the single-task baselines at the same step.
    Baseline {
        /// The run.
        run: u32,
        /// The baselines' report.
        entry: Box<HistoryEntry>,
    },
    /// The step budget is spent: test-split evaluation and the comparison with the baselines.
    Finished {
        /// The run.
        run: u32,
        /// Validation and test metrics.
        final_report: Box<FinalReport>,
        /// MTL gain and Δm, when baselines were trained.
        comparison: Option<Box<BaselineComparison>>,
        /// The test split's per-row scores and labels (for the Fusion panel).
        predictions: Box<Predictions>,
    },
    /// A comparison's job finished: the report `seesaw train --out` would write (without
    /// baselines; the page attaches the shared ones).
    Trained {
        /// The job.
        run: u32,
        /// The run's config, history, final evaluation and timing.
        report: Box<RunReport>,
        /// The test split's per-row scores and labels (kept in memory for the Fusion panel,
        /// not stored).
        predictions: Box<Predictions>,
    },
    /// The toy runs asked for by `Toy`, or why they failed.
    Toyed {
        /// The request's id.
        id: u32,
        /// One entry per method.
        result: Result<Vec<ToyMethodRuns>, String>,
    },
    /// The fusion lab's answer to `Fuse`.
    Fused {
        /// The request's id.
        id: u32,
        /// The lab's result, or why it failed.
        result: Result<Box<LabResult>, String>,
    },
    /// The GPU device was lost mid-run: the worker rebuilt the run on the CPU and replayed it to
    /// the last report (same seed, same batches); it goes on from there.
    DeviceLost {
        /// The run.
        run: u32,
        /// What the device said.
        message: String,
        /// The step it resumed at (the last report the page has).
        resumed_at: usize,
    },
    /// The run stopped: divergence, an invalid config.
    Failed {
        /// The run.
        run: u32,
        /// What happened, for the notice bar.
        message: String,
    },
    /// The worker panicked (a lost GPU device, a bug): its module cannot continue.
    Crashed {
        /// The panic message.
        message: String,
    },
    /// A line for the browser console.
    Log {
        /// The line.
        message: String,
    },
}

impl ToWorker {
    /// The JSON sent through `postMessage`.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("messages serialise")
    }

    /// Parses a message.
    ///
    /// # Errors
    /// Not a page message.
    pub fn from_json(json: &str) -> Result<Self, String> {
        serde_json::from_str(json).map_err(|error| format!("bad message to the worker: {error}"))
    }
}

impl FromWorker {
    /// The JSON sent through `postMessage`.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("messages serialise")
    }

    /// Parses a message.
    ///
    /// # Errors
    /// Not a worker message.
    pub fn from_json(json: &str) -> Result<Self, String> {
        serde_json::from_str(json).map_err(|error| format!("bad message from the worker: {error}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// index.html builds each worker bin the page starts, the WebGPU one (only) with the
    /// `webgpu` feature, as loader-shimmed workers.
    #[test]
    fn each_worker_build_is_a_trunk_worker_with_its_features() {
        let html = include_str!("../index.html");
        let link = |bin: &str| {
            html.lines()
                .find(|line| line.contains(&format!("data-bin=\"{bin}\"")))
                .unwrap_or_else(|| panic!("index.html builds no bin {bin}"))
                .to_string()
        };
        for build in [WorkerBuild::Cpu, WorkerBuild::WebGpu] {
            let line = link(build.bin());
            assert!(
                line.contains("data-type=\"worker\"") && line.contains("data-loader-shim"),
                "{line}"
            );
            let webgpu = line.contains("data-cargo-features=\"webgpu\"");
            assert_eq!(webgpu, build == WorkerBuild::WebGpu, "{line}");
        }
        let page = link("seesaw-app");
        assert!(
            !page.contains("data-cargo-features"),
            "the page links no GPU backend: {page}"
        );
        assert_eq!(WorkerBuild::Cpu.url(), "./seesaw-worker-cpu_loader.js");
        // The browser drivers' twin (tests/browser/lib.mjs `workerLoader`) names the same URLs.
        let drivers = include_str!("../tests/browser/lib.mjs");
        for build in [WorkerBuild::Cpu, WorkerBuild::WebGpu] {
            let quoted = format!("'{}'", build.url());
            assert!(drivers.contains(&quoted), "lib.mjs lacks {quoted}");
        }
    }

    #[test]
    fn backend_choices_round_trip_and_reject_unknown_ids() {
        for choice in BackendChoice::ALL {
            assert_eq!(BackendChoice::from_id(choice.id()).unwrap(), choice);
        }
        let error = BackendChoice::from_id("tpu").unwrap_err();
        assert_eq!(error.field, "backend");
        assert!(error.message.contains("auto, webgpu, cpu"), "{error}");
    }

    #[test]
    fn messages_round_trip_through_json() {
        let configure = ToWorker::Configure {
            run: 3,
            config: Box::default(),
            backend: BackendChoice::Webgpu,
        };
        assert_eq!(
            ToWorker::from_json(&configure.to_json()).unwrap(),
            configure
        );
        let progress = FromWorker::Progress {
            run: 3,
            step: 40,
            steps_per_second: 12.5,
            running_loss: vec![0.5, 0.25],
            playing: true,
            memory_bytes: 1 << 20,
        };
        assert_eq!(
            FromWorker::from_json(&progress.to_json()).unwrap(),
            progress
        );
        assert!(FromWorker::from_json("{\"Nope\":1}").is_err());
    }
}
