//! The training worker: owns the devices and the run, trains in slices, and posts progress,
//! reports and results to the page. Runs in a dedicated Web Worker, so the page's thread only
//! draws and never waits on training.

use super::stacked::Stacked;
use super::{gpu, js};
use crate::backend::{self, Speed};
use crate::protocol::{BackendChoice, BackendInfo, BackendKind, FromWorker, ToWorker};
use crate::session::{Event, Session};
use burn::prelude::Device;
use seesaw_core::RunError;
use seesaw_core::train::{
    FinalReport, HistoryEntry, ParallelTrainer, RunConfig, RunReport, Timing, Trainer,
};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

/// Target wall time of one slice of steps (between two looks at the inbox).
pub(super) const SLICE_MS: f64 = 120.0;

/// Messages from the page, and the wake-up of a waiting loop.
#[derive(Default)]
struct Inbox {
    messages: VecDeque<ToWorker>,
    wake: Option<js_sys::Function>,
}

thread_local! {
    static INBOX: Rc<RefCell<Inbox>> = Rc::default();
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

pub(super) fn post(message: &FromWorker) {
    let _ = scope().post_message(&JsValue::from_str(&message.to_json()));
}

/// Entry point of the worker module.
pub fn start() {
    js::run_constructors_once();
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        post(&FromWorker::Crashed {
            message: info.to_string(),
        });
    }));
    let inbox = INBOX.with(Rc::clone);
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let Some(text) = event.data().as_string() else {
            return;
        };
        match ToWorker::from_json(&text) {
            Ok(message) => {
                let mut inbox = inbox.borrow_mut();
                inbox.messages.push_back(message);
                if let Some(wake) = inbox.wake.take() {
                    let _ = wake.call0(&JsValue::NULL);
                }
            }
            Err(error) => post(&FromWorker::Log { message: error }),
        }
    });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    wasm_bindgen_futures::spawn_local(run_loop());
    post(&FromWorker::Loaded);
}

async fn next_message() -> ToWorker {
    loop {
        let waiting = INBOX.with(|inbox| {
            let mut inbox = inbox.borrow_mut();
            match inbox.messages.pop_front() {
                Some(message) => Ok(message),
                None => Err(js_sys::Promise::new(&mut |resolve, _| {
                    inbox.wake = Some(resolve);
                })),
            }
        });
        match waiting {
            Ok(message) => return message,
            Err(promise) => {
                let _ = JsFuture::from(promise).await;
            }
        }
    }
}

fn try_next_message() -> Option<ToWorker> {
    INBOX.with(|inbox| inbox.borrow_mut().messages.pop_front())
}

/// The run being trained.
struct Run {
    id: u32,
    session: Session,
    playing: bool,
    /// Single steps asked for while paused.
    pending_steps: usize,
    /// Steps per slice: grows until a slice takes about [`SLICE_MS`].
    per_slice: usize,
    speed: Speed,
    /// A comparison's job: what its report collects.
    job: Option<JobReport>,
    /// The run's config (to rebuild it on the CPU when the GPU device is lost).
    config: RunConfig,
    /// Whether the model trains on WebGPU.
    on_gpu: bool,
    /// The step of the last report sent: the last good state the page has.
    last_report: usize,
}

/// A comparison job's report as it is collected: the history stays in the worker, and the
/// whole report goes to the page once, at the end.
pub(super) struct JobReport {
    config: RunConfig,
    pub(super) history: Vec<HistoryEntry>,
    started_ms: f64,
}

impl JobReport {
    pub(super) fn new(config: &RunConfig, started_ms: f64) -> Self {
        Self {
            config: config.clone(),
            history: Vec::new(),
            started_ms,
        }
    }

    pub(super) fn finish(&mut self, final_report: FinalReport, steps: usize) -> RunReport {
        let seconds = (js::now_ms() - self.started_ms) / 1000.0;
        RunReport {
            config: self.config.clone(),
            history: std::mem::take(&mut self.history),
            final_report,
            comparison: None,
            notes: Vec::new(),
            incomplete: false,
            timing: Timing {
                train_seconds: seconds,
                steps_per_second: steps as f64 / seconds.max(1e-9),
            },
        }
    }
}

/// What WebGPU offers, probed once, and burn's device on it, made once (burn's WebGPU runtime
/// initialises once per worker).
#[derive(Default)]
struct Devices {
    adapter: Option<Result<gpu::Adapter, String>>,
    webgpu: Option<Result<Device, String>>,
}

impl Devices {
    async fn adapter(&mut self) -> Result<gpu::Adapter, String> {
        if self.adapter.is_none() {
            self.adapter = Some(gpu::probe().await);
        }
        self.adapter.clone().expect("just set")
    }

    async fn webgpu(&mut self) -> Result<(Device, gpu::Adapter), String> {
        let adapter = self.adapter().await?;
        if self.webgpu.is_none() {
            self.webgpu = Some(gpu::device().await);
        }
        let device = self.webgpu.clone().expect("just set")?;
        Ok((device, adapter))
    }
}

/// What the worker trains: one run (the playground's, or a comparison's job), or a
/// comparison's jobs stacked in one model; jobs that could not stack wait their turn.
#[derive(Default)]
struct Work {
    run: Option<Run>,
    stacked: Option<Stacked>,
    queue: VecDeque<(u32, RunConfig, BackendChoice)>,
}

impl Work {
    fn wants_steps(&self) -> bool {
        self.run.as_ref().is_some_and(Run::wants_steps)
            || self.stacked.as_ref().is_some_and(Stacked::wants_steps)
            || self.next_job_ready()
    }

    /// A job waits its turn and no run is in training.
    fn next_job_ready(&self) -> bool {
        !self.queue.is_empty()
            && self
                .run
                .as_ref()
                .is_none_or(|run| run.session.is_finished())
    }

    fn clear(&mut self) {
        *self = Self::default();
    }
}

async fn run_loop() {
    let mut devices = Devices::default();
    let mut work = Work::default();
    loop {
        let message = if work.wants_steps() {
            try_next_message()
        } else {
            Some(next_message().await)
        };
        if let Some(message) = message {
            handle(message, &mut work, &mut devices).await;
            continue;
        }
        if let Some(current) = &mut work.run {
            let failed = match current.slice().await {
                Ok(()) => None,
                // A lost GPU device: the playground's run goes on on the CPU.
                Err(RunError::Device(why)) if current.on_gpu && current.job.is_none() => {
                    current.fall_back_to_cpu(why).await.err()
                }
                Err(error) => Some(error.to_string()),
            };
            if let Some(message) = failed {
                post(&FromWorker::Failed {
                    run: current.id,
                    message,
                });
                work.run = None;
            }
        } else if let Some(stacked) = &mut work.stacked
            && let Err(error) = stacked.slice().await
        {
            for run in stacked.open() {
                post(&FromWorker::Failed {
                    run,
                    message: error.to_string(),
                });
            }
            work.stacked = None;
        }
        // A job done or failed: the next one waiting its turn.
        while work.next_job_ready()
            && let Some((id, config, backend)) = work.queue.pop_front()
        {
            start_run(id, &config, backend, true, &mut work.run, &mut devices).await;
        }
        js::yield_now().await;
    }
}

async fn handle(message: ToWorker, work: &mut Work, devices: &mut Devices) {
    match message {
        ToWorker::Configure {
            run: id,
            config,
            backend,
        } => {
            work.clear();
            start_run(id, &config, backend, false, &mut work.run, devices).await;
        }
        ToWorker::Train { jobs, backend } => {
            work.clear();
            match <[_; 1]>::try_from(jobs) {
                Ok([(id, config)]) => {
                    start_run(id, &config, backend, true, &mut work.run, devices).await;
                }
                Err(jobs) => start_stacked(jobs, backend, work, devices).await,
            }
        }
        ToWorker::Play => {
            if let Some(current) = &mut work.run {
                current.playing = true;
            }
            if let Some(stacked) = &mut work.stacked {
                stacked.playing = true;
            }
        }
        ToWorker::Pause => {
            if let Some(stacked) = &mut work.stacked {
                stacked.playing = false;
            }
            if let Some(current) = &mut work.run {
                current.playing = false;
                current.pending_steps = 0;
                current.progress().await;
            }
        }
        ToWorker::Step => {
            if let Some(current) = &mut work.run {
                current.playing = false;
                current.pending_steps += 1;
            }
        }
        ToWorker::Fuse {
            id,
            predictions,
            request,
        } => {
            // On the CPU: the lab's MLP is tiny, and the run in progress keeps its device.
            let result = seesaw_core::fusion::run_lab(&predictions, &request, &Device::flex())
                .await
                .map(Box::new)
                .map_err(|error| error.to_string());
            post(&FromWorker::Fused { id, result });
        }
        ToWorker::Toy { id, request } => {
            let result = seesaw_core::toy::run_request(&request);
            post(&FromWorker::Toyed { id, result });
        }
    }
}

/// Builds run `id` (dropping the previous one): paused at step 0 for the playground, or
/// playing to the end as a comparison's `job`.
async fn start_run(
    id: u32,
    config: &RunConfig,
    backend: BackendChoice,
    job: bool,
    run: &mut Option<Run>,
    devices: &mut Devices,
) {
    *run = None;
    let started = js::now_ms();
    match configure(id, config, backend, devices).await {
        Ok((session, info)) => {
            let on_gpu = info.kind == BackendKind::WebGpu;
            post(&FromWorker::Ready {
                run: id,
                backend: info,
                setup_ms: js::now_ms() - started,
            });
            *run = Some(Run {
                id,
                session,
                playing: job,
                pending_steps: 0,
                per_slice: 1,
                speed: Speed::default(),
                job: job.then(|| JobReport::new(config, js::now_ms())),
                config: config.clone(),
                on_gpu,
                last_report: 0,
            });
        }
        Err(message) => post(&FromWorker::Failed { run: id, message }),
    }
}

/// Builds the session of `config` on the device [`pick_device`] chooses (baselines on the
/// CPU).
async fn configure(
    id: u32,
    config: &RunConfig,
    choice: BackendChoice,
    devices: &mut Devices,
) -> Result<(Session, BackendInfo), String> {
    let (device, info) = pick_device(id, config, choice, devices).await?;
    let session = Session::new(config, &device, &Device::flex()).map_err(|e| e.to_string())?;
    Ok((session, info))
}

/// Trains `jobs` stacked in one model on the device [`pick_device`] chooses for the first;
/// when they cannot stack (`ParallelTrainer` says why), one after another.
async fn start_stacked(
    jobs: Vec<(u32, Box<RunConfig>)>,
    backend: BackendChoice,
    work: &mut Work,
    devices: &mut Devices,
) {
    let Some((first, first_config)) = jobs.first() else {
        return;
    };
    let started = js::now_ms();
    let (device, info) = match pick_device(*first, first_config, backend, devices).await {
        Ok(picked) => picked,
        Err(message) => {
            for (run, _) in jobs {
                post(&FromWorker::Failed {
                    run,
                    message: message.clone(),
                });
            }
            return;
        }
    };
    let (mut ids, mut configs, mut trainers) = (Vec::new(), Vec::new(), Vec::new());
    for (run, config) in jobs {
        match Trainer::from_config(&config, &device) {
            Ok(trainer) => {
                ids.push(run);
                configs.push(*config);
                trainers.push(trainer);
            }
            Err(error) => post(&FromWorker::Failed {
                run,
                message: error.to_string(),
            }),
        }
    }
    if ids.is_empty() {
        return;
    }
    match ParallelTrainer::new(trainers) {
        Ok(trainer) => {
            for &run in &ids {
                post(&FromWorker::Ready {
                    run,
                    backend: info.clone(),
                    setup_ms: js::now_ms() - started,
                });
            }
            post(&FromWorker::Log {
                message: format!("runs {ids:?}: stacked in one model"),
            });
            work.stacked = Some(Stacked::new(ids, &configs, trainer));
        }
        Err(why) => {
            post(&FromWorker::Log {
                message: format!("runs {ids:?}: one at a time ({why})"),
            });
            work.queue = ids
                .into_iter()
                .zip(configs)
                .map(|(run, config)| (run, config, backend))
                .collect();
        }
    }
}

/// Picks the device for `choice` (the decision and its reason: [`backend`]).
async fn pick_device(
    id: u32,
    config: &RunConfig,
    choice: BackendChoice,
    devices: &mut Devices,
) -> Result<(Device, BackendInfo), String> {
    let cpu = Device::flex();
    let info = match choice {
        BackendChoice::Cpu => backend::cpu("CPU chosen", false),
        BackendChoice::Webgpu => {
            let made = devices.webgpu().await;
            backend::forced_webgpu(match &made {
                Ok((_, adapter)) => Ok(adapter.facts()),
                Err(why) => Err(why.as_str()),
            })
        }
        BackendChoice::Auto => {
            let probed = devices.adapter().await;
            let decided = backend::auto_probed(match &probed {
                Ok(adapter) => Ok(adapter.facts()),
                Err(why) => Err(why.as_str()),
            });
            match decided {
                Some(info) => info,
                None => match devices.webgpu().await {
                    Err(why) => backend::no_device(&why),
                    Ok((device, adapter)) => {
                        let gpu_ms = calibrate(config, &device, &cpu).await?;
                        let cpu_ms = calibrate(config, &cpu, &cpu).await?;
                        backend::auto_calibrated(&adapter.name, gpu_ms, cpu_ms)
                    }
                },
            }
        }
    };
    let device = match info.kind {
        BackendKind::WebGpu => devices.webgpu().await?.0,
        BackendKind::Cpu => cpu.clone(),
    };
    post(&FromWorker::Log {
        message: format!(
            "run {id}: {} ({}) — {}",
            info.kind.label(),
            info.adapter,
            info.reason
        ),
    });
    Ok((device, info))
}

/// Milliseconds per step of `config`'s model on `device` (2 warm-up steps, then 5 timed, the
/// device drained by a read at both ends).
async fn calibrate(config: &RunConfig, device: &Device, cpu: &Device) -> Result<f64, String> {
    let mut probe = config.clone();
    probe.baselines = false;
    probe.train.steps = 10;
    probe.train.eval_every = 1000;
    let mut session = Session::new(&probe, device, cpu).map_err(|e| e.to_string())?;
    for _ in 0..2 {
        session.step().await.map_err(|e| e.to_string())?;
    }
    session.running_loss().await.map_err(|e| e.to_string())?;
    let started = js::now_ms();
    for _ in 0..5 {
        session.step().await.map_err(|e| e.to_string())?;
    }
    session.running_loss().await.map_err(|e| e.to_string())?;
    Ok((js::now_ms() - started) / 5.0)
}

impl Run {
    fn wants_steps(&self) -> bool {
        !self.session.is_finished() && (self.playing || self.pending_steps > 0)
    }

    /// The GPU device was lost (`why`): rebuilds the run on the CPU and replays it, with the
    /// same seed and batches, to the last report the page has, then goes on from there. The
    /// page hears it as `DeviceLost` (a notice; its charts stay).
    async fn fall_back_to_cpu(&mut self, why: String) -> Result<(), String> {
        let resumed_at = self.last_report;
        post(&FromWorker::DeviceLost {
            run: self.id,
            message: why,
            resumed_at,
        });
        let cpu = Device::flex();
        let mut session = Session::new(&self.config, &cpu, &cpu).map_err(|e| e.to_string())?;
        while session.steps_done() < resumed_at {
            session.step().await.map_err(|e| e.to_string())?;
        }
        self.session = session;
        self.on_gpu = false;
        self.per_slice = 1;
        self.speed = Speed::default();
        self.progress().await;
        Ok(())
    }

    /// Up to `per_slice` steps, then one read (which waits for the device), then progress.
    async fn slice(&mut self) -> Result<(), RunError> {
        let started = js::now_ms();
        let budget = if self.playing {
            self.per_slice
        } else {
            self.pending_steps.min(1)
        };
        let mut done = 0;
        let mut events = Vec::new();
        while done < budget && !self.session.is_finished() {
            events.extend(self.session.step().await?);
            done += 1;
            if js::now_ms() - started > SLICE_MS {
                break;
            }
        }
        if !self.playing {
            self.pending_steps = self.pending_steps.saturating_sub(done);
        }
        let running = self.session.running_loss().await?;
        let elapsed = js::now_ms() - started;
        self.speed.add(done, elapsed);
        self.per_slice = backend::steps_per_slice(done, elapsed, SLICE_MS);
        for event in events {
            if let Some(job) = &mut self.job {
                match event {
                    Event::Report(entry) => job.history.push(entry),
                    Event::Baseline(_) => {}
                    Event::Finished(final_report, _, predictions) => {
                        self.playing = false;
                        let report = job.finish(final_report, self.session.steps_done());
                        post(&FromWorker::Trained {
                            run: self.id,
                            report: Box::new(report),
                            predictions,
                        });
                    }
                }
                continue;
            }
            if let Event::Report(entry) = &event {
                self.last_report = entry.step;
            }
            post(&match event {
                Event::Report(entry) => FromWorker::Report {
                    run: self.id,
                    entry: Box::new(entry),
                },
                Event::Baseline(entry) => FromWorker::Baseline {
                    run: self.id,
                    entry: Box::new(entry),
                },
                Event::Finished(final_report, comparison, predictions) => {
                    self.playing = false;
                    FromWorker::Finished {
                        run: self.id,
                        final_report: Box::new(final_report),
                        comparison: comparison.map(Box::new),
                        predictions,
                    }
                }
            });
        }
        self.send_progress(running);
        Ok(())
    }

    async fn progress(&mut self) {
        let running = self.session.running_loss().await.unwrap_or_default();
        self.send_progress(running);
    }

    fn send_progress(&self, running_loss: Vec<f64>) {
        post(&FromWorker::Progress {
            run: self.id,
            step: self.session.steps_done(),
            steps_per_second: self.speed.steps_per_second,
            running_loss,
            playing: self.playing && !self.session.is_finished(),
            memory_bytes: js::wasm_memory_bytes(),
        });
    }
}
