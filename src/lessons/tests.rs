//! Every lesson's preset loads cleanly, and every "what happened" paragraph says the paper's
//! claim held when the numbers show it and says it did not when they do not.

use super::*;
use seesaw_core::compare::{Labels, MeanStd};
use seesaw_core::train::{RunConfig, run};
use seesaw_core::url;
use std::ops::ControlFlow;

fn mean(mean: f64, std: f64) -> Option<MeanStd> {
    Some(MeanStd {
        mean,
        std: Some(std),
        n: 2,
    })
}

/// A summary row of `arch` at `knob` with these per-task gains and Δm.
fn row(arch: &str, knob: Option<&str>, gains: &[f64], delta: f64, std: f64) -> SummaryRow {
    SummaryRow {
        labels: Labels {
            arch: arch.to_string(),
            weighting: "equal".to_string(),
            knob: knob.map(str::to_string),
            seed: 1,
        },
        tasks: vec!["task1".into(), "task2".into()],
        metrics: vec!["mse".into(), "mse".into()],
        test: vec![None, None],
        gains: gains.iter().map(|g| mean(*g, 0.01)).collect(),
        delta_m: mean(delta, std),
        steps_per_second: None,
        runs: 2,
        failed: 0,
    }
}

/// A real finished run of lesson `id`'s base config, tiny.
fn tiny_report(id: &str) -> RunReport {
    let (hash, _, _) = expand(&format!(
        "lesson={id}&steps=20&eval_every=10&baselines=false"
    ));
    let run_keys: Vec<&str> = hash
        .split('&')
        .filter(|p| !p.starts_with("compare."))
        .collect();
    let decoded = url::decode(&run_keys.join("&"));
    assert!(decoded.notices.is_empty(), "{:?}", decoded.notices);
    let config: RunConfig = decoded.config;
    pollster::block_on(run(
        &config,
        &burn::prelude::Device::flex(),
        &|| 0.0,
        &mut |_| ControlFlow::Continue(()),
    ))
    .unwrap()
}

#[test]
fn every_preset_decodes_without_a_notice_and_a_link_overrides_it() {
    for lesson in &LESSONS {
        let (hash, found, notice) = expand(&format!("#lesson={}", lesson.id));
        assert_eq!(found.map(|l| l.id), Some(lesson.id));
        assert!(notice.is_none());
        let run_keys: Vec<&str> = hash
            .split('&')
            .filter(|p| !p.starts_with("compare."))
            .collect();
        let decoded = url::decode(&run_keys.join("&"));
        assert!(
            decoded.notices.is_empty(),
            "{}: {:?}",
            lesson.id,
            decoded.notices
        );
        decoded.config.validate().unwrap();
        let (comparison, notices) = seesaw_core::compare::link::decode(&hash);
        assert!(notices.is_empty(), "{}: {notices:?}", lesson.id);
        assert_eq!(
            comparison.is_some(),
            lesson.kind == LessonKind::Comparison,
            "{}",
            lesson.id
        );
        if let Some(spec) = comparison {
            // The page's form takes it over and the grid fits the page.
            let form = crate::comparison::CompareForm::of(&spec);
            let grid = crate::comparison::Comparison::new(
                "lesson".into(),
                0.0,
                form.spec(&decoded.config),
            );
            assert!(grid.is_ok(), "{}: {:?}", lesson.id, grid.err());
        }
        if lesson.kind == LessonKind::Toy {
            assert_eq!(hash, "", "the toy lesson leaves the run as it is");
        }
    }
    let (hash, _, _) = expand("lesson=seesaw&steps=40&hide=steps");
    assert!(
        hash.contains("steps=40") && !hash.contains("steps=1500"),
        "{hash}"
    );
    assert!(hash.contains("hide=steps") && hash.contains("arch=shared-bottom"));
    assert!(!hash.contains("lesson="));
    let (hash, found, notice) = expand("lesson=nope&arch=mmoe");
    assert!(found.is_none() && hash == "arch=mmoe");
    assert!(
        notice
            .unwrap()
            .contains("unknown lesson `nope`; known: seesaw, mmoe")
    );
    let (hash, found, notice) = expand("#arch=mmoe");
    assert!(hash == "arch=mmoe" && found.is_none() && notice.is_none());
}

fn seesaw_text(gains: [f64; 2]) -> String {
    let mut report = tiny_report("seesaw");
    report.final_report.tasks.truncate(2);
    let comparison = BaselineComparison {
        baselines: report.final_report.clone(),
        mtl_gain: gains.iter().map(|g| Some(*g)).collect(),
        delta_m: Some(1.5),
    };
    (lesson("seesaw").unwrap().outcome)(&Results::Run {
        report: &report.final_report,
        comparison: Some(&comparison),
    })
    .unwrap()
}

#[test]
fn the_seesaw_lesson_says_which_end_went_down() {
    let text = seesaw_text([0.02, -0.01]);
    assert!(text.starts_with("The seesaw happened"), "{text}");
    assert!(text.contains("helped task1 and hurt task2"), "{text}");
    assert!(
        text.contains("task1 +0.0200, task2 -0.0100 (Δm +1.5 %)"),
        "{text}"
    );
    assert!(seesaw_text([-0.02, -0.01]).starts_with("Negative transfer on every task"));
    assert!(seesaw_text([0.02, 0.01]).starts_with("No seesaw in this run"));
}

#[test]
fn the_mmoe_lesson_checks_the_papers_trend() {
    let outcome = lesson("mmoe").unwrap().outcome;
    let base = tiny_report("mmoe");
    // One run per (arch, correlation, seed offset): every task's test loss set to `loss`.
    let run = |arch: &str, correlation: &str, loss: f64| {
        let mut report = base.clone();
        let config = seesaw_core::registry::with_kind(&report.config, "arch", arch).unwrap();
        report.config = url::try_with_value(&config, "correlation", correlation).unwrap();
        for task in &mut report.final_report.tasks {
            task.test_loss = loss;
        }
        report
    };
    let summary = vec![
        row("shared-bottom", Some("1.0"), &[0.0, 0.0], 0.0, 0.0),
        row("shared-bottom", Some("0.0"), &[0.0, 0.0], 0.0, 0.0),
    ];
    let text = |runs: &[RunReport]| {
        outcome(&Results::Comparison {
            summary: &summary,
            reports: runs.iter().collect(),
        })
        .unwrap()
    };
    let held = [
        run("shared-bottom", "1", 0.040),
        run("shared-bottom", "1", 0.042),
        run("mmoe", "1", 0.038),
        run("mmoe", "1", 0.040),
        run("shared-bottom", "0", 0.080),
        run("shared-bottom", "0", 0.076),
        run("mmoe", "0", 0.024),
        run("mmoe", "0", 0.026),
    ];
    let said = text(&held);
    assert!(said.contains("As the paper reports"), "{said}");
    assert!(
        said.contains("at correlation 1.0: shared bottom 0.041 ± 0.001, MMoE 0.039 ± 0.001"),
        "{said}"
    );
    assert!(said.contains("(+0.002 → +0.053)"), "{said}");
    let flat = [
        run("shared-bottom", "1", 0.08),
        run("mmoe", "1", 0.03),
        run("shared-bottom", "0", 0.07),
        run("mmoe", "0", 0.03),
    ];
    assert!(
        text(&flat).contains("but not with the paper's trend"),
        "{}",
        text(&flat)
    );
    let lost = [
        run("shared-bottom", "1", 0.03),
        run("mmoe", "1", 0.03),
        run("shared-bottom", "0", 0.03),
        run("mmoe", "0", 0.05),
    ];
    assert!(text(&lost).contains("Unlike the paper"), "{}", text(&lost));
}

#[test]
fn the_ple_lesson_checks_the_papers_claim() {
    let outcome = lesson("ple").unwrap().outcome;
    let held = vec![
        row("shared-bottom", None, &[0.01, -0.02], -1.0, 1.0),
        row("mmoe", None, &[0.02, -0.01], 0.5, 1.0),
        row("cgc", None, &[0.01, 0.01], 1.0, 1.0),
        row("ple", None, &[0.02, 0.01], 2.0, 1.0),
    ];
    let text = outcome(&Results::Comparison {
        summary: &held,
        reports: Vec::new(),
    })
    .unwrap();
    assert!(text.contains("The paper's claim held here: ple"), "{text}");
    assert!(text.contains("shared-bottom (+0.0100, -0.0200)"), "{text}");
    let failed = vec![
        row("shared-bottom", None, &[0.03, 0.02], 3.0, 1.0),
        row("ple", None, &[0.02, -0.01], 2.0, 1.0),
    ];
    let text = outcome(&Results::Comparison {
        summary: &failed,
        reports: Vec::new(),
    })
    .unwrap();
    assert!(
        text.contains("did not hold in this run: shared-bottom"),
        "{text}"
    );
}

#[test]
fn the_scales_lesson_reads_the_learned_weights() {
    let outcome = lesson("scales").unwrap().outcome;
    let base = tiny_report("scales");
    let with = |method: &str, weights: [f64; 2]| {
        let mut report = base.clone();
        report.config =
            seesaw_core::registry::with_kind(&report.config, "weighting", method).unwrap();
        let last = report.history.last_mut().unwrap();
        last.train_loss = vec![0.5, 5000.0];
        last.weights = weights.to_vec();
        report
    };
    let equal = with("equal", [1.0, 1.0]);
    let up = with("uncertainty", [1.9, 0.1]);
    let down = with("gradnorm", [0.5, 1.5]);
    let text = outcome(&Results::Comparison {
        summary: &[],
        reports: vec![&equal, &up, &down],
    })
    .unwrap();
    assert!(
        text.contains("equal 1.00, uncertainty 19.00, gradnorm 0.33"),
        "{text}"
    );
    assert!(text.contains("10000× the small one's"), "{text}");
    assert!(
        text.contains("uncertainty pushed the small task's weight above"),
        "{text}"
    );
    let text = outcome(&Results::Comparison {
        summary: &[],
        reports: vec![&equal, &down],
    })
    .unwrap();
    assert!(text.contains("Neither learned method"), "{text}");
}

#[test]
fn the_esmm_lesson_says_where_esmm_wins() {
    let outcome = lesson("esmm").unwrap().outcome;
    let base = tiny_report("esmm");
    let with = |arch: &str, correlation: &str, ctcvr: f64, cvr: f64| {
        let mut report = base.clone();
        let mut config = seesaw_core::registry::with_kind(&report.config, "arch", arch).unwrap();
        config = url::try_with_value(&config, "correlation", correlation).unwrap();
        report.config = config;
        let extra = &mut report.final_report.tasks[1].extra;
        extra.insert("ctcvr_auc".into(), ctcvr);
        extra.insert("cvr_auc_entire_space".into(), cvr);
        report
    };
    let reports = [
        with("esmm", "1", 0.94, 0.87),
        with("shared-bottom", "1", 0.90, 0.85),
        with("esmm", "0", 0.82, 0.62),
        with("shared-bottom", "0", 0.81, 0.70),
    ];
    let summary = vec![
        row("esmm", Some("1"), &[0.0, 0.0], 0.0, 0.0),
        row("esmm", Some("0"), &[0.0, 0.0], 0.0, 0.0),
    ];
    let text = outcome(&Results::Comparison {
        summary: &summary,
        reports: reports.iter().collect(),
    })
    .unwrap();
    assert!(
        text.contains("At correlation 1 ESMM beat the click-trained model (CTCVR AUC 0.940 vs 0.900, entire-space CVR AUC 0.870 vs 0.850)"),
        "{text}"
    );
    assert!(
        text.contains("At correlation 0 ESMM did not beat"),
        "{text}"
    );
}

/// Runs of lesson `id`'s MMoE with `key` = each value and every task's test loss as given;
/// the n-th run of a value has seed n + 1.
fn tip_runs(id: &str, key: &str, runs: &[(&str, f64)]) -> Vec<RunReport> {
    let base = tiny_report(id);
    runs.iter()
        .enumerate()
        .map(|(i, (value, loss))| {
            let mut report = base.clone();
            report.config = url::try_with_value(&report.config, key, value).unwrap();
            report.config.seed = 1 + runs[..i].iter().filter(|(v, _)| v == value).count() as u64;
            for task in &mut report.final_report.tasks {
                task.test_loss = *loss;
            }
            report
        })
        .collect()
}

#[test]
fn the_gate_depth_lesson_weighs_the_change_against_the_seed_spread() {
    let outcome = lesson("gate-depth").unwrap().outcome;
    let text = |deep: [f64; 2]| {
        let runs = tip_runs(
            "gate-depth",
            "gate_depth",
            &[("0", 0.030), ("0", 0.032), ("2", deep[0]), ("2", deep[1])],
        );
        outcome(&Results::Comparison {
            summary: &[],
            reports: runs.iter().collect(),
        })
        .unwrap()
    };
    // Seed 1 gets worse, seed 2 better: no clear effect.
    let said = text([0.035, 0.029]);
    assert!(said.contains("no clear effect"), "{said}");
    assert!(
        said.contains("with a linear gate 0.0310 ± 0.0014"),
        "{said}"
    );
    // The seeds differ in difficulty (0.030 vs 0.032) far more than the change, but both
    // improve by about 0.001: paired, that is an effect.
    let said = text([0.029, 0.0312]);
    assert!(said.contains("the deeper gate helped"), "{said}");
    assert!(
        said.contains("-0.0009 ± 0.0001 (standard error, 2 seeds)"),
        "{said}"
    );
    assert!(text([0.040, 0.041]).contains("the deeper gate hurt"));
}

#[test]
fn the_tower_lr_lesson_weighs_the_change_against_the_seed_spread() {
    let outcome = lesson("tower-lr").unwrap().outcome;
    // Knob values as a link writes them for a list key: `1.0`, `3.0`.
    let runs = tip_runs(
        "tower-lr",
        "tower_lr",
        &[
            ("1.0", 0.030),
            ("1.0", 0.031),
            ("3.0", 0.020),
            ("3.0", 0.021),
        ],
    );
    let said = outcome(&Results::Comparison {
        summary: &[],
        reports: runs.iter().collect(),
    })
    .unwrap();
    assert!(
        said.contains("with the towers at 3× 0.0205 ± 0.0007"),
        "{said}"
    );
    assert!(said.contains("the faster towers helped"), "{said}");
}

#[test]
fn the_label_weight_lesson_reads_click_and_ctcvr_auc() {
    let outcome = lesson("label-weight").unwrap().outcome;
    let base = tiny_report("label-weight");
    let with = |strength: &str, click: f64, ctcvr: f64| {
        let mut report = base.clone();
        report.config = url::try_with_value(&report.config, "strength", strength).unwrap();
        report.final_report.tasks[0].test_value = Some(click);
        report.final_report.tasks[1]
            .extra
            .insert("ctcvr_auc".into(), ctcvr);
        report
    };
    let summary = vec![
        row("shared-bottom", Some("0"), &[0.0, 0.0], 0.0, 0.0),
        row("shared-bottom", Some("8"), &[0.0, 0.0], 0.0, 0.0),
    ];
    let traded = [with("0", 0.90, 0.80), with("8", 0.88, 0.84)];
    let text = outcome(&Results::Comparison {
        summary: &summary,
        reports: traded.iter().collect(),
    })
    .unwrap();
    assert!(
        text.contains("strength 0: click AUC 0.900, CTCVR AUC 0.800"),
        "{text}"
    );
    assert!(
        text.contains("traded click AUC (-0.020) for CTCVR AUC (+0.040)"),
        "{text}"
    );
    let none = [with("0", 0.90, 0.80), with("8", 0.90, 0.79)];
    let text = outcome(&Results::Comparison {
        summary: &summary,
        reports: none.iter().collect(),
    })
    .unwrap();
    assert!(text.contains("did not raise CTCVR AUC"), "{text}");
}
