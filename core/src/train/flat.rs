//! The optimiser's arithmetic over every parameter at once.
//!
//! burn's `ModuleOptimizer` updates a model tensor by tensor: Adam is a dozen element-wise
//! operations per parameter tensor, so an MMoE with eight parameter tensors runs about a
//! hundred small kernels (WebGPU) or allocating loops (the CPU backend) per step. Here the
//! gradients are concatenated into one vector, the rule runs once over it, and each parameter
//! takes its slice of the step: one copy in, a dozen element-wise operations, and a slice and a
//! subtraction per tensor. The arithmetic per element is burn's, so a run's numbers are the
//! same as with burn's optimisers (a test holds it to them).
//!
//! The state is kept in groups that share a step count (Adam's bias correction is per
//! parameter): normally one group holds every parameter; a parameter that misses a step's
//! gradient keeps its value and its state, as with burn's, and the groups are rebuilt.
//!
//! Stacked runs ([`super::ParallelTrainer`]) share one optimiser: every element belongs to one
//! run through its parameter's leading, run-major dimension, and takes that run's learning rate.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::optim::GradientsParams;
use burn::prelude::*;
use std::collections::HashMap;

/// An update rule whose state is element-wise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rule {
    /// Adam (Kingma & Ba, ICLR 2015) as burn's: β = (0.9, 0.999), ε = 10⁻⁸, bias-corrected,
    /// ε added to the corrected second moment's square root.
    Adam,
    /// SGD with optional heavy-ball momentum and no dampening, as burn's (and PyTorch's).
    Sgd {
        /// 0 for plain SGD.
        momentum: f64,
    },
}

impl Rule {
    const BETA_1: f64 = 0.9;
    const BETA_2: f64 = 0.999;
    const EPSILON: f64 = 1e-8;
}

/// Every element's learning rate: run r's rate for the elements of run r.
#[derive(Debug, Clone)]
pub(crate) struct Rates {
    /// One rate per run, in the order runs are stacked.
    per_run: Vec<f64>,
}

impl Rates {
    /// One run's rate.
    pub(crate) fn one(rate: f64) -> Self {
        Self {
            per_run: vec![rate],
        }
    }

    /// Stacked runs' rates, run-major.
    pub(crate) fn per_run(rates: Vec<f64>) -> Self {
        assert!(!rates.is_empty(), "at least one run");
        Self { per_run: rates }
    }

    /// The common rate, when every run has the same one.
    fn uniform(&self) -> Option<f64> {
        let first = self.per_run[0];
        self.per_run.iter().all(|&r| r == first).then_some(first)
    }
}

/// One parameter's place in a group's vectors.
#[derive(Debug, Clone, PartialEq)]
struct Segment {
    id: ParamId,
    len: usize,
    /// The leading dimension (rows are run-major when runs are stacked).
    rows: usize,
}

/// Parameters whose state advances together.
struct Group {
    segments: Vec<Segment>,
    /// Adam's first moment or SGD's velocity; `None` before the first step.
    first: Option<Tensor<1>>,
    /// Adam's second moment.
    second: Option<Tensor<1>>,
    /// Steps taken.
    time: i32,
    /// The per-element rates, built on the first step that needs them.
    rates: Option<Tensor<1>>,
}

impl Group {
    fn len(&self) -> usize {
        self.segments.iter().map(|s| s.len).sum()
    }

    /// The group's state cut into per-parameter pieces.
    fn pieces(self) -> impl Iterator<Item = Member> {
        let mut offset = 0;
        let Group {
            segments,
            first,
            second,
            time,
            ..
        } = self;
        segments.into_iter().map(move |segment| {
            let range = offset..offset + segment.len;
            offset = range.end;
            let piece = Piece {
                first: first.as_ref().map(|t| t.clone().slice(range.clone())),
                second: second.as_ref().map(|t| t.clone().slice(range.clone())),
                time,
            };
            (segment, piece)
        })
    }

    /// A group of pieces that share `time`.
    fn join(members: Vec<Member>, time: i32) -> Self {
        let cat = |parts: Vec<Option<Tensor<1>>>| -> Option<Tensor<1>> {
            parts
                .into_iter()
                .collect::<Option<Vec<_>>>()
                .map(|parts| Tensor::cat(parts, 0))
        };
        let (segments, pieces): (Vec<_>, Vec<_>) = members.into_iter().unzip();
        let (first, second): (Vec<_>, Vec<_>) =
            pieces.into_iter().map(|p| (p.first, p.second)).unzip();
        Self {
            segments,
            first: cat(first),
            second: cat(second),
            time,
            rates: None,
        }
    }
}

/// A parameter with its slice of the state.
type Member = (Segment, Piece);

/// One parameter's slice of a group's state.
struct Piece {
    first: Option<Tensor<1>>,
    second: Option<Tensor<1>>,
    time: i32,
}

/// An optimiser over every parameter of a model as one vector.
pub(crate) struct FlatOptimizer {
    rule: Rule,
    rates: Rates,
    groups: Vec<Group>,
    device: Device,
}

impl FlatOptimizer {
    /// A fresh state; `device` is the device without autodiff (gradients and state live there).
    pub(crate) fn new(rule: Rule, rates: Rates, device: &Device) -> Self {
        Self {
            rule,
            rates,
            groups: Vec::new(),
            device: device.clone(),
        }
    }

    /// One step of every parameter that has a gradient in `grads`; the others keep their value
    /// and their state.
    pub(crate) fn step<M: Module>(&mut self, model: M, mut grads: GradientsParams) -> M {
        let mut gather = Gather {
            grads: &mut grads,
            found: Vec::new(),
        };
        model.visit(&mut gather);
        let mut gradients: HashMap<ParamId, Tensor<1>> = HashMap::new();
        let mut present = Vec::with_capacity(gather.found.len());
        for (segment, gradient) in gather.found {
            gradients.insert(segment.id, gradient);
            present.push(segment);
        }
        if present.is_empty() {
            return model;
        }
        self.regroup_unless_intact(&present);
        let mut deltas = HashMap::with_capacity(present.len());
        for index in 0..self.groups.len() {
            let group = &self.groups[index];
            if !gradients.contains_key(&group.segments[0].id) {
                continue; // parked: none of its parameters has a gradient this step
            }
            let gradient = Tensor::cat(
                group
                    .segments
                    .iter()
                    .map(|s| gradients.remove(&s.id).expect("an intact group"))
                    .collect(),
                0,
            );
            let delta = self.advance(index, gradient);
            let mut offset = 0;
            for segment in &self.groups[index].segments {
                let range = offset..offset + segment.len;
                offset = range.end;
                deltas.insert(segment.id, delta.clone().slice(range));
            }
        }
        model.map(&mut Apply { deltas })
    }

    /// Keeps the groups when every group is wholly with or wholly without gradients and no
    /// parameter is new; otherwise regroups: the parameters with a gradient by step count,
    /// the others parked by step count.
    fn regroup_unless_intact(&mut self, present: &[Segment]) {
        let with: HashMap<&ParamId, &Segment> = present.iter().map(|s| (&s.id, s)).collect();
        let mut known = 0;
        let intact = self.groups.iter().all(|group| {
            let inside = group
                .segments
                .iter()
                .filter(|s| with.get(&s.id).is_some_and(|&p| p == *s))
                .count();
            known += inside;
            inside == 0 || inside == group.segments.len()
        });
        if intact && known == present.len() {
            return;
        }
        let mut pieces: HashMap<ParamId, Member> = HashMap::new();
        for group in std::mem::take(&mut self.groups) {
            for (segment, piece) in group.pieces() {
                pieces.insert(segment.id, (segment, piece));
            }
        }
        // (has a gradient, step count, members)
        let mut by_time: Vec<(bool, i32, Vec<Member>)> = Vec::new();
        let mut add = |active: bool, member: Member| {
            let time = member.1.time;
            match by_time
                .iter_mut()
                .find(|(a, t, _)| *a == active && *t == time)
            {
                Some((_, _, members)) => members.push(member),
                None => by_time.push((active, time, vec![member])),
            }
        };
        for segment in present {
            let member = match pieces.remove(&segment.id) {
                Some((old, piece)) if old == *segment => (old, piece),
                // New, or reshaped (no state carries over).
                _ => (
                    segment.clone(),
                    Piece {
                        first: None,
                        second: None,
                        time: 0,
                    },
                ),
            };
            add(true, member);
        }
        for member in pieces.into_values() {
            add(false, member);
        }
        self.groups = by_time
            .into_iter()
            .map(|(_, time, members)| Group::join(members, time))
            .collect();
    }

    /// Advances group `index` by one step on `gradient` and returns the step to subtract.
    fn advance(&mut self, index: usize, gradient: Tensor<1>) -> Tensor<1> {
        let direction = self.direction(index, gradient);
        match self.rates.uniform() {
            Some(rate) => direction.mul_scalar(rate),
            None => direction * self.rates_of(index),
        }
    }

    /// The rule's direction for group `index` before the learning rate, advancing its state.
    fn direction(&mut self, index: usize, gradient: Tensor<1>) -> Tensor<1> {
        let rule = self.rule;
        let group = &mut self.groups[index];
        group.time += 1;
        match rule {
            Rule::Adam => {
                let (beta_1, beta_2) = (Rule::BETA_1, Rule::BETA_2);
                let (first, second) = match (group.first.take(), group.second.take()) {
                    (Some(first), Some(second)) => (
                        first.mul_scalar(beta_1) + gradient.clone().mul_scalar(1.0 - beta_1),
                        second.mul_scalar(beta_2) + gradient.square().mul_scalar(1.0 - beta_2),
                    ),
                    _ => (
                        gradient.clone().mul_scalar(1.0 - beta_1),
                        gradient.square().mul_scalar(1.0 - beta_2),
                    ),
                };
                let correction = (1.0 - beta_2.powi(group.time)).sqrt();
                let factor = correction / (1.0 - beta_1.powi(group.time));
                let direction = first.clone().mul_scalar(factor)
                    / second.clone().sqrt().add_scalar(Rule::EPSILON * correction);
                group.first = Some(first);
                group.second = Some(second);
                direction
            }
            Rule::Sgd { momentum } if momentum > 0.0 => {
                let velocity = match group.first.take() {
                    Some(velocity) => gradient + velocity.mul_scalar(momentum),
                    None => gradient,
                };
                group.first = Some(velocity.clone());
                velocity
            }
            Rule::Sgd { .. } => gradient,
        }
    }

    /// Group `index`'s per-element rates: element j of a parameter with `rows` leading rows
    /// lies in row `j / (len / rows)`, which belongs to run `row / (rows / runs)`.
    fn rates_of(&mut self, index: usize) -> Tensor<1> {
        let per_run = &self.rates.per_run;
        let runs = per_run.len();
        let group = &mut self.groups[index];
        if group.rates.is_none() {
            let mut values = Vec::with_capacity(group.len());
            for segment in &group.segments {
                let per_row = segment.len / segment.rows;
                let rows_per_run = segment.rows / runs;
                assert!(
                    rows_per_run * runs == segment.rows,
                    "a stacked parameter's leading dimension is run-major"
                );
                for row in 0..segment.rows {
                    let rate = per_run[row / rows_per_run] as f32;
                    values.extend(std::iter::repeat_n(rate, per_row));
                }
            }
            let len = values.len();
            group.rates = Some(Tensor::from_data(
                TensorData::new(values, [len]),
                &self.device,
            ));
        }
        group.rates.clone().expect("built")
    }
}

/// Takes each parameter's gradient, flattened, in the model's order.
struct Gather<'a> {
    grads: &'a mut GradientsParams,
    found: Vec<(Segment, Tensor<1>)>,
}

impl ModuleVisitor for Gather<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(gradient) = self.grads.remove::<D>(param.id) {
            let dims = gradient.dims();
            let len = dims.iter().product();
            let segment = Segment {
                id: param.id,
                len,
                rows: dims.first().copied().unwrap_or(1),
            };
            self.found.push((segment, gradient.reshape([len])));
        }
    }
}

/// Subtracts each parameter's step.
struct Apply {
    deltas: HashMap<ParamId, Tensor<1>>,
}

impl ModuleMapper for Apply {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let Some(delta) = self.deltas.remove(&param.id) else {
            return param;
        };
        param.map(|value| {
            let dims = value.dims();
            Tensor::<D>::from_inner(value.inner() - delta.reshape(dims))
                .detach()
                .require_grad()
        })
    }
}

#[cfg(test)]
mod tests {
    //! The flat optimiser against burn's own optimisers (the reference: the trainers used them
    //! before), and the per-run learning rates against a hand-computed step.

    use super::*;
    use burn::module::Module;
    use burn::optim::ModuleOptimizer;

    #[derive(Module, Debug)]
    struct Pair {
        a: Param<Tensor<2>>,
        b: Param<Tensor<3>>,
    }

    fn pair(device: &Device) -> Pair {
        let values = |n: usize, scale: f32| -> Vec<f32> {
            (0..n)
                .map(|i| scale * ((i * 7 % 11) as f32 - 5.0))
                .collect()
        };
        Pair {
            a: Param::from_tensor(Tensor::from_data(
                TensorData::new(values(12, 0.1), [3, 4]),
                device,
            )),
            b: Param::from_tensor(Tensor::from_data(
                TensorData::new(values(8, 0.05), [2, 2, 2]),
                device,
            )),
        }
    }

    /// Gradients of a loss whose gradients change from step to step and differ in scale
    /// between the parameters (Adam's moments then differ element by element).
    fn gradients(model: &Pair, step: usize) -> GradientsParams {
        let shift = step as f32 * 0.3;
        let loss = (model.a.val().add_scalar(shift).powi_scalar(3)).sum()
            + model.b.val().mul_scalar(40.0).sin().sum();
        GradientsParams::from_grads(loss.backward(), model)
    }

    fn values(model: &Pair) -> Vec<f32> {
        let mut all = model.a.val().into_data().try_to_vec::<f32>().unwrap();
        all.extend(model.b.val().into_data().try_to_vec::<f32>().unwrap());
        all
    }

    /// Trains two copies `steps` steps, `keep(step)` saying whether `b` gets its gradient.
    fn against_burn(
        rule: Rule,
        mut reference: ModuleOptimizer,
        keep: impl Fn(usize) -> bool,
    ) -> (Vec<f32>, Vec<f32>) {
        let device = Device::flex().autodiff();
        let rate = 0.05;
        let mut flat = FlatOptimizer::new(rule, Rates::one(rate), &Device::flex());
        let (mut ours, mut theirs) = (pair(&device), pair(&device));
        for step in 0..6 {
            let mut grads = (gradients(&ours, step), gradients(&theirs, step));
            if !keep(step) {
                grads.0.remove::<3>(ours.b.id);
                grads.1.remove::<3>(theirs.b.id);
            }
            ours = flat.step(ours, grads.0);
            theirs = reference.step(rate, theirs, grads.1);
        }
        (values(&ours), values(&theirs))
    }

    fn assert_close(ours: &[f32], theirs: &[f32]) {
        let start = values(&pair(&Device::flex()));
        for (i, ((&o, &t), &s)) in ours.iter().zip(theirs).zip(&start).enumerate() {
            assert!((o - t).abs() <= 1e-6, "element {i}: ours {o}, burn's {t}");
            assert!((o - s).abs() > 1e-4, "element {i} did not move from {s}");
        }
    }

    #[test]
    fn adam_matches_burns_adam() {
        let burn = burn::optim::AdamConfig::new().with_epsilon(1e-8).init();
        let (ours, theirs) = against_burn(Rule::Adam, burn, |_| true);
        assert_close(&ours, &theirs);
    }

    #[test]
    fn sgd_with_and_without_momentum_matches_burns_sgd() {
        use burn::optim::momentum::MomentumConfig;
        for momentum in [0.0, 0.9] {
            let burn = burn::optim::SgdConfig::new()
                .with_momentum((momentum > 0.0).then(|| {
                    MomentumConfig::new()
                        .with_momentum(momentum)
                        .with_dampening(0.0)
                }))
                .init();
            let (ours, theirs) = against_burn(Rule::Sgd { momentum }, burn, |_| true);
            assert_close(&ours, &theirs);
        }
    }

    /// A parameter without a gradient keeps its value and its state, and its step count: when
    /// it comes back its bias correction is its own (burn's Adam counts steps per parameter).
    #[test]
    fn a_parameter_missing_gradients_keeps_its_own_adam_state() {
        let burn = burn::optim::AdamConfig::new().with_epsilon(1e-8).init();
        let (ours, theirs) = against_burn(Rule::Adam, burn, |step| step != 1 && step != 2);
        assert_close(&ours, &theirs);
        let burn = burn::optim::AdamConfig::new().with_epsilon(1e-8).init();
        let (ours, theirs) = against_burn(Rule::Adam, burn, |step| step >= 3);
        assert_close(&ours, &theirs);
    }

    /// Two stacked runs with rates 0.1 and 0.01: plain SGD moves run r's rows by its rate
    /// times the gradient (hand-computed), whatever the parameter's shape.
    #[test]
    fn stacked_runs_take_their_own_learning_rate() {
        let device = Device::flex().autodiff();
        let mut flat = FlatOptimizer::new(
            Rule::Sgd { momentum: 0.0 },
            Rates::per_run(vec![0.1, 0.01]),
            &Device::flex(),
        );
        let model = Pair {
            a: Param::from_tensor(Tensor::zeros([4, 3], &device)),
            b: Param::from_tensor(Tensor::zeros([2, 2, 2], &device)),
        };
        // d/dθ Σ θ·c = c: a's gradient is 1 everywhere, b's is 2.
        let loss = model.a.val().sum() + model.b.val().mul_scalar(2.0).sum();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        let model = flat.step(model, grads);
        let a = model.a.val().into_data().try_to_vec::<f32>().unwrap();
        let b = model.b.val().into_data().try_to_vec::<f32>().unwrap();
        // a: rows 0–1 are run 0, rows 2–3 run 1; b: its first block is run 0.
        let expected_a = [[-0.1f32; 6], [-0.01; 6]].concat();
        let expected_b = [[-0.2f32; 4], [-0.02; 4]].concat();
        for (got, want) in a.iter().chain(&b).zip(expected_a.iter().chain(&expected_b)) {
            assert!((got - want).abs() < 1e-7, "{got} != {want}");
        }
    }
}
