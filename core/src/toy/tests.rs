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

fn cagrad_pareto_set() -> Vec<[f64; 2]> {
    ToyObjective::Cagrad.pareto_set(0.005)
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

#[test]
fn a_request_runs_each_method_from_each_start_as_run_toy_does() {
    let request = ToyRequest {
        objective: ToyObjective::Cagrad,
        methods: vec!["equal".into(), "cagrad".into()],
        starts: vec![[-8.5, 7.5], [9.0, 9.0]],
        steps: 300,
        learning_rate: 0.01,
        record_every: 100,
        seed: 7,
    };
    let result = run_request(&request).unwrap();
    assert_eq!(result.len(), 2);
    let settings = ToySettings {
        steps: 300,
        learning_rate: 0.01,
        record_every: 100,
    };
    for (runs, id) in result.iter().zip(["equal", "cagrad"]) {
        assert_eq!(runs.method, id);
        for (run, &start) in runs.runs.iter().zip(&request.starts) {
            let mut method = method_by_id(id, 2, 7, 0.01).unwrap();
            let alone = run_toy(ToyObjective::Cagrad, method.as_mut(), start, settings).unwrap();
            assert_eq!(run, &alone);
            assert_eq!(run.trajectory.len(), 4, "start + every 100 steps");
        }
    }
    let bad = ToyRequest {
        methods: vec!["nope".into()],
        ..request.clone()
    };
    assert!(run_request(&bad).unwrap_err().contains("nope"));
    let bad = ToyRequest {
        steps: 0,
        ..request
    };
    assert!(run_request(&bad).is_err());
}

#[test]
fn the_coarse_pareto_sets_lie_on_pareto_stationary_points() {
    for objective in [ToyObjective::Cagrad, ToyObjective::Concave] {
        let set = objective.pareto_set(0.05);
        assert!(set.len() > 100, "{objective:?}: {} points", set.len());
        for point in &set {
            assert!(
                objective.stationarity(*point) < 1e-6,
                "{objective:?} {point:?}: {}",
                objective.stationarity(*point)
            );
        }
    }
}
