//! A comparison's grid: the base run, the architectures and weighting methods to try, the seeds,
//! and optionally one knob over a list of values; expanded into runs that each know their
//! configuration and the single-task baselines they share.

use crate::error::ConfigError;
use crate::registry::{is_kind_key, with_kind};
use crate::train::{RunConfig, baseline_of};
use crate::{Registry, url};
use serde::{Deserialize, Serialize};

/// One knob swept over a list of values (`correlation` over 1, 0.9, 0.5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vary {
    /// The knob's link key (`correlation`, `experts`, `learning_rate`, ...).
    pub key: String,
    /// Its values, as a link writes them (a grid file may write numbers).
    #[serde(deserialize_with = "texts")]
    pub values: Vec<String>,
}

/// A list of values written as strings or numbers.
fn texts<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    let values = Vec::<serde_json::Value>::deserialize(deserializer)?;
    values
        .into_iter()
        .map(|value| match value {
            serde_json::Value::String(text) => Ok(text),
            serde_json::Value::Number(number) => Ok(number.to_string()),
            serde_json::Value::Bool(flag) => Ok(flag.to_string()),
            other => Err(serde::de::Error::custom(format!(
                "a knob value must be a number or a string, not {other}"
            ))),
        })
        .collect()
}

/// A setting applied to every run of the grid that has it, after the kinds are chosen: `keys`
/// are the link keys it may stand for (the first one a run has is set). A CLI flag such as
/// `--experts` is one (`experts` for MoE, `shared_experts` for CGC/PLE).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// How the user wrote it, for messages (`--experts`, `--set experts=4`).
    pub name: String,
    /// The link keys it may stand for, in order of preference.
    pub keys: Vec<String>,
    /// The value as a link writes it.
    pub value: String,
}

impl Override {
    /// Parses `key=value`.
    ///
    /// # Errors
    /// Text without `=`.
    pub fn parse(assignment: &str) -> Result<Override, ConfigError> {
        let (key, value) = assignment
            .split_once('=')
            .ok_or_else(|| ConfigError::new("set", format!("`{assignment}` is not KEY=VALUE")))?;
        Ok(Override {
            name: format!("set {assignment}"),
            keys: vec![key.to_string()],
            value: value.to_string(),
        })
    }
}

/// What to compare (`seesaw sweep grid.json` reads it; the page builds one from its config).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GridSpec {
    /// The run every grid point starts from.
    pub base: RunConfig,
    /// Architecture ids (empty: the base's).
    pub arch: Vec<String>,
    /// Weighting method ids (empty: the base's).
    pub weighting: Vec<String>,
    /// Seeds (empty: the base's seed).
    pub seeds: Vec<u64>,
    /// The knob to sweep, if any.
    pub vary: Option<Vary>,
    /// `key=value` settings applied to every run that has the key (after the kinds).
    pub set: Vec<String>,
    /// Settings from command-line flags, applied before `set` (not part of the JSON).
    #[serde(skip)]
    pub flags: Vec<Override>,
}

/// Which configuration a run belongs to, and its seed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Labels {
    /// Architecture id.
    pub arch: String,
    /// Weighting method id.
    pub weighting: String,
    /// The swept knob's value, when a knob is swept.
    pub knob: Option<String>,
    /// The seed.
    pub seed: u64,
}

impl Labels {
    /// The labels of `config`, reading the swept knob's value from it.
    pub fn of(config: &RunConfig, vary: Option<&str>) -> Labels {
        let knob = vary.and_then(|key| {
            url::fields(config)
                .into_iter()
                .find(|field| field.key == key)
                .map(|field| field.value)
        });
        Labels {
            arch: config.arch.id().to_string(),
            weighting: config.weighting.id().to_string(),
            knob,
            seed: config.seed,
        }
    }

    /// Whether `other` belongs to the same configuration (everything but the seed).
    pub fn same_configuration(&self, other: &Labels) -> bool {
        self.arch == other.arch && self.weighting == other.weighting && self.knob == other.knob
    }

    /// The configuration (everything but the seed): `mmoe · pcgrad · correlation=0.5`.
    pub fn configuration(&self, vary: Option<&str>) -> String {
        let mut label = format!("{} · {}", self.arch, self.weighting);
        if let (Some(key), Some(value)) = (vary, &self.knob) {
            label.push_str(&format!(" · {key}={value}"));
        }
        label
    }

    /// A file name for the run: `mmoe_pcgrad_correlation-0.5_seed3`.
    pub fn file_stem(&self, vary: Option<&str>) -> String {
        let mut stem = format!("{}_{}", self.arch, self.weighting);
        if let (Some(key), Some(value)) = (vary, &self.knob) {
            stem.push_str(&format!("_{key}-{value}"));
        }
        stem.push_str(&format!("_seed{}", self.seed));
        stem.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "._-".contains(c) {
                    c
                } else {
                    '-'
                }
            })
            .collect()
    }
}

/// One run of the grid.
#[derive(Debug, Clone, PartialEq)]
pub struct GridRun {
    /// Its place in the grid (0-based).
    pub index: usize,
    /// The run (its own `baselines` off: they are trained once per data config and seed).
    pub config: RunConfig,
    /// Its configuration and seed.
    pub labels: Labels,
    /// Which of [`Grid::baselines`] it is compared with.
    pub baseline: usize,
}

/// The expanded grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// The swept knob's key.
    pub vary: Option<String>,
    /// Every run: configurations in order (architecture, method, knob value), seeds innermost.
    pub runs: Vec<GridRun>,
    /// The distinct single-task baseline runs (one per data config, budget and seed).
    pub baselines: Vec<RunConfig>,
}

impl Grid {
    /// The runs of shard `index` (1-based) of `count`: every `count`-th run, so slow and fast
    /// configurations spread over the shards. The shards are disjoint and cover the grid.
    ///
    /// # Errors
    /// `index` outside 1..=`count`.
    pub fn shard(&self, index: usize, count: usize) -> Result<Vec<&GridRun>, ConfigError> {
        if count == 0 || index == 0 || index > count {
            return Err(ConfigError::new(
                "shard",
                format!("{index}/{count}: the shard must be i/n with 1 ≤ i ≤ n"),
            ));
        }
        Ok(self
            .runs
            .iter()
            .filter(|run| run.index % count == index - 1)
            .collect())
    }

    /// The distinct configurations, in grid order.
    pub fn configurations(&self) -> Vec<String> {
        let mut seen = Vec::new();
        for run in &self.runs {
            let label = run.labels.configuration(self.vary.as_deref());
            if !seen.contains(&label) {
                seen.push(label);
            }
        }
        seen
    }
}

impl GridSpec {
    /// The most runs a grid may have.
    pub const MAX_RUNS: usize = 10_000;

    /// How many runs the grid makes, without building them.
    pub fn run_count(&self) -> usize {
        self.arch.len().max(1)
            * self.weighting.len().max(1)
            * self.seeds.len().max(1)
            * self.vary.as_ref().map_or(1, |vary| vary.values.len())
    }

    /// Every run of the grid, each checked, and the baselines they share.
    ///
    /// # Errors
    /// An unknown architecture or method, an empty list of knob values, a knob a run does not
    /// have, a setting that applies to no run, an invalid value, a combination the engine
    /// refuses (named with the run's configuration), or more than `max_runs` runs.
    pub fn expand(&self, max_runs: usize) -> Result<Grid, ConfigError> {
        let count = self.run_count();
        if count > max_runs {
            return Err(ConfigError::new(
                "grid",
                format!("{count} runs is more than the {max_runs} a comparison may have"),
            ));
        }
        let vary = self.vary.as_ref();
        if let Some(vary) = vary {
            if vary.values.is_empty() {
                return Err(ConfigError::new(
                    "vary",
                    format!("no values given for `{}`", vary.key),
                ));
            }
            if is_kind_key(&vary.key) || ["seed", "hide"].contains(&vary.key.as_str()) {
                return Err(ConfigError::new(
                    "vary",
                    format!(
                        "`{}` cannot be varied as a knob; use the arch and weighting lists and \
                         the seeds",
                        vary.key
                    ),
                ));
            }
        }
        let overrides: Vec<Override> = self
            .flags
            .iter()
            .cloned()
            .chain(
                self.set
                    .iter()
                    .map(|s| Override::parse(s))
                    .collect::<Result<Vec<_>, _>>()?,
            )
            .collect();
        // Each run's seed comes from the seeds (or the base's seed): a setting would be
        // silently overwritten.
        if let Some(setting) = overrides
            .iter()
            .find(|o| o.keys.iter().any(|k| k == "seed"))
        {
            return Err(ConfigError::new(
                &setting.name,
                "the grid's seeds set each run's seed; give `seeds` (or the base's seed) instead",
            ));
        }
        let mut used = vec![false; overrides.len()];
        let archs = ids_or(&self.arch, self.base.arch.id(), "arch")?;
        let weightings = ids_or(&self.weighting, self.base.weighting.id(), "weighting")?;
        let seeds = if self.seeds.is_empty() {
            vec![self.base.seed]
        } else {
            self.seeds.clone()
        };
        let knob_values: Vec<Option<&String>> = match vary {
            Some(vary) => vary.values.iter().map(Some).collect(),
            None => vec![None],
        };
        let mut grid = Grid {
            vary: vary.map(|v| v.key.clone()),
            runs: Vec::new(),
            baselines: Vec::new(),
        };
        let mut baseline_keys: Vec<String> = Vec::new();
        for arch in &archs {
            for weighting in &weightings {
                let mut config = with_kind(&self.base, "arch", arch)?;
                config = with_kind(&config, "weighting", weighting)?;
                for (k, setting) in overrides.iter().enumerate() {
                    let fields = url::fields(&config);
                    let Some(key) = setting
                        .keys
                        .iter()
                        .find(|key| fields.iter().any(|field| &field.key == *key))
                    else {
                        continue;
                    };
                    used[k] = true;
                    config =
                        url::try_with_value(&config, key, &setting.value).map_err(|notice| {
                            // A link re-checks the whole run: a combination the engine refuses
                            // (ESMM without the funnel) is the configuration's fault, not the
                            // setting's.
                            match config.validate() {
                                Err(error) => ConfigError::new(
                                    Labels::of(&config, None).configuration(None),
                                    error.to_string(),
                                ),
                                Ok(()) => ConfigError::new(&setting.name, notice),
                            }
                        })?;
                }
                for value in &knob_values {
                    let mut point = config.clone();
                    if let (Some(vary), Some(value)) = (vary, value) {
                        if !url::fields(&point).iter().any(|f| f.key == vary.key) {
                            return Err(ConfigError::new(
                                "vary",
                                format!(
                                    "`{}` is not a knob of {} (dataset {}, arch {}, weighting {})",
                                    vary.key,
                                    Labels::of(&point, None).configuration(None),
                                    point.dataset.id(),
                                    arch,
                                    weighting
                                ),
                            ));
                        }
                        point = url::try_with_value(&point, &vary.key, value)
                            .map_err(|notice| ConfigError::new("vary", notice))?;
                    }
                    for &seed in &seeds {
                        let mut run = point.clone();
                        run.seed = seed;
                        run.baselines = false;
                        let labels = Labels::of(&run, grid.vary.as_deref());
                        run.validate().map_err(|error| {
                            ConfigError::new(
                                labels.configuration(grid.vary.as_deref()),
                                error.to_string(),
                            )
                        })?;
                        let baseline = baseline_of(&run);
                        let key = serde_json::to_string(&baseline).expect("configs serialise");
                        let baseline = match baseline_keys.iter().position(|k| *k == key) {
                            Some(index) => index,
                            None => {
                                baseline_keys.push(key);
                                grid.baselines.push(baseline);
                                grid.baselines.len() - 1
                            }
                        };
                        grid.runs.push(GridRun {
                            index: grid.runs.len(),
                            config: run,
                            labels,
                            baseline,
                        });
                    }
                }
            }
        }
        if let Some(unused) = used.iter().position(|used| !used) {
            let setting = &overrides[unused];
            return Err(ConfigError::new(
                &setting.name,
                format!(
                    "applies to none of the grid's runs (no `{}` in any of them)",
                    setting.keys.join("` or `")
                ),
            ));
        }
        Ok(grid)
    }
}

/// The ids of a list, or the base's id for an empty list; each id checked against the registry.
/// A list of blank ids (`--weighting ""`) is an error, not the base's id.
fn ids_or(given: &[String], base: &str, key: &str) -> Result<Vec<String>, ConfigError> {
    let ids: Vec<String> = given
        .iter()
        .map(|id| id.trim().to_string())
        .filter(|id| !id.is_empty())
        .collect();
    if ids.is_empty() && !given.is_empty() {
        return Err(ConfigError::new(
            key,
            format!("the {key} list is empty; give at least one id"),
        ));
    }
    if ids.is_empty() {
        return Ok(vec![base.to_string()]);
    }
    let known = crate::registry::kind_ids(key);
    for id in &ids {
        if !known.contains(&id.as_str()) {
            return Err(ConfigError::new(
                key,
                format!("unknown {key} `{id}`; known: {}", known.join(", ")),
            ));
        }
    }
    let mut unique = Vec::new();
    for id in ids {
        if !unique.contains(&id) {
            unique.push(id);
        }
    }
    Ok(unique)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> GridSpec {
        GridSpec {
            arch: vec!["mmoe".into(), "shared-bottom".into()],
            weighting: vec!["equal".into(), "uncertainty".into()],
            seeds: vec![1, 2],
            ..GridSpec::default()
        }
    }

    #[test]
    fn a_two_by_two_by_two_grid_shares_one_baseline_per_seed() {
        let grid = spec().expand(100).unwrap();
        assert_eq!(grid.runs.len(), 8);
        assert_eq!(spec().run_count(), 8);
        assert_eq!(grid.baselines.len(), 2, "one per seed: same data otherwise");
        assert_eq!(grid.configurations().len(), 4);
        assert_eq!(grid.configurations()[0], "mmoe · equal");
        for run in &grid.runs {
            assert!(!run.config.baselines);
            assert_eq!(grid.baselines[run.baseline].seed, run.config.seed);
            assert_eq!(run.config.arch.id(), run.labels.arch);
        }
        assert_eq!(grid.runs[1].labels.seed, 2, "seeds innermost");
    }

    #[test]
    fn a_swept_knob_changes_the_data_and_so_the_baselines() {
        let mut spec = spec();
        spec.vary = Some(Vary {
            key: "correlation".into(),
            values: vec!["1".into(), "0.5".into()],
        });
        let grid = spec.expand(100).unwrap();
        assert_eq!(grid.runs.len(), 16);
        assert_eq!(grid.baselines.len(), 4);
        assert_eq!(grid.runs[2].labels.knob.as_deref(), Some("0.5"));
        assert_eq!(
            grid.runs[2].labels.configuration(grid.vary.as_deref()),
            "mmoe · equal · correlation=0.5"
        );
        assert_eq!(
            grid.runs[2].labels.file_stem(grid.vary.as_deref()),
            "mmoe_equal_correlation-0.5_seed1"
        );
    }

    #[test]
    fn shards_are_disjoint_and_cover_the_grid() {
        let grid = spec().expand(100).unwrap();
        let mut seen: Vec<usize> = Vec::new();
        for i in 1..=3 {
            seen.extend(grid.shard(i, 3).unwrap().iter().map(|run| run.index));
        }
        seen.sort_unstable();
        assert_eq!(seen, (0..8).collect::<Vec<_>>());
        assert!(grid.shard(0, 3).is_err() && grid.shard(4, 3).is_err());
    }

    #[test]
    fn bad_grids_name_what_is_wrong() {
        let error = |spec: GridSpec| spec.expand(100).unwrap_err().to_string();
        let mut unknown = spec();
        unknown.weighting.push("bogus".into());
        assert!(error(unknown).contains("unknown weighting `bogus`"));
        let mut empty = spec();
        empty.vary = Some(Vary {
            key: "correlation".into(),
            values: vec![],
        });
        assert!(error(empty).contains("no values given for `correlation`"));
        let mut lacking = spec();
        lacking.base = with_kind(&lacking.base, "dataset", "scales").unwrap();
        lacking.vary = Some(Vary {
            key: "correlation".into(),
            values: vec!["0.5".into()],
        });
        let message = error(lacking);
        assert!(
            message.contains("`correlation` is not a knob") && message.contains("scales"),
            "{message}"
        );
        let mut blank = spec();
        blank.weighting = vec![" ".into()];
        assert!(error(blank).contains("weighting list is empty"));
        let mut seeded = spec();
        seeded.set = vec!["seed=4".into()];
        assert!(error(seeded).contains("seeds"));
        let mut nowhere = spec();
        nowhere.set = vec!["levels=2".into()];
        assert!(error(nowhere).contains("applies to none"));
        let mut bad_value = spec();
        bad_value.set = vec!["experts=0".into()];
        assert!(error(bad_value).contains("experts"));
        let mut too_many = spec();
        too_many.seeds = (1..=30).collect();
        assert!(
            too_many
                .expand(100)
                .unwrap_err()
                .to_string()
                .contains("120 runs")
        );
        let mut esmm = spec();
        esmm.arch = vec!["esmm".into()];
        assert!(error(esmm.clone()).contains("esmm · equal"));
        esmm.set = vec!["steps=5".into()];
        let message = error(esmm);
        assert!(
            message.contains("esmm · equal") && !message.contains("steps"),
            "{message}"
        );
    }

    #[test]
    fn a_setting_applies_to_the_runs_that_have_it() {
        let mut spec = spec();
        spec.set = vec!["experts=5".into()];
        let grid = spec.expand(100).unwrap();
        let experts = |run: &GridRun| {
            url::fields(&run.config)
                .into_iter()
                .find(|f| f.key == "experts")
                .map(|f| f.value)
        };
        assert_eq!(experts(&grid.runs[0]).as_deref(), Some("5"));
        assert_eq!(experts(&grid.runs[4]), None, "shared-bottom has no experts");
    }

    #[test]
    fn the_grid_json_round_trips() {
        let mut spec = spec();
        spec.vary = Some(Vary {
            key: "correlation".into(),
            values: vec!["0.9".into()],
        });
        let json = serde_json::to_string(&spec).unwrap();
        assert_eq!(serde_json::from_str::<GridSpec>(&json).unwrap(), spec);
        let partial: GridSpec = serde_json::from_str(
            r#"{"arch": ["ple"], "seeds": [3], "base": {"seed": 9},
                "vary": {"key": "learning_rate", "values": [0.01, "0.02"]}}"#,
        )
        .unwrap();
        let grid = partial.expand(10).unwrap();
        assert_eq!(grid.runs[0].config.seed, 3);
        assert_eq!(grid.runs[1].config.train.learning_rate, 0.02);
    }
}
