//! CAGrad (Conflict-Averse Gradient descent) of Liu, Liu, Jin, Stone & Liu, "Conflict-Averse
//! Gradient Descent for Multi-task Learning", NeurIPS 2021 (Algorithm 1).
//!
//! CAGrad looks, within a ball around the mean gradient g_0 = (1/T)·Σ_i g_i, for the direction
//! that maximises the worst local improvement of any task:
//! max_d min_i ⟨g_i, d⟩ subject to ||d − g_0|| ≤ c·||g_0||. Its dual is
//! w* = argmin_{w ∈ simplex} F(w) = g_wᵀ·g_0 + √φ·||g_w|| with g_w = Σ_i w_i·g_i and
//! φ = c²·||g_0||², and the primal solution is d = g_0 + (√φ/||g_w*||)·g_w*.
//!
//! F is convex on the simplex; it is minimised here by projected gradient descent with a
//! backtracking (Armijo) step, projecting with [`project_to_simplex`], to a tight tolerance
//! (LibMTL and the authors' code call SciPy's SLSQP instead).
//!
//! Hyperparameters: c ≥ 0, default [`CAGRAD_C`] = 0.5 (LibMTL's `calpha` default; the paper
//! tunes c per benchmark); c = 0 gives the mean gradient. Scale: the returned direction is
//! d/(1 + c²), LibMTL's `rescale = 1`, so that its scale stays that of the mean gradient:
//! a_k = (1/T + √φ/||g_w*||·w*_k)/(1 + c²).
//!
//! Degenerate input: T = 0 gives no weights. When g_0 = 0 (or c = 0) the ball is a point and the
//! weights are 1/(T·(1 + c²)). When the optimal g_w* vanishes (the tasks' gradients can cancel
//! inside the ball's reach, ||g_w*|| ≤ 1e-8·max_i ||g_i||), its direction is undefined and the
//! correction term is dropped: the weights are again 1/(T·(1 + c²)). With T = 1 the direction
//! is (1 + c)/(1 + c²)·g_1, as in the paper's formula.

use super::linalg::project_to_simplex;
use super::{Gram, dot};

/// The default conflict-aversion radius c.
pub const CAGRAD_C: f64 = 0.5;

/// CAGrad's per-task weights a_k (the direction Σ_k a_k·g_k is d/(1 + c²), see the module
/// documentation), solving the dual over the simplex with at most `iterations` projected
/// gradient steps, stopping once a step changes the dual weights by less than `tolerance` (L1).
/// Typical values: 10 000 and 1e-12.
pub fn cagrad_weights(gram: &Gram, c: f64, iterations: usize, tolerance: f64) -> Vec<f64> {
    let tasks = gram.tasks();
    if tasks == 0 {
        return Vec::new();
    }
    let rescale = 1.0 + c * c;
    let mean = vec![1.0 / tasks as f64; tasks];
    // √φ = |c|·||g_0||.
    let radius = c.abs() * gram.quadratic(&mean).max(0.0).sqrt();
    let plain: Vec<f64> = mean.iter().map(|m| m / rescale).collect();
    if !(radius > 0.0 && radius.is_finite()) {
        return plain;
    }
    let dual = cagrad_dual(gram, radius, iterations, tolerance);
    let combined = gram.quadratic(&dual).max(0.0).sqrt();
    let largest = (0..tasks)
        .map(|i| gram.get(i, i).max(0.0).sqrt())
        .fold(0.0, f64::max);
    if !(combined > 1e-8 * largest) {
        return plain;
    }
    let lambda = radius / combined;
    mean.iter()
        .zip(&dual)
        .map(|(m, w)| (m + lambda * w) / rescale)
        .collect()
}

/// w* = argmin over the simplex of F(w) = wᵀ·G·(1/T) + radius·√(wᵀ·G·w), by projected gradient
/// descent from the uniform weights with a backtracking step that doubles (up to a cap) after
/// every accepted step. Stops when an accepted step moves w by less than `tolerance` (L1), when
/// no step decreases F any more (machine precision), or after `iterations` steps.
fn cagrad_dual(gram: &Gram, radius: f64, iterations: usize, tolerance: f64) -> Vec<f64> {
    let tasks = gram.tasks();
    let mut weights = vec![1.0 / tasks as f64; tasks];
    // ⟨g_k, g_0⟩.
    let linear = gram.times(&weights);
    let objective = |w: &[f64]| dot(&linear, w) + radius * gram.quadratic(w).max(0.0).sqrt();
    let gradient = |w: &[f64]| -> Vec<f64> {
        let gw = gram.times(w);
        let norm = dot(w, &gw).max(0.0).sqrt();
        let factor = if norm > 0.0 { radius / norm } else { 0.0 };
        linear
            .iter()
            .zip(&gw)
            .map(|(l, g)| l + factor * g)
            .collect()
    };
    let largest = (0..tasks).map(|i| gram.get(i, i)).fold(0.0, f64::max);
    if !(largest > 0.0 && largest.is_finite()) {
        return weights;
    }
    let mut step = 1.0 / largest;
    // Past this, a step moves the weights far beyond the simplex and the projection only loses
    // precision; below the other, no step can decrease F.
    let (smallest_step, largest_step) = (step * 1e-30, step * 1e6);
    let mut value = objective(&weights);
    'descent: for _ in 0..iterations {
        let slope = gradient(&weights);
        loop {
            let moved: Vec<f64> = weights
                .iter()
                .zip(&slope)
                .map(|(w, s)| w - step * s)
                .collect();
            let candidate = project_to_simplex(&moved, 1.0);
            let delta: Vec<f64> = candidate.iter().zip(&weights).map(|(a, b)| a - b).collect();
            let candidate_value = objective(&candidate);
            let bound = value + dot(&slope, &delta) + dot(&delta, &delta) / (2.0 * step);
            if candidate_value <= bound {
                let change: f64 = delta.iter().map(|d| d.abs()).sum();
                weights = candidate;
                value = candidate_value;
                step = (2.0 * step).min(largest_step);
                if change < tolerance {
                    break 'descent;
                }
                break;
            }
            step /= 2.0;
            if step < smallest_step {
                break 'descent;
            }
        }
    }
    weights
}

#[cfg(test)]
mod tests {
    use super::super::{Gram, combine};
    use super::*;
    use crate::rng::Rng;

    const ITERATIONS: usize = 10_000;
    const TOLERANCE: f64 = 1e-12;

    fn random_rows(rng: &mut Rng, tasks: usize, width: usize) -> Vec<Vec<f64>> {
        (0..tasks)
            .map(|t| {
                let scale = (t + 1) as f64 * rng.uniform_in(0.2, 2.0);
                (0..width).map(|_| scale * rng.normal()).collect()
            })
            .collect()
    }

    /// F(w) of the dual, from the gradients themselves.
    fn dual_objective(rows: &[Vec<f64>], c: f64, w: &[f64]) -> f64 {
        let tasks = rows.len();
        let mean = combine(rows, &vec![1.0 / tasks as f64; tasks]);
        let gw = combine(rows, w);
        dot(&gw, &mean) + c * dot(&mean, &mean).sqrt() * dot(&gw, &gw).sqrt()
    }

    fn worst_improvement(rows: &[Vec<f64>], d: &[f64]) -> f64 {
        rows.iter().map(|g| dot(g, d)).fold(f64::INFINITY, f64::min)
    }

    #[test]
    fn c_zero_is_the_mean_gradient() {
        let rows = vec![
            vec![1.0, 0.0, 2.0],
            vec![-3.0, 1.0, 0.5],
            vec![0.0, 0.0, 1.0],
        ];
        let weights = cagrad_weights(&Gram::of(&rows), 0.0, ITERATIONS, TOLERANCE);
        assert_eq!(weights, vec![1.0 / 3.0; 3]);
    }

    #[test]
    fn two_tasks_by_hand() {
        // Collinear and opposed: g1 = (3, 0), g2 = (−1, 0), g0 = (1, 0), √φ = c = ½.
        // g_w = (4w1 − 1, 0): F = (4w1 − 1) + ½·|4w1 − 1| is least at w1 = 0, g_w = g2,
        // ||g_w|| = 1 ⇒ d = g0 + ½·g2 = (½, 0); /1.25 ⇒ (0.4, 0) with
        // a1 = (½)/1.25 = 0.4, a2 = (½ + ½)/1.25 = 0.8.
        let rows = vec![vec![3.0, 0.0], vec![-1.0, 0.0]];
        let weights = cagrad_weights(&Gram::of(&rows), 0.5, ITERATIONS, TOLERANCE);
        assert!((weights[0] - 0.4).abs() < 1e-12 && (weights[1] - 0.8).abs() < 1e-12);
        // Orthogonal: g1 = (1, 0), g2 = (0, 2), g0 = (½, 1), √φ = ½·√(5/4) = √5/4.
        // F(w1) = ⟨g_w, g0⟩ + √φ·||g_w|| = 2 − 3w1/2 + (√5/4)·√(w1² + 4(1 − w1)²); at w1 = 1 its
        // slope is −3/2 + √5/4 < 0, so w* = (1, 0), g_w = g1, ||g_w|| = 1:
        // a1 = (½ + √5/4)/1.25, a2 = ½/1.25 = 0.4. Task 1 (less improved by g0) gets more.
        let rows = vec![vec![1.0, 0.0], vec![0.0, 2.0]];
        let weights = cagrad_weights(&Gram::of(&rows), 0.5, ITERATIONS, TOLERANCE);
        let expected = (0.5 + 5f64.sqrt() / 4.0) / 1.25;
        assert!((weights[0] - expected).abs() < 1e-12 && (weights[1] - 0.4).abs() < 1e-12);
    }

    #[test]
    fn the_dual_is_minimised_over_the_simplex() {
        // No point of a fine grid over the simplex has a lower F than the solver's w*
        // (two and three tasks; three tasks in 2-D include a singular Gram matrix).
        let mut rng = Rng::new(41);
        let steps = 200;
        for (tasks, width) in [(2, 3), (3, 4), (3, 2)] {
            for _ in 0..10 {
                let rows = random_rows(&mut rng, tasks, width);
                let c = rng.uniform_in(0.1, 0.9);
                let gram = Gram::of(&rows);
                let mean = vec![1.0 / tasks as f64; tasks];
                let radius = c * gram.quadratic(&mean).sqrt();
                let w = cagrad_dual(&gram, radius, ITERATIONS, TOLERANCE);
                assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
                assert!(w.iter().all(|x| *x >= 0.0));
                let best = dual_objective(&rows, c, &w);
                let slack = 1e-9 * (1.0 + best.abs());
                let fraction = |k: usize| k as f64 / steps as f64;
                for i in 0..=steps {
                    if tasks == 2 {
                        let point = [fraction(i), fraction(steps - i)];
                        assert!(dual_objective(&rows, c, &point) >= best - slack);
                    } else {
                        for j in 0..=steps - i {
                            let point = [fraction(i), fraction(j), fraction(steps - i - j)];
                            assert!(dual_objective(&rows, c, &point) >= best - slack);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn the_direction_maximises_the_worst_improvement_in_the_ball() {
        // The primal: d·(1 + c²) lies in the ball ||d − g0|| ≤ c·||g0|| and no point of the ball
        // (a polar grid in 2-D) improves the worst task more; in particular not g0 itself.
        let mut rng = Rng::new(43);
        for tasks in [2, 3] {
            for _ in 0..20 {
                let rows = random_rows(&mut rng, tasks, 2);
                let c = rng.uniform_in(0.1, 0.9);
                let weights = cagrad_weights(&Gram::of(&rows), c, ITERATIONS, TOLERANCE);
                let d: Vec<f64> = combine(&rows, &weights)
                    .iter()
                    .map(|x| x * (1.0 + c * c))
                    .collect();
                let g0 = combine(&rows, &vec![1.0 / tasks as f64; tasks]);
                let radius = c * dot(&g0, &g0).sqrt();
                let offset = [d[0] - g0[0], d[1] - g0[1]];
                assert!(dot(&offset, &offset).sqrt() <= radius * (1.0 + 1e-9));
                let achieved = worst_improvement(&rows, &d);
                let slack = 1e-9 * (1.0 + achieved.abs());
                assert!(achieved >= worst_improvement(&rows, &g0) - slack);
                for r in 0..=20 {
                    for t in 0..360 {
                        let angle = (t as f64).to_radians();
                        let length = radius * r as f64 / 20.0;
                        let point = [g0[0] + length * angle.cos(), g0[1] + length * angle.sin()];
                        assert!(worst_improvement(&rows, &point) <= achieved + slack);
                    }
                }
            }
        }
    }

    #[test]
    fn degenerate_inputs() {
        assert!(cagrad_weights(&Gram::of(&[]), 0.5, ITERATIONS, TOLERANCE).is_empty());
        // One task: d = g1 + c·g1, rescaled: (1 + c)/(1 + c²) = 1.5/1.25.
        let single = cagrad_weights(&Gram::of(&[vec![3.0, 4.0]]), 0.5, ITERATIONS, TOLERANCE);
        assert!((single[0] - 1.2).abs() < 1e-12);
        // Zero mean gradient: the ball is the point 0; weights 1/(T·(1 + c²)).
        let opposed = vec![vec![1.0, 2.0], vec![-1.0, -2.0]];
        let weights = cagrad_weights(&Gram::of(&opposed), 0.5, ITERATIONS, TOLERANCE);
        assert_eq!(weights, vec![0.4, 0.4]);
        assert_eq!(combine(&opposed, &weights), vec![0.0, 0.0]);
        // g1 = −g2 cancel and g3 = (0, 1): F = w3/3 + (c/3)·||g_w|| ≥ 0 = F(½, ½, 0), so
        // g_w* = 0 and the correction is dropped: d = g0/(1 + c²), which is optimal
        // (min_i ⟨g_i, g0⟩ = 0 = F*).
        let cancel = vec![vec![1.0, 0.0], vec![-1.0, 0.0], vec![0.0, 1.0]];
        let weights = cagrad_weights(&Gram::of(&cancel), 0.5, ITERATIONS, TOLERANCE);
        assert!(
            weights.iter().all(|w| (w - 1.0 / 3.75).abs() < 1e-12),
            "{weights:?}"
        );
        // Tolerance 0 runs every iteration long after convergence: the step must not overflow.
        let rows = Gram::of(&[vec![3.0, 0.0], vec![-1.0, 0.0]]);
        let weights = cagrad_weights(&rows, 0.5, 5_000, 0.0);
        assert!((weights[0] - 0.4).abs() < 1e-12 && (weights[1] - 0.8).abs() < 1e-12);
        // All zero: no NaN.
        let zero = vec![vec![0.0, 0.0], vec![0.0, 0.0]];
        let weights = cagrad_weights(&Gram::of(&zero), 0.5, ITERATIONS, TOLERANCE);
        assert!(weights.iter().all(|w| w.is_finite()));
    }
}
