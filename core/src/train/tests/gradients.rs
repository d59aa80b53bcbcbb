//! The gradient paths against each other: weights, per-task Jacobians, tower learning rates.

use super::*;

/// With SGD, weights 2·Σ L_k at learning rate η step exactly like Σ L_k at 2η.
#[test]
fn fixed_weights_scale_the_gradient() {
    let mut doubled = config(small_dataset("correlated"), ArchConfig::default(), 10);
    doubled.train.optimizer = OptimizerConfig::Sgd(Default::default());
    doubled.train.learning_rate = 0.01;
    doubled.weighting = WeightingConfig::Fixed(FixedConfig { weights: vec![2.0] });
    let mut faster = doubled.clone();
    faster.weighting = WeightingConfig::Equal(Default::default());
    faster.train.learning_rate = 0.02;
    let (a, _) = train_with(&doubled, None);
    let (b, _) = train_with(&faster, None);
    for (x, y) in a
        .last()
        .unwrap()
        .train_loss
        .iter()
        .zip(&b.last().unwrap().train_loss)
    {
        assert!((x - y).abs() < 1e-4 * y.abs().max(1.0), "{x} vs {y}");
    }
    assert_eq!(a.last().unwrap().weights, vec![2.0, 2.0]);
}

/// Equal weights asking for representation gradients: must train exactly like plain equal.
struct EqualViaRepresentation;
impl Weighting for EqualViaRepresentation {
    fn needs(&self) -> Needs {
        Needs::RepresentationGradients
    }
    fn update(&mut self, signals: &StepSignals) -> Update {
        assert!(signals.representation_gradients.is_some());
        Update::Weights(Tensor::ones(signals.losses.dims(), &signals.device))
    }
}

/// Equal weights as a shared-parameter direction: the column sums of the Jacobian.
struct EqualViaJacobian;
impl Weighting for EqualViaJacobian {
    fn needs(&self) -> Needs {
        Needs::SharedGradients
    }
    fn update(&mut self, signals: &StepSignals) -> Update {
        let jacobian = signals
            .shared_gradients
            .clone()
            .expect("asked for the Jacobian");
        let ones = Tensor::ones(signals.losses.dims(), &signals.device);
        Update::SharedDirection {
            direction: jacobian.sum_dim(0).flatten(0, 1),
            weights: ones.clone(),
            heads: ones,
        }
    }
}

/// Equal weights as shared weights over representation gradients.
struct EqualViaSharedWeights;
impl Weighting for EqualViaSharedWeights {
    fn needs(&self) -> Needs {
        Needs::RepresentationGradients
    }
    fn update(&mut self, signals: &StepSignals) -> Update {
        let ones = Tensor::ones(signals.losses.dims(), &signals.device);
        Update::SharedWeights {
            weights: ones.clone(),
            heads: ones,
        }
    }
}

/// Equal weights from a method that asked for the Jacobian, answered in each form that does not
/// name a shared direction: the Jacobian's rows spent the representation's graph, so the step
/// reads the shared gradient off the Jacobian, or encodes the batch again.
#[derive(Clone, Copy)]
enum AfterJacobian {
    Weights,
    SharedWeights,
    RepresentationDirection,
}
impl Weighting for AfterJacobian {
    fn needs(&self) -> Needs {
        Needs::SharedGradients
    }
    fn update(&mut self, signals: &StepSignals) -> Update {
        assert!(signals.shared_gradients.is_some());
        let ones = Tensor::ones(signals.losses.dims(), &signals.device);
        match self {
            AfterJacobian::Weights => Update::Weights(ones),
            AfterJacobian::SharedWeights => Update::SharedWeights {
                weights: ones.clone(),
                heads: ones,
            },
            AfterJacobian::RepresentationDirection => Update::RepresentationDirection {
                gradient: signals
                    .representation_gradients
                    .clone()
                    .expect("the Jacobian comes with representation gradients")
                    .sum_dim(0)
                    .flatten(0, 1),
                weights: ones.clone(),
                heads: ones,
            },
        }
    }
}

#[test]
fn every_gradient_path_gives_the_same_step() {
    for (dataset, arch) in [
        (small_dataset("correlated"), ArchConfig::default()),
        (
            small_dataset("correlated"),
            ArchConfig::Ple(Default::default()),
        ),
        (
            small_dataset("funnel"),
            ArchConfig::Esmm(Default::default()),
        ),
    ] {
        // Plain SGD: Adam would hide a gradient scaled by a constant.
        let mut config = config(dataset, arch.clone(), 10);
        config.train.optimizer = OptimizerConfig::Sgd(Default::default());
        config.train.learning_rate = 0.05;
        let (plain, _) = train_with(&config, None);
        let (via_z, _) = train_with(&config, Some(Box::new(EqualViaRepresentation)));
        let (via_j, _) = train_with(&config, Some(Box::new(EqualViaJacobian)));
        let (via_w, _) = train_with(&config, Some(Box::new(EqualViaSharedWeights)));
        let after_jacobian = [
            AfterJacobian::Weights,
            AfterJacobian::SharedWeights,
            AfterJacobian::RepresentationDirection,
        ]
        .map(|answer| train_with(&config, Some(Box::new(answer))).0);
        for other in [&via_z, &via_j, &via_w].into_iter().chain(&after_jacobian) {
            for (x, y) in plain
                .last()
                .unwrap()
                .train_loss
                .iter()
                .zip(&other.last().unwrap().train_loss)
            {
                assert!(
                    (x - y).abs() < 1e-4 * x.abs().max(1.0),
                    "{}: {x} vs {y}",
                    arch.id()
                );
            }
        }
    }
}

/// Each Jacobian row equals the gradient of that task's loss alone, computed directly.
#[test]
fn jacobian_rows_are_per_task_gradients() {
    let config = config(
        small_dataset("correlated"),
        ArchConfig::Cgc(Default::default()),
        1,
    );
    let data = Arc::new(config.dataset.generate(1).unwrap());
    let device = Device::flex().autodiff();
    let trainer = Trainer::new(&config, Arc::clone(&data), &Device::flex()).unwrap();
    let model = trainer.model();
    let split =
        super::batches::DeviceSplit::upload(&data.train, &data.tasks, data.input_dim, &device);
    let batch = split.batch(&(0..64).collect::<Vec<_>>());
    let per_task = representation_gradients(model, &data.tasks, &batch);
    let jacobian = shared_jacobian(model, &batch, &per_task);
    for task in 0..2 {
        let forward = model.forward(batch.x.clone());
        let losses = task_losses(&forward.outputs, &data.tasks, &batch);
        let direct = flatten_shared(model, &losses[task].backward());
        let row = jacobian.clone().narrow(0, task, 1).flatten::<1>(0, 1);
        let diff: f32 = (row - direct.clone()).abs().max().into_scalar();
        let scale: f32 = direct.abs().max().into_scalar();
        assert!(
            diff <= 1e-5 * scale.max(1.0),
            "task {task}: {diff} (scale {scale})"
        );
    }
}

#[test]
fn a_zero_tower_learning_rate_freezes_that_tower() {
    let mut config = config(small_dataset("correlated"), ArchConfig::default(), 5);
    config.train.tower_lr = vec![1.0, 0.0];
    let (_, trainer) = train_with(&config, None);
    let (_, fresh) = train_with(
        &RunConfig {
            train: TrainConfig {
                steps: 1,
                ..config.train.clone()
            },
            ..config.clone()
        },
        None,
    );
    // After 1 step and after 5 steps, task 2's tower is the same (it never moved).
    assert_eq!(
        tower_values(trainer.model(), Some(1)),
        tower_values(fresh.model(), Some(1))
    );
}
