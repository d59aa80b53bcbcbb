//! Gradient aggregation as pure functions: given the task gradients (the rows of a T×P
//! Jacobian, or only their Gram matrix G = J·Jᵀ), return the per-task weights w and the update
//! direction d = Σ_k w_k·g_k (a gradient to descend). Testable without any model; the
//! `seesaw aggregate` command and the trainer's methods both call them.
//!
//! Every Gram-based method needs only the `tasks × tasks` Gram matrix, so in training it reads
//! back T² numbers per step, never the P-dimensional gradients.

// The solvers write `!(x > y)` on purpose: it is true for NaN too, which is how they reject
// non-finite values without a separate check.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

mod aligned;
mod cagrad;
mod dualproj;
mod gradvac;
mod imtl;
mod nash;
mod nonneg_qp;
mod pe_ltr;
mod upgrad;

pub use aligned::aligned_weights;
pub use dualproj::dualproj_weights;
pub use nash::nash_weights;
pub use nonneg_qp::min_quadratic_above;
pub use pe_ltr::pe_ltr_weights;
pub use upgrad::upgrad_weights;

pub mod linalg;
mod mgda;
mod pcgrad;

pub use cagrad::{CAGRAD_C, cagrad_weights};
pub use gradvac::{GRADVAC_BETA, GradVac};
pub use imtl::imtl_g_weights;
pub use mgda::{min_norm_two, min_norm_weights};
pub use pcgrad::{pcgrad_projections, pcgrad_weights};

/// A symmetric `tasks × tasks` matrix of inner products between task gradients.
#[derive(Debug, Clone, PartialEq)]
pub struct Gram {
    tasks: usize,
    values: Vec<f64>,
}

impl Gram {
    /// From row-major values (`tasks²` of them).
    ///
    /// # Panics
    /// When the length is not a square.
    pub fn from_row_major(values: Vec<f64>) -> Self {
        let tasks = (values.len() as f64).sqrt().round() as usize;
        assert_eq!(tasks * tasks, values.len(), "a Gram matrix is square");
        Self { tasks, values }
    }

    /// G = J·Jᵀ of the given gradient rows.
    pub fn of(rows: &[Vec<f64>]) -> Self {
        let tasks = rows.len();
        let mut values = vec![0.0; tasks * tasks];
        for i in 0..tasks {
            for j in i..tasks {
                let dot = dot(&rows[i], &rows[j]);
                values[i * tasks + j] = dot;
                values[j * tasks + i] = dot;
            }
        }
        Self { tasks, values }
    }

    /// Number of tasks.
    pub fn tasks(&self) -> usize {
        self.tasks
    }

    /// ⟨g_i, g_j⟩.
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.values[i * self.tasks + j]
    }

    /// The Gram matrix of the rescaled gradients f_k·g_k: entries f_i·f_j·G_ij.
    pub fn scaled(&self, factors: &[f64]) -> Gram {
        let tasks = self.tasks;
        Gram {
            tasks,
            values: (0..tasks * tasks)
                .map(|i| factors[i / tasks] * factors[i % tasks] * self.values[i])
                .collect(),
        }
    }

    /// Row-major entries.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// ||Σ_k w_k g_k||² = wᵀGw.
    pub fn quadratic(&self, weights: &[f64]) -> f64 {
        let gw = self.times(weights);
        dot(weights, &gw)
    }

    /// G·w.
    pub fn times(&self, weights: &[f64]) -> Vec<f64> {
        (0..self.tasks)
            .map(|i| (0..self.tasks).map(|j| self.get(i, j) * weights[j]).sum())
            .collect()
    }
}

/// Weights and direction of one aggregation.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregation {
    /// The update direction (a gradient: the trainer descends along it), length P.
    pub direction: Vec<f64>,
    /// The per-task weights, length T; `direction = Σ_k weights_k · g_k` for every method
    /// whose direction is a combination of the task gradients.
    pub weights: Vec<f64>,
}

/// Σ_k w_k·g_k.
pub fn combine(rows: &[Vec<f64>], weights: &[f64]) -> Vec<f64> {
    let width = rows.first().map_or(0, Vec::len);
    let mut direction = vec![0.0; width];
    for (row, &weight) in rows.iter().zip(weights) {
        for (d, g) in direction.iter_mut().zip(row) {
            *d += weight * g;
        }
    }
    direction
}

/// ⟨a, b⟩.
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    /// Checks that no convex combination on a fine grid (two or three tasks) is shorter than
    /// `weights`' combination by more than `slack`.
    pub fn assert_min_norm(gram: &Gram, weights: &[f64], slack: f64) {
        let best = gram.quadratic(weights);
        let steps = 200;
        for a in 0..=steps {
            let a = a as f64 / steps as f64;
            if gram.tasks() == 2 {
                assert!(gram.quadratic(&[a, 1.0 - a]) >= best - slack);
            } else {
                for b in 0..=steps {
                    let b = b as f64 / steps as f64;
                    if a + b <= 1.0 {
                        assert!(gram.quadratic(&[a, b, 1.0 - a - b]) >= best - slack);
                    }
                }
            }
        }
    }
}
