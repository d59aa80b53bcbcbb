//! `seesaw sweep` end to end: the grid's files, shards and their merge, resuming, bad grids,
//! failures and Ctrl-C. Small budgets: each run is 20 steps on 512 rows.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A budget that trains each run in a few milliseconds.
const SMALL: &[&str] = &[
    "--steps",
    "20",
    "--eval-every",
    "10",
    "--batch-size",
    "64",
    "--set",
    "samples.train=512",
    "--set",
    "samples.validation=256",
    "--set",
    "samples.test=256",
    "--quiet",
];

/// 2 architectures × 2 methods × 2 seeds.
const GRID: &[&str] = &[
    "--dataset",
    "correlated",
    "--correlation",
    "0.5",
    "--arch",
    "mmoe,shared-bottom",
    "--weighting",
    "equal,uncertainty",
    "--seeds",
    "2",
];

fn seesaw(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_seesaw"))
        .args(args)
        .output()
        .expect("seesaw runs")
}

/// `seesaw sweep` with the grid, the small budget, `extra` and `--out dir`.
fn sweep(grid: &[&str], extra: &[&str], dir: &Path) -> Output {
    let mut args = vec!["sweep"];
    args.extend_from_slice(grid);
    args.extend_from_slice(SMALL);
    args.extend_from_slice(extra);
    args.extend(["--out", dir.to_str().unwrap()]);
    seesaw(&args)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A fresh folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("seesaw-sweep-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn files(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == extension))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// A CSV's rows as maps from column to cell (no quoted commas in these tables).
fn csv(path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|line| {
            header
                .iter()
                .zip(line.split(','))
                .map(|(h, c)| (h.to_string(), c.to_string()))
                .collect()
        })
        .collect()
}

/// The rows of `runs.csv` as a set, without the timing (which differs between runs).
fn run_rows(dir: &Path) -> BTreeSet<Vec<(String, String)>> {
    csv(&dir.join("runs.csv"))
        .into_iter()
        .map(|row| {
            row.into_iter()
                .filter(|(column, _)| column != "steps_per_second")
                .collect()
        })
        .collect()
}

fn ok(output: &Output) {
    assert!(
        output.status.success(),
        "stdout:\n{}\nstderr:\n{}",
        text(&output.stdout),
        text(&output.stderr)
    );
}

#[test]
fn a_grid_writes_every_run_the_tables_and_one_baseline_per_seed() {
    let dir = scratch("grid");
    let output = sweep(GRID, &["--jobs", "2"], &dir);
    ok(&output);
    let runs = csv(&dir.join("runs.csv"));
    assert_eq!(runs.len(), 8);
    assert!(runs.iter().all(|row| row["status"] == "done"), "{runs:?}");
    assert!(runs.iter().all(|row| !row["delta_m_percent"].is_empty()));
    let summary = csv(&dir.join("summary.csv"));
    assert_eq!(summary.len(), 4);
    assert!(
        summary
            .iter()
            .all(|row| row["runs"] == "2" && row["failed"] == "0")
    );
    assert!(summary.iter().all(|row| !row["task1_mse_std"].is_empty()));
    let reports = files(&dir.join("runs"), "json");
    assert_eq!(reports.len(), 8);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&reports[0]).unwrap()).unwrap();
    assert!(report["delta_m"].is_number() && report["baselines"].is_object());
    assert_eq!(report["config"]["dataset"]["samples"]["train"], 512);
    // The single-task baselines were trained once per seed, not once per run.
    assert_eq!(files(&dir.join("baselines"), "json").len(), 2);
    let spec: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("sweep.json")).unwrap()).unwrap();
    assert_eq!(spec["seeds"], serde_json::json!([1, 2]));
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains("mmoe · uncertainty") && stdout.contains(" ± ") && stdout.contains("Δm"),
        "{stdout}"
    );
}

#[test]
fn shards_merge_into_the_whole_grid() {
    let (whole, one, two, merged) = (
        scratch("whole"),
        scratch("shard1"),
        scratch("shard2"),
        scratch("merged"),
    );
    let vary = [GRID, &["--vary", "noise_std=0.01,0.5"]].concat();
    ok(&sweep(&vary, &["--jobs", "2"], &whole));
    ok(&sweep(&vary, &["--shard", "1/2"], &one));
    ok(&sweep(&vary, &["--shard", "2/2"], &two));
    assert_eq!(csv(&one.join("runs.csv")).len(), 8);
    let output = seesaw(&[
        "sweep",
        "--merge",
        one.to_str().unwrap(),
        two.to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
    ]);
    ok(&output);
    let rows = run_rows(&merged);
    assert_eq!(rows.len(), 16);
    assert_eq!(rows, run_rows(&whole));
    let knob: BTreeSet<String> = rows
        .iter()
        .filter_map(|row| row.iter().find(|(c, _)| c == "noise_std"))
        .map(|(_, value)| value.clone())
        .collect();
    assert_eq!(knob, BTreeSet::from(["0.01".into(), "0.5".into()]));
    let summary = |dir: &Path| -> Vec<Vec<(String, String)>> {
        csv(&dir.join("summary.csv"))
            .into_iter()
            .map(|row| {
                row.into_iter()
                    .filter(|(column, _)| column != "steps_per_second_mean")
                    .collect()
            })
            .collect()
    };
    assert_eq!(summary(&merged), summary(&whole), "same rows, same order");
    assert!(text(&output.stdout).contains("noise_std=0.5"));

    let output = seesaw(&["sweep", "--merge", "/", "--out", merged.to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(text(&output.stderr).contains("no sweep.json"));
}

#[test]
fn a_rerun_skips_what_is_done() {
    let dir = scratch("rerun");
    ok(&sweep(GRID, &[], &dir));
    let stamps = |dir: &Path| {
        let mut paths = files(&dir.join("runs"), "json");
        paths.extend(files(&dir.join("baselines"), "json"));
        paths
            .into_iter()
            .map(|p| (std::fs::metadata(&p).unwrap().modified().unwrap(), p))
            .collect::<Vec<_>>()
    };
    let before = stamps(&dir);
    assert_eq!(before.len(), 10);
    let table = std::fs::read_to_string(dir.join("summary.csv")).unwrap();
    let output = sweep(GRID, &[], &dir);
    ok(&output);
    assert!(
        text(&output.stderr).contains("skipped 8 of 8 runs"),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(stamps(&dir), before, "nothing trained again");
    assert_eq!(
        std::fs::read_to_string(dir.join("summary.csv")).unwrap(),
        table
    );
    // A run whose report is gone is trained again, with the baselines on file.
    std::fs::remove_file(&before[0].1).unwrap();
    let output = sweep(GRID, &[], &dir);
    ok(&output);
    assert!(text(&output.stderr).contains("skipped 7 of 8 runs"));
    assert_eq!(stamps(&dir)[8..], before[8..], "baselines reused");
}

#[test]
fn bad_grids_say_what_is_wrong() {
    let dir = scratch("bad");
    for (args, expected) in [
        (
            &["--weighting", "equal,bogus"][..],
            "unknown weighting `bogus`",
        ),
        (&["--weighting", ""], "weighting list is empty"),
        (
            &["--vary", "correlation="],
            "no values given for `correlation`",
        ),
        (
            &["--dataset", "scales", "--vary", "correlation=0.5"],
            "`correlation` is not a knob",
        ),
        (&["--levels", "2"], "--levels"),
        (&["--shard", "two"], "--shard `two`"),
        (&["--shard", "3/2"], "3/2"),
    ] {
        let output = sweep(args, &[], &dir);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let message = text(&output.stderr);
        assert!(message.contains(expected), "{args:?}: {message}");
    }
    let output = sweep(&[], &[], Path::new("/proc/seesaw/out"));
    assert!(!output.status.success());
    assert!(text(&output.stderr).contains("--out /proc/seesaw/out cannot be written"));
    assert!(!dir.join("runs.csv").exists(), "nothing was trained");
}

#[test]
fn a_grid_file_with_flags_on_top() {
    let dir = scratch("file");
    std::fs::create_dir_all(&dir).unwrap();
    let grid = dir.join("grid.json");
    std::fs::write(
        &grid,
        r#"{"base": {"seed": 4}, "arch": ["mmoe", "omoe"],
            "vary": {"key": "learning_rate", "values": [0.01, "0.02"]}}"#,
    )
    .unwrap();
    let output = sweep(&[grid.to_str().unwrap(), "--arch", "omoe"], &[], &dir);
    ok(&output);
    let runs = csv(&dir.join("runs.csv"));
    let labels: Vec<(&str, &str, &str)> = runs
        .iter()
        .map(|r| (&r["arch"][..], &r["learning_rate"][..], &r["seed"][..]))
        .collect();
    assert_eq!(labels, [("omoe", "0.01", "4"), ("omoe", "0.02", "4")]);
}

#[test]
fn a_failed_run_is_recorded_and_the_others_go_on() {
    let dir = scratch("failed");
    // Plain SGD at learning rate 10 diverges; at 0.01 it trains.
    let output = sweep(
        &[
            "--optimizer",
            "sgd",
            "--arch",
            "shared-bottom",
            "--vary",
            "learning_rate=0.01,10",
        ],
        &[],
        &dir,
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("1 of 2 runs failed"));
    let runs = csv(&dir.join("runs.csv"));
    assert_eq!(runs[0]["status"], "done");
    assert_eq!(runs[1]["status"], "failed");
    assert!(runs[1]["message"].contains("diverged"), "{runs:?}");
    let failed = files(&dir.join("runs"), "failed");
    assert_eq!(failed.len(), 1);
    assert!(
        std::fs::read_to_string(&failed[0])
            .unwrap()
            .contains("diverged")
    );
    assert_eq!(files(&dir.join("runs"), "json").len(), 1);
    let summary = csv(&dir.join("summary.csv"));
    assert_eq!(
        (&summary[1]["runs"][..], &summary[1]["failed"][..]),
        ("0", "1")
    );
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_the_runs_and_writes_what_they_have() {
    let dir = scratch("interrupt");
    let child = Command::new(env!("CARGO_BIN_EXE_seesaw"))
        .args(["sweep", "--steps", "10000000", "--jobs", "2", "--quiet"])
        .args(["--out", dir.to_str().unwrap()])
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // sweep.json is written just before the handler is set and training starts.
    let started = std::time::Instant::now();
    while !dir.join("sweep.json").exists() {
        assert!(started.elapsed().as_secs() < 30, "the sweep did not start");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(500));
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("interrupted"));
    // One worker trained the baselines, the other the run: stopped, written, marked.
    let runs = csv(&dir.join("runs.csv"));
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["status"], "incomplete");
    let report = &files(&dir.join("runs"), "json")[0];
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    assert_eq!(report["incomplete"], true);
    assert!(files(&dir.join("baselines"), "json").is_empty());
}
