//! Known-answer and property tests over every registered architecture.

use super::*;
use crate::Registry;
use crate::data::{DatasetConfig, FunnelConfig};
use burn::tensor::activation::sigmoid;

/// The registry's defaults plus variants that exercise other code paths: deeper gates, three
/// PLE levels, multi-layer experts.
fn variants() -> Vec<ArchConfig> {
    let mut all = ArchConfig::all();
    all.push(ArchConfig::Mmoe(MoeConfig {
        gate_depth: 2,
        expert_units: vec![12, 8],
        ..MoeConfig::default()
    }));
    all.push(ArchConfig::Ple(PleConfig {
        levels: 3,
        gate_depth: 1,
        ..PleConfig::default()
    }));
    all
}

fn build(
    arch: &ArchConfig,
    dataset: &DatasetConfig,
) -> Result<(MultiTaskModel, usize), ConfigError> {
    build_with(arch, dataset, None)
}

fn build_with(
    arch: &ArchConfig,
    dataset: &DatasetConfig,
    fm: Option<&FmConfig>,
) -> Result<(MultiTaskModel, usize), ConfigError> {
    let tasks = dataset.tasks();
    let input_dim = 12;
    let shape = ModelShape {
        input_dim,
        tasks: &tasks,
        dataset: dataset.id(),
    };
    let model = arch.build(&shape, fm, &mut Rng::new(3), &Device::flex().autodiff())?;
    Ok((model, input_dim))
}

fn input(rows: usize, width: usize, device: &Device) -> Tensor<2> {
    let mut rng = Rng::new(9);
    let values: Vec<f32> = (0..rows * width).map(|_| rng.normal() as f32).collect();
    Tensor::from_data(TensorData::new(values, [rows, width]), device)
}

fn dataset_for(arch: &ArchConfig) -> DatasetConfig {
    match arch {
        ArchConfig::Esmm(_) => DatasetConfig::Funnel(FunnelConfig::default()),
        _ => DatasetConfig::default(),
    }
}

#[test]
fn every_architecture_outputs_one_value_per_task_and_row() {
    for arch in ArchConfig::all() {
        let dataset = dataset_for(&arch);
        let (model, width) = build(&arch, &dataset).unwrap();
        let forward = model.forward(input(5, width, &Device::flex().autodiff()));
        assert_eq!(forward.outputs.len(), 2, "{}", arch.id());
        for output in &forward.outputs {
            assert_eq!(output.value.dims(), [5, 1], "{}", arch.id());
        }
        assert_eq!(forward.representation.dims()[0], 5);
    }
}

/// How many gates a forward pass reports, from the architecture's own config: OMoE one shared
/// gate, MMoE one per task, CGC and PLE one per task on the last level plus one shared gate per
/// lower level; the rest none.
fn expected_gates(arch: &ArchConfig, tasks: usize) -> usize {
    match arch {
        ArchConfig::Omoe(_) => 1,
        ArchConfig::Mmoe(_) => tasks,
        ArchConfig::Cgc(CgcConfig(config)) | ArchConfig::Ple(config) => tasks + config.levels - 1,
        _ => 0,
    }
}

#[test]
fn gates_are_distributions() {
    for arch in variants() {
        let dataset = dataset_for(&arch);
        let (model, width) = build(&arch, &dataset).unwrap();
        let forward = model.forward(input(7, width, &Device::flex()));
        assert_eq!(
            forward.gates.len(),
            expected_gates(&arch, dataset.tasks().len()),
            "{}",
            arch.id()
        );
        for gate in forward.gates {
            let sums: Vec<f32> = gate
                .weights
                .clone()
                .sum_dim(1)
                .into_data()
                .try_to_vec()
                .unwrap();
            assert!(
                sums.iter().all(|s| (s - 1.0).abs() < 1e-5),
                "{} {}: {sums:?}",
                arch.id(),
                gate.name
            );
            let min: f32 = gate.weights.min().into_scalar();
            assert!(min >= 0.0);
        }
    }
}

/// The ids of the parameters a visit reaches, and of those that have a gradient in `grads`.
fn parameter_ids(
    visit: impl FnOnce(&mut dyn FnMut(burn::module::ParamId, bool)),
) -> (Vec<burn::module::ParamId>, Vec<burn::module::ParamId>) {
    let mut all = Vec::new();
    let mut reached = Vec::new();
    visit(&mut |id, has_gradient| {
        all.push(id);
        if has_gradient {
            reached.push(id);
        }
    });
    (all, reached)
}

/// Records every float parameter's id and whether `grads` holds a gradient for it.
struct Census<'a, F: FnMut(burn::module::ParamId, bool)> {
    grads: &'a burn::tensor::Gradients,
    record: F,
}

impl<F: FnMut(burn::module::ParamId, bool)> burn::module::ModuleVisitor for Census<'_, F> {
    fn visit_float<const D: usize>(&mut self, param: &burn::module::Param<Tensor<D>>) {
        (self.record)(param.id, param.val().grad(self.grads).is_some());
    }
}

/// The trainer's seam: the shared parameters (`visit_shared`) are exactly those the encoder
/// reaches, the task parameters (all others) exactly those the decoder reaches, with no
/// parameter in both and none in neither, for every registered architecture (with and
/// without the FM term). Per-task gradients and every gradient method rely on it.
#[test]
fn shared_and_task_parameters_partition_every_architecture() {
    for arch in variants() {
        for fm in [None, Some(FmConfig { factors: 3 })] {
            let dataset = dataset_for(&arch);
            let (model, width) = build_with(&arch, &dataset, fm.as_ref()).unwrap();
            let name = format!("{} (fm: {})", arch.id(), fm.is_some());
            let x = input(6, width, &Device::flex().autodiff());
            let encoded = model.encode(x.clone()).representation;
            let encoder_grads = encoded.clone().sum().backward();
            let replicas: Vec<Tensor<2>> = (0..model.tasks())
                .map(|_| encoded.clone().detach().require_grad())
                .collect();
            let decoded = model.decode(&Replicas::PerTask(replicas), x);
            let total = decoded
                .outputs
                .iter()
                .map(|output| output.value.clone().sum())
                .reduce(|a, b| a + b)
                .unwrap();
            let decoder_grads = total.backward();

            let (all, _) = parameter_ids(|record| {
                model.visit(&mut Census {
                    grads: &encoder_grads,
                    record,
                })
            });
            let (shared, _) = parameter_ids(|record| {
                model.visit_shared(&mut Census {
                    grads: &encoder_grads,
                    record,
                })
            });
            let (_, by_encoder) = parameter_ids(|record| {
                model.visit(&mut Census {
                    grads: &encoder_grads,
                    record,
                })
            });
            let (_, by_decoder) = parameter_ids(|record| {
                model.visit(&mut Census {
                    grads: &decoder_grads,
                    record,
                })
            });
            let sorted = |mut ids: Vec<burn::module::ParamId>| {
                ids.sort_by_key(|id| id.val());
                ids
            };
            assert!(!shared.is_empty() || arch.id() == "single-task", "{name}");
            assert_eq!(
                sorted(by_encoder.clone()),
                sorted(shared.clone()),
                "{name}: encoder"
            );
            let task: Vec<_> = all
                .iter()
                .filter(|id| !shared.contains(id))
                .copied()
                .collect();
            assert_eq!(sorted(by_decoder.clone()), sorted(task), "{name}: decoder");
            assert!(
                by_encoder.iter().all(|id| !by_decoder.contains(id)),
                "{name}: a parameter in both parts"
            );
        }
    }
}

#[test]
fn esmm_outputs_pctcvr_as_pctr_times_pcvr() {
    let arch = ArchConfig::Esmm(EsmmConfig::default());
    let dataset = dataset_for(&arch);
    let (model, width) = build(&arch, &dataset).unwrap();
    let forward = model.forward(input(6, width, &Device::flex()));
    let p_ctr = sigmoid(forward.outputs[0].value.clone());
    let OutputForm::EntireSpace { conditional } = &forward.outputs[1].form else {
        panic!("ESMM's conversion output is an entire-space probability");
    };
    let product = p_ctr * (**conditional).clone();
    let diff: f32 = (product - forward.outputs[1].value.clone())
        .abs()
        .max()
        .into_scalar();
    assert!(diff < 1e-6, "pCTCVR − pCTR·pCVR = {diff}");
}

#[test]
fn esmm_rejects_datasets_that_are_not_funnels() {
    let arch = ArchConfig::Esmm(EsmmConfig::default());
    let error = build(&arch, &DatasetConfig::default()).unwrap_err();
    assert_eq!(error.field, "arch");
    assert!(
        error.message.contains("--dataset funnel"),
        "{}",
        error.message
    );
}

/// The replica mechanism's promise: task k's loss reads only replica k, so one backward pass
/// separates the tasks' representation gradients.
#[test]
fn each_task_reads_only_its_own_replica() {
    let device = Device::flex().autodiff();
    for (arch, fm) in variants()
        .into_iter()
        .flat_map(|arch| [(arch.clone(), None), (arch, Some(FmConfig::default()))])
    {
        let dataset = dataset_for(&arch);
        let (model, width) = build_with(&arch, &dataset, fm.as_ref()).unwrap();
        let x = input(4, width, &device);
        let z = model.encode(x.clone()).representation;
        for task in 0..2 {
            let replicas: Vec<Tensor<2>> =
                (0..2).map(|_| z.clone().detach().require_grad()).collect();
            let decoded = model.decode(&Replicas::PerTask(replicas.clone()), x.clone());
            let grads = decoded.outputs[task].value.clone().sum().backward();
            let own = replicas[task]
                .grad(&grads)
                .map(|g| g.abs().sum().into_scalar::<f32>());
            let other = replicas[1 - task]
                .grad(&grads)
                .map_or(0.0, |g| g.abs().sum().into_scalar::<f32>());
            assert!(
                own.unwrap_or(0.0) > 0.0,
                "{}: task {task} has no gradient on its replica",
                arch.id()
            );
            assert_eq!(
                other,
                0.0,
                "{}: task {task} leaks into another replica",
                arch.id()
            );
        }
    }
}

#[test]
fn decoding_identical_replicas_equals_forward() {
    let device = Device::flex();
    for arch in ArchConfig::all() {
        let dataset = dataset_for(&arch);
        let (model, width) = build(&arch, &dataset).unwrap();
        let model = model.valid();
        let x = input(3, width, &device);
        let forward = model.forward(x.clone());
        let z = model.encode(x.clone()).representation;
        let decoded = model.decode(&Replicas::PerTask(vec![z.clone(), z]), x);
        for (a, b) in forward.outputs.iter().zip(&decoded.outputs) {
            let diff: f32 = (a.value.clone() - b.value.clone())
                .abs()
                .max()
                .into_scalar();
            assert!(diff < 1e-6, "{}", arch.id());
        }
    }
}

/// Every float parameter's gradient in `grads`, flattened, in visiting order (empty where it
/// has none).
struct GradientValues<'a> {
    grads: &'a burn::tensor::Gradients,
    values: Vec<Vec<f32>>,
}

impl burn::module::ModuleVisitor for GradientValues<'_> {
    fn visit_float<const D: usize>(&mut self, param: &burn::module::Param<Tensor<D>>) {
        let values = param.val().grad(self.grads).map_or_else(Vec::new, |grad| {
            grad.into_data().try_to_vec::<f32>().expect("f32 gradients")
        });
        self.values.push(values);
    }
}

/// The plain forward pass reads the representation once and broadcasts it over the tasks
/// ([`Replicas::Shared`]); its backward pass must give every parameter the gradient that
/// per-task copies of the same representation give.
#[test]
fn a_shared_representation_trains_like_per_task_copies() {
    for (arch, fm) in variants()
        .into_iter()
        .flat_map(|arch| [(arch.clone(), None), (arch, Some(FmConfig::default()))])
    {
        let dataset = dataset_for(&arch);
        let (model, width) = build_with(&arch, &dataset, fm.as_ref()).unwrap();
        let x = input(5, width, &Device::flex().autodiff());
        // Tasks weighted unequally, so a gradient routed to the wrong task would show.
        let loss = |outputs: &[TaskOutput]| {
            outputs
                .iter()
                .enumerate()
                .map(|(task, output)| (output.value.clone() * (task as f64 + 1.0)).sum())
                .reduce(|a, b| a + b)
                .unwrap()
        };
        let gradients = |grads: burn::tensor::Gradients| {
            let mut visitor = GradientValues {
                grads: &grads,
                values: Vec::new(),
            };
            model.visit(&mut visitor);
            visitor.values
        };
        let shared = gradients(loss(&model.forward(x.clone()).outputs).backward());
        let z = model.encode(x.clone()).representation;
        let copies = Replicas::PerTask(vec![z; model.tasks()]);
        let per_task = gradients(loss(&model.decode(&copies, x).outputs).backward());
        assert_eq!(shared.len(), per_task.len());
        for (index, (a, b)) in shared.iter().zip(&per_task).enumerate() {
            assert_eq!(a.len(), b.len(), "{}: parameter {index}", arch.id());
            assert!(
                !a.is_empty(),
                "{}: parameter {index} has no gradient",
                arch.id()
            );
            let diff = a
                .iter()
                .zip(b)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f32::max);
            assert!(
                diff < 1e-5,
                "{}: parameter {index} differs by {diff}",
                arch.id()
            );
        }
    }
}

#[test]
fn unknown_arch_lists_the_registry() {
    let error = ArchConfig::from_id("transformer").unwrap_err();
    assert!(
        error
            .message
            .contains("single-task, shared-bottom, omoe, mmoe, cgc, ple, cross-stitch, esmm")
    );
}
