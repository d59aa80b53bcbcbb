//! The weighting seam: host signals, every method on every architecture, methods' effects.

use super::*;

#[test]
fn host_signals_summarise_the_device_signals() {
    let checked = std::rc::Rc::new(std::cell::Cell::new(0));
    let config = config(small_dataset("correlated"), ArchConfig::default(), 3);
    train_with(
        &config,
        Some(Box::new(CheckHostSignals {
            checked: checked.clone(),
        })),
    );
    assert_eq!(checked.get(), 3);
}

#[test]
fn every_architecture_trains_with_every_method() {
    for weighting in WeightingConfig::all() {
        for arch in ArchConfig::all() {
            // The first registered dataset the architecture fits (ESMM needs a funnel).
            let mut config = small_datasets()
                .into_iter()
                .map(|dataset| config(dataset, arch.clone(), 40))
                .find(|config| config.validate().is_ok())
                .unwrap_or_else(|| panic!("{} fits no registered dataset", arch.id()));
            config.weighting = weighting.clone();
            let (history, _) = train_with(&config, None);
            let (first, last) = (&history[0], history.last().unwrap());
            assert!(last.train_loss.iter().all(|l| l.is_finite()));
            assert!(last.weights.iter().all(|w| w.is_finite()));
            assert!(
                total(last) < total(first),
                "{} with {}: loss {} → {}",
                arch.id(),
                weighting.id(),
                total(first),
                total(last)
            );
        }
    }
}

#[test]
fn uncertainty_learns_a_larger_variance_for_the_noisier_task() {
    let dataset = DatasetConfig::Correlated(CorrelatedConfig {
        samples: SMALL,
        correlation: 1.0,
        noise_std: vec![0.1, 1.0],
        ..Default::default()
    });
    let mut config = config(dataset, ArchConfig::SharedBottom(Default::default()), 400);
    config.weighting = WeightingConfig::Uncertainty(Default::default());
    config.train.eval_every = 50;
    let (history, _) = train_with(&config, None);
    let weights = &history.last().unwrap().weights;
    // w_k = ½·exp(−s_k) = 1/(2σ_k²): the noisier task has the larger σ, the smaller weight.
    assert!(weights[1] < weights[0], "{weights:?}");
}

/// Shared weights 1, head weights 0: the shared parameters move, the towers do not.
struct SharedOnly;
impl Weighting for SharedOnly {
    fn needs(&self) -> Needs {
        Needs::RepresentationGradients
    }
    fn update(&mut self, signals: &StepSignals) -> Update {
        Update::SharedWeights {
            weights: Tensor::ones(signals.losses.dims(), &signals.device),
            heads: Tensor::zeros(signals.losses.dims(), &signals.device),
        }
    }
}

#[test]
fn head_weights_apply_to_the_task_parameters_only() {
    let config = config(
        small_dataset("correlated"),
        ArchConfig::SharedBottom(Default::default()),
        3,
    );
    let data = Arc::new(config.dataset.generate(config.seed).unwrap());
    let fresh = Trainer::new(&config, Arc::clone(&data), &Device::flex()).unwrap();
    let (_, trained) = train_with(&config, Some(Box::new(SharedOnly)));
    assert_eq!(
        tower_values(fresh.model(), None),
        tower_values(trained.model(), None),
        "towers must not move"
    );
    let shared = |trainer: &Trainer| -> Vec<f32> {
        let z = trainer
            .model()
            .encode(Tensor::ones([1, data.input_dim], &Device::flex()))
            .representation;
        z.into_data().try_to_vec().unwrap()
    };
    assert_ne!(
        shared(&fresh),
        shared(&trained),
        "the shared bottom must move"
    );
}

#[test]
fn alternating_steps_never_move_the_other_tasks_tower() {
    let mut config = config(
        small_dataset("correlated"),
        ArchConfig::SharedBottom(Default::default()),
        1,
    );
    config.weighting = WeightingConfig::Alternating(Default::default());
    let data = Arc::new(config.dataset.generate(config.seed).unwrap());
    config.train.steps = 6;
    let mut trainer = Trainer::new(&config, data, &Device::flex()).unwrap();
    // Task k's tower is the k-th half of every tower parameter's leading dimension.
    let tower_half = |trainer: &Trainer, task: usize| tower_values(trainer.model(), Some(task));
    for step in 0..6 {
        let idle = 1 - step % 2;
        let before = tower_half(&trainer, idle);
        let active_before = tower_half(&trainer, step % 2);
        pollster::block_on(trainer.step()).unwrap();
        assert_eq!(
            tower_half(&trainer, idle),
            before,
            "step {step} moved task {idle}'s tower"
        );
        assert_ne!(
            tower_half(&trainer, step % 2),
            active_before,
            "step {step} did not train its task"
        );
    }
}
