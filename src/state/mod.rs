//! The page's state and its reducer: every user action and every worker message is an
//! [`Action`]; [`PageState::apply`] updates the state and returns the [`Effect`]s the browser
//! shell performs (messages to the worker, a new URL hash). Pure, so it is tested natively.

use crate::chart_data::Charts;
use crate::protocol::{BackendChoice, BackendInfo, FromWorker, ToWorker};
use seesaw_core::compare::{GridSpec, link};
use seesaw_core::registry::{is_kind_key, with_kind};
use seesaw_core::train::{
    BaselineComparison, FinalReport, HistoryEntry, RunConfig, RunReport, Timing,
};
use seesaw_core::url;

/// The page's step budget when the link does not set `steps`: long enough to watch, and the
/// final test evaluation still comes.
pub const PAGE_STEPS: usize = 3000;

/// Keys the page reads itself; everything else is the run config's.
const PAGE_KEYS: [&str; 1] = ["backend"];

/// Something that happened.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// The page loaded or the user edited the hash.
    Hash(String),
    /// A control changed a hash key (`correlation`, `arch`, `fm_factors`, ...).
    SetField {
        /// The hash key.
        key: String,
        /// Its new value as text (an empty `fm_factors` turns the FM term off).
        value: String,
    },
    /// The backend menu.
    SetBackend(BackendChoice),
    /// The "regenerate" button: a new seed.
    Reseed(u64),
    /// Play.
    Play,
    /// Pause.
    Pause,
    /// One step.
    Step,
    /// Reset to step 0 with the same config.
    Reset,
    /// The user closed the notices.
    DismissNotices,
    /// A message for the notice bar (from the comparison panel, storage).
    Notice(String),
    /// The tasks on the seesaw quadrant's axes (x, y).
    SetQuadrantTasks(usize, usize),
    /// A comparison started (its spec goes into the link) or was closed (`None`).
    SetComparisonLink(Option<Box<GridSpec>>),
    /// Show a finished run (a comparison's) in the charts: its config, history and results,
    /// with its baselines' history when there is one.
    Show {
        /// The run.
        report: Box<RunReport>,
        /// Its single-task baselines' run.
        baseline: Option<Box<RunReport>>,
    },
    /// A message from the worker.
    Worker(FromWorker),
    /// The worker died (a panic, a lost device); the page keeps the config.
    WorkerCrashed(String),
}

/// What the browser shell must do after an action.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Post to the worker.
    Send(ToWorker),
    /// Replace the URL hash (without a navigation or a `hashchange`).
    WriteHash(String),
    /// Start a fresh worker (after a crash), then send the messages that follow.
    RestartWorker,
}

/// Everything the page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct PageState {
    /// The run config (always valid).
    pub config: RunConfig,
    /// Hash keys whose controls are hidden.
    pub hidden: Vec<String>,
    /// The backend asked for.
    pub backend_choice: BackendChoice,
    /// Messages for the notice bar (invalid link values, fallbacks, failures).
    pub notices: Vec<String>,
    /// The current run's id.
    pub run: u32,
    /// Whether training is running.
    pub playing: bool,
    /// Whether the worker has built the current run.
    pub ready: bool,
    /// Steps done.
    pub step: usize,
    /// Steps per second (the worker's measure).
    pub steps_per_second: f64,
    /// The worker's WebAssembly memory (bytes), as it last said.
    pub worker_memory: u64,
    /// The backend in use, once the worker has chosen.
    pub backend: Option<BackendInfo>,
    /// Latest training loss per task.
    pub latest_loss: Vec<f64>,
    /// Chart data.
    pub charts: Charts,
    /// The final evaluation, once the budget is spent.
    pub finished: Option<(FinalReport, Option<BaselineComparison>)>,
    /// Why the run stopped early.
    pub failed: Option<String>,
    /// The tasks on the seesaw quadrant's x and y axes.
    pub quadrant_tasks: (usize, usize),
    /// The current run's reports so far (what a stored run keeps; at most [`MAX_HISTORY`],
    /// evenly thinned).
    pub history: Vec<HistoryEntry>,
    /// Its baselines' reports so far.
    pub baseline_history: Vec<HistoryEntry>,
    /// The comparison the link holds (`compare.*` keys), its base being [`PageState::config`].
    pub comparison_link: Option<GridSpec>,
    /// The lesson the link opened (`lesson=<id>`; its preset is already in the config).
    pub lesson: Option<&'static str>,
    /// Whether the worker must be restarted before the next run.
    worker_dead: bool,
}

impl Default for PageState {
    fn default() -> Self {
        let config = page_defaults(RunConfig::default(), &[]);
        Self {
            charts: Charts::new(&config),
            config,
            hidden: Vec::new(),
            backend_choice: BackendChoice::Auto,
            notices: Vec::new(),
            run: 0,
            playing: false,
            ready: false,
            step: 0,
            steps_per_second: 0.0,
            worker_memory: 0,
            backend: None,
            latest_loss: Vec::new(),
            finished: None,
            failed: None,
            quadrant_tasks: (0, 1),
            comparison_link: None,
            lesson: None,
            history: Vec::new(),
            baseline_history: Vec::new(),
            worker_dead: false,
        }
    }
}

impl PageState {
    /// The hash that reproduces the current run (config, hidden keys, backend).
    pub fn hash(&self) -> String {
        let mut hash = url::encode(&self.config, &self.hidden);
        if self.backend_choice != BackendChoice::Auto {
            hash.push_str(&format!("&backend={}", self.backend_choice.id()));
        }
        if let Some(spec) = &self.comparison_link {
            link::append(&mut hash, spec);
        }
        if let Some(lesson) = self.lesson {
            hash.push_str(&format!("&lesson={lesson}"));
        }
        hash
    }

    /// Whether the control of `key` is hidden by the link.
    pub fn is_hidden(&self, key: &str) -> bool {
        self.hidden.iter().any(|k| k == key)
    }

    /// Applies an action and returns what the shell must do.
    pub fn apply(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Hash(hash) => {
                if hash.trim_start_matches('#') == self.hash() && self.run > 0 {
                    return Vec::new();
                }
                self.load_hash(&hash);
                self.restart(false)
            }
            Action::SetField { key, value } => match self.edited(&key, &value) {
                Ok(config) if config == self.config => Vec::new(),
                Ok(config) => {
                    self.config = config;
                    let playing = self.playing;
                    self.restart(playing)
                }
                Err(message) => {
                    self.notice(message);
                    Vec::new()
                }
            },
            Action::SetBackend(choice) => {
                self.backend_choice = choice;
                let playing = self.playing;
                self.restart(playing)
            }
            Action::Reseed(seed) => {
                self.config.seed = seed;
                let playing = self.playing;
                self.restart(playing)
            }
            Action::Reset => self.restart(false),
            Action::Play if self.finished.is_some() || self.failed.is_some() => {
                // Play after the end starts the same run again from step 0.
                self.restart(true)
            }
            Action::Play => {
                self.playing = true;
                vec![Effect::Send(ToWorker::Play)]
            }
            Action::Pause => {
                self.playing = false;
                vec![Effect::Send(ToWorker::Pause)]
            }
            Action::Step => {
                self.playing = false;
                vec![Effect::Send(ToWorker::Step)]
            }
            Action::DismissNotices => {
                self.notices.clear();
                Vec::new()
            }
            Action::Notice(message) => {
                self.notice(message);
                Vec::new()
            }
            Action::SetQuadrantTasks(x, y) => {
                let tasks = self.charts.tasks.len();
                if x < tasks && y < tasks && x != y {
                    self.quadrant_tasks = (x, y);
                }
                Vec::new()
            }
            Action::Worker(FromWorker::Crashed { message }) | Action::WorkerCrashed(message) => {
                self.playing = false;
                self.worker_dead = true;
                self.failed = Some(message.clone());
                self.notice(format!(
                    "the training worker stopped: {message}. Press reset (or play) to start \
                     again; your settings are kept."
                ));
                Vec::new()
            }
            Action::SetComparisonLink(spec) => {
                self.comparison_link = spec.map(|spec| *spec);
                vec![Effect::WriteHash(self.hash())]
            }
            Action::Show { report, baseline } => {
                self.config = RunConfig {
                    baselines: baseline.is_some(),
                    ..report.config.clone()
                };
                let effects = self.restart(false);
                for entry in &report.history {
                    self.charts.add_report(entry);
                }
                for entry in baseline.iter().flat_map(|b| &b.history) {
                    self.charts.add_baseline(entry);
                }
                self.history.clone_from(&report.history);
                self.baseline_history = baseline.map(|b| b.history).unwrap_or_default();
                self.step = report.history.last().map_or(0, |entry| entry.step);
                self.latest_loss = report
                    .history
                    .last()
                    .map(|entry| entry.train_loss.clone())
                    .unwrap_or_default();
                self.finished = Some((report.final_report.clone(), report.comparison.clone()));
                effects
            }
            Action::Worker(message) => {
                self.receive(message);
                Vec::new()
            }
        }
    }

    fn notice(&mut self, message: String) {
        if !self.notices.contains(&message) {
            self.notices.push(message);
        }
    }

    fn load_hash(&mut self, hash: &str) {
        let (expanded, lesson, lesson_notice) = crate::lessons::expand(hash);
        let hash = expanded.as_str();
        self.lesson = lesson.map(|l| l.id);
        let mut core_pairs = Vec::new();
        let mut page_pairs = Vec::new();
        let (comparison, comparison_notices) = link::decode(hash);
        for pair in hash.trim_start_matches('#').split('&') {
            let key = pair.split('=').next().unwrap_or_default();
            if link::is_compare_key(key) {
                continue;
            } else if PAGE_KEYS.contains(&key) {
                page_pairs.push(pair);
            } else if !pair.is_empty() {
                core_pairs.push(pair);
            }
        }
        let decoded = url::decode(&core_pairs.join("&"));
        let keys: Vec<&str> = core_pairs
            .iter()
            .map(|pair| pair.split('=').next().unwrap_or_default())
            .collect();
        self.config = page_defaults(decoded.config, &keys);
        self.hidden = decoded.hidden;
        self.notices = decoded.notices;
        self.notices.extend(comparison_notices);
        self.notices.extend(lesson_notice);
        self.comparison_link = comparison;
        self.backend_choice = BackendChoice::Auto;
        for pair in page_pairs {
            let value = pair.split_once('=').map(|(_, v)| v).unwrap_or_default();
            match BackendChoice::from_id(value) {
                Ok(choice) => self.backend_choice = choice,
                Err(error) => self.notices.push(format!("{error}; using auto")),
            }
        }
    }

    /// The config with `key` set to `value`, or why not (the current config is kept).
    fn edited(&self, key: &str, value: &str) -> Result<RunConfig, String> {
        let mut config = self.config.clone();
        match key {
            key if is_kind_key(key) => {
                config = with_kind(&config, key, value).map_err(|error| error.to_string())?;
            }
            "fm_factors" if value.is_empty() => config.fm = None,
            _ => {
                config = url::try_with_value(&config, key, value)
                    .map_err(|notice| notice + "; the previous value is kept")?;
            }
        }
        config
            .validate()
            .map_err(|error| format!("{error}; the previous setting is kept"))?;
        Ok(config)
    }

    /// Starts a new run with the current config; `play` starts it playing.
    fn restart(&mut self, play: bool) -> Vec<Effect> {
        self.run += 1;
        self.playing = play;
        self.ready = false;
        self.step = 0;
        self.steps_per_second = 0.0;
        self.latest_loss.clear();
        self.finished = None;
        self.failed = None;
        self.charts = Charts::new(&self.config);
        self.history.clear();
        self.baseline_history.clear();
        let (x, y) = self.quadrant_tasks;
        if x.max(y) >= self.charts.tasks.len() {
            self.quadrant_tasks = (0, 1);
        }
        let mut effects = Vec::new();
        if std::mem::take(&mut self.worker_dead) {
            effects.push(Effect::RestartWorker);
        }
        effects.push(Effect::Send(ToWorker::Configure {
            run: self.run,
            config: Box::new(self.config.clone()),
            backend: self.backend_choice,
        }));
        if play {
            effects.push(Effect::Send(ToWorker::Play));
        }
        effects.push(Effect::WriteHash(self.hash()));
        effects
    }

    fn receive(&mut self, message: FromWorker) {
        let current = |run: u32| run == self.run;
        match message {
            FromWorker::Loaded | FromWorker::Log { .. } => {}
            FromWorker::Ready { run, backend, .. } if current(run) => {
                self.ready = true;
                if backend.fallback {
                    self.notice(backend.reason.clone());
                }
                self.backend = Some(backend);
            }
            FromWorker::Progress {
                run,
                step,
                steps_per_second,
                running_loss,
                playing,
                memory_bytes,
            } if current(run) => {
                self.worker_memory = memory_bytes;
                self.step = step;
                self.steps_per_second = steps_per_second;
                if !running_loss.is_empty() {
                    self.latest_loss = running_loss;
                }
                // The worker stops by itself at the end of the budget; a `playing` from a
                // slice that ran before the user's pause arrived must not undo the pause.
                if !playing {
                    self.playing = false;
                }
            }
            FromWorker::Report { run, entry } if current(run) => {
                keep_bounded(&mut self.history, (*entry).clone());
                self.latest_loss.clone_from(&entry.train_loss);
                self.charts.add_report(&entry);
            }
            FromWorker::Baseline { run, entry } if current(run) => {
                keep_bounded(&mut self.baseline_history, (*entry).clone());
                self.charts.add_baseline(&entry);
            }
            FromWorker::Finished {
                run,
                final_report,
                comparison,
                ..
            } if current(run) => {
                self.playing = false;
                self.finished = Some((*final_report, comparison.map(|c| *c)));
            }
            FromWorker::DeviceLost {
                run,
                message,
                resumed_at,
            } if current(run) => {
                self.step = resumed_at;
                self.backend = Some(BackendInfo {
                    kind: crate::protocol::BackendKind::Cpu,
                    adapter: "wasm32".to_string(),
                    reason: "the GPU device was lost; the run went on on the CPU".to_string(),
                    fallback: true,
                });
                self.notice(format!(
                    "The GPU device was lost ({}); the run goes on on the CPU from step \
                     {resumed_at}, its last report (same seed and batches), and the charts are \
                     kept.",
                    message.lines().next().unwrap_or_default()
                ));
            }
            FromWorker::Failed { run, message } if current(run) => {
                self.playing = false;
                self.failed = Some(message.clone());
                self.notice(message);
            }
            _ => {}
        }
    }
}

impl PageState {
    /// The finished run as `seesaw train --out` would write it, and its baselines' run (their
    /// history and final report), for storage; `None` before the run finished.
    pub fn finished_run(&self) -> Option<(RunReport, Option<RunReport>)> {
        let (final_report, comparison) = self.finished.clone()?;
        let timing = Timing {
            train_seconds: self.step as f64 / self.steps_per_second.max(1e-9),
            steps_per_second: self.steps_per_second,
        };
        let baseline = comparison.as_ref().map(|c| RunReport {
            config: seesaw_core::train::baseline_of(&self.config),
            history: self.baseline_history.clone(),
            final_report: c.baselines.clone(),
            comparison: None,
            notes: Vec::new(),
            incomplete: false,
            timing: timing.clone(),
        });
        let mut report = RunReport {
            config: self.config.clone(),
            history: self.history.clone(),
            final_report,
            comparison: None,
            notes: Vec::new(),
            incomplete: false,
            timing,
        };
        if let Some(comparison) = comparison {
            report.add_baselines(comparison.baselines);
        }
        Some((report, baseline))
    }
}

/// The most reports a page keeps of a run (for storage): past it, every other one is dropped,
/// so a run left going over lunch keeps a history of bounded size (as the charts' series do).
pub const MAX_HISTORY: usize = 1024;

/// Appends `entry`, halving the history's resolution when it is full (the last report stays).
fn keep_bounded(history: &mut Vec<HistoryEntry>, entry: HistoryEntry) {
    history.push(entry);
    if history.len() > MAX_HISTORY {
        let last = history.pop().expect("just pushed");
        let mut index = 0;
        history.retain(|_| {
            index += 1;
            index % 2 == 0
        });
        history.push(last);
    }
}

/// The page's defaults for keys the link leaves out: a longer budget than the CLI's, and
/// single-task baselines on (the seesaw plot needs them).
fn page_defaults(mut config: RunConfig, keys: &[&str]) -> RunConfig {
    if !keys.contains(&"steps") {
        config.train.steps = PAGE_STEPS;
    }
    if !keys.contains(&"baselines") {
        config.baselines = true;
    }
    config
}

#[cfg(test)]
mod tests;
