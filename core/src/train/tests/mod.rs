//! Trainer tests on the CPU backend: the registry sweep, determinism, the weighting seam's
//! gradient paths against each other, tower learning rates, reports and baselines.

use super::gradients::{flatten_shared, representation_gradients, shared_jacobian, task_losses};
use super::*;
use crate::Registry;
use crate::data::{CorrelatedConfig, DatasetConfig, SplitSizes};
use crate::model::ArchConfig;
use crate::weighting::{FixedConfig, Needs, StepSignals, Update, Weighting, WeightingConfig};
use burn::prelude::*;
use std::sync::Arc;

const SMALL: SplitSizes = SplitSizes {
    train: 2048,
    validation: 512,
    test: 512,
};

/// Every registered dataset, made small so the sweep stays quick.
fn small_datasets() -> Vec<DatasetConfig> {
    DatasetConfig::all().into_iter().map(small).collect()
}

/// The registered dataset `id`, made small.
fn small_dataset(id: &str) -> DatasetConfig {
    small(DatasetConfig::from_id(id).unwrap())
}

/// `dataset` with few rows (every dataset config has `samples`); the funnel with more clicks
/// and conversions so small batches see both, the scales toy narrower.
fn small(dataset: DatasetConfig) -> DatasetConfig {
    let mut value = serde_json::to_value(dataset).unwrap();
    value["samples"] = serde_json::to_value(SMALL).unwrap();
    let mut dataset: DatasetConfig = serde_json::from_value(value).unwrap();
    match &mut dataset {
        DatasetConfig::Funnel(funnel) => {
            funnel.click_rate = 0.3;
            funnel.conversion_rate = 0.3;
        }
        DatasetConfig::Scales(scales) => {
            scales.input_dim = 32;
            scales.output_dim = 8;
        }
        DatasetConfig::Correlated(_) => {}
    }
    dataset
}

fn config(dataset: DatasetConfig, arch: ArchConfig, steps: usize) -> RunConfig {
    RunConfig {
        dataset,
        arch,
        train: TrainConfig {
            steps,
            eval_every: 10,
            batch_size: 128,
            ..TrainConfig::default()
        },
        ..RunConfig::default()
    }
}

fn train_with(
    config: &RunConfig,
    method: Option<Box<dyn Weighting>>,
) -> (Vec<HistoryEntry>, Trainer) {
    let data = Arc::new(config.dataset.generate(config.seed).unwrap());
    let device = Device::flex();
    let mut trainer = match method {
        Some(method) => Trainer::with_method(config, data, &device, method).unwrap(),
        None => Trainer::new(config, data, &device).unwrap(),
    };
    let mut history = Vec::new();
    while !trainer.is_done() {
        pollster::block_on(trainer.step()).unwrap();
        if trainer.is_report_due() {
            history.push(pollster::block_on(trainer.report()).unwrap());
        }
    }
    (history, trainer)
}

/// The towers' parameter values: all of them, or (two tasks) task k's half of each tower
/// parameter's leading dimension.
fn tower_values(model: &crate::model::MultiTaskModel, task: Option<usize>) -> Vec<f32> {
    struct Collect<'a>(&'a mut Vec<f32>, Option<usize>);
    impl burn::module::ModuleVisitor for Collect<'_> {
        fn visit_float<const D: usize>(&mut self, param: &burn::module::Param<Tensor<D>>) {
            let count = param.val().shape().num_elements();
            let values: Vec<f32> = param
                .val()
                .reshape([count])
                .into_data()
                .try_to_vec()
                .unwrap();
            match self.1 {
                None => self.0.extend(values),
                Some(task) => self
                    .0
                    .extend_from_slice(&values[task * count / 2..(task + 1) * count / 2]),
            }
        }
    }
    let mut values = Vec::new();
    model.towers().visit(&mut Collect(&mut values, task));
    values
}

fn total(entry: &HistoryEntry) -> f64 {
    entry.train_loss.iter().sum()
}

#[test]
fn every_dataset_and_architecture_trains_with_falling_loss() {
    for dataset in small_datasets() {
        for arch in ArchConfig::all() {
            let config = config(dataset.clone(), arch.clone(), 50);
            if let Err(error) = config.validate() {
                // The only combinations the registry refuses: ESMM off a funnel.
                assert_eq!(
                    (arch.id(), error.field.as_str()),
                    ("esmm", "arch"),
                    "{error}"
                );
                assert_ne!(dataset.id(), "funnel");
                continue;
            }
            let (history, _) = train_with(&config, None);
            let (first, last) = (&history[0], history.last().unwrap());
            assert_eq!(last.step, 50);
            assert!(last.train_loss.iter().all(|l| l.is_finite()));
            assert!(
                total(last) < total(first),
                "{} on {}: loss {} → {}",
                arch.id(),
                dataset.id(),
                total(first),
                total(last)
            );
        }
    }
}

#[test]
fn the_same_seed_reproduces_the_run_exactly() {
    let config = config(small_dataset("correlated"), ArchConfig::default(), 20);
    let (a, _) = train_with(&config, None);
    let (b, _) = train_with(&config, None);
    assert_eq!(a, b);
    let other = RunConfig { seed: 8, ..config };
    let (c, _) = train_with(&other, None);
    assert_ne!(a[0].train_loss, c[0].train_loss);
}

#[test]
fn reports_hold_gates_cosines_and_metrics() {
    let config = config(small_dataset("correlated"), ArchConfig::default(), 20);
    let (history, _) = train_with(&config, None);
    let entry = history.last().unwrap();
    assert_eq!(entry.gates.len(), 2);
    for gate in &entry.gates {
        assert_eq!(gate.mean.len(), 8);
        assert!((gate.mean.iter().sum::<f64>() - 1.0).abs() < 1e-4);
        assert!(gate.std.iter().all(|s| *s >= 0.0));
    }
    let cosine = &entry.gradient_cosine;
    assert_eq!(cosine.len(), 2);
    assert!((cosine[0][0] - 1.0).abs() < 1e-4 && (cosine[1][1] - 1.0).abs() < 1e-4);
    assert!((cosine[0][1] - cosine[1][0]).abs() < 1e-5 && cosine[0][1].abs() <= 1.0 + 1e-6);
    assert_eq!(entry.validation[0].metric, crate::metrics::Metric::Mse);
    assert!(entry.validation[0].extra.contains_key("r2"));
}

#[test]
fn single_task_networks_have_orthogonal_gradients() {
    let config = config(
        small_dataset("correlated"),
        ArchConfig::SingleTask(Default::default()),
        10,
    );
    let (history, _) = train_with(&config, None);
    let cosine = &history.last().unwrap().gradient_cosine;
    assert!(
        cosine[0][1].abs() < 1e-6,
        "independent networks share no gradient: {}",
        cosine[0][1]
    );
}

#[test]
fn funnel_reports_entire_space_conversion_metrics() {
    let config = config(
        small_dataset("funnel"),
        ArchConfig::Esmm(Default::default()),
        20,
    );
    let (history, _) = train_with(&config, None);
    let conversion = &history.last().unwrap().validation[1];
    assert_eq!(conversion.metric, crate::metrics::Metric::Auc);
    assert!(conversion.extra.contains_key("cvr_auc_entire_space"));
    assert!(conversion.extra.contains_key("ctcvr_auc"));
}

#[test]
fn a_diverging_run_is_reported_not_hidden() {
    let mut config = config(
        small_dataset("scales"),
        ArchConfig::SharedBottom(Default::default()),
        30,
    );
    config.train.optimizer = OptimizerConfig::Sgd(Default::default());
    config.train.learning_rate = 10.0;
    let data = Arc::new(config.dataset.generate(config.seed).unwrap());
    let mut trainer = Trainer::new(&config, data, &Device::flex()).unwrap();
    let mut outcome = Ok(());
    while !trainer.is_done() && outcome.is_ok() {
        pollster::block_on(trainer.step()).unwrap();
        if trainer.is_report_due() {
            outcome = pollster::block_on(trainer.report()).map(|_| ());
        }
    }
    match outcome {
        Err(crate::RunError::Diverged { task, .. }) => assert!(task.starts_with("task")),
        other => panic!("expected divergence, got {other:?}"),
    }
}

#[test]
fn baselines_give_gains_and_delta_m() {
    let mut config = config(small_dataset("correlated"), ArchConfig::default(), 30);
    config.baselines = true;
    let report = pollster::block_on(run(&config, &Device::flex(), &|| 0.0, &mut |_| {
        ControlFlow::Continue(())
    }))
    .unwrap();
    let comparison = report
        .comparison
        .as_ref()
        .expect("baselines were asked for");
    assert_eq!(comparison.baselines.tasks.len(), 2);
    let expected = crate::metrics::delta_m(
        &report
            .final_report
            .tasks
            .iter()
            .map(|t| t.test_value.unwrap())
            .collect::<Vec<_>>(),
        &comparison
            .baselines
            .tasks
            .iter()
            .map(|t| t.test_value.unwrap())
            .collect::<Vec<_>>(),
        &[crate::metrics::Better::Lower; 2],
    );
    assert_eq!(comparison.delta_m, expected);
    let json = serde_json::to_value(&report).unwrap();
    for key in [
        "config",
        "history",
        "final",
        "baselines",
        "delta_m",
        "mtl_gain",
    ] {
        assert!(json.get(key).is_some(), "run JSON lacks `{key}`");
    }
    let task = &json["final"]["tasks"][0];
    for key in ["name", "val_loss", "metric", "value"] {
        assert!(task.get(key).is_some(), "final task lacks `{key}`");
    }
}

/// A method that reads host values: they must match the device signals they summarise.
struct CheckHostSignals {
    checked: std::rc::Rc<std::cell::Cell<usize>>,
}
impl Weighting for CheckHostSignals {
    fn needs(&self) -> Needs {
        Needs::SharedGradients
    }
    fn reads_host(&self) -> bool {
        true
    }
    fn update(&mut self, signals: &StepSignals) -> Update {
        let host = signals.host.as_ref().expect("host values were asked for");
        let losses: Vec<f32> = signals.losses.clone().into_data().try_to_vec().unwrap();
        let expected_losses: Vec<f64> = losses.iter().map(|&l| f64::from(l)).collect();
        assert_eq!(host.losses, expected_losses);
        for (gram, rows) in [
            (&host.shared_gram, &signals.shared_gradients),
            (&host.representation_gram, &signals.representation_gradients),
        ] {
            let rows = rows.clone().unwrap();
            let tasks = rows.dims()[0];
            let values: Vec<f32> = rows.into_data().try_to_vec().unwrap();
            let width = values.len() / tasks;
            let gram = gram.as_ref().expect("gram read back");
            for i in 0..tasks {
                for j in 0..tasks {
                    let dot: f64 = (0..width)
                        .map(|p| {
                            f64::from(values[i * width + p]) * f64::from(values[j * width + p])
                        })
                        .sum();
                    assert!((gram[i * tasks + j] - dot).abs() <= 1e-4 * dot.abs().max(1e-6));
                }
            }
        }
        self.checked.set(self.checked.get() + 1);
        Update::Weights(Tensor::ones(signals.losses.dims(), &signals.device))
    }
}

mod gradients;
mod methods;

#[test]
fn test_predictions_reproduce_the_reported_test_metrics() {
    let config = config(
        small_dataset("funnel"),
        ArchConfig::Esmm(Default::default()),
        20,
    );
    let (_, trainer) = train_with(&config, None);
    let (report, predictions) =
        pollster::block_on(trainer.final_report_with_predictions()).unwrap();
    assert_eq!(report, pollster::block_on(trainer.final_report()).unwrap());
    assert_eq!(predictions.tasks, vec!["click", "conversion"]);
    assert_eq!(predictions.rows(), SMALL.test);
    // Conversion labels exist only on clicked rows.
    let clicks = predictions.labels[0]
        .iter()
        .filter(|l| **l == Some(1.0))
        .count();
    assert_eq!(predictions.labels[1].iter().flatten().count(), clicks);
    for (task, reported) in report.tasks.iter().enumerate() {
        let recomputed = crate::fusion::ranking_quality(
            &predictions.scores[task],
            &predictions.labels[task],
            predictions.kinds[task],
        )
        .unwrap();
        assert!((recomputed - reported.test_value.unwrap()).abs() < 1e-9);
    }
}
