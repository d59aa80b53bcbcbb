//! The `seesaw` binary end to end.

use std::process::Command;

fn seesaw(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_seesaw"))
        .args(args)
        .output()
        .expect("seesaw runs")
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn train_writes_the_run_json() {
    let dir = std::env::temp_dir().join(format!("seesaw-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("run.json");
    let output = seesaw(&[
        "train",
        "--dataset",
        "correlated",
        "--correlation",
        "0.5",
        "--arch",
        "mmoe",
        "--weighting",
        "equal",
        "--steps",
        "40",
        "--eval-every",
        "20",
        "--seed",
        "7",
        "--backend",
        "flex",
        "--train-rows",
        "1024",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(run["config"]["arch"]["kind"], "mmoe");
    assert_eq!(run["config"]["seed"], 7);
    let history = run["history"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1]["step"], 40);
    assert_eq!(history[1]["train_loss"].as_array().unwrap().len(), 2);
    assert_eq!(history[1]["weights"].as_array().unwrap().len(), 2);
    let task = &run["final"]["tasks"][0];
    assert_eq!(task["name"], "task1");
    assert_eq!(task["metric"], "mse");
    assert!(task["val_loss"].is_number() && task["value"].is_number());
    // The saved config reproduces the run.
    let config = dir.join("config.json");
    std::fs::write(&config, run["config"].to_string()).unwrap();
    let again = dir.join("again.json");
    let output = seesaw(&[
        "train",
        "--config",
        config.to_str().unwrap(),
        "--quiet",
        "--out",
        again.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let rerun: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&again).unwrap()).unwrap();
    assert_eq!(rerun["history"], run["history"]);
}

#[test]
fn bad_values_name_the_field_and_the_range() {
    let output = seesaw(&["train", "--correlation", "1.5", "--steps", "1"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("dataset.correlation") && message.contains("-1 to 1"),
        "{message}"
    );

    let output = seesaw(&["train", "--lr", "0", "--steps", "1"]);
    assert!(
        stderr(&output).contains("train.learning_rate"),
        "{}",
        stderr(&output)
    );

    let output = seesaw(&["train", "--arch", "esmm", "--steps", "1"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("--dataset funnel"),
        "{}",
        stderr(&output)
    );

    let output = seesaw(&["train", "--arch", "nonsense"]);
    assert!(
        stderr(&output).contains("known: single-task"),
        "{}",
        stderr(&output)
    );

    let output = seesaw(&["train", "--dataset", "scales", "--correlation", "0.3"]);
    assert!(
        stderr(&output).contains("--correlation"),
        "{}",
        stderr(&output)
    );

    let output = seesaw(&["train", "--steps", "many"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("--steps"), "{}", stderr(&output));
}

#[test]
fn list_shows_every_registry() {
    let output = seesaw(&["list"]);
    let text = String::from_utf8_lossy(&output.stdout);
    for key in seesaw_core::registry::KINDS.iter().map(|kind| kind.key) {
        let line = text
            .lines()
            .find(|line| line.starts_with(&format!("{key}:")))
            .unwrap_or_else(|| panic!("no `{key}:` line in {text}"));
        let listed: Vec<&str> = line[key.len() + 1..].trim().split(", ").collect();
        assert_eq!(listed, seesaw_core::registry::kind_ids(key), "{text}");
    }
}

#[test]
fn aggregate_prints_direction_and_weights() {
    let dir = std::env::temp_dir().join(format!("seesaw-aggregate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let jacobian = dir.join("J.json");
    std::fs::write(&jacobian, "[[1, 0], [-1, 1]]").unwrap();
    // PCGrad by hand: g1 projected off g2 is (½, ½); g2 off g1 is (0, 1); sum (½, 3/2).
    let output = seesaw(&[
        "aggregate",
        "--method",
        "pcgrad",
        "--jacobian",
        jacobian.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let direction: Vec<f64> = serde_json::from_value(result["direction"].clone()).unwrap();
    assert!(
        (direction[0] - 0.5).abs() < 1e-6 && (direction[1] - 1.5).abs() < 1e-6,
        "{direction:?}"
    );
    assert_eq!(result["weights"].as_array().unwrap().len(), 2);
    std::fs::write(&jacobian, "[[1, 0], [1]]").unwrap();
    let output = seesaw(&[
        "aggregate",
        "--method",
        "mgda",
        "--jacobian",
        jacobian.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("same length"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn toy_prints_a_trajectory() {
    let output = seesaw(&[
        "toy",
        "--objective",
        "cagrad",
        "--method",
        "mgda",
        "--start",
        "-8.5,7.5",
        "--steps",
        "1000",
        "--record-every",
        "250",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let run = &result["runs"][0];
    assert_eq!(run["start"], serde_json::json!([-8.5, 7.5]));
    assert_eq!(run["trajectory"].as_array().unwrap().len(), 5);
    assert!(run["final_point"][0].is_number() && run["final_stationarity"].is_number());
    let output = seesaw(&["toy", "--objective", "rosenbrock", "--method", "mgda"]);
    assert!(
        stderr(&output).contains("known: cagrad, concave"),
        "{}",
        stderr(&output)
    );
}

/// An unwritable `--out` is refused before training: with a budget that would take minutes,
/// the command still ends at once with the reason (it never trains into a lost result).
#[test]
fn an_unwritable_out_fails_before_training() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_seesaw"))
        .args([
            "train",
            "--steps",
            "10000000",
            "--quiet",
            "--out",
            "/nonexistent-seesaw-folder/run.json",
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("seesaw runs");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("still training after 60 s: the output was not checked first");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let output = child.wait_with_output().unwrap();
    assert!(!status.success());
    let message = stderr(&output);
    assert!(
        message.contains("--out") && message.contains("nonexistent-seesaw-folder"),
        "{message}"
    );
}

/// Ctrl-C (SIGINT) stops a run after the current step and still writes what it has, marked
/// incomplete, evaluated at the step it stopped.
#[cfg(unix)]
#[test]
fn an_interrupted_run_writes_what_it_has() {
    let dir = std::env::temp_dir().join(format!("seesaw-cli-int-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("run.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_seesaw"))
        .args([
            "train",
            "--steps",
            "10000000",
            "--eval-every",
            "20",
            "--train-rows",
            "1024",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("seesaw runs");
    // Long enough to pass a few reports on any machine.
    std::thread::sleep(std::time::Duration::from_secs(4));
    let signalled = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(signalled.success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("still running 60 s after Ctrl-C");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("interrupted"),
        "{}",
        stderr(&output)
    );
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(run["incomplete"], true);
    let history = run["history"].as_array().unwrap();
    assert!(!history.is_empty(), "no report in 4 s");
    assert_eq!(run["final"]["tasks"].as_array().unwrap().len(), 2);
    assert!(run.get("baselines").is_none());
}
