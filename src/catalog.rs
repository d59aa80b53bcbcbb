//! One or two sentences and the paper for everything the page offers, so a teaching demo needs
//! no slides. A test checks that every registered dataset, architecture and method has one.

/// A short explanation and where it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// One or two sentences.
    pub text: &'static str,
    /// The paper (or "—" for plain baselines).
    pub paper: &'static str,
}

const fn entry(text: &'static str, paper: &'static str) -> Entry {
    Entry { text, paper }
}

/// The entry of a dataset id.
pub fn dataset(id: &str) -> Option<Entry> {
    Some(match id {
        "correlated" => entry(
            "Two regression tasks built from sine waves whose weight vectors have a chosen \
             cosine: at correlation 1 the tasks agree, near 0 they compete for the shared layers.",
            "Ma et al., Modeling Task Relationships in Multi-task Learning with Multi-gate \
             Mixture-of-Experts, KDD 2018 (§3.2)",
        ),
        "funnel" => entry(
            "Impressions → clicks → conversions. The conversion label exists only on clicked \
             rows (sample-selection bias); the page scores conversion on clicks and on the \
             entire space. `conversion_sparsity` and `selection_bias` add the paper's data \
             sparsity and a conversion logit that follows the click logit.",
            "Ma et al., Entire Space Multi-Task Model, SIGIR 2018",
        ),
        "scales" => entry(
            "Regression tasks that share inputs but whose targets differ in scale (σ = 1 and \
             100 by default): equal weighting lets the large task drown the small one.",
            "Chen et al., GradNorm, ICML 2018 (§4 toy)",
        ),
        _ => return None,
    })
}

/// The entry of an architecture id.
pub fn arch(id: &str) -> Option<Entry> {
    Some(match id {
        "single-task" => entry(
            "One independent network per task: nothing is shared. The baseline every \
             multi-task model must beat.",
            "—",
        ),
        "shared-bottom" => entry(
            "Hard parameter sharing: one bottom network feeds a tower per task. Cheap, strong \
             when tasks agree, the first to seesaw when they do not.",
            "Caruana, Multitask Learning, Machine Learning 1997",
        ),
        "omoe" => entry(
            "A mixture of experts with one gate shared by all tasks: experts add capacity but \
             every task mixes them the same way.",
            "Ma et al., MMoE, KDD 2018 (the OMoE baseline)",
        ),
        "mmoe" => entry(
            "Multi-gate mixture of experts: every task has its own softmax gate over shared \
             experts, so tasks that disagree can use different experts.",
            "Ma et al., Modeling Task Relationships in Multi-task Learning with Multi-gate \
             Mixture-of-Experts, KDD 2018",
        ),
        "cgc" => entry(
            "Customized gate control: task-specific experts beside shared ones, each task's \
             gate mixing its own and the shared experts.",
            "Tang et al., Progressive Layered Extraction, RecSys 2020 (CGC)",
        ),
        "ple" => entry(
            "Progressive layered extraction: several CGC levels stacked, with shared gates \
             passing information between levels; designed against the seesaw effect.",
            "Tang et al., Progressive Layered Extraction (PLE), RecSys 2020",
        ),
        "cross-stitch" => entry(
            "One column per task; after each layer learned cross-stitch units mix the columns' \
             activations, learning how much to share.",
            "Misra et al., Cross-stitch Networks for Multi-task Learning, CVPR 2016",
        ),
        "esmm" => entry(
            "Learns pCTR and pCVR and trains pCTCVR = pCTR × pCVR on all impressions, so \
             conversion is learned on the entire space, not only on clicks.",
            "Ma et al., Entire Space Multi-Task Model, SIGIR 2018",
        ),
        _ => return None,
    })
}

/// The entry of a weighting-method id.
pub fn method(id: &str) -> Option<Entry> {
    Some(match id {
        "equal" => entry("Sum the task losses with weight 1 each.", "—"),
        "fixed" => entry(
            "Sum the task losses with hand-set weights (a grid-search baseline).",
            "—",
        ),
        "label-reweight" => entry(
            "Reweights rows by their labels (e.g. positives of a rare task) inside each task's \
             loss; the task weights stay 1.",
            "as used in industrial multi-objective ranking (e.g. YouTube's watch-time \
             weighting, Covington et al., RecSys 2016)",
        ),
        "uncertainty" => entry(
            "Learns a log-variance per task: losses are scaled by 1/σ² with a log σ penalty, so \
             noisy or large-scale tasks weigh less.",
            "Kendall, Gal & Cipolla, Multi-Task Learning Using Uncertainty to Weigh Losses, \
             CVPR 2018",
        ),
        "dtp" => entry(
            "Dynamic task prioritisation: harder tasks get a focal weight −(1−κ)^γ log κ, κ the \
             validation skill (0 at chance, 1 perfect: 2·AUC − 1, or R²).",
            "Guo et al., Dynamic Task Prioritization for Multitask Learning, ECCV 2018",
        ),
        "gradnorm" => entry(
            "Learns weights so that every task's gradient norm on the shared layers tracks its \
             relative training rate (α sets how hard it pulls).",
            "Chen et al., GradNorm, ICML 2018",
        ),
        "dwa" => entry(
            "Dynamic weight average: a task whose loss fell less over the last epochs gets more \
             weight (softmax of loss ratios at temperature T).",
            "Liu, Johns & Davison, End-to-End Multi-Task Learning with Attention, CVPR 2019",
        ),
        "rlw" => entry(
            "Random loss weighting: fresh random weights (a softmax of normal draws) every step; \
             a surprisingly strong baseline.",
            "Lin et al., Reasonable Effectiveness of Random Weighting, TMLR 2022",
        ),
        "gls" => entry(
            "Geometric loss strategy: minimise the geometric mean of the task losses, which is \
             invariant to each loss's scale.",
            "Chennupati et al., MultiNet++, CVPR Workshops 2019",
        ),
        "stch" => entry(
            "Smooth Tchebycheff scalarisation: a smoothed max of the log-losses relative to a \
             nadir measured in a warm-up, so it pushes on the task furthest behind whatever \
             its scale; it can reach every Pareto-optimal point.",
            "Lin et al., Smooth Tchebycheff Scalarization for Multi-Objective Optimization, \
             ICML 2024",
        ),
        "famo" => entry(
            "Fast adaptive multitask optimisation: one backward pass per step, weights updated \
             so that all log-losses fall at a similar rate.",
            "Liu et al., FAMO, NeurIPS 2023",
        ),
        "alternating" => entry(
            "Trains one task per step in turn, each with its own optimiser state.",
            "as in Kokkinos, UberNet, CVPR 2017 and early multi-task practice",
        ),
        "graddrop" => entry(
            "Gradient sign dropout: at the shared representation, keeps for each feature only \
             the task gradients of one sign, drawn by their sign purity over the batch.",
            "Chen et al., Just Pick a Sign, NeurIPS 2020",
        ),
        "db-mtl" => entry(
            "Dual balancing: log-transformed losses for scale, then every task's averaged \
             gradient normalised to the largest norm.",
            "Lin et al., Dual-Balancing for Multi-Task Learning, 2023",
        ),
        "mgda" => entry(
            "Multiple-gradient descent: the minimum-norm point of the convex hull of task \
             gradients, a direction that lowers every loss (Pareto-stationary at 0).",
            "Sener & Koltun, Multi-Task Learning as Multi-Objective Optimization, NeurIPS 2018",
        ),
        "mgda-ub" => entry(
            "MGDA on the gradients of the shared representation instead of all shared \
             parameters: the paper's cheaper upper bound.",
            "Sener & Koltun, NeurIPS 2018 (MGDA-UB)",
        ),
        "pe-ltr" => entry(
            "Pareto-efficient learning to rank: MGDA-style weights kept above per-task lower \
             bounds (a KKT projection), as used for e-commerce ranking.",
            "Lin et al., A Pareto-Efficient Algorithm for Multiple Objective Optimization in \
             E-Commerce Recommendation, RecSys 2019",
        ),
        "pcgrad" => entry(
            "Projecting conflicting gradients: when two task gradients point against each \
             other, each is projected onto the other's normal plane.",
            "Yu et al., Gradient Surgery for Multi-Task Learning, NeurIPS 2020",
        ),
        "cagrad" => entry(
            "Conflict-averse gradient: the direction that maximises the worst task's \
             improvement within a ball around the average gradient (radius c).",
            "Liu et al., Conflict-Averse Gradient Descent, NeurIPS 2021",
        ),
        "imtl" => entry(
            "Impartial MTL: gradient weights that give every task the same projection onto the \
             update, and learned loss scales.",
            "Liu et al., Towards Impartial Multi-task Learning, ICLR 2021",
        ),
        "gradvac" => entry(
            "Gradient vaccine: pushes each pair of task gradients towards a target cosine \
             learned as a moving average, not only when they conflict.",
            "Wang et al., Gradient Vaccine, ICLR 2021",
        ),
        "aligned-mtl" => entry(
            "Aligns the task gradients into an orthogonal, equal-norm system (condition number \
             1) before summing.",
            "Senushkin et al., Independent Component Alignment for Multi-Task Learning, CVPR \
             2023",
        ),
        "nash-mtl" => entry(
            "Treats tasks as players bargaining over the update: the Nash bargaining solution \
             G α with (GᵀG) α = 1/α.",
            "Navon et al., Multi-Task Learning as a Bargaining Game, ICML 2022",
        ),
        "upgrad" => entry(
            "Unconflicting projection of gradients: projects the update onto the dual cone of \
             the task gradients, averaged over tasks, so no task's loss rises to first order.",
            "Quinton & Rey, Jacobian Descent for Multi-Objective Optimization, 2024",
        ),
        "dualproj" => entry(
            "Projects the mean gradient onto the dual cone of the task gradients: the closest \
             direction that conflicts with no task.",
            "Quinton & Rey, Jacobian Descent for Multi-Objective Optimization, 2024",
        ),
        _ => return None,
    })
}

/// What each chart shows.
pub mod charts {
    /// Losses.
    pub const LOSS: &str = "Training (solid) and validation (dashed) loss per task, log scale. \
        A task whose curve rises while another falls is losing the tug-of-war.";
    /// Metrics.
    pub const METRIC: &str = "Validation metric per task (AUC: higher is better; MSE, on a log \
        scale: lower is better). Dotted: the single-task baseline trained beside this run.";
    /// Weights.
    pub const WEIGHTS: &str = "The task weights the method uses, averaged over each report \
        window. Fixed for equal weighting; learned or computed by the others.";
    /// Cosine.
    pub const COSINE: &str = "Cosine between the tasks' gradients on the shared parameters. \
        Below zero (shaded) the tasks pull the shared layers in conflicting directions.";
    /// Gates.
    pub const GATES: &str = "Mean gate weight each task's gate gives each expert on the \
        validation set. Rows that differ mean the tasks use different experts.";
    /// Seesaw.
    pub const SEESAW: &str = "Each task's gain over its single-task baseline (% of the \
        baseline's metric, positive is better), one point per report. Upper right: both \
        tasks gain; upper left and lower right: the seesaw; lower left: both lose.";
}

#[cfg(test)]
mod tests {
    use super::*;
    use seesaw_core::Registry;
    use seesaw_core::data::DatasetConfig;
    use seesaw_core::model::ArchConfig;
    use seesaw_core::weighting::WeightingConfig;

    #[test]
    fn every_registered_option_is_explained_with_its_source() {
        for config in DatasetConfig::all() {
            let e = dataset(config.id()).unwrap_or_else(|| panic!("dataset {}", config.id()));
            assert!(!e.text.is_empty() && !e.paper.is_empty());
        }
        for config in ArchConfig::all() {
            assert!(arch(config.id()).is_some(), "arch {}", config.id());
        }
        for config in WeightingConfig::all() {
            assert!(method(config.id()).is_some(), "method {}", config.id());
        }
        assert!(method("nonsense").is_none());
    }
}
