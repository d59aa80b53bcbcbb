//! Lessons: one link (`#lesson=<id>`) per multi-task idea. A lesson is a preset (a run, or a
//! comparison of runs, opened with every control set so the user can change anything
//! afterwards), two or three sentences of what to watch, and a "what happened" paragraph
//! computed from the finished results — including when the paper's claim does not hold in
//! this run. Pure (core only), tested natively; `web::lessons` draws the panel.

use crate::comparison::Comparison;
use seesaw_core::Registry;
use seesaw_core::compare::SummaryRow;
use seesaw_core::train::{BaselineComparison, FinalReport, RunReport};

/// What a lesson trains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LessonKind {
    /// One run with its single-task baselines (press play).
    Run,
    /// A comparison (start it in the Compare panel, or with the lesson's button).
    Comparison,
    /// The 2-D toy view: methods' trajectories on a pair of objectives.
    Toy,
}

/// The finished results a lesson reads.
pub enum Results<'a> {
    /// A finished run.
    Run {
        /// Its test evaluation.
        report: &'a FinalReport,
        /// Against its single-task baselines.
        comparison: Option<&'a BaselineComparison>,
    },
    /// A finished comparison: its table and its runs' reports.
    Comparison {
        /// One row per configuration.
        summary: &'a [SummaryRow],
        /// The finished runs.
        reports: Vec<&'a RunReport>,
    },
    /// Toy runs.
    Toy {
        /// The objective pair.
        objective: seesaw_core::toy::ToyObjective,
        /// Its Pareto set, ordered along it.
        pareto: &'a [[f64; 2]],
        /// One entry per method.
        runs: &'a [seesaw_core::toy::ToyMethodRuns],
    },
}

impl<'a> Results<'a> {
    /// The results of a finished comparison.
    pub fn of_comparison(comparison: &'a Comparison, summary: &'a [SummaryRow]) -> Self {
        Results::Comparison {
            summary,
            reports: comparison.reports.iter().flatten().collect(),
        }
    }
}

/// One lesson.
pub struct Lesson {
    /// The `lesson=` value.
    pub id: &'static str,
    /// Its title.
    pub title: &'static str,
    /// What to watch, and the paper.
    pub watch: &'static str,
    /// The run's keys and, for a comparison, its `compare.` keys (a link's own keys override
    /// them, e.g. `steps=` or `hide=`).
    pub preset: &'static str,
    /// A run or a comparison.
    pub kind: LessonKind,
    /// The "what happened" paragraph, once the results are in (`None` while they cannot say).
    pub outcome: fn(&Results) -> Option<String>,
}

/// Every lesson, in menu order.
pub const LESSONS: [Lesson; 9] = [
    Lesson {
        id: "seesaw",
        title: "The seesaw effect",
        watch: "One shared bottom, two weakly related tasks (correlation 0.2), each also \
            trained alone. Watch the MTL-gain column of the results and the seesaw quadrant: \
            when the tasks disagree, sharing can help one task while the other gets worse than \
            its single-task baseline (Tang et al., PLE, RecSys 2020, call it the seesaw \
            phenomenon).",
        preset: "dataset=correlated&correlation=0.2&arch=shared-bottom&weighting=equal&\
            steps=1500&eval_every=50&baselines=true",
        kind: LessonKind::Run,
        outcome: seesaw_outcome,
    },
    Lesson {
        id: "mmoe",
        title: "MMoE against a shared bottom as the tasks diverge",
        watch: "The MMoE paper's synthetic experiment (Ma et al., KDD 2018, Fig. 3): the same \
            generator at task correlations 1, 0.5 and 0, a shared bottom, OMoE and MMoE, three \
            seeds, the test loss averaged over tasks (the paper plots the training loss; with \
            20,000 rows they agree). The paper reports that the shared bottom gets worse as the \
            correlation falls while MMoE's gates keep each task its own mix of experts. Here \
            the shared bottom is squeezed to 2 units: with the paper's parameter-matched sizes \
            (a 113-unit bottom) this generator shows no trend at all, because each task depends \
            on x through one direction, so any shared layer wider than a few units carries both \
            tasks. Watch the knob view.",
        preset: "dataset=correlated&samples.train=20000&arch=shared-bottom&bottom_units=2&\
            weighting=equal&steps=1000&eval_every=100&baselines=false&\
            compare.arch=shared-bottom,omoe,mmoe&compare.seeds=1,2,3&compare.vary=correlation&\
            compare.values=1,0.5,0",
        kind: LessonKind::Comparison,
        outcome: mmoe_outcome,
    },
    Lesson {
        id: "ple",
        title: "CGC and PLE against the seesaw",
        watch: "The PLE paper's claim (Tang et al., RecSys 2020): with task-specific experts \
            beside the shared ones, CGC and PLE improve every task where a shared bottom and \
            MMoE trade one task for the other. Low correlation (0.2), two seeds; watch each \
            configuration's per-task gains in the table and the seesaw view, and the gate \
            heatmap of a PLE run (click its row).",
        preset: "dataset=correlated&correlation=0.2&arch=ple&weighting=equal&steps=800&\
            eval_every=100&baselines=true&compare.arch=shared-bottom,mmoe,cgc,ple&\
            compare.seeds=1,2",
        kind: LessonKind::Comparison,
        outcome: ple_outcome,
    },
    Lesson {
        id: "scales",
        title: "Tasks on different scales",
        watch: "Two regression tasks whose targets differ 100× in scale (GradNorm's toy, Chen \
            et al., ICML 2018). Equal weighting lets the large task's loss dominate the shared \
            gradient; uncertainty weighting (Kendall et al., CVPR 2018) and GradNorm learn \
            weights that push the small task up. Watch the task-weights chart of each run \
            (click a row) and the final weights below.",
        preset: "dataset=scales&arch=shared-bottom&weighting=equal&steps=600&eval_every=50&\
            baselines=true&compare.weighting=equal,uncertainty,gradnorm&compare.seeds=1,2",
        kind: LessonKind::Comparison,
        outcome: scales_outcome,
    },
    Lesson {
        id: "toy",
        title: "Gradient conflict on 2-D toys",
        watch: "Two objectives of two parameters, so a method's path can be drawn over their \
            contours (orange: f₁, blue: f₂; black: the Pareto set). CAGrad's toy (Liu et al., \
            NeurIPS 2021, Fig. 1) has a long curved valley where the gradients conflict and \
            differ in size: equal weighting stalls in it, MGDA and PCGrad reach the Pareto set \
            wherever they first touch it, CAGrad reaches its middle. Switch to the concave pair \
            of Pareto MTL (Lin et al., NeurIPS 2019), click the view to add start points, tick \
            other methods.",
        preset: "",
        kind: LessonKind::Toy,
        outcome: toy_outcome,
    },
    Lesson {
        id: "esmm",
        title: "ESMM and sample-selection bias",
        watch: "A click → conversion funnel where only 1 in 5 would-be conversions is kept \
            (conversion_sparsity 0.8). A conversion model trained on clicked rows (the shared \
            bottom's conversion tower) against ESMM, which trains pCTCVR = pCTR · pCVR on every \
            impression (Ma et al., SIGIR 2018). Two data settings: conversion following the \
            click's direction (correlation 1) and independent of it (correlation 0). Watch \
            CTCVR AUC and the entire-space CVR AUC below.",
        preset: "dataset=funnel&correlation=1&conversion_sparsity=0.8&sines=0&arch=esmm&\
            weighting=equal&steps=600&eval_every=100&baselines=false&\
            compare.arch=esmm,shared-bottom&compare.seeds=1,2,3&compare.vary=correlation&\
            compare.values=1,0",
        kind: LessonKind::Comparison,
        outcome: esmm_outcome,
    },
    Lesson {
        id: "gate-depth",
        title: "Tuning tip: a deeper gate",
        watch: "Practitioners often give MMoE's gates a hidden layer or two instead of the \
            paper's linear gate (softmax(W x)). Gate depth 0 against 2 at correlation 0.5, \
            20,000 training rows, three seeds: watch whether the deeper gate moves the test \
            loss by more than the seed spread.",
        preset: "dataset=correlated&correlation=0.5&samples.train=20000&arch=mmoe&\
            weighting=equal&steps=600&eval_every=100&baselines=false&compare.seeds=1,2,3&\
            compare.vary=gate_depth&compare.values=0,2",
        kind: LessonKind::Comparison,
        outcome: gate_depth_outcome,
    },
    Lesson {
        id: "tower-lr",
        title: "Tuning tip: faster towers",
        watch: "Another practitioners' habit: let the task towers learn faster than the shared \
            part (here every tower's learning rate × 3 against × 1), so each task adapts its \
            own head before the shared representation moves. MMoE at correlation 0.5, 20,000 \
            training rows, three seeds: watch whether the test loss moves by more than the seed \
            spread.",
        preset: "dataset=correlated&correlation=0.5&samples.train=20000&arch=mmoe&\
            weighting=equal&steps=600&eval_every=100&baselines=false&compare.seeds=1,2,3&\
            compare.vary=tower_lr&compare.values=1,3",
        kind: LessonKind::Comparison,
        outcome: tower_lr_outcome,
    },
    Lesson {
        id: "label-weight",
        title: "Tuning tip: weigh clicks by what followed",
        watch: "Rankers often weigh a positive click by what came after it — its watch time, or \
            whether it converted (Covington et al., RecSys 2016). On the funnel, label \
            re-weighting makes a click that converted count 1 + strength times; strength 0, 2 \
            and 8, three seeds. Watch the click AUC against the CTCVR AUC (how well pCTR·pCVR \
            ranks the conversions): weighing clicks by conversions trades one for the other.",
        preset: "dataset=funnel&arch=shared-bottom&weighting=label-reweight&steps=600&\
            eval_every=100&baselines=false&compare.seeds=1,2,3&compare.vary=strength&\
            compare.values=0,2,8",
        kind: LessonKind::Comparison,
        outcome: label_weight_outcome,
    },
];

/// The lesson `id`.
pub fn lesson(id: &str) -> Option<&'static Lesson> {
    LESSONS.iter().find(|lesson| lesson.id == id)
}

/// The hash a lesson link stands for: the lesson's preset, then the link's own keys (which
/// override the preset's), without `lesson=`; the lesson; and a notice for an unknown lesson id
/// (listing the known ones; the rest of the hash still loads). A hash without `lesson=` comes
/// back as it is.
pub fn expand(hash: &str) -> (String, Option<&'static Lesson>, Option<String>) {
    let pairs: Vec<&str> = hash
        .trim_start_matches('#')
        .split('&')
        .filter(|p| !p.is_empty())
        .collect();
    let key = |pair: &str| pair.split('=').next().unwrap_or_default().to_string();
    let Some(id) = pairs
        .iter()
        .find(|p| key(p) == "lesson")
        .map(|p| p.split_once('=').map_or("", |(_, v)| v))
    else {
        return (hash.trim_start_matches('#').to_string(), None, None);
    };
    let own: Vec<&str> = pairs.into_iter().filter(|p| key(p) != "lesson").collect();
    let Some(found) = lesson(id) else {
        let known: Vec<&str> = LESSONS.iter().map(|l| l.id).collect();
        return (
            own.join("&"),
            None,
            Some(format!(
                "unknown lesson `{id}`; known: {}",
                known.join(", ")
            )),
        );
    };
    let preset: String = found.preset.split_whitespace().collect();
    let mut expanded: Vec<String> = preset
        .split('&')
        .filter(|p| !p.is_empty() && !own.iter().any(|o| key(o) == key(p)))
        .map(str::to_string)
        .collect();
    expanded.extend(own.iter().map(|p| p.to_string()));
    (expanded.join("&"), Some(found), None)
}

fn signed(value: f64) -> String {
    format!("{value:+.4}")
}

fn seesaw_outcome(results: &Results) -> Option<String> {
    let Results::Run { report, comparison } = results else {
        return None;
    };
    let comparison = comparison.as_ref()?;
    let gains: Vec<(String, f64)> = report
        .tasks
        .iter()
        .zip(&comparison.mtl_gain)
        .filter_map(|(task, gain)| gain.map(|g| (task.name.clone(), g)))
        .collect();
    if gains.len() < 2 {
        return None;
    }
    let listed = gains
        .iter()
        .map(|(name, g)| format!("{name} {}", signed(*g)))
        .collect::<Vec<_>>()
        .join(", ");
    let delta = comparison
        .delta_m
        .map_or(String::new(), |d| format!(" (Δm {d:+.1} %)"));
    let up: Vec<&str> = gains
        .iter()
        .filter(|g| g.1 > 0.0)
        .map(|g| g.0.as_str())
        .collect();
    let down: Vec<&str> = gains
        .iter()
        .filter(|g| g.1 < 0.0)
        .map(|g| g.0.as_str())
        .collect();
    Some(if !up.is_empty() && !down.is_empty() {
        format!(
            "The seesaw happened: MTL gains {listed}{delta}. Sharing one bottom helped {} and \
             hurt {} against their single-task baselines.",
            up.join(", "),
            down.join(", ")
        )
    } else if up.is_empty() {
        format!(
            "Negative transfer on every task: MTL gains {listed}{delta}. The shared bottom hurt \
             both tasks against their single-task baselines — a seesaw with both ends down."
        )
    } else {
        format!(
            "No seesaw in this run: every task gained (MTL gains {listed}{delta}). At this \
             correlation the tasks still share enough; lower it or change the seed to see one \
             task pay for the other."
        )
    })
}

/// Whether two knob values are the same: as numbers where both are (`1` = `1.0`), else as text.
fn same_knob(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => match (a.parse::<f64>(), b.parse::<f64>()) {
            (Ok(x), Ok(y)) => x == y,
            _ => a == b,
        },
        (a, b) => a == b,
    }
}

fn knob_values(summary: &[SummaryRow]) -> Vec<String> {
    let mut values: Vec<String> = Vec::new();
    for row in summary {
        if let Some(knob) = &row.labels.knob
            && !values.contains(knob)
        {
            values.push(knob.clone());
        }
    }
    values
}

/// [`knob_values`] in increasing numeric order (non-numbers first).
fn knob_values_ascending(summary: &[SummaryRow]) -> Vec<String> {
    let mut values = knob_values(summary);
    let number = |v: &String| v.parse::<f64>().unwrap_or(f64::NEG_INFINITY);
    values.sort_by(|a, b| number(a).total_cmp(&number(b)));
    values
}

/// The test loss of `report` averaged over its tasks.
fn mean_task_loss(report: &RunReport) -> f64 {
    let tasks = &report.final_report.tasks;
    tasks.iter().map(|t| t.test_loss).sum::<f64>() / tasks.len().max(1) as f64
}

/// Whether `report`'s config has `key` at the numeric value `value`.
fn has_value(report: &RunReport, key: &str, value: &str) -> bool {
    seesaw_core::url::fields(&report.config)
        .iter()
        .any(|f| f.key == key && same_knob(Some(&f.value), Some(value)))
}

/// (mean, sample std) over the runs of `arch` with `key` = `value` of the test loss averaged
/// over tasks.
fn mean_test_loss(
    reports: &[&RunReport],
    arch: &str,
    (key, value): (&str, &str),
) -> Option<(f64, f64)> {
    let losses: Vec<f64> = reports
        .iter()
        .filter(|r| r.config.arch.id() == arch && has_value(r, key, value))
        .map(|r| mean_task_loss(r))
        .collect();
    let stats = seesaw_core::compare::MeanStd::of(losses)?;
    Some((stats.mean, stats.std.unwrap_or(0.0)))
}

fn mmoe_outcome(results: &Results) -> Option<String> {
    let Results::Comparison { summary, reports } = results else {
        return None;
    };
    let mut values = knob_values_ascending(summary);
    // From the most correlated tasks to the least.
    values.reverse();
    let mut points = Vec::new();
    let mut lines = Vec::new();
    for value in &values {
        let (Some(shared), Some(mmoe)) = (
            mean_test_loss(reports, "shared-bottom", ("correlation", value)),
            mean_test_loss(reports, "mmoe", ("correlation", value)),
        ) else {
            continue;
        };
        points.push((shared.0, mmoe.0));
        lines.push(format!(
            "at correlation {value}: shared bottom {:.3} ± {:.3}, MMoE {:.3} ± {:.3}",
            shared.0, shared.1, mmoe.0, mmoe.1
        ));
    }
    if points.len() < 2 {
        return None;
    }
    let (first, last) = (points[0], points[points.len() - 1]);
    // The gap: how much lower MMoE's loss is than the shared bottom's.
    let (gap_first, gap_last) = (first.0 - first.1, last.0 - last.1);
    let shared_worse = last.0 > first.0;
    let verdict = if shared_worse && gap_last > gap_first && gap_last > 0.0 {
        format!(
            "As the paper reports: the shared bottom's loss rose as the tasks diverged \
             ({:.3} → {:.3}) and MMoE's lead grew ({gap_first:+.3} → {gap_last:+.3}).",
            first.0, last.0
        )
    } else if gap_last > 0.0 {
        format!(
            "MMoE beat the shared bottom at the lowest correlation ({gap_last:+.3}), but not \
             with the paper's trend: the shared bottom's loss went {:.3} → {:.3} and the gap \
             {gap_first:+.3} → {gap_last:+.3}; with three seeds one slow run can hide it.",
            first.0, last.0
        )
    } else {
        format!(
            "Unlike the paper, MMoE did not beat the shared bottom when the tasks diverged (gap \
             {gap_first:+.3} → {gap_last:+.3}): the seed spread is as large as the effect here."
        )
    };
    Some(format!(
        "Test loss averaged over tasks (mean ± std over seeds) {}. {verdict}",
        lines.join("; ")
    ))
}

fn ple_outcome(results: &Results) -> Option<String> {
    let Results::Comparison { summary, .. } = results else {
        return None;
    };
    let mut parts = Vec::new();
    let mut best: Option<(&str, f64)> = None;
    let mut clean = Vec::new();
    for arch in ["shared-bottom", "mmoe", "cgc", "ple"] {
        let Some(row) = summary.iter().find(|r| r.labels.arch == arch) else {
            continue;
        };
        let gains: Vec<f64> = row.gains.iter().flatten().map(|g| g.mean).collect();
        if gains.is_empty() {
            continue;
        }
        parts.push(format!(
            "{arch} ({})",
            gains
                .iter()
                .map(|g| signed(*g))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        if gains.iter().all(|g| *g >= 0.0) {
            clean.push(arch);
        }
        if let Some(d) = row.delta_m.as_ref().map(|m| m.mean)
            && best.is_none_or(|(_, b)| d > b)
        {
            best = Some((arch, d));
        }
    }
    let (best_arch, best_delta) = best?;
    let experts_win = ["cgc", "ple"].contains(&best_arch);
    let verdict = if experts_win && clean.contains(&best_arch) {
        format!(
            "The paper's claim held here: {best_arch} had the best Δm ({best_delta:+.1} %) and \
             improved every task."
        )
    } else if experts_win {
        format!(
            "{best_arch} had the best Δm ({best_delta:+.1} %) but did not improve every task, so \
             the seesaw was eased, not removed."
        )
    } else {
        format!(
            "The paper's claim did not hold in this run: {best_arch} had the best Δm \
             ({best_delta:+.1} %), not CGC or PLE."
        )
    };
    Some(format!(
        "Per-task MTL gains (mean over seeds): {}. {verdict}",
        parts.join("; ")
    ))
}

fn scales_outcome(results: &Results) -> Option<String> {
    let Results::Comparison { reports, .. } = results else {
        return None;
    };
    let mut parts = Vec::new();
    let mut pushed_up = Vec::new();
    let mut loss_ratio = None;
    for method in ["equal", "uncertainty", "gradnorm"] {
        let ratios: Vec<f64> = reports
            .iter()
            .filter(|r| r.config.weighting.id() == method)
            .filter_map(|r| {
                let last = r.history.last()?;
                // The small task is the one with the smaller training loss.
                let (small, large) = if last.train_loss[0] <= last.train_loss[1] {
                    (0, 1)
                } else {
                    (1, 0)
                };
                if method == "equal" {
                    loss_ratio = Some(last.train_loss[large] / last.train_loss[small].max(1e-12));
                }
                Some(last.weights[small] / last.weights[large].max(1e-12))
            })
            .collect();
        if ratios.is_empty() {
            continue;
        }
        let mean = ratios.iter().sum::<f64>() / ratios.len() as f64;
        parts.push(format!("{method} {mean:.2}"));
        if method != "equal" && mean > 1.0 {
            pushed_up.push(method);
        }
    }
    if parts.len() < 2 {
        return None;
    }
    let losses = loss_ratio.map_or(String::new(), |r| {
        format!(" while the large task's loss was {r:.0}× the small one's")
    });
    let verdict = if pushed_up.is_empty() {
        "Neither learned method weighted the small task above the large one in this run."
            .to_string()
    } else {
        format!(
            "{} pushed the small task's weight above the large one's, as the papers describe.",
            pushed_up.join(" and ")
        )
    };
    Some(format!(
        "Final weight of the small-scale task over the large one (mean over seeds): {}{losses}. \
         {verdict}",
        parts.join(", ")
    ))
}

/// Mean of the conversion task's extra metric `name` over the runs of `arch` at correlation
/// `knob`.
fn funnel_metric(reports: &[&RunReport], arch: &str, knob: &str, name: &str) -> Option<f64> {
    let values: Vec<f64> = reports
        .iter()
        .filter(|r| r.config.arch.id() == arch && has_value(r, "correlation", knob))
        .filter_map(|r| r.final_report.tasks.get(1)?.extra.get(name).copied())
        .collect();
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

fn esmm_outcome(results: &Results) -> Option<String> {
    let Results::Comparison { summary, reports } = results else {
        return None;
    };
    let mut sentences = Vec::new();
    for knob in knob_values(summary) {
        let metric = |arch: &str, name: &str| funnel_metric(reports, arch, &knob, name);
        let (Some(e_ctcvr), Some(s_ctcvr), Some(e_cvr), Some(s_cvr)) = (
            metric("esmm", "ctcvr_auc"),
            metric("shared-bottom", "ctcvr_auc"),
            metric("esmm", "cvr_auc_entire_space"),
            metric("shared-bottom", "cvr_auc_entire_space"),
        ) else {
            continue;
        };
        let wins = e_ctcvr > s_ctcvr && e_cvr > s_cvr;
        let numbers = format!(
            "CTCVR AUC {e_ctcvr:.3} vs {s_ctcvr:.3}, entire-space CVR AUC {e_cvr:.3} vs {s_cvr:.3}"
        );
        sentences.push(if wins {
            format!(
                "At correlation {knob} ESMM beat the click-trained model ({numbers}): what the \
                 paper reports — with few conversions, ESMM's entire-space loss learns the \
                 conversion's direction from every impression, not only from the clicked few."
            )
        } else {
            format!(
                "At correlation {knob} ESMM did not beat the click-trained model ({numbers}): \
                 when conversion depends on what the click does not carry, the clicked rows hold \
                 all there is to learn, and the masked loss on them is already the right \
                 likelihood."
            )
        });
    }
    (!sentences.is_empty()).then(|| sentences.join(" "))
}

fn toy_outcome(results: &Results) -> Option<String> {
    let Results::Toy {
        objective,
        pareto,
        runs,
    } = results
    else {
        return None;
    };
    (!runs.is_empty()).then(|| crate::toy_lab::toy_outcome(*objective, pareto, runs))
}

/// The test loss averaged over tasks of the run of `arch` with `key` = `value` and `seed`.
fn test_loss_of(
    reports: &[&RunReport],
    arch: &str,
    (key, value): (&str, &str),
    seed: u64,
) -> Option<f64> {
    reports
        .iter()
        .find(|r| r.config.arch.id() == arch && r.config.seed == seed && has_value(r, key, value))
        .map(|r| mean_task_loss(r))
}

/// A tuning tip's paragraph: MMoE's test loss averaged over tasks (mean ± std over seeds) at
/// `key` = `before` and `after` (named), and the change seed by seed. A seed draws the same
/// data and initial weights on both sides, so the paired change is what tells an effect from
/// the seeds' different difficulty: it is "clear" when its mean is more than twice its
/// standard error (std / √n; about a 95 % interval that excludes 0).
fn knob_tip(
    results: &Results,
    key: &str,
    (before, before_name): (&str, &str),
    (after, after_name): (&str, &str),
    what: &str,
) -> Option<String> {
    let Results::Comparison { reports, .. } = results else {
        return None;
    };
    let first = mean_test_loss(reports, "mmoe", (key, before))?;
    let second = mean_test_loss(reports, "mmoe", (key, after))?;
    let mut seeds: Vec<u64> = reports.iter().map(|r| r.config.seed).collect();
    seeds.sort_unstable();
    seeds.dedup();
    let changes: Vec<f64> = seeds
        .into_iter()
        .filter_map(|seed| {
            Some(
                test_loss_of(reports, "mmoe", (key, after), seed)?
                    - test_loss_of(reports, "mmoe", (key, before), seed)?,
            )
        })
        .collect();
    let change = seesaw_core::compare::MeanStd::of(changes.iter().copied())?;
    let error = change
        .std
        .map_or(f64::INFINITY, |std| std / (change.n as f64).sqrt());
    let verdict = if change.mean.abs() <= 2.0 * error {
        "no clear effect with this many seeds (the change is within two standard errors of 0)"
            .to_string()
    } else if change.mean < 0.0 {
        format!("{what} helped (more than two standard errors)")
    } else {
        format!("{what} hurt (more than two standard errors)")
    };
    Some(format!(
        "Test loss averaged over tasks {before_name} {:.4} ± {:.4}, {after_name} {:.4} ± \
         {:.4}; the change seed by seed {:+.4} ± {:.4} (standard error, {} seeds): {verdict}.",
        first.0,
        first.1,
        second.0,
        second.1,
        change.mean,
        if error.is_finite() { error } else { 0.0 },
        changes.len()
    ))
}

fn gate_depth_outcome(results: &Results) -> Option<String> {
    knob_tip(
        results,
        "gate_depth",
        ("0", "with a linear gate"),
        ("2", "with two hidden layers"),
        "the deeper gate",
    )
}

fn tower_lr_outcome(results: &Results) -> Option<String> {
    knob_tip(
        results,
        "tower_lr",
        ("1", "with the towers at the shared learning rate"),
        ("3", "with the towers at 3×"),
        "the faster towers",
    )
}

/// Mean over seeds of (click test AUC, CTCVR AUC) of the runs with `strength`.
fn funnel_at_strength(reports: &[&RunReport], strength: &str) -> Option<(f64, f64)> {
    let pairs: Vec<(f64, f64)> = reports
        .iter()
        .filter(|r| has_value(r, "strength", strength))
        .filter_map(|r| {
            let click = r.final_report.tasks.first()?.test_value?;
            let ctcvr = *r.final_report.tasks.get(1)?.extra.get("ctcvr_auc")?;
            Some((click, ctcvr))
        })
        .collect();
    let n = pairs.len() as f64;
    (!pairs.is_empty()).then(|| {
        (
            pairs.iter().map(|p| p.0).sum::<f64>() / n,
            pairs.iter().map(|p| p.1).sum::<f64>() / n,
        )
    })
}

fn label_weight_outcome(results: &Results) -> Option<String> {
    let Results::Comparison { summary, reports } = results else {
        return None;
    };
    let points: Vec<(String, (f64, f64))> = knob_values_ascending(summary)
        .into_iter()
        .filter_map(|v| funnel_at_strength(reports, &v).map(|p| (v, p)))
        .collect();
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return None;
    };
    if points.len() < 2 {
        return None;
    }
    let listed = points
        .iter()
        .map(|(v, (click, ctcvr))| {
            format!("strength {v}: click AUC {click:.3}, CTCVR AUC {ctcvr:.3}")
        })
        .collect::<Vec<_>>()
        .join("; ");
    let click_change = last.1.0 - first.1.0;
    let ctcvr_change = last.1.1 - first.1.1;
    let verdict = if ctcvr_change > 0.0 && click_change < 0.0 {
        format!(
            "Weighing converted clicks up traded click AUC ({click_change:+.3}) for CTCVR AUC \
             ({ctcvr_change:+.3}): the seesaw, moved on purpose."
        )
    } else if ctcvr_change > 0.0 {
        format!(
            "Weighing converted clicks up raised CTCVR AUC ({ctcvr_change:+.3}) without costing \
             click AUC ({click_change:+.3}) here."
        )
    } else {
        format!(
            "Weighing converted clicks up did not raise CTCVR AUC here ({ctcvr_change:+.3}; \
             click AUC {click_change:+.3})."
        )
    };
    Some(format!("Mean over seeds — {listed}. {verdict}"))
}

#[cfg(test)]
mod tests;
