//! PE-LTR's Pareto-efficient weights (the PECsolver): the min-norm combination of the task
//! gradients among weights that sum to 1 and respect per-task lower bounds.
//!
//! Lin, Chen, Pei, Sun, Xiao, Sun, Zhang, Ou & Jiang, "A Pareto-Efficient Algorithm for
//! Multiple Objective Optimization in E-Commerce Recommendation", RecSys 2019 (its two-step
//! PECsolver).
//!
//! Given lower bounds c_i ≥ 0 with Σ c_i < 1, the weights are w = ĉ + c where:
//! 1. ĉ solves the relaxed problem min ||Σ_i (ĉ_i + c_i)·g_i||² s.t. Σ ĉ_i = 1 − Σ c_i, with no
//!    sign constraint, in closed form from its KKT system
//!    [[G, 1], [1ᵀ, 0]]·[ĉ; μ] = [−G·c; 1 − Σ c] (solved with `linalg::solve`);
//! 2. ĉ is replaced by its Euclidean projection onto {ĉ ≥ 0, Σ ĉ = 1 − Σ c}
//!    (`linalg::project_to_simplex`; the paper poses this step as a non-negative least-squares
//!    problem with the same solution).
//!
//! So the weights are ≥ c and sum to 1. With c = 0 and an interior optimum this is MGDA's
//! min-norm point; when the projection is active it is the paper's approximation, not the exact
//! constrained minimiser. Hyperparameter: `lower_bounds` c (default all 0, MGDA-like).
//! Scale: a convex combination of the gradients, so no longer than the longest of them; with
//! c = 0 and a feasible relaxed optimum it is the min-norm point of their hull, often far
//! shorter.
//!
//! Singular KKT system (G singular on {Σ v = 0}, e.g. duplicate gradients or T > P): the
//! relaxed problem has many minimisers, and the paper's closed form assumes none of this. The
//! pseudo-solution taken is the minimiser whose weights ĉ + c have the least Euclidean norm,
//! the limit of adding a ridge δ·I to G as δ → 0, approximated with δ = 1e-9 × the mean diagonal
//! of G (δ = 1 when G = 0). So zero gradients, where every combination is 0, get equal weights
//! as far as the bounds allow.

use super::Gram;
use super::linalg::{project_to_simplex, solve};

/// PE-LTR's weights from the Gram matrix and the lower bounds c (one per task; a missing
/// entry counts as 0, a negative one is raised to 0). The result is ≥ c and sums to 1.
///
/// Degenerate input: T = 0 gives an empty vector; T = 1 gives `[1.0]` (when c_1 < 1); when
/// Σ c ≥ 1 the bounds leave no room and c itself is returned (its sum is then not 1). Zero or
/// linearly dependent gradients go through the least-norm pseudo-solution of the module
/// documentation.
pub fn pe_ltr_weights(gram: &Gram, lower_bounds: &[f64]) -> Vec<f64> {
    let tasks = gram.tasks();
    let bounds: Vec<f64> = (0..tasks)
        .map(|i| lower_bounds.get(i).copied().unwrap_or(0.0).max(0.0))
        .collect();
    let room = 1.0 - bounds.iter().sum::<f64>();
    if tasks == 0 || !(room > 0.0) {
        return bounds;
    }
    let relaxed = relaxed_solution(gram, &bounds, room);
    let extra = project_to_simplex(&relaxed, room);
    bounds.iter().zip(&extra).map(|(c, e)| c + e).collect()
}

/// ĉ minimising (ĉ + c)ᵀG(ĉ + c) subject to Σ ĉ = `room`, from the KKT system; with a ridge
/// when the system is singular (see the module documentation).
fn relaxed_solution(gram: &Gram, bounds: &[f64], room: f64) -> Vec<f64> {
    let tasks = gram.tasks();
    let exact = kkt_solution(gram, bounds, room, 0.0);
    if let Some(solution) = exact {
        return solution;
    }
    let mean_diagonal = (0..tasks).map(|i| gram.get(i, i)).sum::<f64>() / tasks as f64;
    let ridge = if mean_diagonal > 0.0 {
        1e-9 * mean_diagonal
    } else {
        1.0
    };
    kkt_solution(gram, bounds, room, ridge).unwrap_or_else(|| vec![room / tasks as f64; tasks])
}

/// Solves [[G + ridge·I, 1], [1ᵀ, 0]]·[ĉ; μ] = [−(G + ridge·I)·c; room] for ĉ.
fn kkt_solution(gram: &Gram, bounds: &[f64], room: f64, ridge: f64) -> Option<Vec<f64>> {
    let tasks = gram.tasks();
    let n = tasks + 1;
    let mut matrix = vec![0.0; n * n];
    let mut rhs = vec![0.0; n];
    for i in 0..tasks {
        for j in 0..tasks {
            let value = gram.get(i, j) + if i == j { ridge } else { 0.0 };
            matrix[i * n + j] = value;
            rhs[i] -= value * bounds[j];
        }
        matrix[i * n + tasks] = 1.0;
        matrix[tasks * n + i] = 1.0;
    }
    rhs[tasks] = room;
    let mut solution = solve(&matrix, &rhs)?;
    solution.truncate(tasks);
    Some(solution)
}

#[cfg(test)]
mod tests {
    use super::super::nonneg_qp::random_rows;
    use super::super::{Gram, min_norm_two};
    use super::*;
    use crate::rng::Rng;

    #[test]
    fn interior_two_task_optimum_is_mgda() {
        // g1 = (1, 0), g2 = (0, 2): unconstrained w ∝ G⁻¹·1 = (1, ¼), i.e. (0.8, 0.2), which is
        // MGDA's γ = (bb − ab)/(aa + bb − 2ab) = 4/5.
        let gram = Gram::of(&[vec![1.0, 0.0], vec![0.0, 2.0]]);
        let weights = pe_ltr_weights(&gram, &[0.0, 0.0]);
        let gamma = min_norm_two(1.0, 0.0, 4.0);
        assert!((gamma - 0.8).abs() < 1e-12);
        assert!((weights[0] - gamma).abs() < 1e-12 && (weights[1] - (1.0 - gamma)).abs() < 1e-12);
        // Also with conflicting gradients: a = (1, 0), b = (−1, 1), interior γ = 3/5.
        let rows = vec![vec![1.0, 0.0], vec![-1.0, 1.0]];
        let gram = Gram::of(&rows);
        let gamma = min_norm_two(gram.get(0, 0), gram.get(0, 1), gram.get(1, 1));
        assert!(gamma > 0.0 && gamma < 1.0);
        let weights = pe_ltr_weights(&gram, &[]);
        assert!((weights[0] - gamma).abs() < 1e-12 && (weights[1] - (1.0 - gamma)).abs() < 1e-12);
    }

    #[test]
    fn lower_bound_by_hand() {
        // g1 = (3, 0), g2 = (1, 1): G = [[9, 3], [3, 2]], G⁻¹·1 = (1/9)·(−1, 6), so the relaxed
        // optimum is w = (−0.2, 1.2). With c = (0.2, 0): ĉ = w − c = (−0.4, 1.2), projected
        // onto {ĉ ≥ 0, Σ ĉ = 0.8}: shift 0.4 gives (0, 0.8), so w = (0.2, 0.8), the bound.
        let gram = Gram::of(&[vec![3.0, 0.0], vec![1.0, 1.0]]);
        let weights = pe_ltr_weights(&gram, &[0.2, 0.0]);
        assert!((weights[0] - 0.2).abs() < 1e-12 && (weights[1] - 0.8).abs() < 1e-12);
        // With c = 0 the projection gives (0, 1), MGDA's answer too (min_norm_two clamps to 0).
        let weights = pe_ltr_weights(&gram, &[0.0, 0.0]);
        assert!(weights[0].abs() < 1e-12 && (weights[1] - 1.0).abs() < 1e-12);
        assert_eq!(min_norm_two(9.0, 3.0, 2.0), 0.0);
    }

    #[test]
    fn weights_respect_the_bounds_and_sum_to_one() {
        let mut rng = Rng::new(19);
        let mut projected = 0;
        for trial in 0..200 {
            let tasks = 2 + trial % 4;
            let width = 1 + trial % 6;
            let gram = Gram::of(&random_rows(&mut rng, tasks, width));
            let total = rng.uniform_in(0.0, 0.9);
            let raw: Vec<f64> = (0..tasks).map(|_| rng.uniform()).collect();
            let sum: f64 = raw.iter().sum();
            let bounds: Vec<f64> = raw.iter().map(|r| r / sum * total).collect();
            let weights = pe_ltr_weights(&gram, &bounds);
            assert!(
                (weights.iter().sum::<f64>() - 1.0).abs() < 1e-9,
                "{weights:?}"
            );
            for (w, c) in weights.iter().zip(&bounds) {
                assert!(*w >= c - 1e-12, "{weights:?} vs {bounds:?}");
            }
            if weights
                .iter()
                .zip(&bounds)
                .any(|(w, c)| (w - c).abs() < 1e-12)
            {
                projected += 1;
            }
            // Feasible relaxed optimum: nothing in the feasible set along the constraint is
            // shorter (checked by nudging between pairs of tasks).
            let free: Vec<usize> = (0..tasks)
                .filter(|&i| weights[i] > bounds[i] + 1e-6)
                .collect();
            if free.len() == tasks {
                let best = gram.quadratic(&weights);
                for &i in &free {
                    for &j in &free {
                        if i != j {
                            let mut nudged = weights.clone();
                            nudged[i] += 1e-4;
                            nudged[j] -= 1e-4;
                            assert!(gram.quadratic(&nudged) >= best - 1e-12);
                        }
                    }
                }
            }
        }
        assert!(
            projected > 20,
            "the projection step was rarely exercised: {projected}"
        );
    }

    #[test]
    fn degenerate_inputs() {
        assert!(pe_ltr_weights(&Gram::of(&[]), &[]).is_empty());
        assert_eq!(
            pe_ltr_weights(&Gram::of(&[vec![3.0, -4.0]]), &[0.3]),
            vec![1.0]
        );
        // Zero gradients: the least-norm pseudo-solution is equal weights, (½, ½) ≥ (0.2, 0);
        // with c = (0.7, 0) it is (½, ½) again before the projection: ĉ = (−0.2, ½) projects
        // onto {ĉ ≥ 0, Σ ĉ = 0.3} as (0, 0.3), so w = (0.7, 0.3).
        let zero = Gram::of(&[vec![0.0; 2], vec![0.0; 2]]);
        let weights = pe_ltr_weights(&zero, &[0.2, 0.0]);
        assert!((weights[0] - 0.5).abs() < 1e-12 && (weights[1] - 0.5).abs() < 1e-12);
        let weights = pe_ltr_weights(&zero, &[0.7, 0.0]);
        assert!((weights[0] - 0.7).abs() < 1e-12 && (weights[1] - 0.3).abs() < 1e-12);
        // Duplicate gradients (singular KKT system): every split is optimal; the least-norm one
        // among them is (½, ½).
        let duplicate = Gram::of(&[vec![1.0, 2.0], vec![1.0, 2.0]]);
        let weights = pe_ltr_weights(&duplicate, &[0.0, 0.0]);
        assert!((weights[0] - 0.5).abs() < 1e-6 && (weights[1] - 0.5).abs() < 1e-6);
        // Bounds that leave no room come back unchanged.
        assert_eq!(pe_ltr_weights(&duplicate, &[0.7, 0.5]), vec![0.7, 0.5]);
    }
}
