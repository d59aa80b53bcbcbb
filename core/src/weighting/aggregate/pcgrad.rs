//! PCGrad ("projecting conflicting gradients"), the gradient surgery of Yu, Kumar, Gupta,
//! Levine, Hausman & Finn, "Gradient Surgery for Multi-Task Learning", NeurIPS 2020,
//! Algorithm 1.
//!
//! For each task i, start from g_i' = g_i and visit the other tasks j in a random order; when
//! g_i' conflicts with the *original* g_j (⟨g_i', g_j⟩ < 0), project it onto g_j's normal plane:
//! g_i' ← g_i' − ⟨g_i', g_j⟩ / ||g_j||² · g_j. The direction is the **sum** Σ_i g_i' (as in the
//! paper and its reference implementation, not the mean), so without conflicts it is Σ_i g_i
//! (every weight 1) and its scale grows with the number of tasks.
//!
//! Hyperparameters: none. Randomness: one fresh shuffle of the other tasks per task i, drawn
//! from the project's [`Rng`] (the reference implementation also reshuffles per task; the
//! paper's Algorithm 1 samples "T_j ∈ B \ T_i in random order", so i itself is not visited).
//!
//! Only inner products are needed: each g_i' is tracked by its coefficients c_i in
//! gradient-combination space (g_i' = Σ_k c_ik·g_k), so ⟨g_i', g_j⟩ = (G·c_i)_j.
//!
//! Degenerate input: a task with ||g_j||² = 0 (or a non-finite one) is never projected against;
//! T = 1 gives the weight 1, T = 0 no weights.

use super::Gram;
use crate::rng::Rng;

/// The projected gradients g_i', one row of coefficients c_i per task (g_i' = Σ_k c_ik·g_k),
/// in task order. Draws one shuffle of the other tasks per task from `rng`.
pub fn pcgrad_projections(gram: &Gram, rng: &mut Rng) -> Vec<Vec<f64>> {
    let tasks = gram.tasks();
    (0..tasks)
        .map(|i| {
            let mut coefficients = vec![0.0; tasks];
            coefficients[i] = 1.0;
            let mut others: Vec<usize> = (0..tasks).filter(|&j| j != i).collect();
            rng.shuffle(&mut others);
            for j in others {
                let squared_norm = gram.get(j, j);
                if !(squared_norm > 0.0 && squared_norm.is_finite()) {
                    continue;
                }
                let inner = gram.times(&coefficients)[j];
                if inner < 0.0 {
                    coefficients[j] -= inner / squared_norm;
                }
            }
            coefficients
        })
        .collect()
}

/// PCGrad's per-task weights: Σ_i c_i, so that `combine(rows, &weights)` = Σ_i g_i'. All ones
/// when no pair of gradients conflicts.
pub fn pcgrad_weights(gram: &Gram, rng: &mut Rng) -> Vec<f64> {
    let mut weights = vec![0.0; gram.tasks()];
    for coefficients in pcgrad_projections(gram, rng) {
        for (weight, c) in weights.iter_mut().zip(coefficients) {
            *weight += c;
        }
    }
    weights
}

#[cfg(test)]
mod tests {
    use super::super::nonneg_qp::random_rows;
    use super::super::{Gram, combine, dot};
    use super::*;

    #[test]
    fn two_conflicting_tasks_by_hand() {
        // g1 = (1, 0), g2 = (−1, 1): ⟨g1, g2⟩ = −1, ||g1||² = 1, ||g2||² = 2.
        // g1' = g1 − (−1/2)·g2 = (½, ½)  → c1 = (1, ½);
        // g2' = g2 − (−1/1)·g1 = (0, 1)  → c2 = (1, 1).
        // Sum: weights (2, 3/2), direction (½, 3/2).
        let rows = vec![vec![1.0, 0.0], vec![-1.0, 1.0]];
        let gram = Gram::of(&rows);
        let mut rng = Rng::new(1);
        assert_eq!(
            pcgrad_projections(&gram, &mut rng),
            vec![vec![1.0, 0.5], vec![1.0, 1.0]]
        );
        let weights = pcgrad_weights(&gram, &mut rng);
        assert_eq!(weights, vec![2.0, 1.5]);
        assert_eq!(combine(&rows, &weights), vec![0.5, 1.5]);
    }

    #[test]
    fn two_tasks_projected_gradients_no_longer_conflict() {
        // The paper's guarantee for two tasks: after surgery each g_i' has a non-negative inner
        // product with the other task's original gradient (zero where they conflicted).
        let mut rng = Rng::new(11);
        let mut conflicts = 0;
        for _ in 0..200 {
            let rows = random_rows(&mut rng, 2, 4);
            let gram = Gram::of(&rows);
            let conflicting = gram.get(0, 1) < 0.0;
            conflicts += usize::from(conflicting);
            let projected = pcgrad_projections(&gram, &mut rng);
            for (i, j) in [(0, 1), (1, 0)] {
                let inner = dot(&combine(&rows, &projected[i]), &rows[j]);
                assert!(inner >= -1e-12, "⟨g{i}', g{j}⟩ = {inner}");
                if conflicting {
                    assert!(inner.abs() < 1e-12, "projection leaves {inner}");
                } else {
                    assert_eq!(combine(&rows, &projected[i]), rows[i]);
                }
            }
        }
        assert!(
            conflicts > 50,
            "the sample exercises conflicts ({conflicts})"
        );
    }

    #[test]
    fn non_conflicting_gradients_are_left_alone() {
        // Pairwise inner products 0, 1 and 2 ≥ 0: no surgery, every weight exactly 1.
        let rows = vec![
            vec![1.0, 0.0, 0.0],
            vec![0.0, 1.0, 0.0],
            vec![1.0, 2.0, 3.0],
        ];
        let gram = Gram::of(&rows);
        for seed in 0..5 {
            assert_eq!(
                pcgrad_weights(&gram, &mut Rng::new(seed)),
                vec![1.0, 1.0, 1.0]
            );
        }
    }

    #[test]
    fn matches_the_algorithm_run_on_the_gradients_themselves() {
        // Algorithm 1 on explicit vectors, with the same shuffles, gives the same direction.
        let mut data = Rng::new(5);
        for _ in 0..20 {
            let rows = random_rows(&mut data, 4, 3);
            let seed = data.next_u64();
            let mut rng = Rng::new(seed);
            let mut expected = vec![0.0; 3];
            for i in 0..4 {
                let mut projected = rows[i].clone();
                let mut others: Vec<usize> = (0..4).filter(|&j| j != i).collect();
                rng.shuffle(&mut others);
                for j in others {
                    let inner = dot(&projected, &rows[j]);
                    if inner < 0.0 {
                        let scale = inner / dot(&rows[j], &rows[j]);
                        for (p, g) in projected.iter_mut().zip(&rows[j]) {
                            *p -= scale * g;
                        }
                    }
                }
                for (e, p) in expected.iter_mut().zip(&projected) {
                    *e += p;
                }
            }
            let weights = pcgrad_weights(&Gram::of(&rows), &mut Rng::new(seed));
            let direction = combine(&rows, &weights);
            for (d, e) in direction.iter().zip(&expected) {
                assert!((d - e).abs() < 1e-12, "{direction:?} vs {expected:?}");
            }
        }
    }

    #[test]
    fn degenerate_inputs() {
        let mut rng = Rng::new(0);
        assert!(pcgrad_weights(&Gram::of(&[]), &mut rng).is_empty());
        assert_eq!(
            pcgrad_weights(&Gram::of(&[vec![3.0, 4.0]]), &mut rng),
            vec![1.0]
        );
        // A zero gradient is never projected against, and nothing becomes NaN.
        let rows = vec![vec![1.0, 0.0], vec![0.0, 0.0], vec![-1.0, 1.0]];
        let weights = pcgrad_weights(&Gram::of(&rows), &mut rng);
        assert_eq!(weights, vec![2.0, 1.0, 1.5]);
    }
}
