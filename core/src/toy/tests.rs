//! What the papers establish about the toys, checked.

use super::*;
use crate::weighting::MethodContext;
use crate::weighting::{MgdaConfig, WeightingConfig};

fn method(config: &WeightingConfig) -> Box<dyn Weighting> {
    config
        .build(&MethodContext {
            tasks: crate::data::DatasetConfig::default().tasks(),
            seed: 1,
            learning_rate: 0.001,
        })
        .unwrap()
}

#[test]
fn concave_pareto_set_is_stationary_and_its_ends_are_the_minima() {
    let objective = ToyObjective::Concave;
    for t in [-1.0, -0.3, 0.0, 0.5, 1.0] {
        let point = [t / 2f64.sqrt(), t / 2f64.sqrt()];
        assert!(objective.stationarity(point) < 1e-12, "t = {t}");
    }
    assert!(objective.stationarity([1.0, -1.0]) > 0.1);
    let [f1, _] = objective.evaluate([1.0 / 2f64.sqrt(), 1.0 / 2f64.sqrt()]);
    assert!(f1.value.abs() < 1e-12 && f1.gradient.iter().all(|g| g.abs() < 1e-12));
}

#[test]
fn mgda_ends_pareto_stationary_on_both_toys() {
    let mgda = WeightingConfig::Mgda(MgdaConfig::default());
    for objective in [ToyObjective::Cagrad, ToyObjective::Concave] {
        for start in objective.start_points() {
            let run = run_toy(
                objective,
                method(&mgda).as_mut(),
                start,
                ToySettings::default(),
            )
            .unwrap();
            assert!(
                run.final_stationarity < 1e-3,
                "{} from {start:?}: ends at {:?} with min-norm {}",
                objective.id(),
                run.final_point,
                run.final_stationarity
            );
        }
    }
}

/// The CAGrad toy's Pareto set, traced numerically: for x₁ on a grid over (−7, 7), the x₂ in
/// [−10, −6] where the two gradients are anti-parallel (their cross product changes sign while
/// their inner product is negative), refined by bisection. The scan over all of [−10, 10]²
/// finds no other Pareto-stationary curve.
fn cagrad_pareto_set() -> Vec<[f64; 2]> {
    let objective = ToyObjective::Cagrad;
    let cross = |x1: f64, x2: f64| {
        let [f1, f2] = objective.evaluate([x1, x2]);
        let (a, b) = (f1.gradient, f2.gradient);
        (a[0] * b[1] - a[1] * b[0], a[0] * b[0] + a[1] * b[1])
    };
    let mut points = Vec::new();
    let mut x1 = -6.99;
    while x1 < 7.0 {
        let mut x2 = -10.0;
        while x2 < -6.0 {
            let (c_low, _) = cross(x1, x2);
            let (c_high, dot) = cross(x1, x2 + 0.01);
            if (c_low > 0.0) != (c_high > 0.0) && dot < 0.0 {
                let (mut low, mut high) = (x2, x2 + 0.01);
                for _ in 0..50 {
                    let middle = 0.5 * (low + high);
                    if (cross(x1, middle).0 > 0.0) == (c_low > 0.0) {
                        low = middle;
                    } else {
                        high = middle;
                    }
                }
                points.push([x1, 0.5 * (low + high)]);
            }
            x2 += 0.01;
        }
        x1 += 0.005;
    }
    points
}

#[test]
fn cagrad_ends_on_the_pareto_set_of_its_toy() {
    let pareto = cagrad_pareto_set();
    assert!(pareto.len() > 2000, "the traced set spans x₁ ∈ (−7, 7)");
    let cagrad = WeightingConfig::CaGrad(Default::default());
    for start in ToyObjective::Cagrad.start_points() {
        let run = run_toy(
            ToyObjective::Cagrad,
            method(&cagrad).as_mut(),
            start,
            ToySettings::default(),
        )
        .unwrap();
        let distance = pareto
            .iter()
            .map(|p| {
                ((p[0] - run.final_point[0]).powi(2) + (p[1] - run.final_point[1]).powi(2)).sqrt()
            })
            .fold(f64::INFINITY, f64::min);
        assert!(
            distance < 1e-2,
            "from {start:?}: ends at {:?}, {distance} from the Pareto set",
            run.final_point
        );
    }
}
