//! `seesaw train`'s flags and how they map onto a [`RunConfig`].
//!
//! Precedence: defaults, then `--config FILE`, then flags, then `--set key=value` in order.
//! `--dataset`/`--arch`/`--weighting`/`--optimizer` switch the kind (keeping the config file's
//! settings when the kind is the same); knob flags apply to the chosen kind and are an error for
//! a kind that has no such knob. `--set` reaches every field of the run config by its link key
//! (`seesaw_core::url`): the same names, parsing, ranges and messages as a shared link.

use clap::Args;
use seesaw_core::data::DatasetConfig;
use seesaw_core::model::{ArchConfig, FmConfig};
use seesaw_core::registry::{KINDS, kind_ids, with_kind};
use seesaw_core::train::{OptimizerConfig, RunConfig};
use seesaw_core::weighting::WeightingConfig;
use seesaw_core::{ConfigError, Registry, url};
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
    /// Share of would-be conversions dropped at random, 0 to 0.99: data sparsity (funnel).
    #[arg(long)]
    pub conversion_sparsity: Option<f64>,
    /// How much of the click logit the conversion logit carries, −3 to 3: sample-selection
    /// bias (funnel).
    #[arg(long, allow_hyphen_values = true)]
    pub selection_bias: Option<f64>,
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
    /// Write the test split's per-row task scores and labels here (CSV for `seesaw fuse`).
    #[arg(long)]
    pub predictions: Option<PathBuf>,
    /// Print the run JSON on stdout instead of the summary.
    #[arg(long)]
    pub json: bool,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
    /// Print the process's resident memory (RSS) every this many steps (a soak: memory must
    /// stay flat; Linux).
    #[arg(long, value_name = "STEPS")]
    pub memory_every: Option<usize>,
}

impl TrainArgs {
    /// The run config these flags describe.
    pub fn to_config(&self) -> Result<RunConfig, ConfigError> {
        let mut config = self.kinds_config(
            RunConfig::default(),
            &[
                DatasetConfig::KEY,
                ArchConfig::KEY,
                WeightingConfig::KEY,
                OptimizerConfig::KEY,
            ],
        )?;
        for (flag, keys, value) in self.common_flags() {
            config = set_flag(&config, flag, keys, &value)?;
        }
        for assignment in &self.set {
            config = set_key(&config, assignment)?;
        }
        Ok(config)
    }

    /// The config file (or `base` without one) with the kinds of `registries` switched as their
    /// flags say, and `--fm`; no knob flags and no `--set` (`seesaw sweep` applies those to each
    /// run of its grid).
    pub fn kinds_config(
        &self,
        base: RunConfig,
        registries: &[&str],
    ) -> Result<RunConfig, ConfigError> {
        let mut config = match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    ConfigError::new("--config", format!("cannot read {}: {e}", path.display()))
                })?;
                RunConfig::from_json(&text)?
            }
            None => base,
        };
        for (key, id) in [
            (DatasetConfig::KEY, &self.dataset),
            (ArchConfig::KEY, &self.arch),
            (WeightingConfig::KEY, &self.weighting),
            (OptimizerConfig::KEY, &self.optimizer),
        ] {
            if let Some(id) = id.as_ref().filter(|_| registries.contains(&key)) {
                config = with_kind(&config, key, id)?;
            }
        }
        if self.fm && config.fm.is_none() {
            config.fm = Some(FmConfig::default());
        }
        Ok(config)
    }

    /// The common flags that were given, each as the link keys it may stand for (the first one
    /// the run's kinds have) and its value as a link writes it.
    pub fn common_flags(&self) -> Vec<(&'static str, &'static [&'static str], String)> {
        fn text<T: ToString>(value: &Option<T>) -> Option<String> {
            value.as_ref().map(T::to_string)
        }
        fn list(values: &Option<Vec<f64>>) -> Option<String> {
            values.as_ref().map(|values| {
                let parts: Vec<String> = values.iter().map(f64::to_string).collect();
                parts.join(",")
            })
        }
        let on = |given: bool| given.then(|| "true".to_string());
        let flags: [(&'static str, &'static [&'static str], Option<String>); 24] = [
            ("--seed", &["seed"], text(&self.seed)),
            ("--baselines", &["baselines"], on(self.baselines)),
            ("--correlation", &["correlation"], text(&self.correlation)),
            ("--tasks", &["tasks"], text(&self.tasks)),
            ("--binary", &["binary"], on(self.binary)),
            ("--noise-std", &["noise_std"], list(&self.noise_std)),
            ("--click-rate", &["click_rate"], text(&self.click_rate)),
            (
                "--conversion-rate",
                &["conversion_rate"],
                text(&self.conversion_rate),
            ),
            (
                "--conversion-sparsity",
                &["conversion_sparsity"],
                text(&self.conversion_sparsity),
            ),
            (
                "--selection-bias",
                &["selection_bias"],
                text(&self.selection_bias),
            ),
            ("--scales", &["scales"], list(&self.scales)),
            ("--input-dim", &["input_dim"], text(&self.input_dim)),
            ("--train-rows", &["samples.train"], text(&self.train_rows)),
            (
                "--experts",
                &["experts", "shared_experts"],
                text(&self.experts),
            ),
            (
                "--task-experts",
                &["task_experts"],
                text(&self.task_experts),
            ),
            ("--levels", &["levels"], text(&self.levels)),
            ("--gate-depth", &["gate_depth"], text(&self.gate_depth)),
            ("--fm-factors", &["fm_factors"], text(&self.fm_factors)),
            ("--weights", &["weights"], list(&self.weights)),
            ("--momentum", &["momentum"], text(&self.momentum)),
            ("--lr", &["learning_rate"], text(&self.lr)),
            ("--batch-size", &["batch_size"], text(&self.batch_size)),
            ("--steps", &["steps"], text(&self.steps)),
            ("--eval-every", &["eval_every"], text(&self.eval_every)),
        ];
        let mut given: Vec<_> = flags
            .into_iter()
            .filter_map(|(flag, keys, value)| value.map(|value| (flag, keys, value)))
            .collect();
        if let Some(value) = list(&self.tower_lr) {
            given.push(("--tower-lr", &["tower_lr"], value));
        }
        given
    }
}

/// `config` with a common flag applied through its link key: the first of `keys` the run's
/// kinds have. A flag none of the run's kinds has is an error naming the kinds it applies to.
fn set_flag(
    config: &RunConfig,
    flag: &str,
    keys: &[&str],
    value: &str,
) -> Result<RunConfig, ConfigError> {
    match first_key(config, keys) {
        Some(key) => set_key(config, &format!("{key}={value}"))
            .map_err(|error| ConfigError::new(flag, error.message)),
        None => Err(not_for(config, flag, keys)),
    }
}

/// The first of `keys` that `config` has (its kinds' fields, the training settings, ...).
fn first_key(config: &RunConfig, keys: &[&str]) -> Option<String> {
    let fields = url::fields(config);
    keys.iter()
        .find(|key| fields.iter().any(|field| field.key == **key))
        .map(|key| key.to_string())
}

/// Why a flag standing for `keys` does not apply: the registry whose kinds have those keys,
/// the run's kind there, and the kinds that have them.
fn not_for(config: &RunConfig, flag: &str, keys: &[&str]) -> ConfigError {
    for registry in KINDS.iter().map(|kind| kind.key) {
        let ids = kind_ids(registry);
        let with: Vec<&str> = ids
            .iter()
            .copied()
            .filter(|id| {
                with_kind(config, registry, id).is_ok_and(|c| first_key(&c, keys).is_some())
            })
            .collect();
        if !with.is_empty() && with.len() < ids.len() {
            let current = url::fields(config)
                .into_iter()
                .find(|field| field.key == registry)
                .map(|field| field.value)
                .unwrap_or_default();
            return ConfigError::new(
                flag,
                format!(
                    "does not apply to {registry} `{current}`; it applies to: {}",
                    with.join(", ")
                ),
            );
        }
    }
    ConfigError::new(flag, "does not apply to this run")
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
    url::try_with_value(config, key, value).map_err(|notice| ConfigError::new("--set", notice))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

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

    /// One range per field: `--set` accepts exactly the values a link accepts, on both ends of
    /// every field's stated range and just beyond them.
    #[test]
    fn set_and_links_agree_on_every_fields_boundaries() {
        let mut checked = 0;
        for hash in [
            "",
            "dataset=funnel&arch=esmm&weighting=stch",
            "arch=ple&weighting=famo&optimizer=sgd&fm_factors=3",
            "dataset=scales&arch=cgc&weighting=gradnorm",
        ] {
            let config = url::decode(hash).config;
            for case in url::boundary_cases(&config) {
                let by_link = url::with_value(&config, &case.key, &case.value)
                    .notices
                    .is_empty();
                let by_flag = set_key(&config, &format!("{}={}", case.key, case.value)).is_ok();
                assert_eq!(by_flag, by_link, "{hash}: {case:?}");
                checked += 1;
            }
        }
        assert!(checked > 100, "{checked}");
    }
}
