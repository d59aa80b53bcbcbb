//! The method registry: one variant per method, its stable id, validation and construction.

use super::*;
use crate::Registry;
use crate::error::ConfigError;
use serde::{Deserialize, Serialize};

/// The method registry. Serialised with a `kind` tag, e.g. `{"kind": "fixed", "weights": [1, 2]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum WeightingConfig {
    /// Every task weighs 1.
    #[default]
    Equal,
    /// Given weights.
    Fixed(FixedConfig),
    /// Learned homoscedastic uncertainty (Kendall et al., CVPR 2018).
    Uncertainty,
    /// Dynamic task prioritisation (Guo et al., ECCV 2018).
    Dtp(DtpConfig),
    /// GradNorm (Chen et al., ICML 2018).
    #[serde(rename = "gradnorm")]
    GradNorm(GradNormConfig),
    /// Dynamic weight average (Liu et al., CVPR 2019).
    Dwa(DwaConfig),
    /// Random loss weighting (Lin et al., TMLR 2022).
    Rlw,
    /// Geometric loss strategy (Chennupati et al., CVPR-W 2019).
    Gls,
    /// Smooth Tchebycheff scalarisation (Lin et al., ICML 2024).
    Stch(StchConfig),
    /// Fast adaptive multitask optimisation (Liu et al., NeurIPS 2023).
    Famo(FamoConfig),
    /// One task per step, each with its own optimiser state.
    Alternating,
    /// Gradient sign dropout (Chen et al., NeurIPS 2020).
    #[serde(rename = "graddrop")]
    GradDrop(GradDropConfig),
    /// Dual-balancing (Lin et al., 2023).
    DbMtl(DbMtlConfig),
    /// MGDA on the shared parameters (Sener & Koltun, NeurIPS 2018).
    Mgda(MgdaConfig),
    /// MGDA's upper bound on the shared representation (Sener & Koltun, NeurIPS 2018).
    MgdaUb(MgdaConfig),
    /// Positive rows of one task re-weighted by another task's label.
    LabelReweight(LabelReweightConfig),
    /// Pareto-efficient weights with lower bounds (Lin et al., RecSys 2019).
    PeLtr(PeLtrConfig),
    /// Projecting conflicting gradients (Yu et al., NeurIPS 2020).
    #[serde(rename = "pcgrad")]
    PcGrad(PcGradConfig),
    /// Conflict-averse gradient descent (Liu et al., NeurIPS 2021).
    #[serde(rename = "cagrad")]
    CaGrad(CaGradConfig),
    /// Impartial multi-task learning (Liu et al., ICLR 2021).
    Imtl(ImtlConfig),
    /// Gradient vaccine (Wang et al., ICLR 2021).
    #[serde(rename = "gradvac")]
    GradVac(GradVacConfig),
    /// Aligned-MTL (Senushkin et al., CVPR 2023).
    AlignedMtl(AlignedMtlConfig),
    /// Nash-MTL (Navon et al., ICML 2022).
    NashMtl(NashMtlConfig),
    /// UPGrad (Quinton & Rey, 2024).
    #[serde(rename = "upgrad")]
    UpGrad(UpGradConfig),
    /// DualProj (Quinton & Rey, 2024).
    #[serde(rename = "dualproj")]
    DualProj(DualProjConfig),
}

impl Registry for WeightingConfig {
    const KEY: &'static str = "weighting";

    fn all() -> Vec<WeightingConfig> {
        vec![
            WeightingConfig::Equal,
            WeightingConfig::Fixed(FixedConfig::default()),
            WeightingConfig::Uncertainty,
            WeightingConfig::Dtp(DtpConfig::default()),
            WeightingConfig::GradNorm(GradNormConfig::default()),
            WeightingConfig::Dwa(DwaConfig::default()),
            WeightingConfig::Rlw,
            WeightingConfig::Gls,
            WeightingConfig::Stch(StchConfig::default()),
            WeightingConfig::Famo(FamoConfig::default()),
            WeightingConfig::Alternating,
            WeightingConfig::GradDrop(GradDropConfig::default()),
            WeightingConfig::DbMtl(DbMtlConfig::default()),
            WeightingConfig::Mgda(MgdaConfig::default()),
            WeightingConfig::MgdaUb(MgdaConfig::default()),
            WeightingConfig::LabelReweight(LabelReweightConfig::default()),
            WeightingConfig::PeLtr(PeLtrConfig::default()),
            WeightingConfig::PcGrad(PcGradConfig::default()),
            WeightingConfig::CaGrad(CaGradConfig::default()),
            WeightingConfig::Imtl(ImtlConfig::default()),
            WeightingConfig::GradVac(GradVacConfig::default()),
            WeightingConfig::AlignedMtl(AlignedMtlConfig::default()),
            WeightingConfig::NashMtl(NashMtlConfig::default()),
            WeightingConfig::UpGrad(UpGradConfig::default()),
            WeightingConfig::DualProj(DualProjConfig::default()),
        ]
    }

    fn id(&self) -> &'static str {
        match self {
            WeightingConfig::Equal => "equal",
            WeightingConfig::Fixed(_) => "fixed",
            WeightingConfig::Uncertainty => "uncertainty",
            WeightingConfig::Dtp(_) => "dtp",
            WeightingConfig::GradNorm(_) => "gradnorm",
            WeightingConfig::Dwa(_) => "dwa",
            WeightingConfig::Rlw => "rlw",
            WeightingConfig::Gls => "gls",
            WeightingConfig::Stch(_) => "stch",
            WeightingConfig::Famo(_) => "famo",
            WeightingConfig::Alternating => "alternating",
            WeightingConfig::GradDrop(_) => "graddrop",
            WeightingConfig::DbMtl(_) => "db-mtl",
            WeightingConfig::Mgda(_) => "mgda",
            WeightingConfig::MgdaUb(_) => "mgda-ub",
            WeightingConfig::LabelReweight(_) => "label-reweight",
            WeightingConfig::PeLtr(_) => "pe-ltr",
            WeightingConfig::PcGrad(_) => "pcgrad",
            WeightingConfig::CaGrad(_) => "cagrad",
            WeightingConfig::Imtl(_) => "imtl",
            WeightingConfig::GradVac(_) => "gradvac",
            WeightingConfig::AlignedMtl(_) => "aligned-mtl",
            WeightingConfig::NashMtl(_) => "nash-mtl",
            WeightingConfig::UpGrad(_) => "upgrad",
            WeightingConfig::DualProj(_) => "dualproj",
        }
    }
}

impl WeightingConfig {
    /// Checks the hyperparameters for `tasks` tasks.
    ///
    /// # Errors
    /// The offending field (prefixed with `weighting.`) and its allowed range.
    pub fn validate(&self, tasks: usize) -> Result<(), ConfigError> {
        match self {
            WeightingConfig::Equal
            | WeightingConfig::Uncertainty
            | WeightingConfig::Rlw
            | WeightingConfig::Gls
            | WeightingConfig::Alternating
            | WeightingConfig::Mgda(_)
            | WeightingConfig::MgdaUb(_) => Ok(()),
            WeightingConfig::DbMtl(config) => config.validate(),
            WeightingConfig::GradDrop(config) => config.validate(),
            WeightingConfig::LabelReweight(config) => config.validate(),
            WeightingConfig::PeLtr(config) => config.validate(tasks),
            WeightingConfig::CaGrad(config) => config.validate(),
            WeightingConfig::GradVac(config) => config.validate(),
            WeightingConfig::PcGrad(_)
            | WeightingConfig::Imtl(_)
            | WeightingConfig::AlignedMtl(_)
            | WeightingConfig::NashMtl(_)
            | WeightingConfig::UpGrad(_)
            | WeightingConfig::DualProj(_) => Ok(()),
            WeightingConfig::Fixed(config) => config.validate(tasks),
            WeightingConfig::Dtp(config) => config.validate(),
            WeightingConfig::GradNorm(config) => config.validate(),
            WeightingConfig::Dwa(config) => config.validate(),
            WeightingConfig::Stch(config) => config.validate(tasks),
            WeightingConfig::Famo(config) => config.validate(),
        }
        .map_err(|error| error.within("weighting"))
    }

    /// Builds the method for the run described by `context`.
    ///
    /// # Errors
    /// As [`WeightingConfig::validate`].
    pub fn build(&self, context: &MethodContext) -> Result<Box<dyn Weighting>, ConfigError> {
        let tasks = context.task_count();
        self.validate(tasks)?;
        Ok(match self {
            WeightingConfig::Equal => Box::new(Equal),
            WeightingConfig::Fixed(config) => Box::new(Fixed::new(config, tasks)),
            WeightingConfig::Uncertainty => Box::new(Uncertainty::new(context)),
            WeightingConfig::Dtp(config) => Box::new(Dtp::new(config)),
            WeightingConfig::GradNorm(config) => Box::new(GradNorm::new(config, tasks)),
            WeightingConfig::Dwa(config) => Box::new(Dwa::new(config)),
            WeightingConfig::Rlw => Box::new(Rlw::new(context)),
            WeightingConfig::Gls => Box::new(Gls::default()),
            WeightingConfig::Stch(config) => Box::new(Stch::new(config, tasks)),
            WeightingConfig::Famo(config) => Box::new(Famo::new(config)),
            WeightingConfig::Alternating => Box::new(Alternating::default()),
            WeightingConfig::GradDrop(config) => Box::new(GradDrop::new(config)),
            WeightingConfig::DbMtl(config) => Box::new(DbMtl::new(config)),
            WeightingConfig::Mgda(config) => {
                Box::new(Mgda::new(config, GramSource::SharedParameters))
            }
            WeightingConfig::MgdaUb(config) => {
                Box::new(Mgda::new(config, GramSource::Representation))
            }
            WeightingConfig::LabelReweight(config) => {
                Box::new(LabelReweight::new(config, context).map_err(|e| e.within("weighting"))?)
            }
            WeightingConfig::PeLtr(config) => Box::new(OnSharedGram(PeLtr::new(config, tasks))),
            WeightingConfig::PcGrad(_) => Box::new(OnSharedGram(PcGrad::new(context))),
            WeightingConfig::CaGrad(config) => Box::new(OnSharedGram(CaGrad::new(config))),
            WeightingConfig::Imtl(config) => Box::new(Imtl::new(config, context)),
            WeightingConfig::GradVac(config) => {
                Box::new(OnSharedGram(GradVac::new(config, context)))
            }
            WeightingConfig::AlignedMtl(_) => Box::new(OnSharedGram(AlignedMtl)),
            WeightingConfig::NashMtl(_) => Box::new(OnSharedGram(NashMtl)),
            WeightingConfig::UpGrad(_) => Box::new(OnSharedGram(UpGrad)),
            WeightingConfig::DualProj(_) => Box::new(OnSharedGram(DualProj)),
        })
    }
}
