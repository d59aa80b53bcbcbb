//! Splits uploaded to the device once, and the seeded batch order.

use crate::data::{Split, TaskSpec};
use crate::loss::TaskTargets;
use crate::rng::Rng;
use burn::prelude::*;

/// A split living on the device: features, all tasks' targets side by side, and the masks.
#[derive(Debug, Clone)]
pub(crate) struct DeviceSplit {
    features: Tensor<2>,
    /// `[rows, Σ dims]`, task k in columns `offsets[k]..offsets[k] + dim_k`.
    targets: Tensor<2>,
    /// `[rows, tasks]`, only when some task has a mask.
    masks: Option<Tensor<2>>,
    offsets: Vec<usize>,
    dims: Vec<usize>,
    has_mask: Vec<bool>,
    rows: usize,
}

/// One batch: features and each task's targets.
#[derive(Debug, Clone)]
pub(crate) struct Batch {
    /// `[batch, input]`.
    pub x: Tensor<2>,
    /// One per task.
    pub targets: Vec<TaskTargets>,
}

impl DeviceSplit {
    pub fn upload(split: &Split, tasks: &[TaskSpec], input_dim: usize, device: &Device) -> Self {
        let rows = split.rows(input_dim);
        let width: usize = tasks.iter().map(|t| t.dim).sum();
        let mut targets = Vec::with_capacity(rows * width);
        for row in 0..rows {
            for (task, spec) in tasks.iter().enumerate() {
                targets
                    .extend_from_slice(&split.targets[task][row * spec.dim..(row + 1) * spec.dim]);
            }
        }
        let has_mask: Vec<bool> = split.masks.iter().map(Option::is_some).collect();
        let masks = has_mask.iter().any(|&m| m).then(|| {
            let mut values = Vec::with_capacity(rows * tasks.len());
            for row in 0..rows {
                for mask in &split.masks {
                    values.push(mask.as_ref().map_or(1.0, |m| m[row]));
                }
            }
            Tensor::from_data(TensorData::new(values, [rows, tasks.len()]), device)
        });
        let dims: Vec<usize> = tasks.iter().map(|t| t.dim).collect();
        let offsets = dims
            .iter()
            .scan(0, |offset, dim| {
                let start = *offset;
                *offset += dim;
                Some(start)
            })
            .collect();
        Self {
            features: Tensor::from_data(
                TensorData::new(split.features.clone(), [rows, input_dim]),
                device,
            ),
            targets: Tensor::from_data(TensorData::new(targets, [rows, width]), device),
            masks,
            offsets,
            dims,
            has_mask,
            rows,
        }
    }

    /// Every split's rows, one split after another, joined on the device (no upload). The
    /// splits share their tasks.
    pub fn concat(splits: &[&DeviceSplit]) -> Self {
        let first = splits[0];
        let masks = splits.iter().any(|s| s.masks.is_some()).then(|| {
            Tensor::cat(
                splits
                    .iter()
                    .map(|s| {
                        s.masks.clone().unwrap_or_else(|| {
                            Tensor::ones([s.rows, first.dims.len()], &s.features.device())
                        })
                    })
                    .collect(),
                0,
            )
        });
        Self {
            features: Tensor::cat(splits.iter().map(|s| s.features.clone()).collect(), 0),
            targets: Tensor::cat(splits.iter().map(|s| s.targets.clone()).collect(), 0),
            masks,
            offsets: first.offsets.clone(),
            dims: first.dims.clone(),
            has_mask: (0..first.dims.len())
                .map(|task| splits.iter().any(|s| s.has_mask[task]))
                .collect(),
            rows: splits.iter().map(|s| s.rows).sum(),
        }
    }

    /// Rows `start .. start + rows` (a slice of the same tensors).
    pub fn rows_from(&self, start: usize, rows: usize) -> Self {
        Self {
            features: self.features.clone().narrow(0, start, rows),
            targets: self.targets.clone().narrow(0, start, rows),
            masks: self.masks.clone().map(|m| m.narrow(0, start, rows)),
            rows,
            ..self.clone()
        }
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The rows at `indices`.
    pub fn batch(&self, indices: &[usize]) -> Batch {
        let device = self.features.device();
        let count = indices.len();
        let indices: Vec<i64> = indices.iter().map(|&i| i as i64).collect();
        let indices = Tensor::<1, Int>::from_data(TensorData::new(indices, [count]), &device);
        self.assemble(
            self.features.clone().select(0, indices.clone()),
            self.targets.clone().select(0, indices.clone()),
            self.masks.clone().map(|m| m.select(0, indices)),
        )
    }

    /// Every row, in order.
    pub fn all(&self) -> Batch {
        self.assemble(
            self.features.clone(),
            self.targets.clone(),
            self.masks.clone(),
        )
    }

    fn assemble(&self, x: Tensor<2>, targets: Tensor<2>, masks: Option<Tensor<2>>) -> Batch {
        let targets = (0..self.dims.len())
            .map(|task| TaskTargets {
                labels: targets
                    .clone()
                    .narrow(1, self.offsets[task], self.dims[task]),
                mask: match (&masks, self.has_mask[task]) {
                    (Some(masks), true) => Some(masks.clone().narrow(1, task, 1)),
                    _ => None,
                },
                row_weights: None,
            })
            .collect();
        Batch { x, targets }
    }
}

/// Shuffled passes over the training rows: each epoch visits every row at most once, in an
/// order drawn from the run's seed; a final partial batch is dropped.
#[derive(Debug, Clone)]
pub(crate) struct BatchOrder {
    rng: Rng,
    order: Vec<usize>,
    position: usize,
}

impl BatchOrder {
    pub fn new(rows: usize, seed: u64) -> Self {
        let mut rng = Rng::fork(seed, "batches");
        let mut order: Vec<usize> = (0..rows).collect();
        rng.shuffle(&mut order);
        Self {
            rng,
            order,
            position: 0,
        }
    }

    /// The next batch's row indices, and whether this batch ends an epoch.
    pub fn next(&mut self, batch_size: usize) -> (Vec<usize>, bool) {
        let size = batch_size.min(self.order.len());
        let indices = self.order[self.position..self.position + size].to_vec();
        self.position += size;
        let epoch_ended = self.position + size > self.order.len();
        if epoch_ended {
            self.rng.shuffle(&mut self.order);
            self.position = 0;
        }
        (indices, epoch_ended)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_epoch_visits_distinct_rows_and_is_seeded() {
        let mut order = BatchOrder::new(10, 1);
        let (first, end1) = order.next(4);
        let (second, end2) = order.next(4);
        assert!(
            !end1 && end2,
            "10 rows, batch 4: the second batch ends the epoch"
        );
        let mut seen: Vec<usize> = first.iter().chain(&second).copied().collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 8);
        let mut again = BatchOrder::new(10, 1);
        assert_eq!(again.next(4).0, first);
    }
}
