//! Shared plumbing of the Gram-based gradient methods: which Gram matrix, uploading weights,
//! and the [`GramRule`] adapter.

use super::{Needs, StepSignals, Update, Weighting, aggregate};
use burn::prelude::*;

/// Which Gram matrix a host-reading gradient method works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GramSource {
    /// Of the gradients with respect to the shared representation.
    Representation,
    /// Of the gradients with respect to the shared parameters.
    SharedParameters,
}

impl GramSource {
    /// What the trainer must compute for this source.
    pub fn needs(self) -> Needs {
        match self {
            GramSource::Representation => Needs::RepresentationGradients,
            GramSource::SharedParameters => Needs::SharedGradients,
        }
    }

    /// The host Gram matrix and losses from `signals` (the method asked for them).
    pub fn read(self, signals: &StepSignals) -> (aggregate::Gram, &[f64]) {
        let host = signals
            .host
            .as_ref()
            .expect("a Gram-based method sets `reads_host`");
        let gram = match self {
            GramSource::Representation => &host.representation_gram,
            GramSource::SharedParameters => &host.shared_gram,
        };
        let gram = gram
            .as_ref()
            .expect("the trainer computes what `needs` asks");
        (aggregate::Gram::from_row_major(gram.clone()), &host.losses)
    }
}

/// A gradient method whose shared parameters descend Σ_k w_k·g_k with weights that depend only
/// on the Gram matrix of the shared-parameter gradients (PCGrad, CAGrad, Nash-MTL, ...).
/// Wrapped in [`OnSharedGram`] it is a [`Weighting`]: it needs the shared-parameter gradients,
/// reads their T×T Gram matrix back each step, and lets each task's own parameters descend their
/// own gradient (as the papers' algorithms do).
pub trait GramRule {
    /// This step's weights of the task gradients.
    fn weights(&mut self, gram: &aggregate::Gram) -> Vec<f64>;
}

/// A [`GramRule`] as a [`Weighting`].
#[derive(Debug, Clone)]
pub struct OnSharedGram<R>(pub R);

impl<R: GramRule> Weighting for OnSharedGram<R> {
    fn needs(&self) -> Needs {
        Needs::SharedGradients
    }

    fn reads_host(&self) -> bool {
        true
    }

    fn update(&mut self, signals: &StepSignals) -> Update {
        let (gram, _) = GramSource::SharedParameters.read(signals);
        shared_weights(&self.0.weights(&gram), &signals.device)
    }
}

/// `values` as a `[n]` tensor on `device`.
pub(crate) fn upload(values: &[f64], device: &Device) -> Tensor<1> {
    let values: Vec<f32> = values.iter().map(|&v| v as f32).collect();
    let count = values.len();
    Tensor::from_data(TensorData::new(values, [count]), device)
}

/// The shared parameters on Σ_k w_k·∇L_k, each task's own parameters on its own gradient.
pub(crate) fn shared_weights(weights: &[f64], device: &Device) -> Update {
    Update::SharedWeights {
        weights: upload(weights, device),
        heads: Tensor::ones([weights.len()], device),
    }
}
