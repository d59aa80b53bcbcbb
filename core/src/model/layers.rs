//! Building blocks shared by the architectures.
//!
//! Everything that comes in several copies (experts, gates, towers, per-task columns) is one
//! [`GroupedMlp`]: the copies' weights live in one 3-D tensor per layer and run as one batched
//! matmul, so a layer of E experts costs one kernel launch, not E (on WebGPU each launch costs
//! tens of microseconds).

use crate::rng::Rng;
use burn::module::Param;
use burn::prelude::*;
use burn::tensor::activation::relu;

/// A parameter drawn on the host from U(−1/√fan_in, 1/√fan_in), PyTorch's default for linear
/// layers. Drawing on the host (not with the backend's generator) makes the initial weights
/// identical on every backend and target for one seed.
pub(crate) fn uniform_param<const D: usize>(
    rng: &mut Rng,
    shape: [usize; D],
    fan_in: usize,
    device: &Device,
) -> Param<Tensor<D>> {
    let bound = 1.0 / (fan_in.max(1) as f64).sqrt();
    let count: usize = shape.iter().product();
    let values: Vec<f32> = (0..count)
        .map(|_| rng.uniform_in(-bound, bound) as f32)
        .collect();
    Param::from_tensor(Tensor::from_data(TensorData::new(values, shape), device))
}

/// `groups × nets` independent MLPs with identical layer widths. Each group has its own input;
/// the `nets` of a group share it. ReLU between layers; after the last layer only when
/// `activate_output` (experts and bottoms: yes; towers and gates, which output logits: no).
#[derive(Module, Debug)]
pub struct GroupedMlp {
    /// First layer, `[groups, in, nets · width₁]`: all nets of a group in one matmul.
    first_weight: Param<Tensor<3>>,
    /// `[groups, 1, nets · width₁]`.
    first_bias: Param<Tensor<3>>,
    /// Later layers, `[groups · nets, widthᵢ, widthᵢ₊₁]`.
    weights: Vec<Param<Tensor<3>>>,
    /// `[groups · nets, 1, widthᵢ₊₁]`.
    biases: Vec<Param<Tensor<3>>>,
    groups: usize,
    nets: usize,
    activate_output: bool,
}

impl GroupedMlp {
    /// One tower per task: `tasks` groups of one net each, from the task's `input` features
    /// through `hidden` widths to `output` logits (no activation after the last layer).
    pub fn towers(
        tasks: usize,
        input: usize,
        hidden: &[usize],
        output: usize,
        rng: &mut Rng,
        device: &Device,
    ) -> Self {
        Self::new(
            tasks,
            1,
            &super::widths(input, hidden, output),
            false,
            rng,
            device,
        )
    }

    /// `widths` = `[input, hidden…, output]` (at least two entries).
    pub fn new(
        groups: usize,
        nets: usize,
        widths: &[usize],
        activate_output: bool,
        rng: &mut Rng,
        device: &Device,
    ) -> Self {
        assert!(
            widths.len() >= 2,
            "an MLP needs an input and an output width"
        );
        let (input, first) = (widths[0], widths[1]);
        let first_weight = uniform_param(rng, [groups, input, nets * first], input, device);
        let first_bias = uniform_param(rng, [groups, 1, nets * first], input, device);
        let mut weights = Vec::new();
        let mut biases = Vec::new();
        for pair in widths[1..].windows(2) {
            weights.push(uniform_param(
                rng,
                [groups * nets, pair[0], pair[1]],
                pair[0],
                device,
            ));
            biases.push(uniform_param(
                rng,
                [groups * nets, 1, pair[1]],
                pair[0],
                device,
            ));
        }
        Self {
            first_weight,
            first_bias,
            weights,
            biases,
            groups,
            nets,
            activate_output,
        }
    }

    /// Number of groups.
    pub fn groups(&self) -> usize {
        self.groups
    }

    /// `parts` (same widths) as one net with their groups one after another: part `r`'s
    /// groups become groups `r·g .. (r+1)·g`. Every parameter's leading dimension is
    /// group-major, so stacking is a concatenation along it and one batched matmul serves every
    /// part ([`crate::train::ParallelTrainer`] stacks runs this way).
    pub(crate) fn stack(parts: Vec<Self>) -> Self {
        let first = &parts[0];
        let (groups, nets, activate_output) = (first.groups, first.nets, first.activate_output);
        assert!(
            parts
                .iter()
                .all(|p| p.nets == nets && p.weights.len() == first.weights.len()),
            "stacked nets must have the same shape"
        );
        let cat = |pick: &dyn Fn(&Self) -> Tensor<3>| {
            let values: Vec<Tensor<3>> = parts.iter().map(pick).collect();
            Param::from_tensor(Tensor::cat(values, 0).detach().require_grad())
        };
        let layers = first.weights.len();
        Self {
            first_weight: cat(&|p| p.first_weight.val()),
            first_bias: cat(&|p| p.first_bias.val()),
            weights: (0..layers).map(|i| cat(&|p| p.weights[i].val())).collect(),
            biases: (0..layers).map(|i| cat(&|p| p.biases[i].val())).collect(),
            groups: groups * parts.len(),
            nets,
            activate_output,
        }
    }

    /// The inverse of [`GroupedMlp::stack`]: `parts` nets of `groups / parts` groups each.
    pub(crate) fn unstack(&self, parts: usize) -> Vec<Self> {
        let groups = self.groups / parts;
        let slice = |param: &Param<Tensor<3>>, part: usize| {
            let size = param.val().dims()[0] / parts;
            let value = param.val().narrow(0, part * size, size);
            Param::from_tensor(value.detach().require_grad())
        };
        (0..parts)
            .map(|part| Self {
                first_weight: slice(&self.first_weight, part),
                first_bias: slice(&self.first_bias, part),
                weights: self.weights.iter().map(|w| slice(w, part)).collect(),
                biases: self.biases.iter().map(|b| slice(b, part)).collect(),
                groups,
                nets: self.nets,
                activate_output: self.activate_output,
            })
            .collect()
    }

    /// Runs every net. An input with one group is every group's input: the first layer's
    /// batched matmul broadcasts it (no copy).
    ///
    /// # Shapes
    /// - `input`: `[groups, batch, in]` or `[1, batch, in]`
    /// - output: `[groups, nets, batch, out]`
    pub fn forward(&self, input: Tensor<3>) -> Tensor<4> {
        let [inputs, batch, _] = input.dims();
        let groups = self.groups;
        assert!(
            inputs == groups || inputs == 1,
            "{inputs} inputs for {groups} groups"
        );
        let layers = self.weights.len() + 1;
        let mut hidden = input.matmul(self.first_weight.val()) + self.first_bias.val();
        if layers > 1 || self.activate_output {
            hidden = relu(hidden);
        }
        let width = hidden.dims()[2] / self.nets;
        if self.weights.is_empty() {
            // One layer: the nets' columns side by side. The nets-major result is a view of
            // them (no copy); a caller that wants them batch-major swaps back for free
            // ([`side_by_side`], [`mix`]).
            return hidden
                .reshape([groups, batch, self.nets, width])
                .swap_dims(1, 2);
        }
        let mut hidden = if self.nets == 1 {
            hidden
        } else {
            hidden
                .reshape([groups, batch, self.nets, width])
                .swap_dims(1, 2)
                .reshape([groups * self.nets, batch, width])
        };
        for (index, (weight, bias)) in self.weights.iter().zip(&self.biases).enumerate() {
            hidden = hidden.matmul(weight.val()) + bias.val();
            if index + 2 < layers || self.activate_output {
                hidden = relu(hidden);
            }
        }
        let out = hidden.dims()[2];
        hidden.reshape([groups, self.nets, batch, out])
    }

    /// Runs every net on one input shared by all groups.
    ///
    /// # Shapes
    /// - `input`: `[batch, in]`
    /// - output: `[groups, nets, batch, out]`
    pub fn forward_shared(&self, input: Tensor<2>) -> Tensor<4> {
        self.forward(input.unsqueeze_dim(0))
    }
}

/// Mixes candidate experts with softmax gate weights.
///
/// The experts come batch-major, the layout of one layer's nets side by side, so the product,
/// the sum and their gradients run on contiguous memory (a nets-major view swapped back with
/// `swap_dims(1, 2)` is contiguous again).
///
/// One group of experts may serve several consecutive groups of gates, which the product
/// broadcasts it over: MMoE's experts serve every task's gate (one expert group), stacked MMoE
/// runs serve each run's tasks (one expert group per run).
///
/// # Shapes
/// - `experts`: `[expert_groups, batch, candidates, hidden]`, `expert_groups` dividing `groups`
/// - `gates`: `[groups, batch, candidates]` (rows sum to 1); gate group g reads expert group
///   `g / (groups / expert_groups)`
/// - output: `[groups, batch, hidden]`
pub fn mix(experts: Tensor<4>, gates: Tensor<3>) -> Tensor<3> {
    let [groups, batch, candidates] = gates.dims();
    let [expert_groups, _, _, hidden] = experts.dims();
    assert_eq!(
        groups % expert_groups,
        0,
        "{expert_groups} expert groups for {groups} gate groups"
    );
    if expert_groups == groups {
        // Each gate group its own expert group: the 4-D product, which flex runs in fewer
        // instructions than the 5-D one below (PLE's step: 1.7% fewer; MMoE's shared experts
        // are 0.9% cheaper in the 5-D form).
        return (experts * gates.unsqueeze_dim::<4>(3))
            .sum_dim(2)
            .reshape([groups, batch, hidden]);
    }
    let gates = gates.reshape([expert_groups, groups / expert_groups, batch, candidates, 1]);
    (experts.unsqueeze_dim::<5>(1) * gates)
        .sum_dim(3)
        .reshape([groups, batch, hidden])
}

/// One group's nets side by side: `[1, nets, batch, width]` → `[batch, nets · width]` (net n
/// in columns `n · width ..`). Free for a one-layer [`GroupedMlp`]'s output, which is a view
/// of exactly that.
pub fn side_by_side(nets: Tensor<4>) -> Tensor<2> {
    let [groups, count, batch, width] = nets.dims();
    assert_eq!(groups, 1, "one group");
    nets.swap_dims(1, 2).reshape([batch, count * width])
}

/// Softmax gate weights from gate logits, one gate per `(group, net)`.
///
/// # Shapes
/// - `logits`: `[groups, nets, batch, candidates]`
/// - output: `[groups · nets, batch, candidates]`
pub fn gate_weights(logits: Tensor<4>) -> Tensor<3> {
    let [groups, nets, batch, candidates] = logits.dims();
    burn::tensor::activation::softmax(logits.reshape([groups * nets, batch, candidates]), 2)
}

/// Widths of a gate: `input → gate_units × depth → candidates` (depth 0 is the papers' linear
/// softmax gate).
pub fn gate_widths(input: usize, depth: usize, units: usize, candidates: usize) -> Vec<usize> {
    let mut widths = vec![input];
    widths.extend(std::iter::repeat_n(units, depth));
    widths.push(candidates);
    widths
}

/// `[groups, batch, width]` → `[batch, groups · width]` (the representation layout).
pub fn flatten_groups(tensor: Tensor<3>) -> Tensor<2> {
    let [groups, batch, width] = tensor.dims();
    tensor.swap_dims(0, 1).reshape([batch, groups * width])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouped_mlp_matches_separate_nets() {
        let device = Device::flex();
        let mut rng = Rng::new(1);
        let mlp = GroupedMlp::new(2, 3, &[4, 5, 2], false, &mut rng, &device);
        let input = Tensor::<3>::random([2, 6, 4], burn::tensor::Distribution::Default, &device);
        let out = mlp.forward(input.clone());
        assert_eq!(out.dims(), [2, 3, 6, 2]);
        // Net (group 1, net 2) computed by hand from its slices of the weights.
        let (g, n) = (1, 2);
        let w1 = mlp
            .first_weight
            .val()
            .narrow(0, g, 1)
            .reshape([4, 15])
            .narrow(1, n * 5, 5);
        let b1 = mlp
            .first_bias
            .val()
            .narrow(0, g, 1)
            .reshape([1, 15])
            .narrow(1, n * 5, 5);
        let x = input.narrow(0, g, 1).reshape([6, 4]);
        let h = relu(x.matmul(w1) + b1);
        let w2 = mlp.weights[0].val().narrow(0, g * 3 + n, 1).reshape([5, 2]);
        let b2 = mlp.biases[0].val().narrow(0, g * 3 + n, 1).reshape([1, 2]);
        let expected = h.matmul(w2) + b2;
        let got = out.narrow(0, g, 1).narrow(1, n, 1).reshape([6, 2]);
        let diff: f32 = (got - expected).abs().max().into_scalar();
        assert!(diff < 1e-5, "max difference {diff}");
    }

    #[test]
    fn mix_weights_experts() {
        let device = Device::flex();
        // One group, batch 2, two experts, hidden 2 (batch-major): row 0 has experts (1, 2)
        // and (3, 4) with gate (0.25, 0.75); row 1 has (5, 6) and (7, 8) with gate (0.5, 0.5).
        let experts = Tensor::<4>::from_data(
            TensorData::new(
                vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
                [1, 2, 2, 2],
            ),
            &device,
        );
        let gates = Tensor::<3>::from_data(
            TensorData::new(vec![0.25f32, 0.75, 0.5, 0.5], [1, 2, 2]),
            &device,
        );
        let mixed: Vec<f32> = mix(experts.clone(), gates.clone())
            .into_data()
            .try_to_vec()
            .unwrap();
        assert_eq!(mixed, vec![2.5, 3.5, 6.0, 7.0]);
        // The same experts under two gate groups: the second gate (0.75, 0.25), (1, 0).
        let second = Tensor::<3>::from_data(
            TensorData::new(vec![0.75f32, 0.25, 1.0, 0.0], [1, 2, 2]),
            &device,
        );
        let both: Vec<f32> = mix(experts.clone(), Tensor::cat(vec![gates, second.clone()], 0))
            .into_data()
            .try_to_vec()
            .unwrap();
        assert_eq!(both, vec![2.5, 3.5, 6.0, 7.0, 1.5, 2.5, 5.0, 6.0]);
        // Two expert groups (the second doubled), one gate group each.
        let experts = Tensor::cat(vec![experts.clone(), experts * 2.0], 0);
        let each: Vec<f32> = mix(experts, Tensor::cat(vec![second.clone(), second], 0))
            .into_data()
            .try_to_vec()
            .unwrap();
        assert_eq!(each, vec![1.5, 2.5, 5.0, 6.0, 3.0, 5.0, 10.0, 12.0]);
    }
}
