//! DualProj: the mean gradient projected onto the dual cone of the task gradients.
//!
//! Quinton & Rey, "Jacobian Descent for Multi-Objective Optimization", arXiv 2406.16232, 2024
//! (the `torchjd` library's `DualProj` aggregator, their baseline next to UPGrad).
//!
//! Weights λ = argmin_{λ ≥ (1/T)·1} λᵀGλ, so that Σ_k λ_k·g_k is the Euclidean projection of
//! the mean gradient (1/T)·Σ_k g_k onto {x : ⟨x, g_k⟩ ≥ 0 ∀k} (Proposition 1 of the paper).
//! The direction conflicts with no task, and is the mean gradient itself whenever the mean
//! conflicts with no task (in particular when no two gradients conflict). Unlike UPGrad it
//! projects once, so it only corrects the mean where the mean conflicts.
//!
//! Hyperparameters: only the solver's, `iterations` (default 10 000 sweeps) and `tolerance`
//! (default 1e-13), see [`min_quadratic_above`]. Scale: no longer than the mean gradient
//! (a projection onto a convex cone never lengthens), and scaling every gradient by c > 0 scales
//! the direction by c.
//!
//! Deviation from torchjd: as for UPGrad, no trace normalisation and no 1e-4 ridge (torchjd's
//! `norm_eps`, `reg_eps`); coordinate descent solves the problem on G itself.

use super::Gram;
use super::nonneg_qp::min_quadratic_above;

/// DualProj's per-task weights from the Gram matrix: argmin_{λ ≥ 1/T} λᵀGλ, solved by
/// [`min_quadratic_above`] with `iterations` and `tolerance`. Every weight is at least 1/T.
///
/// Degenerate input: T = 0 gives an empty vector, T = 1 gives `[1.0]`, zero gradients keep
/// weight 1/T (they add nothing to the direction).
pub fn dualproj_weights(gram: &Gram, iterations: usize, tolerance: f64) -> Vec<f64> {
    let tasks = gram.tasks();
    let lower = vec![1.0 / tasks.max(1) as f64; tasks];
    min_quadratic_above(gram, &lower, iterations, tolerance)
}

#[cfg(test)]
mod tests {
    use super::super::nonneg_qp::random_conflicting_rows;
    use super::super::upgrad_weights;
    use super::super::{Gram, combine, dot};
    use super::*;
    use crate::rng::Rng;

    const ITERATIONS: usize = 10_000;
    const TOLERANCE: f64 = 1e-13;

    #[test]
    fn two_tasks_by_hand() {
        // g1 = (1, 0), g2 = (−2, 1): the mean (−½, ½) conflicts with g1 (⟨mean, g1⟩ = −½).
        // Projecting onto ⟨x, g1⟩ ≥ 0 adds ½·g1: (0, ½), and ⟨(0, ½), g2⟩ = ½ ≥ 0, so that is
        // the projection onto the cone: λ = (½ + ½, ½) = (1, ½).
        // KKT: Gλ = [[1, −2], [−2, 5]]·(1, ½) = (0, ½): zero where λ is off its bound.
        let rows = vec![vec![1.0, 0.0], vec![-2.0, 1.0]];
        let weights = dualproj_weights(&Gram::of(&rows), ITERATIONS, TOLERANCE);
        assert!((weights[0] - 1.0).abs() < 1e-12, "{weights:?}");
        assert!((weights[1] - 0.5).abs() < 1e-12, "{weights:?}");
        let direction = combine(&rows, &weights);
        assert!(direction[0].abs() < 1e-12 && (direction[1] - 0.5).abs() < 1e-12);
    }

    #[test]
    fn keeps_a_non_conflicting_mean_even_when_tasks_conflict() {
        // g1 = (1, 0), g2 = (−1, 1) conflict, but their mean (0, ½) has ⟨·, g1⟩ = 0 and
        // ⟨·, g2⟩ = ½: DualProj keeps the mean, while UPGrad projects each gradient and gives
        // (1, ¾) (see its test).
        let rows = vec![vec![1.0, 0.0], vec![-1.0, 1.0]];
        let gram = Gram::of(&rows);
        assert_eq!(
            dualproj_weights(&gram, ITERATIONS, TOLERANCE),
            vec![0.5, 0.5]
        );
        let upgrad = upgrad_weights(&gram, ITERATIONS, TOLERANCE);
        assert!((upgrad[1] - 0.75).abs() < 1e-12);
    }

    #[test]
    fn never_conflicts_with_a_task() {
        let mut rng = Rng::new(13);
        let mut corrected = 0;
        for trial in 0..120 {
            let tasks = 3 + trial % 2;
            let width = [2, 3, 6][trial % 3];
            let rows = random_conflicting_rows(&mut rng, tasks, width);
            let gram = Gram::of(&rows);
            let weights = dualproj_weights(&gram, ITERATIONS, TOLERANCE);
            assert!(weights.iter().all(|w| *w >= 1.0 / tasks as f64));
            let direction = combine(&rows, &weights);
            for (k, row) in rows.iter().enumerate() {
                let alignment = dot(&direction, row);
                assert!(
                    alignment >= -1e-9,
                    "trial {trial}: ⟨d, g_{k}⟩ = {alignment}"
                );
            }
            // A mean that conflicts with a task lies outside the cone, so its projection must
            // raise some weight above 1/T; a mean inside the cone is its own projection, and
            // the weights stay exactly at their bound 1/T.
            let mean = gram.times(&vec![1.0 / tasks as f64; tasks]);
            if mean.iter().any(|m| *m < 0.0) {
                corrected += 1;
                assert!(weights.iter().any(|w| *w > 1.0 / tasks as f64 + 1e-9));
            } else {
                assert!(weights.iter().all(|w| *w == 1.0 / tasks as f64));
            }
        }
        assert!(corrected > 20, "{corrected}");
    }

    #[test]
    fn non_conflicting_gradients_give_the_mean() {
        let rows = vec![
            vec![1.0, 0.0, 0.5],
            vec![0.0, 2.0, 0.0],
            vec![0.3, 0.1, 1.0],
            vec![0.0, 0.0, 0.1],
        ];
        let gram = Gram::of(&rows);
        assert_eq!(
            dualproj_weights(&gram, ITERATIONS, TOLERANCE),
            vec![0.25; 4]
        );
    }

    #[test]
    fn degenerate_inputs() {
        assert!(dualproj_weights(&Gram::of(&[]), ITERATIONS, TOLERANCE).is_empty());
        assert_eq!(
            dualproj_weights(&Gram::of(&[vec![3.0, -4.0]]), ITERATIONS, TOLERANCE),
            vec![1.0]
        );
        let zero = Gram::of(&[vec![0.0; 2], vec![0.0; 2], vec![0.0; 2]]);
        assert_eq!(
            dualproj_weights(&zero, ITERATIONS, TOLERANCE),
            vec![1.0 / 3.0; 3]
        );
    }
}
