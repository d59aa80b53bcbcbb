//! IMTL-G, the gradient half of Impartial Multi-Task Learning: Liu, Li, Kuang, Xue, Chen, Yang,
//! Liao & Zhang, "Towards Impartial Multi-task Learning", ICLR 2021 (Section 3.2, closed form).
//!
//! IMTL-G picks the combination d = Σ_i α_i·g_i with Σ_i α_i = 1 whose projections onto every
//! unit gradient u_i = g_i/||g_i|| are equal, ⟨d, u_1⟩ = … = ⟨d, u_T⟩, so no task is favoured.
//! With D the rows g_1 − g_i and U the rows u_1 − u_i (i = 2..T),
//! α_{2..T} = g_1·Uᵀ·(D·Uᵀ)⁻¹ and α_1 = 1 − Σ_{i≥2} α_i.
//!
//! Hyperparameters: none. Scale: the weights sum to 1 (an affine, not necessarily convex,
//! combination; weights may be negative), so d has the scale of a single task gradient.
//! The loss-scale half of the paper (IMTL-L) is not part of this function.
//!
//! From inner products only: ⟨g_a, u_b⟩ = G_ab/||g_b||, so (g_1·Uᵀ)_j = G_11/||g_1|| −
//! G_1j/||g_j|| and (D·Uᵀ)_ij = ⟨g_1 − g_i, u_1 − u_j⟩.
//!
//! Degenerate input: a task with a zero (or non-finite) gradient has no unit gradient; it gets
//! weight 0 and the rest are solved among the others (one left: weight 1 on it). When D·Uᵀ is
//! singular (two gradients parallel, more tasks than independent directions) the equal-projection
//! direction is not unique or does not exist, and the equal weights 1/T (the mean gradient) are
//! returned; they are also returned when every gradient is zero. T = 0 gives no weights.

use super::{Gram, linalg};

/// IMTL-G's per-task weights (summing to 1) for the task gradients whose Gram matrix is `gram`.
pub fn imtl_g_weights(gram: &Gram) -> Vec<f64> {
    let tasks = gram.tasks();
    let equal = vec![1.0 / tasks as f64; tasks];
    let active: Vec<usize> = (0..tasks)
        .filter(|&i| {
            let squared = gram.get(i, i);
            squared > 0.0 && squared.is_finite()
        })
        .collect();
    let norm = |i: usize| gram.get(i, i).sqrt();
    let mut weights = vec![0.0; tasks];
    match active.as_slice() {
        [] => return equal,
        [only] => {
            weights[*only] = 1.0;
            return weights;
        }
        _ => {}
    }
    let first = active[0];
    let rest = &active[1..];
    let n = rest.len();
    // ⟨g_a, u_1 − u_j⟩.
    let against = |a: usize, j: usize| gram.get(a, first) / norm(first) - gram.get(a, j) / norm(j);
    let right: Vec<f64> = rest.iter().map(|&j| against(first, j)).collect();
    // α (a row) solves α·M = g_1·Uᵀ with M = D·Uᵀ, M_ij = ⟨g_1 − g_i, u_1 − u_j⟩; i.e. Mᵀ·αᵀ.
    let mut transposed = vec![0.0; n * n];
    for (i, &task_i) in rest.iter().enumerate() {
        for (j, &task_j) in rest.iter().enumerate() {
            transposed[j * n + i] = against(first, task_j) - against(task_i, task_j);
        }
    }
    let Some(alpha) = linalg::solve(&transposed, &right) else {
        return equal;
    };
    if !alpha.iter().all(|a| a.is_finite()) {
        return equal;
    }
    weights[first] = 1.0 - alpha.iter().sum::<f64>();
    for (&task, a) in rest.iter().zip(alpha) {
        weights[task] = a;
    }
    weights
}

#[cfg(test)]
mod tests {
    use super::super::{Gram, combine, dot};
    use super::*;
    use crate::rng::Rng;

    /// ⟨d, u_i⟩ for every task.
    fn projections(rows: &[Vec<f64>], weights: &[f64]) -> Vec<f64> {
        let direction = combine(rows, weights);
        rows.iter()
            .map(|g| dot(&direction, g) / dot(g, g).sqrt())
            .collect()
    }

    #[test]
    fn two_tasks_by_hand() {
        // g1 = (1, 0), g2 = (0, 2): u1 = (1, 0), u2 = (0, 1); D = g1 − g2 = (1, −2),
        // U = u1 − u2 = (1, −1). g1·Uᵀ = 1, D·Uᵀ = 1 + 2 = 3 ⇒ α2 = 1/3, α1 = 2/3,
        // d = (2/3, 2/3): ⟨d, u1⟩ = ⟨d, u2⟩ = 2/3.
        let rows = vec![vec![1.0, 0.0], vec![0.0, 2.0]];
        let weights = imtl_g_weights(&Gram::of(&rows));
        assert!((weights[0] - 2.0 / 3.0).abs() < 1e-15);
        assert!((weights[1] - 1.0 / 3.0).abs() < 1e-15);
        let direction = combine(&rows, &weights);
        assert!(direction.iter().all(|d| (d - 2.0 / 3.0).abs() < 1e-15));
    }

    #[test]
    fn equal_projections_onto_every_unit_gradient() {
        let mut rng = Rng::new(13);
        for tasks in [2, 3, 4] {
            for _ in 0..100 {
                let rows: Vec<Vec<f64>> = (0..tasks)
                    .map(|t| {
                        // Different scales, so equal weights would not be impartial.
                        let scale = (t + 1) as f64 * rng.uniform_in(0.1, 3.0);
                        (0..6).map(|_| scale * rng.normal()).collect()
                    })
                    .collect();
                let weights = imtl_g_weights(&Gram::of(&rows));
                assert!((weights.iter().sum::<f64>() - 1.0).abs() < 1e-9);
                let projections = projections(&rows, &weights);
                let size = projections.iter().fold(1.0f64, |m, p| m.max(p.abs()));
                for p in &projections {
                    assert!(
                        (p - projections[0]).abs() < 1e-9 * size,
                        "{tasks} tasks: {projections:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn degenerate_inputs() {
        assert!(imtl_g_weights(&Gram::of(&[])).is_empty());
        assert_eq!(imtl_g_weights(&Gram::of(&[vec![2.0, 1.0]])), vec![1.0]);
        // Parallel gradients: D·Uᵀ = 0, every combination is impartial; the mean is returned.
        let parallel = vec![vec![1.0, 0.0], vec![2.0, 0.0]];
        assert_eq!(imtl_g_weights(&Gram::of(&parallel)), vec![0.5, 0.5]);
        // All zero: the mean (itself zero), no NaN.
        let zero = vec![vec![0.0, 0.0], vec![0.0, 0.0]];
        assert_eq!(imtl_g_weights(&Gram::of(&zero)), vec![0.5, 0.5]);
        // A zero gradient is left out; the others are solved as in the two-task case by hand.
        let rows = vec![vec![0.0, 0.0], vec![1.0, 0.0], vec![0.0, 2.0]];
        let weights = imtl_g_weights(&Gram::of(&rows));
        assert_eq!(weights[0], 0.0);
        assert!((weights[1] - 2.0 / 3.0).abs() < 1e-15);
        assert!((weights[2] - 1.0 / 3.0).abs() < 1e-15);
        // One non-zero gradient: it is the direction.
        let rows = vec![vec![0.0, 0.0], vec![3.0, 4.0]];
        assert_eq!(imtl_g_weights(&Gram::of(&rows)), vec![0.0, 1.0]);
    }
}
