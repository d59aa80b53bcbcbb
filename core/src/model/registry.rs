//! The architecture registry: one line per architecture. Each architecture's file holds its
//! settings type, which implements [`ArchSettings`] (validation and construction).

use super::*;
use crate::registry::registry;

/// What the registry needs of every architecture's settings.
pub trait ArchSettings {
    /// Checks every field and that the architecture fits the tasks of dataset `dataset`.
    ///
    /// # Errors
    /// The offending field and its allowed range, or `arch` when it does not fit the data.
    fn check(&self, tasks: &[TaskSpec], dataset: &str) -> Result<(), ConfigError>;

    /// Whether the network has a stacked form (`Architecture::stack_runs`), so that runs of it
    /// can train as one model (default: no). A test holds it to `stack_runs`.
    fn trains_stacked(&self) -> bool {
        false
    }
}

/// How the registry builds every architecture from its settings.
pub trait ArchBuilder: ArchSettings {
    /// Builds the network for `shape` (called after `check`), drawing initial weights from
    /// `rng`.
    ///
    /// # Errors
    /// Tasks the architecture cannot serve (different output widths).
    fn network(
        &self,
        shape: &ModelShape,
        rng: &mut Rng,
        device: &Device,
    ) -> Result<Network, ConfigError>;
}

registry! {
    /// The architecture registry. Serialised with a `kind` tag, e.g.
    /// `{"kind": "mmoe", "experts": 8}`.
    pub enum ArchConfig: "arch", dyn ArchSettings, dyn ArchBuilder {
        /// One independent network per task: the baselines.
        SingleTask(SingleTaskConfig) = "single-task",
        /// Hard parameter sharing.
        SharedBottom(SharedBottomConfig) = "shared-bottom",
        /// One-gate mixture of experts.
        Omoe(OmoeConfig) = "omoe",
        /// Multi-gate mixture of experts.
        Mmoe(MoeConfig) = "mmoe",
        /// Customized gate control (PLE with one level).
        Cgc(CgcConfig) = "cgc",
        /// Progressive layered extraction.
        Ple(PleConfig) = "ple",
        /// Cross-stitch networks.
        CrossStitch(CrossStitchConfig) = "cross-stitch",
        /// Entire-space multi-task model.
        Esmm(EsmmConfig) = "esmm",
    }
}

impl Default for ArchConfig {
    fn default() -> Self {
        ArchConfig::Mmoe(MoeConfig::default())
    }
}

impl ArchConfig {
    /// Checks every field and that the architecture fits the tasks.
    ///
    /// # Errors
    /// The offending field (prefixed with `arch.`) and its allowed range.
    pub fn validate(&self, tasks: &[TaskSpec], dataset: &str) -> Result<(), ConfigError> {
        self.settings().check(tasks, dataset).map_err(|error| {
            if error.field == "arch" {
                error
            } else {
                error.within("arch")
            }
        })
    }

    /// Builds the model for `shape`, drawing initial weights from `rng`.
    ///
    /// # Errors
    /// As [`ArchConfig::validate`].
    pub fn build(
        &self,
        shape: &ModelShape,
        fm: Option<&FmConfig>,
        rng: &mut Rng,
        device: &Device,
    ) -> Result<MultiTaskModel, ConfigError> {
        self.validate(shape.tasks, shape.dataset)?;
        if let Some(fm) = fm {
            fm.validate().map_err(|e| e.within("fm"))?;
        }
        let network = self.builder().network(shape, rng, device)?;
        let fm = fm.map(|config| {
            FactorizationMachine::new(config, shape.input_dim, shape.tasks.len(), rng, device)
        });
        Ok(MultiTaskModel { network, fm })
    }
}
