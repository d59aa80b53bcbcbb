//! UPGrad, the Unconflicting Projection of Gradients: each task gradient is projected onto
//! the dual cone of all task gradients, and the projections are averaged.
//!
//! Quinton & Rey, "Jacobian Descent for Multi-Objective Optimization", arXiv 2406.16232, 2024
//! (Proposition 1 gives the projection's dual; the `torchjd` library's `UPGrad` aggregator).
//!
//! For each task i, λ^(i) = argmin_{λ ≥ e_i} λᵀGλ, so that Σ_k λ^(i)_k·g_k is the projection of
//! g_i onto {x : ⟨x, g_k⟩ ≥ 0 ∀k}; the weights are w = (1/T)·Σ_i λ^(i) (torchjd's default
//! preference, the mean). The direction therefore conflicts with no task (⟨d, g_k⟩ ≥ 0), and
//! equals the mean gradient when no two gradients conflict.
//!
//! Hyperparameters: only the solver's, `iterations` (default 10 000 sweeps) and `tolerance`
//! (default 1e-13), see [`min_quadratic_above`]. Scale: that of the mean gradient; a projection
//! onto a convex cone is no longer than what it projects, so ||d|| ≤ (1/T)·Σ_i ||g_i||, and
//! scaling every gradient by c > 0 scales d by c (the weights are unchanged).
//!
//! Deviation from torchjd: it divides G by its trace and adds 1e-4·I before solving
//! (`norm_eps`, `reg_eps`, to keep its QP solver `quadprog` working on a G that rounding left
//! slightly indefinite), a ridge of 1e-4 of the trace that moves its weights slightly;
//! coordinate descent needs neither, so this solves the paper's problem on G itself.

use super::Gram;
use super::nonneg_qp::min_quadratic_above;

/// UPGrad's per-task weights from the Gram matrix: the mean over tasks i of
/// argmin_{λ ≥ e_i} λᵀGλ, each solved by [`min_quadratic_above`] with `iterations` and
/// `tolerance`. Every weight is at least 1/T.
///
/// Degenerate input: T = 0 gives an empty vector, T = 1 gives `[1.0]` (the single gradient),
/// zero gradients get weight 1/T (their λ stays at its bound; they add nothing).
pub fn upgrad_weights(gram: &Gram, iterations: usize, tolerance: f64) -> Vec<f64> {
    let tasks = gram.tasks();
    let mut weights = vec![0.0; tasks];
    for i in 0..tasks {
        let mut lower = vec![0.0; tasks];
        lower[i] = 1.0;
        let lambda = min_quadratic_above(gram, &lower, iterations, tolerance);
        for (w, l) in weights.iter_mut().zip(&lambda) {
            *w += l;
        }
    }
    let scale = 1.0 / tasks.max(1) as f64;
    weights.iter().map(|w| w * scale).collect()
}

#[cfg(test)]
mod tests {
    use super::super::nonneg_qp::random_conflicting_rows;
    use super::super::{Gram, combine, dot};
    use super::*;
    use crate::rng::Rng;

    const ITERATIONS: usize = 10_000;
    const TOLERANCE: f64 = 1e-13;

    #[test]
    fn two_tasks_by_hand() {
        // g1 = (1, 0), g2 = (−1, 1) conflict (⟨g1, g2⟩ = −1).
        // Projecting g1 onto ⟨x, g2⟩ ≥ 0: g1 + ½g2 = (½, ½), so λ^(1) = (1, ½);
        // projecting g2 onto ⟨x, g1⟩ ≥ 0: g2 + g1 = (0, 1), so λ^(2) = (1, 1).
        // Mean: w = (1, ¾), direction (¼, ¾) with ⟨d, g1⟩ = ¼ and ⟨d, g2⟩ = ½.
        let rows = vec![vec![1.0, 0.0], vec![-1.0, 1.0]];
        let weights = upgrad_weights(&Gram::of(&rows), ITERATIONS, TOLERANCE);
        assert!((weights[0] - 1.0).abs() < 1e-12, "{weights:?}");
        assert!((weights[1] - 0.75).abs() < 1e-12, "{weights:?}");
        let direction = combine(&rows, &weights);
        assert!((direction[0] - 0.25).abs() < 1e-12 && (direction[1] - 0.75).abs() < 1e-12);
    }

    #[test]
    fn never_conflicts_with_a_task() {
        let mut rng = Rng::new(11);
        let mut mean_conflicted = 0;
        for trial in 0..120 {
            let tasks = 3 + trial % 2;
            // Wide Jacobians (full-rank G) and narrow ones (4 gradients in the plane).
            let width = [2, 3, 6][trial % 3];
            let rows = random_conflicting_rows(&mut rng, tasks, width);
            let gram = Gram::of(&rows);
            let mean = gram.times(&vec![1.0 / tasks as f64; tasks]);
            if mean.iter().any(|m| *m < 0.0) {
                mean_conflicted += 1;
            }
            let weights = upgrad_weights(&gram, ITERATIONS, TOLERANCE);
            assert!(weights.iter().all(|w| *w >= 1.0 / tasks as f64));
            // ⟨d, g_k⟩ = (Gw)_k, checked on the gradients themselves too.
            let direction = combine(&rows, &weights);
            for (k, row) in rows.iter().enumerate() {
                let alignment = dot(&direction, row);
                assert!(
                    alignment >= -1e-9,
                    "trial {trial}: ⟨d, g_{k}⟩ = {alignment}"
                );
                assert!((alignment - gram.times(&weights)[k]).abs() < 1e-9);
            }
        }
        // The mean gradient itself conflicted with some task often enough to matter.
        assert!(mean_conflicted > 20, "{mean_conflicted}");
    }

    #[test]
    fn non_conflicting_gradients_give_the_mean() {
        let rows = vec![
            vec![1.0, 0.0, 0.5],
            vec![0.0, 2.0, 0.0],
            vec![0.3, 0.1, 1.0],
        ];
        let gram = Gram::of(&rows);
        assert_eq!(
            upgrad_weights(&gram, ITERATIONS, TOLERANCE),
            vec![1.0 / 3.0; 3]
        );
    }

    #[test]
    fn degenerate_inputs() {
        assert!(upgrad_weights(&Gram::of(&[]), ITERATIONS, TOLERANCE).is_empty());
        let single = Gram::of(&[vec![3.0, -4.0]]);
        assert_eq!(upgrad_weights(&single, ITERATIONS, TOLERANCE), vec![1.0]);
        let zero = Gram::of(&[vec![0.0; 2], vec![0.0; 2]]);
        assert_eq!(upgrad_weights(&zero, ITERATIONS, TOLERANCE), vec![0.5, 0.5]);
        // Opposite gradients: both projections are 0, the direction vanishes.
        let rows = vec![vec![1.0, 2.0], vec![-1.0, -2.0]];
        let weights = upgrad_weights(&Gram::of(&rows), ITERATIONS, TOLERANCE);
        assert!(combine(&rows, &weights).iter().all(|d| d.abs() < 1e-12));
    }
}
