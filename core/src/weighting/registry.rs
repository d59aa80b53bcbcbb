//! The method registry: one line per method. Each method's file holds its settings type, which
//! implements [`MethodConfig`] (validation and construction).

use super::*;
use crate::error::ConfigError;
use crate::registry::registry;

/// What the registry checks of every method's settings.
pub trait MethodSettings {
    /// Checks the settings for a run with `tasks` tasks (default: nothing to check).
    ///
    /// # Errors
    /// The offending field and its allowed range.
    fn validate(&self, _tasks: usize) -> Result<(), ConfigError> {
        Ok(())
    }

    /// Whether runs of this method can train stacked with others (`ParallelTrainer`): it needs
    /// only the losses, answers with task weights, keeps one optimiser state and weighs no
    /// rows (default: no). A test holds every method's answer to what `ParallelTrainer` does.
    fn trains_stacked(&self) -> bool {
        false
    }
}

/// How the registry builds every method from its settings.
pub trait MethodConfig: MethodSettings {
    /// Builds the method for a run (called after [`MethodSettings::validate`]).
    ///
    /// # Errors
    /// Settings that do not fit the run's tasks.
    fn build(&self, context: &MethodContext) -> Result<Box<dyn Weighting>, ConfigError>;
}

registry! {
    /// The method registry. Serialised with a `kind` tag, e.g.
    /// `{"kind": "fixed", "weights": [1, 2]}`.
    pub enum WeightingConfig: "weighting", dyn MethodSettings, dyn MethodConfig {
        /// Every task weighs 1.
        Equal(EqualConfig) = "equal",
        /// Given weights.
        Fixed(FixedConfig) = "fixed",
        /// Learned homoscedastic uncertainty (Kendall et al., CVPR 2018).
        Uncertainty(UncertaintyConfig) = "uncertainty",
        /// Dynamic task prioritisation (Guo et al., ECCV 2018).
        Dtp(DtpConfig) = "dtp",
        /// GradNorm (Chen et al., ICML 2018).
        GradNorm(GradNormConfig) = "gradnorm",
        /// Dynamic weight average (Liu et al., CVPR 2019).
        Dwa(DwaConfig) = "dwa",
        /// Random loss weighting (Lin et al., TMLR 2022).
        Rlw(RlwConfig) = "rlw",
        /// Geometric loss strategy (Chennupati et al., CVPR-W 2019).
        Gls(GlsConfig) = "gls",
        /// Smooth Tchebycheff scalarisation (Lin et al., ICML 2024).
        Stch(StchConfig) = "stch",
        /// Fast adaptive multitask optimisation (Liu et al., NeurIPS 2023).
        Famo(FamoConfig) = "famo",
        /// One task per step, each with its own optimiser state.
        Alternating(AlternatingConfig) = "alternating",
        /// Gradient sign dropout (Chen et al., NeurIPS 2020).
        GradDrop(GradDropConfig) = "graddrop",
        /// Dual-balancing (Lin et al., 2023).
        DbMtl(DbMtlConfig) = "db-mtl",
        /// MGDA on the shared parameters (Sener & Koltun, NeurIPS 2018).
        Mgda(MgdaConfig) = "mgda",
        /// MGDA's upper bound on the shared representation (Sener & Koltun, NeurIPS 2018).
        MgdaUb(MgdaUbConfig) = "mgda-ub",
        /// Positive rows of one task re-weighted by another task's label.
        LabelReweight(LabelReweightConfig) = "label-reweight",
        /// Pareto-efficient weights with lower bounds (Lin et al., RecSys 2019).
        PeLtr(PeLtrConfig) = "pe-ltr",
        /// Projecting conflicting gradients (Yu et al., NeurIPS 2020).
        PcGrad(PcGradConfig) = "pcgrad",
        /// Conflict-averse gradient descent (Liu et al., NeurIPS 2021).
        CaGrad(CaGradConfig) = "cagrad",
        /// Impartial multi-task learning (Liu et al., ICLR 2021).
        Imtl(ImtlConfig) = "imtl",
        /// Gradient vaccine (Wang et al., ICLR 2021).
        GradVac(GradVacConfig) = "gradvac",
        /// Aligned-MTL (Senushkin et al., CVPR 2023).
        AlignedMtl(AlignedMtlConfig) = "aligned-mtl",
        /// Nash-MTL (Navon et al., ICML 2022).
        NashMtl(NashMtlConfig) = "nash-mtl",
        /// UPGrad (Quinton & Rey, 2024).
        UpGrad(UpGradConfig) = "upgrad",
        /// DualProj (Quinton & Rey, 2024).
        DualProj(DualProjConfig) = "dualproj",
    }
}

impl Default for WeightingConfig {
    fn default() -> Self {
        WeightingConfig::Equal(EqualConfig {})
    }
}

impl WeightingConfig {
    /// Checks the hyperparameters for `tasks` tasks.
    ///
    /// # Errors
    /// The offending field (prefixed with `weighting.`) and its allowed range.
    pub fn validate(&self, tasks: usize) -> Result<(), ConfigError> {
        self.settings()
            .validate(tasks)
            .map_err(|error| error.within("weighting"))
    }

    /// Builds the method for the run described by `context`.
    ///
    /// # Errors
    /// As [`WeightingConfig::validate`], or settings that do not fit the run's tasks.
    pub fn build(&self, context: &MethodContext) -> Result<Box<dyn Weighting>, ConfigError> {
        self.validate(context.task_count())?;
        self.builder()
            .build(context)
            .map_err(|error| error.within("weighting"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Registry;

    /// Run JSON written before methods without settings had a settings type still reads, and
    /// writes the same: `{"kind": "equal"}`; `mgda-ub`'s settings sit beside its tag.
    #[test]
    fn the_json_of_existing_runs_is_unchanged() {
        for id in [
            "equal",
            "uncertainty",
            "rlw",
            "gls",
            "alternating",
            "pcgrad",
        ] {
            let json = serde_json::json!({ "kind": id });
            let config: WeightingConfig = serde_json::from_value(json.clone()).unwrap();
            assert_eq!(config.id(), id);
            assert_eq!(serde_json::to_value(&config).unwrap(), json);
        }
        let json = serde_json::json!({ "kind": "mgda-ub", "normalization": "l2" });
        let config: WeightingConfig = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(
            config,
            WeightingConfig::MgdaUb(MgdaUbConfig(MgdaConfig {
                normalization: GradientNormalization::L2
            }))
        );
        assert_eq!(serde_json::to_value(&config).unwrap(), json);
        assert!(
            serde_json::from_value::<WeightingConfig>(
                serde_json::json!({ "kind": "equal", "weights": [1] })
            )
            .is_err()
        );
    }
}
