//! Nash-MTL: the update is the Nash bargaining solution between the tasks, d = Σ_i α_i·g_i with
//! α > 0 solving (Gα)_i = 1/α_i for every i (each task's share ⟨d, g_i⟩ = 1/α_i).
//!
//! Navon, Shamsian, Achituve, Maron, Kawaguchi, Chechik & Fetaya, "Multi-Task Learning as a
//! Bargaining Game", ICML 2022 (Section 3 derives the equation, their Algorithm 1 uses it).
//!
//! The solution is the unique minimiser of the strictly convex f(α) = ½αᵀGα − Σ_i ln α_i over
//! α > 0 (∇f = Gα − 1/α), found here by damped Newton with Hessian G + diag(1/α²): f is
//! self-concordant (a convex quadratic plus a log barrier), so a backtracking line search that
//! keeps α > 0 and asks for Armijo decrease converges from any start, and once the Newton
//! decrement is below ¼ full steps are taken (they stay inside α > 0 and decrease f, Boyd &
//! Vandenberghe §9.6), converging quadratically. Start: α_i = 1/||g_i||, exact for orthogonal
//! gradients. Stop: max_i |α_i·(Hα)_i − 1| < `tolerance` (scale-free, H below), or after
//! `iterations` Newton steps.
//!
//! Hyperparameters: `ridge` (default 1e-8), `iterations` (default 100), `tolerance` (default
//! 1e-10). When G is singular f can be unbounded below (e.g. g_2 = −g_1: α = t·(1, 1) sends f
//! to −∞ as t grows), and no solution exists; the ridge replaces G by
//! H = G + ridge·diag(||g_1||², …, ||g_T||²) (relative to each task's own scale), so the
//! equation solved is α_i·(Hα)_i = 1: that moves a well-conditioned solution by about `ridge`
//! relative and keeps a degenerate one finite (α_i ~ 1/(||g_i||·sqrt(ridge)) along the null
//! direction, where the direction is ~0).
//!
//! Numerics: the Newton iteration runs on β_i = ||g_i||·α_i and the unit-diagonal
//! C = D⁻¹GD⁻¹ (D = diag ||g_i||), which satisfy Cβ = 1/β; Newton's method is affine
//! invariant, so this changes no iterate, only the conditioning of the linear solves.
//!
//! Scale: ||d||² = αᵀGα = Σ_i α_i·(Gα)_i = T, so the direction has length √T whatever the
//! gradients' scale (scaling every gradient by c scales α by 1/c and leaves d unchanged).
//!
//! Deviations from the authors' code: it approximates α with at most 20 steps of a
//! sequential convex program (cvxpy), warm-started from the previous training step, and clips
//! ||d|| to `max_norm` = 1; this solves the equation to `tolerance` from scratch, and leaves
//! any clipping to the trainer.

use super::Gram;
use super::linalg::solve;

/// Nash-MTL's per-task weights α from the Gram matrix (see the module documentation for
/// `ridge`, `iterations` and `tolerance`).
///
/// Degenerate input: T = 0 gives an empty vector; a task with a zero gradient (G_ii ≤ 0, or
/// not a number) has no share to bargain for and gets weight 0, the others are solved among
/// themselves (all zero: all weights 0, the direction is zero anyway). T = 1 gives
/// 1/||g_1||, a unit direction. With `ridge = 0` and a singular G the Newton steps follow f
/// towards −∞ until `iterations` runs out: the weights grow but stay finite.
pub fn nash_weights(gram: &Gram, ridge: f64, iterations: usize, tolerance: f64) -> Vec<f64> {
    let tasks = gram.tasks();
    let active: Vec<usize> = (0..tasks).filter(|&i| gram.get(i, i) > 0.0).collect();
    let mut weights = vec![0.0; tasks];
    if active.is_empty() {
        return weights;
    }
    // Solved in units of each gradient's norm: with D = diag(||g_i||), β = D·α solves
    // Cβ = 1/β for C = D⁻¹GD⁻¹ (unit diagonal), so uneven gradient scales cost no accuracy.
    let n = active.len();
    let norms: Vec<f64> = active.iter().map(|&i| gram.get(i, i).sqrt()).collect();
    let shift = ridge.max(0.0);
    let mut h = vec![0.0; n * n];
    for (a, &i) in active.iter().enumerate() {
        for (b, &j) in active.iter().enumerate() {
            h[a * n + b] =
                gram.get(i, j) / (norms[a] * norms[b]) + if a == b { shift } else { 0.0 };
        }
    }
    let beta = bargain(&h, n, iterations, tolerance);
    for (a, &i) in active.iter().enumerate() {
        weights[i] = beta[a] / norms[a];
    }
    weights
}

/// H·x for a row-major n×n H.
fn times(h: &[f64], n: usize, x: &[f64]) -> Vec<f64> {
    (0..n)
        .map(|i| (0..n).map(|j| h[i * n + j] * x[j]).sum())
        .collect()
}

/// f(α) = ½αᵀHα − Σ ln α_i (+∞ outside α > 0).
fn objective(h: &[f64], n: usize, alpha: &[f64]) -> f64 {
    if alpha.iter().any(|a| !(*a > 0.0)) {
        return f64::INFINITY;
    }
    let h_alpha = times(h, n, alpha);
    let quadratic: f64 = alpha.iter().zip(&h_alpha).map(|(a, b)| a * b).sum();
    0.5 * quadratic - alpha.iter().map(|a| a.ln()).sum::<f64>()
}

/// Damped Newton on f for a positive semi-definite H with unit diagonal (plus the ridge),
/// started at α = 1; here α is the β = D·α of [`nash_weights`].
fn bargain(h: &[f64], n: usize, iterations: usize, tolerance: f64) -> Vec<f64> {
    let mut alpha = vec![1.0; n];
    for _ in 0..iterations {
        let h_alpha = times(h, n, &alpha);
        let residual = alpha
            .iter()
            .zip(&h_alpha)
            .map(|(a, b)| (a * b - 1.0).abs())
            .fold(0.0, f64::max);
        if !(residual >= tolerance) {
            break;
        }
        let gradient: Vec<f64> = alpha
            .iter()
            .zip(&h_alpha)
            .map(|(a, b)| b - 1.0 / a)
            .collect();
        let mut hessian = h.to_vec();
        for i in 0..n {
            hessian[i * n + i] += 1.0 / (alpha[i] * alpha[i]);
        }
        let negative: Vec<f64> = gradient.iter().map(|g| -g).collect();
        let Some(step) = solve(&hessian, &negative) else {
            break;
        };
        // The squared Newton decrement, −∇fᵀΔ = ΔᵀHessΔ ≥ 0.
        let decrement: f64 = -gradient.iter().zip(&step).map(|(g, s)| g * s).sum::<f64>();
        if !(decrement > 0.0) {
            break;
        }
        let mut t = 1.0;
        if decrement.sqrt() >= 0.25 {
            // Damped phase: backtrack until α stays positive and f decreases enough (Armijo,
            // slope ¼ of the predicted decrease).
            let current = objective(h, n, &alpha);
            loop {
                let trial: Vec<f64> = alpha.iter().zip(&step).map(|(a, s)| a + t * s).collect();
                if objective(h, n, &trial) <= current - 0.25 * t * decrement {
                    break;
                }
                t *= 0.5;
                if t < 1e-12 {
                    return alpha;
                }
            }
        } else {
            // Quadratic phase: a decrement below 1 keeps every |Δ_i/α_i| < 1, so α stays
            // positive; halve only if rounding (an indefinite H) says otherwise.
            while alpha.iter().zip(&step).any(|(a, s)| !(a + t * s > 0.0)) {
                t *= 0.5;
                if t < 1e-12 {
                    return alpha;
                }
            }
        }
        for (a, s) in alpha.iter_mut().zip(&step) {
            *a += t * s;
        }
    }
    alpha
}

#[cfg(test)]
mod tests {
    use super::super::nonneg_qp::random_rows;
    use super::super::{Gram, combine};
    use super::*;
    use crate::rng::Rng;

    const RIDGE: f64 = 1e-8;
    const ITERATIONS: usize = 100;
    const TOLERANCE: f64 = 1e-10;

    fn assert_bargaining_solution(gram: &Gram, alpha: &[f64], slack: f64) {
        let g_alpha = gram.times(alpha);
        for (i, (a, b)) in alpha.iter().zip(&g_alpha).enumerate() {
            assert!(*a > 0.0, "α_{i} = {a}");
            assert!((a * b - 1.0).abs() < slack, "α_{i}·(Gα)_{i} = {}", a * b);
        }
    }

    #[test]
    fn orthogonal_gradients_by_hand() {
        // g_i orthogonal with norms n_i: (Gα)_i = n_i²·α_i = 1/α_i ⇒ α_i = 1/n_i, and the
        // direction Σ g_i/n_i is the sum of the unit gradients, of length √T.
        let rows = vec![
            vec![2.0, 0.0, 0.0],
            vec![0.0, 0.5, 0.0],
            vec![0.0, 0.0, 10.0],
        ];
        let gram = Gram::of(&rows);
        let alpha = nash_weights(&gram, 0.0, ITERATIONS, TOLERANCE);
        for (a, expected) in alpha.iter().zip([0.5, 2.0, 0.1]) {
            assert!((a - expected).abs() < 1e-12, "{alpha:?}");
        }
        assert!((gram.quadratic(&alpha) - 3.0).abs() < 1e-12);
    }

    #[test]
    fn symmetric_pairs_by_hand() {
        // ||g1|| = ||g2|| = 1, ⟨g1, g2⟩ = c: by symmetry α1 = α2 = a with a·(a + c·a) = 1, so
        // a = 1/sqrt(1 + c). The start (1, 1) is not the answer, so Newton has to work.
        for c in [0.5, -0.5, 0.9, -0.9] {
            let gram = Gram::from_row_major(vec![1.0, c, c, 1.0]);
            let alpha = nash_weights(&gram, 0.0, ITERATIONS, TOLERANCE);
            let expected = 1.0 / (1.0 + c).sqrt();
            assert!((alpha[0] - expected).abs() < 1e-9, "c = {c}: {alpha:?}");
            assert!((alpha[1] - expected).abs() < 1e-9, "c = {c}: {alpha:?}");
        }
    }

    #[test]
    fn random_full_rank_grams_reach_the_bargaining_solution() {
        let mut rng = Rng::new(17);
        for trial in 0..200 {
            let tasks = 2 + trial % 2;
            let rows = random_rows(&mut rng, tasks, 4);
            // Uneven scales, as real task gradients have.
            let rows: Vec<Vec<f64>> = rows
                .into_iter()
                .map(|row| {
                    let scale = 10f64.powf(rng.uniform_in(-2.0, 2.0));
                    row.into_iter().map(|x| scale * x).collect()
                })
                .collect();
            let gram = Gram::of(&rows);
            let alpha = nash_weights(&gram, 0.0, ITERATIONS, TOLERANCE);
            assert_bargaining_solution(&gram, &alpha, 1e-6);
            // The default ridge changes nothing visible on a full-rank G.
            let ridged = nash_weights(&gram, RIDGE, ITERATIONS, TOLERANCE);
            assert_bargaining_solution(&gram, &ridged, 1e-6);
            // ||d||² = T.
            let direction = combine(&rows, &alpha);
            let norm2: f64 = direction.iter().map(|x| x * x).sum();
            assert!((norm2 - tasks as f64).abs() < 1e-6, "{norm2}");
        }
    }

    #[test]
    fn degenerate_inputs() {
        assert!(nash_weights(&Gram::of(&[]), RIDGE, ITERATIONS, TOLERANCE).is_empty());
        // One task: α = 1/||g|| = 1/5; the ridge makes it 1/(5·sqrt(1 + ridge)).
        let single = Gram::of(&[vec![3.0, -4.0]]);
        assert_eq!(nash_weights(&single, 0.0, ITERATIONS, TOLERANCE), vec![0.2]);
        let ridged = nash_weights(&single, RIDGE, ITERATIONS, TOLERANCE);
        assert!(
            (ridged[0] - 0.2 / (1.0 + RIDGE).sqrt()).abs() < 1e-15,
            "{ridged:?}"
        );
        // A zero gradient gets weight 0; the others bargain as if it were absent.
        let rows = vec![vec![2.0, 0.0], vec![0.0, 0.0], vec![0.0, 4.0]];
        let alpha = nash_weights(&Gram::of(&rows), 0.0, ITERATIONS, TOLERANCE);
        assert_eq!(alpha[1], 0.0);
        assert!((alpha[0] - 0.5).abs() < 1e-12 && (alpha[2] - 0.25).abs() < 1e-12);
        let zero = Gram::of(&[vec![0.0; 2], vec![0.0; 2]]);
        assert_eq!(
            nash_weights(&zero, RIDGE, ITERATIONS, TOLERANCE),
            vec![0.0, 0.0]
        );
        // Opposite gradients: no solution without the ridge; with it (||g_i||² = 1), by
        // symmetry α = (a, a) with a·(ridge·a) = 1, a = 1/sqrt(ridge) = 1e4, direction 0.
        let rows = vec![vec![1.0, 0.0], vec![-1.0, 0.0]];
        let alpha = nash_weights(&Gram::of(&rows), RIDGE, ITERATIONS, TOLERANCE);
        assert!(
            (alpha[0] - 1e4).abs() < 1e-3 && (alpha[1] - 1e4).abs() < 1e-3,
            "{alpha:?}"
        );
        assert!(combine(&rows, &alpha).iter().all(|d| d.abs() < 1e-9));
        // Without the ridge the weights grow but stay finite.
        let alpha = nash_weights(&Gram::of(&rows), 0.0, ITERATIONS, TOLERANCE);
        assert!(alpha.iter().all(|a| a.is_finite() && *a > 1.0), "{alpha:?}");
    }
}
