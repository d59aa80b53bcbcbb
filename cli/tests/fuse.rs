//! `seesaw train --predictions` and `seesaw fuse` on a tiny funnel run.

use std::path::Path;
use std::process::Command;

fn seesaw(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_seesaw"))
        .args(args)
        .output()
        .expect("the seesaw binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Trains a tiny funnel run writing its predictions and report into `dir`.
fn tiny_funnel(dir: &Path) -> (String, String) {
    let csv = dir.join("preds.csv").display().to_string();
    let json = dir.join("run.json").display().to_string();
    let output = seesaw(&[
        "train",
        "--dataset",
        "funnel",
        "--arch",
        "esmm",
        "--steps",
        "50",
        "--set",
        "samples.train=512",
        "--set",
        "samples.validation=256",
        "--set",
        "samples.test=512",
        "--batch-size",
        "64",
        "--quiet",
        "--predictions",
        &csv,
        "--out",
        &json,
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    (csv, json)
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("seesaw-fuse-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn predictions_reproduce_the_test_auc_and_fuse_searches_them() {
    let dir = scratch("ok");
    let (csv, json) = tiny_funnel(&dir);
    let predictions =
        seesaw_core::fusion::Predictions::from_csv(&std::fs::read_to_string(&csv).unwrap())
            .unwrap();
    assert_eq!(predictions.rows(), 512);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    for task in 0..2 {
        let recomputed = seesaw_core::fusion::ranking_quality(
            &predictions.scores[task],
            &predictions.labels[task],
            predictions.kinds[task],
        )
        .unwrap();
        let reported = report["final"]["tasks"][task]["test_value"]
            .as_f64()
            .unwrap();
        assert!(
            (recomputed - reported).abs() < 1e-6,
            "{recomputed} vs {reported}"
        );
    }

    let best = dir.join("best.json").display().to_string();
    let output = seesaw(&[
        "fuse",
        "--predictions",
        &csv,
        "--formula",
        "multiplicative",
        "--search",
        "cem",
        "--importance",
        "1,2",
        "--floor",
        "0.5,-",
        "--samples",
        "20",
        "--keep",
        "5",
        "--iterations",
        "5",
        "--seed",
        "3",
        "--out",
        &best,
    ]);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(stdout.contains("cem search (5 iteration(s))"), "{stdout}");
    assert!(
        stdout.contains("multiplicative · start")
            && stdout.contains("click alone")
            && stdout.contains("best parameters (multiplicative): alpha.click="),
        "{stdout}"
    );
    let result: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&best).unwrap()).unwrap();
    assert_eq!(result["history"].as_array().unwrap().len(), 5);
    assert_eq!(result["best_values"].as_array().unwrap().len(), 4);
    assert_eq!(result["best_formula"]["formula"], "multiplicative");
    let start = result["start"]["objective"].as_f64().unwrap();
    let end = result["best"]["objective"].as_f64().unwrap();
    assert!(end >= start, "{end} < {start}");
    assert_eq!(result["best"]["qualities"].as_array().unwrap().len(), 2);
    let table = result["table"].as_array().unwrap();
    assert_eq!(table.len(), 4, "two tasks alone, the start, the search");
    assert_eq!(table[3]["evaluated"]["objective"].as_f64().unwrap(), end);

    // Every formula in one table, the LTR fusions, and the fusion seesaw of one parameter.
    let output = seesaw(&[
        "fuse",
        "--predictions",
        &csv,
        "--formula",
        "all",
        "--search",
        "random",
        "--samples",
        "30",
        "--ltr-label",
        "1,3",
        "--sweep",
        "weight.conversion",
        "--out",
        &best,
    ]);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{}", text(&output.stderr));
    for method in [
        "additive · random",
        "multiplicative · random",
        "extended · random",
        "rank-buckets · random",
        "LTR · logistic",
        "LTR · MLP",
    ] {
        assert!(stdout.contains(method), "{method}: {stdout}");
    }
    // weight.conversion is a parameter of additive, extended and rank-buckets: three seesaws.
    assert_eq!(stdout.matches("fusion seesaw:").count(), 3, "{stdout}");
    let result: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&best).unwrap()).unwrap();
    assert_eq!(result["table"].as_array().unwrap().len(), 12);
    assert_eq!(result["formulas"].as_array().unwrap().len(), 4);
    assert!(result["formulas"][0]["mlp"]["hidden_bias"].is_array());

    // No search: the start is scored as given (a hand-set formula).
    let hand = dir.join("hand.json");
    std::fs::write(
        &hand,
        r#"{"formula":"multiplicative","alpha":[0,0],"beta":[1,2]}"#,
    )
    .unwrap();
    let output = seesaw(&[
        "fuse",
        "--predictions",
        &csv,
        "--start",
        &hand.display().to_string(),
        "--search",
        "none",
    ]);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(stdout.starts_with("no search") && !stdout.contains("best parameters"));

    // Every formula and search runs on the same file.
    for (formula, search) in [
        ("additive", "grid"),
        ("extended", "random"),
        ("rank-buckets", "cem"),
    ] {
        let output = seesaw(&[
            "fuse",
            "--predictions",
            &csv,
            "--formula",
            formula,
            "--search",
            search,
        ]);
        assert!(
            output.status.success(),
            "{formula}/{search}: {}",
            text(&output.stderr)
        );
    }
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn fuse_names_bad_input() {
    let dir = scratch("bad");
    let csv = dir.join("preds.csv");
    std::fs::write(
        &csv,
        "a_score,a_label,b_score,b_label\n0.1,1,0.2,0\n0.3,0,zz,1\n",
    )
    .unwrap();
    let path = csv.display().to_string();
    let stderr = |args: &[&str]| {
        let output = seesaw(args);
        assert!(!output.status.success(), "{args:?} succeeded");
        text(&output.stderr)
    };
    let message = stderr(&["fuse", "--predictions", &path]);
    assert!(
        message.contains("line 3, column `b_score`") && message.contains("`zz`"),
        "{message}"
    );
    std::fs::write(
        &csv,
        "a_score,a_label,b_score,b_label\n0.1,1,0.2,0\n0.3,0,0.4,1\n",
    )
    .unwrap();
    let message = stderr(&["fuse", "--predictions", &path, "--importance", "1,2,3"]);
    assert!(message.contains("--importance has 3 values"), "{message}");
    let message = stderr(&["fuse", "--predictions", &path, "--formula", "max"]);
    assert!(message.contains("unknown formula `max`"), "{message}");
    let message = stderr(&[
        "fuse",
        "--predictions",
        &path,
        "--search",
        "grid",
        "--keep",
        "3",
    ]);
    assert!(
        message.contains("--keep does not apply to --search grid"),
        "{message}"
    );
    let message = stderr(&["fuse", "--predictions", &path, "--keep", "99"]);
    assert!(message.contains("cem.keep"), "{message}");
    let message = stderr(&["fuse", "--predictions", &path, "--floor", "x,-"]);
    assert!(message.contains("--floor: `x`"), "{message}");
    let message = stderr(&["fuse", "--predictions", &path, "--sweep", "beta.x"]);
    assert!(
        message.contains("--sweep `beta.x` is no parameter")
            && message.contains("alpha.a, alpha.b, beta.a, beta.b"),
        "{message}"
    );
    let message = stderr(&[
        "fuse",
        "--predictions",
        &path,
        "--search",
        "none",
        "--seed",
        "1",
    ]);
    assert!(
        message.contains("--seed does not apply to --search none"),
        "{message}"
    );
    let message = stderr(&["fuse", "--predictions", &path, "--ltr-label", "1,-2"]);
    assert!(message.contains("label_weights[1]"), "{message}");
    std::fs::write(&csv, "a_score,a_label\n0.1,1\n0.3,0\n").unwrap();
    let message = stderr(&["fuse", "--predictions", &path]);
    assert!(message.contains("at least two tasks"), "{message}");
    let message = stderr(&["fuse", "--predictions", "/nonexistent/p.csv"]);
    assert!(message.contains("cannot read --predictions"), "{message}");
    std::fs::remove_dir_all(dir).ok();
}
