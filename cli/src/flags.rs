//! `seesaw train`'s flags and how they map onto a [`RunConfig`].
//!
//! Precedence: defaults, then `--config FILE`, then flags, then `--set key=value` in order.
//! `--dataset`/`--arch`/`--weighting`/`--optimizer` switch the kind (keeping the config file's
//! settings when the kind is the same); knob flags apply to the chosen kind and are an error for
//! a kind that has no such knob. `--set` reaches every field of the run config by its link key
//! (`seesaw_core::url`): the same names, parsing, ranges and messages as a shared link.

use clap::Args;
use seesaw_core::data::DatasetConfig;
use seesaw_core::model::{ArchConfig, CgcConfig, OmoeConfig};
use seesaw_core::registry::with_kind;
use seesaw_core::train::{OptimizerConfig, RunConfig};
use seesaw_core::weighting::WeightingConfig;
use seesaw_core::{ConfigError, Registry};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct TrainArgs {
    /// JSON run config (any subset of fields; flags override it).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Dataset id (`seesaw list`).
    #[arg(long)]
    pub dataset: Option<String>,
    /// Task correlation (correlated, funnel).
    #[arg(long, allow_hyphen_values = true)]
    pub correlation: Option<f64>,
    /// Number of tasks (correlated).
    #[arg(long)]
    pub tasks: Option<usize>,
    /// Binary labels instead of regression targets (correlated).
    #[arg(long)]
    pub binary: bool,
    /// Noise std, one value or one per task (correlated).
    #[arg(long, value_delimiter = ',')]
    pub noise_std: Option<Vec<f64>>,
    /// Mean click rate (funnel).
    #[arg(long)]
    pub click_rate: Option<f64>,
    /// Mean conversion rate among clicks (funnel).
    #[arg(long)]
    pub conversion_rate: Option<f64>,
    /// Task scales σ, one per task (scales).
    #[arg(long, value_delimiter = ',')]
    pub scales: Option<Vec<f64>>,
    /// Input dimension (any dataset).
    #[arg(long)]
    pub input_dim: Option<usize>,
    /// Training rows (any dataset).
    #[arg(long)]
    pub train_rows: Option<usize>,

    /// Architecture id (`seesaw list`).
    #[arg(long)]
    pub arch: Option<String>,
    /// Number of experts (omoe, mmoe) or shared experts per level (cgc, ple).
    #[arg(long)]
    pub experts: Option<usize>,
    /// Task-specific experts per task and level (cgc, ple).
    #[arg(long)]
    pub task_experts: Option<usize>,
    /// Extraction levels (ple).
    #[arg(long)]
    pub levels: Option<usize>,
    /// Hidden layers inside each gate (omoe, mmoe, cgc, ple).
    #[arg(long)]
    pub gate_depth: Option<usize>,
    /// Add a factorisation-machine term to each task's output.
    #[arg(long)]
    pub fm: bool,
    /// FM latent factors (implies --fm).
    #[arg(long)]
    pub fm_factors: Option<usize>,

    /// Weighting method id (`seesaw list`).
    #[arg(long)]
    pub weighting: Option<String>,
    /// Task weights for `fixed`, one per task.
    #[arg(long, value_delimiter = ',')]
    pub weights: Option<Vec<f64>>,

    /// Optimiser: adam or sgd.
    #[arg(long)]
    pub optimizer: Option<String>,
    /// SGD momentum.
    #[arg(long)]
    pub momentum: Option<f64>,
    /// Learning rate.
    #[arg(long)]
    pub lr: Option<f64>,
    /// Batch size.
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Training steps.
    #[arg(long)]
    pub steps: Option<usize>,
    /// Report every this many steps.
    #[arg(long)]
    pub eval_every: Option<usize>,
    /// Tower learning-rate multipliers, one per task.
    #[arg(long, value_delimiter = ',')]
    pub tower_lr: Option<Vec<f64>>,
    /// Seed for data, initialisation and batch order.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Also train single-task baselines and report MTL gain and Δm.
    #[arg(long)]
    pub baselines: bool,

    /// Any field by its link key, e.g. `--set warmup_epochs=3 --set samples.validation=500`
    /// (repeatable; applied after the other flags, in order; lists comma-separated).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,

    /// Backend: flex (CPU) or wgpu.
    #[arg(long, default_value = "flex")]
    pub backend: String,
    /// Write the run JSON here.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print the run JSON on stdout instead of the summary.
    #[arg(long)]
    pub json: bool,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

fn not_for(flag: &str, kind: &str, valid: &str) -> ConfigError {
    ConfigError::new(
        flag,
        format!("does not apply to `{kind}`; it applies to: {valid}"),
    )
}

impl TrainArgs {
    /// The run config these flags describe.
    pub fn to_config(&self) -> Result<RunConfig, ConfigError> {
        let mut config = match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    ConfigError::new("--config", format!("cannot read {}: {e}", path.display()))
                })?;
                RunConfig::from_json(&text)?
            }
            None => RunConfig::default(),
        };
        if let Some(seed) = self.seed {
            config.seed = seed;
        }
        config.baselines |= self.baselines;
        for (key, id) in [
            (DatasetConfig::KEY, &self.dataset),
            (ArchConfig::KEY, &self.arch),
            (WeightingConfig::KEY, &self.weighting),
            (OptimizerConfig::KEY, &self.optimizer),
        ] {
            if let Some(id) = id {
                config = with_kind(&config, key, id)?;
            }
        }
        self.apply_dataset(&mut config.dataset)?;
        self.apply_arch(&mut config.arch)?;
        if self.fm || self.fm_factors.is_some() {
            let mut fm = config.fm.take().unwrap_or_default();
            if let Some(factors) = self.fm_factors {
                fm.factors = factors;
            }
            config.fm = Some(fm);
        }
        if let Some(weights) = &self.weights {
            match &mut config.weighting {
                WeightingConfig::Fixed(fixed) => fixed.weights = weights.clone(),
                other => return Err(not_for("--weights", other.id(), "fixed")),
            }
        }
        self.apply_train(&mut config)?;
        for assignment in &self.set {
            config = set_key(&config, assignment)?;
        }
        Ok(config)
    }

    fn apply_dataset(&self, dataset: &mut DatasetConfig) -> Result<(), ConfigError> {
        let kind = dataset.id();
        match dataset {
            DatasetConfig::Correlated(c) => {
                set(&mut c.correlation, self.correlation);
                set(&mut c.tasks, self.tasks);
                c.binary |= self.binary;
                set(&mut c.noise_std, self.noise_std.clone());
                set(&mut c.input_dim, self.input_dim);
                set(&mut c.samples.train, self.train_rows);
            }
            DatasetConfig::Funnel(c) => {
                set(&mut c.correlation, self.correlation);
                set(&mut c.click_rate, self.click_rate);
                set(&mut c.conversion_rate, self.conversion_rate);
                set(&mut c.input_dim, self.input_dim);
                set(&mut c.samples.train, self.train_rows);
            }
            DatasetConfig::Scales(c) => {
                set(&mut c.scales, self.scales.clone());
                set(&mut c.input_dim, self.input_dim);
                set(&mut c.samples.train, self.train_rows);
            }
        }
        let applies = |flag: &str, given: bool, valid: &[&str]| {
            if given && !valid.contains(&kind) {
                Err(not_for(flag, kind, &valid.join(", ")))
            } else {
                Ok(())
            }
        };
        applies(
            "--correlation",
            self.correlation.is_some(),
            &["correlated", "funnel"],
        )?;
        applies("--tasks", self.tasks.is_some(), &["correlated"])?;
        applies("--binary", self.binary, &["correlated"])?;
        applies("--noise-std", self.noise_std.is_some(), &["correlated"])?;
        applies("--click-rate", self.click_rate.is_some(), &["funnel"])?;
        applies(
            "--conversion-rate",
            self.conversion_rate.is_some(),
            &["funnel"],
        )?;
        applies("--scales", self.scales.is_some(), &["scales"])
    }

    fn apply_arch(&self, arch: &mut ArchConfig) -> Result<(), ConfigError> {
        let kind = arch.id();
        let moe = "omoe, mmoe, cgc, ple";
        match arch {
            ArchConfig::Omoe(OmoeConfig(c)) | ArchConfig::Mmoe(c) => {
                set(&mut c.experts, self.experts);
                set(&mut c.gate_depth, self.gate_depth);
                if self.task_experts.is_some() {
                    return Err(not_for("--task-experts", kind, "cgc, ple"));
                }
                if self.levels.is_some() {
                    return Err(not_for("--levels", kind, "ple"));
                }
            }
            ArchConfig::Cgc(CgcConfig(c)) | ArchConfig::Ple(c) => {
                set(&mut c.shared_experts, self.experts);
                set(&mut c.task_experts, self.task_experts);
                set(&mut c.gate_depth, self.gate_depth);
                if let Some(levels) = self.levels {
                    if kind == "cgc" {
                        return Err(not_for("--levels", kind, "ple (cgc is ple with one level)"));
                    }
                    c.levels = levels;
                }
            }
            _ => {
                for (flag, given) in [
                    ("--experts", self.experts.is_some()),
                    ("--task-experts", self.task_experts.is_some()),
                    ("--levels", self.levels.is_some()),
                    ("--gate-depth", self.gate_depth.is_some()),
                ] {
                    if given {
                        return Err(not_for(flag, kind, moe));
                    }
                }
            }
        }
        Ok(())
    }

    fn apply_train(&self, config: &mut RunConfig) -> Result<(), ConfigError> {
        let train = &mut config.train;
        if let Some(value) = self.momentum {
            match &mut train.optimizer {
                OptimizerConfig::Sgd(sgd) => sgd.momentum = value,
                OptimizerConfig::Adam(_) => return Err(not_for("--momentum", "adam", "sgd")),
            }
        }
        set(&mut train.learning_rate, self.lr);
        set(&mut train.batch_size, self.batch_size);
        set(&mut train.steps, self.steps);
        set(&mut train.eval_every, self.eval_every);
        set(&mut train.tower_lr, self.tower_lr.clone());
        Ok(())
    }
}

/// `config` with one `key=value` applied as a link would apply it; an unknown key or an
/// invalid value is an error naming it (where a link would fall back with a notice).
fn set_key(config: &RunConfig, assignment: &str) -> Result<RunConfig, ConfigError> {
    let Some((key, value)) = assignment.split_once('=') else {
        return Err(ConfigError::new(
            "--set",
            format!("`{assignment}` is not KEY=VALUE"),
        ));
    };
    let decoded = seesaw_core::url::with_value(config, key, value);
    match decoded.notices.first() {
        Some(notice) => Err(ConfigError::new(
            "--set",
            notice.trim_end_matches("; using the default"),
        )),
        None => Ok(decoded.config),
    }
}

fn set<T>(field: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *field = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use seesaw_core::url;

    #[derive(Parser)]
    struct Train {
        #[command(flatten)]
        args: TrainArgs,
    }

    fn config(args: &[&str]) -> Result<RunConfig, ConfigError> {
        let mut argv = vec!["seesaw"];
        argv.extend_from_slice(args);
        Train::parse_from(argv).args.to_config()
    }

    /// A kind picked on the command line is the kind a link picks: the same defaults (SGD's
    /// momentum once differed between the page and the CLI), the same unknown-id message.
    #[test]
    fn kinds_switch_as_a_link_switches_them() {
        for (flag, key) in [
            ("--dataset", "dataset"),
            ("--arch", "arch"),
            ("--weighting", "weighting"),
            ("--optimizer", "optimizer"),
        ] {
            for id in seesaw_core::registry::kind_ids(key) {
                let from_flag = config(&[flag, id]).unwrap();
                let from_link = url::decode(&format!("{key}={id}"));
                if from_link.notices.is_empty() {
                    assert_eq!(from_flag, from_link.config, "{flag} {id}");
                } else {
                    // A kind that does not fit the default run (ESMM needs the funnel): the
                    // link falls back with a notice, the CLI refuses the run.
                    assert!(from_flag.validate().is_err(), "{flag} {id}");
                }
            }
        }
        let error = config(&["--optimizer", "lbfgs"]).unwrap_err().to_string();
        assert!(error.contains("known: adam, sgd"), "{error}");
    }

    #[test]
    fn set_reaches_every_field_as_a_link_does() {
        let config = config(&[
            "--weighting",
            "stch",
            "--set",
            "warmup_epochs=3",
            "--set",
            "nadir=0.5,2",
            "--set",
            "samples.validation=500",
            "--set",
            "learning_rate=0.01",
        ])
        .unwrap();
        let link = url::decode(
            "weighting=stch&warmup_epochs=3&nadir=0.5,2&samples.validation=500&learning_rate=0.01",
        );
        assert!(link.notices.is_empty(), "{:?}", link.notices);
        assert_eq!(config, link.config);
        for (bad, names) in [
            ("--set=nonsense=1", "nonsense"),
            ("--set=learning_rate=fast", "learning_rate"),
            ("--set=learning_rate=100", "learning_rate"),
            ("--set=seed", "KEY=VALUE"),
        ] {
            let error = self::config(&[bad]).unwrap_err().to_string();
            assert!(error.contains(names), "{bad}: {error}");
        }
    }
}
