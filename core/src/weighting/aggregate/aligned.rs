//! Aligned-MTL: the task gradients are replaced by orthogonal gradients of equal length (the
//! closest such set, a Procrustes problem), which are then combined with equal weights.
//!
//! Senushkin, Patakin, Kuznetsov & Konushin, "Independent Component Alignment for Multi-Task
//! Learning", CVPR 2023, Algorithm 1 (also `torchjd`'s `AlignedMTL`, adapted from the authors'
//! code).
//!
//! With G = VΛVᵀ, keeping the eigenpairs with λ_k > ε·λ_max (the numerical rank),
//! σ_min = sqrt(smallest kept λ) and B = σ_min·V Λ^{-1/2} Vᵀ over the kept pairs, the aligned
//! gradients are ĝ_j = Σ_k B_kj·g_k: their Gram matrix B G B equals σ_min²·I on the kept
//! subspace (orthogonal, all of length σ_min, the condition number of the system is 1). The
//! direction is their equal-weight combination (1/T)·Σ_j ĝ_j, so w = B·(1/T)·1.
//!
//! Hyperparameter: `epsilon`, the rank tolerance relative to the largest eigenvalue; default
//! T·2⁻²³ ≈ T·1.2e-7 (torchjd's `len(M)·torch.finfo().eps`, the float32 machine epsilon, right
//! for Gram matrices read back from float32 gradients). Scale: with full rank the direction has
//! length σ_min/√T (the mean of T orthogonal vectors of length σ_min = the smallest singular
//! value of the Jacobian); it scales with the gradients.
//!
//! Scale convention: the pre-weighting is the mean (1/T each, the paper's equal weights, as in
//! torchjd); LibMTL's port sums B's rows instead (`alpha = B.sum(0)`), a direction T times
//! longer with the same orientation.

use super::Gram;
use super::linalg::symmetric_eigen;

/// Aligned-MTL's per-task weights from the Gram matrix: B·(1/T)·1 with B the balance
/// transformation described in the module documentation, keeping the eigenvalues above
/// `epsilon`·λ_max.
///
/// Degenerate input: T = 0 gives an empty vector; when no eigenvalue is kept (all gradients
/// zero, or not a number) B is the identity, as in torchjd, and every weight is 1/T. T = 1
/// with a non-zero gradient gives `[1.0]`.
pub fn aligned_weights(gram: &Gram, epsilon: f64) -> Vec<f64> {
    let tasks = gram.tasks();
    let share = 1.0 / tasks.max(1) as f64;
    match balance_transformation(gram, epsilon) {
        Some(b) => (0..tasks)
            .map(|i| (0..tasks).map(|j| b[i * tasks + j]).sum::<f64>() * share)
            .collect(),
        None => vec![share; tasks],
    }
}

/// B = σ_min·V Λ^{-1/2} Vᵀ over the eigenpairs with λ > `epsilon`·λ_max (row-major T×T,
/// symmetric), or `None` when none is kept.
fn balance_transformation(gram: &Gram, epsilon: f64) -> Option<Vec<f64>> {
    let tasks = gram.tasks();
    let values: Vec<f64> = (0..tasks)
        .flat_map(|i| (0..tasks).map(move |j| gram.get(i, j)))
        .collect();
    let (eigenvalues, vectors) = symmetric_eigen(&values);
    let largest = *eigenvalues.last()?;
    if !(largest > 0.0) {
        return None;
    }
    // Ascending order: the kept pairs are a suffix, the first of them the smallest.
    let kept: Vec<usize> = (0..tasks)
        .filter(|&k| eigenvalues[k] > epsilon * largest)
        .collect();
    let sigma_min = eigenvalues[*kept.first()?].sqrt();
    let mut b = vec![0.0; tasks * tasks];
    for &k in &kept {
        let scale = sigma_min / eigenvalues[k].sqrt();
        for i in 0..tasks {
            for j in 0..tasks {
                b[i * tasks + j] += scale * vectors[i * tasks + k] * vectors[j * tasks + k];
            }
        }
    }
    Some(b)
}

#[cfg(test)]
mod tests {
    use super::super::nonneg_qp::random_rows;
    use super::super::{Gram, combine, dot};
    use super::*;
    use crate::rng::Rng;

    fn epsilon(tasks: usize) -> f64 {
        tasks as f64 * f64::from(f32::EPSILON)
    }

    /// The Gram matrix of the aligned gradients, B·G·B (B is symmetric).
    fn aligned_gram(gram: &Gram, b: &[f64]) -> Vec<f64> {
        let t = gram.tasks();
        let mut out = vec![0.0; t * t];
        for i in 0..t {
            for j in 0..t {
                out[i * t + j] = (0..t)
                    .flat_map(|k| (0..t).map(move |l| (k, l)))
                    .map(|(k, l)| b[i * t + k] * gram.get(k, l) * b[l * t + j])
                    .sum();
            }
        }
        out
    }

    #[test]
    fn orthogonal_gradients_by_hand() {
        // g1 = (2, 0), g2 = (0, 1): G = diag(4, 1), eigenvalues 1 and 4, σ_min = 1,
        // B = diag(1/2, 1): the aligned gradients are (1, 0) and (0, 1), both of length σ_min.
        // w = B·(½, ½) = (¼, ½) = sqrt(λ_min/λ_i)/T, direction (½, ½).
        let rows = vec![vec![2.0, 0.0], vec![0.0, 1.0]];
        let weights = aligned_weights(&Gram::of(&rows), epsilon(2));
        assert!((weights[0] - 0.25).abs() < 1e-12 && (weights[1] - 0.5).abs() < 1e-12);
        let direction = combine(&rows, &weights);
        assert!((direction[0] - 0.5).abs() < 1e-12 && (direction[1] - 0.5).abs() < 1e-12);
    }

    #[test]
    fn duplicate_gradients_drop_the_null_direction() {
        // g1 = g2 = (1, 0): G = [[1, 1], [1, 1]], eigenvalues 0 (dropped) and 2 with
        // v = (1, 1)/√2. σ_min = √2, B = √2·(1/√2)·v vᵀ = [[½, ½], [½, ½]], w = (½, ½):
        // the direction is g1, the mean.
        let gram = Gram::of(&[vec![1.0, 0.0], vec![1.0, 0.0]]);
        let weights = aligned_weights(&gram, epsilon(2));
        assert!((weights[0] - 0.5).abs() < 1e-12 && (weights[1] - 0.5).abs() < 1e-12);
    }

    #[test]
    fn aligned_gradients_are_orthogonal_with_equal_norms() {
        let rows = vec![
            vec![1.0, 0.2, 0.0, 0.3],
            vec![-0.3, 1.0, 0.5, 0.0],
            vec![0.4, -0.6, 1.0, -2.0],
        ];
        let gram = Gram::of(&rows);
        let b = balance_transformation(&gram, epsilon(3)).unwrap();
        let (eigenvalues, _) =
            symmetric_eigen(&(0..9).map(|n| gram.get(n / 3, n % 3)).collect::<Vec<_>>());
        assert!(
            eigenvalues[0] > 1e-3 * eigenvalues[2],
            "want a full-rank, distinct case"
        );
        let aligned = aligned_gram(&gram, &b);
        for i in 0..3 {
            for j in 0..3 {
                let expected = if i == j { eigenvalues[0] } else { 0.0 };
                assert!((aligned[i * 3 + j] - expected).abs() < 1e-10, "{aligned:?}");
            }
        }
        // The same, on the gradients themselves: ĝ_j = Σ_k B_kj g_k.
        let columns: Vec<Vec<f64>> = (0..3)
            .map(|j| combine(&rows, &(0..3).map(|k| b[k * 3 + j]).collect::<Vec<_>>()))
            .collect();
        assert!(dot(&columns[0], &columns[1]).abs() < 1e-10);
        assert!((dot(&columns[2], &columns[2]) - eigenvalues[0]).abs() < 1e-10);
        // Full rank: the direction is the mean of T orthogonal vectors of length σ_min.
        let weights = aligned_weights(&gram, epsilon(3));
        assert!((gram.quadratic(&weights) - eigenvalues[0] / 3.0).abs() < 1e-10);
    }

    #[test]
    fn rank_deficient_jacobians_align_on_their_span() {
        // Four gradients in the plane: G has rank 2, B G B = σ_min²·P with P the projector
        // onto the kept eigenvectors: (B G B)² = σ_min²·(B G B), trace = 2·σ_min².
        let mut rng = Rng::new(5);
        for _ in 0..20 {
            let rows = random_rows(&mut rng, 4, 2);
            let gram = Gram::of(&rows);
            let b = balance_transformation(&gram, epsilon(4)).unwrap();
            let aligned = aligned_gram(&gram, &b);
            let trace: f64 = (0..4).map(|i| aligned[i * 5]).sum();
            let sigma2 = trace / 2.0;
            let (eigenvalues, _) =
                symmetric_eigen(&(0..16).map(|n| gram.get(n / 4, n % 4)).collect::<Vec<_>>());
            assert!((sigma2 - eigenvalues[2]).abs() < 1e-9 * eigenvalues[3]);
            for i in 0..4 {
                for j in 0..4 {
                    let square: f64 = (0..4)
                        .map(|k| aligned[i * 4 + k] * aligned[k * 4 + j])
                        .sum();
                    assert!((square - sigma2 * aligned[i * 4 + j]).abs() < 1e-9 * sigma2.max(1.0));
                }
            }
        }
    }

    #[test]
    fn degenerate_inputs() {
        assert!(aligned_weights(&Gram::of(&[]), 1e-7).is_empty());
        assert_eq!(
            aligned_weights(&Gram::of(&[vec![3.0, -4.0]]), 1e-7),
            vec![1.0]
        );
        let zero = Gram::of(&[vec![0.0; 3], vec![0.0; 3]]);
        assert_eq!(aligned_weights(&zero, 1e-7), vec![0.5, 0.5]);
        // Scaling every gradient by c leaves B, so the weights, unchanged (σ_min and Λ^{1/2} both
        // scale by c).
        let rows = vec![vec![1.0, 2.0], vec![-0.5, 0.3]];
        let scaled: Vec<Vec<f64>> = rows
            .iter()
            .map(|r| r.iter().map(|x| 1e3 * x).collect())
            .collect();
        let a = aligned_weights(&Gram::of(&rows), 1e-7);
        let b = aligned_weights(&Gram::of(&scaled), 1e-7);
        assert!(a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-12));
    }
}
