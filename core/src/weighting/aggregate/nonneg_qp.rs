//! The bound-constrained quadratic program behind UPGrad and DualProj:
//! minimise λᵀGλ subject to λ ≥ `lower` (elementwise), G symmetric positive semi-definite.
//!
//! Its solution w gives the Euclidean projection of Σ_k lower_k·g_k onto the dual cone
//! {x : ⟨x, g_k⟩ ≥ 0 ∀k} of the task gradients, as Σ_k w_k·g_k (Quinton & Rey, "Jacobian
//! Descent for Multi-Objective Optimization", arXiv 2406.16232, 2024, Proposition 1).
//!
//! Solved by cyclic coordinate descent with exact minimisation along each coordinate (a
//! convex quadratic over a half-line): λ_i ← max(lower_i, λ_i − (Gλ)_i / G_ii), or
//! λ_i ← lower_i when G_ii = 0 (then g_i = 0 and λ_i does not change the objective). It
//! converges for every positive semi-definite G (Luo & Tseng, JOTA 1992), but only linearly,
//! and it crawls when G is ill-conditioned or the solution is far from `lower` (nearly
//! opposite gradients, as in g1 = (1, 0), g2 = (−1, ε): λ ~ 1/ε, reached by steps of O(1)).
//! So after every sweep a face step follows, as in active-set methods: with F the coordinates
//! above their bound, the minimiser over the face {λ_i = lower_i, i ∉ F} (the linear system
//! G_FF·λ_F = −G_FB·lower_B, `linalg::solve`) replaces λ when it is feasible and no worse.
//! Once the sweeps have found the optimal face this lands on the solution, and the next
//! sweep confirms it; when the face system is singular or its solution infeasible, the sweeps
//! carry on alone. Each coordinate update leaves (Gλ)_i ≥ 0, with equality unless
//! λ_i = lower_i, so at the end the KKT conditions hold up to about
//! `tolerance × max(1, max|λ|) × max|G_ij|`.

use super::Gram;
use super::linalg::solve;

/// Minimises λᵀGλ subject to λ ≥ `lower`, by cyclic coordinate descent started at `lower`,
/// each sweep followed by a face step (see the module documentation).
///
/// Stops after the first sweep whose largest coordinate change is below
/// `tolerance × max(1, max_i |λ_i|)` (the problem is invariant to scaling G, so λ carries no
/// gradient scale), or after `iterations` sweeps. `lower` has one entry per task; a missing
/// entry counts as 0. Suggested defaults: `iterations = 10_000`, `tolerance = 1e-13` (a sweep
/// costs O(T³) with its face step; the usual case stops after a few sweeps).
///
/// Degenerate input: T = 0 gives an empty vector; a zero gradient (G_ii ≤ 0, or not a number)
/// keeps its λ_i at `lower_i`, so a zero Gram matrix returns `lower` itself. Never panics; if G
/// is not positive semi-definite (rounding) the objective may be unbounded below and the
/// result is whatever the iteration cap leaves.
pub fn min_quadratic_above(
    gram: &Gram,
    lower: &[f64],
    iterations: usize,
    tolerance: f64,
) -> Vec<f64> {
    let tasks = gram.tasks();
    let bound = |i: usize| lower.get(i).copied().unwrap_or(0.0);
    let bounds: Vec<f64> = (0..tasks).map(bound).collect();
    let mut lambda = bounds.clone();
    for _ in 0..iterations {
        let mut largest = 0.0f64;
        for i in 0..tasks {
            let curvature = gram.get(i, i);
            let next = if curvature > 0.0 {
                // (Gλ)_i recomputed from scratch: no drift from incremental updates.
                let slope: f64 = (0..tasks).map(|k| gram.get(i, k) * lambda[k]).sum();
                (lambda[i] - slope / curvature).max(bounds[i])
            } else {
                bounds[i]
            };
            largest = largest.max((next - lambda[i]).abs());
            lambda[i] = next;
        }
        let scale = lambda.iter().fold(1.0f64, |m, l| m.max(l.abs()));
        // `!(largest >= …)` also stops on a NaN change instead of spinning.
        if !(largest >= tolerance * scale) {
            break;
        }
        if let Some(candidate) = face_minimiser(gram, &bounds, &lambda)
            && gram.quadratic(&candidate) <= gram.quadratic(&lambda)
        {
            lambda = candidate;
        }
    }
    lambda
}

/// The minimiser of λᵀGλ over the face of `lambda` (its coordinates at their bound stay there,
/// the others are free), when that system is non-singular and its solution is feasible.
fn face_minimiser(gram: &Gram, bounds: &[f64], lambda: &[f64]) -> Option<Vec<f64>> {
    let tasks = gram.tasks();
    let free: Vec<usize> = (0..tasks).filter(|&i| lambda[i] > bounds[i]).collect();
    if free.is_empty() {
        return None;
    }
    let n = free.len();
    let mut matrix = vec![0.0; n * n];
    let mut rhs = vec![0.0; n];
    for (a, &i) in free.iter().enumerate() {
        for (b, &j) in free.iter().enumerate() {
            matrix[a * n + b] = gram.get(i, j);
        }
        rhs[a] = -(0..tasks)
            .filter(|j| !free.contains(j))
            .map(|j| gram.get(i, j) * bounds[j])
            .sum::<f64>();
    }
    let solution = solve(&matrix, &rhs)?;
    let mut candidate = lambda.to_vec();
    for (&i, &value) in free.iter().zip(&solution) {
        if !(value >= bounds[i]) {
            return None;
        }
        candidate[i] = value;
    }
    Some(candidate)
}

/// Random T×width Jacobians (standard normal entries) for the property tests of the
/// aggregators.
#[cfg(test)]
pub(super) fn random_rows(rng: &mut crate::rng::Rng, tasks: usize, width: usize) -> Vec<Vec<f64>> {
    (0..tasks)
        .map(|_| (0..width).map(|_| rng.normal()).collect())
        .collect()
}

/// Random T×width Jacobians with at least one conflicting pair (⟨g_i, g_j⟩ < 0), redrawn until
/// there is one.
#[cfg(test)]
pub(super) fn random_conflicting_rows(
    rng: &mut crate::rng::Rng,
    tasks: usize,
    width: usize,
) -> Vec<Vec<f64>> {
    loop {
        let rows = random_rows(rng, tasks, width);
        let gram = Gram::of(&rows);
        if (0..tasks).any(|i| (0..i).any(|j| gram.get(i, j) < 0.0)) {
            return rows;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Gram;
    use super::*;
    use crate::rng::Rng;

    /// Checks the KKT conditions of min λᵀGλ s.t. λ ≥ lower: feasibility, (Gλ)_i ≥ 0, and
    /// (Gλ)_i = 0 wherever λ_i > lower_i.
    fn assert_kkt(gram: &Gram, lower: &[f64], lambda: &[f64], slack: f64) {
        let g_lambda = gram.times(lambda);
        for i in 0..gram.tasks() {
            assert!(
                lambda[i] >= lower[i],
                "λ_{i} = {} < {}",
                lambda[i],
                lower[i]
            );
            assert!(g_lambda[i] >= -slack, "(Gλ)_{i} = {}", g_lambda[i]);
            if lambda[i] > lower[i] {
                assert!(g_lambda[i].abs() <= slack, "(Gλ)_{i} = {}", g_lambda[i]);
            }
        }
    }

    #[test]
    fn two_by_two_by_hand() {
        // g1 = (1, 0), g2 = (−1, 1): G = [[1, −1], [−1, 2]], λᵀGλ = λ1² − 2λ1λ2 + 2λ2².
        let gram = Gram::from_row_major(vec![1.0, -1.0, -1.0, 2.0]);
        // λ ≥ (1, 0): for fixed λ1, ∂/∂λ2 = −2λ1 + 4λ2 = 0 ⇒ λ2 = λ1/2, leaving λ1²/2, which
        // grows with λ1, so λ1 = 1 and λ = (1, ½) (g1 + ½g2 = (½, ½), orthogonal to g2).
        let lambda = min_quadratic_above(&gram, &[1.0, 0.0], 100, 1e-13);
        assert!((lambda[0] - 1.0).abs() < 1e-12 && (lambda[1] - 0.5).abs() < 1e-12);
        // λ ≥ (0, 1): ∂/∂λ1 = 2λ1 − 2λ2 = 0 ⇒ λ1 = λ2, leaving λ2², so λ = (1, 1).
        let lambda = min_quadratic_above(&gram, &[0.0, 1.0], 100, 1e-13);
        assert!((lambda[0] - 1.0).abs() < 1e-12 && (lambda[1] - 1.0).abs() < 1e-12);
        // λ ≥ (0, 0): the unconstrained minimum 0 is feasible.
        assert_eq!(
            min_quadratic_above(&gram, &[0.0, 0.0], 100, 1e-13),
            vec![0.0, 0.0]
        );
        // A bound that is already optimal stays put: λ ≥ (1, 1) with Gλ = (0, 1) ≥ 0.
        assert_eq!(
            min_quadratic_above(&gram, &[1.0, 1.0], 100, 1e-13),
            vec![1.0, 1.0]
        );
    }

    #[test]
    fn nearly_opposite_gradients_need_the_face_step() {
        // g1 = (1, 0), g2 = (−1, ε), g3 = (0, −1) positively span the plane, so the dual cone
        // is {0} and the optimum has Σ λ_k g_k = 0 with λ ≥ ⅓: λ1 = λ2 = t, λ3 = ε·t ≥ ⅓, so
        // t ≥ 1/(3ε). Coordinate steps are O(1) here and would need thousands of sweeps to
        // climb to t = 333; the face step solves G_FF·λ_F = −G_FB·lower_B for F = {1, 2}:
        // [[1, −1], [−1, 1 + ε²]]·(t, t) = (0, ε/3), t = 1/(3ε), in a few sweeps.
        let epsilon = 1e-3;
        let rows = vec![vec![1.0, 0.0], vec![-1.0, epsilon], vec![0.0, -1.0]];
        let gram = Gram::of(&rows);
        let lower = [1.0 / 3.0; 3];
        let lambda = min_quadratic_above(&gram, &lower, 10, 1e-13);
        assert_kkt(&gram, &lower, &lambda, 1e-9);
        assert!(gram.quadratic(&lambda) < 1e-18, "{lambda:?}");
        // Rounding may free λ3 by a hair, moving along the optimal set {t ≥ 1/(3ε)}.
        let t = 1.0 / (3.0 * epsilon);
        assert!((lambda[0] / t - 1.0).abs() < 1e-9, "{lambda:?}");
        assert!((lambda[1] / t - 1.0).abs() < 1e-9, "{lambda:?}");
        assert!((lambda[2] - 1.0 / 3.0).abs() < 1e-9, "{lambda:?}");
    }

    #[test]
    fn random_problems_meet_the_kkt_conditions() {
        let mut rng = Rng::new(7);
        let mut active = 0;
        for trial in 0..200 {
            let tasks = 2 + trial % 5;
            // Some Jacobians are wide (G full rank), some narrow (G singular).
            let width = 1 + trial % 7;
            let rows = random_rows(&mut rng, tasks, width);
            let gram = Gram::of(&rows);
            let lower: Vec<f64> = (0..tasks)
                .map(|_| {
                    if rng.bernoulli(0.3) {
                        0.0
                    } else {
                        rng.uniform()
                    }
                })
                .collect();
            let lambda = min_quadratic_above(&gram, &lower, 100_000, 1e-14);
            let scale = (0..tasks).map(|i| gram.get(i, i)).fold(0.0, f64::max);
            assert_kkt(&gram, &lower, &lambda, 1e-9 * scale.max(1.0));
            active += lambda.iter().zip(&lower).filter(|(l, b)| l > b).count();
        }
        // The constraints are not all trivially tight: many coordinates moved off their bound.
        assert!(active > 100, "only {active} free coordinates");
    }

    #[test]
    fn zero_gradients_keep_their_bound() {
        // g2 = 0: λ2 stays at its bound; g1 alone is unconstrained above its bound 0.5.
        let rows = vec![vec![1.0, 2.0], vec![0.0, 0.0], vec![-1.0, -2.0]];
        let gram = Gram::of(&rows);
        let lambda = min_quadratic_above(&gram, &[0.5, 0.25, 0.0], 100, 1e-13);
        assert_eq!(lambda[1], 0.25);
        // g1 and g3 = −g1 cancel: λ3 = λ1 = 0.5.
        assert!((lambda[0] - 0.5).abs() < 1e-12 && (lambda[2] - 0.5).abs() < 1e-12);
        let zero = Gram::of(&[vec![0.0; 3], vec![0.0; 3]]);
        assert_eq!(
            min_quadratic_above(&zero, &[0.3, 0.7], 100, 1e-13),
            vec![0.3, 0.7]
        );
        assert!(min_quadratic_above(&Gram::of(&[]), &[], 100, 1e-13).is_empty());
    }
}
